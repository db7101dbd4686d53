//! The library's specs by the names the Python package uses for them: their defaults (which the
//! package's signatures are tested against) and checked, canonical options (which `hopsom.dask`
//! ships to its workers, and which objects check when they are made).

use pyo3::prelude::*;
use serde::Serialize;

use hopsom::spec::{flat_options, Spec};

use crate::error::Result;

/// Calls `$body` with `$spec` bound to the spec type named `$name`.
macro_rules! by_name {
    ($name:expr, $spec:ident => $body:expr) => {
        match $name {
            "hopfield" => {
                type $spec = hopsom::hopfield::Learning;
                $body
            }
            "recall" => {
                type $spec = hopsom::hopfield::recall::RecallSpec;
                $body
            }
            "energy" => {
                type $spec = hopsom::hopfield::RecallParams;
                $body
            }
            "sweep" => {
                type $spec = hopsom::hopfield::sweep::SweepSpec;
                $body
            }
            "capacity" => {
                type $spec = hopsom::hopfield::capacity::CapacitySpec;
                $body
            }
            "som" => {
                type $spec = hopsom::som::MapSpec;
                $body
            }
            "train" => {
                type $spec = hopsom::som::TrainSpec;
                $body
            }
            "segment" => {
                type $spec = hopsom::som::SegmentSpec;
                $body
            }
            "cluster" => {
                type $spec = hopsom::som::ClusterParams;
                $body
            }
            "modern" => {
                type $spec = hopsom::modern::ModernSpec;
                $body
            }
            "retrieve" => {
                type $spec = hopsom::modern::RetrieveSpec;
                $body
            }
            "modern_sweep" => {
                type $spec = hopsom::modern::sweep::ModernSweepSpec;
                $body
            }
            other => Err(hopsom::Error::Usage(format!("no spec is called {other:?}")).into()),
        }
    };
}

/// `spec` as a flat dict of options, each group's beside the spec's own.
pub(crate) fn flat<'py, T: Serialize>(py: Python<'py>, spec: &T) -> Result<Bound<'py, PyAny>> {
    Ok(pythonize::pythonize(py, &flat_options(spec)).map_err(PyErr::from)?)
}

/// The defaults of the spec `name`, as a flat dict of options.
#[pyfunction]
pub(crate) fn defaults<'py>(py: Python<'py>, name: &str) -> Result<Bound<'py, PyAny>> {
    if name == "backend" {
        // Not a spec: where every spec runs.
        let backend = [("backend", hopsom::BackendChoice::default())];
        return flat(py, &std::collections::BTreeMap::from(backend));
    }
    by_name!(name, S => flat(py, &S::default()))
}

/// `options` read as the spec `name` and checked: every option, the defaults filled in, each in
/// its canonical form (choices by their canonical names).
#[pyfunction]
pub(crate) fn checked<'py>(
    py: Python<'py>,
    name: &str,
    options: &Bound<'py, PyAny>,
) -> Result<Bound<'py, PyAny>> {
    by_name!(name, S => {
        let spec: S = crate::options::spec(options)?;
        Spec::check(&spec)?;
        flat(py, &spec)
    })
}
