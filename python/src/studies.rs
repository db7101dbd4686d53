//! Capacity studies from Python, whole or in parts (the parts are `hopsom.dask.capacity`'s).

use pyo3::prelude::*;

use hopsom::hopfield::capacity::{
    capacity_rows as rows_of, capacity_tallies as tallies_of, run_capacity, CapacitySpec,
    CapacityTally,
};

use crate::error::Result;
use crate::options::spec;
use crate::run::{callback, run};

/// A capacity study's rows (see `hopsom.capacity`).
#[pyfunction]
#[pyo3(signature = (options, backend, progress=None))]
pub(crate) fn capacity<'py>(
    py: Python<'py>,
    options: &Bound<'py, PyAny>,
    backend: &Bound<'py, PyAny>,
    progress: Option<Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyAny>> {
    let study: CapacitySpec = spec(options)?;
    study.check()?;
    let progress = callback(progress)?;
    let backend = crate::backend::open(py, backend)?;
    let rows = run(py, progress.as_ref(), |progress| {
        run_capacity(&study, &backend, progress)
    })?;
    Ok(pythonize::pythonize(py, &rows).map_err(PyErr::from)?)
}

/// A study's tally as Python integers: (sets, flipped_bits, flipped_bits_sq, stable, dot_sum);
/// the square sum may pass 64 bits.
type TallyTuple = (u64, u64, u128, u64, i64);

/// The tallies of pattern sets `trial_start..trial_end` of a study, one per load: one part of
/// it, for a worker of `hopsom.dask.capacity`.
#[pyfunction]
#[pyo3(signature = (options, backend, trial_start, trial_end, progress=None))]
pub(crate) fn capacity_tallies(
    py: Python<'_>,
    options: &Bound<'_, PyAny>,
    backend: &Bound<'_, PyAny>,
    trial_start: usize,
    trial_end: usize,
    progress: Option<Bound<'_, PyAny>>,
) -> Result<Vec<TallyTuple>> {
    let study: CapacitySpec = spec(options)?;
    let progress = callback(progress)?;
    let backend = crate::backend::open(py, backend)?;
    let tallies = run(py, progress.as_ref(), |progress| {
        tallies_of(&study, trial_start..trial_end, &backend, progress)
    })?;
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

/// The rows of a study from the tallies of all its pattern sets.
#[pyfunction]
pub(crate) fn capacity_rows<'py>(
    py: Python<'py>,
    options: &Bound<'py, PyAny>,
    tallies: Vec<TallyTuple>,
) -> Result<Bound<'py, PyAny>> {
    let study: CapacitySpec = spec(options)?;
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
    let rows = rows_of(&study, &tallies)?;
    Ok(pythonize::pythonize(py, &rows).map_err(PyErr::from)?)
}
