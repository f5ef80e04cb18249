//! The PNG's text, placed as the SVG places it. plotters' bitmap text drops each glyph's left
//! side bearing, so narrow glyphs sit out of line ("2026-1 0-01", "U SD"), and sizes its
//! text unlike the SVG. `GlyphBackend` wraps the bitmap backend and draws text itself with
//! the embedded DejaVu Sans: CSS font size (plotters' size / 1.24, as the SVG writes it), the
//! SVG's anchors (start, middle, end; baseline at 0.76 em below a top anchor), kerning, and
//! every glyph at its own bounds. Everything else goes to the bitmap backend unchanged.
//!
//! DejaVu Sans has no CJK glyphs: in the PNG such text shows as empty boxes. The SVG keeps the
//! text and a viewer draws it with its own fonts.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontTransform,
};

/// The x-height of DejaVu Sans (1120 of 2048 units): the SVG's `ex`.
const EX: f32 = 1120.0 / 2048.0;

/// A bitmap backend whose text matches the SVG's.
pub struct GlyphBackend<'a> {
    pub inner: BitMapBackend<'a>,
}

type Error = plotters_bitmap::BitMapBackendError;

impl DrawingBackend for GlyphBackend<'_> {
    type ErrorType = Error;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Error>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let bytes = match style.style() {
            FontStyle::Bold => dejavu::sans::bold(),
            _ => dejavu::sans::regular(),
        };
        let Ok(font) = FontRef::try_from_slice(bytes) else {
            return self.inner.draw_text(text, style, pos);
        };
        for (x, y, coverage) in layout(&font, text, style.size() as f32 / 1.24, style) {
            let (dx, dy) = match style.transform() {
                FontTransform::Rotate90 => (-y, x),
                FontTransform::Rotate180 => (-x, -y),
                FontTransform::Rotate270 => (y, -x),
                _ => (x, y),
            };
            self.inner.draw_pixel(
                (pos.0 + dx, pos.1 + dy),
                BackendColor {
                    alpha: color.alpha * f64::from(coverage.min(1.0)),
                    rgb: color.rgb,
                },
            )?;
        }
        Ok(())
    }
}

/// The pixels of `text` at CSS size `px`, relative to the anchor point: `(x, y, coverage)`.
pub fn layout<S: BackendTextStyle>(
    font: &FontRef<'_>,
    text: &str,
    px: f32,
    style: &S,
) -> Vec<(i32, i32, f32)> {
    // ab_glyph scales by the font's height (ascent - descent); CSS by its em.
    let em = font.units_per_em().unwrap_or(2048.0);
    let scale = PxScale::from(px * font.height_unscaled() / em);
    let scaled = font.as_scaled(scale);
    let mut x = 0f32;
    let mut previous = None;
    let mut glyphs = Vec::new();
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            x += scaled.kern(previous, id);
        }
        glyphs.push((id, x));
        x += scaled.h_advance(id);
        previous = Some(id);
    }
    let left = match style.anchor().h_pos {
        HPos::Left => 0.0,
        HPos::Center => -x / 2.0,
        HPos::Right => -x,
    };
    let baseline = match style.anchor().v_pos {
        VPos::Top => 0.76 * px,
        VPos::Center => 0.5 * EX * px,
        VPos::Bottom => -0.5 * EX * px,
    };
    let mut pixels = Vec::new();
    for (id, at) in glyphs {
        let glyph = id.with_scale_and_position(scale, point(left + at, baseline));
        if let Some(outline) = font.outline_glyph(glyph) {
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                if coverage > 0.0 {
                    pixels.push((
                        bounds.min.x as i32 + gx as i32,
                        bounds.min.y as i32 + gy as i32,
                        coverage,
                    ));
                }
            });
        }
    }
    pixels
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The widest run of blank columns between the first and last inked column.
    fn widest_gap(text: &str) -> usize {
        let font = FontRef::try_from_slice(dejavu::sans::regular()).unwrap();
        let style = TextStyle::from(("DejaVu Sans", 17.0).into_font());
        let pixels = layout(&font, text, 17.0 / 1.24, &style);
        let columns: std::collections::BTreeSet<i32> =
            pixels.iter().filter(|p| p.2 > 0.3).map(|p| p.0).collect();
        let (first, last) = (*columns.first().unwrap(), *columns.last().unwrap());
        let mut widest = 0;
        let mut run = 0;
        for x in first..=last {
            if columns.contains(&x) {
                run = 0;
            } else {
                run += 1;
                widest = widest.max(run);
            }
        }
        widest
    }

    #[test]
    fn chart_png_text_keeps_glyphs_in_line() {
        // Before: plotters drew "1" and "S" without their left bearing, so a gap opened
        // after them ("2026-1 0-01", "U SD").
        assert!(
            widest_gap("2026-10-01") <= 2,
            "{}",
            widest_gap("2026-10-01")
        );
        assert!(widest_gap("USD") <= 2);
        assert!(widest_gap("3,103.46") <= 3);
        // A space is a gap of its own width: about a third of an em (13.7 px).
        assert!(widest_gap("a b") >= 4);
    }
}
