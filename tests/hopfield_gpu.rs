//! GPU kernels against their CPU twins: learning and both recall modes must agree exactly
//! (weights, final states, sweep counts, endings, energies and flips).

mod common;

use hopsom::hopfield::recall::Thresholds;
use hopsom::hopfield::{self, noise, recall::RecallParams, seed_patterns, PatternSet, UpdateMode};
use hopsom::rng::StreamKey;
use hopsom::Backend;

/// Sizes that are not multiples of the workgroup sizes (16, 64) as well as ones that are.
const SIZES: [usize; 4] = [1, 7, 225, 1000];

fn random_patterns(count: usize, neurons: usize, seed: u64) -> PatternSet {
    let names = (0..count).map(|i| format!("p{i}")).collect();
    PatternSet::new(neurons, common::random_bipolar(count, neurons, seed), names).unwrap()
}

#[test]
fn hebbian_weights_are_bit_identical() {
    let Some(ctx) = common::gpu() else { return };
    for (k, &n) in SIZES.iter().enumerate() {
        for patterns in [1, 3, 17, 32, 33, 70, 600] {
            let set = random_patterns(patterns, n, 100 + k as u64);
            let cpu = hopfield::learn_hebbian(&set, &Backend::Cpu).unwrap();
            let gpu = hopfield::learn_hebbian(&set, &Backend::Gpu(ctx.clone())).unwrap();
            assert_eq!(cpu, gpu, "N={n} P={patterns}");
        }
    }
}

/// Runs recall of noisy probes on both paths for every size and asserts identical outcomes.
/// `configure` adjusts the parameters for a network of n neurons.
fn assert_recall_matches(mode: UpdateMode, configure: impl Fn(usize, &mut RecallParams)) {
    let Some(ctx) = common::gpu() else { return };
    for (k, &n) in SIZES.iter().enumerate() {
        let stored = random_patterns(
            if n < 10 { 1 } else { (n / 20).clamp(2, 12) },
            n,
            7 + k as u64,
        );
        let network = hopfield::hebbian_cpu(&stored).unwrap();
        let (probes, keys) = common::noisy_probes(&stored, &[0.0, 10.0, 30.0, 45.0], 11);
        let mut params = RecallParams {
            mode,
            max_sweeps: 30,
            record_flips: mode == UpdateMode::Async,
            ..Default::default()
        };
        configure(n, &mut params);
        let cpu = common::recall_all(&network, &probes, &keys, &params, &Backend::Cpu);
        let gpu = common::recall_all(
            &network,
            &probes,
            &keys,
            &params,
            &Backend::Gpu(ctx.clone()),
        );
        assert_eq!(cpu.len(), gpu.len());
        for (b, (c, g)) in cpu.iter().zip(&gpu).enumerate() {
            assert_eq!(c, g, "{mode:?} N={n} probe {b} {params:?}");
            assert_eq!(c.energy.len(), c.sweeps as usize + 1);
        }
    }
}

/// The dense synchronous kernel blocks 64 neurons x 64 probes per workgroup: 140 probes and 300
/// neurons leave partial blocks both ways.
#[test]
fn synchronous_recall_across_probe_blocks_is_identical() {
    let Some(ctx) = common::gpu() else { return };
    let n = 300;
    let stored = random_patterns(10, n, 41);
    let network = hopfield::hebbian_cpu(&stored).unwrap();
    let levels: Vec<f64> = (0..14).map(|k| 3.0 * k as f64).collect();
    let (probes, keys) = common::noisy_probes(&stored, &levels, 5);
    assert_eq!(keys.len(), 140);
    for thresholds in [Thresholds::Uniform(0.0), varied_thresholds(n)] {
        let params = RecallParams {
            mode: UpdateMode::Sync,
            max_sweeps: 30,
            thresholds,
            ..Default::default()
        };
        common::assert_cpu_and_gpu_agree(
            &network,
            &probes,
            &keys,
            &params,
            &ctx,
            &format!("{:?}", params.thresholds),
        );
    }
}

/// Thresholds drawn per neuron, some of them integers (where the zero-field rule applies).
fn varied_thresholds(n: usize) -> Thresholds {
    Thresholds::PerNeuron(
        (0..n)
            .map(|i| [0.0, 1.0, -2.0, 0.37, -1.5, 3.0][i % 6])
            .collect(),
    )
}

fn every_third_clamped(n: usize) -> Option<Vec<bool>> {
    Some((0..n).map(|i| i % 3 == 1).collect())
}

#[test]
fn synchronous_recall_is_identical() {
    assert_recall_matches(UpdateMode::Sync, |_, _| {});
}

#[test]
fn synchronous_recall_with_self_coupling_and_threshold_is_identical() {
    assert_recall_matches(UpdateMode::Sync, |_, p| {
        p.self_coupling = true;
        p.thresholds = Thresholds::Uniform(0.5);
    });
}

#[test]
fn asynchronous_recall_is_identical() {
    assert_recall_matches(UpdateMode::Async, |_, _| {});
}

#[test]
fn asynchronous_recall_with_self_coupling_and_threshold_is_identical() {
    assert_recall_matches(UpdateMode::Async, |_, p| {
        p.self_coupling = true;
        p.thresholds = Thresholds::Uniform(-1.5);
    });
}

#[test]
fn per_neuron_thresholds_and_clamps_are_identical() {
    for mode in [UpdateMode::Sync, UpdateMode::Async] {
        assert_recall_matches(mode, |n, p| {
            p.thresholds = varied_thresholds(n);
            p.clamp = every_third_clamped(n);
        });
    }
}

#[test]
fn glauber_dynamics_are_identical() {
    for mode in [UpdateMode::Sync, UpdateMode::Async] {
        for temperature in [0.5, 40.0] {
            assert_recall_matches(mode, |n, p| {
                p.temperature = temperature;
                p.max_sweeps = 6;
                p.thresholds = varied_thresholds(n);
                p.clamp = every_third_clamped(n);
            });
        }
    }
}

#[test]
fn clamped_neurons_keep_the_probe_value() {
    let stored = hopfield::seed_patterns();
    let network = hopfield::hebbian_cpu(&stored).unwrap();
    let (probes, keys) = common::noisy_probes(&stored, &[40.0], 2);
    let clamp = every_third_clamped(225).unwrap();
    let params = RecallParams {
        clamp: Some(clamp.clone()),
        temperature: 3.0,
        max_sweeps: 5,
        ..Default::default()
    };
    for (b, outcome) in common::recall_all(&network, &probes, &keys, &params, &Backend::Cpu)
        .iter()
        .enumerate()
    {
        for i in (0..225).filter(|&i| clamp[i]) {
            assert_eq!(outcome.final_state[i], probes[b * 225 + i]);
        }
    }
}

#[test]
fn synchronous_two_cycles_are_detected_on_both_paths() {
    // Two neurons coupled negatively flip together forever under synchronous updates:
    // [1, 1] -> [-1, -1] -> [1, 1].
    let stored = PatternSet::new(2, vec![1, -1], vec!["p".into()]).unwrap();
    let network = hopfield::hebbian_cpu(&stored).unwrap();
    let params = RecallParams {
        mode: UpdateMode::Sync,
        max_sweeps: 10,
        ..Default::default()
    };
    let keys = [StreamKey::new(0, hopsom::rng::Domain::UpdateOrder, &[0])];
    let mut backends = vec![Backend::Cpu];
    backends.extend(common::gpu().map(Backend::Gpu));
    for backend in &backends {
        let outcome = &common::recall_all(&network, &[1, 1], &keys, &params, backend)[0];
        assert_eq!(
            outcome.ending,
            hopfield::Ending::TwoCycle,
            "{}",
            backend.name()
        );
        assert_eq!(outcome.sweeps, 2);
        assert_eq!(outcome.final_state, [1, 1]);
    }
}

#[test]
fn seed_000_example_on_the_gpu() {
    let Some(ctx) = common::gpu() else { return };
    let backend = Backend::Gpu(ctx);
    let stored = PatternSet::new(
        6,
        vec![1, -1, 1, -1, 1, -1, -1, 1, -1, 1, -1, 1],
        vec!["a".into(), "b".into()],
    )
    .unwrap();
    let network = hopfield::learn_hebbian(&stored, &backend).unwrap();
    assert_eq!(&network.weights().unwrap()[..6], &[0, -2, 2, -2, 2, -2]);
    let params = RecallParams {
        mode: UpdateMode::Sync,
        max_sweeps: 1,
        ..Default::default()
    };
    let keys = [StreamKey::new(0, hopsom::rng::Domain::UpdateOrder, &[0])];
    let outcome = &common::recall_all(&network, &[1, 1, 1, 1, -1, 1], &keys, &params, &backend)[0];
    assert_eq!(outcome.final_state, [-1, 1, -1, 1, -1, 1]);
}

#[test]
fn seed_003_patterns_are_fixed_points_on_both_paths() {
    let stored = seed_patterns();
    let mut backends = vec![Backend::Cpu];
    backends.extend(common::gpu().map(Backend::Gpu));
    for backend in &backends {
        let network = hopfield::learn_hebbian(&stored, backend).unwrap();
        for mode in [UpdateMode::Sync, UpdateMode::Async] {
            for self_coupling in [false, true] {
                let params = RecallParams {
                    mode,
                    self_coupling,
                    ..Default::default()
                };
                let keys: Vec<StreamKey> = (0..3).map(|p| noise::order_key(1, p, 0.0, 0)).collect();
                let outcomes =
                    common::recall_all(&network, stored.states(), &keys, &params, backend);
                for (p, outcome) in outcomes.iter().enumerate() {
                    assert_eq!(
                        outcome.final_state,
                        stored.get(p),
                        "{} {mode:?} pattern {p}",
                        backend.name()
                    );
                    assert_eq!(
                        (outcome.sweeps, outcome.ending),
                        (1, hopfield::Ending::FixedPoint)
                    );
                }
            }
        }
    }
}

#[test]
fn gpu_runs_are_reproducible() {
    let Some(ctx) = common::gpu() else { return };
    let backend = Backend::Gpu(ctx);
    let stored = seed_patterns();
    let network = hopfield::learn_hebbian(&stored, &backend).unwrap();
    let (probes, keys) = common::noisy_probes(&stored, &[25.0, 50.0], 3);
    let params = RecallParams {
        record_flips: true,
        ..Default::default()
    };
    let first = common::recall_all(&network, &probes, &keys, &params, &backend);
    let second = common::recall_all(&network, &probes, &keys, &params, &backend);
    assert_eq!(first, second);
}
