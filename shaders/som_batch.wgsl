// Kohonen's batch update: each node becomes the neighbourhood-weighted mean of the samples,
// w_k = Σ_j h(k, j) S_j / Σ_j h(k, j) n_j, where S_j and n_j are the sum and the count of the
// samples whose winner is node j. CPU twin: smooth_cpu in src/som/batch.rs.
//
// `accumulate` adds the source nodes source_start..source_end to every target node's running
// numerator and denominator; several dispatches cover all sources, keeping every invocation's
// loop count bounded (llvmpipe ends an invocation's loops after 65 535 iterations). Sources are
// added in increasing order, as on the CPU. `finish` divides; a node that no sample reaches
// through the neighbourhood keeps its weights.

// Keep in sync with SmoothParams in src/som/gpu.rs.
struct Params {
    grid: GridShape,
    dim: u32,
    nodes: u32,
    neighbourhood: u32,
    source_start: u32,
    source_end: u32,
    // 1 for the first source range: the running sums start from zero.
    first_range: u32,
    sigma: f32,
    _padding: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> sums: array<f32>;
@group(0) @binding(2) var<storage, read> counts: array<f32>;
// Per target node: dim numerators, then the denominator.
@group(0) @binding(3) var<storage, read_write> running: array<f32>;
@group(0) @binding(4) var<storage, read_write> codebook: array<f32>;

fn target_node(group: vec3<u32>, groups: vec3<u32>, local: u32) -> u32 {
    return (group.y * groups.x + group.x) * 64u + local;
}

@compute @workgroup_size(64)
fn accumulate(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let k = target_node(group, groups, local);
    if k >= params.nodes {
        return;
    }
    let stride = params.dim + 1u;
    if params.first_range != 0u {
        for (var d = 0u; d < stride; d++) {
            running[k * stride + d] = 0.0;
        }
    }
    for (var j = params.source_start; j < params.source_end; j++) {
        let count = counts[j];
        if count == 0.0 {
            continue;
        }
        let h = neighbourhood(params.neighbourhood, grid_offset(k, j, params.grid), params.sigma);
        if h == 0.0 {
            continue;
        }
        for (var d = 0u; d < params.dim; d++) {
            running[k * stride + d] = running[k * stride + d] + h * sums[j * params.dim + d];
        }
        running[k * stride + params.dim] = running[k * stride + params.dim] + h * count;
    }
}

@compute @workgroup_size(64)
fn finish(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let k = target_node(group, groups, local);
    if k >= params.nodes {
        return;
    }
    let stride = params.dim + 1u;
    let denominator = running[k * stride + params.dim];
    if denominator > 0.0 {
        for (var d = 0u; d < params.dim; d++) {
            codebook[k * params.dim + d] = running[k * stride + d] / denominator;
        }
    }
}
