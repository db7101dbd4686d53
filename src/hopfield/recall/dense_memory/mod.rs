//! Recall in a dense associative memory: the energy E(σ) = −Σ_μ F(ξ^μ·σ) + Σ_i θ_i σ_i for an
//! interaction F other than the quadratic one (see [`Interaction`]), computed through the
//! overlaps m_μ = ξ^μ·σ of the stored patterns (never an N x N matrix).
//!
//! A neuron prefers +1 by Δ_i = Σ_μ ξ_i^μ G(m_μ − ξ_i^μ σ_i), G(x) = F(x + 1) − F(x − 1). Every
//! path evaluates it in the same two sums over the patterns, with A_μ = G(m_μ − 1) and
//! B_μ = G(m_μ + 1):
//!
//! ```text
//! 2Δ_i = σ_i Σ_μ (A_μ − B_μ) + Σ_μ ξ_i^μ (A_μ + B_μ),
//! ```
//!
//! and a neuron becomes +1 when Δ_i − 2θ_i > 0 (its energy then falls), −1 when it is < 0, and
//! keeps its state at 0, as in the classical network. At temperature T it becomes +1 with
//! probability 1 / (1 + exp(−(Δ_i − 2θ_i) / T)) (Glauber), as the classical network does.
//!
//! Exactness, per interaction (the CPU twin and the GPU kernels, shaders/dense_memory.wgsl):
//! - `poly:N` and `repoly:N`: G and F are read from tables of exact 64-bit integers (checked
//!   before recall to keep every sum below 2^62), so decisions, states and energies are exact
//!   and identical on both paths.
//! - `exp`: computed stably through the largest overlap M: A_μ and B_μ are e^(m_μ ∓ 1 − M),
//!   the positive factor (e − 1/e)·e^M dropped, read from one f32 table of e^(−k) that both
//!   paths share, and summed in f32 in pattern order on both, with no product that could fuse,
//!   so both paths make bit-identical decisions. A neuron whose sum is exactly zero keeps its
//!   state; against exact real arithmetic, a sum within about P · 2^-24 of the largest term may
//!   take either sign. The energy is reported as −Σ_μ e^(m_μ − N) (the energy times e^(−N), which
//!   keeps it finite; the dynamics are the same). Thresholds and temperature are refused for
//!   `exp`: the energy differences they would be compared with span e^N.

pub(super) mod cpu;
pub(super) mod gpu;
mod kernels;

use super::{RecallParams, Thresholds, THRESHOLD_UNITS};
use crate::error::{Error, Param, Result};
use crate::hopfield::interaction::Interaction;
use crate::hopfield::network::HopfieldNetwork;

/// How a neuron of a dense memory is updated, in the units of 2Δ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DenseRule {
    pub clamped: bool,
    /// +1 when 2Δ >= up (2Δ > 4θ exactly), −1 when 2Δ <= down.
    pub up: i64,
    pub down: i64,
    /// 4θ, for Glauber dynamics.
    pub theta4: f32,
    /// θ in units of 1/THRESHOLD_UNITS, for the energy.
    pub theta_fixed: i32,
}

/// A table over the overlaps' range: exact integers for the polynomials, e^(−k) for exp.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Table {
    Exact(Vec<i64>),
    Exp(Vec<f32>),
}

/// The checked form of a dense memory's recall that both paths run.
pub(crate) struct DenseMemory<'a> {
    pub neurons: usize,
    pub stored: usize,
    /// The patterns, P x N.
    pub rows: &'a [i8],
    /// The patterns by neuron, N x P.
    pub columns: &'a [i8],
    /// Polynomials: G(x) at x + N + 1 for x in −N−1..=N+1. Exp: e^(−k) for k in 0..=2N+2.
    pub differences: Table,
    /// Polynomials: F(m) at m + N for m in −N..=N. Exp: the same e^(−k) table (k = N − m).
    pub energies: Table,
    pub rules: Vec<DenseRule>,
    /// 1 / (2T): multiplies (2Δ − 4θ) into the Glauber argument; 0 when T = 0.
    pub glauber_factor: f32,
    pub logit_table: Vec<f32>,
}

impl<'a> DenseMemory<'a> {
    /// Checks `params` for `network`, which must hold its patterns (factored, Hebbian), and
    /// builds the tables; an error when the sums could leave 64-bit integers.
    pub(crate) fn new(network: &'a HopfieldNetwork, params: &RecallParams) -> Result<Self> {
        let interaction = network.interaction();
        interaction.validate()?;
        params.check_neurons(network.neurons())?;
        let (rows, columns) = network.factors().zip(network.factor_columns()).ok_or_else(|| {
            Error::parameter(
                Param::Interaction,
                interaction,
                "recalls through the stored patterns themselves: use the Hebbian rule with factored weights",
            )
        })?;
        let (n, p) = (network.neurons(), network.stored());
        if interaction == Interaction::Exp {
            let thresholds = match &params.thresholds {
                Thresholds::Uniform(theta) => *theta != 0.0,
                Thresholds::PerNeuron(thetas) => thetas.iter().any(|&t| t != 0.0),
            };
            if thresholds || params.temperature > 0.0 {
                return Err(Error::parameter(
                    Param::Interaction,
                    interaction,
                    "takes no thresholds or temperature (its energy differences span e^N); use poly:N or repoly:N",
                ));
            }
        }
        if params.self_coupling {
            return Err(Error::parameter(
                Param::Interaction,
                interaction,
                "has no self-coupling (its energy sets each neuron's input)",
            ));
        }
        check_exact_range(interaction, n, p)?;
        let span = n as i64 + 1;
        let (differences, energies) = match interaction {
            Interaction::Exp => {
                let table: Vec<f32> = (0..=2 * span).map(|k| (-(k as f64)).exp() as f32).collect();
                (Table::Exp(table.clone()), Table::Exp(table))
            }
            _ => {
                let exact = |x: i64| {
                    interaction
                        .energy_term(x)
                        .and_then(|v| i64::try_from(v).ok())
                        .expect("checked by check_exact_range")
                };
                (
                    Table::Exact(
                        (-span..=span)
                            .map(|x| exact(x + 1) - exact(x - 1))
                            .collect(),
                    ),
                    Table::Exact((-(n as i64)..=n as i64).map(exact).collect()),
                )
            }
        };
        let rules = (0..n)
            .map(|i| {
                let theta = params.thresholds.of(i);
                let theta4 = 4.0 * theta;
                DenseRule {
                    clamped: params.is_clamped(i),
                    up: theta4.floor() as i64 + 1,
                    down: theta4.ceil() as i64 - 1,
                    theta4: theta4 as f32,
                    theta_fixed: (theta * THRESHOLD_UNITS).round() as i32,
                }
            })
            .collect();
        let (glauber_factor, logit_table) = if params.temperature > 0.0 {
            (
                (1.0 / (2.0 * params.temperature)) as f32,
                super::logit_table(),
            )
        } else {
            (0.0, Vec::new())
        };
        Ok(DenseMemory {
            neurons: n,
            stored: p,
            rows,
            columns,
            differences,
            energies,
            rules,
            glauber_factor,
            logit_table,
        })
    }

    /// The overlaps m_μ = ξ^μ·σ of `state`.
    pub(crate) fn overlaps(&self, state: &[i8]) -> Vec<i32> {
        crate::hopfield::network::overlaps(self.rows, self.neurons, state)
    }

    /// E = −Σ_μ F(m_μ) + Σ_i θ_i σ_i (exp: −Σ_μ e^(m_μ − N) + Σ_i θ_i σ_i).
    pub(crate) fn energy(&self, state: &[i8], overlaps: &[i32]) -> f64 {
        let n = self.neurons as i32;
        let interaction = match &self.energies {
            Table::Exact(table) => overlaps
                .iter()
                .map(|&m| table[(m + n) as usize])
                .sum::<i64>() as f64,
            Table::Exp(table) => f64::from(
                overlaps
                    .iter()
                    .fold(0f32, |sum, &m| sum + table[(n - m) as usize]),
            ),
        };
        let threshold: i64 = state
            .iter()
            .zip(&self.rules)
            .map(|(&s, rule)| i64::from(s) * i64::from(rule.theta_fixed))
            .sum();
        -interaction + threshold as f64 / THRESHOLD_UNITS
    }

    /// The new state of neuron `i` (state `old`), whose preference for +1 is `preference`.
    pub(crate) fn decide(&self, i: usize, preference: Preference, old: i8, draw: u32) -> i8 {
        let rule = &self.rules[i];
        if rule.clamped {
            return old;
        }
        match preference {
            Preference::Exact(twice_delta) => {
                if self.glauber_factor > 0.0 {
                    let argument = (wide_to_f32(twice_delta) - rule.theta4) * self.glauber_factor;
                    return if argument > self.logit_table[(draw >> 16) as usize] {
                        1
                    } else {
                        -1
                    };
                }
                if twice_delta >= rule.up {
                    1
                } else if twice_delta <= rule.down {
                    -1
                } else {
                    old
                }
            }
            Preference::Scaled(scaled) => {
                if scaled > 0.0 {
                    1
                } else if scaled < 0.0 {
                    -1
                } else {
                    old
                }
            }
        }
    }
}

/// A neuron's preference for +1: 2Δ exactly, or (exp) 2Δ times a positive factor, in f32.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Preference {
    Exact(i64),
    Scaled(f32),
}

/// The f32 the GPU makes of a 64-bit integer from its two words: hi · 2^32 (exact) + lo, one
/// rounding; the CPU twin computes the same.
pub(crate) fn wide_to_f32(value: i64) -> f32 {
    ((value >> 32) as i32) as f32 * 4_294_967_296.0 + (value as u32) as f32
}

/// Checks that a polynomial interaction's sums stay below 2^62 for `patterns` of `neurons`:
/// each of the P terms of 2Δ is at most 2 (N + 2)ⁿ in size, plus Σ(A − B) of as many.
fn check_exact_range(interaction: Interaction, neurons: usize, patterns: usize) -> Result<()> {
    if interaction == Interaction::Exp {
        return Ok(());
    }
    let power = match interaction {
        Interaction::Poly(n) | Interaction::RePoly(n) => n,
        _ => 2,
    };
    let largest = u128::try_from(neurons + 2)
        .ok()
        .and_then(|base| base.checked_pow(power))
        .and_then(|term| term.checked_mul(4 * patterns as u128));
    if largest.is_none_or(|total| total >= 1 << 62) {
        return Err(Error::parameter(
            Param::Interaction,
            interaction,
            format!(
                "with {patterns} patterns of {neurons} neurons the energies exceed the exact 64-bit range; use a lower power or exp"
            ),
        ));
    }
    Ok(())
}

/// The energy of every state of `states` (flat, N values each).
pub(crate) fn state_energies(
    network: &HopfieldNetwork,
    params: &RecallParams,
    states: &[i8],
) -> Result<Vec<f64>> {
    let memory = DenseMemory::new(network, params)?;
    Ok(states
        .chunks_exact(memory.neurons)
        .map(|state| memory.energy(state, &memory.overlaps(state)))
        .collect())
}

/// The energy after every flip of a recorded trajectory, the initial state's first.
pub(crate) fn trajectory_energies(
    network: &HopfieldNetwork,
    params: &RecallParams,
    initial: &[i8],
    flips: &[u32],
) -> Result<Vec<f64>> {
    let memory = DenseMemory::new(network, params)?;
    let mut state = initial.to_vec();
    let mut overlaps = memory.overlaps(&state);
    let mut energies = vec![memory.energy(&state, &overlaps)];
    for &neuron in flips {
        let i = neuron as usize;
        state[i] = -state[i];
        cpu::flip_overlaps(&memory, &mut overlaps, i, state[i]);
        energies.push(memory.energy(&state, &overlaps));
    }
    Ok(energies)
}
