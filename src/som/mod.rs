//! Kohonen self-organizing maps: a grid of weight vectors trained online (seed 003's
//! `SOM_network`) or in batch, colour clustering (seed 003's `ColorClusteringSOM`), and
//! segmentation of images of any size.
//!
//! Every step has a CPU twin of its GPU kernel: the winner search (`bmu`, shaders/som_bmu.wgsl),
//! online training (`online`, shaders/som_online.wgsl) and the batch update (`batch`,
//! shaders/som_batch.wgsl); grid geometry, neighbourhoods and metrics are shared through
//! shaders/som_common.wgsl.

pub mod assign;
pub mod batch;
pub mod batch_training;
pub mod bmu;
pub mod bmu_product;
pub mod cluster;
pub mod codebook;
pub mod data;
pub mod epoch;
mod gpu;
pub mod grid;
pub mod matching;
pub mod metrics;
pub mod minisom;
pub mod neighbourhood;
pub mod online;
pub mod params;
pub mod planes;
pub mod schedule;
pub mod spec;
pub mod step;
pub mod train;
pub mod transform;

pub use assign::{assign, Assignment};
pub use batch_training::{BatchPartial, BatchTraining};
pub use cluster::{cluster_colours, ClusterParams, ClusterRun, SEED_COLOURS};
pub use codebook::Codebook;
pub use data::{PixelType, Pixels, Samples};
pub use grid::{Grid, Topology};
pub use params::{
    EpochRates, Init, Metric, Mode, Neighbourhood, RateSchedule, Schedule, TrainingParams,
    DEFAULT_CUTOFF,
};
pub use spec::{MapSpec, SegmentSpec, TrainSpec};
pub use train::{train, EpochReport, Trained};
