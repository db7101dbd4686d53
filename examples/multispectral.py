"""A multispectral image, segmented by a self-organizing map from Python and from the command
line: a synthetic 8-band float scene of four materials (each its own spectrum, with noise) is
made, saved as scene.npy, learned by a 4 x 4 map, segmented (each pixel's winning node, and the
scene with every pixel replaced by its node's spectrum, in float64 as given), and the map saved
as model.npz for `hopsom som segment --model model.npz --image scene.npy`.

    python examples/multispectral.py [OUT]      (default hopsom-out/multispectral)
"""

import os
import sys

import hopsom
import numpy as np


def scene(height=48, width=64, bands=8, materials=4, seed=5):
    """The scene (height x width x bands, float64) and each pixel's material: four quadrants."""
    rng = np.random.default_rng(seed)
    spectra = rng.random((materials, bands))
    rows, columns = np.mgrid[0:height, 0:width]
    material = (rows * 2 // height) * 2 + (columns * 2 // width)
    return spectra[material] + rng.normal(
        scale=0.02, size=(height, width, bands)
    ), material


def main(out="hopsom-out/multispectral"):
    os.makedirs(out, exist_ok=True)
    image, material = scene()
    np.save(os.path.join(out, "scene.npy"), image)
    som = hopsom.SOM(4, 4, image.shape[2], init="pca", seed=3)
    som.train(image, epochs=10)
    labels, segmented = som.segment(image)
    som.save(os.path.join(out, "model.npz"))
    np.save(os.path.join(out, "labels.npy"), labels)
    # A node is pure when every pixel it won is of one material.
    pure = all(len(set(material[labels == node])) == 1 for node in np.unique(labels))
    print(
        f"{image.shape[0]}x{image.shape[1]} pixels of {image.shape[2]} bands ({segmented.dtype}):"
        f" {len(np.unique(labels))} nodes used, each of one material: {pure};"
        f" QE {som.quantization_error(image):.4f}. Wrote scene.npy, labels.npy and model.npz"
        f" in {out}"
    )
    return image, material, labels, segmented


if __name__ == "__main__":
    main(*sys.argv[1:])
