//! GPU dispatch of recall: shaders/recall_sync.wgsl and shaders/recall_async.wgsl.
//! Probes are processed in batches sized to the adapter's binding limit and a memory budget.

use std::sync::Arc;

use indicatif::ProgressBar;

use super::{Dynamics, Ending, EnergyTerms, NeuronRule, RecallOutcome, RecallParams, UpdateMode};
use crate::error::{Error, Result};
use crate::gpu::{shaders, GpuContext, KernelFamily};
use crate::hopfield::network::HopfieldNetwork;
use crate::rng::StreamKey;

/// The most device memory one batch of probes may take (beside the weights).
const BATCH_BUDGET_BYTES: u64 = 512 << 20;
/// Sweeps recorded per submission before checking whether every probe has finished.
const SWEEPS_PER_SUBMISSION: u32 = 8;
const TILE: u32 = 16;
/// Words per energy slot and probe: hi and lo of s^T W s, hi and lo of Σ θ_i s_i.
const ENERGY_WORDS: usize = 4;
/// Loop iterations one invocation of the asynchronous `steps` kernel may run; well below
/// llvmpipe's limit of 65 535 per invocation (see recall_async.wgsl).
const STEP_LOOP_BUDGET: u32 = 32_768;

/// Keep in sync with `Params` in shaders/recall_sync.wgsl.
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
    _padding: u32,
}

/// Keep in sync with `ProbeStatus` in shaders/recall_sync.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ProbeStatus {
    ending: u32,
    sweeps: u32,
}

/// Keep in sync with `Params` in shaders/recall_async.wgsl.
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
    _padding: u32,
}

/// Keep in sync with `Probe` in shaders/recall_async.wgsl.
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
    match code {
        1 => Ok(Ending::FixedPoint),
        2 => Ok(Ending::TwoCycle),
        3 => Ok(Ending::SweepLimit),
        other => Err(Error::Gpu(format!(
            "a probe finished with unknown status {other}"
        ))),
    }
}

/// Recombines the wide sums of wide_int.wgsl (hi * 65536 + lo, lo summed unnormalised).
fn energy_terms(words: &[u32]) -> EnergyTerms {
    let wide = |hi: u32, lo: u32| i64::from(hi as i32) * 65_536 + i64::from(lo);
    EnergyTerms {
        quadratic: wide(words[0], words[1]),
        threshold: wide(words[2], words[3]),
    }
}

struct RecallKernels {
    sweep: wgpu::ComputePipeline,
    finalize: wgpu::ComputePipeline,
    start: wgpu::ComputePipeline,
    begin_sweep: wgpu::ComputePipeline,
    steps: wgpu::ComputePipeline,
    end_sweep: wgpu::ComputePipeline,
}

impl KernelFamily for RecallKernels {
    fn build(ctx: &GpuContext) -> Result<Self> {
        Ok(RecallKernels {
            sweep: ctx.compute_pipeline(&shaders::RECALL_SYNC, "sweep"),
            finalize: ctx.compute_pipeline(&shaders::RECALL_SYNC, "finalize"),
            start: ctx.compute_pipeline(&shaders::RECALL_ASYNC, "start"),
            begin_sweep: ctx.compute_pipeline(&shaders::RECALL_ASYNC, "begin_sweep"),
            steps: ctx.compute_pipeline(&shaders::RECALL_ASYNC, "steps"),
            end_sweep: ctx.compute_pipeline(&shaders::RECALL_ASYNC, "end_sweep"),
        })
    }
}

pub(super) fn recall_gpu(
    ctx: &Arc<GpuContext>,
    network: &HopfieldNetwork,
    probes: &[i8],
    keys: &[StreamKey],
    params: &RecallParams,
    dynamics: &Dynamics,
    progress: &ProgressBar,
) -> Result<Vec<RecallOutcome>> {
    let kernels = ctx.kernels::<RecallKernels>()?;
    let n = network.neurons();
    let weights = ctx.storage_from("weights", network.weights())?;
    let rules: &[NeuronRule] = &dynamics.rules;
    let rules = ctx.storage_from("neuron rules", rules)?;
    // An unused table still needs a valid binding.
    let logit_table = ctx.storage_from("logit table", &dynamics.logit_table)?;
    let batch = batch_size(ctx, n, params)?;
    let job = RecallJob {
        ctx,
        kernels: &kernels,
        weights: &weights,
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
        progress.inc(batch_outcomes.len() as u64);
        outcomes.extend(batch_outcomes);
    }
    Ok(outcomes)
}

/// How many probes one batch holds: every per-probe buffer must fit one binding, and all of them
/// together the batch budget.
fn batch_size(ctx: &GpuContext, neurons: usize, params: &RecallParams) -> Result<usize> {
    let n = neurons as u64;
    let slots = u64::from(params.max_sweeps) + 1;
    let energy_bytes = slots * ENERGY_WORDS as u64 * 4;
    let flip_bytes = if params.record_flips && params.mode == UpdateMode::Async {
        n * u64::from(params.max_sweeps) * 4
    } else {
        0
    };
    let largest = (n * 4).max(energy_bytes).max(flip_bytes);
    let total = match params.mode {
        UpdateMode::Sync => 3 * n * 4 + 32 + energy_bytes,
        UpdateMode::Async => 2 * n * 4 + 48 + energy_bytes + flip_bytes,
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
    weights: &'a wgpu::Buffer,
    rules: &'a wgpu::Buffer,
    logit_table: &'a wgpu::Buffer,
    neurons: usize,
    network: &'a HopfieldNetwork,
    params: &'a RecallParams,
    glauber_factor: f32,
}

impl RecallJob<'_> {
    fn sync_params(&self, probes: usize) -> SyncParams {
        SyncParams {
            neurons: self.neurons as u32,
            probes: probes as u32,
            neuron_tiles: (self.neurons as u32).div_ceil(TILE),
            max_sweeps: self.params.max_sweeps,
            energy_only: 0,
            energy_slot: 0,
            glauber_factor: self.glauber_factor,
            _padding: 0,
        }
    }

    /// A bind group for the synchronous `sweep` kernel.
    #[allow(clippy::too_many_arguments)]
    fn bind_sweep(
        &self,
        uniform: &wgpu::Buffer,
        current: &wgpu::Buffer,
        next: &wgpu::Buffer,
        before: &wgpu::Buffer,
        status: &wgpu::Buffer,
        flags: &wgpu::Buffer,
        energy: &wgpu::Buffer,
        keys: &wgpu::Buffer,
    ) -> wgpu::BindGroup {
        self.ctx.bind(
            &self.kernels.sweep,
            &[
                (0, uniform),
                (1, self.weights),
                (2, current),
                (3, next),
                (4, before),
                (5, status),
                (6, flags),
                (7, energy),
                (8, self.rules),
                (9, keys),
                (10, self.logit_table),
            ],
        )
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

    fn run_sync(&self, states: &[i32], key_words: &[[u32; 4]]) -> Result<Vec<RecallOutcome>> {
        let (ctx, kernels, n, params) = (self.ctx, self.kernels, self.neurons, self.params);
        let probes = states.len() / n;
        let sweep_params = self.sync_params(probes);
        let energy_params = SyncParams {
            energy_only: 1,
            energy_slot: params.max_sweeps,
            ..sweep_params
        };
        let sweep_uniform = ctx.uniform("sync params", &sweep_params);
        let energy_uniform = ctx.uniform("sync energy params", &energy_params);
        let rotation = [
            ctx.storage_from("states 0", states)?,
            ctx.storage_zeroed("states 1", (states.len() * 4) as u64)?,
            ctx.storage_zeroed("states 2", (states.len() * 4) as u64)?,
        ];
        let status = ctx.storage_zeroed("status", (probes * 8) as u64)?;
        let flags = ctx.storage_zeroed("flags", (probes * 8) as u64)?;
        let keys = ctx.storage_from("keys", key_words)?;
        let slots = params.max_sweeps as usize + 1;
        let energy = ctx.storage_zeroed("energy", (slots * probes * ENERGY_WORDS * 4) as u64)?;

        // Phase p reads rotation[p] (current), writes rotation[p+1] (next), compares with rotation[p+2] (before).
        let bind_phase = |uniform: &wgpu::Buffer, phase: usize| {
            self.bind_sweep(
                uniform,
                &rotation[phase % 3],
                &rotation[(phase + 1) % 3],
                &rotation[(phase + 2) % 3],
                &status,
                &flags,
                &energy,
                &keys,
            )
        };
        let sweep_groups: Vec<wgpu::BindGroup> =
            (0..3).map(|p| bind_phase(&sweep_uniform, p)).collect();
        let finalize_group = ctx.bind(
            &kernels.finalize,
            &[(0, &sweep_uniform), (5, &status), (6, &flags)],
        );
        let tiles = sweep_params.neuron_tiles * (probes as u32).div_ceil(TILE);
        let (tile_x, tile_y) = ctx.spread_groups(tiles);
        let (final_x, final_y) = ctx.spread_groups((probes as u32).div_ceil(64));

        let mut done_sweeps = 0u32;
        while done_sweeps < params.max_sweeps {
            let count = SWEEPS_PER_SUBMISSION.min(params.max_sweeps - done_sweeps);
            let mut encoder = ctx.device.create_command_encoder(&Default::default());
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                for _ in 0..count {
                    pass.set_pipeline(&kernels.sweep);
                    pass.set_bind_group(0, &sweep_groups[done_sweeps as usize % 3], &[]);
                    pass.dispatch_workgroups(tile_x, tile_y, 1);
                    pass.set_pipeline(&kernels.finalize);
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
        let energy_group = bind_phase(&energy_uniform, final_phase);
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&kernels.sweep);
            pass.set_bind_group(0, &energy_group, &[]);
            pass.dispatch_workgroups(tile_x, tile_y, 1);
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

    /// Records the energy-only pass of the synchronous field kernel: the energy terms of every
    /// probe in `states` into slot 0 of `energy`.
    fn record_initial_energy(
        &self,
        pass: &mut wgpu::ComputePass,
        states: &wgpu::Buffer,
        energy: &wgpu::Buffer,
        keys: &wgpu::Buffer,
        probes: u32,
    ) -> Result<()> {
        let params = SyncParams {
            energy_only: 1,
            energy_slot: 0,
            ..self.sync_params(probes as usize)
        };
        let uniform = self.ctx.uniform("energy pass params", &params);
        // The energy pass reads only `current` and writes only `energy`; the other bindings need
        // valid buffers but are never touched. A buffer may not be both read-only and writable
        // within one dispatch, hence two.
        let unused_writable = self.ctx.storage_zeroed("unused (writable)", 16)?;
        let unused_readable = self.ctx.storage_zeroed("unused (read-only)", 16)?;
        let group = self.bind_sweep(
            &uniform,
            states,
            &unused_writable,
            &unused_readable,
            &unused_writable,
            &unused_writable,
            energy,
            keys,
        );
        let (x, y) = self
            .ctx
            .spread_groups(params.neuron_tiles * probes.div_ceil(TILE));
        pass.set_pipeline(&self.kernels.sweep);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(x, y, 1);
        Ok(())
    }

    fn run_async(&self, states: &[i32], key_words: &[[u32; 4]]) -> Result<Vec<RecallOutcome>> {
        let (ctx, kernels, n, params) = (self.ctx, self.kernels, self.neurons, self.params);
        let probes = states.len() / n;
        let flip_capacity = if params.record_flips {
            u32::try_from(n as u64 * u64::from(params.max_sweeps)).map_err(|_| {
                Error::TooLarge("a trajectory of that many sweeps; lower --max-sweeps".into())
            })?
        } else {
            0
        };
        let lanes_per_neuron = (n as u32).div_ceil(64) + 8;
        let step_count = (STEP_LOOP_BUDGET / lanes_per_neuron).max(1);
        let base_params = AsyncParams {
            neurons: n as u32,
            probes: probes as u32,
            max_sweeps: params.max_sweeps,
            flip_capacity,
            step_start: 0,
            step_count,
            glauber_factor: self.glauber_factor,
            _padding: 0,
        };
        let state_buffer = ctx.storage_from("states", states)?;
        let keys = ctx.storage_from("keys", key_words)?;
        let order = ctx.storage_zeroed("order", (states.len() * 4) as u64)?;
        let probe_buffer = ctx.storage_zeroed(
            "probe state",
            (probes * std::mem::size_of::<AsyncProbe>()) as u64,
        )?;
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
                ctx.bind(
                    &kernels.steps,
                    &[
                        (0, &uniform),
                        (1, self.weights),
                        (2, &state_buffer),
                        (3, &keys),
                        (4, &order),
                        (5, &probe_buffer),
                        (7, &flip_buffer),
                        (8, self.rules),
                        (9, self.logit_table),
                    ],
                )
            })
            .collect();
        let start_group = ctx.bind(
            &kernels.start,
            &[(0, &base_uniform), (5, &probe_buffer), (6, &energy)],
        );
        let begin_group = ctx.bind(
            &kernels.begin_sweep,
            &[
                (0, &base_uniform),
                (3, &keys),
                (4, &order),
                (5, &probe_buffer),
            ],
        );
        let end_group = ctx.bind(
            &kernels.end_sweep,
            &[(0, &base_uniform), (5, &probe_buffer), (6, &energy)],
        );
        let (probe_x, probe_y) = ctx.spread_groups(probes as u32);
        let (thread_x, thread_y) = ctx.spread_groups((probes as u32).div_ceil(64));

        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            self.record_initial_energy(&mut pass, &state_buffer, &energy, &keys, probes as u32)?;
            pass.set_pipeline(&kernels.start);
            pass.set_bind_group(0, &start_group, &[]);
            pass.dispatch_workgroups(thread_x, thread_y, 1);
        }
        ctx.queue.submit([encoder.finish()]);

        let mut done_sweeps = 0u32;
        while done_sweeps < params.max_sweeps {
            let count = SWEEPS_PER_SUBMISSION.min(params.max_sweeps - done_sweeps);
            let mut encoder = ctx.device.create_command_encoder(&Default::default());
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                for _ in 0..count {
                    pass.set_pipeline(&kernels.begin_sweep);
                    pass.set_bind_group(0, &begin_group, &[]);
                    pass.dispatch_workgroups(probe_x, probe_y, 1);
                    pass.set_pipeline(&kernels.steps);
                    for group in &step_groups {
                        pass.set_bind_group(0, group, &[]);
                        pass.dispatch_workgroups(probe_x, probe_y, 1);
                    }
                    pass.set_pipeline(&kernels.end_sweep);
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
