//! The CPU path's layout of a codebook: dimension-major planes (plane d holds dimension d of
//! every node), so that the loops over nodes (distances, neighbourhood weights, updates) are
//! straight runs over contiguous floats that the compiler vectorises. The arithmetic per node
//! is the GPU kernels', in the same order.

use super::codebook::Codebook;
use super::matching::{Match, FAR, NO_NODE};
use super::params::Metric;

/// A codebook's weights, dimension-major.
#[derive(Debug, Clone)]
pub struct Planes {
    pub dim: usize,
    pub nodes: usize,
    /// `dim * nodes` values: dimension d of node k at `d * nodes + k`.
    pub values: Vec<f32>,
}

impl Planes {
    pub fn from_codebook(codebook: &Codebook) -> Planes {
        let (dim, nodes) = (codebook.dim, codebook.grid.nodes());
        let mut values = vec![0.0; dim * nodes];
        for (k, w) in codebook.weights.chunks_exact(dim).enumerate() {
            for (d, &v) in w.iter().enumerate() {
                values[d * nodes + k] = v;
            }
        }
        Planes { dim, nodes, values }
    }

    /// Writes the weights back, node-major.
    pub fn store(&self, codebook: &mut Codebook) {
        for (k, w) in codebook.weights.chunks_exact_mut(self.dim).enumerate() {
            for (d, v) in w.iter_mut().enumerate() {
                *v = self.values[d * self.nodes + k];
            }
        }
    }

    pub fn plane(&self, d: usize) -> &[f32] {
        &self.values[d * self.nodes..(d + 1) * self.nodes]
    }

    pub fn plane_mut(&mut self, d: usize) -> &mut [f32] {
        &mut self.values[d * self.nodes..(d + 1) * self.nodes]
    }
}

/// Scratch space for [`distances`], one per thread.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    pub distance: Vec<f32>,
    second_term: Vec<f32>,
}

/// The ranking distance from `x` to every node, into `scratch.distance` (the twin of
/// `metric_step` then `metric_finish` in shaders/som_common.wgsl, node by node).
#[inline(always)]
pub fn distances(planes: &Planes, metric: Metric, x: &[f32], scratch: &mut Scratch) {
    let nodes = planes.nodes;
    scratch.distance.clear();
    scratch.distance.resize(nodes, 0.0);
    let acc = &mut scratch.distance;
    match metric {
        Metric::Euclidean => {
            for (d, &xd) in x.iter().enumerate() {
                for (a, &w) in acc.iter_mut().zip(planes.plane(d)) {
                    let t = xd - w;
                    *a += t * t;
                }
            }
        }
        Metric::Manhattan => {
            for (d, &xd) in x.iter().enumerate() {
                for (a, &w) in acc.iter_mut().zip(planes.plane(d)) {
                    *a += (xd - w).abs();
                }
            }
        }
        Metric::Chebyshev => {
            for (d, &xd) in x.iter().enumerate() {
                for (a, &w) in acc.iter_mut().zip(planes.plane(d)) {
                    let t = (xd - w).abs();
                    *a = if t > *a { t } else { *a };
                }
            }
        }
        Metric::Cosine => {
            // acc holds x·w, second_term w·w; x·x is the same for every node.
            let ww = &mut scratch.second_term;
            ww.clear();
            ww.resize(nodes, 0.0);
            let mut xx = 0.0f32;
            for (d, &xd) in x.iter().enumerate() {
                xx += xd * xd;
                for ((a, s), &w) in acc.iter_mut().zip(ww.iter_mut()).zip(planes.plane(d)) {
                    *a += xd * w;
                    *s += w * w;
                }
            }
            for (a, &s) in acc.iter_mut().zip(ww.iter()) {
                *a = if xx == 0.0 || s == 0.0 {
                    1.0
                } else {
                    1.0 - *a / (xx.sqrt() * s.sqrt())
                };
            }
        }
    }
}

/// Lanes of the searches below: each lane keeps its own running best over every `LANES`-th node,
/// which the compiler turns into vector compares and blends; the lanes are merged at the end.
const LANES: usize = 8;

/// (distance, node) ordered by distance, then node: the order in which a scan from node 0 with
/// strict comparisons keeps winners, as the kernels do.
#[inline(always)]
fn before(a: (f32, u32), b: (f32, u32)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// The nearest node, ties to the lowest index (node 0 when every distance overflows).
#[inline(always)]
pub fn nearest(distance: &[f32]) -> usize {
    if distance.len() < 8 * LANES {
        let best = scan_best_two(distance).best;
        return if best == NO_NODE { 0 } else { best as usize };
    }
    let mut value = [FAR; LANES];
    let mut index = [NO_NODE; LANES];
    let chunks = distance.chunks_exact(LANES);
    let tail_start = distance.len() - chunks.remainder().len();
    for (c, chunk) in chunks.enumerate() {
        for lane in 0..LANES {
            let better = chunk[lane] < value[lane];
            value[lane] = if better { chunk[lane] } else { value[lane] };
            index[lane] = if better {
                (c * LANES + lane) as u32
            } else {
                index[lane]
            };
        }
    }
    let mut best = (FAR, NO_NODE);
    for lane in 0..LANES {
        if before((value[lane], index[lane]), best) {
            best = (value[lane], index[lane]);
        }
    }
    for (k, &d) in distance[tail_start..].iter().enumerate() {
        if before((d, (tail_start + k) as u32), best) {
            best = (d, (tail_start + k) as u32);
        }
    }
    if best.1 == NO_NODE {
        0
    } else {
        best.1 as usize
    }
}

/// The nearest and second-nearest node, ties to the lowest index: what a scan from node 0 with
/// strict comparisons finds (see `find_bmus` in shaders/som_bmu.wgsl).
#[inline(always)]
pub fn best_two(distance: &[f32]) -> Match {
    if distance.len() < 8 * LANES {
        // Too few nodes for the lanes to pay for their merge.
        return scan_best_two(distance);
    }
    let mut best = [FAR; LANES];
    let mut best_node = [NO_NODE; LANES];
    let mut second = [FAR; LANES];
    let mut second_node = [NO_NODE; LANES];
    let chunks = distance.chunks_exact(LANES);
    let tail_start = distance.len() - chunks.remainder().len();
    for (c, chunk) in chunks.enumerate() {
        for lane in 0..LANES {
            let (d, node) = (chunk[lane], (c * LANES + lane) as u32);
            let first = d < best[lane];
            let runner_up = !first && d < second[lane];
            second[lane] = if first {
                best[lane]
            } else if runner_up {
                d
            } else {
                second[lane]
            };
            second_node[lane] = if first {
                best_node[lane]
            } else if runner_up {
                node
            } else {
                second_node[lane]
            };
            best[lane] = if first { d } else { best[lane] };
            best_node[lane] = if first { node } else { best_node[lane] };
        }
    }
    // The two nearest overall are among the lanes' two nearest and the tail.
    let mut top = [(FAR, NO_NODE); 2];
    let mut offer = |candidate: (f32, u32)| {
        if before(candidate, top[0]) {
            top = [candidate, top[0]];
        } else if before(candidate, top[1]) {
            top[1] = candidate;
        }
    };
    for lane in 0..LANES {
        offer((best[lane], best_node[lane]));
        offer((second[lane], second_node[lane]));
    }
    for (k, &d) in distance[tail_start..].iter().enumerate() {
        offer((d, (tail_start + k) as u32));
    }
    Match {
        best: top[0].1,
        second: top[1].1,
    }
}

/// The nearest and second-nearest of nodes offered in increasing order, with strict comparisons
/// (ties to the lowest node), nothing at or beyond [`FAR`]: the kernels' scan.
#[derive(Debug, Clone, Copy)]
pub struct RunningBestTwo {
    best: (f32, u32),
    second: (f32, u32),
}

impl Default for RunningBestTwo {
    fn default() -> Self {
        RunningBestTwo {
            best: (FAR, NO_NODE),
            second: (FAR, NO_NODE),
        }
    }
}

impl RunningBestTwo {
    #[inline(always)]
    pub fn offer(&mut self, d: f32, node: u32) {
        if d < self.best.0 {
            self.second = self.best;
            self.best = (d, node);
        } else if d < self.second.0 {
            self.second = (d, node);
        }
    }

    pub fn result(&self) -> Match {
        Match {
            best: self.best.1,
            second: self.second.1,
        }
    }
}

/// [`best_two`] by a plain scan from node 0.
#[inline(always)]
fn scan_best_two(distance: &[f32]) -> Match {
    let mut scan = RunningBestTwo::default();
    for (node, &d) in distance.iter().enumerate() {
        scan.offer(d, node as u32);
    }
    scan.result()
}

/// e^x in f32 without branches or library calls, so that loops of it vectorise: 2^n·e^r with
/// n = round(x·log₂e), r = x − n·ln 2 (Cody–Waite, ln 2 split in two parts) and a degree-7
/// polynomial for e^r, |r| ≤ ½ln 2. Relative error below 3·10⁻⁷, comparable to a GPU's `exp`.
/// Below −87 (where f32 runs out of normal numbers) it returns 0.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5·2²³: adding and subtracting it rounds to an integer
    const LN2_HIGH: f32 = 0.693_145_75; // exact in a few bits, so n·LN2_HIGH is exact
    const LN2_LOW: f32 = 1.428_606_8e-6;
    let clamped = x.clamp(-87.0, 88.0);
    let shifted = clamped * std::f32::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    // The low bits of `shifted` hold n itself: 2ⁿ is built from them with integer operations,
    // which vectorise where a float-to-integer cast does not.
    let n_bits = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    let r = (clamped - n * LN2_HIGH) - n * LN2_LOW;
    // Estrin's scheme: the same polynomial in fewer dependent steps.
    let r2 = r * r;
    let r4 = r2 * r2;
    let low = (1.0 + r) + r2 * (0.5 + r * (1.0 / 6.0));
    let high = (1.0 / 24.0 + r * (1.0 / 120.0)) + r2 * (1.0 / 720.0 + r * (1.0 / 5040.0));
    let p = low + r4 * high;
    let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
    if x < -87.0 {
        0.0
    } else {
        p * scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_accurate() {
        let mut worst = 0.0f64;
        for k in -8700..=8800 {
            let x = k as f32 * 0.01;
            let want = f64::from(x).exp();
            let got = f64::from(exp_f32(x));
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
        assert_eq!(exp_f32(-100.0), 0.0);
        assert_eq!(exp_f32(0.0), 1.0);
    }

    #[test]
    fn nearest_takes_the_lowest_index() {
        assert_eq!(nearest(&[3.0, 1.0, 1.0]), 1);
        assert_eq!(best_two(&[3.0, 1.0, 1.0]), Match { best: 1, second: 2 });
    }

    /// The lane-wise searches against a plain scan from node 0, on lengths around the lane
    /// count and with many ties.
    #[test]
    fn lanes_agree_with_a_plain_scan() {
        let key = crate::rng::StreamKey::new(3, crate::rng::Domain::SomData, &[]);
        for length in [1usize, 2, 7, 8, 9, 16, 17, 40, 2500] {
            for round in 0..20u32 {
                let distance: Vec<f32> = (0..length)
                    .map(|k| key.below(round, (length * 31 + k) as u32, 6) as f32)
                    .collect();
                let plain = scan_best_two(&distance);
                assert_eq!(best_two(&distance), plain, "{distance:?}");
                assert_eq!(nearest(&distance), plain.best as usize);
            }
        }
    }
}
