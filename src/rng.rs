//! A counter-based random generator: every number is a pure function of (key, round, index),
//! so the CPU and the GPU draw identical numbers without sharing state, and any slice of a large
//! run (one probe, one sweep) can be recomputed alone.
//!
//! The generator is Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy
//! as 1, 2, 3", SC 2011; the Random123 library, and the generator behind cuRAND's, JAX's and
//! numpy's `Philox`). It passes BigCrush with every counter layout, unlike a single round of a
//! hash such as pcg4d, whose words at nearby counters were correlated (issue 10). The tests check
//! Random123's known-answer vectors here and, through a GPU kernel, in `shaders/rng.wgsl`.
//!
//! A stream is 128 bits: the Philox key (two words) and the top two words of the counter. Its
//! `index`-th number in `round` is word `index % 4` of the block at counter
//! `[index / 4, round, stream[2], stream[3]]`, so a run of draws costs one block per four numbers.

/// Philox's multipliers and Weyl key increments (Random123's `PHILOX_M4x32_*`, `PHILOX_W32_*`).
const PHILOX_M0: u32 = 0xD251_1F53;
const PHILOX_M1: u32 = 0xCD9E_8D57;
const PHILOX_W0: u32 = 0x9E37_79B9;
const PHILOX_W1: u32 = 0xBB67_AE85;

/// One Philox4x32 round.
#[inline(always)]
fn philox_round(c: [u32; 4], k: [u32; 2]) -> [u32; 4] {
    let p0 = u64::from(PHILOX_M0) * u64::from(c[0]);
    let p1 = u64::from(PHILOX_M1) * u64::from(c[2]);
    [
        (p1 >> 32) as u32 ^ c[1] ^ k[0],
        p1 as u32,
        (p0 >> 32) as u32 ^ c[3] ^ k[1],
        p0 as u32,
    ]
}

/// Philox4x32-10: the block of four words at `counter` under `key`.
#[inline(always)]
pub fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    c = philox_round(c, k);
    for _ in 1..10 {
        k = [k[0].wrapping_add(PHILOX_W0), k[1].wrapping_add(PHILOX_W1)];
        c = philox_round(c, k);
    }
    c
}

/// Random123's known-answer vectors for Philox4x32-10 (`kat_vectors`): counter, key,
/// output. Tested against [`philox4x32_10`] and against the WGSL twin on a GPU.
pub const PHILOX4X32_10_KNOWN_ANSWERS: [([u32; 4], [u32; 2], [u32; 4]); 3] = [
    (
        [0; 4],
        [0; 2],
        [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8],
    ),
    (
        [u32::MAX; 4],
        [u32::MAX; 2],
        [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd],
    ),
    (
        [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
        [0xa409_3822, 0x299f_31d0],
        [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1],
    ),
];

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
    /// How a modern Hopfield query is corrupted (masked entries, Gaussian noise).
    Corruption = 0x636f_7272,
    /// MiniSom's random choices (`hopsom.minisom`): initial weights, sample orders, samples
    /// copied into the weights.
    MiniSom = 0x6d69_6e69,
}

/// One independent stream of random numbers, named by a seed and a path of counters
/// (for example the domain, the probe's pattern, noise level and trial): the Philox key in words
/// 0–1, the stream's counter words in 2–3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamKey(pub [u32; 4]);

impl StreamKey {
    /// The stream for `seed` in `domain`, further identified by `path`.
    ///
    /// The 128 bits are derived by Philox keyed with the seed, one block per part of the path:
    /// each step is a bijection of the running value, so for one seed two different
    /// (domain, path) pairs of the same length always get different streams, and the length
    /// itself enters the first block. Nothing is left to the luck of a 64-bit hash, which a
    /// sweep of 10⁹ trials would have a few per cent chance of colliding.
    pub fn new(seed: u64, domain: Domain, path: &[u32]) -> Self {
        let key = [seed as u32, (seed >> 32) as u32];
        let mut words = philox4x32_10([domain as u32, path.len() as u32, 0, 0], key);
        for (position, &part) in path.iter().enumerate() {
            words = philox4x32_10(
                [
                    words[0] ^ part,
                    words[1],
                    words[2],
                    words[3] ^ (position as u32 + 1),
                ],
                key,
            );
        }
        StreamKey(words)
    }

    /// The block of four numbers holding draw `4·block .. 4·block + 3` of `round`.
    #[inline(always)]
    pub fn block(&self, round: u32, block: u32) -> [u32; 4] {
        let k = self.0;
        philox4x32_10([block, round, k[2], k[3]], [k[0], k[1]])
    }

    /// Blocks `first .. first + 8` of `round`, word-major: `words[w][b]` is word `w` of block
    /// `first + b`. The same arithmetic as [`philox4x32_10`], laid out lane by lane so that
    /// it vectorises (eight blocks in a few AVX2 instructions a round): the shuffles of
    /// asynchronous recall draw a few hundred numbers a sweep, and a block at a time they cost
    /// a fifth of a recall.
    #[inline(always)]
    pub fn blocks8(&self, round: u32, first: u32) -> [[u32; 8]; 4] {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU was just checked to have AVX2.
            return unsafe { philox8_avx2::blocks8(self.0, round, first) };
        }
        blocks8_portable(self.0, round, first)
    }

    /// The `index`-th 32-bit number of `round` (a sweep, a pass) of this stream.
    #[inline(always)]
    pub fn draw(&self, round: u32, index: u32) -> u32 {
        self.block(round, index >> 2)[(index & 3) as usize]
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
    /// Draws `0..out.len()` of `round`, eight blocks at a time: what a loop of
    /// [`StreamKey::draw`] gives, for a quarter of the work and in vector registers.
    pub fn fill_draws(key: &StreamKey, round: u32, out: &mut [u32]) {
        for_each_draw(key, round, out, |_, draw| draw);
    }
}

crate::cpu::wide_vectors! {
    /// The Fisher–Yates swap target of every position i: `below(round, i, i + 1)`.
    fn swap_targets(key: &StreamKey, round: u32, out: &mut [u32]) {
        for_each_draw(key, round, out, |i, draw| ((u64::from(draw) * (i as u64 + 1)) >> 32) as u32);
    }
}

crate::cpu::wide_vectors! {
    /// The partial Fisher–Yates swap target of every position i < out.len() among n:
    /// i + `below(round, i, n - i)`.
    fn partial_swap_targets(key: &StreamKey, round: u32, n: u32, out: &mut [u32]) {
        for_each_draw(key, round, out, |i, draw| {
            let i = i as u32;
            i + ((u64::from(draw) * u64::from(n - i)) >> 32) as u32
        });
    }
}

/// [`StreamKey::blocks8`] in plain Rust: the reference for the AVX2 version, and the path on
/// other CPUs.
#[inline(always)]
fn blocks8_portable(k: [u32; 4], round: u32, first: u32) -> [[u32; 8]; 4] {
    let blocks: [[u32; 4]; 8] = std::array::from_fn(|b| {
        philox4x32_10(
            [first.wrapping_add(b as u32), round, k[2], k[3]],
            [k[0], k[1]],
        )
    });
    std::array::from_fn(|w| std::array::from_fn(|b| blocks[b][w]))
}

/// Eight Philox blocks in the eight 32-bit lanes of AVX2 registers. A round needs the high and
/// low halves of two 32x32-bit products per lane: the low halves come from one `vpmulld`, the
/// high halves from two `vpmuludq` (even and odd lanes) blended together, about twenty
/// instructions a round for eight blocks, where compiled Rust needs fifty a block.
#[cfg(target_arch = "x86_64")]
mod philox8_avx2 {
    use std::arch::x86_64::*;

    use super::{PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1};

    /// (high, low) halves of `a * m` in every lane; `m` holds the same value in every lane.
    #[inline(always)]
    unsafe fn mul_hi_lo(a: __m256i, m: __m256i) -> (__m256i, __m256i) {
        let low = _mm256_mullo_epi32(a, m);
        // Products of the even lanes; their high halves sit in the odd lanes: shift them down.
        let even = _mm256_srli_epi64(_mm256_mul_epu32(a, m), 32);
        // Products of the odd lanes; their high halves already sit in the odd lanes.
        let odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
        (_mm256_blend_epi32(even, odd, 0b1010_1010), low)
    }

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn blocks8(k: [u32; 4], round: u32, first: u32) -> [[u32; 8]; 4] {
        let splat = |v: u32| _mm256_set1_epi32(v as i32);
        let mut c0 = _mm256_add_epi32(splat(first), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        let mut c1 = splat(round);
        let mut c2 = splat(k[2]);
        let mut c3 = splat(k[3]);
        let (m0, m1) = (splat(PHILOX_M0), splat(PHILOX_M1));
        let mut key = [k[0], k[1]];
        for r in 0..10 {
            if r > 0 {
                key = [
                    key[0].wrapping_add(PHILOX_W0),
                    key[1].wrapping_add(PHILOX_W1),
                ];
            }
            let (hi0, lo0) = mul_hi_lo(c0, m0);
            let (hi1, lo1) = mul_hi_lo(c2, m1);
            let n0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), splat(key[0]));
            let n2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), splat(key[1]));
            (c0, c1, c2, c3) = (n0, lo1, n2, lo0);
        }
        let mut words = [[0u32; 8]; 4];
        for (out, lanes) in words.iter_mut().zip([c0, c1, c2, c3]) {
            _mm256_storeu_si256(out.as_mut_ptr().cast(), lanes);
        }
        words
    }
}

/// `out[i] = value(i, draw(round, i))` for every position, eight blocks (32 draws) at a time
/// through [`StreamKey::blocks8`]; the last group's unused draws are dropped.
#[inline(always)]
fn for_each_draw(key: &StreamKey, round: u32, out: &mut [u32], value: impl Fn(usize, u32) -> u32) {
    for (c, chunk) in out.chunks_mut(32).enumerate() {
        let words = key.blocks8(round, (8 * c) as u32);
        for (j, target) in chunk.iter_mut().enumerate() {
            *target = value(32 * c + j, words[j % 4][j / 4]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn philox_matches_random123_known_answers() {
        for (counter, key, expected) in PHILOX4X32_10_KNOWN_ANSWERS {
            assert_eq!(
                philox4x32_10(counter, key),
                expected,
                "counter {counter:x?}"
            );
        }
    }

    #[test]
    fn draws_are_the_words_of_consecutive_blocks() {
        let key = StreamKey::new(3, Domain::Noise, &[9]);
        for index in 0..16 {
            let block = philox4x32_10([index / 4, 5, key.0[2], key.0[3]], [key.0[0], key.0[1]]);
            assert_eq!(key.draw(5, index), block[(index % 4) as usize]);
        }
    }

    #[test]
    fn eight_blocks_at_once_are_the_blocks() {
        let key = StreamKey::new(4, Domain::SomOrder, &[1, 2]);
        let words = key.blocks8(7, u32::MAX - 3);
        assert_eq!(words, blocks8_portable(key.0, 7, u32::MAX - 3));
        for b in 0..8u32 {
            let block = key.block(7, (u32::MAX - 3).wrapping_add(b));
            assert_eq!(block, words.map(|word| word[b as usize]));
        }
        // The AVX2 lanes against Random123's vectors, through the portable reference.
        for (counter, k, expected) in PHILOX4X32_10_KNOWN_ANSWERS {
            let key = StreamKey([k[0], k[1], counter[2], counter[3]]);
            let words = key.blocks8(counter[1], counter[0]);
            assert_eq!(
                [words[0][0], words[1][0], words[2][0], words[3][0]],
                expected
            );
        }
    }

    #[test]
    fn filled_draws_are_the_draws() {
        let key = StreamKey::new(6, Domain::UpdateOrder, &[4]);
        let mut out = vec![0; 77];
        fill_draws(&key, 9, &mut out);
        for (i, &d) in out.iter().enumerate() {
            assert_eq!(d, key.draw(9, i as u32));
        }
    }

    #[test]
    fn swap_targets_are_the_draws_bounded() {
        let key = StreamKey::new(11, Domain::UpdateOrder, &[2]);
        let mut targets = vec![0; 71];
        swap_targets(&key, 4, &mut targets);
        for (i, &target) in targets.iter().enumerate() {
            assert_eq!(target, key.below(4, i as u32, i as u32 + 1));
        }
        let mut partial = vec![0; 45];
        partial_swap_targets(&key, 4, 300, &mut partial);
        for (i, &target) in partial.iter().enumerate() {
            let i = i as u32;
            assert_eq!(target, i + key.below(4, i, 300 - i));
        }
    }

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
