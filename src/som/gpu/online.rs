//! Online training on the GPU (shaders/som_online.wgsl); CPU twin `online.rs`.

use std::sync::Arc;

use super::{grid_words, samples_per_binding, LOOP_BUDGET, ONLINE_CHUNK_SAMPLES, WORKGROUP};
use crate::error::Result;
use crate::gpu::{shaders, Dispatch, GpuContext};
use crate::progress::Progress;
use crate::som::codebook::Codebook;
use crate::som::params::EpochRates;
use crate::som::step::OnlineEpoch;

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

crate::gpu::kernel_family! {
    /// Online training: one workgroup walks the samples in order.
    struct OnlineKernels(shaders::SOM_ONLINE) {
        train_online: "train_online" ["params", "samples", "codebook", "cursor", "rates"],
    }
}

/// One online `epoch` of `codebook`, a chunk of samples per submission.
pub(crate) fn train_online_gpu(
    ctx: &Arc<GpuContext>,
    codebook: &mut Codebook,
    epoch: OnlineEpoch,
    progress: &dyn Progress,
) -> Result<()> {
    let (samples, order, step) = (epoch.samples, epoch.order, epoch.step);
    let kernels = ctx.kernels::<OnlineKernels>()?;
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
        // A chunk is far more work than a wait costs: waiting for each keeps an interrupt
        // within one chunk's time.
        ctx.wait()?;
        progress.check()?;
    }
    codebook.weights = ctx.read_back(&codebook_buffer, codebook.weights.len())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_have_the_layout_of_their_wgsl_structs() {
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
    }
}
