//! The random generator run on the GPU, so that tests can hold `shaders/rng.wgsl` to
//! Random123's known answers and to its CPU twin in `src/rng.rs`.

use super::shaders::RNG_CHECK;
use super::{GpuContext, KernelSpec};
use crate::error::Result;
use crate::rng::StreamKey;

/// The two check kernels: a block of four words in, four out, per item.
fn check_kernel(entry: &'static str) -> KernelSpec {
    KernelSpec {
        module: RNG_CHECK,
        entry,
        bindings: &["block_inputs", "block_outputs"],
    }
}

impl GpuContext {
    /// Philox4x32-10 of each (counter, key), computed by the WGSL generator.
    pub fn philox_blocks(&self, inputs: &[([u32; 4], [u32; 2])]) -> Result<Vec<[u32; 4]>> {
        let packed: Vec<[u32; 4]> = inputs
            .iter()
            .flat_map(|&(counter, key)| [counter, [key[0], key[1], 0, 0]])
            .collect();
        self.run_rng_check("philox_blocks", &packed, inputs.len())
    }

    /// `(draw(round, index), below(round, index, bound))` of each stream, computed by the WGSL
    /// generator.
    pub fn stream_draws(&self, requests: &[(StreamKey, u32, u32, u32)]) -> Result<Vec<(u32, u32)>> {
        let packed: Vec<[u32; 4]> = requests
            .iter()
            .flat_map(|&(key, round, index, bound)| [key.0, [round, index, bound, 0]])
            .collect();
        let out = self.run_rng_check("stream_draws", &packed, requests.len())?;
        Ok(out.into_iter().map(|v| (v[0], v[1])).collect())
    }

    fn run_rng_check(
        &self,
        entry: &'static str,
        packed: &[[u32; 4]],
        items: usize,
    ) -> Result<Vec<[u32; 4]>> {
        let kernel = self.kernel(&check_kernel(entry));
        let inputs = self.storage_from("rng inputs", packed)?;
        let outputs = self.storage_zeroed("rng outputs", (items * 16) as u64)?;
        let bind_group = kernel.bind(self, &[&inputs, &outputs]);
        let workgroups = ((items as u32).div_ceil(64), 1);
        self.submit(&[super::Dispatch::new(&kernel, bind_group, workgroups)]);
        let words: Vec<u32> = self.read_back(&outputs, items * 4)?;
        Ok(words
            .chunks_exact(4)
            .map(|w| [w[0], w[1], w[2], w[3]])
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_check_kernels_bind_their_wgsl_buffers_by_name() {
        for entry in ["philox_blocks", "stream_draws"] {
            super::check_kernel(entry).binding_numbers().unwrap();
        }
    }
}
