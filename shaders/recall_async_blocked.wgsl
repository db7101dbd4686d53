// Asynchronous recall's field for a dense weight matrix split over up to four bindings of whole
// rows (rows [k * rows_per_block, (k + 1) * rows_per_block) in block k); see
// recall_async_steps.wgsl. Compiled only when a matrix needs more than one binding, since the
// kernel takes four more storage buffers.

@group(0) @binding(12) var<storage, read> weights_block0: array<i32>;
@group(0) @binding(13) var<storage, read> weights_block1: array<i32>;
@group(0) @binding(14) var<storage, read> weights_block2: array<i32>;
@group(0) @binding(15) var<storage, read> weights_block3: array<i32>;

// This lane's strided part of W_i . s, from the block holding row i (uniform across the workgroup).
fn blocked_part(i: u32, base: u32, lane: u32) -> i32 {
    let n = params.neurons;
    let block = i / params.rows_per_block;
    let row = (i - block * params.rows_per_block) * n;
    var part = 0i;
    switch block {
        case 0u: {
            for (var j = lane; j < n; j += LANES) {
                part += weights_block0[row + j] * states[base + j];
            }
        }
        case 1u: {
            for (var j = lane; j < n; j += LANES) {
                part += weights_block1[row + j] * states[base + j];
            }
        }
        case 2u: {
            for (var j = lane; j < n; j += LANES) {
                part += weights_block2[row + j] * states[base + j];
            }
        }
        default: {
            for (var j = lane; j < n; j += LANES) {
                part += weights_block3[row + j] * states[base + j];
            }
        }
    }
    return part;
}

fn field(b: u32, i: u32, base: u32, lane: u32) -> i32 {
    return lane_sum(lane, blocked_part(i, base, lane));
}

fn after_step(b: u32, i: u32, lane: u32) {}
