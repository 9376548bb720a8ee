//! Charts, PNG and SVG, drawn from the aggregated summary only.
//!
//! Text is drawn with DejaVu Sans compiled into the binary (the `dejavu` crate), never
//! a system font, so a machine with only the Rust toolchain draws the same charts.
//! Colours are the Okabe–Ito palette, distinguishable with every common form of
//! colour blindness; past eight arms the palette repeats with dashed lines.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use rayon::prelude::*;

use crate::config::Config;
use crate::metrics::{StepMetric, TrialMetric};
use crate::runner::RunSummary;
use crate::words::count;

use super::OutputError;

/// Okabe & Ito (2008), "Color universal design": orange, sky blue, bluish green,
/// blue, vermillion, reddish purple, black, yellow (yellow last: it is faint on white).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xF0, 0xE4, 0x42),
];

const SIZE: (u32, u32) = (1200, 750);
pub(super) const FONT: &str = "sans-serif";

/// The colour of arm `index`.
pub fn arm_colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

fn register_fonts() {
    static REGISTERED: OnceLock<()> = OnceLock::new();
    REGISTERED.get_or_init(|| {
        // The font is compiled in; failing to parse it would be a build defect.
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| panic!("the bundled DejaVu Sans font is valid"));
        plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold())
            .unwrap_or_else(|_| panic!("the bundled DejaVu Sans Bold font is valid"));
    });
}

fn chart_error(path: &Path) -> impl Fn(String) -> OutputError + '_ {
    move |message| OutputError::Chart { path: path.to_owned(), message }
}

/// Draws the same chart into a PNG and an SVG beside each other: `<stem>.png` and
/// `<stem>.svg` in `directory`.
pub(super) fn draw_both(
    directory: &Path,
    stem: &str,
    draw_png: impl Fn(DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
    draw_svg: impl Fn(DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<Vec<PathBuf>, OutputError> {
    register_fonts();
    let png = directory.join(format!("{stem}.png"));
    draw_png(BitMapBackend::new(&png, SIZE).into_drawing_area()).map_err(chart_error(&png))?;
    let svg = directory.join(format!("{stem}.svg"));
    let mut text = String::new();
    draw_svg(SVGBackend::with_string(&mut text, SIZE).into_drawing_area()).map_err(chart_error(&svg))?;
    std::fs::write(&svg, tidy_text_nodes(&text)).map_err(super::io_error("writing", &svg))?;
    Ok(vec![png, svg])
}

/// plotters writes each `<text>` element's content between a newline after the
/// opening tag and one before the closing tag; SVG keeps that whitespace in the
/// text's content (what a reader selects, copies or searches), so it is removed.
fn tidy_text_nodes(svg: &str) -> String {
    let mut tidy = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        let Some(open_end) = rest[start..].find('>').map(|i| start + i + 1) else { break };
        let Some(close) = rest[open_end..].find("</text>").map(|i| open_end + i) else { break };
        tidy.push_str(&rest[..open_end]);
        tidy.push_str(rest[open_end..close].trim_matches('\n'));
        rest = &rest[close..];
        // Past the closing tag, so the next search starts after this element.
        tidy.push_str("</text>");
        rest = &rest["</text>".len()..];
    }
    tidy.push_str(rest);
    tidy
}

/// The step metrics worth a chart: those whose mean moves at all over the run.
pub fn charted_metrics(config: &Config, run: &RunSummary) -> Vec<StepMetric> {
    run.step_metrics
        .iter()
        .copied()
        .filter(|&metric| {
            let first = run.series(0, 0, metric).mean;
            (0..config.arms.len()).any(|arm| {
                (0..=config.steps as usize).any(|step| run.series(arm, step, metric).mean != first)
            })
        })
        .collect()
}

/// Writes every chart of a run into `directory`; returns the files written. The
/// charts are independent, so they are drawn in parallel (rendering them was the
/// largest fixed cost of a run); the list keeps its order.
pub fn write_all(
    directory: &Path,
    config: &Config,
    run: &RunSummary,
    headline: TrialMetric,
) -> Result<Vec<PathBuf>, OutputError> {
    let timeseries = charted_metrics(config, run);
    let comparison = (config.arms.len() > 1).then_some(headline);
    let drawn: Vec<Result<Vec<PathBuf>, OutputError>> = timeseries
        .par_iter()
        .map(|&metric| {
            let stem = format!("timeseries_{}", metric.name());
            draw_both(
                directory,
                &stem,
                |area| draw_timeseries(area, config, run, metric),
                |area| draw_timeseries(area, config, run, metric),
            )
        })
        .chain(comparison.into_par_iter().map(|headline| {
            let stem = format!("comparison_{}", headline.name());
            draw_both(
                directory,
                &stem,
                |area| draw_comparison(area, config, run, headline),
                |area| draw_comparison(area, config, run, headline),
            )
        }))
        .collect();
    let mut files = Vec::new();
    for chart in drawn {
        files.extend(chart?);
    }
    Ok(files)
}

/// An interval's ends as drawn: an end that is not finite (one trial has no
/// interval) collapses onto the mean, since plotters overflows on infinite
/// coordinates.
pub(super) fn drawn_interval(low: f64, mean: f64, high: f64) -> (f64, f64) {
    let end = |v: f64| if v.is_finite() { v } else { mean };
    (end(low), end(high))
}

/// A padded range that holds every value (and is never empty).
pub(super) fn padded_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (low, high) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !low.is_finite() {
        return 0.0..1.0;
    }
    let pad = ((high - low) * 0.05).max(1e-9 + high.abs() * 1e-3);
    (low - pad)..(high + pad)
}

/// One line per arm over time, with the 95% confidence band of its mean.
fn draw_timeseries<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    config: &Config,
    run: &RunSummary,
    metric: StepMetric,
) -> Result<(), String> {
    let text = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(text)?;
    let steps = config.steps as usize;
    let year = |step: usize| step as f64 * config.step_years();
    let all = (0..config.arms.len()).flat_map(|arm| {
        (0..=steps).flat_map(move |step| {
            let s = run.series(arm, step, metric);
            [s.ci_low, s.ci_high, s.mean]
        })
    });
    let y_range = padded_range(all);
    let mut chart = ChartBuilder::on(&area)
        .caption(
            format!(
                "{} — {}: mean over {}, 95% CI",
                config.name,
                metric.name(),
                count(run.trials, "trial", "trials")
            ),
            (FONT, 26),
        )
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..year(steps).max(1e-9), y_range)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc("time (years)")
        .x_label_formatter(&|x| super::format_number((x * 1e3).round() / 1e3))
        .y_desc(format!("{} ({})", metric.name(), metric.unit()))
        .label_style((FONT, 18))
        .axis_desc_style((FONT, 20))
        .max_light_lines(0)
        .draw()
        .map_err(text)?;
    for (arm_index, arm) in config.arms.iter().enumerate() {
        let colour = arm_colour(arm_index);
        let band: Vec<(f64, f64)> = (0..=steps)
            .map(|step| {
                let s = run.series(arm_index, step, metric);
                (year(step), drawn_interval(s.ci_low, s.mean, s.ci_high).1)
            })
            .chain((0..=steps).rev().map(|step| {
                let s = run.series(arm_index, step, metric);
                (year(step), drawn_interval(s.ci_low, s.mean, s.ci_high).0)
            }))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.2).filled()))).map_err(text)?;
        let line: Vec<(f64, f64)> =
            (0..=steps).map(|step| (year(step), run.series(arm_index, step, metric).mean)).collect();
        let style = colour.stroke_width(2);
        let series = if arm_index < PALETTE.len() {
            chart.draw_series(LineSeries::new(line, style)).map_err(text)?
        } else {
            chart.draw_series(DashedLineSeries::new(line, 8, 6, style)).map_err(text)?
        };
        series
            .label(arm.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::LowerRight).map_err(text)?;
    area.present().map_err(text)
}

/// The legend of a line chart, in the house style.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    position: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 18))
        .draw()
}

/// Each arm's paired difference to the baseline on `metric`, with its 95% interval.
fn draw_comparison<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    config: &Config,
    run: &RunSummary,
    metric: TrialMetric,
) -> Result<(), String> {
    let text = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(text)?;
    let index = metric as usize;
    let compared: Vec<(usize, f64, f64, f64)> = run
        .comparisons
        .iter()
        .enumerate()
        .filter_map(|(arm, comparisons)| {
            let d = &comparisons.as_ref()?[index].difference;
            let (low, high) = drawn_interval(d.ci_low, d.mean, d.ci_high);
            Some((arm, low, d.mean, high))
        })
        .collect();
    // The means too: without intervals (one trial) they alone set the range.
    let x_range = padded_range(compared.iter().flat_map(|&(_, lo, mean, hi)| [lo, mean, hi, 0.0]));
    let rows = compared.len();
    let names: Vec<&str> = compared.iter().map(|&(arm, ..)| config.arms[arm].name.as_str()).collect();
    let mut chart = ChartBuilder::on(&area)
        .caption(
            format!(
                "{} — {} vs \"{}\": paired difference, 95% CI, {}",
                config.name,
                metric.name(),
                config.arms[config.baseline].name,
                count(run.trials, "trial", "trials")
            ),
            (FONT, 24),
        )
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(260)
        .build_cartesian_2d(x_range.clone(), -0.5..rows as f64 - 0.5)
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc(format!("difference in {} ({})", metric.name(), metric.unit()))
        .y_labels(rows)
        .y_label_formatter(&|y| {
            let row = y.round();
            if (y - row).abs() < 1e-6 && row >= 0.0 && (row as usize) < names.len() {
                // The first arm on top, as in the scenario file.
                names[names.len() - 1 - row as usize].to_owned()
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
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, rows as f64 - 0.5)],
            BLACK.mix(0.5).stroke_width(1),
        )))
        .map_err(text)?;
    for (index, &(arm, low, mean, high)) in compared.iter().enumerate() {
        let row = rows - 1 - index;
        let colour = arm_colour(arm);
        chart
            .draw_series(std::iter::once(ErrorBar::new_horizontal(
                row as f64,
                low,
                mean,
                high,
                colour.stroke_width(3),
                16,
            )))
            .map_err(text)?;
        chart
            .draw_series(std::iter::once(Circle::new((mean, row as f64), 6, colour.filled())))
            .map_err(text)?;
    }
    area.present().map_err(text)
}

/// The headline metric against the first swept field: one line per arm (and per
/// combination of the other swept fields), with the 95% confidence band of its mean.
pub fn write_sweep(
    directory: &Path,
    config: &Config,
    fields: &[String],
    points: &[super::sweep::SweepPoint],
    metric: TrialMetric,
) -> Result<Vec<PathBuf>, OutputError> {
    let stem = format!("sweep_{}", metric.name());
    draw_both(
        directory,
        &stem,
        |area| draw_sweep(area, config, fields, points, metric),
        |area| draw_sweep(area, config, fields, points, metric),
    )
}

fn draw_sweep<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    config: &Config,
    fields: &[String],
    points: &[super::sweep::SweepPoint],
    metric: TrialMetric,
) -> Result<(), String> {
    use crate::config::overrides::render_value;
    let text = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(text)?;
    let index = metric as usize;
    // The first field's values in order of appearance; numbers are placed by value,
    // anything else at evenly spaced positions.
    let mut labels: Vec<String> = Vec::new();
    for point in points {
        let label = render_value(&point.values[0]);
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    let numeric = points
        .iter()
        .all(|p| p.values[0].as_float().or(p.values[0].as_integer().map(|i| i as f64)).is_some());
    let x_of = |point: &super::sweep::SweepPoint| -> f64 {
        let value = &point.values[0];
        match value.as_float().or(value.as_integer().map(|i| i as f64)) {
            Some(x) if numeric => x,
            _ => labels.iter().position(|l| *l == render_value(value)).unwrap_or(0) as f64,
        }
    };
    let x_range = padded_range(points.iter().map(x_of));
    let y_range = padded_range(
        points.iter().flat_map(|p| p.summary.arms.iter().flat_map(|s| [s[index].ci_low, s[index].ci_high])),
    );
    let mut chart = ChartBuilder::on(&area)
        .caption(
            format!(
                "{} — {} against {}: mean over {}, 95% CI",
                config.name,
                metric.name(),
                fields[0],
                count(points.first().map_or(0, |p| p.summary.trials), "trial", "trials")
            ),
            (FONT, 24),
        )
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(x_range, y_range)
        .map_err(text)?;
    let label_of = |x: &f64| {
        let x = *x;
        if numeric {
            super::format_number((x * 1e6).round() / 1e6)
        } else {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    };
    chart
        .configure_mesh()
        .x_desc(fields[0].as_str())
        .y_desc(format!("{} ({})", metric.name(), metric.unit()))
        .x_label_formatter(&label_of)
        .label_style((FONT, 18))
        .axis_desc_style((FONT, 20))
        .max_light_lines(0)
        .draw()
        .map_err(text)?;
    // One line per arm and combination of the other fields.
    // Per line: its label, and per point (x, mean, ci_low, ci_high).
    type Line = (String, Vec<(f64, f64, f64, f64)>);
    let mut lines: Vec<Line> = Vec::new();
    for point in points {
        let rest: Vec<String> = fields[1..]
            .iter()
            .zip(&point.values[1..])
            .map(|(f, v)| format!("{f}={}", render_value(v)))
            .collect();
        for (arm_index, arm) in config.arms.iter().enumerate() {
            let name =
                if rest.is_empty() { arm.name.clone() } else { format!("{}, {}", arm.name, rest.join(", ")) };
            let s = &point.summary.arms[arm_index][index];
            let (low, high) = drawn_interval(s.ci_low, s.mean, s.ci_high);
            let entry = (x_of(point), s.mean, low, high);
            match lines.iter_mut().find(|(n, _)| *n == name) {
                Some((_, values)) => values.push(entry),
                None => lines.push((name, vec![entry])),
            }
        }
    }
    for (line_index, (name, values)) in lines.iter().enumerate() {
        let colour = arm_colour(line_index);
        let band: Vec<(f64, f64)> = values
            .iter()
            .map(|&(x, _, _, high)| (x, high))
            .chain(values.iter().rev().map(|&(x, _, low, _)| (x, low)))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.2).filled()))).map_err(text)?;
        let line: Vec<(f64, f64)> = values.iter().map(|&(x, mean, _, _)| (x, mean)).collect();
        chart
            .draw_series(PointSeries::of_element(line.clone(), 5, colour.filled(), &|c, s, st| {
                Circle::new(c, s, st)
            }))
            .map_err(text)?;
        chart
            .draw_series(LineSeries::new(line, colour.stroke_width(2)))
            .map_err(text)?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(text)?;
    area.present().map_err(text)
}
