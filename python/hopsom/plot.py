"""Pictures for notebooks (``pip install "./python[plot]"``, matplotlib): each function takes a
hopsom object (or a result) and returns a matplotlib ``Figure``, drawn on hexagons for hexagonal
maps, for a notebook to show or ``fig.savefig`` to write.

    >>> import numpy as np, hopsom, hopsom.plot
    >>> som = hopsom.SOM(6, 4, 3, backend="cpu")
    >>> _ = som.train(np.random.default_rng(0).random((200, 3)), epochs=3)
    >>> fig = hopsom.plot.umatrix(som)
    >>> type(fig).__name__
    'Figure'
"""

import numpy as np

from .errors import InvalidArgument

try:
    from matplotlib.collections import PatchCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import RegularPolygon
except ImportError as missing:  # pragma: no cover - the extra is not installed
    raise ImportError(
        'hopsom.plot needs matplotlib: pip install "hopsom[plot]" (or matplotlib)'
    ) from missing

#: Vertical distance between hexagonal rows, in units of the distance between neighbours.
ROW_HEIGHT = np.sqrt(3) / 2


def _figure(width=5.0, height=4.0):
    return Figure(figsize=(width, height), layout="constrained")


def _map_values(ax, som, values, cmap="viridis", label=None):
    """``values`` (height x width) drawn on ``som``'s lattice into ``ax``, with a colour bar."""
    values = np.asarray(values, dtype=float)
    if som.topology == "hex":
        rows, columns = np.mgrid[0 : som.height, 0 : som.width]
        x = columns + 0.5 * (rows % 2)
        y = rows * ROW_HEIGHT
        cells = [
            RegularPolygon((cx, cy), numVertices=6, radius=1 / np.sqrt(3))
            for cx, cy in zip(x.ravel(), y.ravel())
        ]
        collection = PatchCollection(cells, cmap=cmap)
        collection.set_array(values.ravel())
        ax.add_collection(collection)
        ax.set_xlim(-0.6, som.width + 0.1)
        ax.set_ylim(som.height * ROW_HEIGHT, -ROW_HEIGHT)
        ax.set_aspect("equal")
        image = collection
    else:
        image = ax.imshow(values, cmap=cmap)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.figure.colorbar(image, ax=ax, label=label, shrink=0.8)
    return image


def _trained(som):
    if som.codebook is None:
        raise InvalidArgument("the map has no weights yet: train it or set its codebook first")


def umatrix(som):
    """The U-matrix of a :class:`hopsom.SOM`: each node's mean distance to its neighbours
    (light ridges separate clusters)."""
    _trained(som)
    fig = _figure()
    ax = fig.add_subplot()
    _map_values(ax, som, som.umatrix(), cmap="bone_r", label="mean distance to neighbours")
    ax.set_title(f"U-matrix, {som.width}x{som.height} {som.topology}")
    return fig


def component_planes(som, names=None, columns=4):
    """One plane per dimension of a :class:`hopsom.SOM`'s codebook, the weight of that
    dimension at each node; ``names`` labels the dimensions."""
    _trained(som)
    names = list(names) if names is not None else [f"dimension {d}" for d in range(som.dim)]
    if len(names) != som.dim:
        raise InvalidArgument(f"names: {len(names)} names for a map of {som.dim} dimensions")
    columns = max(1, min(columns, som.dim))
    rows = -(-som.dim // columns)
    fig = _figure(3.2 * columns, 2.8 * rows)
    for d, name in enumerate(names):
        ax = fig.add_subplot(rows, columns, d + 1)
        _map_values(ax, som, som.codebook[:, :, d], cmap="coolwarm")
        ax.set_title(str(name), fontsize=9)
    return fig


def hit_map(som, data):
    """How many samples of ``data`` each node of a :class:`hopsom.SOM` wins."""
    _trained(som)
    fig = _figure()
    ax = fig.add_subplot()
    _map_values(ax, som, som.hits(data), cmap="Blues", label="samples won")
    ax.set_title("hit map")
    return fig


def labels_map(som, data, labels):
    """Each node of a :class:`hopsom.SOM` coloured by the most common label among the samples
    of ``data`` it wins (``labels``, one per sample), the label written on it; nodes that win
    nothing stay white."""
    _trained(som)
    labels = np.asarray(labels)
    winners = np.asarray(som.winners(data)).ravel()
    if len(labels) != len(winners):
        raise InvalidArgument(f"labels: {len(labels)} labels for {len(winners)} samples")
    classes, indices = np.unique(labels, return_inverse=True)
    counts = np.zeros((som.width * som.height, len(classes)), dtype=np.int64)
    np.add.at(counts, (winners, indices), 1)
    majority = np.where(counts.sum(axis=1) > 0, counts.argmax(axis=1), -1)
    fig = _figure()
    ax = fig.add_subplot()
    values = np.ma.masked_less(majority.astype(float), 0).reshape(som.height, som.width)
    _map_values(ax, som, values, cmap="tab10", label="label")
    for node in np.flatnonzero(majority >= 0):
        row, column = divmod(int(node), som.width)
        x = column + (0.5 * (row % 2) if som.topology == "hex" else 0)
        y = row * (ROW_HEIGHT if som.topology == "hex" else 1)
        ax.text(x, y, str(classes[majority[node]]), ha="center", va="center", fontsize=7)
    ax.set_title("labels map")
    return fig


def energy_trajectory(recall, probes=None, names=None):
    """The energy of each probe of a :class:`hopsom.Recall` after every sweep (it never rises
    under asynchronous updates): all probes, or those whose indices ``probes`` lists;
    ``names`` labels the curves drawn."""
    chosen = range(len(recall.energies)) if probes is None else list(probes)
    if names is not None and len(names) != len(chosen):
        raise InvalidArgument(f"names: {len(names)} names for {len(chosen)} probes")
    fig = _figure()
    ax = fig.add_subplot()
    for k, probe in enumerate(chosen):
        energies = recall.energies[probe]
        label = None if names is None else names[k]
        ax.plot(np.arange(len(energies)), energies, marker="o", label=label)
    ax.set_xlabel("sweep")
    ax.set_ylabel("energy")
    ax.set_title("energy along recall")
    if names is not None:
        ax.legend(fontsize=8)
    return fig


def capacity_curve(table):
    """A capacity study (:func:`hopsom.capacity`'s table): the measured one-step error against
    the load P/N, with its standard error, beside the theory."""
    load = np.asarray(table["load"])
    measured = np.asarray(table["one_step_error"])
    fig = _figure()
    ax = fig.add_subplot()
    ax.errorbar(
        load,
        measured,
        yerr=np.asarray(table["one_step_error_stderr"]),
        marker="o",
        capsize=3,
        label="measured",
    )
    ax.plot(load, np.asarray(table["theory_one_step_error"]), linestyle="--", label="theory")
    ax.set_xlabel("load P/N")
    ax.set_ylabel("one-step error")
    if np.all(measured > 0):
        ax.set_yscale("log")
    ax.legend()
    ax.set_title("capacity against theory")
    return fig


def attention(retrieval):
    """The attention of a modern Hopfield :class:`hopsom.Retrieval`: each query's softmax
    weight on each stored pattern."""
    weights = np.asarray(retrieval.attention)
    fig = _figure()
    ax = fig.add_subplot()
    image = ax.imshow(weights, cmap="magma", vmin=0, vmax=1, aspect="auto")
    fig.colorbar(image, ax=ax, label="attention")
    ax.set_xlabel("stored pattern")
    ax.set_ylabel("query")
    ax.set_title("modern Hopfield attention")
    return fig


__all__ = [
    "attention",
    "capacity_curve",
    "component_planes",
    "energy_trajectory",
    "hit_map",
    "labels_map",
    "umatrix",
]
