//! Modern Hopfield retrieval: one step against a plain transcription of ξ ← Xᵀ softmax(β X ξ)
//! in f64, the energy falling step by step, the paper's three kinds of fixed points, and the GPU
//! within the named tolerance of the CPU (stored sets split across bindings included).

mod common;

use hopsom::gpu::{AdapterPolicy, GpuContext};
use hopsom::modern::{
    retrieve, ModernHopfield, Retrieval, RetrieveOptions, StateKind, Steps, GPU_TOLERANCE,
};
use hopsom::rng::{Domain, StreamKey};
use hopsom::{Backend, Silent};

/// `steps`, with the attention kept or not, and the energies.
fn options(steps: Steps, attention: bool) -> RetrieveOptions {
    RetrieveOptions {
        steps,
        attention,
        energies: true,
    }
}

/// `rows` x `columns` values uniform in [-1, 1), seeded.
fn uniform(rows: usize, columns: usize, seed: u64) -> Vec<f32> {
    let key = StreamKey::new(seed, Domain::Patterns, &[rows as u32, columns as u32]);
    (0..rows * columns)
        .map(|i| 2.0 * key.unit_f32(0, i as u32) - 1.0)
        .collect()
}

/// One update and the energy of the initial state, from the definitions in f64.
fn reference_step(
    stored: &[f32],
    dim: usize,
    beta: f64,
    query: &[f32],
) -> (Vec<f64>, Vec<f64>, f64) {
    let scores: Vec<f64> = stored
        .chunks_exact(dim)
        .map(|x| {
            beta * x
                .iter()
                .zip(query)
                .map(|(&a, &b)| f64::from(a) * f64::from(b))
                .sum::<f64>()
        })
        .collect();
    let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = scores.iter().map(|s| (s - top).exp()).sum();
    let weights: Vec<f64> = scores.iter().map(|s| (s - top).exp() / sum).collect();
    let mut next = vec![0f64; dim];
    for (w, x) in weights.iter().zip(stored.chunks_exact(dim)) {
        for (n, &v) in next.iter_mut().zip(x) {
            *n += w * f64::from(v);
        }
    }
    let largest = stored
        .chunks_exact(dim)
        .map(|x| x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>())
        .fold(0.0, f64::max);
    let patterns = scores.len() as f64;
    let energy = -(top + sum.ln()) / beta
        + 0.5 * query.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>()
        + patterns.ln() / beta
        + 0.5 * largest;
    (next, weights, energy)
}

/// Retrieval on the CPU, failing the test on an error.
fn on_cpu(memory: &ModernHopfield, queries: &[f32], options: &RetrieveOptions) -> Retrieval {
    retrieve(memory, queries, options, &Backend::Cpu, &Silent).unwrap()
}

#[test]
fn one_step_is_the_attention_update() {
    let (p, d) = (37, 23);
    let stored = uniform(p, d, 1);
    let queries = uniform(9, d, 2);
    let memory = ModernHopfield::new(stored.clone(), p, d, 3.5, false).unwrap();
    let got = retrieve(
        &memory,
        &queries,
        &options(Steps::Fixed(1), true),
        &Backend::Cpu,
        &Silent,
    )
    .unwrap();
    let attention = got.attention.as_ref().unwrap();
    for (q, query) in queries.chunks_exact(d).enumerate() {
        let (next, weights, energy) = reference_step(&stored, d, 3.5, query);
        for (a, b) in got.retrieved[q * d..(q + 1) * d].iter().zip(&next) {
            assert!((f64::from(*a) - b).abs() < 1e-5, "{a} vs {b}");
        }
        for (a, b) in attention[q * p..(q + 1) * p].iter().zip(&weights) {
            assert!((f64::from(*a) - b).abs() < 1e-6, "{a} vs {b}");
        }
        assert!(
            (got.energies.as_ref().unwrap()[q][0] - energy).abs() < 1e-4,
            "{} vs {energy}",
            got.energies.as_ref().unwrap()[q][0]
        );
        assert_eq!(got.energies.as_ref().unwrap()[q].len(), 2);
    }
}

#[test]
fn energy_falls_and_the_three_kinds_of_state_appear() {
    let (p, d) = (20, 64);
    let stored = uniform(p, d, 3);
    // A stored pattern with noise, at a large β: a fixed point near that single pattern.
    let mut query = stored[5 * d..6 * d].to_vec();
    query.iter_mut().step_by(3).for_each(|v| *v = 0.0);
    let sharp = ModernHopfield::new(stored.clone(), p, d, 8.0, true).unwrap();
    let steps = Steps::UntilConverged {
        max_steps: 50,
        tolerance: 1e-6,
    };
    let got = on_cpu(&sharp, &query, &options(steps, true));
    assert_eq!(got.reports[0].kind, StateKind::SinglePattern);
    assert_eq!(got.reports[0].best_pattern, 5);
    assert!(got.reports[0].converged);
    assert!(
        got.energies.as_ref().unwrap()[0]
            .windows(2)
            .all(|e| e[1] <= e[0] + 1e-6),
        "{:?}",
        got.energies.as_ref().unwrap()[0]
    );
    // A tiny β: the global average of all patterns.
    let flat = ModernHopfield::new(stored.clone(), p, d, 0.01, true).unwrap();
    let got = on_cpu(&flat, &query, &options(steps, false));
    assert_eq!(got.reports[0].kind, StateKind::GlobalAverage);
    // Patterns 0 and 1 nearly equal: a query between them settles on their average.
    let mut close = stored.clone();
    for k in 0..d {
        close[d + k] = close[k] + 0.05 * close[d + k];
    }
    let pair = ModernHopfield::new(close.clone(), p, d, 8.0, true).unwrap();
    let got = retrieve(
        &pair,
        &close[..d],
        &options(steps, false),
        &Backend::Cpu,
        &Silent,
    )
    .unwrap();
    assert_eq!(got.reports[0].kind, StateKind::Metastable);
    assert!((got.reports[0].effective_patterns - 2.0).abs() < 0.5);
}

#[test]
fn the_gpu_agrees_with_the_cpu_within_its_tolerance() {
    let Some(ctx) = common::gpu() else { return };
    // A 64 KiB binding cap splits 300 patterns of 100 values into three blocks.
    let capped =
        GpuContext::open_with_binding_cap(AdapterPolicy::AnyAdapter, Some(64 << 10)).unwrap();
    let cases = [
        (300, 100, 40, false),
        (50, 17, 33, true),
        (7, 20_000, 3, false),
    ];
    for (p, d, q, normalize) in cases {
        let stored = uniform(p, d, 4);
        let queries = uniform(q, d, 5);
        let beta = if normalize {
            10.0
        } else {
            4.0 / (d as f64).sqrt()
        };
        let memory = ModernHopfield::new(stored, p, d, beta, normalize).unwrap();
        for steps in [Steps::Fixed(1), Steps::Fixed(3)] {
            let cpu = on_cpu(&memory, &queries, &options(steps, true));
            // Blocks hold 16 patterns at least, so only the narrow cases can be capped.
            let mut backends = vec![Backend::Gpu(ctx.clone())];
            if 16 * 4 * d <= 64 << 10 {
                backends.push(Backend::Gpu(capped.clone()));
            }
            for backend in backends {
                let gpu =
                    retrieve(&memory, &queries, &options(steps, true), &backend, &Silent).unwrap();
                let close = |a: &[f32], b: &[f32], what: &str| {
                    for (x, y) in a.iter().zip(b) {
                        assert!(
                            (x - y).abs() <= GPU_TOLERANCE,
                            "{what} {x} vs {y} ({p}x{d})"
                        );
                    }
                };
                close(&gpu.retrieved, &cpu.retrieved, "state");
                close(
                    gpu.attention.as_ref().unwrap(),
                    cpu.attention.as_ref().unwrap(),
                    "weight",
                );
                let flat = |r: &hopsom::modern::Retrieval| -> Vec<f64> {
                    r.energies.iter().flatten().flatten().copied().collect()
                };
                for (a, b) in flat(&gpu).into_iter().zip(flat(&cpu)) {
                    assert!((a - b).abs() <= 1e-3 * (1.0 + b.abs()), "energy {a} vs {b}");
                }
                for (a, b) in gpu.reports.iter().zip(&cpu.reports) {
                    assert_eq!(a.best_pattern, b.best_pattern);
                }
            }
        }
    }
}

#[test]
fn bad_retrievals_are_refused() {
    let stored = uniform(4, 3, 6);
    let error = ModernHopfield::new(stored.clone(), 4, 3, 0.0, false).unwrap_err();
    assert_eq!(error.to_string(), "beta 0: must be a positive number");
    let mut bad = stored.clone();
    bad[5] = f32::NAN;
    let error = ModernHopfield::new(bad, 4, 3, 1.0, false).unwrap_err();
    assert!(error.to_string().contains("NaN at position 5"), "{error}");
    let memory = ModernHopfield::new(stored, 4, 3, 1.0, false).unwrap();
    let fails = |queries: &[f32], steps: Steps, needle: &str| {
        let error = retrieve(
            &memory,
            queries,
            &options(steps, false),
            &Backend::Cpu,
            &Silent,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains(needle), "{error}");
    };
    fails(
        &[1.0; 4],
        Steps::Fixed(1),
        "4 query values are not whole queries of 3",
    );
    fails(&[], Steps::Fixed(1), "0 query values");
    fails(
        &[1.0, f32::INFINITY, 0.0],
        Steps::Fixed(1),
        "inf at position 1",
    );
    fails(&[1.0; 3], Steps::Fixed(0), "steps 0: must be at least 1");
}

#[test]
fn leaving_out_the_energies_changes_nothing_else() {
    let (p, d) = (60, 30);
    let stored = uniform(p, d, 7);
    let queries = uniform(25, d, 8);
    let memory = ModernHopfield::new(stored, p, d, 6.0, true).unwrap();
    let steps = Steps::UntilConverged {
        max_steps: 20,
        tolerance: 1e-5,
    };
    let all = on_cpu(&memory, &queries, &options(steps, true));
    let lean = RetrieveOptions {
        steps,
        attention: true,
        energies: false,
    };
    let lean = retrieve(&memory, &queries, &lean, &Backend::Cpu, &Silent).unwrap();
    assert!(lean.energies.is_none());
    assert_eq!(lean.retrieved, all.retrieved);
    assert_eq!(lean.attention, all.attention);
    assert_eq!(lean.reports, all.reports);
    assert!(all.reports.iter().any(|r| r.steps > 1 && r.converged));
}

#[test]
fn values_beyond_float32s_range_are_refused_never_returned_as_infinities() {
    // Finite stored values near 1e30: squared norms and scores would pass f32::MAX.
    let stored: Vec<f32> = uniform(4, 8, 9).iter().map(|v| v * 1e30).collect();
    let memory = ModernHopfield::new(stored, 4, 8, 1.0, false).unwrap();
    let mut backends = vec![Backend::Cpu];
    backends.extend(common::gpu().map(Backend::Gpu));
    for backend in &backends {
        let error = retrieve(
            &memory,
            &[1.0; 8],
            &options(Steps::Fixed(1), true),
            backend,
            &Silent,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("float32's range"), "{error}");
    }
    // Large but representable data (scores up to ~1e37) still retrieves, every number finite.
    let stored: Vec<f32> = uniform(4, 8, 9).iter().map(|v| v * 1e18).collect();
    let memory = ModernHopfield::new(stored.clone(), 4, 8, 1e-18, false).unwrap();
    let retrieval = on_cpu(&memory, &stored[..8], &options(Steps::Fixed(3), true));
    assert!(retrieval.retrieved.iter().all(|v| v.is_finite()));
    assert!(retrieval.attention.unwrap().iter().all(|v| v.is_finite()));
    assert!(retrieval
        .energies
        .unwrap()
        .iter()
        .flatten()
        .all(|e| e.is_finite()));
}
