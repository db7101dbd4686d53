// Storkey's 1997 learning rule, one pattern ξ at a time (the rule is incremental):
//   w_ij += (ξ_i ξ_j - ξ_i h_ji - h_ij ξ_j) / N,   h_ij = Σ_{k≠i,j} w_ik ξ_k,
// with the diagonal held at zero. Since w is symmetric and w_ii = 0, h_ij = h_i - w_ij ξ_j with
// h_i = Σ_k w_ik ξ_k, and the update becomes (ξ_i ξ_j - ξ_i h_j - h_i ξ_j + 2 w_ij) / N, which
// needs only the fields h of the current weights. Per pattern: `field` computes h (a workgroup
// per row, reading it coalesced), `update` applies the rule (64x64 tiles, 4x4 weights per
// invocation, ξ and h of the tile staged in workgroup memory). W may span several bindings of whole rows: each dispatch covers the rows
// [row_start, row_start + block_rows) held in one. CPU twin: storkey_cpu in src/hopfield/learn/storkey.rs (f32 within a tolerance).

// The layout of StorkeyParams in src/hopfield/learn/storkey.rs (checked by a unit test).
struct Params {
    neurons: u32,
    pattern: u32,
    tiles_per_side: u32,
    row_start: u32,
    block_rows: u32,
    _padding0: u32,
    _padding1: u32,
    _padding2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// patterns x neurons, each +1 or -1.
@group(0) @binding(1) var<storage, read> patterns: array<i32>;
// Rows [row_start, row_start + block_rows) of W, row-major.
@group(0) @binding(2) var<storage, read_write> weights: array<f32>;
// The fields h_i of the current pattern.
@group(0) @binding(3) var<storage, read_write> fields: array<f32>;

fn xi(i: u32) -> f32 {
    return f32(patterns[params.pattern * params.neurons + i]);
}

const BLOCK: u32 = 64u;

var<workgroup> partial: array<f32, 64>;

// One workgroup per row: h_i = Σ_k w_ik ξ_k, the 64 invocations reading the row side by side
// (coalesced) and summing their shares in a tree.
@compute @workgroup_size(64)
fn field(thread: Invocation) {
    let row = thread.group.y * thread.groups.x + thread.group.x;
    let n = params.neurons;
    // The whole workgroup leaves together, so the barriers below are uniform.
    if row >= params.block_rows { return; }
    var h = 0.0;
    for (var k = thread.lane; k < n; k += BLOCK) {
        h += weights[row * n + k] * xi(k);
    }
    partial[thread.lane] = h;
    workgroupBarrier();
    for (var stride = BLOCK / 2u; stride > 0u; stride >>= 1u) {
        if thread.lane < stride {
            partial[thread.lane] += partial[thread.lane + stride];
        }
        workgroupBarrier();
    }
    if thread.lane == 0u {
        fields[params.row_start + row] = partial[0];
    }
}

// ξ and h of the tile's 64 rows and 64 columns, staged once per workgroup.
var<workgroup> row_xi: array<vec4<f32>, 16>;
var<workgroup> row_field: array<vec4<f32>, 16>;
var<workgroup> column_xi: array<vec4<f32>, 16>;
var<workgroup> column_field: array<vec4<f32>, 16>;

// One workgroup per 64x64 tile of W (tiles numbered linearly), each invocation a 4x4 block of
// it, as the Hebbian kernel is laid out.
@compute @workgroup_size(16, 16)
fn update(thread: Invocation) {
    let tile = thread.group.y * thread.groups.x + thread.group.x;
    let n = params.neurons;
    let row_tiles = (params.block_rows + BLOCK - 1u) / BLOCK;
    if tile >= row_tiles * params.tiles_per_side { return; }
    // Rows of the block, counted from its first row; columns of W.
    let row_base = (tile / params.tiles_per_side) * BLOCK;
    let column_base = (tile % params.tiles_per_side) * BLOCK;
    if thread.lane < BLOCK {
        let i = params.row_start + row_base + thread.lane;
        let inside = row_base + thread.lane < params.block_rows;
        row_xi[thread.lane / 4u][thread.lane % 4u] = select(0.0, xi(min(i, n - 1u)), inside);
        row_field[thread.lane / 4u][thread.lane % 4u] = select(0.0, fields[min(i, n - 1u)], inside);
    } else if thread.lane < 2u * BLOCK {
        let c = thread.lane - BLOCK;
        let j = column_base + c;
        column_xi[c / 4u][c % 4u] = select(0.0, xi(min(j, n - 1u)), j < n);
        column_field[c / 4u][c % 4u] = select(0.0, fields[min(j, n - 1u)], j < n);
    }
    workgroupBarrier();
    let x_j = column_xi[thread.local.x];
    let h_j = column_field[thread.local.x];
    for (var r = 0u; r < 4u; r++) {
        let row = row_base + 4u * thread.local.y + r;
        if row >= params.block_rows { return; }
        let i = params.row_start + row;
        let x_i = row_xi[thread.local.y][r];
        let h_i = row_field[thread.local.y][r];
        for (var c = 0u; c < 4u; c++) {
            let j = column_base + 4u * thread.local.x + c;
            if j >= n {
                break;
            }
            if i != j {
                let w = weights[row * n + j];
                weights[row * n + j] = w + (x_i * x_j[c] - x_i * h_j[c] - h_i * x_j[c] + 2.0 * w) / f32(n);
            }
        }
    }
}
