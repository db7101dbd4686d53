//! Plots and labelled figures, drawn with plotters into memory and written as PNG.
//! The font (DejaVu Sans) is embedded so plots look the same on every machine.

use std::path::Path;
use std::sync::Once;

use image::RgbImage;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::picture::{neuron_colour, write_png};
use crate::error::{Error, Result};
use crate::hopfield::{GridShape, Polarity};

const FONT: &str = "sans-serif";
static REGISTER_FONT: Once = Once::new();

fn register_font() {
    REGISTER_FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        // The embedded font is known to be valid; a failure would only lose the text.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, bytes);
    });
}

/// One line of a chart.
pub struct Series {
    pub label: String,
    pub values: Vec<f64>,
}

/// One panel of a grid of charts.
pub struct Panel {
    pub title: String,
    pub series: Vec<Series>,
}

/// A palette that tells up to ten lines apart.
fn series_colour(index: usize) -> RGBColor {
    const PALETTE: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    PALETTE[index % PALETTE.len()]
}

fn render<F>(path: &Path, (width, height): (u32, u32), draw: F) -> Result<()>
where
    F: FnOnce(&DrawingArea<BitMapBackend, Shift>) -> Result<(), Box<dyn std::error::Error>>,
{
    register_font();
    let mut buffer = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(|err| err.to_string().into())
            .and_then(|_| draw(&root))
            .and_then(|_| root.present().map_err(|err| err.to_string().into()));
        drawn.map_err(|err| Error::Render {
            path: path.to_path_buf(),
            message: err.to_string(),
        })?;
    }
    let image = RgbImage::from_raw(width, height, buffer).expect("buffer matches the drawing size");
    write_png(path, &image)
}

fn value_range(series: &[Series]) -> (f64, f64) {
    let values = series.iter().flat_map(|s| s.values.iter().copied());
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((high - low) * 0.05)
        .max(1e-9)
        .max(high.abs().max(low.abs()) * 1e-6);
    (low - pad, high + pad)
}

fn draw_panel(
    area: &DrawingArea<BitMapBackend, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    title_size: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let longest = series
        .iter()
        .map(|s| s.values.len())
        .max()
        .unwrap_or(1)
        .max(2);
    let (low, high) = value_range(series);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, title_size))
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..(longest - 1) as f64, low..high)?;
    let y_decimals = if high - low >= 20.0 { 0 } else { 3 };
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.y_decimals$}"))
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    for (index, line) in series.iter().enumerate() {
        let colour = series_colour(index);
        let points: Vec<(f64, f64)> = line
            .values
            .iter()
            .enumerate()
            .map(|(x, &y)| (x as f64, y))
            .collect();
        let drawn = chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?;
        if series.len() > 1 {
            drawn.label(line.label.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
        }
        if points.len() <= 60 {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
        }
    }
    if series.len() > 1 {
        chart
            .configure_series_labels()
            .label_font((FONT, 12))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
    }
    Ok(())
}

/// A single chart of several lines against their index.
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<()> {
    render(path, (900, 600), |root| {
        draw_panel(root, title, x_label, y_label, series, 22)
    })
}

/// Small multiples: one chart per panel, `columns` to a row (seed 003's 3x4 energy figure).
pub fn chart_grid(
    path: &Path,
    panels: &[Panel],
    columns: usize,
    x_label: &str,
    y_label: &str,
) -> Result<()> {
    let columns = columns.max(1);
    let rows = panels.len().div_ceil(columns).max(1);
    render(path, (columns as u32 * 380, rows as u32 * 300), |root| {
        let areas = root.split_evenly((rows, columns));
        for (panel, area) in panels.iter().zip(areas.iter()) {
            draw_panel(area, &panel.title, x_label, y_label, &panel.series, 16)?;
        }
        Ok(())
    })
}

/// One row of a pattern figure: a label and captioned states.
pub struct FigureRow {
    pub label: String,
    pub cells: Vec<(String, Vec<i8>)>,
}

/// A labelled grid of pattern pictures (for example stored | noisy | recalled per case).
pub fn pattern_figure(
    path: &Path,
    rows: &[FigureRow],
    shape: GridShape,
    polarity: Polarity,
) -> Result<()> {
    let scale = (120 / shape.width.max(shape.height).max(1) as i32).max(1);
    let (cell_w, cell_h) = (shape.width as i32 * scale, shape.height as i32 * scale);
    let columns = rows.iter().map(|r| r.cells.len()).max().unwrap_or(1) as i32;
    let (label_w, caption_h, gap) = (150, 20, 14);
    let width = label_w + columns * (cell_w + gap) + gap;
    let height = rows.len() as i32 * (cell_h + caption_h + gap) + gap;
    render(path, (width as u32, height as u32), |root| {
        let caption_style = TextStyle::from((FONT, 14).into_font()).color(&BLACK);
        let label_style = TextStyle::from((FONT, 16).into_font()).color(&BLACK);
        for (r, row) in rows.iter().enumerate() {
            let top = gap + r as i32 * (cell_h + caption_h + gap);
            root.draw_text(
                &row.label,
                &label_style,
                (8, top + caption_h + cell_h / 2 - 8),
            )?;
            for (c, (caption, state)) in row.cells.iter().enumerate() {
                let left = label_w + c as i32 * (cell_w + gap);
                root.draw_text(caption, &caption_style, (left, top))?;
                let image_top = top + caption_h;
                for y in 0..shape.height {
                    for x in 0..shape.width {
                        let Rgb([red, green, blue]) =
                            neuron_colour(state[y * shape.width + x], polarity);
                        let x0 = left + x as i32 * scale;
                        let y0 = image_top + y as i32 * scale;
                        root.draw(&Rectangle::new(
                            [(x0, y0), (x0 + scale, y0 + scale)],
                            RGBColor(red, green, blue).filled(),
                        ))?;
                    }
                }
                root.draw(&Rectangle::new(
                    [
                        (left - 1, image_top - 1),
                        (left + cell_w, image_top + cell_h),
                    ],
                    RGBColor(120, 120, 120).stroke_width(1),
                ))?;
            }
        }
        Ok(())
    })
}

use image::Rgb;
