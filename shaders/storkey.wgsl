// Storkey's 1997 learning rule, one pattern ξ at a time (the rule is incremental):
//   w_ij += (ξ_i ξ_j - ξ_i h_ji - h_ij ξ_j) / N,   h_ij = Σ_{k≠i,j} w_ik ξ_k,
// with the diagonal held at zero. Since w is symmetric and w_ii = 0, h_ij = h_i - w_ij ξ_j with
// h_i = Σ_k w_ik ξ_k, and the update becomes (ξ_i ξ_j - ξ_i h_j - h_i ξ_j + 2 w_ij) / N, which
// needs only the fields h of the current weights. Per pattern: `field` computes h, `update`
// applies the rule. W may span several bindings of whole rows: each dispatch covers the rows
// [row_start, row_start + block_rows) held in one. CPU twin: storkey_cpu in src/hopfield/learn/storkey.rs (f32 within a tolerance).

// Keep in sync with StorkeyParams in src/hopfield/learn/storkey.rs.
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

// One thread per neuron: h_i = Σ_k w_ik ξ_k.
@compute @workgroup_size(64)
fn field(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let row = id.y * groups.x * 64u + id.x;
    let n = params.neurons;
    if row >= params.block_rows {
        return;
    }
    var h = 0.0;
    for (var k = 0u; k < n; k++) {
        h += weights[row * n + k] * xi(k);
    }
    fields[params.row_start + row] = h;
}

// One thread per weight, 16x16 tiles numbered linearly.
@compute @workgroup_size(16, 16)
fn update(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
) {
    let tile = group.y * groups.x + group.x;
    let n = params.neurons;
    let row_tiles = (params.block_rows + 15u) / 16u;
    let row = (tile / params.tiles_per_side) * 16u + local.y;
    let i = params.row_start + row;
    let j = (tile % params.tiles_per_side) * 16u + local.x;
    if tile >= row_tiles * params.tiles_per_side || row >= params.block_rows || j >= n || i == j {
        return;
    }
    let w = weights[row * n + j];
    let x_i = xi(i);
    let x_j = xi(j);
    weights[row * n + j] = w + (x_i * x_j - x_i * fields[j] - fields[i] * x_j + 2.0 * w) / f32(n);
}
