//! Recall: a batch of probes evolves under the network's dynamics until each reaches a fixed point,
//! a 2-cycle (synchronous mode only) or the sweep limit.
//!
//! - Synchronous: every neuron is updated from the same state, s' = sign(W s).
//! - Asynchronous: neurons are updated one at a time in a random order drawn from the probe's
//!   stream for each sweep; every sweep visits every neuron once (seed 003's `predict`).
//!
//! A neuron's input is its field h_i = Σ_j w_ij s_j (its self-weight w_ii included, which only
//! learning rules that keep the diagonal have), plus its own state with `self_coupling`
//! (seed 003's `y_in = s_i + W_i . s`). At temperature 0 it becomes +1 when the input exceeds its
//! threshold θ_i, -1 when it is below, and keeps its previous state when the input equals θ_i
//! (a zero field when θ = 0). At temperature T > 0 (Glauber dynamics) it becomes +1 with
//! probability 1 / (1 + exp(-2 (input - θ_i) / T)). Clamped neurons keep the probe's value.
//! The energy is E = -1/2 s^T W s + Σ θ_i s_i.
//!
//! Everything the kernels compare is an integer (weights in fixed point, see
//! [`HopfieldNetwork::scale`]) or an exactly rounded f32 product, so the CPU twin and the GPU
//! agree bit for bit.

mod cpu;
mod dense;
mod factored_async;
mod gpu;
mod sync_batch;

use crate::progress::Progress;

use super::network::{FieldTracker, HopfieldNetwork};
use crate::backend::Backend;
use crate::error::{Error, Param, Result};
use crate::rng::StreamKey;

/// How neurons are updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMode {
    /// All neurons at once from the same state.
    Sync,
    /// One neuron at a time, in a random order per sweep.
    Async,
}

crate::choice::choices!(UpdateMode {
    UpdateMode::Sync => ["sync"] "all neurons at once from the same state",
    UpdateMode::Async => ["async"] "one neuron at a time, in a random order per sweep",
});

/// The thresholds θ of the neurons: one number for all, or one per neuron (a front end writes
/// either under `threshold`).
#[derive(Debug, Clone, PartialEq)]
pub enum Thresholds {
    /// The same θ for every neuron.
    Uniform(f64),
    /// One θ per neuron.
    PerNeuron(Vec<f64>),
}

impl Thresholds {
    /// The one θ of every neuron, if they share it.
    pub fn uniform(&self) -> Option<f64> {
        match self {
            Thresholds::Uniform(theta) => Some(*theta),
            Thresholds::PerNeuron(_) => None,
        }
    }

    pub(crate) fn of(&self, neuron: usize) -> f64 {
        match self {
            Thresholds::Uniform(theta) => *theta,
            Thresholds::PerNeuron(thetas) => thetas[neuron],
        }
    }
}

impl serde::Serialize for Thresholds {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Thresholds::Uniform(theta) => serializer.serialize_f64(*theta),
            Thresholds::PerNeuron(thetas) => thetas.serialize(serializer),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Thresholds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = Thresholds;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("give a number, or one number per neuron")
            }
            fn visit_f64<E: serde::de::Error>(self, theta: f64) -> Result<Thresholds, E> {
                Ok(Thresholds::Uniform(theta))
            }
            fn visit_i64<E: serde::de::Error>(self, theta: i64) -> Result<Thresholds, E> {
                Ok(Thresholds::Uniform(theta as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, theta: u64) -> Result<Thresholds, E> {
                Ok(Thresholds::Uniform(theta as f64))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Thresholds, A::Error> {
                let mut thetas = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                while let Some(theta) = seq.next_element::<f64>()? {
                    thetas.push(theta);
                }
                Ok(Thresholds::PerNeuron(thetas))
            }
        }
        deserializer.deserialize_any(Either)
    }
}

/// What a recall does.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecallParams {
    pub mode: UpdateMode,
    /// The most sweeps before giving up (at least 1).
    pub max_sweeps: u32,
    /// Add the neuron's own state to its input, as seed 003 does.
    pub self_coupling: bool,
    #[serde(rename = "threshold")]
    pub thresholds: Thresholds,
    /// Neurons that keep the probe's value (true = clamped), one per neuron; None clamps none.
    pub clamp: Option<Vec<bool>>,
    /// Glauber temperature T; 0 gives the deterministic dynamics.
    pub temperature: f64,
    /// Record every flip (asynchronous mode), for trajectories and animations.
    #[serde(rename = "trajectory")]
    pub record_flips: bool,
}

impl Default for RecallParams {
    fn default() -> Self {
        RecallParams {
            mode: UpdateMode::Async,
            max_sweeps: 100,
            self_coupling: false,
            thresholds: Thresholds::Uniform(0.0),
            clamp: None,
            temperature: 0.0,
            record_flips: false,
        }
    }
}

impl crate::spec::Spec for RecallParams {
    fn check(&self) -> Result<()> {
        self.validate()
    }
}

/// Recall of given probes: the dynamics, and the seed of each probe's random stream (its
/// asynchronous order and Glauber draws): the spec of `hopfield recall --probe` and Python's
/// `Hopfield.recall`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecallSpec {
    pub recall: RecallParams,
    pub seed: u64,
}

impl Default for RecallSpec {
    fn default() -> Self {
        RecallSpec {
            recall: RecallParams::default(),
            seed: crate::spec::DEFAULT_SEED,
        }
    }
}

impl crate::spec::Spec for RecallSpec {
    fn check(&self) -> Result<()> {
        self.recall.validate()
    }
}

impl RecallSpec {
    /// The random stream of each of `count` probes.
    pub fn keys(&self, count: usize) -> Vec<StreamKey> {
        (0..count)
            .map(|b| super::noise::probe_order_key(self.seed, b))
            .collect()
    }
}

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
    /// Checks what can be checked without the network (sweep limit, temperature), so that a
    /// command can refuse them before it learns anything.
    pub fn validate(&self) -> Result<()> {
        if self.max_sweeps == 0 {
            return Err(Error::parameter(Param::MaxSweeps, 0, "must be at least 1"));
        }
        if self.max_sweeps >= 0x8000_0000 {
            return Err(Error::parameter(
                Param::MaxSweeps,
                self.max_sweeps,
                "must be below 2^31",
            ));
        }
        if !self.temperature.is_finite() || self.temperature < 0.0 {
            return Err(Error::parameter(
                Param::Temperature,
                self.temperature,
                "must be 0 or positive",
            ));
        }
        if self.record_flips && self.mode == UpdateMode::Sync {
            return Err(Error::parameter(
                Param::Trajectory,
                "",
                "records the flips of asynchronous recall; use mode async",
            ));
        }
        if let Thresholds::Uniform(theta) = self.thresholds {
            if !theta.is_finite() || theta.abs() >= 32_768.0 {
                return Err(Error::parameter(
                    Param::Threshold,
                    theta,
                    "must be finite and of magnitude below 32768",
                ));
            }
        }
        Ok(())
    }

    /// Checks the per-neuron options against a network of `n` neurons (with [`validate`]): one
    /// threshold and one clamp flag per neuron, every threshold finite and below 32 768 in size.
    ///
    /// [`validate`]: RecallParams::validate
    pub(crate) fn check_neurons(&self, n: usize) -> Result<()> {
        self.validate()?;
        if let Thresholds::PerNeuron(thetas) = &self.thresholds {
            if thetas.len() != n {
                return Err(Error::InvalidData(format!(
                    "{} thresholds for a network of {n} neurons",
                    thetas.len()
                )));
            }
            if let Some(theta) = thetas
                .iter()
                .find(|theta| !theta.is_finite() || theta.abs() >= 32_768.0)
            {
                return Err(Error::Usage(format!(
                    "thresholds must be finite and of magnitude below 32768, not {theta}"
                )));
            }
        }
        if let Some(clamp) = &self.clamp {
            if clamp.len() != n {
                return Err(Error::InvalidData(format!(
                    "a clamp mask of {} neurons for a network of {n}",
                    clamp.len()
                )));
            }
        }
        Ok(())
    }

    /// Whether neuron `i` keeps the probe's value.
    pub(crate) fn is_clamped(&self, i: usize) -> bool {
        self.clamp.as_ref().is_some_and(|clamp| clamp[i])
    }

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
}

/// Checks, before anything is learned, that `learning` can hold `count` patterns of `neurons`
/// (a dense matrix within range and memory, or factored) and that recall in `mode` can then run
/// on `backend`.
pub fn check_network_fits(
    neurons: usize,
    count: usize,
    learning: &crate::hopfield::Learning,
    mode: UpdateMode,
    backend: &Backend,
) -> Result<()> {
    let factored = crate::hopfield::learn::is_factored(neurons, count, learning, backend)?;
    if !factored {
        crate::hopfield::learn::check_dense(neurons, learning.rule)?;
    }
    check_recall_fits(neurons, factored, mode, backend)
}

/// Checks, before anything is learned, that recall of a network of `neurons` (`factored` or
/// dense) in `mode` can run on `backend`.
pub fn check_recall_fits(
    neurons: usize,
    factored: bool,
    mode: UpdateMode,
    backend: &Backend,
) -> Result<()> {
    match backend {
        Backend::Gpu(ctx) if mode == UpdateMode::Async && !factored => {
            gpu::check_async_dense(ctx, neurons)
        }
        _ => Ok(()),
    }
}

/// Recalls every probe (flat, `network.neurons()` values each). `keys` gives each probe's random
/// stream (the asynchronous order, Glauber draws). `progress` advances by one per probe.
pub fn recall(
    network: &HopfieldNetwork,
    probes: &[i8],
    keys: &[StreamKey],
    params: &RecallParams,
    backend: &Backend,
    progress: &dyn Progress,
) -> Result<Vec<RecallOutcome>> {
    check_states(network, "probes", probes)?;
    if keys.len() != probes.len() / network.neurons() {
        return Err(Error::InvalidData(
            "one random stream is needed per probe".into(),
        ));
    }
    if !network.interaction().is_quadratic() {
        return dense::recall_dense(network, probes, keys, params, backend, progress);
    }
    let dynamics = params.checked(network)?;
    match backend {
        Backend::Cpu => cpu::recall_cpu(network, probes, keys, params, &dynamics, progress),
        Backend::Gpu(ctx) => {
            gpu::recall_gpu(ctx, network, probes, keys, params, &dynamics, progress)
        }
    }
}

/// Refuses `states` (`what`: probes, states) that are not whole bipolar states of the network.
fn check_states(network: &HopfieldNetwork, what: &str, states: &[i8]) -> Result<()> {
    let n = network.neurons();
    if states.is_empty() {
        return Err(Error::InvalidData(format!("no {what}")));
    }
    if !states.len().is_multiple_of(n) {
        return Err(Error::InvalidData(format!(
            "{what} of {} values do not match a network of {n} neurons",
            states.len()
        )));
    }
    match first_non_bipolar(states) {
        Some(value) => Err(Error::InvalidData(format!(
            "{what} hold {value}, not only +1 and -1"
        ))),
        None => Ok(()),
    }
}

/// The first value of `probes` that is neither +1 nor -1. Blocks are checked by a loop without
/// an early exit, which vectorises; only a bad block is searched value by value.
fn first_non_bipolar(probes: &[i8]) -> Option<i8> {
    let bad = |v: i8| v.unsigned_abs() != 1;
    probes
        .chunks(4096)
        .find(|block| block.iter().fold(false, |any, &v| any | bad(v)))
        .and_then(|block| block.iter().copied().find(|&v| bad(v)))
}

/// The energy terms of `state`.
pub(crate) fn energy_terms(
    network: &HopfieldNetwork,
    dynamics: &Dynamics,
    state: &[i8],
) -> EnergyTerms {
    EnergyTerms {
        quadratic: network.quadratic(state),
        threshold: threshold_term(dynamics, state),
    }
}

impl EnergyTerms {
    /// The terms of `state` from its off-diagonal `fields`, already known (synchronous recall).
    pub(crate) fn from_fields(dynamics: &Dynamics, state: &[i8], fields: &[i32]) -> EnergyTerms {
        EnergyTerms {
            quadratic: state
                .iter()
                .zip(fields)
                .map(|(&s, &h)| i64::from(s) * i64::from(h))
                .sum(),
            threshold: threshold_term(dynamics, state),
        }
    }
}

/// Σ θ_i s_i in units of 1/THRESHOLD_UNITS.
fn threshold_term(dynamics: &Dynamics, state: &[i8]) -> i64 {
    state
        .iter()
        .zip(&dynamics.rules)
        .map(|(&s, rule)| i64::from(s) * i64::from(rule.theta_fixed))
        .sum()
}

/// The energy after every flip of a recorded trajectory, the initial state's first.
pub fn trajectory_energies(
    network: &HopfieldNetwork,
    params: &RecallParams,
    initial: &[i8],
    flips: &[u32],
) -> Result<Vec<f64>> {
    if !network.interaction().is_quadratic() {
        return dense::trajectory_energies(network, params, initial, flips);
    }
    let dynamics = params.checked(network)?;
    let mut state = initial.to_vec();
    let mut terms = energy_terms(network, &dynamics, &state);
    let mut fields = FieldTracker::new(network, &state);
    let mut energies = Vec::with_capacity(flips.len() + 1);
    energies.push(terms.energy(network));
    for &neuron in flips {
        let i = neuron as usize;
        let updated = -state[i];
        let field = fields.field(&state, i);
        state[i] = updated;
        fields.flipped(i, updated);
        terms.quadratic += 4 * i64::from(updated) * i64::from(field);
        terms.threshold += 2 * i64::from(updated) * i64::from(dynamics.rules[i].theta_fixed);
        energies.push(terms.energy(network));
    }
    Ok(energies)
}

/// The energy of every state of `states` (flat, `network.neurons()` values each) under `params`'
/// interaction and thresholds; the tables of a dense interaction are built once for them all.
pub fn state_energies(
    network: &HopfieldNetwork,
    params: &RecallParams,
    states: &[i8],
) -> Result<Vec<f64>> {
    let n = network.neurons();
    check_states(network, "states", states)?;
    if !network.interaction().is_quadratic() {
        return dense::state_energies(network, params, states);
    }
    let dynamics = params.checked(network)?;
    Ok(states
        .chunks_exact(n)
        .map(|state| energy_terms(network, &dynamics, state).energy(network))
        .collect())
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
    fn state_energies_are_the_energies_of_trajectories_that_start_there() {
        let stored = crate::hopfield::capacity::random_patterns(
            30,
            6,
            &crate::rng::StreamKey::new(4, crate::rng::Domain::Patterns, &[0]),
        )
        .unwrap();
        use crate::hopfield::Interaction;
        for interaction in [
            Interaction::Quadratic,
            Interaction::Poly(3),
            Interaction::Exp,
        ] {
            let network = HopfieldNetwork::factored(&stored)
                .unwrap()
                .with_interaction(interaction);
            let params = RecallParams {
                thresholds: Thresholds::Uniform(if interaction == Interaction::Exp {
                    0.0
                } else {
                    0.75
                }),
                ..Default::default()
            };
            let energies = state_energies(&network, &params, stored.states()).unwrap();
            for (state, energy) in stored.iter().zip(energies) {
                let start = trajectory_energies(&network, &params, state, &[]).unwrap()[0];
                assert_eq!(energy, start, "{interaction}");
            }
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
