"""Classical and dense Hopfield networks: learning, recall, energies, noise sweeps and capacity
studies. Every keyword argument is an option of the library's spec of the same name, with the
library's default (``hopsom`` tests that they agree); results for a seed are the command line's
(`hopsom hopfield recall --probe`, `hopfield sweep`, `hopfield capacity`)."""

import numpy as np

from . import _hopsom
from ._convert import bipolar, options
from ._tables import Table, finish


def seed_patterns():
    """Seed 003's stored patterns: (names, int8 array of 3 x 225), Batman, A and Z, each a 15 x 15
    picture stored column by column (``pattern.reshape(15, 15).T`` shows it upright)."""
    names, patterns = _hopsom.seed_patterns()
    return list(names), patterns


def corrupt(pattern, noise, seed=1, trial=0, index=0):
    """A copy of ``pattern`` (1-D, ±1) with ``noise`` % of its neurons flipped: exactly the
    noisy probe the command line makes for stored pattern ``index`` in trial ``trial`` of ``seed``
    (`hopsom hopfield recall --noise NOISE --seed SEED`).

    >>> import numpy as np, hopsom
    >>> pattern = np.ones(100, dtype=np.int8)
    >>> int((hopsom.corrupt(pattern, 25, seed=3) == -1).sum())
    25
    """
    return _hopsom.corrupt(bipolar(pattern, "pattern", 1), noise, seed, index, trial)


class Recall:
    """The outcome of recalling a batch of probes.

    Attributes: ``states`` (int8, probes x neurons: the final states), ``sweeps`` (uint32),
    ``converged`` (bool: reached a fixed point), ``endings`` ("fixed_point", "two_cycle" or
    "sweep_limit"), ``energies`` (a float64 array per probe: the initial energy and one after each
    sweep), ``best_match`` (the stored pattern nearest each final state) and ``overlap``
    (m = ξ·s/N with it, negative for a mirror state); ``trajectories`` (per probe, the neurons
    flipped in order) when recall was asked for them, else None."""

    def __init__(self, native):
        self.states = native.states
        self.sweeps = native.sweeps
        self.endings = list(native.endings)
        self.converged = native.converged
        self.energies = list(native.energies)
        self.best_match = native.best_match
        self.overlap = native.overlap
        self.trajectories = native.flips

    def __len__(self):
        return len(self.endings)

    def __repr__(self):
        return f"<hopsom.Recall of {len(self)} probes, {int(self.converged.sum())} converged>"


class Hopfield:
    """A Hopfield network that stores ``patterns`` (patterns x neurons, ±1 in any integer, bool
    or float dtype).

    ``rule``: "hebbian" (the seeds' W = Σ ξξᵀ), "storkey" or "pseudo-inverse". ``weights``:
    "auto" (factored couplings for the Hebbian rule when cheaper or when the N x N matrix does not
    fit), "dense" or "factored". ``keep_diagonal``: the pseudo-inverse rule's self-couplings stay
    (they are zeroed by default, as for the other rules). ``backend``: "auto", "cpu" or "gpu".

    ``interaction``: the energy E(s) = −Σ_μ F(ξ^μ·s) of a dense associative memory —
    "quadratic" (the classical network, through W), "poly:N" (F(x) = xⁿ, Krotov & Hopfield),
    "repoly:N" (xⁿ for x > 0, else 0) or "exp" (F(x) = eˣ, Demircigil et al.). The dense ones
    recall through the stored patterns (the Hebbian rule, never an N x N matrix) and store far
    more than 0.138·N patterns; "exp" takes no threshold or temperature, and its energies are
    reported as −Σ_μ e^(m_μ − N).

    Raises ``InvalidArgument`` for an option out of range (``InvalidType`` for one of the wrong
    kind), ``InvalidData`` for patterns that are not ±1, ``TooLarge`` for a network beyond the
    machine.

    >>> import numpy as np, hopsom
    >>> patterns = np.where(np.random.default_rng(1).random((3, 100)) < 0.5, -1, 1)
    >>> net = hopsom.Hopfield(patterns, backend="cpu")
    >>> net.recall(hopsom.corrupt(patterns[0], 20, seed=1)).best_match.tolist()
    [0]
    """

    def __init__(
        self,
        patterns,
        rule="hebbian",
        weights="auto",
        keep_diagonal=False,
        backend="auto",
        interaction="quadratic",
    ):
        self.patterns = bipolar(patterns, "patterns", 2)
        self.backend = backend
        self.options = _hopsom.checked("hopfield", options(locals(), "patterns", "backend"))
        self.interaction = self.options["interaction"]
        self._native = _hopsom.NativeHopfield(self.patterns, self.options, backend)

    # Persistence: pickling (copy.deepcopy, joblib, Dask) and the model file. Both keep the
    # patterns and options and learn the couplings again, which learning does identically.

    def __getstate__(self):
        return {key: value for key, value in self.__dict__.items() if key != "_native"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._native = _hopsom.NativeHopfield(self.patterns, self.options, self.backend)

    def save(self, path):
        """Writes the network to ``path`` as a model file (see :mod:`hopsom.models`): its
        patterns and options; :func:`hopsom.load` reads it back."""
        from .models import save_npz

        save_npz(path, "hopsom-hopfield", {"patterns": self.patterns, **self.options})

    @classmethod
    def _from_members(cls, members, backend):
        options = {
            key: members[key].item() for key in ("rule", "weights", "keep_diagonal", "interaction")
        }
        return cls(members["patterns"], backend=backend, **options)

    @property
    def neurons(self):
        """The number of neurons N."""
        return self._native.neurons

    @property
    def device(self):
        """The device the network computes on."""
        return self._native.device

    @property
    def factored(self):
        """Whether the couplings are held as the patterns (h = Xᵀ(Xs) − Ps) instead of W."""
        return self._native.factored

    @property
    def weights(self):
        """The weights as a dense float64 N x N matrix (computed from the patterns when the
        couplings are factored); the diagonal is zero unless the rule keeps it."""
        return self._native.dense_weights()

    def energy(self, states, threshold=0.0):
        """The energy of each state (a row of ±1, or a batch of rows): E(s) = −½ sᵀWs + Σ θᵢsᵢ,
        the diagonal included when kept, or for a dense interaction E(s) = −Σ_μ F(ξ^μ·s) + Σ θᵢsᵢ
        — what recall reports. ``threshold``: θ for every neuron, or one per neuron. A float for
        one state, a float64 array for a batch."""
        array = bipolar(states, "states", 2)
        energies = self._native.energy(array, options(locals(), "states", "array"))
        return energies if np.ndim(states) == 2 else float(energies[0])

    def recall(
        self,
        probes,
        mode="async",
        max_sweeps=100,
        threshold=0.0,
        temperature=0.0,
        self_coupling=False,
        trajectory=False,
        clamp=None,
        seed=1,
        progress=None,
    ):
        """Recalls every probe (a row of ±1, or probes x neurons) until it stops changing, or
        for ``max_sweeps`` sweeps. ``mode``: "async" (one neuron at a time in a seeded random
        order per sweep) or "sync" (all at once). ``threshold``: θ for every neuron, or one per
        neuron; ``temperature`` > 0 gives Glauber dynamics; ``self_coupling`` adds each neuron's
        own state to its input, as seed 003 does; ``trajectory`` records the flips (async);
        ``clamp``: one bool per neuron, True where the neuron keeps the probe's value.
        ``progress``: a callable given the number of probes finished, from time to time; an
        exception it raises stops the call and propagates. The same probes and seed give the
        command line's results (`hopsom hopfield recall --probe FILE --seed seed`). Returns a
        :class:`Recall`."""
        array = bipolar(probes, "probes", 2)
        native = self._native.recall(
            array, options(locals(), "probes", "array", "progress"), progress
        )
        return Recall(native)

    def sweep(
        self,
        noise=range(0, 101, 5),
        trials=1000,
        mode="async",
        max_sweeps=100,
        threshold=0.0,
        temperature=0.0,
        self_coupling=False,
        clamp=None,
        seed=1,
        progress=None,
        as_frame=False,
    ):
        """Recalls each stored pattern ``trials`` times from noisy copies at every level of
        ``noise`` (percent), the copies and update orders drawn from ``seed`` as the command
        line draws them; the dynamics (``mode`` … ``clamp``) are :meth:`recall`'s.
        ``progress``: a callable given the recalls done. Returns a
        :class:`Table` of one row per pattern and level (a DataFrame with ``as_frame=True``),
        with the sweep's ``seconds`` and ``recalls_per_second``."""
        result = self._native.sweep(options(locals(), "progress", "as_frame"), progress)
        table = finish(result["rows"], as_frame)
        if not as_frame:
            # The command line's figures for the whole sweep.
            table.seconds = result["seconds"]
            table.recalls_per_second = result["recalls_per_second"]
        return table

    def __repr__(self):
        form = "factored" if self.factored else "dense"
        return (
            f"<hopsom.Hopfield of {len(self.patterns)} patterns, {self.neurons} neurons, "
            f"{form}, {self.interaction}, on {self.device}>"
        )


def sweep(
    patterns,
    noise=range(0, 101, 5),
    trials=1000,
    mode="async",
    rule="hebbian",
    weights="auto",
    max_sweeps=100,
    threshold=0.0,
    temperature=0.0,
    self_coupling=False,
    seed=1,
    backend="auto",
    progress=None,
    as_frame=False,
    interaction="quadratic",
    keep_diagonal=False,
    clamp=None,
):
    """Recall from noise: ``patterns`` are stored (as :class:`Hopfield` does with ``rule``,
    ``weights``, ``keep_diagonal`` and ``interaction``), and each is recalled ``trials`` times
    from a noisy copy at every level of ``noise`` (percent of neurons flipped). Columns: pattern,
    pattern_name, noise, trials, exact_fraction, mean_overlap, inverted_fraction,
    fixed_point_fraction, mean_sweeps — the rows of `hopsom hopfield sweep --json` for the same
    seed (pattern names aside). See :meth:`Hopfield.sweep`."""
    network = Hopfield(
        patterns,
        rule=rule,
        weights=weights,
        keep_diagonal=keep_diagonal,
        backend=backend,
        interaction=interaction,
    )
    return network.sweep(
        **options(
            locals(),
            "patterns",
            "rule",
            "weights",
            "keep_diagonal",
            "interaction",
            "backend",
            "network",
        )
    )


def capacity(
    neurons,
    loads,
    trials=1,
    rule="hebbian",
    weights="auto",
    mode="async",
    max_sweeps=100,
    seed=1,
    backend="auto",
    progress=None,
    as_frame=False,
    interaction="quadratic",
    keep_diagonal=False,
):
    """Capacity against load α = P/N for networks of ``neurons``: per load, ``trials`` sets of
    random patterns (seeded), each stored pattern recalled from itself. Columns: interaction,
    load, patterns, trials, one_step_error (its stderr and how it was estimated),
    theory_one_step_error, theory_capacity, stable_fraction, fixed_point_overlap — the rows of
    `hopsom hopfield capacity --json` for the same seed. ``interaction``: the energy's F (see
    :class:`Hopfield`); the theory columns are its signal-to-noise one-step error and the
    patterns stored without errors (Krotov & Hopfield's Nⁿ⁻¹ / (2 (2n−3)!! ln N) for poly:n).
    ``progress``: a callable given 1 per load and trial. Returns a :class:`Table`, or a pandas
    DataFrame with ``as_frame=True``.

    >>> import hopsom
    >>> table = hopsom.capacity(100, [0.05, 0.5], trials=2, backend="cpu")
    >>> [round(float(a), 2) for a in table["load"]], bool(table["stable_fraction"][0] > 0.9)
    ([0.05, 0.5], True)
    """
    rows = _hopsom.capacity(options(locals(), "backend", "progress", "as_frame"), backend, progress)
    return finish(rows, as_frame)


__all__ = ["Hopfield", "Recall", "Table", "capacity", "corrupt", "seed_patterns", "sweep"]
