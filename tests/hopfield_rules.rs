//! Learning rules: GPU kernels against their CPU twins, and what each rule buys in capacity.

mod common;

use hopsom::hopfield::capacity::{random_patterns, run_capacity, CapacitySpec};
use hopsom::hopfield::learn::{
    gram_matrix, projection_cpu, projection_weights, storkey_cpu, storkey_weights,
};
use hopsom::hopfield::recall::RecallParams;
use hopsom::hopfield::{self, Learning, LearningRule, PatternSet, UpdateMode, WeightForm};
use hopsom::rng::{Domain, StreamKey};
use hopsom::Backend;

fn patterns(count: usize, neurons: usize, seed: u64) -> PatternSet {
    random_patterns(neurons, count, &StreamKey::new(seed, Domain::Patterns, &[])).unwrap()
}

#[test]
fn storkey_gpu_matches_cpu() {
    let Some(ctx) = common::gpu() else { return };
    for (n, p) in [(1, 1), (7, 3), (225, 20), (300, 40)] {
        let set = patterns(p, n, n as u64);
        let cpu = storkey_cpu(&set).unwrap();
        let gpu = storkey_weights(&set, &Backend::Gpu(ctx.clone())).unwrap();
        common::F32_KERNEL.assert_close(&format!("storkey N={n} P={p}"), &gpu, &cpu);
    }
}

#[test]
fn pseudo_inverse_gpu_matches_cpu() {
    let Some(ctx) = common::gpu() else { return };
    let gpu_backend = Backend::Gpu(ctx);
    for (n, p) in [(7, 3), (225, 40), (300, 120)] {
        let set = patterns(p, n, 3 + n as u64);
        // The Gram matrix is an integer product: bit for bit.
        assert_eq!(
            gram_matrix(&set, &Backend::Cpu).unwrap(),
            gram_matrix(&set, &gpu_backend).unwrap()
        );
        let solved: Vec<f32> = set.states().iter().map(|&v| f32::from(v) * 0.37).collect();
        let cpu = projection_cpu(&set, &solved).unwrap();
        let gpu = projection_weights(&set, &solved, &gpu_backend).unwrap();
        common::F32_KERNEL.assert_close(&format!("projection N={n} P={p}"), &gpu, &cpu);
    }
}

#[test]
fn pseudo_inverse_makes_every_pattern_a_fixed_point_up_to_half_n() {
    // At P = N/2 random patterns, Hebbian recall is far past its capacity; the projection rule
    // (zero diagonal) still keeps every stored pattern exactly.
    let set = patterns(100, 200, 9);
    let learning = Learning {
        rule: LearningRule::PseudoInverse,
        ..Default::default()
    };
    let network = hopfield::learn(&set, &learning, &Backend::Cpu).unwrap();
    let keys: Vec<StreamKey> = (0..set.len())
        .map(|p| hopfield::noise::probe_order_key(1, p))
        .collect();
    let params = RecallParams {
        mode: UpdateMode::Sync,
        max_sweeps: 1,
        ..Default::default()
    };
    let outcomes = hopfield::recall(
        &network,
        set.states(),
        &keys,
        &params,
        &Backend::Cpu,
        &hopsom::Silent,
    )
    .unwrap();
    for (p, outcome) in outcomes.iter().enumerate() {
        assert_eq!(outcome.final_state, set.get(p), "pattern {p}");
    }
}

#[test]
fn capacity_shows_what_each_rule_buys() {
    let stable_at = |rule: LearningRule, load: f64| {
        let spec = CapacitySpec {
            neurons: 200,
            loads: vec![load],
            trials: 2,
            seed: 4,
            learning: Learning {
                rule,
                ..Default::default()
            },
            mode: UpdateMode::Sync,
            max_sweeps: 3,
        };
        run_capacity(&spec, &Backend::Cpu, &hopsom::Silent).unwrap()[0].stable_fraction
    };
    let hebbian = stable_at(LearningRule::Hebbian, 0.15);
    let storkey = stable_at(LearningRule::Storkey, 0.15);
    let projection = stable_at(LearningRule::PseudoInverse, 0.45);
    assert!(
        storkey > hebbian + 0.2,
        "Storkey {storkey} vs Hebbian {hebbian} at α = 0.15"
    );
    assert_eq!(projection, 1.0, "pseudo-inverse at α = 0.45");
}

#[test]
fn recall_with_real_weights_is_identical_on_cpu_and_gpu() {
    let Some(ctx) = common::gpu() else { return };
    let set = patterns(30, 150, 12);
    for rule in [LearningRule::Storkey, LearningRule::PseudoInverse] {
        // Learned once, so both paths recall with the same fixed-point weights.
        let learning = Learning {
            rule,
            keep_diagonal: rule == LearningRule::PseudoInverse,
            weights: WeightForm::Dense,
            ..Learning::default()
        };
        let network = hopfield::learn(&set, &learning, &Backend::Cpu).unwrap();
        let mut probes = Vec::new();
        let mut keys = Vec::new();
        for p in 0..set.len() {
            probes.extend(hopfield::noise::corrupt(
                set.get(p),
                30.0,
                &hopfield::noise::noise_key(2, p, 30.0, 0),
            ));
            keys.push(hopfield::noise::order_key(2, p, 30.0, 0));
        }
        for mode in [UpdateMode::Sync, UpdateMode::Async] {
            let params = RecallParams {
                mode,
                max_sweeps: 20,
                ..Default::default()
            };
            let cpu = hopfield::recall(
                &network,
                &probes,
                &keys,
                &params,
                &Backend::Cpu,
                &hopsom::Silent,
            )
            .unwrap();
            let gpu = hopfield::recall(
                &network,
                &probes,
                &keys,
                &params,
                &Backend::Gpu(ctx.clone()),
                &hopsom::Silent,
            )
            .unwrap();
            assert_eq!(cpu, gpu, "{rule:?} {mode:?}");
        }
    }
}
