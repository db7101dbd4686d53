//! Factored couplings (h = Xᵀ(X s) − P s, no N x N matrix): identical to dense recall, and
//! identical on the CPU and the GPU, also beyond the sizes one dispatch or one loop can cover.

mod common;

use hopsom::hopfield::capacity::random_patterns;
use hopsom::hopfield::recall::{RecallParams, Thresholds};
use hopsom::hopfield::{
    self, noise, HopfieldNetwork, Learning, PatternSet, UpdateMode, WeightForm,
};
use hopsom::rng::{Domain, StreamKey};
use hopsom::Backend;

fn patterns(count: usize, neurons: usize) -> PatternSet {
    random_patterns(
        neurons,
        count,
        &StreamKey::new(31, Domain::Patterns, &[neurons as u32]),
    )
    .unwrap()
}

fn noisy(stored: &PatternSet, level: f64, copies: usize) -> (Vec<i8>, Vec<StreamKey>) {
    noise::noisy_copies(stored, copies, level, 8)
}

fn learned(stored: &PatternSet, weights: WeightForm) -> HopfieldNetwork {
    let learning = Learning {
        weights,
        ..Default::default()
    };
    hopfield::learn(stored, &learning, &Backend::Cpu).unwrap()
}

fn variants(n: usize) -> Vec<RecallParams> {
    let base = RecallParams {
        max_sweeps: 20,
        ..Default::default()
    };
    let mut all = Vec::new();
    for mode in [UpdateMode::Sync, UpdateMode::Async] {
        all.push(RecallParams {
            mode,
            record_flips: mode == UpdateMode::Async,
            ..base.clone()
        });
        all.push(RecallParams {
            mode,
            thresholds: Thresholds::PerNeuron((0..n).map(|i| (i % 5) as f64 - 2.0).collect()),
            clamp: Some((0..n).map(|i| i % 7 == 0).collect()),
            temperature: 1.5,
            max_sweeps: 5,
            ..base.clone()
        });
    }
    all
}

#[test]
fn dense_and_factored_recall_agree_exactly() {
    for n in [7, 225, 500] {
        let stored = patterns(if n < 10 { 2 } else { 12 }, n);
        let dense = learned(&stored, WeightForm::Dense);
        let factored = learned(&stored, WeightForm::Factored);
        assert!(factored.is_factored() && !dense.is_factored());
        let (probes, keys) = noisy(&stored, 30.0, 8);
        for params in variants(n) {
            assert_eq!(
                common::recall_all(&dense, &probes, &keys, &params, &Backend::Cpu),
                common::recall_all(&factored, &probes, &keys, &params, &Backend::Cpu),
                "N={n} {:?}",
                params.mode
            );
        }
    }
}

/// Asynchronous recall of a factored network at temperature 0 with at most 16 patterns takes a
/// specialised loop on the CPU (4, 8 or 16 lanes); the dense network takes the general one.
#[test]
fn specialised_asynchronous_loop_matches_the_general_one() {
    let n = 150;
    for count in [1, 3, 4, 5, 8, 9, 16, 17] {
        let stored = patterns(count, n);
        let dense = learned(&stored, WeightForm::Dense);
        let factored = learned(&stored, WeightForm::Factored);
        // Noiseless probes start at a fixed point: the loop confirms it without a sweep.
        let (mut probes, mut keys) = noisy(&stored, 30.0, 12);
        let (clean, clean_keys) = noisy(&stored, 0.0, 2);
        probes.extend(clean);
        keys.extend(clean_keys);
        let base = RecallParams {
            mode: UpdateMode::Async,
            max_sweeps: 30,
            record_flips: true,
            ..Default::default()
        };
        let variants = [
            base.clone(),
            RecallParams {
                max_sweeps: 1,
                ..base.clone()
            },
            RecallParams {
                self_coupling: true,
                thresholds: Thresholds::PerNeuron(
                    (0..n).map(|i| (i % 9) as f64 * 0.75 - 3.0).collect(),
                ),
                clamp: Some((0..n).map(|i| i % 11 == 0).collect()),
                ..base.clone()
            },
            RecallParams {
                thresholds: Thresholds::Uniform(-1.0),
                record_flips: false,
                ..base.clone()
            },
        ];
        for (variant, params) in variants.iter().enumerate() {
            assert_eq!(
                common::recall_all(&dense, &probes, &keys, params, &Backend::Cpu),
                common::recall_all(&factored, &probes, &keys, params, &Backend::Cpu),
                "P={count}, variant {variant}"
            );
        }
    }
}

#[test]
fn factored_recall_is_identical_on_cpu_and_gpu() {
    let Some(ctx) = common::gpu() else { return };
    for n in [7, 225, 1000] {
        let stored = patterns(if n < 10 { 2 } else { 20 }, n);
        let network = learned(&stored, WeightForm::Factored);
        let (probes, keys) = noisy(&stored, 35.0, 6);
        for params in variants(n) {
            common::assert_cpu_and_gpu_agree(
                &network,
                &probes,
                &keys,
                &params,
                &ctx,
                &format!("N={n} {:?}", params.mode),
            );
        }
    }
}

#[test]
fn beyond_one_dispatch_factored_recall_is_identical() {
    let Some(ctx) = common::gpu() else { return };
    // 70 000 neurons: more than one shuffle slice and 65 535 (the dense limit, and the loop limit
    // of llvmpipe), with energies whose low words overflow.
    let stored = patterns(6, 70_000);
    let network = learned(&stored, WeightForm::Factored);
    let (probes, keys) = noisy(&stored, 20.0, 2);
    for mode in [UpdateMode::Sync, UpdateMode::Async] {
        let params = RecallParams {
            mode,
            max_sweeps: 4,
            ..Default::default()
        };
        let gpu = Backend::Gpu(ctx.clone());
        let cpu = common::recall_all(&network, &probes, &keys, &params, &Backend::Cpu);
        assert_eq!(
            cpu,
            common::recall_all(&network, &probes, &keys, &params, &gpu)
        );
        assert_eq!(cpu[0].final_state, stored.get(0), "recalled at 20 % noise");
    }
}

#[test]
fn auto_weights_take_the_cheaper_form_and_learn_networks_beyond_a_dense_matrix() {
    // (That a dense matrix which does not fit chooses factored couplings is a unit test of
    // `is_factored`: here 2P < N would choose them anyway.)
    let stored = patterns(3, 70_000);
    let network = hopfield::learn(&stored, &Learning::default(), &Backend::Cpu).unwrap();
    assert!(network.is_factored());
    // Cheaper factored (2P < N), cheaper dense (2P > N).
    assert!(learned(&patterns(3, 100), WeightForm::Auto).is_factored());
    assert!(!learned(&patterns(60, 100), WeightForm::Auto).is_factored());
    let storkey = Learning {
        rule: hopfield::LearningRule::Storkey,
        weights: WeightForm::Factored,
        ..Default::default()
    };
    let err = hopfield::learn(&patterns(3, 100), &storkey, &Backend::Cpu).unwrap_err();
    assert!(err.to_string().contains("Hebbian rule only"), "{err}");
}
