//! Recall: a batch of probes evolves under the network's dynamics until each reaches a fixed point,
//! a 2-cycle (synchronous mode only) or the sweep limit.
//!
//! - Synchronous: every neuron is updated from the same state, s' = sign(W s).
//! - Asynchronous: neurons are updated one at a time in a random order drawn from the probe's
//!   stream for each sweep; every sweep visits every neuron once (seed 003's `predict`).
//!
//! A neuron's input is its field h_i = W_i . s, plus its own state with `self_coupling`
//! (seed 003's `y_in = s_i + W_i . s`). It becomes +1 when the input exceeds the threshold θ,
//! -1 when it is below, and keeps its previous state when the input equals θ (a zero field when
//! θ = 0). The energy is E = -1/2 s^T W s + θ sum(s).

mod cpu;
mod gpu;

use indicatif::ProgressBar;

use super::network::HopfieldNetwork;
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::rng::StreamKey;

/// How neurons are updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UpdateMode {
    /// All neurons at once from the same state.
    Sync,
    /// One neuron at a time, in a random order per sweep.
    Async,
}

/// What a recall does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecallParams {
    pub mode: UpdateMode,
    /// The most sweeps before giving up (at least 1).
    pub max_sweeps: u32,
    /// Add the neuron's own state to its input, as seed 003 does.
    pub self_coupling: bool,
    /// The threshold θ of every neuron.
    pub threshold: f64,
    /// Record every flip (asynchronous mode), for trajectories and animations.
    pub record_flips: bool,
}

impl Default for RecallParams {
    fn default() -> Self {
        RecallParams {
            mode: UpdateMode::Async,
            max_sweeps: 100,
            self_coupling: false,
            threshold: 0.0,
            record_flips: false,
        }
    }
}

/// Integer bounds equivalent to comparing an integer input with the real threshold θ:
/// input > θ exactly when input >= up, input < θ exactly when input <= down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IntegerThreshold {
    pub up: i32,
    pub down: i32,
}

impl IntegerThreshold {
    pub(crate) fn update(&self, input: i32, old: i8) -> i8 {
        if input >= self.up {
            1
        } else if input <= self.down {
            -1
        } else {
            old
        }
    }
}

impl RecallParams {
    pub(crate) fn checked(&self) -> Result<IntegerThreshold> {
        if self.max_sweeps == 0 {
            return Err(Error::Usage("--max-sweeps must be at least 1".into()));
        }
        if !self.threshold.is_finite() || self.threshold.abs() >= f64::from(1u32 << 30) {
            return Err(Error::Usage(format!(
                "--threshold must be a finite number of magnitude below 2^30, not {}",
                self.threshold
            )));
        }
        Ok(IntegerThreshold {
            up: self.threshold.floor() as i32 + 1,
            down: self.threshold.ceil() as i32 - 1,
        })
    }
}

/// How a probe's recall ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// A whole sweep changed nothing.
    FixedPoint,
    /// Synchronous recall returned to the state of two sweeps before.
    TwoCycle,
    /// `max_sweeps` ran out first.
    SweepLimit,
}

/// The exact integer parts of a state's energy: s^T W s and sum(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EnergyTerms {
    pub quadratic: i64,
    pub magnetisation: i64,
}

impl EnergyTerms {
    /// E = -1/2 s^T W s + θ sum(s).
    pub fn energy(&self, threshold: f64) -> f64 {
        -0.5 * self.quadratic as f64 + threshold * self.magnetisation as f64
    }
}

/// The result of recalling one probe.
#[derive(Debug, Clone, PartialEq)]
pub struct RecallOutcome {
    pub final_state: Vec<i8>,
    /// Sweeps performed, the last (unchanged) one of a fixed point included.
    pub sweeps: u32,
    pub ending: Ending,
    /// The energy terms of the initial state and after each sweep (sweeps + 1 entries).
    pub energy: Vec<EnergyTerms>,
    /// The neurons flipped, in order, when recorded (asynchronous mode).
    pub flips: Option<Vec<u32>>,
}

impl RecallOutcome {
    pub fn converged(&self) -> bool {
        self.ending == Ending::FixedPoint
    }

    /// The energy after each sweep, the initial state's first.
    pub fn energies(&self, threshold: f64) -> Vec<f64> {
        self.energy
            .iter()
            .map(|terms| terms.energy(threshold))
            .collect()
    }
}

/// Recalls every probe (flat, `network.neurons()` values each). `keys` gives each probe's random
/// stream (used by asynchronous recall). `progress` advances by one per probe.
pub fn recall(
    network: &HopfieldNetwork,
    probes: &[i8],
    keys: &[StreamKey],
    params: &RecallParams,
    backend: &Backend,
    progress: &ProgressBar,
) -> Result<Vec<RecallOutcome>> {
    let threshold = params.checked()?;
    let n = network.neurons();
    if probes.is_empty() {
        return Err(Error::InvalidData("no probes to recall".into()));
    }
    if !probes.len().is_multiple_of(n) {
        return Err(Error::InvalidData(format!(
            "probes of {} values do not match a network of {n} neurons",
            probes.len()
        )));
    }
    if keys.len() != probes.len() / n {
        return Err(Error::InvalidData(
            "one random stream is needed per probe".into(),
        ));
    }
    if let Some(value) = probes.iter().find(|&&v| v != 1 && v != -1) {
        return Err(Error::InvalidData(format!(
            "a probe holds {value}, not +1 or -1"
        )));
    }
    match backend {
        Backend::Cpu => Ok(cpu::recall_cpu(
            network, probes, keys, params, threshold, progress,
        )),
        Backend::Gpu(ctx) => {
            gpu::recall_gpu(ctx, network, probes, keys, params, threshold, progress)
        }
    }
}

/// The energy after every flip of a recorded trajectory, the initial state's first.
pub fn trajectory_energies(
    network: &HopfieldNetwork,
    initial: &[i8],
    flips: &[u32],
    threshold: f64,
) -> Vec<f64> {
    let mut state = initial.to_vec();
    let mut terms = network.energy_terms(&state);
    let mut energies = Vec::with_capacity(flips.len() + 1);
    energies.push(terms.energy(threshold));
    for &neuron in flips {
        let i = neuron as usize;
        let updated = -state[i];
        let field = network.field(&state, i);
        state[i] = updated;
        terms.quadratic += 4 * i64::from(updated) * i64::from(field);
        terms.magnetisation += 2 * i64::from(updated);
        energies.push(terms.energy(threshold));
    }
    energies
}

/// The states of a recorded trajectory, the initial state first and then one after every flip.
pub fn trajectory_states(initial: &[i8], flips: &[u32]) -> Vec<Vec<i8>> {
    let mut state = initial.to_vec();
    let mut states = Vec::with_capacity(flips.len() + 1);
    states.push(state.clone());
    for &neuron in flips {
        state[neuron as usize] = -state[neuron as usize];
        states.push(state.clone());
    }
    states
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_threshold_matches_real_comparison() {
        for threshold in [-2.5, -1.0, -0.25, 0.0, 0.5, 1.0, 3.75] {
            let params = RecallParams {
                threshold,
                ..Default::default()
            };
            let bounds = params.checked().unwrap();
            for input in -6..=6 {
                let expected = if f64::from(input) > threshold {
                    1
                } else if f64::from(input) < threshold {
                    -1
                } else {
                    7
                };
                assert_eq!(
                    bounds.update(input, 7),
                    expected,
                    "θ={threshold} input={input}"
                );
            }
        }
    }
}
