// Hebbian learning: W = sum over patterns of the outer product x x^T, with a zero diagonal.
// CPU twin: hebbian_cpu in src/hopfield/learn/hebbian.rs. W is integer-valued, so both paths
// agree bit for bit.
//
// Bipolar values multiply like bits: x_i x_j = 1 − 2·(b_i XOR b_j) with b = 1 for −1, so
// W_ij = P − 2·popcount(B_i XOR B_j), where B_i holds neuron i's bits across the patterns, 32 to a
// word: 32 patterns cost one XOR and one popcount instead of 32 multiply-adds. The product is
// tiled and register-blocked: one workgroup computes a 64x64 tile of W, each invocation a 4x4
// block of it, staging 16 words of the tile's rows' and columns' bits in workgroup memory at a
// time. Per word an invocation reads one vec4 of row bits and one of column bits and makes 16
// counts. Each dispatch counts words word_start..word_start + word_count (several
// dispatches keep every invocation below llvmpipe's 65 535 loop iterations for huge P) over the
// rows [row_start, row_start + block_rows) of W held in one binding. Tiles are numbered
// linearly and spread over x and y so that no dimension exceeds the 65 535-workgroup limit.

// The layout of HebbianParams in src/hopfield/learn/hebbian.rs (checked by a unit test).
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

const BLOCK: u32 = 64u;
const DEPTH: u32 = 16u;

// row_panel[k][g]: word k of the panel for the tile's rows 4g..4g+3; column_panel likewise for
// its columns. Sixteen invocations in a row read sixteen consecutive vec4 of one word.
var<workgroup> row_panel: array<array<vec4<u32>, 16>, 16>;
var<workgroup> column_panel: array<array<vec4<u32>, 16>, 16>;

fn word_of(neuron: u32, word: u32) -> u32 {
    if neuron < params.neurons && word < params.word_start + params.word_count {
        return bits[neuron * params.words + word];
    }
    return 0u;
}

@compute @workgroup_size(16, 16)
fn learn(thread: Invocation) {
    let tile = thread.group.y * thread.groups.x + thread.group.x;
    let row_tiles = (params.block_rows + BLOCK - 1u) / BLOCK;
    if tile >= row_tiles * params.tiles_per_side { return; }
    let row_start = params.row_start + (tile / params.tiles_per_side) * BLOCK;
    let column_start = (tile % params.tiles_per_side) * BLOCK;
    // Staging: invocation `thread.lane` copies word thread.lane % DEPTH of the tile's rows (and columns)
    // thread.lane / DEPTH + 16 q.
    let word_in_panel = thread.lane % DEPTH;
    let first = thread.lane / DEPTH;

    // differing[r][c]: row row_start + 4 thread.local.y + r, column column_start + 4 thread.local.x + c.
    var differing = array<vec4<u32>, 4>();
    let end = params.word_start + params.word_count;
    for (var w0 = params.word_start; w0 < end; w0 += DEPTH) {
        for (var q = 0u; q < 4u; q++) {
            let r = first + 16u * q;
            row_panel[word_in_panel][r / 4u][r % 4u] = word_of(row_start + r, w0 + word_in_panel);
            column_panel[word_in_panel][r / 4u][r % 4u] =
                word_of(column_start + r, w0 + word_in_panel);
        }
        workgroupBarrier();
        for (var k = 0u; k < DEPTH; k++) {
            let rows = row_panel[k][thread.local.y];
            let columns = column_panel[k][thread.local.x];
            differing[0] += countOneBits(columns ^ vec4<u32>(rows.x));
            differing[1] += countOneBits(columns ^ vec4<u32>(rows.y));
            differing[2] += countOneBits(columns ^ vec4<u32>(rows.z));
            differing[3] += countOneBits(columns ^ vec4<u32>(rows.w));
        }
        workgroupBarrier();
    }
    let row_end = min(params.row_start + params.block_rows, params.neurons);
    for (var r = 0u; r < 4u; r++) {
        let i = row_start + 4u * thread.local.y + r;
        if i >= row_end { return; }
        for (var c = 0u; c < 4u; c++) {
            let j = column_start + 4u * thread.local.x + c;
            if j >= params.neurons {
                break;
            }
            let index = (i - params.row_start) * params.neurons + j;
            var w = weights[index];
            if params.word_start == 0u {
                w = i32(params.patterns);
            }
            w -= 2 * i32(differing[r][c]);
            if i == j {
                w = 0;
            }
            weights[index] = w;
        }
    }
}
