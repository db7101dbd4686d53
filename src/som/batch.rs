//! Kohonen's batch map: each node becomes the neighbourhood-weighted mean of the samples,
//! w_k = Σ_j h(k, j)·S_j / Σ_j h(k, j)·n_j, where S_j and n_j are the sum and count of the
//! samples whose winner is node j. The sums are gathered on the host in f64 from the winners the
//! search returns (WGSL has no float atomics, and the gathering is O(samples·dim) beside the
//! search's O(samples·nodes·dim)); the weighted means are shaders/som_batch.wgsl.
//!
//! The smoothing never visits node pairs the neighbourhood does not reach:
//! - the gaussian is separable on every lattice: h = g(dx)·g(dy), where dx depends only on the
//!   two nodes' columns and row parities and dy only on their rows (the short way round on a
//!   torus). So the sums are smoothed along the rows, then along the columns: O(nodes·(W + H))
//!   per dimension, two matrix products of the sums with the W x W and H x H factor matrices on
//!   the CPU (`smooth_separable`, twin of `smooth_rows` and `smooth_columns`);
//! - the bubble and the triangle reach σ: each node visits the sources inside its window only,
//!   O(nodes·window) (`smooth_windowed`, twin of `accumulate` and `finish`).

use rayon::prelude::*;

use super::codebook::Codebook;
use super::data::Samples;
use super::grid::Grid;
use super::matching::Match;
use super::params::Neighbourhood;
use super::planes::exp_f32;
pub use super::step::Smoothing;
use crate::backend::Backend;
use crate::cpu::matrix::{self, View};
use crate::error::Result;

/// The sum and the count of the samples won by each node.
#[derive(Debug, Clone)]
pub struct NodeSums {
    dim: usize,
    sums: Vec<f64>,
    counts: Vec<u64>,
}

impl NodeSums {
    pub fn new(nodes: usize, dim: usize) -> NodeSums {
        NodeSums {
            dim,
            sums: vec![0.0; nodes * dim],
            counts: vec![0; nodes],
        }
    }

    /// Adds the samples `first..first + matches.len()` to their winners.
    pub fn add(&mut self, samples: &Samples, first: usize, matches: &[Match]) {
        let mut x = vec![0.0; self.dim];
        for (k, m) in matches.iter().enumerate() {
            samples.fill(first + k, &mut x);
            let node = m.best as usize;
            self.counts[node] += 1;
            for (s, &v) in self.sums[node * self.dim..(node + 1) * self.dim]
                .iter_mut()
                .zip(&x)
            {
                *s += f64::from(v);
            }
        }
    }

    /// Sums and counts gathered elsewhere (over a part of the data, by another process): `sums`
    /// nodes x dim, `counts` one per node.
    pub fn from_parts(dim: usize, sums: Vec<f64>, counts: Vec<u64>) -> Result<NodeSums> {
        if dim == 0 || sums.len() != counts.len() * dim {
            return Err(crate::Error::InvalidData(format!(
                "node sums of {} values for {} nodes of {dim} dimensions",
                sums.len(),
                counts.len()
            )));
        }
        Ok(NodeSums { dim, sums, counts })
    }

    /// Adds the sums and counts of another part of the data.
    pub fn merge(&mut self, other: &NodeSums) {
        self.sums
            .iter_mut()
            .zip(&other.sums)
            .for_each(|(a, b)| *a += b);
        self.counts
            .iter_mut()
            .zip(&other.counts)
            .for_each(|(a, b)| *a += b);
    }

    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The sums, nodes x dim, row by row.
    pub fn sums(&self) -> &[f64] {
        &self.sums
    }

    /// The sums and counts as the f32 the update kernels take.
    pub fn as_f32(&self) -> (Vec<f32>, Vec<f32>) {
        (
            self.sums.iter().map(|&v| v as f32).collect(),
            self.counts.iter().map(|&v| v as f32).collect(),
        )
    }
}

/// Replaces every node's weights by the neighbourhood-weighted mean, on `backend`.
pub fn smooth(
    backend: &Backend,
    codebook: &mut Codebook,
    node_sums: &NodeSums,
    smoothing: Smoothing,
) -> Result<()> {
    let (sums, counts) = node_sums.as_f32();
    match backend {
        Backend::Cpu => {
            smooth_cpu(codebook, &sums, &counts, smoothing);
            Ok(())
        }
        Backend::Gpu(ctx) => super::gpu::smooth_gpu(ctx, codebook, &sums, &counts, smoothing),
    }
}

/// The batch update on the CPU from f32 sums and counts: separable for the gaussian, windowed
/// otherwise. Nodes that no sample reaches through the neighbourhood keep their weights.
pub fn smooth_cpu(codebook: &mut Codebook, sums: &[f32], counts: &[f32], smoothing: Smoothing) {
    if smoothing.neighbourhood == Neighbourhood::Gaussian {
        smooth_separable(codebook, sums, counts, smoothing);
    } else {
        smooth_windowed(codebook, sums, counts, smoothing);
    }
}

/// The gaussian factor of an axis offset `d`, 0 beyond the reach; the winner alone when σ² is 0
/// (the factor of both offsets is then 1 at 0 and 0 elsewhere, as `neighbourhood` has it).
/// Twin of `axis_factor` in shaders/som_batch.wgsl.
#[inline]
pub fn axis_factor(d: f32, sigma: f32, reach_sq: f32) -> f32 {
    let s2 = sigma * sigma;
    if s2 <= 0.0 {
        return if d == 0.0 { 1.0 } else { 0.0 };
    }
    if d * d > reach_sq {
        return 0.0;
    }
    exp_f32(-(d * d) / (2.0 * s2))
}

/// The gaussian factors between the lattice's columns: `[target parity][source parity]`, each a
/// W x W matrix of g(|dx|) with the target column as row (hexagonal rows of odd parity sit half a
/// node to the right); and the H x H matrix of g(|dy|) between rows.
fn axis_factors(grid: &Grid, smoothing: Smoothing) -> ([[Vec<f32>; 2]; 2], Vec<f32>) {
    let (w, h) = (grid.width, grid.height);
    let odd_row = 1.min(h - 1);
    let column_factors = |target_row: usize, source_row: usize| -> Vec<f32> {
        let mut factors = Vec::with_capacity(w * w);
        for target in 0..w {
            for source in 0..w {
                let (dx, _) = grid.offset(target_row * w + target, source_row * w + source);
                factors.push(axis_factor(dx, smoothing.sigma, smoothing.reach_sq));
            }
        }
        factors
    };
    let columns =
        [0, odd_row].map(|target| [0, odd_row].map(|source| column_factors(target, source)));
    let mut rows = Vec::with_capacity(h * h);
    for target in 0..h {
        for source in 0..h {
            let (_, dy) = grid.offset(target * w, source * w);
            rows.push(axis_factor(dy, smoothing.sigma, smoothing.reach_sq));
        }
    }
    (columns, rows)
}

/// CPU twin of `smooth_rows` and `smooth_columns` in shaders/som_batch.wgsl, for the gaussian:
/// plane by plane (each dimension of the sums, then the counts), the rows of each parity are
/// multiplied by the column factors (along the rows), then the row factors combine the rows.
fn smooth_separable(codebook: &mut Codebook, sums: &[f32], counts: &[f32], smoothing: Smoothing) {
    let grid = codebook.grid;
    let (dim, w, h, nodes) = (codebook.dim, grid.width, grid.height, grid.nodes());
    let parities = if grid.topology == super::Topology::Hexagonal && h > 1 {
        2
    } else {
        1
    };
    let (column_factors, row_factors) = axis_factors(&grid, smoothing);
    let map = View::row_major(h, w);
    // The rows of one parity, from row `first`.
    let rows_from =
        |first: usize, columns: usize| View::row_major(h - first, columns).every_row(parities);
    // Plane e: dimension e of the sums for e < dim, the counts for e = dim; then smoothed.
    let planes: Vec<Vec<f32>> = (0..=dim)
        .into_par_iter()
        .map(|e| {
            let plane: Vec<f32> = if e < dim {
                (0..nodes).map(|k| sums[k * dim + e]).collect()
            } else {
                counts.to_vec()
            };
            let mut smoothed = vec![0.0f32; nodes];
            let mut along_rows = vec![0.0f32; nodes];
            for target in 0..parities {
                // along_rows(r, c) = Σ_c' g(dx between column c of a row of parity `target` and
                // column c' of row r)·plane(r, c').
                for source in 0..parities {
                    let factors = View::row_major(w, w).transposed();
                    matrix::multiply(
                        (&mut along_rows[source * w..], rows_from(source, w)),
                        (&plane[source * w..], rows_from(source, w)),
                        (&column_factors[target][source], factors),
                    );
                }
                // smoothed(r, c) = Σ_r' g(dy between rows r and r')·along_rows(r', c), for the
                // rows r of parity `target`.
                matrix::multiply(
                    (&mut smoothed[target * w..], rows_from(target, w)),
                    (&row_factors[target * h..], rows_from(target, h)),
                    (&along_rows, map),
                );
            }
            smoothed
        })
        .collect();
    let denominators = &planes[dim];
    for (k, weights) in codebook.weights.chunks_exact_mut(dim).enumerate() {
        if denominators[k] > 0.0 {
            for (e, w) in weights.iter_mut().enumerate() {
                *w = planes[e][k] / denominators[k];
            }
        }
    }
}

/// CPU twin of `accumulate` and `finish` in shaders/som_batch.wgsl for neighbourhoods with a
/// reach (the bubble, the triangle): each node adds the sources inside its window, in increasing
/// order, in f32.
fn smooth_windowed(codebook: &mut Codebook, sums: &[f32], counts: &[f32], smoothing: Smoothing) {
    let dim = codebook.dim;
    let grid = codebook.grid;
    let w = grid.width;
    let odd_row = 1.min(grid.height - 1);
    // For each parity pair and target column, the source columns within reach; for each target
    // row, the source rows within reach. Both in increasing order, so the sources are visited
    // in increasing node order.
    let reached = |d: f32| d * d <= smoothing.reach_sq;
    let columns: [[Vec<Vec<usize>>; 2]; 2] = [0, odd_row].map(|target_row| {
        [0, odd_row].map(|source_row| {
            (0..w)
                .map(|target| {
                    (0..w)
                        .filter(|&source| {
                            reached(
                                grid.offset(target_row * w + target, source_row * w + source)
                                    .0,
                            )
                        })
                        .collect()
                })
                .collect()
        })
    });
    let rows: Vec<Vec<usize>> = (0..grid.height)
        .map(|target| {
            (0..grid.height)
                .filter(|&source| reached(grid.offset(target * w, source * w).1))
                .collect()
        })
        .collect();
    codebook
        .weights
        .par_chunks_mut(dim)
        .enumerate()
        .for_each(|(k, weights)| {
            let (row, column) = (k / w, k % w);
            let mut numerator = vec![0.0f32; dim];
            let mut denominator = 0.0f32;
            for &source_row in &rows[row] {
                for &source_column in &columns[row % 2][source_row % 2][column] {
                    let j = source_row * w + source_column;
                    let count = counts[j];
                    if count == 0.0 {
                        continue;
                    }
                    let h = smoothing.neighbourhood.weight(
                        grid.offset(k, j),
                        smoothing.sigma,
                        smoothing.reach_sq,
                    );
                    if h == 0.0 {
                        continue;
                    }
                    for (n, &s) in numerator.iter_mut().zip(&sums[j * dim..(j + 1) * dim]) {
                        *n += h * s;
                    }
                    denominator += h * count;
                }
            }
            if denominator > 0.0 {
                for (w, n) in weights.iter_mut().zip(&numerator) {
                    *w = n / denominator;
                }
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::som::Topology;

    /// The definition, node against node in f64.
    fn smooth_directly(codebook: &mut Codebook, sums: &[f32], counts: &[f32], s: Smoothing) {
        let dim = codebook.dim;
        let grid = codebook.grid;
        for k in 0..grid.nodes() {
            let mut numerator = vec![0.0f64; dim];
            let mut denominator = 0.0f64;
            for j in 0..grid.nodes() {
                let h = f64::from(
                    s.neighbourhood
                        .weight(grid.offset(k, j), s.sigma, s.reach_sq),
                );
                for (n, &v) in numerator.iter_mut().zip(&sums[j * dim..(j + 1) * dim]) {
                    *n += h * f64::from(v);
                }
                denominator += h * f64::from(counts[j]);
            }
            if denominator > 0.0 {
                for (d, n) in numerator.iter().enumerate() {
                    codebook.weights[k * dim + d] = (n / denominator) as f32;
                }
            }
        }
    }

    #[test]
    fn separable_and_windowed_smoothing_equal_the_definition() {
        let key = crate::rng::StreamKey::new(5, crate::rng::Domain::SomData, &[]);
        for (topology, toroidal, neighbourhood, sigma) in [
            (
                Topology::Rectangular,
                false,
                Neighbourhood::Gaussian,
                2.5f32,
            ),
            (Topology::Hexagonal, false, Neighbourhood::Gaussian, 1.5),
            (Topology::Hexagonal, true, Neighbourhood::Gaussian, 0.7),
            (Topology::Rectangular, true, Neighbourhood::Gaussian, 0.0),
            (Topology::Rectangular, false, Neighbourhood::Bubble, 2.0),
            (Topology::Hexagonal, true, Neighbourhood::Triangle, 3.0),
        ] {
            let grid = Grid::new(9, 6, topology, toroidal).unwrap();
            let dim = 3;
            let nodes = grid.nodes();
            // Some nodes won nothing.
            let counts: Vec<f32> = (0..nodes as u32)
                .map(|k| (key.draw(0, k) % 4) as f32)
                .collect();
            let sums: Vec<f32> = (0..(nodes * dim) as u32)
                .map(|k| counts[k as usize / dim] * key.unit_f32(1, k))
                .collect();
            let smoothing = Smoothing {
                neighbourhood,
                sigma,
                reach_sq: Neighbourhood::reach_sq(neighbourhood.reach(1e-6), sigma),
            };
            let start = Codebook::uniform(grid, &[0.0; 3], &[1.0; 3], 1);
            let mut want = start.clone();
            smooth_directly(&mut want, &sums, &counts, smoothing);
            let mut got = start;
            smooth_cpu(&mut got, &sums, &counts, smoothing);
            for (k, (g, w)) in got.weights.iter().zip(&want.weights).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-5 * w.abs().max(1.0),
                    "{topology:?} {toroidal} {neighbourhood:?} σ {sigma}: weight {k}: {g} vs {w}"
                );
            }
        }
    }
}
