//! `hopsom bench`: a fixed suite of workloads, each run on the CPU path and on a GPU in one
//! process, with wall time, kernel time (timestamp queries, where the adapter has them), the
//! throughput in the workload's natural unit, and peak host and GPU memory.

pub mod memory;
mod suite;

use std::time::Instant;

pub use suite::{photo_of_size, suite, warm_up, SuiteSize};

use crate::backend::Backend;
use crate::error::Result;

/// What a case's throughput counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 10⁹ floating-point (or integer multiply-add) operations, counting a multiply-add as 2.
    Gflop,
    NeuronUpdates,
    Recalls,
    Pixels,
    Samples,
}

impl Unit {
    /// "GFLOP/s", "recalls/s", …
    pub fn per_second(self) -> &'static str {
        match self {
            Unit::Gflop => "GFLOP/s",
            Unit::NeuronUpdates => "neuron updates/s",
            Unit::Recalls => "recalls/s",
            Unit::Pixels => "pixels/s",
            Unit::Samples => "samples/s",
        }
    }

    /// Work counted in this unit, from a raw count (flops are reported in GFLOP).
    fn scaled(self, count: f64) -> f64 {
        match self {
            Unit::Gflop => count * 1e-9,
            _ => count,
        }
    }
}

/// A workload ready to run: returns the work it did, in raw counts of its unit (flops, recalls,
/// pixels, …), and for asynchronous recall also the neuron updates.
pub type Workload = Box<dyn Fn(&Backend) -> Result<Work>>;

/// The work one run did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Work {
    pub count: f64,
    /// Neuron updates, for recall workloads.
    pub neuron_updates: Option<f64>,
}

/// One case of the suite: its data is prepared by `build`, outside the timed region.
pub struct Case {
    pub name: &'static str,
    pub size: String,
    /// The size along the x axis of the speedup plot (neurons, pixels, samples…).
    pub scale: f64,
    pub unit: Unit,
    pub build: Box<dyn Fn() -> Result<Workload>>,
}

/// One timed run of a case on one backend.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Measurement {
    pub wall_seconds: f64,
    /// GPU only: the summed duration of its compute passes, where the adapter has timestamps.
    pub kernel_seconds: Option<f64>,
    /// Work done, in the case's unit.
    pub work: f64,
    /// Work per second of wall time.
    pub throughput: f64,
    pub neuron_updates_per_second: Option<f64>,
    /// The process's peak resident memory during the run (it includes the case's input data).
    pub peak_host_bytes: Option<u64>,
    /// GPU only: the most memory the device's buffers held at once (0 where the backend does not
    /// count it).
    pub peak_gpu_bytes: Option<u64>,
}

/// Runs `workload` once on `backend` and measures it.
pub fn measure(workload: &Workload, unit: Unit, backend: &Backend) -> Result<Measurement> {
    memory::reset_peak();
    if let Backend::Gpu(ctx) = backend {
        ctx.start_profile();
    }
    let started = Instant::now();
    let work = workload(backend)?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let profile = match backend {
        Backend::Gpu(ctx) => Some(ctx.finish_profile()?),
        Backend::Cpu => None,
    };
    let work_in_unit = unit.scaled(work.count);
    Ok(Measurement {
        wall_seconds,
        kernel_seconds: profile.and_then(|p| p.kernel_seconds),
        work: work_in_unit,
        throughput: work_in_unit / wall_seconds,
        neuron_updates_per_second: work.neuron_updates.map(|u| u / wall_seconds),
        peak_host_bytes: memory::peak_bytes(),
        peak_gpu_bytes: profile.map(|p| p.peak_buffer_bytes),
    })
}
