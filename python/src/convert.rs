//! Between the library and Python: its errors as the exceptions of `hopsom.errors`, its
//! choices from their Python spellings, its results as numpy arrays and JSON.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use hopsom::choice::Choice;
use hopsom::{Backend, BackendChoice, Error};
use numpy::{IntoPyArray, PyArray2};

/// A library error as the matching exception of `hopsom.errors`, with the library's message.
pub(crate) fn raise(error: Error) -> PyErr {
    let class = match &error {
        Error::Usage(_) | Error::Parameter { .. } => "InvalidArgument",
        Error::InvalidData(_) | Error::BadInput { .. } => "InvalidData",
        Error::TooLarge(_) | Error::ParameterTooLarge { .. } => "TooLarge",
        Error::NoAdapter(_) => "NoAdapter",
        Error::Gpu(_) => "GpuFailure",
        Error::Io { .. } | Error::Render { .. } => "HopsomIOError",
        // Calls that can be interrupted go through `Callback::finish`; elsewhere it is a bug.
        Error::Interrupted => "HopsomError",
    };
    // Parameters as the keyword arguments spell them: `max_sweeps=0: must be at least 1`.
    let message = error.message_with(|param, value| match value {
        "" => param.name().to_string(),
        value => format!("{}={value}", param.name()),
    });
    Python::attach(|py| {
        match py
            .import("hopsom.errors")
            .and_then(|module| module.getattr(class))
            .and_then(|class| class.call1((message.clone(),)))
        {
            Ok(exception) => PyErr::from_value(exception),
            Err(_) => PyRuntimeError::new_err(message),
        }
    })
}

/// `values` as a `rows` x `columns` numpy array.
pub(crate) fn matrix<T: numpy::Element>(
    py: Python<'_>,
    (rows, columns): (usize, usize),
    values: Vec<T>,
) -> PyResult<Bound<'_, PyArray2<T>>> {
    numpy::ndarray::Array2::from_shape_vec((rows, columns), values)
        .map(|array| array.into_pyarray(py))
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Refuses `what` whose rows are not `n` neurons long.
pub(crate) fn check_neurons(what: &str, given: usize, n: usize) -> PyResult<()> {
    if given == n {
        return Ok(());
    }
    Err(raise(Error::InvalidData(format!(
        "{what} have {given} neurons, the network {n}"
    ))))
}

/// A `Choice` from its Python spelling, or the library's usage error naming `what`.
pub(crate) fn choice<T: Choice>(what: &str, text: &str) -> PyResult<T> {
    T::parse(text).ok_or_else(|| {
        raise(Error::Usage(format!(
            "{what}={text:?}: use {}",
            T::listed()
        )))
    })
}

pub(crate) fn open_backend(name: &str) -> PyResult<Backend> {
    let choice: BackendChoice = choice("backend", name)?;
    // Notices (the CPU chosen for want of a hardware GPU) are the CLI's to print; Python users
    // see the chosen device on the object.
    Backend::open(choice, |_| {}).map_err(raise)
}

pub(crate) fn to_json(value: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// An interaction function by name (`quadratic`, `poly:N`, `repoly:N`, `exp`).
pub(crate) fn interaction(name: &str) -> PyResult<hopsom::hopfield::Interaction> {
    name.parse().map_err(raise)
}
