//! A Hopfield network: N neurons with symmetric integer weights.

use crate::error::{Error, Result};

/// The largest |field| any neuron may see, in fixed-point units. The kernels track 4 × field in
/// 32-bit integers (see recall_async.wgsl), so fields must stay below 2^29; this leaves room.
const FIELD_LIMIT: f64 = (1u64 << 28) as f64;

/// Learned weights: an off-diagonal matrix, row-major n x n with a zero diagonal, and the
/// diagonal (self-weights) apart, since a neuron's own weight adds only a constant to the energy.
///
/// Weights are integers: the Hebbian rule's are exact; real-valued rules store round(w · scale),
/// with `scale` a power of two chosen so that every field fits 32-bit integers. Integer weights
/// make every field, comparison and energy exact and identical on the CPU and the GPU.
#[derive(Debug, Clone, PartialEq)]
pub struct HopfieldNetwork {
    neurons: usize,
    stored: usize,
    weights: Vec<i32>,
    diagonal: Vec<i32>,
    scale: f64,
}

impl HopfieldNetwork {
    /// A network with integer weights (scale 1) and a zero diagonal.
    pub(crate) fn from_weights(neurons: usize, stored: usize, weights: Vec<i32>) -> Self {
        debug_assert_eq!(weights.len(), neurons * neurons);
        HopfieldNetwork {
            neurons,
            stored,
            weights,
            diagonal: vec![0; neurons],
            scale: 1.0,
        }
    }

    /// A network from real weights (row-major n x n, diagonal included), stored in fixed point.
    /// With `keep_diagonal` false the diagonal is dropped.
    pub(crate) fn from_real_weights(
        neurons: usize,
        stored: usize,
        real: &[f32],
        keep_diagonal: bool,
    ) -> Result<Self> {
        let n = neurons;
        let row_sum = |i: usize| -> f64 {
            real[i * n..(i + 1) * n]
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i || keep_diagonal)
                .map(|(_, &w)| f64::from(w.abs()))
                .sum()
        };
        let largest = (0..n).map(row_sum).fold(0.0, f64::max);
        if !largest.is_finite() {
            return Err(Error::InvalidData(
                "the learned weights are not finite".into(),
            ));
        }
        // Room for the self-coupling option (+1 per neuron) besides the weights.
        let scale = if largest > 0.0 {
            2f64.powi((FIELD_LIMIT / (largest + 1.0)).log2().floor() as i32)
        } else {
            1.0
        };
        let quantise = |w: f32| (f64::from(w) * scale).round() as i32;
        let mut weights = crate::hopfield::learn::allocate_weights(n)?;
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    weights[i * n + j] = quantise(real[i * n + j]);
                }
            }
        }
        let diagonal = (0..n)
            .map(|i| {
                if keep_diagonal {
                    quantise(real[i * n + i])
                } else {
                    0
                }
            })
            .collect();
        Ok(HopfieldNetwork {
            neurons,
            stored,
            weights,
            diagonal,
            scale,
        })
    }

    pub fn neurons(&self) -> usize {
        self.neurons
    }

    /// How many patterns were learned.
    pub fn stored(&self) -> usize {
        self.stored
    }

    /// The off-diagonal weights in fixed point, row-major (the diagonal entries are zero).
    pub fn weights(&self) -> &[i32] {
        &self.weights
    }

    /// The self-weights w_ii in fixed point.
    pub fn diagonal(&self) -> &[i32] {
        &self.diagonal
    }

    /// The fixed-point factor: the stored integers are the real weights times this.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The real weight w_ij, diagonal included.
    pub fn weight(&self, i: usize, j: usize) -> f64 {
        let stored = if i == j {
            self.diagonal[i]
        } else {
            self.weights[i * self.neurons + j]
        };
        f64::from(stored) / self.scale
    }

    /// Row `i` of the off-diagonal weights.
    pub fn row(&self, i: usize) -> &[i32] {
        &self.weights[i * self.neurons..(i + 1) * self.neurons]
    }

    /// The off-diagonal local field of neuron `i`, Σ_{j≠i} w_ij s_j, in fixed point.
    pub fn field(&self, state: &[i8], i: usize) -> i32 {
        self.row(i)
            .iter()
            .zip(state)
            .map(|(&w, &s)| w * i32::from(s))
            .sum()
    }

    /// The energy the diagonal adds to every state: -½ Σ w_ii s_i² = -½ Σ w_ii.
    pub fn diagonal_energy(&self) -> f64 {
        -0.5 * self.diagonal.iter().map(|&d| f64::from(d)).sum::<f64>() / self.scale
    }
}
