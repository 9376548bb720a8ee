//! Parameter sweeps: the values of a swept field (a list or a range), which fields
//! may be swept, and the grid of points, every one validated before anything runs.
//! `validate` and `run` both check a sweep here, so they agree on every file.

use std::path::Path;

use toml::Value;

use super::load::{ProblemKind, parse, point_text};
use super::{Config, Override, SweepAxis};
use crate::locate::{Segment, parse_path, render_path};

/// Most values one swept field may take: a range with a tiny step is a typo, not a
/// sweep.
pub const MAX_AXIS_VALUES: usize = 10_000;
/// Most points a whole grid may have.
pub const MAX_GRID_POINTS: usize = 10_000;

/// Reads a range `from:to:step`; `None` when the text is not of that shape (has no
/// `:` outside quotes), so it can be read as a list instead.
pub fn parse_range_text(text: &str) -> Option<Result<Vec<Value>, String>> {
    let text = text.trim();
    if text.starts_with('"') || !text.contains(':') {
        return None;
    }
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    if parts.len() != 3 {
        return Some(Err(format!("{text:?} is not a range: write from:to:step, e.g. 0.1:0.5:0.1")));
    }
    let mut numbers = Vec::with_capacity(3);
    for (part, name) in parts.iter().zip(["from", "to", "step"]) {
        match super::overrides::parse_value(part) {
            number @ (Value::Integer(_) | Value::Float(_)) => numbers.push(number),
            _ => return Some(Err(format!("range {text:?}: its {name}, {part:?}, is not a number"))),
        }
    }
    Some(range(&numbers[0], &numbers[1], &numbers[2]))
}

/// The values from `from` to `to` inclusive, `step` apart: integers when all three
/// are integers, else floats.
pub fn range(from: &Value, to: &Value, step: &Value) -> Result<Vec<Value>, String> {
    if let (Value::Integer(from), Value::Integer(to), Value::Integer(step)) = (from, to, step) {
        let (from, to, step) = (i128::from(*from), i128::from(*to), i128::from(*step));
        check_range_ends(from <= to, step > 0, &from, &to, &step)?;
        let count = (to - from) / step + 1;
        check_count(count as f64)?;
        return Ok((0..count).map(|i| Value::Integer((from + i * step) as i64)).collect());
    }
    let number = |value: &Value| value.as_float().or_else(|| value.as_integer().map(|i| i as f64));
    let (Some(from), Some(to), Some(step)) = (number(from), number(to), number(step)) else {
        return Err("a range's from, to and step must be numbers".to_owned());
    };
    if !(from.is_finite() && to.is_finite() && step.is_finite()) {
        return Err(format!("a range's from, to and step must be finite, not {from}, {to}, {step}"));
    }
    check_range_ends(from <= to, step > 0.0, &from, &to, &step)?;
    // The end is inclusive: a float step rarely divides the span exactly (ten steps
    // of 0.1 fall short of 1.0), so `to` counts when within a millionth of a step.
    let count = ((to - from) / step + 1e-6).floor() + 1.0;
    check_count(count)?;
    // Each value is rounded to the decimals the range was written with, so
    // 0.1:0.5:0.1 gives 0.3, not 0.30000000000000004.
    let decimals = [from, to, step].into_iter().map(decimals).max().unwrap_or(None);
    Ok((0..count as u64)
        .map(|i| {
            let value = from + i as f64 * step;
            let value = match decimals {
                Some(places) => format!("{value:.places$}").parse().unwrap_or(value),
                None => value,
            };
            Value::Float(value)
        })
        .collect())
}

fn check_range_ends<T: std::fmt::Display>(
    ordered: bool,
    positive: bool,
    from: &T,
    to: &T,
    step: &T,
) -> Result<(), String> {
    if !positive {
        return Err(format!("a range's step must be positive, not {step}"));
    }
    if !ordered {
        return Err(format!("a range runs upwards: from ({from}) is above to ({to})"));
    }
    Ok(())
}

fn check_count(count: f64) -> Result<(), String> {
    if count > MAX_AXIS_VALUES as f64 {
        return Err(format!(
            "the range has {count} values, more than the {MAX_AXIS_VALUES} a swept field may take"
        ));
    }
    Ok(())
}

/// Decimal places of the shortest text that reads back as `value`, when few
/// enough to round to (`None` for a value that needs nearly all of an f64's digits).
fn decimals(value: f64) -> Option<usize> {
    let text = format!("{value}");
    let places = text.split_once('.').map_or(0, |(_, fraction)| fraction.len());
    (places <= 15).then_some(places)
}

/// The values of one entry of `[sweep]`: a list, a range string `"from:to:step"` or
/// a table `{ from, to, step }`.
pub fn axis_values(spec: &Value) -> Result<Vec<Value>, String> {
    const EXPECTED: &str = "a list of values, a range \"from:to:step\" or a table { from, to, step }";
    match spec {
        Value::Array(values) => Ok(values.clone()),
        Value::String(text) => parse_range_text(text)
            .unwrap_or_else(|| Err(format!("{text:?} is not a range; a swept field takes {EXPECTED}"))),
        Value::Table(table) => {
            // `[sweep] policy.best_probability = [...]`, unquoted, is a nested table in TOML.
            if !table.keys().any(|key| ["from", "to", "step"].contains(&key.as_str())) {
                let key = table.keys().next().map(String::as_str).unwrap_or("field");
                return Err(format!(
                    "a table here is a range {{ from, to, step }}; to sweep a field inside a table, quote \
                     its whole path as the key, e.g. \"<table>.{key}\" = [...]"
                ));
            }
            if let Some(unknown) = table.keys().find(|key| !["from", "to", "step"].contains(&key.as_str())) {
                let hint = crate::locate::did_you_mean(unknown, ["from", "to", "step"])
                    .map(|m| format!("; did you mean `{m}`?"))
                    .unwrap_or_default();
                return Err(format!("a range table has from, to and step, not `{unknown}`{hint}"));
            }
            let part = |name: &str| table.get(name).ok_or_else(|| format!("a range table needs `{name}`"));
            range(part("from")?, part("to")?, part("step")?)
        }
        other => Err(format!("a swept field takes {EXPECTED}; found {}", other.type_str())),
    }
}

/// Refuses a field that is not a parameter of the model: a sweep over it would run
/// identical points, or fail later than it should.
pub fn check_swept_field(field: &str) -> Result<(), String> {
    let path = parse_path(field);
    let key = |index: usize| match path.get(index) {
        Some(Segment::Key(key)) => Some(key.as_str()),
        _ => None,
    };
    match (key(0), key(1), path.len()) {
        (None, _, _) => Err(format!("{field:?}: name the field to sweep, e.g. policy.best_probability")),
        (Some("sweep"), _, _) => Err("the sweep itself cannot be swept".to_owned()),
        (Some(label @ ("name" | "description" | "headline")), _, 1) => Err(format!(
            "{label} labels the scenario and its output, it is not a parameter of the model: sweep a \
             parameter"
        )),
        (Some("simulation"), Some("trials" | "seed"), 2) => Err("trials and seed are not parameters of \
             the model: sweep a model parameter (and use --trials and --seed)"
            .to_owned()),
        (Some("labels" | "charts"), _, _) => {
            Err("labels and charts say how results are shown, they are not parameters of the model"
                .to_owned())
        }
        (Some("arms" | "policy"), _, 3) if matches!(path.last(), Some(Segment::Key(key)) if key == "label") => {
            Err("an arm's label is how it is shown, not a parameter of the model".to_owned())
        }
        (Some("simulation"), Some("baseline"), 2) => Err("the baseline is which arm the others are \
             compared with, not a parameter of the model"
            .to_owned()),
        _ => Ok(()),
    }
}

/// One point of a sweep: the value of every swept field, and the scenario there.
#[derive(Debug, Clone)]
pub struct GridPoint {
    /// The swept fields' values at this point, in axis order.
    pub assignment: Vec<Override>,
    /// The validated scenario at this point (no sweep of its own).
    pub config: Config,
}

/// A sweep checked whole: every point, and what is worth saying about them.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every point of the grid, the first axis varying slowest.
    pub points: Vec<GridPoint>,
    /// Valid but worth saying, e.g. a swept `[policy]` lever some arms set for
    /// themselves (so the sweep does not reach them).
    pub warnings: Vec<String>,
}

/// What is wrong with a sweep.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SweepProblem {
    /// Index of the swept field at fault, when one is.
    pub axis: Option<usize>,
    /// Index of the point at fault (in the order points run), when one is.
    pub point: Option<usize>,
    /// The category.
    pub kind: ProblemKind,
    /// Why, naming the point and the value.
    pub message: String,
}

/// A point of the grid in words.
pub fn describe(assignment: &[Override]) -> String {
    assignment.iter().map(Override::to_string).collect::<Vec<_>>().join(", ")
}

/// Every combination of the axes' values, the first axis varying slowest.
pub fn grid(axes: &[SweepAxis]) -> Vec<Vec<Override>> {
    axes.iter().fold(vec![Vec::new()], |points, axis| {
        points
            .iter()
            .flat_map(|point| {
                axis.values.iter().map(move |value| {
                    let mut point = point.clone();
                    point.push(Override { field: axis.field.clone(), value: value.clone() });
                    point
                })
            })
            .collect()
    })
}

/// Whether two swept values are the same point (1 and 1.0 are).
fn same_value(a: &Value, b: &Value) -> bool {
    let number = |value: &Value| value.as_float().or_else(|| value.as_integer().map(|i| i as f64));
    match (number(a), number(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// Checks a sweep of `text` (the scenario file, whose own `[sweep]` is ignored)
/// with the `--set` overrides `set`, whose validated scenario is `base`: every
/// field may be swept, every value is distinct, every point of the grid validates
/// and has `base`'s arms, and every swept field reaches some arm or changes the
/// scenario otherwise.
pub fn plan(
    text: &str,
    path: &Path,
    axes: &[SweepAxis],
    set: &[Override],
    base: &Config,
) -> Result<Plan, SweepProblem> {
    let problem = |axis, kind, message| SweepProblem { axis, point: None, kind, message };
    let normal = |field: &str| render_path(&parse_path(field));
    let mut size = 1usize;
    for (index, axis) in axes.iter().enumerate() {
        let at = |kind, message| problem(Some(index), kind, message);
        check_swept_field(&axis.field).map_err(|message| at(ProblemKind::Inconsistent, message))?;
        if axis.values.is_empty() {
            return Err(at(ProblemKind::OutOfRange, "a swept field needs at least one value".into()));
        }
        if axis.values.len() > MAX_AXIS_VALUES {
            return Err(at(
                ProblemKind::OutOfRange,
                format!(
                    "{} values, more than the {MAX_AXIS_VALUES} a swept field may take",
                    axis.values.len()
                ),
            ));
        }
        for (position, value) in axis.values.iter().enumerate() {
            if axis.values[..position].iter().any(|earlier| same_value(earlier, value)) {
                return Err(at(
                    ProblemKind::Inconsistent,
                    format!("{} is listed twice: two points would run the same scenario", render(value)),
                ));
            }
        }
        if axes[..index].iter().any(|other| normal(&other.field) == normal(&axis.field)) {
            return Err(at(ProblemKind::Inconsistent, format!("{} is swept twice", axis.field)));
        }
        if set.iter().any(|over| normal(&over.field) == normal(&axis.field)) {
            return Err(at(
                ProblemKind::Inconsistent,
                format!("{} is both swept and set with --set", axis.field),
            ));
        }
        size = size.checked_mul(axis.values.len()).filter(|&n| n <= MAX_GRID_POINTS).ok_or_else(|| {
            at(ProblemKind::OutOfRange, format!("the grid has more than {MAX_GRID_POINTS} points"))
        })?;
    }

    let fields: Vec<String> = axes.iter().map(|axis| axis.field.clone()).collect();
    let (points, mut warnings) = validate_points(text, path, &fields, grid(axes), set, base)?;
    check_reach(axes, &points, &mut warnings)?;
    Ok(Plan { points, warnings })
}

/// Validates every point (each an assignment of `fields`, in their order, on top
/// of `set`): each must validate and have `base`'s arms. The grid and a design
/// table both make their points here, so both are checked alike.
pub(super) fn validate_points(
    text: &str,
    path: &Path,
    fields: &[String],
    assignments: Vec<Vec<Override>>,
    set: &[Override],
    base: &Config,
) -> Result<(Vec<GridPoint>, Vec<String>), SweepProblem> {
    let arm_names: Vec<&str> = base.arms.iter().map(|arm| arm.name.as_str()).collect();
    let mut points = Vec::with_capacity(assignments.len());
    let mut warnings: Vec<String> = Vec::new();
    for (index, assignment) in assignments.into_iter().enumerate() {
        let problem = |axis, kind, message| SweepProblem { axis, point: Some(index), kind, message };
        let mut config = point_config(text, path, fields, &assignment, set)
            .map_err(|(axis, kind, message)| problem(axis, kind, message))?;
        let point = describe(&assignment);
        let point_arms: Vec<&str> = config.arms.iter().map(|arm| arm.name.as_str()).collect();
        if point_arms != arm_names {
            return Err(problem(
                (fields.len() == 1).then_some(0),
                ProblemKind::Inconsistent,
                format!(
                    "at {point}: the arms are {point_arms:?}, not the scenario's {arm_names:?}; a sweep may \
                     change an arm's levers but not which arms there are"
                ),
            ));
        }
        for warning in std::mem::take(&mut config.warnings) {
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        config.sweep = Vec::new();
        points.push(GridPoint { assignment, config });
    }
    Ok((points, warnings))
}

/// The validated scenario at one point, or the field at fault (its index in
/// `fields`), the category and why.
pub(super) fn point_config(
    text: &str,
    path: &Path,
    fields: &[String],
    assignment: &[Override],
    set: &[Override],
) -> Result<Config, (Option<usize>, ProblemKind, String)> {
    let point = describe(assignment);
    let mut overrides = set.to_vec();
    overrides.extend(assignment.iter().cloned());
    let edited = point_text(text, &overrides).map_err(|error| {
        let axis = error.index.and_then(|index| index.checked_sub(set.len()));
        (axis, ProblemKind::UnknownField, format!("at {point}: {}", error.message))
    })?;
    parse(&edited, path).map_err(|error| {
        let found = error.problems();
        // The field the problem is in, else the only field there is.
        let axis = found
            .iter()
            .find_map(|p| fields.iter().position(|field| is_within(&p.field, field)))
            .or((fields.len() == 1).then_some(0));
        let reasons: Vec<String> =
            found
                .iter()
                .map(|p| {
                    if p.field.is_empty() { p.message.clone() } else { format!("{}: {}", p.field, p.message) }
                })
                .collect();
        let kind = found.first().map_or(ProblemKind::Inconsistent, |p| p.kind);
        (axis, kind, format!("at {point}: {}", reasons.join("; ")))
    })
}

/// Whether a problem at `field` lies in the swept field `swept` (or is it).
fn is_within(field: &str, swept: &str) -> bool {
    let (field, swept) = (parse_path(field), parse_path(swept));
    !field.is_empty() && (field.starts_with(&swept) || swept.starts_with(&field))
}

/// Refuses a swept field whose values change nothing, and warns of a swept
/// `[policy]` lever that some arms do not see (they set their own, or do not use
/// it). Each field is judged with the other fields at their first values.
fn check_reach(
    axes: &[SweepAxis],
    points: &[GridPoint],
    warnings: &mut Vec<String>,
) -> Result<(), SweepProblem> {
    let Some(first) = points.first() else { return Ok(()) };
    for (index, axis) in axes.iter().enumerate() {
        if axis.values.len() < 2 {
            continue;
        }
        let stride: usize = axes[index + 1..].iter().map(|later| later.values.len()).product();
        let others: Vec<&Config> =
            (1..axis.values.len()).map(|value| &points[value * stride].config).collect();
        judge_reach(index, &axis.field, &first.config, &others, warnings)?;
    }
    Ok(())
}

/// Judges one field from the scenario at the first point (`first`) and at points
/// that differ from it in that field alone (`others`): an error when no value
/// changes anything, a warning when a `[policy]` lever misses some arms.
pub(super) fn judge_reach(
    index: usize,
    field: &str,
    first: &Config,
    others: &[&Config],
    warnings: &mut Vec<String>,
) -> Result<(), SweepProblem> {
    // Everything but the arms, to tell a scenario-wide change from an arm's.
    let rest = |config: &Config| {
        let mut value = serde_json::to_value(config).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            object.remove("arms");
            object.remove("warnings");
        }
        value
    };
    let first_rest = rest(first);
    if others.iter().any(|config| rest(config) != first_rest) {
        return Ok(());
    }
    let unreached: Vec<&str> = first
        .arms
        .iter()
        .enumerate()
        .filter(|&(arm, own)| others.iter().all(|config| config.arms[arm] == *own))
        .map(|(_, own)| own.name.as_str())
        .collect();
    let lever = match parse_path(field).as_slice() {
        [Segment::Key(table), Segment::Key(lever)] if table == "policy" => Some(lever.clone()),
        _ => None,
    };
    if unreached.len() == first.arms.len() {
        let why = match &lever {
            Some(lever) => format!("every arm sets its own {lever} or does not use it"),
            None => "every value gives the same scenario".to_owned(),
        };
        return Err(SweepProblem {
            axis: Some(index),
            point: None,
            kind: ProblemKind::Inconsistent,
            message: format!("sweeping {field} changes nothing: {why}"),
        });
    }
    if let (Some(lever), false) = (lever, unreached.is_empty()) {
        let warning = format!(
            "the sweep of {field} does not reach the arms {unreached:?}: they set their own {lever} or do not \
             use it"
        );
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }
    Ok(())
}

fn render(value: &Value) -> String {
    super::overrides::render_value(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats(values: &[Value]) -> Vec<f64> {
        values.iter().map(|v| v.as_float().unwrap()).collect()
    }

    #[test]
    fn ranges_include_their_end_and_round_to_the_written_decimals() {
        let values = parse_range_text("0.1:0.5:0.1").unwrap().unwrap();
        assert_eq!(floats(&values), [0.1, 0.2, 0.3, 0.4, 0.5]);
        let values = parse_range_text("0:1:0.1").unwrap().unwrap();
        assert_eq!(values.len(), 11, "{values:?}");
        assert_eq!(floats(&values)[3], 0.3);
        assert_eq!(floats(&values)[10], 1.0);
        // A step that does not divide the span stops below the end.
        assert_eq!(floats(&parse_range_text("0:1:0.3").unwrap().unwrap()), [0.0, 0.3, 0.6, 0.9]);
        let integers = parse_range_text("2:8:3").unwrap().unwrap();
        assert_eq!(integers, [Value::Integer(2), Value::Integer(5), Value::Integer(8)]);
        assert_eq!(parse_range_text("best"), None);
        assert_eq!(parse_range_text("\"a:b\""), None);
    }

    #[test]
    fn bad_ranges_say_why() {
        let error = |text: &str| parse_range_text(text).unwrap().unwrap_err();
        assert!(error("1:0:0.1").contains("from (1) is above to (0)"), "{}", error("1:0:0.1"));
        assert!(error("0:1:0").contains("step must be positive"));
        assert!(error("0:1:-0.1").contains("step must be positive"));
        assert!(error("0:1").contains("from:to:step"));
        assert!(error("0:x:1").contains("its to, \"x\", is not a number"), "{}", error("0:x:1"));
        assert!(error("0:1:0.00000001").contains("more than the 10000"));
    }

    #[test]
    fn a_sweep_entry_is_a_list_a_range_string_or_a_range_table() {
        let table: toml::Table = toml::from_str(
            "list = [1, 2]\nstring = \"0.5:1.5:0.5\"\ntable = { from = 1, to = 3, step = 1 }\n\
             typo = { from = 1, to = 3, stpe = 1 }\nnumber = 3\npolicy.best_probability = [0.1]",
        )
        .unwrap();
        assert_eq!(axis_values(&table["list"]).unwrap(), [Value::Integer(1), Value::Integer(2)]);
        assert_eq!(floats(&axis_values(&table["string"]).unwrap()), [0.5, 1.0, 1.5]);
        assert_eq!(axis_values(&table["table"]).unwrap().len(), 3);
        assert!(axis_values(&table["typo"]).unwrap_err().contains("did you mean `step`?"));
        assert!(axis_values(&table["number"]).unwrap_err().contains("; found integer"));
        let nested = axis_values(&table["policy"]).unwrap_err();
        assert!(
            nested.contains("quote its whole path") && nested.contains(".best_probability\""),
            "{nested}"
        );
    }

    #[test]
    fn only_parameters_of_the_model_may_be_swept() {
        for field in
            ["sweep.x", "sweep", "name", "description", "headline", "simulation.trials", "simulation.seed"]
        {
            assert!(check_swept_field(field).is_err(), "{field}");
        }
        for field in ["policy.best_probability", "simulation.steps", "arms.a.promotion", "levels[0].name"] {
            assert_eq!(check_swept_field(field), Ok(()), "{field}");
        }
    }
}
