//! What the winner search gives: each sample's nearest node and runner-up, as both paths write
//! them (the GPU's matches buffer holds the same two indices).

/// "No node": the second-best of a one-node map.
pub const NO_NODE: u32 = u32::MAX;
/// Larger than any distance between finite samples (`FAR` in som_common.wgsl).
pub const FAR: f32 = 3.4e38;

/// A sample's nearest node and runner-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Match {
    pub best: u32,
    pub second: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::layout::{wgsl_constant, wgsl_float_constant};
    use crate::gpu::shaders;

    #[test]
    fn the_sentinels_are_the_shaders() {
        for module in [shaders::SOM_BMU, shaders::SOM_ONLINE] {
            assert_eq!(wgsl_constant(&module, "NO_NODE"), i64::from(NO_NODE));
            assert_eq!(wgsl_float_constant(&module, "FAR"), f64::from(FAR));
        }
    }
}
