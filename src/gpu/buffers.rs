//! Upload, readback, bind and dispatch helpers shared by every kernel family.

use wgpu::util::DeviceExt;

use super::GpuContext;
use crate::error::{Error, Result};

impl GpuContext {
    /// Compiles `entry` of `module` with an automatic layout.
    pub(super) fn compute_pipeline(
        &self,
        module: &super::shaders::ShaderModule,
        entry: &str,
    ) -> wgpu::ComputePipeline {
        let shader = self
            .shader_modules
            .lock()
            .expect("shader modules poisoned")
            .entry(module.name)
            .or_insert_with(|| {
                self.device
                    .create_shader_module(wgpu::ShaderModuleDescriptor {
                        label: Some(module.name),
                        source: wgpu::ShaderSource::Wgsl(module.source().into()),
                    })
            })
            .clone();
        self.device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module: &shader,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
    }

    /// A storage buffer holding `data`, readable back.
    pub fn storage_from<T: bytemuck::Pod>(&self, label: &str, data: &[T]) -> Result<wgpu::Buffer> {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        self.check_binding(label, bytes.len() as u64)?;
        // wgpu rejects zero-sized bindings; an empty array still gets one element of room.
        let contents: &[u8] = if bytes.is_empty() { &[0; 4] } else { bytes };
        let buffer = self
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
            });
        self.note_allocation();
        Ok(buffer)
    }

    /// A zero-filled storage buffer of `bytes` bytes (at least 4).
    pub fn storage_zeroed(&self, label: &str, bytes: u64) -> Result<wgpu::Buffer> {
        self.check_binding(label, bytes)?;
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(4).next_multiple_of(4),
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.note_allocation();
        Ok(buffer)
    }

    /// A uniform buffer holding `value`.
    pub fn uniform<T: bytemuck::Pod>(&self, label: &str, value: &T) -> wgpu::Buffer {
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::bytes_of(value),
                usage: wgpu::BufferUsages::UNIFORM,
            })
    }

    /// A bind group for group 0 of `pipeline`, binding `buffers[k]` at binding `k`.
    pub(super) fn bind(
        &self,
        pipeline: &wgpu::ComputePipeline,
        buffers: &[(u32, &wgpu::Buffer)],
    ) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding: *binding,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        })
    }

    /// Fails with a clear message when one binding of `bytes` exceeds what the adapter allows.
    pub fn check_binding(&self, what: &str, bytes: u64) -> Result<()> {
        let limit = self.max_binding_bytes();
        if bytes > limit {
            return Err(Error::TooLarge(format!(
                "{what} needs {} in one GPU buffer, but {} allows at most {}",
                human_bytes(bytes),
                self.adapter.name,
                human_bytes(limit)
            )));
        }
        Ok(())
    }

    /// Workgroup counts (x, y) covering `groups` workgroups numbered linearly, within the
    /// per-dimension limit. Kernels recover their number as `id.y * num_workgroups.x + id.x`
    /// and return when it is past the end.
    pub fn spread_groups(&self, groups: u32) -> (u32, u32) {
        let max = self.max_workgroups_per_dimension().max(1);
        let x = groups.clamp(1, max);
        (x, groups.div_ceil(x).max(1))
    }

    /// Waits until the work submitted so far is done, and reports a failure it met: long runs
    /// wait between chunks so that they can stop within one chunk's time when asked.
    pub fn wait(&self) -> Result<()> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|err| Error::Gpu(format!("waiting for the device: {err}")))?;
        self.take_error()
    }

    /// Waits for the queue and copies `count` elements of `buffer` back to the host.
    pub fn read_back<T: bytemuck::Pod>(
        &self,
        buffer: &wgpu::Buffer,
        count: usize,
    ) -> Result<Vec<T>> {
        let bytes = (count * std::mem::size_of::<T>()) as u64;
        if bytes == 0 {
            return Ok(Vec::new());
        }
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: bytes.next_multiple_of(4),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.note_allocation();
        let mut encoder = self.device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(buffer, 0, &staging, 0, bytes.next_multiple_of(4));
        self.queue.submit([encoder.finish()]);
        let slice = staging.slice(..);
        let (sender, receiver) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |result| {
            let _ = sender.send(result);
        });
        self.wait()?;
        receiver
            .recv()
            .map_err(|_| Error::Gpu("readback was dropped".into()))?
            .map_err(|err| Error::Gpu(format!("mapping a readback buffer: {err}")))?;
        let mapped = slice
            .get_mapped_range()
            .map_err(|err| Error::Gpu(format!("reading a mapped buffer: {err}")))?;
        let values = bytemuck::cast_slice::<u8, T>(&mapped[..bytes as usize]).to_vec();
        drop(mapped);
        staging.unmap();
        Ok(values)
    }
}

/// A row-major n x n matrix split into blocks of whole rows, each block one storage binding.
/// Every block but the last holds `rows_per_block` rows, a multiple of 16 (the kernels' tile).
pub struct RowBlocks {
    pub rows_per_block: usize,
    pub blocks: Vec<wgpu::Buffer>,
}

impl RowBlocks {
    /// The first row and the number of rows of each block.
    pub fn ranges(&self, rows: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..self.blocks.len()).map(move |k| {
            let start = k * self.rows_per_block;
            (start, self.rows_per_block.min(rows - start))
        })
    }
}

impl GpuContext {
    /// Rows of `columns` elements of `element_bytes` each that one binding holds, in whole tiles.
    pub fn rows_per_binding(
        &self,
        rows: usize,
        columns: usize,
        element_bytes: usize,
        what: &str,
    ) -> Result<usize> {
        let row_bytes = (columns * element_bytes) as u64;
        let fitting = (self.max_binding_bytes() / row_bytes.max(1)) as usize / 16 * 16;
        if fitting == 0 {
            return Err(Error::TooLarge(format!(
                "{what}: 16 rows of {} do not fit one GPU buffer of {}",
                human_bytes(row_bytes),
                human_bytes(self.max_binding_bytes())
            )));
        }
        Ok(fitting.min(rows.next_multiple_of(16)))
    }

    /// A row-major `rows` x `columns` matrix of `data`, split into bindings of whole rows.
    pub fn row_blocks_from<T: bytemuck::Pod>(
        &self,
        what: &str,
        data: &[T],
        rows: usize,
    ) -> Result<RowBlocks> {
        let columns = data.len() / rows.max(1);
        let rows_per_block =
            self.rows_per_binding(rows, columns, std::mem::size_of::<T>(), what)?;
        let blocks = data
            .chunks((rows_per_block * columns).max(1))
            .map(|block| self.storage_from(what, block))
            .collect::<Result<_>>()?;
        Ok(RowBlocks {
            rows_per_block,
            blocks,
        })
    }

    /// A zeroed `rows` x `columns` matrix of 4-byte elements, split into bindings of whole rows.
    pub fn row_blocks_zeroed(&self, what: &str, rows: usize, columns: usize) -> Result<RowBlocks> {
        let rows_per_block = self.rows_per_binding(rows, columns, 4, what)?;
        let blocks = (0..rows.div_ceil(rows_per_block))
            .map(|k| {
                let block_rows = rows_per_block.min(rows - k * rows_per_block);
                self.storage_zeroed(what, (block_rows * columns * 4) as u64)
            })
            .collect::<Result<_>>()?;
        Ok(RowBlocks {
            rows_per_block,
            blocks,
        })
    }

    /// Copies every block back into `out` (row-major, `columns` wide).
    pub fn read_row_blocks<T: bytemuck::Pod>(
        &self,
        blocks: &RowBlocks,
        columns: usize,
        out: &mut [T],
    ) -> Result<()> {
        let rows = out.len() / columns.max(1);
        for ((start, count), buffer) in blocks.ranges(rows).zip(&blocks.blocks) {
            let values = self.read_back::<T>(buffer, count * columns)?;
            out[start * columns..(start + count) * columns].copy_from_slice(&values);
        }
        Ok(())
    }
}

/// Bytes for people: 1.5 GiB, 12.0 MiB, 800 B.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
