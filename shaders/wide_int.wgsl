// Exact integer sums beyond 32 bits, for energies. WGSL has no 64-bit integers, so a value v is
// split as v = (v >> 16) * 65536 + (v & 0xffff) and the two parts are summed separately; the
// host recombines them as hi * 65536 + lo in 64-bit arithmetic (see EnergyTerms in src/hopfield/recall/mod.rs).
// This file holds functions only; the pipelines prepend it to the kernels that use it.

struct Wide {
    hi: i32,
    lo: u32,
}

// v's upper part, sign included (arithmetic shift).
fn wide_hi_part(v: i32) -> i32 {
    return v >> 16u;
}

// v's lower 16 bits.
fn wide_lo_part(v: i32) -> u32 {
    return bitcast<u32>(v) & 0xffffu;
}

// a + v, keeping lo below 65536 so that any number of additions stays exact.
fn wide_add(a: Wide, v: i32) -> Wide {
    let lo = a.lo + wide_lo_part(v);
    return Wide(a.hi + wide_hi_part(v) + i32(lo >> 16u), lo & 0xffffu);
}
