"""Long calls stay under Python's control: an exception a signal handler raises (a SIGALRM
timeout, the usual pattern; Ctrl-C's KeyboardInterrupt) stops every long call within a second,
and the objects it used stay usable. Each call here is sized to run far longer than the alarm."""

import contextlib
import signal
import time

import numpy as np
import pytest

import hopsom

ALARM = 0.3
# The alarm repeats: Python swallows an exception that a handler raises while the garbage
# collector runs a weakref callback (it prints "Exception ignored in: ... _remove"), as it does
# under Dask's client; the next alarm lands, as a second Ctrl-C would.
REPEAT = 0.1
# An interrupt is felt within a second of the handler raising.
LIMIT = 1.0


class Timeout(BaseException):
    """What the alarm's handler raises: a BaseException, as Ctrl-C's KeyboardInterrupt is,
    because libraries on the way may catch Exception (dask's tokenize does, when it pickles a
    task's arguments) and would swallow a one-shot alarm."""


@contextlib.contextmanager
def alarm(after):
    def handler(signum, frame):
        raise Timeout()

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, after, REPEAT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_interrupted(call):
    started = time.monotonic()
    with pytest.raises(Timeout), alarm(ALARM):
        call()
    elapsed = time.monotonic() - started
    assert elapsed < ALARM + LIMIT, f"the interrupt took {elapsed - ALARM:.2f} s"


def bipolar(count, neurons, seed):
    rng = np.random.default_rng(seed)
    return np.where(rng.random((count, neurons)) < 0.5, -1, 1).astype(np.int8)


def test_recall():
    net = hopsom.Hopfield(bipolar(30, 3000, 1), backend="cpu")
    probes = bipolar(20_000, 3000, 2)
    assert_interrupted(lambda: net.recall(probes))
    assert len(net.recall(probes[:2])) == 2


def test_sweep_and_the_module_sweep():
    _, patterns = hopsom.seed_patterns()
    net = hopsom.Hopfield(patterns, backend="cpu")
    assert_interrupted(lambda: net.sweep(trials=1_000_000))
    assert_interrupted(lambda: hopsom.sweep(patterns, trials=1_000_000, backend="cpu"))
    assert len(net.sweep(noise=[10], trials=2)["pattern"]) == 3


def test_capacity():
    assert_interrupted(lambda: hopsom.capacity(1500, [0.1], trials=10_000, backend="cpu"))


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_som_train(mode):
    som = hopsom.SOM(60, 60, 3, backend="cpu")
    data = np.random.default_rng(3).random((200_000, 3))
    assert_interrupted(lambda: som.train(data, epochs=500, mode=mode))
    # Interrupted, the map keeps the weights it had: none.
    assert som.codebook is None
    som.train(data[:100], epochs=1, mode=mode)
    assert som.codebook.shape == (60, 60, 3)


def test_minisom_train_random():
    from hopsom.minisom import MiniSom

    som = MiniSom(60, 60, 3, random_seed=1)
    data = np.random.default_rng(4).random((1000, 3))
    before = som.get_weights().copy()
    assert_interrupted(lambda: som.train_random(data, 20_000_000))
    np.testing.assert_array_equal(som.get_weights(), before)


def test_cluster_colours_and_segment():
    image = (np.random.default_rng(5).random((1500, 1500, 3)) * 255).astype(np.uint8)
    assert_interrupted(lambda: hopsom.cluster_colours(image, epochs=(1000,), backend="cpu"))
    som = hopsom.SOM(40, 40, 3, init="samples", backend="cpu")
    som.train(image[:20, :20], epochs=1)
    big = np.tile(image, (2, 2, 1))
    assert_interrupted(lambda: som.segment(big))
    assert som.segment(image[:3, :3])[0].shape == (3, 3)


def test_modern_retrieval_and_sweep():
    stored = np.random.default_rng(6).standard_normal((2000, 256)).astype(np.float32)
    memory = hopsom.ModernHopfield(stored, beta=0.05, backend="cpu")
    queries = np.random.default_rng(7).standard_normal((20_000, 256))
    assert_interrupted(lambda: memory.retrieve(queries, steps=500))
    assert memory.retrieve(queries[:2]).retrieved.shape == (2, 256)
    assert_interrupted(
        lambda: hopsom.modern_sweep(
            stored[:500], beta=list(range(1, 100)), levels=[10, 50, 90], trials=50, backend="cpu"
        )
    )


def test_ctrl_c_raises_keyboard_interrupt():
    net = hopsom.Hopfield(bipolar(30, 3000, 8), backend="cpu")
    probes = bipolar(20_000, 3000, 9)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        previous = signal.signal(signal.SIGALRM, lambda *_: signal.raise_signal(signal.SIGINT))
        try:
            signal.setitimer(signal.ITIMER_REAL, ALARM)
            net.recall(probes)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < ALARM + LIMIT
    assert len(net.recall(probes[:2])) == 2


class TestDaskOnTheClient:
    """The Dask functions on the client, with Dask's threads (no distributed client): the
    client's wait is interrupted; the small tasks already running finish on their own."""

    da = pytest.importorskip("dask.array")

    def test_sweep_and_capacity(self):
        import hopsom.dask

        _, patterns = hopsom.seed_patterns()
        assert_interrupted(
            lambda: hopsom.dask.sweep(patterns, trials=2_000_000, parts=2000, backend="cpu")
        )
        assert_interrupted(
            lambda: hopsom.dask.capacity(1000, [0.1], trials=100_000, parts=2000, backend="cpu")
        )

    def test_train(self):
        import hopsom.dask

        data = self.da.from_array(np.random.default_rng(10).random((50_000, 3)), chunks=5000)
        som = hopsom.SOM(30, 30, 3, backend="cpu")
        assert_interrupted(lambda: hopsom.dask.train(som, data, epochs=10_000))
