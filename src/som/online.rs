//! Online (sequential) Kohonen training: one sample at a time, find the winner, then move every
//! node by lr·h·(x − w). CPU twin of shaders/som_online.wgsl.

use super::codebook::Codebook;
use super::data::Samples;
use super::grid::{Grid, Topology, HEX_ROW_HEIGHT};
use super::params::{EpochRates, Neighbourhood};
use super::planes::{distances, exp_f32, nearest, Planes, Scratch};
pub use super::step::{OnlineEpoch, OnlineStep};
use crate::backend::Backend;
use crate::cpu::wide_vectors;
use crate::error::Result;
use crate::progress::Progress;

/// One online `epoch` of `codebook` on `backend`; it stops with [`crate::Error::Interrupted`]
/// between blocks of samples when `progress` asks.
pub fn train_online_epoch(
    backend: &Backend,
    codebook: &mut Codebook,
    epoch: OnlineEpoch,
    progress: &dyn Progress,
) -> Result<()> {
    match backend {
        Backend::Cpu => train_online_cpu(codebook, epoch, progress),
        Backend::Gpu(ctx) => super::gpu::train_online_gpu(ctx, codebook, epoch, progress),
    }
}

/// CPU twin of `train_online` in shaders/som_online.wgsl: per sample, the same distances, the
/// same winner (ties to the lowest index), the same neighbourhood weights and the same update,
/// operation for operation. The weights are held dimension-major while the epoch runs so that
/// every loop over the nodes vectorises; e^x is [`exp_f32`], as accurate as a GPU's `exp`.
pub fn train_online_cpu(
    codebook: &mut Codebook,
    epoch: OnlineEpoch,
    progress: &dyn Progress,
) -> Result<()> {
    let (samples, order, step) = (epoch.samples, epoch.order, epoch.step);
    let grid = codebook.grid;
    let nodes = grid.nodes();
    let mut planes = Planes::from_codebook(codebook);
    let mut positions = NodePositions::of(&grid);
    let mut scratch = Scratch::default();
    let mut weights = vec![0.0f32; nodes];
    let mut x = vec![0.0f32; codebook.dim];
    let finished = train_steps(
        &mut planes,
        &mut positions,
        &mut scratch,
        &mut weights,
        &mut x,
        samples,
        order,
        step,
        progress,
    );
    if !finished {
        return Err(crate::Error::Interrupted);
    }
    planes.store(codebook);
    Ok(())
}

wide_vectors! {
    /// The samples in turn: winner, neighbourhood, update of the nodes inside its window.
    /// False when `progress` asked to stop (checked between blocks of samples).
    fn train_steps(
        planes: &mut Planes,
        positions: &mut NodePositions,
        scratch: &mut Scratch,
        weights: &mut [f32],
        x: &mut [f32],
        samples: &Samples,
        order: Option<&[u32]>,
        step: &OnlineStep,
        progress: &dyn Progress,
    ) -> bool {
        let n = order.map_or(samples.len(), <[u32]>::len);
        let dim = x.len();
        // Samples are gathered a block at a time before training on them: the gathering loads
        // are independent, so a shuffled order's cache misses overlap instead of stalling every
        // step. Their rates are computed a block at a time too.
        const BLOCK: usize = 256;
        let mut block = vec![0.0f32; BLOCK * dim];
        let mut rates = [EpochRates { learning_rate: 0.0, sigma: 0.0 }; BLOCK];
        for k in 0..n {
            if k % BLOCK == 0 {
                if progress.cancelled() {
                    return false;
                }
                let count = BLOCK.min(n - k);
                for (j, slot) in block.chunks_exact_mut(dim).take(count).enumerate() {
                    let index = order.map_or(k + j, |order| order[k + j] as usize);
                    samples.fill(index, slot);
                }
                step.fill_rates(k, &mut rates[..count]);
            }
            let EpochRates { learning_rate, sigma } = rates[k % BLOCK];
            x.copy_from_slice(&block[(k % BLOCK) * dim..(k % BLOCK + 1) * dim]);
            distances(planes, step.metric, x, scratch);
            let winner = nearest(&scratch.distance);
            let reach_sq = Neighbourhood::reach_sq(step.reach, sigma);
            positions.neighbourhood(winner, step.neighbourhood, sigma, reach_sq, weights);
            for (d, &xd) in x.iter().enumerate() {
                let plane = planes.plane_mut(d);
                if step.extra_winner_update {
                    plane[winner] += learning_rate * (xd - plane[winner]);
                }
                // Nodes outside the window have weight 0 and would not move.
                for span in &positions.window_spans {
                    for (w, &h) in plane[span.clone()].iter_mut().zip(&weights[span.clone()]) {
                        let rate = learning_rate * h;
                        *w += rate * (xd - *w);
                    }
                }
            }
        }
        true
    }
}

/// The lattice seen from the rows and columns: a node's x depends only on its column and the
/// parity of its row (hexagonal rows are shifted), its y only on its row. Neighbourhood factors
/// are computed once per column and per row, not once per node, and only inside the window
/// where the neighbourhood reaches.
struct NodePositions {
    width: usize,
    /// x of each column, for even and for odd rows (as [`Grid::position`] gives it).
    x: [Vec<f32>; 2],
    /// y of each row.
    y: Vec<f32>,
    /// The periods of a torus along x and y.
    wrap: Option<(f32, f32)>,
    /// Scratch: |dx| per column and parity, |dy| per row, and their gaussian factors.
    dx: [Vec<f32>; 2],
    dy: Vec<f32>,
    gx: [Vec<f32>; 2],
    gy: Vec<f32>,
    /// The window of the last neighbourhood: the rows it reaches, in increasing order, and for
    /// even and odd rows the columns `first..end` that hold every node it reaches.
    window_rows: Vec<usize>,
    window_columns: [(usize, usize); 2],
    /// The window as runs of consecutive nodes (whole rows merge into one run), for the update.
    window_spans: Vec<std::ops::Range<usize>>,
}

impl NodePositions {
    fn of(grid: &Grid) -> NodePositions {
        let (w, h) = (grid.width, grid.height);
        let row_of_parity = [0, 1.min(h - 1)];
        let x = row_of_parity.map(|row| (0..w).map(|c| grid.position(row * w + c).0).collect());
        let y = (0..h).map(|r| grid.position(r * w).1).collect();
        let row_height = if grid.topology == Topology::Hexagonal {
            HEX_ROW_HEIGHT
        } else {
            1.0
        };
        let wrap = grid
            .toroidal
            .then_some((grid.width as f32, grid.height as f32 * row_height));
        NodePositions {
            width: w,
            x,
            y,
            wrap,
            dx: [vec![0.0; w], vec![0.0; w]],
            dy: vec![0.0; h],
            gx: [vec![0.0; w], vec![0.0; w]],
            gy: vec![0.0; h],
            window_rows: Vec::with_capacity(h),
            window_columns: [(0, 0); 2],
            window_spans: Vec::with_capacity(h),
        }
    }

    /// The neighbourhood weight of every node inside the window around `winner` (the twin of
    /// `grid_offset` and `neighbourhood` in shaders/som_common.wgsl), into `out`; the window is
    /// left in `window_rows` and `window_columns`. Nodes outside it weigh exactly 0, and `out`
    /// is not written there.
    #[inline(always)]
    fn neighbourhood(
        &mut self,
        winner: usize,
        kind: Neighbourhood,
        sigma: f32,
        reach_sq: f32,
        out: &mut [f32],
    ) {
        let w = self.width;
        let (winner_row, winner_column) = (winner / w, winner % w);
        let wx = self.x[winner_row % 2][winner_column];
        let wy = self.y[winner_row];
        let wrap = self.wrap;
        let offset = |d: f32, period: Option<f32>| match period {
            Some(p) => d.min(p - d),
            None => d,
        };
        for parity in 0..2 {
            for (d, &x) in self.dx[parity].iter_mut().zip(&self.x[parity]) {
                *d = offset((x - wx).abs(), wrap.map(|p| p.0));
            }
            // The columns within reach, as one span (on a torus they may wrap round, and the
            // span then covers the gap: nodes in it weigh 0).
            let inside = |d: &f32| d * d <= reach_sq;
            let first = self.dx[parity].iter().position(inside);
            let last = self.dx[parity].iter().rposition(inside);
            self.window_columns[parity] = match (first, last) {
                // A span of most of a row is widened to the whole row, so that the window's
                // rows join into one run for the update: a loop per row costs more than the
                // few nodes of weight 0 it would skip.
                (Some(first), Some(last)) if 4 * (last + 1 - first) >= 3 * w => (0, w),
                (Some(first), Some(last)) => (first, last + 1),
                _ => (0, 0),
            };
        }
        self.window_rows.clear();
        self.window_spans.clear();
        for (r, (d, &y)) in self.dy.iter_mut().zip(&self.y).enumerate() {
            *d = offset((y - wy).abs(), wrap.map(|p| p.1));
            if *d * *d <= reach_sq {
                self.window_rows.push(r);
                let (first, end) = self.window_columns[r % 2];
                let span = r * w + first..r * w + end;
                match self.window_spans.last_mut() {
                    Some(last) if last.end == span.start => last.end = span.end,
                    _ => self.window_spans.push(span),
                }
            }
        }
        let s2 = sigma * sigma;
        let factor = |d: f32| exp_f32(-(d * d) / (2.0 * s2));
        if s2 > 0.0 && matches!(kind, Neighbourhood::Gaussian | Neighbourhood::MexicanHat) {
            for parity in 0..2 {
                let (first, end) = self.window_columns[parity];
                for (g, &d) in self.gx[parity][first..end]
                    .iter_mut()
                    .zip(&self.dx[parity][first..end])
                {
                    *g = factor(d);
                }
            }
            for &r in &self.window_rows {
                self.gy[r] = factor(self.dy[r]);
            }
        }
        for &r in &self.window_rows {
            let (first, end) = self.window_columns[r % 2];
            let (dx, gx) = (&self.dx[r % 2][first..end], &self.gx[r % 2][first..end]);
            let (dy, gy) = (self.dy[r], self.gy[r]);
            let row = &mut out[r * w + first..r * w + end];
            let cells = row.iter_mut().zip(dx).zip(gx);
            if s2 <= 0.0 {
                cells.for_each(|((o, &dx), _)| {
                    *o = if dx * dx + dy * dy == 0.0 { 1.0 } else { 0.0 }
                });
                continue;
            }
            // Within the span, a column beyond reach (the gap of a wrapped span) weighs 0.
            let reached = |dx: f32| dx * dx <= reach_sq;
            match kind {
                Neighbourhood::Gaussian => {
                    cells.for_each(|((o, &dx), &gx)| *o = if reached(dx) { gx * gy } else { 0.0 })
                }
                Neighbourhood::Bubble => cells.for_each(|((o, &dx), _)| {
                    *o = if reached(dx) && dx * dx + dy * dy <= s2 {
                        1.0
                    } else {
                        0.0
                    }
                }),
                Neighbourhood::MexicanHat => cells.for_each(|((o, &dx), &gx)| {
                    *o = if reached(dx) {
                        (1.0 - (dx * dx + dy * dy) / s2) * (gx * gy)
                    } else {
                        0.0
                    }
                }),
                Neighbourhood::Triangle => cells.for_each(|((o, &dx), _)| {
                    *o = if reached(dx) {
                        (1.0 - (dx * dx + dy * dy).sqrt() / sigma).max(0.0)
                    } else {
                        0.0
                    }
                }),
            }
        }
    }
}
