//! The one error type of the library. The command line maps it to exit codes:
//! [`Error::Usage`] is 2 (a bad invocation), everything else is 1.

use std::path::PathBuf;

/// Everything that can go wrong in hopsom, each with a one-line message that names the problem.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The arguments are inconsistent or out of range (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file was read but its content is not what it should be.
    #[error("{path}: {message}")]
    BadInput { path: PathBuf, message: String },
    /// Data given in memory (not from a file) is malformed.
    #[error("{0}")]
    InvalidData(String),
    /// The problem does not fit in host or device memory, or in the integer ranges the kernels use.
    #[error("too large: {0}")]
    TooLarge(String),
    /// `--backend gpu` was asked for but no adapter could be found or opened.
    #[error("no GPU adapter: {0}")]
    NoAdapter(String),
    /// The GPU reported a failure while running a kernel.
    #[error("GPU failure: {0}")]
    Gpu(String),
    /// The caller asked the work to stop (see [`crate::Progress::cancelled`]).
    #[error("interrupted")]
    Interrupted,
    /// Drawing a picture or plot failed.
    #[error("drawing {path}: {message}")]
    Render { path: PathBuf, message: String },
}

impl Error {
    /// The process exit code the command line uses for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::Interrupted => 130,
            _ => 1,
        }
    }

    /// An [`Error::Io`] on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`Error::BadInput`]: `path` was read, but its content is wrong in the way `message` says.
    pub fn bad_input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::BadInput {
            path: path.into(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
