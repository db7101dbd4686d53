//! The pseudo-inverse (projection) rule, W = Xᵀ(XXᵀ)⁻¹X for patterns X (P x N).
//!
//! The Gram matrix C = XXᵀ is an integer product (the Hebbian kernel over the transposed
//! patterns, exact on both paths); C is factorised on the host (Cholesky in f64, P x P), which
//! also finds linearly dependent patterns; Y = C⁻¹X is solved on the host; and the final product
//! W = XᵀY is a GPU kernel (shaders/pseudo_inverse.wgsl) with the CPU twin [`projection_cpu`].

use std::sync::Arc;

use rayon::prelude::*;

use super::allocate_weights;
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::gpu::{shaders, Dispatch, GpuContext};
use crate::hopfield::patterns::PatternSet;

/// The real pseudo-inverse weights of `patterns` (row-major, diagonal included) on `backend`.
pub fn pseudo_inverse_weights(patterns: &PatternSet, backend: &Backend) -> Result<Vec<f32>> {
    let gram = gram_matrix(patterns, backend)?;
    let solved = solve_gram(&gram, patterns)?;
    projection_weights(patterns, &solved, backend)
}

/// C = XXᵀ, P x P, exact: the Hebbian product of the transposed patterns, with C_μμ = N.
pub fn gram_matrix(patterns: &PatternSet, backend: &Backend) -> Result<Vec<i32>> {
    let (n, p) = (patterns.neurons(), patterns.len());
    let mut transposed = vec![0i8; n * p];
    for (mu, pattern) in patterns.iter().enumerate() {
        for (i, &x) in pattern.iter().enumerate() {
            transposed[i * p + mu] = x;
        }
    }
    let columns = PatternSet::new(
        p,
        transposed,
        (0..n).map(|i| format!("neuron {i}")).collect(),
    )?;
    let mut gram = super::learn_hebbian(&columns, backend)?
        .weights()
        .expect("the Hebbian kernel builds a dense matrix")
        .to_vec();
    for mu in 0..p {
        gram[mu * p + mu] = n as i32;
    }
    Ok(gram)
}

/// Y = C⁻¹X by Cholesky factorisation C = LLᵀ; fails when a pattern is a linear combination of
/// the earlier ones (C is then singular).
fn solve_gram(gram: &[i32], patterns: &PatternSet) -> Result<Vec<f32>> {
    let (n, p) = (patterns.neurons(), patterns.len());
    let mut lower = vec![0f64; p * p];
    for j in 0..p {
        let diagonal =
            f64::from(gram[j * p + j]) - (0..j).map(|k| lower[j * p + k].powi(2)).sum::<f64>();
        // C_jj = N; what is left is the squared distance of pattern j from the span of the others.
        if diagonal <= 1e-9 * n as f64 {
            return Err(Error::InvalidData(format!(
                "the patterns are linearly dependent ({} is a combination of the earlier ones); the pseudo-inverse rule needs independent patterns",
                patterns.names[j]
            )));
        }
        let pivot = diagonal.sqrt();
        lower[j * p + j] = pivot;
        for i in j + 1..p {
            let dot: f64 = (0..j).map(|k| lower[i * p + k] * lower[j * p + k]).sum();
            lower[i * p + j] = (f64::from(gram[i * p + j]) - dot) / pivot;
        }
    }
    // Forward: L Z = X, row by row; then backward: Lᵀ Y = Z.
    let mut rows: Vec<Vec<f64>> = patterns
        .iter()
        .map(|x| x.iter().map(|&v| f64::from(v)).collect())
        .collect();
    for i in 0..p {
        let (done, rest) = rows.split_at_mut(i);
        let row = &mut rest[0];
        for (k, earlier) in done.iter().enumerate() {
            let factor = lower[i * p + k];
            row.par_iter_mut()
                .zip(earlier.par_iter())
                .for_each(|(r, e)| *r -= factor * e);
        }
        let pivot = lower[i * p + i];
        row.par_iter_mut().for_each(|r| *r /= pivot);
    }
    for i in (0..p).rev() {
        let (head, tail) = rows.split_at_mut(i + 1);
        let row = &mut head[i];
        for (offset, later) in tail.iter().enumerate() {
            let factor = lower[(i + 1 + offset) * p + i];
            row.par_iter_mut()
                .zip(later.par_iter())
                .for_each(|(r, e)| *r -= factor * e);
        }
        let pivot = lower[i * p + i];
        row.par_iter_mut().for_each(|r| *r /= pivot);
    }
    let mut solved = Vec::with_capacity(p * n);
    for row in rows {
        solved.extend(row.into_iter().map(|v| v as f32));
    }
    Ok(solved)
}

/// W = XᵀY on `backend`, `solved` being Y (P x N).
pub fn projection_weights(
    patterns: &PatternSet,
    solved: &[f32],
    backend: &Backend,
) -> Result<Vec<f32>> {
    match backend {
        Backend::Cpu => projection_cpu(patterns, solved),
        Backend::Gpu(ctx) => projection_gpu(ctx, patterns, solved),
    }
}

/// CPU twin of `project` in shaders/pseudo_inverse.wgsl.
pub fn projection_cpu(patterns: &PatternSet, solved: &[f32]) -> Result<Vec<f32>> {
    let n = patterns.neurons();
    let mut weights: Vec<f32> = allocate_weights(n)?;
    weights.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        for (mu, pattern) in patterns.iter().enumerate() {
            let x = f32::from(pattern[i]);
            for (w, &y) in row.iter_mut().zip(&solved[mu * n..(mu + 1) * n]) {
                *w += x * y;
            }
        }
    });
    Ok(weights)
}

/// The layout of `Params` in shaders/pseudo_inverse.wgsl (checked by a unit test).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ProjectionParams {
    neurons: u32,
    patterns: u32,
    tiles_per_side: u32,
    row_start: u32,
    block_rows: u32,
    _padding: [u32; 3],
}

crate::gpu::kernel_family! {
    /// The projection W = Xᵀ(XXᵀ)⁻¹X from the solved system.
    struct ProjectionKernels(shaders::PSEUDO_INVERSE) {
        project: "project" ["params", "patterns", "solved", "weights"],
    }
}

fn projection_gpu(
    ctx: &Arc<GpuContext>,
    patterns: &PatternSet,
    solved: &[f32],
) -> Result<Vec<f32>> {
    let n = patterns.neurons();
    let kernels = ctx.kernels::<ProjectionKernels>()?;
    let mut host: Vec<f32> = allocate_weights(n)?;
    let states: Vec<i32> = patterns.states().iter().map(|&v| i32::from(v)).collect();
    // 64x64 tiles of W.
    let tiles_per_side = (n as u32).div_ceil(64);
    let pattern_buffer = ctx.storage_from("patterns", &states)?;
    let solved_buffer = ctx.storage_from("solved", solved)?;
    // W in blocks of whole rows, each within one storage binding.
    let weights = ctx.row_blocks_zeroed("the weight matrix", n, n)?;
    let mut plan = Vec::new();
    {
        for ((row_start, block_rows), block) in weights.ranges(n).zip(&weights.blocks) {
            let uniform = ctx.uniform(
                "projection params",
                &ProjectionParams {
                    neurons: n as u32,
                    patterns: patterns.len() as u32,
                    tiles_per_side,
                    row_start: row_start as u32,
                    block_rows: block_rows as u32,
                    _padding: [0; 3],
                },
            );
            let group = kernels
                .project
                .bind(ctx, &[&uniform, &pattern_buffer, &solved_buffer, block]);
            let workgroups = ctx.spread_groups((block_rows as u32).div_ceil(64) * tiles_per_side);
            plan.push(Dispatch::new(&kernels.project, group, workgroups));
        }
    }
    ctx.submit(&plan);
    ctx.read_row_blocks(&weights, n, &mut host)?;
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_have_the_layout_of_their_wgsl_structs() {
        use crate::gpu::shaders;
        crate::assert_wgsl_layout!(
            shaders::PSEUDO_INVERSE,
            "Params",
            ProjectionParams {
                neurons,
                patterns,
                tiles_per_side,
                row_start,
                block_rows,
                _padding
            }
        );
    }

    #[test]
    fn hand_checked_projection() {
        // ξ¹ = [1,1,1], ξ² = [1,1,-1]: C = [[3,1],[1,3]], Y = C⁻¹X = [[2,2,4],[2,2,-4]]/8 and
        // W = XᵀY = [[.5,.5,0],[.5,.5,0],[0,0,1]], the projection onto span{[1,1,0],[0,0,1]}.
        let patterns =
            PatternSet::new(3, vec![1, 1, 1, 1, 1, -1], vec!["a".into(), "b".into()]).unwrap();
        let w = pseudo_inverse_weights(&patterns, &Backend::Cpu).unwrap();
        let expected = [0.5, 0.5, 0.0, 0.5, 0.5, 0.0, 0.0, 0.0, 1.0];
        for (got, want) in w.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{w:?}");
        }
    }

    #[test]
    fn dependent_patterns_are_an_error() {
        let patterns = PatternSet::new(
            3,
            vec![1, -1, 1, -1, 1, -1],
            vec!["a".into(), "minus a".into()],
        )
        .unwrap();
        let err = pseudo_inverse_weights(&patterns, &Backend::Cpu).unwrap_err();
        assert!(
            err.to_string().contains("linearly dependent (minus a"),
            "{err}"
        );
    }
}
