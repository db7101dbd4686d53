"""The exceptions hopsom raises: one base class, and one subclass per kind of failure, each also
a subclass of the built-in exception a Python user would catch for it."""


class HopsomError(Exception):
    """Base class of every error hopsom raises."""


class InvalidArgument(HopsomError, ValueError):
    """An argument is out of range or inconsistent with another."""


class InvalidType(InvalidArgument, TypeError):
    """An argument is of the wrong kind: a string, None or an object where a number or a name is
    wanted, an array of strings, objects or complex numbers where real numbers are (a
    ``TypeError`` too, and an ``InvalidArgument``)."""


class InvalidData(HopsomError, ValueError):
    """Data (patterns, probes, samples) is malformed: wrong shape, NaN, empty."""


class TooLarge(HopsomError, MemoryError):
    """The problem does not fit this machine's memory or the kernels' integer ranges."""


class NoAdapter(HopsomError, RuntimeError):
    """backend="gpu" was asked for, but no GPU adapter could be opened."""


class GpuFailure(HopsomError, RuntimeError):
    """The GPU reported a failure while running a kernel."""


class HopsomIOError(HopsomError, OSError):
    """A file could not be read or written."""
