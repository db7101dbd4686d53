//! Kohonen's batch map as a step machine, so that the data can be split: each epoch, every part
//! of the data gives its [`BatchPartial`] under the current map (the node sums Σx and the counts
//! of the samples each node won, and the quality tallies), the parts are merged, and
//! [`BatchTraining::step`] updates the map from the total. `train` drives it with the
//! data in memory as one part; `hopsom.dask` with a dask array's chunks on workers, merged as a
//! tree. The steps are the same, so both give the same map up to the order of the float64
//! additions.

use super::batch::{smooth, NodeSums, Smoothing};
use super::codebook::Codebook;
use super::data::Samples;
use super::epoch::{check_finite, measure, report, EpochReport};
use super::metrics::MapQuality;
use super::params::{EpochRates, Mode, Neighbourhood, TrainingParams};
use crate::backend::Backend;
use crate::error::{Error, Param, Result};
use crate::progress::Progress;

/// What one part of the data gives in one epoch's pass: its node sums and its quality tallies
/// under the map of that pass. Parts merge exactly but for the order of float64 additions.
#[derive(Debug, Clone)]
pub struct BatchPartial {
    pub sums: NodeSums,
    pub quality: MapQuality,
}

impl BatchPartial {
    /// Adds `other`, a partial of another part of the data under the same map.
    pub fn merge(&mut self, other: &BatchPartial) -> Result<()> {
        if self.sums.counts().len() != other.sums.counts().len()
            || self.sums.sums().len() != other.sums.sums().len()
        {
            return Err(Error::InvalidData(format!(
                "partials of {} and {} nodes cannot be merged",
                self.sums.counts().len(),
                other.sums.counts().len()
            )));
        }
        self.sums.merge(&other.sums);
        self.quality.merge(&other.quality);
        Ok(())
    }
}

/// A batch run's state: which epoch comes next and its rates.
#[derive(Debug, Clone)]
pub struct BatchTraining {
    params: TrainingParams,
    rates: Vec<EpochRates>,
    reach: f32,
    /// Epochs whose update has been applied.
    done: usize,
}

impl BatchTraining {
    /// A run of `params` (checked), which must be in batch mode.
    pub fn new(params: &TrainingParams) -> Result<BatchTraining> {
        params.validate()?;
        if params.mode != Mode::Batch {
            return Err(Error::parameter(
                Param::Mode,
                params.mode,
                "a batch run steps Kohonen's batch map; online training visits samples one by one",
            ));
        }
        Ok(BatchTraining {
            params: params.clone(),
            rates: params.epoch_rates(),
            reach: params.neighbourhood.reach(params.cutoff),
            done: 0,
        })
    }

    /// The run after its first `done` epochs were stepped elsewhere: a copy of a run shipped to
    /// a worker, which needs to know whether the next pass gathers sums.
    pub fn with_epochs_done(mut self, done: usize) -> Result<BatchTraining> {
        if done > self.rates.len() {
            return Err(Error::Usage(format!(
                "{done} epochs done of a run of {}",
                self.rates.len()
            )));
        }
        self.done = done;
        Ok(self)
    }

    /// Epochs whose update has been applied.
    pub fn epochs_done(&self) -> usize {
        self.done
    }

    /// Epochs in the run.
    pub fn epochs(&self) -> usize {
        self.rates.len()
    }

    /// Whether every epoch's update is applied: the next pass only measures the map.
    pub fn is_done(&self) -> bool {
        self.done == self.rates.len()
    }

    /// The partial of `samples` (all of the data, or one part of it) under `codebook`: the node
    /// sums the next update needs (none once the run is done) and the quality tallies.
    pub fn partial(
        &self,
        backend: &Backend,
        codebook: &Codebook,
        samples: &Samples,
        progress: &dyn Progress,
    ) -> Result<BatchPartial> {
        let mut sums = NodeSums::new(codebook.grid.nodes(), codebook.dim);
        let gather = (!self.is_done()).then_some(&mut sums);
        let quality = measure(
            backend,
            codebook,
            self.params.metric,
            samples,
            gather,
            progress,
        )?;
        Ok(BatchPartial { sums, quality })
    }

    /// The next epoch's update of `codebook` from `total`, the partials of all the data merged
    /// under the current map: every node becomes the neighbourhood-weighted mean of the samples.
    /// Returns the report of the epoch before, whose map `total` measured (none for the first).
    pub fn step(
        &mut self,
        backend: &Backend,
        codebook: &mut Codebook,
        total: &BatchPartial,
    ) -> Result<Option<EpochReport>> {
        let epoch = self.done;
        let rate = *self.rates.get(epoch).ok_or_else(|| {
            Error::Usage(format!(
                "the run's {} epochs are all done",
                self.rates.len()
            ))
        })?;
        if total.sums.counts().len() != codebook.grid.nodes() {
            return Err(Error::InvalidData(format!(
                "node sums for {} nodes; the map has {}",
                total.sums.counts().len(),
                codebook.grid.nodes()
            )));
        }
        let smoothing = Smoothing {
            neighbourhood: self.params.neighbourhood,
            sigma: rate.sigma,
            reach_sq: Neighbourhood::reach_sq(self.reach, rate.sigma),
        };
        smooth(backend, codebook, &total.sums, smoothing)?;
        check_finite(codebook, epoch)?;
        self.done += 1;
        Ok((epoch > 0).then(|| report(epoch - 1, &total.quality, self.rates[epoch - 1])))
    }

    /// The last epoch's report, from the merged partials of the pass after it.
    pub fn finish(&self, total: &BatchPartial) -> EpochReport {
        let last = self.rates.len() - 1;
        report(last, &total.quality, self.rates[last])
    }

    /// The learning rate and radius of every epoch.
    pub fn rates(&self) -> &[EpochRates] {
        &self.rates
    }
}
