//! GPU dispatch of dense-memory recall (shaders/dense_memory.wgsl, its seam in `kernels.rs`);
//! CPU twin `cpu.rs`. Probes go in batches sized to the adapter's binding limit and a memory
//! budget.

use std::sync::Arc;

use super::kernels::{
    pack_rows, table_words, DenseKernels, DenseParams, GpuRule, ProbeStatus, UPDATE_READS,
};
use super::{DenseMemory, Table, THRESHOLD_UNITS};
use crate::error::{Error, Result};
use crate::gpu::{Dispatch, GpuContext};
use crate::hopfield::network::HopfieldNetwork;
use crate::hopfield::recall::gpu::{BATCH_BUDGET_BYTES, ENERGY_WORDS, SWEEPS_PER_SUBMISSION};
use crate::hopfield::recall::{
    Ending, Probes, RecallEngine, RecallOutcome, RecallParams, UpdateMode,
};
use crate::progress::Progress;

/// Loop iterations one invocation may run: llvmpipe ends an invocation's loops after 65 535 in
/// total, and long invocations starve other work on real GPUs.
const LOOP_BUDGET: usize = 32_768;
const WORKGROUP: usize = 64;

/// Checks that every invocation stays within the loop budget; a clear error beyond it.
fn check_loops(memory: &DenseMemory) -> Result<()> {
    let (n, p) = (memory.neurons, memory.stored);
    if 2 * n + p > LOOP_BUDGET || 3 * p + 1 > LOOP_BUDGET {
        return Err(Error::TooLarge(format!(
            "{p} patterns of {n} neurons: the GPU's dense-memory kernels loop over the neurons and the patterns in one invocation, which takes 2N + P and 3P below {LOOP_BUDGET}; use the CPU backend"
        )));
    }
    Ok(())
}

/// Recall of a dense memory on the GPU: the patterns, tables and rules uploaded once, then each
/// batch through the kernels of shaders/dense_memory.wgsl.
pub(in crate::hopfield::recall) struct DenseGpu<'a> {
    ctx: &'a Arc<GpuContext>,
    kernels: Arc<DenseKernels>,
    shared: Shared,
    memory: DenseMemory<'a>,
    base: DenseParams,
    mode: UpdateMode,
    batch: usize,
}

impl<'a> DenseGpu<'a> {
    pub(in crate::hopfield::recall) fn new(
        ctx: &'a Arc<GpuContext>,
        network: &'a HopfieldNetwork,
        params: &'a RecallParams,
    ) -> Result<Self> {
        let memory = DenseMemory::new(network, params)?;
        check_loops(&memory)?;
        let kernels = ctx.kernels::<DenseKernels>()?;
        let (n, p) = (memory.neurons, memory.stored);
        let (row_bits, row_words) = pack_rows(memory.rows, n);
        let (column_bits, column_words) = pack_rows(memory.columns, p);
        let rules: Vec<GpuRule> = memory
            .rules
            .iter()
            .map(|rule| GpuRule {
                clamped: u32::from(rule.clamped),
                up_lo: rule.up as u32,
                up_hi: (rule.up >> 32) as u32,
                down_lo: rule.down as u32,
                down_hi: (rule.down >> 32) as u32,
                theta4: rule.theta4,
                theta_fixed: rule.theta_fixed,
                _pad: 0,
            })
            .collect();
        let shared = Shared {
            row_bits: ctx.storage_from("pattern rows", &row_bits)?,
            column_bits: ctx.storage_from("pattern columns", &column_bits)?,
            differences: ctx.storage_from("differences", &table_words(&memory.differences))?,
            energy_table: ctx.storage_from("energy table", &table_words(&memory.energies))?,
            rules: ctx.storage_from("dense rules", &rules)?,
            logit_table: ctx.storage_from("logit table", &memory.logit_table)?,
        };
        let flip_capacity = if params.record_flips && params.mode == UpdateMode::Async {
            u32::try_from(n as u64 * u64::from(params.max_sweeps)).map_err(|_| {
                Error::TooLarge(format!(
                    "recording the flips of {n} neurons over {} sweeps",
                    params.max_sweeps
                ))
            })?
        } else {
            0
        };
        let base = DenseParams {
            probes: 0,
            neurons: n as u32,
            stored: p as u32,
            exponential: u32::from(matches!(memory.differences, Table::Exp(_))),
            row_words: row_words as u32,
            column_words: column_words as u32,
            max_sweeps: params.max_sweeps,
            flip_capacity,
            glauber_factor: memory.glauber_factor,
            step_start: 0,
            step_count: 0,
            _pad: 0,
        };
        let batch = batch_size(ctx, n, p, params, flip_capacity)?;
        Ok(DenseGpu {
            ctx,
            kernels,
            shared,
            memory,
            base,
            mode: params.mode,
            batch,
        })
    }
}

impl RecallEngine for DenseGpu<'_> {
    fn max_batch(&self) -> usize {
        self.batch
    }

    fn recall_batch(&mut self, batch: Probes, stop: &dyn Progress) -> Result<Vec<RecallOutcome>> {
        let job = Batch {
            ctx: self.ctx,
            kernels: &self.kernels,
            shared: &self.shared,
            memory: &self.memory,
            params: DenseParams {
                probes: batch.keys.len() as u32,
                ..self.base
            },
            mode: self.mode,
            stop,
        };
        job.run(batch)
    }
}

/// How many probes one batch holds: every per-probe buffer within one binding, all of them
/// within the budget.
fn batch_size(
    ctx: &GpuContext,
    n: usize,
    p: usize,
    params: &RecallParams,
    flip_capacity: u32,
) -> Result<usize> {
    let state_bytes = n as u64 * 4;
    let overlap_bytes = p as u64 * 4;
    let energy_bytes = (u64::from(params.max_sweeps) + 1) * ENERGY_WORDS as u64 * 4;
    let flip_bytes = u64::from(flip_capacity) * 4;
    let largest = state_bytes
        .max(overlap_bytes)
        .max(energy_bytes)
        .max(flip_bytes);
    let total = 4 * state_bytes + overlap_bytes + energy_bytes + flip_bytes + 48;
    ctx.check_binding("one probe's dense-memory recall buffers", largest)?;
    let by_binding = ctx.max_binding_bytes() / largest;
    let by_budget = BATCH_BUDGET_BYTES / total;
    Ok(by_binding.min(by_budget).clamp(1, u64::from(u32::MAX)) as usize)
}

/// The buffers every batch reads.
struct Shared {
    row_bits: wgpu::Buffer,
    column_bits: wgpu::Buffer,
    differences: wgpu::Buffer,
    energy_table: wgpu::Buffer,
    rules: wgpu::Buffer,
    logit_table: wgpu::Buffer,
}

struct Batch<'a> {
    ctx: &'a GpuContext,
    kernels: &'a DenseKernels,
    shared: &'a Shared,
    memory: &'a DenseMemory<'a>,
    params: DenseParams,
    mode: UpdateMode,
    /// Asked between submissions whether to stop.
    stop: &'a dyn Progress,
}

impl Batch<'_> {
    fn groups(&self, threads: usize) -> (u32, u32) {
        self.ctx
            .spread_groups(threads.div_ceil(WORKGROUP).max(1) as u32)
    }

    fn run(&self, batch: Probes) -> Result<Vec<RecallOutcome>> {
        let ctx = self.ctx;
        let k = &self.kernels;
        let s = &self.shared;
        let (n, p) = (self.memory.neurons, self.memory.stored);
        let probes = batch.keys.len();
        let slots = self.params.max_sweeps as usize + 1;
        let (states, key_words) = (batch.state_words(), batch.key_words());
        let params = ctx.uniform("dense params", &self.params);
        let states_buffer = ctx.storage_from("states", &states)?;
        let next = ctx.storage_zeroed("next states", (states.len() * 4) as u64)?;
        let before = ctx.storage_zeroed("states before", (states.len() * 4) as u64)?;
        let overlaps = ctx.storage_zeroed("overlaps", (probes * p * 4) as u64)?;
        let keys_buffer = ctx.storage_from("keys", &key_words)?;
        let status = ctx.storage_zeroed(
            "probe status",
            (probes * std::mem::size_of::<ProbeStatus>()) as u64,
        )?;
        let energy = ctx.storage_zeroed("energies", (slots * probes * ENERGY_WORDS * 4) as u64)?;
        let flips_per_probe = self.params.flip_capacity as usize;
        let order = ctx.storage_zeroed(
            "order",
            if self.mode == UpdateMode::Async {
                (probes * n * 4) as u64
            } else {
                4
            },
        )?;
        let flips = ctx.storage_zeroed("flips", (probes * flips_per_probe * 4).max(4) as u64)?;

        let per_probe = self.groups(probes);
        let mut sweep_plan = vec![
            Dispatch::new(
                &k.overlaps,
                k.overlaps.bind(
                    ctx,
                    &[&params, &s.row_bits, &states_buffer, &overlaps, &status],
                ),
                self.groups(probes * p),
            ),
            Dispatch::new(
                &k.energy,
                k.energy.bind(
                    ctx,
                    &[
                        &params,
                        &states_buffer,
                        &overlaps,
                        &s.energy_table,
                        &s.rules,
                        &status,
                        &energy,
                    ],
                ),
                per_probe,
            ),
        ];
        let reads: [&wgpu::Buffer; 7] = [
            &s.column_bits,
            &overlaps,
            &s.differences,
            &s.rules,
            &s.logit_table,
            &keys_buffer,
            &status,
        ];
        let named =
            || -> Vec<(&str, &wgpu::Buffer)> { UPDATE_READS.iter().copied().zip(reads).collect() };
        // One uniform buffer per range of order positions (async): each async_steps dispatch
        // reads its own range.
        let step_count = (LOOP_BUDGET / (3 * p + 1)).max(1);
        let step_params: Vec<wgpu::Buffer> = (0..n)
            .step_by(step_count)
            .map(|start| {
                ctx.uniform(
                    "dense step params",
                    &DenseParams {
                        step_start: start as u32,
                        step_count: step_count as u32,
                        ..self.params
                    },
                )
            })
            .collect();
        match self.mode {
            UpdateMode::Sync => {
                let mut update = named();
                update.extend([
                    ("params", &params),
                    ("states", &states_buffer),
                    ("next_states", &next),
                ]);
                sweep_plan.push(Dispatch::new(
                    &k.sync_update,
                    k.sync_update.bind_named(ctx, &update),
                    self.groups(probes * n),
                ));
                sweep_plan.push(Dispatch::new(
                    &k.sync_finish,
                    k.sync_finish
                        .bind(ctx, &[&params, &states_buffer, &next, &before, &status]),
                    per_probe,
                ));
            }
            UpdateMode::Async => {
                sweep_plan.push(Dispatch::new(
                    &k.begin_sweep,
                    k.begin_sweep
                        .bind(ctx, &[&params, &keys_buffer, &status, &order]),
                    per_probe,
                ));
                for step in &step_params {
                    let mut steps = named();
                    steps.extend([
                        ("params", step),
                        ("states", &states_buffer),
                        ("order", &order),
                        ("flips", &flips),
                    ]);
                    sweep_plan.push(Dispatch::new(
                        &k.async_steps,
                        k.async_steps.bind_named(ctx, &steps),
                        per_probe,
                    ));
                }
                sweep_plan.push(Dispatch::new(
                    &k.end_sweep,
                    k.end_sweep.bind(ctx, &[&params, &status]),
                    per_probe,
                ));
            }
        }
        ctx.run_steps(
            self.params.max_sweeps,
            SWEEPS_PER_SUBMISSION,
            |_| &sweep_plan,
            || {
                self.stop.check()?;
                let statuses = ctx.read_back::<ProbeStatus>(&status, probes)?;
                Ok(statuses.iter().all(|s| s.ending != 0))
            },
        )?;
        // The final states' energies (a probe that ended in the last sweep has none yet).
        ctx.submit(&sweep_plan[..2]);

        let final_states = ctx.read_back::<i32>(&states_buffer, states.len())?;
        let statuses = ctx.read_back::<ProbeStatus>(&status, probes)?;
        let energy_words = ctx.read_back::<u32>(&energy, slots * probes * ENERGY_WORDS)?;
        let flip_words = if flips_per_probe > 0 {
            ctx.read_back::<u32>(&flips, probes * flips_per_probe)?
        } else {
            Vec::new()
        };
        (0..probes)
            .map(|b| {
                let status = statuses[b];
                let ending = Ending::from_kernel(status.ending)?;
                let energy = (0..status.energies as usize)
                    .map(|slot| {
                        self.energy_of(&energy_words[(slot * probes + b) * ENERGY_WORDS..][..4])
                    })
                    .collect();
                let flips = (flips_per_probe > 0).then(|| {
                    let count = (status.flips as usize).min(flips_per_probe);
                    flip_words[b * flips_per_probe..][..count].to_vec()
                });
                Ok(RecallOutcome::from_device(
                    &final_states[b * n..(b + 1) * n],
                    status.sweeps,
                    ending,
                    energy,
                    flips,
                ))
            })
            .collect()
    }

    /// The energy of one slot, as `DenseMemory::energy` computes it.
    fn energy_of(&self, words: &[u32]) -> f64 {
        let long = |lo: u32, hi: u32| (i64::from(hi as i32) << 32) | i64::from(lo);
        let interaction = match self.memory.energies {
            Table::Exact(_) => long(words[0], words[1]) as f64,
            Table::Exp(_) => f64::from(f32::from_bits(words[0])),
        };
        -interaction + long(words[2], words[3]) as f64 / THRESHOLD_UNITS
    }
}
