//! The specs of a self-organizing map's runs, as front ends describe them: the map itself
//! ([`MapSpec`]), training ([`TrainSpec`], which becomes the checked [`TrainingParams`] the
//! algorithms run) and winner search and segmentation ([`SegmentSpec`]).

use super::grid::{Grid, Topology};
use super::params::{Init, Metric, Mode, Neighbourhood, Schedule, TrainingParams, DEFAULT_CUTOFF};
use crate::error::{Error, Param, Result};

/// The learning rate online training starts from, unless given.
pub const DEFAULT_LR: f32 = 0.5;
/// The learning rate of the last sample, for the schedules that end at a given value.
pub const DEFAULT_LR_END: f32 = 0.01;
/// The radius of the last step, for the schedules that end at a given value.
pub const DEFAULT_SIGMA_END: f32 = 0.5;
/// τ of the seed schedule's radius.
pub const DEFAULT_TAU: f32 = 1.0;

/// A map: `width` x `height` nodes of `dim` weights, laid out by `topology`. `dim` has no
/// default (0 until given, which [`MapSpec::grid`] refuses).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MapSpec {
    pub width: usize,
    pub height: usize,
    pub dim: usize,
    pub topology: Topology,
    /// Opposite edges join, so the map has no border.
    pub toroidal: bool,
}

impl Default for MapSpec {
    fn default() -> Self {
        MapSpec {
            width: 10,
            height: 10,
            dim: 0,
            topology: Topology::Rectangular,
            toroidal: false,
        }
    }
}

impl crate::spec::Spec for MapSpec {
    fn check(&self) -> Result<()> {
        self.grid().map(drop)
    }
}

impl MapSpec {
    /// The checked grid (see [`Grid::new`]) of a map with at least one dimension.
    pub fn grid(&self) -> Result<Grid> {
        if self.dim == 0 {
            return Err(Error::parameter(
                Param::Dim,
                0,
                "a map needs at least one dimension",
            ));
        }
        Grid::new(self.width, self.height, self.topology, self.toroidal)
    }
}

/// Training a map: Kohonen's batch map or online training, the schedules of the learning rate
/// and the radius, the neighbourhood, the metric that picks winners, where the weights start and
/// in which order samples are visited.
///
/// The start and end values are optional: unset, they take their defaults ([`DEFAULT_LR`],
/// [`DEFAULT_LR_END`], half the map's longer side for `sigma`, [`DEFAULT_SIGMA_END`],
/// [`DEFAULT_TAU`]) where the mode and schedule use them; given where they are not used (a
/// learning rate in batch mode, an end value for the asymptotic schedule), they are refused.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainSpec {
    pub mode: Mode,
    /// Passes over the data.
    pub epochs: usize,
    pub neighbourhood: Neighbourhood,
    pub schedule: Schedule,
    pub lr: Option<f32>,
    pub lr_end: Option<f32>,
    pub sigma: Option<f32>,
    pub sigma_end: Option<f32>,
    pub tau: Option<f32>,
    /// Neighbourhood weights below this fraction of the peak are exactly 0.
    pub cutoff: f32,
    pub metric: Metric,
    pub init: Init,
    /// Online mode: a new seeded order of the samples each epoch; `false` visits them in turn.
    pub shuffle: bool,
    /// Online mode: samples visited per epoch, cycling through the data (in a seeded random
    /// order of that cycle with `shuffle`, MiniSom's `random_order`); the data's size when unset.
    pub iterations: Option<u64>,
    /// Seed 003 moves the winner by lr·(x − w) before the neighbourhood update as well.
    pub extra_winner_update: bool,
    pub seed: u64,
}

impl Default for TrainSpec {
    fn default() -> Self {
        TrainSpec {
            mode: Mode::Batch,
            epochs: 10,
            neighbourhood: Neighbourhood::Gaussian,
            schedule: Schedule::Exponential,
            lr: None,
            lr_end: None,
            sigma: None,
            sigma_end: None,
            tau: None,
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

impl crate::spec::Spec for TrainSpec {
    /// Every option but the radius's default, which depends on the map.
    fn check(&self) -> Result<()> {
        self.params(&Grid::rectangular(1, 1)?).map(drop)
    }
}

impl TrainSpec {
    /// The parameters training runs on `grid`: defaults filled in, every value checked
    /// ([`TrainingParams::validate`]), and options the mode or schedule would not read refused.
    pub fn params(&self, grid: &Grid) -> Result<TrainingParams> {
        self.check_options_apply()?;
        let params = TrainingParams {
            mode: self.mode,
            epochs: self.epochs,
            neighbourhood: self.neighbourhood,
            schedule: self.schedule,
            learning_rate: self.lr.unwrap_or(DEFAULT_LR),
            learning_rate_end: self.lr_end.unwrap_or(DEFAULT_LR_END),
            sigma: self
                .sigma
                .unwrap_or(grid.width.max(grid.height) as f32 / 2.0),
            sigma_end: self.sigma_end.unwrap_or(DEFAULT_SIGMA_END),
            tau: self.tau.unwrap_or(DEFAULT_TAU),
            cutoff: self.cutoff,
            metric: self.metric,
            init: self.init,
            shuffle: self.shuffle,
            iterations: self.iterations,
            extra_winner_update: self.extra_winner_update,
            seed: self.seed,
        };
        params.validate()?;
        Ok(params)
    }

    /// Options given that the chosen mode and schedule would ignore are refused, not dropped.
    fn check_options_apply(&self) -> Result<()> {
        let batch = self.mode == Mode::Batch;
        let refuse = |param: Param, value: Option<String>, unused: bool, why: &str| match value {
            Some(value) if unused => Err(Error::parameter(param, value, why)),
            _ => Ok(()),
        };
        let given = |value: Option<f32>| value.map(|v| v.to_string());
        let no_rate =
            "does nothing in batch mode, which has no learning rate (train online to use one)";
        refuse(Param::Lr, given(self.lr), batch, no_rate)?;
        refuse(Param::LrEnd, given(self.lr_end), batch, no_rate)?;
        refuse(
            Param::Shuffle,
            (!self.shuffle).then(String::new),
            batch,
            "does nothing in batch mode, which visits every sample at once",
        )?;
        refuse(
            Param::Iterations,
            self.iterations.map(|v| v.to_string()),
            batch,
            "does nothing in batch mode, which passes over every sample each epoch",
        )?;
        refuse(
            Param::ExtraWinnerUpdate,
            self.extra_winner_update.then(String::new),
            batch,
            "does nothing in batch mode: it moves the winner after each sample of online training",
        )?;
        refuse(
            Param::Tau,
            given(self.tau),
            self.schedule != Schedule::Seed,
            "does nothing: τ belongs to the seed schedule",
        )?;
        let no_end = format!(
            "does nothing: the {} schedule has no end value",
            self.schedule
        );
        let end_unused = !self.schedule.uses_end_values();
        refuse(Param::LrEnd, given(self.lr_end), end_unused, &no_end)?;
        refuse(Param::SigmaEnd, given(self.sigma_end), end_unused, &no_end)?;
        if self.iterations == Some(0) {
            return Err(Error::parameter(Param::Iterations, 0, "must be at least 1"));
        }
        Ok(())
    }
}

/// Finding winners, measuring a map's errors and segmenting an image with a map.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SegmentSpec {
    /// How a sample is compared with the nodes to find its winner.
    pub metric: Metric,
}

impl crate::spec::Spec for SegmentSpec {
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_values_take_their_defaults_where_used() {
        let grid = Grid::rectangular(12, 8).unwrap();
        let params = TrainSpec {
            mode: Mode::Online,
            ..TrainSpec::default()
        }
        .params(&grid)
        .unwrap();
        assert_eq!(params.learning_rate, DEFAULT_LR);
        assert_eq!(params.learning_rate_end, DEFAULT_LR_END);
        assert_eq!(params.sigma, 6.0);
        assert_eq!(params.sigma_end, DEFAULT_SIGMA_END);
    }

    #[test]
    fn options_a_run_would_not_read_are_refused_by_name() {
        let grid = Grid::rectangular(4, 4).unwrap();
        let refused = |spec: TrainSpec| spec.params(&grid).unwrap_err().to_string();
        assert!(refused(TrainSpec {
            lr: Some(0.3),
            ..TrainSpec::default()
        })
        .starts_with("lr 0.3: does nothing in batch mode"));
        assert!(refused(TrainSpec {
            mode: Mode::Online,
            schedule: Schedule::Asymptotic,
            lr_end: Some(0.01),
            ..TrainSpec::default()
        })
        .starts_with("lr_end 0.01: does nothing: the asymptotic schedule has no end value"));
        assert!(refused(TrainSpec {
            tau: Some(2.0),
            ..TrainSpec::default()
        })
        .starts_with("tau 2: does nothing: τ belongs to the seed schedule"));
    }
}
