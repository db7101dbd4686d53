// Hebbian learning: W = sum over patterns of the outer product x x^T, with a zero diagonal.
// W is integer-valued (|w| <= patterns), so the GPU and the CPU twin (hebbian_cpu in
// src/hopfield/learn.rs) agree bit for bit.
//
// One workgroup computes one 16x16 tile of W, streaming the patterns through workgroup memory 16
// at a time; the 16 products of a block are four vec4 dot products (no inner loop, which keeps
// every invocation far below llvmpipe's 65 535-iteration loop limit). Each dispatch adds the
// contribution of `pattern_count` patterns from `pattern_start` to the rows [row_start,
// row_start + block_rows) of W held in one binding, so any number of patterns, and a W larger than
// one binding, are learned in several dispatches. Tiles are numbered linearly and spread over x and
// y so that no dimension exceeds the 65 535-workgroup limit.

// Keep in sync with HebbianParams in src/hopfield/learn.rs.
struct Params {
    neurons: u32,
    pattern_start: u32,
    pattern_count: u32,
    tiles_per_side: u32,
    row_start: u32,
    block_rows: u32,
    _padding0: u32,
    _padding1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// patterns x neurons, each +1 or -1.
@group(0) @binding(1) var<storage, read> patterns: array<i32>;
// Rows [row_start, row_start + block_rows) of W, row-major; the dispatch adds to them.
@group(0) @binding(2) var<storage, read_write> weights: array<i32>;

const TILE: u32 = 16u;

// rows[r][q] holds 4 consecutive patterns of the block at neuron (tile row start + r).
var<workgroup> rows: array<array<vec4<i32>, 4>, 16>;
var<workgroup> columns: array<array<vec4<i32>, 4>, 16>;

fn pattern_value(p: u32, neuron: u32) -> i32 {
    if p < params.pattern_start + params.pattern_count && neuron < params.neurons {
        return patterns[p * params.neurons + neuron];
    }
    return 0;
}

@compute @workgroup_size(16, 16)
fn learn(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
) {
    let tile = group.y * groups.x + group.x;
    let row_tiles = (params.block_rows + TILE - 1u) / TILE;
    if tile >= row_tiles * params.tiles_per_side {
        return;
    }
    let row_start = params.row_start + (tile / params.tiles_per_side) * TILE;
    let column_start = (tile % params.tiles_per_side) * TILE;
    let i = row_start + local.y;
    let j = column_start + local.x;

    var sum = 0i;
    let end = params.pattern_start + params.pattern_count;
    for (var p0 = params.pattern_start; p0 < end; p0 += TILE) {
        // Thread (x, y) loads pattern p0 + y at the tile's row x and column x.
        let p = p0 + local.y;
        rows[local.x][local.y / 4u][local.y % 4u] = pattern_value(p, row_start + local.x);
        columns[local.x][local.y / 4u][local.y % 4u] = pattern_value(p, column_start + local.x);
        workgroupBarrier();
        sum += dot(rows[local.y][0], columns[local.x][0]) + dot(rows[local.y][1], columns[local.x][1])
            + dot(rows[local.y][2], columns[local.x][2]) + dot(rows[local.y][3], columns[local.x][3]);
        workgroupBarrier();
    }
    if i < params.row_start + params.block_rows && i < params.neurons && j < params.neurons && i != j {
        weights[(i - params.row_start) * params.neurons + j] += sum;
    }
}
