"""Sweeps and capacity studies: the same rows as the command line's JSON for the same seed."""

import json
import subprocess

import numpy as np
import pytest

import hopsom


def cli_json(binary, *args):
    output = subprocess.run(
        [binary, *args, "--backend", "cpu", "--json", "--quiet"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_sweep_rows_equal_the_command_line(hopsom_cli, tmp_path, mode):
    patterns = np.where(np.random.default_rng(8).random((3, 120)) < 0.5, -1, 1)
    np.save(tmp_path / "patterns.npy", patterns.astype(np.int8))
    cli = cli_json(
        hopsom_cli,
        *("hopfield", "sweep", "--patterns", str(tmp_path / "patterns.npy")),
        *("--noise", "10,30,45", "--trials", "40", "--mode", mode, "--seed", "4"),
    )
    table = hopsom.sweep(patterns, noise=[10, 30, 45], trials=40, mode=mode, seed=4, backend="cpu")
    rows = table.rows()
    assert len(rows) == len(cli["rows"]) == 9
    assert table.recalls_per_second > 0 and table.seconds > 0
    for got, want in zip(rows, cli["rows"]):
        del got["pattern_name"], want["pattern_name"]
        assert got == want


def test_capacity_rows_equal_the_command_line(hopsom_cli):
    cli = cli_json(
        hopsom_cli,
        *("hopfield", "capacity", "--neurons", "150", "--loads", "0.05,0.14,0.25"),
        *("--trials", "4", "--seed", "3"),
    )
    table = hopsom.capacity(150, [0.05, 0.14, 0.25], trials=4, seed=3, backend="cpu")
    assert table.rows() == cli["rows"]
    assert table["load"].tolist() == [0.05, 0.14, 0.25]


def test_progress_counts_every_recall_and_trial():
    patterns = np.where(np.random.default_rng(9).random((2, 50)) < 0.5, -1, 1)
    recalls = []
    hopsom.sweep(patterns, noise=[5, 20], trials=7, backend="cpu", progress=recalls.append)
    assert sum(recalls) == 2 * 2 * 7
    trials = []
    hopsom.capacity(60, [0.1, 0.2], trials=3, backend="cpu", progress=trials.append)
    assert sum(trials) == 2 * 3


def test_as_frame_needs_pandas_or_gives_a_frame():
    patterns = np.where(np.random.default_rng(10).random((2, 40)) < 0.5, -1, 1)
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError):
            hopsom.sweep(patterns, noise=[10], trials=2, backend="cpu", as_frame=True)
        return
    frame = hopsom.sweep(patterns, noise=[10], trials=2, backend="cpu", as_frame=True)
    assert list(frame["noise"]) == [10.0, 10.0]


@pytest.mark.parametrize(
    "call",
    [
        lambda: hopsom.capacity(0, [0.1]),
        lambda: hopsom.capacity(100, [0.1], trials=0),
        lambda: hopsom.capacity(100, [-1.0]),
        lambda: hopsom.sweep([[1, -1, 1]], noise=[150]),
        lambda: hopsom.sweep([[1, -1, 1]], noise=[10], trials=0),
    ],
)
def test_bad_study_arguments_raise(call):
    with pytest.raises(hopsom.HopsomError):
        call()
