//! Reading numeric data for a map: `.npy` arrays of shape (samples, dim) or (samples,), and CSV
//! files of one sample per row (a first row none of whose fields is a number is taken as a header).

use std::path::Path;

use crate::error::{Error, Result};
use crate::som::Samples;

/// Reads `path` (.npy or CSV) as samples.
pub fn read_samples(path: &Path) -> Result<Samples> {
    let (dim, values) = if super::npy::is_npy_path(path) {
        let array = super::npy::read_npy(path)?;
        let dim = match array.shape[..] {
            [_] => 1,
            [_, dim] => dim,
            _ => {
                return Err(Error::bad_input(
                    path,
                    format!(
                        "data must have shape (samples, dim) or (samples,), not {:?}",
                        array.shape
                    ),
                ))
            }
        };
        (dim, array.values.iter().map(|&v| v as f32).collect())
    } else {
        read_csv(path)?
    };
    Samples::from_table(dim, values).map_err(|err| Error::bad_input(path, err.to_string()))
}

fn read_csv(path: &Path) -> Result<(usize, Vec<f32>)> {
    let text = super::input::read_text(path)?;
    let mut dim = 0;
    let mut values = Vec::new();
    let mut seen_header = false;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line
            .split([',', ';', '\t', ' '])
            .filter(|field| !field.is_empty())
            .collect();
        let row: std::result::Result<Vec<f32>, _> = fields
            .iter()
            .map(|field| field.trim().parse::<f32>())
            .collect();
        let is_first_row = dim == 0 && values.is_empty() && !seen_header;
        let row = match row {
            Ok(row) => row,
            // A header names its columns: no field of it is a number. `1,x,3` is a bad row.
            Err(_) if is_first_row && fields.iter().all(|f| f.trim().parse::<f64>().is_err()) => {
                seen_header = true;
                continue;
            }
            Err(_) => {
                let field = fields
                    .iter()
                    .find(|f| f.trim().parse::<f32>().is_err())
                    .map_or("", |f| f.trim());
                return Err(Error::bad_input(
                    path,
                    format!("line {}: {field:?} is not a number", number + 1),
                ));
            }
        };
        if dim == 0 {
            dim = row.len();
        } else if row.len() != dim {
            return Err(Error::bad_input(
                path,
                format!(
                    "line {}: {} values, but earlier rows have {dim}",
                    number + 1,
                    row.len()
                ),
            ));
        }
        values.extend(row);
    }
    if values.is_empty() {
        return Err(Error::bad_input(path, "the file holds no samples"));
    }
    Ok((dim, values))
}
