//! Learning rules: how stored patterns become weights.
//!
//! - Hebbian (the seeds' rule): W = Σ ξξᵀ with a zero diagonal; integer weights.
//! - Storkey (1997): incremental, with a local-field correction that stores more patterns.
//! - Pseudo-inverse (projection): W = Xᵀ(XXᵀ)⁻¹X, which makes every stored pattern an exact
//!   fixed point while the patterns are linearly independent.
//!
//! Each rule has a GPU kernel and a CPU twin. Real-valued weights are stored in fixed point
//! (see [`HopfieldNetwork`]), so recall stays exact on both paths.

mod hebbian;
mod pseudo_inverse;
mod storkey;

pub use hebbian::{hebbian_cpu, learn_hebbian};
pub use pseudo_inverse::{gram_matrix, projection_cpu, projection_weights, pseudo_inverse_weights};
pub use storkey::{storkey_cpu, storkey_weights};

use super::network::HopfieldNetwork;
use super::patterns::PatternSet;
use crate::backend::Backend;
use crate::error::{Error, Result};

/// A learning rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LearningRule {
    /// W = Σ ξξᵀ, zero diagonal (the seeds' rule).
    #[default]
    Hebbian,
    /// Storkey's 1997 incremental rule, zero diagonal.
    Storkey,
    /// The projection W = Xᵀ(XXᵀ)⁻¹X; needs linearly independent patterns.
    PseudoInverse,
}

/// Learns `patterns` with `rule` on `backend`. `keep_diagonal` keeps the pseudo-inverse rule's
/// self-weights (its diagonal is zeroed otherwise, as every other rule's is).
pub fn learn(
    patterns: &PatternSet,
    rule: LearningRule,
    keep_diagonal: bool,
    backend: &Backend,
) -> Result<HopfieldNetwork> {
    if keep_diagonal && rule != LearningRule::PseudoInverse {
        return Err(Error::Usage(
            "--keep-diagonal applies to the pseudo-inverse rule only".into(),
        ));
    }
    hebbian::check_sizes(patterns)?;
    let (n, p) = (patterns.neurons(), patterns.len());
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

/// Allocates an n x n matrix, failing cleanly when the host cannot hold it.
pub(crate) fn allocate_weights<T: Clone + Default>(neurons: usize) -> Result<Vec<T>> {
    let count = neurons * neurons;
    let mut weights = Vec::new();
    weights.try_reserve_exact(count).map_err(|_| {
        Error::TooLarge(format!(
            "a network of {neurons} neurons needs {} of host memory for its weights",
            crate::gpu::human_bytes((count * std::mem::size_of::<T>()) as u64)
        ))
    })?;
    weights.resize(count, T::default());
    Ok(weights)
}
