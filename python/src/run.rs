//! Long calls, run so that Python stays in charge: the library works on a thread of its own
//! with the GIL released, while the calling thread wakes every [`TICK`] to hand the units done
//! to the `progress` callable and to let Python's signal handlers run. Whatever either raises
//! (`KeyboardInterrupt` from Ctrl-C, a timeout exception from a SIGALRM handler, an exception
//! in the callback) asks the library to stop (it checks at least every few tenths of a second)
//! and is raised unchanged once it has: the objects the call used are left as they were.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;

use hopsom::Progress;

use crate::error::{Failure, Result};
use crate::options::OptionError;

/// How often the calling thread looks at signals and progress.
const TICK: Duration = Duration::from_millis(50);

/// A `progress=` argument: None, or a callable (refused up front otherwise).
pub(crate) fn callback<'py>(
    progress: Option<Bound<'py, PyAny>>,
) -> Result<Option<Bound<'py, PyAny>>> {
    match progress {
        Some(value) if value.is_none() => Ok(None),
        Some(value) if !value.is_callable() => Err(OptionError::refused(
            "progress",
            &value,
            "must be a callable (given the units done) or None",
        )
        .into()),
        other => Ok(other),
    }
}

/// What the library's thread reports to the calling thread: each advance as the library made
/// it (a probe group, an epoch), so that the callable hears the same steps whatever the timing.
struct Watch {
    advances: Mutex<Vec<u64>>,
    stop: AtomicBool,
}

impl Progress for Watch {
    fn advance(&self, units: u64) {
        if let Ok(mut advances) = self.advances.lock() {
            advances.push(units);
        }
    }

    fn cancelled(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Runs `work` on a thread of its own, reporting to `progress` (a callable given the units of
/// each advance the library makes) and stopping it when Python raises (see the module).
pub(crate) fn run<T: Send>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&dyn Progress) -> hopsom::Result<T> + Send,
) -> Result<T> {
    let watch = Watch {
        advances: Mutex::new(Vec::new()),
        stop: AtomicBool::new(false),
    };
    let (sender, receiver) = mpsc::channel();
    // Waited on with the GIL released, which asks for a shareable receiver.
    let receiver = Mutex::new(receiver);
    let mut raised: Option<PyErr> = None;
    let outcome = std::thread::scope(|scope| {
        let watch = &watch;
        scope.spawn(move || {
            // The receiver outlives the thread inside the scope.
            let _ = sender.send(work(watch));
        });
        loop {
            let waited = py.detach(|| match receiver.lock() {
                Ok(receiver) => receiver.recv_timeout(TICK),
                Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
            });
            // Units done, then signals: a handler that raises stops the work.
            let advances = watch
                .advances
                .lock()
                .map(|mut advances| std::mem::take(&mut *advances))
                .unwrap_or_default();
            if let Some(callable) = progress {
                for units in advances {
                    if raised.is_some() {
                        break;
                    }
                    raised = callable.call1((units,)).err();
                }
            }
            if raised.is_none() {
                if let Err(error) = py.check_signals() {
                    raised = Some(error);
                }
            }
            if raised.is_some() {
                watch.stop.store(true, Ordering::Relaxed);
            }
            match waited {
                Ok(outcome) => break outcome,
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    break Err(hopsom::Error::Gpu(
                        "the computation ended without a result".into(),
                    ))
                }
            }
        }
    });
    match (raised, outcome) {
        (Some(error), _) => Err(Failure::Python(error)),
        (None, outcome) => Ok(outcome?),
    }
}
