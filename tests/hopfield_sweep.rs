//! Sweeps: identical tables on the CPU and the GPU, and any slice reproduces the same trials.

mod common;

use hopsom::hopfield::recall::RecallParams;
use hopsom::hopfield::sweep::{run_sweep, SweepSpec};
use hopsom::hopfield::{self, UpdateMode};
use hopsom::Backend;

fn spec(levels: &[f64], mode: UpdateMode) -> SweepSpec {
    SweepSpec {
        levels: levels.to_vec(),
        trials: 40,
        seed: 5,
        recall: RecallParams {
            mode,
            max_sweeps: 50,
            ..Default::default()
        },
    }
}

#[test]
fn cpu_and_gpu_sweep_tables_are_identical() {
    let Some(ctx) = common::gpu() else { return };
    let stored = hopfield::seed_patterns();
    let network = hopfield::hebbian_cpu(&stored).unwrap();
    for mode in [UpdateMode::Async, UpdateMode::Sync] {
        let spec = spec(&[0.0, 20.0, 45.0, 60.0], mode);
        let cpu = run_sweep(&network, &stored, &spec, &Backend::Cpu, &hopsom::Silent).unwrap();
        let gpu = run_sweep(
            &network,
            &stored,
            &spec,
            &Backend::Gpu(ctx.clone()),
            &hopsom::Silent,
        )
        .unwrap();
        assert_eq!(cpu.rows, gpu.rows, "{mode:?}");
        assert_eq!(cpu.recalls, 3 * 4 * 40);
    }
}

#[test]
fn a_slice_of_a_sweep_reproduces_the_same_trials() {
    let stored = hopfield::seed_patterns();
    let network = hopfield::hebbian_cpu(&stored).unwrap();
    let whole = run_sweep(
        &network,
        &stored,
        &spec(&[15.0, 40.0], UpdateMode::Async),
        &Backend::Cpu,
        &hopsom::Silent,
    )
    .unwrap();
    let part = run_sweep(
        &network,
        &stored,
        &spec(&[40.0], UpdateMode::Async),
        &Backend::Cpu,
        &hopsom::Silent,
    )
    .unwrap();
    let whole_at_40: Vec<_> = whole
        .rows
        .iter()
        .filter(|r| r.noise == 40.0)
        .cloned()
        .collect();
    assert_eq!(whole_at_40, part.rows);
}

#[test]
fn sweep_rows_behave_like_the_seed_network() {
    let stored = hopfield::seed_patterns();
    let network = hopfield::hebbian_cpu(&stored).unwrap();
    let result = run_sweep(
        &network,
        &stored,
        &spec(&[0.0, 100.0], UpdateMode::Async),
        &Backend::Cpu,
        &hopsom::Silent,
    )
    .unwrap();
    for row in &result.rows {
        if row.noise == 0.0 {
            // Stored patterns are fixed points.
            assert_eq!(
                (row.exact_fraction, row.mean_overlap, row.mean_sweeps),
                (1.0, 1.0, 1.0)
            );
        } else {
            // 100 % noise is the inverted pattern, also a fixed point.
            assert_eq!((row.inverted_fraction, row.mean_overlap), (1.0, -1.0));
        }
    }
}

#[test]
fn tallies_of_split_trials_add_up_to_the_whole_sweep() {
    use hopsom::hopfield::sweep::{sweep_rows, sweep_tallies, SweepTally};
    let stored = hopfield::seed_patterns();
    let network = hopfield::hebbian_cpu(&stored).unwrap();
    let spec = spec(&[10.0, 35.0, 50.0], UpdateMode::Async);
    let whole = run_sweep(&network, &stored, &spec, &Backend::Cpu, &hopsom::Silent).unwrap();
    let mut merged = vec![SweepTally::default(); 3 * 3];
    // Uneven parts, merged out of order, as workers finish.
    for range in [25..40, 0..7, 7..25] {
        let part = sweep_tallies(
            &network,
            &stored,
            &spec,
            range,
            &Backend::Cpu,
            &hopsom::Silent,
        )
        .unwrap();
        for (total, tally) in merged.iter_mut().zip(&part) {
            total.add(tally);
        }
    }
    assert_eq!(sweep_rows(&stored, &spec, &merged).unwrap(), whole.rows);
    assert!(sweep_tallies(
        &network,
        &stored,
        &spec,
        30..41,
        &Backend::Cpu,
        &hopsom::Silent
    )
    .is_err());
    let round_trip = merged
        .iter()
        .map(|t| SweepTally::from_array(t.to_array()).unwrap());
    assert!(round_trip.eq(merged.iter().copied()));
}
