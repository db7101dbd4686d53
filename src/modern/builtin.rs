//! The stored set `builtin`: 96 greyscale tiles of the photo the repository carries (kodim23), for
//! trying retrieval without data of one's own and for the README's pictures.

use crate::error::{Error, Result};
use crate::hopfield::GridShape;

/// The tiles' shape: 32 x 32 grey values in [−1, 1] (0 is mid-grey, what a mask leaves).
pub const TILE: GridShape = GridShape {
    width: 32,
    height: 32,
};

/// 96 tiles: the photo halved (384 x 256) and cut into 12 x 8 tiles, row by row. Returns the
/// patterns (96 x 1024, row-major) and their count.
pub fn builtin_tiles() -> Result<(Vec<f32>, usize)> {
    let photo = image::load_from_memory(include_bytes!("../../assets/photos/kodim23.png"))
        .map_err(|err| Error::InvalidData(format!("the built-in photo: {err}")))?
        .resize_exact(384, 256, image::imageops::FilterType::Triangle)
        .to_luma8();
    let (columns, rows) = (384 / TILE.width as u32, 256 / TILE.height as u32);
    let mut patterns = Vec::with_capacity((columns * rows) as usize * TILE.width * TILE.height);
    for ty in 0..rows {
        for tx in 0..columns {
            for y in 0..TILE.height as u32 {
                for x in 0..TILE.width as u32 {
                    let grey = photo.get_pixel(tx * 32 + x, ty * 32 + y).0[0];
                    patterns.push(f32::from(grey) / 127.5 - 1.0);
                }
            }
        }
    }
    Ok((patterns, (columns * rows) as usize))
}
