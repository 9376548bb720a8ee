//! The tables of a sweep: `sweep.csv` (one row per point, arm and trial metric),
//! `sweep_comparison.csv` (paired differences at and between points) and, on
//! request, `sweep_trials.csv` (one row per point, trial and arm).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::config::overrides::render_value;
use crate::metrics::{TRIAL_METRICS, TrialRow};
use crate::runner::TrialOutcome;

use super::tables::summary_fields;
use super::{OutputError, format_number, io_error};

/// The sweep's table.
pub const SWEEP: &str = "sweep.csv";
/// The paired comparisons of a sweep.
pub const SWEEP_COMPARISON: &str = "sweep_comparison.csv";
/// The per-trial rows of a sweep (with `--sweep-trials`).
pub const SWEEP_TRIALS: &str = "sweep_trials.csv";
/// The design a `--design` or `--design-lhs` sweep ran.
pub const DESIGN: &str = "design.csv";

/// The results at one point of a sweep.
pub use crate::experiment::PointResult as SweepPoint;

/// A swept value as a CSV cell: strings bare, numbers as the other tables write
/// them unless that loses digits (a design's drawn values have all of an f64's),
/// since two points must not look alike.
fn cell(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        toml::Value::Float(number) => {
            let short = format_number(*number);
            match short.parse::<f64>() {
                Ok(read) if read == *number => short,
                _ => format!("{number}"),
            }
        }
        other => render_value(other),
    }
}

/// Writes `design.csv`: the design that ran, one row per point, readable by
/// `--design` (with a Latin hypercube, the points drawn).
pub fn write_design(path: &Path, design: &crate::config::design::Design) -> Result<(), OutputError> {
    std::fs::write(path, design.to_csv()).map_err(io_error("writing", path))
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
        let values: Vec<String> = point.values.iter().map(cell).collect();
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

/// Writes `sweep_comparison.csv`: a column per swept field, then `arm`, `metric`,
/// `unit`, `comparison`, `against`, the statistic columns of `summary.csv` for the
/// paired difference, and `share_higher` and `share_lower`. `comparison` is
/// `baseline` (the arm minus the baseline arm at this point), `reference` (the arm
/// minus itself at the reference point, `reference` naming it) or
/// `baseline_change` (the arm's difference to the baseline here minus the same
/// difference at the reference point).
pub fn write_comparison(
    path: &Path,
    config: &Config,
    fields: &[String],
    reference: &str,
    points: &[SweepPoint],
) -> Result<(), OutputError> {
    let csv_error = |source| OutputError::Csv { path: path.to_owned(), source };
    let file = File::create(path).map_err(io_error("creating", path))?;
    let mut writer = csv::Writer::from_writer(BufWriter::new(file));
    let mut header: Vec<String> = fields.to_vec();
    header.extend(["arm", "metric", "unit", "comparison", "against"].map(String::from));
    header.extend(super::tables::SUMMARY_COLUMNS.map(String::from));
    header.extend(["share_higher", "share_lower"].map(String::from));
    writer.write_record(&header).map_err(csv_error)?;
    let baseline = &config.arms[config.baseline].name;
    for point in points {
        let values: Vec<String> = point.values.iter().map(cell).collect();
        for (arm_index, arm) in config.arms.iter().enumerate() {
            for &metric in config.trial_metrics() {
                let slot = metric as usize;
                let rows = [
                    ("baseline", baseline.as_str(), point.summary.comparisons[arm_index].as_ref()),
                    ("reference", reference, point.versus_reference.get(arm_index)),
                    (
                        "baseline_change",
                        reference,
                        point.baseline_change.get(arm_index).and_then(Option::as_ref),
                    ),
                ];
                for (kind, against, comparisons) in rows {
                    let Some(comparison) = comparisons.map(|c| &c[slot]) else { continue };
                    let mut record = values.clone();
                    record.extend([
                        arm.name.clone(),
                        metric.name().to_owned(),
                        metric.unit().to_owned(),
                        kind.to_owned(),
                        against.to_owned(),
                    ]);
                    record.extend(summary_fields(&comparison.difference));
                    record.push(format_number(comparison.share_higher));
                    record.push(format_number(comparison.share_lower));
                    writer.write_record(&record).map_err(csv_error)?;
                }
            }
        }
    }
    writer.flush().map_err(io_error("writing", path))
}

/// Streams `sweep_trials.csv`: a column per swept field, then the columns of
/// `trials.csv`, one row per point, trial and arm.
pub struct SweepTrialWriter {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    arm_names: Vec<String>,
    metrics: &'static [crate::metrics::TrialMetric],
}

impl SweepTrialWriter {
    /// Creates the file and writes its header.
    pub fn create(path: PathBuf, config: &Config, fields: &[String]) -> Result<Self, OutputError> {
        let file = File::create(&path).map_err(io_error("creating", &path))?;
        let mut writer = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, file));
        let metrics = config.trial_metrics();
        let mut header: Vec<&str> = fields.iter().map(String::as_str).collect();
        header.extend(["arm", "trial", "seed"]);
        header.extend(metrics.iter().map(|metric| metric.name()));
        writer.write_record(&header).map_err(|source| OutputError::Csv { path: path.clone(), source })?;
        let arm_names = config.arms.iter().map(|arm| arm.name.clone()).collect();
        Ok(Self { path, writer, arm_names, metrics })
    }

    /// Appends a batch of finished trials of the point whose swept values are `values`.
    pub fn write(&mut self, values: &[toml::Value], outcomes: &[TrialOutcome]) -> Result<(), OutputError> {
        let values: Vec<String> = values.iter().map(cell).collect();
        for outcome in outcomes {
            for (name, row) in self.arm_names.iter().zip(&outcome.arms) {
                let mut record = values.clone();
                record.extend([name.clone(), outcome.trial.to_string(), outcome.seed.to_string()]);
                record.extend(self.metrics.iter().map(|&metric| format_number(row[metric as usize])));
                self.writer
                    .write_record(&record)
                    .map_err(|source| OutputError::Csv { path: self.path.clone(), source })?;
            }
        }
        Ok(())
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<(), OutputError> {
        self.writer.flush().map_err(io_error("writing", &self.path))
    }
}

/// The reference point's per-trial rows, kept on disk (in the staging directory)
/// rather than in memory, so a sweep's memory does not grow with the trial count;
/// read back in trial order while a later point runs, to pair its trials with
/// them. Values are stored as their exact bits.
pub struct ReferenceRows {
    path: PathBuf,
    arms: usize,
}

/// Writes the reference rows.
pub struct ReferenceWriter {
    rows: ReferenceRows,
    file: BufWriter<File>,
}

/// Reads the reference rows back, in trial order.
pub struct ReferenceReader {
    path: PathBuf,
    arms: usize,
    file: BufReader<File>,
}

impl ReferenceRows {
    /// Starts the file at `path`, which must not exist.
    pub fn create(path: PathBuf, arms: usize) -> Result<ReferenceWriter, OutputError> {
        let file =
            File::options().write(true).create_new(true).open(&path).map_err(io_error("creating", &path))?;
        Ok(ReferenceWriter { rows: Self { path, arms }, file: BufWriter::with_capacity(1 << 16, file) })
    }

    /// Reads the rows from the first trial.
    pub fn read(&self) -> Result<ReferenceReader, OutputError> {
        let file = File::open(&self.path).map_err(io_error("reading", &self.path))?;
        Ok(ReferenceReader {
            path: self.path.clone(),
            arms: self.arms,
            file: BufReader::with_capacity(1 << 16, file),
        })
    }

    /// Deletes the file.
    pub fn remove(self) -> Result<(), OutputError> {
        std::fs::remove_file(&self.path).map_err(io_error("removing", &self.path))
    }
}

impl ReferenceWriter {
    /// Appends a batch of the reference point's trials.
    pub fn write(&mut self, outcomes: &[TrialOutcome]) -> Result<(), OutputError> {
        for outcome in outcomes {
            debug_assert_eq!(outcome.arms.len(), self.rows.arms);
            let mut bytes = Vec::with_capacity(8 + outcome.arms.len() * TRIAL_METRICS * 8);
            bytes.extend(outcome.trial.to_le_bytes());
            for value in outcome.arms.iter().flatten() {
                bytes.extend(value.to_bits().to_le_bytes());
            }
            self.file.write_all(&bytes).map_err(io_error("writing", &self.rows.path))?;
        }
        Ok(())
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<ReferenceRows, OutputError> {
        self.file.flush().map_err(io_error("writing", &self.rows.path))?;
        Ok(self.rows)
    }
}

impl ReferenceReader {
    /// The next trial's rows, one per arm; an error unless it is trial `trial`.
    pub fn next(&mut self, trial: u64) -> Result<Vec<TrialRow>, OutputError> {
        let mut word = [0u8; 8];
        let mut read = |file: &mut BufReader<File>| {
            file.read_exact(&mut word)
                .map_err(io_error("reading", &self.path))
                .map(|()| u64::from_le_bytes(word))
        };
        let stored = read(&mut self.file)?;
        if stored != trial {
            return Err(OutputError::Io {
                action: "reading",
                path: self.path.clone(),
                source: std::io::Error::other(format!("expected trial {trial}, found {stored}")),
            });
        }
        let mut rows = vec![[0.0; TRIAL_METRICS]; self.arms];
        for value in rows.iter_mut().flatten() {
            *value = f64::from_bits(read(&mut self.file)?);
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_keeps_every_digit_a_value_needs() {
        // Short values as the other tables write them...
        assert_eq!(cell(&toml::Value::Float(0.3)), "0.3");
        assert_eq!(cell(&toml::Value::Float(4.0)), "4");
        // ...but a drawn value is not rounded to six digits, which would make two
        // points of a design look alike.
        let drawn = 3.115_518_037_537_645;
        assert_eq!(cell(&toml::Value::Float(drawn)).parse::<f64>(), Ok(drawn));
        assert_ne!(cell(&toml::Value::Float(3.123_456_7)), cell(&toml::Value::Float(3.123_457_1)));
        assert_eq!(cell(&toml::Value::String("best".into())), "best");
    }
}
