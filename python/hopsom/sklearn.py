"""A self-organizing map as a scikit-learn estimator (``pip install "./python[sklearn]"``).

:class:`SelfOrganizingMap` fits a :class:`hopsom.SOM` and behaves as scikit-learn's estimators
do: ``fit`` returns the estimator, ``predict`` gives each sample's winning node, ``transform``
its distance to every node, ``score`` the negative quantization error (higher is better, as
``GridSearchCV`` wants), and the parameters are the constructor's, so that the map sits in a
``Pipeline`` and a grid search.

    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from hopsom.sklearn import SelfOrganizingMap
    >>> X = np.random.default_rng(0).normal(size=(200, 4))
    >>> model = make_pipeline(StandardScaler(), SelfOrganizingMap(5, 4, backend="cpu"))
    >>> model.fit(X).predict(X[:3]).shape, model.transform(X[:3]).shape
    ((3,), (3, 20))
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _hopsom
from .som import SOM

_MAP = _hopsom.defaults("som")
_TRAIN = _hopsom.defaults("train")


class SelfOrganizingMap(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """A ``width`` x ``height`` self-organizing map trained by :meth:`hopsom.SOM.train`.

    Parameters
    ----------
    width, height : int
        The map's size; node = row·width + column.
    topology : {"rect", "hex"}
    toroidal : bool
    neighbourhood : {"gaussian", "bubble", "mexican-hat", "triangle"}
    metric : {"euclidean", "cosine", "manhattan", "chebyshev"}
        How winners (``predict``) and distances (``transform``) are measured.
    init : {"random", "samples", "pca"}
    epochs : int
        Passes over the data.
    mode : {"batch", "online"}
    lr, lr_end, sigma, sigma_end, tau : float or None
        The schedule's start and end values (None: the library's defaults; a learning rate is
        refused in batch mode, as :meth:`hopsom.SOM.train` refuses it).
    schedule : {"exponential", "linear", "inverse", "asymptotic", "seed"}
    cutoff : float
    shuffle : bool
    random_state : int, numpy RandomState or None
        The seed of every random choice (an int gives the command line's map for that seed).
    backend : {"auto", "cpu", "gpu"}

    Attributes
    ----------
    som_ : hopsom.SOM
        The trained map.
    codebook_ : ndarray of shape (height, width, n_features_in_)
    labels_ : ndarray of shape (n_samples,)
        The winning node of each training sample.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When ``X`` had column names.
    """

    def __init__(
        self,
        width=_MAP["width"],
        height=_MAP["height"],
        topology=_MAP["topology"],
        toroidal=_MAP["toroidal"],
        neighbourhood=_TRAIN["neighbourhood"],
        metric=_TRAIN["metric"],
        init=_TRAIN["init"],
        epochs=_TRAIN["epochs"],
        mode=_TRAIN["mode"],
        lr=_TRAIN["lr"],
        lr_end=_TRAIN["lr_end"],
        sigma=_TRAIN["sigma"],
        sigma_end=_TRAIN["sigma_end"],
        schedule=_TRAIN["schedule"],
        tau=_TRAIN["tau"],
        cutoff=_TRAIN["cutoff"],
        shuffle=_TRAIN["shuffle"],
        random_state=None,
        backend="auto",
    ):
        self.width = width
        self.height = height
        self.topology = topology
        self.toroidal = toroidal
        self.neighbourhood = neighbourhood
        self.metric = metric
        self.init = init
        self.epochs = epochs
        self.mode = mode
        self.lr = lr
        self.lr_end = lr_end
        self.sigma = sigma
        self.sigma_end = sigma_end
        self.schedule = schedule
        self.tau = tau
        self.cutoff = cutoff
        self.shuffle = shuffle
        self.random_state = random_state
        self.backend = backend

    def _seed(self):
        if isinstance(self.random_state, numbers.Integral) and not isinstance(
            self.random_state, bool
        ):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def fit(self, X, y=None):
        """Trains a new map on ``X`` (n_samples x n_features). Returns the estimator."""
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        som = SOM(
            self.width,
            self.height,
            X.shape[1],
            topology=self.topology,
            toroidal=self.toroidal,
            neighbourhood=self.neighbourhood,
            metric=self.metric,
            init=self.init,
            seed=self._seed(),
            backend=self.backend,
        )
        som.train(
            X,
            epochs=self.epochs,
            mode=self.mode,
            lr=self.lr,
            lr_end=self.lr_end,
            sigma=self.sigma,
            sigma_end=self.sigma_end,
            schedule=self.schedule,
            tau=self.tau,
            cutoff=self.cutoff,
            shuffle=self.shuffle,
        )
        self.som_ = som
        self.codebook_ = som.codebook
        self.labels_ = som.winners(X).astype(np.int64)
        self._n_features_out = som.width * som.height
        return self

    def _checked(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def predict(self, X):
        """The winning node of each sample (int64, node = row·width + column)."""
        X = self._checked(X)
        return self.som_.winners(X).astype(np.int64)

    def fit_predict(self, X, y=None):
        """Fits on ``X`` and returns the winning node of each of its samples."""
        return self.fit(X).labels_

    def transform(self, X):
        """Each sample's distance to every node (float64, n_samples x width·height)."""
        X = self._checked(X)
        return self.som_.distances(X).astype(np.float64)

    def score(self, X, y=None):
        """The negative quantization error of ``X``: its mean distance to the winning nodes'
        weights, negated so that a better map scores higher."""
        X = self._checked(X)
        return -float(self.som_.quantization_error(X))
