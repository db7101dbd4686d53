// The neuron update rule of both recall kernels, written once: CPU twin Dynamics::update in
// src/hopfield/recall/mod.rs. Compiled into recall_sync.wgsl's and recall_async.wgsl's modules,
// whose `params.glauber_factor` and `logit_table` it reads.

// Dynamics::update: the new value of a neuron with `input` (in the weights' units).
fn update(rule: NeuronRule, input: i32, old: i32, key: vec4<u32>, sweep: u32, neuron: u32) -> i32 {
    if is_clamped(rule) {
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
