//! The steps of retrieval, written once for both backends: an [`Engine`] provides the two
//! primitives (attention, and the weighted sum of the patterns), and [`run_batch`] drives them,
//! keeping each query's energies and freezing the queries that have converged, so that a query's
//! result never depends on the others in its batch.

pub(super) use super::WeightSummary;
use super::{report, ModernHopfield, QueryReport, Steps};
use crate::error::Result;
use crate::progress::Progress;

/// The softmax weights of a batch of states and the log-sum-exp they came from.
pub struct Attention {
    /// rows x P: softmax(β X ξ) per state, each row times 1 / `scales[row]` (an engine may leave
    /// the division to `combine`, where it costs D operations a row instead of P).
    pub weights: Vec<f32>,
    /// Per state: what its row of `weights` is to be multiplied by (1 when already normalised).
    pub scales: Vec<f32>,
    /// Per state: log Σ_i exp(β x_iᵀξ).
    pub lse: Vec<f32>,
    /// Per state: what its report says of its weights.
    pub summaries: Vec<WeightSummary>,
}

/// The two primitives of the update ξ ← Xᵀ softmax(β X ξ), on one backend.
pub trait Engine {
    /// The most states one call takes.
    fn max_batch(&self) -> usize;
    /// The attention of `states` (rows x D).
    fn attend(&mut self, states: &[f32]) -> Result<Attention>;
    /// Xᵀ w for every row of `weights` (rows x P) times its `scales`: the new states, rows x D.
    fn combine(&mut self, weights: &[f32], scales: &[f32]) -> Result<Vec<f32>>;
}

/// One batch's retrieval.
pub(super) struct BatchResult {
    pub states: Vec<f32>,
    /// rows x P: each query's last-step weights.
    pub attention: Vec<f32>,
    pub energies: Option<Vec<Vec<f64>>>,
    pub reports: Vec<QueryReport>,
}

/// Retrieves `states` (rows x D, normalised already if the memory is). Without `keep_energies`
/// a moved state is attended to only when it steps again: the energy of the last state would
/// cost one more product of the scores' size.
pub(super) fn run_batch(
    memory: &ModernHopfield,
    engine: &mut dyn Engine,
    mut states: Vec<f32>,
    steps: Steps,
    keep_attention: bool,
    keep_energies: bool,
    progress: &dyn Progress,
) -> Result<BatchResult> {
    let (p, d) = (memory.patterns, memory.dim);
    let rows = states.len() / d;
    let mut attention = engine.attend(&states)?;
    let mut energies: Vec<Vec<f64>> = (0..rows)
        .map(|r| vec![memory.energy(attention.lse[r], &states[r * d..(r + 1) * d])])
        .collect();
    // Each query's last weights, when kept, and what its report says of them.
    let mut last_weights = vec![0f32; if keep_attention { rows * p } else { 0 }];
    let mut summaries = vec![WeightSummary::default(); rows];
    let mut taken = vec![0u32; rows];
    let mut converged = vec![false; rows];
    // The queries still moving, in the order of `attention`'s rows.
    let mut active: Vec<usize> = (0..rows).collect();
    let limit = steps.limit();
    for step in 0..limit {
        if active.is_empty() {
            break;
        }
        progress.check()?;
        let moved = engine.combine(&attention.weights, &attention.scales)?;
        // Whether each moved row steps again.
        let mut goes_on = Vec::with_capacity(active.len());
        for (k, &r) in active.iter().enumerate() {
            summaries[r] = attention.summaries[k];
            if keep_attention {
                let scale = attention.scales[k];
                for (kept, &w) in last_weights[r * p..(r + 1) * p]
                    .iter_mut()
                    .zip(&attention.weights[k * p..(k + 1) * p])
                {
                    *kept = w * scale;
                }
            }
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
            converged[r] = match steps {
                Steps::Fixed(_) => false,
                Steps::UntilConverged { tolerance, .. } => {
                    change.sqrt() <= f64::from(tolerance) * size.sqrt()
                }
            };
            goes_on.push(!converged[r] && step + 1 < limit);
        }
        // The rows whose attention is needed, for their energy or their next step.
        let needed: Vec<usize> = (0..active.len())
            .filter(|&k| keep_energies || goes_on[k])
            .collect();
        let next = match needed.len() {
            0 => Attention {
                weights: Vec::new(),
                scales: Vec::new(),
                lse: Vec::new(),
                summaries: Vec::new(),
            },
            n if n == active.len() => engine.attend(&moved)?,
            _ => {
                let gathered: Vec<f32> = needed
                    .iter()
                    .flat_map(|&k| moved[k * d..(k + 1) * d].iter().copied())
                    .collect();
                engine.attend(&gathered)?
            }
        };
        let mut still = Vec::with_capacity(active.len());
        let mut kept_weights = Vec::with_capacity(next.weights.len());
        let mut kept_lse = Vec::with_capacity(needed.len());
        let mut kept_scales = Vec::with_capacity(needed.len());
        let mut kept_summaries = Vec::with_capacity(needed.len());
        for (j, &k) in needed.iter().enumerate() {
            let r = active[k];
            if keep_energies {
                energies[r].push(memory.energy(next.lse[j], &moved[k * d..(k + 1) * d]));
            }
            if goes_on[k] {
                still.push(r);
                kept_weights.extend_from_slice(&next.weights[j * p..(j + 1) * p]);
                kept_lse.push(next.lse[j]);
                kept_scales.push(next.scales[j]);
                kept_summaries.push(next.summaries[j]);
            }
        }
        attention = Attention {
            weights: kept_weights,
            scales: kept_scales,
            lse: kept_lse,
            summaries: kept_summaries,
        };
        active = still;
    }
    let reports = (0..rows)
        .map(|r| report(&summaries[r], taken[r], converged[r]))
        .collect();
    Ok(BatchResult {
        states,
        attention: last_weights,
        energies: keep_energies.then_some(energies),
        reports,
    })
}
