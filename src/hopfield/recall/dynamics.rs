//! The checked, integer form of a recall that the CPU twins and the GPU kernels both run: each
//! neuron's update rule in the network's fixed-point units ([`NeuronRule`], laid out as the
//! shaders read it), Glauber's table of draws, how a probe's recall ended and its outcome.

use super::spec::RecallParams;
use crate::error::{Error, Result};
use crate::hopfield::network::HopfieldNetwork;

/// Thresholds are kept in fixed point with this many units per 1 for the energy's Σ θ_i s_i.
pub const THRESHOLD_UNITS: f64 = 65_536.0;
/// The Glauber acceptance probability is resolved to 1/GLAUBER_LEVELS.
pub(crate) const GLAUBER_LEVELS: usize = 65_536;

/// How one neuron is updated, in the integer units of the network's fixed-point weights.
/// The layout of `NeuronRule` in shaders/recall_sync (checked by a unit test).wgsl and shaders/recall_async.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct NeuronRule {
    /// At temperature 0: +1 when input >= up (input > θ exactly), -1 when input <= down.
    /// A clamped neuron has up = [`CLAMPED`] and down = i32::MIN: it never changes.
    pub up: i32,
    pub down: i32,
    /// θ in units of 1/THRESHOLD_UNITS, for the energy.
    pub theta_fixed: i32,
    /// θ in the weights' units, for Glauber dynamics.
    pub theta_scaled: f32,
    /// Added times the neuron's own state to its input: its self-weight w_ii, plus one unit of
    /// the weights with the self-coupling option.
    pub self_weight: i32,
}

impl NeuronRule {
    pub(crate) fn clamped(&self) -> bool {
        self.up == CLAMPED
    }
}

/// The checked, integer form of [`RecallParams`] that both paths run.
pub(crate) struct Dynamics {
    pub rules: Vec<NeuronRule>,
    /// 2 / (T · scale): multiplies (input - θ·scale) into the Glauber argument; 0 when T = 0.
    pub glauber_factor: f32,
    /// logit((k + 0.5) / GLAUBER_LEVELS): s becomes +1 when the argument exceeds the entry drawn.
    pub logit_table: Vec<f32>,
}

impl Dynamics {
    /// The deterministic update of one neuron with `input` (in the weights' units).
    pub(crate) fn update(&self, rule: &NeuronRule, input: i32, old: i8, draw: u32) -> i8 {
        if rule.clamped() {
            return old;
        }
        if self.glauber_factor > 0.0 {
            // Both factors are exactly rounded f32 operations, identical in WGSL.
            let argument = (input as f32 - rule.theta_scaled) * self.glauber_factor;
            return if argument > self.logit_table[(draw >> 16) as usize] {
                1
            } else {
                -1
            };
        }
        if input >= rule.up {
            1
        } else if input <= rule.down {
            -1
        } else {
            old
        }
    }
}

/// The round of the counter-based stream that Glauber dynamics draws from in `sweep`; the top
/// bit keeps it apart from the rounds of the asynchronous visiting order.
pub(crate) fn glauber_round(sweep: u32) -> u32 {
    sweep | 0x8000_0000
}

impl RecallParams {
    /// The integer form both paths run, for `network`: checked against its neurons.
    pub(crate) fn checked(&self, network: &HopfieldNetwork) -> Result<Dynamics> {
        let n = network.neurons();
        self.check_neurons(n)?;
        let scale = network.scale();
        let rules = (0..n)
            .map(|i| {
                let theta = self.thresholds.of(i);
                let scaled = theta * scale;
                let clamped = self.is_clamped(i);
                NeuronRule {
                    up: if clamped {
                        CLAMPED
                    } else {
                        (scaled.floor() + 1.0).clamp(-2e9, 2e9) as i32
                    },
                    down: if clamped {
                        i32::MIN
                    } else {
                        (scaled.ceil() - 1.0).clamp(-2e9, 2e9) as i32
                    },
                    theta_fixed: (theta * THRESHOLD_UNITS).round() as i32,
                    theta_scaled: scaled as f32,
                    self_weight: network.self_weight(i)
                        + if self.self_coupling { scale as i32 } else { 0 },
                }
            })
            .collect();
        let (glauber_factor, logit_table) = if self.temperature > 0.0 {
            ((2.0 / (self.temperature * scale)) as f32, logit_table())
        } else {
            (0.0, Vec::new())
        };
        Ok(Dynamics {
            rules,
            glauber_factor,
            logit_table,
        })
    }
}

/// logit((k + 0.5) / GLAUBER_LEVELS) for every k: a neuron becomes +1 when its Glauber argument
/// exceeds the entry its draw picks.
pub(crate) fn logit_table() -> Vec<f32> {
    (0..GLAUBER_LEVELS)
        .map(|k| {
            let q = (k as f64 + 0.5) / GLAUBER_LEVELS as f64;
            (q / (1.0 - q)).ln() as f32
        })
        .collect()
}

/// A clamped neuron's `up`: no input reaches it (`CLAMPED` in shaders/recall_common.wgsl).
pub(crate) const CLAMPED: i32 = i32::MAX;

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

impl Ending {
    /// The code the recall kernels write for this ending (shaders/recall_common.wgsl; 0 is
    /// `RUNNING`, the zeroed status a probe starts with).
    pub(crate) const fn code(self) -> u32 {
        match self {
            Ending::FixedPoint => 1,
            Ending::TwoCycle => 2,
            Ending::SweepLimit => 3,
        }
    }

    /// The ending a kernel wrote as `code`, if it is one.
    pub(crate) fn from_code(code: u32) -> Option<Ending> {
        [Ending::FixedPoint, Ending::TwoCycle, Ending::SweepLimit]
            .into_iter()
            .find(|ending| ending.code() == code)
    }

    /// The ending a kernel wrote as `code`, or the GPU failure an unknown code means.
    pub(crate) fn from_kernel(code: u32) -> Result<Ending> {
        Ending::from_code(code)
            .ok_or_else(|| Error::Gpu(format!("a probe finished with unknown status {code}")))
    }
}

/// The exact integer parts of a state's energy: s^T W s over the off-diagonal weights, in their
/// fixed-point units, and Σ θ_i s_i in units of 1/THRESHOLD_UNITS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EnergyTerms {
    pub quadratic: i64,
    pub threshold: i64,
}

impl EnergyTerms {
    /// E = -1/2 s^T W s + Σ θ_i s_i, the diagonal's constant included.
    pub fn energy(&self, network: &HopfieldNetwork) -> f64 {
        -0.5 * self.quadratic as f64 / network.scale()
            + network.diagonal_energy()
            + self.threshold as f64 / THRESHOLD_UNITS
    }
}

/// The result of recalling one probe.
#[derive(Debug, Clone, PartialEq)]
pub struct RecallOutcome {
    pub final_state: Vec<i8>,
    /// Sweeps performed, the last (unchanged) one of a fixed point included.
    pub sweeps: u32,
    pub ending: Ending,
    /// The energy of the initial state and after each sweep (sweeps + 1 entries).
    pub energy: Vec<f64>,
    /// The neurons flipped, in order, when recorded (asynchronous mode).
    pub flips: Option<Vec<u32>>,
}

impl RecallOutcome {
    pub fn converged(&self) -> bool {
        self.ending == Ending::FixedPoint
    }

    /// An outcome a kernel wrote: the final state as the i32 words of the device.
    pub(crate) fn from_device(
        state: &[i32],
        sweeps: u32,
        ending: Ending,
        energy: Vec<f64>,
        flips: Option<Vec<u32>>,
    ) -> RecallOutcome {
        RecallOutcome {
            final_state: state.iter().map(|&v| v as i8).collect(),
            sweeps,
            ending,
            energy,
            flips,
        }
    }
}

/// What a CPU twin gathers as one probe's recall goes: the energy after every sweep, the flips
/// when recorded, and how it ended (the sweep limit unless a sweep says otherwise).
pub(crate) struct Trace {
    energy: Vec<f64>,
    flips: Option<Vec<u32>>,
    sweeps: u32,
    ending: Ending,
}

impl Trace {
    /// A recall starting from a state of `energy`, its flips recorded or not.
    pub(crate) fn new(energy: f64, record_flips: bool) -> Trace {
        // Most recalls end within a few sweeps.
        let mut energies = Vec::with_capacity(4);
        energies.push(energy);
        Trace {
            energy: energies,
            flips: record_flips.then(Vec::new),
            sweeps: 0,
            ending: Ending::SweepLimit,
        }
    }

    /// `neuron` flipped.
    #[inline]
    pub(crate) fn flipped(&mut self, neuron: u32) {
        if let Some(flips) = &mut self.flips {
            flips.push(neuron);
        }
    }

    /// Sweep `sweep` left a state of `energy`; whether recall ends there: when the sweep
    /// `changed` nothing (a fixed point).
    pub(crate) fn swept(&mut self, sweep: u32, energy: f64, changed: bool) -> bool {
        self.sweeps = sweep + 1;
        self.energy.push(energy);
        if !changed {
            self.ending = Ending::FixedPoint;
        }
        !changed
    }

    /// Recall ended as `ending` (a synchronous two-cycle).
    pub(crate) fn ended(&mut self, ending: Ending) {
        self.ending = ending;
    }

    /// The outcome, with the `final_state`.
    pub(crate) fn outcome(self, final_state: Vec<i8>) -> RecallOutcome {
        RecallOutcome {
            final_state,
            sweeps: self.sweeps,
            ending: self.ending,
            energy: self.energy,
            flips: self.flips,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hopfield::recall::Thresholds;
    use crate::hopfield::{hebbian_cpu, PatternSet};

    #[test]
    fn neuron_rules_and_ending_codes_are_the_shaders() {
        use crate::gpu::shaders;
        for module in [shaders::RECALL_SYNC, shaders::RECALL_ASYNC] {
            let constant = |name| crate::gpu::layout::wgsl_constant(&module, name);
            assert_eq!(constant("CLAMPED"), i64::from(CLAMPED));
            assert_eq!(constant("RUNNING"), 0);
            for (name, ending) in [
                ("FIXED_POINT", Ending::FixedPoint),
                ("TWO_CYCLE", Ending::TwoCycle),
                ("SWEEP_LIMIT", Ending::SweepLimit),
            ] {
                assert_eq!(constant(name), i64::from(ending.code()), "{name}");
                assert_eq!(Ending::from_code(ending.code()), Some(ending));
            }
            crate::assert_wgsl_layout!(
                module,
                "NeuronRule",
                NeuronRule {
                    up,
                    down,
                    theta_fixed,
                    theta_scaled,
                    self_weight
                }
            );
        }
    }

    #[test]
    fn integer_bounds_match_real_comparison() {
        let stored = PatternSet::new(2, vec![1, 1], vec!["p".into()]).unwrap();
        let network = hebbian_cpu(&stored).unwrap();
        for theta in [-2.5, -1.0, -0.25, 0.0, 0.5, 1.0, 3.75] {
            let params = RecallParams {
                thresholds: Thresholds::Uniform(theta),
                ..Default::default()
            };
            let dynamics = params.checked(&network).unwrap();
            for input in -6..=6 {
                let expected = if f64::from(input) > theta {
                    1
                } else if f64::from(input) < theta {
                    -1
                } else {
                    7
                };
                assert_eq!(
                    dynamics.update(&dynamics.rules[0], input, 7, 0),
                    expected,
                    "θ={theta} input={input}"
                );
            }
        }
    }

    #[test]
    fn glauber_acceptance_follows_the_logistic() {
        let stored = PatternSet::new(2, vec![1, 1], vec!["p".into()]).unwrap();
        let network = hebbian_cpu(&stored).unwrap();
        let params = RecallParams {
            temperature: 2.0,
            ..Default::default()
        };
        let dynamics = params.checked(&network).unwrap();
        // input 1 at T = 2: P(+1) = 1 / (1 + e^-1) = 0.7311.
        let plus = (0..GLAUBER_LEVELS as u32)
            .filter(|&k| dynamics.update(&dynamics.rules[0], 1, -1, k << 16) == 1)
            .count();
        assert!(
            (plus as f64 / GLAUBER_LEVELS as f64 - 0.731_058_6).abs() < 1e-4,
            "{plus}"
        );
    }

    #[test]
    fn clamped_neurons_never_change() {
        let stored = PatternSet::new(2, vec![1, 1], vec!["p".into()]).unwrap();
        let network = hebbian_cpu(&stored).unwrap();
        let params = RecallParams {
            clamp: Some(vec![true, false]),
            temperature: 1.0,
            ..Default::default()
        };
        let dynamics = params.checked(&network).unwrap();
        assert_eq!(dynamics.update(&dynamics.rules[0], 1000, -1, u32::MAX), -1);
    }
}
