//! MiniSom's model, exactly: the maps of MiniSom 2.3.6 (Giuseppe Vettigli's `minisom.py`), with
//! its lattice, neighbourhood functions, decay functions, activation distances, training loops
//! and measures, in float64 and in MiniSom's `x × y × dim` layout, so that `hopsom.minisom` can be
//! a drop-in that computes here rather than in numpy.
//!
//! hopsom's own maps (`som::train` and the rest) keep their own definitions: a bubble there is a
//! disc, a triangle peaks at 1 and the hexagonal lattice shifts odd rows; MiniSom's bubble is a
//! square, its triangle peaks at σ² and its hexagonal lattice shifts every other row counted from
//! the last. This module is where those meanings live, on the CPU (MiniSom's maps are small and
//! its update is one sample at a time), with the library's counter-based streams for every
//! random choice.

pub mod decay;
pub mod distance;
pub mod lattice;
pub mod measures;
pub mod train;

pub use decay::Decay;
pub use distance::{Activation, Distance};
pub use lattice::{Lattice, MiniNeighbourhood};
pub use measures::{
    distortion, quantization, quantization_error, random_unit_weights, sample_weights,
    topographic_error, winners,
};
pub use train::{batch_offline, fixed_points, update, visiting_order, OnlineRun};

use crate::error::{Error, Result};

/// One map as MiniSom describes it: the lattice and its neighbourhood function. The weights
/// live with the caller (`x × y × dim` values, node (i, j) at `(i·y + j)·dim`), as MiniSom's
/// `_weights` array does, so that a user may read and write them between calls.
#[derive(Debug, Clone)]
pub struct MiniSomMap {
    pub lattice: Lattice,
    pub dim: usize,
    pub neighbourhood: MiniNeighbourhood,
}

impl MiniSomMap {
    pub fn new(lattice: Lattice, dim: usize, neighbourhood: MiniNeighbourhood) -> Result<Self> {
        if dim == 0 {
            return Err(Error::Usage(
                "input_len 0: a map needs at least 1 feature".into(),
            ));
        }
        lattice
            .nodes()
            .checked_mul(dim)
            .filter(|&values| values <= crate::som::grid::MAX_NODES * 64)
            .ok_or_else(|| {
                Error::TooLarge(format!(
                    "a {}x{} map of {dim} features has too many weights",
                    lattice.x, lattice.y
                ))
            })?;
        Ok(MiniSomMap {
            lattice,
            dim,
            neighbourhood,
        })
    }

    /// Refuses `weights` that are not this map's `x × y × dim` values.
    pub fn check_weights(&self, weights: &[f64]) -> Result<()> {
        let expected = self.lattice.nodes() * self.dim;
        if weights.len() != expected {
            return Err(Error::InvalidData(format!(
                "_weights holds {} values; a {}x{} map of {} features has {expected}",
                weights.len(),
                self.lattice.x,
                self.lattice.y,
                self.dim
            )));
        }
        Ok(())
    }

    /// Refuses data (`values` of samples of `dim` features) that is empty or not finite.
    pub fn check_data(&self, values: &[f64]) -> Result<usize> {
        if values.is_empty() {
            return Err(Error::InvalidData("the data has no samples".into()));
        }
        if let Some(position) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidData(format!(
                "sample {} holds a value that is not finite ({})",
                position / self.dim,
                values[position]
            )));
        }
        Ok(values.len() / self.dim)
    }
}
