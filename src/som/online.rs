//! Online (sequential) Kohonen training: one sample at a time, find the winner, then move every
//! node by lr·h·(x − w). CPU twin of shaders/som_online.wgsl.

use super::codebook::Codebook;
use super::data::Samples;
use super::grid::{Grid, Topology, HEX_ROW_HEIGHT};
use super::params::{EpochRates, Metric, Neighbourhood};
use super::planes::{distances, exp_f32, nearest, Planes, Scratch};
use crate::backend::Backend;
use crate::cpu::with_wide_vectors;
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

/// CPU twin of `train_online` in shaders/som_online.wgsl: per sample, the same distances, the
/// same winner (ties to the lowest index), the same neighbourhood weights and the same update,
/// operation for operation. The weights are held dimension-major while the epoch runs so that
/// every loop over the nodes vectorises; e^x is [`exp_f32`], as accurate as a GPU's `exp`.
pub fn train_online_cpu(
    codebook: &mut Codebook,
    samples: &Samples,
    order: Option<&[u32]>,
    step: &OnlineStep,
) {
    let grid = codebook.grid;
    let nodes = grid.nodes();
    let mut planes = Planes::from_codebook(codebook);
    let positions = NodePositions::of(&grid);
    let mut scratch = Scratch::default();
    let mut weights = vec![0.0f32; nodes];
    let mut x = vec![0.0f32; codebook.dim];
    let n = order.map_or(samples.len(), <[u32]>::len);
    let learning_rate = step.rates.learning_rate;
    with_wide_vectors(|| {
        for k in 0..n {
            let index = order.map_or(k, |order| order[k] as usize);
            samples.fill(index, &mut x);
            distances(&planes, step.metric, &x, &mut scratch);
            let winner = nearest(&scratch.distance);
            positions.neighbourhood(winner, step.neighbourhood, step.rates.sigma, &mut weights);
            for (d, &xd) in x.iter().enumerate() {
                let plane = planes.plane_mut(d);
                if step.extra_winner_update {
                    plane[winner] += learning_rate * (xd - plane[winner]);
                }
                for (w, &h) in plane.iter_mut().zip(&weights) {
                    let rate = learning_rate * h;
                    *w += rate * (xd - *w);
                }
            }
        }
    });
    planes.store(codebook);
}

/// Every node's place in the plane, as [`Grid::position`] gives it, in two columns.
struct NodePositions {
    x: Vec<f32>,
    y: Vec<f32>,
    /// The periods of a torus along x and y.
    wrap: Option<(f32, f32)>,
}

impl NodePositions {
    fn of(grid: &Grid) -> NodePositions {
        let (x, y) = (0..grid.nodes()).map(|k| grid.position(k)).unzip();
        let row_height = if grid.topology == Topology::Hexagonal {
            HEX_ROW_HEIGHT
        } else {
            1.0
        };
        let wrap = grid
            .toroidal
            .then_some((grid.width as f32, grid.height as f32 * row_height));
        NodePositions { x, y, wrap }
    }

    /// The neighbourhood weight of every node around `winner` (the twin of `grid_distance_sq`
    /// and `neighbourhood` in shaders/som_common.wgsl), into `out`.
    #[inline(always)]
    fn neighbourhood(&self, winner: usize, kind: Neighbourhood, sigma: f32, out: &mut [f32]) {
        let (wx, wy) = (self.x[winner], self.y[winner]);
        let columns = out.iter_mut().zip(&self.x).zip(&self.y);
        match self.wrap {
            None => columns.for_each(|((o, &x), &y)| {
                let (dx, dy) = ((x - wx).abs(), (y - wy).abs());
                *o = dx * dx + dy * dy;
            }),
            Some((period_x, period_y)) => columns.for_each(|((o, &x), &y)| {
                let (dx, dy) = ((x - wx).abs(), (y - wy).abs());
                let dx = dx.min(period_x - dx);
                let dy = dy.min(period_y - dy);
                *o = dx * dx + dy * dy;
            }),
        }
        let s2 = sigma * sigma;
        if s2 <= 0.0 {
            out.iter_mut()
                .for_each(|d2| *d2 = if *d2 == 0.0 { 1.0 } else { 0.0 });
            return;
        }
        match kind {
            Neighbourhood::Gaussian => out
                .iter_mut()
                .for_each(|d2| *d2 = exp_f32(-*d2 / (2.0 * s2))),
            Neighbourhood::Bubble => out
                .iter_mut()
                .for_each(|d2| *d2 = if *d2 <= s2 { 1.0 } else { 0.0 }),
            Neighbourhood::MexicanHat => out
                .iter_mut()
                .for_each(|d2| *d2 = (1.0 - *d2 / s2) * exp_f32(-*d2 / (2.0 * s2))),
            Neighbourhood::Triangle => out
                .iter_mut()
                .for_each(|d2| *d2 = (1.0 - d2.sqrt() / sigma).max(0.0)),
        }
    }
}
