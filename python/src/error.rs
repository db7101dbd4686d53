//! The one path from a failure to a Python exception. Every binding returns [`Result`], whose
//! error is a library error, a refused option, or an exception Python itself raised (a
//! `progress` callback's, a signal handler's); `?` takes all three, and [`Failure`] becomes the
//! matching exception of `hopsom.errors` in one place.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use hopsom::Error;

use crate::options::OptionError;

/// What a binding can fail with.
pub(crate) enum Failure {
    /// The library refused or failed.
    Library(Error),
    /// An option could not be read as what its spec needs.
    Option(OptionError),
    /// Python raised it (a callback, a signal handler); it propagates unchanged.
    Python(PyErr),
}

pub(crate) type Result<T> = std::result::Result<T, Failure>;

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Library(error)
    }
}

impl From<OptionError> for Failure {
    fn from(error: OptionError) -> Self {
        Failure::Option(error)
    }
}

impl From<PyErr> for Failure {
    fn from(error: PyErr) -> Self {
        Failure::Python(error)
    }
}

impl From<Failure> for PyErr {
    fn from(failure: Failure) -> PyErr {
        match failure {
            Failure::Python(error) => error,
            Failure::Option(error) => {
                let class = if error.wrong_type {
                    "InvalidType"
                } else {
                    "InvalidArgument"
                };
                exception(class, error.to_string())
            }
            Failure::Library(error) => {
                let class = match &error {
                    Error::Usage(_) | Error::Parameter { .. } => "InvalidArgument",
                    Error::InvalidData(_) | Error::BadInput { .. } => "InvalidData",
                    Error::TooLarge(_) | Error::ParameterTooLarge { .. } => "TooLarge",
                    Error::NoAdapter(_) => "NoAdapter",
                    Error::Gpu(_) => "GpuFailure",
                    Error::Io { .. } | Error::Render { .. } => "HopsomIOError",
                    // An interrupted call raises what Python's signal handler raised (see
                    // `run`); reaching here means the library stopped for no such reason.
                    Error::Interrupted => "HopsomError",
                };
                // Parameters as the keyword arguments spell them: `max_sweeps=0: …`.
                let message = error.message_with(|param, value| match value {
                    "" => param.name().to_string(),
                    value => format!("{}={value}", param.name()),
                });
                exception(class, message)
            }
        }
    }
}

/// An instance of `hopsom.errors.<class>` with `message`.
fn exception(class: &str, message: String) -> PyErr {
    static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    Python::attach(|py| {
        let made = ERRORS
            .get_or_try_init(py, || py.import("hopsom.errors").map(Bound::unbind))
            .and_then(|module| module.bind(py).getattr(class))
            .and_then(|class| class.cast_into::<PyType>().map_err(PyErr::from))
            .map(|class| PyErr::from_type(class, message.clone()));
        made.unwrap_or_else(|_| PyRuntimeError::new_err(message))
    })
}
