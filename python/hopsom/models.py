"""Models on disk: one versioned ``.npz`` file per model, that plain numpy opens
(``np.load(path)["codebook"]``), written with ``obj.save(path)`` and read with
:func:`hopsom.load`.

Every file holds ``format`` (which model) and ``version`` (this package writes and reads
version 1). A map (``SOM.save``, format "hopsom-som") is written and read by the engine, the
same file the command line writes as ``model.npz`` and reads with ``som segment --model``:
``codebook`` (float32, height x width x dim), ``topology``, ``toroidal``, ``neighbourhood``,
``metric``, ``init``, ``seed`` and ``epochs_trained``. A Hopfield network ("hopsom-hopfield")
holds its ``patterns`` (int8) and options (``rule``, ``weights``, ``keep_diagonal``,
``interaction``), and learns its couplings again on loading (learning is deterministic); a modern
Hopfield memory ("hopsom-modern") its ``stored`` patterns as given, ``beta`` and ``normalize``;
a MiniSom ("hopsom-minisom") its ``weights`` (x x y x input_len, float64), its constructor's
values and its random streams' positions. Files are written to a temporary file beside the
target and renamed into place, so that a failure never leaves half a file.
"""

import os
import tempfile
import zipfile

import numpy as np

from . import _hopsom
from .errors import HopsomIOError, InvalidArgument, InvalidData

VERSION = 1


def save_npz(path, format, members):
    """Writes ``members`` (name → array or value) with ``format`` and :data:`VERSION` to
    ``path`` atomically."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".hopsom-", suffix=".npz", dir=directory)
    except OSError as error:
        raise HopsomIOError(f"{path}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, format=np.str_(format), version=np.int64(VERSION), **members)
        os.replace(temporary, path)
    except OSError as error:
        raise HopsomIOError(f"{path}: {error.strerror or error}") from None
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _members(path):
    """The archive at ``path`` as a dict of arrays, refused by name when it is not one."""
    try:
        with np.load(os.fspath(path), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise HopsomIOError(f"{os.fspath(path)}: No such file or directory") from None
    except OSError as error:
        raise HopsomIOError(f"{os.fspath(path)}: {error}") from None
    except (ValueError, EOFError, KeyError, AttributeError, zipfile.BadZipFile) as error:
        raise InvalidData(f"{os.fspath(path)}: not a hopsom model file ({error})") from None


def _text(members, name, path):
    value = members.get(name)
    if value is None or value.dtype.kind != "U" or value.shape != ():
        raise InvalidData(f"{os.fspath(path)}: {name} must be a string")
    return str(value)


def load(path, backend="auto"):
    """The model saved at ``path`` (by ``save``, or a map by `hopsom som train`'s model.npz):
    a :class:`SOM`, :class:`Hopfield`, :class:`ModernHopfield` or
    :class:`hopsom.minisom.MiniSom` that computes what the saved one did. ``backend``: where
    it computes (MiniSom's always on the CPU). Raises ``HopsomIOError`` for a file that cannot be
    read, ``InvalidData`` for one that is not a model (or of a newer version).

    >>> import numpy as np, hopsom, tempfile, os
    >>> som = hopsom.SOM(4, 3, 2, backend="cpu")
    >>> _ = som.train(np.random.default_rng(0).random((50, 2)), epochs=2)
    >>> path = os.path.join(tempfile.mkdtemp(), "map.npz")
    >>> som.save(path)
    >>> np.array_equal(hopsom.load(path, backend="cpu").codebook, som.codebook)
    True
    """
    members = _members(path)
    kind = _text(members, "format", path)
    version = members.get("version")
    if version is None or version.shape != () or not 1 <= int(version) <= VERSION:
        raise InvalidData(
            f"{os.fspath(path)}: version {version}: this hopsom reads model files of version 1"
            f" to {VERSION}"
        )
    from .hopfield import Hopfield
    from .minisom import MiniSom
    from .modern import ModernHopfield
    from .som import SOM

    loaders = {
        "hopsom-som": lambda: SOM._from_model(_hopsom.load_som_model(os.fspath(path)), backend),
        "hopsom-hopfield": lambda: Hopfield._from_members(members, backend),
        "hopsom-modern": lambda: ModernHopfield._from_members(members, backend),
        "hopsom-minisom": lambda: MiniSom._from_members(members),
    }
    if kind not in loaders:
        raise InvalidData(f"{os.fspath(path)}: format {kind!r} is not a hopsom model")
    try:
        return loaders[kind]()
    except KeyError as error:
        raise InvalidData(f"{os.fspath(path)}: the model has no {error}") from None


def callable_refused(name, value):
    """Refuses to save a model whose option is a Python callable."""
    raise InvalidArgument(
        f"{name}={value!r}: a callable cannot be written to a model file; pickle the object"
        " instead (with a function defined at a module's top level)"
    )
