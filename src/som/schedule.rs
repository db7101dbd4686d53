//! How the learning rate and the radius shrink over a run: the schedules, and the rates of every
//! step computed once on the host for both paths.

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
    /// `TrainingParams::epoch_rates` and a constant schedule per epoch.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
