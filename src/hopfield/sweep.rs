//! Recall sweeps: every stored pattern × noise level × trial is corrupted and recalled, and the
//! outcomes are aggregated per (pattern, noise level). Trials are keyed on (seed, pattern, level,
//! trial) by the counter-based generator, so the CPU path, the GPU path and any slice of a sweep
//! reproduce the same trials, and the tables are identical for the same seed.

use std::time::Instant;

use crate::progress::Progress;
use rayon::prelude::*;

use super::noise;
use super::patterns::PatternSet;
use super::recall::{recall, Ending, RecallParams};
use super::HopfieldNetwork;
use crate::backend::Backend;
use crate::error::{Error, Param, Result};

/// Probes recalled per batch: large enough to fill a GPU, small enough to bound host memory.
const PROBES_PER_BATCH: usize = 16_384;

/// What a sweep does.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    /// Noise levels in percent.
    pub levels: Vec<f64>,
    /// Trials per pattern and level.
    pub trials: usize,
    pub seed: u64,
    pub recall: RecallParams,
}

impl SweepSpec {
    /// Checks the sweep before any probe is made.
    pub fn check(&self) -> Result<()> {
        if self.levels.is_empty() {
            return Err(Error::parameter(
                Param::Noise,
                "(none)",
                "give one or more levels",
            ));
        }
        for &level in &self.levels {
            noise::check_noise(level)?;
        }
        if self.trials == 0 {
            return Err(Error::parameter(Param::Trials, 0, "must be at least 1"));
        }
        // Each trial's random stream is keyed on its number as 32 bits; the batches stream, so
        // any count that numbers uniquely is accepted, whatever its length.
        if self.trials > u32::MAX as usize {
            return Err(Error::parameter(
                Param::Trials,
                self.trials,
                "at most 2^32 - 1 trials, the numbers a stream key holds",
            ));
        }
        Ok(())
    }

    /// Recalls in the whole sweep of `patterns` stored patterns, or `None` past 64 bits.
    pub fn total_recalls(&self, patterns: usize) -> Option<u64> {
        crate::limits::checked_product(&[
            patterns as u64,
            self.levels.len() as u64,
            self.trials as u64,
        ])
    }
}

/// The aggregate of one (pattern, noise level).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SweepRow {
    pub pattern: usize,
    pub pattern_name: String,
    pub noise: f64,
    pub trials: usize,
    /// Fraction of trials whose final state is the stored pattern exactly.
    pub exact_fraction: f64,
    /// Mean overlap m = ξ·s/N of the final state with the stored pattern.
    pub mean_overlap: f64,
    /// Fraction of trials ending exactly on the inverted pattern −ξ.
    pub inverted_fraction: f64,
    /// Fraction of trials that reached a fixed point.
    pub fixed_point_fraction: f64,
    pub mean_sweeps: f64,
}

/// A whole sweep.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SweepResult {
    pub rows: Vec<SweepRow>,
    pub recalls: usize,
    pub seconds: f64,
    pub recalls_per_second: f64,
}

#[derive(Default, Clone)]
struct Tally {
    trials: usize,
    exact: usize,
    inverted: usize,
    fixed_points: usize,
    overlap_sum: f64,
    sweeps_sum: u64,
}

/// Runs the sweep on `backend`; `progress` advances by one per recall.
pub fn run_sweep(
    network: &HopfieldNetwork,
    stored: &PatternSet,
    spec: &SweepSpec,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<SweepResult> {
    spec.check()?;
    spec.total_recalls(stored.len())
        .filter(|&total| total <= usize::MAX as u64)
        .ok_or_else(|| Error::TooLarge("the sweep counts more recalls than 64 bits hold".into()))?;
    let n = stored.neurons();
    let levels = spec.levels.len();
    let per_pattern = levels * spec.trials;
    let total = stored.len() * per_pattern;
    let mut tallies = vec![Tally::default(); stored.len() * levels];
    let started = Instant::now();
    let batch = probes_per_batch(n);
    let mut probes = Vec::with_capacity(batch.min(total) * n);
    let mut keys = Vec::with_capacity(batch.min(total));
    for batch_start in (0..total).step_by(batch) {
        let batch_end = (batch_start + batch).min(total);
        probes.clear();
        keys.clear();
        // Flat trial index t = (pattern * levels + level) * trials + trial.
        let split = |t: usize| {
            (
                t / per_pattern,
                (t % per_pattern) / spec.trials,
                t % spec.trials,
            )
        };
        // Making the probes costs about as much as recalling them: spread it over the cores too.
        probes.resize((batch_end - batch_start) * n, 0);
        probes
            .par_chunks_exact_mut(n)
            .zip(batch_start..batch_end)
            .map(|(probe, t)| {
                let (p, l, trial) = split(t);
                let level = spec.levels[l];
                let noise_key = noise::noise_key(spec.seed, p, level, trial);
                noise::corrupt_into(stored.get(p), level, &noise_key, probe);
                noise::order_key(spec.seed, p, level, trial)
            })
            .collect_into_vec(&mut keys);
        let outcomes = recall(network, &probes, &keys, &spec.recall, backend, progress)?;
        // What the tallies need from each outcome, taken (and the outcomes freed) on all cores.
        let summaries: Vec<(i64, Ending, u32)> = outcomes
            .into_par_iter()
            .zip(batch_start..batch_end)
            .map(|(outcome, t)| {
                let pattern = stored.get(split(t).0);
                let dot = pattern
                    .iter()
                    .zip(&outcome.final_state)
                    .map(|(&a, &b)| i64::from(a) * i64::from(b))
                    .sum();
                (dot, outcome.ending, outcome.sweeps)
            })
            .collect();
        for (t, (dot, ending, sweeps)) in (batch_start..batch_end).zip(summaries) {
            let (p, l, _) = split(t);
            let tally = &mut tallies[p * levels + l];
            tally.trials += 1;
            tally.exact += usize::from(dot == n as i64);
            tally.inverted += usize::from(dot == -(n as i64));
            tally.fixed_points += usize::from(ending == Ending::FixedPoint);
            tally.overlap_sum += dot as f64 / n as f64;
            tally.sweeps_sum += u64::from(sweeps);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let rows = tallies
        .iter()
        .enumerate()
        .map(|(index, tally)| {
            let (p, l) = (index / levels, index % levels);
            let trials = tally.trials as f64;
            SweepRow {
                pattern: p,
                pattern_name: stored.names[p].clone(),
                noise: spec.levels[l],
                trials: tally.trials,
                exact_fraction: tally.exact as f64 / trials,
                mean_overlap: tally.overlap_sum / trials,
                inverted_fraction: tally.inverted as f64 / trials,
                fixed_point_fraction: tally.fixed_points as f64 / trials,
                mean_sweeps: tally.sweeps_sum as f64 / trials,
            }
        })
        .collect();
    Ok(SweepResult {
        rows,
        recalls: total,
        seconds,
        recalls_per_second: total as f64 / seconds.max(1e-9),
    })
}

/// Host memory a batch's probes and outcomes may take: the probes (1 byte a neuron) and the
/// final states (1 byte a neuron), plus the energies, are held for one batch at a time.
const BATCH_BYTES: usize = 256 << 20;

/// Probes per batch for a network of `neurons`: [`PROBES_PER_BATCH`], fewer for large networks
/// so that a batch stays within [`BATCH_BYTES`], and at least one.
fn probes_per_batch(neurons: usize) -> usize {
    (BATCH_BYTES / neurons.saturating_mul(2).max(1)).clamp(1, PROBES_PER_BATCH)
}
