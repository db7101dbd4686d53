// Kohonen's batch update: each node becomes the neighbourhood-weighted mean of the samples,
// w_k = Σ_j h(k, j) S_j / Σ_j h(k, j) n_j, where S_j and n_j are the sum and the count of the
// samples whose winner is node j. CPU twins: smooth_separable and smooth_windowed in
// src/som/batch.rs.
//
// The gaussian is separable (h = g(dx)·g(dy), dx from the columns and row parities, dy from the
// rows): `smooth_rows` smooths the sums and counts along the rows, for targets in rows of each
// parity, then `smooth_columns` combines the rows. Other neighbourhoods: `accumulate` adds every
// source node within reach to each target's running numerator and denominator. Each kernel adds
// the sources source_start..source_end (columns, rows or nodes) per dispatch, keeping every
// invocation's loop count bounded (llvmpipe ends an invocation's loops after 65 535 iterations).
// `finish` divides; a node that no sample reaches through the neighbourhood keeps its weights.

// The layout of SmoothParams in src/som/gpu/batch.rs (checked by a unit test).
struct Params {
    grid: GridShape,
    dim: u32,
    nodes: u32,
    neighbourhood: u32,
    source_start: u32,
    source_end: u32,
    // 1 for the first source range: the running sums start from zero.
    first_range: u32,
    sigma: f32,
    // The squared axis offset beyond which weights are 0 (Neighbourhood::reach_sq).
    reach_sq: f32,
    // 2 on a hexagonal grid of several rows (odd rows are shifted), else 1.
    parities: u32,
    // Scalars, not a vec3, which would be aligned to 16 bytes.
    _padding_0: u32,
    _padding_1: u32,
    _padding_2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> sums: array<f32>;
@group(0) @binding(2) var<storage, read> counts: array<f32>;
// Per target node: dim numerators, then the denominator.
@group(0) @binding(3) var<storage, read_write> running: array<f32>;
@group(0) @binding(4) var<storage, read_write> codebook: array<f32>;
// The sums and counts smoothed along the rows: per target parity, row and column, dim values
// then the count.
@group(0) @binding(5) var<storage, read_write> along_rows: array<f32>;

fn target_node(group: vec3<u32>, groups: vec3<u32>, local: u32) -> u32 {
    return (group.y * groups.x + group.x) * 64u + local;
}

@compute @workgroup_size(64)
fn accumulate(thread: Invocation) {
    let k = target_node(thread.group, thread.groups, thread.lane);
    if k >= params.nodes { return; }
    let stride = params.dim + 1u;
    if params.first_range != 0u {
        for (var d = 0u; d < stride; d++) {
            running[k * stride + d] = 0.0;
        }
    }
    for (var j = params.source_start; j < params.source_end; j++) {
        let count = counts[j];
        if count == 0.0 {
            continue;
        }
        let h = neighbourhood(params.neighbourhood, grid_offset(k, j, params.grid), params.sigma, params.reach_sq);
        if h == 0.0 {
            continue;
        }
        for (var d = 0u; d < params.dim; d++) {
            running[k * stride + d] = running[k * stride + d] + h * sums[j * params.dim + d];
        }
        running[k * stride + params.dim] = running[k * stride + params.dim] + h * count;
    }
}

@compute @workgroup_size(64)
fn finish(thread: Invocation) {
    let k = target_node(thread.group, thread.groups, thread.lane);
    if k >= params.nodes { return; }
    let stride = params.dim + 1u;
    let denominator = running[k * stride + params.dim];
    if denominator > 0.0 {
        for (var d = 0u; d < params.dim; d++) {
            codebook[k * params.dim + d] = running[k * stride + d] / denominator;
        }
    }
}

// The gaussian factor of an axis offset, 0 beyond the reach; the winner alone when σ² is 0.
// CPU twin: axis_factor in src/som/batch.rs.
fn axis_factor(d: f32) -> f32 {
    let s2 = params.sigma * params.sigma;
    if s2 <= 0.0 {
        return select(0.0, 1.0, d == 0.0);
    }
    if d * d > params.reach_sq {
        return 0.0;
    }
    return exp(-(d * d) / (2.0 * s2));
}

// One invocation per target parity, row and column: along_rows(p, r, c) = Σ_c' g(dx)·(S, n)(r, c'),
// dx between column c of a row of parity p and column c' of row r.
@compute @workgroup_size(64)
fn smooth_rows(thread: Invocation) {
    let item = target_node(thread.group, thread.groups, thread.lane);
    if item >= params.parities * params.nodes { return; }
    let width = params.grid.width;
    let parity = item / params.nodes;
    let node = item % params.nodes;
    let row = node / width;
    let column = node % width;
    let stride = params.dim + 1u;
    let out = item * stride;
    if params.first_range != 0u {
        for (var e = 0u; e < stride; e++) {
            along_rows[out + e] = 0.0;
        }
    }
    for (var source = params.source_start; source < params.source_end; source++) {
        let g = axis_factor(grid_offset(parity * width + column, row * width + source, params.grid).x);
        let j = row * width + source;
        let count = counts[j];
        if g == 0.0 || count == 0.0 {
            continue;
        }
        for (var e = 0u; e < params.dim; e++) {
            along_rows[out + e] = along_rows[out + e] + g * sums[j * params.dim + e];
        }
        along_rows[out + params.dim] = along_rows[out + params.dim] + g * count;
    }
}

// One invocation per target node: running(r, c) = Σ_r' g(dy)·along_rows(parity of r, r', c).
@compute @workgroup_size(64)
fn smooth_columns(thread: Invocation) {
    let k = target_node(thread.group, thread.groups, thread.lane);
    if k >= params.nodes { return; }
    let width = params.grid.width;
    let row = k / width;
    let column = k % width;
    let parity = row % params.parities;
    let stride = params.dim + 1u;
    if params.first_range != 0u {
        for (var e = 0u; e < stride; e++) {
            running[k * stride + e] = 0.0;
        }
    }
    for (var source = params.source_start; source < params.source_end; source++) {
        let g = axis_factor(grid_offset(row * width, source * width, params.grid).y);
        if g == 0.0 {
            continue;
        }
        let smoothed_from = ((parity * params.nodes) + source * width + column) * stride;
        for (var e = 0u; e < stride; e++) {
            running[k * stride + e] = running[k * stride + e] + g * along_rows[smoothed_from + e];
        }
    }
}
