//! Asynchronous recall at temperature 0 of a Hebbian network held in factored form with at most
//! 16 patterns: the commonest study (seed 003's network, recall sweeps over noise levels), in a
//! loop specialised for it. It visits the same neurons in the same order and makes the same
//! updates as `recall_async_probe` (the twin of shaders/recall_async.wgsl), so the outcomes are
//! identical; tests/hopfield_factored.rs compares the two.
//!
//! A neuron's input is Σ_μ x_iμ m_μ (its field through the patterns, with the overlaps m = X s)
//! plus a multiple of its own state. What makes the loop faster than the general one:
//! - Each neuron's column x_i is padded to 4, 8 or 16 i32 beside its bounds in one record: a
//!   field is one vector multiply and a horizontal sum, from one cache line, and a flip one
//!   vector multiply-add into the overlaps.
//! - A visit takes one branch, whether the neuron flips (see `would_flip`), and clamped neurons need
//!   none: their bounds (i32::MAX, i32::MIN) are never reached, every input being below 2^29.
//! - A sweep from a state where no neuron would flip changes nothing, in any order: it is
//!   confirmed by one pass in memory order, without drawing the order.
//! - The starting energy comes from the overlaps, sᵀ(XᵀX − P·I)s = |m|² − P·N, in O(P).
//!
//! (Keeping, for P ≤ 4, the fields of the 16 possible columns instead of the overlaps made a
//! visit a single load, but a flip 16 updates; it measured 5 % slower on seed 003's network.)

use super::dynamics::Trace;
use super::{Dynamics, EnergyTerms, RecallOutcome, RecallParams};
use crate::hopfield::network::HopfieldNetwork;
use crate::progress::Progress;
use crate::rng::StreamKey;

/// The most patterns the specialised loop takes.
const MAX_PATTERNS: usize = 16;

/// One neuron as the loop reads it.
#[derive(Clone, Copy)]
struct Neuron<const LANES: usize> {
    /// x_iμ for each stored pattern μ, zero beyond them.
    column: [i32; LANES],
    /// The neuron flips when -s · Σ_μ x_iμ m_μ reaches flip_at[0] at s = -1, flip_at[1] at
    /// s = +1. Its input is Σ_μ x_iμ m_μ + own·s, with `own` its self-weight (the self-coupling
    /// option's unit) minus the P that Σ_μ x_iμ m_μ counts in place of the absent diagonal; it
    /// rises when input >= `NeuronRule::up` and falls when input <= `NeuronRule::down`, so
    /// flip_at = [up + own, -down + own]. A clamped neuron's (about 2^31) is never reached.
    flip_at: [i32; 2],
    theta_fixed: i32,
}

/// The neurons of a network, for one lane width.
pub(super) struct Tables<const LANES: usize> {
    neurons: Vec<Neuron<LANES>>,
}

/// The specialised loop, in the form that suits the number of patterns.
pub(super) enum FactoredAsync {
    Four(Tables<4>),
    Eight(Tables<8>),
    Sixteen(Tables<16>),
}

impl FactoredAsync {
    /// The loop for `network`, or None when it does not apply: dense couplings, more than 16
    /// patterns, or Glauber dynamics.
    pub(super) fn new(network: &HopfieldNetwork, dynamics: &Dynamics) -> Option<Self> {
        if dynamics.glauber_factor > 0.0 {
            return None;
        }
        let patterns = network.factors()?;
        Some(match network.stored() {
            0..=4 => FactoredAsync::Four(Tables::new(network, patterns, dynamics)),
            5..=8 => FactoredAsync::Eight(Tables::new(network, patterns, dynamics)),
            9..=MAX_PATTERNS => FactoredAsync::Sixteen(Tables::new(network, patterns, dynamics)),
            _ => return None,
        })
    }

    /// The recall of one probe; it stops between sweeps when `stop` asks (cut short).
    pub(super) fn recall(
        &self,
        network: &HopfieldNetwork,
        initial: &[i8],
        key: &StreamKey,
        params: &RecallParams,
        stop: &dyn Progress,
    ) -> RecallOutcome {
        let run = Run {
            network,
            initial,
            key,
            max_sweeps: params.max_sweeps,
            record_flips: params.record_flips,
            stop,
        };
        match self {
            FactoredAsync::Four(tables) => recall_4(tables, &run),
            FactoredAsync::Eight(tables) => recall_8(tables, &run),
            FactoredAsync::Sixteen(tables) => recall_16(tables, &run),
        }
    }
}

impl<const LANES: usize> Tables<LANES> {
    fn new(network: &HopfieldNetwork, patterns: &[i8], dynamics: &Dynamics) -> Self {
        let (n, p) = (network.neurons(), network.stored());
        let neurons = dynamics
            .rules
            .iter()
            .enumerate()
            .map(|(i, rule)| Neuron {
                column: std::array::from_fn(|mu| {
                    if mu < p {
                        i32::from(patterns[mu * n + i])
                    } else {
                        0
                    }
                }),
                flip_at: {
                    let own = rule.self_weight - p as i32;
                    [
                        rule.up.saturating_add(own),
                        rule.down.saturating_neg().saturating_add(own),
                    ]
                },
                theta_fixed: rule.theta_fixed,
            })
            .collect();
        Tables { neurons }
    }
}

/// What one recall is asked to do.
struct Run<'a> {
    network: &'a HopfieldNetwork,
    initial: &'a [i8],
    key: &'a StreamKey,
    max_sweeps: u32,
    record_flips: bool,
    /// Asked between sweeps whether to stop.
    stop: &'a dyn Progress,
}

crate::cpu::wide_vectors! {
    fn recall_4(tables: &Tables<4>, run: &Run) -> RecallOutcome {
        if run.record_flips {
            recall_lanes::<4, true>(tables, run)
        } else {
            recall_lanes::<4, false>(tables, run)
        }
    }
}

crate::cpu::wide_vectors! {
    fn recall_8(tables: &Tables<8>, run: &Run) -> RecallOutcome {
        if run.record_flips {
            recall_lanes::<8, true>(tables, run)
        } else {
            recall_lanes::<8, false>(tables, run)
        }
    }
}

crate::cpu::wide_vectors! {
    fn recall_16(tables: &Tables<16>, run: &Run) -> RecallOutcome {
        if run.record_flips {
            recall_lanes::<16, true>(tables, run)
        } else {
            recall_lanes::<16, false>(tables, run)
        }
    }
}

/// The overlaps m = X s of `state` with the stored patterns (zero beyond them), from the
/// neurons' own columns.
fn overlaps_of<const LANES: usize>(neurons: &[Neuron<LANES>], state: &[i8]) -> [i32; LANES] {
    let mut overlaps = [0; LANES];
    for (neuron, &s) in neurons.iter().zip(state) {
        for (m, &x) in overlaps.iter_mut().zip(&neuron.column) {
            *m += x * i32::from(s);
        }
    }
    overlaps
}

#[inline(always)]
fn through_patterns<const LANES: usize>(column: &[i32; LANES], overlaps: &[i32; LANES]) -> i32 {
    column.iter().zip(overlaps).map(|(&x, &m)| x * m).sum()
}

/// Dynamics::update at temperature 0, as whether the neuron flips. It has a single branch for
/// the loop to take when it does: -old is the state a flip gives, and it happens when the field
/// pulls towards it by the bound of that direction. Whether a neuron flips is far more
/// predictable than which bound its input crosses, which is as good as random.
#[inline(always)]
fn would_flip<const LANES: usize>(neuron: &Neuron<LANES>, through: i32, old: i8) -> bool {
    -i32::from(old) * through >= neuron.flip_at[usize::from(old > 0)]
}

/// Whether no neuron of `state` would flip.
#[inline(always)]
fn is_stable<const LANES: usize>(
    neurons: &[Neuron<LANES>],
    state: &[i8],
    overlaps: &[i32; LANES],
) -> bool {
    // Blocks without an early exit inside keep the loop free of unpredictable branches; a noisy
    // state still stops at its first unstable block.
    neurons
        .chunks(16)
        .zip(state.chunks(16))
        .all(|(block, states)| {
            !block.iter().zip(states).fold(false, |any, (neuron, &s)| {
                any | would_flip(neuron, through_patterns(&neuron.column, overlaps), s)
            })
        })
}

#[inline(always)]
fn recall_lanes<const LANES: usize, const RECORD_FLIPS: bool>(
    tables: &Tables<LANES>,
    run: &Run,
) -> RecallOutcome {
    let network = run.network;
    let neurons = &tables.neurons;
    let n = neurons.len();
    let stored = network.stored() as i32;
    let mut state = run.initial.to_vec();
    let mut overlaps = overlaps_of(neurons, &state);
    let mut terms = EnergyTerms {
        quadratic: overlaps
            .iter()
            .map(|&m| i64::from(m) * i64::from(m))
            .sum::<i64>()
            - i64::from(stored) * n as i64,
        threshold: neurons
            .iter()
            .zip(&state)
            .map(|(neuron, &s)| i64::from(s) * i64::from(neuron.theta_fixed))
            .sum(),
    };
    let mut trace = Trace::new(terms.energy(network), RECORD_FLIPS);
    let mut order = Vec::with_capacity(n);
    for sweep in 0..run.max_sweeps {
        if run.stop.cancelled() {
            break;
        }
        // When no neuron would flip, a sweep changes nothing whatever its order: the last sweep
        // of every recall that converges (half of all sweeps in a recall study) is confirmed in
        // one pass in memory order, without drawing the order or visiting at random.
        if is_stable(neurons, &state, &overlaps) {
            trace.swept(sweep, terms.energy(network), false);
            break;
        }
        run.key.permutation(sweep, n, &mut order);
        let mut changed = false;
        for &visited in &order {
            let i = visited as usize;
            let neuron = &neurons[i];
            let old = state[i];
            let through = through_patterns(&neuron.column, &overlaps);
            if would_flip(neuron, through, old) {
                let updated = -old;
                state[i] = updated;
                let field = through - stored * i32::from(old);
                let twice = 2 * i32::from(updated);
                for (m, &x) in overlaps.iter_mut().zip(&neuron.column) {
                    *m += twice * x;
                }
                terms.quadratic += 4 * i64::from(updated) * i64::from(field);
                terms.threshold += 2 * i64::from(updated) * i64::from(neuron.theta_fixed);
                changed = true;
                // A constant, so that the loop without it calls nothing and keeps the overlaps in
                // a register.
                if RECORD_FLIPS {
                    trace.flipped(visited);
                }
            }
        }
        if trace.swept(sweep, terms.energy(network), changed) {
            break;
        }
    }
    trace.outcome(state)
}
