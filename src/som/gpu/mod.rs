//! The SOM kernels, one family per file beside its CPU twin: the winner search (`bmu.rs`,
//! shaders/som_bmu.wgsl; twin `bmu.rs`), online training (`online.rs`, som_online.wgsl; twin
//! `online.rs`) and the batch update (`batch.rs`, som_batch.wgsl; twin `batch.rs`), with the
//! host code that streams samples through them in tiles that fit the adapter's bindings.

mod batch;
mod bmu;
mod online;

pub(crate) use batch::smooth_gpu;
pub(crate) use bmu::find_bmus_gpu;
pub(crate) use online::train_online_gpu;

use super::codebook::Codebook;
use crate::error::{Error, Result};
use crate::gpu::GpuContext;

/// Loop iterations one invocation may run per dispatch, safely below llvmpipe's limit of 65 535.
pub(super) const LOOP_BUDGET: usize = 40_000;
/// Codebook floats the winner search stages in workgroup memory (`TILE_FLOATS` in som_bmu.wgsl,
/// checked by a unit test).
pub(super) const TILE_FLOATS: usize = 2048;
/// Samples per tile of the winner search (16 MiB of matches), within the binding limit.
pub(super) const SEARCH_TILE_SAMPLES: usize = 1 << 20;
/// Samples uploaded at a time for online training.
pub(super) const ONLINE_CHUNK_SAMPLES: usize = 1 << 20;
pub(super) const WORKGROUP: usize = 64;

pub(super) fn grid_words(codebook: &Codebook) -> [u32; 4] {
    let grid = &codebook.grid;
    [
        grid.width as u32,
        grid.height as u32,
        u32::from(grid.topology == crate::som::Topology::Hexagonal),
        u32::from(grid.toroidal),
    ]
}

/// Samples of `words` words that fit one binding, at most `cap`.
pub(super) fn samples_per_binding(
    ctx: &GpuContext,
    words: usize,
    cap: usize,
    what: &str,
) -> Result<usize> {
    let fitting = (ctx.max_binding_bytes() / (words as u64 * 4)) as usize;
    if fitting == 0 {
        return Err(Error::TooLarge(format!(
            "{what}: one sample of {words} values does not fit one GPU buffer"
        )));
    }
    Ok(fitting.min(cap))
}
