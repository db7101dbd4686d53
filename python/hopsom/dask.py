"""hopsom beyond one machine, with Dask (``pip install ./python[dask]``).

Every function here runs on whatever Dask scheduler is active: a ``distributed.Client`` (a
``LocalCluster``, or a scheduler with workers on many machines) or Dask's local threads. Workers
compute with hopsom's engine on their own backend (``backend="auto"``: a worker's GPU when it has
a hardware one; see README for one worker per GPU), and only codebooks and tables travel to the
client: a task holds its chunk and the codebook, nothing more.

The results are the single-process results:

- :func:`sweep` and :func:`capacity` split the trials across workers. Each trial's random stream
  depends only on its key (seed, pattern, level, trial), and the workers return integer tallies
  that add up exactly, so the table equals :func:`hopsom.sweep` / :func:`hopsom.capacity` row for
  row, bit for bit, however the trials are split and in whatever order they finish.
- :func:`segment` labels each chunk with the same exact winner search as :meth:`SOM.segment`:
  identical labels and pixels, chunk for chunk, lazily (write them with ``dask.array.to_zarr``).
- :func:`train` runs Kohonen's batch map: per epoch each chunk's task gathers its node sums (Σ x
  and the count of the samples each node won, in float64) and quality tallies, the partials are
  added as a tree, and the client applies the update. Only the order of the float64 additions
  differs from :meth:`SOM.train`: each node sum is then within n·2⁻⁵³ of the local one (relative,
  for n samples), far below the float32 rounding of the weights, so a weight can differ by one
  float32 ulp in an epoch where a sum lands on a rounding boundary, and the winners of the next
  epoch almost never change. QE and TE agree to ~1e-15 relative.
"""

import itertools
import json
import threading

import numpy as np

try:
    import dask
    import dask.array as da
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise ImportError(
        "hopsom.dask needs Dask: pip install 'hopsom[dask]' (dask[array], distributed, zarr)"
    ) from missing

from . import Hopfield, _bipolar, _engine_array, _finish, _float_list, _hopsom, _samples
from .errors import InvalidArgument, InvalidData

__all__ = ["capacity", "segment", "sweep", "train"]

_worker = threading.local()


def _map_on_worker(spec, weights):
    """The native map ``spec`` with ``weights``, made once per worker thread: opening a backend
    (a GPU context) costs far more than a chunk's work."""
    cache = _worker.__dict__.setdefault("maps", {})
    native = cache.get(spec)
    if native is None:
        width, height, dim, topology, toroidal, backend = spec
        native = cache[spec] = _hopsom.NativeSom(width, height, dim, topology, toroidal, backend)
    native.set_weights(_engine_array(weights, np.float32))
    return native


def _spec(som):
    return (som.width, som.height, som.dim, som.topology, som.toroidal, som.backend)


def _as_samples(data, dim):
    """``data`` as a dask array of samples x dim, or of an H x W x 3 uint8 image, with the
    last axis in one chunk (a task needs whole samples)."""
    if not isinstance(data, da.Array):
        data = da.from_array(np.asarray(data))
    if data.ndim == 3:
        if data.dtype != np.uint8 or data.shape[2] != 3:
            raise InvalidData(f"an image must be H x W x 3 uint8, not {data.shape} {data.dtype}")
    elif data.ndim == 1 and dim == 1:
        data = data[:, None]
    elif data.ndim != 2:
        raise InvalidData(
            f"data must be samples x dim, or an H x W x 3 uint8 image; got shape {data.shape}"
        )
    if not np.issubdtype(data.dtype, np.number):
        raise TypeError(f"data must be numeric, not {data.dtype}")
    if len(data.chunks[-1]) > 1:
        data = data.rechunk({data.ndim - 1: -1})
    return data


def _blocks(data):
    """(first sample, block) for every non-empty block, in order (the order of ``to_delayed``)."""
    blocks = data.to_delayed().ravel()
    sizes = [int(np.prod(shape[:-1])) for shape in itertools.product(*data.chunks)]
    firsts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    return [(int(f), b) for f, b, s in zip(firsts, blocks, sizes) if s > 0]


def _partial(block, spec, weights, metric, first):
    native = _map_on_worker(spec, weights)
    sums, hits, (distance, errors, count) = native.batch_partial(
        _samples(block, spec[2]), metric, first
    )
    return sums, hits, np.float64(distance), np.uint64(errors), np.uint64(count)


def _add(a, b):
    return tuple(x + y for x, y in zip(a, b))


def _tree_sum(parts):
    """The partials added pairwise, as a tree: each addition is one small task."""
    add = dask.delayed(_add, pure=True)
    while len(parts) > 1:
        paired = [add(parts[k], parts[k + 1]) for k in range(0, len(parts) - 1, 2)]
        parts = paired + ([parts[-1]] if len(parts) % 2 else [])
    return parts[0]


def _pass(som, blocks, weights):
    """One pass over the blocks with ``weights``: summed node sums, hits and quality tallies."""
    spec = _spec(som)
    weights = dask.delayed(weights)
    partial = dask.delayed(_partial, pure=True)
    parts = [partial(block, spec, weights, som.metric, first) for first, block in blocks]
    (total,) = dask.compute(_tree_sum(parts))
    return total


def _report(epoch, total, rate):
    _, _, distance, errors, count = total
    count = max(int(count), 1)
    return {
        "epoch": epoch + 1,
        "qe": float(distance) / count,
        "te": float(errors) / count,
        "learning_rate": rate[0],
        "sigma": rate[1],
    }


def _initialise(som, data, blocks):
    """The initial codebook of ``som.init`` from the whole dask array, as
    :meth:`SOM.train` draws it from the whole array in memory."""
    image = data.ndim == 3
    count = data.shape[0] * data.shape[1] if image else data.shape[0]
    if count == 0 or not blocks:
        raise InvalidData("the data has no samples")
    axes = (0, 1) if image else 0
    if som.init == "random":
        low, high = dask.compute(data.min(axis=axes), data.max(axis=axes))
        low, high = np.asarray(low, dtype=np.float32), np.asarray(high, dtype=np.float32)
        if not (np.isfinite(low).all() and np.isfinite(high).all()):
            _raise_for_bad_samples(som, blocks)
        som._native.initialise_uniform(low.tolist(), high.tolist(), som.seed)
    elif som.init == "samples":
        # Only the chosen samples travel to the client: one per node.
        chosen = np.asarray(som._native.chosen_samples(count, som.seed))
        if image:
            picked = data.vindex[chosen // data.shape[1], chosen % data.shape[1]]
        else:
            picked = data.vindex[chosen]
        picked = _engine_array(picked.compute(), np.float32)
        if not np.isfinite(picked).all():
            _raise_for_bad_samples(som, blocks)
        som._native.set_weights(picked.reshape(-1))
    else:
        raise InvalidArgument(
            f"init={som.init!r}: hopsom.dask.train starts from 'random' or 'samples'; "
            "for 'pca', set som.codebook first (for example from som.pca_weights_init on a sample)"
        )


def _raise_for_bad_samples(som, blocks):
    """Raises the error :meth:`SOM.train` gives for the first non-finite sample, numbered in the
    whole data: a pass over the chunks meets it (the weights do not matter)."""
    _pass(som, blocks, np.zeros(som.width * som.height * som.dim, dtype=np.float32))
    raise InvalidData("the data has a non-finite value")


def train(
    som,
    data,
    epochs=10,
    lr=None,
    sigma=None,
    lr_end=0.01,
    sigma_end=0.5,
    schedule="exponential",
    tau=1.0,
    cutoff=1e-6,
    progress=None,
):
    """Kohonen's batch map of ``som`` over a dask array ``data`` (samples x dim, or an
    H x W x 3 uint8 image, in any chunks), ``epochs`` passes, one task per chunk and epoch.
    The options are :meth:`SOM.train`'s in batch mode; the codebook starts from ``som.init``
    ("random" or "samples", drawn as :meth:`SOM.train` draws them) unless ``som`` already has
    one. ``progress``: a callable given 1 after each epoch. Returns one dict per epoch (epoch, qe,
    te, learning_rate, sigma), and leaves the codebook in ``som``: equal to
    ``som.train(data.compute(), epochs, mode="batch", ...)`` up to float64 summation order
    (see the module's notes).

    Each epoch reads the chunks again: ``persist()`` the array first when the cluster's memory
    holds it."""
    data = _as_samples(data, som.dim)
    if lr is None:
        lr = som.learning_rate
    if sigma is None:
        sigma = som.sigma if som.sigma is not None else max(som.width, som.height) / 2.0
    rates = som._native.batch_rates(
        int(epochs),
        som.neighbourhood,
        som.metric,
        schedule,
        float(lr),
        float(lr_end),
        float(sigma),
        float(sigma_end),
        float(tau),
        float(cutoff),
    )
    blocks = _blocks(data)
    if som._native.weights() is None:
        _initialise(som, data, blocks)
    reports = []
    for epoch, rate in enumerate(rates):
        # Each pass measures the map the previous epoch left and gathers the sums for the next.
        total = _pass(som, blocks, som._native.weights())
        if epoch > 0:
            reports.append(_report(epoch - 1, total, rates[epoch - 1]))
            if progress is not None:
                progress(1)
        # Arrays that crossed the network may be unaligned: the engine takes aligned copies.
        sums, hits = _engine_array(total[0], np.float64), _engine_array(total[1], np.uint64)
        som._native.batch_step(sums, hits, epoch, som.neighbourhood, rate[1], float(cutoff))
    final = _pass(som, blocks, som._native.weights())
    reports.append(_report(len(rates) - 1, final, rates[-1]))
    if progress is not None:
        progress(1)
    return reports


def _segment_block(block, spec, weights, metric):
    native = _map_on_worker(spec, weights)
    labels, _, _, _, segmented = native.assign(_samples(block, spec[2]), metric)
    height, width = block.shape[:2]
    return np.concatenate(
        [labels.reshape(height, width, 1).view(np.uint8), segmented.reshape(height, width, 3)],
        axis=2,
    )


def segment(som, image):
    """(labels, segmented image) of a dask array ``image`` (H x W x 3 uint8, in any chunks) as
    dask arrays with the image's chunks: uint32 labels of shape (H, W) and the image with every
    pixel replaced by its winner's colour, identical to :meth:`SOM.segment`. Nothing is computed
    until asked; ``dask.array.to_zarr`` writes them chunk by chunk without ever holding the
    whole image."""
    image = _as_samples(image, som.dim)
    if image.ndim != 3:
        raise InvalidData("segment takes an H x W x 3 uint8 image")
    weights = som._native.weights()
    if weights is None:
        raise InvalidArgument("the map has no weights yet: train it or set its codebook first")
    # One task per chunk gives both results: the label's 4 bytes, then the 3 colour bytes.
    both = image.map_blocks(
        _segment_block,
        _spec(som),
        weights,
        som.metric,
        dtype=np.uint8,
        chunks=image.chunks[:2] + ((7,),),
    )
    labels = both[:, :, :4].map_blocks(_as_labels, dtype=np.uint32, drop_axis=2)
    return labels, both[:, :, 4:]


def _as_labels(block):
    return _engine_array(block, np.uint8).view(np.uint32)[:, :, 0]


def _parts(total, parts):
    """``total`` trials as up to ``parts`` contiguous ranges of near-equal length."""
    bounds = np.linspace(0, total, min(parts, total) + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def _default_parts():
    try:
        from distributed import get_client

        workers = len(get_client().scheduler_info()["workers"])
    except (ImportError, ValueError):
        workers = 1
    # A few parts a worker, so that a slow or lost worker holds back little.
    return 4 * max(workers, 1)


def _gather(tasks, progress):
    """The results of ``tasks`` (delayed), handed to ``progress`` as each finishes when a
    distributed client runs them."""
    try:
        from distributed import as_completed, get_client

        client = get_client()
    except (ImportError, ValueError):
        results = dask.compute(*tasks)
        if progress is not None:
            for _ in results:
                progress(1)
        return list(results)
    futures = client.compute(list(tasks))
    index = {future.key: k for k, future in enumerate(futures)}
    results = [None] * len(futures)
    for future in as_completed(futures):
        results[index[future.key]] = future.result()
        if progress is not None:
            progress(1)
    return results


def _sweep_part(patterns, learning, backend, levels, trials, part, recall_options):
    rule, weights, interaction = learning
    network = Hopfield(
        patterns, rule=rule, weights=weights, backend=backend, interaction=interaction
    )
    return network._native.sweep_tallies(levels, trials, part[0], part[1], *recall_options)


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
    parts=None,
    progress=None,
    as_frame=False,
    interaction="quadratic",
):
    """:func:`hopsom.sweep` with the trials split into ``parts`` ranges (default: four per
    worker), one task each: the same :class:`hopsom.Table`, row for row and bit for bit.
    ``progress``: a callable given 1 as each part finishes."""
    patterns = _bipolar(patterns, "patterns", 2)
    levels = _float_list(noise)
    trials = int(trials)
    recall_options = (
        int(seed),
        mode,
        int(max_sweeps),
        float(threshold),
        float(temperature),
        bool(self_coupling),
    )
    # Checked here, without learning (the workers learn), so that a bad option fails before any
    # task runs.
    _hopsom.check_sweep(
        patterns, rule, weights, levels, trials, *recall_options, interaction=interaction
    )
    learning = (rule, weights, interaction)
    part = dask.delayed(_sweep_part, pure=True)
    tasks = [
        part(patterns, learning, backend, levels, trials, bounds, recall_options)
        for bounds in _parts(trials, parts or _default_parts())
    ]
    tallies = _engine_array(sum(_gather(tasks, progress)), np.int64)
    return _finish(json.loads(_hopsom.sweep_rows_json(patterns, levels, tallies)), as_frame)


def _capacity_part(arguments, interaction, part):
    neurons, loads, trials, rule, weights, mode, max_sweeps, seed, backend = arguments
    return _hopsom.capacity_tallies_of(
        neurons,
        loads,
        trials,
        part[0],
        part[1],
        rule,
        weights,
        mode,
        max_sweeps,
        seed,
        backend,
        interaction=interaction,
    )


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
    parts=None,
    progress=None,
    as_frame=False,
    interaction="quadratic",
):
    """:func:`hopsom.capacity` with the pattern sets split into ``parts`` ranges (default: four
    per worker), one task each: the same :class:`hopsom.Table`, row for row and bit for bit.
    ``progress``: a callable given 1 as each part finishes."""
    loads = _float_list(loads)
    arguments = (
        int(neurons),
        loads,
        int(trials),
        rule,
        weights,
        mode,
        int(max_sweeps),
        int(seed),
        backend,
    )
    # Checked here, on an empty part, so that a bad option fails before any task runs.
    _capacity_part(arguments[:-1] + ("cpu",), interaction, (0, 0))
    part = dask.delayed(_capacity_part, pure=True)
    tasks = [
        part(arguments, interaction, bounds)
        for bounds in _parts(int(trials), parts or _default_parts())
    ]
    tallies = [tuple(map(sum, zip(*per_load))) for per_load in zip(*_gather(tasks, progress))]
    rows = _hopsom.capacity_rows_json(*arguments[:-1], tallies, interaction=interaction)
    return _finish(json.loads(rows), as_frame)
