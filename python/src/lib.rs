//! The native half of the `hopsom` Python package: thin bindings over the library, arrays in
//! and out through rust-numpy, the GIL released for every computation. Checking and converting
//! what Python users pass (any dtype, any memory order, lists) is done in `hopsom/__init__.py`;
//! here arrays arrive C-contiguous and aligned in the dtype each function names.

mod callback;
mod convert;
mod hopfield;
mod modern;
mod som;
mod studies;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// The adapters wgpu can open, as a JSON list (the Python side parses it).
#[pyfunction]
fn devices_json(py: Python<'_>) -> PyResult<String> {
    let adapters = py.detach(hopsom::gpu::list_adapters);
    serde_json::to_string(&adapters).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

#[pymodule]
fn _hopsom(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(devices_json, module)?)?;
    module.add_function(wrap_pyfunction!(hopfield::corrupt, module)?)?;
    module.add_function(wrap_pyfunction!(hopfield::seed_patterns, module)?)?;
    module.add_function(wrap_pyfunction!(hopfield::check_sweep, module)?)?;
    module.add_function(wrap_pyfunction!(hopfield::sweep_rows_json, module)?)?;
    module.add_function(wrap_pyfunction!(studies::capacity_json, module)?)?;
    module.add_function(wrap_pyfunction!(studies::capacity_tallies_of, module)?)?;
    module.add_function(wrap_pyfunction!(studies::capacity_rows_json, module)?)?;
    module.add_function(wrap_pyfunction!(som::cluster_colours, module)?)?;
    module.add_function(wrap_pyfunction!(modern::modern_sweep_json, module)?)?;
    module.add_function(wrap_pyfunction!(modern::builtin_tiles, module)?)?;
    module.add_class::<modern::NativeModern>()?;
    module.add_class::<modern::NativeRetrieval>()?;
    module.add_class::<hopfield::NativeHopfield>()?;
    module.add_class::<hopfield::NativeRecall>()?;
    module.add_class::<som::NativeSom>()?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
