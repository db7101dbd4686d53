"""hopsom against the Python tools it replaces, on the same workloads and the same machine.

Workloads (hopsom on its CPU path unless --backend says otherwise):
  1. Asynchronous recall of seed 003's 225-neuron network (Batman, A, Z) from 25 % noise:
     the seed's numpy `Hopfield_Network.predict` against `hopsom hopfield sweep`, per recall
     (hopsom to a fixed point), per neuron update, and with `--max-sweeps 1` (one sweep, the
     seed's work exactly).
  2. A whole online SOM run of a 50x50 map on random colours, 5 epochs with MiniSom's default
     schedule decaying every sample: MiniSom's `train` against `hopsom som train --mode online
     --schedule asymptotic`, wall time and final quantization error.
  3. Colour assignment of kodim23's pixels to the seed's four colours: the seed's numpy
     `ColorClusteringSOM.assign_clusters` against `hopsom som segment`.
  4. The same SOM run and recall sweep called from Python (`import hopsom`, in this process),
     with the ratio of their rate to the CLI's, when the package is installed (run.sh does).
  5. Modern Hopfield retrieval, one step of ξ ← Xᵀ softmax(β X ξ) for a batch of queries: numpy's
     float32 `softmax(β Q Xᵀ) @ X` against `hopsom modern retrieve` (which also computes every
     query's energies, one more product of the scores' size) and, like for like, the Python
     package without energies or attention (queries/s, and GFLOP/s counting 4·P·D a query).
  6. MiniSom's own `train` against `hopsom.minisom.MiniSom`'s (the drop-in, one import line
     changed) on workload 2, in this process, when the package is installed.
  7. The machine's own limit: `hopsom bench`'s dense synchronous recall and Hebbian learning
     (GFLOP/s, 2·N² per probe and sweep, 2·N²·P) beside numpy's float32 matrix products of the
     same shapes (OpenBLAS here): `probes @ weights` and `patterns.T @ patterns`.

Run it through run.sh, which makes the virtual environment and builds hopsom.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
from minisom import MiniSom
from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGETS = {
    "async recall": 300.0,
    "online SOM": 30.0,
    # The ratio of the two final QEs: hopsom's no worse than MiniSom's.
    "online SOM / final QE": 1.0,
    "colour assignment": 100.0,
    "sync recall": 0.6,
    "modern retrieval": 1.0,
    # The command line also computes every query's energies: 1.5 times numpy's products.
    "modern retrieval /CLI": 0.6,
    "Hebbian": 1.5,
    # MiniSom's own algorithm, in float64 as MiniSom computes it, one sample at a time.
    "MiniSom drop-in": 5.0,
    # The same algorithm on other random draws: a final QE within 5 % of MiniSom's.
    "MiniSom drop-in / QE": 0.95,
}


def hopsom(binary, *args):
    output = subprocess.run(
        [binary, *args, "--json", "--quiet"], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output)


# --- 1. seed 003's Hopfield network, transcribed from the notebook --------------------------


class Hopfield_Network:
    def __init__(self, num_neurons):
        self.num_neurons = num_neurons
        self.weights = np.zeros((num_neurons, num_neurons))

    def train(self, patterns):
        for pattern in patterns:
            pattern = np.array(pattern)
            self.weights += np.outer(pattern, pattern)
        np.fill_diagonal(self.weights, 0)

    def predict(self, pattern):
        pattern = np.array(pattern)
        output = np.copy(pattern)
        change_steps = []
        change_steps.append(np.copy(output))
        neuron_index = np.arange(self.num_neurons)
        np.random.shuffle(neuron_index)
        for i in neuron_index:
            original_state = output[i]
            y_in = output[i] + np.dot(self.weights[i], output)
            if y_in > 0:
                output[i] = 1
            elif y_in < 0:
                output[i] = -1
            if output[i] != original_state:
                change_steps.append(np.copy(output))
        return output, change_steps


def corrupt_image(img, percentage):
    corrupt_img = np.copy(img)
    num_corruptions = int((percentage / 100) * len(img))
    indices = np.random.choice(len(img), num_corruptions, replace=False)
    for i in indices:
        corrupt_img[i] = corrupt_img[i] * -1
    return corrupt_img


def seed_patterns():
    """The seed's vectors: the files are drawn transposed (the notebook shows reshape(15,15).T)."""
    patterns = []
    for name in ["batman.txt", "letter_a.txt", "letter_z.txt"]:
        with open(os.path.join(ROOT, "assets", "patterns", name)) as grid_file:
            rows = grid_file.read().split()
        grid = np.array([[1 if c == "#" else -1 for c in row] for row in rows])
        patterns.append(grid.T.reshape(-1))
    return np.array(patterns)


def async_recall(binary, backend, recalls):
    patterns = seed_patterns()
    model = Hopfield_Network(225)
    model.train(patterns)
    probes = [corrupt_image(patterns[k % 3], 25) for k in range(recalls)]
    started = time.perf_counter()
    for probe in probes:
        model.predict(probe)
    seed_rate = recalls / (time.perf_counter() - started)
    # hopsom recalls every probe to a fixed point (the seed stops after one sweep), so it does
    # at least as much work per recall.
    trials = max(1, 100_000 // 3)
    sweep = [
        *("hopfield", "sweep", "--patterns", "builtin", "--noise", "25"),
        *("--trials", str(trials), "--backend", backend),
    ]
    result = hopsom(binary, *sweep)
    sweeps = sum(row["mean_sweeps"] for row in result["rows"]) / len(result["rows"])
    # Per neuron update: the seed visits each neuron once a recall, hopsom `sweeps` times.
    per_update = (seed_rate * 225, result["recalls_per_second"] * sweeps * 225)
    # Exactly the seed's work: one sweep in a random order, whether or not it converged.
    one_sweep = hopsom(binary, *sweep, "--max-sweeps", "1")
    extra = [
        (" /update", "neuron updates/s", per_update),
        (" /one sweep", "recalls/s", (seed_rate, one_sweep["recalls_per_second"])),
    ]
    return seed_rate, result["recalls_per_second"], "recalls/s", extra


# --- 2. MiniSom --------------------------------------------------------------------------


def python_rows(backend, samples, epochs):
    """hopsom called from Python in this process, on the workloads above: a whole online run
    (against MiniSom's `train`) and the seed's asynchronous recall (against the seed's numpy).
    None when the package is not installed (run.sh installs it)."""
    try:
        import hopsom as package
    except ImportError:
        return None
    data = np.random.RandomState(1).rand(samples, 3).astype(np.float32)
    iterations = samples * epochs
    som = package.SOM(50, 50, 3, seed=1, backend=backend)
    som.train(
        data, epochs=epochs, mode="online", schedule="asymptotic", lr=0.5, sigma=25
    )
    som_rate = iterations / som.training_seconds
    _, patterns = package.seed_patterns()
    trials = max(1, 100_000 // 3)
    started = time.perf_counter()
    table = package.sweep(patterns, noise=[25], trials=trials, backend=backend, seed=1)
    wall = time.perf_counter() - started
    # The rate over the whole call, conversions and the table included.
    assert len(table["noise"]) == len(patterns)
    return som_rate, len(patterns) * trials / wall


def online_som(binary, backend, samples, epochs, workdir):
    """A whole online run: `epochs` passes over `samples` random colours, rates decaying every
    sample by MiniSom's default asymptotic schedule from lr 0.5 and sigma 25 (half the map),
    in random order; wall time of the training and the final QE of each."""
    data = np.random.RandomState(1).rand(samples, 3).astype(np.float32)
    iterations = samples * epochs
    som = MiniSom(50, 50, 3, sigma=25.0, learning_rate=0.5, random_seed=1)
    started = time.perf_counter()
    som.train(data, iterations, random_order=True)
    minisom_rate = iterations / (time.perf_counter() - started)
    minisom_qe = float(som.quantization_error(data))
    path = os.path.join(workdir, "colours.npy")
    np.save(path, data)
    result = hopsom(
        binary,
        *("som", "train", "--data", path, "--grid", "50x50", "--mode", "online"),
        *("--epochs", str(epochs), "--schedule", "asymptotic"),
        *("--lr", "0.5", "--sigma", "25", "--backend", backend),
        *("--out", os.path.join(workdir, "som")),
    )
    extra = [(" / final QE", "QE (lower is better)", (minisom_qe, result["qe"]))]
    return minisom_rate, iterations / result["training_seconds"], "samples/s", extra


def minisom_dropin(samples, epochs):
    """Workload 2 through MiniSom's class and through hopsom's drop-in (the same constructor
    and call): samples/s of each, and the final QE of each. None without the package."""
    try:
        from hopsom.minisom import MiniSom as DropIn
    except ImportError:
        return None
    data = np.random.RandomState(1).rand(samples, 3)
    iterations = samples * epochs
    rates, errors = [], []
    for make in (MiniSom, DropIn):
        som = make(50, 50, 3, sigma=25.0, learning_rate=0.5, random_seed=1)
        started = time.perf_counter()
        som.train(data, iterations, random_order=True)
        rates.append(iterations / (time.perf_counter() - started))
        errors.append(float(som.quantization_error(data)))
    return rates, errors


# --- 3. seed 003's colour clustering, transcribed from the notebook ------------------------


class ColorClusteringSOM:
    def __init__(self):
        self.cluster_weights = np.array(
            [[165, 42, 42], [0, 0, 255], [0, 128, 0], [255, 224, 189]]
        ).T.astype(float)

    def calculate_distances(self, color):
        return np.array(
            [
                np.linalg.norm(color - self.cluster_weights[:, idx])
                for idx in range(self.cluster_weights.shape[1])
            ]
        )

    def assign_clusters(self, colors):
        cluster_assignments = np.array(
            [np.argmin(self.calculate_distances(color)) for color in colors]
        )
        clustered_colors = np.array(
            [self.cluster_weights[:, idx] for idx in cluster_assignments]
        )
        return clustered_colors, cluster_assignments


def colour_assignment(binary, backend, pixels, workdir):
    photo = os.path.join(ROOT, "assets", "photos", "kodim23.png")
    colours = np.array(Image.open(photo).convert("RGB")).reshape(-1, 3)[:pixels]
    model = ColorClusteringSOM()
    started = time.perf_counter()
    model.assign_clusters(colours)
    seed_rate = len(colours) / (time.perf_counter() - started)
    codebook = os.path.join(workdir, "seed_colours.npy")
    np.save(codebook, model.cluster_weights.T.reshape(1, 4, 3).astype(np.float32))
    result = hopsom(
        binary,
        "som",
        "segment",
        "--codebook",
        codebook,
        "--image",
        photo,
        "--backend",
        backend,
        "--out",
        os.path.join(workdir, "segment"),
    )
    return seed_rate, result["pixels"] / result["seconds"], "pixels/s", []


# --- 4. the machine's own limit: numpy's float32 matrix products ----------------------------


def modern_retrieval(binary, backend, queries, workdir, repeats=5):
    """One retrieval step for `queries` queries from 8192 stored patterns of 256 values: numpy's
    softmax(β Q Xᵀ) @ X, the CLI (energies included) and, when installed, the Python package
    without energies or attention. Returns the rows (queries/s and GFLOP/s)."""
    patterns, dim, beta = 8192, 256, 0.1
    rng = np.random.default_rng(1)
    stored = rng.standard_normal((patterns, dim)).astype(np.float32)
    batch = rng.standard_normal((queries, dim)).astype(np.float32)

    def numpy_step():
        scores = np.float32(beta) * (batch @ stored.T)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores @ stored

    def best_of(run):
        run()
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return min(times)

    flops = 4.0 * patterns * dim * queries
    peer_seconds = best_of(numpy_step)
    np.save(os.path.join(workdir, "stored.npy"), stored)
    np.save(os.path.join(workdir, "queries.npy"), batch)
    args = ["modern", "retrieve", "--stored", os.path.join(workdir, "stored.npy")]
    args += ["--queries", os.path.join(workdir, "queries.npy"), "--beta", str(beta)]
    cli_seconds = min(
        hopsom(binary, *args, "--backend", backend)["seconds"] for _ in range(repeats)
    )
    peer = "numpy float32 softmax(b Q Xt) @ X"
    unit = f"queries/s (P = {patterns}, D = {dim}, {queries} queries)"
    rows = [
        row("modern retrieval /CLI", peer, unit + "; energies too", queries / peer_seconds,
            queries / cli_seconds),
    ]  # fmt: skip
    try:
        import hopsom as package
    except ImportError:
        return rows
    memory = package.ModernHopfield(stored, beta=beta, backend=backend)
    python_seconds = best_of(
        lambda: memory.retrieve(batch, attention=False, energies=False)
    )
    rows.append(
        row("modern retrieval", peer, unit + "; Python", queries / peer_seconds,
            queries / python_seconds)
    )  # fmt: skip
    rows.append(
        row("modern retrieval /GFLOP/s", peer, "GFLOP/s (4·P·D a query); Python",
            flops / peer_seconds / 1e9, flops / python_seconds / 1e9)
    )  # fmt: skip
    return rows


def numpy_gflops(left_shape, right_shape, transpose_left=False, repeats=5):
    """GFLOP/s of numpy's float32 product of ±1 (left) and small integers (right)."""
    rng = np.random.RandomState(1)
    left = np.sign(rng.rand(*left_shape) - 0.5).astype(np.float32)
    right = (
        np.sign(rng.rand(*right_shape) - 0.5).astype(np.float32)
        if transpose_left
        else rng.randint(-51, 52, right_shape).astype(np.float32)
    )
    multiply = (lambda: left.T @ right) if transpose_left else (lambda: left @ right)
    multiply()
    started = time.perf_counter()
    for _ in range(repeats):
        multiply()
    seconds = (time.perf_counter() - started) / repeats
    m = left_shape[1] if transpose_left else left_shape[0]
    k = left_shape[0] if transpose_left else left_shape[1]
    return 2.0 * m * k * right_shape[1] / seconds / 1e9


def machine_limit(binary, backend, quick, workdir):
    """hopsom bench's synchronous-recall and Hebbian rows against numpy on the same shapes."""
    args = ["bench", "--backend", backend, "--out", os.path.join(workdir, "bench")]
    bench = hopsom(binary, *(args + (["--quick"] if quick else [])))
    side = "gpu" if backend == "gpu" else "cpu"
    rows = []
    for case in bench["cases"]:
        measured = case.get(side)
        name = case["case"]
        if not measured or not name.startswith(("synchronous recall", "Hebbian")):
            continue
        size = case["size"]
        neurons = int(re.search(r"N = (\d+)", size).group(1))
        patterns = int(re.search(r"P = (\d+)", size).group(1))
        if name.startswith("synchronous recall"):
            probes = int(re.search(r"(\d+) probes", size).group(1))
            peer = numpy_gflops((probes, neurons), (neurons, neurons))
            rows.append(
                row(
                    f"sync recall /N={neurons}",
                    "numpy float32 probes @ W",
                    "GFLOP/s",
                    peer,
                    measured["throughput"],
                )
            )
        else:
            peer = numpy_gflops(
                (patterns, neurons),
                (patterns, neurons),
                transpose_left=True,
                repeats=1 if neurons > 8000 else 5,
            )
            rows.append(
                row(
                    f"Hebbian /N={neurons}",
                    "numpy float32 X.T @ X",
                    "GFLOP/s",
                    peer,
                    measured["throughput"],
                )
            )
    return rows


def row(name, peer, unit, peer_rate, hopsom_rate):
    # Rates: hopsom's over the peer's. Errors (lower is better): the peer's over hopsom's.
    lower_is_better = "lower is better" in unit
    ratio = peer_rate / hopsom_rate if lower_is_better else hopsom_rate / peer_rate
    target = TARGETS.get(name, TARGETS[name.split(" /")[0]])
    return {
        "workload": name,
        "peer": peer,
        "unit": unit,
        "peer_rate": peer_rate,
        "hopsom_rate": hopsom_rate,
        "ratio": ratio,
        "target": target,
        "met": ratio >= target,
    }


def rate(value):
    """Rates as whole numbers; small values (errors) with their decimals."""
    return f"{value:>14,.4f}" if value < 10 else f"{value:>14,.0f}"


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hopsom", required=True, help="the hopsom binary")
    parser.add_argument(
        "--backend", default="cpu", help="hopsom's --backend (default cpu)"
    )
    parser.add_argument("--quick", action="store_true", help="smaller peer workloads")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()
    np.random.seed(1)
    scale = 0.2 if args.quick else 1.0
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for name, peer, run in [
            (
                "async recall",
                "seed 003 numpy (one sweep a recall)",
                lambda: async_recall(args.hopsom, args.backend, int(1000 * scale)),
            ),
            (
                "online SOM",
                "MiniSom train, 50x50, 5 epochs",
                lambda: online_som(
                    args.hopsom, args.backend, int(20_000 * scale), 5, workdir
                ),
            ),
            (
                "colour assignment",
                "seed 003 numpy assign_clusters",
                lambda: colour_assignment(
                    args.hopsom, args.backend, int(20_000 * scale), workdir
                ),
            ),
        ]:
            peer_rate, hopsom_rate, unit, extra = run()
            rows.append(row(name, peer, unit, peer_rate, hopsom_rate))
            for suffix, extra_unit, (peer_extra, hopsom_extra) in extra:
                rows.append(
                    row(name + suffix, peer, extra_unit, peer_extra, hopsom_extra)
                )
        python = python_rows(args.backend, int(20_000 * scale), 5)
        if python is not None:
            som_rate, recall_rate = python
            peers = {r["workload"]: r for r in rows}
            for name, python_rate in [
                ("online SOM", som_rate),
                ("async recall", recall_rate),
            ]:
                cli = peers[name]
                to_cli = python_rate / cli["hopsom_rate"]
                rows.append(
                    row(
                        name + " / Python",
                        cli["peer"],
                        f"{cli['unit']}; {to_cli:.2f}x the CLI's rate",
                        cli["peer_rate"],
                        python_rate,
                    )
                )
        dropin = minisom_dropin(int(20_000 * scale), 5)
        if dropin is not None:
            (peer_rate, dropin_rate), (peer_qe, dropin_qe) = dropin
            peer = "MiniSom train, 50x50, 5 epochs"
            rows.append(
                row("MiniSom drop-in", peer, "samples/s", peer_rate, dropin_rate)
            )
            rows.append(
                row(
                    "MiniSom drop-in / QE",
                    peer,
                    "QE (lower is better)",
                    peer_qe,
                    dropin_qe,
                )
            )
        rows.extend(
            modern_retrieval(args.hopsom, args.backend, int(4096 * scale), workdir)
        )
        rows.extend(machine_limit(args.hopsom, args.backend, args.quick, workdir))
    print(
        f"{'workload':<26} {'peer':<36} {'peer rate':>14} {'hopsom rate':>14} {'ratio':>9} "
        f"{'target':>7}"
    )
    for r in rows:
        # Ratios and targets near 1 (the matrix products) need their decimals.
        ratio = f"{r['ratio']:>8,.2f}" if r["ratio"] < 10 else f"{r['ratio']:>8,.0f}"
        target = (
            f"{r['target']:>6,.1f}" if r["target"] < 10 else f"{r['target']:>6,.0f}"
        )
        print(
            f"{r['workload']:<26} {r['peer']:<36} {rate(r['peer_rate'])} "
            f"{rate(r['hopsom_rate'])} {ratio}x {target}x"
            f"{'' if r['met'] else '  (missed)'}   {r['unit']}"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"backend": args.backend, "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
