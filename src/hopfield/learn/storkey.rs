//! Storkey's 1997 learning rule. GPU kernel: shaders/storkey.wgsl (which derives the form used
//! here); CPU twin: [`storkey_cpu`]. The weights are real (f32); the two paths agree within a
//! tolerance, not bit for bit, since the GPU may fuse multiply-adds.

use std::sync::Arc;

use rayon::prelude::*;

use super::allocate_weights;
use crate::backend::Backend;
use crate::error::Result;
use crate::gpu::{shaders, Dispatch, GpuContext};
use crate::hopfield::patterns::PatternSet;

/// The real Storkey weights of `patterns` (row-major, zero diagonal) on `backend`.
pub fn storkey_weights(patterns: &PatternSet, backend: &Backend) -> Result<Vec<f32>> {
    match backend {
        Backend::Cpu => storkey_cpu(patterns),
        Backend::Gpu(ctx) => storkey_gpu(ctx, patterns),
    }
}

/// CPU twin of `field` and `update` in shaders/storkey.wgsl.
pub fn storkey_cpu(patterns: &PatternSet) -> Result<Vec<f32>> {
    let n = patterns.neurons();
    let mut weights: Vec<f32> = allocate_weights(n)?;
    let mut fields = vec![0f32; n];
    for pattern in patterns.iter() {
        let xi: Vec<f32> = pattern.iter().map(|&v| f32::from(v)).collect();
        fields.par_iter_mut().enumerate().for_each(|(i, h)| {
            *h = weights[i * n..(i + 1) * n]
                .iter()
                .zip(&xi)
                .map(|(w, x)| w * x)
                .sum();
        });
        weights.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
            for (j, w) in row.iter_mut().enumerate() {
                if i != j {
                    *w += (xi[i] * xi[j] - xi[i] * fields[j] - fields[i] * xi[j] + 2.0 * *w)
                        / n as f32;
                }
            }
        });
    }
    Ok(weights)
}

/// The layout of `Params` in shaders/storkey.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct StorkeyParams {
    neurons: u32,
    pattern: u32,
    tiles_per_side: u32,
    row_start: u32,
    block_rows: u32,
    _padding: [u32; 3],
}

crate::gpu::kernel_family! {
    /// Storkey's rule: each pattern's local fields, then its update of W.
    struct StorkeyKernels(shaders::STORKEY) {
        field: "field" ["params", "patterns", "weights", "fields"],
        update: "update" ["params", "patterns", "weights", "fields"],
    }
}

fn storkey_gpu(ctx: &Arc<GpuContext>, patterns: &PatternSet) -> Result<Vec<f32>> {
    let n = patterns.neurons();
    let kernels = ctx.kernels::<StorkeyKernels>()?;
    let mut host: Vec<f32> = allocate_weights(n)?;
    let states: Vec<i32> = patterns.states().iter().map(|&v| i32::from(v)).collect();
    let pattern_buffer = ctx.storage_from("patterns", &states)?;
    // W in blocks of whole rows, each within one storage binding.
    let weights = ctx.row_blocks_zeroed("the weight matrix", n, n)?;
    let fields = ctx.storage_zeroed("fields", (n * 4) as u64)?;
    // 64x64 tiles of W for the update.
    let tiles_per_side = (n as u32).div_ceil(64);
    // The rule is sequential over patterns: per pattern, the fields of every block, then the
    // update of every block, all in one submission.
    let mut plan = Vec::new();
    for pattern in 0..patterns.len() as u32 {
        let mut updates = Vec::new();
        for ((row_start, block_rows), block) in weights.ranges(n).zip(&weights.blocks) {
            let uniform = ctx.uniform(
                "storkey params",
                &StorkeyParams {
                    neurons: n as u32,
                    pattern,
                    tiles_per_side,
                    row_start: row_start as u32,
                    block_rows: block_rows as u32,
                    _padding: [0; 3],
                },
            );
            let buffers = [&uniform, &pattern_buffer, block, &fields];
            // A workgroup per row for the fields; 64x64 tiles for the update.
            let rows = block_rows as u32;
            plan.push(Dispatch::new(
                &kernels.field,
                kernels.field.bind(ctx, &buffers),
                ctx.spread_groups(rows),
            ));
            updates.push(Dispatch::new(
                &kernels.update,
                kernels.update.bind(ctx, &buffers),
                ctx.spread_groups(rows.div_ceil(64) * tiles_per_side),
            ));
        }
        // The fields of every block before the update of any.
        plan.extend(updates);
    }
    ctx.submit(&plan);
    ctx.read_row_blocks(&weights, n, &mut host)?;
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_have_the_layout_of_their_wgsl_structs() {
        use crate::gpu::shaders;
        crate::assert_wgsl_layout!(
            shaders::STORKEY,
            "Params",
            StorkeyParams {
                neurons,
                pattern,
                tiles_per_side,
                row_start,
                block_rows,
                _padding
            }
        );
    }

    #[test]
    fn hand_checked_three_neurons() {
        // ξ¹ = [1,-1,1] gives W = ξ¹ξ¹ᵀ/3 (zero diagonal); then ξ² = [1,1,-1] has fields
        // h = [-2/3, 0, 0], and the rule gives w01 = -1/3 + 1/3 = 0, w02 = 1/3 - 1/3 = 0,
        // w12 = -1/3 - 5/9 = -8/9.
        let patterns =
            PatternSet::new(3, vec![1, -1, 1, 1, 1, -1], vec!["a".into(), "b".into()]).unwrap();
        let w = storkey_cpu(&patterns).unwrap();
        let expected = [0.0, 0.0, 0.0, 0.0, 0.0, -8.0 / 9.0, 0.0, -8.0 / 9.0, 0.0];
        for (got, want) in w.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{w:?}");
        }
    }
}
