//! `hopsom som segment`: apply a trained codebook to an image without training.

use super::stdout::outln;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde_json::json;

use super::outputs::RunOutputs;
use super::som_output::{finite_or_null, write_labels};
use super::ComputeArgs;
use hopsom::error::{Error, Result};
use hopsom::io::photos::read_rgb_image;
use hopsom::io::picture::write_png;
use hopsom::som::{assign, MapSpec, Metric, Samples, SegmentSpec, SomModel, Topology};

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("map").required(true).args(["model", "codebook"]))]
pub struct SegmentArgs {
    /// A model.npz written by `som train` or Python's `SOM.save`: the codebook with its
    /// topology, wrap-around and metric.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["topology", "toroidal"])]
    model: Option<PathBuf>,
    /// A plain codebook array instead (a codebook.npy: float, shape height x width x 3), laid
    /// out as --topology and --toroidal say.
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
    /// The image to segment (PNG, JPEG, GIF, BMP); it streams through in tiles, so it may be far
    /// larger than the GPU's buffers.
    #[arg(long, value_name = "IMG")]
    image: PathBuf,
    /// The map's layout, for the topographic error.
    #[arg(long, value_parser = crate::cli::choice::<Topology>(), default_value_t = MapSpec::default().topology)]
    topology: Topology,
    /// The map wraps around, for the topographic error.
    #[arg(long)]
    toroidal: bool,
    /// How a pixel is compared with the nodes [default: the model's; euclidean for a
    /// --codebook].
    #[arg(long, value_parser = crate::cli::choice::<Metric>())]
    metric: Option<Metric>,
    /// Directory for segmented.png (each pixel in its winner's colour) and labels.npy (the
    /// winner of each pixel, uint32, height x width).
    #[arg(long, value_name = "DIR", default_value = "hopsom-out/segment")]
    out: PathBuf,
    #[command(flatten)]
    compute: ComputeArgs,
}

pub fn run(args: SegmentArgs) -> Result<()> {
    let outputs = RunOutputs::in_directory("--out", &args.out);
    outputs.check()?;
    let (codebook, metric, map_path) = match (&args.model, &args.codebook) {
        (Some(path), _) => {
            let model = SomModel::load(path)?;
            (model.codebook, args.metric.unwrap_or(model.metric), path)
        }
        (None, Some(path)) => (
            hopsom::io::codebooks::load_codebook(path, args.topology, args.toroidal)?,
            args.metric.unwrap_or(SegmentSpec::default().metric),
            path,
        ),
        (None, None) => unreachable!("clap requires --model or --codebook"),
    };
    if codebook.dim != 3 {
        return Err(Error::bad_input(
            map_path,
            format!(
                "the codebook has {} dimensions; an RGB image needs 3",
                codebook.dim
            ),
        ));
    }
    let photo = read_rgb_image(&args.image)?;
    let (width, height) = (photo.width() as usize, photo.height() as usize);
    let samples = Samples::from_image(photo)?;
    let backend = args.compute.open_backend()?;
    let out = outputs.prepare()?;
    let started = Instant::now();
    let progress = args.compute.progress(samples.len() as u64, "pixels");
    let assignment = assign(&backend, &codebook, metric, &samples, &progress)?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let segmented = assignment.segmented.as_ref().expect("a photo is segmented");
    let segmented_path = out.join("segmented.png");
    write_png(&segmented_path, &segmented.image)?;
    write_labels(
        &out.join("labels.npy"),
        &assignment.labels,
        &[height, width],
    )?;
    outputs.finish("som segment", None, seconds)?;
    if args.compute.json {
        return super::print_json(&json!({
            "backend": backend.name(),
            "device": backend.device_name(),
            "image": args.image,
            "pixels": samples.len(),
            "nodes": codebook.grid.nodes(),
            "qe": assignment.qe,
            "te": assignment.te,
            "psnr": finite_or_null(segmented.psnr),
            "pixel_distribution": assignment.hits,
            "seconds": seconds,
        }));
    }
    outln!(
        "Segmented {} pixels with {} colours on {} in {seconds:.2} s: PSNR {:.2} dB, QE {:.3}, TE {:.4}",
        samples.len(),
        codebook.grid.nodes(),
        backend.device_name(),
        segmented.psnr,
        assignment.qe,
        assignment.te
    )?;
    outln!("Wrote {} and labels.npy", segmented_path.display())?;
    Ok(())
}
