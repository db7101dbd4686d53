//! Reading bipolar patterns from text, grid text, images and `.npy` arrays.
//!
//! - Text: one pattern per line, values +1/-1 (or 1/-1) separated by commas or whitespace.
//! - Grid text: one pattern per file, rows of `#` (+1) and `.` (-1), as the seed patterns.
//! - Images (PNG, JPEG, BMP, GIF): one pattern per file, +1 where a pixel is brighter than
//!   mid-grey (R+G+B > 382.5, as seed 000 does), optionally resized to `--size WxH` first.
//! - `.npy`: a 2-D array, patterns x neurons (a 1-D array is one pattern), values +1/-1.

use std::path::Path;

use crate::error::{Error, Param, Result};
use crate::hopfield::patterns::parse_grid;
use crate::hopfield::{GridShape, PatternSet, Polarity};

/// The image extensions read as pictures.
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "bmp", "gif"];

/// Reads the patterns in one file, choosing the format by extension and content.
pub fn read_pattern_file(path: &Path, size: Option<GridShape>) -> Result<PatternSet> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    // Patterns are named by their file name: full paths make tables unreadable.
    let label = path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let set = if extension == "npy" {
        read_npy_patterns(path, &label)?
    } else if IMAGE_EXTENSIONS.contains(&extension.as_str()) {
        read_image_pattern(path, &label, size)?
    } else {
        let text = super::input::read_text(path)?;
        if is_grid(&text) {
            parse_grid(&text, &label).map_err(|err| Error::bad_input(path, err.to_string()))?
        } else {
            parse_text(&text, &label).map_err(|err| Error::bad_input(path, err.to_string()))?
        }
    };
    if let Some(shape) = size.filter(|_| !IMAGE_EXTENSIONS.contains(&extension.as_str())) {
        return Err(Error::parameter(
            Param::Size,
            format!("{}x{}", shape.width, shape.height),
            format!("resizes images only, but {label} is not an image"),
        ));
    }
    Ok(set)
}

/// Reads several files into one set; they must agree on the number of neurons.
pub fn read_pattern_files(
    paths: &[std::path::PathBuf],
    size: Option<GridShape>,
) -> Result<PatternSet> {
    let sets = paths
        .iter()
        .map(|path| read_pattern_file(path, size))
        .collect::<Result<Vec<_>>>()?;
    PatternSet::concat(sets)
}

/// A grid starts with `#` or `.`: a text pattern starts with a number. Deciding by the first
/// character (not by every character) lets a stray character in a grid be reported as such.
fn is_grid(text: &str) -> bool {
    text.chars()
        .find(|c| !c.is_whitespace())
        .is_some_and(|c| c == '#' || c == '.')
}

/// Parses text patterns: one per non-empty line, values separated by commas or whitespace.
pub fn parse_text(text: &str, name: &str) -> Result<PatternSet> {
    let mut states = Vec::new();
    let mut names = Vec::new();
    let mut neurons = None;
    for (number, line) in text.lines().enumerate() {
        let values: Vec<&str> = line
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            continue;
        }
        let expected = *neurons.get_or_insert(values.len());
        if values.len() != expected {
            return Err(Error::InvalidData(format!(
                "line {} has {} values, the first pattern has {expected}",
                number + 1,
                values.len()
            )));
        }
        for value in values {
            states.push(parse_bipolar(value).ok_or_else(|| {
                Error::InvalidData(format!("line {}: {value:?} is not +1 or -1", number + 1))
            })?);
        }
        names.push(format!("{name}:{}", number + 1));
    }
    let neurons = neurons.ok_or_else(|| Error::InvalidData("no patterns in the file".into()))?;
    if names.len() == 1 {
        names[0] = name.to_string();
    }
    PatternSet::new(neurons, states, names)
}

fn parse_bipolar(value: &str) -> Option<i8> {
    match value.parse::<f64>().ok()? {
        1.0 => Some(1),
        -1.0 => Some(-1),
        _ => None,
    }
}

fn read_image_pattern(path: &Path, label: &str, size: Option<GridShape>) -> Result<PatternSet> {
    let mut rgb = super::photos::read_rgb_image(path)?;
    if let Some(shape) = size {
        let (width, height) = (
            u32::try_from(shape.width).ok(),
            u32::try_from(shape.height).ok(),
        );
        let (Some(width), Some(height)) = (width, height) else {
            return Err(Error::parameter(
                Param::Size,
                format!("{}x{}", shape.width, shape.height),
                "each side must be below 2^32",
            ));
        };
        // Resizing works in f32 (4 channels of 4 bytes a pixel at most) beside the result.
        crate::limits::check_host_memory(
            &format!("resizing to {width}x{height}"),
            u64::from(width)
                .checked_mul(u64::from(height))
                .and_then(|pixels| pixels.checked_mul(20)),
        )?;
        rgb = image::imageops::resize(&rgb, width, height, image::imageops::FilterType::Triangle);
    }
    let (width, height) = (rgb.width() as usize, rgb.height() as usize);
    if width == 0 || height == 0 {
        return Err(Error::bad_input(path, "the image has no pixels"));
    }
    let states = rgb
        .pixels()
        .map(|p| {
            let brightness = u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]);
            if brightness > 382 {
                1
            } else {
                -1
            }
        })
        .collect();
    PatternSet::new(width * height, states, vec![label.to_string()])?
        .with_shape(GridShape { width, height }, Polarity::PositiveBright)
}

fn read_npy_patterns(path: &Path, label: &str) -> Result<PatternSet> {
    let array = super::npy::read_npy(path)?;
    let (count, neurons) = match array.shape.as_slice() {
        [neurons] => (1, *neurons),
        [count, neurons] => (*count, *neurons),
        other => {
            return Err(Error::bad_input(
                path,
                format!("expected a 2-D array (patterns x neurons), found shape {other:?}"),
            ))
        }
    };
    if count == 0 || neurons == 0 {
        return Err(Error::bad_input(
            path,
            format!("the array is empty (shape {:?})", array.shape),
        ));
    }
    let mut states = Vec::with_capacity(array.values.len());
    for (index, &value) in array.values.iter().enumerate() {
        states.push(match value {
            1.0 => 1,
            -1.0 => -1,
            other => {
                return Err(Error::bad_input(
                    path,
                    format!(
                        "pattern {} neuron {} is {other}, not +1 or -1",
                        index / neurons,
                        index % neurons
                    ),
                ))
            }
        });
    }
    let names = (0..count).map(|row| format!("{label}[{row}]")).collect();
    PatternSet::new(neurons, states, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_accepts_commas_and_whitespace() {
        let set = parse_text("1,-1, 1\n\n-1 1 -1\n", "t").unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set.get(0), [1, -1, 1]);
        assert_eq!(set.get(1), [-1, 1, -1]);
    }

    #[test]
    fn text_rejects_other_values_and_ragged_lines() {
        assert!(parse_text("1,0,1\n", "t")
            .unwrap_err()
            .to_string()
            .contains("\"0\""));
        assert!(parse_text("1,1\n1,1,1\n", "t")
            .unwrap_err()
            .to_string()
            .contains("line 2"));
        assert!(parse_text("\n \n", "t")
            .unwrap_err()
            .to_string()
            .contains("no patterns"));
    }

    #[test]
    fn grid_reads_rows() {
        let set = parse_grid("#.\n.#\n#.\n", "g").unwrap();
        assert_eq!(
            set.shape,
            Some(GridShape {
                width: 2,
                height: 3
            })
        );
        assert_eq!(set.get(0), [1, -1, -1, 1, 1, -1]);
        assert!(parse_grid("#.\n#\n", "g").is_err());
    }
}
