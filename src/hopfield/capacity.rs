//! Capacity: how many random patterns a network of N neurons stores, measured against theory.
//!
//! For each load α = P/N, random unbiased patterns are stored and each is used as a probe:
//! - the one-step bit error rate: the fraction of neurons that one synchronous update flips;
//! - the stable fraction: patterns that are exact fixed points (no neuron flips);
//! - the fixed-point overlap: the overlap with the pattern of the state recall settles in.
//!
//! Any learning rule can be studied; the classical one-step theory, shown beside each measurement
//! as the Hebbian reference, is P_err = ½ erfc(√(1/(2α))) (the crosstalk
//! of P−1 other patterns is Gaussian with variance α relative to the signal).

use indicatif::ProgressBar;

use super::patterns::PatternSet;
use super::recall::{recall, RecallParams, UpdateMode};
use super::{learn, noise, Learning};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::rng::{Domain, StreamKey};

/// The load above which Hebbian recall collapses (Amit, Gutfreund & Sompolinsky 1985).
pub const CRITICAL_LOAD: f64 = 0.138;

/// What a capacity study does.
#[derive(Debug, Clone)]
pub struct CapacitySpec {
    pub neurons: usize,
    /// Loads α = P/N; P is rounded to the nearest integer, at least 1.
    pub loads: Vec<f64>,
    /// Independent pattern sets per load.
    pub trials: usize,
    pub seed: u64,
    /// The rule and the form of the couplings.
    pub learning: Learning,
    /// How the fixed point is reached from each stored pattern.
    pub mode: UpdateMode,
    pub max_sweeps: u32,
}

/// One load of a capacity study.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CapacityRow {
    pub load: f64,
    pub patterns: usize,
    pub trials: usize,
    pub one_step_error: f64,
    /// The binomial standard error of `one_step_error`.
    pub one_step_error_stderr: f64,
    pub theory_one_step_error: f64,
    pub stable_fraction: f64,
    pub fixed_point_overlap: f64,
}

/// The classical one-step error rate of the Hebbian rule at load α: ½ erfc(√(1/(2α))).
pub fn theory_one_step_error(load: f64) -> f64 {
    0.5 * libm::erfc((1.0 / (2.0 * load)).sqrt())
}

impl CapacitySpec {
    fn check(&self) -> Result<()> {
        if self.neurons == 0 {
            return Err(Error::Usage("--neurons must be at least 1".into()));
        }
        if self.loads.is_empty() {
            return Err(Error::Usage("the load list is empty".into()));
        }
        if let Some(load) = self.loads.iter().find(|&&l| !(l.is_finite() && l > 0.0)) {
            return Err(Error::Usage(format!("loads must be positive, not {load}")));
        }
        if self.trials == 0 {
            return Err(Error::Usage("--trials must be at least 1".into()));
        }
        if self.max_sweeps == 0 {
            return Err(Error::Usage("--max-sweeps must be at least 1".into()));
        }
        // Before any pattern is drawn: fields must fit the kernels' integers.
        for &load in &self.loads {
            let count = self.patterns_at(load) as u64;
            if count.saturating_mul(self.neurons.saturating_sub(1) as u64) >= 1 << 29 {
                return Err(Error::TooLarge(format!(
                    "{count} patterns of {} neurons: fields could exceed the 32-bit integer range the kernels use",
                    self.neurons
                )));
            }
        }
        Ok(())
    }

    fn patterns_at(&self, load: f64) -> usize {
        ((load * self.neurons as f64).round() as usize).max(1)
    }
}

/// `count` random unbiased patterns of `neurons`, keyed on (seed, load, trial).
pub fn random_patterns(neurons: usize, count: usize, key: &StreamKey) -> Result<PatternSet> {
    let states = (0..count * neurons)
        .map(|i| {
            let word = key.draw(0, (i / 32) as u32);
            if (word >> (i % 32)) & 1 == 1 {
                1
            } else {
                -1
            }
        })
        .collect();
    PatternSet::new(
        neurons,
        states,
        (0..count).map(|p| format!("random {p}")).collect(),
    )
}

/// Runs the study; `progress` advances by one per load and trial.
pub fn run_capacity(
    spec: &CapacitySpec,
    backend: &Backend,
    progress: &ProgressBar,
) -> Result<Vec<CapacityRow>> {
    spec.check()?;
    let n = spec.neurons;
    let mut rows = Vec::with_capacity(spec.loads.len());
    for (load_index, &load) in spec.loads.iter().enumerate() {
        let count = spec.patterns_at(load);
        let (mut flipped_bits, mut stable, mut overlap_sum) = (0u64, 0usize, 0.0);
        for trial in 0..spec.trials {
            let key = StreamKey::new(
                spec.seed,
                Domain::Patterns,
                &[load_index as u32, trial as u32],
            );
            let stored = random_patterns(n, count, &key)?;
            let network = learn(&stored, &spec.learning, backend)?;
            let keys: Vec<StreamKey> = (0..count)
                .map(|p| noise::order_key(spec.seed, p, load * 1000.0, trial))
                .collect();
            let one_step = RecallParams {
                mode: UpdateMode::Sync,
                max_sweeps: 1,
                ..Default::default()
            };
            let stepped = recall(
                &network,
                stored.states(),
                &keys,
                &one_step,
                backend,
                &ProgressBar::hidden(),
            )?;
            for (pattern, outcome) in stored.iter().zip(&stepped) {
                let flips = pattern
                    .iter()
                    .zip(&outcome.final_state)
                    .filter(|(a, b)| a != b)
                    .count();
                flipped_bits += flips as u64;
                stable += usize::from(flips == 0);
            }
            let settle = RecallParams {
                mode: spec.mode,
                max_sweeps: spec.max_sweeps,
                ..Default::default()
            };
            let settled = recall(
                &network,
                stored.states(),
                &keys,
                &settle,
                backend,
                &ProgressBar::hidden(),
            )?;
            for (pattern, outcome) in stored.iter().zip(&settled) {
                overlap_sum += super::analysis::overlap(pattern, &outcome.final_state);
            }
            progress.inc(1);
        }
        let bits = (count * n * spec.trials) as f64;
        let error = flipped_bits as f64 / bits;
        rows.push(CapacityRow {
            load,
            patterns: count,
            trials: spec.trials,
            one_step_error: error,
            one_step_error_stderr: (error * (1.0 - error) / bits).sqrt(),
            theory_one_step_error: theory_one_step_error(load),
            stable_fraction: stable as f64 / (count * spec.trials) as f64,
            fixed_point_overlap: overlap_sum / (count * spec.trials) as f64,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theory_matches_known_values() {
        // ½ erfc(√5) at α = 0.1 and ½ erfc(√(1/0.276)) at the critical load.
        assert!((theory_one_step_error(0.1) - 7.827e-4).abs() < 1e-6);
        assert!((theory_one_step_error(0.138) - 0.00358).abs() < 5e-5);
        assert!((theory_one_step_error(1.0) - 0.158_655).abs() < 1e-5);
    }

    #[test]
    fn random_patterns_are_unbiased() {
        let set = random_patterns(1000, 20, &StreamKey::new(1, Domain::Patterns, &[0])).unwrap();
        let plus = set.states().iter().filter(|&&v| v == 1).count();
        // 20 000 fair bits: mean 10 000, sd 71.
        assert!((9_650..=10_350).contains(&plus), "{plus}");
    }
}
