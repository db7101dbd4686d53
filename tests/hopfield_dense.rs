//! Dense associative memories (poly:N, repoly:N, exp): the CPU twin against an independent
//! energy minimiser, the GPU against the CPU twin, and the capacities theory predicts.

mod common;

use hopsom::hopfield::capacity::{random_patterns, run_capacity, CapacitySpec};
use hopsom::hopfield::recall::{RecallParams, Thresholds};
use hopsom::hopfield::{
    self, noise, HopfieldNetwork, Interaction, Learning, LearningRule, PatternSet, UpdateMode,
};
use hopsom::rng::{Domain, StreamKey};
use hopsom::{Backend, Silent};

fn patterns(count: usize, neurons: usize) -> PatternSet {
    random_patterns(
        neurons,
        count,
        &StreamKey::new(77, Domain::Patterns, &[neurons as u32, count as u32]),
    )
    .unwrap()
}

fn memory(stored: &PatternSet) -> HopfieldNetwork {
    let learning = Learning {
        interaction: Interaction::Poly(3),
        ..Learning::default()
    };
    hopfield::learn(stored, &learning, &Backend::Cpu).unwrap()
}

fn noisy(stored: &PatternSet, level: f64, copies: usize) -> (Vec<i8>, Vec<StreamKey>) {
    noise::noisy_copies(stored, copies, level, 5)
}

/// The energy −Σ_μ F(ξ^μ·σ), straight from the definition: exact for the polynomials, in f64
/// relative to e^(shift) for exp.
fn energy(interaction: Interaction, stored: &PatternSet, state: &[i8], shift: f64) -> f64 {
    stored
        .iter()
        .map(|pattern| {
            let m: i64 = pattern
                .iter()
                .zip(state)
                .map(|(&x, &s)| i64::from(x) * i64::from(s))
                .sum();
            match interaction {
                Interaction::Exp => -(m as f64 - shift).exp(),
                _ => -(interaction.energy_term(m).unwrap() as f64),
            }
        })
        .sum()
}

/// Asynchronous recall at temperature 0 written from the definition, independent of the
/// library's difference tables: each neuron in the probe's order takes the state of lower
/// energy, keeping its own on a tie.
fn reference_async(
    interaction: Interaction,
    stored: &PatternSet,
    probe: &[i8],
    key: &StreamKey,
    max_sweeps: u32,
) -> Vec<i8> {
    let n = stored.neurons();
    let mut state = probe.to_vec();
    let mut order = Vec::new();
    for sweep in 0..max_sweeps {
        key.permutation(sweep, n, &mut order);
        let mut changed = false;
        for &i in &order {
            let i = i as usize;
            let mut plus = state.clone();
            plus[i] = 1;
            let mut minus = state.clone();
            minus[i] = -1;
            let shift = n as f64;
            let (e_plus, e_minus) = (
                energy(interaction, stored, &plus, shift),
                energy(interaction, stored, &minus, shift),
            );
            let updated = if e_plus < e_minus {
                1
            } else if e_minus < e_plus {
                -1
            } else {
                state[i]
            };
            changed |= updated != state[i];
            state[i] = updated;
        }
        if !changed {
            break;
        }
    }
    state
}

#[test]
fn recall_takes_the_state_of_lower_energy() {
    let stored = patterns(40, 48);
    let network = memory(&stored);
    let (probes, keys) = noisy(&stored, 0.3, 12);
    for interaction in [
        Interaction::Poly(3),
        Interaction::RePoly(3),
        Interaction::Poly(4),
        Interaction::Exp,
    ] {
        let params = RecallParams {
            max_sweeps: 10,
            ..Default::default()
        };
        let network = network.clone().with_interaction(interaction);
        let outcomes = common::recall_all(&network, &probes, &keys, &params, &Backend::Cpu);
        for (b, outcome) in outcomes.iter().enumerate() {
            let probe = &probes[b * 48..(b + 1) * 48];
            let expected = reference_async(interaction, &stored, probe, &keys[b], 10);
            assert_eq!(outcome.final_state, expected, "{interaction}, probe {b}");
            // Energies fall sweep by sweep and end at the final state's.
            assert!(
                outcome.energy.windows(2).all(|e| e[1] <= e[0]),
                "{interaction}"
            );
            if interaction != Interaction::Exp {
                let last = *outcome.energy.last().unwrap();
                assert_eq!(last, energy(interaction, &stored, &expected, 0.0));
            }
        }
    }
}

fn variants(n: usize) -> Vec<(Interaction, RecallParams)> {
    let mut all = Vec::new();
    let mut variants = Vec::new();
    for interaction in [
        Interaction::Poly(2),
        Interaction::Poly(3),
        Interaction::RePoly(4),
        Interaction::Exp,
    ] {
        for mode in [UpdateMode::Sync, UpdateMode::Async] {
            let base = RecallParams {
                mode,
                max_sweeps: 12,
                ..Default::default()
            };
            all.push(RecallParams {
                record_flips: mode == UpdateMode::Async,
                ..base.clone()
            });
            all.push(RecallParams {
                clamp: Some((0..n).map(|i| i % 7 == 0).collect()),
                ..base.clone()
            });
            if interaction != Interaction::Exp {
                all.push(RecallParams {
                    thresholds: Thresholds::PerNeuron(
                        (0..n).map(|i| (i % 5) as f64 * 40.0 - 80.0).collect(),
                    ),
                    ..base.clone()
                });
                all.push(RecallParams {
                    temperature: 400.0,
                    ..base.clone()
                });
            }
            let added = all.len() - variants.len();
            variants.extend(std::iter::repeat_n(interaction, added));
        }
    }
    variants.into_iter().zip(all).collect()
}

#[test]
fn gpu_and_cpu_twins_agree_bit_for_bit() {
    let Some(ctx) = common::gpu() else { return };
    let gpu = Backend::Gpu(ctx);
    let stored = patterns(24, 70);
    let network = memory(&stored);
    let (probes, keys) = noisy(&stored, 0.35, 40);
    for (interaction, params) in variants(70) {
        let network = network.clone().with_interaction(interaction);
        let cpu = common::recall_all(&network, &probes, &keys, &params, &Backend::Cpu);
        let on_gpu = common::recall_all(&network, &probes, &keys, &params, &gpu);
        assert_eq!(cpu, on_gpu, "{interaction} {params:?}");
    }
}

fn capacity(neurons: usize, loads: &[f64], interaction: Interaction) -> CapacitySpec {
    CapacitySpec {
        neurons,
        loads: loads.to_vec(),
        trials: 2,
        seed: 3,
        learning: Learning {
            interaction,
            ..Learning::default()
        },
        mode: UpdateMode::Sync,
        max_sweeps: 1,
    }
}

#[test]
fn poly3_stores_half_n_patterns_where_the_quadratic_network_stores_none() {
    let stable = |interaction| {
        run_capacity(&capacity(120, &[0.5], interaction), &Backend::Cpu, &Silent).unwrap()[0]
            .stable_fraction
    };
    assert_eq!(stable(Interaction::Poly(3)), 1.0);
    assert_eq!(stable(Interaction::Quadratic), 0.0);
}

#[test]
fn exp_stores_a_load_every_polynomial_fails() {
    // N = 30, P = 1000: far beyond Krotov & Hopfield's 44 (n = 3) and 265 (n = 4) patterns,
    // far below Demircigil et al.'s 2^15.
    let stable = |interaction| {
        run_capacity(&capacity(30, &[33.34], interaction), &Backend::Cpu, &Silent).unwrap()[0]
            .stable_fraction
    };
    assert_eq!(stable(Interaction::Exp), 1.0);
    for n in [2, 3, 4] {
        let fraction = stable(Interaction::Poly(n));
        assert!(fraction < 0.1, "poly:{n} kept {fraction} of its patterns");
    }
}

#[test]
fn one_step_errors_sit_on_the_signal_to_noise_theory() {
    for interaction in [Interaction::Poly(3), Interaction::RePoly(3)] {
        let rows =
            run_capacity(&capacity(100, &[10.0], interaction), &Backend::Cpu, &Silent).unwrap();
        let row = &rows[0];
        let gap = (row.one_step_error - row.theory_one_step_error).abs();
        assert!(
            gap < 3.0 * row.one_step_error_stderr + 0.05 * row.theory_one_step_error,
            "{interaction}: {} measured, {} theory, stderr {}",
            row.one_step_error,
            row.theory_one_step_error,
            row.one_step_error_stderr
        );
    }
}

#[test]
fn what_a_dense_memory_cannot_do_is_refused() {
    let stored = patterns(60, 120);
    let network = memory(&stored);
    let (probes, keys) = noisy(&stored, 0.1, 2);
    let fails = |interaction: Interaction, params: RecallParams, needle: &str| {
        let network = network.clone().with_interaction(interaction);
        let error = hopfield::recall(&network, &probes, &keys, &params, &Backend::Cpu, &Silent)
            .unwrap_err()
            .to_string();
        assert!(error.contains(needle), "{error}");
    };
    fails(
        Interaction::Poly(12),
        RecallParams::default(),
        "interaction poly:12: with 60 patterns of 120 neurons the energies exceed the exact 64-bit range",
    );
    fails(
        Interaction::Exp,
        RecallParams {
            temperature: 1.0,
            ..Default::default()
        },
        "interaction exp: takes no thresholds or temperature",
    );
    let storkey = Learning {
        rule: LearningRule::Storkey,
        interaction: Interaction::Poly(3),
        ..Default::default()
    };
    let error = storkey.checked().unwrap_err().to_string();
    assert!(
        error.contains("it takes the hebbian rule, not storkey"),
        "{error}"
    );
    // A dense network (no patterns kept) cannot be recalled with a dense interaction.
    let dense = hopfield::hebbian_cpu(&stored)
        .unwrap()
        .with_interaction(Interaction::Poly(3));
    let error = hopfield::recall(
        &dense,
        &probes,
        &keys,
        &RecallParams::default(),
        &Backend::Cpu,
        &Silent,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("recalls through the stored patterns"),
        "{error}"
    );
}
