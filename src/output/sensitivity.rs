//! `sensitivity.csv`: a sensitivity analysis's indices as a tidy table, one row
//! per parameter, index and method.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::{OutputError, io_error};
use crate::sensitivity::{Analysis, Parameter};

/// The table's file name.
pub const SENSITIVITY: &str = "sensitivity.csv";

/// The table's columns.
pub const COLUMNS: [&str; 7] = ["parameter", "output", "method", "index", "estimate", "ci_low", "ci_high"];

/// Writes `sensitivity.csv` at `path`; see [`write_to`].
pub fn write(
    path: &Path,
    parameters: &[Parameter],
    output: &str,
    analysis: &Analysis,
) -> Result<(), OutputError> {
    let file = File::create(path).map_err(io_error("creating", path))?;
    let mut buffered = BufWriter::new(file);
    write_to(&mut buffered, parameters, output, analysis)
        .and_then(|()| buffered.flush())
        .map_err(io_error("writing", path))
}

/// Writes the table: every index of `analysis`, parameter by parameter, for the
/// output described by `output`. Numbers are written with the fewest digits that
/// read back to the same value.
pub fn write_to(
    sink: impl Write,
    parameters: &[Parameter],
    output: &str,
    analysis: &Analysis,
) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(sink);
    writer.write_record(COLUMNS)?;
    for index in &analysis.indices {
        writer.write_record([
            parameters[index.parameter].field.as_str(),
            output,
            analysis.method.name(),
            index.kind.name(),
            &index.estimate.to_string(),
            &index.ci_low.to_string(),
            &index.ci_high.to_string(),
        ])?;
    }
    writer.flush()
}
