//! Online (sequential) Kohonen training: one sample at a time, find the winner, then move every
//! node by lr·h·(x − w). CPU twin of shaders/som_online.wgsl.

use super::bmu::{metric_finish, metric_step, FAR, NO_NODE};
use super::codebook::Codebook;
use super::data::Samples;
use super::params::{EpochRates, Metric, Neighbourhood};
use crate::backend::Backend;
use crate::error::Result;

/// What one online epoch applies to every sample.
#[derive(Debug, Clone, Copy)]
pub struct OnlineStep {
    pub rates: EpochRates,
    pub neighbourhood: Neighbourhood,
    pub metric: Metric,
    /// Seed 003's extra move of the winner by lr·(x − w) before the neighbourhood update.
    pub extra_winner_update: bool,
}

/// One epoch over `samples` in `order` (all samples in turn when `None`), on `backend`.
pub fn train_online_epoch(
    backend: &Backend,
    codebook: &mut Codebook,
    samples: &Samples,
    order: Option<&[u32]>,
    step: &OnlineStep,
) -> Result<()> {
    match backend {
        Backend::Cpu => {
            train_online_cpu(codebook, samples, order, step);
            Ok(())
        }
        Backend::Gpu(ctx) => super::gpu::train_online_gpu(ctx, codebook, samples, order, step),
    }
}

/// CPU twin of `train_online` in shaders/som_online.wgsl, with the same operations in the same
/// order.
pub fn train_online_cpu(
    codebook: &mut Codebook,
    samples: &Samples,
    order: Option<&[u32]>,
    step: &OnlineStep,
) {
    let dim = codebook.dim;
    let grid = codebook.grid;
    let mut x = vec![0.0f32; dim];
    let n = order.map_or(samples.len(), <[u32]>::len);
    let learning_rate = step.rates.learning_rate;
    for k in 0..n {
        let index = order.map_or(k, |order| order[k] as usize);
        samples.fill(index, &mut x);
        let (mut winner, mut winner_distance) = (NO_NODE as usize, FAR);
        for (node, w) in codebook.weights.chunks_exact(dim).enumerate() {
            let acc = x.iter().zip(w).fold([0.0; 3], |acc, (&x, &w)| {
                metric_step(step.metric, acc, x, w)
            });
            let distance = metric_finish(step.metric, acc);
            if distance < winner_distance {
                (winner, winner_distance) = (node, distance);
            }
        }
        for (node, w) in codebook.weights.chunks_exact_mut(dim).enumerate() {
            let h = step
                .neighbourhood
                .weight(grid.distance_sq(node, winner), step.rates.sigma);
            let rate = learning_rate * h;
            let extra = step.extra_winner_update && node == winner;
            for (w, &x) in w.iter_mut().zip(&x) {
                let mut value = *w;
                if extra {
                    value += learning_rate * (x - value);
                }
                *w = value + rate * (x - value);
            }
        }
    }
}
