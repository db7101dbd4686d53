//! `hopsom demo`: seed 003 reproduced, both halves.
//!
//! Hopfield: Batman, A and Z are stored; each is corrupted at 10, 25, 50 and 75 % and recalled
//! asynchronously with the seed's update rule (y_i = s_i + W_i·s, one neuron at a time in random
//! order) until a fixed point.
//!
//! SOM: the seed's 50x50 colour map trained on five random colours (`som train --seed-compat`),
//! and its colour clustering of a photo (`som cluster`) on kodim23, which the binary carries.

use super::stdout::outln;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde_json::json;

use super::output::write_trajectory_gif;
use super::outputs::RunOutputs;
use super::som_cluster::{self, parse_epoch_list, EpochList};
use super::som_train;
use super::ComputeArgs;
use hopsom::error::{Param, Result};
use hopsom::hopfield::recall::{trajectory_energies, RecallParams};
use hopsom::hopfield::{self, best_match, noise, UpdateMode};
use hopsom::io::plot::{chart_grid, pattern_figure, Chart, FigureRow, Series};
use hopsom::som::ClusterParams;

/// The demo photo: Kodak's kodim23 (two parrots), 768x512.
const DEMO_PHOTO: &[u8] = include_bytes!("../../assets/photos/kodim23.png");

/// The noise levels of seed 003, in percent.
const LEVELS: [f64; 4] = [10.0, 25.0, 50.0, 75.0];

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the pictures: recall_grid.png (stored | noisy | recalled for the 12 cases),
    /// energy.png (energy after every flip, the seed's 3x4 figure) and one GIF per case; the
    /// SOM half in som_seed/ (seed_colours.png: initial and learned colours) and som_cluster/
    /// (cluster.png: the photo and each clustering result).
    #[arg(long, value_name = "DIR", default_value = "hopsom-out")]
    out: PathBuf,
    /// The most sweeps per recall.
    #[arg(long, default_value_t = RecallParams::default().max_sweeps)]
    max_sweeps: u32,
    /// Epochs of each colour-clustering result, as in the seed (each run continues from the
    /// previous one).
    #[arg(long, value_name = "LIST", default_value_t = EpochList(ClusterParams::default().epochs), value_parser = parse_epoch_list)]
    cluster_epochs: EpochList,
    #[command(flatten)]
    compute: ComputeArgs,
}

pub fn run(args: DemoArgs) -> Result<()> {
    let outputs = RunOutputs::in_directory("--out", &args.out);
    outputs.check()?;
    let stored = hopfield::seed_patterns();
    let shape = stored.shape.expect("the seed patterns are 15x15 grids");
    let seed = args.compute.seed;
    // Both halves' parameters are checked before the first picture is written.
    // The seed's clustering is the library's default.
    let cluster_params = ClusterParams {
        epochs: args.cluster_epochs.0.clone(),
        seed,
        ..ClusterParams::default()
    };
    cluster_params
        .validate()
        .map_err(|e| super::respelled(e, Param::Epochs, "--cluster-epochs"))?;

    let mut probes = Vec::new();
    let mut keys = Vec::new();
    for (p, pattern) in stored.iter().enumerate() {
        for &level in &LEVELS {
            probes.extend(noise::corrupt(
                pattern,
                level,
                &noise::noise_key(seed, p, level, 0),
            ));
            keys.push(noise::order_key(seed, p, level, 0));
        }
    }
    let params = RecallParams {
        mode: UpdateMode::Async,
        max_sweeps: args.max_sweeps,
        self_coupling: true,
        record_flips: true,
        ..Default::default()
    };
    params.validate()?;

    let backend = args.compute.open_backend()?;
    let out = outputs.prepare()?;
    let started = Instant::now();
    let network = hopfield::learn_hebbian(&stored, &backend)?;
    let progress = args.compute.progress(keys.len() as u64, "recall");
    let outcomes = hopfield::recall(&network, &probes, &keys, &params, &backend, &progress)?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();

    let n = stored.neurons();
    let mut rows = Vec::new();
    let mut figure = Vec::new();
    let mut panels = Vec::new();
    for (p, name) in stored.names.iter().enumerate() {
        let mut cells = vec![("stored".to_string(), stored.get(p).to_vec())];
        for (l, &level) in LEVELS.iter().enumerate() {
            let case = p * LEVELS.len() + l;
            let probe = &probes[case * n..(case + 1) * n];
            let outcome = &outcomes[case];
            let flips = outcome.flips.as_deref().unwrap_or_default();
            let best = best_match(&stored, &outcome.final_state);
            let recalled = best.exact && !best.inverted && best.pattern == p;
            cells.push((format!("{level}% noisy"), probe.to_vec()));
            cells.push((
                if recalled { "recalled ✓" } else { "recalled" }.to_string(),
                outcome.final_state.clone(),
            ));
            let file_stem = format!("{}_{}", name.to_lowercase(), level as u32);
            write_trajectory_gif(
                &out.join(format!("{file_stem}.gif")),
                probe,
                flips,
                shape,
                stored.polarity,
            )?;
            let energies = trajectory_energies(&network, &params, probe, flips)?;
            panels.push(Chart::new(
                &format!("{name} {level}% noisy"),
                "step (flip)",
                "energy",
                vec![Series::indexed(name.clone(), &energies)],
            ));
            rows.push(json!({
                "pattern": name,
                "noise": level,
                "flipped": noise::flip_count(n, level),
                "sweeps": outcome.sweeps,
                "steps": flips.len(),
                "ending": outcome.ending,
                "best_match": stored.names[best.pattern],
                "overlap": best.overlap,
                "inverted": best.inverted,
                "recalled": recalled,
                "energy_initial": energies.first(),
                "energy_final": energies.last(),
                "animation": format!("{file_stem}.gif"),
            }));
        }
        figure.push(FigureRow {
            label: name.clone(),
            cells,
        });
    }
    pattern_figure(
        &out.join("recall_grid.png"),
        &figure,
        shape,
        stored.polarity,
    )?;
    chart_grid(&out.join("energy.png"), &panels, LEVELS.len())?;

    // The SOM half.
    let seed_dir = super::output_dir(&out.join("som_seed"))?;
    let plan = som_train::seed_compat_plan(seed)?;
    let colour_map = som_train::execute(&plan, &seed_dir, &backend, &args.compute, true)?;
    let cluster_dir = super::output_dir(&out.join("som_cluster"))?;
    let photo = image::load_from_memory(DEMO_PHOTO)
        .expect("the embedded photo is a valid PNG")
        .into_rgb8();
    let clustering = som_cluster::execute(
        photo,
        &cluster_params,
        &cluster_dir,
        &backend,
        &args.compute,
    )?;
    outputs.finish("demo", Some(seed), started.elapsed().as_secs_f64())?;

    if args.compute.json {
        return super::print_run_json(
            &backend,
            json!({
                "neurons": n,
                "patterns": stored.len(),
                "seed": seed,
                "seconds": seconds,
                "out": out,
                "cases": rows,
                "som": {
                    "colour_map": {
                        "epochs": colour_map.trained.epochs.len(),
                        "qe": colour_map.trained.qe(),
                        "te": colour_map.trained.te(),
                        "seconds": colour_map.seconds,
                        "figure": seed_dir.join("seed_colours.png"),
                    },
                    "cluster": {
                        "photo": "kodim23",
                        "pixels": clustering.pixels,
                        "runs": clustering.runs,
                        "seconds": clustering.seconds,
                        "figure": clustering.figure,
                    },
                },
            }),
        );
    }
    outln!("Seed 003: Hopfield network of {n} neurons storing Batman, A and Z; asynchronous recall (y = s + W·s)")?;
    outln!(
        "{:<8} {:>6} {:>8} {:>7} {:>6}  {:<12} {:<11} {:>8}  recalled",
        "pattern",
        "noise",
        "flipped",
        "sweeps",
        "steps",
        "ending",
        "best match",
        "overlap"
    )?;
    for row in &rows {
        let best = format!(
            "{}{}",
            if row["inverted"] == json!(true) {
                "-"
            } else {
                ""
            },
            row["best_match"].as_str().unwrap_or("")
        );
        outln!(
            "{:<8} {:>5}% {:>8} {:>7} {:>6}  {:<12} {:<11} {:>8.3}  {}",
            row["pattern"].as_str().unwrap_or(""),
            row["noise"].as_f64().unwrap_or(0.0),
            row["flipped"].to_string(),
            row["sweeps"].to_string(),
            row["steps"].to_string(),
            row["ending"].as_str().unwrap_or(""),
            best,
            row["overlap"].as_f64().unwrap_or(0.0),
            if row["recalled"] == json!(true) {
                "yes"
            } else {
                "no"
            }
        )?;
    }
    outln!(
        "{} on {} in {:.3} s; pictures in {}: recall_grid.png, energy.png and one GIF per case",
        backend.name(),
        backend.device_name(),
        seconds,
        out.display()
    )?;
    outln!()?;
    outln!(
        "Seed 003, SOM: a 50x50 map learned five random colours in {:.2} s (QE {:.4}); see {}",
        colour_map.seconds,
        colour_map.trained.qe(),
        seed_dir.join("seed_colours.png").display()
    )?;
    outln!(
        "Colour clustering of kodim23 ({} pixels) into brown, blue, green and skin in {:.2} s:",
        clustering.pixels,
        clustering.seconds
    )?;
    som_cluster::print_runs(&clustering.runs)?;
    outln!("See {}", clustering.figure.display())?;
    Ok(())
}
