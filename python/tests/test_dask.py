"""hopsom.dask on a LocalCluster of two worker processes: the single-process results, chunk for
chunk, with a worker lost mid-epoch and bad input answered as locally."""

import json
import os

import numpy as np
import pytest

import hopsom

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
zarr = pytest.importorskip("zarr")
hopsom_dask = pytest.importorskip("hopsom.dask")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def colours(count, seed):
    return np.random.default_rng(seed).random((count, 3), dtype=np.float32)


def image(height, width, seed):
    # Smooth colour fields with noise: clusters a map can find.
    rng = np.random.default_rng(seed)
    rows, columns = np.indices((height, width))
    base = np.stack([rows * 255 / height, columns * 255 / width, (rows + columns) % 97], axis=2)
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


def assert_close_to_local(distributed_som, local_som, got, want):
    # Only the float64 summation order differs (see hopsom.dask): the weights agree to float32
    # rounding, the measures to float64 rounding.
    np.testing.assert_allclose(distributed_som.codebook, local_som.codebook, rtol=2e-6, atol=1e-6)
    assert [r["epoch"] for r in got] == [r["epoch"] for r in want]
    for a, b in zip(got, want):
        assert a["qe"] == pytest.approx(b["qe"], rel=1e-9)
        assert a["te"] == pytest.approx(b["te"], abs=1e-9)
        assert (a["learning_rate"], a["sigma"]) == (b["learning_rate"], b["sigma"])


@pytest.mark.parametrize("init", ["random", "samples"])
def test_batch_training_equals_local_training(client, init):
    data = colours(5000, 1)
    local = hopsom.SOM(9, 7, 3, topology="hex", init=init, seed=5, backend="cpu")
    want = local.train(data, epochs=5, mode="batch")
    spread = hopsom.SOM(9, 7, 3, topology="hex", init=init, seed=5, backend="cpu")
    epochs = []
    got = hopsom_dask.train(
        spread, da.from_array(data, chunks=(700, 3)), epochs=5, progress=epochs.append
    )
    assert epochs == [1] * 5
    assert_close_to_local(spread, local, got, want)


def test_an_image_in_two_dimensional_chunks_trains_as_the_whole_image(client):
    photo = image(120, 90, 2)
    local = hopsom.SOM(6, 6, 3, init="samples", seed=3, backend="cpu")
    want = local.train(photo, epochs=3, mode="batch", sigma=2.0)
    spread = hopsom.SOM(6, 6, 3, init="samples", seed=3, backend="cpu")
    got = hopsom_dask.train(spread, da.from_array(photo, chunks=(50, 40, 3)), epochs=3, sigma=2.0)
    assert_close_to_local(spread, local, got, want)


def test_segmentation_streams_a_zarr_image_chunk_by_chunk(client, tmp_path):
    photo = image(200, 150, 4)
    som = hopsom.SOM(4, 3, 3, seed=1, backend="cpu")
    som.train(photo[::4, ::4], epochs=3)
    source = da.from_array(photo, chunks=(64, 48, 3))
    source.to_zarr(str(tmp_path / "photo.zarr"))
    stored = da.from_zarr(str(tmp_path / "photo.zarr"))
    assert stored.numblocks[:2] == (4, 4)
    labels, segmented = hopsom_dask.segment(som, stored)
    assert labels.chunks == stored.chunks[:2] and labels.dtype == np.uint32
    # Both written in one pass over the chunks.
    targets = [
        da.to_zarr(labels, str(tmp_path / "labels.zarr"), compute=False),
        da.to_zarr(segmented, str(tmp_path / "segmented.zarr"), compute=False),
    ]
    __import__("dask").compute(*targets)
    want_labels, want_segmented = som.segment(photo)
    assert np.array_equal(da.from_zarr(str(tmp_path / "labels.zarr")).compute(), want_labels)
    assert np.array_equal(da.from_zarr(str(tmp_path / "segmented.zarr")).compute(), want_segmented)


def test_a_distributed_sweep_is_the_local_table_byte_for_byte(client):
    _, patterns = hopsom.seed_patterns()
    options = {"noise": [0, 20, 35, 50], "trials": 37, "seed": 9, "backend": "cpu"}
    local = hopsom.sweep(patterns, **options)
    finished = []
    spread = hopsom_dask.sweep(patterns, parts=6, progress=finished.append, **options)
    assert finished == [1] * 6
    assert json.dumps(spread.rows()) == json.dumps(local.rows())


def test_a_distributed_capacity_study_is_the_local_table_byte_for_byte(client):
    options = {"loads": [0.05, 0.14], "trials": 7, "seed": 2, "mode": "sync", "backend": "cpu"}
    local = hopsom.capacity(300, **options)
    spread = hopsom_dask.capacity(300, parts=3, **options)
    assert json.dumps(spread.rows()) == json.dumps(local.rows())


def test_dense_memories_split_across_workers_give_the_local_tables(client):
    _, patterns = hopsom.seed_patterns()
    options = {"noise": [30, 50], "trials": 11, "seed": 4, "backend": "cpu"}
    local = hopsom.sweep(patterns, interaction="poly:3", **options)
    spread = hopsom_dask.sweep(patterns, parts=3, interaction="poly:3", **options)
    assert json.dumps(spread.rows()) == json.dumps(local.rows())
    options = {"loads": [1.0, 4.0], "trials": 4, "seed": 3, "mode": "sync", "backend": "cpu"}
    local = hopsom.capacity(60, interaction="repoly:3", **options)
    spread = hopsom_dask.capacity(60, parts=2, interaction="repoly:3", **options)
    assert json.dumps(spread.rows()) == json.dumps(local.rows())
    assert spread["interaction"] == ["repoly:3", "repoly:3"]


def _die_once(marker):
    """On a worker: the next batch partial kills this worker's process, once across the
    cluster (the marker file), as a machine lost mid-epoch would."""
    import hopsom.dask as module

    computed = module._partial

    def partial(*args):
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return computed(*args)
        os._exit(1)

    module._partial = partial


def test_a_worker_lost_mid_epoch_changes_nothing(client, tmp_path):
    data = colours(4000, 7)
    local = hopsom.SOM(8, 8, 3, seed=2, backend="cpu")
    want = local.train(data, epochs=3, mode="batch")
    marker = str(tmp_path / "died")
    client.run(_die_once, marker)
    spread = hopsom.SOM(8, 8, 3, seed=2, backend="cpu")
    got = hopsom_dask.train(spread, da.from_array(data, chunks=(500, 3)), epochs=3)
    assert os.path.exists(marker), "no worker was lost"
    assert_close_to_local(spread, local, got, want)
    client.wait_for_workers(2)


def test_bad_chunks_get_the_local_error(client):
    data = colours(3000, 3)
    data[1234, 1] = np.nan
    som = hopsom.SOM(4, 4, 3, backend="cpu")
    with pytest.raises(hopsom.InvalidData) as local:
        som.train(data, epochs=1)
    with pytest.raises(hopsom.InvalidData) as spread:
        hopsom_dask.train(hopsom.SOM(4, 4, 3, backend="cpu"), da.from_array(data, chunks=500))
    assert str(spread.value) == str(local.value)
    assert "sample 1234" in str(local.value)

    # A chunk whose samples are longer than the array declares.
    import dask

    wide = np.random.default_rng(5).random((100, 4), dtype=np.float32)
    good = da.from_array(colours(100, 4), chunks=50)
    lying = da.from_delayed(dask.delayed(wide), shape=(100, 3), dtype=np.float32)
    with pytest.raises(hopsom.InvalidData) as local:
        hopsom.SOM(4, 4, 3, backend="cpu").train(wide, epochs=1)
    som = hopsom.SOM(4, 4, 3, backend="cpu")
    som.codebook = np.zeros((4, 4, 3))
    with pytest.raises(hopsom.InvalidData) as spread:
        hopsom_dask.train(som, da.concatenate([good, lying]), epochs=1)
    assert str(spread.value) == str(local.value)


def test_bad_options_fail_before_any_task(client):
    data = da.from_array(colours(100, 1), chunks=50)
    with pytest.raises(hopsom.InvalidArgument, match="epochs=0"):
        hopsom_dask.train(hopsom.SOM(3, 3, 3, backend="cpu"), data, epochs=0)
    with pytest.raises(hopsom.InvalidArgument, match="trials=0"):
        hopsom_dask.sweep(hopsom.seed_patterns()[1], trials=0, backend="cpu")
    with pytest.raises(hopsom.InvalidArgument, match="init='pca'"):
        hopsom_dask.train(hopsom.SOM(3, 3, 3, init="pca", backend="cpu"), data)
