//! MiniSom's decay functions: how the learning rate and σ shrink from step t to max_iter.

use crate::error::{Error, Result};

/// One of MiniSom's named decay functions, as MiniSom writes each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decay {
    /// v / (1 + t/(T/2)), to a third of the start (both rates).
    #[default]
    Asymptotic,
    /// v·C/(C + t) with C = T/100 (the learning rate).
    InverseToZero,
    /// v·(1 − t/T) (the learning rate).
    LinearToZero,
    /// v / (1 + t·(v − 1)/T) (σ).
    InverseToOne,
    /// v + t·(1 − v)/T (σ).
    LinearToOne,
}

crate::choice::choices!(Decay {
    Decay::Asymptotic => ["asymptotic_decay"] "v/(1 + t/(T/2))",
    Decay::InverseToZero => ["inverse_decay_to_zero"] "v·C/(C + t), C = T/100",
    Decay::LinearToZero => ["linear_decay_to_zero"] "v·(1 − t/T)",
    Decay::InverseToOne => ["inverse_decay_to_one"] "v/(1 + t·(v − 1)/T)",
    Decay::LinearToOne => ["linear_decay_to_one"] "v + t·(1 − v)/T",
});

/// Which of MiniSom's two decays a function is named for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decayed {
    LearningRate,
    Sigma,
}

impl Decay {
    /// The value at step `t` of `max_iter`, from start value `v`.
    pub fn value(self, v: f64, t: f64, max_iter: f64) -> f64 {
        match self {
            Decay::Asymptotic => v / (1.0 + t / (max_iter / 2.0)),
            Decay::InverseToZero => {
                let c = max_iter / 100.0;
                v * c / (c + t)
            }
            Decay::LinearToZero => v * (1.0 - t / max_iter),
            Decay::InverseToOne => {
                let c = (v - 1.0) / max_iter;
                v / (1.0 + (t * c))
            }
            Decay::LinearToOne => v + (t * (1.0 - v) / max_iter),
        }
    }

    /// The values at steps 0..`steps` of `steps`.
    pub fn table(self, v: f64, steps: usize) -> Vec<f64> {
        (0..steps)
            .map(|t| self.value(v, t as f64, steps as f64))
            .collect()
    }

    /// The decay named `name` for `decayed`, as MiniSom accepts them: the learning rate takes
    /// asymptotic_decay, inverse_decay_to_zero and linear_decay_to_zero, σ asymptotic_decay,
    /// inverse_decay_to_one and linear_decay_to_one.
    pub fn named(name: &str, decayed: Decayed) -> Result<Decay> {
        let allowed: &[Decay] = match decayed {
            Decayed::LearningRate => {
                &[Decay::InverseToZero, Decay::LinearToZero, Decay::Asymptotic]
            }
            Decayed::Sigma => &[Decay::InverseToOne, Decay::LinearToOne, Decay::Asymptotic],
        };
        use crate::choice::Choice;
        Decay::parse(name)
            .filter(|decay| allowed.contains(decay))
            .ok_or_else(|| {
                let names: Vec<&str> = allowed.iter().map(|d| d.name()).collect();
                Error::Usage(format!(
                    "{name} not supported. Functions available: {}",
                    names.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minisoms_own_values() {
        // TestMinisom's expectations, to the bit.
        let c = 3.0 / 100.0;
        assert_eq!(
            Decay::InverseToZero.value(1.0, 2.0, 3.0),
            1.0 * c / (c + 2.0)
        );
        assert_eq!(
            Decay::LinearToZero.value(1.0, 2.0, 3.0),
            1.0 * (1.0 - 2.0 / 3.0)
        );
        assert_eq!(
            Decay::Asymptotic.value(1.0, 2.0, 3.0),
            1.0 / (1.0 + 2.0 / (3.0 / 2.0))
        );
        assert_eq!(Decay::LinearToOne.value(1.0, 2.0, 3.0), 1.0);
        assert!(Decay::named("linear_decay_to_one", Decayed::LearningRate).is_err());
    }
}
