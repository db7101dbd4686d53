//! Hopfield networks from Python: learning, recall, energies, noisy probes and sweeps.

use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::prelude::*;

use hopsom::hopfield::learn::{is_factored, learn, Learning};
use hopsom::hopfield::recall::{recall, state_energies, RecallParams, RecallSpec};
use hopsom::hopfield::sweep::{
    run_sweep, sweep_rows as rows_of, sweep_tallies, SweepSpec, SweepTally,
};
use hopsom::hopfield::{best_match, noise, HopfieldNetwork, PatternSet};
use hopsom::{Backend, Error};

use crate::arrays::{column, matrix, values};
use crate::error::Result;
use crate::options::{spec, value};
use crate::run::{callback, run};

/// `pattern` with `noise` % of its neurons flipped, exactly as the command line corrupts
/// pattern `index` in trial `trial` with `seed`.
#[pyfunction]
pub(crate) fn corrupt<'py>(
    py: Python<'py>,
    pattern: PyReadonlyArray1<'py, i8>,
    noise: &Bound<'py, PyAny>,
    seed: &Bound<'py, PyAny>,
    index: &Bound<'py, PyAny>,
    trial: &Bound<'py, PyAny>,
) -> Result<Bound<'py, PyArray1<i8>>> {
    let percent: f64 = value("noise", noise)?;
    noise::check_noise(percent)?;
    let key = noise::noise_key(
        value("seed", seed)?,
        value("index", index)?,
        percent,
        value("trial", trial)?,
    );
    Ok(noise::corrupt(values(&pattern)?, percent, &key).into_pyarray(py))
}

/// Seed 003's Batman, A and Z (225 neurons each): their names and patterns x neurons.
#[pyfunction]
pub(crate) fn seed_patterns(py: Python<'_>) -> Result<(Vec<String>, Bound<'_, PyArray2<i8>>)> {
    let stored = hopsom::hopfield::seed_patterns();
    let array = matrix(py, stored.len(), stored.states().to_vec())?;
    Ok((stored.names.clone(), array))
}

/// Patterns x neurons as the pattern set the library stores, named "pattern k".
fn pattern_set(patterns: &PyReadonlyArray2<'_, i8>) -> Result<PatternSet> {
    let (count, neurons) = (patterns.shape()[0], patterns.shape()[1]);
    let names = (0..count).map(|k| format!("pattern {k}")).collect();
    let states = values(patterns)?.to_vec();
    Ok(PatternSet::new(neurons, states, names)?)
}

/// Checks a sweep of `patterns` (`hopsom.dask.sweep`, before any part of it runs): the
/// network's options against the patterns and the sweep's; nothing is learned. Returns the
/// checked options, as the workers take them.
#[pyfunction]
pub(crate) fn check_sweep<'py>(
    py: Python<'py>,
    patterns: PyReadonlyArray2<'py, i8>,
    network: &Bound<'py, PyAny>,
    options: &Bound<'py, PyAny>,
) -> Result<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let stored = pattern_set(&patterns)?;
    let learning: Learning = spec(network)?;
    is_factored(stored.neurons(), stored.len(), &learning, &Backend::Cpu)?;
    let sweep: SweepSpec = spec(options)?;
    sweep.check()?;
    Ok((
        crate::specs::flat(py, &learning)?,
        crate::specs::flat(py, &sweep)?,
    ))
}

/// The rows of a sweep of `patterns` from the tallies of all its trials.
#[pyfunction]
pub(crate) fn sweep_rows<'py>(
    py: Python<'py>,
    patterns: PyReadonlyArray2<'py, i8>,
    options: &Bound<'py, PyAny>,
    tallies: PyReadonlyArray2<'py, i64>,
) -> Result<Bound<'py, PyAny>> {
    let stored = pattern_set(&patterns)?;
    let sweep: SweepSpec = spec(options)?;
    if tallies.shape()[1] != SweepTally::FIELDS {
        return Err(Error::InvalidData(format!(
            "sweep tallies have {} columns, not {}",
            tallies.shape()[1],
            SweepTally::FIELDS
        ))
        .into());
    }
    let parsed = values(&tallies)?
        .chunks_exact(SweepTally::FIELDS)
        .map(|row| SweepTally::from_array(row.try_into().expect("a row of FIELDS")))
        .collect::<Option<Vec<SweepTally>>>()
        .ok_or_else(|| Error::InvalidData("a sweep tally has a negative count".into()))?;
    let rows = rows_of(&stored, &sweep, &parsed)?;
    Ok(pythonize::pythonize(py, &rows).map_err(PyErr::from)?)
}

/// A learned network: see `hopsom.Hopfield`.
#[pyclass(module = "hopsom._hopsom", frozen)]
pub(crate) struct NativeHopfield {
    stored: PatternSet,
    network: HopfieldNetwork,
    backend: Backend,
}

/// What recall gives back for a batch, as arrays.
#[pyclass(module = "hopsom._hopsom", frozen, get_all)]
pub(crate) struct NativeRecall {
    states: Py<PyArray2<i8>>,
    sweeps: Py<PyArray1<u32>>,
    endings: Py<PyAny>,
    converged: Py<PyArray1<bool>>,
    energies: Vec<Py<PyArray1<f64>>>,
    best_match: Py<PyArray1<u32>>,
    overlap: Py<PyArray1<f64>>,
    flips: Option<Vec<Py<PyArray1<u32>>>>,
}

#[pymethods]
impl NativeHopfield {
    /// Learns `patterns` (patterns x neurons, int8 ±1) as the options of `hopsom.Hopfield` say.
    #[new]
    fn new(
        py: Python<'_>,
        patterns: PyReadonlyArray2<'_, i8>,
        options: &Bound<'_, PyAny>,
        backend: &Bound<'_, PyAny>,
    ) -> Result<Self> {
        let learning: Learning = spec(options)?;
        let stored = pattern_set(&patterns)?;
        let backend = crate::backend::open(py, backend)?;
        let network = py.detach(|| learn(&stored, &learning, &backend))?;
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

    #[getter]
    fn factored(&self) -> bool {
        self.network.is_factored()
    }

    #[getter]
    fn device(&self) -> String {
        self.backend.device_name()
    }

    /// The weights as a dense float64 matrix, diagonal included (computed from the patterns
    /// when factored).
    fn dense_weights<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyArray2<f64>>> {
        let network = &self.network;
        let weights = py.detach(|| network.dense_weights())?;
        matrix(py, network.neurons(), weights)
    }

    /// The energy of each row of `states` under the network's interaction and the thresholds of
    /// `options`.
    fn energy<'py>(
        &self,
        py: Python<'py>,
        states: PyReadonlyArray2<'py, i8>,
        options: &Bound<'py, PyAny>,
    ) -> Result<Bound<'py, PyArray1<f64>>> {
        let params: RecallParams = spec(options)?;
        self.check_neurons("states", states.shape()[1])?;
        let states = values(&states)?;
        let network = &self.network;
        let energies = py.detach(|| state_energies(network, &params, states))?;
        Ok(energies.into_pyarray(py))
    }

    /// Recalls every row of `probes` as the options of `Hopfield.recall` say.
    #[pyo3(signature = (probes, options, progress=None))]
    fn recall(
        &self,
        py: Python<'_>,
        probes: PyReadonlyArray2<'_, i8>,
        options: &Bound<'_, PyAny>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> Result<NativeRecall> {
        let recall_spec: RecallSpec = spec(options)?;
        recall_spec.recall.validate()?;
        let progress = callback(progress)?;
        self.check_neurons("probes", probes.shape()[1])?;
        let count = probes.shape()[0];
        let states = values(&probes)?;
        let keys = recall_spec.keys(count);
        let (network, backend) = (&self.network, &self.backend);
        let outcomes = run(py, progress.as_ref(), |progress| {
            recall(
                network,
                states,
                &keys,
                &recall_spec.recall,
                backend,
                progress,
            )
        })?;
        let matches: Vec<_> = outcomes
            .iter()
            .map(|o| best_match(&self.stored, &o.final_state))
            .collect();
        let finals = outcomes.iter().flat_map(|o| o.final_state.iter().copied());
        let endings: Vec<_> = outcomes.iter().map(|o| o.ending).collect();
        Ok(NativeRecall {
            states: matrix(py, count, finals.collect())?.unbind(),
            sweeps: column(py, outcomes.iter().map(|o| o.sweeps)),
            endings: pythonize::pythonize(py, &endings)
                .map_err(PyErr::from)?
                .unbind(),
            converged: column(py, outcomes.iter().map(|o| o.converged())),
            energies: outcomes
                .iter()
                .map(|o| o.energy.clone().into_pyarray(py).unbind())
                .collect(),
            best_match: column(py, matches.iter().map(|m| m.pattern as u32)),
            overlap: column(py, matches.iter().map(|m| m.overlap)),
            flips: recall_spec.recall.record_flips.then(|| {
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

    /// A noise sweep over the stored patterns (see `hopsom.sweep`): its rows, seconds and
    /// recalls per second.
    #[pyo3(signature = (options, progress=None))]
    fn sweep<'py>(
        &self,
        py: Python<'py>,
        options: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyAny>> {
        let sweep: SweepSpec = spec(options)?;
        sweep.check()?;
        let progress = callback(progress)?;
        let (network, stored, backend) = (&self.network, &self.stored, &self.backend);
        let result = run(py, progress.as_ref(), |progress| {
            run_sweep(network, stored, &sweep, backend, progress)
        })?;
        Ok(pythonize::pythonize(py, &result).map_err(PyErr::from)?)
    }

    /// The tallies (int64, one row of `SweepTally::FIELDS` per pattern and level) of trials
    /// `trial_start..trial_end` of a sweep: one part of it, for a worker of `hopsom.dask.sweep`.
    #[pyo3(signature = (options, trial_start, trial_end, progress=None))]
    fn sweep_tallies<'py>(
        &self,
        py: Python<'py>,
        options: &Bound<'py, PyAny>,
        trial_start: usize,
        trial_end: usize,
        progress: Option<Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyArray2<i64>>> {
        let sweep: SweepSpec = spec(options)?;
        sweep.check()?;
        let progress = callback(progress)?;
        let (network, stored, backend) = (&self.network, &self.stored, &self.backend);
        let tallies = run(py, progress.as_ref(), |progress| {
            sweep_tallies(
                network,
                stored,
                &sweep,
                trial_start..trial_end,
                backend,
                progress,
            )
        })?;
        let values = tallies.iter().flat_map(|t| t.to_array()).collect();
        matrix(py, tallies.len(), values)
    }
}

impl NativeHopfield {
    /// Refuses `what` whose rows are not the network's neurons long.
    fn check_neurons(&self, what: &str, given: usize) -> Result<()> {
        let n = self.network.neurons();
        if given == n {
            return Ok(());
        }
        Err(Error::InvalidData(format!("{what} have {given} neurons, the network {n}")).into())
    }
}
