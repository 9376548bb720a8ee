//! A [`Scene`] drawn with plotters onto any of its backends (a run's PNG and SVG
//! files), scaled uniformly so the layout the tests check is the layout drawn.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Anchor, Marker, Scene, Shape};

/// The font family the caller registered (the bundled DejaVu Sans).
pub const FONT: &str = "sans-serif";

/// `#rrggbb` as a plotters colour (anything else, a build defect, is black).
pub fn colour(hex: &str) -> RGBColor {
    let channel = |i: usize| hex.get(i..i + 2).and_then(|c| u8::from_str_radix(c, 16).ok()).unwrap_or(0);
    RGBColor(channel(1), channel(3), channel(5))
}

/// The pixel size of `scene` drawn `width` pixels wide.
pub fn size(scene: &Scene, width: u32) -> (u32, u32) {
    (width, (scene.height * f64::from(width) / scene.width).ceil() as u32)
}

/// The outline of a triangle or diamond marker of radius `r` at `(x, y)`.
pub(super) fn polygon_of(kind: Marker, (x, y): (f64, f64), r: f64) -> Vec<(f64, f64)> {
    match kind {
        Marker::Triangle => vec![(x, y - r - 1.0), (x + r + 1.0, y + r), (x - r - 1.0, y + r)],
        _ => vec![(x, y - r - 1.0), (x + r + 1.0, y), (x, y + r + 1.0), (x - r - 1.0, y)],
    }
}

/// Draws `scene` filling `area` (white behind it).
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scene: &Scene,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.fill(&WHITE)?;
    draw_on_white(area, scene)
}

/// Draws `scene` filling `area`, which is white already: a bitmap made white
/// needs no background painted pixel by pixel (about 1% of a small run's
/// instructions), and comes out the same.
pub fn draw_on_white<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scene: &Scene,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let scale = f64::from(area.dim_in_pixel().0) / scene.width;
    for shape in &scene.shapes {
        draw_shape(area, shape, scale)?;
    }
    area.present()
}

fn draw_shape<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    shape: &Shape,
    scale: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let px = |(x, y): (f64, f64)| ((x * scale).round() as i32, (y * scale).round() as i32);
    let pixels = |points: &[(f64, f64)]| points.iter().map(|&p| px(p)).collect::<Vec<_>>();
    match shape {
        Shape::Line { points, colour: hex, width, dash } => {
            let style = colour(hex).stroke_width((width * scale).round().max(1.0) as u32);
            let mut dash_parts = dash.split_whitespace().filter_map(|n| n.parse::<f64>().ok());
            match (dash_parts.next(), dash_parts.next()) {
                (Some(on), Some(off)) => area.draw(&DashedPathElement::new(
                    pixels(points),
                    (on * scale).round() as i32,
                    (off * scale).round() as i32,
                    style,
                )),
                _ => area.draw(&PathElement::new(pixels(points), style)),
            }
        }
        Shape::Fill { points, colour: hex, opacity } => {
            area.draw(&Polygon::new(pixels(points), colour(hex).mix(*opacity).filled()))
        }
        Shape::Box { rect, colour: hex, opacity } => area.draw(&Rectangle::new(
            [px((rect.x, rect.y)), px((rect.x + rect.width, rect.y + rect.height))],
            colour(hex).mix(*opacity).filled(),
        )),
        Shape::Mark { kind, at, colour: hex } => {
            let c = colour(hex);
            let r = 4.0 * scale;
            let centre = px(*at);
            match kind {
                Marker::Circle => area.draw(&Circle::new(centre, r.round() as i32, c.filled())),
                Marker::Ring => {
                    area.draw(&Circle::new(centre, r.round() as i32, WHITE.filled()))?;
                    area.draw(&Circle::new(centre, r.round() as i32, c.stroke_width((2.0 * scale) as u32)))
                }
                Marker::Square => area.draw(&Rectangle::new(
                    [px((at.0 - 4.0, at.1 - 4.0)), px((at.0 + 4.0, at.1 + 4.0))],
                    c.filled(),
                )),
                Marker::Triangle | Marker::Diamond => {
                    area.draw(&Polygon::new(pixels(&polygon_of(*kind, *at, 4.0)), c.filled()))
                }
            }
        }
        Shape::Text { at, text, size, anchor, colour: hex, bold, vertical } => {
            let style = if *bold { FontStyle::Bold } else { FontStyle::Normal };
            let horizontal = match anchor {
                Anchor::Start => HPos::Left,
                Anchor::Middle => HPos::Center,
                Anchor::End => HPos::Right,
            };
            let font = (FONT, size * scale, style).into_font().color(&colour(hex));
            // The scene places text by its baseline; plotters by its box.
            if *vertical {
                let font = font.pos(Pos::new(horizontal, VPos::Center)).transform(FontTransform::Rotate270);
                area.draw(&Text::new(text.clone(), px((at.0 - size * 0.35, at.1)), font))
            } else {
                let font = font.pos(Pos::new(horizontal, VPos::Center));
                area.draw(&Text::new(text.clone(), px((at.0, at.1 - size * 0.35)), font))
            }
        }
        Shape::Group { shapes, .. } => {
            for shape in shapes {
                draw_shape(area, shape, scale)?;
            }
            Ok(())
        }
    }
}
