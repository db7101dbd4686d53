//! GPU dispatch of dense-memory recall (shaders/dense_memory.wgsl); CPU twin `cpu.rs`.
//! Probes go in batches sized to the adapter's binding limit and a memory budget.

use std::sync::Arc;

use super::{DenseMemory, Table, THRESHOLD_UNITS};
use crate::error::{Error, Result};
use crate::gpu::{shaders, Dispatch, GpuContext, Kernel, KernelFamily, KernelSpec};
use crate::hopfield::recall::{Ending, RecallOutcome, RecallParams, UpdateMode};
use crate::progress::Progress;
use crate::rng::StreamKey;

/// The most device memory one batch of probes may take.
const BATCH_BUDGET_BYTES: u64 = 512 << 20;
/// Sweeps recorded per submission before checking whether every probe has finished.
const SWEEPS_PER_SUBMISSION: u32 = 8;
/// Loop iterations one invocation may run: llvmpipe ends an invocation's loops after 65 535 in
/// total, and long invocations starve other work on real GPUs.
const LOOP_BUDGET: usize = 32_768;
/// Words per energy slot and probe.
const ENERGY_WORDS: usize = 4;
const WORKGROUP: usize = 64;

/// The layout of `Params` in shaders/dense_memory.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct DenseParams {
    probes: u32,
    neurons: u32,
    stored: u32,
    exponential: u32,
    row_words: u32,
    column_words: u32,
    max_sweeps: u32,
    flip_capacity: u32,
    glauber_factor: f32,
    step_start: u32,
    step_count: u32,
    _pad: u32,
}

/// The layout of `Rule` in shaders/dense_memory.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct GpuRule {
    clamped: u32,
    up_lo: u32,
    up_hi: u32,
    down_lo: u32,
    down_hi: u32,
    theta4: f32,
    theta_fixed: i32,
    _pad: u32,
}

/// The layout of `Status` in shaders/dense_memory.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ProbeStatus {
    ending: u32,
    sweeps: u32,
    energies: u32,
    flips: u32,
    top: i32,
    changed: u32,
    _pad0: u32,
    _pad1: u32,
}

const OVERLAPS: KernelSpec = KernelSpec {
    module: shaders::DENSE_MEMORY,
    entry: "compute_overlaps",
    bindings: &["params", "row_bits", "states", "overlaps", "status"],
};
const ENERGY: KernelSpec = KernelSpec {
    module: shaders::DENSE_MEMORY,
    entry: "compute_energy",
    bindings: &[
        "params",
        "states",
        "overlaps",
        "energy_table",
        "rules",
        "status",
        "energy",
    ],
};
/// What `preference` and `decide` read, shared by both update kernels.
const UPDATE_READS: [&str; 7] = [
    "column_bits",
    "overlaps",
    "differences",
    "rules",
    "logit_table",
    "keys",
    "status",
];
const SYNC_UPDATE: KernelSpec = KernelSpec {
    module: shaders::DENSE_MEMORY,
    entry: "sync_update",
    bindings: &[
        "params",
        "column_bits",
        "overlaps",
        "differences",
        "rules",
        "logit_table",
        "keys",
        "status",
        "states",
        "next_states",
    ],
};
const SYNC_FINISH: KernelSpec = KernelSpec {
    module: shaders::DENSE_MEMORY,
    entry: "sync_finish",
    bindings: &["params", "states", "next_states", "before_states", "status"],
};
const BEGIN_SWEEP: KernelSpec = KernelSpec {
    module: shaders::DENSE_MEMORY,
    entry: "begin_sweep",
    bindings: &["params", "keys", "status", "order"],
};
const ASYNC_STEPS: KernelSpec = KernelSpec {
    module: shaders::DENSE_MEMORY,
    entry: "async_steps",
    bindings: &[
        "params",
        "column_bits",
        "overlaps",
        "differences",
        "rules",
        "logit_table",
        "keys",
        "status",
        "states",
        "order",
        "flips",
    ],
};
const END_SWEEP: KernelSpec = KernelSpec {
    module: shaders::DENSE_MEMORY,
    entry: "end_sweep",
    bindings: &["params", "status"],
};

struct DenseKernels {
    overlaps: Kernel,
    energy: Kernel,
    sync_update: Kernel,
    sync_finish: Kernel,
    begin_sweep: Kernel,
    async_steps: Kernel,
    end_sweep: Kernel,
}

impl KernelFamily for DenseKernels {
    fn build(ctx: &GpuContext) -> Result<Self> {
        Ok(DenseKernels {
            overlaps: ctx.kernel(&OVERLAPS),
            energy: ctx.kernel(&ENERGY),
            sync_update: ctx.kernel(&SYNC_UPDATE),
            sync_finish: ctx.kernel(&SYNC_FINISH),
            begin_sweep: ctx.kernel(&BEGIN_SWEEP),
            async_steps: ctx.kernel(&ASYNC_STEPS),
            end_sweep: ctx.kernel(&END_SWEEP),
        })
    }
}

/// Bits of ±1 values, `count` per row, packed into 32-bit words (bit set for +1).
fn pack_rows(values: &[i8], count: usize) -> (Vec<u32>, usize) {
    let words = count.div_ceil(32).max(1);
    let mut packed = Vec::with_capacity(values.len() / count.max(1) * words);
    for row in values.chunks_exact(count) {
        let start = packed.len();
        packed.resize(start + words, 0u32);
        for (j, &v) in row.iter().enumerate() {
            if v > 0 {
                packed[start + j / 32] |= 1 << (j % 32);
            }
        }
    }
    (packed, words)
}

/// The 64-bit table entries as [lo, hi] words, or the f32 entries' bits.
fn table_words(table: &Table) -> Vec<u32> {
    match table {
        Table::Exact(values) => values
            .iter()
            .flat_map(|&v| [v as u32, (v >> 32) as u32])
            .collect(),
        Table::Exp(values) => values.iter().map(|v| v.to_bits()).collect(),
    }
}

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

pub(super) fn recall(
    ctx: &Arc<GpuContext>,
    memory: &DenseMemory,
    probes: &[i8],
    keys: &[StreamKey],
    params: &RecallParams,
    progress: &dyn Progress,
) -> Result<Vec<RecallOutcome>> {
    check_loops(memory)?;
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
    let mut outcomes = Vec::with_capacity(keys.len());
    for (chunk, chunk_keys) in probes.chunks(batch * n).zip(keys.chunks(batch)) {
        let job = Batch {
            ctx,
            kernels: &kernels,
            shared: &shared,
            memory,
            params: DenseParams {
                probes: chunk_keys.len() as u32,
                ..base
            },
            mode: params.mode,
        };
        outcomes.extend(job.run(chunk, chunk_keys)?);
        progress.advance(chunk_keys.len() as u64);
        if progress.cancelled() {
            return Err(Error::Interrupted);
        }
    }
    Ok(outcomes)
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
}

impl Batch<'_> {
    fn groups(&self, threads: usize) -> (u32, u32) {
        self.ctx
            .spread_groups(threads.div_ceil(WORKGROUP).max(1) as u32)
    }

    fn run(&self, chunk: &[i8], keys: &[StreamKey]) -> Result<Vec<RecallOutcome>> {
        let ctx = self.ctx;
        let k = &self.kernels;
        let s = &self.shared;
        let (n, p) = (self.memory.neurons, self.memory.stored);
        let probes = keys.len();
        let slots = self.params.max_sweeps as usize + 1;
        let states: Vec<i32> = chunk.iter().map(|&v| i32::from(v)).collect();
        let key_words: Vec<[u32; 4]> = keys.iter().map(|key| key.0).collect();
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
                Ok(RecallOutcome {
                    final_state: final_states[b * n..(b + 1) * n]
                        .iter()
                        .map(|&v| v as i8)
                        .collect(),
                    sweeps: status.sweeps,
                    ending,
                    energy,
                    flips,
                })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_bind_their_buffers_by_name() {
        for spec in [
            OVERLAPS,
            ENERGY,
            SYNC_UPDATE,
            SYNC_FINISH,
            BEGIN_SWEEP,
            ASYNC_STEPS,
            END_SWEEP,
        ] {
            spec.binding_numbers().unwrap();
        }
        for read in UPDATE_READS {
            assert!(SYNC_UPDATE.bindings.contains(&read));
            assert!(ASYNC_STEPS.bindings.contains(&read));
        }
    }

    #[test]
    fn shared_structs_have_the_shaders_layout() {
        let module = shaders::DENSE_MEMORY;
        crate::assert_wgsl_layout!(
            module,
            "Params",
            DenseParams {
                probes,
                neurons,
                stored,
                exponential,
                row_words,
                column_words,
                max_sweeps,
                flip_capacity,
                glauber_factor,
                step_start,
                step_count,
                _pad
            }
        );
        crate::assert_wgsl_layout!(
            module,
            "Rule",
            GpuRule {
                clamped,
                up_lo,
                up_hi,
                down_lo,
                down_hi,
                theta4,
                theta_fixed,
                _pad
            }
        );
        crate::assert_wgsl_layout!(
            module,
            "Status",
            ProbeStatus {
                ending,
                sweeps,
                energies,
                flips,
                top,
                changed,
                _pad0,
                _pad1
            }
        );
    }
}
