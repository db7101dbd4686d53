//! The winner search on the GPU (shaders/som_bmu.wgsl); CPU twin `bmu.rs`.

use std::sync::Arc;

use super::{samples_per_binding, LOOP_BUDGET, SEARCH_TILE_SAMPLES, TILE_FLOATS, WORKGROUP};
use crate::error::{Error, Result};
use crate::gpu::{shaders, Dispatch, GpuContext};
use crate::som::codebook::Codebook;
use crate::som::data::Samples;
use crate::som::matching::Match;
use crate::som::params::Metric;

/// The layout of `Params` in shaders/som_bmu.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct BmuParams {
    sample_count: u32,
    dim: u32,
    node_start: u32,
    node_end: u32,
    metric: u32,
    format: u32,
    first_range: u32,
    _padding: u32,
}

crate::gpu::kernel_family! {
    /// The winner search.
    struct SearchKernels(shaders::SOM_BMU) {
        find_bmus: "find_bmus" ["params", "samples", "codebook", "matches"],
    }
}

/// The matches of every sample, delivered tile by tile to `on_tile(first_sample, matches)`.
pub(crate) fn find_bmus_gpu(
    ctx: &Arc<GpuContext>,
    codebook: &Codebook,
    metric: Metric,
    samples: &Samples,
    on_tile: &mut dyn FnMut(usize, &[Match]) -> Result<()>,
) -> Result<()> {
    let dim = codebook.dim;
    if dim > TILE_FLOATS {
        return Err(Error::TooLarge(format!(
            "the GPU winner search handles at most {TILE_FLOATS} dimensions, not {dim}; use the CPU backend"
        )));
    }
    let kernels = ctx.kernels::<SearchKernels>()?;
    let n = samples.len();
    let words = samples.words_per_sample();
    let tile = samples_per_binding(ctx, words, SEARCH_TILE_SAMPLES, "the samples")?
        .min((ctx.max_binding_bytes() / 16) as usize)
        .min(n)
        .max(1);
    let codebook_buffer = ctx.storage_from("codebook", &codebook.weights)?;
    let samples_buffer = ctx.storage_zeroed("samples", (tile * words * 4) as u64)?;
    let matches_buffer = ctx.storage_zeroed("matches", (tile * 16) as u64)?;
    let nodes = codebook.grid.nodes();
    let nodes_per_dispatch = (LOOP_BUDGET / (dim + 1)).max(1);
    let mut packed = Vec::with_capacity(tile * words);
    for start in (0..n).step_by(tile) {
        let count = tile.min(n - start);
        packed.clear();
        (start..start + count).for_each(|i| samples.pack(i, &mut packed));
        ctx.queue
            .write_buffer(&samples_buffer, 0, bytemuck::cast_slice(&packed));
        let workgroups = ctx.spread_groups(count.div_ceil(WORKGROUP) as u32);
        let mut plan = Vec::new();
        for node_start in (0..nodes).step_by(nodes_per_dispatch) {
            let params = BmuParams {
                sample_count: count as u32,
                dim: dim as u32,
                node_start: node_start as u32,
                node_end: (node_start + nodes_per_dispatch).min(nodes) as u32,
                metric: metric as u32,
                format: samples.format() as u32,
                first_range: u32::from(node_start == 0),
                _padding: 0,
            };
            let params_buffer = ctx.uniform("bmu params", &params);
            let bind_group = kernels.find_bmus.bind(
                ctx,
                &[
                    &params_buffer,
                    &samples_buffer,
                    &codebook_buffer,
                    &matches_buffer,
                ],
            );
            plan.push(Dispatch::new(&kernels.find_bmus, bind_group, workgroups));
        }
        ctx.submit(&plan);
        let raw = ctx.read_back::<[u32; 4]>(&matches_buffer, count)?;
        let matches: Vec<Match> = raw
            .iter()
            .map(|m| Match {
                best: m[0],
                second: m[2],
            })
            .collect();
        on_tile(start, &matches)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_and_workgroup_sizes_are_the_shaders() {
        let constant = |name| crate::gpu::layout::wgsl_constant(&shaders::SOM_BMU, name);
        assert_eq!(constant("TILE_FLOATS"), TILE_FLOATS as i64);
        assert_eq!(constant("WORKGROUP"), WORKGROUP as i64);
    }

    #[test]
    fn params_have_the_layout_of_their_wgsl_structs() {
        crate::assert_wgsl_layout!(
            shaders::SOM_BMU,
            "Params",
            BmuParams {
                sample_count,
                dim,
                node_start,
                node_end,
                metric,
                format,
                first_range,
                _padding
            }
        );
    }
}
