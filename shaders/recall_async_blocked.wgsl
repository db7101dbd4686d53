// Asynchronous recall with a dense weight matrix split over up to four bindings of whole rows
// (rows [k * rows_per_block, (k + 1) * rows_per_block) in block k). Appended to recall_async.wgsl,
// whose `steps` it mirrors: only where the row of neuron i is read from differs. Compiled only
// when a matrix needs more than one binding, since it takes four more storage buffers.

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

@compute @workgroup_size(64)
fn steps_blocked(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    let b = probe_index(group, groups);
    if b >= params.probes || probe_state[b].ending != RUNNING {
        return;
    }
    let n = params.neurons;
    let base = b * n;
    var probe = probe_state[b];
    var q = Wide(probe.quadratic_hi, probe.quadratic_lo);
    var t = Wide(probe.threshold_hi, probe.threshold_lo);
    let key = keys[b];
    let end = min(params.step_start + params.step_count, n);
    for (var k = params.step_start; k < end; k++) {
        let i = order[base + k];
        let rule = rules[i];
        if is_clamped(rule) {
            continue;
        }
        let h = lane_sum(lane, blocked_part(i, base, lane));
        if lane == 0u {
            step_neuron(b, i, h, rule, key, &probe, &q, &t);
        }
        storageBarrier();
    }
    if lane == 0u {
        save_probe(b, probe, q, t);
    }
}
