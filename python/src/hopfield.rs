//! Hopfield networks from Python: learning, recall, noisy probes and sweeps.

use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::prelude::*;

use hopsom::hopfield::learn::{is_factored, learn, Learning, LearningRule, WeightForm};
use hopsom::hopfield::recall::{recall, state_energies, RecallParams, Thresholds, UpdateMode};
use hopsom::hopfield::sweep::{run_sweep, sweep_rows, sweep_tallies, SweepSpec, SweepTally};
use hopsom::hopfield::{best_match, noise, HopfieldNetwork, Interaction, PatternSet};
use hopsom::{Backend, Error};

use crate::callback::Callback;
use crate::convert::{check_neurons, choice, matrix, open_backend, raise, to_json};

/// `pattern` with `percent` % of its neurons flipped, exactly as the CLI corrupts pattern `index`
/// in trial `trial` with `seed`.
#[pyfunction]
pub(crate) fn corrupt<'py>(
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

/// Patterns x neurons as the pattern set the library stores, named "pattern k".
fn pattern_set(patterns: &PyReadonlyArray2<'_, i8>) -> PyResult<PatternSet> {
    let (count, neurons) = (patterns.shape()[0], patterns.shape()[1]);
    let names = (0..count).map(|k| format!("pattern {k}")).collect();
    PatternSet::new(neurons, patterns.as_slice()?.to_vec(), names).map_err(raise)
}

/// Checks a sweep of `patterns` before any part of it runs (`hopsom.dask.sweep`): the patterns,
/// the rule and weight form together, the levels and trials, the recall options; nothing is
/// learned.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (patterns, rule, weights, levels, trials, seed, mode, max_sweeps, threshold, temperature, self_coupling, interaction="quadratic"))]
pub(crate) fn check_sweep(
    patterns: PyReadonlyArray2<'_, i8>,
    rule: &str,
    weights: &str,
    levels: Vec<f64>,
    trials: usize,
    seed: u64,
    mode: &str,
    max_sweeps: u32,
    threshold: f64,
    temperature: f64,
    self_coupling: bool,
    interaction: &str,
) -> PyResult<()> {
    let stored = pattern_set(&patterns)?;
    let interaction = crate::convert::interaction(interaction)?;
    let learning = Learning {
        rule: choice("rule", rule)?,
        weights: choice("weights", weights)?,
        ..Learning::default()
    }
    .for_interaction(interaction)
    .map_err(raise)?;
    is_factored(stored.neurons(), stored.len(), &learning, &Backend::Cpu).map_err(raise)?;
    let spec = sweep_spec(
        levels,
        trials,
        seed,
        mode,
        max_sweeps,
        threshold,
        temperature,
        self_coupling,
        interaction,
    )?;
    spec.check().map_err(raise)
}

/// The rows (JSON) of a sweep of `patterns` over `levels` from the tallies of all its trials.
#[pyfunction]
pub(crate) fn sweep_rows_json(
    patterns: PyReadonlyArray2<'_, i8>,
    levels: Vec<f64>,
    tallies: PyReadonlyArray2<'_, i64>,
) -> PyResult<String> {
    let stored = pattern_set(&patterns)?;
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
    to_json(&sweep_rows(&stored, &spec, &parsed).map_err(raise)?)
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
    interaction: Interaction,
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
            interaction,
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
    interaction: Interaction,
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
        interaction,
    };
    params.validate().map_err(raise)?;
    Ok(params)
}

/// Seed 003's Batman, A and Z (225 neurons each): their names and patterns x neurons.
#[pyfunction]
pub(crate) fn seed_patterns(py: Python<'_>) -> PyResult<(Vec<String>, Bound<'_, PyArray2<i8>>)> {
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
pub(crate) struct NativeHopfield {
    stored: PatternSet,
    network: HopfieldNetwork,
    backend: Backend,
    interaction: Interaction,
}

/// What recall gives back for a batch, as flat arrays.
#[pyclass(module = "hopsom._hopsom", frozen, get_all)]
pub(crate) struct NativeRecall {
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
        interaction: &str,
    ) -> PyResult<Self> {
        let interaction = crate::convert::interaction(interaction)?;
        let rule: LearningRule = choice("rule", rule)?;
        let form: WeightForm = choice("weights", weights)?;
        let stored = pattern_set(&patterns)?;
        let backend = open_backend(backend)?;
        let learning = Learning {
            rule,
            weights: form,
            keep_diagonal,
        }
        .for_interaction(interaction)
        .map_err(raise)?;
        let network = py
            .detach(|| learn(&stored, &learning, &backend))
            .map_err(raise)?;
        Ok(NativeHopfield {
            stored,
            network,
            backend,
            interaction,
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
            self.interaction,
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
            self.interaction,
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
        if !self.interaction.is_quadratic() {
            let params = RecallParams {
                interaction: self.interaction,
                ..RecallParams::default()
            };
            let energies = py
                .detach(|| state_energies(network, &params, states))
                .map_err(raise)?;
            return Ok(energies.into_pyarray(py));
        }
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
            self.interaction,
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
