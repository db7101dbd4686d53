//! `hopsom hopfield sweep`: recall every stored pattern at many noise levels, many times, and
//! tabulate and plot how recall degrades.

use super::stdout::outln;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::dynamics::NetworkArgs;
use super::levels::{format_levels, parse_levels};
use super::outputs::RunOutputs;
use super::ComputeArgs;
use hopsom::error::{Error, Result};
use hopsom::hopfield::recall::check_network_fits;
use hopsom::hopfield::sweep::{run_sweep, SweepResult, SweepSpec};
use hopsom::hopfield::{self, PatternSet};
use hopsom::io::output::write_csv_rows;
use hopsom::io::plot::{side_by_side_charts, Chart, Series};

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Files of patterns to store (formats as for `recall`); `builtin` stores seed 003's Batman,
    /// A and Z.
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    patterns: Vec<PathBuf>,
    /// Noise levels in percent: a list (10,25,50) or a range START:STOP:STEP (STOP included).
    #[arg(long, default_value_t = format_levels(&SweepSpec::default().levels), value_name = "LIST")]
    noise: String,
    /// Noisy copies of every pattern at every level.
    #[arg(long, default_value_t = SweepSpec::default().trials)]
    trials: usize,
    #[command(flatten)]
    network: NetworkArgs,
    /// Resize image patterns to WxH pixels.
    #[arg(long, value_parser = super::parse_shape, value_name = "WxH")]
    size: Option<hopfield::GridShape>,
    /// Write the table as CSV (one row per pattern and noise level).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write a PNG plot: exact-recall fraction and mean overlap against noise, one curve per
    /// pattern.
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    #[command(flatten)]
    compute: ComputeArgs,
}

pub fn run(args: SweepArgs) -> Result<()> {
    let outputs = RunOutputs::default()
        .file("--csv", args.csv.as_deref())
        .file("--plot", args.plot.as_deref());
    outputs.check()?;
    let levels = parse_levels(&args.noise, "--noise")?;
    let stored = super::recall::load_patterns(&args.patterns, args.size)?;
    let spec = SweepSpec {
        levels,
        trials: args.trials,
        seed: args.compute.seed,
        recall: args.network.dynamics.params(stored.neurons(), false)?,
    };
    spec.check()?;
    let total = spec.total_recalls(stored.len()).ok_or_else(|| {
        Error::TooLarge(format!(
            "--trials {}: more recalls than 64 bits count",
            spec.trials
        ))
    })?;
    let backend = args.compute.open_backend()?;
    let learning = args.network.learning()?;
    check_network_fits(
        stored.neurons(),
        stored.len(),
        &learning,
        spec.recall.mode,
        &backend,
    )?;
    let network = hopfield::learn(&stored, &learning, &backend)?;
    let progress = args.compute.progress(total, "sweep");
    let result = run_sweep(&network, &stored, &spec, &backend, &progress)?;
    progress.finish_and_clear();

    if let Some(path) = &args.csv {
        write_csv_rows(path, &result.rows)?;
    }
    if let Some(path) = &args.plot {
        write_plot(path, &result, &stored)?;
    }
    if args.compute.json {
        return super::print_run_json(
            &backend,
            json!({
                "neurons": stored.neurons(),
                "patterns": stored.len(),
                "rule": args.network.learning.rule,
                "interaction": learning.interaction,
                "weights": if network.is_factored() { "factored" } else { "dense" },
                "pattern_names": stored.names,
                "mode": args.network.dynamics.mode,
                "temperature": args.network.dynamics.temperature,
                "trials": spec.trials,
                "noise": spec.levels,
                "seed": spec.seed,
                "rows": result.rows,
                "recalls": result.recalls,
                "seconds": result.seconds,
                "recalls_per_second": result.recalls_per_second,
            }),
        );
    }
    outln!(
        "{:<14} {:>6} {:>7} {:>7} {:>8} {:>8} {:>7} {:>7}",
        "pattern",
        "noise",
        "trials",
        "exact",
        "overlap",
        "inverted",
        "fixed",
        "sweeps"
    )?;
    for row in &result.rows {
        outln!(
            "{:<14} {:>5}% {:>7} {:>7.3} {:>8.3} {:>8.3} {:>7.3} {:>7.2}",
            row.pattern_name,
            row.noise,
            row.trials,
            row.exact_fraction,
            row.mean_overlap,
            row.inverted_fraction,
            row.fixed_point_fraction,
            row.mean_sweeps
        )?;
    }
    outln!(
        "{} recalls in {:.3} s: {:.0} recalls/s; {} on {}",
        result.recalls,
        result.seconds,
        result.recalls_per_second,
        backend.name(),
        backend.device_name()
    )?;
    Ok(())
}

fn write_plot(path: &std::path::Path, result: &SweepResult, stored: &PatternSet) -> Result<()> {
    let curve = |value: fn(&hopfield::sweep::SweepRow) -> f64| -> Vec<Series> {
        (0..stored.len())
            .map(|p| Series {
                label: stored.names[p].clone(),
                points: result
                    .rows
                    .iter()
                    .filter(|row| row.pattern == p)
                    .map(|row| (row.noise, value(row)))
                    .collect(),
            })
            .collect()
    };
    let x_label = "noise (% of neurons flipped)";
    side_by_side_charts(
        path,
        &[
            Chart {
                y_range: Some((-0.02, 1.02)),
                ..Chart::new(
                    "Exact recall",
                    x_label,
                    "fraction recalled exactly",
                    curve(|row| row.exact_fraction),
                )
            },
            Chart {
                y_range: Some((-1.05, 1.05)),
                ..Chart::new(
                    "Final overlap with the stored pattern",
                    x_label,
                    "mean overlap m",
                    curve(|row| row.mean_overlap),
                )
            },
        ],
    )
}
