//! How long work reports how far it has got, without the library knowing who listens: the
//! command line draws a bar, the Python package calls a callable, tests and benches ignore it.

/// A listener to the progress of long work, counted in the work's own units (recalls, trials,
/// samples). Called from worker threads, so it must be `Sync`.
pub trait Progress: Sync {
    /// `units` more units of work are done.
    fn advance(&self, units: u64);

    /// Whether the listener wants the work stopped (Ctrl-C in a notebook): long work asks
    /// between its batches and ends with [`crate::Error::Interrupted`].
    fn cancelled(&self) -> bool {
        false
    }

    /// [`crate::Error::Interrupted`] once the listener wants the work stopped: long work calls
    /// it at least every few tenths of a second, so that an interrupt is felt within a second.
    fn check(&self) -> crate::Result<()> {
        if self.cancelled() {
            Err(crate::Error::Interrupted)
        } else {
            Ok(())
        }
    }
}

/// A listener's cancellation without its progress: for inner work whose units the caller
/// counts its own way (the recalls inside one capacity trial).
pub struct Unreported<'a>(pub &'a dyn Progress);

impl Progress for Unreported<'_> {
    fn advance(&self, _units: u64) {}

    fn cancelled(&self) -> bool {
        self.0.cancelled()
    }
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn advance(&self, _units: u64) {}
}
