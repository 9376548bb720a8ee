//! The report's charts, inline SVG laid out here rather than by a plotting library,
//! so the layout is data a test can check: the legend sits below the plot area
//! (never over a data point), every tick carries its label, long names are
//! ellipsised, intervals are clipped to a metric's bounds, and each line has a
//! colour, a dash pattern and a marker, so twelve arms stay twelve distinct styles.

use maud::{Markup, html};

/// Okabe & Ito (2008), "Color universal design", with the yellow darkened to a
/// mustard that reads on white.
pub const PALETTE: [&str; 8] =
    ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#B59B00"];

/// Dash patterns, one per pass through the palette.
const DASHES: [&str; 3] = ["", "9 4", "2 3"];

/// Point markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A filled circle.
    Circle,
    /// A filled square.
    Square,
    /// A filled triangle.
    Triangle,
    /// A filled diamond.
    Diamond,
    /// An open circle.
    Ring,
}

const MARKERS: [Marker; 5] =
    [Marker::Circle, Marker::Square, Marker::Triangle, Marker::Diamond, Marker::Ring];

/// How one arm is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Stroke and fill colour.
    pub colour: &'static str,
    /// SVG `stroke-dasharray`; empty for a solid line.
    pub dash: &'static str,
    /// The marker on the line and in the legend.
    pub marker: Marker,
}

/// The style of arm `index`: colours first, then dashes, markers throughout, so
/// the first 24 arms differ in colour or dash, and neighbours in marker too.
pub fn style(index: usize) -> Style {
    Style {
        colour: PALETTE[index % PALETTE.len()],
        dash: DASHES[(index / PALETTE.len()) % DASHES.len()],
        marker: MARKERS[index % MARKERS.len()],
    }
}

/// A rectangle in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

impl Rect {
    /// Whether the point lies inside or on the edge.
    pub fn contains(&self, (x, y): (f64, f64)) -> bool {
        x >= self.x && x <= self.x + self.width && y >= self.y && y <= self.y + self.height
    }

    /// Whether the two rectangles share any area.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.width
            && other.x < self.x + self.width
            && self.y < other.y + other.height
            && other.y < self.y + self.height
    }
}

/// Where a chart put things, for tests.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The plot area.
    pub plot: Option<Rect>,
    /// The legend's entries.
    pub legend: Vec<Rect>,
    /// Every data point drawn (line vertices, interval ends, markers).
    pub points: Vec<(f64, f64)>,
    /// The tick labels drawn on the value axis.
    pub ticks: Vec<String>,
    /// The style of each series drawn.
    pub styles: Vec<Style>,
}

/// A drawn chart.
pub struct Chart {
    /// The `<svg>` element.
    pub svg: Markup,
    /// Its layout.
    pub layout: Layout,
}

const WIDTH: f64 = 640.0;
const FONT: f64 = 13.0;
/// Average advance of a character of the system sans-serif at `FONT`, generous so
/// an estimate never runs past the space given.
const CHAR_WIDTH: f64 = FONT * 0.62;

/// A name cut to `chars` characters, with an ellipsis when cut.
pub fn ellipsise(name: &str, chars: usize) -> String {
    if name.chars().count() <= chars {
        return name.to_owned();
    }
    let kept: String = name.chars().take(chars.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// Round tick values covering `low..=high`: the first at or below `low`, the last
/// at or above `high`, so the axis ends on a labelled tick.
pub fn ticks(low: f64, high: f64, most: usize) -> Vec<f64> {
    let span = if high > low { high - low } else { low.abs().max(1.0) };
    let raw = span / most.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step =
        [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
    let first = (low / step).floor();
    let last = (high / step).ceil().max(first + 1.0);
    (first as i64..=last as i64)
        .map(|i| i as f64 * step)
        .map(|v| if v.abs() < step * 1e-9 { 0.0 } else { v })
        .collect()
}

/// A tick label with as many decimals as the step between ticks needs.
pub fn tick_label(value: f64, step: f64) -> String {
    let decimals = if step >= 1.0 { 0 } else { (-step.log10()).ceil().clamp(0.0, 6.0) as usize };
    let decimals =
        if (step * 10f64.powi(decimals as i32)).fract().abs() > 1e-6 { decimals + 1 } else { decimals };
    format!("{value:.decimals$}")
}

/// Clips an interval to a metric's bounds.
pub fn clip(value: f64, bounds: (Option<f64>, Option<f64>)) -> f64 {
    let value = bounds.0.map_or(value, |low| value.max(low));
    bounds.1.map_or(value, |high| value.min(high))
}

/// The value axis: ticks and a mapping onto pixels.
struct Axis {
    ticks: Vec<f64>,
    low: f64,
    high: f64,
    from: f64,
    to: f64,
}

impl Axis {
    /// An axis holding `values`, from zero when the metric cannot go below zero.
    fn new(values: impl Iterator<Item = f64>, from_zero: bool, from: f64, to: f64, most: usize) -> Self {
        let (mut low, mut high) = values
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if !low.is_finite() {
            (low, high) = (0.0, 1.0);
        }
        if from_zero {
            low = low.min(0.0);
            high = high.max(0.0);
        }
        let ticks = ticks(low, high, most);
        let (low, high) = (ticks[0], ticks[ticks.len() - 1]);
        Self { ticks, low, high, from, to }
    }

    fn at(&self, value: f64) -> f64 {
        self.from + (value - self.low) / (self.high - self.low) * (self.to - self.from)
    }

    fn step(&self) -> f64 {
        self.ticks.get(1).map_or(1.0, |second| second - self.ticks[0])
    }
}

/// One line of a time series chart.
pub struct Line {
    /// The legend's name.
    pub name: String,
    /// `(x, mean, band low, band high)` per point.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// Legend entries laid out in rows below the plot, starting at `top`; returns
/// their rectangles and the height used.
fn legend_rows(names: &[String], left: f64, width: f64, top: f64) -> (Vec<Rect>, f64) {
    let row_height = FONT + 10.0;
    let swatch = 40.0;
    let mut rects = Vec::new();
    let (mut x, mut y) = (left, top);
    for name in names {
        let entry = swatch + ellipsise(name, 40).chars().count() as f64 * CHAR_WIDTH + 18.0;
        let entry = entry.min(width);
        if x > left && x + entry > left + width {
            x = left;
            y += row_height;
        }
        rects.push(Rect { x, y, width: entry, height: row_height });
        x += entry;
    }
    let height = if names.is_empty() { 0.0 } else { y - top + row_height };
    (rects, height)
}

fn marker(kind: Marker, (x, y): (f64, f64), colour: &str) -> Markup {
    let r = 4.0;
    match kind {
        Marker::Circle => html! { circle cx=(f(x)) cy=(f(y)) r=(r) fill=(colour) {} },
        Marker::Ring => {
            html! { circle cx=(f(x)) cy=(f(y)) r=(r) fill="white" stroke=(colour) stroke-width="2" {} }
        }
        Marker::Square => {
            html! { rect x=(f(x - r)) y=(f(y - r)) width=(2.0 * r) height=(2.0 * r) fill=(colour) {} }
        }
        Marker::Triangle => html! {
            path d=(format!("M{} {}L{} {}L{} {}Z", f(x), f(y - r - 1.0), f(x + r + 1.0), f(y + r), f(x - r - 1.0), f(y + r))) fill=(colour) {}
        },
        Marker::Diamond => html! {
            path d=(format!("M{} {}L{} {}L{} {}L{} {}Z", f(x), f(y - r - 1.0), f(x + r + 1.0), f(y), f(x), f(y + r + 1.0), f(x - r - 1.0), f(y))) fill=(colour) {}
        },
    }
}

/// A coordinate with one decimal, which is finer than any screen.
fn f(value: f64) -> String {
    format!("{value:.1}")
}

fn legend_entry(rect: &Rect, style: Style, name: &str) -> Markup {
    let mid = rect.y + rect.height / 2.0;
    html! {
        g {
            title { (name) }
            line x1=(f(rect.x + 2.0)) y1=(f(mid)) x2=(f(rect.x + 34.0)) y2=(f(mid)) stroke=(style.colour)
                stroke-width="2.5" stroke-dasharray=(style.dash) {}
            (marker(style.marker, (rect.x + 18.0, mid), style.colour))
            text x=(f(rect.x + 40.0)) y=(f(mid + FONT * 0.35)) { (ellipsise(name, 40)) }
        }
    }
}

/// A time series chart: a line per arm with its band, the legend below.
pub fn timeseries(
    title: &str,
    x_title: &str,
    y_title: &str,
    lines: &[Line],
    bounds: (Option<f64>, Option<f64>),
) -> Chart {
    let (left, top, plot_height) = (64.0, 12.0, 300.0);
    let plot_width = WIDTH - left - 16.0;
    let values = lines
        .iter()
        .flat_map(|line| line.points.iter().flat_map(|p| [p.1, clip(p.2, bounds), clip(p.3, bounds)]));
    let y = Axis::new(values, bounds.0 == Some(0.0), top + plot_height, top, 6);
    let xs = lines.iter().flat_map(|line| line.points.iter().map(|p| p.0));
    let x = Axis::new(xs, true, left, left + plot_width, 8);
    let plot = Rect { x: left, y: top, width: plot_width, height: plot_height };
    let axis_bottom = top + plot_height + 44.0;
    let names: Vec<String> = lines.iter().map(|line| line.name.clone()).collect();
    let (legend, legend_height) = legend_rows(&names, left, plot_width, axis_bottom + 6.0);
    let height = axis_bottom + 6.0 + legend_height + 8.0;
    let mut layout = Layout { plot: Some(plot), legend: legend.clone(), ..Layout::default() };
    layout.ticks = y.ticks.iter().map(|&t| tick_label(t, y.step())).collect();
    let mut drawn = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let style = style(index);
        layout.styles.push(style);
        let centre: Vec<(f64, f64)> = line.points.iter().map(|p| (x.at(p.0), y.at(p.1))).collect();
        let upper = line.points.iter().map(|p| (x.at(p.0), y.at(clip(p.3, bounds))));
        let lower = line.points.iter().rev().map(|p| (x.at(p.0), y.at(clip(p.2, bounds))));
        let band: Vec<(f64, f64)> = upper.chain(lower).collect();
        layout.points.extend(centre.iter().copied().chain(band.iter().copied()));
        let every = (centre.len() / 6).max(1);
        let marks: Vec<(f64, f64)> =
            centre.iter().enumerate().filter(|(i, _)| (i + index) % every == 0).map(|(_, p)| *p).collect();
        drawn.push((style, polyline(&centre), polygon(&band), marks, line.name.clone()));
    }
    let svg = html! {
        svg class="chart" role="img" viewBox=(format!("0 0 {WIDTH} {}", f(height)))
            font-size=(FONT) font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" {
            title { (title) }
            (grid_y(&y, &plot))
            (axis_x(&x, &plot, x_title))
            text x="14" y=(f(top + plot_height / 2.0)) transform=(format!("rotate(-90 14 {})", f(top + plot_height / 2.0)))
                text-anchor="middle" { (y_title) }
            @for (style, line, band, marks, name) in &drawn {
                g {
                    title { (name) }
                    path d=(band) fill=(style.colour) fill-opacity="0.13" stroke="none" {}
                    path d=(line) fill="none" stroke=(style.colour) stroke-width="2.5" stroke-dasharray=(style.dash) {}
                    @for point in marks { (marker(style.marker, *point, style.colour)) }
                }
            }
            @for (index, rect) in legend.iter().enumerate() { (legend_entry(rect, style(index), &names[index])) }
        }
    };
    Chart { svg, layout }
}

fn polyline(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        d.push_str(if i == 0 { "M" } else { "L" });
        d.push_str(&format!("{} {}", f(*x), f(*y)));
    }
    d
}

fn polygon(points: &[(f64, f64)]) -> String {
    if points.is_empty() { String::new() } else { polyline(points) + "Z" }
}

fn grid_y(y: &Axis, plot: &Rect) -> Markup {
    html! {
        @for &tick in &y.ticks {
            line x1=(f(plot.x)) x2=(f(plot.x + plot.width)) y1=(f(y.at(tick))) y2=(f(y.at(tick)))
                stroke=(if tick == 0.0 { "#888" } else { "#e3e3e3" }) {}
            text x=(f(plot.x - 6.0)) y=(f(y.at(tick) + FONT * 0.35)) text-anchor="end" { (tick_label(tick, y.step())) }
        }
    }
}

fn axis_x(x: &Axis, plot: &Rect, title: &str) -> Markup {
    let base = plot.y + plot.height;
    html! {
        line x1=(f(plot.x)) x2=(f(plot.x + plot.width)) y1=(f(base)) y2=(f(base)) stroke="#444" {}
        @for &tick in &x.ticks {
            line x1=(f(x.at(tick))) x2=(f(x.at(tick))) y1=(f(base)) y2=(f(base + 5.0)) stroke="#444" {}
            text x=(f(x.at(tick))) y=(f(base + 8.0 + FONT)) text-anchor="middle" { (tick_label(tick, x.step())) }
        }
        text x=(f(plot.x + plot.width / 2.0)) y=(f(base + 22.0 + FONT)) text-anchor="middle" { (ellipsise(title, (plot.width / CHAR_WIDTH) as usize)) }
    }
}

/// One row of an interval chart.
pub struct Row {
    /// The row's label, left of the plot.
    pub name: String,
    /// The central value (a mean).
    pub centre: f64,
    /// The inner interval (the 95% interval of the mean), if any.
    pub inner: Option<(f64, f64)>,
    /// The outer range (p5–p95 of trials), if any.
    pub outer: Option<(f64, f64)>,
    /// A note drawn after the row instead of an interval (e.g. "baseline").
    pub note: Option<String>,
}

/// What the glyphs of an interval chart mean, for its legend.
pub struct Glyphs {
    /// What the dot is.
    pub centre: String,
    /// What the thin line is.
    pub inner: String,
    /// What the wide bar is, if drawn.
    pub outer: Option<String>,
}

/// Horizontal intervals, one row per arm: the paired comparison and the fan chart.
pub fn intervals(
    title: &str,
    x_title: &str,
    rows: &[Row],
    glyphs: &Glyphs,
    bounds: (Option<f64>, Option<f64>),
    from_zero: bool,
) -> Chart {
    let label_chars = 26;
    let left = 12.0 + label_chars as f64 * CHAR_WIDTH;
    let row_height = 30.0;
    let top = 10.0;
    let plot_width = WIDTH - left - 20.0;
    let plot_height = row_height * rows.len().max(1) as f64;
    let values = rows.iter().flat_map(|row| {
        let inner = row.inner.map_or([row.centre; 2], |(a, b)| [clip(a, bounds), clip(b, bounds)]);
        let outer = row.outer.map_or([row.centre; 2], |(a, b)| [clip(a, bounds), clip(b, bounds)]);
        [row.centre, inner[0], inner[1], outer[0], outer[1]]
    });
    let x = Axis::new(values, from_zero, left, left + plot_width, 6);
    let plot = Rect { x: left, y: top, width: plot_width, height: plot_height };
    let axis_bottom = top + plot_height + 44.0;
    let mut legend_names = vec![glyphs.centre.clone(), glyphs.inner.clone()];
    legend_names.extend(glyphs.outer.clone());
    let (legend, legend_height) = legend_rows(&legend_names, 12.0, WIDTH - 24.0, axis_bottom + 6.0);
    let height = axis_bottom + 6.0 + legend_height + 8.0;
    let mut layout = Layout { plot: Some(plot), legend: legend.clone(), ..Layout::default() };
    layout.ticks = x.ticks.iter().map(|&t| tick_label(t, x.step())).collect();
    let base = top + plot_height;
    let ink = "#0072B2";
    let mut drawn = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let mid = top + row_height * (index as f64 + 0.5);
        let outer = row.outer.map(|(a, b)| (x.at(clip(a, bounds)), x.at(clip(b, bounds))));
        let inner = row.inner.map(|(a, b)| (x.at(clip(a, bounds)), x.at(clip(b, bounds))));
        let centre = x.at(row.centre);
        layout.points.push((centre, mid));
        for (a, b) in outer.iter().chain(inner.iter()) {
            layout.points.extend([(*a, mid), (*b, mid)]);
        }
        drawn.push((mid, centre, inner, outer, row));
    }
    let zero = (x.low < 0.0 && x.high > 0.0).then(|| x.at(0.0));
    let svg = html! {
        svg class="chart" role="img" viewBox=(format!("0 0 {WIDTH} {}", f(height)))
            font-size=(FONT) font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" {
            title { (title) }
            @for &tick in &x.ticks {
                line x1=(f(x.at(tick))) x2=(f(x.at(tick))) y1=(f(top)) y2=(f(base)) stroke="#e3e3e3" {}
                text x=(f(x.at(tick))) y=(f(base + 8.0 + FONT)) text-anchor="middle" { (tick_label(tick, x.step())) }
            }
            @if let Some(zero) = zero {
                line x1=(f(zero)) x2=(f(zero)) y1=(f(top)) y2=(f(base)) stroke="#666" stroke-dasharray="4 3" {}
            }
            line x1=(f(plot.x)) x2=(f(plot.x + plot.width)) y1=(f(base)) y2=(f(base)) stroke="#444" {}
            text x=(f(plot.x + plot.width / 2.0)) y=(f(base + 22.0 + FONT)) text-anchor="middle" { (ellipsise(x_title, (plot_width / CHAR_WIDTH) as usize)) }
            @for (mid, centre, inner, outer, row) in &drawn {
                g {
                    title { (row.name) }
                    text x=(f(left - 8.0)) y=(f(mid + FONT * 0.35)) text-anchor="end" { (ellipsise(&row.name, label_chars)) }
                    @if let Some((a, b)) = outer {
                        rect x=(f(*a)) y=(f(mid - 7.0)) width=(f((b - a).max(1.0))) height="14" fill=(ink) fill-opacity="0.22" {}
                    }
                    @if let Some((a, b)) = inner {
                        line x1=(f(*a)) x2=(f(*b)) y1=(f(*mid)) y2=(f(*mid)) stroke=(ink) stroke-width="2.5" {}
                        line x1=(f(*a)) x2=(f(*a)) y1=(f(mid - 5.0)) y2=(f(mid + 5.0)) stroke=(ink) stroke-width="2" {}
                        line x1=(f(*b)) x2=(f(*b)) y1=(f(mid - 5.0)) y2=(f(mid + 5.0)) stroke=(ink) stroke-width="2" {}
                    }
                    circle cx=(f(*centre)) cy=(f(*mid)) r="5" fill=(ink) {}
                    @if let Some(note) = &row.note {
                        @let (at, anchor) = if *centre > left + plot_width / 2.0 { (centre - 10.0, "end") } else { (centre + 10.0, "start") };
                        text x=(f(at)) y=(f(mid - 8.0)) text-anchor=(anchor) fill="#555" font-style="italic" { (note) }
                    }
                }
            }
            @for (index, rect) in legend.iter().enumerate() {
                @let mid = rect.y + rect.height / 2.0;
                g {
                    @match index {
                        0 => { circle cx=(f(rect.x + 18.0)) cy=(f(mid)) r="5" fill=(ink) {} },
                        1 => { line x1=(f(rect.x + 4.0)) x2=(f(rect.x + 32.0)) y1=(f(mid)) y2=(f(mid)) stroke=(ink) stroke-width="2.5" {} },
                        _ => { rect x=(f(rect.x + 4.0)) y=(f(mid - 7.0)) width="28" height="14" fill=(ink) fill-opacity="0.22" {} },
                    }
                    text x=(f(rect.x + 40.0)) y=(f(mid + FONT * 0.35)) { (legend_names[index]) }
                }
            }
        }
    };
    Chart { svg, layout }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(arms: usize) -> Vec<Line> {
        (0..arms)
            .map(|arm| Line {
                name: format!("arm number {arm} with a long descriptive name"),
                points: (0..=20)
                    .map(|step| {
                        let mean = 1.0 - step as f64 * 0.02 * (1.0 + arm as f64 / 10.0);
                        (step as f64 / 2.0, mean, mean - 0.4, mean + 0.4)
                    })
                    .collect(),
            })
            .collect()
    }

    fn rows(arms: usize) -> Vec<Row> {
        (0..arms)
            .map(|arm| Row {
                name: format!("arm {arm}"),
                centre: arm as f64 - 3.0,
                inner: Some((arm as f64 - 4.0, arm as f64 - 2.0)),
                outer: Some((arm as f64 - 8.0, arm as f64 + 2.0)),
                note: None,
            })
            .collect()
    }

    fn glyphs() -> Glyphs {
        Glyphs { centre: "mean".into(), inner: "95% interval".into(), outer: Some("p5–p95".into()) }
    }

    fn assert_legend_clear(layout: &Layout) {
        assert!(!layout.points.is_empty());
        let plot = layout.plot.expect("a plot area");
        for rect in &layout.legend {
            assert!(!rect.overlaps(&plot), "legend entry {rect:?} overlaps the plot area {plot:?}");
            for point in &layout.points {
                assert!(!rect.contains(*point), "legend entry {rect:?} covers the data point {point:?}");
            }
        }
        for point in &layout.points {
            assert!(plot.contains(*point), "the data point {point:?} is outside the plot area {plot:?}");
        }
    }

    #[test]
    fn no_legend_entry_covers_a_data_point_of_a_time_series() {
        for arms in [1, 3, 12] {
            let chart = timeseries("t", "years", "share", &lines(arms), (Some(0.0), Some(1.0)));
            assert_legend_clear(&chart.layout);
            assert_eq!(chart.layout.legend.len(), arms);
        }
    }

    #[test]
    fn no_legend_entry_covers_a_data_point_of_an_interval_chart() {
        for arms in [1, 4, 12] {
            let chart = intervals("t", "difference", &rows(arms), &glyphs(), (None, None), true);
            assert_legend_clear(&chart.layout);
        }
    }

    #[test]
    fn twelve_arms_have_twelve_distinguishable_styles() {
        let chart = timeseries("t", "years", "share", &lines(12), (Some(0.0), Some(1.0)));
        let styles = &chart.layout.styles;
        assert_eq!(styles.len(), 12);
        for (i, a) in styles.iter().enumerate() {
            for b in &styles[i + 1..] {
                assert!(a.colour != b.colour || a.dash != b.dash, "{a:?} and {b:?} differ only in marker");
            }
        }
        let svg = chart.svg.into_string();
        assert!(
            svg.contains(r#"stroke-dasharray="9 4""#),
            "arms past the palette are dashed, in the legend too"
        );
    }

    #[test]
    fn bands_stay_within_a_shares_bounds_and_the_axis_starts_at_zero() {
        let chart = timeseries("t", "years", "share", &lines(2), (Some(0.0), Some(1.0)));
        let value = |tick: Option<&String>| tick.and_then(|t| t.parse::<f64>().ok());
        // The bands reach ±0.4 beyond the means, past both bounds, unless clipped.
        assert_eq!(value(chart.layout.ticks.first()), Some(0.0));
        assert_eq!(value(chart.layout.ticks.last()), Some(1.0));
    }

    #[test]
    fn ticks_cover_the_range_and_each_has_a_distinct_label() {
        for (low, high) in [(0.0, 1.0), (3.0, 5.0), (-1.37, 2.2), (0.0, 0.0123), (10.0, 10.0)] {
            let values = ticks(low, high, 6);
            assert!(values[0] <= low && *values.last().unwrap() >= high, "{low}..{high}: {values:?}");
            let step = values[1] - values[0];
            let labels: Vec<String> = values.iter().map(|v| tick_label(*v, step)).collect();
            let mut unique = labels.clone();
            unique.dedup();
            assert_eq!(unique, labels, "{low}..{high}");
        }
    }

    #[test]
    fn long_names_are_ellipsised() {
        assert_eq!(ellipsise("short", 10), "short");
        let cut = ellipsise("a very long arm name indeed", 10);
        assert_eq!(cut.chars().count(), 10);
        assert!(cut.ends_with('…'));
    }
}
