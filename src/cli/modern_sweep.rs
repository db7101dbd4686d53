//! `hopsom modern sweep`: retrieval accuracy over inverse temperatures and corruption levels,
//! tabulated and plotted.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::levels::parse_levels;
use super::modern::{load_stored, MemoryArgs};
use super::outputs::RunOutputs;
use super::stdout::outln;
use super::ComputeArgs;
use hopsom::error::Result;
use hopsom::io::output::write_csv_rows;
use hopsom::io::plot::{side_by_side_charts, Chart, Series};
use hopsom::modern::corrupt::CorruptionKind;
use hopsom::modern::sweep::{run_modern_sweep, ModernSweepRow, ModernSweepSpec};

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    memory: MemoryArgs,
    /// Inverse temperatures β: a list (1,4,16) or a range START:STOP:STEP.
    #[arg(long, value_name = "LIST")]
    beta: String,
    /// How queries are made from the stored patterns.
    #[arg(long, value_parser = crate::cli::choice::<CorruptionKind>(), default_value_t = ModernSweepSpec::default().kind)]
    corruption: CorruptionKind,
    /// Corruption levels: percentages masked, or noise standard deviations; a list or a range.
    #[arg(long, value_name = "LIST")]
    levels: String,
    /// Corrupted copies of each stored pattern per level.
    #[arg(long, default_value_t = ModernSweepSpec::default().trials)]
    trials: usize,
    /// Write the rows as CSV.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write a PNG plot: retrieval accuracy and mean similarity against the corruption level,
    /// one line per β.
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    #[command(flatten)]
    compute: ComputeArgs,
}

pub fn run_sweep(args: SweepArgs) -> Result<()> {
    let outputs = RunOutputs::default()
        .file("--csv", args.csv.as_deref())
        .file("--plot", args.plot.as_deref());
    outputs.check()?;
    let spec = ModernSweepSpec {
        betas: parse_levels(&args.beta, "--beta")?,
        kind: args.corruption,
        levels: parse_levels(&args.levels, "--levels")?,
        trials: args.trials,
        seed: args.compute.seed,
        stepping: args.memory.stepping(),
        normalize: args.memory.normalize,
    };
    let stored = load_stored(&args.memory.stored)?;
    spec.check(stored.patterns)?;
    let backend = args.compute.open_backend()?;
    let started = std::time::Instant::now();
    let progress = args
        .compute
        .progress(spec.total_queries(stored.patterns), "sweep");
    let rows = run_modern_sweep(
        &stored.values,
        stored.patterns,
        stored.dim,
        &spec,
        &backend,
        &progress,
    )?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.csv {
        write_csv_rows(path, &rows)?;
    }
    if let Some(path) = &args.plot {
        write_sweep_plot(path, &rows, &spec)?;
    }
    if args.compute.json {
        return super::print_run_json(
            &backend,
            json!({
                "patterns": stored.patterns,
                "dim": stored.dim,
                "corruption": spec.kind,
                "trials": spec.trials,
                "seed": spec.seed,
                "seconds": seconds,
                "rows": rows,
            }),
        );
    }
    outln!(
        "{} stored patterns of {} values, {} queries per level ({} corruption)",
        stored.patterns,
        stored.dim,
        stored.patterns * spec.trials,
        spec.kind
    )?;
    outln!(
        "{:>8} {:>8} {:>9} {:>11} {:>8} {:>8} {:>11} {:>8}",
        "beta",
        "level",
        "accuracy",
        "similarity",
        "weight",
        "single",
        "metastable",
        "global"
    )?;
    for row in &rows {
        outln!(
            "{:>8} {:>8} {:>9.4} {:>11.4} {:>8.4} {:>8.3} {:>11.3} {:>8.3}",
            row.beta,
            row.level,
            row.accuracy,
            row.mean_similarity,
            row.mean_weight,
            row.single_pattern_fraction,
            row.metastable_fraction,
            row.global_average_fraction
        )?;
    }
    outln!(
        "{} on {} in {seconds:.3} s",
        backend.name(),
        backend.device_name()
    )?;
    Ok(())
}

fn write_sweep_plot(path: &Path, rows: &[ModernSweepRow], spec: &ModernSweepSpec) -> Result<()> {
    let per_beta = |value: fn(&ModernSweepRow) -> f64| -> Vec<Series> {
        spec.betas
            .iter()
            .map(|&beta| Series {
                label: format!("β = {beta}"),
                points: rows
                    .iter()
                    .filter(|r| r.beta == beta)
                    .map(|r| (r.level, value(r)))
                    .collect(),
            })
            .collect()
    };
    let x_label = match spec.kind {
        CorruptionKind::Mask => "entries masked (%)",
        CorruptionKind::Gaussian => "noise standard deviation",
    };
    side_by_side_charts(
        path,
        &[
            Chart {
                y_range: Some((-0.02, 1.02)),
                legend_low: true,
                ..Chart::new(
                    "Retrieval accuracy (largest weight on the source pattern)",
                    x_label,
                    "fraction of queries",
                    per_beta(|r| r.accuracy),
                )
            },
            Chart {
                legend_low: true,
                ..Chart::new(
                    "Cosine similarity of retrieved and source",
                    x_label,
                    "mean similarity",
                    per_beta(|r| r.mean_similarity),
                )
            },
        ],
    )
}
