// Asynchronous recall's field for a dense weight matrix in one binding (see
// recall_async_steps.wgsl): this lane's strided part of W_i . s, summed over the lanes.

fn field(b: u32, i: u32, base: u32, lane: u32) -> i32 {
    let n = params.neurons;
    var part = 0i;
    for (var j = lane; j < n; j += LANES) {
        part += weights[i * n + j] * states[base + j];
    }
    return lane_sum(lane, part);
}

fn after_step(b: u32, i: u32, lane: u32) {}
