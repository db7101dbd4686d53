//! Reading photos: as 8-bit RGB (colour clustering, patterns), or as a map's samples in their
//! own depth and bands (16-bit PNG and TIFF, float TIFF, H x W x D .npy arrays), with a clear
//! error for anything that is not an image.

use std::path::Path;

use crate::error::{Error, Result};
use crate::som::{PixelType, Pixels, Samples};

/// The most pixels an image may have: its 8-bit RGB form, labels and segmented copy must fit in
/// host memory (about 10 bytes a pixel).
pub const MAX_PIXELS: u64 = 1 << 30;

/// Reads `path` as 8-bit RGB (alpha dropped, 16-bit reduced), refusing empty and huge images.
pub fn read_rgb_image(path: &Path) -> Result<image::RgbImage> {
    Ok(match decode(path)? {
        image::DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.into_rgb8(),
    })
}

/// Reads `path` as a map's samples: an H x W x D `.npy` array of uint8, uint16, float32 or
/// float64 values; a 16-bit image (grey, grey and alpha, RGB, RGBA: 1 to 4 bands of uint16) or
/// a float TIFF (float32 RGB or RGBA) in its own depth; any other image as 8-bit RGB.
pub fn read_image_samples(path: &Path) -> Result<Samples> {
    if super::npy::is_npy_path(path) {
        return read_npy_image(path);
    }
    let decoded = decode(path)?;
    let (width, height) = (decoded.width() as usize, decoded.height() as usize);
    let of = |bands: usize, values: Pixels, dtype: PixelType| {
        Samples::from_pixels(width, height, bands, values, dtype)
            .map_err(|err| Error::bad_input(path, err.to_string()))
    };
    use image::DynamicImage as Image;
    match decoded {
        Image::ImageLuma16(grey) => of(1, Pixels::U16(grey.into_raw()), PixelType::U16),
        Image::ImageLumaA16(grey) => of(2, Pixels::U16(grey.into_raw()), PixelType::U16),
        Image::ImageRgb16(rgb) => of(3, Pixels::U16(rgb.into_raw()), PixelType::U16),
        Image::ImageRgba16(rgba) => of(4, Pixels::U16(rgba.into_raw()), PixelType::U16),
        Image::ImageRgb32F(rgb) => of(3, Pixels::F32(rgb.into_raw()), PixelType::F32),
        Image::ImageRgba32F(rgba) => of(4, Pixels::F32(rgba.into_raw()), PixelType::F32),
        other => Ok(Samples::from_image(other.into_rgb8())?),
    }
}

/// An H x W x D `.npy` image in its own type.
fn read_npy_image(path: &Path) -> Result<Samples> {
    let array = super::npy::read_npy(path)?;
    let [height, width, bands] = array.shape[..] else {
        return Err(Error::bad_input(
            path,
            format!(
                "an image array has shape (height, width, bands), not {:?}",
                array.shape
            ),
        ));
    };
    let values = array.values;
    let (pixels, dtype) = match array.dtype.as_str() {
        "|u1" | "<u1" => (
            Pixels::U8(values.iter().map(|&v| v as u8).collect()),
            PixelType::U8,
        ),
        "<u2" => (
            Pixels::U16(values.iter().map(|&v| v as u16).collect()),
            PixelType::U16,
        ),
        "<f4" => (
            Pixels::F32(values.iter().map(|&v| v as f32).collect()),
            PixelType::F32,
        ),
        "<f8" => (Pixels::F64(values), PixelType::F64),
        other => {
            return Err(Error::bad_input(
                path,
                format!(
                "an image array must hold uint8, uint16, float32 or float64 values, not {other}"
            ),
            ))
        }
    };
    Samples::from_pixels(width, height, bands, pixels, dtype)
        .map_err(|err| Error::bad_input(path, err.to_string()))
}

/// Decodes `path`, refusing empty and huge images before anything is decoded.
fn decode(path: &Path) -> Result<image::DynamicImage> {
    let open = || {
        image::ImageReader::open(path)
            .map_err(|err| Error::io(path, err))?
            .with_guessed_format()
            .map_err(|err| Error::io(path, err))
    };
    let unreadable =
        |err: image::ImageError| Error::bad_input(path, format!("unreadable image ({err})"));
    let (width, height) = open()?.into_dimensions().map_err(unreadable)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels == 0 {
        return Err(Error::bad_input(path, "the image has no pixels"));
    }
    if pixels > MAX_PIXELS {
        return Err(Error::TooLarge(format!(
            "{}: {width}x{height} is {pixels} pixels; at most {MAX_PIXELS} are supported",
            path.display()
        )));
    }
    // The decoded image (3 bytes a pixel) and what the commands make of it (labels, a segmented
    // copy, a pattern: at most 8 more bytes a pixel) must fit before anything is decoded.
    crate::limits::check_host_memory(
        &format!("{}: {width}x{height} pixels", path.display()),
        pixels.checked_mul(11),
    )?;
    let mut reader = open()?;
    // The decoder's default allocation cap (512 MiB) would refuse images that do fit: allow the
    // decoded image at up to 16 bytes a pixel (float RGBA) and no more.
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(pixels * 16 + (64 << 20));
    reader.limits(limits);
    let format = reader.format();
    let decoded = reader.decode().map_err(unreadable)?;
    if format == Some(image::ImageFormat::Jpeg) {
        check_jpeg_complete(path)?;
    }
    Ok(decoded)
}

/// The JPEG decoder fills a truncated file's missing rows with grey and reports success; a
/// complete JPEG ends with its EOI marker (FF D9), which cannot occur inside the entropy-coded
/// data (0xFF is stuffed there). Looked for in the last 64 KiB, which leaves room for the
/// trailing bytes some cameras append.
fn check_jpeg_complete(path: &Path) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    const TAIL: u64 = 64 << 10;
    let mut file = std::fs::File::open(path).map_err(|err| Error::io(path, err))?;
    let length = file.metadata().map_err(|err| Error::io(path, err))?.len();
    file.seek(SeekFrom::Start(length.saturating_sub(TAIL)))
        .map_err(|err| Error::io(path, err))?;
    let mut tail = Vec::new();
    file.take(TAIL)
        .read_to_end(&mut tail)
        .map_err(|err| Error::io(path, err))?;
    if tail.windows(2).any(|pair| pair == [0xff, 0xd9]) {
        Ok(())
    } else {
        Err(Error::bad_input(
            path,
            "truncated JPEG: the file ends before its end-of-image marker",
        ))
    }
}
