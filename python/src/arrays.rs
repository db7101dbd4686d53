//! numpy arrays in and out: the values of an array the library reads, and the library's
//! vectors as arrays.

use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray, PyUntypedArrayMethods,
};
use pyo3::prelude::*;

use hopsom::Error;

use crate::error::Result;

/// The values of a C-contiguous, aligned array. The package's Python half converts arrays so
/// (`hopsom/_convert.py`); one that is not (a buffer shipped between processes and read in
/// place) is refused rather than read out of alignment.
pub(crate) fn values<'a, T: numpy::Element, D: numpy::ndarray::Dimension>(
    array: &'a PyReadonlyArray<'_, T, D>,
) -> Result<&'a [T]> {
    let aligned = (array.data() as usize).is_multiple_of(std::mem::align_of::<T>());
    if !aligned || !array.is_c_contiguous() {
        return Err(Error::InvalidData(
            "an array must be C-contiguous and aligned here (numpy.require(a, requirements=\"CA\"))"
                .into(),
        )
        .into());
    }
    Ok(array.as_slice().map_err(PyErr::from)?)
}

/// The values of `array` (any array-like) as `T`, made C-contiguous and aligned first: for
/// arrays that may arrive unaligned, such as those a pickle carried between processes.
pub(crate) fn required<T: numpy::Element + Copy>(array: &Bound<'_, PyAny>) -> Result<Vec<T>> {
    let py = array.py();
    let dtype = numpy::dtype::<T>(py);
    let required = py
        .import("numpy")?
        .call_method1("require", (array, dtype, "CA"))?;
    let readonly = required
        .extract::<numpy::PyReadonlyArrayDyn<'_, T>>()
        .map_err(PyErr::from)?;
    Ok(values(&readonly)?.to_vec())
}

/// `values` as a numpy array of `rows` rows.
pub(crate) fn matrix<T: numpy::Element>(
    py: Python<'_>,
    rows: usize,
    values: Vec<T>,
) -> Result<Bound<'_, PyArray2<T>>> {
    let columns = values.len().checked_div(rows).unwrap_or(0);
    let array = numpy::ndarray::Array2::from_shape_vec((rows, columns), values)
        .map_err(|e| Error::InvalidData(e.to_string()))?;
    Ok(array.into_pyarray(py))
}

/// A one-dimensional numpy array of `values`.
pub(crate) fn column<T: numpy::Element>(
    py: Python<'_>,
    values: impl Iterator<Item = T>,
) -> Py<PyArray1<T>> {
    values.collect::<Vec<T>>().into_pyarray(py).unbind()
}
