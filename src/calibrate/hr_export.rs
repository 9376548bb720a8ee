//! An organisation's own HR export as calibration targets: one row per employment
//! spell, read and checked row by row, and the catalogue's moments computed from it
//! over an observation window, each with its sampling standard error.
//!
//! ```csv
//! employee_id,level,hire_date,exit_date,exit_reason,birth_year,performance_rating
//! E001,engineer,2019-03-04,2023-06-30,voluntary,1990,3.5
//! E002,manager,2015-01-12,,,1982,4
//! ```
//!
//! `birth_year` and `performance_rating` are optional columns (and may be blank).

use std::fmt;
use std::path::{Path, PathBuf};

use super::targets::{Moment, Precision, Target};
use crate::config::Config;
use crate::metrics::TrialMetric;

/// The columns every export has, in any order.
pub const REQUIRED: [&str; 5] = ["employee_id", "level", "hire_date", "exit_date", "exit_reason"];
/// The columns an export may have.
pub const OPTIONAL: [&str; 2] = ["birth_year", "performance_rating"];

/// Days in a mean Gregorian year.
const YEAR_DAYS: f64 = 365.2425;

/// How a spell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitReason {
    /// The employee quit.
    Voluntary,
    /// The employer ended it.
    Dismissal,
    /// Retirement.
    Retirement,
    /// Anything else (death, the end of a contract...): counted in no rate.
    Other,
}

/// One employment spell.
#[derive(Debug, Clone, PartialEq)]
pub struct Spell {
    /// The employee.
    pub employee: String,
    /// Index of the scenario level.
    pub level: usize,
    /// Hire date, days since 1970-01-01.
    pub hired: i64,
    /// Exit date and reason; `None` while still employed.
    pub exit: Option<(i64, ExitReason)>,
    /// Year of birth, if given.
    pub birth_year: Option<i32>,
    /// Performance rating, if given.
    pub rating: Option<f64>,
}

/// The observation window: the export is complete for the dates between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First day, days since 1970-01-01.
    pub start: i64,
    /// Last day.
    pub end: i64,
}

/// One thing wrong with an export: its line (1 is the header), column and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// Line in the file; `None` for the file as a whole.
    pub line: Option<u64>,
    /// The column's name, when one is at fault.
    pub column: Option<String>,
    /// Why.
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "{line}: ")?;
        }
        if let Some(column) = &self.column {
            write!(f, "column {column}: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// Why an export could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HrExportError {
    /// The file could not be read.
    #[error("cannot read HR export {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Rows are malformed; the first problems found are listed.
    #[error(
        "HR export {path} has {} problem{}:\n{}",
        .problems.len(),
        if .problems.len() == 1 { "" } else { "s" },
        .problems.iter().map(|p| match p.line {
            Some(_) => format!("  {}:{p}", .path.display()),
            None => format!("  {}: {p}", .path.display()),
        }).collect::<Vec<_>>().join("\n")
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The problems.
        problems: Vec<RowProblem>,
    },
}

impl HrExportError {
    /// The problems, for a file that could be read.
    pub fn problems(&self) -> &[RowProblem] {
        match self {
            Self::Read { .. } => &[],
            Self::Invalid { problems, .. } => problems,
        }
    }
}

/// Most problems listed: past this, a file is wrong throughout.
const MAX_PROBLEMS: usize = 50;

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, or why it is not one.
pub fn parse_date(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a date of the form YYYY-MM-DD");
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts[..] else { return Err(bad()) };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return Err(bad());
    }
    let number = |part: &str| part.parse::<i64>().ok().filter(|_| part.bytes().all(|b| b.is_ascii_digit()));
    let (Some(year), Some(month), Some(day)) = (number(year), number(month), number(day)) else {
        return Err(bad());
    };
    if !(1..=12).contains(&month) {
        return Err(format!("{text:?}: there is no month {month}"));
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if day < 1 || day > days_in_month[month as usize - 1] {
        return Err(format!("{text:?}: {year}-{month:02} has no day {day}"));
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok(era * 146_097 + doe - 719_468)
}

/// The window of `--window START:END`.
pub fn parse_window(text: &str) -> Result<Window, String> {
    let (start, end) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?}: give the window as START:END, e.g. 2022-01-01:2024-12-31"))?;
    let (start, end) = (parse_date(start.trim())?, parse_date(end.trim())?);
    if end <= start {
        return Err(format!("{text:?}: the window ends before it starts"));
    }
    Ok(Window { start, end })
}

/// Reads and checks an export against the scenario's levels.
pub fn load(path: &Path, config: &Config) -> Result<Vec<Spell>, HrExportError> {
    let text = crate::config::read_text(path)
        .map_err(|source| HrExportError::Read { path: path.to_owned(), source })?;
    parse(&text, config).map_err(|problems| HrExportError::Invalid { path: path.to_owned(), problems })
}

/// Parses and checks export text; every problem (up to 50) is reported.
pub fn parse(text: &str, config: &Config) -> Result<Vec<Spell>, Vec<RowProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let whole = |message: String| vec![RowProblem { line: None, column: None, message }];
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(header) if !header.iter().all(|name| name.trim().is_empty()) => {
            header.iter().map(|name| name.trim().to_owned()).collect()
        }
        Ok(_) => return Err(whole("the file is empty: it needs a header row naming the columns".to_owned())),
        Err(error) => return Err(whole(format!("the header row does not read: {error}"))),
    };
    let mut problems = Vec::new();
    let header_problem = |column: &str, message: String| RowProblem {
        line: Some(1),
        column: Some(column.to_owned()),
        message,
    };
    for (index, name) in header.iter().enumerate() {
        if !REQUIRED.contains(&name.as_str()) && !OPTIONAL.contains(&name.as_str()) {
            let known = REQUIRED.iter().chain(&OPTIONAL).copied();
            let hint = crate::locate::did_you_mean(name, known)
                .map_or(String::new(), |near| format!("; did you mean {near:?}?"));
            problems.push(header_problem(name, format!("unknown column{hint}")));
        } else if header[..index].contains(name) {
            problems.push(header_problem(name, "the column appears twice".to_owned()));
        }
    }
    for name in REQUIRED {
        if !header.iter().any(|h| h == name) {
            problems.push(header_problem(
                name,
                "missing column (every export has it, blank cells allowed only in exit_date and exit_reason)"
                    .to_owned(),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let column = |name: &str| header.iter().position(|h| h == name);
    let levels: Vec<&str> = config.levels.iter().map(|level| level.name.as_str()).collect();
    let mut spells: Vec<(u64, Spell)> = Vec::new();
    for record in reader.records() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|p| p.line());
                problems.push(RowProblem {
                    line,
                    column: None,
                    message: format!("the row does not read: {error}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        if record.len() != header.len() {
            problems.push(RowProblem {
                line: Some(line),
                column: None,
                message: format!("{} fields, the header has {}", record.len(), header.len()),
            });
            continue;
        }
        let cell = |name: &str| column(name).map(|index| record[index].trim()).unwrap_or("");
        let mut problem = |name: &str, message: String| {
            problems.push(RowProblem { line: Some(line), column: Some(name.to_owned()), message })
        };
        let employee = cell("employee_id");
        if employee.is_empty() {
            problem("employee_id", "empty: every spell names its employee".to_owned());
        }
        let level = levels.iter().position(|name| *name == cell("level"));
        if level.is_none() {
            let hint = crate::locate::did_you_mean(cell("level"), levels.iter().copied())
                .map_or(String::new(), |near| format!("; did you mean {near:?}?"));
            problem(
                "level",
                format!(
                    "{:?} is not a level of the scenario; its levels are {levels:?}{hint}",
                    cell("level")
                ),
            );
        }
        let hired = match cell("hire_date") {
            "" => {
                problem("hire_date", "empty: every spell has a hire date".to_owned());
                None
            }
            date => parse_date(date).map_err(|why| problem("hire_date", why)).ok(),
        };
        let exit_date = match cell("exit_date") {
            "" => None,
            date => Some(parse_date(date).map_err(|why| problem("exit_date", why))),
        };
        let reason = match cell("exit_reason") {
            "" => None,
            "voluntary" => Some(Ok(ExitReason::Voluntary)),
            "dismissal" => Some(Ok(ExitReason::Dismissal)),
            "retirement" => Some(Ok(ExitReason::Retirement)),
            "other" => Some(Ok(ExitReason::Other)),
            other => {
                problem(
                    "exit_reason",
                    format!("{other:?} is not a reason: give voluntary, dismissal, retirement or other"),
                );
                Some(Err(()))
            }
        };
        let exit = match (exit_date, reason) {
            (None, None) => Some(None),
            (Some(Ok(date)), Some(Ok(reason))) => Some(Some((date, reason))),
            (Some(_), None) => {
                problem("exit_reason", "empty, but the spell has an exit date: say why it ended".to_owned());
                None
            }
            (None, Some(_)) => {
                problem(
                    "exit_date",
                    "empty, but the spell has an exit reason: give the date it ended".to_owned(),
                );
                None
            }
            _ => None,
        };
        if let (Some(hired), Some(Some((exited, _)))) = (hired, exit)
            && exited < hired
        {
            problem(
                "exit_date",
                format!("{} is before the hire date {}", cell("exit_date"), cell("hire_date")),
            );
        }
        let birth_year = match cell("birth_year") {
            "" => Some(None),
            text => match text.parse::<i32>() {
                Ok(year) => {
                    let hire_year = hired.map(|days| 1970.0 + days as f64 / YEAR_DAYS);
                    match hire_year {
                        Some(hire_year) if f64::from(year) > hire_year - 14.0 => {
                            problem(
                                "birth_year",
                                format!("{year}: younger than 14 at hire ({})", cell("hire_date")),
                            );
                            None
                        }
                        Some(hire_year) if f64::from(year) < hire_year - 100.0 => {
                            problem(
                                "birth_year",
                                format!("{year}: older than 100 at hire ({})", cell("hire_date")),
                            );
                            None
                        }
                        _ => Some(Some(year)),
                    }
                }
                Err(_) => {
                    problem("birth_year", format!("{text:?} is not a year"));
                    None
                }
            },
        };
        let rating = match cell("performance_rating") {
            "" => Some(None),
            text => match text.parse::<f64>() {
                Ok(rating) if rating.is_finite() => Some(Some(rating)),
                _ => {
                    problem("performance_rating", format!("{text:?} is not a finite number"));
                    None
                }
            },
        };
        if let (false, Some(level), Some(hired), Some(exit), Some(birth_year), Some(rating)) =
            (employee.is_empty(), level, hired, exit, birth_year, rating)
        {
            let spell = Spell { employee: employee.to_owned(), level, hired, exit, birth_year, rating };
            spells.push((line, spell));
        }
    }
    // An employee holds one job at a time.
    let mut order: Vec<usize> = (0..spells.len()).collect();
    order.sort_by(|&a, &b| {
        spells[a].1.employee.cmp(&spells[b].1.employee).then(spells[a].1.hired.cmp(&spells[b].1.hired))
    });
    for pair in order.windows(2) {
        let (first, second) = (&spells[pair[0]], &spells[pair[1]]);
        if first.1.employee == second.1.employee
            && first.1.exit.is_none_or(|(exited, _)| exited > second.1.hired)
        {
            problems.push(RowProblem {
                line: Some(second.0.max(first.0)),
                column: Some("hire_date".to_owned()),
                message: format!(
                    "employee {:?} is hired again while still employed (their spell on line {})",
                    second.1.employee,
                    second.0.min(first.0)
                ),
            });
        }
    }
    if problems.is_empty() && spells.is_empty() {
        problems.push(RowProblem { line: None, column: None, message: "the file has no spells".to_owned() });
    }
    if problems.is_empty() { Ok(spells.into_iter().map(|(_, spell)| spell).collect()) } else { Err(problems) }
}

/// A moment measured in an export, with its sampling standard error.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The moment.
    pub moment: Moment,
    /// Its value.
    pub value: f64,
    /// Its sampling standard error.
    pub standard_error: f64,
    /// Events or people it is computed from.
    pub count: u64,
}

/// The catalogue's moments measured in `spells` over `window`: the yearly rates of
/// voluntary quits, dismissals, retirements and hires per person-year employed in the
/// window (Poisson standard errors, `√max(k, 1)` over the exposure), and the median
/// tenure and the share with a year or less of tenure of those employed on the
/// window's last day (the median's standard error from its distribution-free 95%
/// rank interval; the share's binomial, with a half-count correction so a share of 0
/// or 1 keeps one). `None` when no one is employed in the window.
pub fn moments(spells: &[Spell], window: Window) -> Result<Vec<Measured>, String> {
    let mut exposure = 0.0;
    let (mut voluntary, mut dismissals, mut retirements, mut hires) = (0u64, 0u64, 0u64, 0u64);
    let mut tenures = Vec::new();
    for spell in spells {
        let from = spell.hired.max(window.start);
        let to = spell.exit.map_or(window.end, |(exited, _)| exited.min(window.end));
        if to > from {
            exposure += (to - from) as f64 / YEAR_DAYS;
        }
        if (window.start..=window.end).contains(&spell.hired) {
            hires += 1;
        }
        if let Some((exited, reason)) = spell.exit
            && exited > window.start
            && exited <= window.end
        {
            match reason {
                ExitReason::Voluntary => voluntary += 1,
                ExitReason::Dismissal => dismissals += 1,
                ExitReason::Retirement => retirements += 1,
                ExitReason::Other => {}
            }
        }
        if spell.hired <= window.end && spell.exit.is_none_or(|(exited, _)| exited > window.end) {
            tenures.push((window.end - spell.hired) as f64 / YEAR_DAYS);
        }
    }
    if exposure <= 0.0 || tenures.is_empty() {
        return Err("nobody in the export is employed during the window".to_owned());
    }
    let rate = |metric: TrialMetric, k: u64| Measured {
        moment: Moment::Trial(metric),
        value: k as f64 / exposure,
        standard_error: (k.max(1) as f64).sqrt() / exposure,
        count: k,
    };
    let mut measured = vec![
        rate(TrialMetric::VoluntaryAttrition, voluntary),
        rate(TrialMetric::DismissalRate, dismissals),
        rate(TrialMetric::RetirementRate, retirements),
        rate(TrialMetric::HireRate, hires),
    ];
    tenures.sort_by(f64::total_cmp);
    let n = tenures.len();
    let median = if n % 2 == 1 { tenures[n / 2] } else { (tenures[n / 2 - 1] + tenures[n / 2]) / 2.0 };
    let half = 0.98 * (n as f64).sqrt();
    let at = |rank: f64| tenures[(rank.round().max(0.0) as usize).min(n - 1)];
    let spread = (at(n as f64 / 2.0 + half) - at(n as f64 / 2.0 - half)) / (2.0 * 1.96);
    measured.push(Measured {
        moment: Moment::Trial(TrialMetric::MedianTenure),
        value: median,
        // Never below a day: a median known to the day is known no better.
        standard_error: spread.max(1.0 / YEAR_DAYS),
        count: n as u64,
    });
    let short = tenures.iter().filter(|&&t| t <= 1.0).count();
    let p = short as f64 / n as f64;
    let corrected = (short as f64 + 0.5) / (n as f64 + 1.0);
    measured.push(Measured {
        moment: Moment::Trial(TrialMetric::ShortTenureShare),
        value: p,
        standard_error: (corrected * (1.0 - corrected) / n as f64).sqrt(),
        count: n as u64,
    });
    Ok(measured)
}

/// The measured moments as targets (weight 1, their standard errors as precisions),
/// leaving out those the scenario does not measure.
pub fn as_targets(measured: &[Measured], config: &Config, source: &str) -> Vec<Target> {
    let catalogue = Moment::catalogue(config);
    measured
        .iter()
        .filter(|m| catalogue.contains(&m.moment))
        .map(|m| Target {
            moment: m.moment,
            value: m.value,
            precision: Precision::StandardError(m.standard_error),
            weight: 1.0,
            source: source.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let text = crate::config::MINIMAL.replace("positions = 3", "positions = 3\nkind = \"ic\"");
        crate::config::parse(&text, Path::new("m.toml")).unwrap()
    }

    fn level_names() -> (String, String) {
        let c = config();
        (c.levels[0].name.clone(), c.levels[1].name.clone())
    }

    #[test]
    fn dates_that_are_and_that_cannot_be() {
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        assert_eq!(parse_date("2000-03-01"), Ok(11_017));
        assert_eq!(parse_date("2024-02-29").unwrap() + 1, parse_date("2024-03-01").unwrap());
        assert!(parse_date("2023-02-29").unwrap_err().contains("no day 29"));
        assert!(parse_date("2023-13-01").unwrap_err().contains("no month 13"));
        assert!(parse_date("2023/01/01").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("23-01-01").is_err());
        assert!(parse_date("2023-1-01").is_err());
        assert!(parse_window("2024-01-01:2023-01-01").unwrap_err().contains("ends before"));
    }

    /// Each malformed export, the line and column its problem names, and a word of why.
    #[test]
    fn malformed_exports_are_refused_with_line_column_and_why() {
        let (top, bottom) = level_names();
        let header = "employee_id,level,hire_date,exit_date,exit_reason,birth_year,performance_rating\n";
        let row = |cells: &str| format!("{header}{cells}\n");
        let ok = format!("E1,{bottom},2020-01-01,,,1990,3");
        // What, the text, the line and column at fault, and a word of why.
        type Case<'a> = (&'a str, String, Option<u64>, Option<&'a str>, &'a str);
        let cases: Vec<Case> = vec![
            ("empty file", String::new(), None, None, "empty"),
            (
                "unknown column",
                format!("{}\n{ok}\n", header.trim_end().replace("birth_year", "birth_yr")),
                Some(1),
                Some("birth_yr"),
                "did you mean \"birth_year\"",
            ),
            (
                "repeated column",
                "employee_id,level,level,hire_date,exit_date,exit_reason\n".to_owned(),
                Some(1),
                Some("level"),
                "twice",
            ),
            (
                "missing column",
                format!("employee_id,level,exit_date,exit_reason\nE1,{bottom},,\n"),
                Some(1),
                Some("hire_date"),
                "missing column",
            ),
            ("short row", row(&format!("E1,{bottom},2020-01-01")), Some(2), None, "3 fields"),
            (
                "empty employee",
                row(&format!(",{bottom},2020-01-01,,,1990,3")),
                Some(2),
                Some("employee_id"),
                "empty",
            ),
            ("unknown level", row("E1,nobody,2020-01-01,,,1990,3"), Some(2), Some("level"), "not a level"),
            ("no hire date", row(&format!("E1,{bottom},,,,1990,3")), Some(2), Some("hire_date"), "empty"),
            (
                "hire date not a date",
                row(&format!("E1,{bottom},01/02/2020,,,1990,3")),
                Some(2),
                Some("hire_date"),
                "YYYY-MM-DD",
            ),
            (
                "a date that cannot be",
                row(&format!("E1,{bottom},2021-02-29,,,1990,3")),
                Some(2),
                Some("hire_date"),
                "no day 29",
            ),
            (
                "exit before hire",
                row(&format!("E1,{bottom},2021-02-01,2020-05-01,voluntary,1990,3")),
                Some(2),
                Some("exit_date"),
                "before the hire date",
            ),
            (
                "unknown reason",
                row(&format!("E1,{bottom},2020-01-01,2021-01-01,quit,1990,3")),
                Some(2),
                Some("exit_reason"),
                "not a reason",
            ),
            (
                "exit without reason",
                row(&format!("E1,{bottom},2020-01-01,2021-01-01,,1990,3")),
                Some(2),
                Some("exit_reason"),
                "say why",
            ),
            (
                "reason without exit",
                row(&format!("E1,{bottom},2020-01-01,,voluntary,1990,3")),
                Some(2),
                Some("exit_date"),
                "give the date",
            ),
            (
                "birth year not a year",
                row(&format!("E1,{bottom},2020-01-01,,,nineteen,3")),
                Some(2),
                Some("birth_year"),
                "not a year",
            ),
            (
                "born after hire",
                row(&format!("E1,{bottom},2020-01-01,,,2015,3")),
                Some(2),
                Some("birth_year"),
                "younger than 14",
            ),
            (
                "rating not a number",
                row(&format!("E1,{bottom},2020-01-01,,,1990,good")),
                Some(2),
                Some("performance_rating"),
                "not a finite number",
            ),
            (
                "rating not finite",
                row(&format!("E1,{bottom},2020-01-01,,,1990,inf")),
                Some(2),
                Some("performance_rating"),
                "not a finite number",
            ),
            (
                "two jobs at once",
                format!("{header}E1,{bottom},2020-01-01,,,1990,3\nE1,{top},2021-01-01,,,1990,3\n"),
                Some(3),
                Some("hire_date"),
                "while still employed",
            ),
            ("no spells", header.to_owned(), None, None, "no spells"),
        ];
        assert!(cases.len() >= 15);
        for (what, text, line, column, why) in cases {
            let problems = parse(&text, &config()).expect_err(what);
            let problem = problems
                .iter()
                .find(|p| p.line == line && p.column.as_deref() == column)
                .unwrap_or_else(|| panic!("{what}: no problem at {line:?} {column:?} in {problems:?}"));
            assert!(problem.message.contains(why), "{what}: {problem} does not say {why:?}");
        }
    }

    #[test]
    fn moments_of_a_known_export() {
        let (_, bottom) = level_names();
        // Window 2022-01-01 .. 2023-01-01 (365 days). Four spells:
        //  A employed throughout (hired 2018-01-01), B quits mid-window,
        //  C hired in the window and still employed, D retired before it.
        let text = format!(
            "employee_id,level,hire_date,exit_date,exit_reason\n\
             A,{bottom},2018-01-01,,\n\
             B,{bottom},2020-01-01,2022-07-02,voluntary\n\
             C,{bottom},2022-07-02,,\n\
             D,{bottom},2010-01-01,2021-06-01,retirement\n"
        );
        let spells = parse(&text, &config()).unwrap();
        let window = parse_window("2022-01-01:2023-01-01").unwrap();
        let measured = moments(&spells, window).unwrap();
        let get = |metric: TrialMetric| measured.iter().find(|m| m.moment == Moment::Trial(metric)).unwrap();
        // Exposure: A 365 days, B 182, C 183: 730 days = 730/365.2425 years.
        let exposure = 730.0 / YEAR_DAYS;
        assert!((get(TrialMetric::VoluntaryAttrition).value - 1.0 / exposure).abs() < 1e-12);
        assert_eq!(get(TrialMetric::RetirementRate).count, 0, "D retired before the window");
        assert_eq!(get(TrialMetric::HireRate).count, 1);
        // At the window's end A has 5 years of tenure, C half a year.
        let median = get(TrialMetric::MedianTenure);
        assert_eq!(median.count, 2);
        let expected = ((window.end - parse_date("2018-01-01").unwrap()) + 183) as f64 / 2.0 / YEAR_DAYS;
        assert!((median.value - expected).abs() < 1e-12, "{}", median.value);
        assert_eq!(get(TrialMetric::ShortTenureShare).value, 0.5);
        assert!(measured.iter().all(|m| m.standard_error > 0.0));
    }
}
