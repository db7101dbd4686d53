//! GPU dispatch of recall: shaders/recall_sync.wgsl and shaders/recall_async.wgsl.
//! Probes are processed in batches sized to the adapter's binding limit and a memory budget.
//! `kernels` is the seam with the shaders, `couplings` the weights as the kernels read them,
//! `sync` and `asynchronous` the two dynamics.

mod asynchronous;
mod couplings;
mod kernels;
mod sync;

use std::sync::Arc;

use self::couplings::GpuCouplings;
pub(crate) use self::kernels::check_async_dense;
use self::kernels::RecallKernels;
use super::{
    Ending, EnergyTerms, NeuronRule, Probes, RecallEngine, RecallOutcome, RecallParams, UpdateMode,
};
use crate::error::{Error, Result};
use crate::gpu::GpuContext;
use crate::hopfield::network::HopfieldNetwork;
use crate::progress::Progress;

/// The most device memory one batch of probes may take (beside the weights); the dense
/// memories' batches too.
pub(super) const BATCH_BUDGET_BYTES: u64 = 512 << 20;
/// Sweeps recorded per submission before checking whether every probe has finished (and
/// whether to stop).
pub(super) const SWEEPS_PER_SUBMISSION: u32 = 8;
/// The factored kernels' tiles: 16 neurons (or patterns) x 16 probes per workgroup.
const TILE: u32 = 16;
/// The dense sweep's blocks: 64 neurons x 64 probes per workgroup (`BLOCK` in recall_sync.wgsl).
const BLOCK: u32 = 64;
/// Words per energy slot and probe: hi and lo of s^T W s, hi and lo of Σ θ_i s_i (the dense
/// memories' slots are as long).
pub(super) const ENERGY_WORDS: usize = 4;
/// Loop iterations one invocation of the asynchronous `steps` kernel may run; well below
/// llvmpipe's limit of 65 535 per invocation (see recall_async.wgsl).
const STEP_LOOP_BUDGET: u32 = 32_768;

/// Loop iterations one invocation of the asynchronous `shuffle` kernel may run.
const SHUFFLE_BUDGET: u32 = 32_768;
/// Neurons one `overlaps_chunk` dispatch covers: its loop runs CHUNK/16 iterations.
const OVERLAP_CHUNK: u32 = 16 * 16_384;

/// Recombines the wide sums of wide_int.wgsl (hi * 65536 + lo, lo summed unnormalised).
fn energy_terms(words: &[u32]) -> EnergyTerms {
    let wide = |hi: u32, lo: u32| i64::from(hi as i32) * 65_536 + i64::from(lo);
    EnergyTerms {
        quadratic: wide(words[0], words[1]),
        threshold: wide(words[2], words[3]),
    }
}

/// Recall on the GPU: the couplings, the neuron rules and Glauber's table uploaded once, then
/// each batch through the synchronous or the asynchronous kernels.
pub(super) struct GpuRecall<'a> {
    ctx: &'a Arc<GpuContext>,
    kernels: Arc<RecallKernels>,
    couplings: GpuCouplings,
    rules: wgpu::Buffer,
    logit_table: wgpu::Buffer,
    network: &'a HopfieldNetwork,
    params: &'a RecallParams,
    glauber_factor: f32,
    batch: usize,
}

impl<'a> GpuRecall<'a> {
    pub(super) fn new(
        ctx: &'a Arc<GpuContext>,
        network: &'a HopfieldNetwork,
        params: &'a RecallParams,
    ) -> Result<Self> {
        let dynamics = params.checked(network)?;
        let rules: &[NeuronRule] = &dynamics.rules;
        Ok(GpuRecall {
            ctx,
            kernels: ctx.kernels::<RecallKernels>()?,
            couplings: GpuCouplings::upload(ctx, network)?,
            rules: ctx.storage_from("neuron rules", rules)?,
            // An unused table still needs a valid binding.
            logit_table: ctx.storage_from("logit table", &dynamics.logit_table)?,
            network,
            params,
            glauber_factor: dynamics.glauber_factor,
            batch: batch_size(ctx, network, params)?,
        })
    }
}

impl RecallEngine for GpuRecall<'_> {
    fn max_batch(&self) -> usize {
        self.batch
    }

    fn recall_batch(&mut self, batch: Probes, stop: &dyn Progress) -> Result<Vec<RecallOutcome>> {
        let job = RecallJob {
            ctx: self.ctx,
            kernels: &self.kernels,
            couplings: &self.couplings,
            rules: &self.rules,
            logit_table: &self.logit_table,
            neurons: self.network.neurons(),
            network: self.network,
            params: self.params,
            glauber_factor: self.glauber_factor,
            stop,
        };
        match self.params.mode {
            UpdateMode::Sync => job.run_sync(batch),
            UpdateMode::Async => job.run_async(batch),
        }
    }
}

/// How many probes one batch holds: every per-probe buffer must fit one binding, and all of them
/// together the batch budget.
fn batch_size(ctx: &GpuContext, network: &HopfieldNetwork, params: &RecallParams) -> Result<usize> {
    let n = network.neurons() as u64;
    let overlap_bytes = if network.is_factored() {
        network.stored() as u64 * 4
    } else {
        0
    };
    let slots = u64::from(params.max_sweeps) + 1;
    let energy_bytes = slots * ENERGY_WORDS as u64 * 4;
    let flip_bytes = if params.record_flips && params.mode == UpdateMode::Async {
        n * u64::from(params.max_sweeps) * 4
    } else {
        0
    };
    let largest = (n * 4).max(energy_bytes).max(flip_bytes).max(overlap_bytes);
    let total = match params.mode {
        UpdateMode::Sync => 3 * n * 4 + 32 + energy_bytes + overlap_bytes,
        UpdateMode::Async => 2 * n * 4 + 48 + energy_bytes + flip_bytes + overlap_bytes,
    };
    // One probe alone must still fit one binding.
    ctx.check_binding("one probe's recall buffers", largest)?;
    let by_binding = ctx.max_binding_bytes() / largest;
    let by_budget = BATCH_BUDGET_BYTES / total;
    Ok(by_binding.min(by_budget).clamp(1, u64::from(u32::MAX)) as usize)
}

/// What every dispatch of one recall call shares.
struct RecallJob<'a> {
    ctx: &'a GpuContext,
    kernels: &'a RecallKernels,
    couplings: &'a GpuCouplings,
    rules: &'a wgpu::Buffer,
    logit_table: &'a wgpu::Buffer,
    neurons: usize,
    network: &'a HopfieldNetwork,
    params: &'a RecallParams,
    glauber_factor: f32,
    /// Asked between submissions whether to stop.
    stop: &'a dyn Progress,
}

impl RecallJob<'_> {
    /// Reads the energy slots back and assembles each probe's outcome.
    fn energies(
        &self,
        words: &[u32],
        probes: usize,
        probe: usize,
        slots: impl Iterator<Item = usize>,
    ) -> Vec<f64> {
        slots
            .map(|slot| {
                energy_terms(&words[(slot * probes + probe) * ENERGY_WORDS..][..ENERGY_WORDS])
                    .energy(self.network)
            })
            .collect()
    }

    fn overlap_buffer(&self, probes: usize) -> Result<wgpu::Buffer> {
        let (stored, _) = self.couplings.stored_and_words();
        self.ctx
            .storage_zeroed("overlaps", (probes * stored as usize * 4) as u64)
    }
}
