// The pseudo-inverse (projection) rule's last product, W = X^T Y with Y = (X X^T)^-1 X:
//   w_ij = Σ_μ x_μi y_μj,
// X the patterns (±1, patterns x neurons) and Y real (patterns x neurons). Laid out as the
// Hebbian kernel: one workgroup computes a 64x64 tile of W, each invocation a 4x4 block of it
// (16 multiply-adds per pair of vec4 read from workgroup memory), streaming 16 patterns at a
// time through workgroup memory. The
// diagonal is written too; the caller keeps or drops it. Each dispatch writes the rows
// [row_start, row_start + block_rows) held in one binding.
// CPU twin: projection_cpu in src/hopfield/learn/pseudo_inverse.rs (f32 within a tolerance).

// The layout of ProjectionParams in src/hopfield/learn/pseudo_inverse.rs (checked by a unit test).
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

const BLOCK: u32 = 64u;
const DEPTH: u32 = 16u;

// row_panel[k][g]: x of pattern p0 + k for the tile's rows 4g..4g+3; column_panel likewise y for
// its columns.
var<workgroup> row_panel: array<array<vec4<f32>, 16>, 16>;
var<workgroup> column_panel: array<array<vec4<f32>, 16>, 16>;

@compute @workgroup_size(16, 16)
fn project(thread: Invocation) {
    let tile = thread.group.y * thread.groups.x + thread.group.x;
    let row_tiles = (params.block_rows + BLOCK - 1u) / BLOCK;
    if tile >= row_tiles * params.tiles_per_side { return; }
    let n = params.neurons;
    let row_start = params.row_start + (tile / params.tiles_per_side) * BLOCK;
    let column_start = (tile % params.tiles_per_side) * BLOCK;
    // Staging: invocation `thread.lane` copies entry thread.lane % 64 of the tile's rows (and columns) for the
    // patterns thread.lane / 64 + 4q, so that neighbouring invocations read neighbouring neurons.
    let entry = thread.lane % BLOCK;
    let first = thread.lane / BLOCK;
    // sums[r]: rows row_start + 4 thread.local.y + r, columns column_start + 4 thread.local.x + (0..4).
    var sums = array<vec4<f32>, 4>();
    for (var p0 = 0u; p0 < params.patterns; p0 += DEPTH) {
        for (var q = 0u; q < 4u; q++) {
            let k = first + 4u * q;
            let p = p0 + k;
            let i = row_start + entry;
            let j = column_start + entry;
            var x = 0.0;
            var y = 0.0;
            if p < params.patterns && i < n {
                x = f32(patterns[p * n + i]);
            }
            if p < params.patterns && j < n {
                y = solved[p * n + j];
            }
            row_panel[k][entry / 4u][entry % 4u] = x;
            column_panel[k][entry / 4u][entry % 4u] = y;
        }
        workgroupBarrier();
        for (var k = 0u; k < DEPTH; k++) {
            let x = row_panel[k][thread.local.y];
            let y = column_panel[k][thread.local.x];
            sums[0] += x.x * y;
            sums[1] += x.y * y;
            sums[2] += x.z * y;
            sums[3] += x.w * y;
        }
        workgroupBarrier();
    }
    let row_end = min(params.row_start + params.block_rows, n);
    for (var r = 0u; r < 4u; r++) {
        let i = row_start + 4u * thread.local.y + r;
        if i >= row_end { return; }
        for (var c = 0u; c < 4u; c++) {
            let j = column_start + 4u * thread.local.x + c;
            if j >= n {
                break;
            }
            weights[(i - params.row_start) * n + j] = sums[r][c];
        }
    }
}
