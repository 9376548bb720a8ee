//! Every chart attrition draws, laid out here as data (a [`Scene`] of shapes in
//! user units) and drawn by two renderers: [`svg`] for the report's inline SVG and
//! [`raster`] for a run's own PNG and SVG files (plotters). One layout for both, so
//! a test of the layout is a test of every chart: the legend sits below the plot
//! area (never over a data point), every tick carries its label and the axes end
//! on a labelled tick, long names are ellipsised, intervals are clipped to a
//! metric's bounds, and each line has a colour, a dash pattern and a marker, in the
//! legend as on the line, so twelve lines stay twelve distinct styles.

pub mod raster;
pub mod svg;

/// Okabe & Ito (2008), "Color universal design", with the yellow darkened to a
/// mustard that reads on white.
pub const PALETTE: [&str; 8] =
    ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#B59B00"];

/// Dash patterns (SVG `stroke-dasharray`), one per pass through the palette.
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

/// How one line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Stroke and fill colour.
    pub colour: &'static str,
    /// SVG `stroke-dasharray`; empty for a solid line.
    pub dash: &'static str,
    /// The marker on the line and in the legend.
    pub marker: Marker,
}

/// The style of line `index`: colours first, then dashes, markers throughout, so
/// the first 24 lines differ in colour or dash, and neighbours in marker too.
pub fn style(index: usize) -> Style {
    Style {
        colour: PALETTE[index % PALETTE.len()],
        dash: DASHES[(index / PALETTE.len()) % DASHES.len()],
        marker: MARKERS[index % MARKERS.len()],
    }
}

/// A rectangle in user units.
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
    /// Every data point drawn (line vertices, band corners, interval ends, markers).
    pub points: Vec<(f64, f64)>,
    /// The tick labels drawn on the value axis.
    pub ticks: Vec<String>,
    /// The tick labels drawn on the horizontal axis of a line chart.
    pub x_ticks: Vec<String>,
    /// The style of each line drawn.
    pub styles: Vec<Style>,
    /// The text of every legend entry, as drawn.
    pub legend_text: Vec<String>,
}

/// Where a text's anchor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The text starts at the point.
    Start,
    /// The text is centred on the point.
    Middle,
    /// The text ends at the point.
    End,
}

/// One thing drawn, in user units (y downwards).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// An open polyline.
    Line {
        /// Vertices.
        points: Vec<(f64, f64)>,
        /// Colour, `#rrggbb`.
        colour: &'static str,
        /// Stroke width.
        width: f64,
        /// SVG `stroke-dasharray`; empty for solid.
        dash: &'static str,
    },
    /// A filled polygon without outline.
    Fill {
        /// Vertices.
        points: Vec<(f64, f64)>,
        /// Colour, `#rrggbb`.
        colour: &'static str,
        /// Opacity, 0–1.
        opacity: f64,
    },
    /// A filled rectangle.
    Box {
        /// Where.
        rect: Rect,
        /// Colour, `#rrggbb`.
        colour: &'static str,
        /// Opacity, 0–1.
        opacity: f64,
    },
    /// A point marker.
    Mark {
        /// Which.
        kind: Marker,
        /// Its centre.
        at: (f64, f64),
        /// Colour, `#rrggbb`.
        colour: &'static str,
    },
    /// Text, `at` its baseline.
    Text {
        /// Anchor point on the baseline.
        at: (f64, f64),
        /// The text.
        text: String,
        /// Font size.
        size: f64,
        /// Horizontal anchor.
        anchor: Anchor,
        /// Colour, `#rrggbb`.
        colour: &'static str,
        /// Bold (titles).
        bold: bool,
        /// Rotated a quarter turn anticlockwise (a vertical axis title).
        vertical: bool,
    },
    /// Shapes that belong together, with the name a reader sees on hovering.
    Group {
        /// The name.
        title: String,
        /// The shapes.
        shapes: Vec<Shape>,
    },
}

/// A laid-out chart.
#[derive(Debug, Clone)]
pub struct Scene {
    /// Width in user units.
    pub width: f64,
    /// Height in user units.
    pub height: f64,
    /// What the chart shows, for the accessible title.
    pub title: String,
    /// What is drawn, in painting order.
    pub shapes: Vec<Shape>,
    /// Where things went, for tests.
    pub layout: Layout,
}

/// The width of a chart for a laptop screen or a printed page.
pub const WIDE: f64 = 640.0;
/// The width of a chart for a phone: the same font in fewer units, so the text is
/// as large as on a laptop once the chart is shrunk to the screen.
pub const NARROW: f64 = 400.0;

const FONT: f64 = 13.0;
const TITLE_FONT: f64 = 15.0;
/// Average advance of a character of a sans-serif at `FONT`, generous so an
/// estimate never runs past the space given.
const CHAR_WIDTH: f64 = FONT * 0.62;
const INK: &str = "#1d1d1f";
const MUTED: &str = "#555555";
const GRID: &str = "#e3e3e3";
const AXIS: &str = "#444444";
const ZERO: &str = "#666666";

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

/// Clips a value to a metric's bounds.
pub fn clip(value: f64, bounds: (Option<f64>, Option<f64>)) -> f64 {
    let value = bounds.0.map_or(value, |low| value.max(low));
    bounds.1.map_or(value, |high| value.min(high))
}

/// An axis: ticks and a mapping onto user units.
struct Axis {
    ticks: Vec<f64>,
    low: f64,
    high: f64,
    from: f64,
    to: f64,
}

impl Axis {
    /// An axis holding `values`, from zero when asked (a rate or a share).
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

    /// Categories at 0, 1, …, n − 1, with half a slot either side.
    fn categories(n: usize, from: f64, to: f64) -> Self {
        Self { ticks: (0..n).map(|i| i as f64).collect(), low: -0.5, high: n.max(1) as f64 - 0.5, from, to }
    }

    fn at(&self, value: f64) -> f64 {
        self.from + (value - self.low) / (self.high - self.low) * (self.to - self.from)
    }

    fn step(&self) -> f64 {
        self.ticks.get(1).map_or(1.0, |second| second - self.ticks[0])
    }
}

fn text(at: (f64, f64), content: impl Into<String>, anchor: Anchor) -> Shape {
    Shape::Text { at, text: content.into(), size: FONT, anchor, colour: INK, bold: false, vertical: false }
}

/// Text broken at spaces into lines of at most `chars` characters (a word longer
/// than a line is ellipsised).
pub fn wrap(text: &str, chars: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let word = ellipsise(word, chars);
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > chars {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The heading drawn at the top of a chart file (the report has its own headings),
/// wrapped to the chart's width; returns its shapes and the height it takes.
fn heading(heading: Option<&Heading>, width: f64) -> (Vec<Shape>, f64) {
    let Some(heading) = heading else { return (Vec::new(), 0.0) };
    let mut shapes = Vec::new();
    let mut height = 8.0;
    // Each line of `text`, wrapped at `chars`, one below the other.
    let mut lines = |text: &str, chars: usize, size: f64, colour, bold, height: &mut f64| {
        for line in wrap(text, chars) {
            *height += size + 4.0;
            shapes.push(Shape::Text {
                at: (12.0, *height),
                text: line,
                size,
                anchor: Anchor::Start,
                colour,
                bold,
                vertical: false,
            });
        }
    };
    lines(
        &heading.title,
        ((width - 24.0) / (TITLE_FONT * 0.62)) as usize,
        TITLE_FONT,
        INK,
        true,
        &mut height,
    );
    height += 4.0;
    if let Some(subtitle) = &heading.subtitle {
        lines(subtitle, ((width - 24.0) / CHAR_WIDTH) as usize, FONT, MUTED, false, &mut height);
    }
    (shapes, height + 8.0)
}

/// A chart file's visible title and, under it, what the glyphs are.
#[derive(Debug, Clone)]
pub struct Heading {
    /// The title, in words.
    pub title: String,
    /// A second line, e.g. "mean over 40 trials; the band is the 95% interval of the mean".
    pub subtitle: Option<String>,
}

/// Legend entries laid out in rows in `width` from (`left`, `top`); returns their
/// rectangles and the height used.
fn legend_rows(names: &[String], left: f64, width: f64, top: f64) -> (Vec<Rect>, f64) {
    let row_height = FONT + 10.0;
    let swatch = 40.0;
    let mut rects = Vec::new();
    let (mut x, mut y) = (left, top);
    for name in names {
        let entry = swatch + name.chars().count() as f64 * CHAR_WIDTH + 18.0;
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

/// A legend entry's text: as much of the name as fits its rectangle.
fn legend_name(name: &str, width: f64) -> String {
    let room = ((width.min(WIDE) - 58.0) / CHAR_WIDTH).floor().max(4.0) as usize;
    ellipsise(name, room.min(60))
}

/// The legend swatch of a line: its dash, colour and marker.
fn line_entry(rect: &Rect, style: Style, name: &str, shown: &str) -> Shape {
    let mid = rect.y + rect.height / 2.0;
    Shape::Group {
        title: name.to_owned(),
        shapes: vec![
            Shape::Line {
                points: vec![(rect.x + 2.0, mid), (rect.x + 34.0, mid)],
                colour: style.colour,
                width: 2.5,
                dash: style.dash,
            },
            Shape::Mark { kind: style.marker, at: (rect.x + 18.0, mid), colour: style.colour },
            text((rect.x + 40.0, mid + FONT * 0.35), shown, Anchor::Start),
        ],
    }
}

/// The horizontal axis of a line chart.
#[derive(Debug, Clone)]
pub enum XAxis {
    /// Numbers placed by value; from zero when asked (time).
    Numbers {
        /// Whether the axis starts at zero.
        from_zero: bool,
    },
    /// Named values at evenly spaced positions 0, 1, …; a point's x is its index.
    Categories(Vec<String>),
}

/// One line of a line chart.
#[derive(Debug, Clone)]
pub struct Line {
    /// The legend's name.
    pub name: String,
    /// `(x, mean, band low, band high)` per point.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// What a line chart shows.
#[derive(Debug, Clone)]
pub struct LineChart<'a> {
    /// The accessible title.
    pub title: &'a str,
    /// A visible heading (chart files; the report has its own).
    pub heading: Option<Heading>,
    /// The horizontal axis's title, in words with its unit.
    pub x_title: &'a str,
    /// The value axis's title, in words with its unit.
    pub y_title: &'a str,
    /// The lines.
    pub lines: &'a [Line],
    /// The range the metric can take; bands are clipped to it, and the value axis
    /// starts at zero when the lower bound is zero (a rate, a count or a share).
    pub bounds: (Option<f64>, Option<f64>),
    /// The horizontal axis.
    pub x: XAxis,
    /// A marker on every point (a sweep's few points), or on about six per line
    /// (a time series' many).
    pub mark_every_point: bool,
    /// [`WIDE`] or [`NARROW`].
    pub width: f64,
}

/// A line chart: a line per series with its band, the legend below.
pub fn line_chart(spec: &LineChart<'_>) -> Scene {
    let width = spec.width;
    let (mut shapes, head) = heading(spec.heading.as_ref(), width);
    let (left, right) = (64.0, 16.0);
    let top = head + 12.0;
    let plot_height = if width < WIDE { 240.0 } else { 300.0 };
    let plot_width = width - left - right;
    let bounds = spec.bounds;
    let values = spec
        .lines
        .iter()
        .flat_map(|line| line.points.iter().flat_map(|p| [p.1, clip(p.2, bounds), clip(p.3, bounds)]));
    let y = Axis::new(values, bounds.0 == Some(0.0), top + plot_height, top, 6);
    let x = match &spec.x {
        XAxis::Numbers { from_zero } => {
            let xs = spec.lines.iter().flat_map(|line| line.points.iter().map(|p| p.0));
            Axis::new(xs, *from_zero, left, left + plot_width, if width < WIDE { 5 } else { 8 })
        }
        XAxis::Categories(names) => Axis::categories(names.len(), left, left + plot_width),
    };
    let x_label = |tick: f64| match &spec.x {
        XAxis::Numbers { .. } => tick_label(tick, x.step()),
        XAxis::Categories(names) => {
            let room = (plot_width / names.len().max(1) as f64 / CHAR_WIDTH).floor().max(3.0) as usize;
            ellipsise(names.get(tick as usize).map_or("", String::as_str), room)
        }
    };
    let plot = Rect { x: left, y: top, width: plot_width, height: plot_height };
    let axis_bottom = top + plot_height + 44.0;
    let names: Vec<String> = spec.lines.iter().map(|line| line.name.clone()).collect();
    let shown: Vec<String> = names.iter().map(|name| legend_name(name, plot_width)).collect();
    let (legend, legend_height) = legend_rows(&shown, left, plot_width, axis_bottom + 6.0);
    let height = axis_bottom + 6.0 + legend_height + 8.0;
    let mut layout = Layout { plot: Some(plot), legend: legend.clone(), ..Layout::default() };
    layout.ticks = y.ticks.iter().map(|&t| tick_label(t, y.step())).collect();
    layout.x_ticks = x.ticks.iter().map(|&t| x_label(t)).collect();
    layout.legend_text = shown.clone();
    shapes.extend(grid_y(&y, &plot));
    let base = plot.y + plot.height;
    shapes.push(Shape::Line {
        points: vec![(plot.x, base), (plot.x + plot.width, base)],
        colour: AXIS,
        width: 1.0,
        dash: "",
    });
    for &tick in &x.ticks {
        shapes.push(Shape::Line {
            points: vec![(x.at(tick), base), (x.at(tick), base + 5.0)],
            colour: AXIS,
            width: 1.0,
            dash: "",
        });
        shapes.push(text((x.at(tick), base + 8.0 + FONT), x_label(tick), Anchor::Middle));
    }
    shapes.push(text(
        (plot.x + plot.width / 2.0, base + 22.0 + FONT),
        ellipsise(spec.x_title, (plot.width / CHAR_WIDTH) as usize),
        Anchor::Middle,
    ));
    let middle = top + plot_height / 2.0;
    shapes.push(Shape::Text {
        at: (18.0, middle),
        text: ellipsise(spec.y_title, (plot_height / CHAR_WIDTH) as usize),
        size: FONT,
        anchor: Anchor::Middle,
        colour: INK,
        bold: false,
        vertical: true,
    });
    for (index, line) in spec.lines.iter().enumerate() {
        let style = style(index);
        layout.styles.push(style);
        let centre: Vec<(f64, f64)> = line.points.iter().map(|p| (x.at(p.0), y.at(p.1))).collect();
        let upper = line.points.iter().map(|p| (x.at(p.0), y.at(clip(p.3, bounds))));
        let lower = line.points.iter().rev().map(|p| (x.at(p.0), y.at(clip(p.2, bounds))));
        let band: Vec<(f64, f64)> = upper.chain(lower).collect();
        layout.points.extend(centre.iter().copied().chain(band.iter().copied()));
        let every = if spec.mark_every_point { 1 } else { (centre.len() / 6).max(1) };
        let mut group = vec![
            Shape::Fill { points: band, colour: style.colour, opacity: 0.13 },
            Shape::Line { points: centre.clone(), colour: style.colour, width: 2.5, dash: style.dash },
        ];
        group.extend(
            centre.iter().enumerate().filter(|(i, _)| (i + index) % every == 0).map(|(_, &at)| Shape::Mark {
                kind: style.marker,
                at,
                colour: style.colour,
            }),
        );
        shapes.push(Shape::Group { title: line.name.clone(), shapes: group });
    }
    for (index, rect) in legend.iter().enumerate() {
        shapes.push(line_entry(rect, style(index), &names[index], &shown[index]));
    }
    Scene { width, height, title: spec.title.to_owned(), shapes, layout }
}

fn grid_y(y: &Axis, plot: &Rect) -> Vec<Shape> {
    let mut shapes = Vec::new();
    for &tick in &y.ticks {
        shapes.push(Shape::Line {
            points: vec![(plot.x, y.at(tick)), (plot.x + plot.width, y.at(tick))],
            colour: if tick == 0.0 { "#888888" } else { GRID },
            width: 1.0,
            dash: "",
        });
        shapes.push(text((plot.x - 6.0, y.at(tick) + FONT * 0.35), tick_label(tick, y.step()), Anchor::End));
    }
    shapes
}

/// One row of an interval chart.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row's label, left of the plot.
    pub name: String,
    /// The central value (a mean).
    pub centre: f64,
    /// The inner interval (the 95% interval of the mean), if any.
    pub inner: Option<(f64, f64)>,
    /// The outer range (p5–p95 of trials), if any.
    pub outer: Option<(f64, f64)>,
    /// A note drawn beside the row (e.g. "baseline").
    pub note: Option<String>,
}

/// What the glyphs of an interval chart mean, for its legend.
#[derive(Debug, Clone)]
pub struct Glyphs {
    /// What the dot is.
    pub centre: String,
    /// What the thin line is.
    pub inner: String,
    /// What the wide bar is, if drawn.
    pub outer: Option<String>,
    /// What the shaded reference band is, and where it runs, if drawn (a
    /// calibration's ±1 precision).
    pub reference: Option<(String, f64, f64)>,
}

/// What an interval chart shows.
#[derive(Debug, Clone)]
pub struct IntervalChart<'a> {
    /// The accessible title.
    pub title: &'a str,
    /// A visible heading (chart files; the report has its own).
    pub heading: Option<Heading>,
    /// The value axis's title, in words with its unit (and which way is better).
    pub x_title: &'a str,
    /// The rows, top first.
    pub rows: &'a [Row],
    /// What the glyphs mean.
    pub glyphs: &'a Glyphs,
    /// The range the values can take; intervals are clipped to it.
    pub bounds: (Option<f64>, Option<f64>),
    /// Whether the axis holds zero (a difference, a rate or a share).
    pub from_zero: bool,
    /// [`WIDE`] or [`NARROW`].
    pub width: f64,
}

const BLUE: &str = "#0072B2";

/// Horizontal intervals, one row each: a paired comparison, a fan chart of
/// outcomes, a calibration's fit.
pub fn interval_chart(spec: &IntervalChart<'_>) -> Scene {
    let width = spec.width;
    let (mut shapes, head) = heading(spec.heading.as_ref(), width);
    let label_chars = if width < WIDE { 16 } else { 26 };
    let left = 12.0 + label_chars as f64 * CHAR_WIDTH;
    let row_height = 30.0;
    let top = head + 10.0;
    let plot_width = width - left - 20.0;
    let plot_height = row_height * spec.rows.len().max(1) as f64;
    let bounds = spec.bounds;
    let values = spec.rows.iter().flat_map(|row| {
        let inner = row.inner.map_or([row.centre; 2], |(a, b)| [clip(a, bounds), clip(b, bounds)]);
        let outer = row.outer.map_or([row.centre; 2], |(a, b)| [clip(a, bounds), clip(b, bounds)]);
        [row.centre, inner[0], inner[1], outer[0], outer[1]]
    });
    let reference = spec.glyphs.reference.as_ref().map(|(_, a, b)| [*a, *b]).into_iter().flatten();
    let x = Axis::new(values.chain(reference), spec.from_zero, left, left + plot_width, 6);
    let plot = Rect { x: left, y: top, width: plot_width, height: plot_height };
    let axis_bottom = top + plot_height + 44.0;
    let glyphs = spec.glyphs;
    let mut legend_names = vec![glyphs.centre.clone(), glyphs.inner.clone()];
    legend_names.extend(glyphs.outer.clone());
    legend_names.extend(glyphs.reference.as_ref().map(|(name, ..)| name.clone()));
    let shown: Vec<String> = legend_names.iter().map(|name| legend_name(name, width - 24.0)).collect();
    let (legend, legend_height) = legend_rows(&shown, 12.0, width - 24.0, axis_bottom + 6.0);
    let height = axis_bottom + 6.0 + legend_height + 8.0;
    let mut layout = Layout { plot: Some(plot), legend: legend.clone(), ..Layout::default() };
    layout.ticks = x.ticks.iter().map(|&t| tick_label(t, x.step())).collect();
    layout.legend_text = shown.clone();
    let base = top + plot_height;
    if let Some((_, a, b)) = &glyphs.reference {
        let (a, b) = (x.at(*a), x.at(*b));
        shapes.push(Shape::Box {
            rect: Rect { x: a, y: top, width: b - a, height: plot_height },
            colour: "#000000",
            opacity: 0.08,
        });
    }
    for &tick in &x.ticks {
        shapes.push(Shape::Line {
            points: vec![(x.at(tick), top), (x.at(tick), base)],
            colour: GRID,
            width: 1.0,
            dash: "",
        });
        shapes.push(text((x.at(tick), base + 8.0 + FONT), tick_label(tick, x.step()), Anchor::Middle));
    }
    if x.low < 0.0 && x.high > 0.0 {
        let zero = x.at(0.0);
        shapes.push(Shape::Line {
            points: vec![(zero, top), (zero, base)],
            colour: ZERO,
            width: 1.0,
            dash: "4 3",
        });
    }
    shapes.push(Shape::Line {
        points: vec![(plot.x, base), (plot.x + plot.width, base)],
        colour: AXIS,
        width: 1.0,
        dash: "",
    });
    // The axis title is centred under the plot but may run past it to the
    // chart's edges: a long unit need not be cut to the plot's width.
    let centre = plot.x + plot.width / 2.0;
    let room = 2.0 * (centre - 12.0).min(width - 12.0 - centre);
    let centre = if spec.x_title.chars().count() as f64 * CHAR_WIDTH <= room { centre } else { width / 2.0 };
    let room = if centre == width / 2.0 { width - 24.0 } else { room };
    shapes.push(text(
        (centre, base + 22.0 + FONT),
        ellipsise(spec.x_title, (room / CHAR_WIDTH) as usize),
        Anchor::Middle,
    ));
    for (index, row) in spec.rows.iter().enumerate() {
        let mid = top + row_height * (index as f64 + 0.5);
        let outer = row.outer.map(|(a, b)| (x.at(clip(a, bounds)), x.at(clip(b, bounds))));
        let inner = row.inner.map(|(a, b)| (x.at(clip(a, bounds)), x.at(clip(b, bounds))));
        let centre = x.at(row.centre);
        layout.points.push((centre, mid));
        for (a, b) in outer.iter().chain(inner.iter()) {
            layout.points.extend([(*a, mid), (*b, mid)]);
        }
        let mut group =
            vec![text((left - 8.0, mid + FONT * 0.35), ellipsise(&row.name, label_chars), Anchor::End)];
        if let Some((a, b)) = outer {
            group.push(Shape::Box {
                rect: Rect { x: a, y: mid - 7.0, width: (b - a).max(1.0), height: 14.0 },
                colour: BLUE,
                opacity: 0.22,
            });
        }
        if let Some((a, b)) = inner {
            let stroke = |points| Shape::Line { points, colour: BLUE, width: 2.5, dash: "" };
            group.push(stroke(vec![(a, mid), (b, mid)]));
            group.push(stroke(vec![(a, mid - 5.0), (a, mid + 5.0)]));
            group.push(stroke(vec![(b, mid - 5.0), (b, mid + 5.0)]));
        }
        group.push(Shape::Mark { kind: Marker::Circle, at: (centre, mid), colour: BLUE });
        if let Some(note) = &row.note {
            let (at, anchor) = if centre > left + plot_width / 2.0 {
                (centre - 10.0, Anchor::End)
            } else {
                (centre + 10.0, Anchor::Start)
            };
            group.push(Shape::Text {
                at: (at, mid - 8.0),
                text: note.clone(),
                size: FONT,
                anchor,
                colour: MUTED,
                bold: false,
                vertical: false,
            });
        }
        shapes.push(Shape::Group { title: row.name.clone(), shapes: group });
    }
    for (index, rect) in legend.iter().enumerate() {
        let mid = rect.y + rect.height / 2.0;
        let glyph = match index {
            0 => Shape::Mark { kind: Marker::Circle, at: (rect.x + 18.0, mid), colour: BLUE },
            1 => Shape::Line {
                points: vec![(rect.x + 4.0, mid), (rect.x + 32.0, mid)],
                colour: BLUE,
                width: 2.5,
                dash: "",
            },
            2 if glyphs.outer.is_some() => Shape::Box {
                rect: Rect { x: rect.x + 4.0, y: mid - 7.0, width: 28.0, height: 14.0 },
                colour: BLUE,
                opacity: 0.22,
            },
            _ => Shape::Box {
                rect: Rect { x: rect.x + 4.0, y: mid - 7.0, width: 28.0, height: 14.0 },
                colour: "#000000",
                opacity: 0.08,
            },
        };
        shapes.push(Shape::Group {
            title: legend_names[index].clone(),
            shapes: vec![
                glyph,
                text((rect.x + 40.0, mid + FONT * 0.35), shown[index].clone(), Anchor::Start),
            ],
        });
    }
    Scene { width, height, title: spec.title.to_owned(), shapes, layout }
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
                note: (arm == 0).then(|| "baseline".into()),
            })
            .collect()
    }

    fn glyphs(reference: bool) -> Glyphs {
        Glyphs {
            centre: "mean".into(),
            inner: "95% interval".into(),
            outer: (!reference).then(|| "p5–p95".into()),
            reference: reference.then(|| ("within one precision".into(), -1.0, 1.0)),
        }
    }

    fn heading() -> Option<Heading> {
        Some(Heading { title: "A title".into(), subtitle: Some("what the glyphs are".into()) })
    }

    fn time_series(arms: &[Line], width: f64) -> Scene {
        line_chart(&LineChart {
            title: "t",
            heading: heading(),
            x_title: "time (years)",
            y_title: "share",
            lines: arms,
            bounds: (Some(0.0), Some(1.0)),
            x: XAxis::Numbers { from_zero: true },
            mark_every_point: false,
            width,
        })
    }

    /// A sweep of `workforce.dismissal_threshold = 3, 4, 5`, or of named values.
    fn sweep(arms: usize, categories: bool) -> Scene {
        let lines: Vec<Line> = (0..arms)
            .map(|arm| Line {
                name: format!("arm {arm}"),
                points: (0..3)
                    .map(|i| {
                        let x = if categories { i as f64 } else { 3.0 + i as f64 };
                        let mean = 0.2 + 0.05 * arm as f64 + 0.1 * i as f64;
                        (x, mean, mean - 0.3, mean + 0.3)
                    })
                    .collect(),
            })
            .collect();
        let x = if categories {
            XAxis::Categories(vec!["best".into(), "random".into(), "leadership_assessed".into()])
        } else {
            XAxis::Numbers { from_zero: false }
        };
        line_chart(&LineChart {
            title: "s",
            heading: heading(),
            x_title: "dismissal threshold",
            y_title: "share",
            lines: &lines,
            bounds: (Some(0.0), Some(1.0)),
            x,
            mark_every_point: true,
            width: WIDE,
        })
    }

    fn intervals(arms: usize, reference: bool, width: f64) -> Scene {
        let glyphs = glyphs(reference);
        interval_chart(&IntervalChart {
            title: "t",
            heading: heading(),
            x_title: "difference",
            rows: &rows(arms),
            glyphs: &glyphs,
            bounds: (None, None),
            from_zero: true,
            width,
        })
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
        for width in [WIDE, NARROW] {
            for arms in [1, 3, 12] {
                let chart = time_series(&lines(arms), width);
                assert_legend_clear(&chart.layout);
                assert_eq!(chart.layout.legend.len(), arms);
                for rect in &chart.layout.legend {
                    assert!(rect.x + rect.width <= width, "{rect:?} runs past the chart's width {width}");
                }
            }
        }
    }

    #[test]
    fn no_legend_entry_covers_a_data_point_of_a_sweep() {
        for categories in [false, true] {
            for arms in [1, 12] {
                assert_legend_clear(&sweep(arms, categories).layout);
            }
        }
    }

    #[test]
    fn no_legend_entry_covers_a_data_point_of_an_interval_chart() {
        for width in [WIDE, NARROW] {
            for arms in [1, 4, 12] {
                for reference in [false, true] {
                    assert_legend_clear(&intervals(arms, reference, width).layout);
                }
            }
        }
    }

    #[test]
    fn twelve_lines_have_twelve_distinguishable_styles_in_every_line_chart() {
        for chart in [time_series(&lines(12), WIDE), sweep(12, false), sweep(12, true)] {
            let styles = &chart.layout.styles;
            assert_eq!(styles.len(), 12);
            for (i, a) in styles.iter().enumerate() {
                for b in &styles[i + 1..] {
                    assert!(
                        a.colour != b.colour || a.dash != b.dash,
                        "{a:?} and {b:?} differ only in marker"
                    );
                }
            }
            // The legend's swatches carry each line's dash and marker.
            let swatches: Vec<(&str, Marker)> = chart
                .shapes
                .iter()
                .filter_map(|shape| match shape {
                    Shape::Group { shapes, .. } => match shapes.as_slice() {
                        [Shape::Line { dash, points, .. }, Shape::Mark { kind, .. }, Shape::Text { .. }]
                            if points.len() == 2 =>
                        {
                            Some((*dash, *kind))
                        }
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            let drawn: Vec<(&str, Marker)> = styles.iter().map(|s| (s.dash, s.marker)).collect();
            assert_eq!(swatches, drawn, "one legend swatch per line, in its dash and marker");
            assert!(swatches.iter().any(|(dash, _)| !dash.is_empty()), "lines past the palette are dashed");
        }
    }

    #[test]
    fn no_colour_is_faint_on_white() {
        // Relative luminance below 0.5: the Okabe–Ito yellow (0.75) is not used.
        for colour in PALETTE {
            let channel = |i: usize| {
                let c = f64::from(u8::from_str_radix(&colour[i..i + 2], 16).unwrap()) / 255.0;
                if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
            };
            let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
            assert!(luminance < 0.5, "{colour} is faint on white ({luminance:.2})");
        }
    }

    #[test]
    fn bands_stay_within_a_shares_bounds_and_the_axis_starts_at_zero() {
        let chart = time_series(&lines(2), WIDE);
        let value = |tick: Option<&String>| tick.and_then(|t| t.parse::<f64>().ok());
        // The bands reach ±0.4 beyond the means, past both bounds, unless clipped.
        assert_eq!(value(chart.layout.ticks.first()), Some(0.0));
        assert_eq!(value(chart.layout.ticks.last()), Some(1.0));
    }

    #[test]
    fn a_sweep_labels_its_last_value_and_every_category() {
        let numbers = sweep(2, false);
        let values: Vec<f64> = numbers.layout.x_ticks.iter().map(|t| t.parse().unwrap()).collect();
        assert_eq!(values.first(), Some(&3.0), "{:?}", numbers.layout.x_ticks);
        assert_eq!(values.last(), Some(&5.0), "{:?}", numbers.layout.x_ticks);
        let named = sweep(2, true);
        assert_eq!(named.layout.x_ticks, ["best", "random", "leadership_assessed"]);
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
    fn a_long_heading_wraps_rather_than_being_cut() {
        let title = "A scenario: a metric with a long name against a field with a long name too";
        let lines = wrap(title, 30);
        assert!(lines.len() > 1 && lines.iter().all(|line| line.chars().count() <= 30), "{lines:?}");
        assert_eq!(lines.join(" "), title);
        let scene = line_chart(&LineChart {
            title,
            heading: Some(Heading { title: title.into(), subtitle: None }),
            x_title: "x",
            y_title: "y",
            lines: &lines_of(1),
            bounds: (None, None),
            x: XAxis::Numbers { from_zero: true },
            mark_every_point: false,
            width: NARROW,
        });
        let drawn: Vec<&str> = scene
            .shapes
            .iter()
            .filter_map(|shape| match shape {
                Shape::Text { text, bold: true, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(drawn.join(" "), title, "every word of the heading is drawn");
        assert!(scene.layout.plot.unwrap().y > 2.0 * TITLE_FONT, "the plot starts below the heading");
    }

    fn lines_of(arms: usize) -> Vec<Line> {
        lines(arms)
    }

    #[test]
    fn long_names_are_ellipsised_in_the_legend() {
        assert_eq!(ellipsise("short", 10), "short");
        let cut = ellipsise("a very long arm name indeed", 10);
        assert_eq!(cut.chars().count(), 10);
        assert!(cut.ends_with('…'));
        let long =
            vec![Line { name: "x".repeat(90), points: vec![(0.0, 0.5, 0.4, 0.6), (1.0, 0.5, 0.4, 0.6)] }];
        let chart = time_series(&long, NARROW);
        assert!(chart.layout.legend_text[0].ends_with('…'), "{:?}", chart.layout.legend_text);
    }
}
