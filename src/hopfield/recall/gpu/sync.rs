//! Synchronous recall on the GPU: every neuron updated from the same state each sweep
//! (shaders/recall_sync.wgsl), the buffers rotated over three states to spot 2-cycles.

use super::couplings::GpuCouplings;
use super::kernels::{ProbeStatus, SyncParams};
use super::*;
use crate::gpu::Dispatch;
use crate::hopfield::recall::Probes;

/// The buffers of one batch that the synchronous kernels read and write.
pub(super) struct SweepBuffers<'b> {
    pub(super) current: &'b wgpu::Buffer,
    pub(super) next: &'b wgpu::Buffer,
    pub(super) before: &'b wgpu::Buffer,
    pub(super) status: &'b wgpu::Buffer,
    pub(super) flags: &'b wgpu::Buffer,
    pub(super) energy: &'b wgpu::Buffer,
    pub(super) keys: &'b wgpu::Buffer,
    /// The overlaps M = X S of factored couplings (an unused stand-in for dense ones).
    pub(super) overlaps: &'b wgpu::Buffer,
}

impl RecallJob<'_> {
    pub(super) fn sync_params(&self, probes: usize) -> SyncParams {
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
    pub(super) fn plan_sweep(
        &self,
        uniform_params: SyncParams,
        buffers: &SweepBuffers,
    ) -> Vec<Dispatch<'_>> {
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
                    plan.push(Dispatch::new(
                        &kernels.sweep,
                        kernels.sweep.bind_named(ctx, &entries),
                        ctx.spread_groups(
                            block_params.neuron_tiles * uniform_params.probes.div_ceil(BLOCK),
                        ),
                    ));
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
                    plan.push(Dispatch::new(
                        &kernels.overlaps,
                        kernels.overlaps.bind_named(ctx, &entries),
                        ctx.spread_groups(stored.div_ceil(TILE) * probe_tiles),
                    ));
                }
                let uniform = ctx.uniform("sync params", &uniform_params);
                let mut entries = vec![
                    ("params", &uniform),
                    ("pattern_bits", bits),
                    ("overlaps", buffers.overlaps),
                ];
                entries.extend(common);
                plan.push(Dispatch::new(
                    &kernels.factored_sweep,
                    kernels.factored_sweep.bind_named(ctx, &entries),
                    ctx.spread_groups(uniform_params.neuron_tiles * probe_tiles),
                ));
            }
        }
        plan
    }

    pub(super) fn run_sync(&self, batch: Probes) -> Result<Vec<RecallOutcome>> {
        let (ctx, kernels, n, params) = (self.ctx, self.kernels, self.neurons, self.params);
        let (states, key_words) = (batch.state_words(), batch.key_words());
        let probes = states.len() / n;
        let sweep_params = self.sync_params(probes);
        let rotation = [
            ctx.storage_from("states 0", &states)?,
            ctx.storage_zeroed("states 1", (states.len() * 4) as u64)?,
            ctx.storage_zeroed("states 2", (states.len() * 4) as u64)?,
        ];
        let status = ctx.storage_zeroed("status", (probes * 8) as u64)?;
        let flags = ctx.storage_zeroed("flags", (probes * 8) as u64)?;
        let keys = ctx.storage_from("keys", &key_words)?;
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
        let finalize_groups = ctx.spread_groups((probes as u32).div_ceil(64));

        // The dispatches of a sweep differ only by the rotation phase: prepared once per phase,
        // each ending with the probes' verdicts.
        let phase_plans: Vec<Vec<Dispatch>> = (0..3)
            .map(|phase| {
                let mut plan = self.plan_sweep(sweep_params, &buffers_of(phase));
                let finalize = finalize_group.clone();
                plan.push(Dispatch::new(&kernels.finalize, finalize, finalize_groups));
                plan
            })
            .collect();
        let done_sweeps = ctx.run_steps(
            params.max_sweeps,
            SWEEPS_PER_SUBMISSION,
            |sweep| &phase_plans[sweep as usize % 3],
            || {
                self.stop.check()?;
                let statuses = ctx.read_back::<ProbeStatus>(&status, probes)?;
                Ok(statuses.iter().all(|s| s.ending != 0))
            },
        )?;

        let final_phase = done_sweeps as usize % 3;
        let energy_params = SyncParams {
            energy_only: 1,
            energy_slot: params.max_sweeps,
            ..sweep_params
        };
        ctx.submit(&self.plan_sweep(energy_params, &buffers_of(final_phase)));

        let final_states = ctx.read_back::<i32>(&rotation[final_phase], states.len())?;
        let statuses = ctx.read_back::<ProbeStatus>(&status, probes)?;
        let energy_words = ctx.read_back::<u32>(&energy, slots * probes * ENERGY_WORDS)?;
        (0..probes)
            .map(|b| {
                let status = statuses[b];
                let recorded = (0..status.sweeps as usize).chain([params.max_sweeps as usize]);
                Ok(RecallOutcome::from_device(
                    &final_states[b * n..(b + 1) * n],
                    status.sweeps,
                    Ending::from_kernel(status.ending)?,
                    self.energies(&energy_words, probes, b, recorded),
                    None,
                ))
            })
            .collect()
    }
}
