//! A Hopfield network: N neurons with symmetric integer weights and a zero diagonal.

/// Learned weights, row-major n x n, with `stored` patterns behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct HopfieldNetwork {
    neurons: usize,
    stored: usize,
    weights: Vec<i32>,
}

impl HopfieldNetwork {
    pub(crate) fn from_weights(neurons: usize, stored: usize, weights: Vec<i32>) -> Self {
        debug_assert_eq!(weights.len(), neurons * neurons);
        HopfieldNetwork {
            neurons,
            stored,
            weights,
        }
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

    /// The energy terms of `state`: s^T W s and sum(s).
    pub fn energy_terms(&self, state: &[i8]) -> super::EnergyTerms {
        let quadratic = (0..self.neurons)
            .map(|i| i64::from(state[i]) * i64::from(self.field(state, i)))
            .sum();
        let magnetisation = state.iter().map(|&s| i64::from(s)).sum();
        super::EnergyTerms {
            quadratic,
            magnetisation,
        }
    }
}
