"""Kohonen self-organizing maps: training (online or Kohonen's batch map), winners, errors,
segmentation, MiniSom's names for the same measures, and seed 003's colour clustering. Every
keyword argument is an option of the library's spec of the same name, with its default."""

from . import _hopsom
from ._convert import exactly, options, samples
from ._convert import image as rgb_image
from ._convert import pixels as image_pixels

#: Seed 003's starting colours for :func:`cluster_colours`: brown, blue, green and skin.
SEED_COLOURS = tuple(tuple(int(v) for v in c) for c in _hopsom.defaults("cluster")["colors"])


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
    per epoch. An image of another dtype is refused (``InvalidData``): convert it to uint8."""
    given = options(locals(), "image", "backend", "progress")
    pixels = rgb_image(image, "image")
    height, width = pixels.shape[:2]
    runs = _hopsom.cluster_colours(pixels, given, backend, progress)
    for run in runs:
        run["labels"] = run["labels"].reshape(height, width)
        run["clustered"] = run["clustered"].reshape(height, width, 3)
    return runs


class SOM:
    """A self-organizing map of ``width`` x ``height`` nodes of ``dim`` weights.

    ``topology``: "rect" (4 neighbours) or "hex" (odd rows shifted, 6 neighbours);
    ``toroidal`` joins opposite edges; ``neighbourhood``: "gaussian", "bubble",
    "mexican-hat" (online only) or "triangle"; ``metric`` chooses winners: "euclidean",
    "cosine", "manhattan" or "chebyshev"; ``init`` ("random", "samples" or "pca") places the
    weights at the first training from its data; ``seed`` makes every random choice;
    ``backend``: "auto", "cpu" or "gpu". See the command line's `hopsom som train` for the
    algorithms; the same data and options give its codebook. (MiniSom's class, with MiniSom's
    meanings, is :class:`hopsom.minisom.MiniSom`.)

    >>> import numpy as np, hopsom
    >>> som = hopsom.SOM(6, 4, 3, backend="cpu")
    >>> reports = som.train(np.random.default_rng(0).random((500, 3)), epochs=3)
    >>> som.codebook.shape, len(reports)
    ((4, 6, 3), 3)
    """

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
    ):
        self._map = _hopsom.checked(
            "som",
            {
                "width": width,
                "height": height,
                "dim": dim,
                "topology": topology,
                "toroidal": toroidal,
            },
        )
        # Checked as online training takes them (batch training refuses the mexican hat when it
        # starts).
        training = {"neighbourhood": neighbourhood, "metric": metric, "init": init, "seed": seed}
        checked = _hopsom.checked("train", dict(training, mode="online"))
        self._training = {key: checked[key] for key in training}
        self.width, self.height, self.dim = (
            self._map["width"],
            self._map["height"],
            self._map["dim"],
        )
        self.topology, self.toroidal = self._map["topology"], self._map["toroidal"]
        self.neighbourhood, self.metric = checked["neighbourhood"], checked["metric"]
        self.init, self.seed = checked["init"], checked["seed"]
        self.backend = backend
        self.training_seconds = 0.0
        #: Epochs of training the weights have seen (saved with the map).
        self.epochs_trained = 0
        self._native = _hopsom.NativeSom(self._map, backend)

    # Persistence: pickling (copy.deepcopy, joblib, Dask) and the model file.

    def __getstate__(self):
        state = {key: value for key, value in self.__dict__.items() if key != "_native"}
        state["codebook"] = self.codebook
        return state

    def __setstate__(self, state):
        codebook = state.pop("codebook")
        self.__dict__.update(state)
        self._native = _hopsom.NativeSom(self._map, self.backend)
        if codebook is not None:
            self.codebook = codebook

    def save(self, path):
        """Writes the map to ``path`` as a model file (see :mod:`hopsom.models`): the codebook,
        topology, metric, neighbourhood, init and seed, the file `hopsom som train` writes as
        model.npz and `hopsom som segment --model` reads. :func:`hopsom.load` reads it back."""
        self._native.save_model(path, self._training, self.epochs_trained)

    @classmethod
    def _from_model(cls, model, backend):
        options = ("topology", "toroidal", "neighbourhood", "metric", "init", "seed")
        som = cls(
            model["width"],
            model["height"],
            model["dim"],
            backend=backend,
            **{key: model[key] for key in options},
        )
        som.codebook = model["codebook"]
        som.epochs_trained = model["epochs_trained"]
        return som

    @property
    def device(self):
        """The device the map computes on."""
        return self._native.device

    @property
    def codebook(self):
        """The weights, float32 of shape (height, width, dim); None before training."""
        weights = self._native.weights()
        return None if weights is None else weights.reshape(self.height, self.width, self.dim)

    @codebook.setter
    def codebook(self, weights):
        shape = (self.height, self.width, self.dim)
        self._native.set_weights(exactly(weights, "codebook", shape).reshape(-1, self.dim))

    def train(
        self,
        data,
        epochs=10,
        mode="batch",
        lr=None,
        sigma=None,
        lr_end=None,
        sigma_end=None,
        schedule="exponential",
        tau=None,
        cutoff=1e-6,
        shuffle=True,
        iterations=None,
        extra_winner_update=False,
        progress=None,
    ):
        """Trains on ``data`` (samples x dim of any real dtype, or an H x W x dim image of
        uint8, uint16, float32 or float64) for
        ``epochs`` passes. ``mode``: "batch" (Kohonen's batch map) or "online" (one sample at a
        time, rates decaying per sample visited). ``schedule``: "exponential", "linear",
        "inverse" (from ``lr``/``sigma`` to ``lr_end``/``sigma_end``), "asymptotic" (MiniSom's
        default) or "seed". Unset, ``lr`` is 0.5, ``sigma`` half the longer side, ``lr_end`` 0.01,
        ``sigma_end`` 0.5
        and ``tau`` (the seed schedule's) 1; a value the mode or schedule does not read (a
        learning rate in batch mode, an end value for the asymptotic schedule) is refused.
        ``cutoff`` zeroes neighbourhood weights below that fraction of the peak;
        ``shuffle=False`` visits the samples in order; ``iterations``: online samples per epoch,
        cycling through the data (MiniSom's ``num_iteration``); ``extra_winner_update`` moves the
        winner by lr·(x − w) before the neighbourhood update, as seed 003 does. ``progress``: a
        callable given 1 after each epoch. Returns one dict per epoch: epoch, qe, te,
        learning_rate, sigma; ``training_seconds`` holds the time spent training. Interrupted,
        the map keeps the weights it had."""
        given = options(locals(), "data", "progress")
        reports, self.training_seconds = self._native.train(
            samples(data, self.dim), {**self._training, **given}, progress
        )
        self.epochs_trained += len(reports)
        return reports

    def _assign(self, data, progress=None):
        return self._native.assign(samples(data, self.dim), {"metric": self.metric}, progress)

    def winners(self, data):
        """The winning node of each sample (uint32, node = row·width + column); for an image,
        shape (H, W)."""
        array = samples(data, self.dim)
        labels = self._native.assign(array, {"metric": self.metric})[0]
        return labels.reshape(array.shape[:2]) if array.ndim == 3 else labels

    def distances(self, data, progress=None):
        """Each sample's distance to each node under the map's metric (euclidean as the
        distance, not its square), float32 of shape (samples, height·width), node =
        row·width + column. ``progress``: a callable given the samples done."""
        array = samples(data, self.dim)
        found = self._native.distances(array, {"metric": self.metric}, progress)
        return found.reshape(*array.shape[:2], -1) if array.ndim == 3 else found

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

    def segment(self, image, progress=None):
        """(labels, segmented) of an H x W x D image (D the map's dimension; uint8, uint16,
        float32 or float64): labels (uint32, H x W) are each pixel's winning node, and
        ``segmented`` the image with every pixel replaced by its winner's weights, in the
        image's own dtype (rounded and clamped to an integer type's range). ``progress``: a
        callable given the pixels done."""
        array = image_pixels(image, "image")
        labels, _, _, _, segmented = self._native.assign(array, {"metric": self.metric}, progress)
        height, width, bands = array.shape
        return labels.reshape(height, width), segmented.reshape(height, width, bands)

    def distance_map(self, scaling="sum"):
        """The distance map (MiniSom's definition): each node's euclidean distances to the nodes around it,
        summed (``scaling="sum"``) or averaged ("mean"), divided by the largest such value;
        shape (width, height). Around a node are the 8 nodes of its 3 x 3 square on a rectangular
        map (MiniSom's stencil, diagonals included, where ``umatrix`` takes the 4 adjacent ones)
        and the 6 adjacent nodes on a hexagonal one (MiniSom's stencil too: it shifts odd rows
        as hopsom does). Toroidal maps wrap around; a map of equal nodes gives zeros."""
        return self._native.distance_map(scaling).reshape(self.height, self.width).T

    def __repr__(self):
        return f"<hopsom.SOM {self.width}x{self.height} of {self.dim} dimensions on {self.device}>"


__all__ = ["SEED_COLOURS", "SOM", "cluster_colours"]
