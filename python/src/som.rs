//! Self-organizing maps from Python: training, assignment, the map's pictures in numbers, and
//! seed 003's colour clustering.

use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2, PyReadonlyArray3, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use hopsom::io::models::SomModel;
use hopsom::som::codebook::check_dims;
use hopsom::som::metrics::{distance_map, u_matrix, Scaling};
use hopsom::som::{
    self, ClusterParams, Codebook, Grid, MapSpec, PixelType, Pixels, Samples, SegmentSpec,
    TrainSpec,
};
use hopsom::{Backend, Error};

use crate::arrays::{matrix, values};
use crate::error::Result;
use crate::options::{spec, value};
use crate::run::{callback, run};

/// Samples from a float32 table (samples x dim), or from an image (height x width x bands) of
/// uint8, uint16, float32 or float64 values, kept in its type; `first` numbers the first sample
/// in the whole data, for messages about a part of it.
pub(crate) fn samples(data: &Bound<'_, PyAny>, first: usize) -> Result<Samples> {
    if let Ok(table) = data.extract::<PyReadonlyArray2<'_, f32>>() {
        let table_values = values(&table)?.to_vec();
        return Ok(Samples::from_table_part(
            table.shape()[1],
            table_values,
            first,
        )?);
    }
    fn image<T: numpy::Element + Copy>(
        data: &Bound<'_, PyAny>,
        pixels: fn(Vec<T>) -> Pixels,
        dtype: PixelType,
    ) -> Option<Result<Samples>> {
        let array = data.extract::<PyReadonlyArray3<'_, T>>().ok()?;
        let shape = array.shape().to_vec();
        Some(values(&array).and_then(|v| {
            Ok(Samples::from_pixels(
                shape[1],
                shape[0],
                shape[2],
                pixels(v.to_vec()),
                dtype,
            )?)
        }))
    }
    image::<u8>(data, Pixels::U8, PixelType::U8)
        .or_else(|| image::<u16>(data, Pixels::U16, PixelType::U16))
        .or_else(|| image::<f32>(data, Pixels::F32, PixelType::F32))
        .or_else(|| image::<f64>(data, Pixels::F64, PixelType::F64))
        .unwrap_or_else(|| {
            Err(Error::InvalidData(
                "data must be a float32 table or an H x W x D image of uint8, uint16, float32 or float64"
                    .into(),
            )
            .into())
        })
}

/// An image's values as a numpy array of their type (flat).
pub(crate) fn pixels_array(py: Python<'_>, pixels: Pixels) -> Bound<'_, PyAny> {
    match pixels {
        Pixels::U8(v) => v.into_pyarray(py).into_any(),
        Pixels::U16(v) => v.into_pyarray(py).into_any(),
        Pixels::F32(v) => v.into_pyarray(py).into_any(),
        Pixels::F64(v) => v.into_pyarray(py).into_any(),
    }
}

/// One clustering run as a dict: epochs, centers (K x 3), labels, clustered image (flat),
/// distribution (pixels per cluster) and qe.
fn cluster_run<'py>(py: Python<'py>, run: som::ClusterRun) -> Result<Bound<'py, PyDict>> {
    let result = PyDict::new(py);
    result.set_item("epochs", run.epochs)?;
    let centers: Vec<f32> = run.centers.iter().flatten().copied().collect();
    result.set_item("centers", matrix(py, run.centers.len(), centers)?)?;
    let assignment = run.assignment;
    result.set_item("labels", assignment.labels.into_pyarray(py))?;
    result.set_item(
        "clustered",
        assignment
            .segmented
            .map(|s| s.image.into_raw().into_pyarray(py)),
    )?;
    result.set_item("distribution", assignment.hits.into_pyarray(py))?;
    result.set_item("qe", assignment.qe)?;
    Ok(result)
}

/// Seed 003's colour clustering of an image (see `hopsom.cluster_colours`): one dict per run.
#[pyfunction]
#[pyo3(signature = (image, options, backend, progress=None))]
pub(crate) fn cluster_colours<'py>(
    py: Python<'py>,
    image: &Bound<'py, PyAny>,
    options: &Bound<'py, PyAny>,
    backend: &Bound<'py, PyAny>,
    progress: Option<Bound<'py, PyAny>>,
) -> Result<Vec<Bound<'py, PyDict>>> {
    let params: ClusterParams = spec(options)?;
    params.validate()?;
    let progress = callback(progress)?;
    let pixels = samples(image, 0)?;
    let backend = crate::backend::open(py, backend)?;
    let runs = run(py, progress.as_ref(), |progress| {
        let mut runs = Vec::new();
        som::cluster_colours(&backend, &pixels, &params, progress, &mut |run| {
            runs.push(run);
            Ok(())
        })?;
        Ok(runs)
    })?;
    runs.into_iter().map(|run| cluster_run(py, run)).collect()
}

/// A self-organizing map: see `hopsom.SOM`.
#[pyclass(module = "hopsom._hopsom")]
pub(crate) struct NativeSom {
    grid: Grid,
    dim: usize,
    pub(crate) codebook: Option<Codebook>,
    backend: Backend,
}

#[pymethods]
impl NativeSom {
    /// A map as the options of `hopsom.SOM` describe it (width, height, dim, topology,
    /// toroidal), without weights until trained or set.
    #[new]
    fn new(py: Python<'_>, options: &Bound<'_, PyAny>, backend: &Bound<'_, PyAny>) -> Result<Self> {
        let map: MapSpec = spec(options)?;
        Ok(NativeSom {
            grid: map.grid()?,
            dim: map.dim,
            codebook: None,
            backend: crate::backend::open(py, backend)?,
        })
    }

    #[getter]
    fn device(&self) -> String {
        self.backend.device_name()
    }

    /// The weights, nodes x dim (row by row), or None before training.
    fn weights<'py>(&self, py: Python<'py>) -> Result<Option<Bound<'py, PyArray2<f32>>>> {
        self.codebook
            .as_ref()
            .map(|c| matrix(py, c.grid.nodes(), c.weights.clone()))
            .transpose()
    }

    /// Sets the weights, nodes x dim.
    fn set_weights(&mut self, weights: PyReadonlyArray2<'_, f32>) -> Result<()> {
        let weights = values(&weights)?.to_vec();
        self.codebook = Some(Codebook::new(self.grid, self.dim, weights)?);
        Ok(())
    }

    /// Places the weights from `data` as the training options' `init` and `seed` say.
    fn initialise(
        &mut self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        options: &Bound<'_, PyAny>,
    ) -> Result<()> {
        let training: TrainSpec = spec(options)?;
        let samples = samples(data, 0)?;
        check_dims(self.dim, &samples)?;
        let grid = self.grid;
        let codebook =
            py.detach(|| Codebook::initialise(grid, &samples, training.init, training.seed))?;
        self.codebook = Some(codebook);
        Ok(())
    }

    /// Trains on `data` as the options of `SOM.train` say, from the current weights or, for a
    /// map without any, from weights placed as `init` says. Returns the per-epoch reports and
    /// the seconds spent training (without the passes that only measure the map). The weights
    /// change only when training completes.
    #[pyo3(signature = (data, options, progress=None))]
    fn train<'py>(
        &mut self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        options: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> Result<(Bound<'py, PyAny>, f64)> {
        let training: TrainSpec = spec(options)?;
        let params = training.params(&self.grid)?;
        let progress = callback(progress)?;
        let samples = samples(data, 0)?;
        check_dims(self.dim, &samples)?;
        let (grid, backend, current) = (self.grid, &self.backend, &self.codebook);
        let trained = run(py, progress.as_ref(), |progress| {
            let start = match current {
                Some(codebook) => codebook.clone(),
                None => Codebook::initialise(grid, &samples, params.init, params.seed)?,
            };
            som::train(backend, &samples, start, &params, progress)
        })?;
        let reports = pythonize::pythonize(py, &trained.epochs).map_err(PyErr::from)?;
        self.codebook = Some(trained.codebook);
        Ok((reports, trained.training_seconds))
    }

    /// Winners, quantization and topographic errors, hits and (for an image) the segmented
    /// image of `data` under the current map: (labels, qe, te, hits, segmented or None).
    #[pyo3(signature = (data, options, progress=None))]
    #[allow(clippy::type_complexity)]
    fn assign<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        options: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> Result<(
        Bound<'py, PyArray1<u32>>,
        f64,
        f64,
        Bound<'py, PyArray1<u64>>,
        Option<Bound<'py, PyAny>>,
    )> {
        let segment: SegmentSpec = spec(options)?;
        let progress = callback(progress)?;
        let codebook = self.trained()?;
        let samples = samples(data, 0)?;
        let backend = &self.backend;
        let result = run(py, progress.as_ref(), |progress| {
            som::assign(backend, codebook, segment.metric, &samples, progress)
        })?;
        Ok((
            result.labels.into_pyarray(py),
            result.qe,
            result.te,
            result.hits.into_pyarray(py),
            match (result.segmented, result.segmented_pixels) {
                (Some(rgb), _) => Some(rgb.image.into_raw().into_pyarray(py).into_any()),
                (None, Some(pixels)) => Some(pixels_array(py, pixels)),
                (None, None) => None,
            },
        ))
    }

    /// Writes the map and the training options it keeps (`training`: neighbourhood, metric,
    /// init, seed) as the library's model file (`hopsom::som::model`).
    fn save_model(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        training: &Bound<'_, PyAny>,
        epochs_trained: u64,
    ) -> Result<()> {
        let training: TrainSpec = spec(training)?;
        let model = SomModel {
            codebook: self.trained()?.clone(),
            neighbourhood: training.neighbourhood,
            metric: training.metric,
            init: training.init,
            seed: training.seed,
            epochs_trained,
        };
        Ok(py.detach(|| model.save(&path))?)
    }

    /// Each sample's distance to each node under the options' metric, samples x nodes.
    #[pyo3(signature = (data, options, progress=None))]
    fn distances<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        options: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyArray2<f32>>> {
        let segment: SegmentSpec = spec(options)?;
        let progress = callback(progress)?;
        let codebook = self.trained()?;
        let samples = samples(data, 0)?;
        let rows = samples.len();
        let distances = run(py, progress.as_ref(), |progress| {
            som::transform::node_distances(codebook, segment.metric, &samples, progress)
        })?;
        matrix(py, rows, distances)
    }

    /// Each node's mean distance to its adjacent nodes, node by node.
    fn umatrix<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyArray1<f64>>> {
        Ok(u_matrix(self.trained()?).into_pyarray(py))
    }

    /// MiniSom's distance map (see `hopsom::som::metrics::distance_map`), node by node.
    fn distance_map<'py>(
        &self,
        py: Python<'py>,
        scaling: &Bound<'py, PyAny>,
    ) -> Result<Bound<'py, PyArray1<f64>>> {
        let scaling: Scaling = value("scaling", scaling)?;
        Ok(distance_map(self.trained()?, scaling).into_pyarray(py))
    }

    /// The indices of the samples (of `samples`) the "samples" initialisation copies, node by
    /// node (`hopsom.dask.train` gathers only those).
    fn chosen_samples(&self, samples: usize, seed: &Bound<'_, PyAny>) -> Result<Vec<usize>> {
        if samples == 0 {
            return Err(Error::InvalidData("the data has no samples".into()).into());
        }
        Ok(Codebook::chosen_samples(
            samples,
            self.grid,
            value("seed", seed)?,
        ))
    }

    /// Weights uniform in [low, high) per dimension, as the "random" initialisation draws them
    /// from the data's bounds.
    fn initialise_uniform(
        &mut self,
        low: Vec<f32>,
        high: Vec<f32>,
        seed: &Bound<'_, PyAny>,
    ) -> Result<()> {
        if low.len() != self.dim || high.len() != self.dim {
            return Err(Error::InvalidData(format!(
                "bounds of {} and {} values for a map of {} dimensions",
                low.len(),
                high.len(),
                self.dim
            ))
            .into());
        }
        self.codebook = Some(Codebook::uniform(
            self.grid,
            &low,
            &high,
            value("seed", seed)?,
        ));
        Ok(())
    }
}

/// A map's model file as a dict: codebook (height x width x dim) and the options beside it.
#[pyfunction]
pub(crate) fn load_som_model(
    py: Python<'_>,
    path: std::path::PathBuf,
) -> Result<Bound<'_, PyDict>> {
    use hopsom::choice::Choice;
    let model = py.detach(|| SomModel::load(&path))?;
    let grid = model.codebook.grid;
    let loaded = PyDict::new(py);
    let codebook = numpy::ndarray::Array3::from_shape_vec(
        (grid.height, grid.width, model.codebook.dim),
        model.codebook.weights,
    )
    .map_err(|e| Error::InvalidData(e.to_string()))?;
    loaded.set_item("codebook", codebook.into_pyarray(py))?;
    loaded.set_item("width", grid.width)?;
    loaded.set_item("height", grid.height)?;
    loaded.set_item("dim", model.codebook.dim)?;
    loaded.set_item("topology", grid.topology.name())?;
    loaded.set_item("toroidal", grid.toroidal)?;
    loaded.set_item("neighbourhood", model.neighbourhood.name())?;
    loaded.set_item("metric", model.metric.name())?;
    loaded.set_item("init", model.init.name())?;
    loaded.set_item("seed", model.seed)?;
    loaded.set_item("epochs_trained", model.epochs_trained)?;
    Ok(loaded)
}

impl NativeSom {
    pub(crate) fn trained(&self) -> Result<&Codebook> {
        self.codebook.as_ref().ok_or_else(|| {
            Error::Usage("the map has no weights yet: train it or set its codebook first".into())
                .into()
        })
    }
}
