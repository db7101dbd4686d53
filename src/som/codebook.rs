//! The map's weights: one `dim`-vector per node, node-major. Saved as `codebook.npy`, float32 of
//! shape (height, width, dim), which `numpy.load` reads directly.

use std::collections::HashSet;

use super::data::Samples;
use super::grid::Grid;
use super::params::Init;
use crate::error::{Error, Result};
use crate::rng::{Domain, StreamKey};

/// The weights of every node of `grid`.
#[derive(Debug, Clone, PartialEq)]
pub struct Codebook {
    pub grid: Grid,
    pub dim: usize,
    /// `grid.nodes() * dim` values; node `k` is `weights[k * dim..(k + 1) * dim]`.
    pub weights: Vec<f32>,
}

impl Codebook {
    /// Weights given directly (length `grid.nodes() * dim`, all finite).
    pub fn new(grid: Grid, dim: usize, weights: Vec<f32>) -> Result<Codebook> {
        if dim == 0 || weights.len() != grid.nodes() * dim {
            return Err(Error::InvalidData(format!(
                "a {} codebook of dimension {dim} needs {} weights, not {}",
                grid.describe(),
                grid.nodes() * dim,
                weights.len()
            )));
        }
        if weights.iter().any(|w| !w.is_finite()) {
            return Err(Error::InvalidData(
                "the codebook has a non-finite weight".into(),
            ));
        }
        Ok(Codebook { grid, dim, weights })
    }

    /// Weights uniform in [low, high) per dimension.
    pub fn uniform(grid: Grid, low: &[f32], high: &[f32], seed: u64) -> Codebook {
        let dim = low.len();
        let key = StreamKey::new(seed, Domain::SomInit, &[Init::Random as u32]);
        let weights = (0..grid.nodes() * dim)
            .map(|index| {
                let d = index % dim;
                low[d] + (high[d] - low[d]) * key.unit_f32(0, index as u32)
            })
            .collect();
        Codebook { grid, dim, weights }
    }

    /// The initial weights `init` asks for, drawn from `samples`.
    pub fn initialise(grid: Grid, samples: &Samples, init: Init, seed: u64) -> Result<Codebook> {
        if samples.is_empty() {
            return Err(Error::InvalidData("the data has no samples".into()));
        }
        let dim = samples.dim();
        // Training holds the weights several times over: the codebook and its dimension-major
        // copy in f32, the batch map's sums and the initialisation's statistics in f64.
        crate::limits::check_host_memory(
            &format!(
                "a {}x{} map of {dim}-dimensional weights",
                grid.width, grid.height
            ),
            crate::limits::checked_product(&[grid.nodes() as u64, dim as u64, 24]),
        )?;
        let codebook = match init {
            Init::Random => {
                let (low, high) = samples.bounds();
                Codebook::uniform(grid, &low, &high, seed)
            }
            Init::Samples => {
                let chosen = Codebook::chosen_samples(samples.len(), grid, seed);
                let mut weights = vec![0.0; grid.nodes() * dim];
                for (node, &index) in chosen.iter().enumerate() {
                    samples.fill(index, &mut weights[node * dim..(node + 1) * dim]);
                }
                Codebook { grid, dim, weights }
            }
            Init::Pca => pca_plane(grid, samples),
        };
        Ok(codebook)
    }

    /// The samples (indices into `samples` of them) whose values the "samples" initialisation
    /// gives the nodes of `grid`, one per node.
    pub fn chosen_samples(samples: usize, grid: Grid, seed: u64) -> Vec<usize> {
        let key = StreamKey::new(seed, Domain::SomInit, &[Init::Samples as u32]);
        pick_samples(samples, grid.nodes(), &key)
    }

    /// Refuses `samples` of another dimension than the map's, the one message every use of a
    /// map gives for it.
    pub fn check_samples(&self, samples: &Samples) -> Result<()> {
        check_dims(self.dim, samples)
    }

    pub fn node(&self, node: usize) -> &[f32] {
        &self.weights[node * self.dim..(node + 1) * self.dim]
    }
}

/// `count` sample indices: distinct while the data has enough, then repeating.
fn pick_samples(available: usize, count: usize, key: &StreamKey) -> Vec<usize> {
    if count >= available {
        let mut order = Vec::new();
        key.permutation(0, available, &mut order);
        return (0..count).map(|k| order[k % available] as usize).collect();
    }
    // Rejection keeps memory at O(count) for huge images.
    let mut seen = HashSet::with_capacity(count);
    let mut chosen = Vec::with_capacity(count);
    let mut draw = 0u32;
    while chosen.len() < count {
        let index = key.below(1, draw, available as u32) as usize;
        draw += 1;
        if seen.insert(index) {
            chosen.push(index);
        }
    }
    chosen
}

/// The mean plus a plane through the first two principal axes, ±1 standard deviation.
fn pca_plane(grid: Grid, samples: &Samples) -> Codebook {
    let dim = samples.dim();
    let n = samples.len() as f64;
    let mut x = vec![0.0f32; dim];
    let mut mean = vec![0.0f64; dim];
    for index in 0..samples.len() {
        samples.fill(index, &mut x);
        for d in 0..dim {
            mean[d] += f64::from(x[d]);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut covariance = vec![0.0f64; dim * dim];
    for index in 0..samples.len() {
        samples.fill(index, &mut x);
        for a in 0..dim {
            let da = f64::from(x[a]) - mean[a];
            for b in a..dim {
                covariance[a * dim + b] += da * (f64::from(x[b]) - mean[b]);
            }
        }
    }
    for a in 0..dim {
        for b in a..dim {
            let value = covariance[a * dim + b] / n;
            covariance[a * dim + b] = value;
            covariance[b * dim + a] = value;
        }
    }
    let axes = principal_axes(&mut covariance, dim, 2);
    let span = |k: usize, count: usize| {
        if count > 1 {
            -1.0 + 2.0 * k as f64 / (count - 1) as f64
        } else {
            0.0
        }
    };
    let mut weights = Vec::with_capacity(grid.nodes() * dim);
    for node in 0..grid.nodes() {
        let along = [
            span(node % grid.width, grid.width),
            span(node / grid.width, grid.height),
        ];
        for d in 0..dim {
            let offset: f64 = axes
                .iter()
                .zip(along)
                .map(|((value, vector), t)| t * value.sqrt() * vector[d])
                .sum();
            weights.push((mean[d] + offset) as f32);
        }
    }
    Codebook { grid, dim, weights }
}

/// The `count` largest eigenpairs of a symmetric matrix, by power iteration with deflation.
/// Each vector's largest component is made positive, so the result does not depend on the start.
pub(crate) fn principal_axes(matrix: &mut [f64], dim: usize, count: usize) -> Vec<(f64, Vec<f64>)> {
    let mut axes = Vec::new();
    for _ in 0..count.min(dim) {
        let mut vector: Vec<f64> = (0..dim).map(|d| 1.0 + d as f64 * 0.01).collect();
        let mut value = 0.0;
        for _ in 0..500 {
            let product: Vec<f64> = (0..dim)
                .map(|a| (0..dim).map(|b| matrix[a * dim + b] * vector[b]).sum())
                .collect();
            let norm = product.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm == 0.0 {
                value = 0.0;
                break;
            }
            let next: Vec<f64> = product.iter().map(|v| v / norm).collect();
            let change: f64 = next.iter().zip(&vector).map(|(a, b)| (a - b).abs()).sum();
            vector = next;
            value = norm;
            if change < 1e-12 {
                break;
            }
        }
        let largest = vector
            .iter()
            .copied()
            .fold(0.0f64, |m, v| if v.abs() > m.abs() { v } else { m });
        if largest < 0.0 {
            vector.iter_mut().for_each(|v| *v = -*v);
        }
        for a in 0..dim {
            for b in 0..dim {
                matrix[a * dim + b] -= value * vector[a] * vector[b];
            }
        }
        axes.push((value.max(0.0), vector));
    }
    axes
}

/// Refuses `samples` that are not `dim`-dimensional, as a map of `dim` does.
pub fn check_dims(dim: usize, samples: &Samples) -> Result<()> {
    if samples.dim() == dim {
        return Ok(());
    }
    Err(Error::InvalidData(format!(
        "the data has {} dimensions, the map {dim}",
        samples.dim()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pca_spans_the_main_axis() {
        // Points on the line y = 2x: the first axis is (1, 2)/√5 and the map lies along it.
        let values: Vec<f32> = (0..50).flat_map(|k| [k as f32, 2.0 * k as f32]).collect();
        let samples = Samples::from_table(2, values).unwrap();
        let grid = Grid::rectangular(5, 1).unwrap();
        let codebook = Codebook::initialise(grid, &samples, Init::Pca, 1).unwrap();
        let first = codebook.node(0);
        let last = codebook.node(4);
        let (dx, dy) = (last[0] - first[0], last[1] - first[1]);
        assert!((dy / dx - 2.0).abs() < 1e-3, "{dx} {dy}");
        assert!((codebook.node(2)[0] - 24.5).abs() < 1e-3);
    }

    #[test]
    fn sample_init_picks_distinct_samples() {
        let values: Vec<f32> = (0..100).map(|k| k as f32).collect();
        let samples = Samples::from_table(1, values).unwrap();
        let grid = Grid::rectangular(4, 4).unwrap();
        let codebook = Codebook::initialise(grid, &samples, Init::Samples, 3).unwrap();
        let mut picked = codebook.weights.clone();
        picked.sort_by(f32::total_cmp);
        picked.dedup();
        assert_eq!(picked.len(), 16);
    }
}
