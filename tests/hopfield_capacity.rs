//! Capacity against theory, and identical on the CPU and the GPU.

mod common;

use hopsom::hopfield::capacity::{run_capacity, CapacitySpec};
use hopsom::hopfield::{Learning, UpdateMode};
use hopsom::Backend;

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
    let rows = run_capacity(&spec(1000, &[0.1, 0.2], 10), &Backend::Cpu, &hopsom::Silent).unwrap();
    for row in rows {
        assert_eq!(row.one_step_error_stderr_method, "between_sets");
        // At finite N the crosstalk of P − 1 patterns over N − 1 neurons has variance
        // (P − 1)(N − 1) against a signal of N − 1: ½ erfc(√((N − 1)/(2(P − 1)))), a little below
        // the large-N ½ erfc(√(1/2α)) that the row reports.
        let (n, p) = (1000.0, row.patterns as f64);
        let finite_n = 0.5 * libm::erfc(((n - 1.0) / (2.0 * (p - 1.0))).sqrt());
        // Four standard errors of the spread between the ten pattern sets.
        let bound = 4.0 * row.one_step_error_stderr;
        let gap = (row.one_step_error - finite_n).abs();
        assert!(
            gap <= bound,
            "α={}: measured {} finite-N theory {finite_n} (±{bound})",
            row.load,
            row.one_step_error,
        );
        assert!(row.one_step_error > 0.0);
    }
}

/// Issue 10's check, as `hopfield capacity --neurons 2000 --loads 0.2 --trials 10 --mode sync
/// --max-sweeps 1` runs it (seed 1): independent patterns give 0.01254 ± 0.00003 there; the
/// correlated pcg4d stream this generator replaced gave 0.01303, 4 % high.
#[test]
fn one_step_error_at_n_2000_is_that_of_independent_patterns() {
    let spec = CapacitySpec {
        seed: 1,
        max_sweeps: 1,
        ..spec(2000, &[0.2], 10)
    };
    let row = &run_capacity(&spec, &Backend::Cpu, &hopsom::Silent).unwrap()[0];
    let independent = 0.01254;
    let relative = (row.one_step_error - independent).abs() / independent;
    assert!(
        relative < 0.02,
        "one-step error {} is {:.2} % from {independent}",
        row.one_step_error,
        100.0 * relative
    );
}

#[test]
fn low_loads_store_every_pattern() {
    let rows = run_capacity(&spec(500, &[0.02], 2), &Backend::Cpu, &hopsom::Silent).unwrap();
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
    let cpu = run_capacity(&spec, &Backend::Cpu, &hopsom::Silent).unwrap();
    let gpu = run_capacity(&spec, &Backend::Gpu(ctx), &hopsom::Silent).unwrap();
    assert_eq!(cpu, gpu);
}

#[test]
fn tallies_of_split_pattern_sets_add_up_to_the_whole_study() {
    use hopsom::hopfield::capacity::{capacity_rows, capacity_tallies, CapacityTally};
    let spec = spec(200, &[0.05, 0.15], 6);
    let whole = run_capacity(&spec, &Backend::Cpu, &hopsom::Silent).unwrap();
    let mut merged = vec![CapacityTally::default(); 2];
    for range in [4..6, 0..1, 1..4] {
        let part = capacity_tallies(&spec, range, &Backend::Cpu, &hopsom::Silent).unwrap();
        for (total, tally) in merged.iter_mut().zip(&part) {
            total.add(tally);
        }
    }
    assert_eq!(capacity_rows(&spec, &merged).unwrap(), whole);
    assert!(capacity_tallies(&spec, 5..7, &Backend::Cpu, &hopsom::Silent).is_err());
}
