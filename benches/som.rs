//! SOM kernels, CPU twin against GPU: the winner search over a photo's pixels, one batch epoch,
//! and one online epoch of a 50x50 colour map. GPU cases run when an adapter can be opened (any,
//! software Vulkan included) and are skipped with a notice otherwise.
//!
//! `cargo bench --bench som`; see BENCHMARKS.md for recorded figures.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use hopsom::gpu::{AdapterPolicy, GpuContext};
use hopsom::som::bmu::for_each_match;
use hopsom::som::online::{train_online_epoch, OnlineStep};
use hopsom::som::{
    train, Codebook, EpochRates, Grid, Init, Metric, Mode, Neighbourhood, Samples, TrainingParams,
};
use hopsom::Backend;

fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Cpu];
    match GpuContext::open(AdapterPolicy::AnyAdapter) {
        Ok(ctx) => backends.push(Backend::Gpu(ctx)),
        Err(err) => eprintln!("GPU cases skipped: {err}"),
    }
    backends
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
            b.iter(|| train(&backend, &samples, start.clone(), &params, &mut |_| {}).unwrap())
        });
    }
    group.finish();
}

fn online_epoch(c: &mut Criterion) {
    let samples = Samples::random_colours(10_000, 1);
    let mut group = c.benchmark_group("som online epoch, 50x50 map, 10 000 colours");
    group.sample_size(10);
    group.throughput(Throughput::Elements(samples.len() as u64));
    let grid = Grid::rectangular(50, 50).unwrap();
    let start = Codebook::uniform(grid, &[0.0; 3], &[1.0; 3], 1);
    let step = OnlineStep {
        rates: EpochRates {
            learning_rate: 0.1,
            sigma: 5.0,
        },
        neighbourhood: Neighbourhood::Gaussian,
        metric: Metric::Euclidean,
        extra_winner_update: false,
    };
    for backend in backends() {
        group.bench_function(backend.name(), |b| {
            b.iter(|| {
                let mut codebook = start.clone();
                train_online_epoch(&backend, &mut codebook, &samples, None, &step).unwrap();
                codebook
            })
        });
    }
    group.finish();
}

criterion_group!(benches, winner_search, batch_epoch, online_epoch);
criterion_main!(benches);
