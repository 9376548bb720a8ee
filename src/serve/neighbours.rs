//! The states one move away from the page's state: each slider a few steps either
//! way, each menu at each of its other choices. While the page waits for a person,
//! the server runs them ([`super::Live::speculate`]), so the next move, which is most
//! often one of these, is answered from results already there.

use crate::config::controls::{Control, Input};

use super::state::{State, resolved, text_of};

/// A state one control's move away, and how far the control moved: a slider's
/// steps, 1 for a menu.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// The state moved to.
    pub state: State,
    /// Steps of the slider moved (1 for a menu).
    pub steps: usize,
}

/// The states one control's move away from `state`, a slider moving up to `reach`
/// steps, in the controls' order (a slider's nearer steps first, down before up).
/// `table` is the scenario's text parsed and `config` the state's validated
/// configuration serialised: they give a control's value where the state does not
/// set it, as the page shows it.
pub fn neighbours(
    controls: &[Control],
    state: &State,
    table: &toml::Table,
    config: &serde_json::Value,
    reach: usize,
) -> Vec<Move> {
    let mut found = Vec::new();
    for (index, control) in controls.iter().enumerate() {
        let current = state
            .values
            .iter()
            .find(|(at, _)| *at == index)
            .map(|(_, value)| text_of(value))
            .or_else(|| control.value_in(table).map(|value| text_of(&value)))
            .or_else(|| resolved(config, &control.field));
        let Some(current) = current else { continue };
        let moves: Vec<(toml::Value, usize)> = match &control.input {
            Input::Slider { low, high, step } => {
                let Ok(value) = current.parse::<f64>() else { continue };
                (1..=reach)
                    .flat_map(|steps| {
                        let by = steps as f64 * step;
                        [(value - by, steps), (value + by, steps)]
                    })
                    .filter_map(|(moved, steps)| Some((on_slider(moved, *low, *high, *step)?, steps)))
                    .map(|(moved, steps)| (control.number(moved), steps))
                    .collect()
            }
            Input::Menu(choices) => choices
                .iter()
                .filter(|choice| text_of(choice) != current)
                .map(|choice| (choice.clone(), 1))
                .collect(),
        };
        for (value, steps) in moves {
            let mut moved = state.clone();
            moved.values.retain(|(at, _)| *at != index);
            moved.values.push((index, value));
            moved.values.sort_by_key(|(at, _)| *at);
            found.push(Move { state: moved, steps });
        }
    }
    found
}

/// `value` as the page's slider would send it, if it lies on the slider: rounded
/// to the decimals of the slider's ends and step (a browser steps a range input in
/// decimal, so 0.7 + 0.05 is sent as 0.75, not 0.7500000000000001).
fn on_slider(value: f64, low: f64, high: f64, step: f64) -> Option<f64> {
    let decimals = [low, high, step].into_iter().map(decimals).max().unwrap_or(0);
    let rounded: f64 = format!("{value:.decimals$}").parse().ok()?;
    let slack = step * 1e-9;
    (rounded >= low - slack && rounded <= high + slack).then_some(rounded)
}

/// Digits after the decimal point of `x`'s shortest exact text.
fn decimals(x: f64) -> usize {
    let text = x.to_string();
    text.split_once('.').map_or(0, |(_, fraction)| fraction.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slider(field: &str, low: f64, high: f64, step: f64) -> Control {
        Control { field: field.to_owned(), label: String::new(), input: Input::Slider { low, high, step } }
    }

    fn menu(field: &str, choices: &[&str]) -> Control {
        let choices = choices.iter().map(|choice| toml::Value::String((*choice).to_owned())).collect();
        Control { field: field.to_owned(), label: String::new(), input: Input::Menu(choices) }
    }

    fn values(moves: &[Move], controls: &[Control]) -> Vec<String> {
        moves.iter().map(|moved| moved.state.query(controls)).collect()
    }

    #[test]
    fn a_slider_steps_either_way_in_decimal_and_stops_at_its_ends() {
        let controls = vec![slider("policy.credit_accuracy", 0.5, 1.0, 0.05)];
        let state = State::parse("policy.credit_accuracy=0.7", &controls).unwrap();
        let found = neighbours(&controls, &state, &toml::Table::new(), &serde_json::Value::Null, 1);
        assert_eq!(values(&found, &controls), ["policy.credit_accuracy=0.65", "policy.credit_accuracy=0.75"]);
        // The exact values the page sends, not 0.7 ± 0.05 in binary.
        assert_eq!(found[1].state.values[0].1, toml::Value::Float(0.75));
        let top = State::parse("policy.credit_accuracy=1.0", &controls).unwrap();
        let found = neighbours(&controls, &top, &toml::Table::new(), &serde_json::Value::Null, 1);
        assert_eq!(values(&found, &controls), ["policy.credit_accuracy=0.95"]);
    }

    #[test]
    fn an_unset_control_moves_from_the_value_the_page_shows() {
        let controls = vec![
            slider("simulation.trials", 10.0, 100.0, 10.0),
            menu("policy.promotion", &["best", "random", "seniority"]),
            slider("dynamics.quits.base_rate", 0.04, 0.24, 0.01),
        ];
        let table: toml::Table = toml::from_str("[simulation]\ntrials = 40\n").unwrap();
        let config = serde_json::json!({
            "policy": { "promotion": "random" },
            "dynamics": { "quits": { "base_rate": 0.12 } }
        });
        let found = neighbours(&controls, &State::default(), &table, &config, 1);
        assert_eq!(
            values(&found, &controls),
            [
                "simulation.trials=30",
                "simulation.trials=50",
                "policy.promotion=best",
                "policy.promotion=seniority",
                "dynamics.quits.base_rate=0.11",
                "dynamics.quits.base_rate=0.13",
            ]
        );
        // A slider of whole numbers moves to whole numbers, as the page sends them.
        assert_eq!(found[0].state.values[0].1, toml::Value::Integer(30));
        // A control whose value cannot be found is left alone.
        let found = neighbours(&controls[2..], &State::default(), &table, &serde_json::Value::Null, 1);
        assert!(found.is_empty());
    }

    #[test]
    fn a_move_keeps_the_other_controls_as_set() {
        let controls = vec![
            slider("policy.credit_accuracy", 0.5, 1.0, 0.05),
            menu("policy.promotion", &["best", "random"]),
        ];
        let state = State::parse("policy.promotion=random", &controls).unwrap();
        let config = serde_json::json!({ "policy": { "credit_accuracy": 0.5, "promotion": "random" } });
        let found = neighbours(&controls, &state, &toml::Table::new(), &config, 1);
        assert_eq!(
            values(&found, &controls),
            ["policy.credit_accuracy=0.55&policy.promotion=random", "policy.promotion=best",]
        );
    }

    #[test]
    fn a_slider_reaches_further_nearer_steps_first() {
        let controls = vec![
            slider("policy.credit_accuracy", 0.5, 1.0, 0.05),
            menu("policy.promotion", &["best", "random"]),
        ];
        let state = State::parse("policy.credit_accuracy=0.9&policy.promotion=best", &controls).unwrap();
        let found = neighbours(&controls, &state, &toml::Table::new(), &serde_json::Value::Null, 3);
        let shown: Vec<(String, usize)> =
            found.iter().map(|moved| (moved.state.query(&controls), moved.steps)).collect();
        let at =
            |value: &str, steps| (format!("policy.credit_accuracy={value}&policy.promotion=best"), steps);
        assert_eq!(
            shown,
            [
                at("0.85", 1),
                at("0.95", 1),
                at("0.8", 2),
                at("1.0", 2),
                at("0.75", 3),
                ("policy.credit_accuracy=0.9&policy.promotion=random".to_owned(), 1),
            ]
        );
    }
}
