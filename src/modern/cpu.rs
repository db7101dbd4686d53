//! The CPU engine of modern Hopfield retrieval: the scores and the combination as f32 matrix
//! products on every core (`gemm`), the softmax row by row in parallel. It is the twin the GPU
//! kernels (shaders/modern.wgsl) are held to.

use rayon::prelude::*;

use super::engine::{Attention, Engine};
use super::ModernHopfield;
use crate::cpu::matrix::{multiply, View};
use crate::error::Result;

pub(super) struct CpuEngine<'a> {
    memory: &'a ModernHopfield,
}

impl<'a> CpuEngine<'a> {
    pub(super) fn new(memory: &'a ModernHopfield) -> Self {
        CpuEngine { memory }
    }
}

impl Engine for CpuEngine<'_> {
    fn max_batch(&self) -> usize {
        usize::MAX
    }

    fn attend(&mut self, states: &[f32]) -> Result<Attention> {
        let (p, d) = (self.memory.patterns, self.memory.dim);
        let rows = states.len() / d;
        let mut weights = vec![0f32; rows * p];
        // Q Xᵀ: rows x P.
        multiply(
            (&mut weights, View::row_major(rows, p)),
            (states, View::row_major(rows, d)),
            (&self.memory.stored, View::row_major(p, d).transposed()),
        );
        let beta = self.memory.beta;
        let mut lse = vec![0f32; rows];
        weights
            .par_chunks_mut(p)
            .zip(&mut lse)
            .for_each(|(row, lse)| *lse = softmax_in_place(row, beta));
        Ok(Attention { weights, lse })
    }

    fn combine(&mut self, weights: &[f32]) -> Result<Vec<f32>> {
        let (p, d) = (self.memory.patterns, self.memory.dim);
        let rows = weights.len() / p;
        let mut states = vec![0f32; rows * d];
        multiply(
            (&mut states, View::row_major(rows, d)),
            (weights, View::row_major(rows, p)),
            (&self.memory.stored, View::row_major(p, d)),
        );
        Ok(states)
    }
}

/// Turns the dot products `row` into softmax(β · row), stably (the largest subtracted before
/// exp), and returns log Σ exp(β · row).
pub(crate) fn softmax_in_place(row: &mut [f32], beta: f32) -> f32 {
    let top = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(beta * v));
    let mut sum = 0f32;
    for v in row.iter_mut() {
        *v = (beta * *v - top).exp();
        sum += *v;
    }
    let inverse = 1.0 / sum;
    row.iter_mut().for_each(|v| *v *= inverse);
    top + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let mut row = vec![1000.0, 999.0, -1000.0];
        let lse = softmax_in_place(&mut row, 1.0);
        let total: f32 = row.iter().sum();
        assert!((total - 1.0).abs() < 1e-6);
        assert!((row[0] - 1.0 / (1.0 + (-1f32).exp())).abs() < 1e-6);
        assert!((lse - (1000.0 + (1.0 + (-1f32).exp()).ln())).abs() < 1e-3);
    }
}
