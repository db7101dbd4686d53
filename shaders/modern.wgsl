// Modern Hopfield retrieval, ξ ← Xᵀ softmax(β X ξ), for a batch of states (CPU twin
// src/modern/cpu.rs; host side src/modern/gpu.rs):
//   scores    S[r, offset + i] (+)= Σ_k Q[r, k] X[i, k] over k in [inner_start, inner_end), for
//             one block of stored patterns (a set larger than one binding comes in blocks);
//   softmax   S[r, ·] ← softmax(β S[r, ·]) in place, stably, and lse[r] = log Σ exp(β S[r, ·]);
//   combine   out[r, k] (+)= Σ_i W[r, offset + i] X[i, k] over i in [inner_start, inner_end) of
//             one block.
// The products are tiled 16 x 16 through workgroup memory; each dispatch covers at most
// MAX_INNER of the inner dimension, so that no invocation loops past llvmpipe's 65 535
// iterations (the host accumulates several dispatches).

const TILE: u32 = 16u;
const LANES: u32 = 64u;

struct Params {
    rows: u32,
    // Patterns in this block, and the block's first pattern in the whole set.
    block_patterns: u32,
    pattern_offset: u32,
    // All the patterns: the row length of the scores and weights.
    patterns: u32,
    dim: u32,
    inner_start: u32,
    inner_end: u32,
    // 1: add to what the output holds; 0: overwrite it.
    accumulate: u32,
    beta: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// rows x dim.
@group(0) @binding(1) var<storage, read> queries: array<f32>;
// block_patterns x dim.
@group(0) @binding(2) var<storage, read> stored: array<f32>;
// rows x patterns: the scores, then the weights.
@group(0) @binding(3) var<storage, read_write> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
// rows x dim.
@group(0) @binding(5) var<storage, read_write> states: array<f32>;

var<workgroup> left: array<array<f32, 16>, 16>;
var<workgroup> right: array<array<f32, 16>, 16>;
var<workgroup> partial: array<f32, 64>;

// One workgroup per 16 x 16 tile of (rows, block patterns).
@compute @workgroup_size(16, 16)
fn scores(thread: Invocation) {
    let r = thread.group.y * TILE + thread.local.y;
    let i = thread.group.x * TILE + thread.local.x;
    var sum = 0.0f;
    for (var k0 = params.inner_start; k0 < params.inner_end; k0 += TILE) {
        // left[y][x] = Q[row y of the tile, k0 + x]; right[y][x] = X[pattern x of the tile, k0 + y].
        let k = k0 + thread.local.x;
        let row = thread.group.y * TILE + thread.local.y;
        left[thread.local.y][thread.local.x] = select(0.0, queries[row * params.dim + k], row < params.rows && k < params.inner_end);
        let pattern = thread.group.x * TILE + thread.local.x;
        let kk = k0 + thread.local.y;
        right[thread.local.y][thread.local.x] = select(0.0, stored[pattern * params.dim + kk], pattern < params.block_patterns && kk < params.inner_end);
        workgroupBarrier();
        for (var t = 0u; t < TILE; t++) {
            sum += left[thread.local.y][t] * right[t][thread.local.x];
        }
        workgroupBarrier();
    }
    if r < params.rows && i < params.block_patterns {
        let at = r * params.patterns + params.pattern_offset + i;
        weights[at] = select(sum, weights[at] + sum, params.accumulate == 1u);
    }
}

fn lane_reduce(lane: u32, value: f32, take_max: bool) -> f32 {
    partial[lane] = value;
    workgroupBarrier();
    for (var stride = LANES / 2u; stride > 0u; stride /= 2u) {
        if lane < stride {
            let other = partial[lane + stride];
            partial[lane] = select(partial[lane] + other, max(partial[lane], other), take_max);
        }
        workgroupBarrier();
    }
    let total = partial[0];
    workgroupBarrier();
    return total;
}

// One workgroup per row.
@compute @workgroup_size(64)
fn softmax(thread: Invocation) {
    let r = thread.group.y * thread.groups.x + thread.group.x;
    if r >= params.rows { return; }
    let base = r * params.patterns;
    var top = -3.4028235e38f;
    for (var i = thread.lane; i < params.patterns; i += LANES) {
        top = max(top, params.beta * weights[base + i]);
    }
    top = lane_reduce(thread.lane, top, true);
    var sum = 0.0f;
    for (var i = thread.lane; i < params.patterns; i += LANES) {
        let e = exp(params.beta * weights[base + i] - top);
        weights[base + i] = e;
        sum += e;
    }
    sum = lane_reduce(thread.lane, sum, false);
    let inverse = 1.0 / sum;
    for (var i = thread.lane; i < params.patterns; i += LANES) {
        weights[base + i] *= inverse;
    }
    if thread.lane == 0u {
        lse[r] = top + log(sum);
    }
}

// One workgroup per 16 x 16 tile of (rows, dimensions).
@compute @workgroup_size(16, 16)
fn combine(thread: Invocation) {
    let r = thread.group.y * TILE + thread.local.y;
    let k = thread.group.x * TILE + thread.local.x;
    var sum = 0.0f;
    for (var i0 = params.inner_start; i0 < params.inner_end; i0 += TILE) {
        // left[y][x] = W[row y, pattern i0 + x]; right[y][x] = X[pattern i0 + y, dimension x].
        let i = i0 + thread.local.x;
        let row = thread.group.y * TILE + thread.local.y;
        left[thread.local.y][thread.local.x] = select(0.0, weights[row * params.patterns + params.pattern_offset + i], row < params.rows && i < params.inner_end);
        let ii = i0 + thread.local.y;
        let column = thread.group.x * TILE + thread.local.x;
        right[thread.local.y][thread.local.x] = select(0.0, stored[ii * params.dim + column], ii < params.inner_end && column < params.dim);
        workgroupBarrier();
        for (var t = 0u; t < TILE; t++) {
            sum += left[thread.local.y][t] * right[t][thread.local.x];
        }
        workgroupBarrier();
    }
    if r < params.rows && k < params.dim {
        let at = r * params.dim + k;
        states[at] = select(sum, states[at] + sum, params.accumulate == 1u);
    }
}
