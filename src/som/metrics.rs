//! How good a map is: quantization error, topographic error, hits, the U-matrix and PSNR.

use super::codebook::Codebook;
use super::data::Samples;
use super::grid::Grid;
use super::matching::{Match, NO_NODE};

/// Quality figures gathered over the samples' matches, tile by tile.
#[derive(Debug, Clone)]
pub struct MapQuality {
    distance_sum: f64,
    topographic_errors: u64,
    samples: u64,
    hits: Vec<u64>,
}

impl MapQuality {
    pub fn new(nodes: usize) -> MapQuality {
        MapQuality {
            distance_sum: 0.0,
            topographic_errors: 0,
            samples: 0,
            hits: vec![0; nodes],
        }
    }

    /// Adds samples `first..first + matches.len()`.
    pub fn add(&mut self, codebook: &Codebook, samples: &Samples, first: usize, matches: &[Match]) {
        let mut x = vec![0.0; codebook.dim];
        for (k, m) in matches.iter().enumerate() {
            samples.fill(first + k, &mut x);
            let best = m.best as usize;
            self.hits[best] += 1;
            self.distance_sum += euclidean(&x, codebook.node(best));
            if m.second != NO_NODE && !codebook.grid.adjacent(best, m.second as usize) {
                self.topographic_errors += 1;
            }
        }
        self.samples += matches.len() as u64;
    }

    /// Quantization error: the mean euclidean distance from a sample to its winner's weights,
    /// in the data's own units (0–255 for 8-bit images), whatever metric picked the winner.
    pub fn quantization_error(&self) -> f64 {
        self.distance_sum / self.samples.max(1) as f64
    }

    /// Topographic error: the fraction of samples whose two nearest nodes are not adjacent.
    pub fn topographic_error(&self) -> f64 {
        self.topographic_errors as f64 / self.samples.max(1) as f64
    }

    /// How many samples each node won.
    pub fn hits(&self) -> &[u64] {
        &self.hits
    }

    /// The tallies behind the figures: (Σ distance to the winner, topographic errors, samples).
    pub fn tallies(&self) -> (f64, u64, u64) {
        (self.distance_sum, self.topographic_errors, self.samples)
    }

    /// Adds the figures of another part of the data, under the same map.
    pub fn merge(&mut self, other: &MapQuality) {
        self.distance_sum += other.distance_sum;
        self.topographic_errors += other.topographic_errors;
        self.samples += other.samples;
        self.hits
            .iter_mut()
            .zip(&other.hits)
            .for_each(|(a, b)| *a += b);
    }

    /// Figures from tallies gathered elsewhere (over parts of the data, added up).
    pub fn from_tallies(
        (distance_sum, topographic_errors, samples): (f64, u64, u64),
        hits: Vec<u64>,
    ) -> MapQuality {
        MapQuality {
            distance_sum,
            topographic_errors,
            samples,
            hits,
        }
    }
}

pub fn euclidean<T: Copy + Into<f64>>(x: &[T], w: &[T]) -> f64 {
    x.iter()
        .zip(w)
        .map(|(&a, &b)| {
            let d = a.into() - b.into();
            d * d
        })
        .sum::<f64>()
        .sqrt()
}

/// The U-matrix: each node's mean euclidean distance to its adjacent nodes' weights.
pub fn u_matrix(codebook: &Codebook) -> Vec<f64> {
    (0..codebook.grid.nodes())
        .map(|node| {
            let neighbours = codebook.grid.neighbours(node);
            if neighbours.is_empty() {
                return 0.0;
            }
            let total: f64 = neighbours
                .iter()
                .map(|&other| euclidean(codebook.node(node), codebook.node(other)))
                .sum();
            total / neighbours.len() as f64
        })
        .collect()
}

/// How [`distance_map`] combines a node's distances to the nodes around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scaling {
    #[default]
    Sum,
    Mean,
}

crate::choice::choices!(Scaling {
    Scaling::Sum => ["sum"] "the sum of the distances",
    Scaling::Mean => ["mean"] "their mean",
});

/// MiniSom's `distance_map`: each node's euclidean distances to the nodes around it, summed or
/// averaged, divided by the largest such value (zeros for a map of equal nodes); node by node,
/// row by row. Around a node are the 8 nodes of its 3 x 3 square on a rectangular map
/// (diagonals included, where [`u_matrix`] takes the 4 adjacent ones) and its 6 adjacent nodes
/// on a hexagonal one, odd rows shifted as in MiniSom; toroidal maps wrap around.
pub fn distance_map(codebook: &Codebook, scaling: Scaling) -> Vec<f64> {
    distance_map_with(&codebook.grid, |node| codebook.node(node), scaling)
}

/// [`distance_map`] of the weights `node` gives for each node of `grid` (float32 or float64).
pub fn distance_map_with<'a, T: Copy + Into<f64> + 'a>(
    grid: &Grid,
    node: impl Fn(usize) -> &'a [T],
    scaling: Scaling,
) -> Vec<f64> {
    let (width, height) = (grid.width as i64, grid.height as i64);
    // (column, row) steps from a node on an even row, and from one on an odd row.
    let steps: Vec<((i64, i64), (i64, i64))> = match grid.topology {
        super::grid::Topology::Hexagonal => vec![
            ((-1, 0), (-1, 0)),
            ((1, 0), (1, 0)),
            ((-1, -1), (0, -1)),
            ((0, -1), (1, -1)),
            ((-1, 1), (0, 1)),
            ((0, 1), (1, 1)),
        ],
        super::grid::Topology::Rectangular => (-1..=1)
            .flat_map(|dr| (-1..=1).map(move |dc| (dc, dr)))
            .filter(|&step| step != (0, 0))
            .map(|step| (step, step))
            .collect(),
    };
    let values: Vec<f64> = (0..grid.nodes())
        .map(|index| {
            let (row, column) = ((index / grid.width) as i64, (index % grid.width) as i64);
            let (mut total, mut count) = (0.0, 0u32);
            for &(even, odd) in &steps {
                let (dc, dr) = if row % 2 == 1 { odd } else { even };
                let (mut r, mut c) = (row + dr, column + dc);
                if grid.toroidal {
                    r = r.rem_euclid(height);
                    c = c.rem_euclid(width);
                } else if !(0..height).contains(&r) || !(0..width).contains(&c) {
                    continue;
                }
                let other = (r * width + c) as usize;
                total += euclidean(node(index), node(other));
                count += 1;
            }
            match scaling {
                Scaling::Sum => total,
                Scaling::Mean if count > 0 => total / f64::from(count),
                Scaling::Mean => 0.0,
            }
        })
        .collect();
    let peak = values.iter().copied().fold(0.0, f64::max);
    if peak > 0.0 {
        values.into_iter().map(|v| v / peak).collect()
    } else {
        values
    }
}

/// Peak signal-to-noise ratio in dB of 8-bit values with summed squared error `sse` over
/// `values` values; infinite when the images are identical.
pub fn psnr(sse: f64, values: u64) -> f64 {
    if sse == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (255.0f64 * 255.0 * values as f64 / sse).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psnr_of_a_known_error() {
        // Every value off by 1: MSE 1, PSNR = 20·log10(255) ≈ 48.13 dB.
        assert!((psnr(300.0, 300) - 48.1308).abs() < 1e-3);
    }
}
