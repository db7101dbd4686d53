//! Asynchronous recall on the GPU: one neuron at a time in each probe's own random order
//! (shaders/recall_async.wgsl; recall_async_blocked.wgsl for a matrix over several bindings).

use super::couplings::GpuCouplings;
use super::kernels::{
    AsyncParams, AsyncProbe, BlockedStepKernels, SyncParams, MAX_ASYNC_BLOCKS, WEIGHT_BLOCKS,
};
use super::sync::SweepBuffers;
use super::*;
use crate::error::Param;
use crate::gpu::Dispatch;
use crate::hopfield::recall::Probes;

impl RecallJob<'_> {
    pub(super) fn run_async(&self, batch: Probes) -> Result<Vec<RecallOutcome>> {
        let (ctx, kernels, n, params) = (self.ctx, self.kernels, self.neurons, self.params);
        let (states, key_words) = (batch.state_words(), batch.key_words());
        let probes = states.len() / n;
        let flip_capacity = if params.record_flips {
            u32::try_from(n as u64 * u64::from(params.max_sweeps)).map_err(|_| {
                Error::ParameterTooLarge {
                    param: Param::MaxSweeps,
                    value: params.max_sweeps.to_string(),
                    message: format!("a trajectory of {n} neurons × that many sweeps is more flips than one recall records"),
                }
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
        let state_buffer = ctx.storage_from("states", &states)?;
        let keys = ctx.storage_from("keys", &key_words)?;
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
        let steps_kernel = match (self.couplings, &blocked) {
            (GpuCouplings::Dense { .. }, Some((blocked_kernels, _))) => &blocked_kernels.steps,
            (GpuCouplings::Dense { .. }, None) => &kernels.steps,
            (GpuCouplings::Factored { .. }, _) => &kernels.steps_factored,
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
        // A workgroup per probe, or a thread per probe.
        let per_probe = ctx.spread_groups(probes as u32);
        let per_thread = ctx.spread_groups((probes as u32).div_ceil(64));

        // The initial energy (and overlaps) from the synchronous field kernels' energy pass; the
        // bindings it does not touch still need valid buffers, read-only and writable apart.
        let unused_writable = ctx.storage_zeroed("unused (writable)", 16)?;
        let unused_readable = ctx.storage_zeroed("unused (read-only)", 16)?;
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
        let mut start = self.plan_sweep(energy_params, &buffers);
        start.push(Dispatch::new(&kernels.start, start_group, per_thread));
        ctx.submit(&start);

        // A sweep: each probe draws its order, then steps through it, then takes stock.
        let mut sweep = vec![Dispatch::new(&kernels.begin_sweep, begin_group, per_probe)];
        sweep.extend(
            shuffle_groups
                .into_iter()
                .map(|group| Dispatch::new(&kernels.shuffle, group, per_thread)),
        );
        sweep.extend(
            step_groups
                .into_iter()
                .map(|group| Dispatch::new(steps_kernel, group, per_probe)),
        );
        sweep.push(Dispatch::new(&kernels.end_sweep, end_group, per_thread));
        ctx.run_steps(
            params.max_sweeps,
            SWEEPS_PER_SUBMISSION,
            |_| &sweep,
            || {
                self.stop.check()?;
                let progress = ctx.read_back::<AsyncProbe>(&probe_buffer, probes)?;
                Ok(progress.iter().all(|p| p.ending != 0))
            },
        )?;

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
                Ok(RecallOutcome::from_device(
                    &final_states[b * n..(b + 1) * n],
                    result.sweeps,
                    Ending::from_kernel(result.ending)?,
                    self.energies(&energy_words, probes, b, 0..=result.sweeps as usize),
                    recorded,
                ))
            })
            .collect()
    }
}
