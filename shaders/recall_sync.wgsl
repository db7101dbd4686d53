// Synchronous recall of a batch of probes: every neuron of a probe is updated from the same state.
// CPU twin: recall_sync_probe in src/hopfield/recall/cpu.rs; the update rule is
// Dynamics::update in src/hopfield/recall/mod.rs.
//
// One sweep is two dispatches: `sweep` computes the fields H = W S as a tiled, register-blocked
// integer matrix product (64 neurons x 64 probes per workgroup, 4 x 4 per invocation), writes the
// new states, accumulates the energy of the current state and raises per-probe flags; `finalize` (one thread per probe) turns the flags
// into the probe's ending: a fixed point (no neuron changed), a 2-cycle (the new state equals the
// one before the current) or the sweep limit. Finished probes are copied forward unchanged.
// The three state buffers rotate: current s(t), next s(t+1), before s(t-1).
//
// Factored couplings (Hebbian W = XᵀX - P·I, no N x N matrix): `overlaps` computes M = X S in
// chunks of neurons, and `factored_sweep` takes the fields H = XᵀM - P S in place of `sweep`.
// The patterns X are packed 32 neurons to a word (bit set = +1).

// The layout of SyncParams in src/hopfield/recall/gpu/kernels.rs (checked by a unit test).
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
    // Factored couplings: the stored patterns, words per packed pattern, and the neurons
    // [chunk_start, chunk_start + chunk_count) one `overlaps` dispatch covers.
    stored: u32,
    words: u32,
    chunk_start: u32,
    chunk_count: u32,
    // Dense couplings may span several bindings of whole rows: `sweep` covers the neurons
    // [row_start, row_start + block_rows), whose rows `weights` holds.
    row_start: u32,
    block_rows: u32,
    _padding: u32,
}

// The layout of ProbeStatus in src/hopfield/recall/gpu/kernels.rs (checked by a unit test).
struct ProbeStatus {
    ending: u32,
    sweeps: u32,
}


@group(0) @binding(0) var<uniform> params: Params;
// Rows [row_start, row_start + block_rows) of the off-diagonal weights, row-major.
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
// Factored couplings: the patterns X packed (stored x words), and the overlaps M (probes x stored).
@group(0) @binding(11) var<storage, read> pattern_bits: array<u32>;
@group(0) @binding(12) var<storage, read_write> overlaps: array<i32>;

const TILE: u32 = 16u;

// The factored kernels' tiles (16 x 16, one result per invocation: P is small, and the overlaps
// are a fraction of the work). weight_block[r][q]: 4 consecutive values of row (start + r);
// state_block[b][q] likewise for probe (probe start + b). The 16 products of a block are four vec4 dot products, with no
// inner loop: every invocation stays far below llvmpipe's 65 535-iteration loop limit.
var<workgroup> weight_block: array<array<vec4<i32>, 4>, 16>;
var<workgroup> state_block: array<array<vec4<i32>, 4>, 16>;

// The 16 products of row r of weight_block with row c of state_block, as four vec4 dot products.
fn block_product(r: u32, c: u32) -> i32 {
    return dot(weight_block[r][0], state_block[c][0]) + dot(weight_block[r][1], state_block[c][1])
        + dot(weight_block[r][2], state_block[c][2]) + dot(weight_block[r][3], state_block[c][3]);
}

// Adds v to the wide sum at `at`. A carry out of the low word (after about 65 536 neurons'
// worth of parts) moves into the high word, so the sum stays exact while its value fits 47 bits.
fn accumulate_wide(at: u32, v: i32) {
    atomicAdd(&energy[at], bitcast<u32>(wide_hi_part(v)));
    let part = wide_lo_part(v);
    let before_add = atomicAdd(&energy[at + 1u], part);
    if before_add > 0xffffffffu - part {
        atomicAdd(&energy[at], 65536u);
    }
}

// Pattern mu's value at neuron j, +1 or -1.
fn pattern_value(mu: u32, j: u32) -> i32 {
    let word = pattern_bits[mu * params.words + j / 32u];
    return select(-1, 1, ((word >> (j % 32u)) & 1u) == 1u);
}

// The dense sweep's blocking: a workgroup of 16 x 16 invocations computes the fields of BLOCK
// neurons x BLOCK probes, each invocation a 4 x 4 block of them held in registers, from DEPTH
// columns of W and S at a time staged in workgroup memory. Per column an invocation reads one vec4
// of weights and one of states and makes 16 products: four times the arithmetic per load of one
// field per invocation.
const BLOCK: u32 = 64u;
const DEPTH: u32 = 16u;

// weight_panel[k][g]: the weights of the block's neurons 4g..4g+3 at the panel's column k;
// state_panel[k][g]: the states of its probes 4g..4g+3. Sixteen invocations in a row read sixteen
// consecutive vec4 of one column.
var<workgroup> weight_panel: array<array<vec4<i32>, 16>, 16>;
var<workgroup> state_panel: array<array<vec4<i32>, 16>, 16>;

@compute @workgroup_size(16, 16)
fn sweep(thread: Invocation) {
    let n = params.neurons;
    let tile = thread.group.y * thread.groups.x + thread.group.x;
    let probe_tiles = (params.probes + BLOCK - 1u) / BLOCK;
    if tile >= params.neuron_tiles * probe_tiles { return; }
    let row_end = params.row_start + params.block_rows;
    let neuron_start = params.row_start + (tile % params.neuron_tiles) * BLOCK;
    let probe_start = (tile / params.neuron_tiles) * BLOCK;
    // Staging: invocation `thread.lane` copies column thread.lane % DEPTH of the block's rows (and probes)
    // thread.lane / DEPTH + 16 q, so sixteen invocations in a row read sixteen consecutive words.
    let column_in_panel = thread.lane % DEPTH;
    let first_row = thread.lane / DEPTH;

    // fields[c][r]: neuron neuron_start + 4 thread.local.x + r, probe probe_start + 4 thread.local.y + c.
    var fields = array<vec4<i32>, 4>();
    for (var j0 = 0u; j0 < n; j0 += DEPTH) {
        let column = j0 + column_in_panel;
        for (var q = 0u; q < 4u; q++) {
            let r = first_row + 16u * q;
            let row = neuron_start + r;
            var w = 0i;
            if row < row_end && column < n {
                w = weights[(row - params.row_start) * n + column];
            }
            weight_panel[column_in_panel][r / 4u][r % 4u] = w;
            let b = probe_start + r;
            var s = 0i;
            if b < params.probes && column < n {
                s = current[b * n + column];
            }
            state_panel[column_in_panel][r / 4u][r % 4u] = s;
        }
        workgroupBarrier();
        for (var k = 0u; k < DEPTH; k++) {
            let w = weight_panel[k][thread.local.x];
            let s = state_panel[k][thread.local.y];
            fields[0] += w * s.x;
            fields[1] += w * s.y;
            fields[2] += w * s.z;
            fields[3] += w * s.w;
        }
        workgroupBarrier();
    }

    let first = neuron_start + 4u * thread.local.x;
    for (var c = 0u; c < 4u; c++) {
        finish_neurons(first, min(first + 4u, row_end), probe_start + 4u * thread.local.y + c, fields[c]);
    }
}

// Everything after the fields of neurons [first, end) (at most four) for probe b: the energy of
// the current state, the updates, and the flags that `finalize` reads, each gathered over the
// neurons first and added to its atomic once.
fn finish_neurons(first: u32, end: u32, b: u32, fields: vec4<i32>) {
    let n = params.neurons;
    if b >= params.probes { return; }
    let probe = status[b];
    let energy_only = params.energy_only == 1u;
    let running = probe.ending == RUNNING;
    // |s h| < 2^28 (FIELD_LIMIT in src/hopfield/network.rs): four of them fit an i32.
    var quadratic = 0i;
    var changed = 0u;
    var differs_from_before = 0u;
    let slot = select(probe.sweeps, params.energy_slot, energy_only);
    let at = (slot * params.probes + b) * 4u;
    for (var i = first; i < min(end, n); i++) {
        let index = b * n + i;
        let s = current[index];
        let rule = rules[i];
        let field = fields[i - first];
        if energy_only || running {
            quadratic += s * field;
            // θ_i s_i may take all 32 bits: added one at a time, and only when θ_i is not zero.
            if rule.theta_fixed != 0 {
                accumulate_wide(at + 2u, s * rule.theta_fixed);
            }
        }
        if energy_only {
            continue;
        }
        if !running {
            next[index] = s;
            continue;
        }
        let input = field + rule.self_weight * s;
        let updated = update(rule, input, s, keys[b], probe.sweeps, i);
        next[index] = updated;
        changed |= u32(updated != s);
        differs_from_before |= u32(updated != before[index]);
    }
    if !(energy_only || running) { return; }
    accumulate_wide(at, quadratic);
    if changed != 0u {
        atomicOr(&flags[2u * b], 1u);
    }
    if differs_from_before != 0u {
        atomicOr(&flags[2u * b + 1u], 1u);
    }
}

// Factored couplings: M[b][mu] = Σ_j X[mu][j] S[b][j] over one chunk of neurons (the first chunk
// assigns, the others add). One workgroup computes 16 patterns x 16 probes.
@compute @workgroup_size(16, 16)
fn overlaps_chunk(thread: Invocation) {
    let n = params.neurons;
    let pattern_tiles = (params.stored + TILE - 1u) / TILE;
    let probe_tiles = (params.probes + TILE - 1u) / TILE;
    let tile = thread.group.y * thread.groups.x + thread.group.x;
    if tile >= pattern_tiles * probe_tiles { return; }
    let pattern_start = (tile % pattern_tiles) * TILE;
    let probe_start = (tile / pattern_tiles) * TILE;
    let chunk_end = min(params.chunk_start + params.chunk_count, n);
    var sum = 0i;
    for (var j0 = params.chunk_start; j0 < chunk_end; j0 += TILE) {
        let j = j0 + thread.local.x;
        var x = 0i;
        if pattern_start + thread.local.y < params.stored && j < chunk_end {
            x = pattern_value(pattern_start + thread.local.y, j);
        }
        weight_block[thread.local.y][thread.local.x / 4u][thread.local.x % 4u] = x;
        var s = 0i;
        if probe_start + thread.local.y < params.probes && j < chunk_end {
            s = current[(probe_start + thread.local.y) * n + j];
        }
        state_block[thread.local.y][thread.local.x / 4u][thread.local.x % 4u] = s;
        workgroupBarrier();
        sum += block_product(thread.local.x, thread.local.y);
        workgroupBarrier();
    }
    let mu = pattern_start + thread.local.x;
    let b = probe_start + thread.local.y;
    if mu < params.stored && b < params.probes {
        let at = b * params.stored + mu;
        if params.chunk_start == 0u {
            overlaps[at] = sum;
        } else {
            overlaps[at] += sum;
        }
    }
}

// Factored couplings: h_i = Σ_mu X[mu][i] M[b][mu] - P s_i, then as `sweep`.
@compute @workgroup_size(16, 16)
fn factored_sweep(thread: Invocation) {
    let n = params.neurons;
    let tile = thread.group.y * thread.groups.x + thread.group.x;
    let probe_tiles = (params.probes + TILE - 1u) / TILE;
    if tile >= params.neuron_tiles * probe_tiles { return; }
    let neuron_start = (tile % params.neuron_tiles) * TILE;
    let probe_start = (tile / params.neuron_tiles) * TILE;
    var through_patterns = 0i;
    for (var mu0 = 0u; mu0 < params.stored; mu0 += TILE) {
        let mu = mu0 + thread.local.x;
        var x = 0i;
        if mu < params.stored && neuron_start + thread.local.y < n {
            x = pattern_value(mu, neuron_start + thread.local.y);
        }
        weight_block[thread.local.y][thread.local.x / 4u][thread.local.x % 4u] = x;
        var m = 0i;
        if mu < params.stored && probe_start + thread.local.y < params.probes {
            m = overlaps[(probe_start + thread.local.y) * params.stored + mu];
        }
        state_block[thread.local.y][thread.local.x / 4u][thread.local.x % 4u] = m;
        workgroupBarrier();
        through_patterns += block_product(thread.local.x, thread.local.y);
        workgroupBarrier();
    }
    let i = neuron_start + thread.local.x;
    let b = probe_start + thread.local.y;
    if i >= n || b >= params.probes { return; }
    let field = through_patterns - i32(params.stored) * current[b * n + i];
    finish_neurons(i, i + 1u, b, vec4<i32>(field, 0, 0, 0));
}

@compute @workgroup_size(64)
fn finalize(thread: Invocation) {
    let b = thread.global.y * thread.groups.x * 64u + thread.global.x;
    if b >= params.probes || status[b].ending != RUNNING { return; }
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
