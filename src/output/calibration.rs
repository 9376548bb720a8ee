//! The files of a calibration (`attrition calibrate`): the fit table, the fitted
//! parameters and the search's trace. Every column is documented in the README
//! ("Calibration").

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::calibrate::fit::{Calibration, REJECTED};
use crate::calibrate::hr_export::Measured;
use crate::calibrate::targets::{Bound, Target};

use super::{OutputError, format_number, io_error};

/// Each target against the model at the fit: `fit.csv`.
pub use super::FIT;
/// The fitted parameters with their standard errors: `parameters.csv`.
pub const PARAMETERS: &str = "parameters.csv";
/// The moments of an HR export with their sampling standard errors: `hr_moments.csv`.
pub const HR_MOMENTS: &str = "hr_moments.csv";
/// Every evaluation of the search: `evaluations.csv`.
pub const EVALUATIONS: &str = "evaluations.csv";
/// The J test of the targets against the model: `overidentification.csv`.
pub const OVERIDENTIFICATION: &str = "overidentification.csv";
/// The targets file as it was read, verbatim: `targets.toml`.
pub const TARGETS_COPY: &str = "targets.toml";

fn create(path: &Path) -> Result<csv::Writer<BufWriter<File>>, OutputError> {
    let file = File::create(path).map_err(io_error("creating", path))?;
    Ok(csv::Writer::from_writer(BufWriter::new(file)))
}

fn csv_error(path: &Path) -> impl Fn(csv::Error) -> OutputError + '_ {
    move |source| OutputError::Csv { path: path.to_owned(), source }
}

/// A parameter's value with every digit the calibrated scenario has, so the table
/// and the file agree exactly.
fn exact(value: f64) -> String {
    if value.is_finite() { format!("{value}") } else { "NaN".to_owned() }
}

/// Writes `fit.csv`: one row per target.
pub fn write_fit(path: &Path, targets: &[Target], calibration: &Calibration) -> Result<(), OutputError> {
    let mut writer = create(path)?;
    let error = csv_error(path);
    writer
        .write_record([
            "moment",
            "unit",
            "target",
            "precision",
            "precision_kind",
            "data_se",
            "weight",
            "simulated",
            "ci_low",
            "ci_high",
            "trials",
            "residual",
            "contribution",
            "reached",
            "source",
        ])
        .map_err(&error)?;
    for (target, fit) in targets.iter().zip(&calibration.fitted) {
        let kind = target.precision.kind();
        writer
            .write_record([
                target.moment.name().to_owned(),
                target.moment.unit().to_owned(),
                format_number(target.value),
                format_number(fit.precision),
                kind.to_owned(),
                format_number(fit.data_error),
                format_number(target.weight),
                format_number(fit.simulated.mean),
                format_number(fit.simulated.ci_low),
                format_number(fit.simulated.ci_high),
                fit.simulated.n.to_string(),
                format_number(fit.residual),
                format_number(fit.contribution),
                (fit.residual.abs() <= crate::calibrate::fit::UNREACHED).to_string(),
                target.source.clone(),
            ])
            .map_err(&error)?;
    }
    writer.flush().map_err(io_error("writing", path))
}

/// Writes `parameters.csv`: one row per fitted field.
pub fn write_parameters(path: &Path, bounds: &[Bound], calibration: &Calibration) -> Result<(), OutputError> {
    let mut writer = create(path)?;
    let error = csv_error(path);
    writer
        .write_record([
            "field",
            "low",
            "high",
            "start",
            "value",
            "se",
            "se_independent",
            "identified",
            "at_bound",
            "note",
        ])
        .map_err(&error)?;
    for (bound, estimate) in bounds.iter().zip(&calibration.estimates) {
        writer
            .write_record([
                bound.field.clone(),
                exact(bound.low),
                exact(bound.high),
                exact(estimate.start),
                exact(estimate.value),
                format_number(estimate.standard_error),
                format_number(estimate.standard_error_independent),
                estimate.unidentified.is_none().to_string(),
                estimate.at_bound.to_string(),
                estimate.unidentified.clone().unwrap_or_default(),
            ])
            .map_err(&error)?;
    }
    writer.flush().map_err(io_error("writing", path))
}

/// Writes `overidentification.csv`: its header, and one row when there is a test
/// (more targets than fields, every field identified).
pub fn write_overidentification(path: &Path, calibration: &Calibration) -> Result<(), OutputError> {
    let mut writer = create(path)?;
    let error = csv_error(path);
    writer.write_record(["statistic", "degrees_of_freedom", "p_value", "rejected"]).map_err(&error)?;
    if let Some(test) = &calibration.overidentification {
        writer
            .write_record([
                format_number(test.statistic),
                test.degrees_of_freedom.to_string(),
                format_number(test.p_value),
                (test.p_value < REJECTED).to_string(),
            ])
            .map_err(&error)?;
    }
    writer.flush().map_err(io_error("writing", path))
}

/// Writes `evaluations.csv`: one row per evaluation of every search, in order, the
/// search it belongs to (`restart`, from 0) and whether it is the fit (`best`).
pub fn write_evaluations(
    path: &Path,
    bounds: &[Bound],
    calibration: &Calibration,
) -> Result<(), OutputError> {
    let mut writer = create(path)?;
    let error = csv_error(path);
    let mut header = vec!["evaluation".to_owned(), "restart".to_owned()];
    header.extend(bounds.iter().map(|b| b.field.clone()));
    header.push("distance".to_owned());
    header.push("best".to_owned());
    writer.write_record(&header).map_err(&error)?;
    // The fit is the first evaluation of the winning search at the fit's distance.
    let best = calibration
        .trace
        .iter()
        .position(|e| e.restart == calibration.winner && e.distance == calibration.distance);
    for (index, evaluation) in calibration.trace.iter().enumerate() {
        let mut row = vec![(index + 1).to_string(), evaluation.restart.to_string()];
        row.extend(evaluation.values.iter().map(|&v| exact(v)));
        row.push(format_number(evaluation.distance));
        row.push((best == Some(index)).to_string());
        writer.write_record(&row).map_err(&error)?;
    }
    writer.flush().map_err(io_error("writing", path))
}

/// Writes `hr_moments.csv`: each moment measured in the HR export.
pub fn write_hr_moments(path: &Path, measured: &[Measured]) -> Result<(), OutputError> {
    let mut writer = create(path)?;
    let error = csv_error(path);
    writer.write_record(["moment", "unit", "value", "se", "count"]).map_err(&error)?;
    for m in measured {
        writer
            .write_record([
                m.moment.name().to_owned(),
                m.moment.unit().to_owned(),
                format_number(m.value),
                format_number(m.standard_error),
                m.count.to_string(),
            ])
            .map_err(&error)?;
    }
    writer.flush().map_err(io_error("writing", path))
}
