//! The native half of the `hopsom` Python package: thin bindings over the library, arrays in
//! and out through rust-numpy, the GIL released for every computation. Checking and converting
//! what Python users pass (any dtype, any memory order, lists) is done in `hopsom/__init__.py`;
//! here arrays arrive C-contiguous in the dtype each function names.

use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2, PyReadonlyArray3,
    PyUntypedArrayMethods,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;

use hopsom::choice::Choice;
use hopsom::hopfield::capacity::{
    capacity_rows, capacity_tallies, run_capacity, CapacitySpec, CapacityTally,
};
use hopsom::hopfield::learn::{learn, Learning, LearningRule, WeightForm};
use hopsom::hopfield::recall::{recall, RecallParams, Thresholds, UpdateMode};
use hopsom::hopfield::sweep::{run_sweep, sweep_rows, sweep_tallies, SweepSpec, SweepTally};
use hopsom::hopfield::{best_match, noise, HopfieldNetwork, PatternSet};
use hopsom::som::{self, Codebook, Grid, Samples};
use hopsom::{Backend, BackendChoice, Error, Progress};

/// A library error as the matching exception of `hopsom.errors`, with the library's message.
fn raise(error: Error) -> PyErr {
    let class = match &error {
        Error::Usage(_) | Error::Parameter { .. } => "InvalidArgument",
        Error::InvalidData(_) | Error::BadInput { .. } => "InvalidData",
        Error::TooLarge(_) | Error::ParameterTooLarge { .. } => "TooLarge",
        Error::NoAdapter(_) => "NoAdapter",
        Error::Gpu(_) => "GpuFailure",
        Error::Io { .. } | Error::Render { .. } => "HopsomIOError",
        // Calls that can be interrupted go through `Callback::finish`; elsewhere it is a bug.
        Error::Interrupted => "HopsomError",
    };
    // Parameters as the keyword arguments spell them: `max_sweeps=0: must be at least 1`.
    let message = error.message_with(|param, value| match value {
        "" => param.name().to_string(),
        value => format!("{}={value}", param.name()),
    });
    Python::attach(|py| {
        match py
            .import("hopsom.errors")
            .and_then(|module| module.getattr(class))
            .and_then(|class| class.call1((message.clone(),)))
        {
            Ok(exception) => PyErr::from_value(exception),
            Err(_) => PyRuntimeError::new_err(message),
        }
    })
}

/// `values` as a `rows` x `columns` numpy array.
fn matrix<T: numpy::Element>(
    py: Python<'_>,
    (rows, columns): (usize, usize),
    values: Vec<T>,
) -> PyResult<Bound<'_, PyArray2<T>>> {
    numpy::ndarray::Array2::from_shape_vec((rows, columns), values)
        .map(|array| array.into_pyarray(py))
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Refuses `what` whose rows are not `n` neurons long.
fn check_neurons(what: &str, given: usize, n: usize) -> PyResult<()> {
    if given == n {
        return Ok(());
    }
    Err(raise(Error::InvalidData(format!(
        "{what} have {given} neurons, the network {n}"
    ))))
}

/// A `Choice` from its Python spelling, or the library's usage error naming `what`.
fn choice<T: Choice>(what: &str, text: &str) -> PyResult<T> {
    T::parse(text).ok_or_else(|| {
        raise(Error::Usage(format!(
            "{what}={text:?}: use {}",
            T::listed()
        )))
    })
}

fn open_backend(name: &str) -> PyResult<Backend> {
    let choice: BackendChoice = choice("backend", name)?;
    // Notices (the CPU chosen for want of a hardware GPU) are the CLI's to print; Python users
    // see the chosen device on the object.
    Backend::open(choice, |_| {}).map_err(raise)
}

/// What a long call reports to Python: the units done to an optional callable, and whether
/// Ctrl-C was pressed since the call began (SIGINT is watched by a flag while the engine runs,
/// beside Python's own handler, which still marks the interrupt for the interpreter).
struct Callback {
    callable: Option<Py<PyAny>>,
    interrupted: Arc<AtomicBool>,
    watch: Option<signal_hook::SigId>,
}

impl Callback {
    fn new(callable: Option<Py<PyAny>>) -> Callback {
        let interrupted = Arc::new(AtomicBool::new(false));
        // Without the watch (a platform without SIGINT handlers) calls simply run to the end.
        let watch =
            signal_hook::flag::register(signal_hook::consts::SIGINT, interrupted.clone()).ok();
        Callback {
            callable,
            interrupted,
            watch,
        }
    }

    /// The result of a call made with this callback: an interruption becomes Python's
    /// KeyboardInterrupt, any other error its hopsom exception.
    fn finish<T>(&self, py: Python<'_>, result: Result<T, Error>) -> PyResult<T> {
        match result {
            Ok(value) => Ok(value),
            Err(Error::Interrupted) => {
                // Python's handler saw the same signal: let it raise, as it would in Python.
                py.check_signals()?;
                Err(PyKeyboardInterrupt::new_err("interrupted"))
            }
            Err(error) => Err(raise(error)),
        }
    }

    /// For per-epoch reports: advance by one, or stop if interrupted.
    fn epoch_done(&self) -> Result<(), Error> {
        self.advance(1);
        if self.cancelled() {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    }
}

impl Drop for Callback {
    fn drop(&mut self) {
        if let Some(id) = self.watch.take() {
            signal_hook::low_level::unregister(id);
        }
    }
}

impl Progress for Callback {
    fn advance(&self, units: u64) {
        if let Some(callback) = &self.callable {
            Python::attach(|py| {
                // A failing callback must not unwind through the library's threads.
                if let Err(error) = callback.call1(py, (units,)) {
                    error.write_unraisable(py, None);
                }
            });
        }
    }

    fn cancelled(&self) -> bool {
        self.interrupted.load(Ordering::Relaxed)
    }
}

/// The adapters wgpu can open, as a JSON list (the Python side parses it).
#[pyfunction]
fn devices_json(py: Python<'_>) -> PyResult<String> {
    let adapters = py.detach(hopsom::gpu::list_adapters);
    serde_json::to_string(&adapters).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// `pattern` with `percent` % of its neurons flipped, exactly as the CLI corrupts pattern `index`
/// in trial `trial` with `seed`.
#[pyfunction]
fn corrupt<'py>(
    py: Python<'py>,
    pattern: PyReadonlyArray1<'py, i8>,
    percent: f64,
    seed: u64,
    index: usize,
    trial: usize,
) -> PyResult<Bound<'py, PyArray1<i8>>> {
    if !(0.0..=100.0).contains(&percent) {
        return Err(raise(Error::Usage(format!(
            "percent={percent}: give a percentage in [0, 100]"
        ))));
    }
    let pattern = pattern.as_slice()?;
    let key = noise::noise_key(seed, index, percent, trial);
    Ok(noise::corrupt(pattern, percent, &key).into_pyarray(py))
}

/// A sweep's options as Python passes them, the recall options checked.
#[allow(clippy::too_many_arguments)]
fn sweep_spec(
    levels: Vec<f64>,
    trials: usize,
    seed: u64,
    mode: &str,
    max_sweeps: u32,
    threshold: f64,
    temperature: f64,
    self_coupling: bool,
) -> PyResult<SweepSpec> {
    Ok(SweepSpec {
        levels,
        trials,
        seed,
        recall: recall_params(
            mode,
            max_sweeps,
            threshold,
            temperature,
            self_coupling,
            false,
        )?,
    })
}

/// The recall options Python passes, checked.
fn recall_params(
    mode: &str,
    max_sweeps: u32,
    threshold: f64,
    temperature: f64,
    self_coupling: bool,
    trajectory: bool,
) -> PyResult<RecallParams> {
    let mode: UpdateMode = choice("mode", mode)?;
    if trajectory && mode == UpdateMode::Sync {
        return Err(raise(Error::Usage(
            "trajectory=True records the flips of asynchronous recall; use mode=\"async\"".into(),
        )));
    }
    let params = RecallParams {
        mode,
        max_sweeps,
        self_coupling,
        thresholds: Thresholds::Uniform(threshold),
        clamp: None,
        temperature,
        record_flips: trajectory,
    };
    params.validate().map_err(raise)?;
    Ok(params)
}

fn to_json(value: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// A capacity study's rows as JSON (see `hopsom.capacity`).
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (neurons, loads, trials, rule, weights, mode, max_sweeps, seed, backend, progress=None))]
fn capacity_json(
    py: Python<'_>,
    neurons: usize,
    loads: Vec<f64>,
    trials: usize,
    rule: &str,
    weights: &str,
    mode: &str,
    max_sweeps: u32,
    seed: u64,
    backend: &str,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let spec = capacity_spec(
        neurons, loads, trials, rule, weights, mode, max_sweeps, seed,
    )?;
    let backend = open_backend(backend)?;
    let callback = Callback::new(progress);
    let rows = callback.finish(py, py.detach(|| run_capacity(&spec, &backend, &callback)))?;
    to_json(&rows)
}

/// A capacity study's tally as Python integers: (sets, flipped_bits, flipped_bits_sq, stable,
/// dot_sum); the square sum may pass 64 bits.
type CapacityTallyTuple = (u64, u64, u128, u64, i64);

/// The tallies of pattern sets `trial_start..trial_end` of a capacity study, one per load (a
/// part of the study for one worker: `hopsom.dask.capacity`).
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (neurons, loads, trials, trial_start, trial_end, rule, weights, mode, max_sweeps, seed, backend, progress=None))]
fn capacity_tallies_of(
    py: Python<'_>,
    neurons: usize,
    loads: Vec<f64>,
    trials: usize,
    trial_start: usize,
    trial_end: usize,
    rule: &str,
    weights: &str,
    mode: &str,
    max_sweeps: u32,
    seed: u64,
    backend: &str,
    progress: Option<Py<PyAny>>,
) -> PyResult<Vec<CapacityTallyTuple>> {
    let spec = capacity_spec(
        neurons, loads, trials, rule, weights, mode, max_sweeps, seed,
    )?;
    let backend = open_backend(backend)?;
    let callback = Callback::new(progress);
    let tallies = callback.finish(
        py,
        py.detach(|| capacity_tallies(&spec, trial_start..trial_end, &backend, &callback)),
    )?;
    Ok(tallies
        .iter()
        .map(|t| {
            (
                t.sets,
                t.flipped_bits,
                t.flipped_bits_sq,
                t.stable,
                t.dot_sum,
            )
        })
        .collect())
}

/// The rows (JSON) of a capacity study from the tallies of all its pattern sets.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
fn capacity_rows_json(
    neurons: usize,
    loads: Vec<f64>,
    trials: usize,
    rule: &str,
    weights: &str,
    mode: &str,
    max_sweeps: u32,
    seed: u64,
    tallies: Vec<CapacityTallyTuple>,
) -> PyResult<String> {
    let spec = capacity_spec(
        neurons, loads, trials, rule, weights, mode, max_sweeps, seed,
    )?;
    let tallies: Vec<CapacityTally> = tallies
        .into_iter()
        .map(
            |(sets, flipped_bits, flipped_bits_sq, stable, dot_sum)| CapacityTally {
                sets,
                flipped_bits,
                flipped_bits_sq,
                stable,
                dot_sum,
            },
        )
        .collect();
    to_json(&capacity_rows(&spec, &tallies).map_err(raise)?)
}

#[allow(clippy::too_many_arguments)]
fn capacity_spec(
    neurons: usize,
    loads: Vec<f64>,
    trials: usize,
    rule: &str,
    weights: &str,
    mode: &str,
    max_sweeps: u32,
    seed: u64,
) -> PyResult<CapacitySpec> {
    let spec = CapacitySpec {
        neurons,
        loads,
        trials,
        seed,
        learning: Learning {
            rule: choice("rule", rule)?,
            weights: choice("weights", weights)?,
            ..Learning::default()
        },
        mode: choice("mode", mode)?,
        max_sweeps,
    };
    spec.check().map_err(raise)?;
    Ok(spec)
}

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
fn cluster_colours<'py>(
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

/// Seed 003's Batman, A and Z (225 neurons each): their names and patterns x neurons.
#[pyfunction]
fn seed_patterns(py: Python<'_>) -> PyResult<(Vec<String>, Bound<'_, PyArray2<i8>>)> {
    let stored = hopsom::hopfield::seed_patterns();
    let array = matrix(
        py,
        (stored.len(), stored.neurons()),
        stored.states().to_vec(),
    )?;
    Ok((stored.names.clone(), array))
}

/// A learned network: see `hopsom.Hopfield`.
#[pyclass(module = "hopsom._hopsom", frozen)]
struct NativeHopfield {
    stored: PatternSet,
    network: HopfieldNetwork,
    backend: Backend,
}

/// What recall gives back for a batch, as flat arrays.
#[pyclass(module = "hopsom._hopsom", frozen, get_all)]
struct NativeRecall {
    states: Py<PyArray2<i8>>,
    sweeps: Py<PyArray1<u32>>,
    endings: Vec<String>,
    energies: Vec<Py<PyArray1<f64>>>,
    best_match: Py<PyArray1<u32>>,
    overlap: Py<PyArray1<f64>>,
    flips: Option<Vec<Py<PyArray1<u32>>>>,
}

#[pymethods]
impl NativeHopfield {
    #[new]
    fn new(
        py: Python<'_>,
        patterns: PyReadonlyArray2<'_, i8>,
        rule: &str,
        weights: &str,
        keep_diagonal: bool,
        backend: &str,
    ) -> PyResult<Self> {
        let rule: LearningRule = choice("rule", rule)?;
        let form: WeightForm = choice("weights", weights)?;
        let neurons = patterns.shape()[1];
        let states = patterns.as_slice()?.to_vec();
        let count = patterns.shape()[0];
        let names = (0..count).map(|k| format!("pattern {k}")).collect();
        let stored = PatternSet::new(neurons, states, names).map_err(raise)?;
        let backend = open_backend(backend)?;
        let learning = Learning {
            rule,
            weights: form,
            keep_diagonal,
        };
        let network = py
            .detach(|| learn(&stored, &learning, &backend))
            .map_err(raise)?;
        Ok(NativeHopfield {
            stored,
            network,
            backend,
        })
    }

    #[getter]
    fn neurons(&self) -> usize {
        self.network.neurons()
    }

    /// A noise sweep over the stored patterns as JSON (see `hopsom.sweep`).
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (levels, trials, seed, mode, max_sweeps, threshold, temperature, self_coupling, progress=None))]
    fn sweep_json(
        &self,
        py: Python<'_>,
        levels: Vec<f64>,
        trials: usize,
        seed: u64,
        mode: &str,
        max_sweeps: u32,
        threshold: f64,
        temperature: f64,
        self_coupling: bool,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<String> {
        let spec = sweep_spec(
            levels,
            trials,
            seed,
            mode,
            max_sweeps,
            threshold,
            temperature,
            self_coupling,
        )?;
        let callback = Callback::new(progress);
        let (network, stored, backend) = (&self.network, &self.stored, &self.backend);
        let result = callback.finish(
            py,
            py.detach(|| run_sweep(network, stored, &spec, backend, &callback)),
        )?;
        to_json(&result)
    }

    /// The tallies (int64, one row of `SweepTally::FIELDS` per pattern and level) of trials
    /// `trial_start..trial_end` of a sweep (a part of the sweep for one worker:
    /// `hopsom.dask.sweep`).
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (levels, trials, trial_start, trial_end, seed, mode, max_sweeps, threshold, temperature, self_coupling, progress=None))]
    fn sweep_tallies<'py>(
        &self,
        py: Python<'py>,
        levels: Vec<f64>,
        trials: usize,
        trial_start: usize,
        trial_end: usize,
        seed: u64,
        mode: &str,
        max_sweeps: u32,
        threshold: f64,
        temperature: f64,
        self_coupling: bool,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyArray2<i64>>> {
        let spec = sweep_spec(
            levels,
            trials,
            seed,
            mode,
            max_sweeps,
            threshold,
            temperature,
            self_coupling,
        )?;
        let callback = Callback::new(progress);
        let (network, stored, backend) = (&self.network, &self.stored, &self.backend);
        let tallies = callback.finish(
            py,
            py.detach(|| {
                sweep_tallies(
                    network,
                    stored,
                    &spec,
                    trial_start..trial_end,
                    backend,
                    &callback,
                )
            }),
        )?;
        let values = tallies.iter().flat_map(|t| t.to_array()).collect();
        matrix(py, (tallies.len(), SweepTally::FIELDS), values)
    }

    /// The rows (JSON) of a sweep over `levels` from the tallies of all its trials.
    fn sweep_rows_json(
        &self,
        levels: Vec<f64>,
        tallies: PyReadonlyArray2<'_, i64>,
    ) -> PyResult<String> {
        if tallies.shape()[1] != SweepTally::FIELDS {
            return Err(raise(Error::InvalidData(format!(
                "sweep tallies have {} columns, not {}",
                tallies.shape()[1],
                SweepTally::FIELDS
            ))));
        }
        let parsed: Option<Vec<SweepTally>> = tallies
            .as_slice()?
            .chunks_exact(SweepTally::FIELDS)
            .map(|row| SweepTally::from_array(row.try_into().expect("a row of FIELDS")))
            .collect();
        let parsed = parsed.ok_or_else(|| {
            raise(Error::InvalidData(
                "a sweep tally has a negative count".into(),
            ))
        })?;
        let spec = SweepSpec {
            levels,
            trials: 1,
            seed: 0,
            recall: Default::default(),
        };
        to_json(&sweep_rows(&self.stored, &spec, &parsed).map_err(raise)?)
    }

    #[getter]
    fn factored(&self) -> bool {
        self.network.is_factored()
    }

    #[getter]
    fn device(&self) -> String {
        self.backend.device_name()
    }

    /// The weights as a dense float64 matrix (computed from the patterns when factored).
    fn dense_weights<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let n = self.network.neurons();
        let bytes = (n as u64)
            .checked_mul(n as u64)
            .and_then(|c| c.checked_mul(8));
        hopsom::limits::check_host_memory(&format!("the {n} x {n} weights"), bytes)
            .map_err(raise)?;
        let network = &self.network;
        let values: Vec<f64> =
            py.detach(|| (0..n * n).map(|k| network.weight(k / n, k % n)).collect());
        matrix(py, (n, n), values)
    }

    /// E(s) = −½ Σ_ij w_ij s_i s_j of each row of `states`.
    fn energy<'py>(
        &self,
        py: Python<'py>,
        states: PyReadonlyArray2<'py, i8>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let n = self.network.neurons();
        check_neurons("states", states.shape()[1], n)?;
        let states = states.as_slice()?;
        let network = &self.network;
        let energies: Vec<f64> = py.detach(|| {
            states
                .chunks_exact(n)
                .map(|s| {
                    let mut total = 0.0;
                    for i in 0..n {
                        let field: f64 = (0..n)
                            .filter(|&j| j != i)
                            .map(|j| network.weight(i, j) * f64::from(s[j]))
                            .sum();
                        total += f64::from(s[i]) * field;
                    }
                    -0.5 * total
                })
                .collect()
        });
        Ok(energies.into_pyarray(py))
    }

    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (probes, mode, max_sweeps, threshold, temperature, self_coupling, trajectory, seed, progress=None))]
    fn recall(
        &self,
        py: Python<'_>,
        probes: PyReadonlyArray2<'_, i8>,
        mode: &str,
        max_sweeps: u32,
        threshold: f64,
        temperature: f64,
        self_coupling: bool,
        trajectory: bool,
        seed: u64,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<NativeRecall> {
        let params = recall_params(
            mode,
            max_sweeps,
            threshold,
            temperature,
            self_coupling,
            trajectory,
        )?;
        let n = self.network.neurons();
        check_neurons("probes", probes.shape()[1], n)?;
        let states = probes.as_slice()?.to_vec();
        let count = probes.shape()[0];
        let keys: Vec<_> = (0..count)
            .map(|b| noise::probe_order_key(seed, b))
            .collect();
        let callback = Callback::new(progress);
        let (network, backend, stored) = (&self.network, &self.backend, &self.stored);
        let outcomes = callback.finish(
            py,
            py.detach(|| recall(network, &states, &keys, &params, backend, &callback)),
        )?;
        let mut finals = Vec::with_capacity(count * n);
        let (mut best, mut overlap) = (Vec::new(), Vec::new());
        for outcome in &outcomes {
            finals.extend_from_slice(&outcome.final_state);
            let m = best_match(stored, &outcome.final_state);
            best.push(m.pattern as u32);
            overlap.push(m.overlap);
        }
        Ok(NativeRecall {
            states: matrix(py, (count, n), finals)?.unbind(),
            sweeps: outcomes
                .iter()
                .map(|o| o.sweeps)
                .collect::<Vec<_>>()
                .into_pyarray(py)
                .unbind(),
            // The CLI's JSON names: "fixed_point", "two_cycle", "sweep_limit".
            endings: outcomes
                .iter()
                .map(|o| {
                    serde_json::to_value(o.ending)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                })
                .collect(),
            energies: outcomes
                .iter()
                .map(|o| o.energy.clone().into_pyarray(py).unbind())
                .collect(),
            best_match: best.into_pyarray(py).unbind(),
            overlap: overlap.into_pyarray(py).unbind(),
            flips: trajectory.then(|| {
                outcomes
                    .iter()
                    .map(|o| {
                        o.flips
                            .clone()
                            .unwrap_or_default()
                            .into_pyarray(py)
                            .unbind()
                    })
                    .collect()
            }),
        })
    }
}

/// One epoch's report: epoch, QE, TE, learning rate, radius.
type EpochRow = (usize, f64, f64, f32, f32);

/// A self-organizing map: see `hopsom.SOM`.
#[pyclass(module = "hopsom._hopsom")]
struct NativeSom {
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

#[pymodule]
fn _hopsom(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(devices_json, module)?)?;
    module.add_function(wrap_pyfunction!(corrupt, module)?)?;
    module.add_function(wrap_pyfunction!(capacity_json, module)?)?;
    module.add_function(wrap_pyfunction!(capacity_tallies_of, module)?)?;
    module.add_function(wrap_pyfunction!(capacity_rows_json, module)?)?;
    module.add_function(wrap_pyfunction!(seed_patterns, module)?)?;
    module.add_function(wrap_pyfunction!(cluster_colours, module)?)?;
    module.add_class::<NativeHopfield>()?;
    module.add_class::<NativeRecall>()?;
    module.add_class::<NativeSom>()?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
