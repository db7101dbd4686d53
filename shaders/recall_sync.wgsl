// Synchronous recall of a batch of probes: every neuron of a probe is updated from the same state.
// CPU twin: recall_sync_probe in src/hopfield/recall/cpu.rs; the update rule is
// Dynamics::update in src/hopfield/recall/mod.rs.
//
// One sweep is two dispatches: `sweep` computes the fields H = W S as a tiled integer matrix
// product (16 neurons x 16 probes per workgroup), writes the new states, accumulates the energy of
// the current state and raises per-probe flags; `finalize` (one thread per probe) turns the flags
// into the probe's ending: a fixed point (no neuron changed), a 2-cycle (the new state equals the
// one before the current) or the sweep limit. Finished probes are copied forward unchanged.
// The three state buffers rotate: current s(t), next s(t+1), before s(t-1).

// Keep in sync with SyncParams in src/hopfield/recall/gpu.rs.
struct Params {
    neurons: u32,
    probes: u32,
    neuron_tiles: u32,
    max_sweeps: u32,
    // 1: only accumulate the energy of `current` (every probe) into `energy_slot`.
    energy_only: u32,
    energy_slot: u32,
    // 2 / (T · scale) for Glauber dynamics; 0 for the deterministic rule.
    glauber_factor: f32,
    _padding: u32,
}

// Keep in sync with NeuronRule in src/hopfield/recall/mod.rs.
struct NeuronRule {
    up: i32,
    down: i32,
    theta_fixed: i32,
    theta_scaled: f32,
    self_weight: i32,
}

// Keep in sync with ProbeStatus in src/hopfield/recall/gpu.rs.
struct ProbeStatus {
    ending: u32,
    sweeps: u32,
}

const RUNNING: u32 = 0u;
const FIXED_POINT: u32 = 1u;
const TWO_CYCLE: u32 = 2u;
const SWEEP_LIMIT: u32 = 3u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> weights: array<i32>;
@group(0) @binding(2) var<storage, read> current: array<i32>;
@group(0) @binding(3) var<storage, read_write> next: array<i32>;
@group(0) @binding(4) var<storage, read> before: array<i32>;
@group(0) @binding(5) var<storage, read_write> status: array<ProbeStatus>;
// Two per probe: [changed, differs from before].
@group(0) @binding(6) var<storage, read_write> flags: array<atomic<u32>>;
// Four per probe and slot: the hi and lo parts (wide_int.wgsl) of s^T W s and of Σ θ_i s_i.
@group(0) @binding(7) var<storage, read_write> energy: array<atomic<u32>>;
@group(0) @binding(8) var<storage, read> rules: array<NeuronRule>;
// The random stream of each probe (Glauber draws).
@group(0) @binding(9) var<storage, read> keys: array<vec4<u32>>;
// logit((k + 0.5) / 65536), for Glauber dynamics.
@group(0) @binding(10) var<storage, read> logit_table: array<f32>;

const TILE: u32 = 16u;

// weight_block[r][q]: 4 consecutive weights of row (neuron start + r); state_block[b][q] likewise
// for probe (probe start + b). The 16 products of a block are four vec4 dot products, with no
// inner loop: every invocation stays far below llvmpipe's 65 535-iteration loop limit.
var<workgroup> weight_block: array<array<vec4<i32>, 4>, 16>;
var<workgroup> state_block: array<array<vec4<i32>, 4>, 16>;

fn accumulate_energy(slot: u32, b: u32, quadratic: i32, threshold: i32) {
    let at = (slot * params.probes + b) * 4u;
    atomicAdd(&energy[at], bitcast<u32>(wide_hi_part(quadratic)));
    atomicAdd(&energy[at + 1u], wide_lo_part(quadratic));
    atomicAdd(&energy[at + 2u], bitcast<u32>(wide_hi_part(threshold)));
    atomicAdd(&energy[at + 3u], wide_lo_part(threshold));
}

// Dynamics::update: the new value of a neuron with `input` (in the weights' units).
fn update(rule: NeuronRule, input: i32, old: i32, key: vec4<u32>, sweep: u32, neuron: u32) -> i32 {
    if rule.up == 0x7fffffff {
        return old;
    }
    if params.glauber_factor > 0.0 {
        // Both operations are exactly rounded and cannot fuse, so the CPU computes the same f32.
        let argument = (f32(input) - rule.theta_scaled) * params.glauber_factor;
        let draw = rng_draw(key, sweep | 0x80000000u, neuron);
        return select(-1, 1, argument > logit_table[draw >> 16u]);
    }
    if input >= rule.up {
        return 1;
    }
    if input <= rule.down {
        return -1;
    }
    return old;
}

@compute @workgroup_size(16, 16)
fn sweep(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
) {
    let n = params.neurons;
    let tile = group.y * groups.x + group.x;
    let probe_tiles = (params.probes + TILE - 1u) / TILE;
    if tile >= params.neuron_tiles * probe_tiles {
        return;
    }
    let neuron_start = (tile % params.neuron_tiles) * TILE;
    let probe_start = (tile / params.neuron_tiles) * TILE;
    let i = neuron_start + local.x;
    let b = probe_start + local.y;

    var field = 0i;
    for (var j0 = 0u; j0 < n; j0 += TILE) {
        let row = neuron_start + local.y;
        let column = j0 + local.x;
        var w = 0i;
        if row < n && column < n {
            w = weights[row * n + column];
        }
        weight_block[local.y][local.x / 4u][local.x % 4u] = w;
        var s = 0i;
        if b < params.probes && column < n {
            s = current[b * n + column];
        }
        state_block[local.y][local.x / 4u][local.x % 4u] = s;
        workgroupBarrier();
        field += dot(weight_block[local.x][0], state_block[local.y][0])
            + dot(weight_block[local.x][1], state_block[local.y][1])
            + dot(weight_block[local.x][2], state_block[local.y][2])
            + dot(weight_block[local.x][3], state_block[local.y][3]);
        workgroupBarrier();
    }

    if i >= n || b >= params.probes {
        return;
    }
    let index = b * n + i;
    let s = current[index];
    let rule = rules[i];
    if params.energy_only == 1u {
        accumulate_energy(params.energy_slot, b, s * field, s * rule.theta_fixed);
        return;
    }
    let probe = status[b];
    if probe.ending != RUNNING {
        next[index] = s;
        return;
    }
    accumulate_energy(probe.sweeps, b, s * field, s * rule.theta_fixed);

    let input = field + rule.self_weight * s;
    let updated = update(rule, input, s, keys[b], probe.sweeps, i);
    next[index] = updated;
    if updated != s {
        atomicOr(&flags[2u * b], 1u);
    }
    if updated != before[index] {
        atomicOr(&flags[2u * b + 1u], 1u);
    }
}

@compute @workgroup_size(64)
fn finalize(
    @builtin(global_invocation_id) id: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let b = id.y * groups.x * 64u + id.x;
    if b >= params.probes || status[b].ending != RUNNING {
        return;
    }
    let changed = atomicExchange(&flags[2u * b], 0u);
    let differs_from_before = atomicExchange(&flags[2u * b + 1u], 0u);
    let sweep = status[b].sweeps;
    status[b].sweeps = sweep + 1u;
    if changed == 0u {
        status[b].ending = FIXED_POINT;
    } else if sweep >= 1u && differs_from_before == 0u {
        status[b].ending = TWO_CYCLE;
    } else if sweep + 1u >= params.max_sweeps {
        status[b].ending = SWEEP_LIMIT;
    }
}
