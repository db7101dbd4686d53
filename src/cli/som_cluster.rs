//! `hopsom som cluster`: seed 003's `ColorClusteringSOM`. K colours learned by online
//! winner-take-all over the shuffled pixels, one result per entry of `--epochs`.

use super::stdout::outln;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use serde_json::json;

use super::outputs::RunOutputs;
use super::som_output::{finite_or_null, write_labels};
use super::ComputeArgs;
use hopsom::error::{Error, Result};
use hopsom::io::output::write_csv_rows;
use hopsom::io::photos::read_rgb_image;
use hopsom::io::picture::write_png;
use hopsom::io::plot::{panel_figure, Panel};
use hopsom::som::{cluster_colours, ClusterParams, EpochReport, Samples, SEED_COLOURS};
use hopsom::Backend;

/// A list of colours: `seed` (brown, blue, green, skin) or hex codes like `#a52a2a,#0000ff`.
#[derive(Debug, Clone)]
pub struct ColourList(pub Vec<[f32; 3]>);

pub fn parse_colours(text: &str) -> std::result::Result<ColourList, String> {
    if text.trim().eq_ignore_ascii_case("seed") {
        return Ok(ColourList(
            SEED_COLOURS.iter().map(|c| c.map(f32::from)).collect(),
        ));
    }
    let colours = text
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let hex = part.trim_start_matches('#');
            let channel = |k: usize| {
                hex.get(2 * k..2 * k + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            };
            match (hex.len(), channel(0), channel(1), channel(2)) {
                (6, Some(r), Some(g), Some(b)) => Ok([f32::from(r), f32::from(g), f32::from(b)]),
                _ => Err(format!("{part:?} is not a colour like #a52a2a")),
            }
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if colours.is_empty() {
        return Err("K = 0: give at least one colour".into());
    }
    Ok(ColourList(colours))
}

/// Comma-separated epoch counts, each at least 1.
#[derive(Debug, Clone)]
pub struct EpochList(pub Vec<usize>);

impl std::fmt::Display for EpochList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let counts: Vec<String> = self.0.iter().map(usize::to_string).collect();
        f.write_str(&counts.join(","))
    }
}

pub fn parse_epoch_list(text: &str) -> std::result::Result<EpochList, String> {
    let epochs = text
        .split(',')
        .map(|part| match part.trim().parse::<usize>() {
            Ok(0) | Err(_) => Err(format!("{part:?} is not an epoch count of at least 1")),
            Ok(count) => Ok(count),
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    // Each run writes clustered_E.png and labels_E.npy: a repeated count would overwrite its
    // files and report two runs for one set of pictures.
    for (k, count) in epochs.iter().enumerate() {
        if epochs[..k].contains(count) {
            return Err(format!("{count} appears twice; give each epoch count once"));
        }
    }
    Ok(EpochList(epochs))
}

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// The photo to cluster (PNG, JPEG, GIF, BMP).
    #[arg(long, value_name = "IMG")]
    image: PathBuf,
    /// Starting colours: `seed` for the seed's brown, blue, green and skin, or hex codes
    /// separated by commas (`#a52a2a,#0000ff,#008000,#ffe0bd`). K is their number
    /// [default: seed].
    #[arg(long, value_name = "LIST", value_parser = parse_colours)]
    colors: Option<ColourList>,
    /// Epochs of each result, comma-separated. As in the seed, each run continues from the
    /// colours the previous run ended with (5,10,30,100 is 145 epochs in all), unless --restart.
    #[arg(long, value_name = "LIST", default_value_t = EpochList(ClusterParams::default().epochs), value_parser = parse_epoch_list)]
    epochs: EpochList,
    /// Learning rate; epoch e of a run of E epochs uses lr/(1 + 100·(e + 1)/E).
    #[arg(long, value_parser = crate::cli::float32, default_value_t = ClusterParams::default().learning_rate)]
    lr: f32,
    /// Start every run from the starting colours instead of the previous run's.
    #[arg(long)]
    restart: bool,
    /// Directory for clustered_E.png and labels_E.npy per run, cluster.png (the photo and
    /// every result side by side) and epochs.csv.
    #[arg(long, value_name = "DIR", default_value = "hopsom-out/cluster")]
    out: PathBuf,
    #[command(flatten)]
    compute: ComputeArgs,
}

/// A thumbnail about `side` pixels on its longer side.
fn thumbnail(image: &image::RgbImage, side: u32) -> image::RgbImage {
    let scale = f64::from(side) / f64::from(image.width().max(image.height()));
    if scale >= 1.0 {
        return image.clone();
    }
    let (w, h) = (
        (f64::from(image.width()) * scale).round().max(1.0) as u32,
        (f64::from(image.height()) * scale).round().max(1.0) as u32,
    );
    image::imageops::thumbnail(image, w, h)
}

/// What a clustering produced, for printing.
pub struct ClusterOutcome {
    pub pixels: usize,
    /// Every epoch of every run, numbered cumulatively.
    pub epochs: Vec<EpochReport>,
    /// Per run: epochs, centers, pixel_distribution, psnr, qe, te.
    pub runs: Vec<serde_json::Value>,
    pub seconds: f64,
    pub figure: PathBuf,
}

/// Clusters `photo` as `params` say and writes every output into `out`.
pub fn execute(
    photo: image::RgbImage,
    params: &ClusterParams,
    out: &Path,
    backend: &Backend,
    compute: &ComputeArgs,
) -> Result<ClusterOutcome> {
    let mut panels = vec![Panel {
        caption: "original".into(),
        image: thumbnail(&photo, 320),
    }];
    let (width, height) = (photo.width() as usize, photo.height() as usize);
    let samples = Samples::from_image(photo)?;
    let started = Instant::now();
    let total: usize = params.epochs.iter().sum();
    let progress = compute.progress(total as u64, "epochs");
    let mut all_epochs: Vec<EpochReport> = Vec::new();
    let mut runs = Vec::new();
    cluster_colours(backend, &samples, params, &progress, &mut |run| {
        let segmented = run
            .assignment
            .segmented
            .as_ref()
            .expect("a photo is segmented");
        write_png(
            &out.join(format!("clustered_{}.png", run.epochs)),
            &segmented.image,
        )?;
        write_labels(
            &out.join(format!("labels_{}.npy", run.epochs)),
            &run.assignment.labels,
            &[height, width],
        )?;
        panels.push(Panel {
            caption: format!("{} epochs", run.epochs),
            image: thumbnail(&segmented.image, 320),
        });
        let offset = run.total_epochs - run.epochs;
        all_epochs.extend(run.per_epoch.iter().map(|e| EpochReport {
            epoch: e.epoch + offset,
            ..*e
        }));
        runs.push(json!({
            "epochs": run.epochs,
            "total_epochs": run.total_epochs,
            "centers": run.centers,
            "pixel_distribution": run.assignment.hits,
            "psnr": finite_or_null(segmented.psnr),
            "qe": run.assignment.qe,
            "te": run.assignment.te,
        }));
        Ok(())
    })?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    write_csv_rows(&out.join("epochs.csv"), &all_epochs)?;
    let figure = out.join("cluster.png");
    panel_figure(&figure, &panels, panels.len().min(3))?;
    Ok(ClusterOutcome {
        pixels: samples.len(),
        epochs: all_epochs,
        runs,
        seconds,
        figure,
    })
}

/// The run table: epochs, PSNR, QE, and each centre with its pixel count.
pub fn print_runs(runs: &[serde_json::Value]) -> Result<()> {
    outln!(
        "{:>7} {:>9} {:>8}  centres (R,G,B) and pixels per cluster",
        "epochs",
        "PSNR dB",
        "QE"
    )?;
    for run in runs {
        let centres: Vec<String> = run["centers"]
            .as_array()
            .into_iter()
            .flatten()
            .zip(run["pixel_distribution"].as_array().into_iter().flatten())
            .map(|(c, n)| {
                let c: Vec<String> = c
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| format!("{:.0}", v.as_f64().unwrap_or(0.0)))
                    .collect();
                format!("({}) {}", c.join(","), n)
            })
            .collect();
        outln!(
            "{:>7} {:>9.2} {:>8.2}  {}",
            run["epochs"].as_u64().unwrap_or(0),
            run["psnr"].as_f64().unwrap_or(f64::INFINITY),
            run["qe"].as_f64().unwrap_or(0.0),
            centres.join("  ")
        )?;
    }
    Ok(())
}

pub fn run(args: ClusterArgs) -> Result<()> {
    let params = ClusterParams {
        colours: match &args.colors {
            Some(colours) => colours.0.clone(),
            None => ClusterParams::default().colours,
        },
        epochs: args.epochs.0.clone(),
        learning_rate: args.lr,
        restart: args.restart,
        seed: args.compute.seed,
    };
    let outputs = RunOutputs::in_directory("--out", &args.out);
    outputs.check()?;
    if args.restart && params.epochs.len() == 1 {
        return Err(Error::Usage(
            "--restart does nothing with one --epochs value: there is no earlier run to restart from".into(),
        ));
    }
    params.validate()?;
    let photo = read_rgb_image(&args.image)?;
    let backend = args.compute.open_backend()?;
    let out = outputs.prepare()?;
    let ClusterOutcome {
        pixels,
        epochs: all_epochs,
        runs,
        seconds,
        figure,
    } = execute(photo, &params, &out, &backend, &args.compute)?;
    outputs.finish("som cluster", Some(params.seed), seconds)?;
    let last = runs.last().cloned().unwrap_or_default();
    if args.compute.json {
        return super::print_json(&json!({
            "backend": backend.name(),
            "device": backend.device_name(),
            "image": args.image,
            "pixels": pixels,
            "initial_colors": params.colours,
            "restart": params.restart,
            "epochs": all_epochs,
            "qe": last["qe"],
            "te": last["te"],
            "psnr": last["psnr"],
            "centers": last["centers"],
            "pixel_distribution": last["pixel_distribution"],
            "runs": runs,
            "seconds": seconds,
        }));
    }
    outln!(
        "Clustered {} pixels of {} into {} colours on {} in {seconds:.2} s",
        pixels,
        args.image.display(),
        params.colours.len(),
        backend.device_name()
    )?;
    print_runs(&runs)?;
    outln!(
        "Wrote {} and clustered_E.png, labels_E.npy per run in {}",
        figure.display(),
        out.display()
    )?;
    Ok(())
}
