//! Kohonen's batch map in steps, for `hopsom.dask.train`: a [`BatchRun`] (the library's
//! `BatchTraining`, picklable) gives each chunk's [`BatchPartial`] on a worker, partials merge
//! as a tree, and the run steps the client's map with the total.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use hopsom::som::batch::NodeSums;
use hopsom::som::metrics::MapQuality;
use hopsom::som::{self, BatchTraining, Codebook, Grid, MapSpec, TrainSpec};
use hopsom::Error;

use crate::arrays::{required, values};
use crate::error::Result;
use crate::options::spec;
use crate::som::{samples, NativeSom};

/// A batch run of a map: see `hopsom.dask.train`. Pickles as its options and the epochs done,
/// so that workers get the run the client holds.
#[pyclass(module = "hopsom._hopsom")]
pub(crate) struct BatchRun {
    map: Py<PyAny>,
    training: Py<PyAny>,
    backend: Py<PyAny>,
    grid: Grid,
    dim: usize,
    run: BatchTraining,
}

/// What pickling calls to remake a run: its class and (map, training, backend, epochs done).
type RunReduced<'py> = (Bound<'py, PyAny>, (Py<PyAny>, Py<PyAny>, Py<PyAny>, usize));

/// One part of the data's contribution to an epoch: see `hopsom::som::BatchPartial`.
#[pyclass(module = "hopsom._hopsom", frozen)]
pub(crate) struct BatchPartial(som::BatchPartial);

#[pymethods]
impl BatchRun {
    /// The run of a map (`map`: `hopsom.SOM`'s map options) trained as `training` says (batch
    /// mode), with `done` epochs already stepped.
    #[new]
    #[pyo3(signature = (map, training, backend, done=0))]
    fn new(
        map: &Bound<'_, PyAny>,
        training: &Bound<'_, PyAny>,
        backend: &Bound<'_, PyAny>,
        done: usize,
    ) -> Result<Self> {
        let map_spec: MapSpec = spec(map)?;
        let grid = map_spec.grid()?;
        let params = spec::<TrainSpec>(training)?.params(&grid)?;
        Ok(BatchRun {
            map: map.clone().unbind(),
            training: training.clone().unbind(),
            backend: backend.clone().unbind(),
            grid,
            dim: map_spec.dim,
            run: BatchTraining::new(&params)?.with_epochs_done(done)?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<RunReduced<'py>> {
        let run = slf.borrow();
        let py = slf.py();
        Ok((
            slf.get_type().into_any(),
            (
                run.map.clone_ref(py),
                run.training.clone_ref(py),
                run.backend.clone_ref(py),
                run.run.epochs_done(),
            ),
        ))
    }

    #[getter]
    fn epochs(&self) -> usize {
        self.run.epochs()
    }

    /// Whether every epoch's update is applied: the next pass only measures the map.
    #[getter]
    fn done(&self) -> bool {
        self.run.is_done()
    }

    /// The partial of `data` (a chunk: float32 samples x dim, or a uint8 image), whose first
    /// sample is sample `first` of the whole data, under the map `weights` (nodes x dim).
    fn partial(
        &self,
        py: Python<'_>,
        weights: PyReadonlyArray2<'_, f32>,
        data: &Bound<'_, PyAny>,
        first: usize,
    ) -> Result<BatchPartial> {
        let codebook = Codebook::new(self.grid, self.dim, values(&weights)?.to_vec())?;
        let samples = samples(data, first)?;
        let backend = crate::backend::open(py, self.backend.bind(py))?;
        let run = &self.run;
        let partial = py.detach(|| run.partial(&backend, &codebook, &samples, &hopsom::Silent))?;
        Ok(BatchPartial(partial))
    }

    /// The next epoch's update of `map`'s weights from `total`, the partials of every chunk
    /// merged; the report (a dict) of the epoch `total` measured, or None after the first.
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        map: &mut NativeSom,
        total: &BatchPartial,
    ) -> Result<Option<Bound<'py, PyAny>>> {
        let mut codebook = map.trained()?.clone();
        let backend = crate::backend::open(py, self.backend.bind(py))?;
        let run = &mut self.run;
        let report = py.detach(|| run.step(&backend, &mut codebook, &total.0))?;
        map.codebook = Some(codebook);
        report
            .map(|report| Ok(pythonize::pythonize(py, &report).map_err(PyErr::from)?))
            .transpose()
    }

    /// The last epoch's report, from the merged partials of the pass after it.
    fn finish<'py>(&self, py: Python<'py>, total: &BatchPartial) -> Result<Bound<'py, PyAny>> {
        if !self.run.is_done() {
            return Err(Error::Usage("the run has epochs left to step".into()).into());
        }
        let report = self.run.finish(&total.0);
        Ok(pythonize::pythonize(py, &report).map_err(PyErr::from)?)
    }
}

#[pymethods]
impl BatchPartial {
    /// A partial from its parts (what pickling writes): node sums (float64, nodes x dim), the
    /// samples each node won (uint64), and the quality tallies.
    #[new]
    fn new(
        sums: &Bound<'_, PyAny>,
        counts: &Bound<'_, PyAny>,
        hits: &Bound<'_, PyAny>,
        tallies: (f64, u64, u64),
    ) -> Result<Self> {
        let nodes = counts.len()?;
        let sums = required::<f64>(sums)?;
        let dim = sums.len().checked_div(nodes).unwrap_or(0);
        let sums = NodeSums::from_parts(dim, sums, required::<u64>(counts)?)?;
        let hits = required::<u64>(hits)?;
        if hits.len() != nodes {
            return Err(Error::InvalidData(format!(
                "hits for {} nodes beside sums for {nodes}",
                hits.len()
            ))
            .into());
        }
        Ok(BatchPartial(som::BatchPartial {
            sums,
            quality: MapQuality::from_tallies(tallies, hits),
        }))
    }

    /// This partial and `other` (another part of the data under the same map) added.
    fn merge(&self, other: &BatchPartial) -> Result<BatchPartial> {
        let mut merged = self.0.clone();
        merged.merge(&other.0)?;
        Ok(BatchPartial(merged))
    }

    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(
        Bound<'py, PyAny>,
        (
            Bound<'py, PyAny>,
            Bound<'py, PyArray1<u64>>,
            Bound<'py, PyArray1<u64>>,
            (f64, u64, u64),
        ),
    )> {
        let py = slf.py();
        let partial = &slf.get().0;
        let nodes = partial.sums.counts().len();
        let sums = numpy::ndarray::Array2::from_shape_vec(
            (nodes, partial.sums.sums().len() / nodes.max(1)),
            partial.sums.sums().to_vec(),
        )
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?
        .into_pyarray(py)
        .into_any();
        Ok((
            slf.get_type().into_any(),
            (
                sums,
                partial.sums.counts().to_vec().into_pyarray(py),
                partial.quality.hits().to_vec().into_pyarray(py),
                partial.quality.tallies(),
            ),
        ))
    }
}
