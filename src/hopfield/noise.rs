//! Noisy probes: a stored pattern with exactly ⌊p·N⌋ distinct neurons flipped, chosen at random
//! (seed 003's `corrupt_image`), from a stream keyed on (seed, pattern, noise level, trial).

use super::patterns::PatternSet;
use crate::error::{Error, Param, Result};
use crate::rng::{Domain, StreamKey};

/// The number of neurons flipped at `percent` noise: ⌊percent/100 · N⌋. A tiny tolerance keeps
/// decimal levels such as 29 % of 100 neurons at exactly 29 despite binary rounding.
pub fn flip_count(neurons: usize, percent: f64) -> usize {
    ((percent / 100.0 * neurons as f64) + 1e-9).floor() as usize
}

/// Checks a noise level given in percent.
pub fn check_noise(percent: f64) -> Result<()> {
    if !percent.is_finite() || !(0.0..=100.0).contains(&percent) {
        return Err(Error::parameter(
            Param::Noise,
            percent,
            "a noise level is a percentage from 0 to 100",
        ));
    }
    Ok(())
}

/// The key of one noisy trial: the same (seed, pattern, level, trial) always gives the same probe.
pub fn noise_key(seed: u64, pattern: usize, percent: f64, trial: usize) -> StreamKey {
    StreamKey::new(seed, Domain::Noise, &trial_path(pattern, percent, trial))
}

/// The key of the asynchronous update order used to recall that trial.
pub fn order_key(seed: u64, pattern: usize, percent: f64, trial: usize) -> StreamKey {
    StreamKey::new(
        seed,
        Domain::UpdateOrder,
        &trial_path(pattern, percent, trial),
    )
}

/// The key of the asynchronous update order of the `index`-th probe given in a file.
pub fn probe_order_key(seed: u64, index: usize) -> StreamKey {
    StreamKey::new(seed, Domain::UpdateOrder, &[index as u32])
}

fn trial_path(pattern: usize, percent: f64, trial: usize) -> [u32; 3] {
    // The level enters as thousandths of a percent, so 12.5 and 12.50 are the same trial.
    [
        pattern as u32,
        (percent * 1000.0).round() as u32,
        trial as u32,
    ]
}

/// `pattern` with ⌊percent/100 · N⌋ distinct neurons flipped.
pub fn corrupt(pattern: &[i8], percent: f64, key: &StreamKey) -> Vec<i8> {
    let mut noisy = vec![0; pattern.len()];
    corrupt_into(pattern, percent, key, &mut noisy);
    noisy
}

/// [`corrupt`], written into `noisy` (as long as `pattern`).
pub fn corrupt_into(pattern: &[i8], percent: f64, key: &StreamKey, noisy: &mut [i8]) {
    noisy.copy_from_slice(pattern);
    for index in key.distinct(0, pattern.len(), flip_count(pattern.len(), percent)) {
        noisy[index as usize] = -noisy[index as usize];
    }
}

/// `count` noisy copies of `stored`'s patterns in turn (copy k is pattern k mod P, trial k / P)
/// at `level` percent, with their visiting-order keys, drawn from `seed`: the probes benchmarks
/// and tests recall.
pub fn noisy_copies(
    stored: &PatternSet,
    count: usize,
    level: f64,
    seed: u64,
) -> (Vec<i8>, Vec<StreamKey>) {
    let mut probes = Vec::with_capacity(count * stored.neurons());
    let mut keys = Vec::with_capacity(count);
    for copy in 0..count {
        let (p, trial) = (copy % stored.len(), copy / stored.len());
        probes.extend(corrupt(
            stored.get(p),
            level,
            &noise_key(seed, p, level, trial),
        ));
        keys.push(order_key(seed, p, level, trial));
    }
    (probes, keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flips_exactly_floor_of_p_n() {
        assert_eq!(flip_count(225, 10.0), 22);
        assert_eq!(flip_count(225, 75.0), 168);
        assert_eq!(flip_count(100, 29.0), 29);
        let pattern = vec![1i8; 225];
        let noisy = corrupt(&pattern, 25.0, &noise_key(1, 0, 25.0, 0));
        assert_eq!(noisy.iter().filter(|&&v| v == -1).count(), 56);
    }
}
