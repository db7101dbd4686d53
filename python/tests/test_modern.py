"""Modern Hopfield networks through Python: one step against a plain numpy transcription of
X @ softmax(β Xᵀ Q), the command line's files for the same inputs, sweeps, and bad input."""

import doctest
import json
import subprocess

import numpy as np
import pytest

import hopsom
import hopsom.modern


def numpy_step(stored, queries, beta):
    """One update and the weights, in float64, straight from the paper."""
    scores = beta * queries @ stored.T
    scores -= scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights @ stored, weights


def test_one_step_is_numpys_attention_update():
    rng = np.random.default_rng(0)
    stored = rng.standard_normal((70, 48))
    queries = stored[:9] + 0.5 * rng.standard_normal((9, 48))
    # Any dtype and memory order: Fortran-ordered float64 in.
    memory = hopsom.ModernHopfield(np.asfortranarray(stored), beta=0.3, backend="cpu")
    retrieved, attention, energies = memory.retrieve(queries)
    expected, weights = numpy_step(stored, queries, 0.3)
    assert retrieved.dtype == np.float32 and retrieved.shape == (9, 48)
    assert np.abs(retrieved - expected).max() < 1e-4
    assert np.abs(attention - weights).max() < 1e-5
    assert energies.shape == (9, 2) and np.all(energies[:, 1] <= energies[:, 0] + 1e-5)
    result = memory.retrieve(queries)
    assert np.array_equal(result.best_pattern, np.argmax(weights, axis=1))


def test_until_converged_reaches_the_paper_fixed_points():
    rng = np.random.default_rng(1)
    stored = rng.standard_normal((30, 64))
    sharp = hopsom.ModernHopfield(stored, beta=16.0, normalize=True, backend="cpu")
    result = sharp.retrieve(stored[4] + 0.2, until_converged=True, tolerance=1e-6)
    assert result.kinds == ["single_pattern"] and result.best_pattern[0] == 4
    assert result.converged[0]
    flat = hopsom.ModernHopfield(stored, beta=0.01, normalize=True, backend="cpu")
    assert flat.retrieve(stored[4], until_converged=True).kinds == ["global_average"]


def test_retrieval_equals_the_command_line(hopsom_cli, tmp_path):
    rng = np.random.default_rng(2)
    stored = rng.standard_normal((40, 20)).astype(np.float32)
    queries = (stored[:6] + 0.3).astype(np.float64)
    np.save(tmp_path / "stored.npy", stored)
    np.save(tmp_path / "queries.npy", queries)
    out = tmp_path / "out"
    completed = subprocess.run(
        [hopsom_cli, "modern", "retrieve", "--stored", str(tmp_path / "stored.npy"),
         "--queries", str(tmp_path / "queries.npy"), "--beta", "0.5", "--steps", "2",
         "--backend", "cpu", "--out", str(out), "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    report = json.loads(completed.stdout)
    memory = hopsom.ModernHopfield(stored, beta=0.5, backend="cpu")
    result = memory.retrieve(queries, steps=2)
    assert np.array_equal(np.load(out / "retrieved.npy"), result.retrieved)
    assert np.array_equal(np.load(out / "attention.npy"), result.attention)
    assert [row["best_pattern"] for row in report["rows"]] == list(result.best_pattern)
    energies = np.loadtxt(out / "energies.csv", delimiter=",", skiprows=1)
    assert np.allclose(energies[:, 2].reshape(6, 3), result.energies)


def test_sweep_equals_the_command_line(hopsom_cli):
    table = hopsom.modern_sweep(
        hopsom.builtin_tiles(), [4, 64], [0, 60], trials=1, normalize=True, backend="cpu"
    )
    completed = subprocess.run(
        [hopsom_cli, "modern", "sweep", "--stored", "builtin", "--beta", "4,64",
         "--levels", "0,60", "--trials", "1", "--normalize", "--backend", "cpu", "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert table.rows() == json.loads(completed.stdout)["rows"]
    assert table["accuracy"][0] == 1.0


def test_bad_input_is_an_exception():
    stored = np.ones((3, 4))
    with pytest.raises(hopsom.InvalidArgument) as caught:
        hopsom.ModernHopfield(stored, beta=0)
    assert str(caught.value) == "beta=0: must be a positive number"
    memory = hopsom.ModernHopfield(stored, beta=1.0, backend="cpu")
    with pytest.raises(hopsom.InvalidData, match="queries have 5 values"):
        memory.retrieve(np.ones((2, 5)))
    with pytest.raises(hopsom.InvalidData, match="NaN at position 2"):
        memory.retrieve([1.0, 1.0, np.nan, 1.0])
    with pytest.raises(hopsom.InvalidArgument, match="steps=0: must be at least 1"):
        memory.retrieve(np.ones(4), steps=0)
    with pytest.raises(hopsom.InvalidArgument, match="levels=150"):
        hopsom.modern_sweep(stored, 1.0, [150])


def test_the_module_examples_run():
    assert doctest.testmod(hopsom.modern).failed == 0
