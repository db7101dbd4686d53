//! `hopsom hopfield capacity`: store random patterns at several loads α = P/N and compare the
//! measured one-step error with the classical theory.

use super::stdout::outln;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::dynamics::LearningArgs;
use super::levels::parse_levels;
use super::outputs::RunOutputs;
use super::ComputeArgs;
use hopsom::error::Result;
use hopsom::hopfield::capacity::{
    run_capacity, theory_one_step_error, CapacityRow, CapacitySpec, CRITICAL_LOAD,
};
use hopsom::hopfield::UpdateMode;
use hopsom::io::plot::{side_by_side_charts, Chart, Series};

#[derive(Debug, Args)]
pub struct CapacityArgs {
    /// Neurons N of the network.
    #[arg(long)]
    neurons: usize,
    /// Loads α = P/N: a list (0.05,0.1,0.15) or a range START:STOP:STEP. P is rounded to the
    /// nearest integer (at least 1).
    #[arg(long, value_name = "LIST")]
    loads: String,
    /// Independent random pattern sets per load.
    #[arg(long, default_value_t = 1)]
    trials: usize,
    /// How the fixed point is reached from each stored pattern (the one-step error always uses
    /// one synchronous step).
    #[arg(long, value_parser = crate::cli::choice::<UpdateMode>(), default_value_t = UpdateMode::Async)]
    mode: UpdateMode,
    /// The most sweeps when settling to a fixed point.
    #[arg(long, default_value_t = 100)]
    max_sweeps: u32,
    /// Write a PNG plot: measured one-step error against theory, and the stable fraction and
    /// fixed-point overlap, against load, with the critical load α ≈ 0.138 marked.
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    #[command(flatten)]
    learning: LearningArgs,
    #[command(flatten)]
    compute: ComputeArgs,
}

pub fn run(args: CapacityArgs) -> Result<()> {
    let outputs = RunOutputs::default().file("--plot", args.plot.as_deref());
    outputs.check()?;
    let spec = CapacitySpec {
        neurons: args.neurons,
        // Loads are not percentages, but the list syntax is the same as for noise levels.
        loads: parse_levels(&args.loads, "--loads")?,
        trials: args.trials,
        seed: args.compute.seed,
        learning: args.learning.learning(),
        mode: args.mode,
        max_sweeps: args.max_sweeps,
    };
    spec.check()?;
    let backend = args.compute.open_backend()?;
    let started = std::time::Instant::now();
    let progress = args
        .compute
        .progress((spec.loads.len() * spec.trials) as u64, "capacity");
    let rows = run_capacity(&spec, &backend, &progress)?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.plot {
        write_plot(path, &rows, &spec)?;
    }
    if args.compute.json {
        return super::print_json(&json!({
            "backend": backend.name(),
            "adapter": backend.device_name(),
            "neurons": spec.neurons,
            "rule": spec.learning.rule,
            "keep_diagonal": spec.learning.keep_diagonal,
            "weights": spec.learning.weights,
            "trials": spec.trials,
            "seed": spec.seed,
            "critical_load": CRITICAL_LOAD,
            "seconds": seconds,
            "rows": rows,
        }));
    }
    outln!(
        "{:?} rule, {} neurons, {} trial(s) per load; theory: the Hebbian one-step error",
        spec.learning.rule,
        spec.neurons,
        spec.trials
    )?;
    outln!(
        "{:>7} {:>8} {:>14} {:>12} {:>8} {:>10}",
        "load",
        "patterns",
        "one-step err",
        "theory",
        "stable",
        "fp overlap"
    )?;
    for row in &rows {
        outln!(
            "{:>7.4} {:>8} {:>14.3e} {:>12.3e} {:>8.3} {:>10.4}",
            row.load,
            row.patterns,
            row.one_step_error,
            row.theory_one_step_error,
            row.stable_fraction,
            row.fixed_point_overlap
        )?;
    }
    outln!(
        "{} on {} in {:.3} s",
        backend.name(),
        backend.device_name(),
        seconds
    )?;
    Ok(())
}

fn write_plot(path: &std::path::Path, rows: &[CapacityRow], spec: &CapacitySpec) -> Result<()> {
    let low = rows.iter().map(|r| r.load).fold(f64::INFINITY, f64::min);
    let high = rows.iter().map(|r| r.load).fold(0.0, f64::max);
    // The theory as a smooth curve over the measured range.
    let theory: Vec<(f64, f64)> = (0..=200)
        .map(|k| low + (high - low) * k as f64 / 200.0)
        .map(|load| (load, theory_one_step_error(load)))
        .collect();
    let measured =
        |value: fn(&CapacityRow) -> f64| rows.iter().map(|r| (r.load, value(r))).collect();
    let marker = Some((CRITICAL_LOAD, " α_c ≈ 0.138".to_string()));
    let x_label = "load α = P/N";
    side_by_side_charts(
        path,
        &[
            Chart {
                log_y: true,
                legend_low: true,
                marker: marker.clone(),
                ..Chart::new(
                    &format!(
                        "One-step bit error rate ({:?}, N = {})",
                        spec.learning.rule, spec.neurons
                    ),
                    x_label,
                    "fraction of bits flipped",
                    vec![
                        Series {
                            label: if rows.iter().all(|r| r.one_step_error == 0.0) {
                                "measured: 0 at every load (not drawn on a log scale)".into()
                            } else {
                                "measured".into()
                            },
                            points: measured(|r| r.one_step_error),
                        },
                        Series {
                            label: "Hebbian theory ½ erfc(√(1/2α))".into(),
                            points: theory,
                        },
                    ],
                )
            },
            Chart {
                y_range: Some((-0.02, 1.02)),
                marker,
                ..Chart::new(
                    "Stored patterns as probes",
                    x_label,
                    "fraction / overlap",
                    vec![
                        Series {
                            label: "exact fixed points".into(),
                            points: measured(|r| r.stable_fraction),
                        },
                        Series {
                            label: "overlap of the fixed point reached".into(),
                            points: measured(|r| r.fixed_point_overlap),
                        },
                    ],
                )
            },
        ],
    )
}
