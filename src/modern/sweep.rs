//! Retrieval accuracy over inverse temperatures β and corruption levels: every stored pattern,
//! corrupted `trials` times at each level, is retrieved, and a retrieval is correct when the
//! pattern with the largest weight is the one the query came from.

use super::corrupt::{corrupt, corruption_key, CorruptionKind};
use super::spec::{check_betas, StepSpec};
use super::{retrieve, ModernHopfield, RetrieveOptions, StateKind};
use crate::backend::Backend;
use crate::error::{Error, Param, Result};
use crate::progress::Progress;

/// What a sweep does: at every β and corruption level, every stored pattern is corrupted
/// `trials` times and retrieved. `beta` and `levels` have no default (empty until given, which
/// [`ModernSweepSpec::check`] refuses).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModernSweepSpec {
    #[serde(rename = "beta")]
    pub betas: Vec<f64>,
    #[serde(rename = "corruption")]
    pub kind: CorruptionKind,
    pub levels: Vec<f64>,
    /// Corrupted copies per stored pattern and level.
    pub trials: usize,
    pub seed: u64,
    pub stepping: StepSpec,
    pub normalize: bool,
}

impl Default for ModernSweepSpec {
    fn default() -> Self {
        ModernSweepSpec {
            betas: Vec::new(),
            kind: CorruptionKind::Mask,
            levels: Vec::new(),
            trials: 4,
            seed: crate::spec::DEFAULT_SEED,
            stepping: StepSpec::default(),
            normalize: false,
        }
    }
}

impl crate::spec::Spec for ModernSweepSpec {
    fn check(&self) -> Result<()> {
        ModernSweepSpec::check(self, 1)
    }
}

/// One (β, level) of a sweep.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModernSweepRow {
    pub beta: f64,
    pub corruption: CorruptionKind,
    pub level: f64,
    pub queries: usize,
    /// Retrievals whose largest weight is on the query's own pattern.
    pub accuracy: f64,
    /// The mean cosine similarity of the retrieved state and the query's own pattern.
    pub mean_similarity: f64,
    /// The mean largest weight.
    pub mean_weight: f64,
    pub single_pattern_fraction: f64,
    pub metastable_fraction: f64,
    pub global_average_fraction: f64,
}

impl ModernSweepSpec {
    /// Checks the options before anything runs.
    pub fn check(&self, patterns: usize) -> Result<()> {
        check_betas(&self.betas)?;
        self.stepping.steps()?;
        if self.levels.is_empty() {
            return Err(Error::parameter(
                Param::Levels,
                "(none)",
                "give one or more",
            ));
        }
        for &level in &self.levels {
            self.kind.check_level(level)?;
        }
        if self.trials == 0 {
            return Err(Error::parameter(Param::Trials, 0, "must be at least 1"));
        }
        let queries = self
            .trials
            .checked_mul(patterns)
            .filter(|&q| q <= u32::MAX as usize);
        if queries.is_none() {
            return Err(Error::parameter(
                Param::Trials,
                self.trials,
                format!("{patterns} patterns times the trials must stay below 2^32 queries"),
            ));
        }
        Ok(())
    }

    /// Queries the whole sweep retrieves.
    pub fn total_queries(&self, patterns: usize) -> u64 {
        (self.betas.len() * self.levels.len() * self.trials * patterns) as u64
    }
}

/// Runs the sweep over `stored` (patterns x dim); `progress` advances by one per query.
pub fn run_modern_sweep(
    stored: &[f32],
    patterns: usize,
    dim: usize,
    spec: &ModernSweepSpec,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Vec<ModernSweepRow>> {
    spec.check(patterns)?;
    crate::limits::check_host_memory(
        "the queries of one sweep level",
        crate::limits::checked_product(&[(spec.trials * patterns) as u64, dim as u64, 4 * 3]),
    )?;
    let mut rows = Vec::new();
    for &beta in &spec.betas {
        let memory = ModernHopfield::new(stored.to_vec(), patterns, dim, beta, spec.normalize)?;
        let sources = memory.stored();
        for &level in &spec.levels {
            let mut queries = Vec::with_capacity(spec.trials * patterns * dim);
            let mut origin = Vec::with_capacity(spec.trials * patterns);
            for trial in 0..spec.trials {
                for (p, pattern) in stored.chunks_exact(dim).enumerate() {
                    let key = corruption_key(spec.seed, p, level, trial);
                    queries.extend(corrupt(pattern, spec.kind, level, &key));
                    origin.push(p);
                }
            }
            let options = RetrieveOptions {
                steps: spec.stepping.steps()?,
                attention: false,
                energies: false,
            };
            let retrieval = retrieve(&memory, &queries, &options, backend, progress)?;
            let count = origin.len() as f64;
            let share = |kind: StateKind| {
                retrieval.reports.iter().filter(|r| r.kind == kind).count() as f64 / count
            };
            let similarity: f64 = retrieval
                .retrieved
                .chunks_exact(dim)
                .zip(&origin)
                .map(|(state, &p)| cosine(state, &sources[p * dim..(p + 1) * dim]))
                .sum();
            rows.push(ModernSweepRow {
                beta,
                corruption: spec.kind,
                level,
                queries: origin.len(),
                accuracy: retrieval
                    .reports
                    .iter()
                    .zip(&origin)
                    .filter(|(r, &p)| r.best_pattern == p)
                    .count() as f64
                    / count,
                mean_similarity: similarity / count,
                mean_weight: retrieval
                    .reports
                    .iter()
                    .map(|r| f64::from(r.weight))
                    .sum::<f64>()
                    / count,
                single_pattern_fraction: share(StateKind::SinglePattern),
                metastable_fraction: share(StateKind::Metastable),
                global_average_fraction: share(StateKind::GlobalAverage),
            });
        }
    }
    Ok(rows)
}

/// The cosine of the angle between `a` and `b` (0 when either is zero).
fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa == 0.0 || bb == 0.0 {
        0.0
    } else {
        ab / (aa * bb).sqrt()
    }
}
