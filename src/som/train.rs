//! Training a map, online or batch, with the quality of the map after every epoch.

use std::time::Instant;

use super::batch_training::BatchTraining;
use super::codebook::Codebook;
use super::data::Samples;
pub use super::epoch::EpochReport;
use super::epoch::{check_finite, measure, report};
use super::online::{train_online_epoch, OnlineEpoch, OnlineStep};
use super::params::{EpochRates, Mode, RateSchedule, TrainingParams};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::rng::{Domain, StreamKey};

/// A trained map and how it got there.
#[derive(Debug, Clone)]
pub struct Trained {
    pub codebook: Codebook,
    pub epochs: Vec<EpochReport>,
    /// Samples won by each node of the final map.
    pub hits: Vec<u64>,
    /// Seconds spent training, without the passes that only measure the map (online mode
    /// measures after every epoch; batch mode measures in the pass that gathers the sums, and
    /// once more at the end).
    pub training_seconds: f64,
}

impl Trained {
    pub fn qe(&self) -> f64 {
        self.epochs.last().map_or(0.0, |e| e.qe)
    }

    pub fn te(&self) -> f64 {
        self.epochs.last().map_or(0.0, |e| e.te)
    }
}

/// Trains `initial` on `samples` as `params` say, on `backend`. `progress` advances by one per
/// epoch, and training stops with [`Error::Interrupted`] within a fraction of a second of the
/// listener asking.
pub fn train(
    backend: &Backend,
    samples: &Samples,
    initial: Codebook,
    params: &TrainingParams,
    progress: &dyn Progress,
) -> Result<Trained> {
    params.validate()?;
    if samples.is_empty() {
        return Err(Error::InvalidData("the data has no samples".into()));
    }
    initial.check_samples(samples)?;
    let rates = params.epoch_rates();
    match params.mode {
        Mode::Batch => train_batch(backend, samples, initial, params, progress),
        Mode::Online => train_online(backend, samples, initial, params, &rates, progress),
    }
}

/// Kohonen's batch map over samples in memory: the step machine of [`BatchTraining`] driven
/// with the whole data as its one part.
fn train_batch(
    backend: &Backend,
    samples: &Samples,
    mut codebook: Codebook,
    params: &TrainingParams,
    progress: &dyn Progress,
) -> Result<Trained> {
    let mut run = BatchTraining::new(params)?;
    let mut epochs = Vec::with_capacity(params.epochs);
    let started = Instant::now();
    let mut training_seconds = 0.0;
    let last = loop {
        let total = run.partial(backend, &codebook, samples, progress)?;
        if run.is_done() {
            // The last pass only measures the map.
            break total;
        }
        if let Some(report) = run.step(backend, &mut codebook, &total)? {
            epochs.push(report);
            progress.advance(1);
        }
        training_seconds = started.elapsed().as_secs_f64();
    };
    epochs.push(run.finish(&last));
    progress.advance(1);
    Ok(Trained {
        codebook,
        epochs,
        hits: last.quality.hits().to_vec(),
        training_seconds,
    })
}

fn train_online(
    backend: &Backend,
    samples: &Samples,
    mut codebook: Codebook,
    params: &TrainingParams,
    epoch_rates: &[EpochRates],
    progress: &dyn Progress,
) -> Result<Trained> {
    let key = StreamKey::new(params.seed, Domain::SomOrder, &[]);
    let n = samples.len();
    let visits = params.iterations.map_or(n as u64, |t| t);
    // Per-sample schedules count the samples visited over the whole run.
    let steps = visits.checked_mul(params.epochs as u64).ok_or_else(|| {
        Error::TooLarge(format!(
            "{} epochs of {visits} samples: more steps than a 64-bit counter holds",
            params.epochs
        ))
    })?;
    let run_schedule = params.rate_schedule_if_per_sample(steps);
    let reach = params.neighbourhood.reach(params.cutoff);
    let mut order = Vec::new();
    let mut epochs = Vec::with_capacity(epoch_rates.len());
    let mut hits = Vec::new();
    let mut training_seconds = 0.0;
    for (epoch, &rate) in epoch_rates.iter().enumerate() {
        let (rates, first_step) = match run_schedule {
            Some(schedule) => (schedule, epoch as u64 * visits),
            None => (RateSchedule::constant(rate), 0),
        };
        let step = OnlineStep {
            rates,
            first_step,
            neighbourhood: params.neighbourhood,
            reach,
            metric: params.metric,
            extra_winner_update: params.extra_winner_update,
        };
        let visit = visiting_order(params, &key, epoch as u32, n, &mut order);
        let started = Instant::now();
        let this_epoch = OnlineEpoch::new(samples, visit, &step);
        train_online_epoch(backend, &mut codebook, this_epoch, progress)?;
        training_seconds += started.elapsed().as_secs_f64();
        check_finite(&codebook, epoch)?;
        let quality = measure(backend, &codebook, params.metric, samples, None, progress)?;
        // The rates the epoch ended with.
        let last = rates.at(first_step + visits - 1);
        epochs.push(report(epoch, &quality, last));
        progress.advance(1);
        hits = quality.hits().to_vec();
    }
    Ok(Trained {
        codebook,
        epochs,
        hits,
        training_seconds,
    })
}

/// The samples epoch `epoch` visits, in order (`None`: each sample once, in turn): a new seeded
/// permutation of them each epoch with `shuffle`; with `iterations`, that many visits cycling
/// through the samples (MiniSom's `arange(T) % n`), shuffled as a whole with `shuffle`.
fn visiting_order<'a>(
    params: &TrainingParams,
    key: &StreamKey,
    epoch: u32,
    samples: usize,
    order: &'a mut Vec<u32>,
) -> Option<&'a [u32]> {
    match (params.iterations, params.shuffle) {
        (None, false) => return None,
        (None, true) => key.permutation(epoch, samples, order),
        (Some(visits), shuffle) => {
            if shuffle {
                key.permutation(epoch, visits as usize, order);
            } else {
                order.clear();
                order.extend(0..visits as u32);
            }
            let n = samples as u32;
            order.iter_mut().for_each(|visit| *visit %= n);
        }
    }
    Some(order.as_slice())
}
