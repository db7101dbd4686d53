//! The CPU twin of shaders/dense_memory.wgsl: the same preferences, summed in the same order,
//! the same visiting orders and draws, so states, sweep counts and energies are identical.

use super::{DenseMemory, Preference, Table};
use crate::error::Result;
use crate::hopfield::network::HopfieldNetwork;
use crate::hopfield::recall::cpu::each_probe;
use crate::hopfield::recall::dynamics::Trace;
use crate::hopfield::recall::{
    glauber_round, Ending, Probes, RecallEngine, RecallOutcome, RecallParams, UpdateMode,
};
use crate::progress::Progress;
use crate::rng::StreamKey;

/// Recall of a dense memory on the CPU: each probe on a core of its own.
pub(in crate::hopfield::recall) struct DenseCpu<'a> {
    memory: DenseMemory<'a>,
    params: &'a RecallParams,
}

impl<'a> DenseCpu<'a> {
    pub(in crate::hopfield::recall) fn new(
        network: &'a HopfieldNetwork,
        params: &'a RecallParams,
    ) -> Result<Self> {
        Ok(DenseCpu {
            memory: DenseMemory::new(network, params)?,
            params,
        })
    }
}

impl RecallEngine for DenseCpu<'_> {
    fn recall_batch(&mut self, batch: Probes, stop: &dyn Progress) -> Result<Vec<RecallOutcome>> {
        let (memory, params) = (&self.memory, self.params);
        each_probe(batch, memory.neurons, stop, |probe, key| {
            match params.mode {
                UpdateMode::Sync => recall_sync(memory, probe, key, params.max_sweeps, stop),
                UpdateMode::Async => recall_async(memory, probe, key, params, stop),
            }
        })
    }
}

/// The shift of the exponential's terms: the largest overlap plus one, so that every term
/// e^(m ± 1 − top) is at most 1 (`top` in shaders/dense_memory.wgsl). The polynomials need none
/// (0, without a pass over the overlaps: asynchronous recall asks at every visit).
pub(crate) fn exp_top(memory: &DenseMemory, overlaps: &[i32]) -> i32 {
    match memory.differences {
        Table::Exp(_) => overlaps.iter().copied().max().unwrap_or(0) + 1,
        Table::Exact(_) => 0,
    }
}

/// Neuron `i`'s preference for +1 in state `sigma`, from the overlaps of the whole state:
/// σ_i Σ_μ (A_μ − B_μ) + Σ_μ ξ_i^μ (A_μ + B_μ), summed in pattern order (`preference` in the
/// WGSL).
pub(crate) fn preference(
    memory: &DenseMemory,
    overlaps: &[i32],
    top: i32,
    i: usize,
    sigma: i8,
) -> Preference {
    let p = memory.stored;
    let column = &memory.columns[i * p..(i + 1) * p];
    match &memory.differences {
        Table::Exact(g) => {
            let offset = memory.neurons as i32 + 1;
            let (mut d, mut s) = (0i64, 0i64);
            for (&m, &x) in overlaps.iter().zip(column) {
                let a = g[(m - 1 + offset) as usize];
                let b = g[(m + 1 + offset) as usize];
                d += a - b;
                s += if x > 0 { a + b } else { -(a + b) };
            }
            Preference::Exact(if sigma > 0 { d + s } else { s - d })
        }
        Table::Exp(e) => {
            let (mut d, mut s) = (0f32, 0f32);
            for (&m, &x) in overlaps.iter().zip(column) {
                let a = e[(top - m + 1) as usize];
                let b = e[(top - m - 1) as usize];
                d += a - b;
                s += if x > 0 { a + b } else { -(a + b) };
            }
            Preference::Scaled(if sigma > 0 { s + d } else { s + -d })
        }
    }
}

/// Neuron `i` became `updated`: every overlap moves by 2 · updated · ξ_i^μ.
pub(crate) fn flip_overlaps(memory: &DenseMemory, overlaps: &mut [i32], i: usize, updated: i8) {
    let p = memory.stored;
    for (m, &x) in overlaps.iter_mut().zip(&memory.columns[i * p..(i + 1) * p]) {
        *m += 2 * i32::from(updated) * i32::from(x);
    }
}

/// Twin of `sync_update` + `sync_finish`: every neuron from the same state; ends at a fixed
/// point, a two-cycle or the sweep limit (or, cut short, when `stop` asks between sweeps).
fn recall_sync(
    memory: &DenseMemory,
    initial: &[i8],
    key: &StreamKey,
    max_sweeps: u32,
    stop: &dyn Progress,
) -> RecallOutcome {
    let n = memory.neurons;
    let mut state = initial.to_vec();
    let mut before: Vec<i8> = Vec::new();
    let mut overlaps = memory.overlaps(&state);
    let mut trace = Trace::new(memory.energy(&state, &overlaps), false);
    for sweep in 0..max_sweeps {
        if stop.cancelled() {
            break;
        }
        let top = exp_top(memory, &overlaps);
        let next: Vec<i8> = (0..n)
            .map(|i| {
                let preference = preference(memory, &overlaps, top, i, state[i]);
                let draw = glauber_draw(memory, key, sweep, i);
                memory.decide(i, preference, state[i], draw)
            })
            .collect();
        let changed = next != state;
        let back = sweep >= 1 && next == before;
        before = std::mem::replace(&mut state, next);
        overlaps = memory.overlaps(&state);
        if trace.swept(sweep, memory.energy(&state, &overlaps), changed) {
            break;
        }
        if back {
            trace.ended(Ending::TwoCycle);
            break;
        }
    }
    trace.outcome(state)
}

/// Twin of `async_sweep`: one neuron at a time in the probe's order for each sweep (cut short
/// when `stop` asks between sweeps).
fn recall_async(
    memory: &DenseMemory,
    initial: &[i8],
    key: &StreamKey,
    params: &RecallParams,
    stop: &dyn Progress,
) -> RecallOutcome {
    let n = memory.neurons;
    let mut state = initial.to_vec();
    let mut overlaps = memory.overlaps(&state);
    let mut trace = Trace::new(memory.energy(&state, &overlaps), params.record_flips);
    let mut order = Vec::with_capacity(n);
    for sweep in 0..params.max_sweeps {
        if stop.cancelled() {
            break;
        }
        key.permutation(sweep, n, &mut order);
        let mut changed = false;
        for &neuron in &order {
            let i = neuron as usize;
            if memory.rules[i].clamped {
                continue;
            }
            let top = exp_top(memory, &overlaps);
            let preference = preference(memory, &overlaps, top, i, state[i]);
            let draw = glauber_draw(memory, key, sweep, i);
            let updated = memory.decide(i, preference, state[i], draw);
            if updated != state[i] {
                state[i] = updated;
                flip_overlaps(memory, &mut overlaps, i, updated);
                changed = true;
                trace.flipped(neuron);
            }
        }
        if trace.swept(sweep, memory.energy(&state, &overlaps), changed) {
            break;
        }
    }
    trace.outcome(state)
}

/// Neuron `i`'s Glauber draw in `sweep` (0 at temperature 0, where none is needed).
fn glauber_draw(memory: &DenseMemory, key: &StreamKey, sweep: u32, i: usize) -> u32 {
    if memory.glauber_factor > 0.0 {
        key.draw(glauber_round(sweep), i as u32)
    } else {
        0
    }
}
