"""Every failure a call can raise is a HopsomError subclass of the built-in users catch, one line
naming the keyword: argument conversion included, nothing coerced silently."""

import re

import numpy as np
import pytest

import hopsom
import hopsom.dask

PATTERNS = np.where(np.random.default_rng(1).random((3, 40)) < 0.5, -1, 1)
DATA = np.random.default_rng(2).random((60, 3))
IMAGE = (np.random.default_rng(3).random((8, 9, 3)) * 255).astype(np.uint8)


def hopfield():
    return hopsom.Hopfield(PATTERNS, backend="cpu")


def som():
    return hopsom.SOM(4, 3, 3, backend="cpu")


def modern():
    return hopsom.ModernHopfield(DATA, beta=2.0, backend="cpu")


# (call, keyword, value, the exception class, what the message says after "keyword=value: ")
CASES = [
    # Whole numbers: negative, beyond their range, fractional, float, bool, None, str, object.
    (
        lambda v: hopfield().recall(PATTERNS, seed=v),
        "seed",
        -1,
        hopsom.InvalidArgument,
        "whole number",
    ),
    (
        lambda v: hopfield().recall(PATTERNS, seed=v),
        "seed",
        2**64,
        hopsom.InvalidArgument,
        "2**64 - 1",
    ),
    (
        lambda v: hopfield().recall(PATTERNS, seed=v),
        "seed",
        1.5,
        hopsom.InvalidArgument,
        "whole number",
    ),
    (
        lambda v: hopfield().recall(PATTERNS, max_sweeps=v),
        "max_sweeps",
        2.0,
        hopsom.InvalidArgument,
        "whole number",
    ),
    (lambda v: hopfield().sweep(trials=v), "trials", True, hopsom.InvalidType, "whole number"),
    (lambda v: hopfield().sweep(trials=v), "trials", None, hopsom.InvalidType, "whole number"),
    (lambda v: som().train(DATA, epochs=v), "epochs", "10", hopsom.InvalidType, "whole number"),
    (lambda v: som().train(DATA, epochs=v), "epochs", -1, hopsom.InvalidArgument, "whole number"),
    (lambda v: hopsom.SOM(v, 3, 3), "width", -1, hopsom.InvalidArgument, "whole number"),
    (lambda v: hopsom.capacity(v, [0.1]), "neurons", object(), hopsom.InvalidType, "whole number"),
    (
        lambda v: modern().retrieve(DATA, steps=v),
        "steps",
        -1,
        hopsom.InvalidArgument,
        "whole number",
    ),
    # Real numbers: complex, str, None, bool, beyond float32.
    (
        lambda v: hopfield().recall(PATTERNS, threshold=v),
        "threshold",
        1j,
        hopsom.InvalidType,
        "a number",
    ),
    (
        lambda v: hopfield().recall(PATTERNS, temperature=v),
        "temperature",
        "hot",
        hopsom.InvalidType,
        "real number",
    ),
    (lambda v: som().train(DATA, cutoff=v), "cutoff", None, hopsom.InvalidType, "real number"),
    (lambda v: som().train(DATA, cutoff=v), "cutoff", True, hopsom.InvalidType, "real number"),
    (
        lambda v: modern().retrieve(DATA, tolerance=v, until_converged=True),
        "tolerance",
        1e300,
        hopsom.InvalidArgument,
        "float32",
    ),
    # Names: unknown, None, a callable, a number.
    (
        lambda v: hopfield().recall(PATTERNS, mode=v),
        "mode",
        "fast",
        hopsom.InvalidArgument,
        "use sync or async",
    ),
    (
        lambda v: hopfield().recall(PATTERNS, mode=v),
        "mode",
        None,
        hopsom.InvalidType,
        "use sync or async",
    ),
    (lambda v: hopsom.Hopfield(PATTERNS, rule=v), "rule", print, hopsom.InvalidType, "use hebbian"),
    (
        lambda v: hopsom.SOM(4, 3, 3, neighbourhood=v),
        "neighbourhood",
        "gauss",
        hopsom.InvalidArgument,
        "use gaussian",
    ),
    (
        lambda v: hopsom.Hopfield(PATTERNS, interaction=v),
        "interaction",
        3,
        hopsom.InvalidType,
        "poly:N",
    ),
    (
        lambda v: hopsom.Hopfield(PATTERNS, backend=v),
        "backend",
        "tpu",
        hopsom.InvalidArgument,
        "use auto, gpu or cpu",
    ),
    # Switches.
    (
        lambda v: hopfield().recall(PATTERNS, self_coupling=v),
        "self_coupling",
        "yes",
        hopsom.InvalidType,
        "True or False",
    ),
    (
        lambda v: som().train(DATA, mode="online", shuffle=v),
        "shuffle",
        1,
        hopsom.InvalidType,
        "True or False",
    ),
    # Lists.
    (lambda v: hopfield().sweep(noise=v), "noise", "0:100:5", hopsom.InvalidType, "sequence"),
    (lambda v: hopfield().sweep(noise=v), "noise", [10, "x"], hopsom.InvalidType, "item 1 ('x')"),
    (
        lambda v: hopsom.cluster_colours(IMAGE, colors=v),
        "colors",
        [(1, 2)],
        hopsom.InvalidArgument,
        "3 numbers",
    ),
    # Options that the run would not read.
    (
        lambda v: som().train(DATA, mode="online", schedule="asymptotic", lr_end=v),
        "lr_end",
        0.1,
        hopsom.InvalidArgument,
        "no end value",
    ),
    (
        lambda v: som().train(DATA, lr=v),
        "lr",
        0.1,
        hopsom.InvalidArgument,
        "does nothing in batch mode",
    ),
    (
        lambda v: modern().retrieve(DATA, max_steps=v),
        "max_steps",
        5,
        hopsom.InvalidArgument,
        "unless stepping until convergence",
    ),
    # Callables.
    (
        lambda v: hopfield().recall(PATTERNS, progress=v),
        "progress",
        42,
        hopsom.InvalidType,
        "callable",
    ),
    (lambda v: som().train(DATA, progress=v), "progress", "bar", hopsom.InvalidType, "callable"),
    # Dask's own options.
    (
        lambda v: hopsom.dask.sweep(PATTERNS, trials=4, parts=v, backend="cpu"),
        "parts",
        0,
        hopsom.InvalidArgument,
        "at least 1",
    ),
    (
        lambda v: hopsom.dask.sweep(PATTERNS, trials=4, parts=v, backend="cpu"),
        "parts",
        1.5,
        hopsom.InvalidType,
        "whole number",
    ),
]


@pytest.mark.parametrize("call, keyword, value, error, allowed", CASES)
def test_a_bad_argument_raises_its_hopsom_error_naming_the_keyword(
    call, keyword, value, error, allowed
):
    with pytest.raises(error) as caught:
        call(value)
    message = str(caught.value)
    assert isinstance(caught.value, hopsom.HopsomError)
    assert "\n" not in message
    assert message.startswith(f"{keyword}="), message
    assert allowed in message, message


def test_the_exception_classes_are_the_builtins_users_catch():
    assert issubclass(hopsom.InvalidType, TypeError) and issubclass(hopsom.InvalidType, ValueError)
    assert issubclass(hopsom.InvalidArgument, ValueError)
    assert issubclass(hopsom.TooLarge, MemoryError)
    for cls in (hopsom.InvalidType, hopsom.InvalidData, hopsom.TooLarge, hopsom.NoAdapter):
        assert issubclass(cls, hopsom.HopsomError)


# Arrays: what holds no real numbers is refused by name; what is too large, before any copy.
ARRAYS = [
    (lambda: hopsom.Hopfield(np.array([["a", "b"]])), hopsom.InvalidType, "patterns"),
    (lambda: hopsom.Hopfield(np.array([[1, -1]], dtype=object)), hopsom.InvalidType, "patterns"),
    (lambda: som().train(DATA + 1j), hopsom.InvalidType, "complex"),
    (lambda: hopsom.ModernHopfield(DATA.astype(complex), beta=1), hopsom.InvalidType, "complex"),
    (lambda: hopsom.cluster_colours(IMAGE / 255.0), hopsom.InvalidData, "uint8"),
    (lambda: som().segment(IMAGE.astype(np.int32)), hopsom.InvalidData, "not int32"),
    (lambda: hopsom.Hopfield([[1, -1], [1]]), hopsom.InvalidType, "patterns"),
    (lambda: hopfield().recall(PATTERNS[:, :10]), hopsom.InvalidData, "probes have 10 neurons"),
    (lambda: hopfield().energy(np.zeros((2, 40), dtype=np.int8)), hopsom.InvalidData, "+1 and -1"),
    # 2**40 elements as a view: refused before a copy is attempted.
    (
        lambda: hopsom.Hopfield(np.broadcast_to(np.int64(1), (1 << 20, 1 << 20))),
        hopsom.TooLarge,
        "patterns",
    ),
    (lambda: som().train(np.broadcast_to(0.5, (1 << 38, 3))), hopsom.TooLarge, "data"),
]


@pytest.mark.parametrize("call, error, named", ARRAYS)
def test_a_bad_array_raises_its_hopsom_error(call, error, named):
    with pytest.raises(error, match=re.escape(named)):
        call()


def test_bool_data_is_zeros_and_ones():
    data = np.random.default_rng(4).random((50, 3)) > 0.5
    as_bool = hopsom.SOM(3, 3, 3, backend="cpu")
    as_float = hopsom.SOM(3, 3, 3, backend="cpu")
    as_bool.train(data, epochs=2)
    as_float.train(data.astype(np.float64), epochs=2)
    np.testing.assert_array_equal(as_bool.codebook, as_float.codebook)
