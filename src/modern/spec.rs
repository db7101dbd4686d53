//! The specs of modern Hopfield runs, as front ends describe them: the memory ([`ModernSpec`]),
//! how retrieval steps ([`StepSpec`]) and what it keeps ([`RetrieveSpec`]).

use super::{check_beta, ModernHopfield, RetrieveOptions, Steps};
use crate::error::{Error, Param, Result};

/// The update steps one retrieval takes, unless given.
pub const DEFAULT_STEPS: u32 = 1;
/// The most steps of a retrieval until converged, unless given.
pub const DEFAULT_MAX_STEPS: u32 = 100;
/// The relative change that ends a retrieval until converged, unless given.
pub const DEFAULT_TOLERANCE: f32 = 1e-4;

/// A modern Hopfield network over given stored patterns: the inverse temperature β (no
/// default: 0 until given, which is refused) and whether patterns and queries are scaled to
/// unit length.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModernSpec {
    pub beta: f64,
    /// Scale every stored pattern and query to unit length (β·xᵀξ becomes β times a cosine).
    pub normalize: bool,
}

impl crate::spec::Spec for ModernSpec {
    fn check(&self) -> Result<()> {
        check_beta(self.beta)
    }
}

impl ModernSpec {
    /// The memory of `stored` (`patterns` rows of `dim` values).
    pub fn memory(&self, stored: Vec<f32>, patterns: usize, dim: usize) -> Result<ModernHopfield> {
        ModernHopfield::new(stored, patterns, dim, self.beta, self.normalize)
    }
}

/// How many update steps retrieval takes: `steps` of them, or with `until_converged` until each
/// query moves by at most `tolerance` · ‖ξ‖ in a step, at most `max_steps`. Unset values take
/// their defaults ([`DEFAULT_STEPS`], [`DEFAULT_MAX_STEPS`], [`DEFAULT_TOLERANCE`]) where they
/// are read, and are refused where they are not (`steps` with `until_converged`).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StepSpec {
    pub steps: Option<u32>,
    pub until_converged: bool,
    pub max_steps: Option<u32>,
    pub tolerance: Option<f32>,
}

impl crate::spec::Spec for StepSpec {
    fn check(&self) -> Result<()> {
        self.steps().map(drop)
    }
}

impl StepSpec {
    /// The checked steps.
    pub fn steps(&self) -> Result<Steps> {
        let refuse = |param, value: String, why: &str| Err(Error::parameter(param, value, why));
        if self.until_converged {
            if let Some(steps) = self.steps {
                return refuse(
                    Param::Steps,
                    steps.to_string(),
                    "does nothing when stepping until convergence, which stops when the queries settle",
                );
            }
        } else {
            let unused = "does nothing unless stepping until convergence";
            if let Some(max_steps) = self.max_steps {
                return refuse(Param::MaxSteps, max_steps.to_string(), unused);
            }
            if let Some(tolerance) = self.tolerance {
                return refuse(Param::Tolerance, tolerance.to_string(), unused);
            }
        }
        let steps = if self.until_converged {
            let max_steps = self.max_steps.unwrap_or(DEFAULT_MAX_STEPS);
            if max_steps == 0 {
                return refuse(Param::MaxSteps, "0".into(), "must be at least 1");
            }
            let tolerance = self.tolerance.unwrap_or(DEFAULT_TOLERANCE);
            if !(tolerance.is_finite() && tolerance > 0.0) {
                return refuse(
                    Param::Tolerance,
                    tolerance.to_string(),
                    "must be a positive number",
                );
            }
            Steps::UntilConverged {
                max_steps,
                tolerance,
            }
        } else {
            match self.steps.unwrap_or(DEFAULT_STEPS) {
                0 => return refuse(Param::Steps, "0".into(), "must be at least 1"),
                steps => Steps::Fixed(steps),
            }
        };
        Ok(steps)
    }
}

/// One retrieval: its steps, and whether the last weights (queries x patterns) and every
/// step's energies are kept.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetrieveSpec {
    pub stepping: StepSpec,
    pub attention: bool,
    pub energies: bool,
}

impl Default for RetrieveSpec {
    fn default() -> Self {
        RetrieveSpec {
            stepping: StepSpec::default(),
            attention: true,
            energies: true,
        }
    }
}

impl crate::spec::Spec for RetrieveSpec {
    fn check(&self) -> Result<()> {
        self.options().map(drop)
    }
}

impl RetrieveSpec {
    /// The checked options [`super::retrieve`] takes.
    pub fn options(&self) -> Result<RetrieveOptions> {
        Ok(RetrieveOptions {
            steps: self.stepping.steps()?,
            attention: self.attention,
            energies: self.energies,
        })
    }
}

/// β must be a positive number (within f32); checked here for the specs that hold several.
pub(crate) fn check_betas(betas: &[f64]) -> Result<()> {
    if betas.is_empty() {
        return Err(Error::parameter(Param::Beta, "(none)", "give one or more"));
    }
    betas.iter().try_for_each(|&beta| check_beta(beta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_take_their_defaults_and_refuse_what_is_not_read() {
        assert_eq!(StepSpec::default().steps().unwrap(), Steps::Fixed(1));
        let converging = StepSpec {
            until_converged: true,
            ..StepSpec::default()
        };
        assert_eq!(
            converging.steps().unwrap(),
            Steps::UntilConverged {
                max_steps: DEFAULT_MAX_STEPS,
                tolerance: DEFAULT_TOLERANCE
            }
        );
        let message = |spec: StepSpec| spec.steps().unwrap_err().to_string();
        assert!(message(StepSpec {
            max_steps: Some(5),
            ..StepSpec::default()
        })
        .starts_with("max_steps 5: does nothing unless stepping until convergence"));
        assert!(message(StepSpec {
            steps: Some(3),
            ..converging
        })
        .starts_with("steps 3: does nothing when stepping until convergence"));
    }
}
