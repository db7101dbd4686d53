//! Hebbian learning, W = sum of x x^T over the stored patterns with a zero diagonal (the seeds' rule).
//! GPU kernel: shaders/hebbian.wgsl. The weights are integers, so both paths agree bit for bit.

use std::sync::Arc;

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::gpu::{shaders, GpuContext, KernelFamily};
use crate::hopfield::network::HopfieldNetwork;
use crate::hopfield::patterns::PatternSet;

/// Learns the Hebbian weights of `patterns` on `backend`.
pub fn learn_hebbian(patterns: &PatternSet, backend: &Backend) -> Result<HopfieldNetwork> {
    check_sizes(patterns)?;
    match backend {
        Backend::Cpu => hebbian_cpu(patterns),
        Backend::Gpu(ctx) => hebbian_gpu(ctx, patterns),
    }
}

/// The largest |field| a recall can meet is patterns x (neurons - 1); the kernels track 4x that
/// in 32-bit integers (see recall_async.wgsl), so the product must stay below 2^29.
pub(crate) fn check_field_range(patterns: &PatternSet) -> Result<()> {
    if patterns.is_empty() {
        return Err(Error::InvalidData("the pattern set is empty".into()));
    }
    let (n, p) = (patterns.neurons() as u64, patterns.len() as u64);
    if p * n.saturating_sub(1) >= 1 << 29 {
        return Err(Error::TooLarge(format!(
            "{p} patterns of {n} neurons: fields could exceed the 32-bit integer range the kernels use"
        )));
    }
    Ok(())
}

/// The most neurons a dense weight matrix may have: its indices must fit 32 bits on the GPU.
pub const MAX_DENSE_NEURONS: usize = 65_535;

/// Checks that a dense n x n matrix of `patterns` is within range (use factored weights beyond).
pub(crate) fn check_sizes(patterns: &PatternSet) -> Result<()> {
    check_field_range(patterns)?;
    let n = patterns.neurons();
    if n > MAX_DENSE_NEURONS {
        return Err(Error::TooLarge(format!(
            "{n} neurons: a dense weight matrix needs {} (at most 65 535 neurons; factored weights need none)",
            crate::gpu::human_bytes((n * n * 4) as u64)
        )));
    }
    Ok(())
}

/// CPU twin of `learn` in shaders/hebbian.wgsl.
pub fn hebbian_cpu(patterns: &PatternSet) -> Result<HopfieldNetwork> {
    check_sizes(patterns)?;
    let n = patterns.neurons();
    let mut weights = super::allocate_weights(n)?;
    use rayon::prelude::*;
    weights.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        for pattern in patterns.iter() {
            let xi = i32::from(pattern[i]);
            for (w, &xj) in row.iter_mut().zip(pattern) {
                *w += xi * i32::from(xj);
            }
        }
        row[i] = 0;
    });
    Ok(HopfieldNetwork::from_weights(n, patterns.len(), weights))
}

/// Keep in sync with `Params` in shaders/hebbian.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct HebbianParams {
    neurons: u32,
    pattern_start: u32,
    pattern_count: u32,
    tiles_per_side: u32,
    row_start: u32,
    block_rows: u32,
    _padding: [u32; 2],
}

struct HebbianKernels {
    learn: wgpu::ComputePipeline,
}

impl KernelFamily for HebbianKernels {
    fn build(ctx: &GpuContext) -> Result<Self> {
        Ok(HebbianKernels {
            learn: ctx.compute_pipeline(&shaders::HEBBIAN, "learn"),
        })
    }
}

const TILE: u32 = 16;
/// Patterns one dispatch adds: its loop runs count/16 iterations per invocation, well below
/// llvmpipe's limit of 65 535 (see shaders/hebbian.wgsl).
const PATTERNS_PER_DISPATCH: u32 = 16 * 16_384;

fn hebbian_gpu(ctx: &Arc<GpuContext>, patterns: &PatternSet) -> Result<HopfieldNetwork> {
    let n = patterns.neurons();
    let kernels = ctx.kernels::<HebbianKernels>()?;
    let mut host_weights = super::allocate_weights(n)?;
    let states: Vec<i32> = patterns.states().iter().map(|&v| i32::from(v)).collect();
    let tiles_per_side = (n as u32).div_ceil(TILE);
    let patterns_buffer = ctx.storage_from("patterns", &states)?;
    // W in blocks of whole rows, each within one storage binding.
    let weights = ctx.row_blocks_zeroed("the weight matrix", n, n)?;
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    {
        let mut pass = ctx.begin_pass(&mut encoder);
        pass.set_pipeline(&kernels.learn);
        let total = patterns.len() as u32;
        for ((row_start, block_rows), block) in weights.ranges(n).zip(&weights.blocks) {
            let (x, y) = ctx.spread_groups((block_rows as u32).div_ceil(TILE) * tiles_per_side);
            for pattern_start in (0..total).step_by(PATTERNS_PER_DISPATCH as usize) {
                let params = HebbianParams {
                    neurons: n as u32,
                    pattern_start,
                    pattern_count: PATTERNS_PER_DISPATCH.min(total - pattern_start),
                    tiles_per_side,
                    row_start: row_start as u32,
                    block_rows: block_rows as u32,
                    _padding: [0; 2],
                };
                let params_buffer = ctx.uniform("hebbian params", &params);
                let bind_group = ctx.bind(
                    &kernels.learn,
                    &[(0, &params_buffer), (1, &patterns_buffer), (2, block)],
                );
                pass.set_bind_group(0, &bind_group, &[]);
                pass.dispatch_workgroups(x, y, 1);
            }
        }
    }
    ctx.queue.submit([encoder.finish()]);
    ctx.read_row_blocks(&weights, n, &mut host_weights)?;
    Ok(HopfieldNetwork::from_weights(
        n,
        patterns.len(),
        host_weights,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_000_weights() {
        // Seed 000 prints this matrix for the patterns below.
        let patterns = PatternSet::new(
            6,
            vec![1, -1, 1, -1, 1, -1, -1, 1, -1, 1, -1, 1],
            vec!["a".into(), "b".into()],
        )
        .unwrap();
        let network = hebbian_cpu(&patterns).unwrap();
        #[rustfmt::skip]
        let expected = [
             0, -2,  2, -2,  2, -2,
            -2,  0, -2,  2, -2,  2,
             2, -2,  0, -2,  2, -2,
            -2,  2, -2,  0, -2,  2,
             2, -2,  2, -2,  0, -2,
            -2,  2, -2,  2, -2,  0,
        ];
        assert_eq!(network.weights().unwrap(), expected);
    }
}
