//! A counter-based random generator: every number is a pure function of (key, round, index),
//! so the CPU and the GPU draw identical numbers without sharing state, and any slice of a large
//! run (one probe, one sweep) can be recomputed alone.
//!
//! The mixing function is `pcg4d` (Jarzynski & Olano, "Hash Functions for GPU Rendering", JCGT 2020).
//! Keep in sync with `shaders/rng.wgsl`.

/// Identifies what a stream of random numbers is used for, so different uses never share numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Domain {
    /// Which neurons a noisy probe has flipped.
    Noise = 0x6e6f_6973,
    /// The order in which asynchronous recall visits neurons.
    UpdateOrder = 0x6f72_6472,
    /// Random patterns (capacity studies).
    Patterns = 0x7061_7474,
    /// Random data for a map (seed 003's five colours).
    SomData = 0x736f_6d64,
    /// A map's initial weights.
    SomInit = 0x736f_6d69,
    /// The order in which online training visits the samples.
    SomOrder = 0x736f_6d6f,
}

/// The pcg4d hash: four 32-bit words in, four well-mixed words out.
#[inline(always)]
pub fn pcg4d(input: [u32; 4]) -> [u32; 4] {
    let mut v = input.map(|x| x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223));
    mix(&mut v);
    v = v.map(|x| x ^ (x >> 16));
    mix(&mut v);
    v
}

#[inline(always)]
fn mix(v: &mut [u32; 4]) {
    v[0] = v[0].wrapping_add(v[1].wrapping_mul(v[3]));
    v[1] = v[1].wrapping_add(v[2].wrapping_mul(v[0]));
    v[2] = v[2].wrapping_add(v[0].wrapping_mul(v[1]));
    v[3] = v[3].wrapping_add(v[1].wrapping_mul(v[2]));
}

/// One independent stream of random numbers, named by a seed and a path of counters
/// (for example the domain, the probe's pattern, noise level and trial).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamKey(pub [u32; 4]);

impl StreamKey {
    /// The stream for `seed` in `domain`, further identified by `path`.
    pub fn new(seed: u64, domain: Domain, path: &[u32]) -> Self {
        let mut key = pcg4d([
            seed as u32,
            (seed >> 32) as u32,
            domain as u32,
            path.len() as u32,
        ]);
        for (position, &part) in path.iter().enumerate() {
            key = pcg4d([key[0] ^ part, key[1], key[2] ^ position as u32, key[3]]);
        }
        StreamKey(key)
    }

    /// The `index`-th 32-bit number of `round` (a sweep, a pass) of this stream.
    #[inline(always)]
    pub fn draw(&self, round: u32, index: u32) -> u32 {
        let k = self.0;
        pcg4d([k[0], k[1] ^ round, k[2], k[3] ^ index])[0]
    }

    /// A number in `0..bound`, by Lemire's multiply-shift (no modulo, same on the GPU).
    pub fn below(&self, round: u32, index: u32, bound: u32) -> u32 {
        ((u64::from(self.draw(round, index)) * u64::from(bound)) >> 32) as u32
    }

    /// A uniform float in [0, 1) with 24 random bits (exactly representable in f32).
    pub fn unit_f32(&self, round: u32, index: u32) -> f32 {
        (self.draw(round, index) >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// A random permutation of `0..n` for `round`, by Fisher–Yates from the top.
    /// Keep in sync with `shuffle` in `shaders/recall_async.wgsl`.
    pub fn permutation(&self, round: u32, n: usize, out: &mut Vec<u32>) {
        // The swap targets do not depend on the swaps: compute them all first, in a loop that
        // vectorises (eight hashes at a time with AVX2), then swap. The scratch is kept per
        // thread because recall shuffles once a sweep, a few hundred neurons at a time.
        thread_local! {
            static TARGETS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        TARGETS.with_borrow_mut(|targets| {
            targets.resize(n, 0);
            swap_targets(self, round, targets);
            out.clear();
            out.extend(0..n as u32);
            for i in (1..n).rev() {
                out.swap(i, targets[i] as usize);
            }
        });
    }

    /// `k` distinct indices of `0..n`, by a partial Fisher–Yates shuffle.
    pub fn distinct(&self, round: u32, n: usize, k: usize) -> Vec<u32> {
        let k = k.min(n);
        // As in `permutation`: the targets first, in a loop that vectorises, then the swaps.
        let mut targets = vec![0u32; k];
        partial_swap_targets(self, round, n as u32, &mut targets);
        let mut pool: Vec<u32> = (0..n as u32).collect();
        for (i, &j) in targets.iter().enumerate() {
            pool.swap(i, j as usize);
        }
        pool.truncate(k);
        pool
    }
}

crate::cpu::wide_vectors! {
    /// The Fisher–Yates swap target of every position i: `below(round, i, i + 1)`.
    fn swap_targets(key: &StreamKey, round: u32, out: &mut [u32]) {
        for (i, target) in out.iter_mut().enumerate() {
            *target = ((u64::from(key.draw(round, i as u32)) * (i as u64 + 1)) >> 32) as u32;
        }
    }
}

crate::cpu::wide_vectors! {
    /// The partial Fisher–Yates swap target of every position i < out.len() among n:
    /// i + `below(round, i, n - i)`.
    fn partial_swap_targets(key: &StreamKey, round: u32, n: u32, out: &mut [u32]) {
        for (i, target) in out.iter_mut().enumerate() {
            let i = i as u32;
            let offset = (u64::from(key.draw(round, i)) * u64::from(n - i)) >> 32;
            *target = i + offset as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a = StreamKey::new(7, Domain::Noise, &[1, 2]);
        assert_eq!(a, StreamKey::new(7, Domain::Noise, &[1, 2]));
        assert_ne!(a, StreamKey::new(7, Domain::Noise, &[2, 1]));
        assert_ne!(a, StreamKey::new(8, Domain::Noise, &[1, 2]));
        assert_ne!(a, StreamKey::new(7, Domain::UpdateOrder, &[1, 2]));
        assert_ne!(a.draw(0, 0), a.draw(0, 1));
        assert_ne!(a.draw(0, 0), a.draw(1, 0));
    }

    #[test]
    fn permutation_is_a_permutation() {
        let key = StreamKey::new(1, Domain::UpdateOrder, &[0]);
        let mut perm = Vec::new();
        key.permutation(3, 1000, &mut perm);
        let mut sorted = perm.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<u32>>());
        assert_ne!(
            perm, sorted,
            "a shuffle of 1000 elements left them in order"
        );
    }

    #[test]
    fn draws_are_roughly_uniform() {
        let key = StreamKey::new(42, Domain::Noise, &[]);
        let mut counts = [0usize; 10];
        for i in 0..100_000 {
            counts[key.below(0, i, 10) as usize] += 1;
        }
        // Each bucket expects 10 000 with standard deviation ~95; 6 sigma bounds.
        for c in counts {
            assert!((9_430..=10_570).contains(&c), "bucket count {c}");
        }
    }

    #[test]
    fn distinct_indices_are_distinct() {
        let key = StreamKey::new(5, Domain::Noise, &[3]);
        let mut picked = key.distinct(0, 225, 168);
        assert_eq!(picked.len(), 168);
        picked.sort_unstable();
        picked.dedup();
        assert_eq!(picked.len(), 168);
    }
}
