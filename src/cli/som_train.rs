//! `hopsom som train`: train a map on an image's pixels, on numeric data, or on seed 003's five
//! random colours (`--seed-compat`), and write the codebook, pictures of the map, per-epoch
//! errors and, for images, the segmented picture.

use super::stdout::outln;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use serde_json::json;

use super::outputs::RunOutputs;
use super::som_output::{finite_or_null, write_epoch_plot, write_labels, write_map_pictures};
use super::ComputeArgs;
use hopsom::error::Result;
use hopsom::hopfield::GridShape;
use hopsom::io::models::SomModel;
use hopsom::io::output::write_csv_rows;
use hopsom::io::photos::read_image_samples;
use hopsom::io::picture::write_png;
use hopsom::io::segmented::write_segmented;
use hopsom::io::tables::read_samples;
use hopsom::som::{
    assign, train, Codebook, Grid, Init, MapSpec, Metric, Mode, Neighbourhood, Samples, Schedule,
    Topology, TrainSpec, Trained, TrainingParams,
};
use hopsom::Backend;

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("input").required(true).args(["image", "data", "seed_compat"]))]
pub struct TrainArgs {
    /// Train on the pixels of this image: PNG, JPEG, GIF or BMP as RGB values 0–255; 16-bit PNG
    /// and TIFF (and float TIFF) in their own depth and bands; or an H x W x D .npy array of
    /// uint8, uint16, float32 or float64 (a multispectral image). Images that are not 8-bit RGB
    /// also give segmented.npy in their own type and a false-colour segmented.png.
    #[arg(long, value_name = "IMG")]
    image: Option<PathBuf>,
    /// Train on numeric data: a .npy array of shape (samples, dim) or (samples,), or a CSV file
    /// of one sample per row (a non-numeric first row is a header).
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// Reproduce seed 003's `SOM_network`: a 50x50 rectangular map with weights uniform in
    /// [0, 1), five random colours, online training for 100 epochs with lr = 2, σ = 50, τ = 1,
    /// the seed schedule, samples in order and the seed's extra winner update.
    #[arg(long, conflicts_with_all = [
        "grid", "topology", "toroidal", "neighbourhood", "mode", "epochs", "lr", "lr_end",
        "sigma", "sigma_end", "schedule", "tau", "init", "metric", "in_order", "cutoff",
        "iterations", "extra_winner_update",
    ])]
    seed_compat: bool,
    /// Map size, columns x rows.
    #[arg(long, value_name = "WxH", value_parser = super::parse_shape, default_value_t = default_grid())]
    grid: GridShape,
    /// Node layout: `rect` (4 neighbours) or `hex` (6 neighbours).
    #[arg(long, value_parser = crate::cli::choice::<Topology>(), default_value_t = MapSpec::default().topology)]
    topology: Topology,
    /// Join opposite edges, so the map has no border.
    #[arg(long)]
    toroidal: bool,
    /// How nodes near the winner move with it.
    #[arg(long, value_parser = crate::cli::choice::<Neighbourhood>(), default_value_t = TrainSpec::default().neighbourhood)]
    neighbourhood: Neighbourhood,
    /// `batch` (Kohonen's batch map, fast, no learning rate) or `online` (one sample at a time).
    #[arg(long, value_parser = crate::cli::choice::<Mode>(), default_value_t = TrainSpec::default().mode)]
    mode: Mode,
    /// Passes over the data.
    #[arg(long, default_value_t = TrainSpec::default().epochs)]
    epochs: usize,
    /// Learning rate at the start (online mode; batch mode has none) [default: 0.5].
    #[arg(long, value_parser = crate::cli::float32)]
    lr: Option<f32>,
    /// Learning rate at the end: of the last sample in online mode (exponential, linear and
    /// inverse schedules) [default: 0.01].
    #[arg(long, value_parser = crate::cli::float32)]
    lr_end: Option<f32>,
    /// Neighbourhood radius at the start, in node spacings [default: half the longer side].
    #[arg(long, value_parser = crate::cli::float32)]
    sigma: Option<f32>,
    /// Neighbourhood radius at the end: of the last sample in online mode, of the last epoch in
    /// batch mode (exponential, linear and inverse schedules); 0 makes the end plain k-means
    /// [default: 0.5].
    #[arg(long, value_parser = crate::cli::float32)]
    sigma_end: Option<f32>,
    /// How learning rate and radius shrink: per sample visited in online mode, per epoch in
    /// batch mode. `exponential`, `linear` or `inverse` go from the start to the end values;
    /// `asymptotic` (alias `minisom`) is MiniSom's default v/(1 + t/(T/2)); `seed` is seed 003's
    /// per-epoch rule (lr·0.5^e after epoch e, radius σ·exp(−e/τ)).
    #[arg(long, value_parser = crate::cli::choice::<Schedule>(), default_value_t = TrainSpec::default().schedule)]
    schedule: Schedule,
    /// τ of the seed schedule's radius [default: 1].
    #[arg(long, value_parser = crate::cli::float32)]
    tau: Option<f32>,
    /// Neighbourhood weights below this fraction of the peak are exactly 0: the gaussian's axis
    /// factors end at 5.26σ for 1e-6, and only nodes inside that window are visited. 0 keeps
    /// the whole neighbourhood (slower, and its far tail is subnormal floats).
    #[arg(long, value_parser = crate::cli::float32, default_value_t = TrainSpec::default().cutoff, allow_negative_numbers = true)]
    cutoff: f32,
    /// Initial weights: `random` (uniform in the data's range), `samples` (random samples) or
    /// `pca` (the plane of the first two principal components).
    #[arg(long, value_parser = crate::cli::choice::<Init>(), default_value_t = TrainSpec::default().init)]
    init: Init,
    /// How a sample is compared with the nodes to find its winner.
    #[arg(long, value_parser = crate::cli::choice::<Metric>(), default_value_t = TrainSpec::default().metric)]
    metric: Metric,
    /// Online mode: visit the samples in their order instead of a new random order each epoch.
    #[arg(long)]
    in_order: bool,
    /// Online mode: samples visited per epoch, cycling through the data (in a seeded random
    /// order of that cycle, unless --in-order: MiniSom's `train_random` and `train_batch`)
    /// [default: every sample once].
    #[arg(long, value_name = "N")]
    iterations: Option<u64>,
    /// Online mode: move the winner by lr·(x − w) before the neighbourhood update as well, as
    /// seed 003 does.
    #[arg(long)]
    extra_winner_update: bool,
    /// Directory for codebook.npy, model.npz (the map with its topology, metric and training
    /// options, for `som segment --model` and Python's `hopsom.load`), codebook.png, umatrix.png, hitmap.png, epochs.csv,
    /// epochs.png, labels.npy and, for images, segmented.png (seed_colours.png with
    /// --seed-compat).
    #[arg(long, value_name = "DIR", default_value = "hopsom-out/som")]
    out: PathBuf,
    #[command(flatten)]
    compute: ComputeArgs,
}

/// The run as parsed: what to learn, on which grid, how.
pub struct Plan {
    samples: Samples,
    grid: Grid,
    params: TrainingParams,
    initial: Codebook,
    /// The value range shown as 0–255 in the codebook picture.
    colour_range: (f32, f32),
    source: String,
}

/// The map's size as the library's default spec has it.
fn default_grid() -> GridShape {
    let map = MapSpec::default();
    GridShape {
        width: map.width,
        height: map.height,
    }
}

fn plan(args: &TrainArgs) -> Result<Plan> {
    let seed = args.compute.seed;
    if args.seed_compat {
        return seed_compat_plan(seed);
    }
    let grid = MapSpec {
        width: args.grid.width,
        height: args.grid.height,
        dim: 1,
        topology: args.topology,
        toroidal: args.toroidal,
    }
    .grid()?;
    let params = TrainSpec {
        mode: args.mode,
        epochs: args.epochs,
        neighbourhood: args.neighbourhood,
        schedule: args.schedule,
        lr: args.lr,
        lr_end: args.lr_end,
        sigma: args.sigma,
        sigma_end: args.sigma_end,
        tau: args.tau,
        cutoff: args.cutoff,
        metric: args.metric,
        init: args.init,
        shuffle: !args.in_order,
        iterations: args.iterations,
        extra_winner_update: args.extra_winner_update,
        seed,
    }
    .params(&grid);
    // Parameters are checked before any file is read.
    let params = params?;
    let (samples, source) = match (&args.image, &args.data) {
        (Some(path), _) => (read_image_samples(path)?, path.display().to_string()),
        (None, Some(path)) => (read_samples(path)?, path.display().to_string()),
        (None, None) => unreachable!("clap requires an input"),
    };
    let colour_range = match samples {
        Samples::Rgb8 { .. } => (0.0, 255.0),
        Samples::Table { .. } | Samples::Image { .. } => {
            let (low, high) = samples.bounds();
            (
                low.iter().copied().fold(f32::INFINITY, f32::min),
                high.iter().copied().fold(f32::NEG_INFINITY, f32::max),
            )
        }
    };
    let initial = Codebook::initialise(grid, &samples, params.init, seed)?;
    Ok(Plan {
        samples,
        grid,
        params,
        initial,
        colour_range,
        source,
    })
}

/// What a training run produced, for printing.
pub struct TrainOutcome {
    pub trained: Trained,
    pub psnr: Option<f64>,
    pub seconds: f64,
    pub written: Vec<PathBuf>,
}

/// Seed 003's `SOM_network` run: see `--seed-compat`.
pub fn seed_compat_plan(seed: u64) -> Result<Plan> {
    let samples = Samples::random_colours(5, seed);
    let grid = Grid::rectangular(50, 50)?;
    let initial = Codebook::uniform(grid, &[0.0; 3], &[1.0; 3], seed);
    Ok(Plan {
        samples,
        grid,
        params: TrainingParams::seed_compat(seed),
        initial,
        colour_range: (0.0, 1.0),
        source: "seed 003: five random colours".into(),
    })
}

/// Trains as `plan` says and writes every output into `out`.
pub fn execute(
    plan: &Plan,
    out: &Path,
    backend: &Backend,
    compute: &ComputeArgs,
    seed_figure: bool,
) -> Result<TrainOutcome> {
    let started = Instant::now();
    let progress = compute.progress(plan.params.epochs as u64, "epochs");
    let trained = train(
        backend,
        &plan.samples,
        plan.initial.clone(),
        &plan.params,
        &progress,
    )?;
    progress.finish_and_clear();
    let progress = compute.progress(plan.samples.len() as u64, "labels");
    let assignment = assign(
        backend,
        &trained.codebook,
        plan.params.metric,
        &plan.samples,
        &progress,
    )?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();

    hopsom::io::codebooks::save_codebook(&trained.codebook, &out.join("codebook.npy"))?;
    SomModel {
        codebook: trained.codebook.clone(),
        neighbourhood: plan.params.neighbourhood,
        metric: plan.params.metric,
        init: plan.params.init,
        seed: plan.params.seed,
        epochs_trained: plan.params.epochs as u64,
    }
    .save(&out.join("model.npz"))?;
    let mut written = write_map_pictures(out, &trained.codebook, &trained.hits, plan.colour_range)?;
    let label_shape = match plan.samples.image_size() {
        Some((width, height)) => vec![height, width],
        None => vec![plan.samples.len()],
    };
    write_labels(&out.join("labels.npy"), &assignment.labels, &label_shape)?;
    write_csv_rows(&out.join("epochs.csv"), &trained.epochs)?;
    write_epoch_plot(
        &out.join("epochs.png"),
        &trained.epochs,
        &plan.grid.describe(),
    )?;
    if let (Some(pixels), Some((width, height))) =
        (&assignment.segmented_pixels, plan.samples.image_size())
    {
        let bands = plan.samples.dim();
        written.extend(write_segmented(out, width, height, bands, pixels)?);
    }
    let psnr = match &assignment.segmented {
        Some(segmented) => {
            let path = out.join("segmented.png");
            write_png(&path, &segmented.image)?;
            written.push(path);
            Some(segmented.psnr)
        }
        None => None,
    };
    if seed_figure {
        let path = out.join("seed_colours.png");
        write_seed_figure(&path, plan, &trained)?;
        written.push(path);
    }
    Ok(TrainOutcome {
        trained,
        psnr,
        seconds,
        written,
    })
}

pub fn run(args: TrainArgs) -> Result<()> {
    let outputs = RunOutputs::in_directory("--out", &args.out);
    outputs.check()?;
    let plan = plan(&args)?;
    let backend = args.compute.open_backend()?;
    let out = outputs.prepare()?;
    let TrainOutcome {
        trained,
        psnr,
        seconds,
        written,
    } = execute(&plan, &out, &backend, &args.compute, args.seed_compat)?;
    outputs.finish("som train", Some(plan.params.seed), seconds)?;

    if args.compute.json {
        let mut value = json!({
            "backend": backend.name(),
            "device": backend.device_name(),
            "source": plan.source,
            "samples": plan.samples.len(),
            "dim": plan.samples.dim(),
            "grid": {"width": plan.grid.width, "height": plan.grid.height,
                     "topology": plan.grid.topology, "toroidal": plan.grid.toroidal},
            "params": plan.params,
            "epochs": trained.epochs,
            "qe": trained.qe(),
            "te": trained.te(),
            "hits": trained.hits,
            "seconds": seconds,
            "training_seconds": trained.training_seconds,
            "codebook": out.join("codebook.npy"),
            "model": out.join("model.npz"),
        });
        if let Some(psnr) = psnr {
            value["psnr"] = finite_or_null(psnr);
        }
        return super::print_json(&value);
    }
    outln!(
        "Trained a {} map ({:?}, {} epochs) on {} samples of {} dimensions from {} on {} in {seconds:.2} s",
        plan.grid.describe(),
        plan.params.mode,
        plan.params.epochs,
        plan.samples.len(),
        plan.samples.dim(),
        plan.source,
        backend.device_name()
    )?;
    outln!(
        "{:>6} {:>12} {:>8} {:>10} {:>8}",
        "epoch",
        "QE",
        "TE",
        "lr",
        "sigma"
    )?;
    for e in sampled(&trained.epochs, 12) {
        outln!(
            "{:>6} {:>12.4} {:>8.4} {:>10.4e} {:>8.3}",
            e.epoch,
            e.qe,
            e.te,
            e.learning_rate,
            e.sigma
        )?;
    }
    if let Some(psnr) = psnr {
        outln!("PSNR of the segmented image: {psnr:.2} dB")?;
    }
    outln!("Wrote codebook.npy, model.npz, labels.npy, epochs.csv, epochs.png and:")?;
    for path in written {
        outln!("  {}", path.display())?;
    }
    Ok(())
}

/// At most `limit` evenly spaced entries, always the first and the last.
fn sampled<T>(items: &[T], limit: usize) -> impl Iterator<Item = &T> {
    hopsom::io::picture::sample_frames(items.len(), limit)
        .into_iter()
        .map(move |k| &items[k])
}

/// The seed's figure: initial and learned colours, and the five training colours.
fn write_seed_figure(path: &Path, plan: &Plan, trained: &Trained) -> Result<()> {
    use hopsom::io::map_picture::{map_picture, weight_colours};
    use hopsom::io::plot::{panel_figure, Panel};
    let grid = &plan.grid;
    let picture =
        |codebook: &Codebook| map_picture(grid, &weight_colours(&codebook.weights, 3, 0.0, 1.0), 6);
    let Samples::Table { values, .. } = &plan.samples else {
        unreachable!("seed compat trains on a table of colours")
    };
    let colours = weight_colours(values, 3, 0.0, 1.0);
    let swatches = Grid::rectangular(colours.len(), 1)?;
    panel_figure(
        path,
        &[
            Panel {
                caption: "initial colours".into(),
                image: picture(&plan.initial),
            },
            Panel {
                caption: "learned colours".into(),
                image: picture(&trained.codebook),
            },
            Panel {
                caption: "the 5 training colours".into(),
                image: map_picture(&swatches, &colours, 60),
            },
        ],
        3,
    )
}
