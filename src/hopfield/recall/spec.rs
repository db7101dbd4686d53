//! What a recall does, as front ends describe it: the update mode, the sweep limit, thresholds,
//! clamps, temperature and whether flips are recorded ([`RecallParams`]), and for given probes
//! the seed of their random streams ([`RecallSpec`]).

use crate::error::{Error, Param, Result};
use crate::rng::StreamKey;

/// How neurons are updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMode {
    /// All neurons at once from the same state.
    Sync,
    /// One neuron at a time, in a random order per sweep.
    Async,
}

crate::choice::choices!(UpdateMode {
    UpdateMode::Sync => ["sync"] "all neurons at once from the same state",
    UpdateMode::Async => ["async"] "one neuron at a time, in a random order per sweep",
});

/// The thresholds θ of the neurons: one number for all, or one per neuron (a front end writes
/// either under `threshold`).
#[derive(Debug, Clone, PartialEq)]
pub enum Thresholds {
    /// The same θ for every neuron.
    Uniform(f64),
    /// One θ per neuron.
    PerNeuron(Vec<f64>),
}

impl Thresholds {
    /// The one θ of every neuron, if they share it.
    pub fn uniform(&self) -> Option<f64> {
        match self {
            Thresholds::Uniform(theta) => Some(*theta),
            Thresholds::PerNeuron(_) => None,
        }
    }

    pub(crate) fn of(&self, neuron: usize) -> f64 {
        match self {
            Thresholds::Uniform(theta) => *theta,
            Thresholds::PerNeuron(thetas) => thetas[neuron],
        }
    }
}

impl serde::Serialize for Thresholds {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Thresholds::Uniform(theta) => serializer.serialize_f64(*theta),
            Thresholds::PerNeuron(thetas) => thetas.serialize(serializer),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Thresholds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = Thresholds;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("give a number, or one number per neuron")
            }
            fn visit_f64<E: serde::de::Error>(self, theta: f64) -> Result<Thresholds, E> {
                Ok(Thresholds::Uniform(theta))
            }
            fn visit_i64<E: serde::de::Error>(self, theta: i64) -> Result<Thresholds, E> {
                Ok(Thresholds::Uniform(theta as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, theta: u64) -> Result<Thresholds, E> {
                Ok(Thresholds::Uniform(theta as f64))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Thresholds, A::Error> {
                let mut thetas = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                while let Some(theta) = seq.next_element::<f64>()? {
                    thetas.push(theta);
                }
                Ok(Thresholds::PerNeuron(thetas))
            }
        }
        deserializer.deserialize_any(Either)
    }
}

/// What a recall does.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecallParams {
    pub mode: UpdateMode,
    /// The most sweeps before giving up (at least 1).
    pub max_sweeps: u32,
    /// Add the neuron's own state to its input, as seed 003 does.
    pub self_coupling: bool,
    #[serde(rename = "threshold")]
    pub thresholds: Thresholds,
    /// Neurons that keep the probe's value (true = clamped), one per neuron; None clamps none.
    pub clamp: Option<Vec<bool>>,
    /// Glauber temperature T; 0 gives the deterministic dynamics.
    pub temperature: f64,
    /// Record every flip (asynchronous mode), for trajectories and animations.
    #[serde(rename = "trajectory")]
    pub record_flips: bool,
}

impl Default for RecallParams {
    fn default() -> Self {
        RecallParams {
            mode: UpdateMode::Async,
            max_sweeps: 100,
            self_coupling: false,
            thresholds: Thresholds::Uniform(0.0),
            clamp: None,
            temperature: 0.0,
            record_flips: false,
        }
    }
}

impl crate::spec::Spec for RecallParams {
    fn check(&self) -> Result<()> {
        self.validate()
    }
}

/// Recall of given probes: the dynamics, and the seed of each probe's random stream (its
/// asynchronous order and Glauber draws): the spec of `hopfield recall --probe` and Python's
/// `Hopfield.recall`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecallSpec {
    pub recall: RecallParams,
    pub seed: u64,
}

impl Default for RecallSpec {
    fn default() -> Self {
        RecallSpec {
            recall: RecallParams::default(),
            seed: crate::spec::DEFAULT_SEED,
        }
    }
}

impl crate::spec::Spec for RecallSpec {
    fn check(&self) -> Result<()> {
        self.recall.validate()
    }
}

impl RecallSpec {
    /// The random stream of each of `count` probes.
    pub fn keys(&self, count: usize) -> Vec<StreamKey> {
        (0..count)
            .map(|b| crate::hopfield::noise::probe_order_key(self.seed, b))
            .collect()
    }
}

impl RecallParams {
    /// Checks what can be checked without the network (sweep limit, temperature), so that a
    /// command can refuse them before it learns anything.
    pub fn validate(&self) -> Result<()> {
        if self.max_sweeps == 0 {
            return Err(Error::parameter(Param::MaxSweeps, 0, "must be at least 1"));
        }
        if self.max_sweeps >= 0x8000_0000 {
            return Err(Error::parameter(
                Param::MaxSweeps,
                self.max_sweeps,
                "must be below 2^31",
            ));
        }
        if !self.temperature.is_finite() || self.temperature < 0.0 {
            return Err(Error::parameter(
                Param::Temperature,
                self.temperature,
                "must be 0 or positive",
            ));
        }
        if self.record_flips && self.mode == UpdateMode::Sync {
            return Err(Error::parameter(
                Param::Trajectory,
                "",
                "records the flips of asynchronous recall; use mode async",
            ));
        }
        if let Thresholds::Uniform(theta) = self.thresholds {
            if !theta.is_finite() || theta.abs() >= 32_768.0 {
                return Err(Error::parameter(
                    Param::Threshold,
                    theta,
                    "must be finite and of magnitude below 32768",
                ));
            }
        }
        Ok(())
    }

    /// Checks the per-neuron options against a network of `n` neurons (with [`validate`]): one
    /// threshold and one clamp flag per neuron, every threshold finite and below 32 768 in size.
    ///
    /// [`validate`]: RecallParams::validate
    pub(crate) fn check_neurons(&self, n: usize) -> Result<()> {
        self.validate()?;
        if let Thresholds::PerNeuron(thetas) = &self.thresholds {
            if thetas.len() != n {
                return Err(Error::InvalidData(format!(
                    "{} thresholds for a network of {n} neurons",
                    thetas.len()
                )));
            }
            if let Some(theta) = thetas
                .iter()
                .find(|theta| !theta.is_finite() || theta.abs() >= 32_768.0)
            {
                return Err(Error::Usage(format!(
                    "thresholds must be finite and of magnitude below 32768, not {theta}"
                )));
            }
        }
        if let Some(clamp) = &self.clamp {
            if clamp.len() != n {
                return Err(Error::InvalidData(format!(
                    "a clamp mask of {} neurons for a network of {n}",
                    clamp.len()
                )));
            }
        }
        Ok(())
    }

    /// Whether neuron `i` keeps the probe's value.
    pub(crate) fn is_clamped(&self, i: usize) -> bool {
        self.clamp.as_ref().is_some_and(|clamp| clamp[i])
    }
}
