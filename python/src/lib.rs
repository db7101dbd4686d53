//! The native half of the `hopsom` Python package: thin bindings over the library. Keyword
//! arguments arrive as a dict and become the library's spec (`options`), arrays arrive
//! C-contiguous in the dtype each function names (`hopsom/_convert.py` converts them), long
//! calls run with the GIL released and stay interruptible (`run`), results leave as numpy arrays
//! and plain Python objects made from the library's result types, and every failure leaves
//! through one conversion (`error`).

mod arrays;
mod backend;
mod error;
mod hopfield;
mod minisom;
mod modern;
mod options;
mod run;
mod som;
mod som_batch;
mod specs;
mod studies;

use pyo3::prelude::*;

/// The adapters wgpu can open, as a list of dicts.
#[pyfunction]
fn devices(py: Python<'_>) -> error::Result<Bound<'_, PyAny>> {
    let adapters = py.detach(hopsom::gpu::list_adapters);
    Ok(pythonize::pythonize(py, &adapters).map_err(PyErr::from)?)
}

/// Refuses `bytes` of `what` that the host's memory cannot hold, before a front end copies or
/// converts an array that large.
#[pyfunction]
fn check_host_bytes(what: &str, bytes: u64) -> error::Result<()> {
    Ok(hopsom::limits::check_host_memory(what, Some(bytes))?)
}

/// Refuses a `progress=` that is neither None nor callable, as every long call does (for the
/// Python functions that call it themselves: `hopsom.dask`).
#[pyfunction]
#[pyo3(signature = (progress=None))]
fn check_progress(progress: Option<Bound<'_, PyAny>>) -> error::Result<()> {
    run::callback(progress).map(drop)
}

#[pymodule]
fn _hopsom(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(devices, module)?)?;
    module.add_function(wrap_pyfunction!(check_host_bytes, module)?)?;
    module.add_function(wrap_pyfunction!(check_progress, module)?)?;
    module.add_function(wrap_pyfunction!(specs::defaults, module)?)?;
    module.add_function(wrap_pyfunction!(specs::checked, module)?)?;
    module.add_function(wrap_pyfunction!(hopfield::corrupt, module)?)?;
    module.add_function(wrap_pyfunction!(hopfield::seed_patterns, module)?)?;
    module.add_function(wrap_pyfunction!(hopfield::check_sweep, module)?)?;
    module.add_function(wrap_pyfunction!(hopfield::sweep_rows, module)?)?;
    module.add_function(wrap_pyfunction!(studies::capacity, module)?)?;
    module.add_function(wrap_pyfunction!(studies::capacity_tallies, module)?)?;
    module.add_function(wrap_pyfunction!(studies::capacity_rows, module)?)?;
    module.add_function(wrap_pyfunction!(som::cluster_colours, module)?)?;
    module.add_function(wrap_pyfunction!(som::load_som_model, module)?)?;
    module.add_function(wrap_pyfunction!(modern::modern_sweep, module)?)?;
    module.add_function(wrap_pyfunction!(modern::builtin_tiles, module)?)?;
    module.add_class::<modern::NativeModern>()?;
    module.add_class::<modern::NativeRetrieval>()?;
    module.add_class::<hopfield::NativeHopfield>()?;
    module.add_class::<hopfield::NativeRecall>()?;
    module.add_class::<som::NativeSom>()?;
    module.add_class::<minisom::NativeMiniSom>()?;
    module.add_function(wrap_pyfunction!(minisom::minisom_order, module)?)?;
    module.add_function(wrap_pyfunction!(minisom::minisom_decay, module)?)?;
    module.add_function(wrap_pyfunction!(minisom::minisom_decay_table, module)?)?;
    module.add_function(wrap_pyfunction!(minisom::minisom_activation, module)?)?;
    module.add_function(wrap_pyfunction!(
        minisom::minisom_distances_from_weights,
        module
    )?)?;
    module.add_class::<som_batch::BatchRun>()?;
    module.add_class::<som_batch::BatchPartial>()?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
