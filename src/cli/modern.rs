//! `hopsom modern retrieve` and `hopsom modern sweep`: modern Hopfield networks (continuous
//! states, ξ ← Xᵀ softmax(β X ξ)).

use std::path::Path;

use clap::Args;

use hopsom::error::{Error, Result};
use hopsom::hopfield::GridShape;
use hopsom::io::npy::read_npy;
use hopsom::modern::builtin::{builtin_tiles, TILE};
use hopsom::modern::StepSpec;

pub use super::modern_retrieve::{run_retrieve, RetrieveArgs};
pub use super::modern_sweep::{run_sweep, SweepArgs};

#[derive(Debug, Args)]
pub struct MemoryArgs {
    /// The stored patterns: a .npy array (patterns x dimension, any numeric dtype), or `builtin`:
    /// 96 greyscale 32x32 tiles of the photo the repository carries, values in [−1, 1].
    #[arg(long, value_name = "FILE")]
    pub(super) stored: std::path::PathBuf,
    /// Scale every stored pattern and query to unit length, so that β·xᵀξ is β times a cosine.
    #[arg(long)]
    pub(super) normalize: bool,
    /// Update steps ξ ← Xᵀ softmax(β X ξ) (one is the paper's retrieval, attention)
    /// [default: 1].
    #[arg(long)]
    pub(super) steps: Option<u32>,
    /// Step until each query moves by at most --tolerance · ‖ξ‖, at most --max-steps times.
    #[arg(long)]
    pub(super) until_converged: bool,
    /// The most steps with --until-converged [default: 100].
    #[arg(long)]
    pub(super) max_steps: Option<u32>,
    /// The relative change that ends --until-converged [default: 0.0001].
    #[arg(long, value_parser = crate::cli::float32)]
    pub(super) tolerance: Option<f32>,
}

impl MemoryArgs {
    pub(super) fn stepping(&self) -> StepSpec {
        StepSpec {
            steps: self.steps,
            until_converged: self.until_converged,
            max_steps: self.max_steps,
            tolerance: self.tolerance,
        }
    }
}

/// Stored patterns as read: values, count, dimension, and a picture shape when known.
pub(super) struct Stored {
    pub(super) values: Vec<f32>,
    pub(super) patterns: usize,
    pub(super) dim: usize,
    pub(super) shape: Option<GridShape>,
}

pub(super) fn load_stored(spec: &Path) -> Result<Stored> {
    if spec == Path::new("builtin") {
        let (values, patterns) = builtin_tiles()?;
        return Ok(Stored {
            dim: values.len() / patterns,
            values,
            patterns,
            shape: Some(TILE),
        });
    }
    let (values, rows, columns) = read_matrix(spec, "--stored")?;
    Ok(Stored {
        values,
        patterns: rows,
        dim: columns,
        shape: None,
    })
}

/// A .npy of rows x columns (a 1-D array is one row) as f32, every value finite.
pub(super) fn read_matrix(path: &Path, option: &str) -> Result<(Vec<f32>, usize, usize)> {
    let array = read_npy(path)?;
    let (rows, columns) = match array.shape.as_slice() {
        [columns] => (1, *columns),
        [rows, columns] => (*rows, *columns),
        other => {
            return Err(Error::bad_input(
                path,
                format!(
                    "{option} takes a 1-D or 2-D array (rows x dimension), not shape {other:?}"
                ),
            ))
        }
    };
    if rows == 0 || columns == 0 {
        return Err(Error::bad_input(
            path,
            format!("{option}: the array is empty"),
        ));
    }
    let values = array
        .values
        .iter()
        .enumerate()
        .map(|(at, &v)| {
            if v.is_finite() && v.abs() <= f64::from(f32::MAX) {
                Ok(v as f32)
            } else {
                Err(Error::bad_input(
                    path,
                    format!("value {v} at position {at}; every value must be a finite float32"),
                ))
            }
        })
        .collect::<Result<Vec<f32>>>()?;
    Ok((values, rows, columns))
}
