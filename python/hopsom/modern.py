"""Modern Hopfield networks (Ramsauer et al. 2020): continuous patterns retrieved by the
attention update ξ ← Xᵀ softmax(β X ξ), on the CPU or the GPU.

    >>> import numpy as np, hopsom
    >>> stored = np.random.default_rng(0).standard_normal((50, 64))
    >>> memory = hopsom.ModernHopfield(stored, beta=8.0, normalize=True)
    >>> retrieved, attention, energies = memory.retrieve(stored[:3] + 0.1)
    >>> retrieved.shape, attention.shape, energies.shape
    ((3, 64), (3, 50), (3, 2))
"""

from . import _hopsom
from ._convert import options, reals
from ._tables import finish


class Retrieval:
    """What :meth:`ModernHopfield.retrieve` found. Unpacks as ``retrieved, attention,
    energies``:

    - ``retrieved``: float32, queries x dimension;
    - ``attention``: float32, queries x patterns, the softmax weights of each query's last step
      (None when not kept);
    - ``energies``: float64, queries x (steps + 1), E of the initial state and after each step
      (NaN after a query's last step when it converged early; None when not kept).

    Per query also ``best_pattern`` (the stored pattern of the largest weight, the lowest index
    on a tie), ``weight``, ``effective_patterns`` (1 / Σ wᵢ², how many patterns the state
    averages), ``kinds`` ("single_pattern", "metastable" or "global_average", the paper's three
    kinds of fixed points), ``steps`` and ``converged``."""

    def __init__(self, native):
        self.retrieved = native.retrieved
        self.attention = native.attention
        self.energies = native.energies
        self.best_pattern = native.best_pattern
        self.weight = native.weight
        self.effective_patterns = native.effective_patterns
        self.kinds = list(native.kinds)
        self.steps = native.steps
        self.converged = native.converged

    def __iter__(self):
        return iter((self.retrieved, self.attention, self.energies))

    def __len__(self):
        return len(self.retrieved)

    def __repr__(self):
        single = self.kinds.count("single_pattern")
        return f"<hopsom.Retrieval of {len(self)} queries, {single} at a single pattern>"


class ModernHopfield:
    """Stored continuous patterns (patterns x dimension, any numeric dtype) and the inverse
    temperature ``beta``: large separates the patterns, so a query retrieves one; small averages
    them. ``normalize`` scales every stored pattern and query to unit length (β·xᵀξ becomes β
    times a cosine). ``backend``: "auto", "cpu" or "gpu"; the GPU's results are within 1e-4 of
    the CPU's.

    The energy is E(ξ) = −β⁻¹ log Σᵢ exp(β xᵢᵀξ) + ½ ξᵀξ + β⁻¹ log P + ½ M², M the largest
    stored norm; each step ξ ← Xᵀ softmax(β X ξ) lowers it."""

    def __init__(self, stored, beta, normalize=False, backend="auto"):
        self.backend = backend
        self.options = _hopsom.checked("modern", options(locals(), "stored", "backend"))
        self.beta, self.normalize = self.options["beta"], self.options["normalize"]
        # The patterns as given, so that a copy normalises them exactly as this one did.
        self._given = reals(stored, "stored")
        self._native = _hopsom.NativeModern(self._given, self.options, backend)

    # Persistence: pickling (copy.deepcopy, joblib, Dask) and the model file.

    def __getstate__(self):
        return {key: value for key, value in self.__dict__.items() if key != "_native"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._native = _hopsom.NativeModern(self._given, self.options, self.backend)

    def save(self, path):
        """Writes the memory to ``path`` as a model file (see :mod:`hopsom.models`): the stored
        patterns as given, ``beta`` and ``normalize``; :func:`hopsom.load` reads it back."""
        from .models import save_npz

        save_npz(path, "hopsom-modern", {"stored": self._given, **self.options})

    @classmethod
    def _from_members(cls, members, backend):
        return cls(members["stored"], members["beta"].item(), members["normalize"].item(), backend)

    @property
    def stored(self):
        """The stored patterns as retrieval uses them (unit rows when normalised), float32."""
        return self._native.stored

    @property
    def device(self):
        """The device the memory computes on."""
        return self._native.device

    def retrieve(
        self,
        queries,
        steps=None,
        until_converged=False,
        max_steps=None,
        tolerance=None,
        attention=True,
        energies=True,
        progress=None,
    ):
        """Retrieves every query (one row, or queries x dimension): ``steps`` updates (1 unless
        given), or with ``until_converged`` until each query moves by at most ``tolerance``
        (1e-4 unless given) · ‖ξ‖ in a step, at most ``max_steps`` (100 unless given); a
        converged query stops, so a result never depends on the other queries. ``steps`` with
        ``until_converged``, or ``max_steps`` and ``tolerance`` without it, are refused.
        ``attention=False`` skips keeping the last weights (queries x patterns), and
        ``energies=False`` the energies (the last state's costs one more product the size of the
        scores'); each is then None. ``progress``: a callable given the number of queries
        finished, from time to time. Returns a :class:`Retrieval`, which unpacks as
        ``retrieved, attention, energies``."""
        array = reals(queries, "queries")
        native = self._native.retrieve(
            array, options(locals(), "queries", "array", "progress"), progress
        )
        return Retrieval(native)

    def __repr__(self):
        patterns, dim = self.stored.shape
        return (
            f"<hopsom.ModernHopfield of {patterns} patterns of {dim}, β = {self.beta}, "
            f"on {self.device}>"
        )


def modern_sweep(
    stored,
    beta,
    levels,
    corruption="mask",
    trials=4,
    steps=None,
    until_converged=False,
    max_steps=None,
    tolerance=None,
    normalize=False,
    seed=1,
    backend="auto",
    progress=None,
    as_frame=False,
):
    """Retrieval accuracy over inverse temperatures ``beta`` and corruption ``levels`` (a number
    or a sequence each): every stored pattern, corrupted ``trials`` times at each level ("mask":
    that percentage of entries set to 0; "gaussian": noise of that standard deviation added), is
    retrieved (``steps``, ``until_converged``, ``max_steps`` and ``tolerance`` as for
    :meth:`ModernHopfield.retrieve`). Columns: beta, corruption, level, queries, accuracy
    (largest weight on the source pattern), mean_similarity (cosine of retrieved and source),
    mean_weight and the fractions of the three kinds of state — the rows of `hopsom modern sweep
    --json` for the same seed. Returns a :class:`hopsom.Table` (a DataFrame with
    ``as_frame=True``)."""
    rows = _hopsom.modern_sweep(
        reals(stored, "stored"),
        options(locals(), "stored", "backend", "progress", "as_frame"),
        backend,
        progress,
    )
    return finish(rows, as_frame)


def builtin_tiles():
    """The command line's ``--stored builtin``: 96 greyscale 32 x 32 tiles of the photo the
    repository carries (kodim23), values in [−1, 1], float32 96 x 1024 (``tile.reshape(32,
    32)`` shows one)."""
    return _hopsom.builtin_tiles()
