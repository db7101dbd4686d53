// Asynchronous recall of a batch of probes: neurons are updated one at a time, in a random order
// drawn afresh for every sweep from the probe's counter-based stream (rng.wgsl), each sweep
// visiting every neuron once, as seed 003's `predict` does. A zero field keeps the neuron's value.
// Recall stops at a fixed point (a whole sweep without a change) or after `max_sweeps`.
// CPU twin: recall_async_probe in src/hopfield/recall/cpu.rs.
//
// One workgroup owns one probe. For each neuron the 64 lanes compute strided parts of the field
// W_i . s and reduce them in workgroup memory; lane 0 applies the update. The energy is tracked
// exactly and incrementally: flipping s_k to v changes s^T W s by 4 v h_k and sum(s) by 2 v.

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
    _padding: u32,
}

// Keep in sync with AsyncOutcome in src/hopfield/recall/gpu.rs.
struct Outcome {
    ending: u32,
    sweeps: u32,
    flips: u32,
    _padding: u32,
}

const FIXED_POINT: u32 = 1u;
const SWEEP_LIMIT: u32 = 3u;
const LANES: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> weights: array<i32>;
// probes x neurons, updated in place.
@group(0) @binding(2) var<storage, read_write> states: array<i32>;
// The random stream of each probe.
@group(0) @binding(3) var<storage, read> keys: array<vec4<u32>>;
// Scratch: the visiting order of the current sweep, probes x neurons.
@group(0) @binding(4) var<storage, read_write> order: array<u32>;
@group(0) @binding(5) var<storage, read_write> outcomes: array<Outcome>;
// Per probe, (max_sweeps + 1) slots of [hi, lo, sum(s)] (wide_int.wgsl): before the first sweep
// and after each sweep.
@group(0) @binding(6) var<storage, read_write> energy: array<i32>;
// Per probe, the neurons flipped, in order (the trajectory), when flip_capacity > 0.
@group(0) @binding(7) var<storage, read_write> flips: array<u32>;

var<workgroup> partial: array<i32, 64>;
var<workgroup> changed: u32;

// Sums `value` over the workgroup's lanes (wrapping, so sums of u32 parts survive bitcasts).
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

// Fisher-Yates from the top, as StreamKey::permutation in src/rng.rs.
fn permute(key: vec4<u32>, sweep: u32, base: u32) {
    let n = params.neurons;
    for (var i = 0u; i < n; i++) {
        order[base + i] = i;
    }
    for (var i = n - 1u; i >= 1u; i--) {
        let j = rng_below(key, sweep, i, i + 1u);
        let swapped = order[base + i];
        order[base + i] = order[base + j];
        order[base + j] = swapped;
    }
}

fn field_of(neuron: u32, base: u32, lane: u32) -> i32 {
    let n = params.neurons;
    var part = 0i;
    for (var j = lane; j < n; j += LANES) {
        part += weights[neuron * n + j] * states[base + j];
    }
    return lane_sum(lane, part);
}

fn store_energy(b: u32, slot: u32, q: Wide, magnetisation: i32) {
    let at = (b * (params.max_sweeps + 1u) + slot) * 3u;
    energy[at] = q.hi;
    energy[at + 1u] = bitcast<i32>(q.lo);
    energy[at + 2u] = magnetisation;
}

@compute @workgroup_size(64)
fn recall(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    let b = group.y * groups.x + group.x;
    if b >= params.probes {
        return;
    }
    let n = params.neurons;
    let base = b * n;
    let key = keys[b];

    // The energy terms of the initial state, s^T W s and sum(s), each lane taking strided neurons.
    var hi_part = 0i;
    var lo_part = 0u;
    var magnetisation_part = 0i;
    for (var i = lane; i < n; i += LANES) {
        var h = 0i;
        for (var j = 0u; j < n; j++) {
            h += weights[i * n + j] * states[base + j];
        }
        let contribution = states[base + i] * h;
        hi_part += wide_hi_part(contribution);
        lo_part += wide_lo_part(contribution);
        magnetisation_part += states[base + i];
    }
    let lo_total = bitcast<u32>(lane_sum(lane, bitcast<i32>(lo_part)));
    var q = Wide(lane_sum(lane, hi_part) + i32(lo_total >> 16u), lo_total & 0xffffu);
    var magnetisation = lane_sum(lane, magnetisation_part);
    if lane == 0u {
        store_energy(b, 0u, q, magnetisation);
    }

    var flip_count = 0u;
    var sweeps = 0u;
    var ending = SWEEP_LIMIT;
    for (var sweep = 0u; sweep < params.max_sweeps; sweep++) {
        if lane == 0u {
            permute(key, sweep, base);
            changed = 0u;
        }
        storageBarrier();
        for (var k = 0u; k < n; k++) {
            let i = order[base + k];
            let h = field_of(i, base, lane);
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
                    magnetisation += 2 * updated;
                    changed = 1u;
                    if flip_count < params.flip_capacity {
                        flips[b * params.flip_capacity + flip_count] = i;
                    }
                    flip_count += 1u;
                }
            }
            // The new value must be visible to every lane before the next neuron's field.
            storageBarrier();
        }
        sweeps = sweep + 1u;
        if lane == 0u {
            store_energy(b, sweeps, q, magnetisation);
        }
        if workgroupUniformLoad(&changed) == 0u {
            ending = FIXED_POINT;
            break;
        }
    }
    if lane == 0u {
        outcomes[b] = Outcome(ending, sweeps, flip_count, 0u);
    }
}
