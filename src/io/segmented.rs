//! A segmented image on disk, whatever its bands and depth: `segmented.npy` in the image's own
//! type, and `segmented.png`, in false colour where the image is not 8-bit RGB.
//!
//! The false-colour rule: bands 1, 2 and 3 become red, green and blue (one band is grey, two
//! leave blue at 0, bands past the third are not shown), each scaled from its own smallest to
//! its largest value in the picture onto 0–255 (a band of one value is 0).

use std::path::{Path, PathBuf};

use image::RgbImage;

use super::npy::write_npy;
use super::picture::write_png;
use crate::error::Result;
use crate::som::Pixels;

/// `pixels` (width x height pixels of `bands` values, row by row) in false colour.
pub fn false_colour(width: usize, height: usize, bands: usize, pixels: &Pixels) -> RgbImage {
    let shown = bands.min(3);
    let mut low = vec![f32::INFINITY; shown];
    let mut high = vec![f32::NEG_INFINITY; shown];
    for pixel in 0..width * height {
        for band in 0..shown {
            let value = pixels.get(pixel * bands + band);
            low[band] = low[band].min(value);
            high[band] = high[band].max(value);
        }
    }
    let mut bytes = Vec::with_capacity(width * height * 3);
    for pixel in 0..width * height {
        let mut colour = [0u8; 3];
        for band in 0..shown {
            let span = high[band] - low[band];
            let value = pixels.get(pixel * bands + band);
            colour[band] = if span > 0.0 {
                ((value - low[band]) / span * 255.0)
                    .round()
                    .clamp(0.0, 255.0) as u8
            } else {
                0
            };
        }
        if shown == 1 {
            colour = [colour[0]; 3];
        }
        bytes.extend_from_slice(&colour);
    }
    RgbImage::from_raw(width as u32, height as u32, bytes).expect("three bytes a pixel")
}

/// Writes `segmented.npy` (height x width x bands, the image's type) and `segmented.png` (false
/// colour) into `out`; returns the paths written.
pub fn write_segmented(
    out: &Path,
    width: usize,
    height: usize,
    bands: usize,
    pixels: &Pixels,
) -> Result<Vec<PathBuf>> {
    let (npy, png) = (out.join("segmented.npy"), out.join("segmented.png"));
    let shape = [height, width, bands];
    match pixels {
        Pixels::U8(v) => write_npy(&npy, &shape, v)?,
        Pixels::U16(v) => write_npy(&npy, &shape, v)?,
        Pixels::F32(v) => write_npy(&npy, &shape, v)?,
        Pixels::F64(v) => write_npy(&npy, &shape, v)?,
    }
    write_png(&png, &false_colour(width, height, bands, pixels))?;
    Ok(vec![npy, png])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_stretched_onto_their_own_range() {
        // Two pixels of four bands: the first three are shown, each stretched to 0–255.
        let pixels = Pixels::U16(vec![100, 7, 5, 9, 300, 7, 6, 9]);
        let picture = false_colour(2, 1, 4, &pixels);
        assert_eq!(picture.into_raw(), vec![0, 0, 0, 255, 0, 255]);
        let grey = false_colour(2, 1, 1, &Pixels::F32(vec![-1.0, 1.0]));
        assert_eq!(grey.into_raw(), vec![0, 0, 0, 255, 255, 255]);
    }
}
