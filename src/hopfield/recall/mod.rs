//! Recall: a batch of probes evolves under the network's dynamics until each reaches a fixed point,
//! a 2-cycle (synchronous mode only) or the sweep limit.
//!
//! - Synchronous: every neuron is updated from the same state, s' = sign(W s).
//! - Asynchronous: neurons are updated one at a time in a random order drawn from the probe's
//!   stream for each sweep; every sweep visits every neuron once (seed 003's `predict`).
//!
//! A neuron's input is its field h_i = Σ_j w_ij s_j (its self-weight w_ii included, which only
//! learning rules that keep the diagonal have), plus its own state with `self_coupling`
//! (seed 003's `y_in = s_i + W_i . s`). At temperature 0 it becomes +1 when the input exceeds its
//! threshold θ_i, -1 when it is below, and keeps its previous state when the input equals θ_i
//! (a zero field when θ = 0). At temperature T > 0 (Glauber dynamics) it becomes +1 with
//! probability 1 / (1 + exp(-2 (input - θ_i) / T)). Clamped neurons keep the probe's value.
//! The energy is E = -1/2 s^T W s + Σ θ_i s_i. A dense associative memory (a network whose
//! interaction is not quadratic) recalls through its patterns instead (`dense_memory`).
//!
//! Everything the kernels compare is an integer (weights in fixed point, see
//! [`HopfieldNetwork::scale`]) or an exactly rounded f32 product, so the CPU twin and the GPU
//! agree bit for bit.
//!
//! The family's layout: [`spec`] (what a recall does), [`dynamics`] (its checked integer form),
//! [`energy`]; this module's driver, [`recall`], which batches, reports progress and stops when
//! asked, over a [`RecallEngine`] per backend and interaction: `cpu.rs` (the twins,
//! with `sync_batch/` and `factored_async.rs`), `gpu/` (shaders/recall_sync.wgsl and
//! shaders/recall_async*.wgsl), and `dense_memory/` (its `cpu.rs` twin and `gpu.rs`,
//! shaders/dense_memory.wgsl).

mod cpu;
mod dense_memory;
pub mod dynamics;
pub mod energy;
mod factored_async;
mod gpu;
pub mod spec;
mod sync_batch;

use std::time::Instant;

pub(crate) use dynamics::{glauber_round, logit_table, Dynamics, NeuronRule};
pub use dynamics::{Ending, EnergyTerms, RecallOutcome, THRESHOLD_UNITS};
pub use energy::{state_energies, trajectory_energies, trajectory_states};
pub use spec::{RecallParams, RecallSpec, Thresholds, UpdateMode};

use super::network::HopfieldNetwork;
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::progress::{Progress, Unreported};
use crate::rng::StreamKey;

/// How one backend recalls a batch of probes, for one network and one set of dynamics checked
/// when it is made: the CPU twins and the GPU kernels, for the classical couplings and for the
/// dense memories. [`recall`] drives it.
pub(crate) trait RecallEngine {
    /// The most probes one batch may hold (what fits the device's bindings and budget; the
    /// CPU's hold any number).
    fn max_batch(&self) -> usize {
        usize::MAX
    }

    /// The outcome of each probe of `batch`. Long batches check `stop` (its cancellation only)
    /// at least once a sweep.
    fn recall_batch(&mut self, batch: Probes, stop: &dyn Progress) -> Result<Vec<RecallOutcome>>;
}

/// A batch of probes (flat, a network's neurons each) and each one's random stream.
#[derive(Clone, Copy)]
pub(crate) struct Probes<'a> {
    pub states: &'a [i8],
    pub keys: &'a [StreamKey],
}

impl Probes<'_> {
    /// The states as the kernels' i32 words.
    pub(crate) fn state_words(&self) -> Vec<i32> {
        self.states.iter().map(|&v| i32::from(v)).collect()
    }

    /// The streams' keys as the kernels' words.
    pub(crate) fn key_words(&self) -> Vec<[u32; 4]> {
        self.keys.iter().map(|key| key.0).collect()
    }
}

/// How long a batch should take: short enough that progress moves and an interrupt is felt
/// within a fraction of a second, long enough that every core (or the GPU) is kept busy.
const BATCH_SECONDS: f64 = 0.2;
/// The work of the first batch, before the time a probe takes is known: about this many
/// multiply-adds a sweep (a few milliseconds on one core), so that small networks start with
/// batches large enough to keep every core busy and large ones report progress early.
const FIRST_BATCH_WORK: usize = 1 << 24;

/// The most probes of a first batch, however small the network: progress still moves early.
const FIRST_BATCH_MOST: usize = 16_384;

/// The probes of the first batch for `network`: [`FIRST_BATCH_WORK`] over the multiply-adds of
/// one probe's sweep (N² with a dense matrix, 2·N·P with factored couplings or a dense memory),
/// at most [`FIRST_BATCH_MOST`].
fn first_batch(network: &HopfieldNetwork) -> usize {
    let n = network.neurons();
    let per_sweep = if network.is_factored() || !network.interaction().is_quadratic() {
        2 * n * network.stored()
    } else {
        n * n
    };
    (FIRST_BATCH_WORK / per_sweep.max(1)).min(FIRST_BATCH_MOST)
}

/// Checks, before anything is learned, that `learning` can hold `count` patterns of `neurons`
/// (a dense matrix within range and memory, or factored) and that recall in `mode` can then run
/// on `backend`.
pub fn check_network_fits(
    neurons: usize,
    count: usize,
    learning: &crate::hopfield::Learning,
    mode: UpdateMode,
    backend: &Backend,
) -> Result<()> {
    let factored = crate::hopfield::learn::is_factored(neurons, count, learning, backend)?;
    if !factored {
        crate::hopfield::learn::check_dense(neurons, learning.rule)?;
    }
    check_recall_fits(neurons, factored, mode, backend)
}

/// Checks, before anything is learned, that recall of a network of `neurons` (`factored` or
/// dense) in `mode` can run on `backend`.
pub fn check_recall_fits(
    neurons: usize,
    factored: bool,
    mode: UpdateMode,
    backend: &Backend,
) -> Result<()> {
    match backend {
        Backend::Gpu(ctx) if mode == UpdateMode::Async && !factored => {
            gpu::check_async_dense(ctx, neurons)
        }
        _ => Ok(()),
    }
}

/// Recalls every probe (flat, `network.neurons()` values each). `keys` gives each probe's random
/// stream (the asynchronous order, Glauber draws), so a probe's outcome never depends on the
/// others or on how they are batched. Batches are sized to take about [`BATCH_SECONDS`];
/// `progress` advances by the probes of each, and the call stops with [`Error::Interrupted`]
/// within one batch (or, for long ones, one sweep) of `progress` asking.
pub fn recall(
    network: &HopfieldNetwork,
    probes: &[i8],
    keys: &[StreamKey],
    params: &RecallParams,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Vec<RecallOutcome>> {
    check_states(network, "probes", probes)?;
    if keys.len() != probes.len() / network.neurons() {
        return Err(Error::InvalidData(
            "one random stream is needed per probe".into(),
        ));
    }
    let n = network.neurons();
    let mut engine = engine(network, params, backend)?;
    let mut outcomes = Vec::with_capacity(keys.len());
    let mut size = first_batch(network).min(engine.max_batch()).max(1);
    let mut done = 0;
    while done < keys.len() {
        let end = (done + size).min(keys.len());
        let started = Instant::now();
        let batch = Probes {
            states: &probes[done * n..end * n],
            keys: &keys[done..end],
        };
        let got = engine.recall_batch(batch, &Unreported(progress))?;
        outcomes.extend(got);
        progress.advance((end - done) as u64);
        progress.check()?;
        size = next_batch(
            size,
            end - done,
            started.elapsed().as_secs_f64(),
            engine.max_batch(),
        );
        done = end;
    }
    Ok(outcomes)
}

/// The size of the next batch, from the `seconds` the last one of `count` probes took: about
/// [`BATCH_SECONDS`] of work, growing at most fourfold at a time, within the engine's `most`.
fn next_batch(current: usize, count: usize, seconds: f64, most: usize) -> usize {
    let per_probe = seconds / count.max(1) as f64;
    let wanted = if per_probe > 0.0 {
        (BATCH_SECONDS / per_probe) as usize
    } else {
        usize::MAX
    };
    wanted.clamp(1, current.saturating_mul(4)).min(most.max(1))
}

/// The engine that recalls on `backend` under the network's interaction.
fn engine<'a>(
    network: &'a HopfieldNetwork,
    params: &'a RecallParams,
    backend: &'a Backend,
) -> Result<Box<dyn RecallEngine + 'a>> {
    let quadratic = network.interaction().is_quadratic();
    Ok(match (quadratic, backend) {
        (true, Backend::Cpu) => Box::new(cpu::CpuRecall::new(network, params)?),
        (true, Backend::Gpu(ctx)) => Box::new(gpu::GpuRecall::new(ctx, network, params)?),
        (false, Backend::Cpu) => Box::new(dense_memory::cpu::DenseCpu::new(network, params)?),
        (false, Backend::Gpu(ctx)) => {
            Box::new(dense_memory::gpu::DenseGpu::new(ctx, network, params)?)
        }
    })
}

/// Refuses `states` (`what`: probes, states) that are not whole bipolar states of the network.
pub(crate) fn check_states(network: &HopfieldNetwork, what: &str, states: &[i8]) -> Result<()> {
    let n = network.neurons();
    if states.is_empty() {
        return Err(Error::InvalidData(format!("no {what}")));
    }
    if !states.len().is_multiple_of(n) {
        return Err(Error::InvalidData(format!(
            "{what} of {} values do not match a network of {n} neurons",
            states.len()
        )));
    }
    match first_non_bipolar(states) {
        Some(value) => Err(Error::InvalidData(format!(
            "{what} hold {value}, not only +1 and -1"
        ))),
        None => Ok(()),
    }
}

/// The first value of `probes` that is neither +1 nor -1. Blocks are checked by a loop without
/// an early exit, which vectorises; only a bad block is searched value by value.
fn first_non_bipolar(probes: &[i8]) -> Option<i8> {
    let bad = |v: i8| v.unsigned_abs() != 1;
    probes
        .chunks(4096)
        .find(|block| block.iter().fold(false, |any, &v| any | bad(v)))
        .and_then(|block| block.iter().copied().find(|&v| bad(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_grow_towards_their_time_and_stay_within_the_engine() {
        // 64 probes in 0.01 s: 0.2 s is 1280 probes, but a batch grows fourfold at most.
        assert_eq!(next_batch(64, 64, 0.01, 100_000), 256);
        assert_eq!(next_batch(1000, 1000, 0.1, 100_000), 2000);
        // Slow probes shrink it, never below one; the engine's limit holds.
        assert_eq!(next_batch(64, 64, 64.0, 100_000), 1);
        assert_eq!(next_batch(64, 64, 0.0, 100), 100);
    }
}
