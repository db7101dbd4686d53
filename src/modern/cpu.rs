//! The CPU engine of modern Hopfield retrieval: the scores and the combination as f32 matrix
//! products (`faer`), each core taking a share of a batch's rows through both products and the
//! softmax. It is the twin the GPU kernels (shaders/modern.wgsl) are held to.

use rayon::prelude::*;

use super::engine::{Attention, Engine, WeightSummary};
use super::ModernHopfield;
use crate::cpu::matrix::{multiply_on_this_thread, View};
use crate::error::Result;

/// The scores one batch keeps (see `max_batch`).
const CACHED_SCORE_BYTES: usize = 16 << 20;

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
        // Batches whose scores stay in the cores' caches between the two products and the
        // softmax: a batch's weights are written once and read twice, from cache.
        (CACHED_SCORE_BYTES / (4 * self.memory.patterns)).max(16)
    }

    fn attend(&mut self, states: &[f32]) -> Result<Attention> {
        let (p, d) = (self.memory.patterns, self.memory.dim);
        let rows = states.len() / d;
        let mut weights = vec![0f32; rows * p];
        let mut lse = vec![0f32; rows];
        let mut scales = vec![0f32; rows];
        let mut summaries = vec![WeightSummary::default(); rows];
        let share = rows_per_core(rows);
        // β Q Xᵀ, then the exps of each row, a share of the rows on each core.
        weights
            .par_chunks_mut(share * p)
            .zip(states.par_chunks(share * d))
            .zip(lse.par_chunks_mut(share))
            .zip(summaries.par_chunks_mut(share))
            .zip(scales.par_chunks_mut(share))
            .for_each(|((((weights, states), lse), summaries), scales)| {
                let rows = states.len() / d;
                multiply_on_this_thread(
                    (weights, View::row_major(rows, p)),
                    (states, View::row_major(rows, d)),
                    (&self.memory.stored, View::row_major(p, d).transposed()),
                    self.memory.beta,
                );
                let rows = weights
                    .chunks_exact_mut(p)
                    .zip(lse)
                    .zip(summaries)
                    .zip(scales);
                for (((row, lse), summary), scale) in rows {
                    (*lse, *summary, *scale) = exps_in_place(row);
                }
            });
        Ok(Attention {
            weights,
            scales,
            lse,
            summaries,
        })
    }

    fn combine(&mut self, weights: &[f32], scales: &[f32]) -> Result<Vec<f32>> {
        let (p, d) = (self.memory.patterns, self.memory.dim);
        let rows = weights.len() / p;
        let mut states = vec![0f32; rows * d];
        let share = rows_per_core(rows);
        states
            .par_chunks_mut(share * d)
            .zip(weights.par_chunks(share * p))
            .zip(scales.par_chunks(share))
            .for_each(|((states, weights), scales)| {
                let rows = weights.len() / p;
                multiply_on_this_thread(
                    (states, View::row_major(rows, d)),
                    (weights, View::row_major(rows, p)),
                    (&self.memory.stored, View::row_major(p, d)),
                    1.0,
                );
                // The softmax's division, D values a row rather than P.
                for (state, &scale) in states.chunks_exact_mut(d).zip(scales) {
                    state.iter_mut().for_each(|v| *v *= scale);
                }
            });
        Ok(states)
    }
}

/// Rows for each core: a batch runs as one product per core, side by side, rather than each
/// product spread over every core (which synchronises the cores inside every product).
fn rows_per_core(rows: usize) -> usize {
    rows.div_ceil(rayon::current_num_threads()).max(1)
}

/// Turns the scores `row` (already times β) into their exps e^(s − max), stably, and returns
/// their log-sum-exp, the summary of the softmax weights and 1 / Σ, the factor that makes the
/// exps the softmax (left to `combine`). One pass each for the largest, the exps, and their sum
/// (and sum of squares), each a loop the compiler vectorises ([`exp_non_positive`]: libm's exp,
/// one call a weight, took longer than both matrix products), for AVX-512 where the CPU has it.
pub(crate) fn exps_in_place(row: &mut [f32]) -> (f32, WeightSummary, f32) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f")]
        unsafe fn widest(row: &mut [f32]) -> (f32, WeightSummary, f32) {
            exps_body(row)
        }
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU was just checked to have AVX-512F.
            return unsafe { widest(row) };
        }
    }
    exps_wide(row)
}

crate::cpu::wide_vectors! {
    fn exps_wide(row: &mut [f32]) -> (f32, WeightSummary, f32) {
        exps_body(row)
    }
}

#[inline(always)]
fn exps_body(row: &mut [f32]) -> (f32, WeightSummary, f32) {
    const LANES: usize = 16;
    let mut tops = [f32::NEG_INFINITY; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (top, &v) in tops.iter_mut().zip(chunk) {
            *top = top.max(v);
        }
    }
    let top = chunks
        .remainder()
        .iter()
        .chain(&tops)
        .fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    for v in row.iter_mut() {
        *v = exp_non_positive(*v - top);
    }
    // The largest exp is exactly e^0 = 1: its weight is 1 / Σ, and the first 1 is the first of
    // the largest weights (the lowest index wins a tie).
    let best = row.iter().position(|&e| e == 1.0).unwrap_or(0);
    let (mut sums, mut squares) = ([0f32; LANES], [0f32; LANES]);
    let mut chunks = row.chunks_exact(LANES);
    for chunk in &mut chunks {
        for ((sum, square), &v) in sums.iter_mut().zip(squares.iter_mut()).zip(chunk) {
            *sum += v;
            *square += v * v;
        }
    }
    let rest = chunks.remainder();
    let sum = sums.iter().sum::<f32>() + rest.iter().sum::<f32>();
    let square = squares.iter().sum::<f32>() + rest.iter().map(|v| v * v).sum::<f32>();
    let inverse = 1.0 / sum;
    let summary = WeightSummary::from_parts(best, inverse, square * inverse * inverse, row.len());
    (top + sum.ln(), summary, inverse)
}

/// e^x for x <= 0 (0 below −87, where f32 underflows), within 2 ulp: x = n·ln 2 + r with
/// |r| <= ln 2 / 2, e^r by Cephes' degree-5 polynomial, 2^n put into the exponent bits. Plain
/// arithmetic without calls or branches, so loops over it vectorise.
#[inline(always)]
fn exp_non_positive(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let clamped = x.max(-87.0);
    let n = (clamped * std::f32::consts::LOG2_E + 0.5).floor();
    let r = clamped - n * LN2_HI - n * LN2_LO;
    let poly = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2)
        * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let e_r = poly * r * r + r + 1.0;
    let scale = f32::from_bits(((n as i32 + 127) << 23) as u32);
    if x < -87.0 {
        0.0
    } else {
        e_r * scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_exp_is_within_two_ulp() {
        for k in 0..=200_000 {
            let x = -(k as f32) * 87.0 / 200_000.0;
            let (fast, exact) = (exp_non_positive(x), f64::from(x).exp());
            let ulp = f64::from(f32::EPSILON) * exact;
            assert!(
                (f64::from(fast) - exact).abs() <= 2.0 * ulp,
                "{x}: {fast} vs {exact}"
            );
        }
        assert_eq!(exp_non_positive(-100.0), 0.0);
        assert_eq!(exp_non_positive(0.0), 1.0);
    }

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let mut row = vec![1000.0, 999.0, -1000.0];
        let (lse, summary, scale) = exps_in_place(&mut row);
        row.iter_mut().for_each(|v| *v *= scale);
        let direct = WeightSummary::of(&row);
        assert_eq!((summary.best, summary.weight), (direct.best, direct.weight));
        assert!((summary.effective - direct.effective).abs() < 1e-6);
        let total: f32 = row.iter().sum();
        assert!((total - 1.0).abs() < 1e-6);
        assert!((row[0] - 1.0 / (1.0 + (-1f32).exp())).abs() < 1e-6);
        assert!((lse - (1000.0 + (1.0 + (-1f32).exp()).ln())).abs() < 1e-3);
    }
}
