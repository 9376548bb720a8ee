//! Expectations: statements about a run's results that `attrition check` tests, so
//! a CI pipeline fails when a result moves.
//!
//! An expectations file is TOML with one `[[expect]]` table per statement:
//!
//! ```toml
//! [[expect]]
//! name = "under the Peter hypothesis random beats best"   # optional
//! arm = "random, Peter"
//! metric = "efficiency_gain"
//! higher_than = "best, Peter"
//! ```
//!
//! with exactly one claim:
//!
//! - `higher_than` / `lower_than` (another arm): the paired 95% interval of
//!   arm − other lies above / below zero;
//! - `between = [low, high]`: the arm's mean lies inside (both ends finite);
//! - `within = { of = "other", relative = 0.02 }`: the paired 95% interval of
//!   arm − other lies inside ±2% of the other's mean (an equivalence test, not
//!   merely overlapping intervals);
//! - `at_least = { of = "other", difference = 0.01 }`: the lower end of the paired
//!   95% interval of arm − other is at least 0.01, so the arm is ahead by at least
//!   that much with 95% confidence (the natural regression threshold);
//!   `at_most = { of = "other", difference = x }`: its upper end is at most x.
//!
//! A statement's name (given, or made from the statement) is its JUnit test name, so
//! two statements may not share one. `x.expect.toml` belongs to the scenario
//! `x.toml` beside it, which is how `attrition validate` checks it.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::config::sibling::{self, Problems};
use crate::config::{Config, FieldProblem, ProblemKind, ScenarioError};
use crate::locate::did_you_mean;
use crate::metrics::TrialMetric;
use crate::runner::RunSummary;
use crate::stats::Summary;
use crate::words::count;

/// The fields of a statement.
const FIELDS: [&str; 9] =
    ["name", "arm", "metric", "higher_than", "lower_than", "between", "within", "at_least", "at_most"];
/// The fields that say what a statement claims; exactly one is given.
const CLAIMS: [&str; 6] = ["higher_than", "lower_than", "between", "within", "at_least", "at_most"];

/// What a statement claims.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The paired 95% interval of (arm − other) lies above zero.
    HigherThan(usize),
    /// The paired 95% interval of (arm − other) lies below zero.
    LowerThan(usize),
    /// The arm's mean lies in [low, high].
    Between(f64, f64),
    /// The paired 95% interval of (arm − other) lies within ±relative·|mean of other|.
    Within(usize, f64),
    /// The lower end of the paired 95% interval of (arm − other) is at least this.
    AtLeast(usize, f64),
    /// The upper end of the paired 95% interval of (arm − other) is at most this.
    AtMost(usize, f64),
}

impl Claim {
    /// The arm the statement's arm is compared with, if it is compared with one.
    pub fn other(&self) -> Option<usize> {
        match *self {
            Self::HigherThan(other)
            | Self::LowerThan(other)
            | Self::Within(other, _)
            | Self::AtLeast(other, _)
            | Self::AtMost(other, _) => Some(other),
            Self::Between(..) => None,
        }
    }
}

/// One validated statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// A readable name (given, or made from the statement).
    pub name: String,
    /// The arm the statement is about.
    pub arm: usize,
    /// The trial metric it is about.
    pub metric: TrialMetric,
    /// What it claims.
    pub claim: Claim,
}

/// The outcome of testing one statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The statement's name.
    pub name: String,
    /// Whether it holds.
    pub holds: bool,
    /// What was measured, with its interval, and what was required.
    pub detail: String,
}

/// Why an expectations file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ExpectError {
    /// The file could not be read.
    #[error("cannot read expectations file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file has problems, every one found listed with its line.
    #[error("expectations file {0}")]
    Invalid(ScenarioError),
}

impl ExpectError {
    /// The problems, for a file that could be read.
    pub fn problems(&self) -> &[FieldProblem] {
        match self {
            Self::Read { .. } => &[],
            Self::Invalid(error) => error.problems(),
        }
    }
}

/// Whether a file is an expectations file rather than a scenario: named
/// `*.expect.toml`, or holding `[[expect]]` tables and no `[simulation]`.
pub fn is_expectations_file(path: &Path, text: &str) -> bool {
    if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".expect.toml")) {
        return true;
    }
    toml::from_str::<Table>(text).is_ok_and(|t| t.contains_key("expect") && !t.contains_key("simulation"))
}

/// The scenario an expectations file belongs to: `x.expect.toml` tests `x.toml` in
/// the same directory. `None` for a file not named so.
pub fn scenario_beside(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".expect.toml")?;
    Some(path.with_file_name(format!("{stem}.toml")))
}

/// Reads and validates an expectations file against the scenario it tests.
pub fn load(path: &Path, config: &Config) -> Result<Vec<Expectation>, ExpectError> {
    let text = crate::config::read_text(path)
        .map_err(|source| ExpectError::Read { path: path.to_owned(), source })?;
    parse(&text, path, config)
}

/// Parses and validates expectations text; `path` names it in errors. Every problem
/// of the file is reported, each with its field path and line.
pub fn parse(text: &str, path: &Path, config: &Config) -> Result<Vec<Expectation>, ExpectError> {
    let invalid =
        |problems| ExpectError::Invalid(ScenarioError::Invalid { path: PathBuf::from(path), problems });
    let (document, table) = sibling::parse(text).map_err(|problem| invalid(vec![problem]))?;
    let mut checker = Checker { problems: Problems::new(text, &document), config };
    let expectations = checker.file(&table);
    let found = checker.problems.found;
    if found.is_empty() { Ok(expectations) } else { Err(invalid(found)) }
}

/// Collects the problems of one file, each located by its field path.
struct Checker<'a> {
    problems: Problems<'a>,
    config: &'a Config,
}

impl Checker<'_> {
    fn problem(&mut self, kind: ProblemKind, field: String, message: String) {
        let location = self.problems.place(&field);
        self.problems.push(kind, field, message, location);
    }

    /// Unknown keys of a table, each with the nearest known one.
    fn unknown_keys(&mut self, table: &Table, prefix: &str, known: &[&str]) {
        self.problems.unknown_keys(table, prefix, known, |problems, field| problems.place(field));
    }

    fn file(&mut self, table: &Table) -> Vec<Expectation> {
        self.unknown_keys(table, "", &["expect"]);
        let statements = match table.get("expect") {
            Some(Value::Array(statements)) => statements.as_slice(),
            Some(other) => {
                self.problem(
                    ProblemKind::WrongType,
                    "expect".to_owned(),
                    format!("a {}, expected [[expect]] tables, one per statement", other.type_str()),
                );
                return Vec::new();
            }
            None => &[],
        };
        if statements.is_empty() {
            let field = if table.contains_key("expect") { "expect" } else { "" };
            self.problem(
                ProblemKind::Missing,
                field.to_owned(),
                "the file holds no statement: write one [[expect]] table per statement".to_owned(),
            );
        }
        let mut expectations: Vec<(usize, Expectation)> = Vec::new();
        for (index, statement) in statements.iter().enumerate() {
            let field = format!("expect[{index}]");
            match statement {
                Value::Table(statement) => {
                    if let Some(expectation) = self.statement(&field, statement) {
                        expectations.push((index, expectation));
                    }
                }
                other => self.problem(
                    ProblemKind::WrongType,
                    field,
                    format!("a {}, expected a table ([[expect]])", other.type_str()),
                ),
            }
        }
        // Names become JUnit test names, which a CI system keys its history by.
        for (later, (index, expectation)) in expectations.iter().enumerate() {
            if let Some((first, _)) = expectations[..later].iter().find(|(_, e)| e.name == expectation.name) {
                let first_line = self
                    .problems
                    .place(&format!("expect[{first}]"))
                    .map_or(String::new(), |l| format!(" (line {})", l.line));
                let given = if statements[*index].get("name").is_some() { "name" } else { "arm" };
                self.problem(
                    ProblemKind::Inconsistent,
                    format!("expect[{index}].{given}"),
                    format!(
                        "{:?} is also the name of expect[{first}]{first_line}: each statement needs its own name (its JUnit test name)",
                        expectation.name
                    ),
                );
            }
        }
        expectations.into_iter().map(|(_, expectation)| expectation).collect()
    }

    fn string<'v>(&mut self, table: &'v Table, prefix: &str, key: &str, required: bool) -> Option<&'v str> {
        match table.get(key) {
            Some(Value::String(text)) => Some(text),
            Some(other) => {
                self.problem(
                    ProblemKind::WrongType,
                    format!("{prefix}.{key}"),
                    format!("a {}, expected a string", other.type_str()),
                );
                None
            }
            None => {
                if required {
                    self.problem(
                        ProblemKind::Missing,
                        format!("{prefix}.{key}"),
                        format!("missing field `{key}`"),
                    );
                }
                None
            }
        }
    }

    /// A number, finite: NaN and infinities make no claim that can be tested.
    fn number(&mut self, value: Option<&Value>, field: String) -> Option<f64> {
        let number = match value {
            Some(Value::Float(number)) => *number,
            Some(Value::Integer(number)) => *number as f64,
            Some(other) => {
                self.problem(
                    ProblemKind::WrongType,
                    field,
                    format!("a {}, expected a number", other.type_str()),
                );
                return None;
            }
            None => {
                let key = field.rsplit('.').next().unwrap_or_default().to_owned();
                self.problem(ProblemKind::Missing, field, format!("missing field `{key}`"));
                return None;
            }
        };
        if number.is_finite() {
            Some(number)
        } else {
            self.problem(ProblemKind::OutOfRange, field, format!("{number} is not a finite number"));
            None
        }
    }

    /// An arm by name, with the nearest name when there is none.
    fn arm(&mut self, name: &str, field: String) -> Option<usize> {
        let names: Vec<&str> = self.config.arms.iter().map(|arm| arm.name.as_str()).collect();
        let found = names.iter().position(|arm| *arm == name);
        if found.is_none() {
            let hint = did_you_mean(name, names.iter().copied())
                .map_or(String::new(), |near| format!("; did you mean {near:?}?"));
            self.problem(
                ProblemKind::UnknownValue,
                field,
                format!("no arm is named {name:?}; the arms are {names:?}{hint}"),
            );
        }
        found
    }

    /// `{ of = "other", <number> = x }`: the other arm and the number.
    fn versus(&mut self, value: &Value, field: &str, number: &str) -> Option<(usize, f64)> {
        let Value::Table(table) = value else {
            self.problem(
                ProblemKind::WrongType,
                field.to_owned(),
                format!("a {}, expected a table {{ of = \"arm\", {number} = ... }}", value.type_str()),
            );
            return None;
        };
        self.unknown_keys(table, field, &["of", number]);
        let other =
            self.string(table, field, "of", true).and_then(|name| self.arm(name, format!("{field}.of")));
        let x = self.number(table.get(number), format!("{field}.{number}"));
        Some((other?, x?))
    }

    fn statement(&mut self, prefix: &str, statement: &Table) -> Option<Expectation> {
        self.unknown_keys(statement, prefix, &FIELDS);
        let name = self.string(statement, prefix, "name", false).map(str::to_owned);
        if name.as_ref().is_some_and(|name| name.trim().is_empty()) {
            // An empty JUnit test name is no name: leave `name` out to have one made.
            self.problem(
                ProblemKind::OutOfRange,
                format!("{prefix}.name"),
                "an empty name; give the statement a name, or leave `name` out to have one made from it"
                    .to_owned(),
            );
        }
        let arm_name = self.string(statement, prefix, "arm", true);
        let arm = arm_name.and_then(|name| self.arm(name, format!("{prefix}.arm")));
        let metric_name = self.string(statement, prefix, "metric", true);
        let metric = metric_name.and_then(|name| self.metric(name, format!("{prefix}.metric")));
        let given: Vec<&str> = CLAIMS.iter().copied().filter(|key| statement.contains_key(*key)).collect();
        let claim = match given[..] {
            [key] => self.claim(prefix, key, &statement[key]),
            [] => {
                self.problem(
                    ProblemKind::Missing,
                    prefix.to_owned(),
                    format!("say what the statement claims: give one of {}", CLAIMS.join(", ")),
                );
                None
            }
            [_, second, ..] => {
                self.problem(
                    ProblemKind::Inconsistent,
                    format!("{prefix}.{second}"),
                    format!("one claim per statement: this one gives {}", given.join(" and ")),
                );
                None
            }
        };
        let (arm, metric, claim) = (arm?, metric?, claim?);
        if claim.other() == Some(arm) {
            self.problem(
                ProblemKind::Inconsistent,
                format!("{prefix}.arm"),
                format!("{:?} is compared with itself", self.config.arms[arm].name),
            );
            return None;
        }
        let name = name.unwrap_or_else(|| describe(self.config, arm, metric, &claim));
        Some(Expectation { name, arm, metric, claim })
    }

    fn metric(&mut self, name: &str, field: String) -> Option<TrialMetric> {
        let observed = self.config.trial_metrics();
        let metric = TrialMetric::from_name(name).filter(|metric| observed.contains(metric));
        if metric.is_none() {
            let known: Vec<&str> = observed.iter().map(|m| m.name()).collect();
            let hint = did_you_mean(name, known.iter().copied())
                .map_or(String::new(), |near| format!("; did you mean {near:?}?"));
            self.problem(
                ProblemKind::UnknownValue,
                field,
                format!("{name:?} is not a trial metric of this scenario; choose one of {known:?}{hint}"),
            );
        }
        metric
    }

    fn claim(&mut self, prefix: &str, key: &str, value: &Value) -> Option<Claim> {
        let field = format!("{prefix}.{key}");
        match key {
            "higher_than" | "lower_than" => {
                let Value::String(other) = value else {
                    self.problem(
                        ProblemKind::WrongType,
                        field,
                        format!("a {}, expected an arm's name", value.type_str()),
                    );
                    return None;
                };
                let other = self.arm(other, field)?;
                Some(if key == "higher_than" { Claim::HigherThan(other) } else { Claim::LowerThan(other) })
            }
            "between" => {
                let bounds = match value {
                    Value::Array(bounds) if bounds.len() == 2 => bounds,
                    _ => {
                        self.problem(
                            ProblemKind::WrongType,
                            field,
                            format!("{value}: give exactly two numbers, [low, high]"),
                        );
                        return None;
                    }
                };
                let low = self.number(Some(&bounds[0]), field.clone());
                let high = self.number(Some(&bounds[1]), field.clone());
                let (low, high) = (low?, high?);
                if low <= high {
                    Some(Claim::Between(low, high))
                } else {
                    self.problem(
                        ProblemKind::Inconsistent,
                        field,
                        format!("[{low}, {high}]: the low end is above the high end"),
                    );
                    None
                }
            }
            "within" => {
                let (other, relative) = self.versus(value, &field, "relative")?;
                if relative >= 0.0 {
                    Some(Claim::Within(other, relative))
                } else {
                    self.problem(
                        ProblemKind::OutOfRange,
                        format!("{field}.relative"),
                        format!("{relative} must not be negative"),
                    );
                    None
                }
            }
            "at_least" => self.versus(value, &field, "difference").map(|(other, x)| Claim::AtLeast(other, x)),
            _ => self.versus(value, &field, "difference").map(|(other, x)| Claim::AtMost(other, x)),
        }
    }
}

/// A statement in words, as its default name.
fn describe(config: &Config, arm: usize, metric: TrialMetric, claim: &Claim) -> String {
    let name = |arm: usize| config.arms[arm].name.as_str();
    match *claim {
        Claim::HigherThan(other) => format!("{}: {} higher than {}", metric.name(), name(arm), name(other)),
        Claim::LowerThan(other) => format!("{}: {} lower than {}", metric.name(), name(arm), name(other)),
        Claim::Between(low, high) => format!("{}: {} between {low} and {high}", metric.name(), name(arm)),
        Claim::Within(other, relative) => {
            format!("{}: {} within ±{}% of {}", metric.name(), name(arm), relative * 100.0, name(other))
        }
        Claim::AtLeast(other, x) => {
            format!("{}: {} − {} at least {x}", metric.name(), name(arm), name(other))
        }
        Claim::AtMost(other, x) => format!("{}: {} − {} at most {x}", metric.name(), name(arm), name(other)),
    }
}

/// Tests every statement against a run's results.
pub fn evaluate(config: &Config, run: &RunSummary, expectations: &[Expectation]) -> Vec<Verdict> {
    expectations
        .iter()
        .map(|expectation| {
            let metric = expectation.metric as usize;
            let arm = expectation.arm;
            let paired = |other: usize| {
                run.pairs[arm][other].as_ref().map(|metrics| metrics[metric].difference.clone())
            };
            let interval = |low: f64, high: f64| format!("[{low:.4}, {high:.4}]");
            // A paired claim: whether the interval of arm − other meets it, and what
            // it needs. A NaN end (one trial) fails every comparison: no interval, no claim.
            let judge_pair =
                |other: usize, holds: &dyn Fn(&Summary) -> bool, need: String| match paired(other) {
                    None => (false, "an arm cannot be compared with itself".to_owned()),
                    Some(d) => {
                        let detail = format!(
                            "{} − {}: {:+.4} {} (paired 95% CI, {}; needs {need})",
                            config.arms[arm].name,
                            config.arms[other].name,
                            d.mean,
                            interval(d.ci_low, d.ci_high),
                            count(d.n, "trial", "trials")
                        );
                        (holds(&d), detail)
                    }
                };
            let (holds, detail) = match expectation.claim {
                Claim::HigherThan(other) => judge_pair(other, &|d| d.ci_low > 0.0, "above 0".to_owned()),
                Claim::LowerThan(other) => judge_pair(other, &|d| d.ci_high < 0.0, "below 0".to_owned()),
                Claim::Between(low, high) => {
                    let s = &run.arms[arm][metric];
                    let holds = (low..=high).contains(&s.mean);
                    let detail = format!(
                        "mean {:.4} {} (95% CI, {}; needs the mean in [{low}, {high}])",
                        s.mean,
                        interval(s.ci_low, s.ci_high),
                        count(s.n, "trial", "trials")
                    );
                    (holds, detail)
                }
                Claim::Within(other, relative) => {
                    let margin = relative * run.arms[other][metric].mean.abs();
                    let holds = move |d: &Summary| d.ci_low >= -margin && d.ci_high <= margin;
                    judge_pair(other, &holds, format!("it inside ±{margin:.4}"))
                }
                Claim::AtLeast(other, x) => {
                    judge_pair(other, &|d| d.ci_low >= x, format!("the lower end at least {x}"))
                }
                Claim::AtMost(other, x) => {
                    judge_pair(other, &|d| d.ci_high <= x, format!("the upper end at most {x}"))
                }
            };
            Verdict { name: expectation.name.clone(), holds, detail }
        })
        .collect()
}

/// The verdicts as a JUnit XML report, one test case per statement.
pub fn junit(suite: &str, verdicts: &[Verdict], seconds: f64) -> String {
    let failures = verdicts.iter().filter(|v| !v.holds).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml += &format!(
        "<testsuites name=\"attrition check\" tests=\"{}\" failures=\"{failures}\" time=\"{seconds:.3}\">\n",
        verdicts.len()
    );
    xml += &format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" time=\"{seconds:.3}\">\n",
        escape(suite),
        verdicts.len()
    );
    for verdict in verdicts {
        xml += &format!("    <testcase classname=\"{}\" name=\"{}\">", escape(suite), escape(&verdict.name));
        if verdict.holds {
            xml += &format!("<system-out>{}</system-out>", escape(&verdict.detail));
        } else {
            xml += &format!("<failure message=\"{}\"/>", escape(&verdict.detail));
        }
        xml += "</testcase>\n";
    }
    xml += "  </testsuite>\n</testsuites>\n";
    xml
}

fn escape(text: &str) -> String {
    // Control characters other than tab and newlines are not allowed in XML 1.0.
    text.chars()
        .filter(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crate::config::parse(include_str!("../scenarios/peter_principle.toml"), Path::new("p.toml")).unwrap()
    }

    #[test]
    fn statements_parse_and_bad_ones_are_located() {
        let config = config();
        let text = "[[expect]]\narm = \"random, Peter\"\nmetric = \"efficiency_gain\"\nhigher_than = \"best, Peter\"\n\n[[expect]]\narm = \"best, Peter\"\nmetric = \"efficiency_gain\"\nbetween = [-12.0, -3.0]\n";
        let parsed = parse(text, Path::new("e.toml"), &config).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].claim, Claim::HigherThan(4));
        assert_eq!(parsed[1].claim, Claim::Between(-12.0, -3.0));

        let bad = text.replace("higher_than = \"best, Peter\"", "higher_than = \"bset, Peter\"");
        let error = parse(&bad, Path::new("e.toml"), &config).unwrap_err();
        let problem = &error.problems()[0];
        assert_eq!(problem.field, "expect[0].higher_than");
        assert_eq!(problem.location.map(|l| l.line), Some(4));

        let typo = text.replace("metric =", "metrc =");
        let error = parse(&typo, Path::new("e.toml"), &config).unwrap_err();
        assert_eq!(error.problems()[0].location.map(|l| l.line), Some(3));
    }

    fn problems(text: &str) -> Vec<FieldProblem> {
        parse(text, Path::new("e.toml"), &config()).unwrap_err().problems().to_vec()
    }

    const ONE: &str = "[[expect]]\narm = \"random, Peter\"\nmetric = \"efficiency_gain\"\n";

    #[test]
    fn a_file_without_statements_says_so_and_blames_no_field_of_a_statement() {
        for text in ["", "# nothing yet\n", "expect = []\n"] {
            let found = problems(text);
            assert_eq!(found.len(), 1, "{text:?}: {found:?}");
            assert_eq!(found[0].kind, ProblemKind::Missing, "{text:?}");
            assert!(found[0].message.contains("no statement"), "{text:?}: {}", found[0].message);
            assert!(!found[0].field.contains("expect[0]"), "{text:?}: {}", found[0].field);
        }
    }

    #[test]
    fn an_unknown_key_has_its_field_path_and_the_nearest_known_key() {
        let found = problems(&format!("{ONE}highr_than = \"best, Peter\"\n"));
        let unknown = found.iter().find(|p| p.kind == ProblemKind::UnknownField).unwrap();
        assert_eq!(unknown.field, "expect[0].highr_than");
        assert!(unknown.message.ends_with("did you mean `higher_than`?"), "{}", unknown.message);
        assert_eq!(unknown.location.map(|l| l.line), Some(4));
        let found = problems(&format!("{ONE}within = {{ of = \"best, Peter\", relativ = 0.1 }}\n"));
        assert!(
            found.iter().any(|p| p.field == "expect[0].within.relativ" && p.message.contains("`relative`"))
        );
        let found = problems("[[expect]]\narm = \"x\"\n[other]\n");
        assert!(found.iter().any(|p| p.field == "other" && p.kind == ProblemKind::UnknownField), "{found:?}");
    }

    #[test]
    fn a_bound_that_is_not_a_finite_number_is_named_so() {
        for bounds in ["[nan, 1]", "[0, inf]", "[-inf, nan]"] {
            let found = problems(&format!("{ONE}between = {bounds}\n"));
            assert!(!found.is_empty(), "{bounds}");
            for problem in &found {
                assert_eq!(problem.field, "expect[0].between");
                assert!(problem.message.contains("not a finite number"), "{bounds}: {}", problem.message);
            }
        }
        let found = problems(&format!("{ONE}at_least = {{ of = \"best, Peter\", difference = nan }}\n"));
        assert!(found[0].field == "expect[0].at_least.difference" && found[0].message.contains("finite"));
        let found = problems(&format!("{ONE}between = [2, 1]\n"));
        assert!(found[0].message.contains("low end is above the high end"));
    }

    #[test]
    fn two_statements_of_one_name_are_refused_at_both_lines() {
        let named = "[[expect]]\nname = \"same\"\narm = \"random, Peter\"\nmetric = \"efficiency_gain\"\nhigher_than = \"best, Peter\"\n";
        let found = problems(&format!("{named}\n{named}"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, "expect[1].name");
        assert_eq!(found[0].location.map(|l| l.line), Some(8));
        assert!(found[0].message.contains("expect[0] (line 1)"), "{}", found[0].message);
        let found = problems(&format!("{ONE}name = \" \"\nhigher_than = \"best, Peter\"\n"));
        assert!(found[0].field == "expect[0].name" && found[0].message.contains("empty name"), "{found:?}");
        // Made-up names collide too: the same statement twice.
        let unnamed = format!("{ONE}higher_than = \"best, Peter\"\n");
        let found = problems(&format!("{unnamed}{unnamed}"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("also the name of expect[0]"));
    }

    #[test]
    fn at_least_and_at_most_parse_with_their_threshold() {
        let config = config();
        let text = format!(
            "{ONE}at_least = {{ of = \"best, Peter\", difference = 5 }}\n{ONE}at_most = {{ of = \"best, Peter\", difference = 20.5 }}\n"
        );
        let parsed = parse(&text, Path::new("e.toml"), &config).unwrap();
        assert_eq!(parsed[0].claim, Claim::AtLeast(4, 5.0));
        assert_eq!(parsed[1].claim, Claim::AtMost(4, 20.5));
        assert_eq!(parsed[0].name, "efficiency_gain: random, Peter − best, Peter at least 5");
        let found = problems(&format!("{ONE}at_most = {{ of = \"random, Peter\", difference = 1 }}\n"));
        assert!(found[0].message.contains("compared with itself"));
        let found = problems(&format!("{ONE}at_least = 0.5\n"));
        assert_eq!(found[0].kind, ProblemKind::WrongType);
    }

    #[test]
    fn expectations_files_are_told_from_scenarios_and_find_theirs() {
        assert!(is_expectations_file(Path::new("ci/x.expect.toml"), ""));
        assert!(is_expectations_file(Path::new("claims.toml"), ONE));
        assert!(!is_expectations_file(
            Path::new("p.toml"),
            include_str!("../scenarios/peter_principle.toml")
        ));
        assert_eq!(scenario_beside(Path::new("ci/x.expect.toml")), Some(PathBuf::from("ci/x.toml")));
        assert_eq!(scenario_beside(Path::new("claims.toml")), None);
    }

    #[test]
    fn junit_escapes_and_counts() {
        let verdicts = [
            Verdict { name: "a < b".into(), holds: true, detail: "ok & fine".into() },
            Verdict { name: "\"c\"".into(), holds: false, detail: "no".into() },
        ];
        let xml = junit("suite", &verdicts, 1.5);
        assert!(xml.contains("tests=\"2\" failures=\"1\""));
        assert!(xml.contains("a &lt; b") && xml.contains("ok &amp; fine") && xml.contains("&quot;c&quot;"));
        assert_eq!(xml.matches("<testcase").count(), 2);
    }
}
