//! MiniSom's measures of a map (winners, quantization, its errors, distortion, distance map)
//! and its initialisations, on MiniSom's float64 weights.

use rayon::prelude::*;

use super::distance::{argmin, distances_from_weights, Activation};
use super::lattice::Lattice;
use super::MiniSomMap;
use crate::error::{Error, Result};
use crate::rng::StreamKey;
use crate::som::grid::{Grid, Topology};
use crate::som::metrics::{distance_map_with, Scaling};

/// Samples per part when a measure works through the data, so that the samples × nodes
/// distances MiniSom would hold at once stay small.
const PART: usize = 4096;

/// Every sample's winner by the map's activation distance (MiniSom's `winner`, per sample).
pub fn winners(
    map: &MiniSomMap,
    weights: &[f64],
    data: &[f64],
    activation: &mut Activation,
) -> Result<Vec<usize>> {
    map.check_weights(weights)?;
    map.check_data(data)?;
    match activation {
        Activation::Named(distance) => Ok(data
            .par_chunks_exact(map.dim)
            .map_init(Vec::new, |scratch, x| {
                distance.activation(x, weights, scratch);
                argmin(scratch)
            })
            .collect()),
        Activation::Custom(_) => {
            let mut scratch = Vec::new();
            data.chunks_exact(map.dim)
                .map(|x| activation.winner(x, weights, &mut scratch))
                .collect()
        }
    }
}

/// The two nearest nodes of each sample by euclidean distance (ties to the lower index), as
/// MiniSom's `quantization` and `topographic_error` rank them through `_distance_from_weights`.
fn nearest_two(weights: &[f64], data: &[f64], dim: usize) -> Vec<(usize, usize)> {
    let nodes = weights.len() / dim;
    data.chunks(PART * dim)
        .flat_map(|part| {
            let distances = distances_from_weights(part, weights, dim);
            distances
                .chunks_exact(nodes)
                .map(|row| {
                    let best = argmin(row);
                    let second = (0..nodes)
                        .filter(|&node| node != best)
                        .min_by(|&a, &b| row[a].total_cmp(&row[b]).then(a.cmp(&b)))
                        .unwrap_or(best);
                    (best, second)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// MiniSom's `quantization`: each sample's nearest node by euclidean distance.
pub fn quantization(map: &MiniSomMap, weights: &[f64], data: &[f64]) -> Result<Vec<usize>> {
    map.check_weights(weights)?;
    map.check_data(data)?;
    Ok(nearest_two(weights, data, map.dim)
        .into_iter()
        .map(|(best, _)| best)
        .collect())
}

/// MiniSom's `quantization_error`: the mean distance from a sample to its quantization.
pub fn quantization_error(map: &MiniSomMap, weights: &[f64], data: &[f64]) -> Result<f64> {
    let nearest = quantization(map, weights, data)?;
    let dim = map.dim;
    let total: f64 = data
        .chunks_exact(dim)
        .zip(&nearest)
        .map(|(x, &node)| euclidean(x, &weights[node * dim..(node + 1) * dim]))
        .sum();
    Ok(total / nearest.len() as f64)
}

fn euclidean(x: &[f64], w: &[f64]) -> f64 {
    x.iter()
        .zip(w)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}

/// MiniSom's `topographic_error`: the fraction of samples whose two nearest nodes are not
/// neighbours. On a rectangular map neighbours are within 1.42 on the lattice (diagonals count,
/// as MiniSom counts them); on a hexagonal one their plane coordinates are 1 apart (numpy's
/// `isclose`). NaN on a map of one node, where it is not defined.
pub fn topographic_error(map: &MiniSomMap, weights: &[f64], data: &[f64]) -> Result<f64> {
    map.check_weights(weights)?;
    map.check_data(data)?;
    let lattice = &map.lattice;
    if lattice.nodes() == 1 {
        return Ok(f64::NAN);
    }
    let pairs = nearest_two(weights, data, map.dim);
    let errors = pairs
        .iter()
        .filter(|&&(best, second)| match lattice.topology {
            Topology::Rectangular => {
                let ((bi, bj), (si, sj)) = (lattice.position(best), lattice.position(second));
                let (di, dj) = (si as f64 - bi as f64, sj as f64 - bj as f64);
                (di * di + dj * dj).sqrt() > 1.42
            }
            Topology::Hexagonal => {
                let ((bx, by), (sx, sy)) = (lattice.euclidean(best), lattice.euclidean(second));
                let d = ((bx - sx).powi(2) + (by - sy).powi(2)).sqrt();
                (1.0 - d).abs() > 1e-8 + 1e-5 * d.abs()
            }
        })
        .count();
    Ok(errors as f64 / pairs.len() as f64)
}

/// MiniSom's `distortion_measure`: Σ over samples and nodes of h(winner, σ)·‖x − w‖.
pub fn distortion(
    map: &MiniSomMap,
    weights: &[f64],
    data: &[f64],
    sigma: f64,
    activation: &mut Activation,
) -> Result<f64> {
    let winners = winners(map, weights, data, activation)?;
    let dim = map.dim;
    let mut h = vec![0.0; map.lattice.nodes()];
    let mut total = 0.0;
    for (x, &winner) in data.chunks_exact(dim).zip(&winners) {
        map.neighbourhood
            .weights(&map.lattice, winner, sigma, &mut h);
        total += h
            .iter()
            .zip(weights.chunks_exact(dim))
            .map(|(h, w)| h * euclidean(x, w))
            .sum::<f64>();
    }
    Ok(total)
}

/// MiniSom's `distance_map` in MiniSom's layout: the library's (`som::metrics`), whose stencil
/// is MiniSom's, on these weights.
pub fn distance_map(map: &MiniSomMap, weights: &[f64], scaling: Scaling) -> Result<Vec<f64>> {
    map.check_weights(weights)?;
    let lattice = &map.lattice;
    let grid = Grid::new(lattice.x, lattice.y, lattice.topology, false)?;
    let dim = map.dim;
    // The library numbers nodes row by row (row j, column i).
    let node = |n: usize| {
        let at = lattice.index((n % lattice.x, n / lattice.x)) * dim;
        &weights[at..at + dim]
    };
    let by_row = distance_map_with(&grid, node, scaling);
    let mut out = vec![0.0; by_row.len()];
    for (n, value) in by_row.into_iter().enumerate() {
        out[lattice.index((n % lattice.x, n / lattice.x))] = value;
    }
    Ok(out)
}

/// A float in [0, 1) with 53 random bits, from two draws (numpy's construction).
fn unit_f64(key: &StreamKey, index: u32) -> f64 {
    let (high, low) = (key.draw(0, 2 * index) >> 5, key.draw(0, 2 * index + 1) >> 6);
    (f64::from(high) * 67_108_864.0 + f64::from(low)) / 9_007_199_254_740_992.0
}

/// MiniSom's initial weights: uniform in [−1, 1) per value, each node scaled to unit length.
pub fn random_unit_weights(lattice: &Lattice, dim: usize, key: &StreamKey) -> Result<Vec<f64>> {
    let values = lattice.nodes() * dim;
    crate::limits::check_host_memory("the weights", Some(values as u64 * 8))?;
    if values > (u32::MAX / 2) as usize {
        return Err(Error::TooLarge(format!("{values} weights")));
    }
    let mut weights: Vec<f64> = (0..values as u32)
        .map(|k| unit_f64(key, k) * 2.0 - 1.0)
        .collect();
    for node in weights.chunks_exact_mut(dim) {
        let norm = euclidean(node, &vec![0.0; dim]);
        if norm > 0.0 {
            node.iter_mut().for_each(|w| *w /= norm);
        }
    }
    Ok(weights)
}

/// MiniSom's `random_weights_init`: the sample each node copies, node by node in MiniSom's
/// order, drawn from `key`.
pub fn sample_weights(lattice: &Lattice, samples: usize, key: &StreamKey) -> Result<Vec<usize>> {
    if samples == 0 {
        return Err(Error::InvalidData("the data has no samples".into()));
    }
    let samples = u32::try_from(samples)
        .map_err(|_| Error::TooLarge(format!("{samples} samples to draw from")))?;
    Ok((0..lattice.nodes() as u32)
        .map(|node| key.below(0, node, samples) as usize)
        .collect())
}

/// MiniSom's `pca_weights_init`: node (i, j) at mean + c₁·pc₁ + c₂·pc₂, with pc₁ and pc₂ the
/// unit eigenvectors of the data's two largest covariance eigenvalues and c₁, c₂ spread over
/// [−1, 1] along x and y (numpy's `linspace`). Each eigenvector's sign is the library's
/// (its largest component positive), where MiniSom's is LAPACK's.
pub fn pca_weights(map: &MiniSomMap, data: &[f64]) -> Result<Vec<f64>> {
    let dim = map.dim;
    if dim < 2 {
        return Err(Error::Usage(
            "The data needs at least 2 features for pca initialization".into(),
        ));
    }
    let n = map.check_data(data)?;
    let mut mean = vec![0.0; dim];
    for x in data.chunks_exact(dim) {
        mean.iter_mut().zip(x).for_each(|(m, v)| *m += v);
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut covariance = vec![0.0; dim * dim];
    for x in data.chunks_exact(dim) {
        for a in 0..dim {
            for b in 0..dim {
                covariance[a * dim + b] += (x[a] - mean[a]) * (x[b] - mean[b]);
            }
        }
    }
    let scale = (n.max(2) - 1) as f64;
    covariance.iter_mut().for_each(|c| *c /= scale);
    let axes = crate::som::codebook::principal_axes(&mut covariance, dim, 2);
    let linspace = |k: usize, count: usize| match count {
        1 => -1.0,
        _ if k == count - 1 => 1.0,
        _ => -1.0 + k as f64 * (2.0 / (count - 1) as f64),
    };
    let lattice = &map.lattice;
    let mut weights = Vec::with_capacity(lattice.nodes() * dim);
    for i in 0..lattice.x {
        for j in 0..lattice.y {
            let (c1, c2) = (linspace(i, lattice.x), linspace(j, lattice.y));
            for ((m, a), b) in mean.iter().zip(&axes[0].1).zip(&axes[1].1) {
                weights.push(m + c1 * a + c2 * b);
            }
        }
    }
    Ok(weights)
}
