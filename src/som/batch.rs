//! Kohonen's batch map: each node becomes the neighbourhood-weighted mean of the samples,
//! w_k = Σ_j h(k, j)·S_j / Σ_j h(k, j)·n_j, where S_j and n_j are the sum and count of the
//! samples whose winner is node j. The sums are gathered on the host in f64 from the winners the
//! search returns (WGSL has no float atomics, and the gathering is O(samples·dim) beside the
//! search's O(samples·nodes·dim)); the weighted means are shaders/som_batch.wgsl, whose CPU twin
//! is `smooth_cpu`.

use rayon::prelude::*;

use super::bmu::Match;
use super::codebook::Codebook;
use super::data::Samples;
use super::params::Neighbourhood;
use crate::backend::Backend;
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

    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The sums and counts as the f32 the update kernel takes.
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
    neighbourhood: Neighbourhood,
    sigma: f32,
) -> Result<()> {
    let (sums, counts) = node_sums.as_f32();
    match backend {
        Backend::Cpu => {
            smooth_cpu(codebook, &sums, &counts, neighbourhood, sigma);
            Ok(())
        }
        Backend::Gpu(ctx) => {
            super::gpu::smooth_gpu(ctx, codebook, &sums, &counts, neighbourhood, sigma)
        }
    }
}

/// CPU twin of `accumulate` and `finish` in shaders/som_batch.wgsl: sources in increasing order,
/// f32 throughout, nodes nobody reaches keep their weights.
pub fn smooth_cpu(
    codebook: &mut Codebook,
    sums: &[f32],
    counts: &[f32],
    neighbourhood: Neighbourhood,
    sigma: f32,
) {
    let dim = codebook.dim;
    let grid = codebook.grid;
    codebook
        .weights
        .par_chunks_mut(dim)
        .enumerate()
        .for_each(|(k, w)| {
            let mut numerator = vec![0.0f32; dim];
            let mut denominator = 0.0f32;
            for (j, &count) in counts.iter().enumerate() {
                if count == 0.0 {
                    continue;
                }
                let h = neighbourhood.weight(grid.offset(k, j), sigma);
                if h == 0.0 {
                    continue;
                }
                for (n, &s) in numerator.iter_mut().zip(&sums[j * dim..(j + 1) * dim]) {
                    *n += h * s;
                }
                denominator += h * count;
            }
            if denominator > 0.0 {
                for (w, n) in w.iter_mut().zip(&numerator) {
                    *w = n / denominator;
                }
            }
        });
}
