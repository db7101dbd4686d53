//! The SOM kernel family: winner search (shaders/som_bmu.wgsl), online training
//! (shaders/som_online.wgsl) and the batch update (shaders/som_batch.wgsl), with the host code
//! that streams samples through them in tiles that fit the adapter's bindings.

use std::sync::Arc;

use super::codebook::Codebook;
use super::data::Samples;
use super::matching::Match;
use super::params::{EpochRates, Metric, Neighbourhood};
use super::step::{OnlineStep, Smoothing};
use crate::error::{Error, Result};
use crate::gpu::{shaders, Dispatch, GpuContext, Kernel, KernelFamily, KernelSpec};

/// Loop iterations one invocation may run per dispatch, safely below llvmpipe's limit of 65 535.
const LOOP_BUDGET: usize = 40_000;
/// Codebook floats the winner search stages in workgroup memory. Keep in sync with som_bmu.wgsl.
const TILE_FLOATS: usize = 2048;
/// Samples per tile of the winner search (16 MiB of matches), within the binding limit.
const SEARCH_TILE_SAMPLES: usize = 1 << 20;
/// Samples uploaded at a time for online training.
const ONLINE_CHUNK_SAMPLES: usize = 1 << 20;
const WORKGROUP: usize = 64;

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

/// The layout of `Params` in shaders/som_online.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct OnlineParams {
    grid: [u32; 4],
    dim: u32,
    nodes: u32,
    neighbourhood: u32,
    metric: u32,
    extra_winner_update: u32,
    format: u32,
    sample_count: u32,
    samples_per_dispatch: u32,
    reach: f32,
    _padding: [u32; 3],
}

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

const FIND_BMUS: KernelSpec = KernelSpec {
    module: shaders::SOM_BMU,
    entry: "find_bmus",
    bindings: &["params", "samples", "codebook", "matches"],
};
const TRAIN_ONLINE: KernelSpec = KernelSpec {
    module: shaders::SOM_ONLINE,
    entry: "train_online",
    bindings: &["params", "samples", "codebook", "cursor", "rates"],
};
const ACCUMULATE: KernelSpec = KernelSpec {
    module: shaders::SOM_BATCH,
    entry: "accumulate",
    bindings: &["params", "sums", "counts", "running"],
};
const SMOOTH_ROWS: KernelSpec = KernelSpec {
    module: shaders::SOM_BATCH,
    entry: "smooth_rows",
    bindings: &["params", "sums", "counts", "along_rows"],
};
const SMOOTH_COLUMNS: KernelSpec = KernelSpec {
    module: shaders::SOM_BATCH,
    entry: "smooth_columns",
    bindings: &["params", "running", "along_rows"],
};
const FINISH: KernelSpec = KernelSpec {
    module: shaders::SOM_BATCH,
    entry: "finish",
    bindings: &["params", "running", "codebook"],
};

struct SomKernels {
    find_bmus: Kernel,
    train_online: Kernel,
    accumulate: Kernel,
    smooth_rows: Kernel,
    smooth_columns: Kernel,
    finish: Kernel,
}

impl KernelFamily for SomKernels {
    fn build(ctx: &GpuContext) -> Result<Self> {
        Ok(SomKernels {
            find_bmus: ctx.kernel(&FIND_BMUS),
            train_online: ctx.kernel(&TRAIN_ONLINE),
            accumulate: ctx.kernel(&ACCUMULATE),
            smooth_rows: ctx.kernel(&SMOOTH_ROWS),
            smooth_columns: ctx.kernel(&SMOOTH_COLUMNS),
            finish: ctx.kernel(&FINISH),
        })
    }
}

fn grid_words(codebook: &Codebook) -> [u32; 4] {
    let grid = &codebook.grid;
    [
        grid.width as u32,
        grid.height as u32,
        u32::from(grid.topology == super::Topology::Hexagonal),
        u32::from(grid.toroidal),
    ]
}

/// Samples of `words` words that fit one binding, at most `cap`.
fn samples_per_binding(ctx: &GpuContext, words: usize, cap: usize, what: &str) -> Result<usize> {
    let fitting = (ctx.max_binding_bytes() / (words as u64 * 4)) as usize;
    if fitting == 0 {
        return Err(Error::TooLarge(format!(
            "{what}: one sample of {words} values does not fit one GPU buffer"
        )));
    }
    Ok(fitting.min(cap))
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
    let kernels = ctx.kernels::<SomKernels>()?;
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

/// One online epoch over `samples` in `order` (all samples in turn when `None`).
pub(crate) fn train_online_gpu(
    ctx: &Arc<GpuContext>,
    codebook: &mut Codebook,
    samples: &Samples,
    order: Option<&[u32]>,
    step: &OnlineStep,
) -> Result<()> {
    let kernels = ctx.kernels::<SomKernels>()?;
    let n = order.map_or(samples.len(), <[u32]>::len);
    let words = samples.words_per_sample();
    // A sample's rates (two floats) travel beside it.
    let chunk = samples_per_binding(ctx, words.max(2), ONLINE_CHUNK_SAMPLES, "the samples")?
        .min(n)
        .max(1);
    let (dim, nodes) = (codebook.dim, codebook.grid.nodes());
    // Per sample, each thread ranks and updates its share of the nodes.
    let per_sample = 2 * nodes.div_ceil(WORKGROUP) * (dim + 1) + 16;
    let samples_per_dispatch = (LOOP_BUDGET / per_sample).max(1);
    let codebook_buffer = ctx.storage_from("codebook", &codebook.weights)?;
    let cursor = ctx.storage_zeroed("cursor", 4)?;
    let samples_buffer = ctx.storage_zeroed("samples", (chunk * words * 4) as u64)?;
    let rates_buffer = ctx.storage_zeroed("sample rates", (chunk * 8) as u64)?;
    let mut packed = Vec::with_capacity(chunk * words);
    let mut rates = vec![EpochRates::default(); chunk];
    for start in (0..n).step_by(chunk) {
        let count = chunk.min(n - start);
        step.fill_rates(start, &mut rates[..count]);
        let pairs: Vec<[f32; 2]> = rates[..count]
            .iter()
            .map(|r| [r.learning_rate, r.sigma])
            .collect();
        ctx.queue
            .write_buffer(&rates_buffer, 0, bytemuck::cast_slice(&pairs));
        packed.clear();
        match order {
            Some(order) => order[start..start + count]
                .iter()
                .for_each(|&i| samples.pack(i as usize, &mut packed)),
            None => (start..start + count).for_each(|i| samples.pack(i, &mut packed)),
        }
        ctx.queue
            .write_buffer(&samples_buffer, 0, bytemuck::cast_slice(&packed));
        ctx.queue
            .write_buffer(&cursor, 0, bytemuck::bytes_of(&0u32));
        let params = OnlineParams {
            grid: grid_words(codebook),
            dim: dim as u32,
            nodes: nodes as u32,
            neighbourhood: step.neighbourhood as u32,
            metric: step.metric as u32,
            extra_winner_update: u32::from(step.extra_winner_update),
            format: samples.format() as u32,
            sample_count: count as u32,
            samples_per_dispatch: samples_per_dispatch as u32,
            reach: step.reach,
            _padding: [0; 3],
        };
        let params_buffer = ctx.uniform("online params", &params);
        let bind_group = kernels.train_online.bind(
            ctx,
            &[
                &params_buffer,
                &samples_buffer,
                &codebook_buffer,
                &cursor,
                &rates_buffer,
            ],
        );
        // One workgroup walks the samples in order, a range per dispatch (the cursor says where).
        let plan: Vec<Dispatch> = (0..count.div_ceil(samples_per_dispatch))
            .map(|_| Dispatch::new(&kernels.train_online, bind_group.clone(), (1, 1)))
            .collect();
        ctx.submit(&plan);
    }
    codebook.weights = ctx.read_back(&codebook_buffer, codebook.weights.len())?;
    Ok(())
}

/// The batch update on the GPU: see shaders/som_batch.wgsl.
pub(crate) fn smooth_gpu(
    ctx: &Arc<GpuContext>,
    codebook: &mut Codebook,
    sums: &[f32],
    counts: &[f32],
    smoothing: Smoothing,
) -> Result<()> {
    let kernels = ctx.kernels::<SomKernels>()?;
    let grid = codebook.grid;
    let (dim, nodes) = (codebook.dim, grid.nodes());
    let separable = smoothing.neighbourhood == Neighbourhood::Gaussian;
    let parities = if grid.topology == super::Topology::Hexagonal && grid.height > 1 {
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
    fn kernels_bind_their_wgsl_buffers_by_name() {
        for spec in [
            FIND_BMUS,
            TRAIN_ONLINE,
            ACCUMULATE,
            SMOOTH_ROWS,
            SMOOTH_COLUMNS,
            FINISH,
        ] {
            spec.binding_numbers().unwrap();
        }
    }

    #[test]
    fn params_have_the_layout_of_their_wgsl_structs() {
        use crate::gpu::shaders;
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
        crate::assert_wgsl_layout!(
            shaders::SOM_ONLINE,
            "Params",
            OnlineParams {
                grid,
                dim,
                nodes,
                neighbourhood,
                metric,
                extra_winner_update,
                format,
                sample_count,
                samples_per_dispatch,
                reach,
                _padding
            }
        );
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
