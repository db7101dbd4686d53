//! Modern Hopfield networks from Python: retrieval and accuracy sweeps.

use numpy::{PyArray1, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;

use hopsom::modern::sweep::{run_modern_sweep, ModernSweepSpec};
use hopsom::modern::{retrieve, ModernHopfield, ModernSpec, RetrieveSpec};
use hopsom::{Backend, Error};

use crate::arrays::{column, matrix, values};
use crate::error::Result;
use crate::options::spec;
use crate::run::{callback, run};

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
    kinds: Py<PyAny>,
    steps: Py<PyArray1<u32>>,
    converged: Py<PyArray1<bool>>,
}

/// The stored patterns' values, count and dimension.
fn stored(array: &PyReadonlyArray2<'_, f32>) -> Result<(Vec<f32>, usize, usize)> {
    let (patterns, dim) = (array.shape()[0], array.shape()[1]);
    Ok((values(array)?.to_vec(), patterns, dim))
}

#[pymethods]
impl NativeModern {
    /// The memory of `stored` (patterns x dimension, float32) as the options of
    /// `hopsom.ModernHopfield` say (beta, normalize).
    #[new]
    fn new(
        py: Python<'_>,
        values: PyReadonlyArray2<'_, f32>,
        options: &Bound<'_, PyAny>,
        backend: &Bound<'_, PyAny>,
    ) -> Result<Self> {
        let model: ModernSpec = spec(options)?;
        let (values, patterns, dim) = stored(&values)?;
        Ok(NativeModern {
            memory: model.memory(values, patterns, dim)?,
            backend: crate::backend::open(py, backend)?,
        })
    }

    /// The stored patterns as retrieval uses them (unit rows when normalised).
    #[getter]
    fn stored<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyArray2<f32>>> {
        matrix(py, self.memory.patterns(), self.memory.stored().to_vec())
    }

    #[getter]
    fn device(&self) -> String {
        self.backend.device_name()
    }

    /// Retrieves every row of `queries` as the options of `ModernHopfield.retrieve` say.
    #[pyo3(signature = (queries, options, progress=None))]
    fn retrieve(
        &self,
        py: Python<'_>,
        queries: PyReadonlyArray2<'_, f32>,
        options: &Bound<'_, PyAny>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> Result<NativeRetrieval> {
        let options = spec::<RetrieveSpec>(options)?.options()?;
        let progress = callback(progress)?;
        let dim = self.memory.dim();
        if queries.shape()[1] != dim {
            return Err(Error::InvalidData(format!(
                "queries have {} values, the stored patterns {dim}",
                queries.shape()[1]
            ))
            .into());
        }
        let queries = values(&queries)?;
        let (memory, backend) = (&self.memory, &self.backend);
        let got = run(py, progress.as_ref(), |progress| {
            retrieve(memory, queries, &options, backend, progress)
        })?;
        // Queries that converged early are padded with NaN after their last step.
        let energies = match &got.energies {
            Some(all) => {
                let width = all.iter().map(Vec::len).max().unwrap_or(1);
                let padded = all
                    .iter()
                    .flat_map(|e| {
                        let pad = std::iter::repeat_n(f64::NAN, width - e.len());
                        e.iter().copied().chain(pad)
                    })
                    .collect();
                Some(matrix(py, got.queries, padded)?.unbind())
            }
            None => None,
        };
        let reports = &got.reports;
        let kinds: Vec<_> = reports.iter().map(|r| r.kind).collect();
        Ok(NativeRetrieval {
            retrieved: matrix(py, got.queries, got.retrieved.clone())?.unbind(),
            attention: match got.attention.clone() {
                Some(weights) => Some(matrix(py, got.queries, weights)?.unbind()),
                None => None,
            },
            energies,
            best_pattern: column(py, reports.iter().map(|r| r.best_pattern as u32)),
            weight: column(py, reports.iter().map(|r| r.weight)),
            effective_patterns: column(py, reports.iter().map(|r| r.effective_patterns)),
            kinds: pythonize::pythonize(py, &kinds)
                .map_err(PyErr::from)?
                .unbind(),
            steps: column(py, reports.iter().map(|r| r.steps)),
            converged: column(py, reports.iter().map(|r| r.converged)),
        })
    }
}

/// An accuracy sweep's rows (see `hopsom.modern_sweep`).
#[pyfunction]
#[pyo3(signature = (values, options, backend, progress=None))]
pub(crate) fn modern_sweep<'py>(
    py: Python<'py>,
    values: PyReadonlyArray2<'py, f32>,
    options: &Bound<'py, PyAny>,
    backend: &Bound<'py, PyAny>,
    progress: Option<Bound<'py, PyAny>>,
) -> Result<Bound<'py, PyAny>> {
    let sweep: ModernSweepSpec = spec(options)?;
    let (values, patterns, dim) = stored(&values)?;
    sweep.check(patterns)?;
    let progress = callback(progress)?;
    let backend = crate::backend::open(py, backend)?;
    let rows = run(py, progress.as_ref(), |progress| {
        run_modern_sweep(&values, patterns, dim, &sweep, &backend, progress)
    })?;
    Ok(pythonize::pythonize(py, &rows).map_err(PyErr::from)?)
}

/// The built-in stored set: 96 greyscale 32x32 tiles of the repository's photo, 96 x 1024.
#[pyfunction]
pub(crate) fn builtin_tiles(py: Python<'_>) -> Result<Bound<'_, PyArray2<f32>>> {
    let (values, patterns) = hopsom::modern::builtin::builtin_tiles()?;
    matrix(py, patterns, values)
}
