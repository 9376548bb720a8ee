//! Design tables: the points of a sweep given row by row (a CSV with a column per
//! field path, as SALib, R or a hand make them) or drawn as a Latin hypercube. A
//! design is another source of the points that [`super::sweep`] validates and the
//! sweep runner runs: every row is checked like a grid point before anything runs.

use std::path::Path;

use toml::Value;

use super::Config;
use super::load::ProblemKind;
use super::overrides::{Override, parse_value, render_value};
use super::sweep::{
    MAX_GRID_POINTS, Plan, SweepProblem, check_swept_field, judge_reach, point_config, validate_points,
};
use crate::locate::{parse_path, render_path};
use crate::rng::{Stream, stream_rng, uniform_index, uniform01};

/// A design: the fields (columns) and one row of values per point.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Field paths, as `--set` takes them, one per column.
    pub fields: Vec<String>,
    /// One value per field, per point, in the order the points run.
    pub rows: Vec<Vec<Value>>,
    /// The line of the file each row starts on (1-based; the header is line 1).
    pub lines: Vec<u64>,
}

/// What is wrong with a design, placed at its row and column when it has them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct DesignProblem {
    /// The line of the file (1-based), when one row or the header is at fault.
    pub line: Option<u64>,
    /// The column at fault (0-based), when one is.
    pub column: Option<usize>,
    /// The category.
    pub kind: ProblemKind,
    /// Why.
    pub message: String,
}

impl DesignProblem {
    fn at(line: Option<u64>, column: Option<usize>, kind: ProblemKind, message: String) -> Self {
        Self { line, column, kind, message }
    }
}

/// Reads a design table: a header of field paths, then one row per point whose
/// cells are TOML literals or bare numbers and names (`0.3`, `best`, `"best"`).
pub fn read_table(text: &str) -> Result<Design, DesignProblem> {
    // Spreadsheets save a byte-order mark that would otherwise join the first field.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let syntax = |error: csv::Error| {
        let line = error.position().map(csv::Position::line);
        DesignProblem::at(line, None, ProblemKind::Syntax, error.to_string())
    };
    let fields: Vec<String> = reader.headers().map_err(syntax)?.iter().map(str::to_owned).collect();
    let header = Some(1);
    if fields.iter().all(String::is_empty) {
        return Err(DesignProblem::at(
            header,
            None,
            ProblemKind::Missing,
            "the header names no field: give one field path per column, e.g. policy.best_probability".into(),
        ));
    }
    for (column, field) in fields.iter().enumerate() {
        check_swept_field(field)
            .map_err(|message| DesignProblem::at(header, Some(column), ProblemKind::Inconsistent, message))?;
        let normal = render_path(&parse_path(field));
        if fields[..column].iter().any(|earlier| render_path(&parse_path(earlier)) == normal) {
            return Err(DesignProblem::at(
                header,
                Some(column),
                ProblemKind::Inconsistent,
                format!("{field} has two columns"),
            ));
        }
    }
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(syntax)?;
        let line = record.position().map_or(0, csv::Position::line);
        if rows.len() == MAX_GRID_POINTS {
            return Err(DesignProblem::at(
                Some(line),
                None,
                ProblemKind::OutOfRange,
                format!("the design has more than {MAX_GRID_POINTS} rows"),
            ));
        }
        let mut row = Vec::with_capacity(fields.len());
        for (column, cell) in record.iter().enumerate() {
            if cell.is_empty() {
                return Err(DesignProblem::at(
                    Some(line),
                    Some(column),
                    ProblemKind::Missing,
                    "the cell is empty: every row gives every field a value".into(),
                ));
            }
            row.push(parse_value(cell));
        }
        rows.push(row);
        lines.push(line);
    }
    if rows.is_empty() {
        return Err(DesignProblem::at(None, None, ProblemKind::Missing, "the design has no rows".into()));
    }
    Ok(Design { fields, rows, lines })
}

impl Design {
    /// The table as CSV, readable back by [`read_table`] to the same values
    /// (floats are written with every digit they need).
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        // Writing to memory cannot fail.
        let _ = writer.write_record(&self.fields);
        for row in &self.rows {
            let _ = writer.write_record(row.iter().map(cell));
        }
        String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// Every row as the overrides it makes.
    fn assignments(&self) -> Vec<Vec<Override>> {
        self.rows
            .iter()
            .map(|row| {
                self.fields
                    .iter()
                    .zip(row)
                    .map(|(field, value)| Override { field: field.clone(), value: value.clone() })
                    .collect()
            })
            .collect()
    }
}

/// A value as a design cell: names bare unless they would read back as another
/// type (`"1"`), everything else as TOML writes it.
fn cell(value: &Value) -> String {
    match value {
        Value::String(text) if parse_value(text) == *value => text.clone(),
        other => render_value(other),
    }
}

/// Checks a design of `text` (the scenario, whose own `[sweep]` it replaces) with
/// the `--set` overrides `set`, whose validated scenario is `base`: every row
/// validates and has `base`'s arms, and every field reaches some arm. Problems of
/// one row or column are placed there.
pub fn plan(
    text: &str,
    path: &Path,
    design: &Design,
    set: &[Override],
    base: &Config,
) -> Result<Plan, DesignProblem> {
    let normal = |field: &str| render_path(&parse_path(field));
    if let Some(column) =
        design.fields.iter().position(|field| set.iter().any(|over| normal(&over.field) == normal(field)))
    {
        return Err(DesignProblem::at(
            Some(1),
            Some(column),
            ProblemKind::Inconsistent,
            format!("{} is both a column of the design and set with --set", design.fields[column]),
        ));
    }
    let located = |problem: SweepProblem| DesignProblem {
        line: problem.point.and_then(|point| design.lines.get(point).copied()),
        column: problem.axis,
        kind: problem.kind,
        message: problem.message,
    };
    let (points, mut warnings) =
        validate_points(text, path, &design.fields, design.assignments(), set, base).map_err(located)?;
    // Each field is judged as a sweep's is: the first row, against the first row
    // with that field alone changed (to the first other value the design gives it).
    let first = &points[0];
    for (column, field) in design.fields.iter().enumerate() {
        let Some(other) =
            design.rows.iter().map(|row| &row[column]).find(|v| !same_value(v, &design.rows[0][column]))
        else {
            continue;
        };
        let mut assignment = first.assignment.clone();
        assignment[column].value = other.clone();
        // A combination the design does not hold may be invalid; then nothing is judged.
        let Ok(changed) = point_config(text, path, &design.fields, &assignment, set) else { continue };
        judge_reach(column, field, &first.config, &[&changed], &mut warnings)
            .map_err(|problem| DesignProblem::at(Some(1), Some(column), problem.kind, problem.message))?;
    }
    for (index, row) in design.rows.iter().enumerate() {
        if let Some(earlier) = design.rows[..index].iter().position(|earlier| same_row(earlier, row)) {
            warnings.push(format!(
                "rows on lines {} and {} are the same point: their results are identical",
                design.lines[earlier], design.lines[index]
            ));
        }
    }
    Ok(Plan { points, warnings })
}

fn same_value(a: &Value, b: &Value) -> bool {
    let number = |value: &Value| value.as_float().or_else(|| value.as_integer().map(|i| i as f64));
    match (number(a), number(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

fn same_row(a: &[Value], b: &[Value]) -> bool {
    a.iter().zip(b).all(|(a, b)| same_value(a, b))
}

/// One dimension of a Latin hypercube (or a parameter of a sensitivity analysis):
/// a field and the interval it spans.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LhsRange {
    /// The field path, as `--set` takes it.
    pub field: String,
    /// The interval's lower end (inclusive).
    pub low: f64,
    /// The interval's upper end (exclusive), above `low`.
    pub high: f64,
}

/// Parses `--range field=low:high`.
pub fn parse_range(text: &str) -> Result<LhsRange, String> {
    let (field, span) =
        text.split_once('=').ok_or_else(|| format!("{text:?} is not of the form field=low:high"))?;
    let field = field.trim();
    check_swept_field(field)?;
    let (low, high) = span.split_once(':').ok_or_else(|| {
        format!("{field}: {:?} is not an interval: write low:high, e.g. 0.1:0.9", span.trim())
    })?;
    let number = |part: &str, name: &str| match parse_value(part) {
        Value::Float(x) if x.is_finite() => Ok(x),
        Value::Integer(i) => Ok(i as f64),
        _ => Err(format!("{field}: the interval's {name}, {:?}, is not a finite number", part.trim())),
    };
    let (low, high) = (number(low, "low end")?, number(high, "high end")?);
    if low >= high {
        return Err(format!("{field}: the interval runs upwards: low ({low}) must be below high ({high})"));
    }
    Ok(LhsRange { field: field.to_owned(), low, high })
}

/// A Latin hypercube of `points` points over `ranges`, drawn from the `Design`
/// stream of `seed`: each range cut into `points` equal bins, each bin holding
/// exactly one point (a random permutation of the bins per dimension, a uniform
/// position within each bin). Floats throughout, so an integer field cannot be a
/// dimension.
pub fn latin_hypercube(points: usize, ranges: &[LhsRange], seed: u64) -> Design {
    let mut rng = stream_rng(seed, Stream::Design);
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        let mut bins: Vec<usize> = (0..points).collect();
        for last in (1..points).rev() {
            bins.swap(last, uniform_index(&mut rng, last + 1));
        }
        let width = range.high - range.low;
        columns.push(
            bins.iter()
                .map(|&bin| range.low + width * ((bin as f64 + uniform01(&mut rng)) / points as f64))
                .collect(),
        );
    }
    Design {
        fields: ranges.iter().map(|range| range.field.clone()).collect(),
        rows: (0..points).map(|point| columns.iter().map(|c| Value::Float(c[point])).collect()).collect(),
        lines: (0..points as u64).map(|point| point + 2).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_read_literals_and_bare_values_and_place_bad_cells() {
        let design =
            read_table("\u{feff}policy.best_probability, arms.a.promotion\n0.5,best\n1,\"random\"\n")
                .unwrap();
        assert_eq!(design.fields, ["policy.best_probability", "arms.a.promotion"]);
        assert_eq!(design.rows[0], [Value::Float(0.5), Value::String("best".into())]);
        assert_eq!(design.rows[1], [Value::Integer(1), Value::String("random".into())]);
        assert_eq!(design.lines, [2, 3]);
        let empty = read_table("a.b,c.d\n1,2\n3,\n").unwrap_err();
        assert_eq!((empty.line, empty.column), (Some(3), Some(1)));
        let short = read_table("a.b,c.d\n1,2\n3\n").unwrap_err();
        assert_eq!((short.line, short.kind), (Some(3), ProblemKind::Syntax));
        let twice = read_table("a.b,\"a\".b\n1,2\n").unwrap_err();
        assert_eq!(twice.column, Some(1), "{twice}");
        assert!(read_table("simulation.seed\n1\n").unwrap_err().message.contains("not parameters"));
        assert!(read_table("a.b\n").unwrap_err().message.contains("no rows"));
    }

    #[test]
    fn a_table_written_reads_back_to_the_same_values() {
        let design = Design {
            fields: vec!["a.b".into(), "c".into()],
            rows: vec![
                vec![Value::Float(0.123_456_789_012_345_67), Value::String("1".into())],
                vec![Value::Float(3.0), Value::String("best, or not".into())],
            ],
            lines: vec![2, 3],
        };
        assert_eq!(read_table(&design.to_csv()).unwrap(), design);
    }

    #[test]
    fn ranges_parse_and_say_what_is_wrong() {
        assert_eq!(
            parse_range("policy.best_probability=0:0.5").unwrap(),
            LhsRange { field: "policy.best_probability".into(), low: 0.0, high: 0.5 }
        );
        assert!(parse_range("p.x=1:0").unwrap_err().contains("runs upwards"));
        assert!(parse_range("p.x=0.5").unwrap_err().contains("low:high"));
        assert!(parse_range("p.x=a:1").unwrap_err().contains("low end"));
        assert!(parse_range("name=0:1").is_err());
    }

    #[test]
    fn a_latin_hypercube_is_stratified_and_a_function_of_its_seed() {
        let ranges = [
            LhsRange { field: "a".into(), low: -1.0, high: 3.0 },
            LhsRange { field: "b".into(), low: 0.0, high: 0.001 },
        ];
        let design = latin_hypercube(37, &ranges, 7);
        assert_eq!(design, latin_hypercube(37, &ranges, 7));
        assert_ne!(design, latin_hypercube(37, &ranges, 8));
        for (column, range) in ranges.iter().enumerate() {
            let mut bins: Vec<usize> = design
                .rows
                .iter()
                .map(|row| {
                    let x = row[column].as_float().unwrap();
                    ((x - range.low) / (range.high - range.low) * 37.0).floor() as usize
                })
                .collect();
            bins.sort_unstable();
            assert_eq!(bins, (0..37).collect::<Vec<_>>(), "column {column}");
        }
    }
}
