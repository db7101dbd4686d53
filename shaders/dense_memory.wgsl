// Recall in a dense associative memory, E(σ) = −Σ_mu F(ξ^mu·σ) + Σ_i θ_i σ_i, through the
// overlaps m_mu = ξ^mu·σ of a batch of probes (see src/hopfield/recall/dense/mod.rs; CPU twin
// src/hopfield/recall/dense/cpu.rs, which makes the same sums in the same order).
//
// Each step (sweep) of the batch is the plan
//   overlaps, energy            the overlaps and energy of every probe's state that has none yet
//                               (so a probe that ended last step gets its final energy);
//   sync:  sync_update, sync_finish
//   async: begin_sweep, async_steps (one dispatch per range of order positions), end_sweep
// and after the last step overlaps and energy once more.
//
// Polynomial interactions work in exact 64-bit integers (two u32 words; WGSL has none), the
// exponential one in f32 from a shared table of e^(−k).

struct Params {
    probes: u32,
    neurons: u32,
    stored: u32,
    // 1 for F(x) = e^x (f32 tables), 0 for the polynomials (64-bit integer tables).
    exponential: u32,
    // Words per packed pattern (row_bits) and per packed neuron column (column_bits).
    row_words: u32,
    column_words: u32,
    max_sweeps: u32,
    // Room for flips per probe (0: not recorded).
    flip_capacity: u32,
    // 1 / (2T) for Glauber dynamics; 0 for the deterministic rule.
    glauber_factor: f32,
    // async_steps: the order positions [step_start, step_start + step_count).
    step_start: u32,
    step_count: u32,
    _pad: u32,
}

// DenseRule in src/hopfield/recall/dense/mod.rs, the bounds split into words (layout checked by a test).
struct Rule {
    clamped: u32,
    up_lo: u32,
    up_hi: u32,
    down_lo: u32,
    down_hi: u32,
    theta4: f32,
    theta_fixed: i32,
    _pad: u32,
}

// The layout of ProbeStatus in src/hopfield/recall/dense/gpu.rs (checked by a unit test).
struct Status {
    ending: u32,
    sweeps: u32,
    // Energy slots written: one per state, the initial one first.
    energies: u32,
    flips: u32,
    // The largest overlap plus one, the shift of the exponential's terms.
    top: i32,
    changed: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// Bit j of word mu * row_words + j / 32: ξ_j^mu = +1.
@group(0) @binding(1) var<storage, read> row_bits: array<u32>;
// Bit mu of word i * column_words + mu / 32: ξ_i^mu = +1.
@group(0) @binding(2) var<storage, read> column_bits: array<u32>;
// probes x neurons, +1 or -1.
@group(0) @binding(3) var<storage, read_write> states: array<i32>;
@group(0) @binding(4) var<storage, read_write> next_states: array<i32>;
@group(0) @binding(5) var<storage, read_write> before_states: array<i32>;
// probes x stored.
@group(0) @binding(6) var<storage, read_write> overlaps: array<i32>;
// Polynomials: G(x) = F(x + 1) − F(x − 1) at x + N + 1, as [lo, hi]. Exp: e^(−k) bits at k.
@group(0) @binding(7) var<storage, read> differences: array<u32>;
// Polynomials: F(m) at m + N, as [lo, hi]. Exp: e^(−k) bits at k = N − m.
@group(0) @binding(8) var<storage, read> energy_table: array<u32>;
@group(0) @binding(9) var<storage, read> rules: array<Rule>;
@group(0) @binding(10) var<storage, read> logit_table: array<f32>;
@group(0) @binding(11) var<storage, read> keys: array<vec4<u32>>;
@group(0) @binding(12) var<storage, read_write> status: array<Status>;
// (max_sweeps + 1) slots x probes x [interaction lo, hi, threshold lo, hi]: Σ F(m) (exp: its
// f32 bits in lo) and Σ θ_fixed σ.
@group(0) @binding(13) var<storage, read_write> energy: array<u32>;
// async: the visiting order of the current sweep (probes x neurons) and the flips.
@group(0) @binding(14) var<storage, read_write> order: array<u32>;
@group(0) @binding(15) var<storage, read_write> flips: array<u32>;

// A 64-bit two's complement integer.
struct Long {
    lo: u32,
    hi: u32,
}

fn long_add(a: Long, b: Long) -> Long {
    let lo = a.lo + b.lo;
    return Long(lo, a.hi + b.hi + select(0u, 1u, lo < a.lo));
}

fn long_neg(a: Long) -> Long {
    let lo = ~a.lo + 1u;
    return Long(lo, ~a.hi + select(0u, 1u, lo == 0u));
}

fn long_from_i32(v: i32) -> Long {
    return Long(bitcast<u32>(v), select(0u, 0xffffffffu, v < 0));
}

// a >= b, signed.
fn long_at_least(a: Long, b: Long) -> bool {
    if a.hi != b.hi {
        return bitcast<i32>(a.hi) > bitcast<i32>(b.hi);
    }
    return a.lo >= b.lo;
}

fn long_to_f32(a: Long) -> f32 {
    // hi · 2^32 is exact, so a fused multiply-add would round the same once.
    return f32(bitcast<i32>(a.hi)) * 4294967296.0 + f32(a.lo);
}

fn table_long(at: u32) -> Long {
    return Long(differences[2u * at], differences[2u * at + 1u]);
}

fn pattern_at_neuron(i: u32, mu: u32) -> bool {
    return ((column_bits[i * params.column_words + mu / 32u] >> (mu % 32u)) & 1u) == 1u;
}

fn thread_index(group: vec3<u32>, groups: vec3<u32>, local: u32) -> u32 {
    return (group.y * groups.x + group.x) * 64u + local;
}

// A probe needs its state's overlaps and energy when it has fewer energies than sweeps + 1.
fn needs_energy(b: u32) -> bool {
    return status[b].energies <= status[b].sweeps;
}

// One thread per (probe, pattern).
@compute @workgroup_size(64)
fn compute_overlaps(thread: Invocation) {
    let t = thread_index(thread.group, thread.groups, thread.lane);
    let b = t / params.stored;
    let mu = t % params.stored;
    if b >= params.probes || !needs_energy(b) { return; }
    let n = params.neurons;
    var m = 0i;
    for (var j = 0u; j < n; j++) {
        let plus = ((row_bits[mu * params.row_words + j / 32u] >> (j % 32u)) & 1u) == 1u;
        let s = states[b * n + j];
        m += select(-s, s, plus);
    }
    overlaps[b * params.stored + mu] = m;
}

// One thread per probe: the energy slot of the current state, and the exponential's shift.
@compute @workgroup_size(64)
fn compute_energy(thread: Invocation) {
    let b = thread_index(thread.group, thread.groups, thread.lane);
    if b >= params.probes || !needs_energy(b) { return; }
    let n = params.neurons;
    let p = params.stored;
    var interaction = Long(0u, 0u);
    var scaled = 0.0f;
    var largest = overlaps[b * p];
    for (var mu = 0u; mu < p; mu++) {
        let m = overlaps[b * p + mu];
        largest = max(largest, m);
        if params.exponential == 1u {
            scaled = scaled + bitcast<f32>(energy_table[u32(i32(n) - m)]);
        } else {
            let at = u32(m + i32(n));
            interaction = long_add(interaction, Long(energy_table[2u * at], energy_table[2u * at + 1u]));
        }
    }
    var threshold = Long(0u, 0u);
    for (var i = 0u; i < n; i++) {
        threshold = long_add(threshold, long_from_i32(states[b * n + i] * rules[i].theta_fixed));
    }
    if params.exponential == 1u {
        interaction = Long(bitcast<u32>(scaled), 0u);
    }
    let slot = (status[b].energies * params.probes + b) * 4u;
    energy[slot] = interaction.lo;
    energy[slot + 1u] = interaction.hi;
    energy[slot + 2u] = threshold.lo;
    energy[slot + 3u] = threshold.hi;
    status[b].energies += 1u;
    status[b].top = largest + 1;
}

// A neuron's preference for +1: exact (polynomials) or scaled by a positive factor (exp).
struct Preference {
    exact: Long,
    scaled: f32,
}

// σ_i Σ_mu (A_mu − B_mu) + Σ_mu ξ_i^mu (A_mu + B_mu) with A_mu = G(m_mu − 1), B_mu = G(m_mu + 1),
// summed in pattern order (cpu.rs `preference`).
fn preference(b: u32, i: u32, sigma: i32, top: i32) -> Preference {
    let p = params.stored;
    if params.exponential == 1u {
        var d = 0.0f;
        var s = 0.0f;
        for (var mu = 0u; mu < p; mu++) {
            let m = overlaps[b * p + mu];
            let a = bitcast<f32>(differences[u32(top - m + 1)]);
            let c = bitcast<f32>(differences[u32(top - m - 1)]);
            d = d + (a - c);
            s = s + select(-(a + c), a + c, pattern_at_neuron(i, mu));
        }
        return Preference(Long(0u, 0u), s + select(-d, d, sigma > 0));
    }
    let offset = i32(params.neurons) + 1;
    var d = Long(0u, 0u);
    var s = Long(0u, 0u);
    for (var mu = 0u; mu < p; mu++) {
        let m = overlaps[b * p + mu];
        let a = table_long(u32(m - 1 + offset));
        let c = table_long(u32(m + 1 + offset));
        d = long_add(d, long_add(a, long_neg(c)));
        var both = long_add(a, c);
        if !pattern_at_neuron(i, mu) {
            both = long_neg(both);
        }
        s = long_add(s, both);
    }
    if sigma < 0 {
        d = long_neg(d);
    }
    return Preference(long_add(s, d), 0.0);
}

// DenseMemory::decide: the new state of neuron i (state `old`) in `sweep`.
fn decide(i: u32, preference: Preference, old: i32, key: vec4<u32>, sweep: u32) -> i32 {
    let rule = rules[i];
    if rule.clamped != 0u {
        return old;
    }
    if params.exponential == 1u {
        if preference.scaled > 0.0 {
            return 1;
        }
        if preference.scaled < 0.0 {
            return -1;
        }
        return old;
    }
    if params.glauber_factor > 0.0 {
        // A subtraction, then a product: nothing to fuse, so the CPU computes the same f32.
        let argument = (long_to_f32(preference.exact) - rule.theta4) * params.glauber_factor;
        let draw = rng_draw(key, sweep | 0x80000000u, i);
        return select(-1, 1, argument > logit_table[draw >> 16u]);
    }
    if long_at_least(preference.exact, Long(rule.up_lo, rule.up_hi)) {
        return 1;
    }
    if long_at_least(Long(rule.down_lo, rule.down_hi), preference.exact) {
        return -1;
    }
    return old;
}

// Synchronous recall, one thread per (probe, neuron): the next state from the current one.
@compute @workgroup_size(64)
fn sync_update(thread: Invocation) {
    let t = thread_index(thread.group, thread.groups, thread.lane);
    let n = params.neurons;
    let b = t / n;
    let i = t % n;
    if b >= params.probes || status[b].ending != RUNNING { return; }
    let old = states[b * n + i];
    let updated = decide(i, preference(b, i, old, status[b].top), old, keys[b], status[b].sweeps);
    next_states[b * n + i] = updated;
}

// Synchronous recall, one thread per probe: a fixed point when nothing changed, a two-cycle
// when the state returned to the one before; the next state becomes the current one.
@compute @workgroup_size(64)
fn sync_finish(thread: Invocation) {
    let b = thread_index(thread.group, thread.groups, thread.lane);
    if b >= params.probes || status[b].ending != RUNNING { return; }
    let n = params.neurons;
    var changed = false;
    var back = status[b].sweeps >= 1u;
    for (var i = 0u; i < n; i++) {
        let at = b * n + i;
        let next = next_states[at];
        changed = changed || next != states[at];
        back = back && next == before_states[at];
        before_states[at] = states[at];
        states[at] = next;
    }
    var probe = status[b];
    probe.sweeps += 1u;
    if !changed {
        probe.ending = FIXED_POINT;
    } else if back {
        probe.ending = TWO_CYCLE;
    } else if probe.sweeps >= params.max_sweeps {
        probe.ending = SWEEP_LIMIT;
    }
    status[b] = probe;
}

// Asynchronous recall, one thread per probe: the sweep's visiting order, Fisher-Yates from the
// top as StreamKey::permutation draws it.
@compute @workgroup_size(64)
fn begin_sweep(thread: Invocation) {
    let b = thread_index(thread.group, thread.groups, thread.lane);
    if b >= params.probes || status[b].ending != RUNNING { return; }
    let n = params.neurons;
    let base = b * n;
    for (var i = 0u; i < n; i++) {
        order[base + i] = i;
    }
    let key = keys[b];
    let sweep = status[b].sweeps;
    for (var i = n - 1u; i >= 1u; i--) {
        let j = rng_below(key, sweep, i, i + 1u);
        let swapped = order[base + i];
        order[base + i] = order[base + j];
        order[base + j] = swapped;
    }
    status[b].changed = 0u;
}

// Asynchronous recall, one thread per probe: the neurons at order positions
// [step_start, step_start + step_count), one at a time, the overlaps following every flip.
@compute @workgroup_size(64)
fn async_steps(thread: Invocation) {
    let b = thread_index(thread.group, thread.groups, thread.lane);
    if b >= params.probes || status[b].ending != RUNNING { return; }
    let n = params.neurons;
    let p = params.stored;
    var probe = status[b];
    let key = keys[b];
    let end = min(params.step_start + params.step_count, n);
    for (var k = params.step_start; k < end; k++) {
        let i = order[b * n + k];
        if rules[i].clamped != 0u {
            continue;
        }
        var top = 0i;
        if params.exponential == 1u {
            top = overlaps[b * p];
            for (var mu = 1u; mu < p; mu++) {
                top = max(top, overlaps[b * p + mu]);
            }
            top += 1;
        }
        let old = states[b * n + i];
        let updated = decide(i, preference(b, i, old, top), old, key, probe.sweeps);
        if updated != old {
            states[b * n + i] = updated;
            for (var mu = 0u; mu < p; mu++) {
                let x = select(-1, 1, pattern_at_neuron(i, mu));
                overlaps[b * p + mu] += 2 * updated * x;
            }
            probe.changed = 1u;
            if probe.flips < params.flip_capacity {
                flips[b * params.flip_capacity + probe.flips] = i;
            }
            probe.flips += 1u;
        }
    }
    status[b] = probe;
}

// Asynchronous recall, one thread per probe: a fixed point when the sweep changed nothing.
@compute @workgroup_size(64)
fn end_sweep(thread: Invocation) {
    let b = thread_index(thread.group, thread.groups, thread.lane);
    if b >= params.probes || status[b].ending != RUNNING { return; }
    var probe = status[b];
    probe.sweeps += 1u;
    if probe.changed == 0u {
        probe.ending = FIXED_POINT;
    } else if probe.sweeps >= params.max_sweeps {
        probe.ending = SWEEP_LIMIT;
    }
    status[b] = probe;
}
