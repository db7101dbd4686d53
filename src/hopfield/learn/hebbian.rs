//! Hebbian learning, W = sum of x x^T over the stored patterns with a zero diagonal (the seeds' rule).
//! GPU kernel: shaders/hebbian.wgsl. The weights are integers, so both paths agree bit for bit.
//!
//! Both paths count instead of multiplying: with each neuron's values across the patterns packed
//! as bits (1 for −1), W_ij = P − 2·popcount(B_i XOR B_j), one XOR and one popcount per 32 (GPU)
//! or 64 (CPU) patterns instead of that many multiply-adds.

use std::sync::Arc;

use crate::backend::Backend;
use crate::error::Result;
use crate::gpu::{shaders, Dispatch, GpuContext};
use crate::hopfield::network::HopfieldNetwork;
use crate::hopfield::patterns::PatternSet;

/// Learns the Hebbian weights of `patterns` on `backend`.
pub fn learn_hebbian(patterns: &PatternSet, backend: &Backend) -> Result<HopfieldNetwork> {
    check_sizes(patterns)?;
    match backend {
        Backend::Cpu => hebbian_cpu(patterns),
        Backend::Gpu(ctx) => hebbian_gpu(ctx, patterns),
    }
}

/// The most neurons a dense weight matrix may have: its indices must fit 32 bits on the GPU.
pub const MAX_DENSE_NEURONS: usize = 65_535;

/// Checks that a dense n x n Hebbian matrix of `patterns` is within range.
pub(crate) fn check_sizes(patterns: &PatternSet) -> Result<()> {
    super::check_field_range(patterns)?;
    super::check_dense(patterns.neurons(), super::LearningRule::Hebbian)
}

/// Each neuron's values across the patterns as bits (1 for −1), `words` words of `bits` bits per
/// neuron, patterns in order from the lowest bit of the first word.
fn neuron_bits<const BITS: usize>(patterns: &PatternSet) -> (usize, Vec<u64>) {
    let (n, p) = (patterns.neurons(), patterns.len());
    let words = p.div_ceil(BITS).max(1);
    let mut packed = vec![0u64; n * words];
    for (index, pattern) in patterns.iter().enumerate() {
        let (word, bit) = (index / BITS, index % BITS);
        for (neuron, &value) in pattern.iter().enumerate() {
            if value < 0 {
                packed[neuron * words + word] |= 1 << bit;
            }
        }
    }
    (words, packed)
}

/// The bits of [`neuron_bits`] word-major: `words` planes of n words, plane k holding word k of
/// every neuron. Built pattern by pattern along the neurons, so every loop is contiguous.
fn word_planes(patterns: &PatternSet) -> (usize, Vec<u64>) {
    let (n, p) = (patterns.neurons(), patterns.len());
    let words = p.div_ceil(64).max(1);
    let mut planes = vec![0u64; words * n];
    for (index, pattern) in patterns.iter().enumerate() {
        let (word, bit) = (index / 64, index % 64);
        for (packed, &value) in planes[word * n..(word + 1) * n].iter_mut().zip(pattern) {
            *packed |= u64::from(value < 0) << bit;
        }
    }
    (words, planes)
}

/// CPU twin of `learn` in shaders/hebbian.wgsl: the same count, 64 patterns to a word.
pub fn hebbian_cpu(patterns: &PatternSet) -> Result<HopfieldNetwork> {
    check_sizes(patterns)?;
    let n = patterns.neurons();
    let count = patterns.len() as i32;
    // Word-major bits: word k of every neuron side by side, so that a row's counts run along
    // contiguous words and vectorise; and each neuron's own words.
    let (words, planes) = word_planes(patterns);
    let mut bits = vec![0u64; n * words];
    for (k, plane) in planes.chunks_exact(n).enumerate() {
        for (neuron, &word) in plane.iter().enumerate() {
            bits[neuron * words + k] = word;
        }
    }
    let mut weights = super::allocate_weights(n)?;
    use rayon::prelude::*;
    weights.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        count_row(&bits[i * words..(i + 1) * words], &planes, count, row);
        row[i] = 0;
    });
    Ok(HopfieldNetwork::from_weights(n, patterns.len(), weights))
}

crate::cpu::wide_vectors! {
    /// One row of W: P − 2·popcount(own XOR other) against every neuron's bits, a word-major
    /// plane at a time.
    fn count_row(own: &[u64], planes: &[u64], count: i32, row: &mut [i32]) {
        let n = row.len();
        row.fill(0);
        for (&word, plane) in own.iter().zip(planes.chunks_exact(n)) {
            for (differing, &other) in row.iter_mut().zip(plane) {
                *differing += (word ^ other).count_ones() as i32;
            }
        }
        for w in row.iter_mut() {
            *w = count - 2 * *w;
        }
    }
}

/// The layout of `Params` in shaders/hebbian.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct HebbianParams {
    neurons: u32,
    patterns: u32,
    words: u32,
    word_start: u32,
    word_count: u32,
    tiles_per_side: u32,
    row_start: u32,
    block_rows: u32,
}

crate::gpu::kernel_family! {
    /// The Hebbian rule's kernel: W from the patterns' bits.
    struct HebbianKernels(shaders::HEBBIAN) {
        learn: "learn" ["params", "bits", "weights"],
    }
}

/// The side of the tile of W one workgroup computes (`BLOCK` in shaders/hebbian.wgsl).
const BLOCK: u32 = 64;
/// Words one dispatch counts (32 patterns each): its loops run about this many iterations per
/// invocation, well below llvmpipe's limit of 65 535 (see shaders/hebbian.wgsl).
const WORDS_PER_DISPATCH: u32 = 16 * 2_048;

fn hebbian_gpu(ctx: &Arc<GpuContext>, patterns: &PatternSet) -> Result<HopfieldNetwork> {
    let n = patterns.neurons();
    let kernels = ctx.kernels::<HebbianKernels>()?;
    let mut host_weights = super::allocate_weights(n)?;
    // The kernel reads 32-bit words: split each 64-bit word into its low and high halves.
    let (words64, packed) = neuron_bits::<64>(patterns);
    let words = patterns.len().div_ceil(32).max(1);
    let bits: Vec<u32> = packed
        .chunks_exact(words64)
        .flat_map(|neuron| {
            neuron
                .iter()
                .flat_map(|&w| [w as u32, (w >> 32) as u32])
                .take(words)
        })
        .collect();
    let tiles_per_side = (n as u32).div_ceil(BLOCK);
    let bits_buffer = ctx.storage_from("pattern bits", &bits)?;
    // W in blocks of whole rows, each within one storage binding.
    let weights = ctx.row_blocks_zeroed("the weight matrix", n, n)?;
    let mut plan = Vec::new();
    for ((row_start, block_rows), block) in weights.ranges(n).zip(&weights.blocks) {
        let workgroups = ctx.spread_groups((block_rows as u32).div_ceil(BLOCK) * tiles_per_side);
        for word_start in (0..words as u32).step_by(WORDS_PER_DISPATCH as usize) {
            let params = HebbianParams {
                neurons: n as u32,
                patterns: patterns.len() as u32,
                words: words as u32,
                word_start,
                word_count: WORDS_PER_DISPATCH.min(words as u32 - word_start),
                tiles_per_side,
                row_start: row_start as u32,
                block_rows: block_rows as u32,
            };
            let params_buffer = ctx.uniform("hebbian params", &params);
            let bind_group = kernels
                .learn
                .bind(ctx, &[&params_buffer, &bits_buffer, block]);
            plan.push(Dispatch::new(&kernels.learn, bind_group, workgroups));
        }
    }
    ctx.submit(&plan);
    ctx.read_row_blocks(&weights, n, &mut host_weights)?;
    Ok(HopfieldNetwork::from_weights(
        n,
        patterns.len(),
        host_weights,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_have_the_layout_of_their_wgsl_structs() {
        use crate::gpu::shaders;
        crate::assert_wgsl_layout!(
            shaders::HEBBIAN,
            "Params",
            HebbianParams {
                neurons,
                patterns,
                words,
                word_start,
                word_count,
                tiles_per_side,
                row_start,
                block_rows
            }
        );
    }

    #[test]
    fn counting_equals_the_sum_of_outer_products() {
        // Word boundaries at 32 and 64 patterns on both sides.
        for count in [1usize, 31, 32, 33, 64, 65, 130] {
            let n = 37;
            let key = crate::rng::StreamKey::new(5, crate::rng::Domain::Patterns, &[count as u32]);
            let states: Vec<i8> = (0..count * n)
                .map(|i| {
                    if key.draw(0, i as u32) & 1 == 1 {
                        1
                    } else {
                        -1
                    }
                })
                .collect();
            let names = (0..count).map(|k| format!("p{k}")).collect();
            let patterns = PatternSet::new(n, states.clone(), names).unwrap();
            let network = hebbian_cpu(&patterns).unwrap();
            let weights = network.weights().unwrap();
            for i in 0..n {
                for j in 0..n {
                    let want: i32 = if i == j {
                        0
                    } else {
                        (0..count)
                            .map(|p| i32::from(states[p * n + i]) * i32::from(states[p * n + j]))
                            .sum()
                    };
                    assert_eq!(weights[i * n + j], want, "P={count} ({i}, {j})");
                }
            }
        }
    }

    #[test]
    fn seed_000_weights() {
        // Seed 000 prints this matrix for the patterns below.
        let patterns = PatternSet::new(
            6,
            vec![1, -1, 1, -1, 1, -1, -1, 1, -1, 1, -1, 1],
            vec!["a".into(), "b".into()],
        )
        .unwrap();
        let network = hebbian_cpu(&patterns).unwrap();
        #[rustfmt::skip]
        let expected = [
             0, -2,  2, -2,  2, -2,
            -2,  0, -2,  2, -2,  2,
             2, -2,  0, -2,  2, -2,
            -2,  2, -2,  0, -2,  2,
             2, -2,  2, -2,  0, -2,
            -2,  2, -2,  2, -2,  0,
        ];
        assert_eq!(network.weights().unwrap(), expected);
    }
}
