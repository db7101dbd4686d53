//! The GPU engine of modern Hopfield retrieval (shaders/modern.wgsl); CPU twin `cpu.rs`, which
//! the results match within [`super::GPU_TOLERANCE`]. The stored patterns live on the device in
//! blocks of whole patterns, one binding each, so sets larger than one binding work as recall's
//! do; products longer than [`MAX_INNER`] are split into dispatches that accumulate.

use std::sync::Arc;

use super::engine::{Attention, Engine, WeightSummary};
use super::ModernHopfield;
use crate::error::{Error, Result};
use crate::gpu::{shaders, Dispatch, GpuContext, RowBlocks};

/// The most of an inner dimension one dispatch sums: its invocations loop MAX_INNER + MAX_INNER
/// / 16 times, within llvmpipe's 65 535.
const MAX_INNER: usize = 16_384;
/// The products' tile edge (`TILE` in the WGSL).
const TILE: usize = 16;

/// The layout of `Params` in shaders/modern.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ModernParams {
    rows: u32,
    block_patterns: u32,
    pattern_offset: u32,
    patterns: u32,
    dim: u32,
    inner_start: u32,
    inner_end: u32,
    accumulate: u32,
    beta: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

crate::gpu::kernel_family! {
    /// Modern retrieval's kernels: scores, the row softmax, the weighted sum of the patterns.
    struct ModernKernels(shaders::MODERN) {
        scores: "scores" ["params", "queries", "stored", "weights"],
        softmax: "softmax" ["params", "weights", "lse"],
        combine: "combine" ["params", "weights", "stored", "states"],
    }
}

pub(super) struct GpuEngine<'a> {
    ctx: &'a Arc<GpuContext>,
    kernels: Arc<ModernKernels>,
    memory: &'a ModernHopfield,
    stored: RowBlocks,
}

impl<'a> GpuEngine<'a> {
    pub(super) fn new(ctx: &'a Arc<GpuContext>, memory: &'a ModernHopfield) -> Result<Self> {
        let kernels = ctx.kernels::<ModernKernels>()?;
        let stored = ctx.row_blocks_from("the stored patterns", &memory.stored, memory.patterns)?;
        let most = ctx.max_workgroups_per_dimension() as usize * TILE;
        if stored.rows_per_block.min(memory.patterns) > most {
            return Err(Error::TooLarge(format!(
                "{} stored patterns in one GPU buffer: a dispatch covers at most {most}; use the CPU backend",
                stored.rows_per_block.min(memory.patterns)
            )));
        }
        Ok(GpuEngine {
            ctx,
            kernels,
            memory,
            stored,
        })
    }

    fn params(&self, rows: usize) -> ModernParams {
        ModernParams {
            rows: rows as u32,
            block_patterns: 0,
            pattern_offset: 0,
            patterns: self.memory.patterns as u32,
            dim: self.memory.dim as u32,
            inner_start: 0,
            inner_end: 0,
            accumulate: 0,
            beta: self.memory.beta,
            _pad0: 0,
            _pad1: 0,
            _pad2: 0,
        }
    }

    /// The stored blocks as (first pattern, patterns, buffer), each cut to at most what one
    /// dispatch's workgroup count covers.
    fn blocks(&self) -> impl Iterator<Item = (usize, usize, &wgpu::Buffer)> + '_ {
        self.stored
            .ranges(self.memory.patterns)
            .zip(&self.stored.blocks)
            .map(|((start, count), buffer)| (start, count, buffer))
    }
}

/// `[start, end)` ranges of at most MAX_INNER covering `0..length`.
fn inner_ranges(length: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..length)
        .step_by(MAX_INNER)
        .map(move |start| (start, (start + MAX_INNER).min(length)))
}

impl Engine for GpuEngine<'_> {
    fn max_batch(&self) -> usize {
        let limit = self.ctx.max_binding_bytes() as usize;
        let widest = 4 * self.memory.patterns.max(self.memory.dim);
        let by_groups = self.ctx.max_workgroups_per_dimension() as usize * TILE;
        (limit / widest).min(by_groups).max(1)
    }

    fn attend(&mut self, states: &[f32]) -> Result<Attention> {
        let ctx = self.ctx;
        let k = &self.kernels;
        let (p, d) = (self.memory.patterns, self.memory.dim);
        let rows = states.len() / d;
        let queries = ctx.storage_from("queries", states)?;
        let weights = ctx.storage_zeroed("attention", (rows * p * 4) as u64)?;
        let lse = ctx.storage_zeroed("log-sum-exp", (rows * 4) as u64)?;
        let mut plan = Vec::new();
        for (start, count, block) in self.blocks() {
            for (chunk, (inner_start, inner_end)) in inner_ranges(d).enumerate() {
                let params = ctx.uniform(
                    "scores params",
                    &ModernParams {
                        block_patterns: count as u32,
                        pattern_offset: start as u32,
                        inner_start: inner_start as u32,
                        inner_end: inner_end as u32,
                        accumulate: u32::from(chunk > 0),
                        ..self.params(rows)
                    },
                );
                let group = k.scores.bind(ctx, &[&params, &queries, block, &weights]);
                let groups = (count.div_ceil(TILE) as u32, rows.div_ceil(TILE) as u32);
                plan.push(Dispatch::new(&k.scores, group, groups));
            }
        }
        let params = ctx.uniform("softmax params", &self.params(rows));
        let group = k.softmax.bind(ctx, &[&params, &weights, &lse]);
        plan.push(Dispatch::new(
            &k.softmax,
            group,
            ctx.spread_groups(rows as u32),
        ));
        ctx.submit(&plan);
        let weights: Vec<f32> = ctx.read_back(&weights, rows * p)?;
        Ok(Attention {
            summaries: weights.chunks_exact(p).map(WeightSummary::of).collect(),
            // The softmax kernel normalises.
            scales: vec![1.0; rows],
            weights,
            lse: ctx.read_back(&lse, rows)?,
        })
    }

    fn combine(&mut self, weights: &[f32], _scales: &[f32]) -> Result<Vec<f32>> {
        let ctx = self.ctx;
        let k = &self.kernels;
        let (p, d) = (self.memory.patterns, self.memory.dim);
        let rows = weights.len() / p;
        let weights = ctx.storage_from("attention", weights)?;
        let states = ctx.storage_zeroed("retrieved", (rows * d * 4) as u64)?;
        let mut plan = Vec::new();
        let mut first = true;
        for (start, count, block) in self.blocks() {
            for (inner_start, inner_end) in inner_ranges(count) {
                let params = ctx.uniform(
                    "combine params",
                    &ModernParams {
                        block_patterns: count as u32,
                        pattern_offset: start as u32,
                        inner_start: inner_start as u32,
                        inner_end: inner_end as u32,
                        accumulate: u32::from(!first),
                        ..self.params(rows)
                    },
                );
                first = false;
                let group = k.combine.bind(ctx, &[&params, &weights, block, &states]);
                let groups = (d.div_ceil(TILE) as u32, rows.div_ceil(TILE) as u32);
                plan.push(Dispatch::new(&k.combine, group, groups));
            }
        }
        ctx.submit(&plan);
        ctx.read_back(&states, rows * d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_bind_their_buffers_by_name() {
        crate::assert_wgsl_layout!(
            shaders::MODERN,
            "Params",
            ModernParams {
                rows,
                block_patterns,
                pattern_offset,
                patterns,
                dim,
                inner_start,
                inner_end,
                accumulate,
                beta,
                _pad0,
                _pad1,
                _pad2
            }
        );
        let constant = |name| crate::gpu::layout::wgsl_constant(&shaders::MODERN, name);
        assert_eq!(constant("TILE"), TILE as i64);
    }
}
