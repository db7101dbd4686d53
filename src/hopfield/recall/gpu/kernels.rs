//! The recall kernels' seam: the params and probe records shared with shaders/recall_sync.wgsl and
//! shaders/recall_async.wgsl, the kernels and the buffers each binds by name.

use crate::error::{Error, Result};
use crate::gpu::{shaders, GpuContext, Kernel, KernelFamily, KernelSpec};

/// The layout of `Params` in shaders/recall_sync.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct SyncParams {
    pub(super) neurons: u32,
    pub(super) probes: u32,
    pub(super) neuron_tiles: u32,
    pub(super) max_sweeps: u32,
    pub(super) energy_only: u32,
    pub(super) energy_slot: u32,
    pub(super) glauber_factor: f32,
    pub(super) stored: u32,
    pub(super) words: u32,
    pub(super) chunk_start: u32,
    pub(super) chunk_count: u32,
    pub(super) row_start: u32,
    pub(super) block_rows: u32,
    pub(super) _padding: u32,
}

/// The layout of `ProbeStatus` in shaders/recall_sync.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct ProbeStatus {
    pub(super) ending: u32,
    pub(super) sweeps: u32,
}

/// The layout of `Params` in shaders/recall_async.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct AsyncParams {
    pub(super) neurons: u32,
    pub(super) probes: u32,
    pub(super) max_sweeps: u32,
    pub(super) flip_capacity: u32,
    pub(super) step_start: u32,
    pub(super) step_count: u32,
    pub(super) glauber_factor: f32,
    pub(super) stored: u32,
    pub(super) words: u32,
    pub(super) shuffle_start: u32,
    pub(super) shuffle_count: u32,
    pub(super) rows_per_block: u32,
}

/// The layout of `Probe` in shaders/recall_async.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct AsyncProbe {
    pub(super) ending: u32,
    pub(super) sweeps: u32,
    pub(super) flips: u32,
    pub(super) changed: u32,
    pub(super) quadratic_hi: i32,
    pub(super) quadratic_lo: u32,
    pub(super) threshold_hi: i32,
    pub(super) threshold_lo: u32,
}

/// The weight blocks of the blocked step kernel, MAX_ASYNC_BLOCKS of them.
pub(super) const WEIGHT_BLOCKS: [&str; MAX_ASYNC_BLOCKS] = [
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
const STEPS_FACTORED: KernelSpec = KernelSpec {
    module: shaders::RECALL_ASYNC_FACTORED,
    entry: "steps",
    bindings: &[
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
};
const END_SWEEP: KernelSpec = asynchronous("end_sweep", &["params", "probe_state", "energy"]);
const STEPS_BLOCKED: KernelSpec = KernelSpec {
    module: shaders::RECALL_ASYNC_BLOCKED,
    entry: "steps",
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

pub(super) struct RecallKernels {
    pub(super) sweep: Kernel,
    pub(super) factored_sweep: Kernel,
    pub(super) overlaps: Kernel,
    pub(super) finalize: Kernel,
    pub(super) start: Kernel,
    pub(super) begin_sweep: Kernel,
    pub(super) shuffle: Kernel,
    pub(super) steps: Kernel,
    pub(super) steps_factored: Kernel,
    pub(super) end_sweep: Kernel,
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
pub(super) const MAX_ASYNC_BLOCKS: usize = 4;

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
pub(super) struct BlockedStepKernels {
    pub(super) steps: Kernel,
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
        for module in [
            shaders::RECALL_ASYNC,
            shaders::RECALL_ASYNC_FACTORED,
            shaders::RECALL_ASYNC_BLOCKED,
        ] {
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
