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

use crate::progress::{Progress, Unreported};

use super::patterns::PatternSet;
use super::recall::{recall, RecallParams, UpdateMode};
use super::{learn, noise, Interaction, Learning};
use crate::backend::Backend;
use crate::error::{Error, Param, Result};
use crate::rng::{Domain, StreamKey};

/// The load above which Hebbian recall collapses (Amit, Gutfreund & Sompolinsky 1985).
pub const CRITICAL_LOAD: f64 = 0.138;

/// What a capacity study does: at each load, `trials` sets of random patterns are learned as
/// `learning` says and recalled from themselves. `neurons` and `loads` have no default (they are
/// 0 and empty until given, which [`CapacitySpec::check`] refuses).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CapacitySpec {
    pub neurons: usize,
    /// Loads α = P/N; P is rounded to the nearest integer, at least 1.
    pub loads: Vec<f64>,
    /// Independent pattern sets per load.
    pub trials: usize,
    pub seed: u64,
    /// The rule, the form of the couplings and the energy's interaction.
    pub learning: Learning,
    /// How the fixed point is reached from each stored pattern.
    pub mode: UpdateMode,
    pub max_sweeps: u32,
}

impl Default for CapacitySpec {
    fn default() -> Self {
        CapacitySpec {
            neurons: 0,
            loads: Vec::new(),
            trials: 1,
            seed: crate::spec::DEFAULT_SEED,
            learning: Learning::default(),
            mode: UpdateMode::Async,
            max_sweeps: RecallParams::default().max_sweeps,
        }
    }
}

impl crate::spec::Spec for CapacitySpec {
    fn check(&self) -> Result<()> {
        CapacitySpec::check(self)
    }
}

/// One load of a capacity study.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CapacityRow {
    pub interaction: Interaction,
    pub load: f64,
    pub patterns: usize,
    pub trials: usize,
    pub one_step_error: f64,
    /// The standard error of `one_step_error`: from the spread of the error between the
    /// independent pattern sets when there are several (the bits of one set are not independent:
    /// they share its crosstalk), otherwise the binomial figure of independent bits.
    pub one_step_error_stderr: f64,
    /// How `one_step_error_stderr` was computed: `between_sets` or `binomial`.
    pub one_step_error_stderr_method: &'static str,
    /// The one-step error theory gives for the interaction (see
    /// [`Interaction::theory_one_step_error`]).
    pub theory_one_step_error: f64,
    /// The patterns theory says the interaction stores without errors at N (Krotov & Hopfield's
    /// Nⁿ⁻¹ / (2 (2n−3)!! ln N), Demircigil et al.'s 2^(N/2) for exp).
    pub theory_capacity: f64,
    pub stable_fraction: f64,
    pub fixed_point_overlap: f64,
}

pub use super::interaction::theory_one_step_error;

impl CapacitySpec {
    /// Checks the study's sizes before any pattern is drawn.
    pub fn check(&self) -> Result<()> {
        if self.neurons == 0 {
            return Err(Error::parameter(Param::Neurons, 0, "must be at least 1"));
        }
        if self.loads.is_empty() {
            return Err(Error::parameter(
                Param::Loads,
                "(none)",
                "give one or more loads",
            ));
        }
        if let Some(load) = self.loads.iter().find(|&&l| !(l.is_finite() && l > 0.0)) {
            return Err(Error::parameter(
                Param::Loads,
                load,
                "a load P/N must be a positive number",
            ));
        }
        if self.trials == 0 {
            return Err(Error::parameter(Param::Trials, 0, "must be at least 1"));
        }
        if self.max_sweeps == 0 {
            return Err(Error::parameter(Param::MaxSweeps, 0, "must be at least 1"));
        }
        self.learning.checked()?;
        if self.trials > u32::MAX as usize {
            return Err(Error::parameter(
                Param::Trials,
                self.trials,
                "at most 2^32 - 1 pattern sets, the numbers a stream key holds",
            ));
        }
        // Before any pattern is drawn: fields must fit the kernels' integers, and the patterns
        // (and their dense matrix, when the rule needs one) the host's memory.
        for &load in &self.loads {
            let count = self.patterns_at(load) as u64;
            crate::limits::check_host_memory(
                &format!("load {load}: {count} patterns of {} neurons", self.neurons),
                crate::limits::checked_product(&[count, self.neurons as u64, 3]),
            )?;
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
///
/// Bit `i` of the set (pattern-major) is bit `i % 32` of draw `i / 32` of round 0.
pub fn random_patterns(neurons: usize, count: usize, key: &StreamKey) -> Result<PatternSet> {
    let total = count
        .checked_mul(neurons)
        .filter(|&bits| bits / 32 < u32::MAX as usize)
        .ok_or_else(|| {
            Error::TooLarge(format!(
                "{count} random patterns of {neurons} neurons exceed one random stream"
            ))
        })?;
    let mut states = Vec::with_capacity(total);
    // One Philox block holds 128 bits: four draws.
    'blocks: for block in 0.. {
        for word in key.block(0, block) {
            for bit in 0..32 {
                if states.len() == total {
                    break 'blocks;
                }
                states.push(if (word >> bit) & 1 == 1 { 1 } else { -1 });
            }
        }
    }
    PatternSet::new(
        neurons,
        states,
        (0..count).map(|p| format!("random {p}")).collect(),
    )
}

/// The outcomes of one load over some of its pattern sets, in integers: tallies of any split of
/// the sets add up exactly to the tally of all of them, so a study split across processes or
/// machines gives the rows of the whole study bit for bit.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CapacityTally {
    /// Pattern sets (trials).
    pub sets: u64,
    /// Bits flipped by one synchronous step from the stored patterns, and the sum of each set's
    /// count squared (for the spread between sets).
    pub flipped_bits: u64,
    pub flipped_bits_sq: u128,
    /// Stored patterns that one step left unchanged.
    pub stable: u64,
    /// Σ ξ·s between each stored pattern and the fixed point reached from it.
    pub dot_sum: i64,
}

impl CapacityTally {
    pub fn add(&mut self, other: &CapacityTally) {
        self.sets += other.sets;
        self.flipped_bits += other.flipped_bits;
        self.flipped_bits_sq += other.flipped_bits_sq;
        self.stable += other.stable;
        self.dot_sum += other.dot_sum;
    }
}

/// Runs the whole study; `progress` advances by one per load and trial.
pub fn run_capacity(
    spec: &CapacitySpec,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Vec<CapacityRow>> {
    let tallies = capacity_tallies(spec, 0..spec.trials, backend, progress)?;
    capacity_rows(spec, &tallies)
}

/// The tallies of pattern sets `trials` (a part of `0..spec.trials`) at every load, in the
/// order of `spec.loads`. `progress` advances by one per load and set.
pub fn capacity_tallies(
    spec: &CapacitySpec,
    trials: std::ops::Range<usize>,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Vec<CapacityTally>> {
    spec.check()?;
    if trials.start > trials.end || trials.end > spec.trials {
        return Err(Error::Usage(format!(
            "trials {}..{} are not a part of the study's 0..{}",
            trials.start, trials.end, spec.trials
        )));
    }
    let n = spec.neurons;
    let learning = spec.learning.checked()?;
    // Every load's network and recall are checked against the machine before the first is learned.
    for &load in &spec.loads {
        let count = spec.patterns_at(load);
        super::recall::check_network_fits(n, count, &learning, spec.mode, backend)?;
    }
    let mut tallies = Vec::with_capacity(spec.loads.len());
    for (load_index, &load) in spec.loads.iter().enumerate() {
        let count = spec.patterns_at(load);
        let mut tally = CapacityTally::default();
        for trial in trials.clone() {
            let key = StreamKey::new(
                spec.seed,
                Domain::Patterns,
                &[load_index as u32, trial as u32],
            );
            let stored = random_patterns(n, count, &key)?;
            let network = learn(&stored, &learning, backend)?;
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
                &Unreported(progress),
            )?;
            let mut set_flips = 0u64;
            for (pattern, outcome) in stored.iter().zip(&stepped) {
                let flips = pattern
                    .iter()
                    .zip(&outcome.final_state)
                    .filter(|(a, b)| a != b)
                    .count();
                set_flips += flips as u64;
                tally.stable += u64::from(flips == 0);
            }
            tally.sets += 1;
            tally.flipped_bits += set_flips;
            tally.flipped_bits_sq += u128::from(set_flips) * u128::from(set_flips);
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
                &Unreported(progress),
            )?;
            for (pattern, outcome) in stored.iter().zip(&settled) {
                tally.dot_sum += pattern
                    .iter()
                    .zip(&outcome.final_state)
                    .map(|(&a, &b)| i64::from(a) * i64::from(b))
                    .sum::<i64>();
            }
            progress.advance(1);
            progress.check()?;
        }
        tallies.push(tally);
    }
    Ok(tallies)
}

/// The rows of a study from the tallies of all its pattern sets, one per load.
pub fn capacity_rows(spec: &CapacitySpec, tallies: &[CapacityTally]) -> Result<Vec<CapacityRow>> {
    if tallies.len() != spec.loads.len() {
        return Err(Error::InvalidData(format!(
            "{} tallies for {} loads",
            tallies.len(),
            spec.loads.len()
        )));
    }
    let n = spec.neurons;
    Ok(spec
        .loads
        .iter()
        .zip(tallies)
        .map(|(&load, tally)| {
            let count = spec.patterns_at(load);
            let patterns = (count as u64 * tally.sets) as f64;
            let bits = patterns * n as f64;
            let error = tally.flipped_bits as f64 / bits;
            let (stderr, method) = one_step_error_stderr(error, (count * n) as u64, tally);
            CapacityRow {
                interaction: spec.learning.interaction,
                load,
                patterns: count,
                trials: tally.sets as usize,
                one_step_error: error,
                one_step_error_stderr: stderr,
                one_step_error_stderr_method: method,
                theory_one_step_error: spec.learning.interaction.theory_one_step_error(n, count),
                theory_capacity: spec.learning.interaction.theory_capacity(n),
                stable_fraction: tally.stable as f64 / patterns,
                fixed_point_overlap: tally.dot_sum as f64 / bits,
            }
        })
        .collect())
}

/// The standard error of the one-step error rate `error`. Over K ≥ 2 independent pattern
/// sets it is the sample standard deviation of their errors over √K: bits of one set share its
/// crosstalk, so treating them as independent understates the set-to-set spread several times.
/// With one set only the binomial figure of independent bits is available. `set_bits` is the
/// number of bits in one set; the spread comes from the tally's integer sums, exactly.
fn one_step_error_stderr(error: f64, set_bits: u64, tally: &CapacityTally) -> (f64, &'static str) {
    let k = tally.sets;
    let bits = (set_bits * k) as f64;
    if k < 2 {
        return ((error * (1.0 - error) / bits).sqrt(), "binomial");
    }
    // Σ(f − f̄)² = (K·Σf² − (Σf)²)/K over the sets' flip counts f, exact in 128 bits.
    let sum = u128::from(tally.flipped_bits);
    let spread = (u128::from(k) * tally.flipped_bits_sq)
        .checked_sub(sum * sum)
        .map_or(0.0, |v| v as f64);
    let set_bits = set_bits as f64;
    let variance = spread / (k as f64 * (k - 1) as f64 * set_bits * set_bits);
    ((variance / k as f64).sqrt(), "between_sets")
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
    fn stderr_is_the_spread_between_sets() {
        // Two sets of 100 bits with 1 and 3 flips: errors 0.01 and 0.03, whose sample sd
        // 0.01414 over √2 is 0.01.
        let sets = |flips: &[u64]| {
            let mut tally = CapacityTally::default();
            for &f in flips {
                tally.add(&CapacityTally {
                    sets: 1,
                    flipped_bits: f,
                    flipped_bits_sq: u128::from(f * f),
                    ..Default::default()
                });
            }
            tally
        };
        let (stderr, method) = one_step_error_stderr(0.02, 100, &sets(&[1, 3]));
        assert_eq!(method, "between_sets");
        assert!((stderr - 0.01).abs() < 1e-12, "{stderr}");
        let (binomial, method) = one_step_error_stderr(0.5, 100, &sets(&[50]));
        assert_eq!(method, "binomial");
        assert!((binomial - 0.05).abs() < 1e-12);
    }

    #[test]
    fn random_patterns_are_unbiased() {
        let set = random_patterns(1000, 20, &StreamKey::new(1, Domain::Patterns, &[0])).unwrap();
        let plus = set.states().iter().filter(|&&v| v == 1).count();
        // 20 000 fair bits: mean 10 000, sd 71.
        assert!((9_650..=10_350).contains(&plus), "{plus}");
    }
}
