//! A map as one file: `model.npz`, the versioned numpy archive that `hopsom som train` writes
//! beside `codebook.npy`, that `hopsom som segment --model` reads, and that the Python package
//! saves and loads (`SOM.save`, `hopsom.load`), so that a map trained by one front end segments
//! in the other.
//!
//! Format "hopsom-som", version 1 (`np.load(path)` opens it; README documents each member):
//! `format` and `version`; `codebook`, float32 (height, width, dim); `topology` ("rect" or
//! "hex") and `toroidal` (bool); the training options a map keeps between trainings,
//! `neighbourhood`, `metric` and `init` (text) and `seed` (uint64); `epochs_trained` (uint64),
//! the epochs its weights have seen.

use std::path::Path;

use super::npz::{npy_bytes, npy_text, read_npz, write_npz, Npz};
use crate::choice::Choice;
use crate::error::{Error, Result};
use crate::som::{Codebook, Grid, Init, Metric, Neighbourhood, Topology};

/// The `format` member of a map's file.
pub const SOM_MODEL_FORMAT: &str = "hopsom-som";
/// The newest version this library writes and reads.
pub const SOM_MODEL_VERSION: u64 = 1;

/// A trained map and what training it again or segmenting with it needs.
#[derive(Debug, Clone)]
pub struct SomModel {
    pub codebook: Codebook,
    pub neighbourhood: Neighbourhood,
    pub metric: Metric,
    pub init: Init,
    pub seed: u64,
    pub epochs_trained: u64,
}

impl SomModel {
    /// Writes the model to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let grid = self.codebook.grid;
        let shape = [grid.height, grid.width, self.codebook.dim];
        let members = [
            ("format", npy_text(SOM_MODEL_FORMAT)?),
            ("version", npy_bytes(&[], &[SOM_MODEL_VERSION])?),
            ("codebook", npy_bytes(&shape, &self.codebook.weights)?),
            ("topology", npy_text(grid.topology.name())?),
            ("toroidal", npy_bytes(&[], &[grid.toroidal])?),
            ("neighbourhood", npy_text(self.neighbourhood.name())?),
            ("metric", npy_text(self.metric.name())?),
            ("init", npy_text(self.init.name())?),
            ("seed", npy_bytes(&[], &[self.seed])?),
            ("epochs_trained", npy_bytes(&[], &[self.epochs_trained])?),
        ];
        write_npz(path, &members)
    }

    /// Reads a model written by [`SomModel::save`] (by either front end), refusing anything
    /// else by what is wrong with it.
    pub fn load(path: &Path) -> Result<SomModel> {
        let bad = |message: String| Error::bad_input(path, message);
        let npz = read_npz(path)?;
        let format = if npz.has("format") {
            npz.text("format")?
        } else {
            String::new()
        };
        if format != SOM_MODEL_FORMAT {
            return Err(bad(format!(
                "not a hopsom map (format {format:?}, where a map's file says {SOM_MODEL_FORMAT:?})"
            )));
        }
        let version = npz.whole("version")?;
        if version == 0 || version > SOM_MODEL_VERSION {
            return Err(bad(format!(
                "version {version}: this hopsom reads map files of version 1 to {SOM_MODEL_VERSION}"
            )));
        }
        let codebook = npz.array("codebook")?;
        let [height, width, dim] = codebook.shape[..] else {
            return Err(bad(format!(
                "codebook has shape {:?}, not (height, width, dim)",
                codebook.shape
            )));
        };
        if dim == 0 || codebook.values.iter().any(|v| !v.is_finite()) {
            return Err(bad(
                "codebook is empty or holds values that are not finite".into()
            ));
        }
        let topology: Topology = choice(&npz, "topology")?;
        let toroidal = npz.scalar("toroidal")? != 0.0;
        let grid = Grid::new(width, height, topology, toroidal).map_err(|e| bad(e.to_string()))?;
        let weights = codebook.values.iter().map(|&v| v as f32).collect();
        Ok(SomModel {
            codebook: Codebook::new(grid, dim, weights).map_err(|e| bad(e.to_string()))?,
            neighbourhood: choice(&npz, "neighbourhood")?,
            metric: choice(&npz, "metric")?,
            init: choice(&npz, "init")?,
            seed: npz.whole("seed")?,
            epochs_trained: npz.whole("epochs_trained")?,
        })
    }
}

/// The choice named by text member `name`.
fn choice<T: Choice>(npz: &Npz, name: &str) -> Result<T> {
    let text = npz.text(name)?;
    T::parse(&text).ok_or_else(|| {
        Error::InvalidData(format!(
            "{name} {text:?} in a map's file: use {}",
            T::listed()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_round_trips_and_a_newer_one_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("model.npz");
        let grid = Grid::new(3, 2, Topology::Hexagonal, true).unwrap();
        let weights: Vec<f32> = (0..12).map(|v| v as f32 * 0.25).collect();
        let model = SomModel {
            codebook: Codebook::new(grid, 2, weights).unwrap(),
            neighbourhood: Neighbourhood::Bubble,
            metric: Metric::Cosine,
            init: Init::Pca,
            seed: u64::MAX - 1,
            epochs_trained: 7,
        };
        model.save(&path).unwrap();
        let back = SomModel::load(&path).unwrap();
        assert_eq!(back.codebook.weights, model.codebook.weights);
        assert_eq!(back.codebook.grid, grid);
        assert_eq!(
            (
                back.neighbourhood,
                back.metric,
                back.init,
                back.seed,
                back.epochs_trained
            ),
            (
                Neighbourhood::Bubble,
                Metric::Cosine,
                Init::Pca,
                u64::MAX - 1,
                7
            )
        );
        write_npz(
            &path,
            &[
                ("format", npy_text(SOM_MODEL_FORMAT).unwrap()),
                ("version", npy_bytes(&[], &[2u64]).unwrap()),
            ],
        )
        .unwrap();
        let refused = SomModel::load(&path).unwrap_err().to_string();
        assert!(refused.contains("version 2"), "{refused}");
        std::fs::write(&path, b"PK\x03\x04 truncated").unwrap();
        assert!(SomModel::load(&path)
            .unwrap_err()
            .to_string()
            .contains("not a .npz"));
    }
}
