//! GPU dispatch of recall: shaders/recall_sync.wgsl and shaders/recall_async.wgsl.
//! Probes are processed in batches sized to the adapter's binding limit and a memory budget.

use std::sync::Arc;

use crate::progress::Progress;

use super::{Dynamics, Ending, EnergyTerms, NeuronRule, RecallOutcome, RecallParams, UpdateMode};
use crate::error::{Error, Result};
use crate::gpu::{shaders, GpuContext, Kernel, KernelFamily, KernelSpec, RowBlocks};
use crate::hopfield::network::HopfieldNetwork;
use crate::rng::StreamKey;

/// The most device memory one batch of probes may take (beside the weights).
const BATCH_BUDGET_BYTES: u64 = 512 << 20;
/// Sweeps recorded per submission before checking whether every probe has finished.
const SWEEPS_PER_SUBMISSION: u32 = 8;
/// The factored kernels' tiles: 16 neurons (or patterns) x 16 probes per workgroup.
const TILE: u32 = 16;
/// The dense sweep's blocks: 64 neurons x 64 probes per workgroup (`BLOCK` in recall_sync.wgsl).
const BLOCK: u32 = 64;
/// Words per energy slot and probe: hi and lo of s^T W s, hi and lo of Σ θ_i s_i.
const ENERGY_WORDS: usize = 4;
/// Loop iterations one invocation of the asynchronous `steps` kernel may run; well below
/// llvmpipe's limit of 65 535 per invocation (see recall_async.wgsl).
const STEP_LOOP_BUDGET: u32 = 32_768;

/// The layout of `Params` in shaders/recall_sync.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct SyncParams {
    neurons: u32,
    probes: u32,
    neuron_tiles: u32,
    max_sweeps: u32,
    energy_only: u32,
    energy_slot: u32,
    glauber_factor: f32,
    stored: u32,
    words: u32,
    chunk_start: u32,
    chunk_count: u32,
    row_start: u32,
    block_rows: u32,
    _padding: u32,
}

/// The layout of `ProbeStatus` in shaders/recall_sync.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ProbeStatus {
    ending: u32,
    sweeps: u32,
}

/// The layout of `Params` in shaders/recall_async.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct AsyncParams {
    neurons: u32,
    probes: u32,
    max_sweeps: u32,
    flip_capacity: u32,
    step_start: u32,
    step_count: u32,
    glauber_factor: f32,
    stored: u32,
    words: u32,
    shuffle_start: u32,
    shuffle_count: u32,
    rows_per_block: u32,
}

/// The layout of `Probe` in shaders/recall_async.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct AsyncProbe {
    ending: u32,
    sweeps: u32,
    flips: u32,
    changed: u32,
    quadratic_hi: i32,
    quadratic_lo: u32,
    threshold_hi: i32,
    threshold_lo: u32,
}

fn ending_from_code(code: u32) -> Result<Ending> {
    Ending::from_code(code)
        .ok_or_else(|| Error::Gpu(format!("a probe finished with unknown status {code}")))
}

/// Recombines the wide sums of wide_int.wgsl (hi * 65536 + lo, lo summed unnormalised).
fn energy_terms(words: &[u32]) -> EnergyTerms {
    let wide = |hi: u32, lo: u32| i64::from(hi as i32) * 65_536 + i64::from(lo);
    EnergyTerms {
        quadratic: wide(words[0], words[1]),
        threshold: wide(words[2], words[3]),
    }
}

/// The weight blocks of the blocked step kernel, MAX_ASYNC_BLOCKS of them.
const WEIGHT_BLOCKS: [&str; MAX_ASYNC_BLOCKS] = [
    "weights_block0",
    "weights_block1",
    "weights_block2",
    "weights_block3",
];

const fn sync(entry: &'static str, bindings: &'static [&'static str]) -> KernelSpec {
    KernelSpec {
        module: shaders::RECALL_SYNC,
        entry,
        bindings,
    }
}

const fn asynchronous(entry: &'static str, bindings: &'static [&'static str]) -> KernelSpec {
    KernelSpec {
        module: shaders::RECALL_ASYNC,
        entry,
        bindings,
    }
}

const SWEEP: KernelSpec = sync(
    "sweep",
    &[
        "params",
        "current",
        "next",
        "before",
        "status",
        "flags",
        "energy",
        "rules",
        "keys",
        "logit_table",
        "weights",
    ],
);
const FACTORED_SWEEP: KernelSpec = sync(
    "factored_sweep",
    &[
        "params",
        "current",
        "next",
        "before",
        "status",
        "flags",
        "energy",
        "rules",
        "keys",
        "logit_table",
        "pattern_bits",
        "overlaps",
    ],
);
const OVERLAPS: KernelSpec = sync(
    "overlaps_chunk",
    &["params", "current", "pattern_bits", "overlaps"],
);
const FINALIZE: KernelSpec = sync("finalize", &["params", "status", "flags"]);
const START: KernelSpec = asynchronous("start", &["params", "probe_state", "energy"]);
const BEGIN_SWEEP: KernelSpec = asynchronous("begin_sweep", &["params", "order", "probe_state"]);
const SHUFFLE: KernelSpec = asynchronous("shuffle", &["params", "keys", "order", "probe_state"]);
const STEPS: KernelSpec = asynchronous(
    "steps",
    &[
        "params",
        "states",
        "keys",
        "order",
        "probe_state",
        "flips",
        "rules",
        "logit_table",
        "weights",
    ],
);
const STEPS_FACTORED: KernelSpec = asynchronous(
    "steps_factored",
    &[
        "params",
        "states",
        "keys",
        "order",
        "probe_state",
        "flips",
        "rules",
        "logit_table",
        "pattern_bits",
        "overlaps",
    ],
);
const END_SWEEP: KernelSpec = asynchronous("end_sweep", &["params", "probe_state", "energy"]);
const STEPS_BLOCKED: KernelSpec = KernelSpec {
    module: shaders::RECALL_ASYNC_BLOCKED,
    entry: "steps_blocked",
    bindings: &[
        "params",
        "states",
        "keys",
        "order",
        "probe_state",
        "flips",
        "rules",
        "logit_table",
        "weights_block0",
        "weights_block1",
        "weights_block2",
        "weights_block3",
    ],
};

struct RecallKernels {
    sweep: Kernel,
    factored_sweep: Kernel,
    overlaps: Kernel,
    finalize: Kernel,
    start: Kernel,
    begin_sweep: Kernel,
    shuffle: Kernel,
    steps: Kernel,
    steps_factored: Kernel,
    end_sweep: Kernel,
}

impl KernelFamily for RecallKernels {
    fn build(ctx: &GpuContext) -> Result<Self> {
        Ok(RecallKernels {
            sweep: ctx.kernel(&SWEEP),
            factored_sweep: ctx.kernel(&FACTORED_SWEEP),
            overlaps: ctx.kernel(&OVERLAPS),
            finalize: ctx.kernel(&FINALIZE),
            start: ctx.kernel(&START),
            begin_sweep: ctx.kernel(&BEGIN_SWEEP),
            shuffle: ctx.kernel(&SHUFFLE),
            steps: ctx.kernel(&STEPS),
            steps_factored: ctx.kernel(&STEPS_FACTORED),
            end_sweep: ctx.kernel(&END_SWEEP),
        })
    }
}

/// The most bindings the asynchronous kernel reads a dense matrix from (recall_async_blocked.wgsl).
const MAX_ASYNC_BLOCKS: usize = 4;

/// Checks, before anything is learned, that asynchronous recall of a dense matrix of `neurons`
/// can read it on this adapter: from at most [`MAX_ASYNC_BLOCKS`] storage bindings.
pub(crate) fn check_async_dense(ctx: &GpuContext, neurons: usize) -> Result<()> {
    let blocks =
        neurons.div_ceil(ctx.rows_per_binding(neurons, neurons, 4, "the weight matrix")?);
    if blocks > MAX_ASYNC_BLOCKS {
        return Err(Error::TooLarge(format!(
            "asynchronous recall on the GPU reads the weight matrix ({}) from at most {MAX_ASYNC_BLOCKS} storage bindings ({} each on {}); use synchronous recall, factored weights (Hebbian) or the CPU backend",
            crate::gpu::human_bytes((neurons as u64).pow(2) * 4),
            crate::gpu::human_bytes(ctx.max_binding_bytes()),
            ctx.adapter.name
        )));
    }
    Ok(())
}

/// `steps_blocked`, built only when a dense matrix needs more than one binding: it takes four
/// more storage buffers than the other kernels.
struct BlockedStepKernels {
    steps: Kernel,
}

impl KernelFamily for BlockedStepKernels {
    fn build(ctx: &GpuContext) -> Result<Self> {
        let needed = 11;
        if ctx.limits.max_storage_buffers_per_shader_stage < needed {
            return Err(Error::TooLarge(format!(
                "{} binds at most {} storage buffers per kernel; asynchronous recall over a weight matrix in several bindings needs {needed}",
                ctx.adapter.name, ctx.limits.max_storage_buffers_per_shader_stage
            )));
        }
        Ok(BlockedStepKernels {
            steps: ctx.kernel(&STEPS_BLOCKED),
        })
    }
}

/// Loop iterations one invocation of the asynchronous `shuffle` kernel may run.
const SHUFFLE_BUDGET: u32 = 32_768;
/// Neurons one `overlaps_chunk` dispatch covers: its loop runs CHUNK/16 iterations.
const OVERLAP_CHUNK: u32 = 16 * 16_384;

/// The couplings as the kernels see them.
enum GpuCouplings {
    /// The weight matrix in blocks of whole rows, each one storage binding.
    Dense { weights: RowBlocks },
    Factored {
        bits: wgpu::Buffer,
        stored: u32,
        words: u32,
    },
}

impl GpuCouplings {
    fn upload(ctx: &GpuContext, network: &HopfieldNetwork) -> Result<Self> {
        if let Some(weights) = network.weights() {
            return Ok(GpuCouplings::Dense {
                weights: ctx.row_blocks_from("the weight matrix", weights, network.neurons())?,
            });
        }
        let patterns = network.factors().expect("a network is dense or factored");
        let n = network.neurons();
        let words = n.div_ceil(32);
        // 32 neurons to a word, bit set = +1; keep in sync with pattern_value in the shaders.
        let mut bits = vec![0u32; network.stored() * words];
        for (mu, pattern) in patterns.chunks_exact(n).enumerate() {
            for (j, &x) in pattern.iter().enumerate() {
                if x > 0 {
                    bits[mu * words + j / 32] |= 1 << (j % 32);
                }
            }
        }
        Ok(GpuCouplings::Factored {
            bits: ctx.storage_from("pattern bits", &bits)?,
            stored: network.stored() as u32,
            words: words as u32,
        })
    }

    fn stored_and_words(&self) -> (u32, u32) {
        match self {
            GpuCouplings::Dense { .. } => (0, 0),
            GpuCouplings::Factored { stored, words, .. } => (*stored, *words),
        }
    }
}

pub(super) fn recall_gpu(
    ctx: &Arc<GpuContext>,
    network: &HopfieldNetwork,
    probes: &[i8],
    keys: &[StreamKey],
    params: &RecallParams,
    dynamics: &Dynamics,
    progress: &dyn Progress,
) -> Result<Vec<RecallOutcome>> {
    let kernels = ctx.kernels::<RecallKernels>()?;
    let n = network.neurons();
    let couplings = GpuCouplings::upload(ctx, network)?;
    let rules: &[NeuronRule] = &dynamics.rules;
    let rules = ctx.storage_from("neuron rules", rules)?;
    // An unused table still needs a valid binding.
    let logit_table = ctx.storage_from("logit table", &dynamics.logit_table)?;
    let batch = batch_size(ctx, network, params)?;
    let job = RecallJob {
        ctx,
        kernels: &kernels,
        couplings: &couplings,
        rules: &rules,
        logit_table: &logit_table,
        neurons: n,
        network,
        params,
        glauber_factor: dynamics.glauber_factor,
    };
    let mut outcomes = Vec::with_capacity(probes.len() / n);
    for (chunk, chunk_keys) in probes.chunks(batch * n).zip(keys.chunks(batch)) {
        let states: Vec<i32> = chunk.iter().map(|&v| i32::from(v)).collect();
        let key_words: Vec<[u32; 4]> = chunk_keys.iter().map(|key| key.0).collect();
        let batch_outcomes = match params.mode {
            UpdateMode::Sync => job.run_sync(&states, &key_words)?,
            UpdateMode::Async => job.run_async(&states, &key_words)?,
        };
        progress.advance(batch_outcomes.len() as u64);
        outcomes.extend(batch_outcomes);
        if progress.cancelled() {
            return Err(crate::Error::Interrupted);
        }
    }
    Ok(outcomes)
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

/// The buffers of one batch that the synchronous kernels read and write.
struct SweepBuffers<'b> {
    current: &'b wgpu::Buffer,
    next: &'b wgpu::Buffer,
    before: &'b wgpu::Buffer,
    status: &'b wgpu::Buffer,
    flags: &'b wgpu::Buffer,
    energy: &'b wgpu::Buffer,
    keys: &'b wgpu::Buffer,
    /// The overlaps M = X S of factored couplings (an unused stand-in for dense ones).
    overlaps: &'b wgpu::Buffer,
}

/// One prepared dispatch: a pipeline, its bind group and its workgroup counts.
struct Dispatch<'k> {
    pipeline: &'k wgpu::ComputePipeline,
    group: wgpu::BindGroup,
    workgroups: (u32, u32),
}

fn record(pass: &mut wgpu::ComputePass, plan: &[Dispatch]) {
    for dispatch in plan {
        pass.set_pipeline(dispatch.pipeline);
        pass.set_bind_group(0, &dispatch.group, &[]);
        pass.dispatch_workgroups(dispatch.workgroups.0, dispatch.workgroups.1, 1);
    }
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
}

impl RecallJob<'_> {
    fn sync_params(&self, probes: usize) -> SyncParams {
        let (stored, words) = self.couplings.stored_and_words();
        SyncParams {
            neurons: self.neurons as u32,
            probes: probes as u32,
            neuron_tiles: (self.neurons as u32).div_ceil(TILE),
            max_sweeps: self.params.max_sweeps,
            energy_only: 0,
            energy_slot: 0,
            glauber_factor: self.glauber_factor,
            stored,
            words,
            chunk_start: 0,
            chunk_count: OVERLAP_CHUNK,
            row_start: 0,
            block_rows: self.neurons as u32,
            _padding: 0,
        }
    }

    /// The dispatches of one field-and-update pass (or, with `energy_only`, one energy pass) of
    /// the synchronous kernels over `buffers`: for factored couplings the overlaps first. Built
    /// once per buffer rotation phase and recorded every sweep of that phase.
    fn plan_sweep(&self, uniform_params: SyncParams, buffers: &SweepBuffers) -> Vec<Dispatch<'_>> {
        let (ctx, kernels) = (self.ctx, self.kernels);
        let common = [
            ("current", buffers.current),
            ("next", buffers.next),
            ("before", buffers.before),
            ("status", buffers.status),
            ("flags", buffers.flags),
            ("energy", buffers.energy),
            ("rules", self.rules),
            ("keys", buffers.keys),
            ("logit_table", self.logit_table),
        ];
        let mut plan = Vec::new();
        match self.couplings {
            GpuCouplings::Dense { weights } => {
                for ((row_start, block_rows), block) in
                    weights.ranges(self.neurons).zip(&weights.blocks)
                {
                    let block_params = SyncParams {
                        neuron_tiles: (block_rows as u32).div_ceil(BLOCK),
                        row_start: row_start as u32,
                        block_rows: block_rows as u32,
                        ..uniform_params
                    };
                    let uniform = ctx.uniform("sync block params", &block_params);
                    let mut entries = vec![("params", &uniform), ("weights", block)];
                    entries.extend(common);
                    plan.push(Dispatch {
                        pipeline: &kernels.sweep.pipeline,
                        group: kernels.sweep.bind_named(ctx, &entries),
                        workgroups: ctx.spread_groups(
                            block_params.neuron_tiles * uniform_params.probes.div_ceil(BLOCK),
                        ),
                    });
                }
            }
            GpuCouplings::Factored { bits, stored, .. } => {
                let probe_tiles = uniform_params.probes.div_ceil(TILE);
                for chunk_start in (0..self.neurons as u32).step_by(OVERLAP_CHUNK as usize) {
                    let uniform = ctx.uniform(
                        "overlap params",
                        &SyncParams {
                            chunk_start,
                            ..uniform_params
                        },
                    );
                    let entries = [
                        ("params", &uniform),
                        ("current", buffers.current),
                        ("pattern_bits", bits),
                        ("overlaps", buffers.overlaps),
                    ];
                    plan.push(Dispatch {
                        pipeline: &kernels.overlaps.pipeline,
                        group: kernels.overlaps.bind_named(ctx, &entries),
                        workgroups: ctx.spread_groups(stored.div_ceil(TILE) * probe_tiles),
                    });
                }
                let uniform = ctx.uniform("sync params", &uniform_params);
                let mut entries = vec![
                    ("params", &uniform),
                    ("pattern_bits", bits),
                    ("overlaps", buffers.overlaps),
                ];
                entries.extend(common);
                plan.push(Dispatch {
                    pipeline: &kernels.factored_sweep.pipeline,
                    group: kernels.factored_sweep.bind_named(ctx, &entries),
                    workgroups: ctx.spread_groups(uniform_params.neuron_tiles * probe_tiles),
                });
            }
        }
        plan
    }

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

    fn run_sync(&self, states: &[i32], key_words: &[[u32; 4]]) -> Result<Vec<RecallOutcome>> {
        let (ctx, kernels, n, params) = (self.ctx, self.kernels, self.neurons, self.params);
        let probes = states.len() / n;
        let sweep_params = self.sync_params(probes);
        let rotation = [
            ctx.storage_from("states 0", states)?,
            ctx.storage_zeroed("states 1", (states.len() * 4) as u64)?,
            ctx.storage_zeroed("states 2", (states.len() * 4) as u64)?,
        ];
        let status = ctx.storage_zeroed("status", (probes * 8) as u64)?;
        let flags = ctx.storage_zeroed("flags", (probes * 8) as u64)?;
        let keys = ctx.storage_from("keys", key_words)?;
        let overlaps = self.overlap_buffer(probes)?;
        let slots = params.max_sweeps as usize + 1;
        let energy = ctx.storage_zeroed("energy", (slots * probes * ENERGY_WORDS * 4) as u64)?;
        // Phase p reads rotation[p] (current), writes rotation[p+1] (next), compares with rotation[p+2] (before).
        let buffers_of = |phase: usize| SweepBuffers {
            current: &rotation[phase % 3],
            next: &rotation[(phase + 1) % 3],
            before: &rotation[(phase + 2) % 3],
            status: &status,
            flags: &flags,
            energy: &energy,
            keys: &keys,
            overlaps: &overlaps,
        };
        let finalize_uniform = ctx.uniform("finalize params", &sweep_params);
        let finalize_group = kernels.finalize.bind_named(
            ctx,
            &[
                ("params", &finalize_uniform),
                ("status", &status),
                ("flags", &flags),
            ],
        );
        let (final_x, final_y) = ctx.spread_groups((probes as u32).div_ceil(64));

        // The dispatches of a sweep differ only by the rotation phase: prepared once per phase.
        let phase_plans: Vec<Vec<Dispatch>> = (0..3)
            .map(|phase| self.plan_sweep(sweep_params, &buffers_of(phase)))
            .collect();
        let mut done_sweeps = 0u32;
        while done_sweeps < params.max_sweeps {
            let count = SWEEPS_PER_SUBMISSION.min(params.max_sweeps - done_sweeps);
            let mut encoder = ctx.device.create_command_encoder(&Default::default());
            {
                let mut pass = ctx.begin_pass(&mut encoder);
                for _ in 0..count {
                    record(&mut pass, &phase_plans[done_sweeps as usize % 3]);
                    pass.set_pipeline(&kernels.finalize.pipeline);
                    pass.set_bind_group(0, &finalize_group, &[]);
                    pass.dispatch_workgroups(final_x, final_y, 1);
                    done_sweeps += 1;
                }
            }
            ctx.queue.submit([encoder.finish()]);
            let statuses = ctx.read_back::<ProbeStatus>(&status, probes)?;
            if statuses.iter().all(|s| s.ending != 0) {
                break;
            }
        }

        let final_phase = done_sweeps as usize % 3;
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = ctx.begin_pass(&mut encoder);
            let energy_params = SyncParams {
                energy_only: 1,
                energy_slot: params.max_sweeps,
                ..sweep_params
            };
            record(
                &mut pass,
                &self.plan_sweep(energy_params, &buffers_of(final_phase)),
            );
        }
        ctx.queue.submit([encoder.finish()]);

        let final_states = ctx.read_back::<i32>(&rotation[final_phase], states.len())?;
        let statuses = ctx.read_back::<ProbeStatus>(&status, probes)?;
        let energy_words = ctx.read_back::<u32>(&energy, slots * probes * ENERGY_WORDS)?;
        (0..probes)
            .map(|b| {
                let status = statuses[b];
                let recorded = (0..status.sweeps as usize).chain([params.max_sweeps as usize]);
                Ok(RecallOutcome {
                    final_state: final_states[b * n..(b + 1) * n]
                        .iter()
                        .map(|&v| v as i8)
                        .collect(),
                    sweeps: status.sweeps,
                    ending: ending_from_code(status.ending)?,
                    energy: self.energies(&energy_words, probes, b, recorded),
                    flips: None,
                })
            })
            .collect()
    }

    fn run_async(&self, states: &[i32], key_words: &[[u32; 4]]) -> Result<Vec<RecallOutcome>> {
        let (ctx, kernels, n, params) = (self.ctx, self.kernels, self.neurons, self.params);
        let probes = states.len() / n;
        let flip_capacity = if params.record_flips {
            u32::try_from(n as u64 * u64::from(params.max_sweeps)).map_err(|_| {
                Error::TooLarge("a trajectory of that many sweeps; lower max_sweeps".into())
            })?
        } else {
            0
        };
        // A sweep visits neurons in random order, so every step may need any row: a matrix over
        // several bindings is read through the blocked kernel, up to MAX_ASYNC_BLOCKS of them.
        let blocked = match self.couplings {
            GpuCouplings::Dense { weights } if weights.blocks.len() > MAX_ASYNC_BLOCKS => {
                return Err(Error::TooLarge(format!(
                    "asynchronous recall on the GPU reads the weight matrix ({}) from at most {MAX_ASYNC_BLOCKS} storage bindings ({} each on {}); use synchronous recall, factored weights (Hebbian) or the CPU backend",
                    crate::gpu::human_bytes((n * n * 4) as u64),
                    crate::gpu::human_bytes(ctx.max_binding_bytes()),
                    ctx.adapter.name
                )));
            }
            GpuCouplings::Dense { weights } if weights.blocks.len() > 1 => {
                Some((ctx.kernels::<BlockedStepKernels>()?, weights))
            }
            _ => None,
        };
        let (stored, words) = self.couplings.stored_and_words();
        // Loop iterations per neuron update: the field's strided part, the reduction and, for
        // factored couplings, the overlap update.
        let per_neuron = match self.couplings {
            GpuCouplings::Dense { .. } => (n as u32).div_ceil(64) + 8,
            GpuCouplings::Factored { .. } => 2 * stored.div_ceil(64) + 8,
        };
        let step_count = (STEP_LOOP_BUDGET / per_neuron).max(1);
        let base_params = AsyncParams {
            neurons: n as u32,
            probes: probes as u32,
            max_sweeps: params.max_sweeps,
            flip_capacity,
            step_start: 0,
            step_count,
            glauber_factor: self.glauber_factor,
            stored,
            words,
            shuffle_start: 0,
            shuffle_count: SHUFFLE_BUDGET,
            rows_per_block: match self.couplings {
                GpuCouplings::Dense { weights } => weights.rows_per_block as u32,
                GpuCouplings::Factored { .. } => 0,
            },
        };
        let state_buffer = ctx.storage_from("states", states)?;
        let keys = ctx.storage_from("keys", key_words)?;
        let order = ctx.storage_zeroed("order", (states.len() * 4) as u64)?;
        let probe_buffer = ctx.storage_zeroed(
            "probe state",
            (probes * std::mem::size_of::<AsyncProbe>()) as u64,
        )?;
        let overlaps = self.overlap_buffer(probes)?;
        let slots = params.max_sweeps as usize + 1;
        let energy = ctx.storage_zeroed("energy", (slots * probes * ENERGY_WORDS * 4) as u64)?;
        let flip_buffer =
            ctx.storage_zeroed("flips", probes as u64 * u64::from(flip_capacity) * 4)?;
        let base_uniform = ctx.uniform("async params", &base_params);

        // Each step dispatch covers its own range of order positions and needs its own parameters.
        let step_groups: Vec<wgpu::BindGroup> = (0..(n as u32).div_ceil(step_count))
            .map(|chunk| {
                let uniform = ctx.uniform(
                    "async step params",
                    &AsyncParams {
                        step_start: chunk * step_count,
                        ..base_params
                    },
                );
                let mut entries = vec![
                    ("params", &uniform),
                    ("states", &state_buffer),
                    ("keys", &keys),
                    ("order", &order),
                    ("probe_state", &probe_buffer),
                    ("flips", &flip_buffer),
                    ("rules", self.rules),
                    ("logit_table", self.logit_table),
                ];
                match (self.couplings, &blocked) {
                    (GpuCouplings::Dense { .. }, Some((blocked_kernels, weights))) => {
                        // Unused block slots repeat the last block: any valid buffer will do.
                        let last = weights.blocks.len() - 1;
                        for (slot, name) in WEIGHT_BLOCKS.into_iter().enumerate() {
                            entries.push((name, &weights.blocks[slot.min(last)]));
                        }
                        blocked_kernels.steps.bind_named(ctx, &entries)
                    }
                    (GpuCouplings::Dense { weights }, None) => {
                        entries.push(("weights", &weights.blocks[0]));
                        kernels.steps.bind_named(ctx, &entries)
                    }
                    (GpuCouplings::Factored { bits, .. }, _) => {
                        entries.extend([("pattern_bits", bits), ("overlaps", &overlaps)]);
                        kernels.steps_factored.bind_named(ctx, &entries)
                    }
                }
            })
            .collect();
        let steps_pipeline = match (self.couplings, &blocked) {
            (GpuCouplings::Dense { .. }, Some((blocked_kernels, _))) => {
                &blocked_kernels.steps.pipeline
            }
            (GpuCouplings::Dense { .. }, None) => &kernels.steps.pipeline,
            (GpuCouplings::Factored { .. }, _) => &kernels.steps_factored.pipeline,
        };
        let shuffle_groups: Vec<wgpu::BindGroup> =
            (0..(n as u32).saturating_sub(1).div_ceil(SHUFFLE_BUDGET))
                .map(|chunk| {
                    let uniform = ctx.uniform(
                        "shuffle params",
                        &AsyncParams {
                            shuffle_start: chunk * SHUFFLE_BUDGET,
                            ..base_params
                        },
                    );
                    kernels.shuffle.bind_named(
                        ctx,
                        &[
                            ("params", &uniform),
                            ("keys", &keys),
                            ("order", &order),
                            ("probe_state", &probe_buffer),
                        ],
                    )
                })
                .collect();
        let start_group = kernels.start.bind_named(
            ctx,
            &[
                ("params", &base_uniform),
                ("probe_state", &probe_buffer),
                ("energy", &energy),
            ],
        );
        let begin_group = kernels.begin_sweep.bind_named(
            ctx,
            &[
                ("params", &base_uniform),
                ("order", &order),
                ("probe_state", &probe_buffer),
            ],
        );
        let end_group = kernels.end_sweep.bind_named(
            ctx,
            &[
                ("params", &base_uniform),
                ("probe_state", &probe_buffer),
                ("energy", &energy),
            ],
        );
        let (probe_x, probe_y) = ctx.spread_groups(probes as u32);
        let (thread_x, thread_y) = ctx.spread_groups((probes as u32).div_ceil(64));

        // The initial energy (and overlaps) from the synchronous field kernels' energy pass; the
        // bindings it does not touch still need valid buffers, read-only and writable apart.
        let unused_writable = ctx.storage_zeroed("unused (writable)", 16)?;
        let unused_readable = ctx.storage_zeroed("unused (read-only)", 16)?;
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = ctx.begin_pass(&mut encoder);
            let energy_params = SyncParams {
                energy_only: 1,
                energy_slot: 0,
                ..self.sync_params(probes)
            };
            let buffers = SweepBuffers {
                current: &state_buffer,
                next: &unused_writable,
                before: &unused_readable,
                status: &unused_writable,
                flags: &unused_writable,
                energy: &energy,
                keys: &keys,
                overlaps: &overlaps,
            };
            record(&mut pass, &self.plan_sweep(energy_params, &buffers));
            pass.set_pipeline(&kernels.start.pipeline);
            pass.set_bind_group(0, &start_group, &[]);
            pass.dispatch_workgroups(thread_x, thread_y, 1);
        }
        ctx.queue.submit([encoder.finish()]);

        let mut done_sweeps = 0u32;
        while done_sweeps < params.max_sweeps {
            let count = SWEEPS_PER_SUBMISSION.min(params.max_sweeps - done_sweeps);
            let mut encoder = ctx.device.create_command_encoder(&Default::default());
            {
                let mut pass = ctx.begin_pass(&mut encoder);
                for _ in 0..count {
                    pass.set_pipeline(&kernels.begin_sweep.pipeline);
                    pass.set_bind_group(0, &begin_group, &[]);
                    pass.dispatch_workgroups(probe_x, probe_y, 1);
                    pass.set_pipeline(&kernels.shuffle.pipeline);
                    for group in &shuffle_groups {
                        pass.set_bind_group(0, group, &[]);
                        pass.dispatch_workgroups(thread_x, thread_y, 1);
                    }
                    pass.set_pipeline(steps_pipeline);
                    for group in &step_groups {
                        pass.set_bind_group(0, group, &[]);
                        pass.dispatch_workgroups(probe_x, probe_y, 1);
                    }
                    pass.set_pipeline(&kernels.end_sweep.pipeline);
                    pass.set_bind_group(0, &end_group, &[]);
                    pass.dispatch_workgroups(thread_x, thread_y, 1);
                    done_sweeps += 1;
                }
            }
            ctx.queue.submit([encoder.finish()]);
            let progress = ctx.read_back::<AsyncProbe>(&probe_buffer, probes)?;
            if progress.iter().all(|p| p.ending != 0) {
                break;
            }
        }

        let final_states = ctx.read_back::<i32>(&state_buffer, states.len())?;
        let results = ctx.read_back::<AsyncProbe>(&probe_buffer, probes)?;
        let energy_words = ctx.read_back::<u32>(&energy, slots * probes * ENERGY_WORDS)?;
        let flips = if params.record_flips {
            ctx.read_back::<u32>(&flip_buffer, probes * flip_capacity as usize)?
        } else {
            Vec::new()
        };
        (0..probes)
            .map(|b| {
                let result = results[b];
                let recorded = params.record_flips.then(|| {
                    let start = b * flip_capacity as usize;
                    flips[start..start + result.flips as usize].to_vec()
                });
                Ok(RecallOutcome {
                    final_state: final_states[b * n..(b + 1) * n]
                        .iter()
                        .map(|&v| v as i8)
                        .collect(),
                    sweeps: result.sweeps,
                    ending: ending_from_code(result.ending)?,
                    energy: self.energies(&energy_words, probes, b, 0..=result.sweeps as usize),
                    flips: recorded,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_bind_their_wgsl_buffers_by_name() {
        for spec in [
            SWEEP,
            FACTORED_SWEEP,
            OVERLAPS,
            FINALIZE,
            START,
            BEGIN_SWEEP,
            SHUFFLE,
            STEPS,
            STEPS_FACTORED,
            END_SWEEP,
            STEPS_BLOCKED,
        ] {
            spec.binding_numbers().unwrap();
        }
        assert!(STEPS_BLOCKED.bindings.ends_with(&WEIGHT_BLOCKS));
    }

    #[test]
    fn params_have_the_layout_of_their_wgsl_structs() {
        use crate::gpu::shaders;
        crate::assert_wgsl_layout!(
            shaders::RECALL_SYNC,
            "Params",
            SyncParams {
                neurons,
                probes,
                neuron_tiles,
                max_sweeps,
                energy_only,
                energy_slot,
                glauber_factor,
                stored,
                words,
                chunk_start,
                chunk_count,
                row_start,
                block_rows,
                _padding
            }
        );
        crate::assert_wgsl_layout!(
            shaders::RECALL_SYNC,
            "ProbeStatus",
            ProbeStatus { ending, sweeps }
        );
        for module in [shaders::RECALL_ASYNC, shaders::RECALL_ASYNC_BLOCKED] {
            crate::assert_wgsl_layout!(
                module,
                "Params",
                AsyncParams {
                    neurons,
                    probes,
                    max_sweeps,
                    flip_capacity,
                    step_start,
                    step_count,
                    glauber_factor,
                    stored,
                    words,
                    shuffle_start,
                    shuffle_count,
                    rows_per_block
                }
            );
        }
        crate::assert_wgsl_layout!(
            shaders::RECALL_ASYNC,
            "Probe",
            AsyncProbe {
                ending,
                sweeps,
                flips,
                changed,
                quadratic_hi,
                quadratic_lo,
                threshold_hi,
                threshold_lo
            }
        );
    }
}
