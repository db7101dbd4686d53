"""hopsom: Hopfield associative memories and Kohonen self-organizing maps on the GPU (wgpu) and
the CPU, numpy arrays in and out.

The computations run in the Rust engine with the GIL released; results for a seed are the
command line's (`hopsom hopfield recall --probe`, `hopsom som train`). Arrays of any real dtype
and memory order are accepted and converted (copied when they must be). Every keyword argument
is an option of one of the library's specs, with the library's default; a bad one raises a
:class:`HopsomError` that names it. Long calls take a ``progress`` callable and stop promptly on
Ctrl-C (or any exception a signal handler raises), leaving their objects as they were.

    >>> import numpy as np, hopsom
    >>> patterns = np.where(np.random.default_rng(1).random((3, 100)) < 0.5, -1, 1)
    >>> net = hopsom.Hopfield(patterns)
    >>> noisy = hopsom.corrupt(patterns[0], 20, seed=1)
    >>> result = net.recall(noisy[None, :])
    >>> int(result.best_match[0]), float(result.overlap[0])
    (0, 1.0)
"""

import os
import tempfile

# Mesa's Vulkan drivers print "error: XDG_RUNTIME_DIR is invalid" into a notebook while probing
# display sockets that compute never uses; the command line points it at the temp dir too.
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())

from . import _hopsom
from ._tables import Table
from .errors import (
    GpuFailure,
    HopsomError,
    HopsomIOError,
    InvalidArgument,
    InvalidData,
    InvalidType,
    NoAdapter,
    TooLarge,
)
from .hopfield import Hopfield, Recall, capacity, corrupt, seed_patterns, sweep
from .models import load
from .modern import ModernHopfield, Retrieval, builtin_tiles, modern_sweep
from .som import SEED_COLOURS, SOM, cluster_colours

__version__ = _hopsom.__version__
__all__ = [
    "SEED_COLOURS",
    "SOM",
    "GpuFailure",
    "Hopfield",
    "HopsomError",
    "HopsomIOError",
    "InvalidArgument",
    "InvalidData",
    "InvalidType",
    "ModernHopfield",
    "NoAdapter",
    "Recall",
    "Retrieval",
    "Table",
    "TooLarge",
    "builtin_tiles",
    "capacity",
    "cluster_colours",
    "corrupt",
    "devices",
    "load",
    "modern_sweep",
    "seed_patterns",
    "sweep",
]


def devices():
    """The GPU adapters wgpu can open on this machine, as dicts: ``name``, ``backend``,
    ``device_type``, ``driver``, ``software`` (llvmpipe and the like) and ``limits`` (what hopsom
    sizes its work by). An empty list when there is none; the CPU path always works.

    >>> import hopsom
    >>> isinstance(hopsom.devices(), list)
    True
    """
    return _hopsom.devices()
