//! What a training run is asked to do: neighbourhood, schedules, distance, initialisation and
//! mode, with documented defaults, validated once before any work.
//! Keep the numbering of the enums in sync with shaders/som_common.wgsl.

use crate::error::{Error, Param, Result};

/// How strongly a node moves with the winner, by their distance on the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

crate::choice::choices!(Neighbourhood {
    Neighbourhood::Gaussian => ["gaussian"] "exp(−d²/2σ²)",
    Neighbourhood::Bubble => ["bubble"] "1 within distance σ, 0 beyond",
    Neighbourhood::MexicanHat => ["mexican-hat", "mexican_hat"] "(1 − d²/σ²)·exp(−d²/2σ²) (online only)",
    Neighbourhood::Triangle => ["triangle"] "max(0, 1 − d/σ)",
});

impl Neighbourhood {
    /// The weight of a node at offset (|dx|, |dy|) from the winner for radius `sigma`, with
    /// every node whose offset along either axis reaches beyond `reach_sq` (see
    /// [`Neighbourhood::reach`]) at exactly 0. A radius of 0 (or one whose square is 0 in f32)
    /// means the winner alone: weight 1 at distance 0, 0 elsewhere. The gaussian is the product
    /// of its x and y factors. CPU twin of `neighbourhood` in shaders/som_common.wgsl.
    pub fn weight(self, (dx, dy): (f32, f32), sigma: f32, reach_sq: f32) -> f32 {
        let d2 = dx * dx + dy * dy;
        let s2 = sigma * sigma;
        if s2 <= 0.0 {
            return if d2 == 0.0 { 1.0 } else { 0.0 };
        }
        if dx * dx > reach_sq || dy * dy > reach_sq {
            return 0.0;
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

    /// How far the neighbourhood reaches, as a multiple of σ² of the squared offset along
    /// either axis: beyond it every weight is exactly 0, so training visits only the nodes
    /// inside a window around the winner and never computes the vanishing (subnormal) tail.
    /// The bubble and the triangle end at σ by their shape. The gaussian's axis factors
    /// exp(−d²/2σ²) are cut where they fall below `cutoff`, at d² = 2·ln(1/cutoff)·σ² (5.26σ
    /// for 10⁻⁶), so every weight dropped is below `cutoff` times the peak. The mexican hat is
    /// cut beyond the last offset at which |(1 − d²/σ²)·e^(−d²/2σ²)| reaches `cutoff`. A cutoff of
    /// 0 keeps the whole, unbounded neighbourhood.
    pub fn reach(self, cutoff: f32) -> f32 {
        let cutoff = f64::from(cutoff);
        match self {
            Neighbourhood::Bubble | Neighbourhood::Triangle => 1.0,
            _ if cutoff <= 0.0 => f32::INFINITY,
            Neighbourhood::Gaussian => (2.0 * (1.0 / cutoff).ln()) as f32,
            Neighbourhood::MexicanHat => {
                // h(u) = (1 − u)·e^(−u/2) in u = d²/σ²: falls from 1 to its trough
                // −2e^(−3/2) at u = 3, then rises towards 0. The reach is the last u where
                // |h| = cutoff: on the rising tail when the trough is deep enough, otherwise
                // on the first descent.
                let h = |u: f64| (1.0 - u) * (-u / 2.0).exp();
                let trough = 2.0 * (-1.5f64).exp();
                let (mut low, mut high, target) = if cutoff < trough {
                    (3.0, 3.0 + 4.0 * (1.0 / cutoff).ln() + 40.0, -cutoff)
                } else {
                    (0.0, 1.0, cutoff)
                };
                // |h| decreases on both intervals, so bisection finds the crossing.
                let falling = cutoff >= trough;
                for _ in 0..200 {
                    let middle = 0.5 * (low + high);
                    let above = if falling {
                        h(middle) > target
                    } else {
                        h(middle) < target
                    };
                    if above {
                        low = middle;
                    } else {
                        high = middle;
                    }
                }
                high as f32
            }
        }
    }

    /// The squared axis offset beyond which weights are 0 at radius `sigma`, as both the CPU
    /// and the GPU compute it: (σ·σ)·reach in f32, and 0 (the winner alone) when σ² is 0.
    pub fn reach_sq(reach: f32, sigma: f32) -> f32 {
        let s2 = sigma * sigma;
        if s2 <= 0.0 {
            0.0
        } else {
            s2 * reach
        }
    }
}

/// Weights below this fraction of the peak are dropped by default: a millionth changes a map by
/// far less than one sample's update, and keeps the neighbourhood's tail out of subnormal floats.
pub const DEFAULT_CUTOFF: f32 = 1e-6;

/// How the learning rate and the radius shrink over a run. Online training takes a step per
/// sample visited (t counts samples over all epochs, T = epochs × samples), batch training a
/// step per epoch (T = epochs); the seed schedule always steps per epoch, as seed 003 does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schedule {
    /// Seed 003: after epoch e the learning rate is multiplied by 0.5^e, and the radius of epoch
    /// e is σ·exp(−e/τ). The end values are not used.
    Seed,
    /// Geometric from the start value to the end value.
    #[default]
    Exponential,
    /// A straight line from the start value to the end value.
    Linear,
    /// v₀/(1 + c·t), with c chosen to reach the end value at the last step.
    Inverse,
    /// MiniSom's default `asymptotic_decay`: v₀/(1 + t/(T/2)), down to a third of the start
    /// value; the end values are not used.
    Asymptotic,
}

crate::choice::choices!(Schedule {
    Schedule::Seed => ["seed"] "seed 003's per-epoch rule: lr·0.5^e after epoch e, radius σ·exp(−e/τ)",
    Schedule::Exponential => ["exponential"] "geometric from the start to the end values",
    Schedule::Linear => ["linear"] "a straight line from the start to the end values",
    Schedule::Inverse => ["inverse"] "v₀/(1 + c·t), reaching the end values at the last step",
    Schedule::Asymptotic => ["asymptotic", "minisom"] "MiniSom's default v₀/(1 + t/(T/2)); no end values",
});

impl Schedule {
    /// Whether the schedule ends at given end values (the others have their own formulas).
    pub fn uses_end_values(self) -> bool {
        !matches!(self, Schedule::Seed | Schedule::Asymptotic)
    }
}

/// The learning rate and radius of one step of training.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct EpochRates {
    pub learning_rate: f32,
    pub sigma: f32,
}

/// The rates of each of `steps` steps, decaying from `start` to `end` as `schedule` says (a
/// constant schedule has `steps` 1 and holds `start`). Computed in f64 and rounded once, on the
/// host, for both the CPU and the GPU path, so that both see the same rates at every step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateSchedule {
    schedule: Schedule,
    start: EpochRates,
    end: EpochRates,
    steps: u64,
}

impl RateSchedule {
    /// The same rates at every step.
    pub fn constant(rates: EpochRates) -> RateSchedule {
        RateSchedule {
            schedule: Schedule::Linear,
            start: rates,
            end: rates,
            steps: 1,
        }
    }

    /// `schedule` over `steps` steps. The seed schedule has no per-step form: use
    /// [`TrainingParams::epoch_rates`] and a constant schedule per epoch.
    pub fn new(schedule: Schedule, start: EpochRates, end: EpochRates, steps: u64) -> Self {
        assert!(
            schedule != Schedule::Seed,
            "the seed schedule steps per epoch"
        );
        RateSchedule {
            schedule,
            start,
            end,
            steps: steps.max(1),
        }
    }

    /// The rates of step `step` (counted from 0).
    pub fn at(&self, step: u64) -> EpochRates {
        EpochRates {
            learning_rate: self.decay(self.start.learning_rate, self.end.learning_rate, step),
            sigma: self.decay(self.start.sigma, self.end.sigma, step),
        }
    }

    fn decay(&self, start: f32, end: f32, step: u64) -> f32 {
        let (start, end) = (f64::from(start), f64::from(end));
        let t = step as f64;
        // Fraction of the way from the first step to the last.
        let f = if self.steps > 1 {
            t / (self.steps - 1) as f64
        } else {
            0.0
        };
        let value = match self.schedule {
            Schedule::Seed => unreachable!("refused by RateSchedule::new"),
            Schedule::Exponential if end > 0.0 && start > 0.0 => start * (end / start).powf(f),
            Schedule::Exponential | Schedule::Linear => start + (end - start) * f,
            Schedule::Inverse if end > 0.0 => start / (1.0 + (start / end - 1.0) * f),
            Schedule::Inverse => start,
            // MiniSom: dynamic_parameter / (1 + t / (max_iter / 2)).
            Schedule::Asymptotic => start / (1.0 + t / (self.steps as f64 / 2.0)),
        };
        value as f32
    }
}

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
    fn zero_radius_is_the_winner_alone() {
        for shape in [
            Neighbourhood::Gaussian,
            Neighbourhood::Bubble,
            Neighbourhood::Triangle,
        ] {
            assert_eq!(shape.weight((0.0, 0.0), 0.0, 1.0), 1.0);
            assert_eq!(shape.weight((1.0, 0.0), 0.0, 1.0), 0.0);
        }
    }

    #[test]
    fn asymptotic_schedule_is_minisoms() {
        // MiniSom's asymptotic_decay(x, t, max_iter) = x / (1 + t / (max_iter / 2)).
        let start = EpochRates {
            learning_rate: 0.5,
            sigma: 3.0,
        };
        let schedule = RateSchedule::new(Schedule::Asymptotic, start, start, 1000);
        for t in [0u64, 1, 499, 500, 999] {
            let want = |x: f64| (x / (1.0 + t as f64 / 500.0)) as f32;
            assert_eq!(schedule.at(t).learning_rate, want(0.5));
            assert_eq!(schedule.at(t).sigma, want(3.0));
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

    #[test]
    fn the_cutoff_drops_only_weights_below_it() {
        let cutoff = 1e-6f32;
        for kind in [Neighbourhood::Gaussian, Neighbourhood::MexicanHat] {
            let reach = kind.reach(cutoff);
            let sigma = 3.0f32;
            let reach_sq = Neighbourhood::reach_sq(reach, sigma);
            let full = |d: f32| kind.weight((d, 0.0), sigma, f32::INFINITY);
            let edge = reach_sq.sqrt();
            // Just inside the reach the weight is still about the cutoff; beyond, it is 0 and
            // the full neighbourhood's weight there is below the cutoff.
            assert!(full(edge * 0.999).abs() >= cutoff * 0.9, "{kind:?}");
            assert_eq!(kind.weight((edge * 1.001, 0.0), sigma, reach_sq), 0.0);
            for d in [1.001f32, 1.5, 3.0] {
                assert!(full(edge * d).abs() < cutoff, "{kind:?} at {d}");
            }
        }
        assert_eq!(Neighbourhood::Gaussian.reach(0.0), f32::INFINITY);
        // Bubbles and triangles end at σ whatever the cutoff.
        assert_eq!(Neighbourhood::Bubble.reach(0.0), 1.0);
    }
}
