//! What one training step applies, as both paths take it: an online epoch's rates and
//! neighbourhood, and a batch update's smoothing. The GPU kernels (`gpu.rs`) read these and
//! know nothing of the algorithms that make them.

use super::data::Samples;
use super::params::{EpochRates, Metric, Neighbourhood, RateSchedule};

/// What one online epoch applies to every sample.
#[derive(Debug, Clone, Copy)]
pub struct OnlineStep {
    /// The rates of every step of the run: the k-th sample of this epoch takes step
    /// `first_step + k`.
    pub rates: RateSchedule,
    pub first_step: u64,
    pub neighbourhood: Neighbourhood,
    /// [`Neighbourhood::reach`] of the run's cutoff.
    pub reach: f32,
    pub metric: Metric,
    /// Seed 003's extra move of the winner by lr·(x − w) before the neighbourhood update.
    pub extra_winner_update: bool,
}

impl OnlineStep {
    /// An epoch at fixed rates, with the whole neighbourhood of `neighbourhood` (no cutoff).
    pub fn fixed(rates: EpochRates, neighbourhood: Neighbourhood, metric: Metric) -> OnlineStep {
        OnlineStep {
            rates: RateSchedule::constant(rates),
            first_step: 0,
            neighbourhood,
            reach: neighbourhood.reach(0.0),
            metric,
            extra_winner_update: false,
        }
    }

    /// The rates of the epoch's samples `first..first + out.len()`.
    pub fn fill_rates(&self, first: usize, out: &mut [EpochRates]) {
        for (k, rate) in out.iter_mut().enumerate() {
            *rate = self.rates.at(self.first_step + (first + k) as u64);
        }
    }
}

/// One epoch of online training: the samples, the order they are visited in (each once, in
/// turn, when `None`), and the step that gives each visit its rates and neighbourhood.
#[derive(Clone, Copy)]
pub struct OnlineEpoch<'a> {
    pub samples: &'a Samples,
    pub order: Option<&'a [u32]>,
    pub step: &'a OnlineStep,
}

impl<'a> OnlineEpoch<'a> {
    pub fn new(samples: &'a Samples, order: Option<&'a [u32]>, step: &'a OnlineStep) -> Self {
        OnlineEpoch {
            samples,
            order,
            step,
        }
    }
}

/// The neighbourhood one batch update applies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Smoothing {
    pub neighbourhood: Neighbourhood,
    pub sigma: f32,
    /// [`Neighbourhood::reach_sq`] at `sigma`.
    pub reach_sq: f32,
}
