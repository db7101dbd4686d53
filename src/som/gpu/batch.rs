//! The batch update on the GPU (shaders/som_batch.wgsl): separable smoothing for the gaussian,
//! windowed otherwise; CPU twin `batch.rs`.

use std::sync::Arc;

use super::{grid_words, LOOP_BUDGET, WORKGROUP};
use crate::error::Result;
use crate::gpu::{shaders, Dispatch, GpuContext, Kernel};
use crate::som::codebook::Codebook;
use crate::som::params::Neighbourhood;
use crate::som::step::Smoothing;

/// The layout of `Params` in shaders/som_batch.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct SmoothParams {
    grid: [u32; 4],
    dim: u32,
    nodes: u32,
    neighbourhood: u32,
    source_start: u32,
    source_end: u32,
    first_range: u32,
    sigma: f32,
    reach_sq: f32,
    parities: u32,
    _padding: [u32; 3],
}

crate::gpu::kernel_family! {
    /// Kohonen's batch update: the weighted means of the node sums, windowed or separable.
    struct BatchKernels(shaders::SOM_BATCH) {
        accumulate: "accumulate" ["params", "sums", "counts", "running"],
        smooth_rows: "smooth_rows" ["params", "sums", "counts", "along_rows"],
        smooth_columns: "smooth_columns" ["params", "running", "along_rows"],
        finish: "finish" ["params", "running", "codebook"],
    }
}

/// The batch update on the GPU: see shaders/som_batch.wgsl.
pub(crate) fn smooth_gpu(
    ctx: &Arc<GpuContext>,
    codebook: &mut Codebook,
    sums: &[f32],
    counts: &[f32],
    smoothing: Smoothing,
) -> Result<()> {
    let kernels = ctx.kernels::<BatchKernels>()?;
    let grid = codebook.grid;
    let (dim, nodes) = (codebook.dim, grid.nodes());
    let separable = smoothing.neighbourhood == Neighbourhood::Gaussian;
    let parities = if grid.topology == crate::som::Topology::Hexagonal && grid.height > 1 {
        2
    } else {
        1
    };
    let stride = (dim + 1) as u64;
    let sums_buffer = ctx.storage_from("node sums", sums)?;
    let counts_buffer = ctx.storage_from("node counts", counts)?;
    let running = ctx.storage_zeroed("running sums", nodes as u64 * stride * 4)?;
    let along_rows = if separable {
        ctx.storage_zeroed("sums along rows", parities * nodes as u64 * stride * 4)?
    } else {
        ctx.storage_zeroed("sums along rows", 4)?
    };
    let codebook_buffer = ctx.storage_from("codebook", &codebook.weights)?;
    let sources_per_dispatch = (LOOP_BUDGET / (dim + 2)).max(1);
    let params_at = |source_start: usize, sources: usize| SmoothParams {
        grid: grid_words(codebook),
        dim: dim as u32,
        nodes: nodes as u32,
        neighbourhood: smoothing.neighbourhood as u32,
        source_start: source_start as u32,
        source_end: (source_start + sources_per_dispatch).min(sources) as u32,
        first_range: u32::from(source_start == 0),
        sigma: smoothing.sigma,
        reach_sq: smoothing.reach_sq,
        parities: parities as u32,
        _padding: [0; 3],
    };
    let node_groups = ctx.spread_groups(nodes.div_ceil(WORKGROUP) as u32);
    // (kernel, sources it adds, items it computes, its buffers after the params).
    let stages: Vec<(&Kernel, usize, usize, Vec<&wgpu::Buffer>)> = if separable {
        vec![
            (
                &kernels.smooth_rows,
                grid.width,
                parities as usize * nodes,
                vec![&sums_buffer, &counts_buffer, &along_rows],
            ),
            (
                &kernels.smooth_columns,
                grid.height,
                nodes,
                vec![&running, &along_rows],
            ),
        ]
    } else {
        vec![(
            &kernels.accumulate,
            nodes,
            nodes,
            vec![&sums_buffer, &counts_buffer, &running],
        )]
    };
    let mut plan = Vec::new();
    // Each kernel adds its sources (columns, rows or nodes) a range per dispatch.
    for (kernel, sources, items, buffers) in stages {
        let workgroups = ctx.spread_groups(items.div_ceil(WORKGROUP) as u32);
        for source_start in (0..sources).step_by(sources_per_dispatch) {
            let params_buffer = ctx.uniform("smooth params", &params_at(source_start, sources));
            let mut entries = vec![&params_buffer];
            entries.extend_from_slice(&buffers);
            plan.push(Dispatch::new(
                kernel,
                kernel.bind(ctx, &entries),
                workgroups,
            ));
        }
    }
    let params_buffer = ctx.uniform("smooth params", &params_at(0, nodes));
    let bind_group = kernels
        .finish
        .bind(ctx, &[&params_buffer, &running, &codebook_buffer]);
    plan.push(Dispatch::new(&kernels.finish, bind_group, node_groups));
    ctx.submit(&plan);
    codebook.weights = ctx.read_back(&codebook_buffer, codebook.weights.len())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_have_the_layout_of_their_wgsl_structs() {
        crate::assert_wgsl_layout!(
            shaders::SOM_BATCH,
            "Params",
            SmoothParams {
                grid,
                dim,
                nodes,
                neighbourhood,
                source_start,
                source_end,
                first_range,
                sigma,
                reach_sq,
                parities,
                _padding
            }
        );
    }
}
