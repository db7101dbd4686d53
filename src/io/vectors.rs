//! Per-neuron values: thresholds and clamp masks, one value per neuron.

use std::path::Path;

use crate::error::{Error, Result};

/// Reads one number per neuron: text (numbers separated by commas or whitespace, over any number
/// of lines) or `.npy` (any shape, read in C order). NaN and infinities are errors.
pub fn read_neuron_values(path: &Path) -> Result<Vec<f64>> {
    let values = if super::npy::is_npy_path(path) {
        super::npy::read_npy(path)?.values
    } else {
        parse_values(path, &super::input::read_text(path)?)?
    };
    checked_values(path, values)
}

/// Numbers separated by commas or whitespace.
fn parse_values(path: &Path, text: &str) -> Result<Vec<f64>> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<f64>()
                .map_err(|_| Error::bad_input(path, format!("{v:?} is not a number")))
        })
        .collect()
}

/// `values`, unless there are none or one is not finite.
fn checked_values(path: &Path, values: Vec<f64>) -> Result<Vec<f64>> {
    if values.is_empty() {
        return Err(Error::bad_input(path, "no values in the file"));
    }
    if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
        return Err(Error::bad_input(
            path,
            format!("{bad} is not a finite number"),
        ));
    }
    Ok(values)
}

/// Reads a mask, one flag per neuron: grid text (`#` set, `.` clear) or numbers (non-zero set).
pub fn read_mask(path: &Path) -> Result<Vec<bool>> {
    let values = if super::npy::is_npy_path(path) {
        read_neuron_values(path)?
    } else {
        let text = super::input::read_text(path)?;
        let is_grid = text
            .chars()
            .all(|c| c == '#' || c == '.' || c.is_ascii_whitespace())
            && text.chars().any(|c| c == '#' || c == '.');
        if is_grid {
            return Ok(text
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .map(|c| c == '#')
                .collect());
        }
        checked_values(path, parse_values(path, &text)?)?
    };
    Ok(values.into_iter().map(|v| v != 0.0).collect())
}
