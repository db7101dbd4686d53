"""hopsom.sklearn.SelfOrganizingMap is a scikit-learn estimator: it passes every check of
check_estimator, sits in a Pipeline and a grid search, and computes what hopsom.SOM does."""

import inspect

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import hopsom
from hopsom.sklearn import SelfOrganizingMap

X = np.random.default_rng(3).normal(size=(240, 4)) * [1, 10, 100, 0.1]


@parametrize_with_checks([SelfOrganizingMap(4, 3, backend="cpu")])
def test_scikit_learns_checks(estimator, check):
    check(estimator)


def test_it_is_hopsoms_map():
    model = SelfOrganizingMap(6, 5, mode="online", lr=0.3, random_state=4, backend="cpu").fit(X)
    som = hopsom.SOM(6, 5, 4, seed=4, backend="cpu")
    som.train(X, mode="online", lr=0.3)
    np.testing.assert_array_equal(model.codebook_, som.codebook)
    np.testing.assert_array_equal(model.predict(X), som.winners(X))
    distances = model.transform(X)
    assert distances.shape == (240, 30)
    np.testing.assert_array_equal(distances.argmin(axis=1), model.predict(X))
    assert model.score(X) == pytest.approx(-som.quantization_error(X))
    np.testing.assert_array_equal(model.fit_predict(X), model.labels_)


def test_a_pipeline_and_a_grid_search():
    pipeline = make_pipeline(StandardScaler(), SelfOrganizingMap(random_state=0, backend="cpu"))
    search = GridSearchCV(
        pipeline,
        {"selforganizingmap__width": [2, 8], "selforganizingmap__sigma": [1.0, 3.0]},
        cv=3,
    )
    search.fit(X)
    # More nodes quantize the scaled data more finely: the grid search prefers the wider map.
    assert search.best_params_["selforganizingmap__width"] == 8
    assert search.best_estimator_.predict(X).max() < 80


def test_defaults_are_the_librarys():
    library = {**hopsom._hopsom.defaults("som"), **hopsom._hopsom.defaults("train")}
    for name, parameter in inspect.signature(SelfOrganizingMap).parameters.items():
        if name in ("random_state", "backend"):
            continue
        assert parameter.default == library[name], name


def test_bad_parameters_are_refused_when_fitting():
    with pytest.raises(hopsom.InvalidArgument, match="neighbourhood='disc'"):
        SelfOrganizingMap(neighbourhood="disc", backend="cpu").fit(X)
    with pytest.raises(hopsom.InvalidArgument, match="lr"):
        SelfOrganizingMap(lr=0.5, backend="cpu").fit(X)
