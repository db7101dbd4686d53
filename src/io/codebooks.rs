//! Codebooks on disk: `codebook.npy`, float32 (height, width, dim).

use std::path::Path;

use crate::error::{Error, Result};
use crate::som::{Codebook, Grid, Topology};

/// Writes `codebook` as float32 (height, width, dim), atomically.
pub fn save_codebook(codebook: &Codebook, path: &Path) -> Result<()> {
    super::npy::write_npy(
        path,
        &[codebook.grid.height, codebook.grid.width, codebook.dim],
        &codebook.weights,
    )
}

/// Reads a codebook written by [`save_codebook`] (or any numeric (H, W, D) array), placing it
/// on a grid of `topology` and `toroidal`.
pub fn load_codebook(path: &Path, topology: Topology, toroidal: bool) -> Result<Codebook> {
    let array = super::npy::read_npy(path)?;
    let [height, width, dim] = array.shape[..] else {
        return Err(Error::bad_input(
            path,
            format!(
                "a codebook has shape (height, width, dim), not {:?}",
                array.shape
            ),
        ));
    };
    if height == 0 || width == 0 || dim == 0 {
        return Err(Error::bad_input(
            path,
            format!("the codebook's shape {:?} is empty", array.shape),
        ));
    }
    let grid = Grid::new(width, height, topology, toroidal)
        .map_err(|err| Error::bad_input(path, err.to_string()))?;
    let weights: Vec<f32> = array.values.iter().map(|&v| v as f32).collect();
    Codebook::new(grid, dim, weights).map_err(|err| Error::bad_input(path, err.to_string()))
}
