//! The recall options shared by `recall` and `sweep`.

use std::path::PathBuf;

use clap::Args;

use hopsom::error::{Error, Result};
use hopsom::hopfield::recall::{RecallParams, Thresholds};
use hopsom::hopfield::{Interaction, Learning, LearningRule, UpdateMode, WeightForm};
use hopsom::io::vectors::{read_mask, read_neuron_values};

/// How patterns are stored.
#[derive(Debug, Clone, Args)]
pub struct LearningArgs {
    /// The learning rule: hebbian (W = Σ ξξᵀ, the seeds' rule), storkey (Storkey 1997, stores
    /// more), or pseudo-inverse (the projection W = Xᵀ(XXᵀ)⁻¹X: every stored pattern is a fixed
    /// point while the patterns are linearly independent).
    #[arg(long, value_parser = crate::cli::choice::<LearningRule>(), default_value_t = Learning::default().rule)]
    pub rule: LearningRule,
    /// Keep the pseudo-inverse rule's self-weights w_ii (zeroed by default, as for every rule).
    #[arg(long)]
    pub keep_diagonal: bool,
    /// How the couplings are held: dense (the N x N matrix, 4N² bytes), factored (the patterns
    /// themselves, PN bytes, h = Xᵀ(X s) − P s; Hebbian only), or auto: factored for the Hebbian
    /// rule when 2P < N or when the matrix does not fit half the free host memory (and one GPU
    /// storage binding on the GPU), dense otherwise. Both give identical results.
    #[arg(long, value_parser = crate::cli::choice::<WeightForm>(), default_value_t = Learning::default().weights)]
    pub weights: WeightForm,
}

impl LearningArgs {
    /// The network's spec, with the energy's `interaction`.
    pub fn learning(&self, interaction: Interaction) -> Learning {
        Learning {
            rule: self.rule,
            keep_diagonal: self.keep_diagonal,
            weights: self.weights,
            interaction,
        }
    }
}

/// A network and its dynamics: what `recall` and `sweep` both take.
#[derive(Debug, Clone, Args)]
pub struct NetworkArgs {
    #[command(flatten)]
    pub learning: LearningArgs,
    #[command(flatten)]
    pub dynamics: DynamicsArgs,
}

impl NetworkArgs {
    /// The network's spec, checked, with the energy's interaction from the dynamics' options.
    pub fn learning(&self) -> Result<Learning> {
        self.learning.learning(self.dynamics.interaction).checked()
    }
}

#[derive(Debug, Clone, Args)]
pub struct DynamicsArgs {
    /// sync: all neurons at once, s' = sign(W s) (2-cycles are detected and reported);
    /// async: one neuron at a time in a random order per sweep, every neuron once per sweep.
    #[arg(long, value_parser = crate::cli::choice::<UpdateMode>(), default_value_t = RecallParams::default().mode)]
    pub mode: UpdateMode,
    /// Stop after this many sweeps if no fixed point (or 2-cycle) was reached.
    #[arg(long, default_value_t = RecallParams::default().max_sweeps)]
    pub max_sweeps: u32,
    /// Add each neuron's own state to its input, y_i = s_i + W_i·s, as seed 003 does.
    #[arg(long)]
    pub self_coupling: bool,
    /// Threshold θ of every neuron: s_i becomes +1 if its input > θ, -1 if < θ, and keeps its
    /// value if equal. The energy is E = -½ sᵀWs + Σ θ_i s_i.
    #[arg(
        long,
        default_value_t = RecallParams::default().thresholds.uniform().unwrap_or_default(),
        allow_negative_numbers = true,
        conflicts_with = "thresholds"
    )]
    pub threshold: f64,
    /// One threshold per neuron, from a file: numbers separated by commas or whitespace, or .npy.
    #[arg(long, value_name = "FILE")]
    pub thresholds: Option<PathBuf>,
    /// Clamped neurons keep the probe's value: a mask with one flag per neuron (grid text with
    /// '#' = clamped, or numbers with non-zero = clamped, or .npy).
    #[arg(long, value_name = "FILE")]
    pub clamp: Option<PathBuf>,
    /// Glauber dynamics at temperature T: a neuron becomes +1 with probability
    /// 1 / (1 + exp(-2 (input - θ) / T)), drawn from the seeded stream. 0 (the default) is the
    /// deterministic rule.
    #[arg(long, default_value_t = RecallParams::default().temperature)]
    pub temperature: f64,
    /// The energy's interaction function F, E = −Σ_μ F(ξ^μ·s): quadratic (the classical
    /// network, F(x) = x², through its couplings W), poly:N (F(x) = xⁿ, Krotov & Hopfield's
    /// dense associative memory), repoly:N (xⁿ for x > 0, else 0) or exp (F(x) = eˣ,
    /// Demircigil et al.). The dense ones recall through the stored patterns (Hebbian rule,
    /// never an N x N matrix); exp takes no thresholds or temperature.
    #[arg(long, value_parser = parse_interaction, default_value_t = Learning::default().interaction)]
    pub interaction: Interaction,
}

/// `--interaction`'s parser: the library's message without its parameter name, which clap adds.
pub fn parse_interaction(text: &str) -> std::result::Result<Interaction, String> {
    text.parse::<Interaction>().map_err(|error| match error {
        Error::Parameter { allowed, .. } => allowed,
        other => other.to_string(),
    })
}

impl DynamicsArgs {
    /// The recall parameters for a network of `neurons`.
    pub fn params(&self, neurons: usize, record_flips: bool) -> Result<RecallParams> {
        let thresholds = match &self.thresholds {
            Some(path) => {
                let values = read_neuron_values(path)?;
                if values.len() != neurons {
                    return Err(Error::bad_input(
                        path,
                        format!("{} thresholds for {neurons} neurons", values.len()),
                    ));
                }
                Thresholds::PerNeuron(values)
            }
            None => Thresholds::Uniform(self.threshold),
        };
        let clamp = match &self.clamp {
            Some(path) => {
                let mask = read_mask(path)?;
                if mask.len() != neurons {
                    return Err(Error::bad_input(
                        path,
                        format!("a mask of {} flags for {neurons} neurons", mask.len()),
                    ));
                }
                Some(mask)
            }
            None => None,
        };
        Ok(RecallParams {
            mode: self.mode,
            max_sweeps: self.max_sweeps,
            self_coupling: self.self_coupling,
            thresholds,
            clamp,
            temperature: self.temperature,
            record_flips,
        })
    }
}
