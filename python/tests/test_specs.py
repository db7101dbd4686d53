"""A run is described once, in the library: every default of the package's signatures is the
library's, and every option of a spec is a keyword of the calls that run it."""

import inspect

import numpy as np
import pytest

import hopsom
import hopsom.dask

# The options a front end adds (they are not the library's): where results go and how work is
# split, and the index of a probe in `corrupt`.
FRONT_END = {"progress", "as_frame", "parts", "trial", "index"}


def options_of(*specs):
    return set().union(*(hopsom._hopsom.defaults(spec) for spec in specs))


SHARED_TRAINING = {"neighbourhood", "metric", "init", "seed"}
BATCH_UNREAD = {"mode", "lr", "lr_end", "shuffle", "iterations", "extra_winner_update"}

# Each call, the specs whose options it takes, and the options of those specs it leaves out.
CALLS = [
    (hopsom.Hopfield.__init__, ["hopfield", "backend"], set()),
    (hopsom.Hopfield.recall, ["recall"], set()),
    # Energy reads the thresholds only.
    (hopsom.Hopfield.energy, ["energy"], options_of("energy") - {"threshold"}),
    # A sweep keeps tallies, not trajectories (it refuses them).
    (hopsom.Hopfield.sweep, ["sweep"], {"trajectory"}),
    (hopsom.sweep, ["sweep", "hopfield", "backend"], {"trajectory"}),
    (hopsom.dask.sweep, ["sweep", "hopfield", "backend"], {"trajectory"}),
    (hopsom.capacity, ["capacity", "backend"], set()),
    (hopsom.dask.capacity, ["capacity", "backend"], set()),
    (hopsom.corrupt, ["recall"], options_of("recall") - {"seed"}),
    # The constructor holds the training options every training shares; the rest are train's.
    (hopsom.SOM.__init__, ["som", "train", "backend"], options_of("train") - SHARED_TRAINING),
    (hopsom.SOM.train, ["train"], SHARED_TRAINING),
    (hopsom.dask.train, ["train"], SHARED_TRAINING | BATCH_UNREAD),
    (hopsom.cluster_colours, ["cluster", "backend"], set()),
    (hopsom.ModernHopfield.__init__, ["modern", "backend"], set()),
    (hopsom.ModernHopfield.retrieve, ["retrieve"], set()),
    (hopsom.modern_sweep, ["modern_sweep", "backend"], set()),
]


def same(ours, library):
    """Equal as the library reads them: sequences item by item, float32 options to float32."""
    if isinstance(ours, (range, tuple, list)):
        ours = [list(v) if isinstance(v, tuple) else v for v in ours]
        return np.allclose(np.asarray(ours, dtype=float), np.asarray(library, dtype=float))
    if isinstance(ours, float) and isinstance(library, float):
        return np.float32(ours) == np.float32(library)
    return ours == library and type(ours) is type(library)


@pytest.mark.parametrize(
    "call, specs, left_out", CALLS, ids=lambda c: getattr(c, "__qualname__", None)
)
def test_signature_defaults_are_the_librarys(call, specs, left_out):
    library = {}
    for spec in specs:
        library.update(hopsom._hopsom.defaults(spec))
    parameters = inspect.signature(call).parameters
    for name, parameter in parameters.items():
        if parameter.default is inspect.Parameter.empty or name in FRONT_END:
            continue
        assert name in library, f"{call.__qualname__}({name}=…) is no option of {specs}"
        assert same(parameter.default, library[name]), f"{call.__qualname__}({name}=…)"
    missing = set(library) - set(parameters) - left_out
    assert not missing, f"{call.__qualname__} lacks the options {sorted(missing)}"


def test_every_option_has_a_home():
    # A keyword that no spec reads is refused, naming it: signatures and specs cannot drift.
    with pytest.raises(hopsom.InvalidType, match="frobnicate: not an option here"):
        hopsom._hopsom.checked("recall", {"frobnicate": 1})


def test_checked_options_are_canonical():
    checked = hopsom._hopsom.checked(
        "train", {"neighbourhood": "mexican_hat", "mode": "online", "schedule": "minisom"}
    )
    assert (checked["neighbourhood"], checked["schedule"]) == ("mexican-hat", "asymptotic")
    assert hopsom._hopsom.checked("som", {"dim": 3, "topology": "hexagonal"})["topology"] == "hex"
