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
    // The decoded image (3 bytes a pixel) and what the commands make of it (labels, a segmented
    // copy, a pattern: at most 8 more bytes a pixel) must fit before anything is decoded.
    crate::limits::check_host_memory(
        &format!("{}: {width}x{height} pixels", path.display()),
        pixels.checked_mul(11),
    )?;
    let mut reader = open()?;
    // The decoder's default allocation cap (512 MiB) would refuse images that do fit: allow the
    // decoded image at up to 8 bytes a pixel (16-bit RGBA) and no more.
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(pixels * 8 + (64 << 20));
    reader.limits(limits);
    let format = reader.format();
    let decoded = reader.decode().map_err(unreadable)?;
    if format == Some(image::ImageFormat::Jpeg) {
        check_jpeg_complete(path)?;
    }
    Ok(match decoded {
        image::DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.into_rgb8(),
    })
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
