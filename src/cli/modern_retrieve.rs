//! `hopsom modern retrieve`: retrieve given queries, or corrupted copies of the stored
//! patterns, and report and picture what each reached.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::modern::{load_stored, read_matrix, MemoryArgs, Stored};
use super::outputs::RunOutputs;
use super::stdout::outln;
use super::ComputeArgs;
use hopsom::error::{Error, Param, Result};
use hopsom::hopfield::GridShape;
use hopsom::io::npy::write_npy;
use hopsom::io::output::write_atomically;
use hopsom::io::picture::{grey_image, side_by_side, stacked, write_png};
use hopsom::modern::corrupt::{corrupt, corruption_key, CorruptionKind};
use hopsom::modern::{attention_fits, retrieve, ModernSpec, Retrieval, RetrieveSpec, StateKind};

#[derive(Debug, Args)]
pub struct RetrieveArgs {
    #[command(flatten)]
    memory: MemoryArgs,
    /// The inverse temperature β: large separates the patterns (retrieval of one), small
    /// averages them.
    #[arg(long)]
    beta: f64,
    /// The queries: a .npy array (queries x dimension). Without it, every stored pattern is
    /// corrupted --trials times by --corruption at --level and retrieved.
    #[arg(long, value_name = "FILE")]
    queries: Option<PathBuf>,
    /// How queries are made from the stored patterns when --queries is not given.
    #[arg(long, value_parser = crate::cli::choice::<CorruptionKind>(), default_value_t = CorruptionKind::Mask, conflicts_with = "queries")]
    corruption: CorruptionKind,
    /// The corruption: the percentage masked, or the noise's standard deviation.
    #[arg(long, default_value_t = 50.0, conflicts_with = "queries")]
    level: f64,
    /// Corrupted copies of each stored pattern.
    #[arg(long, default_value_t = 1, conflicts_with = "queries")]
    trials: usize,
    /// The pictures' shape WxH (each pattern a grey image); `builtin` is 32x32.
    #[arg(long, value_name = "WxH", value_parser = crate::cli::parse_shape)]
    image_shape: Option<GridShape>,
    /// Write retrieved.npy, attention.npy (the last step's weights, queries x patterns, when
    /// they fit 1 GiB), energies.csv, report.csv, retrieval.png (with an image shape) and run.json.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    compute: ComputeArgs,
}

/// Queries and, when made from the stored patterns, the pattern each came from.
fn make_queries(args: &RetrieveArgs, stored: &Stored) -> Result<(Vec<f32>, Option<Vec<usize>>)> {
    if let Some(path) = &args.queries {
        let (values, _, columns) = read_matrix(path, "--queries")?;
        if columns != stored.dim {
            return Err(Error::bad_input(
                path,
                format!(
                    "queries of {columns} values, but the stored patterns have {}",
                    stored.dim
                ),
            ));
        }
        return Ok((values, None));
    }
    args.corruption
        .check_level(args.level)
        .map_err(|error| Error::Usage(error.message_with(|_, value| format!("--level {value}"))))?;
    if args.trials == 0 {
        return Err(Error::parameter(Param::Trials, 0, "must be at least 1"));
    }
    hopsom::limits::check_host_memory(
        "the corrupted queries",
        hopsom::limits::checked_product(&[args.trials as u64, stored.values.len() as u64, 4]),
    )?;
    let mut queries = Vec::with_capacity(args.trials * stored.values.len());
    let mut sources = Vec::with_capacity(args.trials * stored.patterns);
    for trial in 0..args.trials {
        for (p, pattern) in stored.values.chunks_exact(stored.dim).enumerate() {
            let key = corruption_key(args.compute.seed, p, args.level, trial);
            queries.extend(corrupt(pattern, args.corruption, args.level, &key));
            sources.push(p);
        }
    }
    Ok((queries, Some(sources)))
}

pub fn run_retrieve(args: RetrieveArgs) -> Result<()> {
    let outputs = match &args.out {
        Some(dir) => RunOutputs::in_directory("--out", dir),
        None => RunOutputs::default(),
    };
    outputs.check()?;
    let stored = load_stored(&args.memory.stored)?;
    let shape = args.image_shape.or(stored.shape);
    if let Some(shape) = shape {
        if shape.width * shape.height != stored.dim {
            return Err(Error::Usage(format!(
                "--image-shape {}x{}: {} values, but the patterns have {}",
                shape.width,
                shape.height,
                shape.width * shape.height,
                stored.dim
            )));
        }
    }
    let model = ModernSpec {
        beta: args.beta,
        normalize: args.memory.normalize,
    };
    hopsom::modern::check_beta(model.beta)?;
    let mut options = RetrieveSpec {
        stepping: args.memory.stepping(),
        ..RetrieveSpec::default()
    }
    .options()?;
    let (queries, sources) = make_queries(&args, &stored)?;
    let memory = model.memory(stored.values, stored.patterns, stored.dim)?;
    let count = queries.len() / stored.dim;
    let keep_attention = args.out.is_some() && attention_fits(count, stored.patterns);
    options.attention = keep_attention;
    let backend = args.compute.open_backend()?;
    let out = args.out.as_ref().map(|_| outputs.prepare()).transpose()?;
    let started = std::time::Instant::now();
    let progress = args.compute.progress(count as u64, "retrieve");
    let retrieval = retrieve(&memory, &queries, &options, &backend, &progress)?;
    let energies = retrieval.energies.as_deref().unwrap_or_default();
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();

    if let Some(dir) = &out {
        write_retrieval(dir, &retrieval, sources.as_deref())?;
        if let Some(shape) = shape {
            let picture = retrieval_picture(&queries, &retrieval, memory.stored(), shape);
            write_png(&dir.join("retrieval.png"), &picture)?;
        }
        outputs.finish("modern retrieve", Some(args.compute.seed), seconds)?;
    }
    let rows: Vec<serde_json::Value> = retrieval
        .reports
        .iter()
        .enumerate()
        .map(|(q, report)| {
            let energies = &energies[q];
            json!({
                "query": q,
                "source": sources.as_ref().map(|s| s[q]),
                "best_pattern": report.best_pattern,
                "weight": report.weight,
                "effective_patterns": report.effective_patterns,
                "kind": report.kind,
                "steps": report.steps,
                "converged": report.converged,
                "energy_start": energies.first(),
                "energy_end": energies.last(),
            })
        })
        .collect();
    let correct = sources.as_ref().map(|s| {
        retrieval
            .reports
            .iter()
            .zip(s)
            .filter(|(r, &p)| r.best_pattern == p)
            .count()
    });
    let kinds = |kind: StateKind| retrieval.reports.iter().filter(|r| r.kind == kind).count();
    if args.compute.json {
        return super::print_run_json(
            &backend,
            json!({
                "patterns": stored.patterns,
                "dim": stored.dim,
                "beta": args.beta,
                "normalize": args.memory.normalize,
                "queries": count,
                "correct": correct,
                "single_pattern": kinds(StateKind::SinglePattern),
                "metastable": kinds(StateKind::Metastable),
                "global_average": kinds(StateKind::GlobalAverage),
                "attention_written": keep_attention,
                "seconds": seconds,
                "queries_per_second": count as f64 / seconds.max(1e-9),
                "rows": rows,
            }),
        );
    }
    outln!(
        "{count} queries of {} values, {} stored patterns, β = {}: {} single-pattern fixed points, {} metastable, {} global average",
        stored.dim,
        stored.patterns,
        args.beta,
        kinds(StateKind::SinglePattern),
        kinds(StateKind::Metastable),
        kinds(StateKind::GlobalAverage)
    )?;
    if let Some(correct) = correct {
        outln!("{correct} of {count} retrieved the pattern they were made from")?;
    }
    outln!(
        "{:>6} {:>7} {:>6} {:>8} {:>9} {:>15} {:>5} {:>12} {:>12}",
        "query",
        "source",
        "best",
        "weight",
        "averaged",
        "kind",
        "steps",
        "energy 0",
        "energy end"
    )?;
    const SHOWN: usize = 20;
    for (q, report) in retrieval.reports.iter().enumerate().take(SHOWN) {
        let energies = &energies[q];
        outln!(
            "{:>6} {:>7} {:>6} {:>8.4} {:>9.2} {:>15} {:>5} {:>12.5} {:>12.5}",
            q,
            sources.as_ref().map_or("-".into(), |s| s[q].to_string()),
            report.best_pattern,
            report.weight,
            report.effective_patterns,
            kind_name(report.kind),
            report.steps,
            energies[0],
            energies[energies.len() - 1]
        )?;
    }
    if rows.len() > SHOWN {
        outln!(
            "... {} more (all of them in --json, or report.csv in --out)",
            rows.len() - SHOWN
        )?;
    }
    if args.out.is_some() && !keep_attention {
        outln!(
            "attention.npy not written: {count} queries x {} patterns pass 1 GiB",
            stored.patterns
        )?;
    }
    outln!(
        "{} on {} in {seconds:.3} s ({:.0} queries/s)",
        backend.name(),
        backend.device_name(),
        count as f64 / seconds.max(1e-9)
    )?;
    Ok(())
}

fn write_retrieval(dir: &Path, retrieval: &Retrieval, sources: Option<&[usize]>) -> Result<()> {
    let (q, d, p) = (retrieval.queries, retrieval.dim, retrieval.patterns);
    write_npy(&dir.join("retrieved.npy"), &[q, d], &retrieval.retrieved)?;
    if let Some(attention) = &retrieval.attention {
        write_npy(&dir.join("attention.npy"), &[q, p], attention)?;
    }
    write_atomically(&dir.join("energies.csv"), |file| {
        writeln!(file, "query,step,energy")?;
        for (query, energies) in retrieval.energies.iter().flatten().enumerate() {
            for (step, energy) in energies.iter().enumerate() {
                writeln!(file, "{query},{step},{energy}")?;
            }
        }
        Ok(())
    })?;
    write_atomically(&dir.join("report.csv"), |file| {
        writeln!(
            file,
            "query,source,best_pattern,weight,effective_patterns,kind,steps,converged"
        )?;
        for (query, report) in retrieval.reports.iter().enumerate() {
            let source = sources.map_or(String::new(), |s| s[query].to_string());
            let kind = kind_name(report.kind);
            writeln!(
                file,
                "{query},{source},{},{},{},{kind},{},{}",
                report.best_pattern,
                report.weight,
                report.effective_patterns,
                report.steps,
                report.converged
            )?;
        }
        Ok(())
    })
}

/// The kind's name as JSON and CSV spell it.
fn kind_name(kind: StateKind) -> &'static str {
    match kind {
        StateKind::SinglePattern => "single_pattern",
        StateKind::Metastable => "metastable",
        StateKind::GlobalAverage => "global_average",
    }
}

/// Up to 12 queries, evenly spaced through the batch, in three columns of four rows, each a triple: the query, what it
/// retrieved, the stored pattern of the largest weight. Each image is scaled by its largest
/// magnitude (normalised patterns are small), so 0, a masked entry, stays mid-grey.
fn retrieval_picture(
    queries: &[f32],
    retrieval: &Retrieval,
    stored: &[f32],
    shape: GridShape,
) -> image::RgbImage {
    let d = retrieval.dim;
    let scale = hopsom::io::picture::scale_for(shape, 96);
    let picture = |values: &[f32]| {
        let largest = values.iter().fold(0f32, |m, v| m.max(v.abs()));
        let stretched: Vec<f32> = values
            .iter()
            .map(|v| if largest > 0.0 { v / largest } else { 0.0 })
            .collect();
        grey_image(&stretched, shape, scale)
    };
    let shown = retrieval.queries.min(12);
    let triples: Vec<image::RgbImage> = (0..shown)
        .map(|k| k * retrieval.queries / shown)
        .map(|q| {
            let best = retrieval.reports[q].best_pattern;
            side_by_side(
                &[
                    picture(&queries[q * d..(q + 1) * d]),
                    picture(&retrieval.retrieved[q * d..(q + 1) * d]),
                    picture(&stored[best * d..(best + 1) * d]),
                ],
                4,
            )
        })
        .collect();
    let columns: Vec<image::RgbImage> = triples.chunks(4).map(|rows| stacked(rows, 8)).collect();
    side_by_side(&columns, 24)
}
