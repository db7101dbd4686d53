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

/// How long a case took on one backend.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Measurement {
    /// One run's wall time (the median run's, where a short case ran several times).
    pub wall_seconds: f64,
    /// How many times the case ran.
    pub runs: usize,
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

/// Cases shorter than this are run again (up to [`MAX_RUNS`] times, or until this much time has
/// passed in all) and their median run reported: one run of a few milliseconds measures the
/// thread pool's wake-up and the first touch of fresh pages as much as the work.
const REPEAT_BELOW_SECONDS: f64 = 0.25;
const MAX_RUNS: usize = 9;

/// Runs `workload` on `backend` and measures it: once, or for short cases the median of several
/// runs.
/// The CPU, and any GPU adapter (software rasterisers included) when one opens; why not, to
/// `skipped`: what the criterion benches run each case on.
pub fn cpu_and_any_gpu(skipped: impl FnOnce(&str)) -> Vec<Backend> {
    let mut backends = vec![Backend::Cpu];
    match crate::gpu::GpuContext::open(crate::gpu::AdapterPolicy::AnyAdapter) {
        Ok(ctx) => backends.push(Backend::Gpu(ctx)),
        Err(err) => skipped(&err.to_string()),
    }
    backends
}

pub fn measure(workload: &Workload, unit: Unit, backend: &Backend) -> Result<Measurement> {
    memory::reset_peak();
    // Per run: wall seconds, kernel seconds, peak buffer bytes.
    let mut runs: Vec<(f64, Option<f64>, Option<u64>)> = Vec::new();
    let mut work = None;
    let started = Instant::now();
    while runs.len() < MAX_RUNS {
        if let Backend::Gpu(ctx) = backend {
            ctx.start_profile();
        }
        let run_started = Instant::now();
        work = Some(workload(backend)?);
        let wall = run_started.elapsed().as_secs_f64();
        let profile = match backend {
            Backend::Gpu(ctx) => Some(ctx.finish_profile()?),
            Backend::Cpu => None,
        };
        runs.push((
            wall,
            profile.and_then(|p| p.kernel_seconds),
            profile.map(|p| p.peak_buffer_bytes),
        ));
        if started.elapsed().as_secs_f64() >= REPEAT_BELOW_SECONDS {
            break;
        }
    }
    let work = work.expect("at least one run");
    let peak_gpu_bytes = runs.iter().filter_map(|r| r.2).max();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (wall_seconds, kernel_seconds, _) = runs[runs.len() / 2];
    let work_in_unit = unit.scaled(work.count);
    Ok(Measurement {
        wall_seconds,
        runs: runs.len(),
        kernel_seconds,
        work: work_in_unit,
        throughput: work_in_unit / wall_seconds,
        neuron_updates_per_second: work.neuron_updates.map(|u| u / wall_seconds),
        peak_host_bytes: memory::peak_bytes(),
        peak_gpu_bytes,
    })
}
