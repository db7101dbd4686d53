//! Hopfield associative memory: bipolar patterns, Hebbian learning, recall dynamics and energy.

pub mod analysis;
pub mod capacity;
pub mod interaction;
pub mod learn;
pub mod network;
pub mod noise;
pub mod patterns;
pub mod recall;
pub mod sweep;

pub use analysis::{best_match, BestMatch};
pub use interaction::Interaction;
pub use learn::{hebbian_cpu, learn, learn_hebbian, Learning, LearningRule, WeightForm};
pub use network::HopfieldNetwork;
pub use patterns::{seed_patterns, GridShape, PatternSet, Polarity};
pub use recall::{recall, Ending, EnergyTerms, RecallOutcome, RecallParams, UpdateMode};
