//! An organisation's own HR export as calibration targets: one row per employment
//! spell, read and checked row by row, and the catalogue's moments computed from it
//! over an observation window, each with its sampling standard error.
//!
//! ```csv
//! employee_id,level,hire_date,exit_date,exit_reason,birth_year,performance_rating,manager_id
//! E001,engineer,2019-03-04,2022-05-31,promotion,1990,3.5,E002
//! E001,manager,2022-05-31,2023-06-30,voluntary,1990,4,
//! E002,manager,2015-01-12,,,1982,4,
//! ```
//!
//! `birth_year`, `performance_rating` and `manager_id` are optional columns (and may
//! be blank). A `promotion` exit continues the employment in the employee's next
//! spell, which starts that day at a level above.

use crate::calendar::{days_to_date, parse_date};
use std::fmt;
use std::path::{Path, PathBuf};

use super::catalogue::{AGE_BANDS, Group, SpellMoment, TENURE_BANDS, band, span_of_control};
use super::targets::{Moment, Precision, Target};
use crate::config::Config;
use crate::metrics::TrialMetric;

/// The columns every export has, in any order.
pub const REQUIRED: [&str; 5] = ["employee_id", "level", "hire_date", "exit_date", "exit_reason"];
/// The columns an export may have.
pub const OPTIONAL: [&str; 3] = ["birth_year", "performance_rating", "manager_id"];

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
    /// A promotion: the employee's next spell starts that day at a level above.
    Promotion,
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
    /// The employee's manager (an `employee_id`), if given.
    pub manager: Option<String>,
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

/// Reads and checks an export against the scenario's levels, and returns its spells
/// with its text as read (whose checksum `calibrate` records).
pub fn load(path: &Path, config: &Config) -> Result<(Vec<Spell>, String), HrExportError> {
    let text = crate::config::read_text(path)
        .map_err(|source| HrExportError::Read { path: path.to_owned(), source })?;
    parse(&text, config)
        .map(|spells| (spells, text))
        .map_err(|problems| HrExportError::Invalid { path: path.to_owned(), problems })
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
            "promotion" => Some(Ok(ExitReason::Promotion)),
            other => {
                problem(
                    "exit_reason",
                    format!(
                        "{other:?} is not a reason: give voluntary, dismissal, retirement, other or promotion"
                    ),
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
        let manager = match cell("manager_id") {
            "" => Some(None),
            id if id == employee => {
                problem("manager_id", format!("{id:?} is the employee's own id: nobody manages themselves"));
                None
            }
            id => Some(Some(id.to_owned())),
        };
        if let (false, Some(level), Some(hired), Some(exit), Some(birth_year), Some(rating), Some(manager)) =
            (employee.is_empty(), level, hired, exit, birth_year, rating, manager)
        {
            let spell =
                Spell { employee: employee.to_owned(), level, hired, exit, birth_year, rating, manager };
            spells.push((line, spell));
        }
    }
    // An employee holds one job at a time.
    let mut order: Vec<usize> = (0..spells.len()).collect();
    order.sort_by(|&a, &b| {
        spells[a].1.employee.cmp(&spells[b].1.employee).then(spells[a].1.hired.cmp(&spells[b].1.hired))
    });
    for (k, &index) in order.iter().enumerate() {
        let (line, spell) = &spells[index];
        let Some((promoted, ExitReason::Promotion)) = spell.exit else { continue };
        let next = order.get(k + 1).map(|&n| &spells[n]).filter(|(_, next)| next.employee == spell.employee);
        let continues = next.is_some_and(|(_, next)| next.hired == promoted && next.level < spell.level);
        if !continues {
            problems.push(RowProblem {
                line: Some(*line),
                column: Some("exit_reason".to_owned()),
                message: format!(
                    "a promotion ends the spell, but employee {:?} has no spell starting that day ({}) at a level \
                     above",
                    spell.employee,
                    days_to_date(promoted)
                ),
            });
        }
    }
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
    /// Its sampling standard error, from the export alone.
    pub standard_error: f64,
    /// How a fit measures its residual: for a count, the same error at the
    /// model's value rather than the observed one ([`Precision::Poisson`]).
    pub precision: Precision,
    /// Events or people it is computed from.
    pub count: u64,
}

/// Days of `[from, to)` inside `[low, high)`.
fn overlap(from: f64, to: f64, low: f64, high: f64) -> f64 {
    (to.min(high) - from.max(low)).max(0.0)
}

/// A rate: `k` events over `exposure` years, its Poisson standard error
/// `√max(k, 1) / exposure`.
fn rate(moment: Moment, k: u64, exposure: f64) -> Measured {
    Measured {
        moment,
        value: k as f64 / exposure,
        standard_error: (k.max(1) as f64).sqrt() / exposure,
        precision: Precision::Poisson { exposure },
        count: k,
    }
}

/// A share of `k` in `n`, its binomial standard error with a half-count correction
/// (so a share of 0 or 1 keeps one).
fn share(moment: Moment, k: usize, n: usize) -> Measured {
    let corrected = (k as f64 + 0.5) / (n as f64 + 1.0);
    Measured {
        moment,
        value: k as f64 / n as f64,
        standard_error: (corrected * (1.0 - corrected) / n as f64).sqrt(),
        precision: Precision::Binomial { count: n as f64 },
        count: n as u64,
    }
}

/// The quintile (0 bottom, 4 top) of `own` among `values` (which hold it), from
/// its mid-rank: `⌊5 · (below + equal / 2) / n⌋` with `below` values strictly
/// lower and `equal` equal to it. Without ties it is the engine's
/// (`model::quintiles::from_mid_rank`); a block of tied ratings takes the quintile
/// of its middle, so a top rating most share still counts as the top fifth when its
/// block's middle is in it.
pub fn rating_quintile(values: &[f64], own: f64) -> u8 {
    let below = values.iter().filter(|&&v| v < own).count();
    let equal = values.iter().filter(|&&v| v == own).count();
    ((10 * below + 5 * equal) / (2 * values.len().max(1))).min(4) as u8
}

/// The catalogue's moments measured in `spells` over `window` (README,
/// "Calibration", has the table):
///
/// - the yearly rates of voluntary quits, dismissals, retirements and hires per
///   person-year employed in the window (a spell that starts by promotion is no
///   hire), and voluntary quits by level, tenure band and age band per person-year
///   in the group, and promotions out of each level per person-year at it (Poisson
///   standard errors, `√max(k, 1)` over the exposure). Tenure counts from the
///   start of the employment (across promotions); age from the 1st of July of the
///   birth year, over the spells that give one;
/// - the median tenure and the share with a year or less of those employed on the
///   window's last day (the median's standard error from its distribution-free 95%
///   rank interval; the share's binomial, with a half-count correction);
/// - the regretted share of the voluntary quits in the window that have a rating:
///   a quit is regretted when its rating is in the top fifth ([`rating_quintile`])
///   of the ratings of the spells at its level employed in the window (binomial);
/// - the headcount-weighted span of control on the window's last day, from
///   `manager_id`: `Σ s² / Σ s` over the managers employed then with `s` direct
///   reports employed then (the ratio estimator's standard error).
///
/// A moment whose data the export lacks is left out: age bands without birth
/// years, promotion rates when no spell ends in a promotion, the regretted share
/// without rated quits, the span without managers, a group nobody is in.
pub fn moments(spells: &[Spell], window: Window, config: &Config) -> Result<Vec<Measured>, String> {
    let levels = config.levels.len();
    // The start of the employment each spell belongs to: a spell that begins the
    // day the employee's previous one ended in a promotion continues it.
    let mut order: Vec<usize> = (0..spells.len()).collect();
    order.sort_by(|&a, &b| {
        spells[a].employee.cmp(&spells[b].employee).then(spells[a].hired.cmp(&spells[b].hired))
    });
    let mut employed_since: Vec<i64> = spells.iter().map(|spell| spell.hired).collect();
    let mut promoted_into = vec![false; spells.len()];
    for pair in order.windows(2) {
        let (first, second) = (&spells[pair[0]], &spells[pair[1]]);
        if first.employee == second.employee && first.exit == Some((second.hired, ExitReason::Promotion)) {
            employed_since[pair[1]] = employed_since[pair[0]];
            promoted_into[pair[1]] = true;
        }
    }
    let birth = |spell: &Spell| {
        spell
            .birth_year
            .map(|year| parse_date(&format!("{year:04}-07-01")).expect("a year's 1st of July") as f64)
    };
    let mut exposure = 0.0;
    let (mut voluntary, mut dismissals, mut retirements, mut hires) = (0u64, 0u64, 0u64, 0u64);
    let mut level_days = vec![0.0; levels];
    let (mut level_quits, mut promotions_out) = (vec![0u64; levels], vec![0u64; levels]);
    let (mut tenure_days, mut tenure_quits) = ([0.0; TENURE_BANDS.len()], [0u64; TENURE_BANDS.len()]);
    let (mut age_days, mut age_quits) = ([0.0; AGE_BANDS.len()], [0u64; AGE_BANDS.len()]);
    let mut ratings: Vec<Vec<f64>> = vec![Vec::new(); levels];
    let mut rated_quits: Vec<(usize, f64)> = Vec::new();
    let mut tenures = Vec::new();
    for (index, spell) in spells.iter().enumerate() {
        let since = employed_since[index] as f64;
        let from = spell.hired.max(window.start);
        let to = spell.exit.map_or(window.end, |(exited, _)| exited.min(window.end));
        if to > from {
            let (from, to) = (from as f64, to as f64);
            exposure += (to - from) / YEAR_DAYS;
            level_days[spell.level] += to - from;
            for (days, &(low, high, _)) in tenure_days.iter_mut().zip(&TENURE_BANDS) {
                *days += overlap(from, to, since + low * YEAR_DAYS, since + high * YEAR_DAYS);
            }
            if let Some(born) = birth(spell) {
                for (days, &(low, high, _)) in age_days.iter_mut().zip(&AGE_BANDS) {
                    *days += overlap(from, to, born + low * YEAR_DAYS, born + high * YEAR_DAYS);
                }
            }
            ratings[spell.level].extend(spell.rating);
        }
        // The window's first day is its starting state: an event counts when it is
        // after it, up to the last day, as the engine counts the measured steps'.
        if spell.hired > window.start && spell.hired <= window.end && !promoted_into[index] {
            hires += 1;
        }
        if let Some((exited, reason)) = spell.exit
            && exited > window.start
            && exited <= window.end
        {
            match reason {
                ExitReason::Voluntary => {
                    voluntary += 1;
                    level_quits[spell.level] += 1;
                    tenure_quits[band(&TENURE_BANDS, (exited as f64 - since) / YEAR_DAYS)] += 1;
                    if let Some(born) = birth(spell) {
                        age_quits[band(&AGE_BANDS, (exited as f64 - born) / YEAR_DAYS)] += 1;
                    }
                    if let Some(rating) = spell.rating {
                        rated_quits.push((spell.level, rating));
                    }
                }
                ExitReason::Dismissal => dismissals += 1,
                ExitReason::Retirement => retirements += 1,
                ExitReason::Promotion => promotions_out[spell.level] += 1,
                ExitReason::Other => {}
            }
        }
        if spell.hired <= window.end && spell.exit.is_none_or(|(exited, _)| exited > window.end) {
            tenures.push((window.end - employed_since[index]) as f64 / YEAR_DAYS);
        }
    }
    if exposure <= 0.0 || tenures.is_empty() {
        return Err("nobody in the export is employed during the window".to_owned());
    }
    let mut measured = vec![
        rate(Moment::Trial(TrialMetric::VoluntaryAttrition), voluntary, exposure),
        rate(Moment::Trial(TrialMetric::DismissalRate), dismissals, exposure),
        rate(Moment::Trial(TrialMetric::RetirementRate), retirements, exposure),
        rate(Moment::Trial(TrialMetric::HireRate), hires, exposure),
    ];
    tenures.sort_by(f64::total_cmp);
    let n = tenures.len();
    let median = if n % 2 == 1 { tenures[n / 2] } else { (tenures[n / 2 - 1] + tenures[n / 2]) / 2.0 };
    let half = 0.98 * (n as f64).sqrt();
    let at = |rank: f64| tenures[(rank.round().max(0.0) as usize).min(n - 1)];
    let spread = (at(n as f64 / 2.0 + half) - at(n as f64 / 2.0 - half)) / (2.0 * 1.96);
    // Never below a day: a median known to the day is known no better.
    let standard_error = spread.max(1.0 / YEAR_DAYS);
    measured.push(Measured {
        moment: Moment::Trial(TrialMetric::MedianTenure),
        value: median,
        standard_error,
        precision: Precision::StandardError(standard_error),
        count: n as u64,
    });
    let short = tenures.iter().filter(|&&t| t <= 1.0).count();
    measured.push(share(Moment::Trial(TrialMetric::ShortTenureShare), short, n));

    let spell_rate = |moment: SpellMoment, k: u64, days: f64| {
        (days > 0.0).then(|| rate(Moment::spell(moment, config), k, days / YEAR_DAYS))
    };
    for level in 0..levels {
        let moment = SpellMoment::VoluntaryAttrition(Group::Level(level));
        measured.extend(spell_rate(moment, level_quits[level], level_days[level]));
    }
    for b in 0..TENURE_BANDS.len() {
        let moment = SpellMoment::VoluntaryAttrition(Group::Tenure(b));
        measured.extend(spell_rate(moment, tenure_quits[b], tenure_days[b]));
    }
    for b in 0..AGE_BANDS.len() {
        let moment = SpellMoment::VoluntaryAttrition(Group::Age(b));
        measured.extend(spell_rate(moment, age_quits[b], age_days[b]));
    }
    if spells.iter().any(|spell| matches!(spell.exit, Some((_, ExitReason::Promotion)))) {
        for level in 1..levels {
            let moment = SpellMoment::PromotionRate(level);
            measured.extend(spell_rate(moment, promotions_out[level], level_days[level]));
        }
    }
    if let Some(span) = span_on(spells, window.end, config) {
        measured.push(span);
    }
    if !rated_quits.is_empty() {
        let regretted = rated_quits
            .iter()
            .filter(|&&(level, rating)| rating_quintile(&ratings[level], rating) == 4)
            .count();
        measured.push(share(
            Moment::spell(SpellMoment::RegrettedShare, config),
            regretted,
            rated_quits.len(),
        ));
    }
    Ok(measured)
}

/// The headcount-weighted span of control on `day`, with the ratio estimator's
/// standard error `√(m/(m−1) · Σ (s² − R·s)²) / Σ s` over the `m` managers (never
/// below `0.5/√m`: a team is counted to the person); `None` without managers.
fn span_on(spells: &[Spell], day: i64, config: &Config) -> Option<Measured> {
    let employed = |spell: &&Spell| spell.hired <= day && spell.exit.is_none_or(|(exited, _)| exited > day);
    let present: std::collections::BTreeSet<&str> =
        spells.iter().filter(employed).map(|spell| spell.employee.as_str()).collect();
    let mut reports: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for spell in spells.iter().filter(employed) {
        if let Some(manager) = spell.manager.as_deref().filter(|m| present.contains(m)) {
            *reports.entry(manager).or_default() += 1;
        }
    }
    let spans: Vec<u64> = reports.into_values().collect();
    let value = span_of_control(&spans)?;
    let m = spans.len() as f64;
    let total: f64 = spans.iter().map(|&s| s as f64).sum();
    let spread: f64 = spans.iter().map(|&s| (s as f64 * s as f64 - value * s as f64).powi(2)).sum();
    let se = if spans.len() > 1 { (m / (m - 1.0) * spread).sqrt() / total } else { 0.0 };
    let standard_error = se.max(0.5 / m.sqrt());
    Some(Measured {
        moment: Moment::spell(SpellMoment::SpanOfControl, config),
        value,
        standard_error,
        precision: Precision::StandardError(standard_error),
        count: spans.len() as u64,
    })
}

/// The measured moments as targets (weight 1, their precisions),
/// leaving out those the scenario does not measure.
pub fn as_targets(measured: &[Measured], config: &Config, source: &str) -> Vec<Target> {
    let catalogue = Moment::catalogue(config);
    let size = |metric: TrialMetric| {
        measured.iter().find(|m| m.moment == Moment::Trial(metric)).map(|m| match m.precision {
            Precision::Poisson { exposure } => exposure,
            _ => m.count as f64,
        })
    };
    let positions = config.positions() as f64;
    let person_years = size(TrialMetric::VoluntaryAttrition)
        .map(|years| years / (positions * f64::from(config.steps) * config.step_years()));
    let headcount = size(TrialMetric::MedianTenure).map(|people| people / positions);
    measured
        .iter()
        .filter(|m| catalogue.contains(&m.moment))
        .map(|m| Target {
            moment: m.moment.clone(),
            value: m.value,
            precision: m.precision,
            weight: 1.0,
            source: source.to_owned(),
            trials_worth: match m.moment {
                Moment::Trial(TrialMetric::MedianTenure | TrialMetric::ShortTenureShare)
                | Moment::Spell { moment: SpellMoment::SpanOfControl, .. } => headcount,
                _ => person_years,
            },
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
            (
                "a promotion to nowhere",
                row(&format!("E1,{bottom},2020-01-01,2021-01-01,promotion,1990,3")),
                Some(2),
                Some("exit_reason"),
                "a level above",
            ),
            (
                "a promotion down",
                format!(
                    "{header}E1,{top},2020-01-01,2021-01-01,promotion,1990,3\nE1,{bottom},2021-01-01,,,1990,3\n"
                ),
                Some(2),
                Some("exit_reason"),
                "a level above",
            ),
            (
                "one's own manager",
                format!(
                    "employee_id,level,hire_date,exit_date,exit_reason,manager_id\nE1,{bottom},2020-01-01,,,E1\n"
                ),
                Some(2),
                Some("manager_id"),
                "own id",
            ),
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

    /// Every moment of spells, on an export counted by hand. Window 2022-01-01 to
    /// 2023-01-01 (365 days; 2022-03-01 is day 59, 04-01 day 90, 07-01 day 181,
    /// 10-01 day 273). M manages from 2010; A joins the bottom level in 2021-07,
    /// is promoted on 2022-07-01 and quits on 2022-10-01; B (in since 2012) quits
    /// on 2022-04-01; C joins on 2022-03-01 (no birth year); D is in since 2015.
    #[test]
    fn moments_of_spells_match_a_hand_count() {
        let (top, bottom) = level_names();
        let text = format!(
            "employee_id,level,hire_date,exit_date,exit_reason,birth_year,performance_rating,manager_id\n\
             M,{top},2010-01-01,,,1970,4,\n\
             A,{bottom},2021-07-01,2022-07-01,promotion,2000,3,M\n\
             A,{top},2022-07-01,2022-10-01,voluntary,2000,5,\n\
             B,{bottom},2012-01-01,2022-04-01,voluntary,1980,4,M\n\
             C,{bottom},2022-03-01,,,,2,M\n\
             D,{bottom},2015-01-01,,,1990,3,M\n"
        );
        let spells = parse(&text, &config()).unwrap();
        let window = parse_window("2022-01-01:2023-01-01").unwrap();
        let measured = moments(&spells, window, &config()).unwrap();
        let get = |name: &str| {
            measured
                .iter()
                .find(|m| m.moment.name() == name)
                .unwrap_or_else(|| panic!("{name} not measured: {measured:?}"))
        };
        let absent = |name: &str| assert!(measured.iter().all(|m| m.moment.name() != name), "{name}");
        let close = |name: &str, expected: f64| {
            let value = get(name).value;
            assert!((value - expected).abs() < 1e-12, "{name}: {value}, expected {expected}");
        };
        let y = YEAR_DAYS;
        // Days at risk: the top level M 365 + A 92; the bottom A 181, B 90, C 306, D 365.
        close(&format!("voluntary_attrition.level.{top}"), y / 457.0);
        close(&format!("voluntary_attrition.level.{bottom}"), y / 942.0);
        close(&format!("promotion_rate.level.{bottom}"), y / 942.0);
        absent(&format!("promotion_rate.level.{top}"));
        // A's second spell continues the first: no hire, and its tenure counts from 2021.
        assert_eq!(get("hire_rate").count, 1, "C is the only hire");
        // Tenure: A passes a year 0.2425 days into the second spell; B is past ten
        // years, D between five and ten, C under one, M past ten.
        close("voluntary_attrition.tenure.<1", 0.0);
        assert!(
            (get("voluntary_attrition.tenure.<1").standard_error - y / (181.0 + 0.2425 + 306.0)).abs() < 1e-9
        );
        close("voluntary_attrition.tenure.1-2", y / 91.7575);
        absent("voluntary_attrition.tenure.2-5");
        close("voluntary_attrition.tenure.5-10", 0.0);
        close("voluntary_attrition.tenure.10+", y / (365.0 + 90.0));
        // Age from the 1st of July: A 21-22, D 31-32, B 41, M 51; C gives none.
        close("voluntary_attrition.age.<25", y / 273.0);
        close("voluntary_attrition.age.25-35", 0.0);
        close("voluntary_attrition.age.35-45", y / 90.0);
        close("voluntary_attrition.age.45+", 0.0);
        assert_eq!(get("voluntary_attrition.age.35-45").count, 1);
        // Ratings within level: B's 4 is the top fifth of the bottom's 3, 4, 2, 3;
        // A's 5 beside M's 4 at the top is the 4th quintile (a level of two).
        close("regretted_share", 0.5);
        assert!((get("regretted_share").standard_error - (0.25f64 / 2.0).sqrt()).abs() < 1e-12);
        // On the last day C and D report to M: Σs²/Σs = 4/2, one manager (the floor).
        close("span_of_control", 2.0);
        assert_eq!(get("span_of_control").standard_error, 0.5);
    }

    #[test]
    fn rating_quintiles_and_the_span_of_two_teams() {
        // Distinct ratings: the engine's mid-rank quintiles.
        let five = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(five.map(|r| rating_quintile(&five, r)), [0, 1, 2, 3, 4]);
        // A tied top block of three in ten takes the quintile of its middle (8.5/10).
        let tied = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0, 5.0, 5.0, 5.0];
        assert_eq!(rating_quintile(&tied, 5.0), 4);
        assert_eq!(rating_quintile(&tied, 3.0), 2);
        // Managers P (2 reports) and Q (6): R = 40/8 = 5; s² − R·s is −6 and 6, so
        // the standard error is √(2 · 72) / 8.
        let (_, bottom) = level_names();
        let mut text = "employee_id,level,hire_date,exit_date,exit_reason,manager_id\n".to_owned();
        for (i, manager) in ["P", "P", "Q", "Q", "Q", "Q", "Q", "Q"].iter().enumerate() {
            text.push_str(&format!("E{i},{bottom},2020-01-01,,,{manager}\n"));
        }
        for manager in ["P", "Q"] {
            text.push_str(&format!("{manager},{bottom},2020-01-01,,,\n"));
        }
        let spells = parse(&text, &config()).unwrap();
        let measured = moments(&spells, parse_window("2022-01-01:2023-01-01").unwrap(), &config()).unwrap();
        let span = measured.iter().find(|m| m.moment.name() == "span_of_control").unwrap();
        assert_eq!(span.value, 5.0);
        assert!((span.standard_error - 144f64.sqrt() / 8.0).abs() < 1e-12);
        assert!(
            measured.iter().all(|m| !m.moment.name().starts_with("voluntary_attrition.age")),
            "no birth years"
        );
        assert!(measured.iter().all(|m| m.moment.name() != "regretted_share"), "no ratings");
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
        let measured = moments(&spells, window, &config()).unwrap();
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
        // As targets, each is worth its data's size in trials: the minimal scenario's
        // trial is 4 positions over 10 one-year steps; 2 people on the last day.
        let text = crate::config::MINIMAL.replace("positions = 3", "positions = 3\nkind = \"ic\"")
            + "\n[dynamics]\n";
        let behavioural = crate::config::parse(&text, Path::new("m.toml")).unwrap();
        let targets = as_targets(&measured, &behavioural, "export.csv");
        let worth = |metric: TrialMetric| {
            targets.iter().find(|t| t.moment == Moment::Trial(metric)).unwrap().trials_worth.unwrap()
        };
        assert!((worth(TrialMetric::HireRate) - exposure / 40.0).abs() < 1e-12);
        assert_eq!(worth(TrialMetric::MedianTenure), 0.5);
        assert_eq!(worth(TrialMetric::ShortTenureShare), 0.5);
    }

    /// The window's first day is its starting state, as step 0 is the engine's:
    /// a hire or an exit dated then is before the window, one dated on its last
    /// day is in it.
    #[test]
    fn the_window_first_day_is_its_starting_state() {
        let (_, bottom) = level_names();
        let text = format!(
            "employee_id,level,hire_date,exit_date,exit_reason\n\
             E,{bottom},2022-01-01,,\n\
             F,{bottom},2023-01-01,,\n\
             G,{bottom},2019-01-01,2022-01-01,voluntary\n\
             H,{bottom},2019-01-01,2023-01-01,voluntary\n"
        );
        let spells = parse(&text, &config()).unwrap();
        let window = parse_window("2022-01-01:2023-01-01").unwrap();
        let measured = moments(&spells, window, &config()).unwrap();
        let count =
            |metric: TrialMetric| measured.iter().find(|m| m.moment == Moment::Trial(metric)).unwrap().count;
        assert_eq!(count(TrialMetric::HireRate), 1, "F, not E");
        assert_eq!(count(TrialMetric::VoluntaryAttrition), 1, "H, not G");
    }
}
