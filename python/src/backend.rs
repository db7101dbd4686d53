//! Backends as Python asks for them (`backend="auto"`), opened once per process: a GPU context
//! costs far more than most calls, so every object and call asking for the same choice shares
//! it, and Dask workers open theirs once.

use std::sync::Mutex;

use pyo3::prelude::*;

use hopsom::{Backend, BackendChoice};

use crate::error::Result;

static OPENED: Mutex<Vec<(BackendChoice, Backend)>> = Mutex::new(Vec::new());

/// The backend `choice` (a `backend=` argument) names.
pub(crate) fn open(py: Python<'_>, choice: &Bound<'_, PyAny>) -> Result<Backend> {
    let choice: BackendChoice = crate::options::value("backend", choice)?;
    if let Some((_, backend)) = opened().iter().find(|(c, _)| *c == choice) {
        return Ok(backend.clone());
    }
    // Notices (the CPU chosen for want of a hardware GPU) are the command line's to print;
    // Python users see the device on the object.
    let backend = py.detach(|| Backend::open(choice, |_| {}))?;
    opened().push((choice, backend.clone()));
    Ok(backend)
}

fn opened() -> std::sync::MutexGuard<'static, Vec<(BackendChoice, Backend)>> {
    // A poisoned list still holds backends that opened.
    OPENED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
