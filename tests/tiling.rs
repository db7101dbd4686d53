//! Weight matrices larger than one storage binding: learning and recall split the
//! matrix into row blocks. A context that treats bindings as 16 KiB runs these paths on small
//! networks (N = 200 gives 13 blocks of 16 rows).

mod common;

use std::sync::Arc;

use hopsom::gpu::{AdapterPolicy, GpuContext};
use hopsom::hopfield::capacity::random_patterns;
use hopsom::hopfield::learn::{projection_cpu, projection_weights, storkey_cpu, storkey_weights};
use hopsom::hopfield::recall::RecallParams;
use hopsom::hopfield::{self, Learning, PatternSet, UpdateMode, WeightForm};
use hopsom::rng::{Domain, StreamKey};
use hopsom::Backend;

const CAP: u64 = 16 << 10;

fn tiled_gpu() -> Option<Arc<GpuContext>> {
    common::gpu()?;
    Some(GpuContext::open_with_binding_cap(AdapterPolicy::AnyAdapter, Some(CAP)).unwrap())
}

fn patterns(count: usize, neurons: usize) -> PatternSet {
    random_patterns(neurons, count, &StreamKey::new(77, Domain::Patterns, &[])).unwrap()
}

#[test]
fn learning_across_row_blocks_matches_the_cpu() {
    let Some(ctx) = tiled_gpu() else { return };
    let gpu = Backend::Gpu(ctx);
    for n in [200, 221] {
        let set = patterns(15, n);
        assert_eq!(
            hopfield::learn_hebbian(&set, &Backend::Cpu).unwrap(),
            hopfield::learn_hebbian(&set, &gpu).unwrap(),
            "Hebbian N={n}"
        );
        common::F32_KERNEL.assert_close(
            "Storkey",
            &storkey_weights(&set, &gpu).unwrap(),
            &storkey_cpu(&set).unwrap(),
        );
        let solved: Vec<f32> = set.states().iter().map(|&v| f32::from(v) * 0.25).collect();
        common::F32_KERNEL.assert_close(
            "projection",
            &projection_weights(&set, &solved, &gpu).unwrap(),
            &projection_cpu(&set, &solved).unwrap(),
        );
    }
}

#[test]
fn synchronous_recall_across_row_blocks_is_identical() {
    let Some(ctx) = tiled_gpu() else { return };
    let set = patterns(12, 221);
    let learning = Learning {
        weights: WeightForm::Dense,
        ..Default::default()
    };
    let network = hopfield::learn(&set, &learning, &Backend::Cpu).unwrap();
    let (probes, keys) = common::noisy_probes(&set, &[25.0], 4);
    let params = RecallParams {
        mode: UpdateMode::Sync,
        max_sweeps: 20,
        temperature: 0.0,
        ..Default::default()
    };
    let run = |backend: &Backend| {
        hopfield::recall(&network, &probes, &keys, &params, backend, &hopsom::Silent).unwrap()
    };
    assert_eq!(run(&Backend::Cpu), run(&Backend::Gpu(ctx.clone())));

    // Asynchronous recall reads at most four bindings: 14 blocks are a clear error, not a crash.
    let asynchronous = RecallParams {
        mode: UpdateMode::Async,
        ..params.clone()
    };
    let err = hopfield::recall(
        &network,
        &probes,
        &keys,
        &asynchronous,
        &Backend::Gpu(ctx),
        &hopsom::Silent,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("at most 4 storage bindings"),
        "{err}"
    );
}

#[test]
fn asynchronous_recall_across_four_row_blocks_is_identical() {
    if common::gpu().is_none() {
        return;
    }
    // 64 KiB bindings hold 64 rows of 221 neurons: four blocks.
    let ctx = GpuContext::open_with_binding_cap(AdapterPolicy::AnyAdapter, Some(64 << 10)).unwrap();
    let set = patterns(12, 221);
    let learning = Learning {
        rule: hopfield::LearningRule::Storkey,
        weights: WeightForm::Dense,
        ..Default::default()
    };
    let network = hopfield::learn(&set, &learning, &Backend::Cpu).unwrap();
    let (probes, keys) = common::noisy_probes(&set, &[30.0], 5);
    let params = RecallParams {
        mode: UpdateMode::Async,
        max_sweeps: 20,
        record_flips: true,
        ..Default::default()
    };
    let run = |backend: &Backend| {
        hopfield::recall(&network, &probes, &keys, &params, backend, &hopsom::Silent).unwrap()
    };
    assert_eq!(run(&Backend::Cpu), run(&Backend::Gpu(ctx)));
}

/// Asynchronous recall reads at most four bindings: beyond that it is refused by
/// `check_recall_fits`, before anything is learned, and the check agrees with what recall itself
/// would do (four blocks pass, five do not).
#[test]
fn asynchronous_recall_beyond_four_blocks_is_refused_before_learning() {
    use hopsom::hopfield::recall::check_recall_fits;
    if common::gpu().is_none() {
        return;
    }
    let ctx = GpuContext::open_with_binding_cap(AdapterPolicy::AnyAdapter, Some(64 << 10)).unwrap();
    let gpu = Backend::Gpu(ctx);
    // 64 rows of 221 neurons to a binding: four blocks for 221 neurons, five for 257.
    assert!(check_recall_fits(221, false, UpdateMode::Async, &gpu).is_ok());
    let refused = check_recall_fits(257, false, UpdateMode::Async, &gpu).unwrap_err();
    assert!(
        refused.to_string().contains("at most 4 storage bindings"),
        "{refused}"
    );
    // Synchronous recall and factored couplings are not limited by it, nor is the CPU.
    assert!(check_recall_fits(257, false, UpdateMode::Sync, &gpu).is_ok());
    assert!(check_recall_fits(257, true, UpdateMode::Async, &gpu).is_ok());
    assert!(check_recall_fits(257, false, UpdateMode::Async, &Backend::Cpu).is_ok());
    // And recall itself agrees: the network of 257 neurons learned anyway is refused there too.
    let set = patterns(12, 257);
    let learning = Learning {
        weights: WeightForm::Dense,
        ..Default::default()
    };
    let network = hopfield::learn(&set, &learning, &Backend::Cpu).unwrap();
    let (probes, keys) = common::noisy_probes(&set, &[30.0], 5);
    let params = RecallParams::default();
    assert!(hopfield::recall(&network, &probes, &keys, &params, &gpu, &hopsom::Silent).is_err());
}
