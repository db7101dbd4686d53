//! A run described once. Every study and model a front end can start has one spec type in the
//! library, holding its options with their defaults ([`Default`]) and the checks they get before
//! any work: the command line maps its clap arguments onto it, the Python package its keyword
//! arguments, and `hopsom.dask` ships it to workers serialised. Neither front end holds a
//! default, a check or a loop of its own.
//!
//! | spec                                  | what it runs                                   |
//! |---------------------------------------|------------------------------------------------|
//! | `hopfield::Learning`                  | a Hopfield network: rule, weights, interaction |
//! | `hopfield::recall::RecallSpec`        | recall of given probes                         |
//! | `hopfield::sweep::SweepSpec`          | recall from noise, over levels and trials      |
//! | `hopfield::capacity::CapacitySpec`    | capacity against load                          |
//! | `som::MapSpec`                        | a map: its grid and dimension                  |
//! | `som::TrainSpec`                      | training a map (online or batch)               |
//! | `som::SegmentSpec`                    | winners, errors and segmentation               |
//! | `som::ClusterParams`                  | seed 003's colour clustering                   |
//! | `modern::ModernSpec`                  | a modern Hopfield network: β, normalisation    |
//! | `modern::RetrieveSpec`                | modern retrieval                               |
//! | `modern::sweep::ModernSweepSpec`      | modern retrieval accuracy over β and levels    |
//!
//! Specs serialise with serde, each option under the name the Python keyword and the `Param`
//! of its errors use (`max_sweeps`; the command line writes `--max-sweeps`).
//! Some hold another spec as a group of options ([`GROUPS`]): front ends spell a group's
//! options beside the spec's own, so that a sweep takes `mode=` as recall does.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The seed of every spec that draws random numbers, unless given.
pub const DEFAULT_SEED: u64 = 1;

/// A spec: serialisable both ways, with its defaults and its checks.
pub trait Spec: Serialize + DeserializeOwned + Default + Clone {
    /// Checks every option that can be checked without the data, before any work: what a front
    /// end calls to refuse a bad run at once (`hopsom.dask` before shipping it to workers).
    fn check(&self) -> crate::Result<()>;
}

/// The fields that hold a group of another spec's options. A front end that spells options flat
/// (keyword arguments) looks for a group's options beside the spec's own; no option of any spec
/// has one of these names (a test holds that).
pub const GROUPS: &[&str] = &["learning", "recall", "stepping"];

/// `spec` as one flat object of options: each group's options beside the spec's own, as front
/// ends spell them.
pub fn flat_options<T: Serialize>(spec: &T) -> serde_json::Map<String, serde_json::Value> {
    let mut flat = serde_json::Map::new();
    if let Ok(serde_json::Value::Object(options)) = serde_json::to_value(spec) {
        flatten_into(options, &mut flat);
    }
    flat
}

fn flatten_into(
    options: serde_json::Map<String, serde_json::Value>,
    flat: &mut serde_json::Map<String, serde_json::Value>,
) {
    for (name, value) in options {
        match value {
            serde_json::Value::Object(group) if GROUPS.contains(&name.as_str()) => {
                flatten_into(group, flat)
            }
            value => {
                flat.insert(name, value);
            }
        }
    }
}
