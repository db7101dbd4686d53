"""hopsom.dask on this machine: 1 and 2 worker processes against one process, for a batch epoch
of a large image and for a recall sweep, with the per-epoch overhead (scheduling, the codebook
out and the partial sums back) measured.

    python benches/dask/scaling.py [--quick] [--json FILE]

Each worker computes with one thread (RAYON_NUM_THREADS=1), and so does the one-process run it
is compared with (run on a worker of its own), so that the ratios show what the workers add."""

import argparse
import json
import os
import platform
import time

import dask.array as da
import hopsom
import hopsom.dask as hd
import numpy as np
from distributed import Client, LocalCluster, wait

GRID = (10, 10)


def image(side, seed=1):
    # Generated on the workers chunk by chunk: a smooth colour field with noise.
    def block(block_info=None):
        (r0, r1), (c0, c1), _ = block_info[None]["array-location"]
        rows, columns = np.indices((r1 - r0, c1 - c0))
        rng = np.random.default_rng([seed, r0, c0])
        base = np.stack(
            [(rows + r0) % 256, (columns + c0) % 256, (rows + columns) % 97], axis=2
        )
        return np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)

    chunk = min(side, 1000)
    return da.map_blocks(
        block,
        dtype=np.uint8,
        chunks=((chunk,) * (side // chunk), (chunk,) * (side // chunk), (3,)),
    )


def local_epochs(pixels, epochs):
    som = hopsom.SOM(*GRID, 3, init="samples", seed=1, backend="cpu")
    started = time.perf_counter()
    som.train(pixels, epochs=epochs, mode="batch", sigma=3.0)
    return time.perf_counter() - started, som.codebook


def local_sweep(trials):
    _, patterns = hopsom.seed_patterns()
    started = time.perf_counter()
    table = hopsom.sweep(patterns, noise=range(0, 51, 10), trials=trials, backend="cpu")
    return time.perf_counter() - started, json.dumps(table.rows())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, for a smoke test"
    )
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    side, epochs, trials = (1000, 2, 200) if args.quick else (4000, 3, 30000)
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": time.strftime("%Y-%m-%d"),
        "image": f"{side}x{side} RGB ({side * side / 1e6:.0f} MP), chunks of 1000x1000",
        "map": f"{GRID[0]}x{GRID[1]}",
        "epochs": epochs,
        "sweep": f"3 seed patterns x 6 levels x {trials} trials",
        "runs": [],
    }
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                env={"RAYON_NUM_THREADS": "1"},
            ) as cluster,
            Client(cluster) as client,
        ):
            pixels = image(side).persist()
            wait(pixels)
            som = hopsom.SOM(*GRID, 3, init="samples", seed=1, backend="cpu")
            started = time.perf_counter()
            hd.train(som, pixels, epochs=epochs, sigma=3.0)
            train_seconds = time.perf_counter() - started
            started = time.perf_counter()
            _, patterns = hopsom.seed_patterns()
            table = hd.sweep(
                patterns, noise=range(0, 51, 10), trials=trials, backend="cpu"
            )
            sweep_seconds = time.perf_counter() - started
            run = {
                "workers": workers,
                "epoch_seconds": train_seconds / (epochs + 1),
                "sweep_seconds": sweep_seconds,
            }
            if workers == 1:
                # One process on one worker, with the image gathered there: the baseline.
                whole = client.submit(lambda a: np.asarray(a), pixels)
                local, codebook = client.submit(local_epochs, whole, epochs).result()
                sweep_local, rows = client.submit(local_sweep, trials).result()
                figures["one_process"] = {
                    "epoch_seconds": local / (epochs + 1),
                    "sweep_seconds": sweep_local,
                }
                figures["equal"] = {
                    "codebook_max_abs_difference": float(
                        np.abs(codebook - som.codebook).max()
                    ),
                    "sweep_table_identical": rows == json.dumps(table.rows()),
                }
            figures["runs"].append(run)
    base = figures["one_process"]
    for run in figures["runs"]:
        run["epoch_speedup"] = base["epoch_seconds"] / run["epoch_seconds"]
        run["sweep_speedup"] = base["sweep_seconds"] / run["sweep_seconds"]
    one = figures["runs"][0]
    figures["overhead_per_epoch_seconds"] = one["epoch_seconds"] - base["epoch_seconds"]
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as file:
            json.dump(figures, file, indent=2)


if __name__ == "__main__":
    main()
