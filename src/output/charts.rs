//! Charts, PNG and SVG, drawn from the aggregated summary only.
//!
//! A run's charts are laid out by [`crate::chart`], the same layout as the report's
//! (legend below the plot, a colour, dash and marker per line, every tick labelled,
//! bands within the metric's bounds), and drawn here with plotters. Text is drawn
//! with DejaVu Sans compiled into the binary (the `dejavu` crate), never a system
//! font, so a machine with only the Rust toolchain draws the same charts.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use crate::chart::{self, Heading, IntervalChart, LineChart, Row, Scene, XAxis};
use crate::config::Config;
use crate::metrics::{StepMetric, TrialMetric};
use crate::runner::RunSummary;
use crate::words::count;

use super::OutputError;

/// The palette of [`crate::chart::PALETTE`] as plotters colours, for the charts
/// still drawn with plotters' own layout (a sensitivity analysis's).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xB5, 0x9B, 0x00),
];

const SIZE: (u32, u32) = (1200, 750);
/// The width in pixels of a chart file laid out by [`crate::chart`].
const WIDTH: u32 = 1200;
pub(super) const FONT: &str = chart::raster::FONT;

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
/// `<stem>.svg` in `directory`, `size` pixels.
pub(super) fn draw_both_sized(
    size: (u32, u32),
    directory: &Path,
    stem: &str,
    draw_png: impl Fn(DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
    draw_svg: impl Fn(DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<Vec<PathBuf>, OutputError> {
    register_fonts();
    let png = directory.join(format!("{stem}.png"));
    // White, the background every chart paints first (so one drawn on white may skip it).
    let mut pixels = vec![u8::MAX; size.0 as usize * size.1 as usize * 3];
    draw_png(BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area()).map_err(chart_error(&png))?;
    write_png(&png, size, &pixels).map_err(|error| chart_error(&png)(error.to_string()))?;
    let svg = directory.join(format!("{stem}.svg"));
    let mut text = String::new();
    draw_svg(SVGBackend::with_string(&mut text, size).into_drawing_area()).map_err(chart_error(&svg))?;
    std::fs::write(&svg, tidy_text_nodes(&text)).map_err(super::io_error("writing", &svg))?;
    Ok(vec![png, svg])
}

/// Encodes RGB pixels as a PNG with the png crate's fast setting (its own DEFLATE,
/// tuned for images): files of the same size as plotters' own encoder writes, and
/// a small run 0.89 of the time (PNG encoding was 15% of its instructions).
fn write_png(path: &Path, (width, height): (u32, u32), rgb: &[u8]) -> Result<(), png::EncodingError> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()
}

/// [`draw_both_sized`] at the size of the charts plotters lays out itself.
pub(super) fn draw_both(
    directory: &Path,
    stem: &str,
    draw_png: impl Fn(DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), String>,
    draw_svg: impl Fn(DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<Vec<PathBuf>, OutputError> {
    draw_both_sized(SIZE, directory, stem, draw_png, draw_svg)
}

/// Draws a laid-out chart into `<stem>.png` and `<stem>.svg`.
pub(super) fn write_scene(directory: &Path, stem: &str, scene: &Scene) -> Result<Vec<PathBuf>, OutputError> {
    draw_both_sized(
        chart::raster::size(scene, WIDTH),
        directory,
        stem,
        |area| chart::raster::draw_on_white(&area, scene).map_err(|e| e.to_string()),
        |area| chart::raster::draw(&area, scene).map_err(|e| e.to_string()),
    )
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

/// The charts a run writes: the scenario's `charts` list, else by default a time
/// series of each people-facing metric that moves (a behavioural scenario) or of
/// every metric that moves (the Peter-principle model), and the comparison.
pub fn chosen_charts(config: &Config, run: &RunSummary) -> (Vec<StepMetric>, bool) {
    let moving = charted_metrics(config, run);
    match &config.charts {
        Some(names) => {
            let series = names.iter().filter_map(|name| StepMetric::from_name(name)).collect();
            (series, names.iter().any(|name| name == crate::config::COMPARISON_CHART))
        }
        None if config.dynamics.is_some() => {
            (moving.into_iter().filter(|m| StepMetric::PEOPLE_FACING.contains(m)).collect(), true)
        }
        None => (moving, true),
    }
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
    let (timeseries, comparison) = chosen_charts(config, run);
    let comparison = (comparison && config.arms.len() > 1).then_some(headline);
    let drawn: Vec<Result<Vec<PathBuf>, OutputError>> = timeseries
        .par_iter()
        .map(|&metric| {
            let stem = format!("timeseries_{}", metric.name());
            write_scene(directory, &stem, &timeseries_scene(config, run, metric))
        })
        .chain(comparison.into_par_iter().map(|headline| {
            let stem = format!("comparison_{}", headline.name());
            write_scene(directory, &stem, &comparison_scene(config, run, headline))
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

/// A scenario's name as a title: `tech_org` reads "Tech org".
pub fn title_case(name: &str) -> String {
    let spaced = name.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// The value axis's title: the metric and its unit, or the unit alone (the
/// chart's heading names the metric) when both would not fit along the axis.
fn value_axis(label: &str, unit: &str) -> String {
    let both = format!("{label} ({unit})");
    if both.chars().count() <= 36 { both } else { unit.to_owned() }
}

/// A label inside a sentence: "Regretted attrition" reads "regretted attrition",
/// but "IC grades" keeps its capitals.
fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => {
            first.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_owned(),
    }
}

/// A field path in words: `workforce.dismissal_threshold` reads "dismissal
/// threshold (workforce.dismissal_threshold)".
pub fn field_in_words(field: &str) -> String {
    let last = field.rsplit('.').next().unwrap_or(field).trim_matches('"');
    format!("{} ({field})", last.replace('_', " "))
}

/// One line per arm over time, with the 95% confidence band of its mean.
pub fn timeseries_scene(config: &Config, run: &RunSummary, metric: StepMetric) -> Scene {
    let steps = config.steps as usize;
    let year = |step: usize| step as f64 * config.step_years();
    let lines: Vec<chart::Line> = config
        .arms
        .iter()
        .enumerate()
        .map(|(arm_index, arm)| chart::Line {
            name: arm.display_name().to_owned(),
            points: (0..=steps)
                .map(|step| {
                    let s = run.series(arm_index, step, metric);
                    let (low, high) = drawn_interval(s.ci_low, s.mean, s.ci_high);
                    (year(step), s.mean, low, high)
                })
                .collect(),
        })
        .collect();
    let label = config.metric_label(metric.name(), metric.label());
    let title = format!("{}: {label}", title_case(&config.name));
    let y_title = value_axis(label, &metric.unit_in_words(config.steps_per_year));
    chart::line_chart(&LineChart {
        title: &title,
        heading: Some(Heading {
            title: title.clone(),
            subtitle: Some(format!(
                "mean over {}; the band is the 95% interval of the mean",
                count(run.trials, "trial", "trials")
            )),
        }),
        x_title: "time since measurement started (years)",
        y_title: &y_title,
        lines: &lines,
        bounds: metric.bounds(),
        x: XAxis::Numbers { from_zero: true },
        mark_every_point: false,
        width: chart::WIDE,
    })
}

/// Each arm's paired difference to the baseline on `metric`, with its 95% interval;
/// the baseline's own row at zero.
pub fn comparison_scene(config: &Config, run: &RunSummary, metric: TrialMetric) -> Scene {
    let index = metric as usize;
    let rows: Vec<Row> = run
        .comparisons
        .iter()
        .enumerate()
        .map(|(arm, comparisons)| match comparisons {
            Some(comparisons) => {
                let d = &comparisons[index].difference;
                let (low, high) = drawn_interval(d.ci_low, d.mean, d.ci_high);
                Row {
                    name: config.arms[arm].display_name().to_owned(),
                    centre: d.mean,
                    inner: Some((low, high)),
                    outer: None,
                    note: None,
                }
            }
            None => Row {
                name: config.arms[arm].display_name().to_owned(),
                centre: 0.0,
                inner: None,
                outer: None,
                note: Some("baseline".into()),
            },
        })
        .collect();
    let label = config.metric_label(metric.name(), metric.label());
    let baseline = config.arms[config.baseline].display_name();
    let title = format!("{}: {label}, each arm minus the baseline", title_case(&config.name));
    // The direction cue is in the subtitle, where it is not cut.
    let x_title = format!("difference in {} ({})", in_sentence(label), metric.unit());
    let glyphs = chart::Glyphs {
        centre: "mean difference to the baseline, paired by trial".into(),
        inner: "95% interval".into(),
        outer: None,
        reference: None,
    };
    chart::interval_chart(&IntervalChart {
        title: &title,
        heading: Some(Heading {
            title: title.clone(),
            subtitle: Some(format!(
                "baseline “{baseline}”; {}; {}",
                count(run.trials, "trial", "trials"),
                metric.direction().cue()
            )),
        }),
        x_title: &x_title,
        rows: &rows,
        glyphs: &glyphs,
        bounds: (None, None),
        from_zero: true,
        width: chart::WIDE,
    })
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
    write_scene(directory, &stem, &sweep_scene(config, fields, points, metric))
}

/// The sweep chart's layout.
pub fn sweep_scene(
    config: &Config,
    fields: &[String],
    points: &[super::sweep::SweepPoint],
    metric: TrialMetric,
) -> Scene {
    use crate::config::overrides::render_value;
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
    let number = |value: &toml::Value| value.as_float().or(value.as_integer().map(|i| i as f64));
    let numeric = points.iter().all(|p| number(&p.values[0]).is_some());
    let x_of = |point: &super::sweep::SweepPoint| -> f64 {
        match number(&point.values[0]) {
            Some(x) if numeric => x,
            _ => labels.iter().position(|l| *l == render_value(&point.values[0])).unwrap_or(0) as f64,
        }
    };
    // One line per arm and combination of the other fields.
    let mut lines: Vec<chart::Line> = Vec::new();
    for point in points {
        let rest: Vec<String> = fields[1..]
            .iter()
            .zip(&point.values[1..])
            .map(|(f, v)| format!("{f}={}", render_value(v)))
            .collect();
        for (arm_index, arm) in config.arms.iter().enumerate() {
            let arm_name = arm.display_name();
            let name = if rest.is_empty() {
                arm_name.to_owned()
            } else {
                format!("{arm_name}, {}", rest.join(", "))
            };
            let s = &point.summary.arms[arm_index][index];
            let (low, high) = drawn_interval(s.ci_low, s.mean, s.ci_high);
            let entry = (x_of(point), s.mean, low, high);
            match lines.iter_mut().find(|line| line.name == name) {
                Some(line) => line.points.push(entry),
                None => lines.push(chart::Line { name, points: vec![entry] }),
            }
        }
    }
    let label = config.metric_label(metric.name(), metric.label());
    let swept = field_in_words(&fields[0]);
    let title = format!("{}: {label} against {swept}", title_case(&config.name));
    let y_title = value_axis(label, metric.unit());
    let trials = points.first().map_or(0, |p| p.summary.trials);
    chart::line_chart(&LineChart {
        title: &title,
        heading: Some(Heading {
            title: title.clone(),
            subtitle: Some(format!(
                "mean over {} at each point; the band is the 95% interval of the mean; {}",
                count(trials, "trial", "trials"),
                metric.direction().cue()
            )),
        }),
        x_title: &swept,
        y_title: &y_title,
        lines: &lines,
        bounds: metric.bounds(),
        x: if numeric { XAxis::Numbers { from_zero: false } } else { XAxis::Categories(labels.clone()) },
        mark_every_point: true,
        width: chart::WIDE,
    })
}
