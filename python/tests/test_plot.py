"""hopsom.plot: every picture is a matplotlib Figure drawn from the object's own numbers."""

import io

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure

import hopsom
import hopsom.plot

RNG = np.random.default_rng(8)
DATA = RNG.random((300, 3))


def png(fig):
    assert isinstance(fig, Figure)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


@pytest.mark.parametrize("topology", ["rect", "hex"])
def test_map_pictures(topology):
    som = hopsom.SOM(6, 4, 3, topology=topology, backend="cpu")
    som.train(DATA, epochs=3)
    for fig in (
        hopsom.plot.umatrix(som),
        hopsom.plot.component_planes(som, names="RGB"),
        hopsom.plot.hit_map(som, DATA),
    ):
        png(fig)
        drawn = fig.axes[0].collections if topology == "hex" else fig.axes[0].images
        assert drawn, topology
        if topology == "hex":
            assert isinstance(drawn[0], PatchCollection)
            assert len(drawn[0].get_paths()) == 24
    planes = hopsom.plot.component_planes(som)
    # Three planes, each with its colour bar.
    assert len(planes.axes) == 6
    np.testing.assert_array_equal(
        hopsom.plot.hit_map(som, DATA).axes[0].get_children()[0].get_array().ravel(),
        som.hits(DATA).ravel(),
    )


def test_labels_map_names_the_majority_of_each_node():
    som = hopsom.SOM(3, 3, 3, backend="cpu")
    som.train(DATA, epochs=3)
    labels = np.where(DATA[:, 0] > 0.5, "red", "dark")
    fig = hopsom.plot.labels_map(som, DATA, labels)
    png(fig)
    written = [t.get_text() for t in fig.axes[0].texts]
    assert len(written) == int((som.hits(DATA) > 0).sum())
    assert set(written) <= {"red", "dark"}
    with pytest.raises(hopsom.InvalidArgument, match="labels"):
        hopsom.plot.labels_map(som, DATA, labels[:5])


def test_hopfield_and_modern_pictures():
    _, patterns = hopsom.seed_patterns()
    net = hopsom.Hopfield(patterns, backend="cpu")
    probes = np.stack([hopsom.corrupt(p, 30, seed=1, index=k) for k, p in enumerate(patterns)])
    recall = net.recall(probes, seed=1)
    fig = hopsom.plot.energy_trajectory(recall, names=["batman", "A", "Z"])
    png(fig)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 3
    np.testing.assert_array_equal(lines[0].get_ydata(), recall.energies[0])
    table = hopsom.capacity(120, [0.05, 0.1, 0.15], trials=3, backend="cpu")
    fig = hopsom.plot.capacity_curve(table)
    png(fig)
    assert [line.get_label() for line in fig.axes[0].get_lines()][-1] == "theory"
    stored = RNG.normal(size=(5, 12))
    retrieval = hopsom.ModernHopfield(stored, beta=3.0, backend="cpu").retrieve(stored[:2])
    fig = hopsom.plot.attention(retrieval)
    png(fig)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), retrieval.attention)


def test_an_untrained_map_is_refused():
    with pytest.raises(hopsom.InvalidArgument, match="no weights"):
        hopsom.plot.umatrix(hopsom.SOM(3, 3, 3, backend="cpu"))
