// Online (sequential) Kohonen training: for each sample in turn, find the winner, then move every
// node by lr·h·(x − w). CPU twin: train_online_cpu in src/som/online.rs.
//
// One workgroup runs the whole sequence, because each sample sees the weights the previous one
// left. Thread t owns nodes t, t + 64, …: it ranks them, a tree reduction picks the winner (the
// smallest distance, ties to the lowest index), and it updates them. A thread only ever touches
// its own nodes' weights, so only the reduction needs barriers. Each dispatch trains on at most
// samples_per_dispatch samples from `cursor` on and advances it, keeping every invocation's loop
// count bounded (llvmpipe ends an invocation's loops after 65 535 iterations). Every sample has its
// own learning rate and radius (`rates`, computed on the host as the CPU computes them), and
// nodes beyond the neighbourhood's reach are left alone.

// The layout of OnlineParams in src/som/gpu/online.rs (checked by a unit test).
struct Params {
    grid: GridShape,
    dim: u32,
    nodes: u32,
    neighbourhood: u32,
    metric: u32,
    // Seed 003 moves the winner by lr·(x − w) once more before the neighbourhood update.
    extra_winner_update: u32,
    // 0: a pixel packed as red | green << 8 | blue << 16; 1: dim f32 values.
    format: u32,
    sample_count: u32,
    samples_per_dispatch: u32,
    // The cutoff's reach in units of σ² (Neighbourhood::reach).
    reach: f32,
    // Scalars, not a vec3, which would be aligned to 16 bytes.
    _padding_0: u32,
    _padding_1: u32,
    _padding_2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> samples: array<u32>;
@group(0) @binding(2) var<storage, read_write> codebook: array<f32>;
// cursor[0]: the next sample to train on.
@group(0) @binding(3) var<storage, read_write> cursor: array<u32>;
// Per sample: its learning rate and radius.
@group(0) @binding(4) var<storage, read> rates: array<vec2<f32>>;

const WORKGROUP: u32 = 64u;
var<workgroup> reduce_distance: array<f32, WORKGROUP>;
var<workgroup> reduce_node: array<u32, WORKGROUP>;
var<workgroup> first_sample: u32;

fn sample_value(sample: u32, d: u32) -> f32 {
    if params.format == 0u {
        return f32((samples[sample] >> (8u * d)) & 255u);
    }
    return bitcast<f32>(samples[sample * params.dim + d]);
}

@compute @workgroup_size(64)
fn train_online(thread: Invocation) {
    if thread.lane == 0u {
        first_sample = cursor[0];
    }
    let start = workgroupUniformLoad(&first_sample);
    let end = min(start + params.samples_per_dispatch, params.sample_count);
    for (var s = start; s < end; s++) {
        let learning_rate = rates[s].x;
        let sigma = rates[s].y;
        let reach_sq = select(0.0, (sigma * sigma) * params.reach, sigma * sigma > 0.0);
        var my_distance = FAR;
        var my_node = NO_NODE;
        for (var node = thread.lane; node < params.nodes; node += WORKGROUP) {
            var acc = vec4<f32>(0.0);
            for (var d = 0u; d < params.dim; d++) {
                acc = metric_step(params.metric, acc, sample_value(s, d), codebook[node * params.dim + d]);
            }
            let distance = metric_finish(params.metric, acc);
            if distance < my_distance {
                my_distance = distance;
                my_node = node;
            }
        }
        reduce_distance[thread.lane] = my_distance;
        reduce_node[thread.lane] = my_node;
        workgroupBarrier();
        for (var stride = WORKGROUP / 2u; stride > 0u; stride >>= 1u) {
            if thread.lane < stride {
                let other_distance = reduce_distance[thread.lane + stride];
                let other_node = reduce_node[thread.lane + stride];
                let mine = reduce_distance[thread.lane];
                if other_distance < mine || (other_distance == mine && other_node < reduce_node[thread.lane]) {
                    reduce_distance[thread.lane] = other_distance;
                    reduce_node[thread.lane] = other_node;
                }
            }
            workgroupBarrier();
        }
        let winner = reduce_node[0];
        for (var node = thread.lane; node < params.nodes; node += WORKGROUP) {
            let h = neighbourhood(params.neighbourhood, grid_offset(node, winner, params.grid), sigma, reach_sq);
            if h == 0.0 {
                // The winner always weighs 1, so its extra update is never skipped.
                continue;
            }
            let step = learning_rate * h;
            let extra = params.extra_winner_update != 0u && node == winner;
            for (var d = 0u; d < params.dim; d++) {
                let x = sample_value(s, d);
                let index = node * params.dim + d;
                var w = codebook[index];
                if extra {
                    w = w + learning_rate * (x - w);
                }
                codebook[index] = w + step * (x - w);
            }
        }
        // Everyone has read the winner before the next sample's reduction overwrites it.
        workgroupBarrier();
    }
    if thread.lane == 0u {
        cursor[0] = end;
    }
}
