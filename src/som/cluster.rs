//! Colour clustering, seed 003's `ColorClusteringSOM`: K cluster colours learned by online
//! winner-take-all over shuffled pixels with the rate lr/(1 + 100·(e + 1)/E), then every pixel
//! assigned to its nearest colour. A map of K x 1 nodes with radius 0 is exactly that, so the
//! online kernels do the work.

use super::assign::{assign, Assignment};
use super::codebook::Codebook;
use super::data::Samples;
use super::epoch::{measure, report, EpochReport};
use super::grid::Grid;
use super::metrics::MapQuality;
use super::online::{train_online_epoch, OnlineEpoch, OnlineStep};
use super::params::{EpochRates, Metric, Neighbourhood};
use crate::backend::Backend;
use crate::error::{Error, Param, Result};
use crate::progress::{Progress, Unreported};
use crate::rng::{Domain, StreamKey};

/// Seed 003's starting colours: brown, blue, green and skin.
pub const SEED_COLOURS: [[u8; 3]; 4] = [[165, 42, 42], [0, 0, 255], [0, 128, 0], [255, 224, 189]];

/// What a clustering run is asked for: the spec of `som cluster` and Python's
/// `cluster_colours`, by default seed 003's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterParams {
    /// The starting colours, 0–255 per channel.
    #[serde(rename = "colors")]
    pub colours: Vec<[f32; 3]>,
    /// One result per value. Each run continues from where the previous one ended, as the
    /// seed's repeated calls of `fit` on one object do, unless `restart` is set.
    pub epochs: Vec<usize>,
    #[serde(rename = "lr")]
    pub learning_rate: f32,
    pub restart: bool,
    pub seed: u64,
}

impl Default for ClusterParams {
    fn default() -> Self {
        ClusterParams {
            colours: SEED_COLOURS.iter().map(|c| c.map(f32::from)).collect(),
            epochs: vec![5, 10, 30, 100],
            learning_rate: 0.6,
            restart: false,
            seed: crate::spec::DEFAULT_SEED,
        }
    }
}

impl crate::spec::Spec for ClusterParams {
    fn check(&self) -> Result<()> {
        self.validate()
    }
}

impl ClusterParams {
    pub fn validate(&self) -> Result<()> {
        if let Some(colour) = self
            .colours
            .iter()
            .find(|c| c.iter().any(|v| !(0.0..=255.0).contains(v)))
        {
            return Err(Error::parameter(
                Param::Colors,
                format!("{colour:?}"),
                "each colour is three values from 0 to 255 (RGB)",
            ));
        }
        if self.colours.is_empty() {
            return Err(Error::parameter(
                Param::Colors,
                "(none)",
                "K = 0; give at least one colour",
            ));
        }
        if self.epochs.is_empty() || self.epochs.contains(&0) {
            return Err(Error::parameter(
                Param::Epochs,
                join_counts(&self.epochs),
                "give one or more counts, each at least 1",
            ));
        }
        let total = self
            .epochs
            .iter()
            .try_fold(0u64, |sum, &e| sum.checked_add(e as u64));
        crate::limits::check_host_memory_of(
            Param::Epochs,
            join_counts(&self.epochs),
            "a report for each epoch",
            total.and_then(|t| t.checked_mul(std::mem::size_of::<super::EpochReport>() as u64)),
        )?;
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::parameter(
                Param::Lr,
                self.learning_rate,
                "must be a positive number",
            ));
        }
        // w += lr·(x − w) overshoots x by more than it started once lr > 2: the colours
        // diverge until their distances overflow (as online training's rate, see params.rs).
        if self.learning_rate > 2.0 {
            return Err(Error::parameter(
                Param::Lr,
                self.learning_rate,
                "above 2 the update overshoots and diverges; give a rate in (0, 2]",
            ));
        }
        Ok(())
    }
}

fn join_counts(counts: &[usize]) -> String {
    let counts: Vec<String> = counts.iter().map(|c| c.to_string()).collect();
    counts.join(",")
}

/// One clustering result: after `epochs` epochs (and, cumulatively, `total_epochs`).
pub struct ClusterRun {
    pub epochs: usize,
    pub total_epochs: usize,
    pub centers: Vec<[f32; 3]>,
    pub per_epoch: Vec<EpochReport>,
    pub assignment: Assignment,
}

/// The seed's rate for epoch `epoch` of a run of `epochs`.
pub fn seed_cluster_rate(learning_rate: f32, epoch: usize, epochs: usize) -> f32 {
    (f64::from(learning_rate) / (1.0 + 100.0 * (epoch + 1) as f64 / epochs as f64)) as f32
}

/// Runs every entry of `params.epochs` on the pixels of `samples`, handing each result to
/// `on_run` as it is ready (so that only one segmented image is held at a time). `progress`
/// advances by one per epoch.
pub fn cluster_colours(
    backend: &Backend,
    samples: &Samples,
    params: &ClusterParams,
    progress: &dyn Progress,
    on_run: &mut dyn FnMut(ClusterRun) -> Result<()>,
) -> Result<()> {
    params.validate()?;
    if samples.dim() != 3 {
        return Err(Error::InvalidData(format!(
            "colour clustering needs RGB samples, not {} dimensions",
            samples.dim()
        )));
    }
    let grid = Grid::rectangular(params.colours.len(), 1)?;
    let initial = Codebook::new(grid, 3, params.colours.concat())?;
    let mut codebook = initial.clone();
    let key = StreamKey::new(params.seed, Domain::SomOrder, &[]);
    let mut order = Vec::new();
    let mut total_epochs = 0usize;
    for &epochs in &params.epochs {
        if params.restart {
            codebook = initial.clone();
        }
        let mut per_epoch = Vec::with_capacity(epochs);
        for epoch in 0..epochs {
            let rates = EpochRates {
                learning_rate: seed_cluster_rate(params.learning_rate, epoch, epochs),
                sigma: 0.0,
            };
            let step = OnlineStep::fixed(rates, Neighbourhood::Bubble, Metric::Euclidean);
            key.permutation(total_epochs as u32, samples.len(), &mut order);
            let this_epoch = OnlineEpoch::new(samples, Some(&order), &step);
            train_online_epoch(backend, &mut codebook, this_epoch, progress)?;
            total_epochs += 1;
            let quality: MapQuality = measure(
                backend,
                &codebook,
                Metric::Euclidean,
                samples,
                None,
                progress,
            )?;
            per_epoch.push(report(epoch, &quality, rates));
            progress.advance(1);
        }
        let assignment = assign(
            backend,
            &codebook,
            Metric::Euclidean,
            samples,
            &Unreported(progress),
        )?;
        on_run(ClusterRun {
            epochs,
            total_epochs,
            centers: codebook
                .weights
                .chunks_exact(3)
                .map(|c| [c[0], c[1], c[2]])
                .collect(),
            per_epoch,
            assignment,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_rate() {
        // lr / (1 + 100 (epoch + 1) / epochs) with lr 0.6 and 5 epochs.
        assert!((seed_cluster_rate(0.6, 0, 5) - 0.6 / 21.0).abs() < 1e-7);
        assert!((seed_cluster_rate(0.6, 4, 5) - 0.6 / 101.0).abs() < 1e-7);
    }
}
