"""What the package's modules share: arrays as the engine takes them, and keyword arguments as
the library's options.

Arrays of any real dtype (bool, integers, floats) and any memory order are accepted and
converted, copied only when they must be; before a copy, its size is checked against the host's
memory (``TooLarge``). Anything that holds no real numbers (strings, objects, complex numbers) is
refused by name (``InvalidType``), never coerced.
"""

import numpy as np

from . import _hopsom
from .errors import InvalidData, InvalidType, TooLarge


def options(arguments, *own):
    """A call's keyword arguments (its ``locals()``) as the library's options: all but the front
    end's own, named in ``own`` (arrays, ``progress``, ``as_frame``) and ``self``."""
    return {key: value for key, value in arguments.items() if key not in own and key != "self"}


def _array(values, name):
    """``values`` as a numpy array of real numbers (bools included)."""
    try:
        array = np.asarray(values)
    except MemoryError as error:
        raise TooLarge(f"{name}: the array does not fit the host's memory") from error
    except (ValueError, TypeError) as error:
        raise InvalidType(f"{name}: not an array of numbers ({error})") from None
    if array.dtype.kind == "c":
        raise InvalidType(
            f"{name}: complex numbers are not accepted ({array.dtype}); take .real or abs() first"
        )
    if array.dtype.kind not in "biuf":
        raise InvalidType(f"{name}: an array of numbers is needed, not of {array.dtype}")
    return array


def _engine(array, dtype, name):
    """``array`` as the engine reads it: C-contiguous and aligned ``dtype``, copied only when
    needed, after checking that the copy fits. Arrays that crossed a process boundary, or were
    made with ``np.frombuffer`` at an odd offset, may be unaligned, and the engine reads whole
    elements."""
    ready = array.dtype == dtype and array.flags.c_contiguous and array.flags.aligned
    if not ready:
        _hopsom.check_host_bytes(
            f"{name}: a copy as {np.dtype(dtype).name}", int(array.size) * np.dtype(dtype).itemsize
        )
    try:
        return np.require(array, dtype=dtype, requirements=["C_CONTIGUOUS", "ALIGNED"])
    except MemoryError as error:
        raise TooLarge(f"{name}: a copy as {np.dtype(dtype).name} does not fit") from error


def _shaped(values, name, ndim):
    """``values`` as a non-empty array of ``ndim`` dimensions (a row alone is one row)."""
    array = _array(values, name)
    if ndim == 2 and array.ndim == 1:
        array = array[None, :]
    if array.ndim != ndim:
        raise InvalidData(f"{name} must be a {ndim}-D array, not {array.ndim}-D")
    if array.size == 0:
        raise InvalidData(f"{name} is empty")
    return array


def bipolar(values, name, ndim):
    """``values`` as a C-contiguous int8 array of ±1: bools are True = +1, False = -1; any other
    dtype must hold only -1 and +1 (int8 is checked by the engine, others here, with a
    temporary the size of the int8 copy)."""
    array = _shaped(values, name, ndim)
    if array.dtype == np.int8:
        return _engine(array, np.int8, name)
    _hopsom.check_host_bytes(f"{name}: a copy as int8", 2 * int(array.size))
    if array.dtype == np.bool_:
        return _engine(np.where(array, 1, -1), np.int8, name)
    if not np.all((array == 1) | (array == -1)):
        raise InvalidData(f"{name} must hold only -1 and +1")
    return _engine(array, np.int8, name)


def reals(values, name):
    """``values`` (one row, or rows x dimension) as C-contiguous float32."""
    return _engine(_shaped(values, name, 2), np.float32, name)


def exactly(values, name, shape):
    """``values`` as C-contiguous float32 of exactly ``shape``."""
    array = _array(values, name)
    if array.shape != tuple(shape):
        raise InvalidData(f"{name} must have shape {tuple(shape)}, not {array.shape}")
    return _engine(array, np.float32, name)


def image(values, name):
    """An H x W x 3 RGB image of 8-bit values (uint8), as it is."""
    array = _array(values, name)
    if array.ndim != 3 or array.shape[2] != 3:
        raise InvalidData(f"{name} must be an H x W x 3 RGB image, not shape {array.shape}")
    if array.dtype != np.uint8:
        raise InvalidData(
            f"{name} must be 8-bit RGB (uint8, 0-255), not {array.dtype}; "
            "scale and convert it with .astype(np.uint8) first"
        )
    if array.size == 0:
        raise InvalidData(f"{name} is empty")
    return _engine(array, np.uint8, name)


#: The types an image's values may have: each is kept as it is, and a segmented copy comes
#: back in the same type.
IMAGE_DTYPES = (np.uint8, np.uint16, np.float32, np.float64)


def pixels(values, name):
    """An H x W x D image (any number of bands) of uint8, uint16, float32 or float64 values,
    as it is (C-contiguous); other types are refused by name rather than guessed at."""
    array = _array(values, name)
    if array.ndim != 3:
        raise InvalidData(f"{name} must be an H x W x D image, not shape {array.shape}")
    if array.dtype not in IMAGE_DTYPES:
        raise InvalidData(
            f"{name}: an image must hold uint8, uint16, float32 or float64 values, not "
            f"{array.dtype}; convert it with .astype() first"
        )
    if array.size == 0:
        raise InvalidData(f"{name} is empty")
    return _engine(array, array.dtype, name)


def samples(data, dim, name="data"):
    """``data`` as the engine takes it: an H x W x D image of uint8, uint16, float32 or float64
    as it is; anything else as float32 samples x ``dim`` (bools as 0 and 1; 1-D data for a map
    of one dimension)."""
    array = _array(data, name)
    if array.ndim == 3:
        return pixels(array, name)
    if array.ndim == 1 and dim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise InvalidData(
            f"{name} must be samples x dim, or an H x W x D image; got shape {array.shape}"
        )
    return _engine(array, np.float32, name)
