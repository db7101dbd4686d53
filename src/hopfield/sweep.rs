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

/// What a sweep does: every stored pattern is recalled `trials` times from a noisy copy at every
/// level, under `recall`'s dynamics, its noise and visiting orders drawn from `seed`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SweepSpec {
    /// Noise levels in percent (0, 5, …, 100 by default).
    #[serde(rename = "noise")]
    pub levels: Vec<f64>,
    /// Trials per pattern and level.
    pub trials: usize,
    pub seed: u64,
    pub recall: RecallParams,
}

impl Default for SweepSpec {
    fn default() -> Self {
        SweepSpec {
            levels: (0..=100).step_by(5).map(f64::from).collect(),
            trials: 1000,
            seed: crate::spec::DEFAULT_SEED,
            recall: RecallParams::default(),
        }
    }
}

impl crate::spec::Spec for SweepSpec {
    fn check(&self) -> Result<()> {
        SweepSpec::check(self)
    }
}

impl SweepSpec {
    /// Checks the sweep before any probe is made.
    pub fn check(&self) -> Result<()> {
        self.recall.validate()?;
        if self.recall.record_flips {
            return Err(Error::parameter(
                Param::Trajectory,
                "",
                "a sweep keeps tallies, not trajectories; recall the probes instead",
            ));
        }
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

/// The outcomes of one (pattern, noise level) over some of its trials, in integers: tallies of
/// any split of the trials add up exactly to the tally of all of them, so a sweep split across
/// processes or machines gives the rows of the whole sweep bit for bit.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepTally {
    pub trials: u64,
    /// Trials ending exactly on the stored pattern.
    pub exact: u64,
    /// Trials ending exactly on its inverse.
    pub inverted: u64,
    /// Trials that reached a fixed point.
    pub fixed_points: u64,
    /// Σ ξ·s over the trials: the mean overlap is this over N·trials.
    pub dot_sum: i64,
    pub sweeps_sum: u64,
}

impl SweepTally {
    /// The fields in order, for handing tallies across a process boundary.
    pub const FIELDS: usize = 6;

    pub fn add(&mut self, other: &SweepTally) {
        self.trials += other.trials;
        self.exact += other.exact;
        self.inverted += other.inverted;
        self.fixed_points += other.fixed_points;
        self.dot_sum += other.dot_sum;
        self.sweeps_sum += other.sweeps_sum;
    }

    pub fn to_array(&self) -> [i64; Self::FIELDS] {
        [
            self.trials as i64,
            self.exact as i64,
            self.inverted as i64,
            self.fixed_points as i64,
            self.dot_sum,
            self.sweeps_sum as i64,
        ]
    }

    /// The tally [`SweepTally::to_array`] wrote, or `None` when a count is negative.
    pub fn from_array(values: [i64; Self::FIELDS]) -> Option<SweepTally> {
        let count = |v: i64| u64::try_from(v).ok();
        Some(SweepTally {
            trials: count(values[0])?,
            exact: count(values[1])?,
            inverted: count(values[2])?,
            fixed_points: count(values[3])?,
            dot_sum: values[4],
            sweeps_sum: count(values[5])?,
        })
    }
}

/// Runs the whole sweep on `backend`; `progress` advances by one per recall.
pub fn run_sweep(
    network: &HopfieldNetwork,
    stored: &PatternSet,
    spec: &SweepSpec,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<SweepResult> {
    let started = Instant::now();
    let tallies = sweep_tallies(network, stored, spec, 0..spec.trials, backend, progress)?;
    let seconds = started.elapsed().as_secs_f64();
    let total = tallies.iter().map(|t| t.trials as usize).sum();
    Ok(SweepResult {
        rows: sweep_rows(stored, spec, &tallies)?,
        recalls: total,
        seconds,
        recalls_per_second: total as f64 / seconds.max(1e-9),
    })
}

/// The tallies of trials `trials` (a part of `0..spec.trials`) of every (pattern, level), in
/// the order of [`sweep_rows`]: pattern by pattern, level by level. `progress` advances by one
/// per recall.
pub fn sweep_tallies(
    network: &HopfieldNetwork,
    stored: &PatternSet,
    spec: &SweepSpec,
    trials: std::ops::Range<usize>,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Vec<SweepTally>> {
    spec.check()?;
    spec.total_recalls(stored.len())
        .filter(|&total| total <= usize::MAX as u64)
        .ok_or_else(|| Error::TooLarge("the sweep counts more recalls than 64 bits hold".into()))?;
    if trials.start > trials.end || trials.end > spec.trials {
        return Err(Error::Usage(format!(
            "trials {}..{} are not a part of the sweep's 0..{}",
            trials.start, trials.end, spec.trials
        )));
    }
    let n = stored.neurons();
    let levels = spec.levels.len();
    let part = trials.len();
    let per_pattern = levels * part;
    let total = stored.len() * per_pattern;
    let mut tallies = vec![SweepTally::default(); stored.len() * levels];
    let batch = probes_per_batch(n);
    let mut probes = Vec::with_capacity(batch.min(total) * n);
    let mut keys = Vec::with_capacity(batch.min(total));
    // Flat index t = (pattern * levels + level) * part + (trial - trials.start).
    let split = |t: usize| {
        (
            t / per_pattern,
            (t % per_pattern) / part,
            trials.start + t % part,
        )
    };
    for batch_start in (0..total).step_by(batch) {
        let batch_end = (batch_start + batch).min(total);
        probes.clear();
        keys.clear();
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
            tally.exact += u64::from(dot == n as i64);
            tally.inverted += u64::from(dot == -(n as i64));
            tally.fixed_points += u64::from(ending == Ending::FixedPoint);
            tally.dot_sum += dot;
            tally.sweeps_sum += u64::from(sweeps);
        }
    }
    Ok(tallies)
}

/// The rows of a sweep from the tallies of all its trials (pattern by pattern, level by level).
pub fn sweep_rows(
    stored: &PatternSet,
    spec: &SweepSpec,
    tallies: &[SweepTally],
) -> Result<Vec<SweepRow>> {
    let levels = spec.levels.len();
    if tallies.len() != stored.len() * levels {
        return Err(Error::InvalidData(format!(
            "{} tallies for {} patterns at {levels} noise levels",
            tallies.len(),
            stored.len()
        )));
    }
    let n = stored.neurons() as f64;
    Ok(tallies
        .iter()
        .enumerate()
        .map(|(index, tally)| {
            let (p, l) = (index / levels, index % levels);
            let trials = tally.trials as f64;
            SweepRow {
                pattern: p,
                pattern_name: stored.names[p].clone(),
                noise: spec.levels[l],
                trials: tally.trials as usize,
                exact_fraction: tally.exact as f64 / trials,
                mean_overlap: tally.dot_sum as f64 / (n * trials),
                inverted_fraction: tally.inverted as f64 / trials,
                fixed_point_fraction: tally.fixed_points as f64 / trials,
                mean_sweeps: tally.sweeps_sum as f64 / trials,
            }
        })
        .collect())
}

/// Host memory a batch's probes and outcomes may take: the probes (1 byte a neuron) and the
/// final states (1 byte a neuron), plus the energies, are held for one batch at a time.
const BATCH_BYTES: usize = 256 << 20;

/// Probes per batch for a network of `neurons`: [`PROBES_PER_BATCH`], fewer for large networks
/// so that a batch stays within [`BATCH_BYTES`], and at least one.
fn probes_per_batch(neurons: usize) -> usize {
    (BATCH_BYTES / neurons.saturating_mul(2).max(1)).clamp(1, PROBES_PER_BATCH)
}
