//! Corrupted copies of continuous patterns, the queries of retrieval studies: a share of the
//! entries masked (set to 0), or Gaussian noise added. Each copy draws from its own counter-based
//! stream, keyed on (seed, pattern, level, trial), so the same seed gives the same queries on
//! every backend, in the command line, in Python and on any worker.

use crate::error::{Error, Param, Result};
use crate::rng::{Domain, StreamKey};

/// How a query is made from a stored pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorruptionKind {
    /// `level` % of the entries (exactly ⌊level/100 · D⌋, chosen at random) set to 0.
    Mask,
    /// Gaussian noise of standard deviation `level` added to every entry.
    Gaussian,
}

crate::choice::choices!(CorruptionKind {
    CorruptionKind::Mask => ["mask"] "a percentage of the entries, chosen at random, set to 0",
    CorruptionKind::Gaussian => ["gaussian"] "Gaussian noise of the given standard deviation added to every entry",
});

impl CorruptionKind {
    /// Checks a corruption level: a percentage for masks, a standard deviation for noise.
    pub fn check_level(self, level: f64) -> Result<()> {
        let fits = match self {
            CorruptionKind::Mask => (0.0..=100.0).contains(&level),
            CorruptionKind::Gaussian => level.is_finite() && level >= 0.0,
        };
        if fits {
            Ok(())
        } else {
            Err(Error::parameter(
                Param::Levels,
                level,
                match self {
                    CorruptionKind::Mask => "a masked share is a percentage in [0, 100]",
                    CorruptionKind::Gaussian => "a noise level is a standard deviation, 0 or more",
                },
            ))
        }
    }
}

/// The stream of copy `trial` of pattern `pattern` at `level`.
pub fn corruption_key(seed: u64, pattern: usize, level: f64, trial: usize) -> StreamKey {
    let level_bits = level.to_bits();
    StreamKey::new(
        seed,
        Domain::Corruption,
        &[
            pattern as u32,
            trial as u32,
            level_bits as u32,
            (level_bits >> 32) as u32,
        ],
    )
}

/// A corrupted copy of `pattern`.
pub fn corrupt(pattern: &[f32], kind: CorruptionKind, level: f64, key: &StreamKey) -> Vec<f32> {
    let mut copy = pattern.to_vec();
    match kind {
        CorruptionKind::Mask => {
            let masked = (level / 100.0 * pattern.len() as f64).floor() as usize;
            for i in key.distinct(0, pattern.len(), masked) {
                copy[i as usize] = 0.0;
            }
        }
        CorruptionKind::Gaussian => {
            // Box–Muller from two 24-bit uniforms per entry; 1 − u keeps the logarithm finite.
            for (i, value) in copy.iter_mut().enumerate() {
                let u = 1.0 - f64::from(key.unit_f32(1, 2 * i as u32));
                let v = f64::from(key.unit_f32(1, 2 * i as u32 + 1));
                let normal = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
                *value = (f64::from(*value) + level * normal) as f32;
            }
        }
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_take_exactly_their_share_and_noise_has_its_spread() {
        let pattern = vec![1.0f32; 1000];
        let masked = corrupt(
            &pattern,
            CorruptionKind::Mask,
            50.0,
            &corruption_key(1, 0, 50.0, 0),
        );
        assert_eq!(masked.iter().filter(|&&v| v == 0.0).count(), 500);
        let noisy = corrupt(
            &pattern,
            CorruptionKind::Gaussian,
            2.0,
            &corruption_key(1, 0, 2.0, 0),
        );
        let mean = noisy.iter().map(|&v| f64::from(v)).sum::<f64>() / 1000.0;
        let sd = (noisy
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / 999.0)
            .sqrt();
        assert!(
            (mean - 1.0).abs() < 0.2 && (sd - 2.0).abs() < 0.2,
            "{mean} {sd}"
        );
        assert!(CorruptionKind::Mask.check_level(101.0).is_err());
        assert!(CorruptionKind::Gaussian.check_level(-1.0).is_err());
    }
}
