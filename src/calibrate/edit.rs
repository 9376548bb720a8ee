//! The calibrated scenario: the original file's text with the fitted values (and
//! the command line's `--set` overrides) written into it, every comment and the
//! layout kept, so the file stays the one its author wrote.

use toml_edit::{DocumentMut, InlineTable, Item, Table, TableLike, Value};

use crate::config::Override;
use crate::locate::{Segment, parse_path};

/// Why a field could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot write {field} into the scenario: {why}")]
pub struct EditError {
    /// The field.
    pub field: String,
    /// Why.
    pub why: String,
}

/// `text` with each override written at its field (tables created as needed),
/// after a header comment `note` (each line prefixed with `# `).
pub fn write_values(text: &str, overrides: &[Override], note: &str) -> Result<String, EditError> {
    let mut document: DocumentMut = text
        .parse()
        .map_err(|error: toml_edit::TomlError| EditError { field: String::new(), why: error.to_string() })?;
    for over in overrides {
        let fail = |why: String| EditError { field: over.field.clone(), why };
        let new = toml_value(&over.value).ok_or_else(|| fail("the value has no TOML form".to_owned()))?;
        set_in(document.as_table_mut(), false, &parse_path(&over.field), new).map_err(fail)?;
    }
    let header: String = note
        .lines()
        .map(|line| if line.is_empty() { "#\n".to_owned() } else { format!("# {line}\n") })
        .collect();
    Ok(format!("{header}{document}"))
}

/// Writes `new` at `path` inside `table` (an inline table when `inline`), creating
/// the tables on the way.
fn set_in(table: &mut dyn TableLike, inline: bool, path: &[Segment], new: Value) -> Result<(), String> {
    match path {
        [] => Err("an empty field path".to_owned()),
        [Segment::Index(index), ..] => Err(format!("[{index}] does not follow a key")),
        [Segment::Key(key)] => match table.get_mut(key) {
            Some(Item::Value(old)) => {
                // The old value's comments and spacing stay with the new one.
                let decor = old.decor().clone();
                *old = new;
                *old.decor_mut() = decor;
                Ok(())
            }
            Some(_) => Err(format!("`{key}` is a table, not a value")),
            None => {
                table.insert(key, Item::Value(new));
                Ok(())
            }
        },
        [Segment::Key(key), Segment::Index(index), rest @ ..] => match table.get_mut(key) {
            Some(Item::ArrayOfTables(array)) => {
                let inner = array.get_mut(*index).ok_or_else(|| format!("`{key}` has no [{index}]"))?;
                set_in(inner, false, rest, new)
            }
            _ => Err(format!("`{key}` is not an array of tables")),
        },
        [Segment::Key(key), rest @ ..] => {
            if table.get(key).is_none() {
                let item = if inline {
                    Item::Value(Value::InlineTable(InlineTable::new()))
                } else {
                    let mut created = Table::new();
                    created.set_implicit(true);
                    Item::Table(created)
                };
                table.insert(key, item);
            }
            let item = table.get_mut(key).expect("inserted above");
            let inline = matches!(item, Item::Value(_));
            let inner = item.as_table_like_mut().ok_or_else(|| format!("`{key}` is not a table"))?;
            set_in(inner, inline, rest, new)
        }
    }
}

/// A TOML value of `toml`'s as `toml_edit`'s.
fn toml_value(value: &toml::Value) -> Option<Value> {
    Some(match value {
        toml::Value::String(text) => text.as_str().into(),
        toml::Value::Integer(number) => (*number).into(),
        toml::Value::Float(number) => (*number).into(),
        toml::Value::Boolean(flag) => (*flag).into(),
        other => other.to_string().parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(field: &str, value: f64) -> Override {
        Override { field: field.to_owned(), value: toml::Value::Float(value) }
    }

    #[test]
    fn values_are_replaced_and_comments_kept() {
        let text =
            "# a scenario\nname = \"x\"\n\n[dynamics.quits]\nbase_rate = 0.12   # calibrated by hand\n";
        let edited = write_values(text, &[set("dynamics.quits.base_rate", 0.25)], "calibrated").unwrap();
        assert!(edited.starts_with("# calibrated\n# a scenario\n"), "{edited}");
        assert!(edited.contains("base_rate = 0.25   # calibrated by hand"), "{edited}");
    }

    #[test]
    fn fields_of_inline_tables_and_arrays_of_tables() {
        let text = "[workforce]\nskill = { mean = 6.0, sd = 1.5 }  # hires\n\n[[levels]]\npositions = 3\n[[levels]]\npositions = 9\n";
        let over = |field: &str, value: toml::Value| Override { field: field.to_owned(), value };
        let edited = write_values(
            text,
            &[set("workforce.skill.sd", 2.0), over("levels[1].positions", toml::Value::Integer(10))],
            "n",
        )
        .unwrap();
        assert!(edited.contains("skill = { mean = 6.0, sd = 2.0 }  # hires"), "{edited}");
        let table: toml::Table = toml::from_str(&edited).unwrap();
        assert_eq!(table["levels"][1]["positions"].as_integer(), Some(10));
    }

    #[test]
    fn absent_fields_and_tables_are_added() {
        let text = "name = \"x\"\n\n[dynamics]\n\n[policy]\npromotion = \"best\"\n";
        let edited = write_values(
            text,
            &[set("dynamics.quits.base_rate", 0.2), set("dynamics.overhead.load", 0.1)],
            "n",
        )
        .unwrap();
        let table: toml::Table = toml::from_str(&edited).unwrap();
        assert_eq!(table["dynamics"]["quits"]["base_rate"].as_float(), Some(0.2));
        assert_eq!(table["dynamics"]["overhead"]["load"].as_float(), Some(0.1));
        assert_eq!(table["policy"]["promotion"].as_str(), Some("best"));
    }
}
