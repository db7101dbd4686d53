// Counter-based random numbers shared by the kernels: every number is a pure function of
// (key, round, index). Philox4x32-10, the twin of src/rng.rs (`philox4x32_10`, `StreamKey::draw`);
// Random123's known-answer vectors are checked on both (tests/rng.rs).
// This file holds functions only; the pipelines prepend it to the kernels that draw numbers.

const PHILOX_M0: u32 = 0xD2511F53u;
const PHILOX_M1: u32 = 0xCD9E8D57u;
const PHILOX_W: vec2<u32> = vec2<u32>(0x9E3779B9u, 0xBB67AE85u);

fn philox_round(c: vec4<u32>, k: vec2<u32>) -> vec4<u32> {
    return vec4<u32>(
        mul_hi_u32(PHILOX_M1, c.z) ^ c.y ^ k.x,
        PHILOX_M1 * c.z,
        mul_hi_u32(PHILOX_M0, c.x) ^ c.w ^ k.y,
        PHILOX_M0 * c.x,
    );
}

// The ten rounds are written out rather than looped: llvmpipe caps the loop iterations of an
// invocation, and the kernels that draw already loop.
fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = philox_round(counter, key);
    c = philox_round(c, key + 1u * PHILOX_W);
    c = philox_round(c, key + 2u * PHILOX_W);
    c = philox_round(c, key + 3u * PHILOX_W);
    c = philox_round(c, key + 4u * PHILOX_W);
    c = philox_round(c, key + 5u * PHILOX_W);
    c = philox_round(c, key + 6u * PHILOX_W);
    c = philox_round(c, key + 7u * PHILOX_W);
    c = philox_round(c, key + 8u * PHILOX_W);
    return philox_round(c, key + 9u * PHILOX_W);
}

// Draw `index` of `round`: word index % 4 of the block at counter (index / 4, round, key.zw).
fn rng_draw(key: vec4<u32>, round: u32, index: u32) -> u32 {
    let block = philox4x32_10(vec4<u32>(index >> 2u, round, key.z, key.w), key.xy);
    let lane = index & 3u;
    return select(select(block.x, block.y, lane == 1u), select(block.z, block.w, lane == 3u), lane >= 2u);
}

// The high 32 bits of the 64-bit product a * b (WGSL has no 64-bit integers).
fn mul_hi_u32(a: u32, b: u32) -> u32 {
    let a_lo = a & 0xffffu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xffffu;
    let b_hi = b >> 16u;
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let cross = (lo_lo >> 16u) + (hi_lo & 0xffffu) + lo_hi;
    return a_hi * b_hi + (hi_lo >> 16u) + (cross >> 16u);
}

// A number in 0..bound by Lemire's multiply-shift.
fn rng_below(key: vec4<u32>, round: u32, index: u32, bound: u32) -> u32 {
    return mul_hi_u32(rng_draw(key, round, index), bound);
}
