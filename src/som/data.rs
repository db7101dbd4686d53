//! The samples a map learns from: the pixels of an image (8-bit RGB, or any number of bands of
//! 8 or 16 bits or floats, kept in their own type, never widened to a float copy) or a table of
//! float vectors.

use crate::error::{Error, Result};
use crate::rng::{Domain, StreamKey};

/// The samples, in the form they were given.
#[derive(Debug, Clone)]
pub enum Samples {
    /// Pixels of an RGB image, 3 bytes each, row by row; values 0–255.
    Rgb8 {
        width: usize,
        height: usize,
        bytes: Vec<u8>,
    },
    /// `values.len() / dim` vectors of `dim` floats, row by row.
    Table { dim: usize, values: Vec<f32> },
    /// Pixels of an image of `bands` values each (multispectral, 16-bit, float), row by row;
    /// `dtype` is the type they were given in (float64 is held as float32, as it is computed).
    Image {
        width: usize,
        height: usize,
        bands: usize,
        values: Pixels,
        dtype: PixelType,
    },
}

/// An image's values in their own type.
#[derive(Debug, Clone)]
pub enum Pixels {
    U8(Vec<u8>),
    U16(Vec<u16>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl Pixels {
    pub fn len(&self) -> usize {
        match self {
            Pixels::U8(v) => v.len(),
            Pixels::U16(v) => v.len(),
            Pixels::F32(v) => v.len(),
            Pixels::F64(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `index` as the engine computes with it (float32).
    #[inline]
    pub fn get(&self, index: usize) -> f32 {
        match self {
            Pixels::U8(v) => f32::from(v[index]),
            Pixels::U16(v) => f32::from(v[index]),
            Pixels::F32(v) => v[index],
            Pixels::F64(v) => v[index] as f32,
        }
    }

    /// An empty buffer of `dtype` with room for `capacity` values, or None when the host
    /// cannot provide it.
    pub fn with_capacity(dtype: PixelType, capacity: usize) -> Option<Pixels> {
        fn room<T>(capacity: usize) -> Option<Vec<T>> {
            let mut v = Vec::new();
            v.try_reserve_exact(capacity).ok()?;
            Some(v)
        }
        Some(match dtype {
            PixelType::U8 => Pixels::U8(room(capacity)?),
            PixelType::U16 => Pixels::U16(room(capacity)?),
            PixelType::F32 => Pixels::F32(room(capacity)?),
            PixelType::F64 => Pixels::F64(room(capacity)?),
        })
    }

    /// Appends a node's weights, as [`PixelType::from_weight`] converts them.
    pub fn push_weights(&mut self, weights: &[f32]) {
        match self {
            Pixels::U8(v) => v.extend(weights.iter().map(|&w| w.round().clamp(0.0, 255.0) as u8)),
            Pixels::U16(v) => v.extend(
                weights
                    .iter()
                    .map(|&w| w.round().clamp(0.0, 65535.0) as u16),
            ),
            Pixels::F32(v) => v.extend_from_slice(weights),
            Pixels::F64(v) => v.extend(weights.iter().map(|&w| f64::from(w))),
        }
    }
}

/// The type an image's values were given in, which its segmented copy is returned in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PixelType {
    U8,
    U16,
    F32,
    F64,
}

/// How samples are packed into 32-bit words for the GPU. Keep in sync with shaders/som_bmu.wgsl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum SampleFormat {
    /// One word per pixel: red | green << 8 | blue << 16.
    Rgb8 = 0,
    /// `dim` words per sample, the bits of each f32.
    Float = 1,
}

impl Samples {
    /// The pixels of `image`.
    pub fn from_image(image: image::RgbImage) -> Result<Samples> {
        let (width, height) = (image.width() as usize, image.height() as usize);
        if width == 0 || height == 0 {
            return Err(Error::InvalidData("the image has no pixels".into()));
        }
        Ok(Samples::Rgb8 {
            width,
            height,
            bytes: image.into_raw(),
        })
    }

    /// The pixels of a `width` x `height` image of `bands` values each, row by row: 8-bit RGB
    /// takes the compact [`Samples::Rgb8`] form; float values must be finite.
    pub fn from_pixels(
        width: usize,
        height: usize,
        bands: usize,
        values: Pixels,
        dtype: PixelType,
    ) -> Result<Samples> {
        if width == 0 || height == 0 || bands == 0 {
            return Err(Error::InvalidData(format!(
                "a {height} x {width} x {bands} image has no values"
            )));
        }
        let expected = width.checked_mul(height).and_then(|p| p.checked_mul(bands));
        if expected != Some(values.len()) {
            return Err(Error::InvalidData(format!(
                "{} values for a {height} x {width} x {bands} image",
                values.len()
            )));
        }
        let non_finite = match &values {
            Pixels::F32(floats) => floats.iter().position(|v| !v.is_finite()),
            Pixels::F64(floats) => floats.iter().position(|v| !(*v as f32).is_finite()),
            _ => None,
        };
        if let Some(position) = non_finite {
            return Err(Error::InvalidData(format!(
                "pixel (row {}, column {}) has a value that is not a finite float32 ({}) in band {}",
                position / bands / width,
                position / bands % width,
                values.get(position),
                position % bands
            )));
        }
        Ok(match values {
            Pixels::U8(bytes) if bands == 3 => Samples::Rgb8 {
                width,
                height,
                bytes,
            },
            values => Samples::Image {
                width,
                height,
                bands,
                values,
                dtype,
            },
        })
    }

    /// `values` as vectors of `dim`, refusing empty data, a ragged length and non-finite values.
    pub fn from_table(dim: usize, values: Vec<f32>) -> Result<Samples> {
        Samples::from_table_part(dim, values, 0)
    }

    /// [`Samples::from_table`] for a part of a larger table that starts at sample `first`:
    /// messages number the samples as the whole table does.
    pub fn from_table_part(dim: usize, values: Vec<f32>, first: usize) -> Result<Samples> {
        if dim == 0 || values.is_empty() {
            return Err(Error::InvalidData("the data has no samples".into()));
        }
        if !values.len().is_multiple_of(dim) {
            return Err(Error::InvalidData(format!(
                "{} values do not split into vectors of {dim}",
                values.len()
            )));
        }
        if let Some(position) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "sample {} has a non-finite value ({}) in dimension {}",
                first + position / dim,
                values[position],
                position % dim
            )));
        }
        Ok(Samples::Table { dim, values })
    }

    /// `count` random colours with channels uniform in [0, 1), as seed 003 draws them.
    pub fn random_colours(count: usize, seed: u64) -> Samples {
        let key = StreamKey::new(seed, Domain::SomData, &[]);
        let values = (0..count * 3)
            .map(|index| key.unit_f32(0, index as u32))
            .collect();
        Samples::Table { dim: 3, values }
    }

    pub fn len(&self) -> usize {
        match self {
            Samples::Rgb8 { bytes, .. } => bytes.len() / 3,
            Samples::Table { dim, values } => values.len() / dim,
            Samples::Image { bands, values, .. } => values.len() / bands,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn dim(&self) -> usize {
        match self {
            Samples::Rgb8 { .. } => 3,
            Samples::Table { dim, .. } => *dim,
            Samples::Image { bands, .. } => *bands,
        }
    }

    /// (width, height) when the samples are an image's pixels.
    pub fn image_size(&self) -> Option<(usize, usize)> {
        match self {
            Samples::Rgb8 { width, height, .. } | Samples::Image { width, height, .. } => {
                Some((*width, *height))
            }
            Samples::Table { .. } => None,
        }
    }

    /// Sample `index` as floats, into `out` (of length `dim`).
    #[inline]
    pub fn fill(&self, index: usize, out: &mut [f32]) {
        match self {
            Samples::Rgb8 { bytes, .. } => {
                for (o, &b) in out.iter_mut().zip(&bytes[index * 3..index * 3 + 3]) {
                    *o = f32::from(b);
                }
            }
            Samples::Table { dim, values } => {
                out.copy_from_slice(&values[index * dim..(index + 1) * dim]);
            }
            Samples::Image { bands, values, .. } => {
                for (d, o) in out.iter_mut().enumerate() {
                    *o = values.get(index * bands + d);
                }
            }
        }
    }

    pub fn format(&self) -> SampleFormat {
        match self {
            Samples::Rgb8 { .. } => SampleFormat::Rgb8,
            Samples::Table { .. } | Samples::Image { .. } => SampleFormat::Float,
        }
    }

    /// 32-bit words per sample in the GPU's packing.
    pub fn words_per_sample(&self) -> usize {
        match self {
            Samples::Rgb8 { .. } => 1,
            Samples::Table { dim, .. } => *dim,
            Samples::Image { bands, .. } => *bands,
        }
    }

    /// Appends sample `index` in the GPU's packing to `out`.
    #[inline]
    pub fn pack(&self, index: usize, out: &mut Vec<u32>) {
        match self {
            Samples::Rgb8 { bytes, .. } => {
                let p = &bytes[index * 3..index * 3 + 3];
                out.push(u32::from(p[0]) | u32::from(p[1]) << 8 | u32::from(p[2]) << 16);
            }
            Samples::Table { dim, values } => out.extend(
                values[index * dim..(index + 1) * dim]
                    .iter()
                    .map(|v| v.to_bits()),
            ),
            Samples::Image { bands, values, .. } => {
                out.extend((0..*bands).map(|d| values.get(index * bands + d).to_bits()))
            }
        }
    }

    /// The smallest and largest value of each dimension.
    pub fn bounds(&self) -> (Vec<f32>, Vec<f32>) {
        let dim = self.dim();
        let mut low = vec![f32::INFINITY; dim];
        let mut high = vec![f32::NEG_INFINITY; dim];
        let mut x = vec![0.0; dim];
        for index in 0..self.len() {
            self.fill(index, &mut x);
            for d in 0..dim {
                low[d] = low[d].min(x[d]);
                high[d] = high[d].max(x[d]);
            }
        }
        (low, high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_refuse_nan_and_ragged_lengths() {
        assert!(Samples::from_table(2, vec![1.0, f32::NAN]).is_err());
        assert!(Samples::from_table(2, vec![1.0, 2.0, 3.0]).is_err());
        assert!(Samples::from_table(2, vec![]).is_err());
        assert_eq!(Samples::from_table(2, vec![1.0; 6]).unwrap().len(), 3);
    }

    #[test]
    fn pixels_pack_into_one_word() {
        let image = image::RgbImage::from_raw(1, 1, vec![1, 2, 3]).unwrap();
        let samples = Samples::from_image(image).unwrap();
        let mut words = Vec::new();
        samples.pack(0, &mut words);
        assert_eq!(words, vec![0x0003_0201]);
    }
}
