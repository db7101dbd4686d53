"""hopsom: Hopfield associative memories and Kohonen self-organizing maps on the GPU (wgpu) and
the CPU, numpy arrays in and out.

The computations run in the Rust engine with the GIL released; results for a seed are the
command line's (`hopsom hopfield recall --probe`, `hopsom som train`). Arrays of any dtype and
memory order are accepted and converted (copied when they must be).

    >>> import numpy as np, hopsom
    >>> patterns = np.where(np.random.default_rng(1).random((3, 100)) < 0.5, -1, 1)
    >>> net = hopsom.Hopfield(patterns)
    >>> noisy = hopsom.corrupt(patterns[0], 20, seed=1)
    >>> result = net.recall(noisy[None, :])
    >>> int(result.best_match[0]), float(result.overlap[0])
    (0, 1.0)
"""

import json
import os
import tempfile

import numpy as np

# Mesa's Vulkan drivers print "error: XDG_RUNTIME_DIR is invalid" into a notebook while probing
# display sockets that compute never uses; the command line points it at the temp dir too.
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())

from . import _hopsom
from ._tables import Table, _engine_array, _finish, _float_list
from .errors import (
    GpuFailure,
    HopsomError,
    HopsomIOError,
    InvalidArgument,
    InvalidData,
    NoAdapter,
    TooLarge,
)
from .modern import ModernHopfield, Retrieval, builtin_tiles, modern_sweep

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
    "modern_sweep",
    "seed_patterns",
    "sweep",
]


def devices():
    """The GPU adapters wgpu can open on this machine, as dicts: ``name``, ``backend``,
    ``device_type``, ``driver``, ``software`` (llvmpipe and the like) and ``limits`` (what hopsom
    sizes its work by). An empty list when there is none; the CPU path always works."""
    return json.loads(_hopsom.devices_json())


def _bipolar(values, what, ndim):
    """``values`` as a C-contiguous int8 array of ±1: bools are True = +1, False = -1; any other
    dtype must hold only -1 and +1."""
    array = np.asarray(values)
    if array.ndim == ndim - 1:
        array = array[None, :] if ndim == 2 else array
    if array.ndim != ndim:
        raise InvalidData(f"{what} must be a {ndim}-D array, not {array.ndim}-D")
    if array.size == 0:
        raise InvalidData(f"{what} is empty")
    if array.dtype == np.bool_:
        return _engine_array(np.where(array, 1, -1), np.int8)
    if not (np.issubdtype(array.dtype, np.number)):
        raise TypeError(f"{what} must be numeric or boolean, not {array.dtype}")
    if not np.all((array == 1) | (array == -1)):
        raise InvalidData(f"{what} must hold only -1 and +1")
    return _engine_array(array, np.int8)


def seed_patterns():
    """Seed 003's stored patterns: (names, int8 array of 3 x 225), Batman, A and Z, each a 15 x 15
    picture stored column by column (``pattern.reshape(15, 15).T`` shows it upright)."""
    names, patterns = _hopsom.seed_patterns()
    return list(names), patterns


def corrupt(pattern, percent, seed=1, trial=0, index=0):
    """A copy of ``pattern`` (1-D, ±1) with ``percent`` % of its neurons flipped: exactly the
    noisy probe the command line makes for stored pattern ``index`` in trial ``trial`` of ``seed``
    (`hopsom hopfield recall --noise percent --seed seed`)."""
    return _hopsom.corrupt(_bipolar(pattern, "pattern", 1), float(percent), seed, index, trial)


def capacity(
    neurons,
    loads,
    trials=10,
    rule="hebbian",
    weights="auto",
    mode="async",
    max_sweeps=100,
    seed=1,
    backend="auto",
    progress=None,
    as_frame=False,
    interaction="quadratic",
):
    """Capacity against load α = P/N for networks of ``neurons``: per load, ``trials`` sets of
    random patterns (seeded), each stored pattern recalled from itself. Columns: interaction,
    load, patterns, trials, one_step_error (its stderr and how it was estimated),
    theory_one_step_error, theory_capacity, stable_fraction, fixed_point_overlap — the rows of
    `hopsom hopfield capacity --json` for the same seed. ``interaction``: the energy's F (see
    :class:`Hopfield`); the theory columns are its signal-to-noise one-step error and the
    patterns stored without errors (Krotov & Hopfield's Nⁿ⁻¹ / (2 (2n−3)!! ln N) for poly:n).
    ``progress``: a callable given 1 per load and trial. Returns a :class:`Table`, or a pandas
    DataFrame with ``as_frame=True``."""
    loads = _float_list(loads)
    rows = json.loads(
        _hopsom.capacity_json(
            int(neurons),
            loads,
            int(trials),
            rule,
            weights,
            mode,
            int(max_sweeps),
            int(seed),
            backend,
            progress,
            interaction,
        )
    )
    return _finish(rows, as_frame)


def sweep(
    patterns,
    noise=range(0, 101, 5),
    trials=100,
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
):
    """Recall from noise: ``patterns`` are stored, and each is recalled ``trials`` times from a
    noisy copy at every level of ``noise`` (percent of neurons flipped). Columns: pattern,
    pattern_name, noise, trials, exact_fraction, mean_overlap, inverted_fraction,
    fixed_point_fraction, mean_sweeps — the rows of `hopsom hopfield sweep --json` for the same
    seed (pattern names aside). See :meth:`Hopfield.sweep`."""
    network = Hopfield(
        patterns, rule=rule, weights=weights, backend=backend, interaction=interaction
    )
    return network.sweep(
        noise=noise,
        trials=trials,
        mode=mode,
        max_sweeps=max_sweeps,
        threshold=threshold,
        temperature=temperature,
        self_coupling=self_coupling,
        seed=seed,
        progress=progress,
        as_frame=as_frame,
    )


#: Seed 003's starting colours for :func:`cluster_colours`: brown, blue, green and skin.
SEED_COLOURS = ((165, 42, 42), (0, 0, 255), (0, 128, 0), (255, 224, 189))


def cluster_colours(
    image,
    colors=SEED_COLOURS,
    epochs=(5, 10, 30, 100),
    lr=0.6,
    restart=False,
    seed=1,
    backend="auto",
    progress=None,
):
    """Seed 003's ``ColorClusteringSOM`` on an H x W x 3 uint8 image: K colours (``colors``,
    RGB 0-255) learned by online winner-take-all over shuffled pixels, one result after each
    count of ``epochs`` (each run continuing from the previous one, as the seed's repeated
    ``fit`` calls do, unless ``restart``). Returns one dict per run: epochs, centers (K x 3),
    labels (H x W), clustered (the image in its clusters' colours), distribution (pixels per
    cluster) and qe — `hopsom som cluster` for the same seed. ``progress``: a callable given 1
    per epoch."""
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3:
        raise InvalidData(f"image must be H x W x 3, not shape {array.shape}")
    array = _engine_array(array, np.uint8)
    colours = _engine_array(np.asarray(colors, dtype=np.float32).reshape(-1, 3), np.float32)
    counts = [int(e) for e in np.atleast_1d(epochs)]
    height, width = array.shape[:2]
    runs = _hopsom.cluster_colours(
        array, colours, counts, float(lr), bool(restart), int(seed), backend, progress
    )
    return [
        {
            "epochs": run_epochs,
            "centers": centers.reshape(-1, 3),
            "labels": labels.reshape(height, width),
            "clustered": clustered.reshape(height, width, 3),
            "distribution": distribution,
            "qe": qe,
        }
        for run_epochs, centers, labels, clustered, distribution, qe in runs
    ]


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
        self.converged = np.array([e == "fixed_point" for e in self.endings])
        self.energies = list(native.energies)
        self.best_match = native.best_match
        self.overlap = native.overlap
        self.trajectories = native.flips

    def __len__(self):
        return len(self.endings)

    def __repr__(self):
        return f"<hopsom.Recall of {len(self)} probes, {int(self.converged.sum())} converged>"


class Hopfield:
    """A Hopfield network that stores ``patterns`` (patterns x neurons, ±1 in any integer,
    bool or float dtype).

    ``rule``: "hebbian" (the seeds' W = Σ ξξᵀ), "storkey" or "pseudo-inverse". ``weights``:
    "auto" (factored couplings for the Hebbian rule when cheaper or when the N x N matrix does not
    fit), "dense" or "factored". ``keep_diagonal``: the pseudo-inverse rule's self-couplings stay
    (they are zeroed by default, as for the other rules). ``backend``: "auto", "cpu" or "gpu".

    ``interaction``: the energy E(s) = −Σ_μ F(ξ^μ·s) of a dense associative memory —
    "quadratic" (the classical network, through W), "poly:N" (F(x) = xⁿ, Krotov & Hopfield),
    "repoly:N" (xⁿ for x > 0, else 0) or "exp" (F(x) = eˣ, Demircigil et al.). The dense ones
    recall through the stored patterns (the Hebbian rule, never an N x N matrix) and store far
    more than 0.138·N patterns; "exp" takes no threshold or temperature, and its energies are
    reported as −Σ_μ e^(m_μ − N)."""

    def __init__(
        self,
        patterns,
        rule="hebbian",
        weights="auto",
        keep_diagonal=False,
        backend="auto",
        interaction="quadratic",
    ):
        self.patterns = _bipolar(patterns, "patterns", 2)
        self.interaction = str(interaction)
        self._native = _hopsom.NativeHopfield(
            self.patterns, rule, weights, bool(keep_diagonal), backend, self.interaction
        )

    @property
    def neurons(self):
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
        couplings are factored), with a zero diagonal."""
        return self._native.dense_weights()

    def energy(self, states):
        """E(s) = −½ sᵀWs of each state (a row of ±1, or a batch of rows); for a dense
        interaction, E(s) = −Σ_μ F(ξ^μ·s)."""
        array = _bipolar(states, "states", 2)
        energies = self._native.energy(array)
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
        seed=1,
        progress=None,
    ):
        """Recalls every probe (a row of ±1, or probes x neurons) until it stops changing, or
        for ``max_sweeps`` sweeps. ``mode``: "async" (one neuron at a time in a seeded random
        order per sweep) or "sync" (all at once). ``threshold`` θ for every neuron;
        ``temperature`` > 0 gives Glauber dynamics; ``self_coupling`` adds each neuron's own
        state to its input, as seed 003 does; ``trajectory`` records the flips (async).
        ``progress``: a callable given the number of probes finished, from time to time.
        The same probes and seed give the command line's results
        (`hopsom hopfield recall --probe FILE --seed seed`). Returns a :class:`Recall`."""
        array = _bipolar(probes, "probes", 2)
        native = self._native.recall(
            array,
            mode,
            int(max_sweeps),
            float(threshold),
            float(temperature),
            bool(self_coupling),
            bool(trajectory),
            int(seed),
            progress,
        )
        return Recall(native)

    def sweep(
        self,
        noise=range(0, 101, 5),
        trials=100,
        mode="async",
        max_sweeps=100,
        threshold=0.0,
        temperature=0.0,
        self_coupling=False,
        seed=1,
        progress=None,
        as_frame=False,
    ):
        """Recalls each stored pattern ``trials`` times from noisy copies at every level of
        ``noise`` (percent), the copies and update orders drawn from ``seed`` as the command
        line draws them. ``progress``: a callable given the recalls done. Returns a
        :class:`Table` of one row per pattern and level (a DataFrame with ``as_frame=True``)."""
        levels = _float_list(noise)
        result = json.loads(
            self._native.sweep_json(
                levels,
                int(trials),
                int(seed),
                mode,
                int(max_sweeps),
                float(threshold),
                float(temperature),
                bool(self_coupling),
                progress,
            )
        )
        table = _finish(result["rows"], as_frame)
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


def _samples(data, dim):
    """``data`` as the engine takes it: a uint8 H x W x 3 image as is, anything else as a
    C-contiguous float32 table of samples x dim."""
    array = np.asarray(data)
    if array.ndim == 3 and array.dtype == np.uint8 and array.shape[2] == 3:
        return _engine_array(array, np.uint8)
    if array.ndim == 1 and dim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise InvalidData(
            f"data must be samples x dim, or an H x W x 3 uint8 image; got shape {array.shape}"
        )
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"data must be numeric, not {array.dtype}")
    return _engine_array(array, np.float32)


class SOM:
    """A self-organizing map of ``width`` x ``height`` nodes of ``dim`` weights.

    ``topology``: "rect" (4 neighbours) or "hex" (odd rows shifted, 6 neighbours);
    ``toroidal`` joins opposite edges; ``neighbourhood``: "gaussian", "bubble",
    "mexican-hat" (online only) or "triangle"; ``metric`` chooses winners: "euclidean",
    "cosine", "manhattan" or "chebyshev"; ``init`` ("random", "samples" or "pca") places the
    weights at the first training from its data; ``seed`` makes every random choice;
    ``backend``: "auto", "cpu" or "gpu". See the command line's `hopsom som train` for the
    algorithms; the same data and options give its codebook.

    MiniSom's constructor keywords are accepted too, so that ``MiniSom(x, y, input_len, ...)``
    becomes ``hopsom.SOM(x, y, input_len, ...)``: ``sigma`` and ``learning_rate`` (the defaults
    of ``train``'s ``sigma`` and ``lr``, and what ``train_random``/``train_batch`` use),
    ``neighborhood_function``, ``activation_distance``, ``random_seed``, and ``topology``
    "rectangular" or "hexagonal"."""

    def __init__(
        self,
        width,
        height,
        dim,
        topology="rect",
        toroidal=False,
        neighbourhood="gaussian",
        metric="euclidean",
        init="random",
        seed=1,
        backend="auto",
        *,
        sigma=None,
        learning_rate=0.5,
        neighborhood_function=None,
        activation_distance=None,
        random_seed=None,
    ):
        topology = {"rectangular": "rect", "hexagonal": "hex"}.get(topology, topology)
        if neighborhood_function is not None:
            neighbourhood = str(neighborhood_function).replace("_", "-")
        if activation_distance is not None:
            metric = activation_distance
        if random_seed is not None:
            seed = random_seed
        self.sigma, self.learning_rate = sigma, float(learning_rate)
        self.width, self.height, self.dim = int(width), int(height), int(dim)
        self.topology, self.toroidal = topology, bool(toroidal)
        self.training_seconds = 0.0
        self.neighbourhood, self.metric, self.init = neighbourhood, metric, init
        self.seed = int(seed)
        self.backend = backend
        self._native = _hopsom.NativeSom(
            self.width, self.height, self.dim, topology, bool(toroidal), backend
        )

    @property
    def device(self):
        return self._native.device

    @property
    def codebook(self):
        """The weights, float32 of shape (height, width, dim); None before training."""
        flat = self._native.weights()
        return None if flat is None else flat.reshape(self.height, self.width, self.dim)

    @codebook.setter
    def codebook(self, weights):
        array = np.asarray(weights, dtype=np.float32)
        if array.shape != (self.height, self.width, self.dim):
            raise InvalidData(
                f"the codebook must have shape {(self.height, self.width, self.dim)}, "
                f"not {array.shape}"
            )
        self._native.set_weights(_engine_array(array, np.float32).reshape(-1))

    def train(
        self,
        data,
        epochs=10,
        mode="batch",
        lr=None,
        sigma=None,
        lr_end=0.01,
        sigma_end=0.5,
        schedule="exponential",
        tau=1.0,
        cutoff=1e-6,
        shuffle=True,
        extra_winner_update=False,
        progress=None,
    ):
        """Trains on ``data`` (float samples x dim, or an H x W x 3 uint8 image) for ``epochs``
        passes. ``mode``: "batch" (Kohonen's batch map) or "online" (one sample at a time, rates
        decaying per sample visited). ``schedule``: "exponential", "linear", "inverse" (from
        ``lr``/``sigma`` to ``lr_end``/``sigma_end``), "asymptotic" (MiniSom's default) or
        "seed"; ``lr`` and ``sigma`` default to the constructor's ``learning_rate`` (0.5) and
        ``sigma`` (when not given there, half the longer side); ``cutoff`` zeroes neighbourhood
        weights below that fraction of the peak; ``shuffle=False`` visits the samples in order;
        ``extra_winner_update`` moves the winner by lr·(x − w) before the neighbourhood update,
        as seed 003 does. ``progress``: a callable given 1 after each epoch. Returns one dict
        per epoch: epoch, qe, te, learning_rate, sigma; ``training_seconds`` holds the time spent
        training."""
        if lr is None:
            lr = self.learning_rate
        if sigma is None:
            sigma = self.sigma if self.sigma is not None else max(self.width, self.height) / 2.0
        samples = _samples(data, self.dim)
        if self._native.weights() is None:
            self._native.initialise(samples, self.init, self.seed)
        reports, self.training_seconds = self._native.train(
            samples,
            int(epochs),
            mode,
            self.neighbourhood,
            self.metric,
            schedule,
            float(lr),
            float(lr_end),
            float(sigma),
            float(sigma_end),
            float(tau),
            float(cutoff),
            bool(shuffle),
            bool(extra_winner_update),
            self.seed,
            progress,
        )
        # self.training_seconds: the time spent training, without the passes that only measure
        # the map (the command line's `training_seconds`).
        keys = ("epoch", "qe", "te", "learning_rate", "sigma")
        return [dict(zip(keys, report)) for report in reports]

    def _assign(self, data):
        return self._native.assign(_samples(data, self.dim), self.metric)

    def winners(self, data):
        """The winning node of each sample (uint32, node = row·width + column); for an image,
        shape (H, W)."""
        labels = self._assign(data)[0]
        array = np.asarray(data)
        return labels.reshape(array.shape[:2]) if array.ndim == 3 else labels

    def quantization_error(self, data):
        """Mean euclidean distance from each sample to its winner's weights."""
        return self._assign(data)[1]

    def topographic_error(self, data):
        """Fraction of samples whose two nearest nodes are not adjacent on the map."""
        return self._assign(data)[2]

    def hits(self, data):
        """Samples won by each node, shape (height, width)."""
        return self._assign(data)[3].reshape(self.height, self.width)

    def umatrix(self):
        """Each node's mean distance to its adjacent nodes, shape (height, width)."""
        return self._native.umatrix().reshape(self.height, self.width)

    def segment(self, image):
        """(labels of shape (H, W), the image with every pixel replaced by its winner's colour)
        for an H x W x 3 uint8 image."""
        array = _samples(image, self.dim)
        if array.ndim != 3:
            raise InvalidData("segment takes an H x W x 3 uint8 image")
        labels, _, _, _, segmented = self._native.assign(array, self.metric)
        height, width = array.shape[:2]
        return labels.reshape(height, width), segmented.reshape(height, width, 3)

    # MiniSom's names, where the meaning is the same. MiniSom(x, y, ...) indexes its nodes
    # (i, j) with i along x, hopsom's columns, so its arrays are this map's transposed.

    def winner(self, x):
        """MiniSom's ``winner``: the (column, row) of the node nearest sample ``x``."""
        node = int(self.winners(np.asarray(x, dtype=np.float32).reshape(1, -1))[0])
        return node % self.width, node // self.width

    def quantization(self, data):
        """MiniSom's ``quantization``: each sample's winner's weights, samples x dim."""
        return self.codebook.reshape(-1, self.dim)[self.winners(data).ravel()]

    def train_random(self, data, num_iteration, progress=None):
        """MiniSom's ``train_random``: ``num_iteration`` online updates, each with a sample drawn
        at random (with replacement, seeded), under MiniSom's asymptotic schedule from the
        constructor's ``learning_rate`` and ``sigma``. Returns ``train``'s report."""
        samples = _samples(data, self.dim)
        drawn = np.random.default_rng(self.seed).integers(len(samples), size=int(num_iteration))
        return self._train_visiting(samples[drawn], progress)

    def train_batch(self, data, num_iteration, progress=None):
        """MiniSom's ``train_batch``: ``num_iteration`` online updates visiting the samples in
        order, round and round (MiniSom's name: not hopsom's batch mode), under MiniSom's
        asymptotic schedule from the constructor's ``learning_rate`` and ``sigma``."""
        samples = _samples(data, self.dim)
        return self._train_visiting(samples[np.arange(int(num_iteration)) % len(samples)], progress)

    def _train_visiting(self, visits, progress):
        if len(visits) == 0:
            raise InvalidArgument("num_iteration=0: must be at least 1")
        return self.train(
            visits, epochs=1, mode="online", schedule="asymptotic", shuffle=False, progress=progress
        )

    def distance_map(self, scaling="sum"):
        """MiniSom's ``distance_map``: each node's euclidean distances to the nodes around it,
        summed (``scaling="sum"``) or averaged ("mean"), divided by the largest such value;
        shape (width, height). Around a node are the 8 nodes of its 3 x 3 square on a rectangular
        map (MiniSom's stencil, diagonals included, where ``umatrix`` takes the 4 adjacent ones)
        and the 6 adjacent nodes on a hexagonal one (MiniSom's stencil too: it shifts odd rows
        as hopsom does). Toroidal maps wrap around; a map of equal nodes gives zeros."""
        if scaling not in ("sum", "mean"):
            raise InvalidArgument(f"scaling={scaling!r}: use 'sum' or 'mean'")
        weights = self.codebook.astype(np.float64)
        rows, columns = np.indices((self.height, self.width))
        if self.topology == "hex":
            # (column, row) steps from nodes on even rows, then from nodes on odd rows.
            steps = [
                ((-1, 0), (-1, 0)),
                ((1, 0), (1, 0)),
                ((-1, -1), (0, -1)),
                ((0, -1), (1, -1)),
                ((-1, 1), (0, 1)),
                ((0, 1), (1, 1)),
            ]
        else:
            square = [(dc, dr) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dc, dr) != (0, 0)]
            steps = [(step, step) for step in square]
        total = np.zeros((self.height, self.width))
        count = np.zeros((self.height, self.width))
        odd = rows % 2 == 1
        for even_step, odd_step in steps:
            r = rows + np.where(odd, odd_step[1], even_step[1])
            c = columns + np.where(odd, odd_step[0], even_step[0])
            if self.toroidal:
                r, c = r % self.height, c % self.width
            inside = (r >= 0) & (r < self.height) & (c >= 0) & (c < self.width)
            neighbour = weights[r.clip(0, self.height - 1), c.clip(0, self.width - 1)]
            distance = np.linalg.norm(weights - neighbour, axis=2)
            total += np.where(inside, distance, 0.0)
            count += inside
        if scaling == "mean":
            total = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        peak = total.max()
        return (total / peak if peak > 0 else total).T

    def activation_response(self, data):
        """MiniSom's ``activation_response``: samples won by each node, shape (width, height)."""
        return self.hits(data).T

    def get_weights(self):
        """MiniSom's ``get_weights``: the codebook as (width, height, dim)."""
        return self.codebook.transpose(1, 0, 2)

    def random_weights_init(self, data):
        """MiniSom's ``random_weights_init``: weights drawn from the samples (seeded)."""
        self._native.initialise(_samples(data, self.dim), "samples", self.seed)

    def pca_weights_init(self, data):
        """MiniSom's ``pca_weights_init``: weights spread over the plane of the data's first two
        principal components (±1 standard deviation across the map)."""
        self._native.initialise(_samples(data, self.dim), "pca", self.seed)

    def __repr__(self):
        return f"<hopsom.SOM {self.width}x{self.height} of {self.dim} dimensions on {self.device}>"
