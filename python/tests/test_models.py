"""Models persist: pickle, copy.deepcopy and joblib round-trip every model object, ``save`` and
``hopsom.load`` write and read one versioned .npz file that numpy opens, and a map saved by
Python segments from the command line and the reverse."""

import copy
import json
import os
import pickle
import subprocess

import numpy as np
import pytest

import hopsom
from hopsom.minisom import MiniSom

RNG = np.random.default_rng(11)
DATA = RNG.random((300, 3))
PHOTO = (RNG.random((24, 30, 3)) * 255).astype(np.uint8)


def trained_som(**options):
    som = hopsom.SOM(6, 4, 3, backend="cpu", **options)
    som.train(DATA, epochs=3)
    return som


def hopfield():
    patterns = np.where(RNG.random((4, 64)) < 0.5, -1, 1)
    return hopsom.Hopfield(patterns, rule="pseudo-inverse", keep_diagonal=True, backend="cpu")


def modern():
    return hopsom.ModernHopfield(RNG.normal(size=(5, 16)), beta=4.0, normalize=True, backend="cpu")


def minisom():
    som = MiniSom(5, 4, 3, sigma=1.5, random_seed=3)
    som.train_random(DATA, 200)
    return som


def same_results(a, b):
    """Whether two models of one kind compute the same results."""
    if isinstance(a, hopsom.SOM):
        np.testing.assert_array_equal(a.codebook, b.codebook)
        np.testing.assert_array_equal(a.winners(DATA), b.winners(DATA))
        assert (a.topology, a.metric, a.seed) == (b.topology, b.metric, b.seed)
    elif isinstance(a, hopsom.Hopfield):
        probes = hopsom.corrupt(a.patterns[1], 10, seed=2)[None, :]
        np.testing.assert_array_equal(a.recall(probes).states, b.recall(probes).states)
        np.testing.assert_array_equal(a.energy(a.patterns), b.energy(b.patterns))
    elif isinstance(a, hopsom.ModernHopfield):
        queries = RNG.normal(size=(3, 16))
        np.testing.assert_array_equal(a.retrieve(queries).retrieved, b.retrieve(queries).retrieved)
    else:
        np.testing.assert_array_equal(a.get_weights(), b.get_weights())
        a.train_random(DATA, 50)
        b.train_random(DATA, 50)
        np.testing.assert_array_equal(a.get_weights(), b.get_weights())


MODELS = {"som": trained_som, "hopfield": hopfield, "modern": modern, "minisom": minisom}


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_pickle_deepcopy_and_joblib_round_trip(make, tmp_path):
    joblib = pytest.importorskip("joblib")
    model = make()
    joblib.dump(model, tmp_path / "model.joblib")
    for restored in (
        pickle.loads(pickle.dumps(model)),
        copy.deepcopy(model),
        joblib.load(tmp_path / "model.joblib"),
    ):
        same_results(copy.deepcopy(model), restored)


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_save_and_load_round_trip(make, tmp_path):
    model = make()
    path = tmp_path / "model.npz"
    model.save(path)
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".hopsom-")]
    with np.load(path) as archive:
        assert int(archive["version"]) == 1
        assert str(archive["format"]).startswith("hopsom-")
    loaded = hopsom.load(str(path), backend="cpu")
    assert type(loaded) is type(model)
    same_results(model, loaded)


def test_a_maps_file_is_plain_numpy():
    som = trained_som(topology="hex", toroidal=True, metric="cosine", seed=9)
    path = os.path.join(pytest.importorskip("tempfile").mkdtemp(), "map.npz")
    som.save(path)
    with np.load(path) as archive:
        np.testing.assert_array_equal(archive["codebook"], som.codebook)
        assert archive["codebook"].dtype == np.float32
        assert (str(archive["topology"]), bool(archive["toroidal"])) == ("hex", True)
        assert (str(archive["metric"]), int(archive["seed"])) == ("cosine", 9)
        assert int(archive["epochs_trained"]) == 3


def test_an_untrained_map_is_not_saved_but_pickles(tmp_path):
    som = hopsom.SOM(3, 3, 2, backend="cpu")
    with pytest.raises(hopsom.InvalidArgument, match="no weights"):
        som.save(tmp_path / "m.npz")
    assert pickle.loads(pickle.dumps(som)).codebook is None


def test_bad_files_are_refused_by_name(tmp_path):
    with pytest.raises(hopsom.HopsomIOError, match="missing.npz"):
        hopsom.load(tmp_path / "missing.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(hopsom.InvalidData, match="garbage.npz"):
        hopsom.load(garbage)
    newer = tmp_path / "newer.npz"
    np.savez(newer, format=np.str_("hopsom-som"), version=np.int64(2))
    with pytest.raises(hopsom.InvalidData, match="version 2"):
        hopsom.load(newer)
    other = tmp_path / "other.npz"
    np.savez(other, codebook=np.zeros((2, 2, 3)))
    with pytest.raises(hopsom.InvalidData, match="format"):
        hopsom.load(other)
    with pytest.raises(hopsom.InvalidArgument, match="decay_function"):
        MiniSom(3, 3, 2, decay_function=lambda v, t, m: v).save(tmp_path / "m.npz")


def cli(*args):
    binary = os.environ.get("HOPSOM_BIN")
    if not binary:
        pytest.skip("HOPSOM_BIN names the command line to compare with")
    done = subprocess.run([binary, *map(str, args)], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_map_crosses_between_python_and_the_command_line(tmp_path):
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.fromarray(PHOTO).save(photo)
    # The command line trains; Python loads its model.npz and segments as `som segment` does.
    cli(
        "som",
        "train",
        "--backend",
        "cpu",
        "--image",
        photo,
        "--grid",
        "4x3",
        "--topology",
        "hex",
        "--metric",
        "manhattan",
        "--epochs",
        "2",
        "--out",
        tmp_path / "train",
        "--quiet",
    )
    loaded = hopsom.load(tmp_path / "train" / "model.npz", backend="cpu")
    assert (loaded.topology, loaded.metric, loaded.epochs_trained) == ("hex", "manhattan", 2)
    np.testing.assert_array_equal(
        loaded.codebook.astype(np.float32), np.load(tmp_path / "train" / "codebook.npy")
    )
    cli(
        "som",
        "segment",
        "--backend",
        "cpu",
        "--model",
        tmp_path / "train" / "model.npz",
        "--image",
        photo,
        "--out",
        tmp_path / "segment",
        "--quiet",
    )
    labels, _ = loaded.segment(PHOTO)
    np.testing.assert_array_equal(labels, np.load(tmp_path / "segment" / "labels.npy"))
    # Python trains and saves; the command line segments from the file.
    som = hopsom.SOM(5, 5, 3, metric="chebyshev", seed=4, backend="cpu")
    som.train(PHOTO, epochs=2)
    som.save(tmp_path / "python.npz")
    out = json.loads(
        cli(
            "som",
            "segment",
            "--backend",
            "cpu",
            "--model",
            tmp_path / "python.npz",
            "--image",
            photo,
            "--out",
            tmp_path / "segment2",
            "--json",
        )
    )
    labels, _ = som.segment(PHOTO)
    np.testing.assert_array_equal(labels, np.load(tmp_path / "segment2" / "labels.npy"))
    assert out["qe"] == pytest.approx(som.quantization_error(PHOTO))


def test_dask_ships_a_trained_map_to_worker_processes():
    dask = pytest.importorskip("dask")
    som = trained_som()
    task = dask.delayed(lambda model, data: model.winners(data))(som, DATA)
    (winners,) = dask.compute(task, scheduler="processes")
    np.testing.assert_array_equal(winners, som.winners(DATA))
