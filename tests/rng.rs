//! The random generator: Random123's known answers on the GPU (the CPU's are unit tests in
//! src/rng.rs), the WGSL twin against the CPU, and the independence that capacity studies rely on.

mod common;

use hopsom::hopfield::capacity::random_patterns;
use hopsom::rng::{philox4x32_10, Domain, StreamKey, PHILOX4X32_10_KNOWN_ANSWERS};

#[test]
fn wgsl_philox_matches_random123_known_answers() {
    let Some(ctx) = common::gpu() else { return };
    let inputs: Vec<_> = PHILOX4X32_10_KNOWN_ANSWERS
        .iter()
        .map(|&(counter, key, _)| (counter, key))
        .collect();
    let blocks = ctx.philox_blocks(&inputs).unwrap();
    for ((counter, _, expected), got) in PHILOX4X32_10_KNOWN_ANSWERS.iter().zip(&blocks) {
        assert_eq!(got, expected, "counter {counter:x?}");
    }
}

#[test]
fn wgsl_draws_match_the_cpu_bit_for_bit() {
    let Some(ctx) = common::gpu() else { return };
    let mut requests = Vec::new();
    for seed in [0, 1, u64::MAX] {
        for (d, domain) in [Domain::Noise, Domain::UpdateOrder, Domain::SomOrder]
            .into_iter()
            .enumerate()
        {
            let key = StreamKey::new(seed, domain, &[d as u32, 7]);
            for index in [0, 1, 2, 3, 4, 5, 1000, u32::MAX - 1, u32::MAX] {
                for round in [0, 3, 0x8000_0001] {
                    requests.push((key, round, index, index.wrapping_add(1).max(1)));
                }
            }
        }
    }
    let gpu = ctx.stream_draws(&requests).unwrap();
    for (&(key, round, index, bound), &(draw, below)) in requests.iter().zip(&gpu) {
        assert_eq!(
            draw,
            key.draw(round, index),
            "draw {index} of round {round}"
        );
        assert_eq!(below, key.below(round, index, bound), "below {bound}");
    }
    // And random blocks, beyond the three published ones.
    let inputs: Vec<_> = (0..256u32)
        .map(|i| {
            let w = philox4x32_10([i, 0, 0, 0], [0xdead_beef, i]);
            ([w[0], w[1], w[2], w[3]], [w[1] ^ w[3], w[2]])
        })
        .collect();
    let blocks = ctx.philox_blocks(&inputs).unwrap();
    for (&(counter, key), got) in inputs.iter().zip(&blocks) {
        assert_eq!(*got, philox4x32_10(counter, key));
    }
}

/// N·m² of two independent unbiased ±1 patterns has mean 1 and variance 2 − 2/N, and the pairs
/// of a set are uncorrelated; a generator whose words are correlated across counters shows up as
/// a mean above 1 (the pcg4d stream this replaced gave 1.0117 ± 0.0015).
#[test]
fn random_patterns_drawn_as_capacity_does_are_independent() {
    let (neurons, count, sets) = (1000usize, 250usize, 10u32);
    let mut sum = 0.0;
    let mut pairs = 0usize;
    for trial in 0..sets {
        let key = StreamKey::new(1, Domain::Patterns, &[0, trial]);
        let set = random_patterns(neurons, count, &key).unwrap();
        for a in 0..count {
            for b in a + 1..count {
                let dot: i32 = set
                    .get(a)
                    .iter()
                    .zip(set.get(b))
                    .map(|(&x, &y)| i32::from(x) * i32::from(y))
                    .sum();
                sum += f64::from(dot).powi(2) / neurons as f64;
                pairs += 1;
            }
        }
    }
    let mean = sum / pairs as f64;
    let stderr = ((2.0 - 2.0 / neurons as f64) / pairs as f64).sqrt();
    assert!(
        (mean - 1.0).abs() < 4.0 * stderr,
        "mean N·m² = {mean:.5}, expected 1 ± {stderr:.5}"
    );
}
