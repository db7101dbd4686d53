//! The CPU twins of shaders/recall_sync.wgsl and shaders/recall_async.wgsl: the same updates in
//! the same order, so the final states, sweep counts and energies are identical. Asynchronous
//! recall of a factored network at temperature 0 takes a specialised loop (factored_async.rs)
//! that gives the same outcomes.

use crate::progress::Progress;
use rayon::prelude::*;

use super::factored_async::FactoredAsync;
use super::sync_batch::{recall_sync_products, ProductWeights, SyncRun, MIN_PROBES};
use super::{
    energy_terms, glauber_round, Dynamics, Ending, RecallOutcome, RecallParams, UpdateMode,
};
use crate::error::{Error, Result};
use crate::hopfield::network::{FieldTracker, HopfieldNetwork};
use crate::rng::{fill_draws, StreamKey};
use std::sync::atomic::Ordering::Relaxed;

/// The most probes recalled between advances of the progress bar.
const PROBES_PER_TICK: usize = 64;

pub(super) fn recall_cpu(
    network: &HopfieldNetwork,
    probes: &[i8],
    keys: &[StreamKey],
    params: &RecallParams,
    dynamics: &Dynamics,
    progress: &dyn Progress,
) -> Result<Vec<RecallOutcome>> {
    let batch = keys.len();
    if params.mode == UpdateMode::Sync && batch >= MIN_PROBES {
        if let Some(weights) = ProductWeights::of(network) {
            return recall_sync_products(
                network,
                &weights,
                probes,
                keys,
                params.max_sweeps,
                dynamics,
                progress,
            );
        }
    }
    let factored_async = match params.mode {
        UpdateMode::Async => FactoredAsync::new(network, dynamics),
        UpdateMode::Sync => None,
    };
    let recall_one = |(probe, key): (&[i8], &StreamKey)| match (params.mode, &factored_async) {
        (UpdateMode::Sync, _) => recall_sync_probe(network, probe, key, params, dynamics),
        (UpdateMode::Async, Some(fast)) => fast.recall(network, probe, key, params),
        (UpdateMode::Async, None) => recall_async_probe(network, probe, key, params, dynamics),
    };
    // The progress bar advances once a group: a recall of a small network takes a microsecond,
    // and a shared counter touched by every core once a recall would cost more. Groups stay small
    // enough for every core to get several, for the few probes of a large network.
    let n = network.neurons();
    let group_size = (keys.len() / (8 * rayon::current_num_threads())).clamp(1, PROBES_PER_TICK);
    // Once the listener asks to stop, the groups not yet started are skipped.
    let stopped = std::sync::atomic::AtomicBool::new(false);
    let outcomes = probes
        .par_chunks(n * group_size)
        .zip(keys.par_chunks(group_size))
        .flat_map_iter(|(group, group_keys)| {
            if stopped.load(Relaxed) || progress.cancelled() {
                stopped.store(true, Relaxed);
                return Vec::new();
            }
            let outcomes: Vec<RecallOutcome> = group
                .chunks_exact(n)
                .zip(group_keys)
                .map(recall_one)
                .collect();
            progress.advance(group_keys.len() as u64);
            outcomes
        })
        .collect();
    if stopped.load(Relaxed) {
        return Err(Error::Interrupted);
    }
    Ok(outcomes)
}

/// Twin of `sweep` + `finalize` in shaders/recall_sync.wgsl, for one probe, its fields computed
/// row by row (the batched path, sync_batch.rs, takes them from matrix products).
pub(crate) fn recall_sync_probe(
    network: &HopfieldNetwork,
    initial: &[i8],
    key: &StreamKey,
    params: &RecallParams,
    dynamics: &Dynamics,
) -> RecallOutcome {
    let n = network.neurons();
    let mut run = SyncRun::new(initial);
    let mut fields = vec![0i32; n];
    for sweep in 0..params.max_sweeps {
        let tracker = FieldTracker::new(network, run.state());
        for (i, field) in fields.iter_mut().enumerate() {
            *field = tracker.field(run.state(), i);
        }
        run.sweep(network, dynamics, key, sweep, &fields);
        if run.is_done() {
            break;
        }
    }
    run.finish(network, dynamics)
}

/// Twin of `begin_sweep` + `steps` + `end_sweep` in shaders/recall_async.wgsl, for one probe.
pub(crate) fn recall_async_probe(
    network: &HopfieldNetwork,
    initial: &[i8],
    key: &StreamKey,
    params: &RecallParams,
    dynamics: &Dynamics,
) -> RecallOutcome {
    let n = network.neurons();
    let mut state = initial.to_vec();
    let mut terms = energy_terms(network, dynamics, &state);
    let mut tracker = FieldTracker::new(network, &state);
    let mut energy = vec![terms.energy(network)];
    let mut flips = Vec::new();
    let mut order = Vec::with_capacity(n);
    let mut ending = Ending::SweepLimit;
    let mut sweeps = 0;
    // Glauber dynamics draws one number per neuron a sweep: all at once, eight blocks at a time.
    let glauber = dynamics.glauber_factor > 0.0;
    let mut draws = vec![0u32; if glauber { n } else { 0 }];
    for sweep in 0..params.max_sweeps {
        key.permutation(sweep, n, &mut order);
        if glauber {
            fill_draws(key, glauber_round(sweep), &mut draws);
        }
        let mut changed = false;
        for &neuron in &order {
            let i = neuron as usize;
            let rule = &dynamics.rules[i];
            if rule.clamped() {
                continue;
            }
            let field = tracker.field(&state, i);
            let old = state[i];
            let input = field + rule.self_weight * i32::from(old);
            let draw = if glauber { draws[i] } else { 0 };
            let updated = dynamics.update(rule, input, old, draw);
            if updated != old {
                state[i] = updated;
                tracker.flipped(i, updated);
                terms.quadratic += 4 * i64::from(updated) * i64::from(field);
                terms.threshold += 2 * i64::from(updated) * i64::from(rule.theta_fixed);
                changed = true;
                if params.record_flips {
                    flips.push(neuron);
                }
            }
        }
        sweeps = sweep + 1;
        energy.push(terms.energy(network));
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
