// Best-matching units: for every sample, the nearest and the second-nearest node, ties to the
// lowest index. CPU twin: find_bmus_cpu in src/som/bmu.rs.
//
// Each workgroup takes 64 samples and walks the nodes in tiles staged in workgroup memory, so a
// node's weights are read from storage once per workgroup rather than once per sample. Nodes
// are visited in increasing order and only a strictly smaller distance replaces the best, which
// gives ties to the lowest index. One dispatch covers nodes node_start..node_end and continues
// from the previous dispatch's matches, which keeps every invocation's loop count bounded
// (llvmpipe ends an invocation's loops after 65 535 iterations).

// The layout of BmuParams in src/som/gpu/bmu.rs (checked by a unit test).
struct Params {
    sample_count: u32,
    dim: u32,
    node_start: u32,
    node_end: u32,
    metric: u32,
    // 0: a pixel packed as red | green << 8 | blue << 16; 1: dim f32 values.
    format: u32,
    // 1 for the first node range: no earlier matches to continue from.
    first_range: u32,
    _padding: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> samples: array<u32>;
@group(0) @binding(2) var<storage, read> codebook: array<f32>;
// Per sample: best node, best distance (f32 bits), second node, second distance (f32 bits).
@group(0) @binding(3) var<storage, read_write> matches: array<vec4<u32>>;

const WORKGROUP: u32 = 64u;
// Floats of codebook staged at a time (8 KiB); the host keeps dim within it.
const TILE_FLOATS: u32 = 2048u;
var<workgroup> tile: array<f32, TILE_FLOATS>;

fn sample_value(sample: u32, d: u32) -> f32 {
    if params.format == 0u {
        return f32((samples[sample] >> (8u * d)) & 255u);
    }
    return bitcast<f32>(samples[sample * params.dim + d]);
}

@compute @workgroup_size(64)
fn find_bmus(thread: Invocation) {
    let sample = (thread.group.y * thread.groups.x + thread.group.x) * WORKGROUP + thread.lane;
    let in_range = sample < params.sample_count;
    var best = NO_NODE;
    var best_d = FAR;
    var second = NO_NODE;
    var second_d = FAR;
    if in_range && params.first_range == 0u {
        let m = matches[sample];
        best = m.x;
        best_d = bitcast<f32>(m.y);
        second = m.z;
        second_d = bitcast<f32>(m.w);
    }
    let nodes_per_tile = TILE_FLOATS / params.dim;
    for (var tile_start = params.node_start; tile_start < params.node_end; tile_start += nodes_per_tile) {
        let tile_nodes = min(nodes_per_tile, params.node_end - tile_start);
        let floats = tile_nodes * params.dim;
        let base = tile_start * params.dim;
        // The previous tile must be consumed before it is overwritten.
        workgroupBarrier();
        for (var k = thread.lane; k < floats; k += WORKGROUP) {
            tile[k] = codebook[base + k];
        }
        workgroupBarrier();
        if in_range {
            for (var n = 0u; n < tile_nodes; n++) {
                var acc = vec4<f32>(0.0);
                for (var d = 0u; d < params.dim; d++) {
                    acc = metric_step(params.metric, acc, sample_value(sample, d), tile[n * params.dim + d]);
                }
                let distance = metric_finish(params.metric, acc);
                let node = tile_start + n;
                if distance < best_d {
                    second = best;
                    second_d = best_d;
                    best = node;
                    best_d = distance;
                } else if distance < second_d {
                    second = node;
                    second_d = distance;
                }
            }
        }
    }
    if in_range {
        matches[sample] = vec4<u32>(best, bitcast<u32>(best_d), second, bitcast<u32>(second_d));
    }
}
