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
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A line of `values` against their index 0, 1, 2, ...
    pub fn indexed(label: impl Into<String>, values: &[f64]) -> Self {
        Series {
            label: label.into(),
            points: values
                .iter()
                .enumerate()
                .map(|(x, &y)| (x as f64, y))
                .collect(),
        }
    }
}

/// One chart: a title, axis names and lines.
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// A fixed y range (for fractions, 0 to 1), or None to fit the data.
    pub y_range: Option<(f64, f64)>,
    /// Draw y on a log10 scale (points with y <= 0 are left out).
    pub log_y: bool,
    /// Draw x on a log10 scale (points with x <= 0 are left out; a marker's x too).
    pub log_x: bool,
    /// A labelled vertical line, for example a critical value.
    pub marker: Option<(f64, String)>,
    /// Put the legend in the lower right corner instead of the upper right.
    pub legend_low: bool,
}

impl Chart {
    /// A linear chart fitted to its data.
    pub fn new(title: &str, x_label: &str, y_label: &str, series: Vec<Series>) -> Self {
        Chart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series,
            y_range: None,
            log_y: false,
            log_x: false,
            marker: None,
            legend_low: false,
        }
    }
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

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn render<F>(path: &Path, (width, height): (u32, u32), draw: F) -> Result<()>
where
    F: FnOnce(&DrawingArea<BitMapBackend, Shift>) -> DrawResult,
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

/// The (low, high) of `values` with a little room, or (0, 1) when there are none.
fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
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

fn draw_chart(
    area: &DrawingArea<BitMapBackend, Shift>,
    spec: &Chart,
    title_size: u32,
) -> DrawResult {
    // A log scale is drawn as log10 of the values, with the ticks labelled in the values' units.
    let transform = |y: f64| if spec.log_y { y.log10() } else { y };
    let transform_x = |x: f64| if spec.log_x { x.log10() } else { x };
    let lines: Vec<Vec<(f64, f64)>> = spec
        .series
        .iter()
        .map(|line| {
            line.points
                .iter()
                .filter(|p| p.1.is_finite() && (!spec.log_y || p.1 > 0.0))
                .filter(|p| !spec.log_x || p.0 > 0.0)
                .map(|&(x, y)| (transform_x(x), transform(y)))
                .collect()
        })
        .collect();
    let (x_low, x_high) = padded_range(lines.iter().flatten().map(|p| p.0));
    let (low, high) = spec
        .y_range
        .map(|(a, b)| (transform(a), transform(b)))
        .unwrap_or_else(|| padded_range(lines.iter().flatten().map(|p| p.1)));
    let mut chart = ChartBuilder::on(area)
        .caption(&spec.title, (FONT, title_size))
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(64)
        .build_cartesian_2d(x_low..x_high, low..high)?;
    let y_decimals = if high - low >= 20.0 { 0 } else { 3 };
    let x_decimals = if x_high - x_low >= 8.0 { 0 } else { 3 };
    let log_y = spec.log_y;
    let log_x = spec.log_x;
    let x_format = move |x: &f64| {
        if log_x {
            format!("{:.0}", 10f64.powf(*x))
        } else {
            format!("{x:.x_decimals$}")
        }
    };
    let y_format = move |y: &f64| {
        if log_y {
            format!("{:.0e}", 10f64.powf(*y))
        } else {
            // Rounding and adding 0.0 turn -0.0 into 0.0, so no axis shows "-0.000".
            format!("{:.y_decimals$}", (y * 1e6).round() / 1e6 + 0.0)
        }
    };
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .x_desc(spec.x_label.as_str())
        .y_desc(spec.y_label.as_str())
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    if let Some((x, label)) = &spec.marker {
        let x = &transform_x(*x);
        let grey = RGBColor(110, 110, 110);
        chart.draw_series(LineSeries::new(
            [(*x, low), (*x, high)],
            grey.stroke_width(1),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            label.clone(),
            (*x, high - (high - low) * 0.03),
            (FONT, 13).into_font().color(&grey),
        )))?;
    }
    let labelled = spec.series.len() > 1;
    for (index, (line, points)) in spec.series.iter().zip(&lines).enumerate() {
        let colour = series_colour(index);
        let drawn = chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?;
        if labelled {
            drawn.label(line.label.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
        }
        if points.len() <= 60 {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
        }
    }
    if labelled {
        chart
            .configure_series_labels()
            .label_font((FONT, 12))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(if spec.legend_low {
                SeriesLabelPosition::LowerRight
            } else {
                SeriesLabelPosition::UpperRight
            })
            .draw()?;
    }
    Ok(())
}

/// One chart in a picture of its own.
pub fn line_chart(path: &Path, chart: &Chart) -> Result<()> {
    render(path, (900, 600), |root| draw_chart(root, chart, 22))
}

/// Charts side by side in one picture.
pub fn side_by_side_charts(path: &Path, charts: &[Chart]) -> Result<()> {
    let count = charts.len().max(1);
    render(path, (760 * count as u32, 560), |root| {
        for (chart, area) in charts.iter().zip(root.split_evenly((1, count)).iter()) {
            draw_chart(area, chart, 20)?;
        }
        Ok(())
    })
}

/// Small multiples: `columns` charts to a row (seed 003's 3x4 energy figure).
pub fn chart_grid(path: &Path, charts: &[Chart], columns: usize) -> Result<()> {
    let columns = columns.max(1);
    let rows = charts.len().div_ceil(columns).max(1);
    render(path, (columns as u32 * 380, rows as u32 * 300), |root| {
        for (chart, area) in charts.iter().zip(root.split_evenly((rows, columns)).iter()) {
            draw_chart(area, chart, 16)?;
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

/// A picture with a caption above it, one panel of a [`panel_figure`].
pub struct Panel {
    pub caption: String,
    pub image: RgbImage,
}

/// Pictures in a grid of `columns`, each under its caption, on white.
pub fn panel_figure(path: &Path, panels: &[Panel], columns: usize) -> Result<()> {
    let columns = columns.clamp(1, panels.len().max(1));
    let rows = panels.len().div_ceil(columns).max(1);
    let cell_w = panels.iter().map(|p| p.image.width()).max().unwrap_or(1);
    let cell_h = panels.iter().map(|p| p.image.height()).max().unwrap_or(1);
    let (caption_h, gap) = (24u32, 12u32);
    let width = columns as u32 * (cell_w + gap) + gap;
    let height = rows as u32 * (cell_h + caption_h + gap) + gap;
    let mut canvas = RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255]));
    let origin = |k: usize| {
        let (column, row) = ((k % columns) as u32, (k / columns) as u32);
        (
            gap + column * (cell_w + gap),
            gap + row * (cell_h + caption_h + gap),
        )
    };
    for (k, panel) in panels.iter().enumerate() {
        let (x, y) = origin(k);
        image::imageops::replace(
            &mut canvas,
            &panel.image,
            i64::from(x),
            i64::from(y + caption_h),
        );
    }
    register_font();
    let mut buffer = canvas.into_raw();
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        let style = TextStyle::from((FONT, 16).into_font()).color(&BLACK);
        let drawn: DrawResult = panels.iter().enumerate().try_for_each(|(k, panel)| {
            let (x, y) = origin(k);
            root.draw_text(&panel.caption, &style, (x as i32, y as i32 + 2))
                .map_err(|err| err.to_string().into())
        });
        drawn
            .and_then(|_| root.present().map_err(|err| err.to_string().into()))
            .map_err(|err| Error::Render {
                path: path.to_path_buf(),
                message: err.to_string(),
            })?;
    }
    let image = RgbImage::from_raw(width, height, buffer).expect("buffer matches the canvas");
    write_png(path, &image)
}
