//! `sweep.csv`: one row per sweep point, arm and trial metric.

use std::path::Path;

use crate::config::Config;
use crate::config::overrides::render_value;
use crate::runner::RunSummary;

use super::tables::summary_fields;
use super::{OutputError, format_number, io_error};

/// The sweep's table.
pub const SWEEP: &str = "sweep.csv";

/// The results at one point of a sweep.
#[derive(Debug, Clone)]
pub struct SweepPoint {
    /// The value of each swept field, in axis order.
    pub values: Vec<toml::Value>,
    /// The run at this point.
    pub summary: RunSummary,
}

/// Writes `sweep.csv`: a column per swept field, then `arm`, `metric`, `unit` and
/// the statistic columns of `summary.csv`.
pub fn write(
    path: &Path,
    config: &Config,
    fields: &[String],
    points: &[SweepPoint],
) -> Result<(), OutputError> {
    let csv_error = |source| OutputError::Csv { path: path.to_owned(), source };
    let file = std::fs::File::create(path).map_err(io_error("creating", path))?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let mut header: Vec<String> = fields.to_vec();
    header.extend(["arm", "metric", "unit"].map(String::from));
    header.extend(super::tables::SUMMARY_COLUMNS.map(String::from));
    writer.write_record(&header).map_err(csv_error)?;
    for point in points {
        let values: Vec<String> = point
            .values
            .iter()
            .map(|value| match value {
                toml::Value::String(text) => text.clone(),
                toml::Value::Float(number) => format_number(*number),
                other => render_value(other),
            })
            .collect();
        for (arm, summaries) in config.arms.iter().zip(&point.summary.arms) {
            for &metric in config.trial_metrics() {
                let summary = &summaries[metric as usize];
                let mut record = values.clone();
                record.extend([arm.name.clone(), metric.name().to_owned(), metric.unit().to_owned()]);
                record.extend(summary_fields(summary));
                writer.write_record(&record).map_err(csv_error)?;
            }
        }
    }
    writer.flush().map_err(io_error("writing", path))
}
