//! The chart of a sensitivity analysis, one per method: a tornado of the
//! one-at-a-time effects, Morris's μ*–σ plane, or the Sobol indices as bars with
//! their bootstrap intervals. Drawn from the indices only, PNG and SVG, in the
//! style of [`super::charts`].

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::OutputError;
use super::charts::{FONT, PALETTE, draw_both, drawn_interval, padded_range};
use crate::sensitivity::{Analysis, Index, IndexKind, Method, Parameter};

/// What the chart is of, for its caption and axis.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    /// The scenario (or function) analysed.
    pub subject: &'a str,
    /// The output, as `sensitivity.csv` names it.
    pub output: &'a str,
    /// The output's unit.
    pub unit: &'a str,
}

/// The chart's file stem: `sensitivity_<method>`.
pub fn stem(method: Method) -> String {
    format!("sensitivity_{}", method.name())
}

/// Draws the chart of `analysis` into `directory`; returns the files written.
pub fn write(
    directory: &Path,
    labels: Labels<'_>,
    parameters: &[Parameter],
    analysis: &Analysis,
) -> Result<Vec<PathBuf>, OutputError> {
    let stem = stem(analysis.method);
    match analysis.method {
        Method::Oat => draw_both(
            directory,
            &stem,
            |area| draw_tornado(area, labels, parameters, analysis),
            |area| draw_tornado(area, labels, parameters, analysis),
        ),
        Method::Morris => draw_both(
            directory,
            &stem,
            |area| draw_morris(area, labels, parameters, analysis),
            |area| draw_morris(area, labels, parameters, analysis),
        ),
        Method::Sobol => draw_both(
            directory,
            &stem,
            |area| draw_sobol(area, labels, parameters, analysis),
            |area| draw_sobol(area, labels, parameters, analysis),
        ),
    }
}

/// The index `kind` of `parameter`.
fn find(analysis: &Analysis, parameter: usize, kind: IndexKind) -> Option<&Index> {
    analysis.indices.iter().find(|index| index.parameter == parameter && index.kind == kind)
}

/// A category axis's label formatter: row `r` (counted from the bottom) is
/// `names[r]`.
fn row_name(names: &[String], y: f64) -> String {
    let row = y.round();
    if (y - row).abs() < 1e-6 && row >= 0.0 && (row as usize) < names.len() {
        names[row as usize].clone()
    } else {
        String::new()
    }
}

/// One row per parameter, widest swing on top: a bar from the scenario's output to
/// the output at the parameter's low end, another to its high end, with intervals.
fn draw_tornado<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    labels: Labels<'_>,
    parameters: &[Parameter],
    analysis: &Analysis,
) -> Result<(), String> {
    let text = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(text)?;
    let mut rows: Vec<(usize, &Index, &Index)> = (0..parameters.len())
        .filter_map(|p| Some((p, find(analysis, p, IndexKind::Low)?, find(analysis, p, IndexKind::High)?)))
        .collect();
    // Narrowest swing first: row 0 is drawn at the bottom.
    rows.sort_by(|a, b| {
        let swing = |r: &(usize, &Index, &Index)| (r.2.estimate - r.1.estimate).abs();
        swing(a).total_cmp(&swing(b)).then(b.0.cmp(&a.0))
    });
    let x_range = padded_range(
        rows.iter().flat_map(|(_, low, high)| [low.ci_low, low.ci_high, high.ci_low, high.ci_high, 0.0]),
    );
    let names: Vec<String> = rows.iter().map(|&(p, ..)| parameters[p].field.clone()).collect();
    let mut chart = ChartBuilder::on(&area)
        .caption(
            format!(
                "{} — one at a time: {}, change from the scenario's values",
                super::charts::title_case(labels.subject),
                labels.output
            ),
            (FONT, 22),
        )
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(360)
        .build_cartesian_2d(x_range, -0.5..rows.len() as f64 - 0.5)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc(format!("change in the output ({}); orange: low end, blue: high end, 95% CI", labels.unit))
        .y_labels(rows.len())
        .y_label_formatter(&|y| row_name(&names, *y))
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .max_light_lines(0)
        .draw()
        .map_err(text)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, rows.len() as f64 - 0.5)],
            BLACK.mix(0.5).stroke_width(1),
        )))
        .map_err(text)?;
    for (row, (_, low, high)) in rows.iter().enumerate() {
        let y = row as f64;
        for (index, colour, offset) in [(low, PALETTE[0], 0.17), (high, PALETTE[3], -0.17)] {
            let band = (y + offset - 0.15, y + offset + 0.15);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, band.0), (index.estimate, band.1)],
                    colour.mix(0.8).filled(),
                )))
                .map_err(text)?;
            let (ci_low, ci_high) = drawn_interval(index.ci_low, index.estimate, index.ci_high);
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    y + offset,
                    ci_low,
                    index.estimate,
                    ci_high,
                    BLACK.stroke_width(2),
                    10,
                )))
                .map_err(text)?;
        }
    }
    area.present().map_err(text)
}

/// Each parameter at (μ*, σ), with its name: far right matters, high up interacts
/// or is non-linear.
fn draw_morris<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    labels: Labels<'_>,
    parameters: &[Parameter],
    analysis: &Analysis,
) -> Result<(), String> {
    let text = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(text)?;
    let points: Vec<(usize, &Index, f64)> = (0..parameters.len())
        .filter_map(|p| {
            Some((p, find(analysis, p, IndexKind::MuStar)?, find(analysis, p, IndexKind::Sigma)?.estimate))
        })
        .collect();
    let x_range = padded_range(points.iter().flat_map(|(_, mu, _)| [mu.ci_low, mu.ci_high, 0.0]));
    let y_range = padded_range(points.iter().flat_map(|&(_, _, sigma)| [sigma, 0.0]));
    let mut chart = ChartBuilder::on(&area)
        .caption(
            format!(
                "{}: Morris elementary effects on {}",
                super::charts::title_case(labels.subject),
                labels.output
            ),
            (FONT, 22),
        )
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(x_range, y_range)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc(format!(
            "μ*, the mean absolute effect ({} per parameter range), 95% bootstrap CI",
            labels.unit
        ))
        .y_desc("σ, the spread of the effects (interaction or non-linearity)")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(text)?;
    for &(p, mu, sigma) in &points {
        let colour = PALETTE[p % PALETTE.len()];
        let (ci_low, ci_high) = drawn_interval(mu.ci_low, mu.estimate, mu.ci_high);
        chart
            .draw_series(std::iter::once(ErrorBar::new_horizontal(
                sigma,
                ci_low,
                mu.estimate,
                ci_high,
                colour.stroke_width(2),
                10,
            )))
            .map_err(text)?;
        chart
            .draw_series(std::iter::once(Circle::new((mu.estimate, sigma), 6, colour.filled())))
            .map_err(text)?;
        chart
            .draw_series(std::iter::once(Text::new(
                parameters[p].field.clone(),
                (mu.estimate, sigma),
                (FONT, 16).into_font(),
            )))
            .map_err(text)?;
    }
    area.present().map_err(text)
}

/// Per parameter, a bar for its first-order and one for its total-order index,
/// each with its bootstrap interval.
fn draw_sobol<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    labels: Labels<'_>,
    parameters: &[Parameter],
    analysis: &Analysis,
) -> Result<(), String> {
    let text = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(text)?;
    let rows = parameters.len();
    let x_range = padded_range(analysis.indices.iter().flat_map(|i| [i.ci_low, i.ci_high, 0.0, 1.0]));
    // The first parameter on top, as given.
    let names: Vec<String> = parameters.iter().rev().map(|p| p.field.clone()).collect();
    let mut chart = ChartBuilder::on(&area)
        .caption(
            format!("{}: Sobol indices of {}", super::charts::title_case(labels.subject), labels.output),
            (FONT, 22),
        )
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(360)
        .build_cartesian_2d(x_range, -0.5..rows as f64 - 0.5)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc("share of the output's variance; orange: first order, blue: total order, 95% bootstrap CI")
        .y_labels(rows)
        .y_label_formatter(&|y| row_name(&names, *y))
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .max_light_lines(0)
        .draw()
        .map_err(text)?;
    for p in 0..rows {
        let y = (rows - 1 - p) as f64;
        for (kind, colour, offset) in
            [(IndexKind::FirstOrder, PALETTE[0], 0.17), (IndexKind::TotalOrder, PALETTE[3], -0.17)]
        {
            let Some(index) = find(analysis, p, kind) else { continue };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y + offset - 0.15), (index.estimate, y + offset + 0.15)],
                    colour.mix(0.8).filled(),
                )))
                .map_err(text)?;
            let (ci_low, ci_high) = drawn_interval(index.ci_low, index.estimate, index.ci_high);
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    y + offset,
                    ci_low,
                    index.estimate,
                    ci_high,
                    BLACK.stroke_width(2),
                    10,
                )))
                .map_err(text)?;
        }
    }
    area.present().map_err(text)
}
