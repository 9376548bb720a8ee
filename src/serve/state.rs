//! The state of the live page: the value of each control a person has moved, as
//! the page's URL carries it (`?field=value&...`, form-encoded), and the `--set`
//! overrides it stands for.

use crate::config::controls::Control;
use crate::config::overrides::{Override, parse_value, render_value};
use crate::locate::{Segment, parse_path};

/// Why a query string is not a state of this scenario's page.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StateError {
    /// Not form-encoded text (a bad `%` escape, or bytes that are not UTF-8).
    #[error("the request is not form-encoded text: {0}")]
    Malformed(String),
    /// A field that is not one of the scenario's controls.
    #[error(
        "{field:?} is not a control of this scenario (the controls are {known:?}); a page sets its controls only"
    )]
    NotAControl {
        /// The field named.
        field: String,
        /// The controls' fields.
        known: Vec<String>,
    },
    /// A control given twice.
    #[error("{0:?} is given twice")]
    Twice(String),
}

/// The controls a person has set, each with its value, in the scenario's order of
/// controls (so two URLs that set the same values are the same state).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct State {
    /// (index of the control, its value as TOML).
    pub values: Vec<(usize, toml::Value)>,
}

impl State {
    /// Reads a query string (or a form body); `fields` are the controls' fields.
    /// Keys other than controls' fields that start with `_` (the page's own, such
    /// as a cache-buster) are ignored.
    pub fn parse(query: &str, controls: &[Control]) -> Result<Self, StateError> {
        let mut values: Vec<(usize, toml::Value)> = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(key)?;
            if key.starts_with('_') {
                continue;
            }
            let value = decode(value)?;
            let Some(index) = controls.iter().position(|control| control.field == key) else {
                return Err(StateError::NotAControl {
                    field: key,
                    known: controls.iter().map(|control| control.field.clone()).collect(),
                });
            };
            if values.iter().any(|(seen, _)| *seen == index) {
                return Err(StateError::Twice(key));
            }
            values.push((index, parse_value(&value)));
        }
        values.sort_by_key(|(index, _)| *index);
        Ok(Self { values })
    }

    /// The overrides this state stands for, in the controls' order.
    pub fn overrides(&self, controls: &[Control]) -> Vec<Override> {
        self.values
            .iter()
            .map(|(index, value)| Override { field: controls[*index].field.clone(), value: value.clone() })
            .collect()
    }

    /// The `--set` flags' texts, as `attrition run` takes them.
    pub fn set_flags(&self, controls: &[Control]) -> Vec<String> {
        self.overrides(controls).iter().map(Override::to_string).collect()
    }

    /// The state as a query string, canonical: the same values give the same text.
    pub fn query(&self, controls: &[Control]) -> String {
        self.values
            .iter()
            .map(|(index, value)| format!("{}={}", encode(&controls[*index].field), encode(&text_of(value))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// A value as the page's controls and its URL write it (a string without quotes).
pub fn text_of(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => render_value(other),
    }
}

/// The value the validated configuration resolves a field to (an arm's lever that
/// the arm inherits, a default), read from its serialised form; `None` where the
/// path does not lead to a single value there.
pub fn resolved(config: &serde_json::Value, field: &str) -> Option<String> {
    let path = parse_path(field);
    let mut current = config;
    let mut segments = path.iter().peekable();
    while let Some(segment) = segments.next() {
        current = match segment {
            Segment::Key(key) if key == "arms" && current.get("arms").is_some() => {
                let Some(Segment::Key(name)) = segments.next() else { return None };
                current["arms"].as_array()?.iter().find(|arm| arm["name"] == name.as_str())?
            }
            Segment::Key(key) => current.get(key)?,
            Segment::Index(index) => current.get(index)?,
        };
    }
    match current {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        serde_json::Value::Bool(value) => Some(value.to_string()),
        _ => None,
    }
}

/// Decodes one form-encoded component (`+` is a space, `%XX` a byte).
pub fn decode(text: &str) -> Result<String, StateError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => {
                // Two hex digits, no sign (which `from_str_radix` would take).
                let hex = bytes
                    .get(index + 1..index + 3)
                    .filter(|pair| pair.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|pair| std::str::from_utf8(pair).ok())
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                    .ok_or_else(|| {
                        StateError::Malformed(format!("{:?} is not a %XX escape", &text[index..]))
                    })?;
                out.push(hex);
                index += 2;
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8(out).map_err(|_| StateError::Malformed("the decoded text is not UTF-8".to_owned()))
}

/// Encodes one component for a query string: everything but unreserved bytes escaped.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::controls::Input;

    fn controls() -> Vec<Control> {
        ["policy.credit_accuracy", "arms.\"overhead rota\".promotion"]
            .iter()
            .map(|field| Control {
                field: (*field).to_owned(),
                label: String::new(),
                input: Input::Slider { low: 0.0, high: 1.0, step: 0.1 },
            })
            .collect()
    }

    #[test]
    fn a_query_is_read_in_the_controls_order_and_written_back_the_same() {
        let controls = controls();
        let query = "arms.%22overhead+rota%22.promotion=dual_track&policy.credit_accuracy=0.8&_=123";
        let state = State::parse(query, &controls).unwrap();
        assert_eq!(state.values[0], (0, toml::Value::Float(0.8)));
        assert_eq!(state.values[1], (1, toml::Value::String("dual_track".into())));
        assert_eq!(
            state.set_flags(&controls),
            ["policy.credit_accuracy=0.8", "arms.\"overhead rota\".promotion=\"dual_track\""]
        );
        let again = State::parse(&state.query(&controls), &controls).unwrap();
        assert_eq!(again, state);
    }

    #[test]
    fn a_query_that_is_not_a_state_is_refused_with_why() {
        let controls = controls();
        let not = State::parse("simulation.trials=1000000", &controls).unwrap_err();
        assert!(not.to_string().contains("not a control"), "{not}");
        assert!(matches!(
            State::parse("policy.credit_accuracy=%zz", &controls),
            Err(StateError::Malformed(_))
        ));
        assert!(matches!(
            State::parse("policy.credit_accuracy=%ff", &controls),
            Err(StateError::Malformed(_))
        ));
        assert!(matches!(
            State::parse("policy.credit_accuracy=%+5", &controls),
            Err(StateError::Malformed(_))
        ));
        assert!(matches!(
            State::parse("policy.credit_accuracy=%4", &controls),
            Err(StateError::Malformed(_))
        ));
        let twice = State::parse("policy.credit_accuracy=1&policy.credit_accuracy=0", &controls);
        assert_eq!(twice, Err(StateError::Twice("policy.credit_accuracy".into())));
        assert_eq!(decode("a%20b+c").unwrap(), "a b c");
        assert_eq!(encode("arms.\"a b\""), "arms.%22a%20b%22");
    }

    #[test]
    fn a_field_resolves_through_an_arm_by_name() {
        let config = serde_json::json!({
            "arms": [{ "name": "a", "credit_accuracy": 0.7 }, { "name": "b c", "credit_accuracy": 0.95 }],
            "dynamics": { "quits": { "base_rate": 0.12 } }
        });
        assert_eq!(resolved(&config, "arms.\"b c\".credit_accuracy").as_deref(), Some("0.95"));
        assert_eq!(resolved(&config, "dynamics.quits.base_rate").as_deref(), Some("0.12"));
        assert_eq!(resolved(&config, "arms.d.credit_accuracy"), None);
        assert_eq!(resolved(&config, "dynamics.quits"), None);
    }
}
