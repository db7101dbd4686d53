//! Capacity against theory, and identical on the CPU and the GPU.

mod common;

use hopsom::hopfield::capacity::{run_capacity, CapacitySpec};
use hopsom::hopfield::{Learning, UpdateMode};
use hopsom::Backend;
use indicatif::ProgressBar;

fn spec(neurons: usize, loads: &[f64], trials: usize) -> CapacitySpec {
    CapacitySpec {
        neurons,
        loads: loads.to_vec(),
        trials,
        seed: 17,
        learning: Learning::default(),
        // The fixed-point phase is not what these tests check; keep it short.
        mode: UpdateMode::Sync,
        max_sweeps: 3,
    }
}

#[test]
fn one_step_error_matches_theory_at_n_1000() {
    let rows = run_capacity(
        &spec(1000, &[0.1, 0.2], 3),
        &Backend::Cpu,
        &ProgressBar::hidden(),
    )
    .unwrap();
    for row in rows {
        // Five binomial standard errors: the bits of one pattern set are weakly correlated, so
        // the binomial error slightly understates the spread.
        let bound = 5.0 * row.one_step_error_stderr;
        let gap = (row.one_step_error - row.theory_one_step_error).abs();
        assert!(
            gap <= bound,
            "α={}: measured {} theory {} (±{bound})",
            row.load,
            row.one_step_error,
            row.theory_one_step_error
        );
        assert!(row.one_step_error > 0.0);
    }
}

#[test]
fn low_loads_store_every_pattern() {
    let rows = run_capacity(
        &spec(500, &[0.02], 2),
        &Backend::Cpu,
        &ProgressBar::hidden(),
    )
    .unwrap();
    assert_eq!(rows[0].patterns, 10);
    assert_eq!(
        (
            rows[0].one_step_error,
            rows[0].stable_fraction,
            rows[0].fixed_point_overlap
        ),
        (0.0, 1.0, 1.0)
    );
}

#[test]
fn capacity_rows_are_identical_on_cpu_and_gpu() {
    let Some(ctx) = common::gpu() else { return };
    let spec = CapacitySpec {
        mode: UpdateMode::Async,
        max_sweeps: 20,
        ..spec(200, &[0.05, 0.15, 0.3], 2)
    };
    let cpu = run_capacity(&spec, &Backend::Cpu, &ProgressBar::hidden()).unwrap();
    let gpu = run_capacity(&spec, &Backend::Gpu(ctx), &ProgressBar::hidden()).unwrap();
    assert_eq!(cpu, gpu);
}
