//! Overrides of scenario fields from the command line (`--set field=value`) and the
//! points of a sweep: edits of the scenario's TOML before it is validated, so an
//! override is checked exactly like the file.

use std::fmt;

use toml::{Table, Value};

use crate::locate::{Segment, parse_path, render_path};

/// One field set to one value.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Field path in TOML's dotted-key syntax, e.g. `workforce.dismissal_threshold`.
    pub field: String,
    /// The value, as TOML.
    pub value: Value,
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.field, render_value(&self.value))
    }
}

/// A value as TOML writes it (strings quoted).
pub fn render_value(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{text:?}"),
        other => other.to_string(),
    }
}

/// Reads a TOML value; what does not parse as one is taken as a string, so
/// `--set arms.a.promotion=random` works without shell-quoted quotes.
pub fn parse_value(text: &str) -> Value {
    let text = text.trim();
    toml::from_str::<Table>(&format!("value = {text}"))
        .ok()
        .and_then(|mut table| table.remove("value"))
        .unwrap_or_else(|| Value::String(text.to_owned()))
}

/// Splits `field=value` at the first `=` outside quotes.
fn split_assignment(text: &str) -> Result<(&str, &str), String> {
    let mut quoted = false;
    for (index, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '=' if !quoted => return Ok((text[..index].trim(), &text[index + 1..])),
            _ => {}
        }
    }
    Err(format!("{text:?} is not of the form field=value"))
}

/// Parses `--set field=value`.
pub fn parse_set(text: &str) -> Result<Override, String> {
    let (field, value) = split_assignment(text)?;
    check_field(field)?;
    Ok(Override { field: field.to_owned(), value: parse_value(value) })
}

/// Parses `--sweep field=v1,v2,...` or `--sweep field=from:to:step` into the field
/// and its values. Messages name the field but not the flag: the caller does.
pub fn parse_sweep(text: &str) -> Result<(String, Vec<Value>), String> {
    let (field, values) = split_assignment(text)?;
    check_field(field)?;
    if values.trim().is_empty() {
        return Err(format!("{field}: no values"));
    }
    // A single unquoted `a:b:c` is a range; `:` has no other meaning in a list of
    // numbers or names.
    if let Some(range) = super::sweep::parse_range_text(values) {
        return range
            .map(|values| (field.to_owned(), values))
            .map_err(|message| format!("{field}: {message}"));
    }
    let parts = split_list(values);
    if let Some(empty) = parts.iter().position(|part| part.is_empty()) {
        return Err(format!(
            "{field}: value {} of {} is empty (two commas in a row, or a comma at an end)",
            empty + 1,
            parts.len()
        ));
    }
    Ok((field.to_owned(), parts.into_iter().map(parse_value).collect()))
}

/// Splits a comma-separated list, keeping commas inside quotes; parts are trimmed,
/// and empty ones kept, so the caller can refuse them.
fn split_list(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().map(str::trim).collect()
}

fn check_field(field: &str) -> Result<(), String> {
    match parse_path(field).first() {
        None => Err(format!("{field:?}: name the field to set, e.g. simulation.steps")),
        Some(Segment::Key(first)) if first == "sweep" => {
            Err(format!("{field}: the sweep itself cannot be set or swept"))
        }
        Some(_) => Ok(()),
    }
}

/// Why an override could not be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct OverrideError {
    /// Which override failed (its index in the list given), or `None` when the
    /// scenario text itself could not be read.
    pub index: Option<usize>,
    /// Why, in words.
    pub message: String,
}

/// The scenario text with every override applied (tables created as needed, but
/// never an arm: a misspelt arm name would otherwise become a new arm).
pub fn apply(text: &str, overrides: &[Override]) -> Result<String, OverrideError> {
    let mut table: Table = toml::from_str(text)
        .map_err(|error| OverrideError { index: None, message: error.message().to_owned() })?;
    for (index, over) in overrides.iter().enumerate() {
        let path = parse_path(&over.field);
        check_arm_exists(&table, &path)
            .and_then(|()| set(&mut table, &path, over.value.clone()))
            .map_err(|message| OverrideError { index: Some(index), message })?;
    }
    toml::to_string(&table).map_err(|error| OverrideError { index: None, message: error.to_string() })
}

/// Refuses a path into an arm the scenario does not have: `[arms]` is a table of
/// any names, so a typo would silently add an arm rather than fail.
fn check_arm_exists(table: &Table, path: &[Segment]) -> Result<(), String> {
    if let [Segment::Key(arms)] = path
        && arms == "arms"
    {
        // A whole new `[arms]` table would add (and remove) arms.
        return Err("an override may change the arms' fields, not which arms there are (the whole [arms] \
                    table): set arms.\"<name>\".<field>=<value>"
            .to_owned());
    }
    let [Segment::Key(arms), Segment::Key(name), ..] = path else { return Ok(()) };
    if arms != "arms" {
        return Ok(());
    }
    let known: Vec<&str> = match table.get("arms").and_then(Value::as_table) {
        Some(arms) if arms.contains_key(name) => return Ok(()),
        Some(arms) => arms.keys().map(String::as_str).collect(),
        None => Vec::new(),
    };
    let suggestion = crate::locate::did_you_mean(name, known.iter().copied())
        .map(|m| format!("; did you mean {:?}?", m))
        .unwrap_or_default();
    Err(format!(
        "the scenario has no arm {name:?}{suggestion} (the arms are {known:?}; an override changes an \
         arm's levers, it cannot add an arm: add it to the scenario file)"
    ))
}

fn set(table: &mut Table, path: &[Segment], value: Value) -> Result<(), String> {
    match path {
        [Segment::Key(key)] => {
            table.insert(key.clone(), value);
            Ok(())
        }
        [Segment::Key(key), Segment::Index(index), rest @ ..] => {
            let element = table
                .get_mut(key)
                .and_then(Value::as_array_mut)
                .and_then(|array| array.get_mut(*index))
                .and_then(Value::as_table_mut)
                .ok_or_else(|| format!("there is no {}", render_path(&path[..2])))?;
            set(element, rest, value)
        }
        [Segment::Key(key), rest @ ..] => {
            let inner = table.entry(key.clone()).or_insert_with(|| Value::Table(Table::new()));
            if inner.is_array() {
                // `levels.1.positions` meant `levels[1].positions`.
                let suggestion = match rest {
                    [Segment::Key(index), field @ ..]
                        if index.parse::<usize>().is_ok() && !field.is_empty() =>
                    {
                        format!("{key}[{index}].{}", render_path(field))
                    }
                    _ => format!("{key}[0].{}", render_path(rest)),
                };
                return Err(format!("{key} is a list: give the element's index, e.g. {suggestion}"));
            }
            let inner = inner.as_table_mut().ok_or_else(|| format!("{key} is not a table"))?;
            set(inner, rest, value)
        }
        _ => Err("the path must end in a field name".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse_values_and_reach_nested_fields() {
        let over = parse_set("workforce.dismissal_threshold=3.5").unwrap();
        assert_eq!(over.value, Value::Float(3.5));
        assert_eq!(parse_set("arms.\"a=b\".promotion=random").unwrap().field, "arms.\"a=b\".promotion");
        assert_eq!(parse_set("x=random").unwrap().value, Value::String("random".into()));
        assert_eq!(parse_set("x=\"best\"").unwrap().value, Value::String("best".into()));
        assert!(parse_set("no equals sign").is_err());

        let text = "[simulation]\nsteps = 5\n[[levels]]\npositions = 1\n[arms.a]\n";
        let overrides = [
            parse_set("simulation.steps=7").unwrap(),
            parse_set("levels[0].positions=3").unwrap(),
            parse_set("policy.competence=peter").unwrap(),
        ];
        let edited: Table = toml::from_str(&apply(text, &overrides).unwrap()).unwrap();
        assert_eq!(edited["simulation"]["steps"].as_integer(), Some(7));
        assert_eq!(edited["levels"][0]["positions"].as_integer(), Some(3));
        assert_eq!(edited["policy"]["competence"].as_str(), Some("peter"));
        assert!(apply(text, &[parse_set("levels[4].positions=1").unwrap()]).is_err());
        let unindexed = apply(text, &[parse_set("levels.positions=3").unwrap()]).unwrap_err().message;
        assert!(
            unindexed.contains("levels is a list") && unindexed.contains("levels[0].positions"),
            "{unindexed}"
        );
        let dotted = apply(text, &[parse_set("levels.0.positions=3").unwrap()]).unwrap_err().message;
        assert!(dotted.ends_with("e.g. levels[0].positions"), "{dotted}");
    }

    #[test]
    fn sweeps_split_their_values() {
        let (field, values) = parse_sweep("policy.best_probability=0.1, 0.5,0.9").unwrap();
        assert_eq!(field, "policy.best_probability");
        assert_eq!(values, vec![Value::Float(0.1), Value::Float(0.5), Value::Float(0.9)]);
        let (_, names) = parse_sweep("policy.promotion=best,\"random\"").unwrap();
        assert_eq!(names, vec![Value::String("best".into()), Value::String("random".into())]);
        let (_, range) = parse_sweep("policy.best_probability=0.1:0.3:0.1").unwrap();
        assert_eq!(range, vec![Value::Float(0.1), Value::Float(0.2), Value::Float(0.3)]);
        // Messages name the field, not the flag (the caller adds it, once).
        assert_eq!(parse_sweep("f=").unwrap_err(), "f: no values");
        let empty = parse_sweep("f=0.1,,0.2").unwrap_err();
        assert!(empty.starts_with("f: value 2 of 3 is empty"), "{empty}");
        assert!(parse_sweep("f=0.1,0.2,").is_err());
        assert!(parse_sweep("sweep.x=1,2").is_err() && parse_set("sweep.x=1").is_err());
    }

    #[test]
    fn an_override_into_a_missing_arm_is_refused_with_a_suggestion() {
        let text = "[arms.\"common practice\"]\n[arms.other]\n";
        let misspelt = parse_set("arms.\"common practise\".credit_accuracy=0.9").unwrap();
        let error = apply(text, &[parse_set("arms.other.promotion=random").unwrap(), misspelt]).unwrap_err();
        assert_eq!(error.index, Some(1));
        assert!(
            error.message.contains("no arm \"common practise\"; did you mean \"common practice\"?"),
            "{error}"
        );
        let edited: Table =
            toml::from_str(&apply(text, &[parse_set("arms.other.promotion=random").unwrap()]).unwrap())
                .unwrap();
        assert_eq!(edited["arms"]["other"]["promotion"].as_str(), Some("random"));
        assert_eq!(edited["arms"].as_table().unwrap().len(), 2);
    }
}
