//! A [`Scene`] as an inline `<svg>` element (maud), for the report.

use maud::{Markup, html};

use super::{Anchor, Marker, Scene, Shape};

const FONT_FAMILY: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";

/// The scene as an `<svg class="chart">`, scaled to its container by the page's CSS.
pub fn render(scene: &Scene, class: &str) -> Markup {
    html! {
        svg class=(format!("chart {class}").trim_end()) role="img" viewBox=(format!("0 0 {} {}", f(scene.width), f(scene.height)))
            font-size="13" font-family=(FONT_FAMILY) {
            title { (scene.title) }
            @for shape in &scene.shapes { (shape_markup(shape)) }
        }
    }
}

/// A coordinate with one decimal, which is finer than any screen.
fn f(value: f64) -> String {
    format!("{value:.1}")
}

fn path(points: &[(f64, f64)], closed: bool) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        d.push_str(if i == 0 { "M" } else { "L" });
        d.push_str(&format!("{} {}", f(*x), f(*y)));
    }
    if closed && !d.is_empty() {
        d.push('Z');
    }
    d
}

fn shape_markup(shape: &Shape) -> Markup {
    match shape {
        Shape::Line { points, colour, width, dash } => html! {
            @if points.len() == 2 {
                line x1=(f(points[0].0)) y1=(f(points[0].1)) x2=(f(points[1].0)) y2=(f(points[1].1)) stroke=(colour)
                    stroke-width=(width) stroke-dasharray=[(!dash.is_empty()).then_some(dash)] {}
            } @else {
                path d=(path(points, false)) fill="none" stroke=(colour) stroke-width=(width)
                    stroke-dasharray=[(!dash.is_empty()).then_some(dash)] {}
            }
        },
        Shape::Fill { points, colour, opacity } => html! {
            path d=(path(points, true)) fill=(colour) fill-opacity=(opacity) stroke="none" {}
        },
        Shape::Box { rect, colour, opacity } => html! {
            rect x=(f(rect.x)) y=(f(rect.y)) width=(f(rect.width)) height=(f(rect.height)) fill=(colour) fill-opacity=(opacity) {}
        },
        Shape::Mark { kind, at, colour } => marker(*kind, *at, colour),
        Shape::Text { at, text, size, anchor, colour, bold, vertical } => {
            let anchor = match anchor {
                Anchor::Start => None,
                Anchor::Middle => Some("middle"),
                Anchor::End => Some("end"),
            };
            let transform = vertical.then(|| format!("rotate(-90 {} {})", f(at.0), f(at.1)));
            html! {
                text x=(f(at.0)) y=(f(at.1)) text-anchor=[anchor] transform=[transform]
                    font-size=[(*size != 13.0).then_some(size)] font-weight=[bold.then_some("600")]
                    fill=[(*colour != "#1d1d1f").then_some(colour)] { (text) }
            }
        }
        Shape::Group { title, shapes } => html! {
            g { title { (title) } @for shape in shapes { (shape_markup(shape)) } }
        },
    }
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
        Marker::Triangle | Marker::Diamond => {
            html! { path d=(path(&super::raster::polygon_of(kind, (x, y), r), true)) fill=(colour) {} }
        }
    }
}
