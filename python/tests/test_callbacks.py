"""An exception raised in a `progress` callable stops the call and propagates unchanged, for every
call that takes one; a `progress` that is not callable is refused before any work."""

import numpy as np
import pytest

import hopsom

PATTERNS = np.where(np.random.default_rng(1).random((3, 60)) < 0.5, -1, 1)
DATA = np.random.default_rng(2).random((2000, 3))
IMAGE = (np.random.default_rng(3).random((40, 50, 3)) * 255).astype(np.uint8)


class Stop(Exception):
    """What the callable raises."""


def stop(units):
    raise Stop(units)


def dask_array(values, chunks):
    da = pytest.importorskip("dask.array")
    return da.from_array(values, chunks=chunks)


def dask():
    return pytest.importorskip("hopsom.dask")


CALLS = {
    "recall": lambda p: hopsom.Hopfield(PATTERNS, backend="cpu").recall(PATTERNS, progress=p),
    "sweep": lambda p: hopsom.Hopfield(PATTERNS, backend="cpu").sweep(trials=50, progress=p),
    "module sweep": lambda p: hopsom.sweep(PATTERNS, trials=50, backend="cpu", progress=p),
    "capacity": lambda p: hopsom.capacity(60, [0.1, 0.2], trials=2, backend="cpu", progress=p),
    "train": lambda p: hopsom.SOM(5, 5, 3, backend="cpu").train(DATA, epochs=3, progress=p),
    "cluster_colours": lambda p: hopsom.cluster_colours(IMAGE, epochs=(2,), progress=p),
    "segment": lambda p: trained().segment(IMAGE, progress=p),
    "retrieve": lambda p: hopsom.ModernHopfield(DATA, beta=2.0, backend="cpu").retrieve(
        DATA, progress=p
    ),
    "modern_sweep": lambda p: hopsom.modern_sweep(
        DATA[:50], beta=[1, 2], levels=[10], backend="cpu", progress=p
    ),
    "dask train": lambda p: dask().train(
        hopsom.SOM(5, 5, 3, backend="cpu"), dask_array(DATA, 500), epochs=2, progress=p
    ),
    "dask sweep": lambda p: dask().sweep(PATTERNS, trials=8, parts=2, backend="cpu", progress=p),
    "dask capacity": lambda p: dask().capacity(
        60, [0.1], trials=2, parts=2, backend="cpu", progress=p
    ),
}


def trained():
    som = hopsom.SOM(4, 4, 3, init="samples", backend="cpu")
    som.train(IMAGE[:5, :5], epochs=1)
    return som


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_an_exception_in_progress_stops_the_call_and_propagates(call):
    with pytest.raises(Stop) as caught:
        call(stop)
    # Unchanged: the callable's own exception, with what it was given.
    assert type(caught.value) is Stop and caught.value.args[0] >= 1


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_a_progress_that_is_not_callable_is_refused(call):
    with pytest.raises(hopsom.InvalidType, match="progress=42: must be a callable"):
        call(42)


def test_progress_hears_every_advance_in_order():
    heard = []
    hopsom.SOM(5, 5, 3, backend="cpu").train(DATA, epochs=4, progress=heard.append)
    assert heard == [1, 1, 1, 1]
