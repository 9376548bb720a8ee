//! The chart of a calibration's fit: each target's simulated value at the fit, with
//! its 95% interval, in units of the target's precision (so every moment shares
//! one axis), against the band of ±1 precision around the target.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::calibrate::fit::Calibration;
use crate::calibrate::targets::Target;
use crate::words::count;

use super::OutputError;
use super::charts::{FONT, arm_colour, draw_both, drawn_interval, padded_range};

/// The chart's file stem: `fit.png` and `fit.svg`.
pub const FIT_CHART: &str = "fit";

/// Draws `fit.png` and `fit.svg` into `directory`.
pub fn write_fit(
    directory: &Path,
    name: &str,
    targets: &[Target],
    calibration: &Calibration,
) -> Result<Vec<PathBuf>, OutputError> {
    draw_both(
        directory,
        FIT_CHART,
        |area| draw_fit(area, name, targets, calibration),
        |area| draw_fit(area, name, targets, calibration),
    )
}

fn draw_fit<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    name: &str,
    targets: &[Target],
    calibration: &Calibration,
) -> Result<(), String> {
    let text = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(text)?;
    // Each target in units of its precision: 0 is the target itself.
    let rows: Vec<(&str, f64, f64, f64)> = targets
        .iter()
        .zip(&calibration.fitted)
        .map(|(target, fit)| {
            let scale = target.precision.scale();
            let s = &fit.simulated;
            let (low, high) = drawn_interval(s.ci_low, s.mean, s.ci_high);
            let standard = |v: f64| (v - target.value) / scale;
            (target.moment.name(), standard(low), standard(s.mean), standard(high))
        })
        .collect();
    let x_range = padded_range(rows.iter().flat_map(|&(_, lo, mean, hi)| [lo, mean, hi, -1.5, 1.5]));
    let n = rows.len();
    let trials = calibration.fitted.first().map_or(0, |f| f.simulated.n);
    let mut chart = ChartBuilder::on(&area)
        .caption(
            format!(
                "{name} — calibrated fit: simulated − target, in target precisions (95% CI, {})",
                count(trials, "trial", "trials")
            ),
            (FONT, 24),
        )
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(260)
        .build_cartesian_2d(x_range, -0.5..n as f64 - 0.5)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc("(simulated − target) / precision; the band is ±1")
        .y_labels(n)
        .y_label_formatter(&|y| {
            let row = y.round();
            if (y - row).abs() < 1e-6 && row >= 0.0 && (row as usize) < n {
                // The first target on top, as in the targets file.
                rows[n - 1 - row as usize].0.to_owned()
            } else {
                String::new()
            }
        })
        .label_style((FONT, 18))
        .axis_desc_style((FONT, 20))
        .max_light_lines(0)
        .draw()
        .map_err(text)?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(-1.0, -0.5), (1.0, n as f64 - 0.5)],
            BLACK.mix(0.08).filled(),
        )))
        .map_err(text)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            BLACK.mix(0.5).stroke_width(1),
        )))
        .map_err(text)?;
    for (index, &(_, low, mean, high)) in rows.iter().enumerate() {
        let row = (n - 1 - index) as f64;
        // Unreached targets in the second colour, the rest in the first.
        let reached = mean.abs() <= crate::calibrate::fit::UNREACHED;
        let colour = arm_colour(if reached { 2 } else { 4 });
        chart
            .draw_series(std::iter::once(ErrorBar::new_horizontal(
                row,
                low,
                mean,
                high,
                colour.stroke_width(3),
                16,
            )))
            .map_err(text)?;
        chart.draw_series(std::iter::once(Circle::new((mean, row), 6, colour.filled()))).map_err(text)?;
    }
    area.present().map_err(text)
}
