//! `hopsom hopfield capacity`: store random patterns at several loads α = P/N and compare the
//! measured one-step error with theory: the classical network's, or for dense associative
//! memories the signal-to-noise analysis and Krotov & Hopfield's capacity.

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
use hopsom::hopfield::{Interaction, Learning, UpdateMode};
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
    #[arg(long, default_value_t = CapacitySpec::default().trials)]
    trials: usize,
    /// How the fixed point is reached from each stored pattern (the one-step error always uses
    /// one synchronous step).
    #[arg(long, value_parser = crate::cli::choice::<UpdateMode>(), default_value_t = CapacitySpec::default().mode)]
    mode: UpdateMode,
    /// The most sweeps when settling to a fixed point.
    #[arg(long, default_value_t = CapacitySpec::default().max_sweeps)]
    max_sweeps: u32,
    /// Write a PNG plot: measured one-step error against theory, and the stable fraction and
    /// fixed-point overlap, against load, with the critical load α ≈ 0.138 marked; for dense
    /// interactions, against the number of patterns P (log scale), one line per interaction,
    /// with the theory's one-step error.
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// The interaction functions to study, a comma-separated list of quadratic, poly:N,
    /// repoly:N and exp (see `hopfield recall --help`); each is run over every load, and the
    /// plot compares them (poly:2,poly:3,poly:4 shows Krotov & Hopfield's capacities).
    #[arg(long, value_name = "LIST", default_values_t = [Learning::default().interaction], value_delimiter = ',', value_parser = super::dynamics::parse_interaction)]
    interaction: Vec<Interaction>,
    #[command(flatten)]
    learning: LearningArgs,
    #[command(flatten)]
    compute: ComputeArgs,
}

pub fn run(args: CapacityArgs) -> Result<()> {
    let outputs = RunOutputs::default().file("--plot", args.plot.as_deref());
    outputs.check()?;
    // Loads are not percentages, but the list syntax is the same as for noise levels.
    let loads = parse_levels(&args.loads, "--loads")?;
    let specs: Vec<CapacitySpec> = args
        .interaction
        .iter()
        .map(|&interaction| CapacitySpec {
            neurons: args.neurons,
            loads: loads.clone(),
            trials: args.trials,
            seed: args.compute.seed,
            learning: args.learning.learning(interaction),
            mode: args.mode,
            max_sweeps: args.max_sweeps,
        })
        .collect();
    for spec in &specs {
        spec.check()?;
    }
    let spec = &specs[0];
    let backend = args.compute.open_backend()?;
    let started = std::time::Instant::now();
    let progress = args.compute.progress(
        (specs.len() * spec.loads.len() * spec.trials) as u64,
        "capacity",
    );
    let mut rows = Vec::new();
    for spec in &specs {
        rows.extend(run_capacity(spec, &backend, &progress)?);
    }
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.plot {
        if args.interaction == [Interaction::Quadratic] {
            write_plot(path, &rows, spec)?;
        } else {
            write_dense_plot(path, &rows, spec.neurons)?;
        }
    }
    if args.compute.json {
        return super::print_run_json(
            &backend,
            json!({
                "neurons": spec.neurons,
                "rule": spec.learning.rule,
                "keep_diagonal": spec.learning.keep_diagonal,
                "weights": spec.learning.weights,
                "interactions": args.interaction,
                "trials": spec.trials,
                "seed": spec.seed,
                "critical_load": CRITICAL_LOAD,
                "seconds": seconds,
                "rows": rows,
            }),
        );
    }
    outln!(
        "{} rule, {} neurons, {} trial(s) per load; theory: the one-step error of the signal-to-noise analysis, and the capacity without errors",
        spec.learning.rule,
        spec.neurons,
        spec.trials
    )?;
    outln!(
        "{:>11} {:>7} {:>8} {:>14} {:>12} {:>8} {:>10} {:>11}",
        "interaction",
        "load",
        "patterns",
        "one-step err",
        "theory",
        "stable",
        "fp overlap",
        "capacity"
    )?;
    for row in &rows {
        outln!(
            "{:>11} {:>7.4} {:>8} {:>14.3e} {:>12.3e} {:>8.3} {:>10.4} {:>11.4e}",
            row.interaction.to_string(),
            row.load,
            row.patterns,
            row.one_step_error,
            row.theory_one_step_error,
            row.stable_fraction,
            row.fixed_point_overlap,
            row.theory_capacity
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

/// The smallest one-step error the dense memories' plot draws for theory.
const MEASURABLE_ERROR: f64 = 1e-6;

/// The dense memories' plot: one-step error (measured and theory) and stable fraction against
/// the number of patterns, one colour pair per interaction.
fn write_dense_plot(path: &std::path::Path, rows: &[CapacityRow], neurons: usize) -> Result<()> {
    let mut interactions: Vec<Interaction> = rows.iter().map(|r| r.interaction).collect();
    interactions.dedup();
    let of = |interaction: Interaction, value: fn(&CapacityRow) -> f64| -> Vec<(f64, f64)> {
        rows.iter()
            .filter(|r| r.interaction == interaction)
            .map(|r| (r.patterns as f64, value(r)))
            .collect()
    };
    let mut errors = Vec::new();
    let mut stable = Vec::new();
    for &interaction in &interactions {
        errors.push(Series {
            label: format!("{interaction} measured"),
            points: of(interaction, |r| r.one_step_error),
        });
        // Theory far below anything a study can measure would only flatten the axis.
        let mut theory = of(interaction, |r| r.theory_one_step_error);
        theory.retain(|&(_, error)| error >= MEASURABLE_ERROR);
        errors.push(Series {
            label: format!("{interaction} theory"),
            points: theory,
        });
        stable.push(Series {
            label: format!(
                "{interaction} (theory: {:.0} without errors)",
                rows.iter()
                    .find(|r| r.interaction == interaction)
                    .map_or(0.0, |r| r.theory_capacity)
            ),
            points: of(interaction, |r| r.stable_fraction),
        });
    }
    let x_label = "stored patterns P (log scale)";
    side_by_side_charts(
        path,
        &[
            Chart {
                log_y: true,
                log_x: true,
                legend_low: true,
                ..Chart::new(
                    &format!("One-step bit error rate, N = {neurons}"),
                    x_label,
                    "fraction of bits flipped",
                    errors,
                )
            },
            Chart {
                y_range: Some((-0.02, 1.02)),
                log_x: true,
                ..Chart::new(
                    &format!("Stored patterns that are fixed points, N = {neurons}"),
                    x_label,
                    "stable fraction",
                    stable,
                )
            },
        ],
    )
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
