//! Hopfield kernels, CPU twin against GPU: Hebbian learning, synchronous recall of a batch, and
//! asynchronous recall of noisy seed patterns. GPU cases run when an adapter can be opened (any,
//! software Vulkan included) and are skipped with a notice otherwise.
//!
//! `cargo bench --bench hopfield`; see BENCHMARKS.md for recorded figures.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use hopsom::hopfield::recall::RecallParams;
use hopsom::hopfield::{self, noise, PatternSet, UpdateMode};
use hopsom::rng::{Domain, StreamKey};
use hopsom::Backend;

fn backends() -> Vec<Backend> {
    hopsom::bench::cpu_and_any_gpu(|err| eprintln!("GPU cases skipped: {err}"))
}

fn random_patterns(count: usize, neurons: usize, seed: u64) -> PatternSet {
    let key = StreamKey::new(seed, Domain::Patterns, &[]);
    hopfield::capacity::random_patterns(neurons, count, &key).expect("valid sizes")
}

fn hebbian(c: &mut Criterion) {
    let mut group = c.benchmark_group("hebbian");
    group.sample_size(10);
    for backend in backends() {
        for neurons in [225, 1024, 2048, 4096] {
            let patterns = random_patterns(neurons / 10, neurons, 1);
            // One multiply-add per weight and pattern.
            group.throughput(Throughput::Elements(
                (neurons * neurons * patterns.len()) as u64,
            ));
            group.bench_with_input(
                BenchmarkId::new(backend.name(), neurons),
                &patterns,
                |b, patterns| b.iter(|| hopfield::learn_hebbian(patterns, &backend).unwrap()),
            );
        }
    }
    group.finish();
}

fn noisy_batch(stored: &PatternSet, probes: usize, level: f64) -> (Vec<i8>, Vec<StreamKey>) {
    noise::noisy_copies(stored, probes, level, 3)
}

fn recall(c: &mut Criterion) {
    let mut group = c.benchmark_group("recall");
    group.sample_size(10);
    let large = random_patterns(51, 1024, 2);
    let large_network = hopfield::hebbian_cpu(&large).unwrap();
    let (large_probes, large_keys) = noisy_batch(&large, 256, 20.0);
    let seed = hopfield::seed_patterns();
    let seed_network = hopfield::hebbian_cpu(&seed).unwrap();
    let seed_factored = hopfield::HopfieldNetwork::factored(&seed).unwrap();
    let (seed_probes, seed_keys) = noisy_batch(&seed, 3000, 25.0);
    for backend in backends() {
        let sync = RecallParams {
            mode: UpdateMode::Sync,
            ..Default::default()
        };
        group.throughput(Throughput::Elements(large_keys.len() as u64));
        group.bench_function(
            BenchmarkId::new(format!("sync-1024x256/{}", backend.name()), 1024),
            |b| {
                b.iter(|| {
                    hopfield::recall(
                        &large_network,
                        &large_probes,
                        &large_keys,
                        &sync,
                        &backend,
                        &hopsom::Silent,
                    )
                    .unwrap()
                })
            },
        );
        let seed_async = RecallParams {
            self_coupling: true,
            ..Default::default()
        };
        group.throughput(Throughput::Elements(seed_keys.len() as u64));
        for (form, network) in [("dense", &seed_network), ("factored", &seed_factored)] {
            let id = BenchmarkId::new(format!("async-seed-3000-{form}/{}", backend.name()), 225);
            group.bench_function(id, |b| {
                b.iter(|| {
                    let hidden = hopsom::Silent;
                    hopfield::recall(
                        network,
                        &seed_probes,
                        &seed_keys,
                        &seed_async,
                        &backend,
                        &hidden,
                    )
                    .unwrap()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, hebbian, recall);
criterion_main!(benches);
