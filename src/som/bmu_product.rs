//! The euclidean winner search of high-dimensional data as a matrix product: ‖x − w‖² =
//! ‖x‖² − 2·x·w + ‖w‖², with every x·w of a tile of samples one product X·Wᵀ (the `faer`
//! crate, blocked for the cache and vectorised), instead of D subtractions and multiply-adds per
//! node and sample.
//!
//! The expanded form rounds differently from the direct sum Σ(x_d − w_d)² that the GPU kernel
//! and [`super::planes::distances`] compute, so it only chooses candidates: both forms are within
//! γ·(‖x‖ + ‖w‖)² of the exact distance (γ = (D + 2)·2⁻²⁴ for f32 sums of D terms), so every
//! node that can be the nearest or the second-nearest by the direct sum lies within twice that
//! margin of the second-smallest expanded distance. Those few candidates are measured by the
//! direct sum, in increasing node order, and the winners are exactly the direct search's, ties
//! to the lowest index.

use rayon::prelude::*;

use super::codebook::Codebook;
use super::data::Samples;
use super::matching::Match;
use super::planes::RunningBestTwo;
use crate::cpu::matrix::{self, View};

/// Dimensions from which the product is faster than the direct sum on the CPU. Measured on a
/// 20x20 map (`cargo bench --bench som -- "by product"`, 2 cores): the direct loops win at D = 3,
/// break even at 16, and the product is 1.4x faster at 64 and 2x at 784.
pub const PRODUCT_FROM_DIM: usize = 32;

/// Floats of x·w one tile of the product may hold (so that a million-node map still streams).
const TILE_FLOATS: usize = 8 << 20;

/// The codebook as the product needs it.
pub struct ProductSearch<'a> {
    codebook: &'a Codebook,
    /// ‖w‖² of every node, and the largest ‖w‖.
    norms_sq: Vec<f32>,
    largest_norm: f32,
}

impl<'a> ProductSearch<'a> {
    pub fn new(codebook: &'a Codebook) -> ProductSearch<'a> {
        let norms_sq: Vec<f32> = codebook
            .weights
            .chunks_exact(codebook.dim)
            .map(|w| w.iter().map(|v| v * v).sum())
            .collect();
        let largest_norm = norms_sq.iter().copied().fold(0.0f32, f32::max).sqrt();
        ProductSearch {
            codebook,
            norms_sq,
            largest_norm,
        }
    }

    /// The matches of samples `start..start + out.len()`: the same as the direct search's.
    pub fn find(&self, samples: &Samples, start: usize, out: &mut [Match]) {
        let (dim, nodes) = (self.codebook.dim, self.codebook.grid.nodes());
        let tile = (TILE_FLOATS / nodes).clamp(1, 1024);
        let mut x = vec![0.0f32; tile * dim];
        let mut products = vec![0.0f32; tile * nodes];
        for (t, matches) in out.chunks_mut(tile).enumerate() {
            let first = start + t * tile;
            let count = matches.len();
            for (k, row) in x.chunks_exact_mut(dim).take(count).enumerate() {
                samples.fill(first + k, row);
            }
            matrix::multiply(
                (&mut products, View::row_major(count, nodes)),
                (&x, View::row_major(count, dim)),
                (
                    &self.codebook.weights,
                    View::row_major(nodes, dim).transposed(),
                ),
            );
            matches
                .par_iter_mut()
                .zip(x.par_chunks_exact(dim))
                .zip(products.par_chunks_exact_mut(nodes))
                .for_each(|((slot, x), dots)| *slot = self.best_two(x, dots));
        }
    }

    /// The two nearest nodes to `x`, given x·w of every node in `dots` (overwritten with the
    /// expanded distances).
    fn best_two(&self, x: &[f32], dots: &mut [f32]) -> Match {
        let dim = x.len();
        let x_sq: f32 = x.iter().map(|v| v * v).sum();
        // The expanded distances, and the two smallest of them.
        let (mut first, mut second) = (f32::INFINITY, f32::INFINITY);
        for (d, &w_sq) in dots.iter_mut().zip(&self.norms_sq) {
            *d = (x_sq - 2.0 * *d) + w_sq;
            if *d < first {
                second = first;
                first = *d;
            } else if *d < second {
                second = *d;
            }
        }
        let reach = x_sq.sqrt() + self.largest_norm;
        // 2γ(‖x‖ + ‖w‖)², doubled again for safety.
        let margin = 4.0 * (dim as f32 + 2.0) * f32::EPSILON / 2.0 * reach * reach;
        let limit = second + 2.0 * margin;
        if !limit.is_finite() {
            // Distances beyond f32: the direct sum decides, as it does everywhere else.
            return self.direct_best_two(x, 0..dots.len());
        }
        let candidates = dots
            .iter()
            .enumerate()
            .filter(|(_, &d)| d <= limit)
            .map(|(node, _)| node);
        self.direct_best_two(x, candidates)
    }

    /// The best two of `nodes` (in increasing order) by the direct sum, as the direct search
    /// ranks them.
    fn direct_best_two(&self, x: &[f32], nodes: impl Iterator<Item = usize>) -> Match {
        let dim = x.len();
        let mut scan = RunningBestTwo::default();
        for node in nodes {
            let w = &self.codebook.weights[node * dim..(node + 1) * dim];
            let d = x.iter().zip(w).fold(0.0f32, |acc, (&x, &w)| {
                let t = x - w;
                acc + t * t
            });
            scan.offer(d, node as u32);
        }
        scan.result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Domain, StreamKey};
    use crate::som::bmu::find_bmus_direct;
    use crate::som::{Grid, Metric};

    fn values(count: usize, seed: u32, integer: bool) -> Vec<f32> {
        let key = StreamKey::new(3, Domain::SomData, &[seed]);
        (0..count as u32)
            .map(|k| {
                let v = key.unit_f32(0, k);
                if integer {
                    (v * 4.0).floor()
                } else {
                    v * 2.0 - 1.0
                }
            })
            .collect()
    }

    #[test]
    fn winners_equal_the_direct_search_with_ties_to_the_lowest_node() {
        for (dim, nodes, integer) in [(16, 300, true), (64, 257, false), (784, 40, false)] {
            let samples = Samples::from_table(dim, values(500 * dim, 1, integer)).unwrap();
            let mut weights = values(nodes * dim, 2, integer);
            // Repeated nodes: exact ties between far-apart indices.
            weights.copy_within(0..10 * dim, (nodes - 10) * dim);
            let grid = Grid::rectangular(nodes, 1).unwrap();
            let codebook = Codebook::new(grid, dim, weights).unwrap();
            let mut want = vec![Match::default(); samples.len()];
            find_bmus_direct(&codebook, Metric::Euclidean, &samples, 0, &mut want);
            let mut got = vec![Match::default(); samples.len()];
            ProductSearch::new(&codebook).find(&samples, 0, &mut got);
            assert_eq!(got, want, "D = {dim}");
        }
    }

    #[test]
    fn near_ties_are_settled_by_the_direct_sum() {
        // Nodes a few ulps apart around a sample far from the origin: the expanded form cannot
        // tell them apart, the direct sums can.
        let dim = 32;
        let base: Vec<f32> = (0..dim).map(|d| 1000.0 + d as f32).collect();
        let mut weights = Vec::new();
        for node in 0..50 {
            weights.extend(base.iter().enumerate().map(|(d, &v)| {
                if d == node % dim {
                    v + (node as f32) * 0.000_061
                } else {
                    v
                }
            }));
        }
        let grid = Grid::rectangular(50, 1).unwrap();
        let codebook = Codebook::new(grid, dim, weights).unwrap();
        let samples = Samples::from_table(dim, base.iter().map(|v| v + 0.00003).collect()).unwrap();
        let mut want = vec![Match::default(); 1];
        find_bmus_direct(&codebook, Metric::Euclidean, &samples, 0, &mut want);
        let mut got = vec![Match::default(); 1];
        ProductSearch::new(&codebook).find(&samples, 0, &mut got);
        assert_eq!(got, want);
    }
}
