//! The seam of shaders/dense_memory.wgsl: its structs mirrored in Rust (their layouts checked
//! against the WGSL by the tests below), its entry points and the buffers each binds, and the
//! packing of patterns and tables into the words the kernels read.

use super::Table;
use crate::gpu::shaders;

/// The layout of `Params` in shaders/dense_memory.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct DenseParams {
    pub(super) probes: u32,
    pub(super) neurons: u32,
    pub(super) stored: u32,
    pub(super) exponential: u32,
    pub(super) row_words: u32,
    pub(super) column_words: u32,
    pub(super) max_sweeps: u32,
    pub(super) flip_capacity: u32,
    pub(super) glauber_factor: f32,
    pub(super) step_start: u32,
    pub(super) step_count: u32,
    pub(super) _pad: u32,
}

/// The layout of `Rule` in shaders/dense_memory.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct GpuRule {
    pub(super) clamped: u32,
    pub(super) up_lo: u32,
    pub(super) up_hi: u32,
    pub(super) down_lo: u32,
    pub(super) down_hi: u32,
    pub(super) theta4: f32,
    pub(super) theta_fixed: i32,
    pub(super) _pad: u32,
}

/// The layout of `Status` in shaders/dense_memory.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct ProbeStatus {
    pub(super) ending: u32,
    pub(super) sweeps: u32,
    pub(super) energies: u32,
    pub(super) flips: u32,
    pub(super) top: i32,
    pub(super) changed: u32,
    pub(super) _pad0: u32,
    pub(super) _pad1: u32,
}

crate::gpu::kernel_family! {
    /// The dense memory's kernels: overlaps, energies, synchronous and asynchronous updates.
    pub(super) struct DenseKernels(shaders::DENSE_MEMORY) {
        overlaps: "compute_overlaps" ["params", "row_bits", "states", "overlaps", "status"],
        energy: "compute_energy" ["params", "states", "overlaps", "energy_table", "rules", "status", "energy"],
        sync_update: "sync_update" ["params", "column_bits", "overlaps", "differences", "rules", "logit_table", "keys", "status", "states", "next_states"],
        sync_finish: "sync_finish" ["params", "states", "next_states", "before_states", "status"],
        begin_sweep: "begin_sweep" ["params", "keys", "status", "order"],
        async_steps: "async_steps" ["params", "column_bits", "overlaps", "differences", "rules", "logit_table", "keys", "status", "states", "order", "flips"],
        end_sweep: "end_sweep" ["params", "status"],
    }
}
/// What `preference` and `decide` read, shared by both update kernels.
pub(super) const UPDATE_READS: [&str; 7] = [
    "column_bits",
    "overlaps",
    "differences",
    "rules",
    "logit_table",
    "keys",
    "status",
];

/// Bits of ±1 values, `count` per row, packed into 32-bit words (bit set for +1).
pub(super) fn pack_rows(values: &[i8], count: usize) -> (Vec<u32>, usize) {
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
pub(super) fn table_words(table: &Table) -> Vec<u32> {
    match table {
        Table::Exact(values) => values
            .iter()
            .flat_map(|&v| [v as u32, (v >> 32) as u32])
            .collect(),
        Table::Exp(values) => values.iter().map(|v| v.to_bits()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_bind_their_buffers_by_name() {
        let binds = |entry: &str| {
            let spec = DenseKernels::SPECS.iter().find(|s| s.entry == entry);
            spec.unwrap().bindings
        };
        for read in UPDATE_READS {
            assert!(binds("sync_update").contains(&read));
            assert!(binds("async_steps").contains(&read));
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
