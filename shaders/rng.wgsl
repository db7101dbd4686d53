// Counter-based random numbers shared by the kernels: every number is a pure function of
// (key, round, index). Keep in sync with src/rng.rs.
// This file holds functions only; the pipelines prepend it to the kernels that draw numbers.

fn pcg4d_mix(v_in: vec4<u32>) -> vec4<u32> {
    var v = v_in;
    v.x += v.y * v.w;
    v.y += v.z * v.x;
    v.z += v.x * v.y;
    v.w += v.y * v.z;
    return v;
}

fn pcg4d(input: vec4<u32>) -> vec4<u32> {
    var v = input * 1664525u + 1013904223u;
    v = pcg4d_mix(v);
    v = v ^ (v >> vec4<u32>(16u));
    return pcg4d_mix(v);
}

fn rng_draw(key: vec4<u32>, round: u32, index: u32) -> u32 {
    return pcg4d(vec4<u32>(key.x, key.y ^ round, key.z, key.w ^ index)).x;
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
