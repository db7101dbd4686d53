//! What a long call reports to Python: progress to a callable, and Ctrl-C.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;

use hopsom::{Error, Progress};

use crate::convert::raise;

/// What a long call reports to Python: the units done to an optional callable, and whether
/// Ctrl-C was pressed since the call began (SIGINT is watched by a flag while the engine runs,
/// beside Python's own handler, which still marks the interrupt for the interpreter).
pub(crate) struct Callback {
    callable: Option<Py<PyAny>>,
    interrupted: Arc<AtomicBool>,
    watch: Option<signal_hook::SigId>,
}

impl Callback {
    pub(crate) fn new(callable: Option<Py<PyAny>>) -> Callback {
        let interrupted = Arc::new(AtomicBool::new(false));
        // Without the watch (a platform without SIGINT handlers) calls simply run to the end.
        let watch =
            signal_hook::flag::register(signal_hook::consts::SIGINT, interrupted.clone()).ok();
        Callback {
            callable,
            interrupted,
            watch,
        }
    }

    /// The result of a call made with this callback: an interruption becomes Python's
    /// KeyboardInterrupt, any other error its hopsom exception.
    pub(crate) fn finish<T>(&self, py: Python<'_>, result: Result<T, Error>) -> PyResult<T> {
        match result {
            Ok(value) => Ok(value),
            Err(Error::Interrupted) => {
                // Python's handler saw the same signal: let it raise, as it would in Python.
                py.check_signals()?;
                Err(PyKeyboardInterrupt::new_err("interrupted"))
            }
            Err(error) => Err(raise(error)),
        }
    }

    /// For per-epoch reports: advance by one, or stop if interrupted.
    pub(crate) fn epoch_done(&self) -> Result<(), Error> {
        self.advance(1);
        if self.cancelled() {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    }
}

impl Drop for Callback {
    fn drop(&mut self) {
        if let Some(id) = self.watch.take() {
            signal_hook::low_level::unregister(id);
        }
    }
}

impl Progress for Callback {
    fn advance(&self, units: u64) {
        if let Some(callback) = &self.callable {
            Python::attach(|py| {
                // A failing callback must not unwind through the library's threads.
                if let Err(error) = callback.call1(py, (units,)) {
                    error.write_unraisable(py, None);
                }
            });
        }
    }

    fn cancelled(&self) -> bool {
        self.interrupted.load(Ordering::Relaxed)
    }
}
