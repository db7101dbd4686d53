//! What every epoch shares, online or batch: one pass over the samples that measures the map
//! (and gathers the batch update's sums), the check that training has not diverged, and the
//! epoch's report.

use super::batch::NodeSums;
use super::bmu::for_each_match;
use super::codebook::Codebook;
use super::data::Samples;
use super::metrics::MapQuality;
use super::params::{EpochRates, Metric};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::progress::Progress;

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

/// One pass over all samples with the current map: its quality, and optionally the node sums
/// the batch update needs. Stops between tiles when `progress` asks.
pub fn measure(
    backend: &Backend,
    codebook: &Codebook,
    metric: Metric,
    samples: &Samples,
    mut sums: Option<&mut NodeSums>,
    progress: &dyn Progress,
) -> Result<MapQuality> {
    let mut quality = MapQuality::new(codebook.grid.nodes());
    for_each_match(backend, codebook, metric, samples, &mut |first, matches| {
        quality.add(codebook, samples, first, matches);
        if let Some(sums) = sums.as_deref_mut() {
            sums.add(samples, first, matches);
        }
        progress.check()
    })?;
    Ok(quality)
}

/// Fails when training has driven a weight to infinity or NaN (a learning rate far above 1).
pub(crate) fn check_finite(codebook: &Codebook, epoch: usize) -> Result<()> {
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
