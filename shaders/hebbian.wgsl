// Hebbian learning: W = sum over patterns of the outer product x x^T, with a zero diagonal.
// W is integer-valued (|w| <= patterns), so the GPU and the CPU twin (src/hopfield/learn.rs) agree bit for bit.
// One workgroup computes one 16x16 tile of W; the patterns are streamed through workgroup memory
// 16 at a time. Tiles are numbered linearly and the dispatch is spread over x and y so that no
// dimension exceeds the 65 535-workgroup limit.

// Keep in sync with HebbianParams in src/hopfield/learn.rs.
struct Params {
    neurons: u32,
    patterns: u32,
    tiles_per_side: u32,
    _padding: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// patterns x neurons, each +1 or -1.
@group(0) @binding(1) var<storage, read> patterns: array<i32>;
// neurons x neurons, row-major.
@group(0) @binding(2) var<storage, read_write> weights: array<i32>;

const TILE: u32 = 16u;

// row_block[p][r] = pattern p at neuron (tile row start + r); column_block likewise for columns.
var<workgroup> row_block: array<array<i32, 16>, 16>;
var<workgroup> column_block: array<array<i32, 16>, 16>;

fn pattern_value(p: u32, neuron: u32) -> i32 {
    if p < params.patterns && neuron < params.neurons {
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
    if tile >= params.tiles_per_side * params.tiles_per_side {
        return;
    }
    let row_start = (tile / params.tiles_per_side) * TILE;
    let column_start = (tile % params.tiles_per_side) * TILE;
    let i = row_start + local.y;
    let j = column_start + local.x;

    var sum = 0i;
    for (var p0 = 0u; p0 < params.patterns; p0 += TILE) {
        row_block[local.y][local.x] = pattern_value(p0 + local.y, row_start + local.x);
        column_block[local.y][local.x] = pattern_value(p0 + local.y, column_start + local.x);
        workgroupBarrier();
        for (var k = 0u; k < TILE; k++) {
            sum += row_block[k][local.y] * column_block[k][local.x];
        }
        workgroupBarrier();
    }
    if i < params.neurons && j < params.neurons {
        weights[i * params.neurons + j] = select(sum, 0, i == j);
    }
}
