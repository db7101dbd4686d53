//! The couplings uploaded as the recall kernels read them: the dense matrix in row blocks, or
//! the stored patterns as bits.

use crate::error::Result;
use crate::gpu::{GpuContext, RowBlocks};
use crate::hopfield::network::HopfieldNetwork;

/// The couplings as the kernels see them.
pub(super) enum GpuCouplings {
    /// The weight matrix in blocks of whole rows, each one storage binding.
    Dense { weights: RowBlocks },
    Factored {
        bits: wgpu::Buffer,
        stored: u32,
        words: u32,
    },
}

impl GpuCouplings {
    pub(super) fn upload(ctx: &GpuContext, network: &HopfieldNetwork) -> Result<Self> {
        if let Some(weights) = network.weights() {
            return Ok(GpuCouplings::Dense {
                weights: ctx.row_blocks_from("the weight matrix", weights, network.neurons())?,
            });
        }
        let patterns = network.factors().expect("a network is dense or factored");
        let n = network.neurons();
        let words = n.div_ceil(32);
        // 32 neurons to a word, bit set = +1; keep in sync with pattern_value in the shaders.
        let mut bits = vec![0u32; network.stored() * words];
        for (mu, pattern) in patterns.chunks_exact(n).enumerate() {
            for (j, &x) in pattern.iter().enumerate() {
                if x > 0 {
                    bits[mu * words + j / 32] |= 1 << (j % 32);
                }
            }
        }
        Ok(GpuCouplings::Factored {
            bits: ctx.storage_from("pattern bits", &bits)?,
            stored: network.stored() as u32,
            words: words as u32,
        })
    }

    pub(super) fn stored_and_words(&self) -> (u32, u32) {
        match self {
            GpuCouplings::Dense { .. } => (0, 0),
            GpuCouplings::Factored { stored, words, .. } => (*stored, *words),
        }
    }
}
