"""The Hopfield API: recall equal to the command line's, any dtype and memory order accepted,
errors as exceptions, the GIL released, progress reported."""

import json
import subprocess
import threading
import time

import numpy as np
import pytest

import hopsom


def random_patterns(count, neurons, seed):
    rng = np.random.default_rng(seed)
    return np.where(rng.random((count, neurons)) < 0.5, -1, 1).astype(np.int8)


def test_recall_equals_the_command_line(hopsom_cli, tmp_path):
    patterns = random_patterns(4, 64, 2)
    probes = patterns.copy()
    probes[:, :12] *= -1
    np.save(tmp_path / "patterns.npy", patterns)
    np.save(tmp_path / "probes.npy", probes)
    for mode in ("async", "sync"):
        cli = json.loads(
            subprocess.run(
                [hopsom_cli, "hopfield", "recall", "--patterns", str(tmp_path / "patterns.npy")]
                + ["--probe", str(tmp_path / "probes.npy"), "--seed", "5", "--mode", mode]
                + ["--backend", "cpu", "--json", "--out", str(tmp_path / "out")],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        result = hopsom.Hopfield(patterns, backend="cpu").recall(probes, mode=mode, seed=5)
        for k, probe in enumerate(cli["probes"]):
            assert result.states[k].tolist() == probe["final"]
            assert int(result.sweeps[k]) == probe["sweeps"]
            assert result.endings[k] == probe["ending"]
            assert result.energies[k].tolist() == probe["energy"]
            assert int(result.best_match[k]) == probe["best_match"]
            assert float(result.overlap[k]) == probe["overlap"]


def test_corrupt_flips_exactly_the_asked_share_reproducibly():
    pattern = random_patterns(1, 200, 3)[0]
    noisy = hopsom.corrupt(pattern, 25, seed=7, trial=2)
    assert noisy.dtype == np.int8
    assert int((noisy != pattern).sum()) == 50
    assert np.array_equal(noisy, hopsom.corrupt(pattern, 25, seed=7, trial=2))
    assert not np.array_equal(noisy, hopsom.corrupt(pattern, 25, seed=7, trial=3))


@pytest.mark.parametrize(
    "convert",
    [
        lambda p: p.astype(np.int64),
        lambda p: p.astype(np.float32),
        lambda p: p > 0,
        lambda p: np.asfortranarray(p.astype(np.float64)),
        lambda p: p.tolist(),
    ],
)
def test_any_dtype_and_memory_order_gives_the_same_recall(convert):
    patterns = random_patterns(3, 50, 4)
    probes = patterns[:, ::-1].copy()
    want = hopsom.Hopfield(patterns, backend="cpu").recall(probes, seed=2)
    got = hopsom.Hopfield(convert(patterns), backend="cpu").recall(convert(probes), seed=2)
    assert np.array_equal(got.states, want.states)


def test_weights_and_energy_follow_the_hebbian_rule():
    patterns = random_patterns(3, 40, 5)
    net = hopsom.Hopfield(patterns, weights="dense", backend="cpu")
    expected = patterns.T.astype(np.float64) @ patterns
    np.fill_diagonal(expected, 0)
    assert np.array_equal(net.weights, expected)
    state = patterns[1]
    assert net.energy(state) == -0.5 * state @ expected @ state
    factored = hopsom.Hopfield(patterns, weights="factored", backend="cpu")
    assert factored.factored
    assert np.array_equal(factored.weights, expected)


def test_trajectories_are_the_flips_of_asynchronous_recall():
    patterns = random_patterns(2, 60, 6)
    probe = hopsom.corrupt(patterns[0], 20, seed=1)
    result = hopsom.Hopfield(patterns, backend="cpu").recall(probe, trajectory=True)
    state = probe.copy()
    for neuron in result.trajectories[0]:
        state[neuron] *= -1
    assert np.array_equal(state, result.states[0])


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: hopsom.Hopfield([[1, 0, 1]]), hopsom.InvalidData),
        (lambda: hopsom.Hopfield(np.zeros((0, 5))), hopsom.InvalidData),
        (lambda: hopsom.Hopfield([[1, -1]], rule="oja"), hopsom.InvalidArgument),
        (lambda: hopsom.Hopfield([[1, -1]], backend="tpu"), hopsom.InvalidArgument),
        (lambda: hopsom.Hopfield([["a", "b"]]), TypeError),
        (
            lambda: hopsom.Hopfield([[1, -1, 1]]).recall([[1, -1]]),
            hopsom.InvalidData,
        ),
        (
            lambda: hopsom.Hopfield([[1, -1, 1]]).recall([[1, -1, 1]], max_sweeps=0),
            hopsom.InvalidArgument,
        ),
        (
            lambda: hopsom.Hopfield([[1, -1, 1]]).recall(
                [[1, -1, 1]], mode="sync", trajectory=True
            ),
            hopsom.InvalidArgument,
        ),
        (lambda: hopsom.corrupt([1, -1], 150), hopsom.InvalidArgument),
    ],
)
def test_bad_input_raises_a_hopsom_error_subclass(call, error):
    with pytest.raises(error) as caught:
        call()
    assert isinstance(caught.value, (hopsom.HopsomError, TypeError))
    assert "\n" not in str(caught.value)


def test_recall_releases_the_gil_and_reports_progress():
    patterns = random_patterns(20, 400, 7)
    net = hopsom.Hopfield(patterns, weights="dense", backend="cpu")
    probes = np.repeat(patterns, 200, axis=0)
    probes[:, :120] *= -1
    done = []
    reported = []
    worker = threading.Thread(
        target=lambda: done.append(net.recall(probes, progress=reported.append))
    )
    ticks = 0
    worker.start()
    while worker.is_alive():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    # The main thread ran Python while the worker computed: the GIL was released.
    assert ticks > 5
    assert sum(reported) == len(probes)
    assert len(done[0]) == len(probes)


def test_ctrl_c_interrupts_a_long_call_and_the_network_stays_usable():
    import os
    import signal

    patterns = random_patterns(40, 1000, 11)
    net = hopsom.Hopfield(patterns, weights="dense", backend="cpu")
    probes = np.repeat(patterns, 300, axis=0)
    probes[:, :300] *= -1
    # Uninterrupted, these 12 000 recalls take tens of seconds; the signal comes after 0.2 s.
    timer = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        net.recall(probes)
    assert time.monotonic() - started < 10
    assert net.recall(probes[:3]).endings == ["fixed_point"] * 3


def test_errors_name_parameters_as_keyword_arguments():
    with pytest.raises(hopsom.InvalidArgument) as caught:
        hopsom.Hopfield([[1, -1, 1]], keep_diagonal=True)
    assert str(caught.value) == "keep_diagonal: applies to the pseudo-inverse rule only"
    with pytest.raises(hopsom.InvalidArgument) as caught:
        hopsom.Hopfield([[1, -1, 1]]).recall([[1, -1, 1]], max_sweeps=0)
    assert str(caught.value) == "max_sweeps=0: must be at least 1"
    with pytest.raises(hopsom.InvalidArgument) as caught:
        hopsom.corrupt([1, -1], 150)
    assert str(caught.value) == "noise=150: a noise level is a percentage from 0 to 100"


def test_the_pseudo_inverse_rule_may_keep_its_diagonal():
    patterns = random_patterns(3, 40, 1)
    kept = hopsom.Hopfield(patterns, rule="pseudo-inverse", keep_diagonal=True, backend="cpu")
    zeroed = hopsom.Hopfield(patterns, rule="pseudo-inverse", backend="cpu")
    assert np.all(np.diag(kept.weights) > 0)
    assert np.array_equal(np.diag(zeroed.weights), np.zeros(40))
    off = ~np.eye(40, dtype=bool)
    assert np.allclose(kept.weights[off], zeroed.weights[off])


def test_a_dense_memory_stores_half_n_patterns():
    patterns = random_patterns(60, 120, 4)
    classical = hopsom.Hopfield(patterns, backend="cpu").recall(patterns, mode="sync")
    dense = hopsom.Hopfield(patterns, interaction="poly:3", backend="cpu")
    recalled = dense.recall(patterns, mode="sync")
    assert not np.array_equal(classical.states, patterns)
    assert np.array_equal(recalled.states, patterns)
    assert recalled.endings == ["fixed_point"] * 60
    # E(s) = −Σ_μ (ξ^μ·s)³, straight from numpy.
    overlaps = patterns.astype(np.int64) @ patterns[:3].T.astype(np.int64)
    assert np.array_equal(dense.energy(patterns[:3]), -(overlaps**3).sum(axis=0))


def test_dense_interactions_are_checked():
    patterns = random_patterns(4, 30, 5)
    with pytest.raises(hopsom.InvalidArgument) as caught:
        hopsom.Hopfield(patterns, interaction="poly:1")
    assert str(caught.value) == "interaction='poly:1': the power must be from 2 to 30"
    with pytest.raises(hopsom.InvalidArgument, match="it takes the hebbian rule, not storkey"):
        hopsom.Hopfield(patterns, rule="storkey", interaction="exp")
    with pytest.raises(hopsom.InvalidArgument, match="takes no thresholds or temperature"):
        hopsom.Hopfield(patterns, interaction="exp").recall(patterns, temperature=1.0)
    table = hopsom.capacity(40, [0.5], trials=1, mode="sync", interaction="poly:3")
    assert table["interaction"] == ["poly:3"]
    assert table["theory_capacity"][0] > 20
