//! The report's charts as PNG images, which every mail client shows (Gmail and Outlook drop an
//! inline SVG). Drawn by plotters on a bitmap over a committed font (no fontconfig), so a Lambda
//! and a laptop draw the same pixels.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::report::truncate;
use crate::roi::DayFigures;

/// DejaVu Sans, subset to Latin-1 and Cyrillic (assets/LICENSE-DejaVu.txt says how).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");
const FAMILY: &str = "sans-serif";
const WIDTH: u32 = 640;

const GREEN: RGBColor = RGBColor(0x2a, 0x9d, 0x4b);
const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);
const AMBER: RGBColor = RGBColor(0xe9, 0xa2, 0x3b);
const RED: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
const LIGHT: RGBColor = RGBColor(0xcc, 0xcc, 0xcc);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// One chart: a PNG and what the HTML needs to place it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// A stable name: the email's `Content-ID` and the image's `alt`-independent handle.
    pub id: &'static str,
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub png: Vec<u8>,
}

/// One row of a bar chart: its label, its values (one bar or segment each) and the text after it.
pub struct BarRow {
    pub label: String,
    pub values: Vec<f64>,
    pub note: String,
}

/// How a row's values are drawn: side by side as thin bars, or stacked into one bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Paired,
    Stacked,
}

/// The words and colours of a bar chart's series, in the order of [`BarRow::values`].
pub struct Series<'a> {
    pub names: &'a [&'a str],
    pub colors: &'a [RGBColor],
}

/// The colours the report's charts use, so the HTML legend can match.
pub mod colors {
    use super::*;
    pub const REVENUE_COST: [RGBColor; 2] = [GREEN, GREY];
    pub const OUTCOMES: [RGBColor; 4] = [GREEN, AMBER, RED, LIGHT];
    pub const DAILY: [RGBColor; 2] = [GREEN, RED];
}

fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok())
}

/// Draws into an RGB buffer and encodes it; `None` when drawing fails (the email then goes
/// without that chart rather than not at all).
fn render(
    id: &'static str,
    title: &str,
    height: u32,
    draw: impl FnOnce(&DrawingArea<BitMapBackend, Shift>) -> Result<(), String>,
) -> Option<Chart> {
    if !font_ready() {
        return None;
    }
    let mut buf = vec![0u8; (WIDTH * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        if let Err(e) = draw(&root.margin(2, 2, 6, 6)) {
            tracing::warn!(chart = id, error = %e, "chart not drawn");
            return None;
        }
        root.present().ok()?;
    }
    let mut png = vec![];
    {
        let mut enc = png::Encoder::new(&mut png, WIDTH, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        let mut w = enc.write_header().ok()?;
        w.write_image_data(&buf).ok()?;
    }
    Some(Chart {
        id,
        title: title.to_string(),
        width: WIDTH,
        height,
        png,
    })
}

fn text_style(size: u32, color: &RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(color)
}

/// Text placed by its left edge and vertical centre, so it lines up with the bar beside it.
fn centred(size: u32, color: &RGBColor) -> TextStyle<'static> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    text_style(size, color).pos(Pos::new(HPos::Left, VPos::Center))
}

/// Horizontal bars, one row per group, scaled to the largest row; a legend under the title.
pub fn bars(
    id: &'static str,
    title: &str,
    series: &Series,
    layout: Layout,
    rows: &[BarRow],
) -> Option<Chart> {
    const TOP: i32 = 50;
    const ROW: i32 = 28;
    const LABEL_W: i32 = 170;
    const BAR_W: f64 = 330.0;
    let height = (TOP + ROW * rows.len() as i32 + 8) as u32;
    let extent = |r: &BarRow| match layout {
        Layout::Paired => r.values.iter().copied().fold(0.0, f64::max),
        Layout::Stacked => r.values.iter().map(|v| v.max(0.0)).sum(),
    };
    let max = rows.iter().map(extent).fold(0.0, f64::max).max(1.0);
    render(id, title, height, |root| {
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        root.draw(&Text::new(title.to_string(), (0, 12), centred(15, &INK)))
            .map_err(e)?;
        let mut x = 0;
        for (name, color) in series.names.iter().zip(series.colors) {
            root.draw(&Rectangle::new([(x, 28), (x + 12, 40)], color.filled()))
                .map_err(e)?;
            root.draw(&Text::new(
                name.to_string(),
                (x + 17, 34),
                centred(12, &MUTED),
            ))
            .map_err(e)?;
            x += 30 + 8 * name.chars().count() as i32;
        }
        for (i, r) in rows.iter().enumerate() {
            let y = TOP + ROW * i as i32;
            root.draw(&Text::new(
                truncate(&r.label, 22),
                (0, y + ROW / 2 - 2),
                centred(12, &INK),
            ))
            .map_err(e)?;
            let n = r.values.len().max(1) as i32;
            let mut x0 = LABEL_W as f64;
            let mut end = LABEL_W;
            for (k, (v, color)) in r.values.iter().zip(series.colors).enumerate() {
                let w = BAR_W * v.max(0.0) / max;
                let (left, top, bottom) = match layout {
                    Layout::Paired => {
                        let h = (ROW - 6) / n;
                        let top = y + 1 + h * k as i32;
                        (LABEL_W as f64, top, top + h - 1)
                    }
                    Layout::Stacked => (x0, y + 2, y + ROW - 6),
                };
                let right = (left + w).round() as i32;
                if right > left.round() as i32 {
                    root.draw(&Rectangle::new(
                        [(left.round() as i32, top), (right, bottom)],
                        color.filled(),
                    ))
                    .map_err(e)?;
                }
                x0 += w;
                end = end.max(right);
            }
            root.draw(&Text::new(
                r.note.clone(),
                (end + 6, y + ROW / 2 - 2),
                centred(12, &MUTED),
            ))
            .map_err(e)?;
        }
        Ok(())
    })
}

/// Calls per day over the period: answered (green) under missed (red), with day labels.
pub fn daily(
    id: &'static str,
    title: &str,
    names: [&str; 2],
    days: &[DayFigures],
) -> Option<Chart> {
    let n = days.len();
    if n == 0 {
        return None;
    }
    let ymax = days
        .iter()
        .map(|d| d.calls.max(d.answered + d.missed))
        .max()
        .unwrap_or(0)
        .max(1);
    render(id, title, 260, |root| {
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        let mut chart = ChartBuilder::on(root)
            .caption(title, text_style(15, &INK))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(44)
            // An integer range holds both ends: 0..n-1 is n segments, one a day. The headroom
            // keeps the legend above the bars.
            .build_cartesian_2d((0..n - 1).into_segmented(), 0..ymax + ymax * 3 / 10 + 1)
            .map_err(e)?;
        let step = n.div_ceil(10).max(1);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                plotters::coord::ranged1d::SegmentValue::CenterOf(i) if i % step == 0 => days
                    .get(*i)
                    .map(|d| d.day.format("%d.%m").to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(text_style(11, &MUTED))
            .draw()
            .map_err(e)?;
        let stacked: Vec<(usize, i64)> = days
            .iter()
            .enumerate()
            .map(|(i, d)| (i, d.answered + d.missed))
            .collect();
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(RED.filled())
                    .margin(3)
                    .data(stacked),
            )
            .map_err(e)?
            .label(names[1])
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], RED.filled()));
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(GREEN.filled())
                    .margin(3)
                    .data(days.iter().enumerate().map(|(i, d)| (i, d.answered))),
            )
            .map_err(e)?
            .label(names[0])
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], GREEN.filled()));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(text_style(12, &MUTED))
            .background_style(WHITE.mix(0.8))
            .border_style(LIGHT)
            .draw()
            .map_err(e)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
        let mut r = png::Decoder::new(png).read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size()];
        let info = r.next_frame(&mut buf).unwrap();
        (info.width, info.height, buf)
    }

    fn pixels_of(buf: &[u8], c: RGBColor) -> usize {
        buf.chunks(3).filter(|p| p == &[c.0, c.1, c.2]).count()
    }

    #[test]
    fn bars_are_a_png_whose_bars_scale_with_the_values() {
        let rows = [
            BarRow {
                label: "google / cpc".into(),
                values: vec![1000.0, 250.0],
                note: "1000 / 250".into(),
            },
            BarRow {
                label: "Яндекс.Директ — «весна»".into(),
                values: vec![500.0, 0.0],
                note: "500 / 0".into(),
            },
        ];
        let series = Series {
            names: &["Revenue", "Cost"],
            colors: &colors::REVENUE_COST,
        };
        let c = bars(
            "t",
            "Выручка и расходы (RUB)",
            &series,
            Layout::Paired,
            &rows,
        )
        .unwrap();
        assert_eq!(&c.png[..8], b"\x89PNG\r\n\x1a\n");
        let (w, h, buf) = decode(&c.png);
        assert_eq!((w, h), (c.width, c.height));
        // Revenue 1000 + 500 against cost 250 (plus the legend's two swatches).
        let green = pixels_of(&buf, GREEN) as f64;
        let grey = pixels_of(&buf, GREY) as f64;
        assert!(
            green > 4.0 * grey && green < 8.0 * grey,
            "{green} vs {grey}"
        );
        // Text was drawn: dark pixels other than the bars.
        assert!(
            buf.chunks(3)
                .filter(|p| p[0] < 0x60 && p[1] < 0x60 && p[2] < 0x60)
                .count()
                > 200
        );
    }

    #[test]
    fn a_stacked_row_is_as_long_as_its_sum() {
        let series = Series {
            names: &["a", "b", "c", "d"],
            colors: &colors::OUTCOMES,
        };
        let rows = [BarRow {
            label: "x".into(),
            values: vec![30.0, 10.0, 10.0, 0.0],
            note: String::new(),
        }];
        let c = bars("t", "t", &series, Layout::Stacked, &rows).unwrap();
        let (_, _, buf) = decode(&c.png);
        let (g, a, r) = (
            pixels_of(&buf, GREEN) as f64,
            pixels_of(&buf, AMBER) as f64,
            pixels_of(&buf, RED) as f64,
        );
        assert!(
            (g / a - 3.0).abs() < 0.5 && (a / r - 1.0).abs() < 0.2,
            "{g} {a} {r}"
        );
    }

    #[test]
    fn daily_draws_a_bar_per_day_and_skips_an_empty_period() {
        let day = |d: u32, calls, answered| DayFigures {
            day: chrono::NaiveDate::from_ymd_opt(2026, 9, d).unwrap(),
            calls,
            answered,
            missed: calls - answered,
        };
        let c = daily(
            "d",
            "Calls per day",
            ["answered", "missed"],
            &[day(1, 10, 8), day(2, 0, 0), day(3, 20, 10)],
        )
        .unwrap();
        let (_, h, buf) = decode(&c.png);
        assert_eq!(h, 260);
        assert!(pixels_of(&buf, GREEN) > 0 && pixels_of(&buf, RED) > 0);
        // The days fill the plot: the last day's bar ends near the right edge, no empty slot.
        let rightmost = buf
            .chunks(3)
            .enumerate()
            .filter(|(_, p)| p == &[GREEN.0, GREEN.1, GREEN.2])
            .map(|(i, _)| i as u32 % c.width)
            .max()
            .unwrap();
        assert!(
            rightmost > c.width * 9 / 10,
            "last bar ends at x={rightmost}"
        );
        assert!(daily("d", "x", ["a", "m"], &[day(1, 3, 2)]).is_some());
        assert!(daily("d", "x", ["a", "m"], &[]).is_none());
    }
}
