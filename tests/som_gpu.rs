//! The SOM kernels against their CPU twins: winners bit-exact (ties to the lowest index), weights
//! within a named tolerance, on small problems that still cross every tile and range boundary.

mod common;

use common::{gpu, Tolerance};
use hopsom::gpu::{AdapterPolicy, GpuContext};
use hopsom::rng::{Domain, StreamKey};
use hopsom::som::batch::{smooth_cpu, NodeSums, Smoothing};
use hopsom::som::bmu::{find_bmus_cpu, for_each_match, Match};
use hopsom::som::online::{train_online_cpu, train_online_epoch, OnlineEpoch, OnlineStep};
use hopsom::som::{
    Codebook, EpochRates, Grid, Metric, Mode, Neighbourhood, RateSchedule, Samples, Schedule,
    Topology, TrainingParams, DEFAULT_CUTOFF,
};
use hopsom::Backend;

/// Sequential f32 updates of one map compared after many steps: the GPU may fuse multiply-adds,
/// so weights drift by a few ulps per step.
const TRAINED_WEIGHTS: Tolerance = Tolerance {
    relative: 1e-3,
    absolute: 1e-4,
};

fn random_values(count: usize, scale: f32, seed: u32) -> Vec<f32> {
    let key = StreamKey::new(7, Domain::SomData, &[seed]);
    (0..count)
        .map(|k| key.unit_f32(0, k as u32) * scale)
        .collect()
}

fn random_image(width: u32, height: u32, seed: u32) -> Samples {
    let key = StreamKey::new(7, Domain::SomData, &[seed]);
    let bytes = (0..width * height * 3)
        .map(|k| (key.draw(0, k) >> 24) as u8)
        .collect();
    Samples::from_image(image::RgbImage::from_raw(width, height, bytes).unwrap()).unwrap()
}

fn all_matches(
    backend: &Backend,
    codebook: &Codebook,
    metric: Metric,
    samples: &Samples,
) -> Vec<Match> {
    let mut out = vec![Match::default(); samples.len()];
    for_each_match(backend, codebook, metric, samples, &mut |first, matches| {
        out[first..first + matches.len()].copy_from_slice(matches);
        Ok(())
    })
    .unwrap();
    out
}

/// Every sample's winner under the euclidean metric on `backend`.
fn assigned(backend: &Backend, codebook: &Codebook, samples: &Samples) -> hopsom::som::Assignment {
    hopsom::som::assign(
        backend,
        codebook,
        Metric::Euclidean,
        samples,
        &hopsom::Silent,
    )
    .unwrap()
}

/// One online epoch from `start` on the CPU twin and on `gpu`: (CPU weights, GPU weights).
fn both_paths(start: &Codebook, epoch: OnlineEpoch, gpu: &Backend) -> (Codebook, Codebook) {
    let mut want = start.clone();
    train_online_cpu(&mut want, epoch, &hopsom::Silent).unwrap();
    let mut got = start.clone();
    train_online_epoch(gpu, &mut got, epoch, &hopsom::Silent).unwrap();
    (want, got)
}

#[test]
fn winners_of_pixels_are_identical_with_ties_to_the_lowest_node() {
    let Some(ctx) = gpu() else { return };
    let samples = random_image(97, 61, 1);
    // Integer weights with repeated nodes: exact distances and many ties.
    let grid = Grid::rectangular(9, 7).unwrap();
    let mut weights: Vec<f32> = random_values(63 * 3, 8.0, 2)
        .iter()
        .map(|v| v.floor() * 32.0)
        .collect();
    weights.copy_within(0..30, 90);
    let codebook = Codebook::new(grid, 3, weights).unwrap();
    for metric in [
        Metric::Euclidean,
        Metric::Manhattan,
        Metric::Chebyshev,
        Metric::Cosine,
    ] {
        let mut want = vec![Match::default(); samples.len()];
        find_bmus_cpu(&codebook, metric, &samples, 0, &mut want);
        let got = all_matches(&Backend::Gpu(ctx.clone()), &codebook, metric, &samples);
        if metric == Metric::Cosine {
            // Cosine divides by square roots, which the GPU may round differently: compare the
            // winners only where the CPU's margin is clear of rounding.
            let agree = got
                .iter()
                .zip(&want)
                .filter(|(g, w)| g.best == w.best)
                .count();
            assert!(
                agree * 1000 >= want.len() * 999,
                "cosine winners agree on {agree} of {}",
                want.len()
            );
        } else {
            assert_eq!(got, want, "{metric:?}");
        }
    }
}

#[test]
fn winners_across_tiles_and_node_ranges_are_identical() {
    // 256 KiB bindings split 3000 samples of 50 floats into 3 tiles, and 1000 nodes of 50
    // dimensions need two node ranges per dispatch. At 50 dimensions the CPU finds its
    // candidates through a matrix product (som::bmu_product): the winners are still the GPU's.
    if gpu().is_none() {
        return;
    }
    let ctx =
        GpuContext::open_with_binding_cap(AdapterPolicy::AnyAdapter, Some(256 << 10)).unwrap();
    let dim = 50;
    let samples = Samples::from_table(dim, random_values(3000 * dim, 4.0, 3)).unwrap();
    let grid = Grid::rectangular(40, 25).unwrap();
    let codebook = Codebook::new(grid, dim, random_values(1000 * dim, 4.0, 4)).unwrap();
    let mut want = vec![Match::default(); samples.len()];
    find_bmus_cpu(&codebook, Metric::Euclidean, &samples, 0, &mut want);
    let got = all_matches(&Backend::Gpu(ctx), &codebook, Metric::Euclidean, &samples);
    let best_agree = got
        .iter()
        .zip(&want)
        .filter(|(g, w)| g.best == w.best)
        .count();
    assert_eq!(best_agree, want.len());
    assert_eq!(got, want);
}

/// A per-sample exponential schedule from (lr, σ) to (lr / 6, σ / 6) over `steps` samples, taken
/// from step `first_step`, with the default cutoff.
fn decaying_step(
    (learning_rate, sigma): (f32, f32),
    steps: u64,
    first_step: u64,
    neighbourhood: Neighbourhood,
    extra_winner_update: bool,
) -> OnlineStep {
    let start = EpochRates {
        learning_rate,
        sigma,
    };
    let end = EpochRates {
        learning_rate: learning_rate / 6.0,
        sigma: sigma / 6.0,
    };
    OnlineStep {
        rates: RateSchedule::new(Schedule::Exponential, start, end, steps),
        first_step,
        neighbourhood,
        reach: neighbourhood.reach(DEFAULT_CUTOFF),
        metric: Metric::Euclidean,
        extra_winner_update,
    }
}

#[test]
fn online_training_matches_the_cpu() {
    let Some(ctx) = gpu() else { return };
    let samples = Samples::from_table(3, random_values(300 * 3, 1.0, 5)).unwrap();
    for (topology, toroidal, neighbourhood, extra) in [
        (Topology::Rectangular, false, Neighbourhood::Gaussian, true),
        (Topology::Hexagonal, true, Neighbourhood::Bubble, false),
        (Topology::Hexagonal, false, Neighbourhood::MexicanHat, false),
        (Topology::Rectangular, true, Neighbourhood::Triangle, false),
    ] {
        let grid = Grid::new(7, 6, topology, toroidal).unwrap();
        let start = Codebook::uniform(grid, &[0.0; 3], &[1.0; 3], 9);
        // The radius shrinks from 3 to 0.5 over the samples: the cutoff's window closes in.
        let step = decaying_step((0.3, 3.0), 300, 0, neighbourhood, extra);
        let order: Vec<u32> = (0..300).rev().collect();
        let epoch = OnlineEpoch::new(&samples, Some(&order), &step);
        let (want, got) = both_paths(&start, epoch, &Backend::Gpu(ctx.clone()));
        TRAINED_WEIGHTS.assert_close(
            &format!("{topology:?} {neighbourhood:?}"),
            &got.weights,
            &want.weights,
        );
    }
}

#[test]
fn batch_update_matches_the_cpu_across_source_ranges() {
    let Some(ctx) = gpu() else { return };
    // 1500 dimensions: each dispatch adds 26 source columns, rows or nodes, so the 30 columns,
    // 30 rows and 900 nodes all need several ranges.
    let dim = 1500;
    let samples = Samples::from_table(dim, random_values(300 * dim, 1.0, 6)).unwrap();
    for (topology, toroidal, neighbourhood, sigma) in [
        (Topology::Hexagonal, true, Neighbourhood::Gaussian, 2.0f32),
        (Topology::Hexagonal, false, Neighbourhood::Gaussian, 0.4),
        (Topology::Rectangular, false, Neighbourhood::Gaussian, 9.0),
        (Topology::Rectangular, true, Neighbourhood::Bubble, 3.0),
        (Topology::Hexagonal, false, Neighbourhood::Triangle, 2.5),
    ] {
        let grid = Grid::new(30, 30, topology, toroidal).unwrap();
        let start = Codebook::uniform(grid, &vec![0.0; dim], &vec![1.0; dim], 3);
        let mut sums = NodeSums::new(900, dim);
        let mut matches = vec![Match::default(); samples.len()];
        find_bmus_cpu(&start, Metric::Euclidean, &samples, 0, &mut matches);
        sums.add(&samples, 0, &matches);
        let (s, c) = sums.as_f32();
        let smoothing = Smoothing {
            neighbourhood,
            sigma,
            reach_sq: Neighbourhood::reach_sq(neighbourhood.reach(DEFAULT_CUTOFF), sigma),
        };
        let mut want = start.clone();
        smooth_cpu(&mut want, &s, &c, smoothing);
        let mut got = start.clone();
        hopsom::som::batch::smooth(&Backend::Gpu(ctx.clone()), &mut got, &sums, smoothing).unwrap();
        common::F32_KERNEL.assert_close(
            &format!("{topology:?} {toroidal} {neighbourhood:?} σ {sigma}"),
            &got.weights,
            &want.weights,
        );
    }
}

#[test]
fn online_training_runs_with_per_sample_schedules_match_the_cpu() {
    let Some(ctx) = gpu() else { return };
    let samples = random_image(40, 30, 16);
    let grid = Grid::new(8, 6, Topology::Hexagonal, false).unwrap();
    for schedule in [Schedule::Asymptotic, Schedule::Inverse] {
        let params = TrainingParams {
            mode: Mode::Online,
            epochs: 2,
            schedule,
            learning_rate: 0.4,
            sigma: 4.0,
            sigma_end: 0.5,
            ..TrainingParams::default()
        };
        let start = Codebook::initialise(grid, &samples, params.init, 1).unwrap();
        let cpu = common::trained(&Backend::Cpu, &samples, start.clone(), &params);
        let gpu = common::trained(&Backend::Gpu(ctx.clone()), &samples, start, &params);
        TRAINED_WEIGHTS.assert_close(
            &format!("{schedule:?}"),
            &gpu.codebook.weights,
            &cpu.codebook.weights,
        );
        assert_eq!(gpu.epochs[1].sigma, cpu.epochs[1].sigma);
    }
}

#[test]
fn batch_training_of_an_image_is_the_same_on_both_paths() {
    let Some(ctx) = gpu() else { return };
    let samples = random_image(64, 48, 8);
    let params = TrainingParams {
        mode: Mode::Batch,
        epochs: 4,
        sigma: 2.0,
        sigma_end: 0.5,
        ..TrainingParams::default()
    };
    let grid = Grid::rectangular(5, 4).unwrap();
    let start = Codebook::initialise(grid, &samples, params.init, 1).unwrap();
    let cpu = common::trained(&Backend::Cpu, &samples, start.clone(), &params);
    let gpu = common::trained(&Backend::Gpu(ctx), &samples, start, &params);
    common::F32_KERNEL.assert_close("codebook", &gpu.codebook.weights, &cpu.codebook.weights);
    assert_eq!(gpu.hits, cpu.hits);
    assert!((gpu.qe() - cpu.qe()).abs() < 1e-6 * cpu.qe());
}

#[test]
fn segmentation_streams_an_image_through_small_bindings_identically() {
    // 64 KiB bindings hold 16 384 pixels: a 300x200 image streams through in 4 tiles.
    if gpu().is_none() {
        return;
    }
    let ctx = GpuContext::open_with_binding_cap(AdapterPolicy::AnyAdapter, Some(64 << 10)).unwrap();
    let samples = random_image(300, 200, 12);
    let grid = Grid::new(6, 4, Topology::Hexagonal, false).unwrap();
    let codebook = Codebook::initialise(grid, &samples, hopsom::som::Init::Samples, 2).unwrap();
    let cpu = assigned(&Backend::Cpu, &codebook, &samples);
    let gpu = assigned(&Backend::Gpu(ctx), &codebook, &samples);
    assert_eq!(gpu.labels, cpu.labels);
    assert_eq!(gpu.hits, cpu.hits);
    assert_eq!(gpu.te, cpu.te);
    let (g, c) = (gpu.segmented.unwrap(), cpu.segmented.unwrap());
    assert_eq!(g.image, c.image);
    assert_eq!(g.psnr, c.psnr);
}

#[test]
fn colour_clustering_is_the_same_on_both_paths() {
    let Some(ctx) = gpu() else { return };
    let samples = random_image(40, 25, 13);
    let params = hopsom::som::ClusterParams {
        epochs: vec![1, 2],
        seed: 3,
        ..hopsom::som::ClusterParams::default()
    };
    let run = |backend: Backend| {
        let mut centres = Vec::new();
        hopsom::som::cluster_colours(&backend, &samples, &params, &hopsom::Silent, &mut |run| {
            centres.extend(run.centers.iter().flatten().copied());
            Ok(())
        })
        .unwrap();
        centres
    };
    TRAINED_WEIGHTS.assert_close(
        "cluster centres",
        &run(Backend::Gpu(ctx)),
        &run(Backend::Cpu),
    );
}

#[test]
fn online_training_across_sample_chunks_matches_the_cpu() {
    // 4 KiB bindings hold 1024 pixels: 3000 shuffled pixels are uploaded in 3 chunks.
    if gpu().is_none() {
        return;
    }
    let ctx = GpuContext::open_with_binding_cap(AdapterPolicy::AnyAdapter, Some(4 << 10)).unwrap();
    let samples = random_image(60, 50, 14);
    let grid = Grid::rectangular(5, 5).unwrap();
    let start = Codebook::initialise(grid, &samples, hopsom::som::Init::Random, 1).unwrap();
    // The second epoch of two: the per-sample rates continue from step 3000 in every chunk.
    let step = decaying_step((0.05, 2.0), 6000, 3000, Neighbourhood::Gaussian, false);
    let mut order = Vec::new();
    StreamKey::new(1, Domain::SomOrder, &[]).permutation(0, samples.len(), &mut order);
    let epoch = OnlineEpoch::new(&samples, Some(&order), &step);
    let (want, got) = both_paths(&start, epoch, &Backend::Gpu(ctx));
    TRAINED_WEIGHTS.assert_close("weights", &got.weights, &want.weights);
}

#[test]
fn online_training_of_a_large_map_spans_several_dispatches() {
    // 2000 nodes: each dispatch trains on about 150 samples and advances the cursor.
    let Some(ctx) = gpu() else { return };
    let samples = Samples::from_table(3, random_values(400 * 3, 1.0, 15)).unwrap();
    let grid = Grid::rectangular(50, 40).unwrap();
    let start = Codebook::uniform(grid, &[0.0; 3], &[1.0; 3], 2);
    // σ from 12 to 2: the window goes from most of the map to a few nodes.
    let step = decaying_step((0.2, 12.0), 400, 0, Neighbourhood::Gaussian, true);
    let epoch = OnlineEpoch::new(&samples, None, &step);
    let (want, got) = both_paths(&start, epoch, &Backend::Gpu(ctx));
    TRAINED_WEIGHTS.assert_close("weights", &got.weights, &want.weights);
}
