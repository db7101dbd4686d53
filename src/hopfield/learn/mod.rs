//! Learning rules: how stored patterns become weights.
//!
//! - Hebbian (the seeds' rule): W = Σ ξξᵀ with a zero diagonal; integer weights.
//! - Storkey (1997): incremental, with a local-field correction that stores more patterns.
//! - Pseudo-inverse (projection): W = Xᵀ(XXᵀ)⁻¹X, which makes every stored pattern an exact
//!   fixed point while the patterns are linearly independent.
//!
//! Each rule has a GPU kernel and a CPU twin. Real-valued weights are stored in fixed point
//! (see [`HopfieldNetwork`]), so recall stays exact on both paths.

pub(crate) mod hebbian;
mod pseudo_inverse;
mod storkey;

pub(crate) use super::network::{allocate_weights, check_field_range};
pub use hebbian::MAX_DENSE_NEURONS;
pub use hebbian::{hebbian_cpu, learn_hebbian};
pub use pseudo_inverse::{gram_matrix, projection_cpu, projection_weights, pseudo_inverse_weights};
pub use storkey::{storkey_cpu, storkey_weights};

use super::interaction::Interaction;
use super::network::HopfieldNetwork;
use super::patterns::PatternSet;
use crate::backend::Backend;
use crate::error::{Error, Param, Result};

/// A learning rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LearningRule {
    /// W = Σ ξξᵀ, zero diagonal (the seeds' rule).
    #[default]
    Hebbian,
    /// Storkey's 1997 incremental rule, zero diagonal.
    Storkey,
    /// The projection W = Xᵀ(XXᵀ)⁻¹X; needs linearly independent patterns.
    PseudoInverse,
}

crate::choice::choices!(LearningRule {
    LearningRule::Hebbian => ["hebbian"] "W = Σ ξξᵀ, zero diagonal (the seeds' rule)",
    LearningRule::Storkey => ["storkey"] "Storkey's 1997 incremental rule, zero diagonal",
    LearningRule::PseudoInverse => ["pseudo-inverse"] "the projection W = Xᵀ(XXᵀ)⁻¹X; needs linearly independent patterns",
});

/// How the couplings are held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightForm {
    /// Factored for the Hebbian rule when it is cheaper (2P < N: a field costs O(P) instead of
    /// O(N)) or when the N x N matrix does not fit (half the free host memory, and one GPU binding
    /// on the GPU); dense otherwise.
    #[default]
    Auto,
    /// The N x N weight matrix: 4N² bytes.
    Dense,
    /// The patterns themselves, h = Xᵀ(X s) − P s (Hebbian only): PN bytes.
    Factored,
}

crate::choice::choices!(WeightForm {
    WeightForm::Auto => ["auto"] "factored for the Hebbian rule when cheaper (2P < N) or when the N x N matrix does not fit; dense otherwise",
    WeightForm::Dense => ["dense"] "the N x N weight matrix: 4N² bytes",
    WeightForm::Factored => ["factored"] "the patterns themselves, h = Xᵀ(X s) − P s (Hebbian only): PN bytes",
});

/// How patterns are stored, and the energy they are recalled under: the spec of a Hopfield
/// network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Learning {
    pub rule: LearningRule,
    /// Keep the pseudo-inverse rule's self-weights (every rule's diagonal is zero otherwise).
    pub keep_diagonal: bool,
    pub weights: WeightForm,
    /// The energy's interaction function: quadratic (the classical network, through its
    /// couplings) or a dense associative memory's, recalled through the stored patterns.
    pub interaction: Interaction,
}

impl crate::spec::Spec for Learning {
    fn check(&self) -> Result<()> {
        self.checked().map(drop)
    }
}

impl Learning {
    /// The learning as it will run, checked: the classical network's as asked; a dense
    /// associative memory recalls through the patterns themselves, so it takes the Hebbian rule
    /// in factored form (no weight matrix).
    pub fn checked(self) -> Result<Learning> {
        let interaction = self.interaction;
        interaction.validate()?;
        if self.keep_diagonal && self.rule != LearningRule::PseudoInverse {
            return Err(Error::parameter(
                Param::KeepDiagonal,
                "",
                "applies to the pseudo-inverse rule only",
            ));
        }
        if interaction.is_quadratic() {
            return Ok(self);
        }
        if self.rule != LearningRule::Hebbian {
            return Err(Error::parameter(
                Param::Interaction,
                interaction,
                format!(
                    "stores the patterns themselves: it takes the hebbian rule, not {}",
                    self.rule
                ),
            ));
        }
        if self.weights == WeightForm::Dense {
            return Err(Error::parameter(
                Param::Interaction,
                interaction,
                "recalls through the patterns, never a weight matrix: use factored or auto weights",
            ));
        }
        Ok(Learning {
            weights: WeightForm::Factored,
            ..self
        })
    }
}

/// Learns `patterns` as `learning` says, on `backend`.
pub fn learn(
    patterns: &PatternSet,
    learning: &Learning,
    backend: &Backend,
) -> Result<HopfieldNetwork> {
    let learning = learning.checked()?;
    let Learning {
        rule,
        keep_diagonal,
        interaction,
        ..
    } = learning;
    check_field_range(patterns)?;
    if is_factored(patterns.neurons(), patterns.len(), &learning, backend)? {
        return Ok(HopfieldNetwork::factored(patterns)?.with_interaction(interaction));
    }
    let (n, p) = (patterns.neurons(), patterns.len());
    check_dense(n, rule)?;
    match rule {
        LearningRule::Hebbian => learn_hebbian(patterns, backend),
        LearningRule::Storkey => {
            HopfieldNetwork::from_real_weights(n, p, &storkey_weights(patterns, backend)?, false)
        }
        LearningRule::PseudoInverse => HopfieldNetwork::from_real_weights(
            n,
            p,
            &pseudo_inverse_weights(patterns, backend)?,
            keep_diagonal,
        ),
    }
}

/// Whether `learning` holds `count` patterns of `neurons` in factored form (the patterns
/// themselves) rather than as a dense matrix: what [`learn`] will build, decided before
/// anything is learned so that the caller can check the recall that follows fits.
pub fn is_factored(
    neurons: usize,
    count: usize,
    learning: &Learning,
    backend: &Backend,
) -> Result<bool> {
    let learning = learning.checked()?;
    let rule = learning.rule;
    let factored = match learning.weights {
        WeightForm::Dense => false,
        WeightForm::Factored => true,
        WeightForm::Auto => {
            rule == LearningRule::Hebbian && (2 * count < neurons || !dense_fits(neurons, backend))
        }
    };
    if factored && rule != LearningRule::Hebbian {
        return Err(Error::parameter(
            Param::Weights,
            "factored",
            format!("holds the Hebbian rule only, not {rule:?}; use dense weights"),
        ));
    }
    Ok(factored)
}

/// Checks, before anything is learned, that a dense n x n matrix for `rule` is within the
/// kernels' index range and the host's memory. The message says what else to use: factored
/// weights only exist for the Hebbian rule.
pub fn check_dense(neurons: usize, rule: LearningRule) -> Result<()> {
    let bytes = crate::limits::checked_product(&[neurons as u64, neurons as u64, 4]);
    let way_out = match rule {
        LearningRule::Hebbian => "; factored weights need no matrix",
        LearningRule::Storkey | LearningRule::PseudoInverse => {
            "; the Storkey and pseudo-inverse rules need the dense matrix, so use fewer neurons"
        }
    };
    if neurons > MAX_DENSE_NEURONS {
        return Err(Error::TooLarge(format!(
            "{neurons} neurons: a dense weight matrix ({}) holds at most {MAX_DENSE_NEURONS} neurons{way_out}",
            bytes.map_or_else(|| "over 2^64 bytes".into(), crate::gpu::human_bytes)
        )));
    }
    match crate::limits::host_memory_shortfall(
        &format!("a dense weight matrix of {neurons} neurons"),
        bytes,
    ) {
        Some(message) => Err(Error::TooLarge(format!("{message}{way_out}"))),
        None => Ok(()),
    }
}

/// Whether a dense n x n matrix of 32-bit weights fits: at most half the host's available memory
/// and, on the GPU, one storage binding.
pub fn dense_fits(neurons: usize, backend: &Backend) -> bool {
    let bytes = (neurons as u64).saturating_pow(2).saturating_mul(4);
    let host = crate::limits::available_host_memory().unwrap_or(8 << 30) / 2;
    let device = match backend {
        Backend::Cpu => u64::MAX,
        Backend::Gpu(ctx) => ctx.max_binding_bytes(),
    };
    neurons <= MAX_DENSE_NEURONS && bytes <= host && bytes <= device
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factored_is_chosen_when_dense_does_not_fit() {
        let auto = Learning::default();
        // 2P > N: factored couplings are not the cheaper form here, so only a dense matrix that
        // does not fit can choose them.
        let large = MAX_DENSE_NEURONS + 1;
        assert!(!dense_fits(large, &Backend::Cpu));
        assert!(is_factored(large, large / 2 + 1, &auto, &Backend::Cpu).unwrap());
        assert!(dense_fits(1000, &Backend::Cpu));
        assert!(!is_factored(1000, 600, &auto, &Backend::Cpu).unwrap());
    }
}
