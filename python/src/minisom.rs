//! MiniSom's model from Python (`hopsom.minisom.MiniSom`): the library's `som::minisom` on the
//! float64 weights the Python object holds in MiniSom's `x × y × dim` layout. Each call takes
//! the weights and returns new ones; the Python class writes them back into its `_weights`.

use std::cell::RefCell;

use numpy::{
    IntoPyArray, PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt};

use hopsom::rng::{Domain, StreamKey};
use hopsom::som::metrics::Scaling;
use hopsom::som::minisom::decay::Decayed;
use hopsom::som::minisom::{
    self, distance::distances_from_weights, Activation, Decay, Distance, Lattice,
    MiniNeighbourhood, MiniSomMap, OnlineRun,
};
use hopsom::som::Topology;
use hopsom::{Error, Progress};

use crate::arrays::{matrix, values};
use crate::error::{Failure, Result};
use crate::options::{value, OptionError};
use crate::run::{callback, run};

/// What the random choices of one MiniSom object draw from: its seed and the purpose and
/// number of the draw (each `train` with a random order, each `random_weights_init`).
fn stream(seed: &Bound<'_, PyAny>, purpose: u32, call: &Bound<'_, PyAny>) -> Result<StreamKey> {
    let call: u32 = value("call", call)?;
    Ok(StreamKey::new(
        value("random_seed", seed)?,
        Domain::MiniSom,
        &[purpose, call],
    ))
}

/// Streams' purposes.
const INITIAL_WEIGHTS: u32 = 0;
const ORDER: u32 = 1;
const SAMPLES_COPIED: u32 = 2;

/// MiniSom's `activation_distance`: a name, or a callable (x, weights) → distances.
enum PyActivation<'py> {
    Named(Distance),
    Callable(Bound<'py, PyAny>),
}

fn activation<'py>(given: &Bound<'py, PyAny>) -> Result<PyActivation<'py>> {
    if given.is_callable() {
        return Ok(PyActivation::Callable(given.clone()));
    }
    Ok(PyActivation::Named(value("activation_distance", given)?))
}

/// Runs `work` with the map's activation: a named distance with the GIL released (and
/// `progress` told, Ctrl-C felt, as every long call); a Python callable on this thread, called
/// with the sample and the weights shaped x × y × dim, its exceptions and Ctrl-C raised as they
/// are.
fn with_activation<'py, T: Send>(
    py: Python<'py>,
    map: &MiniSomMap,
    given: &Bound<'py, PyAny>,
    progress: Option<Bound<'py, PyAny>>,
    work: impl FnOnce(&mut Activation, &dyn Progress) -> hopsom::Result<T> + Send,
) -> Result<T> {
    let progress = callback(progress)?;
    match activation(given)? {
        PyActivation::Named(distance) => run(py, progress.as_ref(), |progress| {
            work(&mut Activation::Named(distance), progress)
        }),
        PyActivation::Callable(callable) => {
            let shape = [map.lattice.x, map.lattice.y, map.dim];
            let raised = RefCell::new(None);
            let mut call = |x: &[f64], weights: &[f64]| -> hopsom::Result<Vec<f64>> {
                let called = (|| -> PyResult<Vec<f64>> {
                    py.check_signals()?;
                    let x = PyArray1::from_slice(py, x);
                    let weights = PyArray1::from_slice(py, weights).reshape(shape)?;
                    let out = callable.call1((x, weights))?;
                    let flat = py
                        .import("numpy")?
                        .call_method1("ravel", (out,))?
                        .call_method1("astype", ("float64",))?;
                    flat.extract::<Vec<f64>>()
                })();
                called.map_err(|error| {
                    *raised.borrow_mut() = Some(error);
                    Error::Interrupted
                })
            };
            let outcome = work(&mut Activation::Custom(&mut call), &hopsom::Silent);
            match raised.into_inner() {
                Some(error) => Err(Failure::Python(error)),
                None => Ok(outcome?),
            }
        }
    }
}

/// A MiniSom map: its lattice and neighbourhood function (see `hopsom.minisom.MiniSom`).
#[pyclass(module = "hopsom._hopsom", frozen)]
pub(crate) struct NativeMiniSom {
    map: MiniSomMap,
}

type Weights<'py> = Bound<'py, PyArray1<f64>>;

#[pymethods]
impl NativeMiniSom {
    #[new]
    fn new(
        x: &Bound<'_, PyAny>,
        y: &Bound<'_, PyAny>,
        input_len: &Bound<'_, PyAny>,
        topology: &Bound<'_, PyAny>,
        neighborhood_function: &Bound<'_, PyAny>,
    ) -> Result<Self> {
        let topology: Topology = value("topology", topology)?;
        let lattice = Lattice::new(value("x", x)?, value("y", y)?, topology)?;
        let neighbourhood: MiniNeighbourhood =
            value("neighborhood_function", neighborhood_function)?;
        Ok(NativeMiniSom {
            map: MiniSomMap::new(lattice, value("input_len", input_len)?, neighbourhood)?,
        })
    }

    /// MiniSom's `neighborhood(c, sigma)` (or the function `kind`'s), node by node in MiniSom's
    /// layout.
    #[pyo3(signature = (c, sigma, kind=None))]
    fn neighbourhood<'py>(
        &self,
        py: Python<'py>,
        c: (usize, usize),
        sigma: f64,
        kind: Option<&Bound<'py, PyAny>>,
    ) -> Result<Weights<'py>> {
        let kind = match kind {
            Some(kind) => value("neighborhood_function", kind)?,
            None => self.map.neighbourhood,
        };
        let winner = self.map.lattice.check_node(c)?;
        let mut out = vec![0.0; self.map.lattice.nodes()];
        kind.weights(&self.map.lattice, winner, sigma, &mut out);
        Ok(out.into_pyarray(py))
    }

    /// MiniSom's `_xx.T` and `_yy.T`: each node's place in the plane, MiniSom's layout.
    fn coordinates<'py>(&self, py: Python<'py>) -> (Weights<'py>, Weights<'py>) {
        let lattice = &self.map.lattice;
        let (xx, yy): (Vec<f64>, Vec<f64>) =
            (0..lattice.nodes()).map(|n| lattice.euclidean(n)).unzip();
        (xx.into_pyarray(py), yy.into_pyarray(py))
    }

    /// MiniSom's `train` loop on `weights`: the visits `order`, decay steps of `per_epoch`
    /// visits (or one per visit), their rates, the fixed points {sample: (i, j)}.
    #[pyo3(signature = (weights, data, order, per_epoch, learning_rates, sigmas, fixed_points, activation, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn train<'py>(
        &self,
        py: Python<'py>,
        weights: PyReadonlyArray1<'py, f64>,
        data: PyReadonlyArray2<'py, f64>,
        order: PyReadonlyArray1<'py, u32>,
        per_epoch: Option<usize>,
        learning_rates: PyReadonlyArray1<'py, f64>,
        sigmas: PyReadonlyArray1<'py, f64>,
        fixed_points: &Bound<'py, PyDict>,
        activation: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> Result<Weights<'py>> {
        let mut trained = values(&weights)?.to_vec();
        let data = values(&data)?;
        let points = fixed(fixed_points)?;
        let fixed_points = minisom::fixed_points(&self.map, data.len() / self.map.dim, &points)?;
        let run = OnlineRun {
            order: values(&order)?,
            per_epoch,
            learning_rates: values(&learning_rates)?,
            sigmas: values(&sigmas)?,
            fixed_points: &fixed_points,
        };
        let map = &self.map;
        with_activation(py, map, activation, progress, |activation, progress| {
            run.train(map, &mut trained, data, activation, progress)
        })?;
        Ok(trained.into_pyarray(py))
    }

    /// MiniSom's `train_batch_offline` on `weights`, one iteration per rate.
    #[pyo3(signature = (weights, data, learning_rates, sigmas, activation, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn batch_offline<'py>(
        &self,
        py: Python<'py>,
        weights: PyReadonlyArray1<'py, f64>,
        data: PyReadonlyArray2<'py, f64>,
        learning_rates: PyReadonlyArray1<'py, f64>,
        sigmas: PyReadonlyArray1<'py, f64>,
        activation: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> Result<Weights<'py>> {
        let mut trained = values(&weights)?.to_vec();
        let (data, rates, sigmas) = (values(&data)?, values(&learning_rates)?, values(&sigmas)?);
        let map = &self.map;
        with_activation(py, map, activation, progress, |activation, progress| {
            minisom::batch_offline(map, &mut trained, data, rates, sigmas, activation, progress)
        })?;
        Ok(trained.into_pyarray(py))
    }

    /// MiniSom's `update`: `weights` after one step towards `x` around winner `win`.
    fn update<'py>(
        &self,
        py: Python<'py>,
        weights: PyReadonlyArray1<'py, f64>,
        x: PyReadonlyArray1<'py, f64>,
        win: (usize, usize),
        learning_rate: f64,
        sigma: f64,
    ) -> Result<Weights<'py>> {
        let mut updated = values(&weights)?.to_vec();
        self.map.check_weights(&updated)?;
        let x = values(&x)?;
        if x.len() != self.map.dim {
            return Err(Error::InvalidData(format!(
                "x has {} features, the map {}",
                x.len(),
                self.map.dim
            ))
            .into());
        }
        let winner = self.map.lattice.check_node(win)?;
        let mut scratch = Vec::new();
        minisom::update(
            &self.map,
            &mut updated,
            x,
            winner,
            learning_rate,
            sigma,
            &mut scratch,
        );
        Ok(updated.into_pyarray(py))
    }

    /// Each sample's winner by the activation distance (MiniSom's index i·y + j).
    fn winners<'py>(
        &self,
        py: Python<'py>,
        weights: PyReadonlyArray1<'py, f64>,
        data: PyReadonlyArray2<'py, f64>,
        activation: &Bound<'py, PyAny>,
    ) -> Result<Bound<'py, PyArray1<usize>>> {
        let (weights, data) = (values(&weights)?, values(&data)?);
        let map = &self.map;
        let found = with_activation(py, map, activation, None, |activation, _| {
            minisom::winners(map, weights, data, activation)
        })?;
        Ok(found.into_pyarray(py))
    }

    /// Each sample's nearest node by euclidean distance (MiniSom's `quantization`).
    fn quantization<'py>(
        &self,
        py: Python<'py>,
        weights: PyReadonlyArray1<'py, f64>,
        data: PyReadonlyArray2<'py, f64>,
    ) -> Result<Bound<'py, PyArray1<usize>>> {
        let (weights, data) = (values(&weights)?, values(&data)?);
        let found = py.detach(|| minisom::quantization(&self.map, weights, data))?;
        Ok(found.into_pyarray(py))
    }

    fn quantization_error(
        &self,
        py: Python<'_>,
        weights: PyReadonlyArray1<'_, f64>,
        data: PyReadonlyArray2<'_, f64>,
    ) -> Result<f64> {
        let (weights, data) = (values(&weights)?, values(&data)?);
        Ok(py.detach(|| minisom::quantization_error(&self.map, weights, data))?)
    }

    fn topographic_error(
        &self,
        py: Python<'_>,
        weights: PyReadonlyArray1<'_, f64>,
        data: PyReadonlyArray2<'_, f64>,
    ) -> Result<f64> {
        let (weights, data) = (values(&weights)?, values(&data)?);
        Ok(py.detach(|| minisom::topographic_error(&self.map, weights, data))?)
    }

    fn distortion<'py>(
        &self,
        py: Python<'py>,
        weights: PyReadonlyArray1<'py, f64>,
        data: PyReadonlyArray2<'py, f64>,
        sigma: f64,
        activation: &Bound<'py, PyAny>,
    ) -> Result<f64> {
        let (weights, data) = (values(&weights)?, values(&data)?);
        let map = &self.map;
        with_activation(py, map, activation, None, |activation, _| {
            minisom::distortion(map, weights, data, sigma, activation)
        })
    }

    fn distance_map<'py>(
        &self,
        py: Python<'py>,
        weights: PyReadonlyArray1<'py, f64>,
        scaling: &Bound<'py, PyAny>,
    ) -> Result<Weights<'py>> {
        let scaling: Scaling = value("scaling", scaling)?;
        Ok(
            minisom::measures::distance_map(&self.map, values(&weights)?, scaling)?
                .into_pyarray(py),
        )
    }

    /// MiniSom's `pca_weights_init`: the weights, in MiniSom's layout.
    fn pca<'py>(&self, py: Python<'py>, data: PyReadonlyArray2<'py, f64>) -> Result<Weights<'py>> {
        let data = values(&data)?;
        Ok(py
            .detach(|| minisom::measures::pca_weights(&self.map, data))?
            .into_pyarray(py))
    }

    /// MiniSom's initial weights (unit-length nodes) for `random_seed`.
    fn initial_weights<'py>(
        &self,
        py: Python<'py>,
        random_seed: &Bound<'py, PyAny>,
    ) -> Result<Weights<'py>> {
        let key = stream(random_seed, INITIAL_WEIGHTS, &PyInt::new(py, 0).into_any())?;
        Ok(minisom::random_unit_weights(&self.map.lattice, self.map.dim, &key)?.into_pyarray(py))
    }

    /// The sample each node copies in `random_weights_init` call number `call`.
    fn chosen_samples<'py>(
        &self,
        py: Python<'py>,
        samples: usize,
        random_seed: &Bound<'py, PyAny>,
        call: &Bound<'py, PyAny>,
    ) -> Result<Bound<'py, PyArray1<usize>>> {
        let key = stream(random_seed, SAMPLES_COPIED, call)?;
        Ok(minisom::sample_weights(&self.map.lattice, samples, &key)?.into_pyarray(py))
    }
}

/// MiniSom's fixed points {sample: (i, j)} as pairs; a key that is not an integer is refused
/// as MiniSom refuses it (a `TypeError`).
fn fixed(points: &Bound<'_, PyDict>) -> Result<Vec<(i64, (i64, i64))>> {
    points
        .iter()
        .map(|(sample, node)| {
            if !sample.is_instance_of::<PyInt>() {
                return Err(OptionError::refused(
                    "fixed_points",
                    &sample,
                    "fixed points indexes must be integers",
                )
                .into());
            }
            let sample: i64 = value("fixed_points", &sample)?;
            let node: (i64, i64) = node
                .extract()
                .map_err(|_| OptionError::refused("fixed_points", &node, "must map to (i, j)"))?;
            Ok((sample, node))
        })
        .collect()
}

/// The samples MiniSom's `train` visits (see `hopsom::som::minisom::visiting_order`); shuffled
/// with the stream of call `call` of `random_seed` when `random_order`.
#[pyfunction]
pub(crate) fn minisom_order<'py>(
    py: Python<'py>,
    samples: usize,
    num_iteration: &Bound<'py, PyAny>,
    use_epochs: bool,
    random_order: bool,
    random_seed: &Bound<'py, PyAny>,
    call: &Bound<'py, PyAny>,
) -> Result<Bound<'py, PyArray1<u32>>> {
    let num_iteration: usize = value("num_iteration", num_iteration)?;
    if num_iteration < 1 {
        return Err(Error::Usage("num_iteration must be > 1".into()).into());
    }
    let key = random_order
        .then(|| stream(random_seed, ORDER, call))
        .transpose()?;
    let order =
        py.detach(|| minisom::visiting_order(samples, num_iteration, use_epochs, key.as_ref()))?;
    Ok(order.into_pyarray(py))
}

/// MiniSom's decay function `name` at step `t` of `max_iter` from `v`.
#[pyfunction]
pub(crate) fn minisom_decay(name: &Bound<'_, PyAny>, v: f64, t: f64, max_iter: f64) -> Result<f64> {
    let decay: Decay = value("decay_function", name)?;
    Ok(decay.value(v, t, max_iter))
}

/// The rates of steps 0..`steps` of the decay named `name` for `decayed` ("learning_rate" or
/// "sigma"), refused as MiniSom refuses a name it lacks; with `steps` 0, only the check.
#[pyfunction]
pub(crate) fn minisom_decay_table<'py>(
    py: Python<'py>,
    name: &str,
    decayed: &str,
    v: f64,
    steps: usize,
) -> Result<Weights<'py>> {
    let decayed = match decayed {
        "sigma" => Decayed::Sigma,
        _ => Decayed::LearningRate,
    };
    Ok(Decay::named(name, decayed)?
        .table(v, steps)
        .into_pyarray(py))
}

/// MiniSom's activation distance `name` from `x` to each row of `weights` (nodes × dim).
#[pyfunction]
pub(crate) fn minisom_activation<'py>(
    py: Python<'py>,
    name: &Bound<'py, PyAny>,
    x: PyReadonlyArray1<'py, f64>,
    weights: PyReadonlyArray2<'py, f64>,
) -> Result<Weights<'py>> {
    let distance: Distance = value("activation_distance", name)?;
    let (x, weights) = (values(&x)?, values(&weights)?);
    if x.is_empty() || weights.len() % x.len() != 0 {
        return Err(Error::InvalidData(format!(
            "x has {} features; the weights {} values",
            x.len(),
            weights.len()
        ))
        .into());
    }
    let mut out = Vec::new();
    distance.activation(x, weights, &mut out);
    Ok(out.into_pyarray(py))
}

/// MiniSom's `_distance_from_weights`: samples × nodes euclidean distances.
#[pyfunction]
pub(crate) fn minisom_distances_from_weights<'py>(
    py: Python<'py>,
    data: PyReadonlyArray2<'py, f64>,
    weights: PyReadonlyArray2<'py, f64>,
) -> Result<Bound<'py, numpy::PyArray2<f64>>> {
    let dim = weights.shape()[1];
    if data.shape()[1] != dim || dim == 0 {
        return Err(Error::InvalidData(format!(
            "the data has {} features, the weights {dim}",
            data.shape()[1]
        ))
        .into());
    }
    let (data_values, weight_values) = (values(&data)?, values(&weights)?);
    let out = py.detach(|| distances_from_weights(data_values, weight_values, dim));
    matrix(py, data.shape()[0], out)
}
