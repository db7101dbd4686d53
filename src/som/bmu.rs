//! Best-matching units: the nearest and the second-nearest node of each sample, ties to the
//! lowest node index. CPU twin of shaders/som_bmu.wgsl; the distance functions are the twins of
//! `metric_step` and `metric_finish` in shaders/som_common.wgsl.

use rayon::prelude::*;

use super::bmu_product::{ProductSearch, PRODUCT_FROM_DIM};
use super::codebook::Codebook;
use super::data::Samples;
pub use super::matching::{Match, FAR, NO_NODE};
use super::params::Metric;
use super::planes::{self, distances, Planes, Scratch};
use crate::backend::Backend;
use crate::cpu::wide_vectors;
use crate::error::{Error, Result};

/// The most samples the CPU path searches per tile.
const CPU_TILE_SAMPLES: usize = 1 << 18;
/// Distance terms (samples x nodes x dimensions) one CPU tile may take: about a tenth of a
/// second on two cores, so that a caller checking between tiles stops promptly on large maps.
const CPU_TILE_WORK: usize = 1 << 28;

/// One dimension's contribution to a distance.
#[inline]
pub fn metric_step(metric: Metric, acc: [f32; 3], x: f32, w: f32) -> [f32; 3] {
    match metric {
        Metric::Euclidean => {
            let d = x - w;
            [acc[0] + d * d, acc[1], acc[2]]
        }
        Metric::Cosine => [acc[0] + x * w, acc[1] + x * x, acc[2] + w * w],
        Metric::Manhattan => [acc[0] + (x - w).abs(), acc[1], acc[2]],
        Metric::Chebyshev => [acc[0].max((x - w).abs()), acc[1], acc[2]],
    }
}

/// The distance from the accumulated terms (squared for euclidean, which ranks the same).
#[inline]
pub fn metric_finish(metric: Metric, acc: [f32; 3]) -> f32 {
    if metric == Metric::Cosine {
        if acc[1] == 0.0 || acc[2] == 0.0 {
            return 1.0;
        }
        return 1.0 - acc[0] / (acc[1].sqrt() * acc[2].sqrt());
    }
    acc[0]
}

/// The ranking distance between `x` and `w`.
#[inline]
pub fn distance(metric: Metric, x: &[f32], w: &[f32]) -> f32 {
    let acc = x
        .iter()
        .zip(w)
        .fold([0.0; 3], |acc, (&x, &w)| metric_step(metric, acc, x, w));
    metric_finish(metric, acc)
}

/// The best and second-best node of `x`.
pub fn best_two(codebook: &Codebook, metric: Metric, x: &[f32]) -> Match {
    let planes = Planes::from_codebook(codebook);
    let mut scratch = Scratch::default();
    distances(&planes, metric, x, &mut scratch);
    planes::best_two(&scratch.distance)
}

/// The matches of samples `start..start + out.len()`, on every core: the CPU twin of
/// `find_bmus` in shaders/som_bmu.wgsl, over the codebook's dimension-major planes so that the
/// loop over the nodes vectorises; for euclidean data of many dimensions, the candidates come
/// from a matrix product first (see [`super::bmu_product`]), with the same winners.
pub fn find_bmus_cpu(
    codebook: &Codebook,
    metric: Metric,
    samples: &Samples,
    start: usize,
    out: &mut [Match],
) {
    if metric == Metric::Euclidean && codebook.dim >= PRODUCT_FROM_DIM {
        // The same winners, through a matrix product.
        ProductSearch::new(codebook).find(samples, start, out);
        return;
    }
    find_bmus_direct(codebook, metric, samples, start, out);
}

/// [`find_bmus_cpu`] by the direct sums alone, node by node.
pub fn find_bmus_direct(
    codebook: &Codebook,
    metric: Metric,
    samples: &Samples,
    start: usize,
    out: &mut [Match],
) {
    let planes = Planes::from_codebook(codebook);
    // Up to 1024 samples a task, fewer when there are few samples (a large map's batch epoch on
    // a small data set), so that every core gets a share.
    let threads = rayon::current_num_threads().max(1);
    let chunk = out.len().div_ceil(4 * threads).clamp(64, 1024);
    out.par_chunks_mut(chunk)
        .enumerate()
        .for_each(|(index, matches)| {
            search_chunk(&planes, metric, samples, start + index * chunk, matches);
        });
}

wide_vectors! {
    /// The matches of samples `first..first + out.len()`.
    fn search_chunk(planes: &Planes, metric: Metric, samples: &Samples, first: usize, out: &mut [Match]) {
        let mut x = vec![0.0; samples.dim()];
        let mut scratch = Scratch::default();
        for (k, slot) in out.iter_mut().enumerate() {
            samples.fill(first + k, &mut x);
            distances(planes, metric, &x, &mut scratch);
            *slot = planes::best_two(&scratch.distance);
        }
    }
}

/// The matches of every sample on `backend`, delivered tile by tile to
/// `on_tile(first_sample, matches)`, so that memory stays bounded for images of any size.
pub fn for_each_match(
    backend: &Backend,
    codebook: &Codebook,
    metric: Metric,
    samples: &Samples,
    on_tile: &mut dyn FnMut(usize, &[Match]) -> Result<()>,
) -> Result<()> {
    codebook.check_samples(samples)?;
    // A sample whose every distance overflows f32 has no winner; say so instead of indexing
    // with "no node" further on.
    let mut checked = |first: usize, matches: &[Match]| -> Result<()> {
        if let Some(k) = matches.iter().position(|m| m.best == NO_NODE) {
            return Err(Error::InvalidData(format!(
                "sample {} is so far from every node that its distances overflow f32; scale the data",
                first + k
            )));
        }
        on_tile(first, matches)
    };
    match backend {
        Backend::Cpu => {
            let n = samples.len();
            let per_sample = codebook.grid.nodes().saturating_mul(codebook.dim).max(1);
            let tile = (CPU_TILE_WORK / per_sample).clamp(1024, CPU_TILE_SAMPLES);
            let mut matches = vec![Match::default(); tile.min(n)];
            for start in (0..n).step_by(tile) {
                let count = tile.min(n - start);
                find_bmus_cpu(codebook, metric, samples, start, &mut matches[..count]);
                checked(start, &matches[..count])?;
            }
            Ok(())
        }
        Backend::Gpu(ctx) => {
            super::gpu::find_bmus_gpu(ctx, codebook, metric, samples, &mut checked)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::som::Grid;

    #[test]
    fn ties_go_to_the_lowest_node() {
        let grid = Grid::rectangular(3, 1).unwrap();
        let codebook = Codebook::new(grid, 1, vec![2.0, 0.0, 2.0]).unwrap();
        let m = best_two(&codebook, Metric::Euclidean, &[1.0]);
        assert_eq!(m, Match { best: 0, second: 1 });
    }

    #[test]
    fn cosine_ignores_length() {
        let grid = Grid::rectangular(2, 1).unwrap();
        let codebook = Codebook::new(grid, 2, vec![10.0, 0.0, 1.0, 1.0]).unwrap();
        assert_eq!(best_two(&codebook, Metric::Cosine, &[1.0, 1.1]).best, 1);
        assert_eq!(best_two(&codebook, Metric::Euclidean, &[9.0, 0.0]).best, 0);
        assert_eq!(distance(Metric::Cosine, &[0.0, 0.0], &[1.0, 0.0]), 1.0);
        assert_eq!(distance(Metric::Chebyshev, &[1.0, 5.0], &[0.0, 0.0]), 5.0);
        assert_eq!(distance(Metric::Manhattan, &[1.0, -5.0], &[0.0, 0.0]), 6.0);
    }
}
