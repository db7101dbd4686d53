//! Reading photos as 8-bit RGB, with a clear error for anything that is not one.

use std::path::Path;

use crate::error::{Error, Result};

/// The most pixels an image may have: its 8-bit RGB form, labels and segmented copy must fit in
/// host memory (about 10 bytes a pixel).
pub const MAX_PIXELS: u64 = 1 << 30;

/// Reads `path` as 8-bit RGB (alpha dropped, 16-bit reduced), refusing empty and huge images.
pub fn read_rgb_image(path: &Path) -> Result<image::RgbImage> {
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
    let mut reader = open()?;
    // The decoder's default allocation cap (512 MiB) would refuse images that do fit: allow the
    // decoded image at up to 8 bytes a pixel (16-bit RGBA) and no more.
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(pixels * 8 + (64 << 20));
    reader.limits(limits);
    let decoded = reader.decode().map_err(unreadable)?;
    Ok(match decoded {
        image::DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.into_rgb8(),
    })
}
