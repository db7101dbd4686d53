//! Modern Hopfield networks (Ramsauer et al. 2020, "Hopfield Networks is All You Need"):
//! continuous states ξ ∈ R^D retrieved from stored patterns x_1..x_P by the update
//!
//! ```text
//! ξ ← Xᵀ softmax(β X ξ)
//! ```
//!
//! (X holds the patterns as rows), the attention update, which lowers the energy
//!
//! ```text
//! E(ξ) = −β⁻¹ log Σ_i exp(β x_iᵀξ) + ½ ξᵀξ + β⁻¹ log P + ½ M²,   M = max_i ‖x_i‖.
//! ```
//!
//! A batch of queries is one pair of matrix products around a row-wise softmax, computed
//! stably (the largest score subtracted before exp). [`retrieve`] drives the steps on either
//! backend through an [`Engine`]: `cpu.rs` (GEMM on every core) or `gpu.rs`
//! (shaders/modern.wgsl, tiled); the CPU is the reference the GPU is held to within
//! [`GPU_TOLERANCE`].
//!
//! Per query the result names the stored pattern with the largest weight, that weight, and the
//! kind of state reached, the paper's three: a fixed point near a single pattern, a metastable
//! state averaging a subset of patterns, or the global average of them all.

pub mod builtin;
pub mod corrupt;
mod cpu;
mod engine;
mod gpu;
pub mod spec;
pub mod sweep;

use crate::backend::Backend;
use crate::error::{Error, Param, Result};
use crate::progress::Progress;

pub use engine::Engine;
pub use spec::{ModernSpec, RetrieveSpec, StepSpec};

/// How far the GPU's weights and retrieved states may be from the CPU's: absolute, for weights
/// in [0, 1] and states relative to the largest stored value (exp and summation order differ).
pub const GPU_TOLERANCE: f32 = 1e-4;

/// A state is a fixed point near a single pattern when that pattern takes at least this share
/// of the attention.
pub const SINGLE_PATTERN_WEIGHT: f32 = 0.9;
/// A state is the global average when the effective number of patterns it averages, 1 / Σ wᵢ²,
/// is at least this share of all of them.
pub const GLOBAL_AVERAGE_SHARE: f32 = 0.9;

/// The most bytes of attention weights one batch of queries holds (the batch is sized by it).
const BATCH_ATTENTION_BYTES: u64 = 256 << 20;
/// The most bytes of attention weights kept for the whole call (`attention.npy`).
pub const ATTENTION_LIMIT_BYTES: u64 = 1 << 30;

/// Stored patterns and an inverse temperature β.
#[derive(Debug, Clone, PartialEq)]
pub struct ModernHopfield {
    patterns: usize,
    dim: usize,
    /// P x D, row-major (unit rows when normalised).
    stored: Vec<f32>,
    beta: f32,
    normalize: bool,
    /// M = max_i ‖x_i‖, for the energy's constant.
    largest_norm: f64,
}

/// What a retrieval does and keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrieveOptions {
    pub steps: Steps,
    /// Keep the last step's weights, queries x P (refused past [`ATTENTION_LIMIT_BYTES`]: check
    /// [`attention_fits`] first).
    pub attention: bool,
    /// Keep every query's energy after every step (one more product of the scores' size for
    /// the last state).
    pub energies: bool,
}

impl RetrieveOptions {
    /// `steps` steps, keeping the attention and the energies.
    pub fn all(steps: Steps) -> Self {
        RetrieveOptions {
            steps,
            attention: true,
            energies: true,
        }
    }
}

/// How many update steps a retrieval takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Steps {
    /// Exactly this many (at least 1).
    Fixed(u32),
    /// Until every query moves by at most `tolerance` · ‖ξ‖ in a step, at most `max_steps`.
    UntilConverged { max_steps: u32, tolerance: f32 },
}

impl Steps {
    fn limit(self) -> u32 {
        match self {
            Steps::Fixed(steps) => steps,
            Steps::UntilConverged { max_steps, .. } => max_steps,
        }
    }
}

/// The paper's three kinds of fixed points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StateKind {
    /// Near a single stored pattern (its weight at least [`SINGLE_PATTERN_WEIGHT`]).
    SinglePattern,
    /// An average over a subset of similar patterns.
    Metastable,
    /// The average of (nearly) all patterns.
    GlobalAverage,
}

/// What retrieval found for one query.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueryReport {
    /// The stored pattern with the largest weight in the last step (the lowest index on a tie).
    pub best_pattern: usize,
    pub weight: f32,
    /// 1 / Σ wᵢ²: how many patterns the state averages.
    pub effective_patterns: f32,
    pub kind: StateKind,
    /// Steps taken.
    pub steps: u32,
    pub converged: bool,
}

/// Every query's retrieval.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrieval {
    pub queries: usize,
    pub dim: usize,
    pub patterns: usize,
    /// The retrieved states, queries x D.
    pub retrieved: Vec<f32>,
    /// The softmax weights of each query's last step, queries x P, when they were kept.
    pub attention: Option<Vec<f32>>,
    /// Per query: the energy of the initial state and after every step, when kept.
    pub energies: Option<Vec<Vec<f64>>>,
    pub reports: Vec<QueryReport>,
}

impl ModernHopfield {
    /// `stored` holds `patterns` rows of `dim` values. With `normalize` every stored pattern
    /// (and every query) is scaled to unit length, so that β·xᵀξ is β times a cosine.
    pub fn new(
        stored: Vec<f32>,
        patterns: usize,
        dim: usize,
        beta: f64,
        normalize: bool,
    ) -> Result<Self> {
        check_beta(beta)?;
        if patterns == 0 || dim == 0 {
            return Err(Error::InvalidData(format!(
                "no stored patterns to retrieve from ({patterns} x {dim})"
            )));
        }
        if Some(stored.len()) != patterns.checked_mul(dim) {
            return Err(Error::InvalidData(format!(
                "{} stored values are not {patterns} patterns of {dim}",
                stored.len()
            )));
        }
        check_finite("the stored patterns", &stored)?;
        let mut stored = stored;
        if normalize {
            normalize_rows(&mut stored, dim);
        }
        let largest_norm = stored
            .chunks_exact(dim)
            .map(|row| {
                row.iter()
                    .map(|&v| f64::from(v).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .fold(0.0, f64::max);
        Ok(ModernHopfield {
            patterns,
            dim,
            stored,
            beta: beta as f32,
            normalize,
            largest_norm,
        })
    }

    pub fn patterns(&self) -> usize {
        self.patterns
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn beta(&self) -> f32 {
        self.beta
    }

    /// The stored patterns as retrieval uses them (normalised when asked), P x D.
    pub fn stored(&self) -> &[f32] {
        &self.stored
    }

    /// The energy of a state whose scaled log-sum-exp log Σ exp(β x_iᵀξ) is `lse`.
    fn energy(&self, lse: f32, state: &[f32]) -> f64 {
        let beta = f64::from(self.beta);
        let half_norm = 0.5 * state.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>();
        -f64::from(lse) / beta
            + half_norm
            + (self.patterns as f64).ln() / beta
            + 0.5 * self.largest_norm.powi(2)
    }
}

/// β must be a positive number (within f32).
pub fn check_beta(beta: f64) -> Result<()> {
    if beta.is_finite() && beta > 0.0 && beta < f64::from(f32::MAX) {
        Ok(())
    } else {
        Err(Error::parameter(
            Param::Beta,
            beta,
            "must be a positive number",
        ))
    }
}

/// Every value finite, or an error naming `what`.
/// The largest value retrieval may meet before it counts as out of float32's range: a quarter
/// of `f32::MAX`, so that a sum of a few such terms stays finite.
const FLOAT32_HEADROOM: f64 = f32::MAX as f64 / 4.0;

/// Refuses queries and stored patterns whose scores or energies would overflow float32. Every
/// state after the first step is a convex combination of the stored patterns, so no state is
/// longer than R = max(largest query, M), M the largest stored norm: each score β·xᵀξ is at most
/// β·M·R in magnitude (and so is every partial sum of its products, by Cauchy–Schwarz), and the
/// energy's ½ξᵀξ and ½M² at most ½R². Both must stay within [`FLOAT32_HEADROOM`], on the CPU
/// and the GPU alike, or the run is refused before any work (never a non-finite result).
fn check_float32_range(memory: &ModernHopfield, queries: &[f32]) -> Result<()> {
    let longest_query = if memory.normalize {
        1.0
    } else {
        queries
            .chunks_exact(memory.dim)
            .map(|q| {
                q.iter()
                    .map(|&v| f64::from(v) * f64::from(v))
                    .sum::<f64>()
                    .sqrt()
            })
            .fold(0.0, f64::max)
    };
    let reach = longest_query.max(memory.largest_norm);
    let score = f64::from(memory.beta) * memory.largest_norm * reach;
    if reach * reach > FLOAT32_HEADROOM || score > FLOAT32_HEADROOM {
        return Err(Error::InvalidData(format!(
            "the stored patterns and queries reach a norm of {reach:.3e}: scores β·xᵀξ up to {score:.3e} and squared norms up to {:.3e} pass float32's range (a quarter of {:.3e} is allowed); scale the data down or normalize it",
            reach * reach,
            f32::MAX
        )));
    }
    Ok(())
}

fn check_finite(what: &str, values: &[f32]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(at) => Err(Error::InvalidData(format!(
            "{what} hold {} at position {at}; every value must be finite",
            values[at]
        ))),
        None => Ok(()),
    }
}

/// Scales every row of `dim` values to unit length (a zero row stays zero).
fn normalize_rows(values: &mut [f32], dim: usize) {
    for row in values.chunks_exact_mut(dim) {
        let norm = row
            .iter()
            .map(|&v| f64::from(v).powi(2))
            .sum::<f64>()
            .sqrt();
        if norm > 0.0 {
            row.iter_mut()
                .for_each(|v| *v = (f64::from(*v) / norm) as f32);
        }
    }
}

/// Retrieves every query (queries x D, row-major) from `memory`, as `options` say. `progress`
/// advances by one per query.
pub fn retrieve(
    memory: &ModernHopfield,
    queries: &[f32],
    options: &RetrieveOptions,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Retrieval> {
    let RetrieveOptions {
        steps,
        attention: keep_attention,
        energies: keep_energies,
    } = *options;
    let (p, d) = (memory.patterns, memory.dim);
    if queries.is_empty() || !queries.len().is_multiple_of(d) {
        return Err(Error::InvalidData(format!(
            "{} query values are not whole queries of {d} (the stored patterns' dimension)",
            queries.len()
        )));
    }
    check_finite("the queries", queries)?;
    check_float32_range(memory, queries)?;
    let count = queries.len() / d;
    match steps {
        Steps::Fixed(0) | Steps::UntilConverged { max_steps: 0, .. } => {
            return Err(Error::parameter(Param::Steps, 0, "must be at least 1"))
        }
        Steps::UntilConverged { tolerance, .. } if !(tolerance.is_finite() && tolerance > 0.0) => {
            return Err(Error::parameter(
                Param::Tolerance,
                tolerance,
                "must be a positive number",
            ))
        }
        _ => {}
    }
    if keep_attention && !attention_fits(count, p) {
        return Err(Error::TooLarge(format!(
            "the attention of {count} queries over {p} patterns exceeds {}",
            crate::gpu::human_bytes(ATTENTION_LIMIT_BYTES)
        )));
    }
    crate::limits::check_host_memory(
        &format!("{count} queries of {d} values and their retrieval"),
        crate::limits::checked_product(&[count as u64, d as u64, 4 * 3]),
    )?;
    let mut engine: Box<dyn Engine + '_> = match backend {
        Backend::Cpu => Box::new(cpu::CpuEngine::new(memory)),
        Backend::Gpu(ctx) => Box::new(gpu::GpuEngine::new(ctx, memory)?),
    };
    let batch = ((BATCH_ATTENTION_BYTES / (4 * p as u64).max(1)) as usize)
        .clamp(1, engine.max_batch())
        .min(count);
    let mut retrieval = Retrieval {
        queries: count,
        dim: d,
        patterns: p,
        retrieved: Vec::with_capacity(queries.len()),
        attention: keep_attention.then(|| Vec::with_capacity(count * p)),
        energies: keep_energies.then(|| Vec::with_capacity(count)),
        reports: Vec::with_capacity(count),
    };
    for chunk in queries.chunks(batch * d) {
        let mut states = chunk.to_vec();
        if memory.normalize {
            normalize_rows(&mut states, d);
        }
        let part = engine::run_batch(
            memory,
            engine.as_mut(),
            states,
            steps,
            keep_attention,
            keep_energies,
            progress,
        )?;
        retrieval.retrieved.extend(part.states);
        if let Some(kept) = &mut retrieval.attention {
            kept.extend(&part.attention);
        }
        if let (Some(kept), Some(part)) = (&mut retrieval.energies, part.energies) {
            kept.extend(part);
        }
        retrieval.reports.extend(part.reports);
        progress.advance((chunk.len() / d) as u64);
        progress.check()?;
    }
    Ok(retrieval)
}

/// Whether the attention weights of `queries` over `patterns` fit [`ATTENTION_LIMIT_BYTES`].
pub fn attention_fits(queries: usize, patterns: usize) -> bool {
    crate::limits::checked_product(&[queries as u64, patterns as u64, 4])
        .is_some_and(|bytes| bytes <= ATTENTION_LIMIT_BYTES)
}

/// What a query's report says of its last weights.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WeightSummary {
    /// The largest weight's pattern (the lowest index on a tie) and the weight.
    best: usize,
    weight: f32,
    /// 1 / Σ wᵢ².
    effective: f32,
    patterns: usize,
}

impl WeightSummary {
    /// The summary of weights whose largest is `weight`, at `best`, and whose squares sum to
    /// `squares`.
    pub(crate) fn from_parts(best: usize, weight: f32, squares: f32, patterns: usize) -> Self {
        WeightSummary {
            best,
            weight,
            effective: 1.0 / squares.max(f32::MIN_POSITIVE),
            patterns,
        }
    }

    /// The summary of `weights` (normalised).
    pub(crate) fn of(weights: &[f32]) -> Self {
        let (weight, squares) = largest_and_squares(weights);
        WeightSummary {
            // The first of the largest: the lowest index wins a tie.
            best: weights.iter().position(|&w| w == weight).unwrap_or(0),
            weight,
            effective: 1.0 / squares.max(f32::MIN_POSITIVE),
            patterns: weights.len(),
        }
    }
}

crate::cpu::wide_vectors! {
    /// The largest of `weights` and the sum of their squares, in eight lanes.
    fn largest_and_squares(weights: &[f32]) -> (f32, f32) {
        const LANES: usize = 8;
        let (mut tops, mut sums) = ([f32::NEG_INFINITY; LANES], [0f32; LANES]);
        let mut chunks = weights.chunks_exact(LANES);
        for chunk in &mut chunks {
            for ((top, sum), &w) in tops.iter_mut().zip(sums.iter_mut()).zip(chunk) {
                *top = top.max(w);
                *sum += w * w;
            }
        }
        let rest = chunks.remainder();
        let top = rest.iter().chain(&tops).fold(f32::NEG_INFINITY, |m, &w| m.max(w));
        let sum = sums.iter().sum::<f32>() + rest.iter().map(|w| w * w).sum::<f32>();
        (top, sum)
    }
}

/// The report of a query whose last weights are summarised in `summary`.
fn report(summary: &WeightSummary, steps: u32, converged: bool) -> QueryReport {
    let kind = if summary.weight >= SINGLE_PATTERN_WEIGHT {
        StateKind::SinglePattern
    } else if summary.effective >= GLOBAL_AVERAGE_SHARE * summary.patterns as f32 {
        StateKind::GlobalAverage
    } else {
        StateKind::Metastable
    };
    QueryReport {
        best_pattern: summary.best,
        weight: summary.weight,
        effective_patterns: summary.effective,
        kind,
        steps,
        converged,
    }
}
