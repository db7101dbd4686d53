//! Measuring GPU work: kernel time from timestamp queries (where the adapter has them) and the
//! peak of live buffer memory, over a stretch of work bracketed by
//! [`GpuContext::start_profile`] and [`GpuContext::finish_profile`]. Every compute pass is begun
//! through [`GpuContext::begin_pass`], which adds the timestamp writes while a profile runs.

use std::sync::atomic::Ordering;

use super::GpuContext;
use crate::error::{Error, Result};

/// Timestamp pairs (one per compute pass) a profile can hold; wgpu allows 4096 queries per set.
const PASS_CAPACITY: u32 = 2048;

/// The running profile's query set and how much of it is used.
pub(super) struct Profiler {
    query_set: wgpu::QuerySet,
    passes: u32,
    overflowed: bool,
}

/// What a profile measured.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Profile {
    /// Summed duration of every compute pass, from timestamp queries; `None` when the adapter has
    /// none or more passes ran than a profile holds.
    pub kernel_seconds: Option<f64>,
    /// The most memory the device's buffers held at once.
    pub peak_buffer_bytes: u64,
}

impl GpuContext {
    /// Begins a compute pass on `encoder`, timed when a profile runs.
    pub fn begin_pass<'e>(&self, encoder: &'e mut wgpu::CommandEncoder) -> wgpu::ComputePass<'e> {
        let mut profiler = self.profiler.lock().expect("profiler poisoned");
        let timestamp_writes = match profiler.as_mut() {
            Some(p) if p.passes < PASS_CAPACITY => {
                p.passes += 1;
                Some(wgpu::ComputePassTimestampWrites {
                    query_set: &p.query_set,
                    beginning_of_pass_write_index: Some(2 * (p.passes - 1)),
                    end_of_pass_write_index: Some(2 * p.passes - 1),
                })
            }
            Some(p) => {
                p.overflowed = true;
                None
            }
            None => None,
        };
        encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: None,
            timestamp_writes,
        })
    }

    /// Starts measuring: kernel time from now on, and the buffer-memory peak from what is live now.
    pub fn start_profile(&self) {
        let live = self.live_buffer_bytes();
        self.peak_buffer_bytes.store(live, Ordering::Relaxed);
        if !self
            .device
            .features()
            .contains(wgpu::Features::TIMESTAMP_QUERY)
        {
            return;
        }
        let query_set = self.device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("profile"),
            ty: wgpu::QueryType::Timestamp,
            count: 2 * PASS_CAPACITY,
        });
        *self.profiler.lock().expect("profiler poisoned") = Some(Profiler {
            query_set,
            passes: 0,
            overflowed: false,
        });
    }

    /// Stops measuring and reports. Waits for the queue.
    pub fn finish_profile(&self) -> Result<Profile> {
        let profiler = self.profiler.lock().expect("profiler poisoned").take();
        let peak_buffer_bytes = self.peak_buffer_bytes.load(Ordering::Relaxed);
        let kernel_seconds = match profiler {
            Some(p) if !p.overflowed => Some(self.resolve_seconds(&p)?),
            _ => None,
        };
        Ok(Profile {
            kernel_seconds,
            peak_buffer_bytes,
        })
    }

    fn resolve_seconds(&self, profiler: &Profiler) -> Result<f64> {
        if profiler.passes == 0 {
            return Ok(0.0);
        }
        let count = 2 * profiler.passes;
        let resolved = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("timestamps"),
            size: u64::from(count) * 8,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let mut encoder = self.device.create_command_encoder(&Default::default());
        encoder.resolve_query_set(&profiler.query_set, 0..count, &resolved, 0);
        self.queue.submit([encoder.finish()]);
        let stamps = self.read_back::<u64>(&resolved, count as usize)?;
        let ticks: u64 = stamps
            .chunks_exact(2)
            .map(|pair| pair[1].saturating_sub(pair[0]))
            .sum();
        let period = f64::from(self.queue.get_timestamp_period());
        if period.is_nan() || period <= 0.0 {
            return Err(Error::Gpu("the adapter reports no timestamp period".into()));
        }
        Ok(ticks as f64 * period * 1e-9)
    }

    /// Bytes the device's buffers hold now (0 where the backend does not count them).
    pub fn live_buffer_bytes(&self) -> u64 {
        self.device
            .get_internal_counters()
            .hal
            .buffer_memory
            .read()
            .max(0) as u64
    }

    /// Records the current buffer memory in the running peak; called after every allocation.
    pub(super) fn note_allocation(&self) {
        let live = self.live_buffer_bytes();
        self.peak_buffer_bytes.fetch_max(live, Ordering::Relaxed);
    }
}
