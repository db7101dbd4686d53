//! Modern Hopfield networks from Python: retrieval and accuracy sweeps.

use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;

use hopsom::modern::corrupt::CorruptionKind;
use hopsom::modern::sweep::{run_modern_sweep, ModernSweepSpec};
use hopsom::modern::{retrieve, ModernHopfield, RetrieveOptions, Steps};
use hopsom::{Backend, Error};

use crate::callback::Callback;
use crate::convert::{choice, matrix, open_backend, raise, to_json};

/// Stored patterns and β: see `hopsom.ModernHopfield`.
#[pyclass(module = "hopsom._hopsom", frozen)]
pub(crate) struct NativeModern {
    memory: ModernHopfield,
    backend: Backend,
}

/// What retrieval gives back, as arrays.
#[pyclass(module = "hopsom._hopsom", frozen, get_all)]
pub(crate) struct NativeRetrieval {
    retrieved: Py<PyArray2<f32>>,
    attention: Option<Py<PyArray2<f32>>>,
    /// queries x (most steps + 1), NaN after a query's last step.
    energies: Option<Py<PyArray2<f64>>>,
    best_pattern: Py<PyArray1<u32>>,
    weight: Py<PyArray1<f32>>,
    effective_patterns: Py<PyArray1<f32>>,
    kinds: Vec<String>,
    steps: Py<PyArray1<u32>>,
    converged: Vec<bool>,
}

/// The steps as Python passes them.
fn steps(steps: u32, until_converged: bool, max_steps: u32, tolerance: f32) -> Steps {
    if until_converged {
        Steps::UntilConverged {
            max_steps,
            tolerance,
        }
    } else {
        Steps::Fixed(steps)
    }
}

#[pymethods]
impl NativeModern {
    #[new]
    fn new(
        stored: PyReadonlyArray2<'_, f32>,
        beta: f64,
        normalize: bool,
        backend: &str,
    ) -> PyResult<Self> {
        let (patterns, dim) = (stored.shape()[0], stored.shape()[1]);
        let memory =
            ModernHopfield::new(stored.as_slice()?.to_vec(), patterns, dim, beta, normalize)
                .map_err(raise)?;
        Ok(NativeModern {
            memory,
            backend: open_backend(backend)?,
        })
    }

    /// The stored patterns as retrieval uses them (unit rows when normalised).
    #[getter]
    fn stored<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        matrix(
            py,
            (self.memory.patterns(), self.memory.dim()),
            self.memory.stored().to_vec(),
        )
    }

    #[getter]
    fn device(&self) -> String {
        self.backend.device_name()
    }

    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (queries, steps_count, until_converged, max_steps, tolerance, keep_attention, keep_energies, progress=None))]
    fn retrieve(
        &self,
        py: Python<'_>,
        queries: PyReadonlyArray2<'_, f32>,
        steps_count: u32,
        until_converged: bool,
        max_steps: u32,
        tolerance: f32,
        keep_attention: bool,
        keep_energies: bool,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<NativeRetrieval> {
        let dim = self.memory.dim();
        if queries.shape()[1] != dim {
            return Err(raise(Error::InvalidData(format!(
                "queries have {} values, the stored patterns {dim}",
                queries.shape()[1]
            ))));
        }
        let values = queries.as_slice()?.to_vec();
        let options = RetrieveOptions {
            steps: steps(steps_count, until_converged, max_steps, tolerance),
            attention: keep_attention,
            energies: keep_energies,
        };
        let callback = Callback::new(progress);
        let (memory, backend) = (&self.memory, &self.backend);
        let got = callback.finish(
            py,
            py.detach(|| retrieve(memory, &values, &options, backend, &callback)),
        )?;
        // Queries that converged early are padded with NaN after their last step.
        let energies = match &got.energies {
            Some(all) => {
                let width = all.iter().map(Vec::len).max().unwrap_or(1);
                let padded = all
                    .iter()
                    .flat_map(|e| {
                        e.iter()
                            .copied()
                            .chain(std::iter::repeat_n(f64::NAN, width - e.len()))
                    })
                    .collect();
                Some(matrix(py, (got.queries, width), padded)?.unbind())
            }
            None => None,
        };
        let reports = &got.reports;
        Ok(NativeRetrieval {
            retrieved: matrix(py, (got.queries, dim), got.retrieved.clone())?.unbind(),
            attention: match got.attention.clone() {
                Some(weights) => Some(matrix(py, (got.queries, got.patterns), weights)?.unbind()),
                None => None,
            },
            energies,
            best_pattern: reports
                .iter()
                .map(|r| r.best_pattern as u32)
                .collect::<Vec<_>>()
                .into_pyarray(py)
                .unbind(),
            weight: reports
                .iter()
                .map(|r| r.weight)
                .collect::<Vec<_>>()
                .into_pyarray(py)
                .unbind(),
            effective_patterns: reports
                .iter()
                .map(|r| r.effective_patterns)
                .collect::<Vec<_>>()
                .into_pyarray(py)
                .unbind(),
            kinds: reports
                .iter()
                .map(|r| {
                    serde_json::to_value(r.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                })
                .collect(),
            steps: reports
                .iter()
                .map(|r| r.steps)
                .collect::<Vec<_>>()
                .into_pyarray(py)
                .unbind(),
            converged: reports.iter().map(|r| r.converged).collect(),
        })
    }
}

/// An accuracy sweep's rows as JSON (see `hopsom.modern_sweep`).
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (stored, betas, corruption, levels, trials, seed, steps_count, until_converged, max_steps, tolerance, normalize, backend, progress=None))]
pub(crate) fn modern_sweep_json(
    py: Python<'_>,
    stored: PyReadonlyArray2<'_, f32>,
    betas: Vec<f64>,
    corruption: &str,
    levels: Vec<f64>,
    trials: usize,
    seed: u64,
    steps_count: u32,
    until_converged: bool,
    max_steps: u32,
    tolerance: f32,
    normalize: bool,
    backend: &str,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let (patterns, dim) = (stored.shape()[0], stored.shape()[1]);
    let spec = ModernSweepSpec {
        betas,
        kind: choice::<CorruptionKind>("corruption", corruption)?,
        levels,
        trials,
        seed,
        steps: steps(steps_count, until_converged, max_steps, tolerance),
        normalize,
    };
    spec.check(patterns).map_err(raise)?;
    let backend = open_backend(backend)?;
    let values = stored.as_slice()?.to_vec();
    let callback = Callback::new(progress);
    let rows = callback.finish(
        py,
        py.detach(|| run_modern_sweep(&values, patterns, dim, &spec, &backend, &callback)),
    )?;
    to_json(&rows)
}

/// The built-in stored set: 96 greyscale 32x32 tiles of the repository's photo, 96 x 1024.
#[pyfunction]
pub(crate) fn builtin_tiles(py: Python<'_>) -> PyResult<Bound<'_, PyArray2<f32>>> {
    let (values, patterns) = hopsom::modern::builtin::builtin_tiles().map_err(raise)?;
    let dim = values.len() / patterns;
    matrix(py, (patterns, dim), values)
}
