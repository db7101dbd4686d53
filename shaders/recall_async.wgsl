// Asynchronous recall of a batch of probes: neurons are updated one at a time, in a random order
// drawn afresh for every sweep from the probe's counter-based stream (rng.wgsl), each sweep
// visiting every neuron once, as seed 003's `predict` does. A zero field keeps the neuron's value.
// Recall stops at a fixed point (a whole sweep without a change) or after `max_sweeps`.
// CPU twin: recall_async_probe in src/hopfield/recall/cpu.rs.
//
// One workgroup owns one probe. A sweep is several dispatches, so that no invocation runs more
// than a bounded number of loop iterations (llvmpipe silently ends an invocation's loops after
// 65 535 iterations in total, and long dispatches starve other work on real GPUs):
//   begin_sweep   draws the sweep's visiting order (Fisher-Yates, as StreamKey::permutation);
//   steps         updates the neurons at order positions [step_start, step_start + step_count):
//                 the 64 lanes compute strided parts of the field W_i . s, reduce them in
//                 workgroup memory, and lane 0 applies the update;
//   end_sweep     records the energy and decides whether the probe has finished.
// The energy is tracked exactly and incrementally: flipping s_k to v changes s^T W s by 4 v h_k
// and sum(s) by 2 v. The initial energy comes from the tiled field kernel of recall_sync.wgsl
// (energy_only), and `start` turns it into the running sums.

// Keep in sync with AsyncParams in src/hopfield/recall/gpu.rs.
struct Params {
    neurons: u32,
    probes: u32,
    max_sweeps: u32,
    self_coupling: u32,
    theta_up: i32,
    theta_down: i32,
    // 0: do not record flips; otherwise the room for flips per probe.
    flip_capacity: u32,
    step_start: u32,
    step_count: u32,
    _padding0: u32,
    _padding1: u32,
    _padding2: u32,
}

// Keep in sync with AsyncProbe in src/hopfield/recall/gpu.rs.
struct Probe {
    ending: u32,
    sweeps: u32,
    flips: u32,
    changed: u32,
    // s^T W s as hi * 65536 + lo (wide_int.wgsl), and sum(s).
    quadratic_hi: i32,
    quadratic_lo: u32,
    magnetisation: i32,
    _padding: u32,
}

const RUNNING: u32 = 0u;
const FIXED_POINT: u32 = 1u;
const SWEEP_LIMIT: u32 = 3u;
const LANES: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> weights: array<i32>;
// probes x neurons, updated in place.
@group(0) @binding(2) var<storage, read_write> states: array<i32>;
// The random stream of each probe.
@group(0) @binding(3) var<storage, read> keys: array<vec4<u32>>;
// The visiting order of the current sweep, probes x neurons.
@group(0) @binding(4) var<storage, read_write> order: array<u32>;
@group(0) @binding(5) var<storage, read_write> probe_state: array<Probe>;
// (max_sweeps + 1) slots x probes x [hi, lo, sum(s)], as in recall_sync.wgsl: before the first
// sweep (written by its energy pass) and after each sweep.
@group(0) @binding(6) var<storage, read_write> energy: array<u32>;
// Per probe, the neurons flipped, in order (the trajectory), when flip_capacity > 0.
@group(0) @binding(7) var<storage, read_write> flips: array<u32>;

var<workgroup> partial: array<i32, 64>;

fn probe_index(group: vec3<u32>, groups: vec3<u32>) -> u32 {
    return group.y * groups.x + group.x;
}

// One thread per probe: the initial energy sums become the running sums.
@compute @workgroup_size(64)
fn start(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let b = id.y * groups.x * 64u + id.x;
    if b >= params.probes {
        return;
    }
    let at = b * 3u;
    let lo = energy[at + 1u];
    probe_state[b] = Probe(
        RUNNING, 0u, 0u, 0u,
        bitcast<i32>(energy[at]) + i32(lo >> 16u), lo & 0xffffu, bitcast<i32>(energy[at + 2u]), 0u,
    );
}

@compute @workgroup_size(64)
fn begin_sweep(
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
    for (var i = lane; i < n; i += LANES) {
        order[base + i] = i;
    }
    storageBarrier();
    if lane == 0u {
        let key = keys[b];
        let sweep = probe_state[b].sweeps;
        for (var i = n - 1u; i >= 1u; i--) {
            let j = rng_below(key, sweep, i, i + 1u);
            let swapped = order[base + i];
            order[base + i] = order[base + j];
            order[base + j] = swapped;
        }
        probe_state[b].changed = 0u;
    }
}

// Sums `value` over the workgroup's lanes.
fn lane_sum(lane: u32, value: i32) -> i32 {
    partial[lane] = value;
    workgroupBarrier();
    for (var stride = LANES / 2u; stride > 0u; stride /= 2u) {
        if lane < stride {
            partial[lane] += partial[lane + stride];
        }
        workgroupBarrier();
    }
    let total = partial[0];
    workgroupBarrier();
    return total;
}

@compute @workgroup_size(64)
fn steps(
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
    // Lane 0 keeps the running sums in registers for the dispatch.
    var probe = probe_state[b];
    var q = Wide(probe.quadratic_hi, probe.quadratic_lo);
    let end = min(params.step_start + params.step_count, n);
    for (var k = params.step_start; k < end; k++) {
        let i = order[base + k];
        var part = 0i;
        for (var j = lane; j < n; j += LANES) {
            part += weights[i * n + j] * states[base + j];
        }
        let h = lane_sum(lane, part);
        if lane == 0u {
            let old = states[base + i];
            var input = h;
            if params.self_coupling == 1u {
                input += old;
            }
            var updated = old;
            if input >= params.theta_up {
                updated = 1;
            } else if input <= params.theta_down {
                updated = -1;
            }
            if updated != old {
                states[base + i] = updated;
                q = wide_add(q, 4 * updated * h);
                probe.magnetisation += 2 * updated;
                probe.changed = 1u;
                if probe.flips < params.flip_capacity {
                    flips[b * params.flip_capacity + probe.flips] = i;
                }
                probe.flips += 1u;
            }
        }
        // The new value must be visible to every lane before the next neuron's field.
        storageBarrier();
    }
    if lane == 0u {
        probe.quadratic_hi = q.hi;
        probe.quadratic_lo = q.lo;
        probe_state[b] = probe;
    }
}

// One thread per probe.
@compute @workgroup_size(64)
fn end_sweep(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let b = id.y * groups.x * 64u + id.x;
    if b >= params.probes || probe_state[b].ending != RUNNING {
        return;
    }
    var probe = probe_state[b];
    probe.sweeps += 1u;
    let at = (probe.sweeps * params.probes + b) * 3u;
    energy[at] = bitcast<u32>(probe.quadratic_hi);
    energy[at + 1u] = probe.quadratic_lo;
    energy[at + 2u] = bitcast<u32>(probe.magnetisation);
    if probe.changed == 0u {
        probe.ending = FIXED_POINT;
    } else if probe.sweeps >= params.max_sweeps {
        probe.ending = SWEEP_LIMIT;
    }
    probe_state[b] = probe;
}
