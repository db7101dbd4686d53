//! A Hopfield network: N neurons with symmetric integer weights and a zero diagonal.

/// Learned weights, row-major n x n, with `stored` patterns behind them.
///
/// Weights are integers: the Hebbian rule's are exact; real-valued rules store round(w · scale),
/// with `scale` chosen so that every field fits 32-bit integers with room to spare. Integer
/// weights make every field, comparison and energy exact and identical on the CPU and the GPU.
#[derive(Debug, Clone, PartialEq)]
pub struct HopfieldNetwork {
    neurons: usize,
    stored: usize,
    weights: Vec<i32>,
    scale: f64,
}

impl HopfieldNetwork {
    pub(crate) fn from_weights(neurons: usize, stored: usize, weights: Vec<i32>) -> Self {
        debug_assert_eq!(weights.len(), neurons * neurons);
        HopfieldNetwork {
            neurons,
            stored,
            weights,
            scale: 1.0,
        }
    }

    /// The fixed-point factor: the stored integers are the real weights times this.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    pub fn neurons(&self) -> usize {
        self.neurons
    }

    /// How many patterns were learned.
    pub fn stored(&self) -> usize {
        self.stored
    }

    /// All weights, row-major.
    pub fn weights(&self) -> &[i32] {
        &self.weights
    }

    /// Row `i` of the weights.
    pub fn row(&self, i: usize) -> &[i32] {
        &self.weights[i * self.neurons..(i + 1) * self.neurons]
    }

    /// The local field of neuron `i`, h_i = W_i . s.
    pub fn field(&self, state: &[i8], i: usize) -> i32 {
        self.row(i)
            .iter()
            .zip(state)
            .map(|(&w, &s)| w * i32::from(s))
            .sum()
    }
}
