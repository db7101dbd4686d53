//! Self-organizing maps on the CPU path: errors checked by hand on tiny maps (hexagonal
//! included), the batch map at radius 0 against a k-means step, quality on kodim23 against
//! k-means, and the seed notebook's two algorithms against direct transcriptions of them.

mod common;

use hopsom::rng::{Domain, StreamKey};
use hopsom::som::bmu::{find_bmus_cpu, Match};
use hopsom::som::metrics::u_matrix;
use hopsom::som::{
    assign, cluster_colours, ClusterParams, Codebook, Grid, Init, Metric, Mode, Samples, Schedule,
    Topology, TrainingParams,
};
use hopsom::Backend;

fn line_map(weights: &[f32], toroidal: bool) -> Codebook {
    let grid = Grid::new(weights.len(), 1, Topology::Rectangular, toroidal).unwrap();
    Codebook::new(grid, 1, weights.to_vec()).unwrap()
}

#[test]
fn errors_on_a_line_checked_by_hand() {
    // Nodes 0, 10, 1 on a line. Sample 0.4: winner node 0 (0.4 away), runner-up node 2, which
    // is not adjacent to node 0: a topographic error. Sample 9: winner node 1 (1 away),
    // runner-up node 2, adjacent. QE = (0.4 + 1)/2, TE = 1/2.
    let samples = Samples::from_table(1, vec![0.4, 9.0]).unwrap();
    let result = assign(
        &Backend::Cpu,
        &line_map(&[0.0, 10.0, 1.0], false),
        Metric::Euclidean,
        &samples,
        &hopsom::Silent,
    )
    .unwrap();
    assert_eq!(result.labels, vec![0, 1]);
    assert!((result.qe - 0.7).abs() < 1e-6, "{}", result.qe);
    assert_eq!(result.te, 0.5);
    assert_eq!(result.hits, vec![1, 1, 0]);
    // On a ring, nodes 0 and 2 touch.
    let ring = assign(
        &Backend::Cpu,
        &line_map(&[0.0, 10.0, 1.0], true),
        Metric::Euclidean,
        &samples,
        &hopsom::Silent,
    )
    .unwrap();
    assert_eq!(ring.te, 0.0);
}

#[test]
fn hexagonal_adjacency_changes_the_topographic_error() {
    // 2x2 nodes with weights 0, 5, 6, 20. Sample 5.4 has winner node 1 and runner-up node 2:
    // diagonal on a square grid (an error), neighbours on a hexagonal one (row 1 is shifted
    // right by half a node). Sample 0: winner 0, runner-up 1, adjacent on both.
    let samples = Samples::from_table(1, vec![5.4, 0.0]).unwrap();
    let weights = vec![0.0, 5.0, 6.0, 20.0];
    let te = |topology| {
        let grid = Grid::new(2, 2, topology, false).unwrap();
        let codebook = Codebook::new(grid, 1, weights.clone()).unwrap();
        let result = assign(
            &Backend::Cpu,
            &codebook,
            Metric::Euclidean,
            &samples,
            &hopsom::Silent,
        )
        .unwrap();
        assert!((result.qe - 0.2).abs() < 1e-6);
        result.te
    };
    assert_eq!(te(Topology::Rectangular), 0.5);
    assert_eq!(te(Topology::Hexagonal), 0.0);
}

#[test]
fn u_matrix_checked_by_hand() {
    // Nodes 0, 10, 1: node 0 touches node 1 (10 away), node 1 touches both (10 and 9), node 2
    // touches node 1 (9 away).
    assert_eq!(
        u_matrix(&line_map(&[0.0, 10.0, 1.0], false)),
        vec![10.0, 9.5, 9.0]
    );
    // A hexagonal 2x2 map: node 0 touches nodes 1 and 2 (not 3).
    let grid = Grid::new(2, 2, Topology::Hexagonal, false).unwrap();
    let codebook = Codebook::new(grid, 1, vec![0.0, 2.0, 4.0, 100.0]).unwrap();
    assert_eq!(u_matrix(&codebook)[0], 3.0);
}

fn random_image(width: u32, height: u32, seed: u32) -> Samples {
    let key = StreamKey::new(11, Domain::SomData, &[seed]);
    let bytes = (0..width * height * 3)
        .map(|k| (key.draw(0, k) >> 24) as u8)
        .collect();
    Samples::from_image(image::RgbImage::from_raw(width, height, bytes).unwrap()).unwrap()
}

/// One Lloyd step, written out in f64: every centre becomes the mean of its samples; a centre
/// with none keeps its place.
fn lloyd_step(centres: &Codebook, samples: &Samples) -> Vec<f32> {
    let mut matches = vec![Match::default(); samples.len()];
    find_bmus_cpu(centres, Metric::Euclidean, samples, 0, &mut matches);
    let dim = centres.dim;
    let mut sums = vec![0.0f64; centres.weights.len()];
    let mut counts = vec![0usize; centres.grid.nodes()];
    let mut x = vec![0.0; dim];
    for (i, m) in matches.iter().enumerate() {
        samples.fill(i, &mut x);
        counts[m.best as usize] += 1;
        for d in 0..dim {
            sums[m.best as usize * dim + d] += f64::from(x[d]);
        }
    }
    (0..centres.weights.len())
        .map(|k| match counts[k / dim] {
            0 => centres.weights[k],
            n => (sums[k] / n as f64) as f32,
        })
        .collect()
}

#[test]
fn a_batch_epoch_at_radius_zero_is_a_k_means_step() {
    let samples = random_image(40, 30, 1);
    let grid = Grid::rectangular(4, 3).unwrap();
    let start = Codebook::initialise(grid, &samples, Init::Samples, 5).unwrap();
    let params = TrainingParams {
        mode: Mode::Batch,
        epochs: 1,
        sigma: 0.0,
        sigma_end: 0.0,
        ..TrainingParams::default()
    };
    let trained = common::trained(&Backend::Cpu, &samples, start.clone(), &params);
    let want = lloyd_step(&start, &samples);
    for (k, (&got, &want)) in trained.codebook.weights.iter().zip(&want).enumerate() {
        assert!(
            (got - want).abs() <= 1e-4 * want.abs().max(1.0),
            "weight {k}: {got} vs {want}"
        );
    }
}

fn kodim23() -> Samples {
    let photo = hopsom::io::photos::read_rgb_image(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/photos/kodim23.png"
    )))
    .unwrap();
    Samples::from_image(photo).unwrap()
}

#[test]
fn a_4x4_batch_map_on_kodim23_is_within_half_a_db_of_k_means() {
    let samples = kodim23();
    // k-means with 16 colours: Lloyd from 16 random pixels until nothing moves.
    let grid = Grid::rectangular(16, 1).unwrap();
    let mut centres = Codebook::initialise(grid, &samples, Init::Samples, 2).unwrap();
    for _ in 0..100 {
        let next = lloyd_step(&centres, &samples);
        let moved = next
            .iter()
            .zip(&centres.weights)
            .any(|(a, b)| (a - b).abs() > 1e-3);
        centres.weights = next;
        if !moved {
            break;
        }
    }
    let k_means = assign(
        &Backend::Cpu,
        &centres,
        Metric::Euclidean,
        &samples,
        &hopsom::Silent,
    )
    .unwrap();
    let k_means_psnr = k_means.segmented.unwrap().psnr;

    let params = TrainingParams {
        mode: Mode::Batch,
        epochs: 30,
        sigma: 2.0,
        sigma_end: 0.05,
        schedule: Schedule::Exponential,
        init: Init::Pca,
        ..TrainingParams::default()
    };
    let grid = Grid::rectangular(4, 4).unwrap();
    let start = Codebook::initialise(grid, &samples, params.init, 1).unwrap();
    let trained = common::trained(&Backend::Cpu, &samples, start, &params);
    let som = assign(
        &Backend::Cpu,
        &trained.codebook,
        Metric::Euclidean,
        &samples,
        &hopsom::Silent,
    )
    .unwrap();
    let som_psnr = som.segmented.unwrap().psnr;
    println!("kodim23, 16 colours: SOM {som_psnr:.2} dB, k-means {k_means_psnr:.2} dB");
    assert!(
        k_means_psnr > 25.5,
        "k-means reached only {k_means_psnr:.2} dB"
    );
    assert!(
        som_psnr >= k_means_psnr - 0.5,
        "SOM {som_psnr:.2} dB vs k-means {k_means_psnr:.2} dB"
    );
}

#[test]
fn seed_compat_matches_a_transcription_of_the_notebook() {
    // SOM_network.train, transcribed in f64 as numpy runs it, from the same start and data.
    let params = TrainingParams::seed_compat(4);
    let samples = Samples::random_colours(5, 4);
    let grid = Grid::rectangular(50, 50).unwrap();
    let start = Codebook::uniform(grid, &[0.0; 3], &[1.0; 3], 4);
    let trained = common::trained(&Backend::Cpu, &samples, start.clone(), &params);

    let Samples::Table { values: inputs, .. } = &samples else {
        unreachable!()
    };
    let mut weights: Vec<f64> = start.weights.iter().map(|&w| f64::from(w)).collect();
    let mut learning_rate = 2.0f64;
    for epoch in 0..100 {
        for input in inputs.chunks_exact(3) {
            let input: Vec<f64> = input.iter().map(|&v| f64::from(v)).collect();
            let distance = |k: usize| -> f64 {
                (0..3)
                    .map(|d| (weights[k * 3 + d] - input[d]).powi(2))
                    .sum::<f64>()
                    .sqrt()
            };
            let bmu = (0..2500).fold(0, |b, k| if distance(k) < distance(b) { k } else { b });
            for d in 0..3 {
                weights[bmu * 3 + d] += learning_rate * (input[d] - weights[bmu * 3 + d]);
            }
            let radius = 50.0 * (-(epoch as f64) / 1.0).exp();
            for k in 0..2500 {
                let (di, dj) = (
                    (k / 50) as f64 - (bmu / 50) as f64,
                    (k % 50) as f64 - (bmu % 50) as f64,
                );
                let factor = (-(di * di + dj * dj) / (2.0 * radius * radius)).exp();
                for d in 0..3 {
                    weights[k * 3 + d] += learning_rate * factor * (input[d] - weights[k * 3 + d]);
                }
            }
        }
        learning_rate *= 0.5f64.powi(epoch);
    }
    let worst = trained
        .codebook
        .weights
        .iter()
        .zip(&weights)
        .map(|(&a, &b)| (f64::from(a) - b).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-3,
        "largest difference from the transcription: {worst}"
    );
}

#[test]
fn colour_clustering_matches_a_transcription_of_the_notebook() {
    // ColorClusteringSOM.fit, transcribed in f64, visiting pixels in the same shuffled orders.
    let samples = random_image(30, 20, 3);
    let params = ClusterParams {
        epochs: vec![2, 3],
        seed: 9,
        ..hopsom::som::ClusterParams::default()
    };
    let mut results = Vec::new();
    cluster_colours(
        &Backend::Cpu,
        &samples,
        &params,
        &hopsom::Silent,
        &mut |run| {
            results.push((run.centers.clone(), run.assignment.hits.clone()));
            Ok(())
        },
    )
    .unwrap();

    let Samples::Rgb8 { bytes, .. } = &samples else {
        unreachable!()
    };
    let key = StreamKey::new(9, Domain::SomOrder, &[]);
    let mut centres: Vec<[f64; 3]> = params.colours.iter().map(|c| c.map(f64::from)).collect();
    let mut order = Vec::new();
    let mut round = 0;
    for (run, &epochs) in params.epochs.iter().enumerate() {
        for epoch in 0..epochs {
            let lr = 0.6 / (1.0 + 100.0 * (epoch + 1) as f64 / epochs as f64);
            key.permutation(round, samples.len(), &mut order);
            round += 1;
            for &i in &order {
                let colour: Vec<f64> = bytes[i as usize * 3..i as usize * 3 + 3]
                    .iter()
                    .map(|&b| f64::from(b))
                    .collect();
                let distance =
                    |c: &[f64; 3]| (0..3).map(|d| (colour[d] - c[d]).powi(2)).sum::<f64>();
                let bmu = (0..centres.len()).fold(0, |b, k| {
                    if distance(&centres[k]) < distance(&centres[b]) {
                        k
                    } else {
                        b
                    }
                });
                for d in 0..3 {
                    centres[bmu][d] += lr * (colour[d] - centres[bmu][d]);
                }
            }
        }
        for (got, want) in results[run].0.iter().zip(&centres) {
            for d in 0..3 {
                assert!(
                    (f64::from(got[d]) - want[d]).abs() < 1e-2,
                    "run {run}: {got:?} vs {want:?}"
                );
            }
        }
        assert_eq!(results[run].1.iter().sum::<u64>(), 600);
    }
}

/// The per-sample schedule anneals a map within one epoch: σ and lr reach their end values at the
/// last sample, so one pass over many samples already gives a fine map. Stepping once per epoch
/// (the seed schedule at τ large, so σ and lr stay at their start) leaves a collapsed map.
#[test]
fn one_online_epoch_anneals_with_per_sample_rates() {
    let samples = Samples::random_colours(20_000, 4);
    let grid = Grid::rectangular(20, 20).unwrap();
    let per_sample = TrainingParams {
        mode: Mode::Online,
        epochs: 1,
        sigma: 10.0,
        ..TrainingParams::default()
    };
    let per_epoch = TrainingParams {
        schedule: Schedule::Seed,
        tau: 1e9,
        ..per_sample.clone()
    };
    let start = Codebook::initialise(grid, &samples, Init::Random, 1).unwrap();
    let run =
        |params: &TrainingParams| common::trained(&Backend::Cpu, &samples, start.clone(), params);
    let (annealed, frozen) = (run(&per_sample), run(&per_epoch));
    assert_eq!(annealed.epochs[0].sigma, 0.5);
    assert!(
        annealed.qe() < 0.4 * frozen.qe(),
        "QE {} per sample, {} per epoch",
        annealed.qe(),
        frozen.qe()
    );
    // 400 nodes over the unit cube: a node's share is a cube of side 400^(-1/3) = 0.136, whose
    // mean distance to its centre is about 0.067; a 2-D map folded through the cube stays within
    // half of that again (a frozen one is several times worse).
    assert!(annealed.qe() < 0.1, "QE {}", annealed.qe());
}

/// MiniSom's schedule: the rates of the last epoch's end are a third of the start, whatever the
/// end values say.
#[test]
fn the_asymptotic_schedule_ends_at_a_third() {
    let samples = Samples::random_colours(3_000, 5);
    let params = TrainingParams {
        mode: Mode::Online,
        epochs: 3,
        schedule: Schedule::Asymptotic,
        learning_rate: 0.6,
        sigma: 3.0,
        ..TrainingParams::default()
    };
    let grid = Grid::rectangular(6, 6).unwrap();
    let start = Codebook::initialise(grid, &samples, Init::Random, 1).unwrap();
    let trained = common::trained(&Backend::Cpu, &samples, start, &params);
    // Step T − 1 of T: v / (1 + (T − 1)/(T/2)), just above v/3.
    let t = 9_000.0f64;
    let expected = |v: f64| (v / (1.0 + (t - 1.0) / (t / 2.0))) as f32;
    assert_eq!(trained.epochs[2].sigma, expected(3.0));
    assert_eq!(trained.epochs[2].learning_rate, expected(0.6f32 as f64));
}
