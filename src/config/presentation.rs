//! How a scenario's results are presented, not what the model does: display labels
//! for arms (`[arms.<name>] label`) and metrics (`[labels]`), and which charts a run
//! writes (`charts`). Nothing here reaches the model, so none of it can be swept.

use indexmap::IndexMap;

use crate::locate::{did_you_mean, toml_key};
use crate::metrics::{StepMetric, TrialMetric};

use super::{FieldProblem, ProblemKind};

/// The name in `charts` of the paired comparison chart of the headline metric.
pub const COMPARISON_CHART: &str = "comparison";

/// Longest display label, in characters: a chart legend or table heading, not prose.
pub const MAX_LABEL_CHARS: usize = 60;

pub(super) fn check_label(field: &str, label: &str, problems: &mut Vec<FieldProblem>) -> bool {
    let why = if label.trim().is_empty() {
        Some("a label is empty; give the name readers should see, or leave the label out".to_owned())
    } else if label.chars().count() > MAX_LABEL_CHARS {
        Some(format!(
            "a label of {} characters is longer than {MAX_LABEL_CHARS}: charts would cut it",
            label.chars().count()
        ))
    } else if label.chars().any(char::is_control) {
        Some("a label is one line of text, without tabs or line breaks".to_owned())
    } else {
        None
    };
    if let Some(why) = &why {
        problems.push(FieldProblem::new(ProblemKind::OutOfRange, field, why.clone()));
    }
    why.is_none()
}

/// An arm's display label (`arms.<name>.label`); `[policy]` cannot have one.
pub(super) fn arm_label(
    table: &str,
    label: Option<&str>,
    problems: &mut Vec<FieldProblem>,
) -> Option<String> {
    let label = label?;
    let field = format!("{table}.label");
    if table == "policy" {
        problems.push(FieldProblem::new(
            ProblemKind::Inconsistent,
            field,
            "a label names one arm: set it in that arm's [arms.<name>] table, not in [policy]",
        ));
        return None;
    }
    check_label(&field, label, problems).then(|| label.trim().to_owned())
}

/// The names of the metrics a scenario observes: its step metrics (time series)
/// and trial metrics (`trials.csv`).
fn metric_names(dynamics: bool) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = StepMetric::reported(dynamics).iter().map(|m| m.name()).collect();
    for metric in TrialMetric::reported(dynamics) {
        if !names.contains(&metric.name()) {
            names.push(metric.name());
        }
    }
    names
}

/// `[labels]`: metric name → display label, each name a metric this scenario
/// observes (a name shared by a step and a trial metric labels both).
pub(super) fn labels(
    raw: Option<&IndexMap<String, String>>,
    dynamics: bool,
    problems: &mut Vec<FieldProblem>,
) -> IndexMap<String, String> {
    let known = metric_names(dynamics);
    let mut labels = IndexMap::new();
    for (metric, label) in raw.into_iter().flatten() {
        let field = format!("labels.{}", toml_key(metric));
        if !known.contains(&metric.as_str()) {
            let hint = did_you_mean(metric, known.iter().copied())
                .map_or_else(String::new, |near| format!("; did you mean {near:?}?"));
            let model = if dynamics { "" } else { " without [dynamics]" };
            problems.push(FieldProblem::new(
                ProblemKind::UnknownValue,
                field,
                format!("{metric:?} is not a metric this scenario{model} observes{hint} (the metrics are the columns of trials.csv and timeseries.csv)"),
            ));
        } else if check_label(&field, label, problems) {
            labels.insert(metric.clone(), label.trim().to_owned());
        }
    }
    labels
}

/// `charts`: the time series to draw (step metric names) and `"comparison"`.
pub(super) fn charts(
    raw: Option<&Vec<String>>,
    dynamics: bool,
    problems: &mut Vec<FieldProblem>,
) -> Option<Vec<String>> {
    let raw = raw?;
    let mut known: Vec<&str> = StepMetric::reported(dynamics).iter().map(|m| m.name()).collect();
    known.push(COMPARISON_CHART);
    let mut charts: Vec<String> = Vec::new();
    for (index, name) in raw.iter().enumerate() {
        let field = format!("charts[{index}]");
        if !known.contains(&name.as_str()) {
            let hint = did_you_mean(name, known.iter().copied())
                .map_or_else(String::new, |near| format!("; did you mean {near:?}?"));
            problems.push(FieldProblem::new(
                ProblemKind::UnknownValue,
                field,
                format!(
                    "{name:?} is not a chart{hint} (a chart is a time series of a timeseries.csv metric, \
                     or \"{COMPARISON_CHART}\"; the choices are {known:?})"
                ),
            ));
        } else if charts.contains(name) {
            problems.push(FieldProblem::new(
                ProblemKind::Inconsistent,
                field,
                format!("{name:?} is listed twice; each chart is written once"),
            ));
        } else {
            charts.push(name.clone());
        }
    }
    Some(charts)
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::super::{MINIMAL, ProblemKind};
    use std::path::Path;

    fn problems(extra_top: &str, extra_arm: &str) -> Vec<super::FieldProblem> {
        let text =
            format!("{extra_top}\n{}", MINIMAL.replace("[arms.best]", &format!("[arms.best]\n{extra_arm}")));
        match parse(&text, Path::new("scenarios/minimal.toml")) {
            Ok(_) => Vec::new(),
            Err(super::super::ScenarioError::Invalid { problems, .. }) => problems,
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn labels_and_charts_that_are_valid_are_kept() {
        let text = format!(
            "charts = [\"headcount\", \"comparison\"]\n[labels]\nefficiency_gain = \"Gain\"\n{}",
            MINIMAL.replace("[arms.best]", "[arms.best]\nlabel = \"Promote the best\"")
        );
        let config = parse(&text, Path::new("scenarios/minimal.toml")).expect("valid");
        assert_eq!(config.arms[0].display_name(), "Promote the best");
        assert_eq!(config.arms[1].display_name(), "lottery");
        assert_eq!(config.metric_label("efficiency_gain", "x"), "Gain");
        assert_eq!(config.metric_label("headcount", "Filled positions"), "Filled positions");
        assert_eq!(config.charts.as_deref(), Some(&["headcount".to_owned(), "comparison".to_owned()][..]));
    }

    #[test]
    fn an_unknown_metric_or_chart_is_named_with_the_nearest_name() {
        let found = problems("charts = [\"headcont\"]\n[labels]\nefficency_gain = \"Gain\"", "");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|p| p.kind == ProblemKind::UnknownValue));
        let text: Vec<String> = found.iter().map(|p| format!("{}: {}", p.field, p.message)).collect();
        assert!(text.iter().any(|t| t.starts_with("charts[0]") && t.contains("\"headcount\"")), "{text:?}");
        assert!(
            text.iter().any(|t| t.starts_with("labels.efficency_gain") && t.contains("\"efficiency_gain\"")),
            "{text:?}"
        );
        for problem in &found {
            assert!(problem.location.is_some(), "{problem:?} has a line and column");
        }
    }

    #[test]
    fn a_behavioural_metric_is_unknown_without_dynamics() {
        let found = problems("[labels]\nengagement = \"Morale\"", "");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("without [dynamics]"), "{}", found[0].message);
    }

    #[test]
    fn an_empty_or_misplaced_label_is_refused() {
        let found = problems("", "label = \"  \"");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, "arms.best.label");
        let found = problems("[policy]\nlabel = \"All\"", "");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, "policy.label");
        let found = problems("charts = [\"headcount\", \"headcount\"]", "");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, "charts[1]");
    }
}
