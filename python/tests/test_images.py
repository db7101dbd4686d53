"""Images of any band count and depth: H x W x D of uint8, uint16, float32 or float64 train and
segment to their nearest nodes, come back in their own dtype, and do so through Dask too."""

import numpy as np
import pytest

import hopsom

RNG = np.random.default_rng(17)


def multispectral(height=48, width=64, bands=8, materials=4, seed=5):
    """A synthetic multispectral scene: ``materials`` regions, each with its own spectrum, plus
    noise; returns the image (float64) and each pixel's material."""
    rng = np.random.default_rng(seed)
    spectra = rng.random((materials, bands))
    rows, columns = np.mgrid[0:height, 0:width]
    material = (rows * 2 // height) * 2 + (columns * 2 // width)
    image = spectra[material] + rng.normal(scale=0.02, size=(height, width, bands))
    return image, material


def assert_nearest(som, image, labels, segmented):
    distances = som.distances(image)
    np.testing.assert_array_equal(labels, distances.argmin(axis=2))
    weights = som.codebook.reshape(-1, image.shape[2])[labels]
    if np.issubdtype(image.dtype, np.integer):
        info = np.iinfo(image.dtype)
        weights = np.clip(np.rint(weights), info.min, info.max)
    np.testing.assert_array_equal(segmented, weights.astype(image.dtype))
    assert segmented.dtype == image.dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_eight_band_float_image_finds_its_materials(dtype):
    image, material = multispectral()
    image = image.astype(dtype)
    som = hopsom.SOM(4, 4, 8, init="pca", seed=3, backend="cpu")
    som.train(image, epochs=10)
    labels, segmented = som.segment(image)
    assert_nearest(som, image, labels, segmented)
    # No node is shared by two materials: the map separates them.
    materials_of_node = {}
    for m, n in zip(material.ravel(), labels.ravel()):
        materials_of_node.setdefault(int(n), set()).add(int(m))
    assert all(len(found) == 1 for found in materials_of_node.values()), materials_of_node


@pytest.mark.parametrize("bands", [1, 3, 5])
def test_sixteen_bit_images_come_back_in_sixteen_bits(bands):
    image = (RNG.random((20, 30, bands)) * 65535).astype(np.uint16)
    som = hopsom.SOM(3, 3, bands, backend="cpu")
    som.train(image, epochs=3)
    labels, segmented = som.segment(image)
    assert_nearest(som, image, labels, segmented)


def test_uint8_images_of_other_band_counts():
    image = (RNG.random((10, 12, 4)) * 255).astype(np.uint8)
    som = hopsom.SOM(2, 3, 4, backend="cpu")
    som.train(image, epochs=2)
    assert_nearest(som, image, *som.segment(image))


def test_dask_trains_and_segments_any_image():
    da = pytest.importorskip("dask.array")
    import hopsom.dask

    image, _ = multispectral(bands=6)
    local = hopsom.SOM(3, 2, 6, backend="cpu")
    local.train(image, epochs=3)
    spread = hopsom.SOM(3, 2, 6, backend="cpu")
    chunked = da.from_array(image, chunks=(20, 25, 6))
    hopsom.dask.train(spread, chunked, epochs=3)
    np.testing.assert_allclose(spread.codebook, local.codebook, atol=1e-5)
    labels, segmented = hopsom.dask.segment(local, chunked)
    want_labels, want_segmented = local.segment(image)
    np.testing.assert_array_equal(labels.compute(), want_labels)
    np.testing.assert_array_equal(segmented.compute(), want_segmented)


def test_images_of_other_types_or_with_nan_are_refused_by_name():
    som = hopsom.SOM(2, 2, 3, backend="cpu")
    som.train(RNG.random((50, 3)), epochs=1)
    with pytest.raises(hopsom.InvalidData, match="not int32"):
        som.segment(np.zeros((4, 4, 3), dtype=np.int32))
    bad = np.zeros((4, 4, 3))
    bad[1, 2, 0] = np.nan
    with pytest.raises(hopsom.InvalidData, match="row 1, column 2"):
        som.segment(bad)
    with pytest.raises(hopsom.InvalidData, match="dimensions"):
        som.segment(np.zeros((4, 4, 5), dtype=np.float32))


def test_the_multispectral_example_runs_and_the_command_line_agrees(tmp_path):
    import json
    import os
    import runpy
    import subprocess

    example = runpy.run_path(
        os.path.join(os.path.dirname(__file__), "..", "..", "examples", "multispectral.py")
    )
    image, material, labels, segmented = example["main"](str(tmp_path))
    assert segmented.dtype == np.float64 and segmented.shape == image.shape
    for node in np.unique(labels):
        assert len(set(material[labels == node].tolist())) == 1
    binary = os.environ.get("HOPSOM_BIN")
    if not binary:
        pytest.skip("HOPSOM_BIN names the command line to compare with")
    done = subprocess.run(
        [
            binary,
            "som",
            "segment",
            "--backend",
            "cpu",
            "--model",
            str(tmp_path / "model.npz"),
            "--image",
            str(tmp_path / "scene.npy"),
            "--out",
            str(tmp_path / "cli"),
            "--json",
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["psnr"] is None
    np.testing.assert_array_equal(np.load(tmp_path / "cli" / "labels.npy"), labels)
    np.testing.assert_array_equal(np.load(tmp_path / "cli" / "segmented.npy"), segmented)
