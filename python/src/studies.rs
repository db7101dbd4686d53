//! Capacity studies from Python, whole or in parts (the parts are `hopsom.dask.capacity`'s).

use pyo3::prelude::*;

use hopsom::hopfield::capacity::{
    capacity_rows, capacity_tallies, run_capacity, CapacitySpec, CapacityTally,
};
use hopsom::hopfield::learn::Learning;

use crate::callback::Callback;
use crate::convert::{choice, open_backend, raise, to_json};

/// A capacity study's rows as JSON (see `hopsom.capacity`).
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (neurons, loads, trials, rule, weights, mode, max_sweeps, seed, backend, progress=None, interaction="quadratic"))]
pub(crate) fn capacity_json(
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
    interaction: &str,
) -> PyResult<String> {
    let spec = capacity_spec(
        neurons,
        loads,
        trials,
        rule,
        weights,
        mode,
        max_sweeps,
        seed,
        interaction,
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
#[pyo3(signature = (neurons, loads, trials, trial_start, trial_end, rule, weights, mode, max_sweeps, seed, backend, progress=None, interaction="quadratic"))]
pub(crate) fn capacity_tallies_of(
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
    interaction: &str,
) -> PyResult<Vec<CapacityTallyTuple>> {
    let spec = capacity_spec(
        neurons,
        loads,
        trials,
        rule,
        weights,
        mode,
        max_sweeps,
        seed,
        interaction,
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
#[pyo3(signature = (neurons, loads, trials, rule, weights, mode, max_sweeps, seed, tallies, interaction="quadratic"))]
pub(crate) fn capacity_rows_json(
    neurons: usize,
    loads: Vec<f64>,
    trials: usize,
    rule: &str,
    weights: &str,
    mode: &str,
    max_sweeps: u32,
    seed: u64,
    tallies: Vec<CapacityTallyTuple>,
    interaction: &str,
) -> PyResult<String> {
    let spec = capacity_spec(
        neurons,
        loads,
        trials,
        rule,
        weights,
        mode,
        max_sweeps,
        seed,
        interaction,
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
    interaction: &str,
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
        interaction: crate::convert::interaction(interaction)?,
    };
    spec.check().map_err(raise)?;
    Ok(spec)
}
