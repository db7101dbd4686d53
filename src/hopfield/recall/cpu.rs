//! The CPU twins of shaders/recall_sync.wgsl and shaders/recall_async.wgsl: the same updates in
//! the same order, so the final states, sweep counts and energies are identical. Asynchronous
//! recall of a factored network at temperature 0 takes a specialised loop (factored_async.rs)
//! that gives the same outcomes.

use rayon::prelude::*;

use super::dynamics::Trace;
use super::factored_async::FactoredAsync;
use super::sync_batch::{recall_sync_products, ProductWeights, SyncRun, MIN_PROBES};
use super::{
    energy::energy_terms, glauber_round, Dynamics, Probes, RecallEngine, RecallOutcome,
    RecallParams, UpdateMode,
};
use crate::error::Result;
use crate::hopfield::network::{FieldTracker, HopfieldNetwork};
use crate::progress::Progress;
use crate::rng::{fill_draws, StreamKey};

/// Recall on the CPU: the per-probe twins on every core, or for synchronous batches of a network
/// whose couplings fit as floats, matrix products (`sync_batch.rs`); asynchronous recall of a
/// small factored network at temperature 0 takes the specialised loop (`factored_async.rs`).
pub(super) struct CpuRecall<'a> {
    network: &'a HopfieldNetwork,
    params: &'a RecallParams,
    dynamics: Dynamics,
    factored_async: Option<FactoredAsync>,
    products: Option<ProductWeights>,
}

impl<'a> CpuRecall<'a> {
    pub(super) fn new(network: &'a HopfieldNetwork, params: &'a RecallParams) -> Result<Self> {
        let dynamics = params.checked(network)?;
        let (factored_async, products) = match params.mode {
            UpdateMode::Async => (FactoredAsync::new(network, &dynamics), None),
            UpdateMode::Sync => (None, ProductWeights::of(network)),
        };
        Ok(CpuRecall {
            network,
            params,
            dynamics,
            factored_async,
            products,
        })
    }

    fn recall_one(&self, probe: &[i8], key: &StreamKey, stop: &dyn Progress) -> RecallOutcome {
        match (self.params.mode, &self.factored_async) {
            (UpdateMode::Sync, _) => self.sync_probe(probe, key, stop),
            (UpdateMode::Async, Some(fast)) => {
                fast.recall(self.network, probe, key, self.params, stop)
            }
            (UpdateMode::Async, None) => self.async_probe(probe, key, stop),
        }
    }

    /// Twin of `sweep` + `finalize` in shaders/recall_sync.wgsl, for one probe, its fields computed
    /// row by row (the batched path, sync_batch.rs, takes them from matrix products). Stops between
    /// sweeps when `stop` asks (the outcome is then cut short).
    pub(crate) fn sync_probe(
        &self,
        initial: &[i8],
        key: &StreamKey,
        stop: &dyn Progress,
    ) -> RecallOutcome {
        let (network, params, dynamics) = (self.network, self.params, &self.dynamics);
        let n = network.neurons();
        let mut run = SyncRun::new(initial);
        let mut fields = vec![0i32; n];
        for sweep in 0..params.max_sweeps {
            if stop.cancelled() {
                break;
            }
            FieldTracker::new(network, run.state()).fields(run.state(), &mut fields);
            run.sweep(network, dynamics, key, sweep, &fields);
            if run.is_done() {
                break;
            }
        }
        run.finish(network, dynamics)
    }

    /// Twin of `begin_sweep` + `steps` + `end_sweep` in shaders/recall_async.wgsl, for one probe.
    /// Stops between sweeps when `stop` asks (the outcome is then cut short).
    fn async_probe(&self, initial: &[i8], key: &StreamKey, stop: &dyn Progress) -> RecallOutcome {
        let (network, params, dynamics) = (self.network, self.params, &self.dynamics);
        let n = network.neurons();
        let mut state = initial.to_vec();
        let mut terms = energy_terms(network, dynamics, &state);
        let mut tracker = FieldTracker::new(network, &state);
        let mut trace = Trace::new(terms.energy(network), params.record_flips);
        let mut order = Vec::with_capacity(n);
        // Glauber dynamics draws one number per neuron a sweep: all at once, eight blocks at a time.
        let glauber = dynamics.glauber_factor > 0.0;
        let mut draws = vec![0u32; if glauber { n } else { 0 }];
        for sweep in 0..params.max_sweeps {
            if stop.cancelled() {
                break;
            }
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
                    trace.flipped(neuron);
                }
            }
            if trace.swept(sweep, terms.energy(network), changed) {
                break;
            }
        }
        trace.outcome(state)
    }
}

impl RecallEngine for CpuRecall<'_> {
    fn recall_batch(&mut self, batch: Probes, stop: &dyn Progress) -> Result<Vec<RecallOutcome>> {
        if let Some(weights) = self
            .products
            .as_ref()
            .filter(|_| batch.keys.len() >= MIN_PROBES)
        {
            let (network, dynamics) = (self.network, &self.dynamics);
            let max_sweeps = self.params.max_sweeps;
            return recall_sync_products(network, weights, batch, max_sweeps, dynamics, stop);
        }
        let n = self.network.neurons();
        each_probe(batch, n, stop, |probe, key| {
            self.recall_one(probe, key, stop)
        })
    }
}

/// Each probe of a batch (flat, `n` values each) recalled by `recall_one` on a core of its own;
/// when `stop` asked, a probe was cut short and none of the batch is kept.
pub(super) fn each_probe(
    batch: Probes,
    n: usize,
    stop: &dyn Progress,
    recall_one: impl Fn(&[i8], &StreamKey) -> RecallOutcome + Sync,
) -> Result<Vec<RecallOutcome>> {
    let outcomes = batch
        .states
        .par_chunks_exact(n)
        .zip(batch.keys)
        .map(|(probe, key)| recall_one(probe, key))
        .collect();
    stop.check()?;
    Ok(outcomes)
}
