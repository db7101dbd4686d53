"""The SOM API: training equal to the command line's, the measures, errors, progress."""

import json
import subprocess

import numpy as np
import pytest

import hopsom


def colours(count, seed):
    return np.random.default_rng(seed).random((count, 3), dtype=np.float32)


@pytest.mark.parametrize("mode", ["batch", "online"])
def test_training_equals_the_command_line(hopsom_cli, tmp_path, mode):
    data = colours(500, 1)
    np.save(tmp_path / "data.npy", data)
    cli = json.loads(
        subprocess.run(
            [hopsom_cli, "som", "train", "--data", str(tmp_path / "data.npy"), "--grid", "6x4"]
            + ["--topology", "hex", "--mode", mode, "--epochs", "3", "--seed", "9"]
            + ["--backend", "cpu", "--json", "--out", str(tmp_path / "out")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    som = hopsom.SOM(6, 4, 3, topology="hex", seed=9, backend="cpu")
    epochs = som.train(data, epochs=3, mode=mode)
    want = np.load(tmp_path / "out" / "codebook.npy")
    assert som.codebook.shape == want.shape == (4, 6, 3)
    assert np.array_equal(som.codebook, want)
    assert [e["qe"] for e in epochs] == [e["qe"] for e in cli["epochs"]]
    assert som.quantization_error(data) == cli["qe"]
    assert som.topographic_error(data) == cli["te"]
    assert som.hits(data).ravel().tolist() == cli["hits"]
    assert 0 < som.training_seconds


def test_measures_agree_with_numpy():
    data = colours(300, 2)
    som = hopsom.SOM(5, 5, 3, seed=3, backend="cpu")
    som.train(data, epochs=5)
    codebook = som.codebook.reshape(-1, 3)
    distances = np.linalg.norm(data[:, None, :] - codebook[None, :, :], axis=2)
    winners = distances.argmin(axis=1)
    assert np.array_equal(som.winners(data), winners)
    qe = distances[np.arange(len(data)), winners].mean()
    assert abs(som.quantization_error(data) - qe) < 1e-5
    assert np.array_equal(som.hits(data).ravel(), np.bincount(winners, minlength=25))
    assert som.umatrix().shape == (5, 5)


def test_segmentation_of_an_image():
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    som = hopsom.SOM(3, 2, 3, seed=1, backend="cpu")
    som.train(image, epochs=2)
    labels, segmented = som.segment(image)
    assert labels.shape == (20, 30) and segmented.shape == (20, 30, 3)
    colours = np.clip(np.rint(som.codebook.reshape(-1, 3)), 0, 255).astype(np.uint8)
    assert np.array_equal(segmented, colours[labels])


def test_the_codebook_can_be_set_and_progress_is_reported():
    som = hopsom.SOM(4, 3, 2, backend="cpu")
    weights = np.arange(24, dtype=np.float64).reshape(3, 4, 2)
    som.codebook = np.asfortranarray(weights)
    assert np.array_equal(som.codebook, weights.astype(np.float32))
    calls = []
    som.train(colours(100, 5)[:, :2], epochs=4, progress=calls.append)
    assert calls == [1, 1, 1, 1]


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda som: som.train(np.full((10, 3), np.nan)), hopsom.InvalidData),
        (lambda som: som.train(np.zeros((10, 2))), hopsom.InvalidData),
        (lambda som: som.train(np.zeros((0, 3))), hopsom.InvalidData),
        (lambda som: som.train(colours(10, 1), epochs=0), hopsom.InvalidArgument),
        (lambda som: som.train(colours(10, 1), schedule="cosine"), hopsom.InvalidArgument),
        (lambda som: som.train(colours(10, 1), cutoff=2.0), hopsom.InvalidArgument),
        (lambda som: som.winners(colours(10, 1)), hopsom.InvalidArgument),
        (lambda som: setattr(som, "codebook", np.zeros((2, 2, 3))), hopsom.InvalidData),
    ],
)
def test_bad_input_raises(call, error):
    som = hopsom.SOM(3, 3, 3, backend="cpu")
    with pytest.raises(error):
        call(som)


def test_sizes_beyond_limits_are_refused():
    with pytest.raises(hopsom.TooLarge):
        hopsom.SOM(1 << 13, 1 << 13, 3)


def test_devices_lists_dicts():
    for device in hopsom.devices():
        assert {"name", "backend", "device_type", "limits"} <= set(device)


def test_colour_clustering_equals_the_command_line(hopsom_cli, tmp_path):
    from PIL import Image

    rng = np.random.default_rng(11)
    image = rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
    Image.fromarray(image).save(tmp_path / "photo.png")
    cli = json.loads(
        subprocess.run(
            [hopsom_cli, "som", "cluster", "--image", str(tmp_path / "photo.png")]
            + ["--epochs", "2,3", "--seed", "6", "--backend", "cpu", "--json", "--quiet"]
            + ["--out", str(tmp_path / "out")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    runs = hopsom.cluster_colours(image, epochs=[2, 3], seed=6, backend="cpu")
    assert [r["epochs"] for r in runs] == [2, 3]
    for k, (got, want) in enumerate(zip(runs, cli["runs"])):
        assert got["centers"].tolist() == want["centers"]
        assert got["distribution"].tolist() == want["pixel_distribution"]
        assert got["qe"] == want["qe"]
        labels = np.load(tmp_path / "out" / f"labels_{want['epochs']}.npy")
        assert np.array_equal(got["labels"], labels), k
        colours = np.clip(np.rint(got["centers"]), 0, 255).astype(np.uint8)
        assert np.array_equal(got["clustered"], colours[got["labels"]])


@pytest.mark.parametrize("topology", ["rect", "hex"])
@pytest.mark.parametrize("scaling", ["sum", "mean"])
def test_distance_map_equals_minisom_on_the_same_codebook(topology, scaling):
    minisom = pytest.importorskip("minisom")
    # An even number of rows: MiniSom's own hexagonal lattice then shifts the odd rows, as
    # hopsom's does (and its distance_map assumes).
    som = hopsom.SOM(7, 6, 3, topology=topology, seed=2, backend="cpu")
    som.train(colours(200, 3), epochs=3)
    theirs = minisom.MiniSom(7, 6, 3, topology="hexagonal" if topology == "hex" else "rectangular")
    theirs._weights = som.codebook.transpose(1, 0, 2).astype(np.float64)
    assert np.allclose(som.distance_map(scaling), theirs.distance_map(scaling), atol=1e-12)


def test_distance_map_of_equal_nodes_and_bad_scaling():
    som = hopsom.SOM(3, 2, 2, toroidal=True, backend="cpu")
    som.codebook = np.ones((2, 3, 2))
    assert np.array_equal(som.distance_map(), np.zeros((3, 2)))
    with pytest.raises(hopsom.InvalidArgument, match="scaling='max'"):
        som.distance_map("max")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda som: som.train(colours(10, 1), epochs=0), "epochs=0: must be at least 1"),
        (
            lambda som: som.train(colours(10, 1), mode="online", lr=-1),
            "lr=-1: must be a positive number",
        ),
        (
            lambda som: som.train(colours(10, 1), sigma_end=float("nan")),
            "sigma_end=NaN: must be 0 or more",
        ),
    ],
)
def test_errors_name_parameters_as_keyword_arguments(call, message):
    som = hopsom.SOM(3, 3, 3, backend="cpu")
    with pytest.raises(hopsom.InvalidArgument) as caught:
        call(som)
    assert str(caught.value) == message
    assert "--" not in str(caught.value)


def test_two_threads_train_at_once_with_the_gil_released():
    import threading
    import time

    data = colours(20000, 30)

    def make():
        return hopsom.SOM(16, 16, 3, seed=4, backend="cpu")

    alone = make()
    alone.train(data, epochs=3, mode="online")
    soms = [make(), make()]
    spans = [None, None]

    def work(k):
        started = time.perf_counter()
        soms[k].train(data, epochs=3, mode="online")
        spans[k] = (started, time.perf_counter())

    workers = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    ticks = 0
    for worker in workers:
        worker.start()
    while any(worker.is_alive() for worker in workers):
        ticks += 1
        time.sleep(0.001)
    # Both calls were under way at once, and the main thread ran Python meanwhile.
    (a_start, a_end), (b_start, b_end) = spans
    assert a_start < b_end and b_start < a_end
    assert ticks > 5
    # Running beside another call changes nothing.
    for som in soms:
        assert np.array_equal(som.codebook, alone.codebook)


def unaligned(array):
    """A copy of ``array`` at an odd address, as bytes from a socket or a file may arrive."""
    raw = np.zeros(array.nbytes + 1, dtype=np.uint8)
    copy = np.frombuffer(raw.data, dtype=array.dtype, count=array.size, offset=1)
    copy = copy.reshape(array.shape)
    copy[...] = array
    assert not copy.flags.aligned
    return copy


def test_unaligned_arrays_are_read_as_aligned_ones():
    data = colours(300, 40)
    som = hopsom.SOM(4, 4, 3, seed=1, backend="cpu")
    som.codebook = unaligned(np.full((4, 4, 3), 0.5, dtype=np.float32))
    som.train(unaligned(data), epochs=2)
    twin = hopsom.SOM(4, 4, 3, seed=1, backend="cpu")
    twin.codebook = np.full((4, 4, 3), 0.5, dtype=np.float32)
    twin.train(data, epochs=2)
    assert np.array_equal(som.codebook, twin.codebook)
    assert np.array_equal(som.winners(unaligned(data)), twin.winners(data))
    _, patterns = hopsom.seed_patterns()
    wide = patterns.astype(np.int64)
    net = hopsom.Hopfield(unaligned(wide), backend="cpu")
    assert net.recall(unaligned(wide)).endings == ["fixed_point"] * 3
