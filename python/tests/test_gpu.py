"""The GPU through Python: the same results as the CPU (exact for recall, within the kernels'
float tolerance for maps). Skipped without an adapter, unless HOPSOM_REQUIRE_GPU=1 (CI), where a
missing adapter fails."""

import os

import numpy as np
import pytest

import hopsom


@pytest.fixture(scope="module")
def gpu():
    if not hopsom.devices():
        if os.environ.get("HOPSOM_REQUIRE_GPU") == "1":
            pytest.fail("HOPSOM_REQUIRE_GPU=1 but no GPU adapter opens")
        pytest.skip("no GPU adapter")
    return "gpu"


def test_recall_on_the_gpu_equals_the_cpu(gpu):
    rng = np.random.default_rng(1)
    patterns = np.where(rng.random((5, 96)) < 0.5, -1, 1)
    probes = np.stack([hopsom.corrupt(p, 20, seed=2, index=k) for k, p in enumerate(patterns)])
    for mode in ("async", "sync"):
        on_gpu = hopsom.Hopfield(patterns, weights="dense", backend=gpu).recall(probes, mode=mode)
        on_cpu = hopsom.Hopfield(patterns, weights="dense", backend="cpu").recall(probes, mode=mode)
        assert np.array_equal(on_gpu.states, on_cpu.states), mode
        assert np.array_equal(on_gpu.sweeps, on_cpu.sweeps), mode


def test_training_on_the_gpu_matches_the_cpu(gpu):
    data = np.random.default_rng(2).random((400, 3), dtype=np.float32)
    codebooks = {}
    for backend in (gpu, "cpu"):
        som = hopsom.SOM(5, 4, 3, seed=3, backend=backend)
        som.train(data, epochs=3, mode="online")
        codebooks[backend] = som.codebook
    assert np.allclose(codebooks[gpu], codebooks["cpu"], rtol=1e-3, atol=1e-4)


def test_dense_memories_on_the_gpu_equal_the_cpu(gpu):
    rng = np.random.default_rng(3)
    patterns = np.where(rng.random((40, 64)) < 0.5, -1, 1)
    probes = np.stack([hopsom.corrupt(p, 30, seed=4, index=k) for k, p in enumerate(patterns)])
    for interaction in ("poly:3", "repoly:4", "exp"):
        for mode in ("async", "sync"):
            runs = [
                hopsom.Hopfield(patterns, interaction=interaction, backend=b).recall(
                    probes, mode=mode
                )
                for b in (gpu, "cpu")
            ]
            assert np.array_equal(runs[0].states, runs[1].states), (interaction, mode)
            assert np.array_equal(runs[0].sweeps, runs[1].sweeps), (interaction, mode)


def test_modern_retrieval_on_the_gpu_is_within_its_tolerance_of_the_cpu(gpu):
    rng = np.random.default_rng(4)
    stored = rng.standard_normal((120, 40))
    queries = stored[:30] + 0.4 * rng.standard_normal((30, 40))
    runs = [
        hopsom.ModernHopfield(stored, beta=0.25, backend=b).retrieve(queries, steps=3)
        for b in (gpu, "cpu")
    ]
    assert np.abs(runs[0].retrieved - runs[1].retrieved).max() < 1e-4
    assert np.abs(runs[0].attention - runs[1].attention).max() < 1e-4
    assert np.array_equal(runs[0].best_pattern, runs[1].best_pattern)
