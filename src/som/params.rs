//! What a training run is asked to do: mode, metric, initialisation, and the checked parameters
//! every run takes (the neighbourhood and the schedules have modules of their own). Keep the
//! numbering of the enums in sync with shaders/som_common.wgsl.

pub use super::neighbourhood::{Neighbourhood, DEFAULT_CUTOFF};
pub use super::schedule::{EpochRates, RateSchedule, Schedule};
use crate::error::{Error, Param, Result};

/// How a sample is compared with a node's weights to find its best-matching unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u32)]
pub enum Metric {
    #[default]
    Euclidean = 0,
    /// 1 − cos of the angle between sample and weights (1 when either is zero).
    Cosine = 1,
    Manhattan = 2,
    Chebyshev = 3,
}

crate::choice::choices!(Metric {
    Metric::Euclidean => ["euclidean"] "the straight-line distance",
    Metric::Cosine => ["cosine"] "1 − cos of the angle between sample and weights",
    Metric::Manhattan => ["manhattan"] "the sum of absolute differences",
    Metric::Chebyshev => ["chebyshev"] "the largest absolute difference",
});

/// Where the weights start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

crate::choice::choices!(Init {
    Init::Random => ["random"] "uniform in the box the data spans",
    Init::Samples => ["samples"] "randomly chosen samples",
    Init::Pca => ["pca"] "the plane of the data's first two principal components",
});

/// Sequential or batch training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Kohonen's rule, one sample at a time: find the winner, move every node by lr·h·(x − w).
    Online,
    /// Kohonen's batch map: every sample's winner in parallel, then each node becomes the
    /// neighbourhood-weighted mean of the samples. No learning rate.
    #[default]
    Batch,
}

crate::choice::choices!(Mode {
    Mode::Online => ["online"] "Kohonen's rule, one sample at a time",
    Mode::Batch => ["batch"] "Kohonen's batch map: every sample's winner at once, then weighted means",
});

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
    /// Neighbourhood weights below this fraction of the peak are exactly 0 (see
    /// [`Neighbourhood::reach`]); 0 keeps the whole neighbourhood.
    pub cutoff: f32,
    pub metric: Metric,
    pub init: Init,
    /// Online mode visits the samples in a new seeded random order each epoch; `false` keeps
    /// their order, as seed 003 does.
    pub shuffle: bool,
    /// Online mode: samples visited per epoch, cycling through the data (a seeded random order
    /// of the cycle with `shuffle`); all of them once when `None`.
    pub iterations: Option<u64>,
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
            cutoff: DEFAULT_CUTOFF,
            metric: Metric::Euclidean,
            init: Init::Random,
            shuffle: true,
            iterations: None,
            extra_winner_update: false,
            seed: crate::spec::DEFAULT_SEED,
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
            // The seed's neighbourhood is the whole gaussian.
            cutoff: 0.0,
            metric: Metric::Euclidean,
            init: Init::Random,
            shuffle: false,
            iterations: None,
            extra_winner_update: true,
            seed,
        }
    }

    /// Checks every value before any work is done.
    pub fn validate(&self) -> Result<()> {
        let invalid =
            |param, value: f32, allowed: &str| Err(Error::parameter(param, value, allowed));
        if self.epochs == 0 {
            return Err(Error::parameter(Param::Epochs, 0, "must be at least 1"));
        }
        // The schedule and the per-epoch report are held for every epoch.
        let per_epoch =
            std::mem::size_of::<EpochRates>() + std::mem::size_of::<super::EpochReport>();
        crate::limits::check_host_memory_of(
            Param::Epochs,
            self.epochs,
            "a schedule and a report for each epoch",
            (self.epochs as u64).checked_mul(per_epoch as u64),
        )?;
        if let Some(iterations) = self.iterations {
            if iterations == 0 {
                return Err(Error::parameter(Param::Iterations, 0, "must be at least 1"));
            }
            // The visiting order of an epoch is held as 32-bit indices.
            if iterations > u64::from(u32::MAX) {
                return Err(Error::parameter(
                    Param::Iterations,
                    iterations,
                    "at most 2^32 - 1 samples an epoch; give more epochs instead",
                ));
            }
            crate::limits::check_host_memory_of(
                Param::Iterations,
                iterations,
                "the visiting order of an epoch",
                iterations.checked_mul(8),
            )?;
        }
        let positive = [
            (Param::Lr, self.learning_rate),
            (Param::LrEnd, self.learning_rate_end),
            (Param::Tau, self.tau),
        ];
        for (param, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return invalid(param, value, "must be a positive number");
            }
        }
        // w += lr·h·(x − w) moves a node past x and away from it by more than it started once
        // lr·h > 2: every epoch multiplies the error, until the distances overflow.
        for (param, value) in [
            (Param::Lr, self.learning_rate),
            (Param::LrEnd, self.learning_rate_end),
        ] {
            if value > 2.0 {
                return invalid(
                    param,
                    value,
                    "above 2 the online update overshoots and diverges; give a rate in (0, 2]",
                );
            }
        }
        for (param, value) in [
            (Param::Sigma, self.sigma),
            (Param::SigmaEnd, self.sigma_end),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return invalid(param, value, "must be 0 or more");
            }
        }
        if !(self.cutoff.is_finite() && (0.0..1.0).contains(&self.cutoff)) {
            return invalid(
                Param::Cutoff,
                self.cutoff,
                "give a fraction of the peak weight in [0, 1) (0 keeps every weight)",
            );
        }
        if self.schedule == Schedule::Inverse && self.sigma_end == 0.0 && self.sigma > 0.0 {
            return invalid(
                Param::SigmaEnd,
                0.0,
                "the inverse schedule cannot reach 0; give a small positive end",
            );
        }
        if self.mode == Mode::Batch && self.neighbourhood == Neighbourhood::MexicanHat {
            return Err(Error::parameter(
                Param::Neighbourhood,
                self.neighbourhood,
                "the mexican hat has negative weights, and the batch update divides by their sum; \
                 train online or choose another neighbourhood",
            ));
        }
        Ok(())
    }

    /// Whether the rates change from sample to sample: online training on every schedule but
    /// the seed's.
    pub fn decays_per_sample(&self) -> bool {
        self.mode == Mode::Online && self.schedule != Schedule::Seed
    }

    /// The rates over a run of `steps` steps (samples visited in online mode, epochs in batch
    /// mode); not for the seed schedule.
    pub fn rate_schedule(&self, steps: u64) -> RateSchedule {
        RateSchedule::new(
            self.schedule,
            EpochRates {
                learning_rate: self.learning_rate,
                sigma: self.sigma,
            },
            EpochRates {
                learning_rate: self.learning_rate_end,
                sigma: self.sigma_end,
            },
            steps,
        )
    }

    /// The per-sample schedule of an online run of `steps` samples in all, or `None` when the
    /// rates step per epoch.
    pub fn rate_schedule_if_per_sample(&self, steps: u64) -> Option<RateSchedule> {
        self.decays_per_sample().then(|| self.rate_schedule(steps))
    }

    /// The learning rate and radius of every epoch, stepping once per epoch.
    pub fn epoch_rates(&self) -> Vec<EpochRates> {
        if self.schedule != Schedule::Seed {
            let schedule = self.rate_schedule(self.epochs as u64);
            return (0..self.epochs as u64).map(|e| schedule.at(e)).collect();
        }
        (0..self.epochs)
            .map(|epoch| {
                let e = epoch as f64;
                EpochRates {
                    // lr is halved e−1, e−2, …, 0 times over: 0.5^(e(e−1)/2) in all.
                    learning_rate: (f64::from(self.learning_rate)
                        * 0.5f64.powf(e * (e - 1.0) / 2.0))
                        as f32,
                    sigma: (f64::from(self.sigma) * (-e / f64::from(self.tau)).exp()) as f32,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_schedule_matches_the_notebook() {
        // The notebook multiplies lr by 0.5^epoch after each epoch, starting from 2.
        let params = TrainingParams::seed_compat(1);
        let rates = params.epoch_rates();
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
            let rates = params.epoch_rates();
            assert!((rates[0].sigma - 4.0).abs() < 1e-6, "{schedule:?}");
            assert!((rates[6].sigma - 0.25).abs() < 1e-5, "{schedule:?}");
            assert!(rates.windows(2).all(|w| w[1].sigma < w[0].sigma));
        }
    }

    #[test]
    fn per_sample_schedules_reach_the_end_values_at_the_last_sample() {
        let params = TrainingParams {
            mode: Mode::Online,
            epochs: 3,
            sigma: 6.0,
            sigma_end: 0.5,
            ..TrainingParams::default()
        };
        let schedule = params.rate_schedule(3 * 1000);
        assert_eq!(schedule.at(0).sigma, 6.0);
        assert!((schedule.at(2999).sigma - 0.5).abs() < 1e-6);
        assert!((schedule.at(2999).learning_rate - 0.01).abs() < 1e-8);
        assert!(schedule.at(1000).sigma < schedule.at(999).sigma);
    }
}
