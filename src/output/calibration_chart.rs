//! The chart of a calibration's fit: each target's simulated value at the fit, with
//! its 95% interval, in units of the target's precision (so every moment shares
//! one axis), against the band of ±1 precision around the target.

use std::path::{Path, PathBuf};

use crate::calibrate::fit::Calibration;
use crate::calibrate::targets::Target;
use crate::chart::{self, Glyphs, Heading, IntervalChart, Row, Scene};
use crate::words::count;

use super::OutputError;
use super::charts::{drawn_interval, title_case, write_scene};

/// The chart's file stem: `fit.png` and `fit.svg`.
pub const FIT_CHART: &str = "fit";

/// Draws `fit.png` and `fit.svg` into `directory`.
pub fn write_fit(
    directory: &Path,
    name: &str,
    targets: &[Target],
    calibration: &Calibration,
) -> Result<Vec<PathBuf>, OutputError> {
    write_scene(directory, FIT_CHART, &fit_scene(name, targets, calibration))
}

/// The fit chart's layout: a row per target, in the targets file's order.
pub fn fit_scene(name: &str, targets: &[Target], calibration: &Calibration) -> Scene {
    // Each target in units of its precision: 0 is the target itself.
    let rows: Vec<Row> = targets
        .iter()
        .zip(&calibration.fitted)
        .map(|(target, fit)| {
            let scale = fit.precision;
            let s = &fit.simulated;
            let (low, high) = drawn_interval(s.ci_low, s.mean, s.ci_high);
            let standard = |v: f64| (v - target.value) / scale;
            let centre = standard(s.mean);
            let reached = centre.abs() <= crate::calibrate::fit::UNREACHED;
            Row {
                name: target.moment.name().replace('_', " "),
                centre,
                inner: Some((standard(low), standard(high))),
                outer: None,
                note: (!reached).then(|| "not reached".to_owned()),
            }
        })
        .collect();
    let trials = calibration.fitted.first().map_or(0, |f| f.simulated.n);
    let title = format!("{}: the calibrated fit, simulated against each target", title_case(name));
    let glyphs = Glyphs {
        centre: "simulated at the fit".into(),
        inner: "95% interval".into(),
        outer: None,
        reference: Some(("within one precision of the target".into(), -1.0, 1.0)),
    };
    chart::interval_chart(&IntervalChart {
        title: &title,
        heading: Some(Heading {
            title: title.clone(),
            subtitle: Some(format!(
                "{}; 0 is the target; closer to 0 is better",
                count(trials, "trial", "trials")
            )),
        }),
        x_title: "(simulated − target) / the target's precision",
        rows: &rows,
        glyphs: &glyphs,
        bounds: (None, None),
        from_zero: true,
        width: chart::WIDE,
    })
}
