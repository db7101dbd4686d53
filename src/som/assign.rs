//! Applying a map to data: every sample's winner, and for images the segmented picture (each
//! pixel replaced by its winner's colour) with its PSNR against the original. The work streams
//! in tiles, so memory holds the 8-bit image, the labels and the segmented image and nothing of
//! the image's size in floats.

use super::bmu::for_each_match;
use super::codebook::Codebook;
use super::data::{Pixels, Samples};
use super::metrics::{psnr, MapQuality};
use super::params::Metric;
use crate::backend::Backend;
use crate::error::Result;
use crate::progress::Progress;

/// The result of applying a map to samples.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The winning node of each sample.
    pub labels: Vec<u32>,
    pub qe: f64,
    pub te: f64,
    /// Samples won by each node.
    pub hits: Vec<u64>,
    /// For 8-bit RGB images: the segmented picture and its PSNR against the original in dB.
    pub segmented: Option<SegmentedImage>,
    /// For images of other bands or types: every pixel replaced by its winner's weights, in
    /// the image's own type (rounded and clamped for integers), row by row.
    pub segmented_pixels: Option<Pixels>,
}

#[derive(Debug, Clone)]
pub struct SegmentedImage {
    pub image: image::RgbImage,
    pub psnr: f64,
}

/// A node's weights as an 8-bit colour: rounded, clamped to 0–255.
pub fn node_colour(weights: &[f32]) -> [u8; 3] {
    let mut colour = [0u8; 3];
    for (c, &w) in colour.iter_mut().zip(weights) {
        *c = w.round().clamp(0.0, 255.0) as u8;
    }
    colour
}

/// Every sample's winner under `metric`, on `backend`, advancing `progress` by the samples done.
pub fn assign(
    backend: &Backend,
    codebook: &Codebook,
    metric: Metric,
    samples: &Samples,
    progress: &dyn Progress,
) -> Result<Assignment> {
    let mut quality = MapQuality::new(codebook.grid.nodes());
    let mut labels = Vec::new();
    labels
        .try_reserve_exact(samples.len())
        .map_err(|_| crate::Error::TooLarge(format!("labels for {} samples", samples.len())))?;
    let image_bytes = match samples {
        Samples::Rgb8 { bytes, .. } if codebook.dim == 3 => Some(bytes),
        _ => None,
    };
    let palette: Vec<[u8; 3]> = codebook
        .weights
        .chunks_exact(codebook.dim)
        .map(node_colour)
        .collect();
    let mut segmented_pixels = match samples {
        Samples::Image { dtype, bands, .. } if *bands == codebook.dim => Some(
            Pixels::with_capacity(*dtype, samples.len() * bands).ok_or_else(|| {
                crate::Error::TooLarge(format!("a segmented image of {} pixels", samples.len()))
            })?,
        ),
        _ => None,
    };
    let mut segmented = Vec::new();
    let mut squared_error = 0.0f64;
    if image_bytes.is_some() {
        segmented
            .try_reserve_exact(samples.len() * 3)
            .map_err(|_| {
                crate::Error::TooLarge(format!("a segmented image of {} pixels", samples.len()))
            })?;
    }
    for_each_match(backend, codebook, metric, samples, &mut |first, matches| {
        quality.add(codebook, samples, first, matches);
        progress.advance(matches.len() as u64);
        progress.check()?;
        labels.extend(matches.iter().map(|m| m.best));
        if let Some(pixels) = segmented_pixels.as_mut() {
            for m in matches {
                pixels.push_weights(codebook.node(m.best as usize));
            }
        }
        if let Some(bytes) = image_bytes {
            for (k, m) in matches.iter().enumerate() {
                let colour = palette[m.best as usize];
                let original = &bytes[(first + k) * 3..(first + k) * 3 + 3];
                for (&o, &c) in original.iter().zip(&colour) {
                    let d = f64::from(o) - f64::from(c);
                    squared_error += d * d;
                }
                segmented.extend_from_slice(&colour);
            }
        }
        Ok(())
    })?;
    let segmented = match samples.image_size() {
        Some((width, height)) if image_bytes.is_some() => Some(SegmentedImage {
            image: image::RgbImage::from_raw(width as u32, height as u32, segmented)
                .expect("one colour per pixel"),
            psnr: psnr(squared_error, samples.len() as u64 * 3),
        }),
        _ => None,
    };
    Ok(Assignment {
        labels,
        qe: quality.quantization_error(),
        te: quality.topographic_error(),
        hits: quality.hits().to_vec(),
        segmented,
        segmented_pixels,
    })
}
