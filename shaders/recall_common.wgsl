// What both recall kernels (recall_sync.wgsl, recall_async.wgsl) share with each other and with
// the CPU path, declared once: the per-neuron rule (`NeuronRule` in src/hopfield/recall/mod.rs,
// its layout checked by a unit test) and the codes a probe's ending is written in (`Ending` and
// `RUNNING` there, their values checked by a unit test too).

struct NeuronRule {
    up: i32,
    down: i32,
    theta_fixed: i32,
    theta_scaled: f32,
    self_weight: i32,
}

// A clamped neuron's `up`: no input reaches it, and the kernels skip the neuron.
const CLAMPED: i32 = 0x7fffffff;

const RUNNING: u32 = 0u;
const FIXED_POINT: u32 = 1u;
const TWO_CYCLE: u32 = 2u;
const SWEEP_LIMIT: u32 = 3u;

fn is_clamped(rule: NeuronRule) -> bool {
    return rule.up == CLAMPED;
}
