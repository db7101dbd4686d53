//! Energies: E = −½ sᵀWs + Σ θᵢsᵢ (the diagonal's constant included when a rule keeps it), in
//! exact integer terms for the classical network, through the dense memories' tables otherwise;
//! of any state, and after every flip of a recorded trajectory.

use super::check_states;
use super::dense_memory;
use super::dynamics::{Dynamics, EnergyTerms};
use super::spec::RecallParams;
use crate::error::Result;
use crate::hopfield::network::{FieldTracker, HopfieldNetwork};

/// The energy terms of `state`.
pub(crate) fn energy_terms(
    network: &HopfieldNetwork,
    dynamics: &Dynamics,
    state: &[i8],
) -> EnergyTerms {
    EnergyTerms {
        quadratic: network.quadratic(state),
        threshold: threshold_term(dynamics, state),
    }
}

impl EnergyTerms {
    /// The terms of `state` from its off-diagonal `fields`, already known (synchronous recall).
    pub(crate) fn from_fields(dynamics: &Dynamics, state: &[i8], fields: &[i32]) -> EnergyTerms {
        EnergyTerms {
            quadratic: state
                .iter()
                .zip(fields)
                .map(|(&s, &h)| i64::from(s) * i64::from(h))
                .sum(),
            threshold: threshold_term(dynamics, state),
        }
    }
}

/// Σ θ_i s_i in units of 1/THRESHOLD_UNITS.
fn threshold_term(dynamics: &Dynamics, state: &[i8]) -> i64 {
    state
        .iter()
        .zip(&dynamics.rules)
        .map(|(&s, rule)| i64::from(s) * i64::from(rule.theta_fixed))
        .sum()
}

/// The energy after every flip of a recorded trajectory, the initial state's first.
pub fn trajectory_energies(
    network: &HopfieldNetwork,
    params: &RecallParams,
    initial: &[i8],
    flips: &[u32],
) -> Result<Vec<f64>> {
    if !network.interaction().is_quadratic() {
        return dense_memory::trajectory_energies(network, params, initial, flips);
    }
    let dynamics = params.checked(network)?;
    let mut state = initial.to_vec();
    let mut terms = energy_terms(network, &dynamics, &state);
    let mut fields = FieldTracker::new(network, &state);
    let mut energies = Vec::with_capacity(flips.len() + 1);
    energies.push(terms.energy(network));
    for &neuron in flips {
        let i = neuron as usize;
        let updated = -state[i];
        let field = fields.field(&state, i);
        state[i] = updated;
        fields.flipped(i, updated);
        terms.quadratic += 4 * i64::from(updated) * i64::from(field);
        terms.threshold += 2 * i64::from(updated) * i64::from(dynamics.rules[i].theta_fixed);
        energies.push(terms.energy(network));
    }
    Ok(energies)
}

/// The energy of every state of `states` (flat, `network.neurons()` values each) under `params`'
/// interaction and thresholds; the tables of a dense interaction are built once for them all.
pub fn state_energies(
    network: &HopfieldNetwork,
    params: &RecallParams,
    states: &[i8],
) -> Result<Vec<f64>> {
    let n = network.neurons();
    check_states(network, "states", states)?;
    if !network.interaction().is_quadratic() {
        return dense_memory::state_energies(network, params, states);
    }
    let dynamics = params.checked(network)?;
    Ok(states
        .chunks_exact(n)
        .map(|state| energy_terms(network, &dynamics, state).energy(network))
        .collect())
}

/// The states of a recorded trajectory, the initial state first and then one after every flip.
pub fn trajectory_states(initial: &[i8], flips: &[u32]) -> Vec<Vec<i8>> {
    let mut state = initial.to_vec();
    let mut states = Vec::with_capacity(flips.len() + 1);
    states.push(state.clone());
    for &neuron in flips {
        state[neuron as usize] = -state[neuron as usize];
        states.push(state.clone());
    }
    states
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hopfield::recall::Thresholds;

    #[test]
    fn state_energies_are_the_energies_of_trajectories_that_start_there() {
        let stored = crate::hopfield::capacity::random_patterns(
            30,
            6,
            &crate::rng::StreamKey::new(4, crate::rng::Domain::Patterns, &[0]),
        )
        .unwrap();
        use crate::hopfield::Interaction;
        for interaction in [
            Interaction::Quadratic,
            Interaction::Poly(3),
            Interaction::Exp,
        ] {
            let network = HopfieldNetwork::factored(&stored)
                .unwrap()
                .with_interaction(interaction);
            let params = RecallParams {
                thresholds: Thresholds::Uniform(if interaction == Interaction::Exp {
                    0.0
                } else {
                    0.75
                }),
                ..Default::default()
            };
            let energies = state_energies(&network, &params, stored.states()).unwrap();
            for (state, energy) in stored.iter().zip(energies) {
                let start = trajectory_energies(&network, &params, state, &[]).unwrap()[0];
                assert_eq!(energy, start, "{interaction}");
            }
        }
    }
}
