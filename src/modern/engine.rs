//! The steps of retrieval, written once for both backends: an [`Engine`] provides the two
//! primitives (attention, and the weighted sum of the patterns), and [`run_batch`] drives them,
//! keeping each query's energies and freezing the queries that have converged, so that a query's
//! result never depends on the others in its batch.

use super::{report, ModernHopfield, QueryReport, Steps};
use crate::error::Result;

/// The softmax weights of a batch of states and the log-sum-exp they came from.
pub struct Attention {
    /// rows x P: softmax(β X ξ) per state.
    pub weights: Vec<f32>,
    /// Per state: log Σ_i exp(β x_iᵀξ).
    pub lse: Vec<f32>,
}

/// The two primitives of the update ξ ← Xᵀ softmax(β X ξ), on one backend.
pub trait Engine {
    /// The most states one call takes.
    fn max_batch(&self) -> usize;
    /// The attention of `states` (rows x D).
    fn attend(&mut self, states: &[f32]) -> Result<Attention>;
    /// Xᵀ w for every row of `weights` (rows x P): the new states, rows x D.
    fn combine(&mut self, weights: &[f32]) -> Result<Vec<f32>>;
}

/// One batch's retrieval.
pub(super) struct BatchResult {
    pub states: Vec<f32>,
    /// rows x P: each query's last-step weights.
    pub attention: Vec<f32>,
    pub energies: Vec<Vec<f64>>,
    pub reports: Vec<QueryReport>,
}

/// Retrieves `states` (rows x D, normalised already if the memory is).
pub(super) fn run_batch(
    memory: &ModernHopfield,
    engine: &mut dyn Engine,
    mut states: Vec<f32>,
    steps: Steps,
) -> Result<BatchResult> {
    let (p, d) = (memory.patterns, memory.dim);
    let rows = states.len() / d;
    let mut attention = engine.attend(&states)?;
    let mut energies: Vec<Vec<f64>> = (0..rows)
        .map(|r| vec![memory.energy(attention.lse[r], &states[r * d..(r + 1) * d])])
        .collect();
    let mut last_weights = vec![0f32; rows * p];
    let mut taken = vec![0u32; rows];
    let mut converged = vec![false; rows];
    // The queries still moving, in the order of `attention`'s rows.
    let mut active: Vec<usize> = (0..rows).collect();
    for _ in 0..steps.limit() {
        if active.is_empty() {
            break;
        }
        let moved = engine.combine(&attention.weights)?;
        let next = engine.attend(&moved)?;
        let mut still = Vec::with_capacity(active.len());
        let mut kept_weights = Vec::with_capacity(next.weights.len());
        let mut kept_lse = Vec::with_capacity(active.len());
        for (k, &r) in active.iter().enumerate() {
            last_weights[r * p..(r + 1) * p]
                .copy_from_slice(&attention.weights[k * p..(k + 1) * p]);
            let new = &moved[k * d..(k + 1) * d];
            let old = &mut states[r * d..(r + 1) * d];
            let (change, size) = new
                .iter()
                .zip(old.iter())
                .fold((0f64, 0f64), |(c, s), (&n, &o)| {
                    (c + f64::from(n - o).powi(2), s + f64::from(n).powi(2))
                });
            old.copy_from_slice(new);
            taken[r] += 1;
            energies[r].push(memory.energy(next.lse[k], new));
            let settled = match steps {
                Steps::Fixed(_) => false,
                Steps::UntilConverged { tolerance, .. } => {
                    change.sqrt() <= f64::from(tolerance) * size.sqrt()
                }
            };
            if settled {
                converged[r] = true;
            } else {
                still.push(r);
                kept_weights.extend_from_slice(&next.weights[k * p..(k + 1) * p]);
                kept_lse.push(next.lse[k]);
            }
        }
        attention = Attention {
            weights: kept_weights,
            lse: kept_lse,
        };
        active = still;
    }
    let reports = (0..rows)
        .map(|r| report(&last_weights[r * p..(r + 1) * p], taken[r], converged[r]))
        .collect();
    Ok(BatchResult {
        states,
        attention: last_weights,
        energies,
        reports,
    })
}
