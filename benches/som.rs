//! SOM kernels, CPU twin against GPU: the winner search over a photo's pixels, one batch epoch,
//! one online epoch of a 50x50 colour map at radii from 25 down to 0.5, and a batch epoch of a
//! 500x500 map. GPU cases run when an adapter can be opened (any,
//! software Vulkan included) and are skipped with a notice otherwise.
//!
//! `cargo bench --bench som`; see BENCHMARKS.md for recorded figures.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use hopsom::som::bmu::for_each_match;
use hopsom::som::online::{train_online_epoch, OnlineEpoch, OnlineStep};
use hopsom::som::{
    train, Codebook, EpochRates, Grid, Init, Metric, Mode, Neighbourhood, Samples, TrainingParams,
    DEFAULT_CUTOFF,
};
use hopsom::Backend;

fn backends() -> Vec<Backend> {
    hopsom::bench::cpu_and_any_gpu(|err| eprintln!("GPU cases skipped: {err}"))
}

fn kodim23() -> Samples {
    let photo = image::load_from_memory(include_bytes!("../assets/photos/kodim23.png"))
        .expect("the photo is valid")
        .into_rgb8();
    Samples::from_image(photo).expect("the photo has pixels")
}

fn winner_search(c: &mut Criterion) {
    let samples = kodim23();
    let mut group = c.benchmark_group("som winner search, kodim23 (393 216 pixels)");
    group.sample_size(10);
    group.throughput(Throughput::Elements(samples.len() as u64));
    for nodes in [16usize, 256] {
        let side = (nodes as f64).sqrt() as usize;
        let grid = Grid::rectangular(side, side).unwrap();
        let codebook = Codebook::initialise(grid, &samples, Init::Samples, 1).unwrap();
        for backend in backends() {
            group.bench_with_input(BenchmarkId::new(backend.name(), nodes), &nodes, |b, _| {
                b.iter(|| {
                    let mut hits = 0usize;
                    for_each_match(
                        &backend,
                        &codebook,
                        Metric::Euclidean,
                        &samples,
                        &mut |_, m| {
                            hits += m.len();
                            Ok(())
                        },
                    )
                    .unwrap();
                    hits
                })
            });
        }
    }
    group.finish();
}

fn batch_epoch(c: &mut Criterion) {
    let samples = kodim23();
    let mut group = c.benchmark_group("som batch epoch, 4x4 map, kodim23");
    group.sample_size(10);
    group.throughput(Throughput::Elements(samples.len() as u64));
    let params = TrainingParams {
        mode: Mode::Batch,
        epochs: 1,
        sigma: 1.0,
        ..TrainingParams::default()
    };
    let grid = Grid::rectangular(4, 4).unwrap();
    let start = Codebook::initialise(grid, &samples, Init::Samples, 1).unwrap();
    for backend in backends() {
        group.bench_function(backend.name(), |b| {
            b.iter(|| train(&backend, &samples, start.clone(), &params, &hopsom::Silent).unwrap())
        });
    }
    group.finish();
}

/// The CPU's euclidean winner search of high-dimensional data (digits, MNIST, embeddings): the
/// direct sums node by node against the matrix-product candidates (the same winners).
fn winner_search_by_product(c: &mut Criterion) {
    let mut group = c.benchmark_group("som winner search by product, 20x20 map, 2 000 samples");
    group.sample_size(10);
    for dim in [3usize, 16, 64, 784] {
        let key = hopsom::rng::StreamKey::new(1, hopsom::rng::Domain::SomData, &[dim as u32]);
        let values = (0..(2_000 * dim) as u32)
            .map(|k| key.unit_f32(0, k))
            .collect();
        let samples = Samples::from_table(dim, values).unwrap();
        let grid = Grid::rectangular(20, 20).unwrap();
        let codebook = Codebook::initialise(grid, &samples, Init::Samples, 1).unwrap();
        group.throughput(Throughput::Elements(samples.len() as u64));
        let mut out = vec![hopsom::som::bmu::Match::default(); samples.len()];
        group.bench_with_input(BenchmarkId::new("direct", dim), &dim, |b, _| {
            b.iter(|| {
                hopsom::som::bmu::find_bmus_direct(
                    &codebook,
                    Metric::Euclidean,
                    &samples,
                    0,
                    &mut out,
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("product", dim), &dim, |b, _| {
            b.iter(|| {
                hopsom::som::bmu_product::ProductSearch::new(&codebook).find(&samples, 0, &mut out)
            })
        });
    }
    group.finish();
}

/// One online epoch at a fixed radius, from half the map's side down to 0.5: with the cutoff, no
/// radius is a cliff (the tail's subnormal weights are never computed) and small ones are cheaper.
fn online_epoch_by_radius(c: &mut Criterion) {
    let samples = Samples::random_colours(10_000, 1);
    let mut group = c.benchmark_group("som online epoch, 50x50 map, 10 000 colours, by radius");
    group.sample_size(10);
    group.throughput(Throughput::Elements(samples.len() as u64));
    let grid = Grid::rectangular(50, 50).unwrap();
    let start = Codebook::uniform(grid, &[0.0; 3], &[1.0; 3], 1);
    for backend in backends() {
        for sigma in [25.0f32, 8.0, 3.5, 1.5, 0.5] {
            let mut step = OnlineStep::fixed(
                EpochRates {
                    learning_rate: 0.1,
                    sigma,
                },
                Neighbourhood::Gaussian,
                Metric::Euclidean,
            );
            step.reach = Neighbourhood::Gaussian.reach(DEFAULT_CUTOFF);
            group.bench_with_input(BenchmarkId::new(backend.name(), sigma), &sigma, |b, _| {
                b.iter(|| {
                    let mut codebook = start.clone();
                    train_online_epoch(
                        &backend,
                        &mut codebook,
                        OnlineEpoch::new(&samples, None, &step),
                        &hopsom::Silent,
                    )
                    .unwrap();
                    codebook
                })
            });
        }
    }
    group.finish();
}

/// One batch epoch of a 500x500 map on 1 000 samples at the default schedule's first radius.
fn large_map_batch_epoch(c: &mut Criterion) {
    let samples = Samples::random_colours(1_000, 2);
    let mut group = c.benchmark_group("som batch epoch, 500x500 map, 1 000 colours");
    group.sample_size(10);
    let params = TrainingParams {
        mode: Mode::Batch,
        epochs: 1,
        sigma: 250.0,
        ..TrainingParams::default()
    };
    let grid = Grid::rectangular(500, 500).unwrap();
    let start = Codebook::initialise(grid, &samples, Init::Samples, 1).unwrap();
    // The CPU alone: the GPU's separable smoothing is O(nodes·(W + H)) loops per invocation,
    // far too slow on software Vulkan to time here.
    group.bench_function("cpu", |b| {
        b.iter(|| {
            train(
                &Backend::Cpu,
                &samples,
                start.clone(),
                &params,
                &hopsom::Silent,
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    winner_search,
    winner_search_by_product,
    batch_epoch,
    online_epoch_by_radius,
    large_map_batch_epoch
);
criterion_main!(benches);
