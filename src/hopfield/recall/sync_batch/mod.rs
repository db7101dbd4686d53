//! Synchronous recall as matrix products: every active probe's fields for a sweep are one
//! product F = S·Wᵀ (probes × neurons times neurons × neurons) for a dense network, or two,
//! M = S·Xᵀ and F = M·X − P·S, for a factored one, run by `faer` on every core, then each probe takes its sweep exactly as
//! `CpuRecall::sync_probe` does (the same twin of shaders/recall_sync.wgsl, through [`SyncRun`]).
//!
//! The products are exact. States are ±1 and weights integers, so every partial sum of a field
//! is an integer no larger than the row's Σ_j |w_ij| (P·N for a factored network): f32 holds
//! every integer below 2²⁴ exactly (a Hebbian network while P·(N − 1) < 2²⁴), and f64 every one
//! below 2⁵³ (fields are below 2²⁹ by construction, so the fixed-point Storkey and
//! pseudo-inverse weights always fit). Whatever
//! order the kernel sums in, and whether or not it fuses multiplies and adds, the result is the
//! exact field.

use rayon::prelude::*;

use super::energy::energy_terms;
use super::{glauber_round, Dynamics, Ending, EnergyTerms, Probes, RecallOutcome};
use crate::cpu::matrix::{self, View};
use crate::error::Result;
use crate::hopfield::network::HopfieldNetwork;
use crate::progress::Progress;
use crate::rng::{fill_draws, StreamKey};

/// The largest partial sum for which f32 products are exact (every integer below it is a float).
pub(crate) const F32_EXACT_BELOW: u64 = 1 << 24;

/// Host memory the probes' states and fields of one product may take.
const BATCH_BYTES: usize = 128 << 20;

/// Probes in one product below which the per-probe loop is as fast: a product is worth its
/// setup from a few probes on.
pub(crate) const MIN_PROBES: usize = 4;

/// Stored patterns below which a factored network's fields are cheaper probe by probe: a field
/// costs O(P) there, and products of so few columns spend more on converting the states than
/// on multiplying.
const MIN_FACTORED_PATTERNS: usize = 16;

/// The couplings as the products read them, in the narrowest float type that keeps them exact.
pub(crate) enum ProductWeights {
    /// The weight matrix W, n x n row-major: F = S·Wᵀ.
    Dense(Floats),
    /// The stored patterns X, p x n row-major, of a factored network: the overlaps M = S·Xᵀ,
    /// then F = M·X − P·S (h = Xᵀ(X s) − P s, as `FieldTracker` computes it one probe at a time).
    Factored { patterns: Floats, count: usize },
}

/// Integers held as f32 or f64.
pub(crate) enum Floats {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl Floats {
    /// `values` as f32 when `largest_partial_sum` is below 2²⁴, as f64 otherwise; None when the
    /// copy would take more than half the memory available (the per-probe loop needs none).
    fn of(values: &[i32], largest_partial_sum: u64) -> Option<Floats> {
        let f32_exact = largest_partial_sum < F32_EXACT_BELOW;
        let bytes = (values.len() as u64).checked_mul(if f32_exact { 4 } else { 8 })?;
        let available = crate::limits::available_host_memory().unwrap_or(u64::MAX);
        if bytes > available / 2 {
            return None;
        }
        Some(if f32_exact {
            Floats::F32(values.par_iter().map(|&w| w as f32).collect())
        } else {
            Floats::F64(values.par_iter().map(|&w| f64::from(w)).collect())
        })
    }

    #[cfg(test)]
    pub(crate) fn is_f32(&self) -> bool {
        matches!(self, Floats::F32(_))
    }
}

impl ProductWeights {
    /// The couplings of `network` for products: f32 when every partial sum of a field is below
    /// 2²⁴ (a dense row's Σ_j |w_ij|; P·N for a factored network), f64 otherwise. None when the
    /// copy does not fit in memory, or for a factored network of few patterns.
    pub(crate) fn of(network: &HopfieldNetwork) -> Option<ProductWeights> {
        let n = network.neurons();
        if let Some(weights) = network.weights() {
            let largest_row = weights
                .par_chunks_exact(n.max(1))
                .map(|row| {
                    row.iter()
                        .map(|&w| u64::from(w.unsigned_abs()))
                        .sum::<u64>()
                })
                .max()
                .unwrap_or(0);
            return Floats::of(weights, largest_row).map(ProductWeights::Dense);
        }
        let count = network.stored();
        if count < MIN_FACTORED_PATTERNS {
            return None;
        }
        let patterns: Vec<i32> = network.factors()?.iter().map(|&x| i32::from(x)).collect();
        // |m_μ| <= N, so the overlaps' sums stay below N and the fields' below P·N.
        let largest = (count as u64).saturating_mul(n as u64).max(n as u64);
        Floats::of(&patterns, largest).map(|patterns| ProductWeights::Factored { patterns, count })
    }

    /// Whether the products run in f32.
    #[cfg(test)]
    pub(crate) fn is_f32(&self) -> bool {
        match self {
            ProductWeights::Dense(floats)
            | ProductWeights::Factored {
                patterns: floats, ..
            } => floats.is_f32(),
        }
    }

    /// The fields of `states` (rows of `n` ±1 values): `fields[b·n + i] = Σ_{j≠i} w_ij s_bj`.
    fn fields(&self, states: &[i8], n: usize, fields: &mut [i32], scratch: &mut Scratch) {
        match self {
            ProductWeights::Dense(Floats::F32(w)) => dense(states, w, n, fields, &mut scratch.f32),
            ProductWeights::Dense(Floats::F64(w)) => dense(states, w, n, fields, &mut scratch.f64),
            ProductWeights::Factored {
                patterns: Floats::F32(x),
                count,
            } => factored(states, x, *count, n, fields, &mut scratch.f32),
            ProductWeights::Factored {
                patterns: Floats::F64(x),
                count,
            } => factored(states, x, *count, n, fields, &mut scratch.f64),
        }
    }
}

/// The float copies of the states, the overlaps and the products, kept from sweep to sweep.
#[derive(Default)]
struct Scratch {
    f32: Buffers<f32>,
    f64: Buffers<f64>,
}

#[derive(Default)]
struct Buffers<T> {
    states: Vec<T>,
    overlaps: Vec<T>,
    product: Vec<T>,
}

impl<T: Float> Buffers<T> {
    /// Holds `states` as floats, and room for a product of `rows` x `columns`.
    fn load(&mut self, states: &[i8], rows: usize, columns: usize) {
        self.states.clear();
        self.states
            .par_extend(states.par_iter().map(|&s| T::from(s)));
        self.product.resize(rows * columns, T::default());
    }
}

/// The float types the products run in.
trait Float: matrix::Float + From<i8> + Into<f64> {}
impl Float for f32 {}
impl Float for f64 {}

/// F = S·Wᵀ. Wᵀ, not W: the Storkey and pseudo-inverse weights are learned in floats and may be
/// asymmetric by a unit of their last place, and the field of neuron i is its row.
fn dense<T: Float>(
    states: &[i8],
    weights: &[T],
    n: usize,
    fields: &mut [i32],
    buffers: &mut Buffers<T>,
) {
    let rows = states.len() / n;
    buffers.load(states, rows, n);
    // Wᵀ's element (j, i) is W[i·n + j].
    matrix::multiply(
        (&mut buffers.product, View::row_major(rows, n)),
        (&buffers.states, View::row_major(rows, n)),
        (weights, View::row_major(n, n).transposed()),
    );
    fields
        .par_iter_mut()
        .zip(buffers.product.par_iter())
        .for_each(|(field, &value)| *field = value.into() as i32);
}

/// M = S·Xᵀ, then F = M·X − P·S.
fn factored<T: Float>(
    states: &[i8],
    patterns: &[T],
    count: usize,
    n: usize,
    fields: &mut [i32],
    buffers: &mut Buffers<T>,
) {
    let rows = states.len() / n;
    buffers.load(states, rows, n);
    let Buffers {
        states: lhs,
        overlaps,
        product,
    } = buffers;
    overlaps.resize(rows * count, T::default());
    // Xᵀ's element (j, μ) is X[μ·n + j]; X's element (μ, j) is X[μ·n + j].
    let stored = View::row_major(count, n);
    matrix::multiply(
        (overlaps, View::row_major(rows, count)),
        (lhs, View::row_major(rows, n)),
        (patterns, stored.transposed()),
    );
    matrix::multiply(
        (product, View::row_major(rows, n)),
        (overlaps, View::row_major(rows, count)),
        (patterns, stored),
    );
    let p = count as i32;
    fields
        .par_iter_mut()
        .zip(product.par_iter())
        .zip(states.par_iter())
        .for_each(|((field, &value), &s)| *field = value.into() as i32 - p * i32::from(s));
}

/// One probe's synchronous recall, a sweep at a time: shared by the per-probe loop and the
/// batched products, so both follow the kernel's rules in the same order.
pub(crate) struct SyncRun {
    state: Vec<i8>,
    before: Vec<i8>,
    energy: Vec<f64>,
    ending: Ending,
    sweeps: u32,
    done: bool,
    /// The energy of the final state, when its fields were computed after the sweep limit.
    final_energy: Option<f64>,
}

impl SyncRun {
    pub(crate) fn new(initial: &[i8]) -> Self {
        SyncRun {
            state: initial.to_vec(),
            before: Vec::new(),
            energy: Vec::new(),
            ending: Ending::SweepLimit,
            sweeps: 0,
            done: false,
            final_energy: None,
        }
    }

    /// Ends the run at the sweep limit, with the final state's energy from its `fields`.
    fn finished_at_limit(
        &mut self,
        network: &HopfieldNetwork,
        dynamics: &Dynamics,
        fields: &[i32],
    ) {
        self.final_energy =
            Some(EnergyTerms::from_fields(dynamics, &self.state, fields).energy(network));
        self.done = true;
    }

    pub(crate) fn state(&self) -> &[i8] {
        &self.state
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// Sweep `sweep` from the off-diagonal `fields` of the current state: its energy, then every
    /// neuron updated from the same state; ends at a fixed point or a two-cycle.
    pub(crate) fn sweep(
        &mut self,
        network: &HopfieldNetwork,
        dynamics: &Dynamics,
        key: &StreamKey,
        sweep: u32,
        fields: &[i32],
    ) {
        self.energy
            .push(EnergyTerms::from_fields(dynamics, &self.state, fields).energy(network));
        // Glauber dynamics draws one number per neuron: all at once, eight blocks at a time.
        let mut draws = Vec::new();
        if dynamics.glauber_factor > 0.0 {
            draws.resize(self.state.len(), 0);
            fill_draws(key, glauber_round(sweep), &mut draws);
        }
        let updated: Vec<i8> = (0..self.state.len())
            .map(|i| {
                let s = self.state[i];
                let input = fields[i] + dynamics.rules[i].self_weight * i32::from(s);
                let draw = draws.get(i).copied().unwrap_or(0);
                dynamics.update(&dynamics.rules[i], input, s, draw)
            })
            .collect();
        let changed = updated != self.state;
        let back_to_before = sweep >= 1 && updated == self.before;
        self.before = std::mem::replace(&mut self.state, updated);
        self.sweeps = sweep + 1;
        if !changed {
            self.ending = Ending::FixedPoint;
            self.done = true;
        } else if back_to_before {
            self.ending = Ending::TwoCycle;
            self.done = true;
        }
    }

    /// The outcome, with the energy of the final state appended. At a fixed point the final
    /// state is the one the last sweep started from, and at a two-cycle the one the sweep before
    /// started from, so their energies are already known; after the sweep limit it is the one
    /// [`SyncRun::finished_at_limit`] found, or it is computed here.
    pub(crate) fn finish(
        mut self,
        network: &HopfieldNetwork,
        dynamics: &Dynamics,
    ) -> RecallOutcome {
        let known = match self.ending {
            Ending::FixedPoint => self.energy.last().copied(),
            Ending::TwoCycle => self.energy.iter().rev().nth(1).copied(),
            Ending::SweepLimit => self.final_energy,
        };
        let last =
            known.unwrap_or_else(|| energy_terms(network, dynamics, &self.state).energy(network));
        self.energy.push(last);
        RecallOutcome {
            final_state: self.state,
            sweeps: self.sweeps,
            ending: self.ending,
            energy: self.energy,
            flips: None,
        }
    }
}

/// Recalls every probe in lockstep: each sweep, the fields of all probes still running come
/// from products of at most [`BATCH_BYTES`] of states and fields. Stops between sweeps when
/// `stop` asks.
pub(crate) fn recall_sync_products(
    network: &HopfieldNetwork,
    weights: &ProductWeights,
    batch: Probes,
    max_sweeps: u32,
    dynamics: &Dynamics,
    stop: &dyn Progress,
) -> Result<Vec<RecallOutcome>> {
    let n = network.neurons();
    let Probes {
        states: probes,
        keys,
    } = batch;
    let mut runs: Vec<SyncRun> = probes.chunks_exact(n).map(SyncRun::new).collect();
    let rows_per_product = (BATCH_BYTES / (n * (1 + 4 + 8)).max(1)).max(1);
    let mut states = Vec::new();
    let mut fields = Vec::new();
    let mut scratch = Scratch::default();
    for sweep in 0..=max_sweeps {
        let mut running: Vec<(&mut SyncRun, &StreamKey)> = runs
            .iter_mut()
            .zip(keys)
            .filter(|(run, _)| !run.is_done())
            .collect();
        if running.is_empty() {
            break;
        }
        stop.check()?;
        for group in running.chunks_mut(rows_per_product) {
            states.clear();
            for (run, _) in group.iter() {
                states.extend_from_slice(run.state());
            }
            fields.resize(states.len(), 0);
            weights.fields(&states, n, &mut fields, &mut scratch);
            // Each probe's sweep on its own core.
            group
                .par_iter_mut()
                .zip(fields.par_chunks_exact(n))
                .for_each(|((run, key), probe_fields)| {
                    if sweep == max_sweeps {
                        // Past the limit: these fields are the final state's, for its energy.
                        run.finished_at_limit(network, dynamics, probe_fields);
                    } else {
                        run.sweep(network, dynamics, key, sweep, probe_fields);
                    }
                });
        }
    }
    Ok(runs
        .into_par_iter()
        .map(|run| run.finish(network, dynamics))
        .collect())
}

#[cfg(test)]
mod tests;
