//! Pictures of bipolar states: PNG stills and GIF animations.

use image::{Rgb, RgbImage};

use super::output::write_bytes;
use crate::error::{Error, Result};
use crate::hopfield::{GridShape, Polarity};
use std::path::Path;

/// The grey level of a neuron in pictures.
pub fn neuron_colour(value: i8, polarity: Polarity) -> Rgb<u8> {
    let dark = match polarity {
        Polarity::PositiveDark => value > 0,
        Polarity::PositiveBright => value < 0,
    };
    if dark {
        Rgb([0, 0, 0])
    } else {
        Rgb([255, 255, 255])
    }
}

/// A picture of `shape` cells, each a `scale` x `scale` square in the colour `colour` gives
/// its index (row by row).
fn cells(shape: GridShape, scale: u32, colour: impl Fn(usize) -> Rgb<u8>) -> RgbImage {
    let scale = scale.max(1);
    RgbImage::from_fn(
        shape.width as u32 * scale,
        shape.height as u32 * scale,
        |x, y| colour((y / scale) as usize * shape.width + (x / scale) as usize),
    )
}

/// A state drawn as a picture, each neuron a `scale` x `scale` square.
pub fn state_image(state: &[i8], shape: GridShape, polarity: Polarity, scale: u32) -> RgbImage {
    cells(shape, scale, |cell| neuron_colour(state[cell], polarity))
}

/// Pictures side by side, separated by a grey gap.
pub fn side_by_side(images: &[RgbImage], gap: u32) -> RgbImage {
    arranged(images, gap, true)
}

/// Continuous values drawn as grey (−1 black, +1 white, clamped beyond), each a `scale` x
/// `scale` square.
pub fn grey_image(values: &[f32], shape: GridShape, scale: u32) -> RgbImage {
    cells(shape, scale, |cell| {
        let grey = ((values[cell].clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8;
        Rgb([grey, grey, grey])
    })
}

/// Pictures one above the other, separated by a grey gap.
pub fn stacked(images: &[RgbImage], gap: u32) -> RgbImage {
    arranged(images, gap, false)
}

/// Pictures in a row (`across`) or a column, separated by a grey gap.
fn arranged(images: &[RgbImage], gap: u32, across: bool) -> RgbImage {
    type Side = fn(&RgbImage) -> u32;
    let (along, beside): (Side, Side) = if across {
        (RgbImage::width, RgbImage::height)
    } else {
        (RgbImage::height, RgbImage::width)
    };
    let thickness = images.iter().map(beside).max().unwrap_or(0);
    let length =
        images.iter().map(along).sum::<u32>() + gap * images.len().saturating_sub(1) as u32;
    let (width, height) = if across {
        (length, thickness)
    } else {
        (thickness, length)
    };
    let mut canvas = RgbImage::from_pixel(width.max(1), height.max(1), Rgb([160, 160, 160]));
    let mut at = 0;
    for image in images {
        let (x, y) = if across { (at, 0) } else { (0, at) };
        image::imageops::replace(&mut canvas, image, i64::from(x), i64::from(y));
        at += along(image) + gap;
    }
    canvas
}

/// A scale that makes a grid of `shape` about `target` pixels on its longer side.
pub fn scale_for(shape: GridShape, target: u32) -> u32 {
    (target / shape.width.max(shape.height).max(1) as u32).clamp(1, 32)
}

/// Writes a PNG, atomically.
pub fn write_png(path: &Path, image: &RgbImage) -> Result<()> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|err| Error::Render {
            path: path.to_path_buf(),
            message: err.to_string(),
        })?;
    write_bytes(path, &bytes)
}

/// Writes an animated GIF that plays `frames` once each `delay_ms` and then loops, atomically.
/// The last frame is held a second so the result can be seen.
pub fn write_gif(path: &Path, frames: &[RgbImage], delay_ms: u32) -> Result<()> {
    let render_err = |err: image::ImageError| Error::Render {
        path: path.to_path_buf(),
        message: err.to_string(),
    };
    let mut bytes = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new_with_speed(&mut bytes, 10);
        encoder
            .set_repeat(image::codecs::gif::Repeat::Infinite)
            .map_err(render_err)?;
        for (index, frame) in frames.iter().enumerate() {
            let delay = if index + 1 == frames.len() {
                1000
            } else {
                delay_ms
            };
            let rgba = image::DynamicImage::ImageRgb8(frame.clone()).into_rgba8();
            let frame =
                image::Frame::from_parts(rgba, 0, 0, image::Delay::from_numer_denom_ms(delay, 1));
            encoder.encode_frame(frame).map_err(render_err)?;
        }
    }
    write_bytes(path, &bytes)
}

/// At most `limit` evenly spaced indices of `0..count`, always including the first and the last.
pub fn sample_frames(count: usize, limit: usize) -> Vec<usize> {
    if count <= limit || limit < 2 {
        return (0..count).collect();
    }
    let mut picked: Vec<usize> = (0..limit).map(|k| k * (count - 1) / (limit - 1)).collect();
    picked.dedup();
    picked
}
