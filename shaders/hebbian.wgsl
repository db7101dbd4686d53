// Hebbian learning: W = sum over patterns of the outer product x x^T, with a zero diagonal.
// CPU twin: hebbian_cpu in src/hopfield/learn/hebbian.rs. W is integer-valued, so both paths
// agree bit for bit.
//
// Bipolar values multiply like bits: x_i x_j = 1 − 2·(b_i XOR b_j) with b = 1 for −1, so
// W_ij = P − 2·popcount(B_i XOR B_j), where B_i holds neuron i's bits across the patterns, 32 to a
// word. One workgroup computes a 16x16 tile of W, staging 16 words of its rows' and columns' bits
// in workgroup memory at a time: 32 patterns cost one XOR and one popcount instead of 32
// multiply-adds. Each dispatch counts words word_start..word_start + word_count (several
// dispatches keep every invocation below llvmpipe's 65 535 loop iterations for huge P) over the
// rows [row_start, row_start + block_rows) of W held in one binding. Tiles are numbered
// linearly and spread over x and y so that no dimension exceeds the 65 535-workgroup limit.

// Keep in sync with HebbianParams in src/hopfield/learn/hebbian.rs.
struct Params {
    neurons: u32,
    patterns: u32,
    words: u32,
    word_start: u32,
    word_count: u32,
    tiles_per_side: u32,
    row_start: u32,
    block_rows: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// neurons x words: bit p % 32 of word p / 32 of neuron i is 1 where pattern p has −1.
@group(0) @binding(1) var<storage, read> bits: array<u32>;
// Rows [row_start, row_start + block_rows) of W, row-major.
@group(0) @binding(2) var<storage, read_write> weights: array<i32>;

const TILE: u32 = 16u;

var<workgroup> row_bits: array<array<u32, 16>, 16>;
var<workgroup> column_bits: array<array<u32, 16>, 16>;

fn word_of(neuron: u32, word: u32) -> u32 {
    if neuron < params.neurons && word < params.word_start + params.word_count {
        return bits[neuron * params.words + word];
    }
    return 0u;
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

    var differing = 0u;
    let end = params.word_start + params.word_count;
    for (var w0 = params.word_start; w0 < end; w0 += TILE) {
        // Thread (x, y) stages word w0 + x of the tile's row y and column y.
        row_bits[local.y][local.x] = word_of(row_start + local.y, w0 + local.x);
        column_bits[local.y][local.x] = word_of(column_start + local.y, w0 + local.x);
        workgroupBarrier();
        for (var k = 0u; k < TILE; k++) {
            differing += countOneBits(row_bits[local.y][k] ^ column_bits[local.x][k]);
        }
        workgroupBarrier();
    }
    if i < params.row_start + params.block_rows && i < params.neurons && j < params.neurons {
        let index = (i - params.row_start) * params.neurons + j;
        var w = weights[index];
        if params.word_start == 0u {
            w = i32(params.patterns);
        }
        w -= 2 * i32(differing);
        if i == j {
            w = 0;
        }
        weights[index] = w;
    }
}
