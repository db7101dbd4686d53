//! The CPU twins of shaders/recall_sync.wgsl and shaders/recall_async.wgsl: the same updates in
//! the same order, so the final states, sweep counts and energies are identical.

use indicatif::ProgressBar;
use rayon::prelude::*;

use super::{Ending, EnergyTerms, IntegerThreshold, RecallOutcome, RecallParams, UpdateMode};
use crate::hopfield::network::HopfieldNetwork;
use crate::rng::StreamKey;

pub(super) fn recall_cpu(
    network: &HopfieldNetwork,
    probes: &[i8],
    keys: &[StreamKey],
    params: &RecallParams,
    threshold: IntegerThreshold,
    progress: &ProgressBar,
) -> Vec<RecallOutcome> {
    probes
        .par_chunks_exact(network.neurons())
        .zip(keys)
        .map(|(probe, key)| {
            let outcome = match params.mode {
                UpdateMode::Sync => recall_sync_probe(network, probe, params, threshold),
                UpdateMode::Async => recall_async_probe(network, probe, key, params, threshold),
            };
            progress.inc(1);
            outcome
        })
        .collect()
}

/// Twin of `sweep` + `finalize` in shaders/recall_sync.wgsl, for one probe.
pub(crate) fn recall_sync_probe(
    network: &HopfieldNetwork,
    initial: &[i8],
    params: &RecallParams,
    threshold: IntegerThreshold,
) -> RecallOutcome {
    let n = network.neurons();
    let mut state = initial.to_vec();
    let mut before: Vec<i8> = Vec::new();
    let mut fields = vec![0i32; n];
    let mut energy = Vec::new();
    let mut ending = Ending::SweepLimit;
    let mut sweeps = 0;
    for sweep in 0..params.max_sweeps {
        for (i, field) in fields.iter_mut().enumerate() {
            *field = network.field(&state, i);
        }
        energy.push(EnergyTerms {
            quadratic: state
                .iter()
                .zip(&fields)
                .map(|(&s, &h)| i64::from(s) * i64::from(h))
                .sum(),
            magnetisation: state.iter().map(|&s| i64::from(s)).sum(),
        });
        let updated: Vec<i8> = state
            .iter()
            .zip(&fields)
            .map(|(&s, &h)| {
                let input = if params.self_coupling {
                    h + i32::from(s)
                } else {
                    h
                };
                threshold.update(input, s)
            })
            .collect();
        let changed = updated != state;
        let back_to_before = sweep >= 1 && updated == before;
        before = std::mem::replace(&mut state, updated);
        sweeps = sweep + 1;
        if !changed {
            ending = Ending::FixedPoint;
            break;
        }
        if back_to_before {
            ending = Ending::TwoCycle;
            break;
        }
    }
    energy.push(network.energy_terms(&state));
    RecallOutcome {
        final_state: state,
        sweeps,
        ending,
        energy,
        flips: None,
    }
}

/// Twin of `recall` in shaders/recall_async.wgsl, for one probe.
pub(crate) fn recall_async_probe(
    network: &HopfieldNetwork,
    initial: &[i8],
    key: &StreamKey,
    params: &RecallParams,
    threshold: IntegerThreshold,
) -> RecallOutcome {
    let n = network.neurons();
    let mut state = initial.to_vec();
    let mut terms = network.energy_terms(&state);
    let mut energy = vec![terms];
    let mut flips = Vec::new();
    let mut order = Vec::with_capacity(n);
    let mut ending = Ending::SweepLimit;
    let mut sweeps = 0;
    for sweep in 0..params.max_sweeps {
        key.permutation(sweep, n, &mut order);
        let mut changed = false;
        for &neuron in &order {
            let i = neuron as usize;
            let field = network.field(&state, i);
            let old = state[i];
            let input = if params.self_coupling {
                field + i32::from(old)
            } else {
                field
            };
            let updated = threshold.update(input, old);
            if updated != old {
                state[i] = updated;
                terms.quadratic += 4 * i64::from(updated) * i64::from(field);
                terms.magnetisation += 2 * i64::from(updated);
                changed = true;
                if params.record_flips {
                    flips.push(neuron);
                }
            }
        }
        sweeps = sweep + 1;
        energy.push(terms);
        if !changed {
            ending = Ending::FixedPoint;
            break;
        }
    }
    RecallOutcome {
        final_state: state,
        sweeps,
        ending,
        energy,
        flips: params.record_flips.then_some(flips),
    }
}
