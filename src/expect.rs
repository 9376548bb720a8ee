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
//! with exactly one of `higher_than` / `lower_than` (another arm: the paired 95%
//! interval of arm − other must lie above / below zero), `between = [low, high]`
//! (the arm's mean must lie inside), or `within = { of = "other", relative = 0.02 }`
//! (the paired 95% interval of arm − other must lie inside ±2% of the other's mean:
//! an equivalence test, not merely overlapping intervals).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::de::DeTable;

use crate::config::{Config, FieldProblem, ProblemKind, ScenarioError};
use crate::locate::{line_column, parse_path, span_of};
use crate::metrics::TrialMetric;
use crate::runner::RunSummary;

/// An expectations file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpectations {
    expect: Vec<RawExpectation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpectation {
    name: Option<String>,
    arm: String,
    metric: String,
    higher_than: Option<String>,
    lower_than: Option<String>,
    between: Option<Vec<f64>>,
    within: Option<RawWithin>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWithin {
    of: String,
    relative: f64,
}

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

/// Reads and validates an expectations file against the scenario it tests.
pub fn load(path: &Path, config: &Config) -> Result<Vec<Expectation>, ScenarioError> {
    let text = crate::config::read_text(path)
        .map_err(|source| ScenarioError::Read { path: path.to_owned(), source })?;
    parse(&text, path, config)
}

/// Parses and validates expectations text; `path` names it in errors.
pub fn parse(text: &str, path: &Path, config: &Config) -> Result<Vec<Expectation>, ScenarioError> {
    let invalid = |problems| ScenarioError::Invalid { path: PathBuf::from(path), problems };
    let raw: RawExpectations = toml::from_str(text).map_err(|error| {
        let kind = if error.message().starts_with("unknown field") {
            ProblemKind::UnknownField
        } else if DeTable::parse(text).is_err() {
            ProblemKind::Syntax
        } else {
            ProblemKind::WrongType
        };
        invalid(vec![FieldProblem {
            kind,
            field: String::new(),
            message: error.message().trim_end().to_owned(),
            location: error.span().map(|span| line_column(text, span.start)),
        }])
    })?;
    let document = DeTable::parse(text).ok();
    let mut problems = Vec::new();
    let mut problem = |index: usize, field: &str, message: String| {
        let field = format!("expect[{index}].{field}");
        let location = document
            .as_ref()
            .and_then(|d| span_of(d, &parse_path(&field)))
            .map(|span| line_column(text, span.start));
        problems.push(FieldProblem { kind: ProblemKind::Inconsistent, field, message, location });
    };
    let arm_names: Vec<&str> = config.arms.iter().map(|arm| arm.name.as_str()).collect();
    let mut expectations = Vec::new();
    if raw.expect.is_empty() {
        problem(0, "arm", "the file holds no [[expect]] statement".to_owned());
    }
    for (index, statement) in raw.expect.iter().enumerate() {
        let within_of = statement.within.as_ref().map(|within| &within.of);
        let others = [statement.higher_than.as_ref(), statement.lower_than.as_ref(), within_of];
        if others.contains(&Some(&statement.arm)) {
            problem(index, "arm", format!("{:?} is compared with itself", statement.arm));
        }
        let mut find_arm = |field: &str, name: &str| {
            let found = arm_names.iter().position(|arm| *arm == name);
            if found.is_none() {
                problem(index, field, format!("no arm is named {name:?}; the arms are {arm_names:?}"));
            }
            found
        };
        let arm = find_arm("arm", &statement.arm);
        let claim =
            match (&statement.higher_than, &statement.lower_than, &statement.between, &statement.within) {
                (Some(other), None, None, None) => find_arm("higher_than", other).map(Claim::HigherThan),
                (None, Some(other), None, None) => find_arm("lower_than", other).map(Claim::LowerThan),
                (None, None, Some(bounds), None) => match bounds[..] {
                    [low, high] if low <= high => Some(Claim::Between(low, high)),
                    [low, high] => {
                        problem(
                            index,
                            "between",
                            format!("[{low}, {high}]: the low end is above the high end"),
                        );
                        None
                    }
                    _ => {
                        problem(
                            index,
                            "between",
                            format!("{bounds:?}: give exactly two numbers, [low, high]"),
                        );
                        None
                    }
                },
                (None, None, None, Some(within)) => {
                    let other = find_arm("within.of", &within.of);
                    if within.relative >= 0.0 && within.relative.is_finite() {
                        other.map(|other| Claim::Within(other, within.relative))
                    } else {
                        problem(
                            index,
                            "within.relative",
                            format!("{} must be a non-negative number", within.relative),
                        );
                        None
                    }
                }
                _ => {
                    problem(
                        index,
                        "arm",
                        "give exactly one of higher_than, lower_than, between, within".to_owned(),
                    );
                    None
                }
            };
        let observed = config.trial_metrics();
        let metric = TrialMetric::from_name(&statement.metric).filter(|metric| observed.contains(metric));
        if metric.is_none() {
            let known: Vec<&str> = observed.iter().map(|m| m.name()).collect();
            problem(
                index,
                "metric",
                format!("{:?} is not a trial metric; choose one of {known:?}", statement.metric),
            );
        }
        if let (Some(arm), Some(metric), Some(claim)) = (arm, metric, claim) {
            let name = statement.name.clone().unwrap_or_else(|| describe(config, arm, metric, &claim));
            expectations.push(Expectation { name, arm, metric, claim });
        }
    }
    if problems.is_empty() { Ok(expectations) } else { Err(invalid(problems)) }
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
            let (holds, detail) = match expectation.claim {
                Claim::HigherThan(other) | Claim::LowerThan(other) => {
                    let higher = matches!(expectation.claim, Claim::HigherThan(_));
                    match paired(other) {
                        None => (false, "an arm cannot be compared with itself".to_owned()),
                        Some(d) => {
                            let holds = if higher { d.ci_low > 0.0 } else { d.ci_high < 0.0 };
                            let need = if higher { "above 0" } else { "below 0" };
                            let detail = format!(
                                "{} − {}: {:+.4} {} (paired 95% CI, {} trials; needs {need})",
                                config.arms[arm].name,
                                config.arms[other].name,
                                d.mean,
                                interval(d.ci_low, d.ci_high),
                                d.n
                            );
                            (holds, detail)
                        }
                    }
                }
                Claim::Between(low, high) => {
                    let s = &run.arms[arm][metric];
                    let holds = (low..=high).contains(&s.mean);
                    let detail = format!(
                        "mean {:.4} {} (95% CI, {} trials; needs the mean in [{low}, {high}])",
                        s.mean,
                        interval(s.ci_low, s.ci_high),
                        s.n
                    );
                    (holds, detail)
                }
                Claim::Within(other, relative) => match paired(other) {
                    None => (false, "an arm cannot be compared with itself".to_owned()),
                    Some(d) => {
                        let margin = relative * run.arms[other][metric].mean.abs();
                        let holds = d.ci_low >= -margin && d.ci_high <= margin;
                        let detail = format!(
                            "{} − {}: {:+.4} {} (paired 95% CI; needs it inside ±{margin:.4})",
                            config.arms[arm].name,
                            config.arms[other].name,
                            d.mean,
                            interval(d.ci_low, d.ci_high)
                        );
                        (holds, detail)
                    }
                },
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
