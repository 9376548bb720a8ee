//! The states one move away from the page's state: each slider one step either
//! way, each menu at each of its other choices. While the page waits for a person,
//! the server runs them ([`super::Live::speculate`]), so the next move, which is most
//! often one of these, is answered from results already there.

use crate::config::controls::{Control, Input};

use super::state::{State, resolved, text_of};

/// The states one control's move away from `state`, in the controls' order (a
/// slider's step down before its step up). `table` is the scenario's text parsed
/// and `config` the state's validated configuration serialised: they give a
/// control's value where the state does not set it, as the page shows it.
pub fn neighbours(
    controls: &[Control],
    state: &State,
    table: &toml::Table,
    config: &serde_json::Value,
) -> Vec<State> {
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
        let moves: Vec<toml::Value> = match &control.input {
            Input::Slider { low, high, step } => {
                let Ok(value) = current.parse::<f64>() else { continue };
                [value - step, value + step]
                    .into_iter()
                    .filter_map(|moved| on_slider(moved, *low, *high, *step))
                    .map(|moved| control.number(moved))
                    .collect()
            }
            Input::Menu(choices) => {
                choices.iter().filter(|choice| text_of(choice) != current).cloned().collect()
            }
        };
        for value in moves {
            let mut moved = state.clone();
            moved.values.retain(|(at, _)| *at != index);
            moved.values.push((index, value));
            moved.values.sort_by_key(|(at, _)| *at);
            found.push(moved);
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

    fn values(states: &[State], controls: &[Control]) -> Vec<String> {
        states.iter().map(|state| state.query(controls)).collect()
    }

    #[test]
    fn a_slider_steps_either_way_in_decimal_and_stops_at_its_ends() {
        let controls = vec![slider("policy.credit_accuracy", 0.5, 1.0, 0.05)];
        let state = State::parse("policy.credit_accuracy=0.7", &controls).unwrap();
        let found = neighbours(&controls, &state, &toml::Table::new(), &serde_json::Value::Null);
        assert_eq!(values(&found, &controls), ["policy.credit_accuracy=0.65", "policy.credit_accuracy=0.75"]);
        // The exact values the page sends, not 0.7 ± 0.05 in binary.
        assert_eq!(found[1].values[0].1, toml::Value::Float(0.75));
        let top = State::parse("policy.credit_accuracy=1.0", &controls).unwrap();
        let found = neighbours(&controls, &top, &toml::Table::new(), &serde_json::Value::Null);
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
        let found = neighbours(&controls, &State::default(), &table, &config);
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
        assert_eq!(found[0].values[0].1, toml::Value::Integer(30));
        // A control whose value cannot be found is left alone.
        let found = neighbours(&controls[2..], &State::default(), &table, &serde_json::Value::Null);
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
        let found = neighbours(&controls, &state, &toml::Table::new(), &config);
        assert_eq!(
            values(&found, &controls),
            ["policy.credit_accuracy=0.55&policy.promotion=random", "policy.promotion=best",]
        );
    }
}
