"""MiniSom, computed by hopsom: ``from hopsom.minisom import MiniSom`` in place of
``from minisom import MiniSom``.

The class has MiniSom 2.3.6's constructor, defaults, attributes and methods with MiniSom's
meanings (its square bubble, its triangle peaking at σ², its hexagonal lattice, its decay
functions, its topographic error counting diagonal neighbours), and keeps the weights where
MiniSom does: ``_weights``, a float64 array of x × y × input_len that may be read and written
between calls. Everything is computed by the engine (``hopsom::som::minisom``, on the CPU in
float64 as MiniSom computes) with the GIL released, instead of in numpy one sample at a time.

Where it differs from MiniSom (README lists them): random choices (initial weights, sample
orders, samples copied by ``random_weights_init``) come from hopsom's counter-based streams, so
a seed gives other numbers than MiniSom's ``RandomState`` (the same ones on every machine);
``pca_weights_init`` orients each principal axis with its largest component positive where
MiniSom takes LAPACK's sign; ``sigma_decay_function`` also takes a callable.

    >>> import numpy as np
    >>> from hopsom.minisom import MiniSom
    >>> som = MiniSom(6, 6, 3, sigma=1.5, learning_rate=0.5, random_seed=1)
    >>> data = np.random.default_rng(0).random((200, 3))
    >>> som.train(data, 1000, random_order=True)
    >>> som.get_weights().shape, bool(som.quantization_error(data) < 0.2)
    ((6, 6, 3), True)
"""

import numbers
import secrets
import sys
import time
import warnings
from collections import Counter, defaultdict
from datetime import timedelta

import numpy as np

from . import _hopsom
from ._convert import _array
from .errors import InvalidArgument, InvalidData, InvalidType

_LEARNING_RATE_DECAYS = ("inverse_decay_to_zero", "linear_decay_to_zero", "asymptotic_decay")
_SIGMA_DECAYS = ("inverse_decay_to_one", "linear_decay_to_one", "asymptotic_decay")


class _Verbose:
    """MiniSom's ``verbose=True``: ``[ i / m ] p% - time left`` on standard output."""

    def __init__(self, total):
        self.total, self.done, self.started = total, 0, time.monotonic()
        self.digits = len(str(total))

    def __call__(self, units):
        self.done += units
        elapsed = time.monotonic() - self.started
        left = (self.total - self.done) * elapsed / max(self.done, 1)
        sys.stdout.write(
            f"\r [ {self.done:{self.digits}} / {self.total} ]"
            f" {100 * self.done / self.total:3.0f}% - {str(timedelta(seconds=left))[:7]} left "
        )


class MiniSom:
    """MiniSom's self-organizing map (see the module): ``x`` × ``y`` nodes of ``input_len``
    features; ``sigma`` and ``learning_rate`` at the start of training, decayed by
    ``sigma_decay_function`` and ``decay_function`` (a name or a callable (value, t, max_iter));
    ``neighborhood_function`` "gaussian", "mexican_hat", "bubble" or "triangle"; ``topology``
    "rectangular" or "hexagonal"; ``activation_distance`` "euclidean", "cosine", "manhattan",
    "chebyshev" or a callable (x, weights) → distances of shape (x, y); ``random_seed`` an
    integer (None: a fresh one)."""

    Y_HEX_CONV_FACTOR = (3.0 / 2.0) / np.sqrt(3)

    def __init__(
        self,
        x,
        y,
        input_len,
        sigma=1,
        learning_rate=0.5,
        decay_function="asymptotic_decay",
        neighborhood_function="gaussian",
        topology="rectangular",
        activation_distance="euclidean",
        random_seed=None,
        sigma_decay_function="asymptotic_decay",
    ):
        for keyword, value in (("sigma", sigma), ("learning_rate", learning_rate)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise InvalidType(f"{keyword}={value!r}: must be a number")
        if topology not in ("hexagonal", "rectangular"):
            raise InvalidArgument(
                f"topology={topology!r}: not supported, only hexagonal and rectangular available"
            )
        self._native = _hopsom.NativeMiniSom(x, y, input_len, topology, neighborhood_function)
        if sigma > np.sqrt(x * x + y * y):
            warnings.warn("Warning: sigma might be too high for the dimension of the map.")
        if topology == "hexagonal" and neighborhood_function == "triangle":
            warnings.warn(
                "triangle neighborhood function does not take in account hexagonal topology"
            )
        if neighborhood_function in ("triangle", "bubble") and (
            divmod(sigma, 1)[1] != 0 or sigma < 1
        ):
            warnings.warn(
                "sigma should be an integer >=1 when triangle or bubble are used as neighborhood function"
            )
        self._x, self._y, self._input_len = int(x), int(y), int(input_len)
        self._learning_rate, self._sigma = learning_rate, sigma
        self.topology = topology
        self._neighborhood_name = neighborhood_function
        self._seed = secrets.randbits(63) if random_seed is None else random_seed
        # Each random choice draws its own stream: (seed, what, how many before it).
        self._calls = {"order": 0, "samples": 0}
        self._learning_rate_decay_function = self._decay(
            decay_function, "decay_function", "learning_rate", _LEARNING_RATE_DECAYS
        )
        self._sigma_decay_function = self._decay(
            sigma_decay_function, "sigma_decay_function", "sigma", _SIGMA_DECAYS
        )
        if callable(activation_distance):
            self._activation_distance = activation_distance
            self._activation_name = activation_distance
        else:
            # Checked now, as MiniSom checks it.
            _hopsom.minisom_activation(activation_distance, np.zeros(1), np.zeros((1, 1)))
            self._activation_name = activation_distance
            self._activation_distance = getattr(self, f"_{activation_distance}_distance")
        self.neighborhood = getattr(self, f"_{neighborhood_function}")
        self._weights = self._native.initial_weights(self._seed).reshape(x, y, input_len)
        self._activation_map = np.zeros((x, y))
        self._neigx, self._neigy = np.arange(x), np.arange(y)
        xx, yy = self._native.coordinates()
        self._xx, self._yy = xx.reshape(x, y).T.copy(), yy.reshape(x, y).T.copy()

    def _decay(self, given, keyword, decayed, names):
        if callable(given):
            return given
        if not isinstance(given, str) or given not in names:
            raise InvalidArgument(
                f"{keyword}={given!r}: not supported. Functions available: {', '.join(names)}"
            )
        return getattr(self, f"_{given}")

    # Pickling: everything but the native map, which is remade from the constructor's values.

    def __getstate__(self):
        return {key: value for key, value in self.__dict__.items() if key != "_native"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._native = _hopsom.NativeMiniSom(
            self._x, self._y, self._input_len, self.topology, self._neighborhood_name
        )

    _SAVED = ("x", "y", "input_len", "sigma", "learning_rate", "random_seed")

    def save(self, path):
        """Writes the map to ``path`` as a model file (see :mod:`hopsom.models`): the weights,
        the constructor's values and where its random streams stand; :func:`hopsom.load` reads
        it back. A callable decay or distance cannot be written (pickle the object instead)."""
        from .models import callable_refused, save_npz

        names = {}
        for key, function in [
            ("decay_function", self._learning_rate_decay_function),
            ("sigma_decay_function", self._sigma_decay_function),
            ("activation_distance", self._activation_name),
        ]:
            if callable(function) and getattr(function, "__self__", None) is not self:
                callable_refused(key, function)
            names[key] = function if isinstance(function, str) else function.__name__.lstrip("_")
        values = [self._x, self._y, self._input_len, self._sigma, self._learning_rate, self._seed]
        save_npz(
            path,
            "hopsom-minisom",
            {
                "weights": np.asarray(self._weights, dtype=np.float64),
                "neighborhood_function": self._neighborhood_name,
                "topology": self.topology,
                **names,
                **dict(zip(self._SAVED, values)),
                "calls_order": self._calls["order"],
                "calls_samples": self._calls["samples"],
            },
        )

    @classmethod
    def _from_members(cls, members):
        keywords = (
            "decay_function",
            "sigma_decay_function",
            "activation_distance",
            "neighborhood_function",
            "topology",
        )
        values = {key: members[key].item() for key in cls._SAVED + keywords}
        x, y, input_len = values.pop("x"), values.pop("y"), values.pop("input_len")
        som = cls(x, y, input_len, **values)
        som._weights = np.array(members["weights"], dtype=np.float64)
        som._calls = {
            "order": int(members["calls_order"]),
            "samples": int(members["calls_samples"]),
        }
        return som

    # The weights and the data as the engine reads them.

    def _flat_weights(self):
        return np.ascontiguousarray(self._weights, dtype=np.float64).reshape(-1)

    def _store(self, weights):
        shape = (self._x, self._y, self._input_len)
        if (
            isinstance(self._weights, np.ndarray)
            and self._weights.shape == shape
            and (self._weights.dtype == np.float64)
        ):
            self._weights[...] = weights.reshape(shape)
        else:
            self._weights = weights.reshape(shape)

    def _rows(self, data):
        array = _array(data, "data")
        if array.ndim == 1:
            array = array[None, :] if self._input_len > 1 or array.size == 1 else array[:, None]
        return np.ascontiguousarray(array, dtype=np.float64)

    def _sample(self, x):
        values = _array(x, "x").astype(np.float64).reshape(-1)
        if values.size not in (1, self._input_len):
            raise InvalidData(f"x has {values.size} features, expected {self._input_len}")
        return np.ascontiguousarray(np.broadcast_to(values, (self._input_len,)))

    def _rates(self, function, start, steps):
        """The rate of each of ``steps`` decay steps: from the engine for MiniSom's named
        functions, from the callable for the user's own."""
        name = getattr(function, "__name__", "").lstrip("_")
        if (
            getattr(function, "__self__", None) is self
            and name in _LEARNING_RATE_DECAYS + _SIGMA_DECAYS
        ):
            decayed = "sigma" if name in _SIGMA_DECAYS[:2] else "learning_rate"
            return _hopsom.minisom_decay_table(name, decayed, float(start), steps)
        return np.array([function(start, t, steps) for t in range(steps)], dtype=np.float64)

    # MiniSom's methods.

    def get_weights(self):
        """Returns the weights of the neural network."""
        return self._weights

    def get_euclidean_coordinates(self):
        """The position of the neurons on the euclidean plane of the topology, as two meshgrids
        xx and yy: neuron (1, 4) is at (xx[1, 4], yy[1, 4])."""
        return self._xx.T, self._yy.T

    def convert_map_to_euclidean(self, xy):
        """Map coordinates to the euclidean coordinates of the topology."""
        return self._xx.T[xy], self._yy.T[xy]

    def _activate(self, x):
        self._activation_map = np.asarray(self._activation_distance(x, self._weights))

    def activate(self, x):
        """Returns the activation map to x: its distance to every neuron, shape (x, y)."""
        self._activate(x)
        return self._activation_map

    def _distance(self, name, x, w):
        w = np.asarray(w, dtype=np.float64)
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        flat = np.ascontiguousarray(w.reshape(-1, w.shape[-1]))
        x = np.ascontiguousarray(np.broadcast_to(x, (flat.shape[1],)))
        return _hopsom.minisom_activation(name, x, flat).reshape(w.shape[:-1])

    def _euclidean_distance(self, x, w):
        return self._distance("euclidean", x, w)

    def _cosine_distance(self, x, w):
        return self._distance("cosine", x, w)

    def _manhattan_distance(self, x, w):
        return self._distance("manhattan", x, w)

    def _chebyshev_distance(self, x, w):
        return self._distance("chebyshev", x, w)

    def _inverse_decay_to_zero(self, learning_rate, t, max_iter):
        return _hopsom.minisom_decay("inverse_decay_to_zero", learning_rate, t, max_iter)

    def _linear_decay_to_zero(self, learning_rate, t, max_iter):
        return _hopsom.minisom_decay("linear_decay_to_zero", learning_rate, t, max_iter)

    def _inverse_decay_to_one(self, sigma, t, max_iter):
        return _hopsom.minisom_decay("inverse_decay_to_one", sigma, t, max_iter)

    def _linear_decay_to_one(self, sigma, t, max_iter):
        return _hopsom.minisom_decay("linear_decay_to_one", sigma, t, max_iter)

    def _asymptotic_decay(self, dynamic_parameter, t, max_iter):
        return _hopsom.minisom_decay("asymptotic_decay", dynamic_parameter, t, max_iter)

    def _neighbourhood(self, kind, c, sigma):
        c = (int(c[0]), int(c[1]))
        return self._native.neighbourhood(c, float(sigma), kind).reshape(self._x, self._y)

    def _gaussian(self, c, sigma):
        return self._neighbourhood("gaussian", c, sigma)

    def _mexican_hat(self, c, sigma):
        return self._neighbourhood("mexican_hat", c, sigma)

    def _bubble(self, c, sigma):
        return self._neighbourhood("bubble", c, sigma)

    def _triangle(self, c, sigma):
        return self._neighbourhood("triangle", c, sigma)

    def _check_iteration_number(self, num_iteration):
        if isinstance(num_iteration, bool) or not isinstance(num_iteration, numbers.Integral):
            raise InvalidType(f"num_iteration={num_iteration!r}: must be a whole number")
        if num_iteration < 1:
            raise InvalidArgument(f"num_iteration={num_iteration}: num_iteration must be > 1")

    def _check_input_len(self, data):
        data_len = len(data[0])
        if self._input_len != data_len:
            raise InvalidData(f"Received {data_len} features, expected {self._input_len}.")

    def winner(self, x):
        """The coordinates (i, j) of the winning neuron for the sample x."""
        node = self._native.winners(
            self._flat_weights(), self._sample(x)[None, :], self._activation_name
        )
        return np.unravel_index(int(node[0]), (self._x, self._y))

    def update(self, x, win, t, max_iteration):
        """One step of training: every neuron moves towards x by the decayed learning rate times
        the neighbourhood around ``win`` (decay step t of max_iteration)."""
        eta = self._learning_rate_decay_function(self._learning_rate, t, max_iteration)
        sig = self._sigma_decay_function(self._sigma, t, max_iteration)
        win = (int(win[0]), int(win[1]))
        self._store(
            self._native.update(self._flat_weights(), self._sample(x), win, float(eta), float(sig))
        )

    def quantization(self, data):
        """The code book (weights of the winning neuron, by euclidean distance) of each sample."""
        self._check_input_len(data)
        nodes = self._native.quantization(self._flat_weights(), self._rows(data))
        return np.asarray(self._weights, dtype=np.float64).reshape(-1, self._input_len)[nodes]

    def random_weights_init(self, data):
        """Initializes the weights by copying samples picked at random from data."""
        self._check_input_len(data)
        rows = self._rows(data)
        chosen = self._native.chosen_samples(len(rows), self._seed, self._calls["samples"])
        self._calls["samples"] += 1
        self._store(rows[chosen].reshape(-1))

    def pca_weights_init(self, data):
        """Initializes the weights to span the first two principal components (unit length each,
        over [-1, 1] across the map, centred at the data's mean)."""
        if self._input_len == 1:
            raise InvalidArgument("The data needs at least 2 features for pca initialization")
        self._check_input_len(data)
        if self._x == 1 or self._y == 1:
            warnings.warn("PCA initialization inappropriate:One of the dimensions of the map is 1.")
        self._store(self._native.pca(self._rows(data)))

    def train(
        self,
        data,
        num_iteration,
        random_order=False,
        verbose=False,
        use_epochs=False,
        fixed_points=None,
    ):
        """Trains the SOM: ``num_iteration`` updates (or epochs of len(data) updates with
        ``use_epochs``, the rates constant within an epoch), the samples in order or, with
        ``random_order``, shuffled; ``fixed_points`` {k: (i, j)} makes neuron (i, j) the
        winner of sample k. ``verbose`` prints the progress and the final quantization error."""
        self._check_iteration_number(num_iteration)
        self._check_input_len(data)
        rows = self._rows(data)
        call = self._calls["order"]
        order = _hopsom.minisom_order(
            len(rows), num_iteration, use_epochs, bool(random_order), self._seed, call
        )
        if random_order:
            self._calls["order"] += 1
        if fixed_points is not None and not isinstance(fixed_points, dict):
            raise InvalidArgument(
                f"fixed_points={fixed_points!r}: a dict {{sample: (i, j)}} is needed"
            )
        learning_rates = self._rates(
            self._learning_rate_decay_function, self._learning_rate, num_iteration
        )
        sigmas = self._rates(self._sigma_decay_function, self._sigma, num_iteration)
        progress = _Verbose(len(order)) if verbose else None
        trained = self._native.train(
            self._flat_weights(),
            rows,
            order,
            len(rows) if use_epochs else None,
            learning_rates,
            sigmas,
            fixed_points or {},
            self._activation_name,
            progress,
        )
        self._store(trained)
        if verbose:
            print("\n quantization error:", self.quantization_error(data))

    def train_random(self, data, num_iteration, verbose=False):
        """Trains the SOM picking samples at random from data."""
        self.train(data, num_iteration, random_order=True, verbose=verbose)

    def train_batch(self, data, num_iteration, verbose=False):
        """Trains the SOM using all the vectors in data sequentially."""
        self.train(data, num_iteration, random_order=False, verbose=verbose)

    def train_batch_offline(self, data, num_iteration, verbose=False):
        """Kohonen's batch training (Essentials of the Self-Organizing Map, 2013) as MiniSom
        does it: each iteration moves every neuron reached by a sample to (1 - lr)·w + lr·(the
        neighbourhood-weighted mean of the samples)."""
        self._check_iteration_number(num_iteration)
        self._check_input_len(data)
        learning_rates = self._rates(
            self._learning_rate_decay_function, self._learning_rate, num_iteration
        )
        sigmas = self._rates(self._sigma_decay_function, self._sigma, num_iteration)
        progress = _Verbose(num_iteration) if verbose else None
        trained = self._native.batch_offline(
            self._flat_weights(),
            self._rows(data),
            learning_rates,
            sigmas,
            self._activation_name,
            progress,
        )
        self._store(trained)
        if verbose:
            print(f"Quantization Error: {self.quantization_error(data):.4f}")

    def distance_map(self, scaling="sum"):
        """Each neuron's euclidean distances to the neurons around it (8 on a rectangular map,
        6 on a hexagonal one), summed (``scaling="sum"``) or averaged ("mean"), divided by the
        largest; shape (x, y)."""
        if scaling not in ("sum", "mean"):
            raise InvalidArgument(
                f'scaling should be either "sum" or "mean" ("{scaling}" not valid)'
            )
        return self._native.distance_map(self._flat_weights(), scaling).reshape(self._x, self._y)

    def _winners(self, data):
        self._check_input_len(data)
        return self._native.winners(self._flat_weights(), self._rows(data), self._activation_name)

    def activation_response(self, data):
        """How many times each neuron won, shape (x, y)."""
        won = np.bincount(self._winners(data), minlength=self._x * self._y)
        return won.reshape(self._x, self._y).astype(np.float64)

    def _distance_from_weights(self, data):
        weights = np.ascontiguousarray(self._weights, dtype=np.float64).reshape(-1, self._input_len)
        return _hopsom.minisom_distances_from_weights(self._rows(data), weights)

    def quantization_error(self, data):
        """The mean distance between each sample and its best matching unit."""
        self._check_input_len(data)
        return self._native.quantization_error(self._flat_weights(), self._rows(data))

    def distortion_measure(self, data):
        """Σ over samples and neurons of neighborhood(winner, sigma) · ‖sample − weights‖."""
        self._check_input_len(data)
        return self._native.distortion(
            self._flat_weights(), self._rows(data), float(self._sigma), self._activation_name
        )

    def topographic_error(self, data):
        """The fraction of samples whose best and second-best matching neurons are not
        neighbours (diagonals count on a rectangular map)."""
        self._check_input_len(data)
        if self._x * self._y == 1:
            warnings.warn("The topographic error is not defined for a 1-by-1 map.")
            return np.nan
        return self._native.topographic_error(self._flat_weights(), self._rows(data))

    def win_map(self, data, return_indices=False):
        """{(i, j): the samples (or their indices) mapped to neuron (i, j)}."""
        winners = self._winners(data)
        winmap = defaultdict(list)
        for i, (x, node) in enumerate(zip(data, winners)):
            winmap[np.unravel_index(int(node), (self._x, self._y))].append(
                i if return_indices else x
            )
        return winmap

    def labels_map(self, data, labels):
        """{(i, j): Counter of the labels of the samples mapped to neuron (i, j)}."""
        self._check_input_len(data)
        if not len(data) == len(labels):
            raise InvalidData("data and labels must have the same length.")
        winmap = defaultdict(list)
        for label, node in zip(labels, self._winners(data)):
            winmap[np.unravel_index(int(node), (self._x, self._y))].append(label)
        for position in winmap:
            winmap[position] = Counter(winmap[position])
        return winmap


__all__ = ["MiniSom"]
