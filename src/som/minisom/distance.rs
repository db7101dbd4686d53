//! MiniSom's activation distances (which node wins a sample) and its euclidean distances from
//! the weights (which node quantizes it).

use rayon::prelude::*;

use crate::error::{Error, Result};

/// One of MiniSom's named activation distances, as MiniSom writes each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Distance {
    /// ‖x − w‖.
    #[default]
    Euclidean,
    /// 1 − x·w/(‖w‖·‖x‖ + 10⁻⁸).
    Cosine,
    /// Σ|x − w|.
    Manhattan,
    /// max(x − w), MiniSom's own: without the absolute value.
    Chebyshev,
}

crate::choice::choices!(Distance {
    Distance::Euclidean => ["euclidean"] "‖x − w‖",
    Distance::Cosine => ["cosine"] "1 − x·w/(‖w‖·‖x‖ + 1e-8)",
    Distance::Manhattan => ["manhattan"] "Σ|x − w|",
    Distance::Chebyshev => ["chebyshev"] "max(x − w), as MiniSom computes it (no absolute value)",
});

impl Distance {
    /// The distance from `x` to each of the weight vectors in `weights` (`x.len()` values each).
    pub fn activation(self, x: &[f64], weights: &[f64], out: &mut Vec<f64>) {
        out.clear();
        let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
        let x_norm = norm(x);
        out.extend(weights.chunks_exact(x.len()).map(|w| {
            let pairs = x.iter().zip(w);
            match self {
                Distance::Euclidean => pairs.map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt(),
                Distance::Cosine => {
                    let num: f64 = w.iter().zip(x).map(|(b, a)| b * a).sum();
                    1.0 - num / (norm(w) * x_norm + 1e-8)
                }
                Distance::Manhattan => pairs.map(|(a, b)| (a - b).abs()).sum(),
                Distance::Chebyshev => pairs.map(|(a, b)| a - b).fold(f64::NEG_INFINITY, f64::max),
            }
        }));
    }
}

/// How a map picks a sample's winner: one of MiniSom's distances, or the caller's own
/// (MiniSom's callable `activation_distance`), given a sample and every node's weights in
/// MiniSom's layout and returning a distance per node.
pub enum Activation<'a> {
    Named(Distance),
    Custom(&'a mut CustomDistance<'a>),
}

/// A caller's activation distance: (sample, every node's weights) → a distance per node.
pub type CustomDistance<'a> = dyn FnMut(&[f64], &[f64]) -> Result<Vec<f64>> + 'a;

impl Activation<'_> {
    /// The distance of every node to `x`, into `out`.
    pub fn distances(&mut self, x: &[f64], weights: &[f64], out: &mut Vec<f64>) -> Result<()> {
        match self {
            Activation::Named(distance) => distance.activation(x, weights, out),
            Activation::Custom(distances) => {
                *out = distances(x, weights)?;
                let nodes = weights.len() / x.len().max(1);
                if out.len() != nodes {
                    return Err(Error::InvalidData(format!(
                        "activation_distance returned {} values for a map of {nodes} nodes",
                        out.len()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The winner of `x`: the node nearest by this activation, ties to the lowest index (numpy's
    /// `argmin`); a NaN distance is skipped.
    pub fn winner(&mut self, x: &[f64], weights: &[f64], scratch: &mut Vec<f64>) -> Result<usize> {
        self.distances(x, weights, scratch)?;
        Ok(argmin(scratch))
    }
}

/// The index of the smallest value, the first among equals.
pub fn argmin(values: &[f64]) -> usize {
    let mut best = 0;
    for (index, &value) in values.iter().enumerate() {
        if value < values[best] || values[best].is_nan() && !value.is_nan() {
            best = index;
        }
    }
    best
}

/// MiniSom's `_distance_from_weights`: the euclidean distance from each sample of `data` to
/// each node, samples × nodes, as √max(0, ‖x‖² − 2x·w + ‖w‖²) (the expansion MiniSom uses, with
/// its clipping of the rounding below 0).
pub fn distances_from_weights(data: &[f64], weights: &[f64], dim: usize) -> Vec<f64> {
    let nodes = weights.len() / dim;
    let squares = |v: &[f64]| -> Vec<f64> {
        v.chunks_exact(dim)
            .map(|row| row.iter().map(|a| a * a).sum())
            .collect()
    };
    let weight_squares = squares(weights);
    let mut out = vec![0.0; data.len() / dim * nodes];
    out.par_chunks_mut(nodes.max(1))
        .zip(data.par_chunks_exact(dim))
        .for_each(|(row, x)| {
            let x_square: f64 = x.iter().map(|a| a * a).sum();
            for ((out, w), w_square) in row
                .iter_mut()
                .zip(weights.chunks_exact(dim))
                .zip(&weight_squares)
            {
                let cross: f64 = x.iter().zip(w).map(|(a, b)| a * b).sum();
                *out = (-2.0 * cross + x_square + w_square).max(0.0).sqrt();
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minisoms_distances_of_zeros_to_ones() {
        let (x, w) = ([0.0, 0.0], [1.0; 8]);
        let mut out = Vec::new();
        for (distance, expected) in [
            (Distance::Euclidean, 2f64.sqrt()),
            (Distance::Cosine, 1.0),
            (Distance::Manhattan, 2.0),
            (Distance::Chebyshev, -1.0),
        ] {
            distance.activation(&x, &w, &mut out);
            assert_eq!(out, vec![expected; 4], "{distance}");
        }
        Distance::Chebyshev.activation(&[1.0, 3.0], &w, &mut out);
        assert_eq!(out, vec![2.0; 4]);
    }

    #[test]
    fn the_expansion_is_exact_on_integers() {
        let data: Vec<f64> = (-5..5).map(f64::from).collect();
        let weights = [0.0, 5.0, 2.0];
        let d = distances_from_weights(&data, &weights, 1);
        for (i, x) in data.iter().enumerate() {
            for (j, w) in weights.iter().enumerate() {
                assert_eq!(d[i * 3 + j], (x - w).abs());
            }
        }
    }
}
