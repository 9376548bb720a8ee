//! `[controls]`: what `attrition serve`'s live page lets a person change, each a
//! field `--set` takes with a slider's range and step or a menu's choices. A
//! control only says how a value is offered; the value itself is validated like
//! `--set` (both ends of a range and every choice when the file is loaded, and the
//! value a page sends when it arrives), so nothing here reaches the model.

use indexmap::IndexMap;
use serde::Serialize;
use toml::Value;

use crate::locate::{Segment, parse_path, toml_key};
use crate::scenario::RawControl;

use super::{FieldProblem, ProblemKind};

/// Most positions a slider may have: a slider of more cannot be set to each.
pub const MAX_SLIDER_STEPS: f64 = 1_000.0;

/// One control of the live page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Control {
    /// The field it sets, as `--set` names it.
    pub field: String,
    /// What the page calls it.
    pub label: String,
    /// How its value is chosen.
    pub input: Input,
}

/// How a control's value is chosen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// A number from `low` to `high` in steps of `step`.
    Slider {
        /// Lowest value.
        low: f64,
        /// Highest value.
        high: f64,
        /// Distance between two positions.
        step: f64,
    },
    /// One of these values.
    Menu(Vec<Value>),
}

impl Control {
    /// The values whose validity stands for the whole control: a slider's two ends,
    /// a menu's every choice.
    pub fn probes(&self) -> Vec<Value> {
        match &self.input {
            Input::Slider { low, high, .. } => vec![self.number(*low), self.number(*high)],
            Input::Menu(choices) => choices.clone(),
        }
    }

    /// A slider's position as the TOML value `--set` would read: a whole number for
    /// a slider of whole numbers (a count), else a float.
    pub fn number(&self, x: f64) -> Value {
        match self.input {
            Input::Slider { low, step, .. }
                if low.fract() == 0.0 && step.fract() == 0.0 && x.fract() == 0.0 && x.abs() < 1e15 =>
            {
                Value::Integer(x as i64)
            }
            _ => Value::Float(x),
        }
    }

    /// The value the scenario text itself gives the field, if it sets one (an arm
    /// that inherits a lever from `[policy]` does not, and neither does a field left
    /// at its default).
    pub fn value_in(&self, table: &toml::Table) -> Option<Value> {
        let mut current: &Value = table.get(match parse_path(&self.field).first() {
            Some(Segment::Key(key)) => key.as_str(),
            _ => return None,
        })?;
        for segment in parse_path(&self.field).iter().skip(1) {
            current = match segment {
                Segment::Key(key) => current.as_table()?.get(key)?,
                Segment::Index(index) => current.as_array()?.get(*index)?,
            };
        }
        Some(current.clone())
    }
}

/// `[controls]`: each entry's shape (a slider or a menu, a field a page may set, a
/// label that fits). Whether the values are valid is checked by the loader, which
/// validates them like `--set` ([`super::load`]).
pub(super) fn validate(
    raw: Option<&IndexMap<String, RawControl>>,
    problems: &mut Vec<FieldProblem>,
) -> Vec<Control> {
    let mut controls = Vec::new();
    for (field, entry) in raw.into_iter().flatten() {
        let path = format!("controls.{}", toml_key(field));
        let mut problem =
            |kind, message: String| problems.push(FieldProblem::new(kind, path.clone(), message));
        if let Err(message) = super::sweep::check_swept_field(field) {
            problem(ProblemKind::Inconsistent, format!("a control sets a model parameter: {message}"));
            continue;
        }
        if matches!(parse_path(field).first(), Some(Segment::Key(key)) if key == "controls" || key == "uncertainty" || key == "sensitivity")
        {
            problem(ProblemKind::Inconsistent, format!("{field}: a control sets a model parameter"));
            continue;
        }
        let input = match (entry.range, entry.step, &entry.choices) {
            (Some([low, high]), step, None) => {
                let step = step.unwrap_or((high - low) / 100.0);
                if !(low.is_finite() && high.is_finite() && low < high) {
                    problem(
                        ProblemKind::OutOfRange,
                        format!(
                            "range [{low}, {high}] is not an interval: give [low, high], finite, low below high"
                        ),
                    );
                    continue;
                }
                if !(step.is_finite() && step > 0.0) {
                    problem(ProblemKind::OutOfRange, format!("step {step}: give a step above 0"));
                    continue;
                }
                if (high - low) / step > MAX_SLIDER_STEPS {
                    problem(
                        ProblemKind::OutOfRange,
                        format!(
                            "step {step} makes {:.0} positions from {low} to {high}; at most {MAX_SLIDER_STEPS} \
                             fit a slider: give a larger step",
                            (high - low) / step
                        ),
                    );
                    continue;
                }
                Input::Slider { low, high, step }
            }
            (None, None, Some(choices)) => {
                if choices.len() < 2 {
                    problem(ProblemKind::OutOfRange, "a menu needs at least two choices".to_owned());
                    continue;
                }
                if let Some(bad) =
                    choices.iter().find(|c| !(c.is_str() || c.is_integer() || c.is_float() || c.is_bool()))
                {
                    problem(
                        ProblemKind::WrongType,
                        format!("choice {bad} is not a single value: give strings, numbers or booleans"),
                    );
                    continue;
                }
                if let Some(twice) = choices
                    .iter()
                    .enumerate()
                    .find(|(index, c)| choices[..*index].contains(c))
                    .map(|(_, c)| c)
                {
                    problem(ProblemKind::Inconsistent, format!("choice {twice} is listed twice"));
                    continue;
                }
                Input::Menu(choices.clone())
            }
            (None, Some(_), Some(_)) | (Some(_), _, Some(_)) => {
                problem(
                    ProblemKind::Inconsistent,
                    "give either range (and step) for a slider or choices for a menu, not both".to_owned(),
                );
                continue;
            }
            (None, _, None) => {
                problem(
                    ProblemKind::Inconsistent,
                    "give range = [low, high] (and step) for a slider, or choices = [...] for a menu"
                        .to_owned(),
                );
                continue;
            }
        };
        let label = match &entry.label {
            Some(label) => {
                let mut own = Vec::new();
                if !super::presentation::check_label(&format!("{path}.label"), label, &mut own) {
                    problems.extend(own);
                    continue;
                }
                label.trim().to_owned()
            }
            None => field.clone(),
        };
        controls.push(Control { field: field.clone(), label, input });
    }
    controls
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const BASE: &str = "[simulation]\nsteps = 5\nsteps_per_year = 1\ntrials = 2\nseed = 1\n[[levels]]\npositions = 3\n[[levels]]\npositions = 9\n\
                        [workforce]\nskill = { mean = 6.0, sd = 1.5, min = 0.0, max = 10.0 }\nage = { mean = 30.0, sd = 5.0, min = 20.0, max = 60.0 }\n\
                        retirement_age = 65.0\n[arms.a]\n[arms.b]\npromotion = \"random\"\n";

    fn problems_of(controls: &str) -> Vec<FieldProblem> {
        match crate::config::parse(&format!("{BASE}{controls}"), Path::new("s.toml")) {
            Ok(_) => Vec::new(),
            Err(error) => error.problems().to_vec(),
        }
    }

    #[test]
    fn a_slider_and_a_menu_are_read_with_their_labels_and_the_files_values() {
        let text = format!(
            "{BASE}[controls]\n\"workforce.dismissal_threshold\" = {{ range = [2.0, 5.0], step = 0.5, label = \
             \"Dismissal threshold\" }}\n\"arms.b.promotion\" = {{ choices = [\"best\", \"random\"] }}\n"
        );
        let config = crate::config::parse(&text, Path::new("s.toml")).unwrap();
        assert_eq!(config.controls.len(), 2);
        assert_eq!(config.controls[0].label, "Dismissal threshold");
        assert_eq!(config.controls[0].input, Input::Slider { low: 2.0, high: 5.0, step: 0.5 });
        assert_eq!(config.controls[1].label, "arms.b.promotion");
        let table: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(config.controls[1].value_in(&table), Some(Value::String("random".into())));
        assert_eq!(config.controls[0].value_in(&table), None);
    }

    #[test]
    fn a_control_whose_values_the_field_refuses_is_placed_at_its_entry() {
        let problems =
            problems_of("[controls]\n\"workforce.dismissal_threshold\" = { range = [-1.0, 5.0] }\n");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "controls.\"workforce.dismissal_threshold\"");
        assert!(problems[0].message.contains("the lower end -1"), "{}", problems[0].message);
        assert_eq!(problems[0].location.map(|l| l.line), Some(18));
        let menu = problems_of("[controls]\n\"arms.b.promotion\" = { choices = [\"best\", \"bset\"] }\n");
        assert!(menu.len() == 1 && menu[0].message.contains("choice \"bset\""), "{menu:?}");
        let missing =
            problems_of("[controls]\n\"arms.c.promotion\" = { choices = [\"best\", \"random\"] }\n");
        assert!(missing.len() == 1 && missing[0].message.contains("no arm \"c\""), "{missing:?}");
    }

    #[test]
    fn a_control_must_be_a_slider_or_a_menu_of_a_model_parameter() {
        let cases = [
            ("\"simulation.trials\" = { range = [1.0, 9.0] }", "not parameters of the model"),
            ("\"policy.best_probability\" = { range = [1.0, 0.0] }", "not an interval"),
            ("\"policy.best_probability\" = { range = [0.0, 1.0], step = 0.0 }", "above 0"),
            ("\"policy.best_probability\" = { range = [0.0, 1.0], step = 0.0001 }", "at most 1000"),
            ("\"policy.best_probability\" = { range = [0.0, 1.0], choices = [0.1, 0.2] }", "not both"),
            ("\"policy.best_probability\" = { step = 0.1 }", "give range"),
            ("\"policy.promotion\" = { choices = [\"best\"] }", "at least two"),
            ("\"policy.promotion\" = { choices = [\"best\", \"best\"] }", "twice"),
            ("\"policy.promotion\" = { choices = [\"best\", \"random\"], label = \"\" }", "label is empty"),
        ];
        for (entry, why) in cases {
            let problems = problems_of(&format!("[controls]\n{entry}\n"));
            assert!(problems.iter().any(|p| p.message.contains(why)), "{entry}: {problems:?}");
        }
    }
}
