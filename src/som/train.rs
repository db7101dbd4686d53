//! Training a map, online or batch, with the quality of the map after every epoch.

use std::time::Instant;

use super::batch::{smooth, NodeSums, Smoothing};
use super::bmu::for_each_match;
use super::codebook::Codebook;
use super::data::Samples;
use super::metrics::MapQuality;
use super::online::{train_online_epoch, OnlineStep};
use super::params::{EpochRates, Metric, Mode, Neighbourhood, RateSchedule, TrainingParams};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::rng::{Domain, StreamKey};

/// The map after one epoch.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EpochReport {
    /// Counted from 1.
    pub epoch: usize,
    /// Quantization error after the epoch, in the data's units.
    pub qe: f64,
    /// Topographic error after the epoch, a fraction.
    pub te: f64,
    pub learning_rate: f32,
    pub sigma: f32,
}

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

/// Trains `initial` on `samples` as `params` say, on `backend`. `on_epoch` hears of each epoch
/// as it ends (for a progress bar); an error it returns (an interruption) ends the training.
pub fn train(
    backend: &Backend,
    samples: &Samples,
    initial: Codebook,
    params: &TrainingParams,
    on_epoch: &mut dyn FnMut(&EpochReport) -> Result<()>,
) -> Result<Trained> {
    params.validate()?;
    if samples.is_empty() {
        return Err(Error::InvalidData("the data has no samples".into()));
    }
    if initial.dim != samples.dim() {
        return Err(Error::InvalidData(format!(
            "the map has {} dimensions but the samples have {}",
            initial.dim,
            samples.dim()
        )));
    }
    let rates = params.epoch_rates();
    match params.mode {
        Mode::Batch => train_batch(backend, samples, initial, params, &rates, on_epoch),
        Mode::Online => train_online(backend, samples, initial, params, &rates, on_epoch),
    }
}

/// One pass over all samples with the current map: its quality, and optionally the node sums
/// the batch update needs.
pub fn measure(
    backend: &Backend,
    codebook: &Codebook,
    metric: Metric,
    samples: &Samples,
    mut sums: Option<&mut NodeSums>,
) -> Result<MapQuality> {
    let mut quality = MapQuality::new(codebook.grid.nodes());
    for_each_match(backend, codebook, metric, samples, &mut |first, matches| {
        quality.add(codebook, samples, first, matches);
        if let Some(sums) = sums.as_deref_mut() {
            sums.add(samples, first, matches);
        }
        Ok(())
    })?;
    Ok(quality)
}

/// Fails when training has driven a weight to infinity or NaN (a learning rate far above 1).
fn check_finite(codebook: &Codebook, epoch: usize) -> Result<()> {
    if codebook.weights.iter().all(|w| w.is_finite()) {
        return Ok(());
    }
    Err(Error::InvalidData(format!(
        "the weights diverged to non-finite values in epoch {}; lower the learning rate (lr)",
        epoch + 1
    )))
}

/// The report of epoch `epoch` (counted from 0) from the quality of the map it left.
pub(crate) fn report(epoch: usize, quality: &MapQuality, rates: EpochRates) -> EpochReport {
    EpochReport {
        epoch: epoch + 1,
        qe: quality.quantization_error(),
        te: quality.topographic_error(),
        learning_rate: rates.learning_rate,
        sigma: rates.sigma,
    }
}

fn train_batch(
    backend: &Backend,
    samples: &Samples,
    mut codebook: Codebook,
    params: &TrainingParams,
    rates: &[EpochRates],
    on_epoch: &mut dyn FnMut(&EpochReport) -> Result<()>,
) -> Result<Trained> {
    let mut epochs = Vec::with_capacity(rates.len());
    let (nodes, dim) = (codebook.grid.nodes(), codebook.dim);
    let reach = batch_reach(params);
    let started = Instant::now();
    // Each pass measures the map the previous epoch left and gathers the sums for the next.
    for (epoch, &rate) in rates.iter().enumerate() {
        let mut sums = NodeSums::new(nodes, dim);
        let quality = measure(backend, &codebook, params.metric, samples, Some(&mut sums))?;
        if epoch > 0 {
            epochs.push(report(epoch - 1, &quality, rates[epoch - 1]));
            on_epoch(epochs.last().expect("just pushed"))?;
        }
        batch_step(backend, &mut codebook, &sums, params, reach, rate, epoch)?;
    }
    let training_seconds = started.elapsed().as_secs_f64();
    let quality = measure(backend, &codebook, params.metric, samples, None)?;
    let last = rates.len() - 1;
    epochs.push(report(last, &quality, rates[last]));
    on_epoch(epochs.last().expect("just pushed"))?;
    Ok(Trained {
        codebook,
        epochs,
        hits: quality.hits().to_vec(),
        training_seconds,
    })
}

/// [`Neighbourhood::reach`] of a batch run's neighbourhood and cutoff, for [`batch_step`].
pub fn batch_reach(params: &TrainingParams) -> f32 {
    params.neighbourhood.reach(params.cutoff)
}

/// Batch epoch `epoch` (from 0) at `rate`: every node becomes the neighbourhood-weighted mean of
/// the node sums gathered with the map the previous epoch left (over all the data, or added up
/// from its parts: `hopsom.dask`).
pub fn batch_step(
    backend: &Backend,
    codebook: &mut Codebook,
    sums: &NodeSums,
    params: &TrainingParams,
    reach: f32,
    rate: EpochRates,
    epoch: usize,
) -> Result<()> {
    let smoothing = Smoothing {
        neighbourhood: params.neighbourhood,
        sigma: rate.sigma,
        reach_sq: Neighbourhood::reach_sq(reach, rate.sigma),
    };
    smooth(backend, codebook, sums, smoothing)?;
    check_finite(codebook, epoch)
}

fn train_online(
    backend: &Backend,
    samples: &Samples,
    mut codebook: Codebook,
    params: &TrainingParams,
    epoch_rates: &[EpochRates],
    on_epoch: &mut dyn FnMut(&EpochReport) -> Result<()>,
) -> Result<Trained> {
    let key = StreamKey::new(params.seed, Domain::SomOrder, &[]);
    let n = samples.len();
    // Per-sample schedules count the samples visited over the whole run.
    let steps = (n as u64)
        .checked_mul(params.epochs as u64)
        .ok_or_else(|| {
            Error::TooLarge(format!(
                "{} epochs of {n} samples: more steps than a 64-bit counter holds",
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
            Some(schedule) => (schedule, epoch as u64 * n as u64),
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
        let visit = if params.shuffle {
            key.permutation(epoch as u32, n, &mut order);
            Some(order.as_slice())
        } else {
            None
        };
        let started = Instant::now();
        train_online_epoch(backend, &mut codebook, samples, visit, &step)?;
        training_seconds += started.elapsed().as_secs_f64();
        check_finite(&codebook, epoch)?;
        let quality = measure(backend, &codebook, params.metric, samples, None)?;
        // The rates the epoch ended with.
        let last = rates.at(first_step + n as u64 - 1);
        epochs.push(report(epoch, &quality, last));
        on_epoch(epochs.last().expect("just pushed"))?;
        hits = quality.hits().to_vec();
    }
    Ok(Trained {
        codebook,
        epochs,
        hits,
        training_seconds,
    })
}
