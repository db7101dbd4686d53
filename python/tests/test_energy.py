"""The energy of a state is computed once, in the library: `Hopfield.energy`, the energies recall
reports and the definition agree for every learning rule, weight form, kept or zeroed diagonal,
interaction and threshold."""

import numpy as np
import pytest

import hopsom


def random_states(count, neurons, seed):
    rng = np.random.default_rng(seed)
    return np.where(rng.random((count, neurons)) < 0.5, -1, 1).astype(np.int8)


def definition(net, states, threshold):
    """E(s) straight from the definition, in float64."""
    states = states.astype(np.float64)
    interaction = net.interaction
    if interaction == "quadratic":
        # −½ sᵀWs with every weight, the diagonal included when the rule keeps it.
        quadratic = -0.5 * np.einsum("bi,ij,bj->b", states, net.weights, states)
    else:
        overlaps = states @ net.patterns.T.astype(np.float64)
        if interaction == "exp":
            # Reported scaled by e^−N, which keeps it finite.
            quadratic = -np.exp(overlaps - net.neurons).sum(axis=1)
        else:
            kind, power = interaction.split(":")
            terms = overlaps ** int(power)
            if kind == "repoly":
                terms = np.where(overlaps > 0, terms, 0.0)
            quadratic = -terms.sum(axis=1)
    return quadratic + threshold * states.sum(axis=1)


NETWORKS = [
    {"rule": "hebbian", "weights": "dense"},
    {"rule": "hebbian", "weights": "factored"},
    {"rule": "storkey"},
    {"rule": "pseudo-inverse"},
    {"rule": "pseudo-inverse", "keep_diagonal": True},
    {"interaction": "poly:3"},
    {"interaction": "repoly:4"},
    {"interaction": "exp"},
]


@pytest.mark.parametrize("options", NETWORKS, ids=lambda o: "-".join(map(str, o.values())))
@pytest.mark.parametrize("threshold", [0.0, 1.5])
def test_energy_recall_and_the_definition_agree(options, threshold):
    if options.get("interaction") == "exp" and threshold:
        pytest.skip("the exponential memory takes no thresholds")
    patterns = random_states(5, 40, 1)
    net = hopsom.Hopfield(patterns, backend="cpu", **options)
    states = random_states(7, 40, 2)
    energies = net.energy(states, threshold=threshold)
    # Recall reports the energy of the state it starts from first.
    recalled = net.recall(states, threshold=threshold, max_sweeps=1)
    assert [float(e[0]) for e in recalled.energies] == energies.tolist()
    assert energies == pytest.approx(definition(net, states, threshold), rel=1e-12, abs=1e-12)
    assert net.energy(states[0], threshold=threshold) == energies[0]


def test_a_kept_diagonal_counts_in_every_energy():
    # The pseudo-inverse rule's self-couplings add −½ Σ w_ii to every state's energy.
    patterns = random_states(3, 30, 4)
    kept = hopsom.Hopfield(patterns, rule="pseudo-inverse", keep_diagonal=True, backend="cpu")
    zeroed = hopsom.Hopfield(patterns, rule="pseudo-inverse", backend="cpu")
    shift = -0.5 * np.trace(kept.weights)
    assert kept.energy(patterns) == pytest.approx(zeroed.energy(patterns) + shift, rel=1e-12)
