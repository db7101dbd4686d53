// Asynchronous recall of a batch of probes: neurons are updated one at a time, in a random order
// drawn afresh for every sweep from the probe's counter-based stream (rng.wgsl), each sweep
// visiting every neuron once, as seed 003's `predict` does. Recall stops at a fixed point (a whole
// sweep without a change) or after `max_sweeps`.
// CPU twin: recall_async_probe in src/hopfield/recall/cpu.rs; the update rule is `update` in
// recall_update.wgsl, twin of Dynamics::update in src/hopfield/recall/mod.rs.
//
// One workgroup owns one probe. A sweep is several dispatches, so that no invocation runs more
// than a bounded number of loop iterations (llvmpipe silently ends an invocation's loops after
// 65 535 iterations in total, and long dispatches starve other work on real GPUs):
//   begin_sweep   resets the visiting order to 0..n;
//   shuffle       shuffles it, a slice of Fisher-Yates per dispatch (as StreamKey::permutation);
//   steps         updates the neurons at order positions [step_start, step_start + step_count)
//                 (recall_async_steps.wgsl, one loop for every form of the couplings): the 64
//                 lanes compute strided parts of the field, reduce them in workgroup memory, and
//                 lane 0 applies the update. The field comes from the variant file compiled
//                 before the loop: recall_async_dense.wgsl (W_i . s), recall_async_factored.wgsl
//                 (h_i = Σ_mu X[mu][i] m_mu - P s_i, the overlaps m = X s kept up to date at every
//                 flip) or recall_async_blocked.wgsl (W over several bindings);
//   end_sweep     records the energy and decides whether the probe has finished.
// The energy is tracked exactly and incrementally: flipping s_k to v changes s^T W s by 4 v h_k
// and Σ θ_i s_i by 2 v θ_k. The initial energy comes from the tiled field kernel of recall_sync.wgsl
// (energy_only), and `start` turns it into the running sums.

// The layout of AsyncParams in src/hopfield/recall/gpu/kernels.rs (checked by a unit test).
struct Params {
    neurons: u32,
    probes: u32,
    max_sweeps: u32,
    // 0: do not record flips; otherwise the room for flips per probe.
    flip_capacity: u32,
    step_start: u32,
    step_count: u32,
    // 2 / (T · scale) for Glauber dynamics; 0 for the deterministic rule.
    glauber_factor: f32,
    // Factored couplings: the stored patterns and words per packed pattern.
    stored: u32,
    words: u32,
    // The Fisher-Yates steps [shuffle_start, shuffle_start + shuffle_count) counted from the top.
    shuffle_start: u32,
    shuffle_count: u32,
    // Rows per weight binding in recall_async_blocked.wgsl.
    rows_per_block: u32,
}

// The layout of AsyncProbe in src/hopfield/recall/gpu/kernels.rs (checked by a unit test).
struct Probe {
    ending: u32,
    sweeps: u32,
    flips: u32,
    changed: u32,
    // s^T W s and Σ θ_i s_i, each as hi * 65536 + lo (wide_int.wgsl).
    quadratic_hi: i32,
    quadratic_lo: u32,
    threshold_hi: i32,
    threshold_lo: u32,
}

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
// (max_sweeps + 1) slots x probes x [hi, lo of s^T W s, hi, lo of Σ θ_i s_i], as in
// recall_sync.wgsl: before the first sweep (written by its energy pass) and after each sweep.
@group(0) @binding(6) var<storage, read_write> energy: array<u32>;
// Per probe, the neurons flipped, in order (the trajectory), when flip_capacity > 0.
@group(0) @binding(7) var<storage, read_write> flips: array<u32>;
@group(0) @binding(8) var<storage, read> rules: array<NeuronRule>;
// logit((k + 0.5) / 65536), for Glauber dynamics.
@group(0) @binding(9) var<storage, read> logit_table: array<f32>;
// Factored couplings: the patterns X packed (stored x words), and the overlaps m (probes x stored).
@group(0) @binding(10) var<storage, read> pattern_bits: array<u32>;
@group(0) @binding(11) var<storage, read_write> overlaps: array<i32>;

var<workgroup> partial: array<i32, 64>;
// The value lane 0 flipped a neuron to (0 when it did not), for the other lanes.
var<workgroup> flipped_to: i32;

// Pattern mu's value at neuron j, +1 or -1.
fn pattern_value(mu: u32, j: u32) -> i32 {
    let word = pattern_bits[mu * params.words + j / 32u];
    return select(-1, 1, ((word >> (j % 32u)) & 1u) == 1u);
}

fn probe_index(group: vec3<u32>, groups: vec3<u32>) -> u32 {
    return group.y * groups.x + group.x;
}

// One thread per probe: the initial energy sums become the running sums.
@compute @workgroup_size(64)
fn start(thread: Invocation) {
    let b = thread.global.y * thread.groups.x * 64u + thread.global.x;
    if b >= params.probes { return; }
    let at = b * 4u;
    let quadratic_lo = energy[at + 1u];
    let threshold_lo = energy[at + 3u];
    probe_state[b] = Probe(
        RUNNING, 0u, 0u, 0u,
        bitcast<i32>(energy[at]) + i32(quadratic_lo >> 16u), quadratic_lo & 0xffffu,
        bitcast<i32>(energy[at + 2u]) + i32(threshold_lo >> 16u), threshold_lo & 0xffffu,
    );
}

@compute @workgroup_size(64)
fn begin_sweep(thread: Invocation) {
    let b = probe_index(thread.group, thread.groups);
    if b >= params.probes || probe_state[b].ending != RUNNING { return; }
    let n = params.neurons;
    for (var i = thread.lane; i < n; i += LANES) {
        order[b * n + i] = i;
    }
    if thread.lane == 0u {
        probe_state[b].changed = 0u;
    }
}

// One thread per probe: Fisher-Yates from the top, steps [shuffle_start, shuffle_start +
// shuffle_count), i.e. positions i = n-1-shuffle_start down to 1.
@compute @workgroup_size(64)
fn shuffle(thread: Invocation) {
    let b = thread.global.y * thread.groups.x * 64u + thread.global.x;
    let n = params.neurons;
    if b >= params.probes || probe_state[b].ending != RUNNING || params.shuffle_start + 1u >= n { return; }
    let base = b * n;
    let key = keys[b];
    let sweep = probe_state[b].sweeps;
    let top = n - 1u - params.shuffle_start;
    let bottom = max(1u, top + 1u - min(params.shuffle_count, top));
    for (var i = top; i >= bottom; i--) {
        let j = rng_below(key, sweep, i, i + 1u);
        let swapped = order[base + i];
        order[base + i] = order[base + j];
        order[base + j] = swapped;
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

// Lane 0's part of one neuron's update, given its field h: decides, updates the state, the
// running energy sums and the flip log. Returns the new value if the neuron flipped, else 0.
fn step_neuron(
    b: u32,
    i: u32,
    h: i32,
    rule: NeuronRule,
    key: vec4<u32>,
    probe: ptr<function, Probe>,
    q: ptr<function, Wide>,
    t: ptr<function, Wide>,
) -> i32 {
    let base = b * params.neurons;
    let old = states[base + i];
    let input = h + rule.self_weight * old;
    let updated = update(rule, input, old, key, (*probe).sweeps, i);
    if updated == old {
        return 0;
    }
    states[base + i] = updated;
    *q = wide_add(*q, 4 * updated * h);
    *t = wide_add(*t, 2 * updated * rule.theta_fixed);
    (*probe).changed = 1u;
    if (*probe).flips < params.flip_capacity {
        flips[b * params.flip_capacity + (*probe).flips] = i;
    }
    (*probe).flips += 1u;
    return updated;
}

fn save_probe(b: u32, probe: Probe, q: Wide, t: Wide) {
    var saved = probe;
    saved.quadratic_hi = q.hi;
    saved.quadratic_lo = q.lo;
    saved.threshold_hi = t.hi;
    saved.threshold_lo = t.lo;
    probe_state[b] = saved;
}

// One thread per probe.
@compute @workgroup_size(64)
fn end_sweep(thread: Invocation) {
    let b = thread.global.y * thread.groups.x * 64u + thread.global.x;
    if b >= params.probes || probe_state[b].ending != RUNNING { return; }
    var probe = probe_state[b];
    probe.sweeps += 1u;
    let at = (probe.sweeps * params.probes + b) * 4u;
    energy[at] = bitcast<u32>(probe.quadratic_hi);
    energy[at + 1u] = probe.quadratic_lo;
    energy[at + 2u] = bitcast<u32>(probe.threshold_hi);
    energy[at + 3u] = probe.threshold_lo;
    if probe.changed == 0u {
        probe.ending = FIXED_POINT;
    } else if probe.sweeps >= params.max_sweeps {
        probe.ending = SWEEP_LIMIT;
    }
    probe_state[b] = probe;
}
