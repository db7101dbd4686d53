//! `hopsom hopfield recall`: store patterns, recall probes, report and draw the outcomes.

use super::stdout::outln;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde_json::{json, Value};

use super::dynamics::NetworkArgs;
use super::output::{write_probe_picture, write_trajectory_gif, write_trajectory_npy};
use super::outputs::RunOutputs;
use super::ComputeArgs;
use hopsom::error::{Error, Result};
use hopsom::hopfield::recall::{check_network_fits, trajectory_energies, RecallParams, Thresholds};
use hopsom::hopfield::{self, best_match, noise, GridShape, PatternSet, UpdateMode};
use hopsom::io::patterns::{read_pattern_file, read_pattern_files};
use hopsom::io::plot::{line_chart, Chart, Series};
use hopsom::limits::{check_host_memory, checked_product};
use hopsom::rng::StreamKey;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("probes").required(true).args(["probe", "noise"])))]
pub struct RecallArgs {
    /// Files of patterns to store: text (one pattern per line, +1/-1 separated by commas or
    /// spaces), grid text (rows of '#' = +1 and '.' = -1), images (brighter than mid-grey = +1) or
    /// .npy (patterns x neurons). `builtin` stores seed 003's Batman, A and Z.
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    patterns: Vec<PathBuf>,
    /// Files of probes to recall, in the same formats; a file may hold several probes.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    probe: Vec<PathBuf>,
    /// Recall noisy copies of every stored pattern instead: flip exactly ⌊PCT/100 · N⌋ distinct
    /// neurons. Several levels may be given, separated by commas.
    #[arg(long, value_name = "PCT", value_delimiter = ',')]
    noise: Vec<f64>,
    /// Noisy copies per pattern and noise level.
    #[arg(
        long,
        default_value_t = 1,
        requires = "noise",
        conflicts_with = "probe"
    )]
    trials: usize,
    #[command(flatten)]
    network: NetworkArgs,
    /// Resize image patterns and probes to WxH pixels before making them bipolar.
    #[arg(long, value_parser = super::parse_shape, value_name = "WxH")]
    size: Option<GridShape>,
    /// Also report every flip of asynchronous recall (the trajectory) in the JSON, and write it
    /// as trajectory_NNN.npy with --out.
    #[arg(long)]
    trajectory: bool,
    /// Directory for pictures: probe | result PNGs and trajectory GIFs for image-shaped patterns,
    /// and energy.png, the energy after each sweep.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    compute: ComputeArgs,
}

/// Where a probe came from.
struct ProbeSource {
    label: String,
    details: Value,
}

pub fn load_patterns(paths: &[PathBuf], size: Option<GridShape>) -> Result<PatternSet> {
    // `builtin` (seed 003's Batman, A and Z) may stand beside files of the same size.
    let sets = paths
        .iter()
        .map(|path| {
            if path.as_os_str() == "builtin" {
                Ok(hopfield::seed_patterns())
            } else {
                read_pattern_file(path, size)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    PatternSet::concat(sets)
}

fn noisy_probes(
    stored: &PatternSet,
    levels: &[f64],
    trials: usize,
    seed: u64,
) -> Result<(Vec<i8>, Vec<StreamKey>, Vec<ProbeSource>)> {
    if trials == 0 {
        return Err(Error::Usage("--trials must be at least 1".into()));
    }
    for &level in levels {
        noise::check_noise(level)?;
    }
    let count = checked_product(&[stored.len() as u64, levels.len() as u64, trials as u64]);
    check_probe_memory(
        &format!(
            "--trials {trials}: {} patterns x {} noise levels x {trials} trials",
            stored.len(),
            levels.len()
        ),
        count,
        stored.neurons(),
    )?;
    let mut probes = Vec::new();
    let mut keys = Vec::new();
    let mut sources = Vec::new();
    for (p, pattern) in stored.iter().enumerate() {
        for &level in levels {
            for trial in 0..trials {
                probes.extend(noise::corrupt(
                    pattern,
                    level,
                    &noise::noise_key(seed, p, level, trial),
                ));
                keys.push(noise::order_key(seed, p, level, trial));
                sources.push(ProbeSource {
                    label: format!("{} {level}% #{trial}", stored.names[p]),
                    details: json!({
                        "pattern": p,
                        "noise": level,
                        "trial": trial,
                        "flipped": noise::flip_count(stored.neurons(), level),
                    }),
                });
            }
        }
    }
    Ok((probes, keys, sources))
}

/// Recall holds every probe and its outcome until it prints them: refuse a batch that cannot
/// fit before making it (a sweep of many trials streams instead: `hopfield sweep`). A probe
/// takes its state and its final state (1 byte a neuron each) and the final state again as JSON
/// values (48 bytes a neuron in a `serde_json::Value`, which `--json` and the table are built from).
fn check_probe_memory(what: &str, count: Option<u64>, neurons: usize) -> Result<()> {
    let per_probe = (neurons as u64).saturating_mul(2 + 48).saturating_add(1024);
    check_host_memory(
        &format!("{what} probes of {neurons} neurons (use hopfield sweep for many trials)"),
        count.and_then(|c| c.checked_mul(per_probe)),
    )
}

pub fn run(args: RecallArgs) -> Result<()> {
    let outputs = match &args.out {
        Some(dir) => RunOutputs::in_directory("--out", dir),
        None => RunOutputs::default(),
    };
    outputs.check()?;
    let stored = load_patterns(&args.patterns, args.size)?;
    let (probes, keys, sources) = if args.probe.is_empty() {
        noisy_probes(&stored, &args.noise, args.trials, args.compute.seed)?
    } else {
        let given = read_pattern_files(&args.probe, args.size)?;
        if given.neurons() != stored.neurons() {
            return Err(Error::InvalidData(format!(
                "probes have {} neurons but the stored patterns have {}",
                given.neurons(),
                stored.neurons()
            )));
        }
        let keys = (0..given.len())
            .map(|b| noise::probe_order_key(args.compute.seed, b))
            .collect();
        let sources = given
            .names
            .iter()
            .map(|name| ProbeSource {
                label: name.clone(),
                details: json!({ "file": name }),
            })
            .collect();
        (given.states().to_vec(), keys, sources)
    };
    let image_shaped = stored.shape.filter(|_| args.out.is_some());
    let mode = args.network.dynamics.mode;
    if args.trajectory && mode == UpdateMode::Sync {
        return Err(Error::Usage(
            "--trajectory records the flips of asynchronous recall; it does nothing with --mode sync".into(),
        ));
    }
    let record_flips = mode == UpdateMode::Async && (args.trajectory || image_shaped.is_some());
    let params = args
        .network
        .dynamics
        .params(stored.neurons(), record_flips)?;
    params.validate()?;

    let backend = args.compute.open_backend()?;
    let learning = args.network.learning()?;
    check_network_fits(stored.neurons(), stored.len(), &learning, mode, &backend)?;
    let out = args.out.as_ref().map(|_| outputs.prepare()).transpose()?;
    let started = Instant::now();
    let network = hopfield::learn(&stored, &learning, &backend)?;
    let progress = args.compute.progress(keys.len() as u64, "recall");
    let outcomes = hopfield::recall(&network, &probes, &keys, &params, &backend, &progress)?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();

    let n = stored.neurons();
    let mut rows = Vec::with_capacity(outcomes.len());
    for (b, (outcome, source)) in outcomes.iter().zip(&sources).enumerate() {
        let best = best_match(&stored, &outcome.final_state);
        let mut row = json!({
            "index": b,
            "source": source.details,
            "final": outcome.final_state,
            "sweeps": outcome.sweeps,
            "converged": outcome.converged(),
            "ending": outcome.ending,
            "energy": outcome.energy,
            "best_match": best.pattern,
            "best_match_name": stored.names[best.pattern],
            "overlap": best.overlap,
            "inverted": best.inverted,
            "exact": best.exact,
        });
        if args.trajectory {
            if let Some(flips) = &outcome.flips {
                row["flips"] = json!(flips);
            }
        }
        rows.push(row);
    }

    if let Some(dir) = &out {
        let probe_of = |b: usize| &probes[b * n..(b + 1) * n];
        if let Some(shape) = image_shaped {
            for (b, outcome) in outcomes.iter().enumerate() {
                write_probe_picture(
                    &dir.join(format!("probe_{b:03}.png")),
                    probe_of(b),
                    &outcome.final_state,
                    shape,
                    stored.polarity,
                )?;
                if let Some(flips) = &outcome.flips {
                    write_trajectory_gif(
                        &dir.join(format!("trajectory_{b:03}.gif")),
                        probe_of(b),
                        flips,
                        shape,
                        stored.polarity,
                    )?;
                }
            }
        }
        if args.trajectory {
            for (b, outcome) in outcomes.iter().enumerate() {
                if let Some(flips) = &outcome.flips {
                    write_trajectory_npy(
                        &dir.join(format!("trajectory_{b:03}.npy")),
                        probe_of(b),
                        flips,
                    )?;
                }
            }
        }
        write_energy_plot(dir, &outcomes, &sources, &network, &probes, &params)?;
        outputs.finish("hopfield recall", Some(args.compute.seed), seconds)?;
    }

    let backend_json = json!(backend.name());
    if args.compute.json {
        return super::print_json(&json!({
            "backend": backend_json,
            "adapter": backend.device_name(),
            "neurons": n,
            "patterns": stored.len(),
            "rule": args.network.learning.rule,
            "interaction": learning.interaction,
            "weights": if network.is_factored() { "factored" } else { "dense" },
            "pattern_names": stored.names,
            "mode": mode,
            "max_sweeps": params.max_sweeps,
            "self_coupling": params.self_coupling,
            "threshold": match &params.thresholds {
                Thresholds::Uniform(theta) => json!(theta),
                Thresholds::PerNeuron(_) => json!(args.network.dynamics.thresholds),
            },
            "clamped": params.clamp.as_ref().map_or(0, |c| c.iter().filter(|&&v| v).count()),
            "temperature": params.temperature,
            "seed": args.compute.seed,
            "seconds": seconds,
            "probes": rows,
        }));
    }
    print_table(&rows, &sources, &stored)?;
    let recalled = rows
        .iter()
        .filter(|r| r["exact"] == json!(true) && r["inverted"] == json!(false))
        .count();
    outln!(
        "{} probes, {} recalled a stored pattern exactly; {} neurons, {} patterns; {} on {} in {:.3} s",
        rows.len(),
        recalled,
        n,
        stored.len(),
        backend.name(),
        backend.device_name(),
        seconds
    )?;
    if let Some(dir) = &out {
        outln!("pictures in {}", dir.display())?;
    }
    Ok(())
}

fn print_table(rows: &[Value], sources: &[ProbeSource], stored: &PatternSet) -> Result<()> {
    let width = sources
        .iter()
        .map(|s| s.label.len())
        .max()
        .unwrap_or(5)
        .clamp(5, 40);
    outln!(
        "{:>4}  {:<width$}  {:>6}  {:<11}  {:<14}  {:>8}  {:>12}",
        "#",
        "probe",
        "sweeps",
        "ending",
        "best match",
        "overlap",
        "final energy"
    )?;
    for (row, source) in rows.iter().zip(sources) {
        let best = row["best_match"].as_u64().unwrap_or(0) as usize;
        let mut name = stored.names[best].clone();
        if row["inverted"] == json!(true) {
            name = format!("-{name}");
        }
        let energy = row["energy"]
            .as_array()
            .and_then(|e| e.last())
            .and_then(Value::as_f64)
            .unwrap_or(f64::NAN);
        outln!(
            "{:>4}  {:<width$}  {:>6}  {:<11}  {:<14}  {:>8.3}  {:>12}",
            row["index"].to_string(),
            source.label,
            row["sweeps"].to_string(),
            row["ending"].as_str().unwrap_or(""),
            name,
            row["overlap"].as_f64().unwrap_or(0.0),
            energy.to_string()
        )?;
    }
    Ok(())
}

/// The most probes drawn in one energy plot; more would be unreadable.
const MAX_PLOTTED: usize = 10;

fn write_energy_plot(
    dir: &std::path::Path,
    outcomes: &[hopfield::RecallOutcome],
    sources: &[ProbeSource],
    network: &hopfield::HopfieldNetwork,
    probes: &[i8],
    params: &RecallParams,
) -> Result<()> {
    let n = network.neurons();
    let per_flip = outcomes.iter().all(|o| o.flips.is_some()) && params.mode == UpdateMode::Async;
    let series: Vec<Series> = outcomes
        .iter()
        .zip(sources)
        .enumerate()
        .take(MAX_PLOTTED)
        .map(|(b, (outcome, source))| {
            let values = match (&outcome.flips, per_flip) {
                (Some(flips), true) => {
                    trajectory_energies(network, params, &probes[b * n..(b + 1) * n], flips)?
                }
                _ => outcome.energy.clone(),
            };
            Ok(Series::indexed(source.label.clone(), &values))
        })
        .collect::<Result<_>>()?;
    let shown = if outcomes.len() > MAX_PLOTTED {
        format!(" (first {MAX_PLOTTED} of {})", outcomes.len())
    } else {
        String::new()
    };
    let (title, x_label) = if per_flip {
        (format!("Energy after every flip{shown}"), "flip")
    } else {
        (format!("Energy after every sweep{shown}"), "sweep")
    };
    line_chart(
        &dir.join("energy.png"),
        &Chart::new(&title, x_label, "energy E", series),
    )
}
