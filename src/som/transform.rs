//! Every sample's distance to every node: a map as a transformer (scikit-learn's `transform`),
//! where the winner search keeps only the nearest two.

use rayon::prelude::*;

use super::bmu::distance;
use super::codebook::Codebook;
use super::data::Samples;
use super::params::Metric;
use crate::error::Result;
use crate::limits::check_host_memory;
use crate::progress::Progress;

/// Samples per task: a few milliseconds of work on maps of a few hundred nodes.
const PART: usize = 256;

/// The distance from each of `samples` to each node of `codebook` under `metric`, samples ×
/// nodes in sample order: euclidean as the distance itself (the search ranks by its square),
/// the others as the winner search computes them. Stops with [`crate::Error::Interrupted`] when
/// `progress` asks, which hears the samples done.
pub fn node_distances(
    codebook: &Codebook,
    metric: Metric,
    samples: &Samples,
    progress: &dyn Progress,
) -> Result<Vec<f32>> {
    codebook.check_samples(samples)?;
    let nodes = codebook.grid.nodes();
    let values = samples.len().checked_mul(nodes);
    check_host_memory(
        "the distances from every sample to every node",
        values.and_then(|v| v.checked_mul(4)).map(|b| b as u64),
    )?;
    let mut out = vec![0.0f32; samples.len() * nodes];
    out.par_chunks_mut(PART * nodes)
        .enumerate()
        .try_for_each(|(part, rows)| {
            progress.check()?;
            let mut x = vec![0.0f32; codebook.dim];
            for (k, row) in rows.chunks_exact_mut(nodes).enumerate() {
                samples.fill(part * PART + k, &mut x);
                for (node, d) in row.iter_mut().enumerate() {
                    let ranked = distance(metric, &x, codebook.node(node));
                    *d = if metric == Metric::Euclidean {
                        ranked.sqrt()
                    } else {
                        ranked
                    };
                }
            }
            progress.advance((rows.len() / nodes.max(1)) as u64);
            Ok(())
        })?;
    Ok(out)
}
