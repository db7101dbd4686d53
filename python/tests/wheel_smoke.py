"""A smoke test of the installed wheel, family by family (scripts/wheel-smoke runs it in a clean
virtual environment, with no Rust toolchain on PATH): every public family imports and computes
from the wheel, not from a source tree. Not collected by pytest (its name does not start with
test_); the full suite runs against the development build."""

import os
import pickle
import shutil
import sys
import tempfile

import numpy as np

import hopsom
from hopsom.minisom import MiniSom

environment = sys.argv[1]


def check(condition, what):
    if not condition:
        raise SystemExit(f"wheel smoke test failed: {what}")
    print(f"ok  {what}")


check(shutil.which("cargo") is None and shutil.which("rustc") is None, "no Rust toolchain on PATH")
check(
    os.path.realpath(hopsom.__file__).startswith(os.path.realpath(environment)),
    f"hopsom comes from the wheel ({os.path.dirname(hopsom.__file__)})",
)
rng = np.random.default_rng(1)

# Classical and dense Hopfield networks: recall, a sweep, a capacity study.
_, patterns = hopsom.seed_patterns()
net = hopsom.Hopfield(patterns, backend="cpu")
noisy = hopsom.corrupt(patterns[0], 20, seed=1)
check(net.recall(noisy[None, :]).best_match[0] == 0, "Hopfield recall")
check(len(net.sweep(noise=[10], trials=2)["pattern"]) == 3, "Hopfield sweep")
check(len(hopsom.capacity(100, [0.05], trials=2, backend="cpu")["load"]) == 1, "capacity study")
dense = hopsom.Hopfield(patterns, interaction="poly:3", backend="cpu")
check(dense.recall(noisy[None, :]).best_match[0] == 0, "dense associative memory")

# Modern Hopfield retrieval.
stored = rng.normal(size=(4, 16))
modern = hopsom.ModernHopfield(stored, beta=8.0, normalize=True, backend="cpu")
check(modern.retrieve(stored[2:3] + 0.01).best_pattern[0] == 2, "modern Hopfield retrieval")

# Self-organizing maps: training, segmentation, colour clustering, MiniSom, persistence.
data = rng.random((300, 3))
som = hopsom.SOM(5, 4, 3, backend="cpu")
som.train(data, epochs=2)
image = (rng.random((16, 20, 3)) * 255).astype(np.uint8)
labels, segmented = som.segment(image)
check(labels.shape == (16, 20) and segmented.dtype == np.uint8, "SOM train and segment")
check(len(hopsom.cluster_colours(image, epochs=(1,), backend="cpu")) == 1, "colour clustering")
mini = MiniSom(4, 4, 3, random_seed=1)
mini.train_random(data, 100)
check(mini.quantization_error(data) < 1.0, "MiniSom drop-in")
path = os.path.join(tempfile.mkdtemp(), "map.npz")
som.save(path)
check(np.array_equal(hopsom.load(path, backend="cpu").codebook, som.codebook), "save and load")
check(pickle.loads(pickle.dumps(mini)).get_weights().shape == (4, 4, 3), "pickling")

# The GPU, where there is one (llvmpipe in CI, which sets HOPSOM_REQUIRE_GPU=1).
adapters = hopsom.devices()
if os.environ.get("HOPSOM_REQUIRE_GPU") == "1" or adapters:
    check(bool(adapters), f"a GPU adapter ({[a['name'] for a in adapters]})")
    gpu = hopsom.SOM(5, 4, 3, backend="gpu")
    gpu.train(data, epochs=2)
    check(gpu.device != "CPU", f"SOM training on {gpu.device}")
print(f"hopsom {hopsom.__version__} wheel: every family computes")
