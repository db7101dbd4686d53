//! Per-neuron values: thresholds and clamp masks, one value per neuron.

use std::path::Path;

use crate::error::{Error, Result};

/// Reads one number per neuron: text (numbers separated by commas or whitespace, over any number
/// of lines) or `.npy` (any shape, read in C order). NaN and infinities are errors.
pub fn read_neuron_values(path: &Path) -> Result<Vec<f64>> {
    let is_npy = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let values = if is_npy {
        super::npy::read_npy(path)?.values
    } else {
        let text = super::input::read_text(path)?;
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| Error::bad_input(path, format!("{v:?} is not a number")))
            })
            .collect::<Result<Vec<_>>>()?
    };
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
    let is_npy = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let text = if is_npy {
        Vec::new()
    } else {
        super::input::read_text(path)?.into_bytes()
    };
    let is_grid = !text.is_empty()
        && text
            .iter()
            .all(|&c| c == b'#' || c == b'.' || c.is_ascii_whitespace())
        && text.iter().any(|&c| c == b'#' || c == b'.');
    if is_grid {
        return Ok(text
            .iter()
            .filter(|c| !c.is_ascii_whitespace())
            .map(|&c| c == b'#')
            .collect());
    }
    Ok(read_neuron_values(path)?
        .into_iter()
        .map(|v| v != 0.0)
        .collect())
}
