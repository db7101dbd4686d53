"""hopsom beyond one machine, with Dask (``pip install ./python[dask]``).

Every function here runs on whatever Dask scheduler is active: a ``distributed.Client`` (a
``LocalCluster``, or a scheduler with workers on many machines) or Dask's local threads. Workers
compute with hopsom's engine on their own backend (``backend="auto"``: a worker's GPU when it has
a hardware one; see README for one worker per GPU), and only codebooks, partial sums and tables
travel: a task holds its chunk and the codebook, nothing more. The client checks the options
once, as the library's spec, and ships that spec to the workers.

The results are the single-process results:

- :func:`sweep` and :func:`capacity` split the trials across workers. Each trial's random stream
  depends only on its key (seed, pattern, level, trial), and the workers return integer tallies
  that add up exactly, so the table equals :func:`hopsom.sweep` / :func:`hopsom.capacity` row for
  row, bit for bit, however the trials are split and in whatever order they finish.
- :func:`segment` labels each chunk with the same exact winner search as :meth:`SOM.segment`:
  identical labels and pixels, chunk for chunk, lazily (write them with ``dask.array.to_zarr``).
- :func:`train` drives the library's batch map step by step (the steps :meth:`SOM.train` runs
  in one process): per epoch each chunk's task gives its partial (node sums Σx and the count of
  the samples each node won, in float64, and quality tallies), the partials merge as a tree, and
  the client steps the map. Only the order of the float64 additions differs from
  :meth:`SOM.train`: each node sum is then within n·2⁻⁵³ of the local one (relative, for n
  samples), far below the float32 rounding of the weights, so a weight can differ by one float32
  ulp in an epoch where a sum lands on a rounding boundary, and the winners of the next epoch
  almost never change. QE and TE agree to ~1e-15 relative.
"""

import itertools
import threading

import numpy as np

try:
    import dask
    import dask.array as da
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise ImportError(
        "hopsom.dask needs Dask: pip install 'hopsom[dask]' (dask[array], distributed, zarr)"
    ) from missing

from . import _hopsom
from ._convert import IMAGE_DTYPES, bipolar, options, pixels, samples
from ._tables import finish
from .errors import InvalidArgument, InvalidData, InvalidType
from .hopfield import Hopfield

__all__ = ["capacity", "segment", "sweep", "train"]

_worker = threading.local()


def _map_on_worker(map_options, backend, weights):
    """The native map with ``weights``, made once per worker thread and map."""
    cache = _worker.__dict__.setdefault("maps", {})
    key = (tuple(sorted(map_options.items())), backend)
    native = cache.get(key)
    if native is None:
        native = cache[key] = _hopsom.NativeSom(map_options, backend)
    # Shipped between processes, the weights may arrive unaligned.
    native.set_weights(np.require(weights, np.float32, "CA"))
    return native


def _as_samples(data, dim):
    """``data`` as a dask array of samples x dim of real numbers (bools as 0 and 1), or of an
    H x W x D image of uint8, uint16, float32 or float64, with the last axis in one chunk (a
    task needs whole samples)."""
    if not isinstance(data, da.Array):
        data = da.from_array(samples(data, dim))
    kind = data.dtype.kind
    if kind == "c" or kind not in "biuf":
        raise InvalidData(f"data: an array of real numbers is needed, not of {data.dtype}")
    if data.ndim == 3:
        if data.dtype not in IMAGE_DTYPES:
            raise InvalidData(
                f"an image must hold uint8, uint16, float32 or float64 values, not {data.dtype}"
            )
    elif data.ndim == 1 and dim == 1:
        data = data[:, None]
    elif data.ndim != 2:
        raise InvalidData(
            f"data must be samples x dim, or an H x W x D image; got shape {data.shape}"
        )
    if len(data.chunks[-1]) > 1:
        data = data.rechunk({data.ndim - 1: -1})
    return data


def _blocks(data):
    """(first sample, block) for every non-empty block, in order (the order of ``to_delayed``)."""
    blocks = data.to_delayed().ravel()
    sizes = [int(np.prod(shape[:-1])) for shape in itertools.product(*data.chunks)]
    firsts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    return [(int(f), b) for f, b, s in zip(firsts, blocks, sizes) if s > 0]


def _partial(run, weights, block, dim, first):
    # Shipped between processes, the weights may arrive unaligned.
    return run.partial(np.require(weights, np.float32, "CA"), samples(block, dim), first)


def _merge(a, b):
    return a.merge(b)


def _tree(parts, combine):
    """``parts`` combined pairwise, as a tree: each combination is one small task."""
    combine = dask.delayed(combine, pure=True)
    while len(parts) > 1:
        paired = [combine(parts[k], parts[k + 1]) for k in range(0, len(parts) - 1, 2)]
        parts = paired + ([parts[-1]] if len(parts) % 2 else [])
    return parts[0]


def _pass(run, som, blocks, weights):
    """One pass over the blocks with ``weights``: the partials of every chunk, merged."""
    # Wrapped once, so dask hashes the run and the weights once a pass rather than once a task.
    run = dask.delayed(run)
    weights = dask.delayed(weights)
    partial = dask.delayed(_partial, pure=True)
    parts = [partial(run, weights, block, som.dim, first) for first, block in blocks]
    (total,) = dask.compute(_tree(parts, _merge))
    return total


def _initialise(som, data, run, blocks):
    """The initial codebook of ``som.init`` from the whole dask array, as :meth:`SOM.train`
    draws it from the whole array in memory."""
    image = data.ndim == 3
    count = data.shape[0] * data.shape[1] if image else data.shape[0]
    if count == 0:
        raise InvalidData("the data has no samples")
    axes = (0, 1) if image else 0
    if som.init == "random":
        low, high = dask.compute(data.min(axis=axes), data.max(axis=axes))
        low, high = np.asarray(low, dtype=np.float32), np.asarray(high, dtype=np.float32)
        if not (np.isfinite(low).all() and np.isfinite(high).all()):
            _raise_for_bad_samples(run, som, blocks)
        som._native.initialise_uniform(low.tolist(), high.tolist(), som.seed)
    elif som.init == "samples":
        # Only the chosen samples travel to the client: one per node.
        chosen = np.asarray(som._native.chosen_samples(count, som.seed))
        if image:
            picked = data.vindex[chosen // data.shape[1], chosen % data.shape[1]]
        else:
            picked = data.vindex[chosen]
        picked = samples(picked.compute(), som.dim).reshape(-1, som.dim)
        if not np.isfinite(picked).all():
            _raise_for_bad_samples(run, som, blocks)
        som._native.set_weights(picked)
    else:
        raise InvalidArgument(
            f"init={som.init!r}: hopsom.dask.train starts from 'random' or 'samples'; "
            "for 'pca', set som.codebook first (for example from a map trained with init='pca' on a sample)"
        )


def _raise_for_bad_samples(run, som, blocks):
    """Raises the error :meth:`SOM.train` gives for the first non-finite sample, numbered in the
    whole data: a pass over the chunks meets it (the weights do not matter)."""
    _pass(run, som, blocks, np.zeros((som.width * som.height, som.dim), dtype=np.float32))
    raise InvalidData("the data has a non-finite value")


def train(
    som,
    data,
    epochs=10,
    sigma=None,
    sigma_end=None,
    schedule="exponential",
    tau=None,
    cutoff=1e-6,
    progress=None,
):
    """Kohonen's batch map of ``som`` over a dask array ``data`` (samples x dim, or an
    H x W x 3 uint8 image, in any chunks), ``epochs`` passes, one task per chunk and epoch.
    The options are :meth:`SOM.train`'s in batch mode (which has no learning rate); the codebook
    starts from ``som.init`` ("random" or "samples", drawn as :meth:`SOM.train` draws them)
    unless ``som`` already has one. ``progress``: a callable given 1 after each epoch. Returns
    one dict per epoch (epoch, qe, te, learning_rate, sigma), and leaves the codebook in
    ``som``: equal to ``som.train(data.compute(), epochs, mode="batch", ...)`` up to float64
    summation order (see the module's notes).

    Each epoch reads the chunks again: ``persist()`` the array first when the cluster's memory
    holds it."""
    given = options(locals(), "som", "data", "progress")
    run = _hopsom.BatchRun(som._map, {**som._training, **given, "mode": "batch"}, som.backend)
    _hopsom.check_progress(progress)
    data = _as_samples(data, som.dim)
    blocks = _blocks(data)
    if not blocks:
        raise InvalidData("the data has no samples")
    if som._native.weights() is None:
        _initialise(som, data, run, blocks)
    reports = []
    while True:
        # Each pass measures the map the previous epoch left and gathers the sums for the next.
        total = _pass(run, som, blocks, som._native.weights())
        report = run.finish(total) if run.done else run.step(som._native, total)
        if report is not None:
            reports.append(report)
            if progress is not None:
                progress(1)
        if len(reports) == run.epochs:
            return reports


def _segment_block(block, map_options, backend, weights, metric):
    native = _map_on_worker(map_options, backend, weights)
    labels, _, _, _, segmented = native.assign(pixels(block, "image"), {"metric": metric})
    height, width = block.shape[:2]
    return np.concatenate(
        [
            labels.reshape(height, width, 1).view(np.uint8),
            segmented.reshape(height, width, -1).view(np.uint8),
        ],
        axis=2,
    )


def segment(som, image):
    """(labels, segmented image) of a dask array ``image`` (H x W x D of uint8, uint16, float32
    or float64, in any chunks) as dask arrays with the image's chunks: uint32 labels of shape
    (H, W) and the image with every pixel replaced by its winner's weights in the image's dtype,
    identical to :meth:`SOM.segment`. Nothing is computed
    until asked; ``dask.array.to_zarr`` writes them chunk by chunk without ever holding the
    whole image."""
    image = _as_samples(image, som.dim)
    if image.ndim != 3:
        raise InvalidData("segment takes an H x W x D image")
    weights = som._native.weights()
    if weights is None:
        raise InvalidArgument("the map has no weights yet: train it or set its codebook first")
    # One task per chunk gives both results, as bytes: the label's 4, then the pixel's values.
    dtype = image.dtype
    value_bytes = image.shape[2] * dtype.itemsize
    both = image.map_blocks(
        _segment_block,
        som._map,
        som.backend,
        weights,
        som.metric,
        dtype=np.uint8,
        chunks=image.chunks[:2] + ((4 + value_bytes,),),
    )
    labels = both[:, :, :4].map_blocks(_as_labels, dtype=np.uint32, drop_axis=2)
    segmented = both[:, :, 4:].map_blocks(
        _as_values, dtype, dtype=dtype, chunks=image.chunks[:2] + ((image.shape[2],),)
    )
    return labels, segmented


def _as_labels(block):
    return _as_values(block, np.uint32)[:, :, 0]


def _as_values(block, dtype):
    """The bytes of ``block`` (H x W x bytes) as H x W x values of ``dtype``."""
    return np.require(block, np.uint8, ["C_CONTIGUOUS", "ALIGNED"]).view(dtype)


def _parts(total, parts):
    """``total`` trials as up to ``parts`` contiguous ranges of near-equal length."""
    if parts is None:
        parts = _default_parts()
    if isinstance(parts, bool) or not isinstance(parts, (int, np.integer)):
        raise InvalidType(f"parts={parts!r}: must be a whole number of at least 1, or None")
    if parts < 1:
        raise InvalidArgument(f"parts={parts}: must be at least 1")
    bounds = np.linspace(0, total, min(int(parts), total) + 1).round().astype(int)
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
    _hopsom.check_progress(progress)
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


def _sweep_part(patterns, network, sweep_options, backend, part):
    native = Hopfield(patterns, backend=backend, **network)._native
    return native.sweep_tallies(sweep_options, part[0], part[1])


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
    parts=None,
    progress=None,
    as_frame=False,
    interaction="quadratic",
    keep_diagonal=False,
    clamp=None,
):
    """:func:`hopsom.sweep` with the trials split into ``parts`` ranges (default: four per
    worker), one task each: the same :class:`hopsom.Table`, row for row and bit for bit.
    ``progress``: a callable given 1 as each part finishes."""
    patterns = bipolar(patterns, "patterns", 2)
    arguments = locals()
    learning = ("rule", "weights", "keep_diagonal", "interaction")
    given = options(arguments, "patterns", "backend", "parts", "progress", "as_frame", *learning)
    # Checked here, without learning (the workers learn), so that a bad option fails before any
    # task runs; the checked options are what the workers get.
    network, sweep_options = _hopsom.check_sweep(
        patterns, {key: arguments[key] for key in learning}, given
    )
    part = dask.delayed(_sweep_part, pure=True)
    tasks = [
        part(patterns, network, sweep_options, backend, bounds)
        for bounds in _parts(sweep_options["trials"], parts)
    ]
    tallies = np.require(sum(_gather(tasks, progress)), np.int64, ["C_CONTIGUOUS", "ALIGNED"])
    return finish(_hopsom.sweep_rows(patterns, sweep_options, tallies), as_frame)


def _capacity_part(study, backend, part):
    return _hopsom.capacity_tallies(study, backend, part[0], part[1])


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
    parts=None,
    progress=None,
    as_frame=False,
    interaction="quadratic",
    keep_diagonal=False,
):
    """:func:`hopsom.capacity` with the pattern sets split into ``parts`` ranges (default: four
    per worker), one task each: the same :class:`hopsom.Table`, row for row and bit for bit.
    ``progress``: a callable given 1 as each part finishes."""
    study = _hopsom.checked(
        "capacity", options(locals(), "backend", "parts", "progress", "as_frame")
    )
    part = dask.delayed(_capacity_part, pure=True)
    tasks = [part(study, backend, bounds) for bounds in _parts(study["trials"], parts)]
    tallies = [tuple(map(sum, zip(*per_load))) for per_load in zip(*_gather(tasks, progress))]
    return finish(_hopsom.capacity_rows(study, tallies), as_frame)
