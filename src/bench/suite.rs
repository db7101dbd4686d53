//! The benchmark suite: Hebbian learning, synchronous recall, an asynchronous sweep, whole batch
//! and online SOM training runs with their default schedules, a batch epoch of a large map and
//! colour assignment, at full or reduced (`--quick`) sizes.

use super::{Case, Unit, Work, Workload};
use crate::backend::Backend;
use crate::error::Result;
use crate::hopfield::learn::{learn, Learning, WeightForm};
use crate::hopfield::recall::{recall, RecallParams, UpdateMode};
use crate::hopfield::{learn_hebbian, noise, seed_patterns, PatternSet};
use crate::progress::Silent;
use crate::rng::{Domain, StreamKey};
use crate::som::{assign, train, Codebook, Grid, Init, Metric, Mode, Samples, TrainingParams};

/// Full sizes, or reduced ones that run in under a minute on a 2-core machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuiteSize {
    Full,
    Quick,
}

/// A `width` x `height` photo: kodim23 tiled, mirrored at every seam so the tiles join smoothly.
pub fn photo_of_size(width: u32, height: u32) -> image::RgbImage {
    let tile = image::load_from_memory(include_bytes!("../../assets/photos/kodim23.png"))
        .expect("the embedded photo is valid")
        .into_rgb8();
    let (tw, th) = (tile.width(), tile.height());
    image::RgbImage::from_fn(width, height, |x, y| {
        let tx = if (x / tw) % 2 == 0 {
            x % tw
        } else {
            tw - 1 - x % tw
        };
        let ty = if (y / th) % 2 == 0 {
            y % th
        } else {
            th - 1 - y % th
        };
        *tile.get_pixel(tx, ty)
    })
}

/// `count` random patterns of `neurons`, the same for every run.
fn random_patterns(count: usize, neurons: usize) -> Result<PatternSet> {
    let key = StreamKey::new(1, Domain::Patterns, &[neurons as u32]);
    crate::hopfield::capacity::random_patterns(neurons, count, &key)
}

fn photo_samples(pixels: usize) -> Result<Samples> {
    let width = (pixels as f64).sqrt().ceil() as u32;
    let height = (pixels as u32).div_ceil(width);
    Samples::from_image(photo_of_size(width, height))
}

fn hebbian(neurons: usize) -> Case {
    let patterns = neurons / 10;
    Case {
        name: "Hebbian learning",
        size: format!("N = {neurons}, P = {patterns}"),
        scale: neurons as f64,
        unit: Unit::Gflop,
        build: Box::new(move || {
            let stored = random_patterns(patterns, neurons)?;
            let flops = 2.0 * (neurons * neurons * patterns) as f64;
            Ok(Box::new(move |backend: &Backend| {
                learn_hebbian(&stored, backend)?;
                Ok(Work {
                    count: flops,
                    neuron_updates: None,
                })
            }) as Workload)
        }),
    }
}

fn synchronous_recall(neurons: usize, probes: usize) -> Case {
    let patterns = neurons / 20;
    Case {
        name: "synchronous recall (dense)",
        size: format!("{probes} probes, N = {neurons}, P = {patterns}, 20 % noise"),
        scale: neurons as f64,
        unit: Unit::Gflop,
        build: Box::new(move || {
            let stored = random_patterns(patterns, neurons)?;
            let learning = Learning {
                weights: WeightForm::Dense,
                ..Learning::default()
            };
            let network = learn(&stored, &learning, &Backend::Cpu)?;
            let (states, keys) = noise::noisy_copies(&stored, probes, 20.0, 1);
            let params = RecallParams {
                mode: UpdateMode::Sync,
                ..RecallParams::default()
            };
            Ok(Box::new(move |backend: &Backend| {
                let hidden = crate::progress::Silent;
                let outcomes = recall(&network, &states, &keys, &params, backend, &hidden)?;
                let sweeps: u64 = outcomes.iter().map(|o| u64::from(o.sweeps)).sum();
                Ok(Work {
                    // Each sweep is one matrix-vector product per probe.
                    count: 2.0 * (neurons * neurons) as f64 * sweeps as f64,
                    neuron_updates: Some((neurons as u64 * sweeps) as f64),
                })
            }) as Workload)
        }),
    }
}

fn asynchronous_sweep(recalls: usize) -> Case {
    Case {
        name: "asynchronous sweep (seed patterns)",
        size: format!("{recalls} recalls, N = 225, P = 3, 25 % noise"),
        scale: recalls as f64,
        unit: Unit::Recalls,
        build: Box::new(move || {
            let stored = seed_patterns();
            let network = learn(&stored, &Learning::default(), &Backend::Cpu)?;
            let (states, keys) = noise::noisy_copies(&stored, recalls, 25.0, 1);
            let params = RecallParams::default();
            Ok(Box::new(move |backend: &Backend| {
                let hidden = crate::progress::Silent;
                let outcomes = recall(&network, &states, &keys, &params, backend, &hidden)?;
                let sweeps: u64 = outcomes.iter().map(|o| u64::from(o.sweeps)).sum();
                Ok(Work {
                    count: recalls as f64,
                    neuron_updates: Some((225 * sweeps) as f64),
                })
            }) as Workload)
        }),
    }
}

/// A whole batch training run with the default schedule (σ from half the map's side to 0.5).
fn batch_run(pixels: usize, side: usize, epochs: usize) -> Case {
    let name = if epochs == 1 {
        "batch SOM epoch"
    } else {
        "batch SOM run"
    };
    Case {
        name,
        size: format!(
            "{} pixels x {epochs} epochs, {side}x{side} map",
            human_count(pixels)
        ),
        scale: (pixels * epochs) as f64,
        unit: Unit::Pixels,
        build: Box::new(move || {
            let samples = photo_samples(pixels)?;
            let grid = Grid::rectangular(side, side)?;
            let params = TrainingParams {
                mode: Mode::Batch,
                epochs,
                sigma: side as f32 / 2.0,
                ..TrainingParams::default()
            };
            let start = Codebook::initialise(grid, &samples, Init::Samples, 1)?;
            Ok(training(samples, start, params))
        }),
    }
}

fn colour_assignment(pixels: usize) -> Case {
    Case {
        name: "colour assignment",
        size: format!("{} pixels, 16 colours", human_count(pixels)),
        scale: pixels as f64,
        unit: Unit::Pixels,
        build: Box::new(move || {
            let samples = photo_samples(pixels)?;
            let grid = Grid::rectangular(16, 1)?;
            let colours = Codebook::initialise(grid, &samples, Init::Samples, 1)?;
            Ok(Box::new(move |backend: &Backend| {
                assign(backend, &colours, Metric::Euclidean, &samples, &Silent)?;
                Ok(Work {
                    count: samples.len() as f64,
                    neuron_updates: None,
                })
            }) as Workload)
        }),
    }
}

/// A whole online training run with the default per-sample schedule (lr 0.5 to 0.01, σ from 25
/// to 0.5), the QE measured after every epoch as `som train` does.
fn online_run(samples_count: usize, epochs: usize) -> Case {
    Case {
        name: "online SOM run",
        size: format!(
            "{} samples x {epochs} epochs, 50x50 map",
            human_count(samples_count)
        ),
        scale: (samples_count * epochs) as f64,
        unit: Unit::Samples,
        build: Box::new(move || {
            let samples = photo_samples(samples_count)?;
            let grid = Grid::rectangular(50, 50)?;
            let params = TrainingParams {
                mode: Mode::Online,
                epochs,
                sigma: 25.0,
                ..TrainingParams::default()
            };
            let start = Codebook::uniform(grid, &[0.0; 3], &[255.0; 3], 1);
            Ok(training(samples, start, params))
        }),
    }
}

/// A whole training run of `params` from `start`, counted in samples visited.
fn training(samples: Samples, start: Codebook, params: TrainingParams) -> Workload {
    Box::new(move |backend: &Backend| {
        train(backend, &samples, start.clone(), &params, &Silent)?;
        Ok(Work {
            count: (samples.len() * params.epochs) as f64,
            neuron_updates: None,
        })
    })
}

fn human_count(count: usize) -> String {
    match count {
        c if c >= 1_000_000 && c % 1_000_000 == 0 => format!("{}M", c / 1_000_000),
        c if c >= 1_000 && c % 1_000 == 0 => format!("{}k", c / 1_000),
        c => c.to_string(),
    }
}

/// The suite's cases, in order.
pub fn suite(size: SuiteSize) -> Vec<Case> {
    match size {
        SuiteSize::Full => vec![
            hebbian(1024),
            hebbian(4096),
            hebbian(16384),
            synchronous_recall(1024, 1024),
            asynchronous_sweep(100_000),
            batch_run(1_000_000, 32, 10),
            batch_run(1_000, 500, 1),
            colour_assignment(10_000_000),
            online_run(100_000, 5),
        ],
        SuiteSize::Quick => vec![
            hebbian(256),
            hebbian(1024),
            synchronous_recall(256, 128),
            asynchronous_sweep(2_000),
            batch_run(250_000, 16, 3),
            batch_run(1_000, 200, 1),
            colour_assignment(1_000_000),
            online_run(5_000, 2),
        ],
    }
}

/// Runs a tiny instance of every workload on `backend`, so that compiling the GPU's pipelines is
/// not timed.
pub fn warm_up(backend: &Backend) -> Result<()> {
    for case in [
        hebbian(64),
        synchronous_recall(64, 4),
        asynchronous_sweep(3),
        batch_run(1_000, 2, 1),
        colour_assignment(1_000),
        online_run(10, 1),
    ] {
        (case.build)()?(backend)?;
    }
    Ok(())
}
