//! The products and the per-probe loop give identical outcomes, for every rule and weight
//! form, on both sides of the f32/f64 boundary.

use super::*;
use crate::hopfield::capacity::random_patterns;
use crate::hopfield::recall::cpu::CpuRecall;
use crate::hopfield::recall::{RecallParams, Thresholds, UpdateMode};
use crate::hopfield::{learn, noise, Learning, LearningRule, WeightForm};
use crate::rng::Domain;
use crate::Backend;

/// Every probe recalled through products and through the per-probe loop: identical outcomes.
fn assert_paths_agree(network: &HopfieldNetwork, probes: &[i8], params: &RecallParams) {
    let n = network.neurons();
    let keys: Vec<StreamKey> = (0..probes.len() / n)
        .map(|b| noise::probe_order_key(3, b))
        .collect();
    let dynamics = params.checked(network).unwrap();
    let weights = ProductWeights::of(network).unwrap();
    let silent = &crate::progress::Silent;
    let batch = Probes {
        states: probes,
        keys: &keys,
    };
    let batched = recall_sync_products(
        network,
        &weights,
        batch,
        params.max_sweeps,
        &dynamics,
        silent,
    )
    .unwrap();
    let one_by_one = CpuRecall::new(network, params).unwrap();
    for (b, (probe, key)) in probes.chunks_exact(n).zip(&keys).enumerate() {
        let alone = one_by_one.sync_probe(probe, key, silent);
        assert_eq!(batched[b], alone, "probe {b}");
    }
}

fn noisy(stored: &crate::hopfield::PatternSet, copies: usize, level: f64) -> Vec<i8> {
    let mut probes = Vec::new();
    for (p, pattern) in stored.iter().enumerate() {
        for trial in 0..copies {
            probes.extend(noise::corrupt(
                pattern,
                level,
                &noise::noise_key(5, p, level, trial),
            ));
        }
    }
    probes
}

fn network(rule: LearningRule, neurons: usize, count: usize) -> (HopfieldNetwork, Vec<i8>) {
    held(rule, WeightForm::Dense, neurons, count)
}

fn held(
    rule: LearningRule,
    weights: WeightForm,
    neurons: usize,
    count: usize,
) -> (HopfieldNetwork, Vec<i8>) {
    let key = StreamKey::new(9, Domain::Patterns, &[neurons as u32]);
    let stored = random_patterns(neurons, count, &key).unwrap();
    let learning = Learning {
        rule,
        weights,
        ..Learning::default()
    };
    let network = learn(&stored, &learning, &Backend::Cpu).unwrap();
    (network, noisy(&stored, 4, 30.0))
}

#[test]
fn hebbian_products_are_f32_and_give_the_per_probe_outcomes() {
    let (network, probes) = network(LearningRule::Hebbian, 97, 12);
    assert!(ProductWeights::of(&network).unwrap().is_f32());
    let plain = RecallParams {
        mode: UpdateMode::Sync,
        ..RecallParams::default()
    };
    assert_paths_agree(&network, &probes, &plain);
    let n = network.neurons();
    let dressed = RecallParams {
        self_coupling: true,
        thresholds: Thresholds::PerNeuron((0..n).map(|i| (i % 5) as f64 - 2.0).collect()),
        clamp: Some((0..n).map(|i| i % 7 == 0).collect()),
        max_sweeps: 7,
        ..plain.clone()
    };
    assert_paths_agree(&network, &probes, &dressed);
    let warm = RecallParams {
        temperature: 3.0,
        max_sweeps: 5,
        ..plain
    };
    assert_paths_agree(&network, &probes, &warm);
}

#[test]
fn factored_networks_take_two_products_and_agree() {
    let (network, probes) = held(LearningRule::Hebbian, WeightForm::Factored, 131, 17);
    assert!(network.is_factored());
    assert!(ProductWeights::of(&network).unwrap().is_f32());
    let n = network.neurons();
    let params = RecallParams {
        mode: UpdateMode::Sync,
        self_coupling: true,
        clamp: Some((0..n).map(|i| i % 11 == 0).collect()),
        ..RecallParams::default()
    };
    assert_paths_agree(&network, &probes, &params);
    // The dense form of the same network gives the same outcomes.
    let (dense, _) = held(LearningRule::Hebbian, WeightForm::Dense, 131, 17);
    // A few patterns stay with the per-probe loop.
    let (few, _) = held(LearningRule::Hebbian, WeightForm::Factored, 131, 3);
    assert!(ProductWeights::of(&few).is_none());
    let keys: Vec<StreamKey> = (0..probes.len() / n)
        .map(|b| noise::probe_order_key(3, b))
        .collect();
    let recall_with = |network: &HopfieldNetwork| {
        let dynamics = params.checked(network).unwrap();
        let weights = ProductWeights::of(network).unwrap();
        let batch = Probes {
            states: &probes,
            keys: &keys,
        };
        recall_sync_products(
            network,
            &weights,
            batch,
            100,
            &dynamics,
            &crate::progress::Silent,
        )
        .unwrap()
    };
    assert_eq!(recall_with(&network), recall_with(&dense));
}

#[test]
fn factored_products_switch_to_f64_at_two_to_the_24() {
    // P·N = 2^24 - 4096 (f32) and 2^24 (f64), both exact.
    for (count, f32_expected) in [(4095, true), (4096, false)] {
        let (network, probes) = held(LearningRule::Hebbian, WeightForm::Factored, 4096, count);
        let weights = ProductWeights::of(&network).unwrap();
        assert_eq!(weights.is_f32(), f32_expected, "P = {count}");
        let states = &probes[..4 * 4096];
        let mut fields = vec![0; states.len()];
        weights.fields(states, 4096, &mut fields, &mut Scratch::default());
        for (state, got) in states.chunks_exact(4096).zip(fields.chunks_exact(4096)) {
            let tracker = crate::hopfield::network::FieldTracker::new(&network, state);
            for i in (0..4096).step_by(97) {
                assert_eq!(got[i], tracker.field(state, i), "P = {count}, neuron {i}");
            }
        }
    }
}

#[test]
fn fixed_point_rules_take_f64_products_and_agree() {
    for rule in [LearningRule::Storkey, LearningRule::PseudoInverse] {
        let (network, probes) = network(rule, 64, 10);
        assert!(!ProductWeights::of(&network).unwrap().is_f32());
        let params = RecallParams {
            mode: UpdateMode::Sync,
            ..RecallParams::default()
        };
        assert_paths_agree(&network, &probes, &params);
    }
}

/// A symmetric network whose largest row sum is `row_sum`, on three neurons.
fn with_row_sum(row_sum: i32) -> HopfieldNetwork {
    let (a, b) = (row_sum / 2, row_sum - row_sum / 2);
    let weights = vec![0, a, b, a, 0, 1, b, 1, 0];
    HopfieldNetwork::from_weights(3, 1, weights)
}

#[test]
fn the_float_type_changes_exactly_at_two_to_the_24() {
    let below = with_row_sum((F32_EXACT_BELOW - 1) as i32);
    let at = with_row_sum(F32_EXACT_BELOW as i32);
    assert!(ProductWeights::of(&below).unwrap().is_f32());
    assert!(!ProductWeights::of(&at).unwrap().is_f32());
    // Both give the exact fields of every state, where f32 alone would round at 2^24 + 1.
    let beyond = with_row_sum(F32_EXACT_BELOW as i32 + 1);
    for network in [&below, &at, &beyond] {
        let weights = ProductWeights::of(network).unwrap();
        let states: Vec<i8> = (0..8u8)
            .flat_map(|bits| (0..3).map(move |j| if bits >> j & 1 == 1 { 1 } else { -1 }))
            .collect();
        let mut fields = vec![0; states.len()];
        weights.fields(&states, 3, &mut fields, &mut Scratch::default());
        let w = network.weights().unwrap();
        for (state, got) in states.chunks_exact(3).zip(fields.chunks_exact(3)) {
            let exact: Vec<i32> = (0..3)
                .map(|i| (0..3).map(|j| w[i * 3 + j] * i32::from(state[j])).sum())
                .collect();
            assert_eq!(got, exact.as_slice());
        }
    }
}
