//! What a training run is asked to do: neighbourhood, schedules, distance, initialisation and
//! mode, with documented defaults, validated once before any work.
//! Keep the numbering of the enums in sync with shaders/som_grid.wgsl and shaders/som_bmu.wgsl.

use crate::error::{Error, Result};

/// How strongly a node moves with the winner, by their distance on the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[repr(u32)]
pub enum Neighbourhood {
    /// exp(−d²/2σ²).
    #[default]
    Gaussian = 0,
    /// 1 within distance σ, 0 beyond.
    Bubble = 1,
    /// (1 − d²/σ²)·exp(−d²/2σ²): nearby nodes move closer, a ring further out moves away.
    MexicanHat = 2,
    /// max(0, 1 − d/σ).
    Triangle = 3,
}

impl Neighbourhood {
    /// The weight of a node at offset (|dx|, |dy|) from the winner for radius `sigma`. A radius of
    /// 0 (or one whose square is 0 in f32) means the winner alone: weight 1 at distance 0, 0
    /// elsewhere. The gaussian is the product of its x and y factors.
    /// CPU twin of `neighbourhood` in shaders/som_common.wgsl.
    pub fn weight(self, (dx, dy): (f32, f32), sigma: f32) -> f32 {
        let d2 = dx * dx + dy * dy;
        let s2 = sigma * sigma;
        if s2 <= 0.0 {
            return if d2 == 0.0 { 1.0 } else { 0.0 };
        }
        let gaussian = || (-(dx * dx) / (2.0 * s2)).exp() * (-(dy * dy) / (2.0 * s2)).exp();
        match self {
            Neighbourhood::Gaussian => gaussian(),
            Neighbourhood::Bubble => {
                if d2 <= s2 {
                    1.0
                } else {
                    0.0
                }
            }
            Neighbourhood::MexicanHat => (1.0 - d2 / s2) * gaussian(),
            Neighbourhood::Triangle => (1.0 - d2.sqrt() / sigma).max(0.0),
        }
    }
}

/// How the learning rate and the radius shrink from epoch to epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// Seed 003: after epoch e the learning rate is multiplied by 0.5^e, and the radius of epoch
    /// e is σ·exp(−e/τ). The end values are not used.
    Seed,
    /// Geometric from the start value to the end value.
    #[default]
    Exponential,
    /// A straight line from the start value to the end value.
    Linear,
    /// v₀/(1 + c·e), with c chosen to reach the end value at the last epoch.
    Inverse,
}

/// The learning rate and radius used throughout one epoch.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EpochRates {
    pub learning_rate: f32,
    pub sigma: f32,
}

/// How a sample is compared with a node's weights to find its best-matching unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u32)]
pub enum Metric {
    #[default]
    Euclidean = 0,
    /// 1 − cos of the angle between sample and weights (1 when either is zero).
    Cosine = 1,
    Manhattan = 2,
    Chebyshev = 3,
}

/// Where the weights start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// Uniform in the box the data spans, each dimension independently.
    #[default]
    Random,
    /// Randomly chosen samples, distinct where the data has enough.
    Samples,
    /// A plane spanned by the data's first two principal components, ±1 standard deviation
    /// across the map (columns along the first, rows along the second).
    Pca,
}

/// Sequential or batch training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Kohonen's rule, one sample at a time: find the winner, move every node by lr·h·(x − w).
    Online,
    /// Kohonen's batch map: every sample's winner in parallel, then each node becomes the
    /// neighbourhood-weighted mean of the samples. No learning rate.
    #[default]
    Batch,
}

/// Everything a training run needs besides the data and the grid.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TrainingParams {
    pub mode: Mode,
    pub epochs: usize,
    pub neighbourhood: Neighbourhood,
    pub schedule: Schedule,
    pub learning_rate: f32,
    pub learning_rate_end: f32,
    pub sigma: f32,
    pub sigma_end: f32,
    /// τ of the seed schedule's radius.
    pub tau: f32,
    pub metric: Metric,
    pub init: Init,
    /// Online mode visits the samples in a new seeded random order each epoch; `false` keeps
    /// their order, as seed 003 does.
    pub shuffle: bool,
    /// Seed 003 moves the winner by lr·(x − w) before the neighbourhood update as well.
    pub extra_winner_update: bool,
    pub seed: u64,
}

impl Default for TrainingParams {
    fn default() -> Self {
        TrainingParams {
            mode: Mode::Batch,
            epochs: 10,
            neighbourhood: Neighbourhood::Gaussian,
            schedule: Schedule::Exponential,
            learning_rate: 0.5,
            learning_rate_end: 0.01,
            sigma: 5.0,
            sigma_end: 0.5,
            tau: 1.0,
            metric: Metric::Euclidean,
            init: Init::Random,
            shuffle: true,
            extra_winner_update: false,
            seed: 1,
        }
    }
}

impl TrainingParams {
    /// Seed 003's `SOM_network`: lr = 2, σ = 50, τ = 1, 100 epochs, the seed schedule, samples in
    /// order, the extra winner update, weights uniform in [0, 1).
    pub fn seed_compat(seed: u64) -> Self {
        TrainingParams {
            mode: Mode::Online,
            epochs: 100,
            neighbourhood: Neighbourhood::Gaussian,
            schedule: Schedule::Seed,
            learning_rate: 2.0,
            learning_rate_end: 2.0,
            sigma: 50.0,
            sigma_end: 50.0,
            tau: 1.0,
            metric: Metric::Euclidean,
            init: Init::Random,
            shuffle: false,
            extra_winner_update: true,
            seed,
        }
    }

    /// Checks every value before any work is done.
    pub fn validate(&self) -> Result<()> {
        let usage = |message: String| Err(Error::Usage(message));
        if self.epochs == 0 {
            return usage("--epochs must be at least 1".into());
        }
        // The schedule and the per-epoch report are held for every epoch.
        let per_epoch =
            std::mem::size_of::<EpochRates>() + std::mem::size_of::<super::EpochReport>();
        crate::limits::check_host_memory(
            &format!("--epochs {} (a schedule and report per epoch)", self.epochs),
            (self.epochs as u64).checked_mul(per_epoch as u64),
        )?;
        let positive = [
            ("--lr", self.learning_rate),
            ("--lr-end", self.learning_rate_end),
            ("--tau", self.tau),
        ];
        for (name, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return usage(format!("{name} must be a positive number, not {value}"));
            }
        }
        // w += lr·h·(x − w) moves a node past x and away from it by more than it started once
        // lr·h > 2: every epoch multiplies the error, until the distances overflow.
        for (name, value) in [
            ("--lr", self.learning_rate),
            ("--lr-end", self.learning_rate_end),
        ] {
            if value > 2.0 {
                return usage(format!(
                    "{name} {value}: above 2 the online update overshoots and diverges; give a rate in (0, 2]"
                ));
            }
        }
        for (name, value) in [("--sigma", self.sigma), ("--sigma-end", self.sigma_end)] {
            if !(value.is_finite() && value >= 0.0) {
                return usage(format!("{name} must be 0 or more, not {value}"));
            }
        }
        if self.schedule == Schedule::Inverse && self.sigma_end == 0.0 && self.sigma > 0.0 {
            return usage(
                "the inverse schedule cannot reach --sigma-end 0; give a small positive end".into(),
            );
        }
        if self.mode == Mode::Batch && self.neighbourhood == Neighbourhood::MexicanHat {
            return usage(
                "the mexican hat has negative weights, and the batch update divides by their sum; \
                 use --mode online or another --neighbourhood"
                    .into(),
            );
        }
        Ok(())
    }

    /// The learning rate and radius of every epoch.
    pub fn rates(&self) -> Vec<EpochRates> {
        (0..self.epochs).map(|epoch| self.rates_at(epoch)).collect()
    }

    fn rates_at(&self, epoch: usize) -> EpochRates {
        let e = epoch as f64;
        // Fraction of the way from the first epoch to the last.
        let t = if self.epochs > 1 {
            e / (self.epochs - 1) as f64
        } else {
            0.0
        };
        let decay = |start: f32, end: f32| -> f32 {
            let (start, end) = (f64::from(start), f64::from(end));
            let value = match self.schedule {
                Schedule::Seed => unreachable!("the seed schedule has its own formulas"),
                Schedule::Exponential if end > 0.0 && start > 0.0 => start * (end / start).powf(t),
                Schedule::Exponential | Schedule::Linear => start + (end - start) * t,
                Schedule::Inverse if end > 0.0 => start / (1.0 + (start / end - 1.0) * t),
                Schedule::Inverse => start,
            };
            value as f32
        };
        match self.schedule {
            Schedule::Seed => EpochRates {
                // lr is halved e−1, e−2, …, 0 times over: 0.5^(e(e−1)/2) in all.
                learning_rate: (f64::from(self.learning_rate) * 0.5f64.powf(e * (e - 1.0) / 2.0))
                    as f32,
                sigma: (f64::from(self.sigma) * (-e / f64::from(self.tau)).exp()) as f32,
            },
            _ => EpochRates {
                learning_rate: decay(self.learning_rate, self.learning_rate_end),
                sigma: decay(self.sigma, self.sigma_end),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_schedule_matches_the_notebook() {
        // The notebook multiplies lr by 0.5^epoch after each epoch, starting from 2.
        let params = TrainingParams::seed_compat(1);
        let rates = params.rates();
        let mut lr = 2.0f64;
        for (epoch, rate) in rates.iter().enumerate().take(8) {
            assert!((f64::from(rate.learning_rate) - lr).abs() <= 1e-6 * lr.max(1e-30));
            let sigma = 50.0 * (-(epoch as f64)).exp();
            assert!((f64::from(rate.sigma) - sigma).abs() < 1e-4 * sigma);
            lr *= 0.5f64.powi(epoch as i32);
        }
    }

    #[test]
    fn decaying_schedules_start_and_end_where_asked() {
        for schedule in [Schedule::Exponential, Schedule::Linear, Schedule::Inverse] {
            let params = TrainingParams {
                schedule,
                epochs: 7,
                sigma: 4.0,
                sigma_end: 0.25,
                ..TrainingParams::default()
            };
            let rates = params.rates();
            assert!((rates[0].sigma - 4.0).abs() < 1e-6, "{schedule:?}");
            assert!((rates[6].sigma - 0.25).abs() < 1e-5, "{schedule:?}");
            assert!(rates.windows(2).all(|w| w[1].sigma < w[0].sigma));
        }
    }

    #[test]
    fn zero_radius_is_the_winner_alone() {
        for shape in [
            Neighbourhood::Gaussian,
            Neighbourhood::Bubble,
            Neighbourhood::Triangle,
        ] {
            assert_eq!(shape.weight((0.0, 0.0), 0.0), 1.0);
            assert_eq!(shape.weight((1.0, 0.0), 0.0), 0.0);
        }
    }
}
