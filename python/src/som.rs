//! Self-organizing maps from Python: training, batch partials for Dask, assignment, and seed
//! 003's colour clustering.

use numpy::{
    IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyReadonlyArray3,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;

use hopsom::som::{self, Codebook, Grid, Samples};
use hopsom::{Backend, Error};

use crate::callback::Callback;
use crate::convert::{choice, open_backend, raise};

/// One colour-clustering result: (epochs, centers (K x 3 float32, flat), labels (flat uint32),
/// clustered image (flat uint8), pixels per cluster, QE).
type ClusterResult<'py> = (
    usize,
    Bound<'py, PyArray1<f32>>,
    Bound<'py, PyArray1<u32>>,
    Option<Bound<'py, PyArray1<u8>>>,
    Bound<'py, PyArray1<u64>>,
    f64,
);

/// Seed 003's colour clustering of an image (see `hopsom.cluster_colours`).
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (image, colours, epochs, lr, restart, seed, backend, progress=None))]
pub(crate) fn cluster_colours<'py>(
    py: Python<'py>,
    image: PyReadonlyArray3<'py, u8>,
    colours: PyReadonlyArray2<'py, f32>,
    epochs: Vec<usize>,
    lr: f32,
    restart: bool,
    seed: u64,
    backend: &str,
    progress: Option<Py<PyAny>>,
) -> PyResult<Vec<ClusterResult<'py>>> {
    if colours.shape()[1] != 3 {
        return Err(raise(Error::InvalidData(format!(
            "colors must be K x 3 (RGB 0-255), not K x {}",
            colours.shape()[1]
        ))));
    }
    let params = som::ClusterParams {
        colours: colours
            .as_slice()?
            .chunks_exact(3)
            .map(|c| [c[0], c[1], c[2]])
            .collect(),
        epochs,
        learning_rate: lr,
        restart,
        seed,
    };
    params.validate().map_err(raise)?;
    let samples = Data::Image(image).samples()?;
    let backend = open_backend(backend)?;
    let callback = Callback::new(progress);
    let mut runs = Vec::new();
    let result = py.detach(|| {
        som::cluster_colours(
            &backend,
            &samples,
            &params,
            &mut |_| callback.epoch_done(),
            &mut |run| {
                runs.push(run);
                Ok(())
            },
        )
    });
    callback.finish(py, result)?;
    Ok(runs
        .into_iter()
        .map(|run| {
            let centers: Vec<f32> = run.centers.iter().flatten().copied().collect();
            let assignment = run.assignment;
            (
                run.epochs,
                centers.into_pyarray(py),
                assignment.labels.into_pyarray(py),
                assignment
                    .segmented
                    .map(|s| s.image.into_raw().into_pyarray(py)),
                assignment.hits.into_pyarray(py),
                assignment.qe,
            )
        })
        .collect())
}

/// One epoch's report: epoch, QE, TE, learning rate, radius.
type EpochRow = (usize, f64, f64, f32, f32);

/// A self-organizing map: see `hopsom.SOM`.
#[pyclass(module = "hopsom._hopsom")]
pub(crate) struct NativeSom {
    grid: Grid,
    dim: usize,
    codebook: Option<Codebook>,
    backend: Backend,
}

/// Samples from a float32 table (samples x dim) or a uint8 image (height x width x 3).
enum Data<'py> {
    Table(PyReadonlyArray2<'py, f32>),
    Image(PyReadonlyArray3<'py, u8>),
}

impl Data<'_> {
    fn samples(&self) -> PyResult<Samples> {
        self.samples_from(0)
    }

    /// The samples of a part of a larger table that starts at sample `first` (messages number
    /// the samples as the whole table does).
    fn samples_from(&self, first: usize) -> PyResult<Samples> {
        match self {
            Data::Table(table) => {
                Samples::from_table_part(table.shape()[1], table.as_slice()?.to_vec(), first)
                    .map_err(raise)
            }
            Data::Image(image) => {
                let (height, width) = (image.shape()[0] as u32, image.shape()[1] as u32);
                let pixels = image::RgbImage::from_raw(width, height, image.as_slice()?.to_vec())
                    .ok_or_else(|| {
                    raise(Error::InvalidData(
                        "the image's size does not match its pixels".into(),
                    ))
                })?;
                Samples::from_image(pixels).map_err(raise)
            }
        }
    }
}

fn data<'py>(data: &Bound<'py, PyAny>) -> PyResult<Data<'py>> {
    if let Ok(table) = data.extract::<PyReadonlyArray2<'py, f32>>() {
        return Ok(Data::Table(table));
    }
    Ok(Data::Image(data.extract::<PyReadonlyArray3<'py, u8>>()?))
}

#[pymethods]
impl NativeSom {
    #[new]
    fn new(
        width: usize,
        height: usize,
        dim: usize,
        topology: &str,
        toroidal: bool,
        backend: &str,
    ) -> PyResult<Self> {
        let topology: som::Topology = choice("topology", topology)?;
        let grid = Grid::new(width, height, topology, toroidal).map_err(raise)?;
        if dim == 0 {
            return Err(raise(Error::Usage(
                "dim=0: a map needs at least one dimension".into(),
            )));
        }
        Ok(NativeSom {
            grid,
            dim,
            codebook: None,
            backend: open_backend(backend)?,
        })
    }

    #[getter]
    fn device(&self) -> String {
        self.backend.device_name()
    }

    /// The weights, nodes x dim (row by row), or None before training.
    fn weights<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f32>>> {
        self.codebook
            .as_ref()
            .map(|c| c.weights.clone().into_pyarray(py))
    }

    fn set_weights(&mut self, weights: PyReadonlyArray1<'_, f32>) -> PyResult<()> {
        let codebook =
            Codebook::new(self.grid, self.dim, weights.as_slice()?.to_vec()).map_err(raise)?;
        self.codebook = Some(codebook);
        Ok(())
    }

    /// Initialises the weights from `data` as `init` says ("random", "samples", "pca").
    fn initialise(&mut self, data_array: &Bound<'_, PyAny>, init: &str, seed: u64) -> PyResult<()> {
        let init: som::Init = choice("init", init)?;
        let samples = data(data_array)?.samples()?;
        self.check_dim(&samples)?;
        let grid = self.grid;
        let codebook = data_array
            .py()
            .detach(|| Codebook::initialise(grid, &samples, init, seed))
            .map_err(raise)?;
        self.codebook = Some(codebook);
        Ok(())
    }

    /// Trains; returns the per-epoch reports as (epoch, qe, te, learning_rate, sigma) tuples and
    /// the seconds spent training (without the passes that only measure the map).
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (data_array, epochs, mode, neighbourhood, metric, schedule, lr, lr_end, sigma, sigma_end, tau, cutoff, shuffle, extra_winner_update, seed, progress=None))]
    fn train(
        &mut self,
        py: Python<'_>,
        data_array: &Bound<'_, PyAny>,
        epochs: usize,
        mode: &str,
        neighbourhood: &str,
        metric: &str,
        schedule: &str,
        lr: f32,
        lr_end: f32,
        sigma: f32,
        sigma_end: f32,
        tau: f32,
        cutoff: f32,
        shuffle: bool,
        extra_winner_update: bool,
        seed: u64,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<(Vec<EpochRow>, f64)> {
        let params = som::TrainingParams {
            mode: choice("mode", mode)?,
            epochs,
            neighbourhood: choice("neighbourhood", neighbourhood)?,
            schedule: choice("schedule", schedule)?,
            learning_rate: lr,
            learning_rate_end: lr_end,
            sigma,
            sigma_end,
            tau,
            cutoff,
            metric: choice("metric", metric)?,
            init: som::Init::Random,
            shuffle,
            extra_winner_update,
            seed,
        };
        params.validate().map_err(raise)?;
        let samples = data(data_array)?.samples()?;
        self.check_dim(&samples)?;
        let start = match &self.codebook {
            Some(codebook) => codebook.clone(),
            None => Codebook::initialise(self.grid, &samples, params.init, seed).map_err(raise)?,
        };
        let callback = Callback::new(progress);
        let backend = &self.backend;
        let trained = callback.finish(
            py,
            py.detach(|| {
                som::train(backend, &samples, start, &params, &mut |_| {
                    callback.epoch_done()
                })
            }),
        )?;
        let reports = trained
            .epochs
            .iter()
            .map(|e| (e.epoch, e.qe, e.te, e.learning_rate, e.sigma))
            .collect();
        self.codebook = Some(trained.codebook);
        Ok((reports, trained.training_seconds))
    }

    /// The (learning rate, sigma) of each epoch of a batch run with these options, checked as
    /// `train` checks them (for `hopsom.dask.train`, which runs the epochs itself).
    #[allow(clippy::too_many_arguments)]
    fn batch_rates(
        &self,
        epochs: usize,
        neighbourhood: &str,
        metric: &str,
        schedule: &str,
        lr: f32,
        lr_end: f32,
        sigma: f32,
        sigma_end: f32,
        tau: f32,
        cutoff: f32,
    ) -> PyResult<Vec<(f32, f32)>> {
        let params = som::TrainingParams {
            mode: som::Mode::Batch,
            epochs,
            neighbourhood: choice("neighbourhood", neighbourhood)?,
            schedule: choice("schedule", schedule)?,
            learning_rate: lr,
            learning_rate_end: lr_end,
            sigma,
            sigma_end,
            tau,
            cutoff,
            metric: choice("metric", metric)?,
            ..som::TrainingParams::default()
        };
        params.validate().map_err(raise)?;
        Ok(params
            .epoch_rates()
            .iter()
            .map(|r| (r.learning_rate, r.sigma))
            .collect())
    }

    /// One part of a batch pass over the data under the current map: the node sums
    /// (float64, nodes x dim, flat), the samples each node won (uint64), and the quality
    /// tallies (Σ distance to the winner, topographic errors, samples). Parts add up; `first`
    /// numbers the part's first sample in the whole data, for messages.
    #[allow(clippy::type_complexity)]
    fn batch_partial<'py>(
        &self,
        py: Python<'py>,
        data_array: &Bound<'py, PyAny>,
        metric: &str,
        first: usize,
    ) -> PyResult<(
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<u64>>,
        (f64, u64, u64),
    )> {
        let metric: som::Metric = choice("metric", metric)?;
        let codebook = self.trained()?;
        let samples = data(data_array)?.samples_from(first)?;
        self.check_dim(&samples)?;
        let backend = &self.backend;
        let (sums, quality) = py
            .detach(|| {
                let mut sums = som::batch::NodeSums::new(codebook.grid.nodes(), codebook.dim);
                let quality =
                    som::train::measure(backend, codebook, metric, &samples, Some(&mut sums))?;
                Ok::<_, Error>((sums, quality))
            })
            .map_err(raise)?;
        Ok((
            sums.sums().to_vec().into_pyarray(py),
            quality.hits().to_vec().into_pyarray(py),
            quality.tallies(),
        ))
    }

    /// Batch epoch `epoch` (from 0) at `sigma`, from node sums and counts added up over all
    /// the data's parts.
    #[allow(clippy::too_many_arguments)]
    fn batch_step(
        &mut self,
        py: Python<'_>,
        sums: PyReadonlyArray1<'_, f64>,
        counts: PyReadonlyArray1<'_, u64>,
        epoch: usize,
        neighbourhood: &str,
        sigma: f32,
        cutoff: f32,
    ) -> PyResult<()> {
        let params = som::TrainingParams {
            neighbourhood: choice("neighbourhood", neighbourhood)?,
            cutoff,
            ..som::TrainingParams::default()
        };
        let sums = som::batch::NodeSums::from_parts(
            self.dim,
            sums.as_slice()?.to_vec(),
            counts.as_slice()?.to_vec(),
        )
        .map_err(raise)?;
        if sums.counts().len() != self.grid.nodes() {
            return Err(raise(Error::InvalidData(format!(
                "node sums for {} nodes; the map has {}",
                sums.counts().len(),
                self.grid.nodes()
            ))));
        }
        let mut codebook = self.trained()?.clone();
        let backend = &self.backend;
        let rate = som::EpochRates {
            learning_rate: 0.0,
            sigma,
        };
        py.detach(|| {
            let reach = som::train::batch_reach(&params);
            som::train::batch_step(backend, &mut codebook, &sums, &params, reach, rate, epoch)
        })
        .map_err(raise)?;
        self.codebook = Some(codebook);
        Ok(())
    }

    /// The indices of the samples (of `samples`) the "samples" initialisation copies, node by
    /// node.
    fn chosen_samples(&self, samples: usize, seed: u64) -> PyResult<Vec<usize>> {
        if samples == 0 {
            return Err(raise(Error::InvalidData("the data has no samples".into())));
        }
        Ok(Codebook::chosen_samples(samples, self.grid, seed))
    }

    /// Weights uniform in [low, high) per dimension, as the "random" initialisation draws them
    /// from the data's bounds.
    fn initialise_uniform(&mut self, low: Vec<f32>, high: Vec<f32>, seed: u64) -> PyResult<()> {
        if low.len() != self.dim || high.len() != self.dim {
            return Err(raise(Error::InvalidData(format!(
                "bounds of {} and {} values for a map of {} dimensions",
                low.len(),
                high.len(),
                self.dim
            ))));
        }
        self.codebook = Some(Codebook::uniform(self.grid, &low, &high, seed));
        Ok(())
    }

    /// Winners, quantization and topographic error and hits of `data` under the current map,
    /// with `metric` choosing the winners: (labels, qe, te, hits, segmented image or None).
    #[allow(clippy::type_complexity)]
    fn assign<'py>(
        &self,
        py: Python<'py>,
        data_array: &Bound<'py, PyAny>,
        metric: &str,
    ) -> PyResult<(
        Bound<'py, PyArray1<u32>>,
        f64,
        f64,
        Bound<'py, PyArray1<u64>>,
        Option<Bound<'py, PyArray1<u8>>>,
    )> {
        let metric: som::Metric = choice("metric", metric)?;
        let codebook = self.trained()?;
        let samples = data(data_array)?.samples()?;
        self.check_dim(&samples)?;
        let backend = &self.backend;
        let result = py
            .detach(|| som::assign(backend, codebook, metric, &samples))
            .map_err(raise)?;
        Ok((
            result.labels.into_pyarray(py),
            result.qe,
            result.te,
            result.hits.into_pyarray(py),
            result
                .segmented
                .map(|s| s.image.into_raw().into_pyarray(py)),
        ))
    }

    /// Each node's mean distance to its adjacent nodes, row by row.
    fn umatrix<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(som::metrics::u_matrix(self.trained()?).into_pyarray(py))
    }
}

impl NativeSom {
    fn trained(&self) -> PyResult<&Codebook> {
        self.codebook.as_ref().ok_or_else(|| {
            raise(Error::Usage(
                "the map has no weights yet: train it or set its codebook first".into(),
            ))
        })
    }

    fn check_dim(&self, samples: &Samples) -> PyResult<()> {
        if samples.dim() != self.dim {
            return Err(raise(Error::InvalidData(format!(
                "the data has {} dimensions, the map {}",
                samples.dim(),
                self.dim
            ))));
        }
        Ok(())
    }
}
