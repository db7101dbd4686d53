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
use hopsom::io::models::SomModel;
use hopsom::io::photos::read_image_samples;
use hopsom::io::picture::write_png;
use hopsom::io::segmented::write_segmented;
use hopsom::som::{assign, MapSpec, Metric, SegmentSpec, Topology};

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
    /// The image to segment, with as many bands as the map has dimensions: PNG, JPEG, GIF, BMP
    /// or TIFF (16-bit and float kept as they are), or an H x W x D .npy array of uint8, uint16,
    /// float32 or float64; it streams through in tiles, so it may be far larger than the GPU's
    /// buffers.
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
    /// Directory for segmented.png (each pixel in its winner's colour; false colour for images
    /// that are not 8-bit RGB, with segmented.npy in the image's own type) and labels.npy (the
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
    let samples = read_image_samples(&args.image)?;
    let (width, height) = samples.image_size().expect("an image's samples");
    if codebook.dim != samples.dim() {
        return Err(Error::bad_input(
            map_path,
            format!(
                "the map has {} dimensions; {} has {} bands",
                codebook.dim,
                args.image.display(),
                samples.dim()
            ),
        ));
    }
    let backend = args.compute.open_backend()?;
    let out = outputs.prepare()?;
    let started = Instant::now();
    let progress = args.compute.progress(samples.len() as u64, "pixels");
    let assignment = assign(&backend, &codebook, metric, &samples, &progress)?;
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let segmented_path = out.join("segmented.png");
    let psnr = match (&assignment.segmented, &assignment.segmented_pixels) {
        (Some(rgb), _) => {
            write_png(&segmented_path, &rgb.image)?;
            Some(rgb.psnr)
        }
        (None, Some(pixels)) => {
            write_segmented(&out, width, height, samples.dim(), pixels)?;
            None
        }
        (None, None) => unreachable!("an image's assignment is segmented"),
    };
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
            "psnr": psnr.map(finite_or_null),
            "pixel_distribution": assignment.hits,
            "seconds": seconds,
        }));
    }
    let psnr = psnr.map_or(String::new(), |psnr| format!("PSNR {psnr:.2} dB, "));
    outln!(
        "Segmented {} pixels with {} colours on {} in {seconds:.2} s: {psnr}QE {:.3}, TE {:.4}",
        samples.len(),
        codebook.grid.nodes(),
        backend.device_name(),
        assignment.qe,
        assignment.te
    )?;
    outln!("Wrote {} and labels.npy", segmented_path.display())?;
    Ok(())
}
