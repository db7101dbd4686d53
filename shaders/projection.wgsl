// The pseudo-inverse (projection) rule's last product, W = X^T Y with Y = (X X^T)^-1 X:
//   w_ij = Σ_μ x_μi y_μj,
// X the patterns (±1, patterns x neurons) and Y real (patterns x neurons). One workgroup computes
// a 16x16 tile of W, streaming 16 patterns at a time through workgroup memory as vec4 dot
// products (no inner loop: llvmpipe ends an invocation's loops after 65 535 iterations). The
// diagonal is written too; the caller keeps or drops it. Each dispatch writes the rows
// [row_start, row_start + block_rows) held in one binding.
// CPU twin: projection_cpu in src/hopfield/learn/pseudo_inverse.rs (f32 within a tolerance).

// Keep in sync with ProjectionParams in src/hopfield/learn/pseudo_inverse.rs.
struct Params {
    neurons: u32,
    patterns: u32,
    tiles_per_side: u32,
    row_start: u32,
    block_rows: u32,
    _padding0: u32,
    _padding1: u32,
    _padding2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> patterns: array<i32>;
@group(0) @binding(2) var<storage, read> solved: array<f32>;
@group(0) @binding(3) var<storage, read_write> weights: array<f32>;

var<workgroup> rows: array<array<vec4<f32>, 4>, 16>;
var<workgroup> columns: array<array<vec4<f32>, 4>, 16>;

@compute @workgroup_size(16, 16)
fn project(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
) {
    let tile = group.y * groups.x + group.x;
    let row_tiles = (params.block_rows + 15u) / 16u;
    if tile >= row_tiles * params.tiles_per_side {
        return;
    }
    let n = params.neurons;
    let row_start = params.row_start + (tile / params.tiles_per_side) * 16u;
    let column_start = (tile % params.tiles_per_side) * 16u;
    var sum = 0.0;
    for (var p0 = 0u; p0 < params.patterns; p0 += 16u) {
        let p = p0 + local.y;
        var x = 0.0;
        var y = 0.0;
        if p < params.patterns && row_start + local.x < n {
            x = f32(patterns[p * n + row_start + local.x]);
        }
        if p < params.patterns && column_start + local.x < n {
            y = solved[p * n + column_start + local.x];
        }
        rows[local.x][local.y / 4u][local.y % 4u] = x;
        columns[local.x][local.y / 4u][local.y % 4u] = y;
        workgroupBarrier();
        sum += dot(rows[local.y][0], columns[local.x][0]) + dot(rows[local.y][1], columns[local.x][1])
            + dot(rows[local.y][2], columns[local.x][2]) + dot(rows[local.y][3], columns[local.x][3]);
        workgroupBarrier();
    }
    let i = row_start + local.y;
    let j = column_start + local.x;
    if i < params.row_start + params.block_rows && i < n && j < n {
        weights[(i - params.row_start) * n + j] = sum;
    }
}
