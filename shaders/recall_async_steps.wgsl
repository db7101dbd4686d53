// The step kernel of every asynchronous variant: updates the neurons at order positions
// [step_start, step_start + step_count) of each probe, one at a time (see recall_async.wgsl).
// Compiled after a variant file that defines
//   field(b, i, base, lane) -> i32   the field of neuron i in probe b, summed over the lanes;
//   after_step(b, i, lane)           what every lane does once lane 0 has stepped neuron i
//                                    (`flipped_to` holds the new value, 0 if it did not flip).

@compute @workgroup_size(64)
fn steps(thread: Invocation) {
    let b = probe_index(thread.group, thread.groups);
    if b >= params.probes || probe_state[b].ending != RUNNING { return; }
    let n = params.neurons;
    let base = b * n;
    // Lane 0 keeps the running sums in registers for the dispatch.
    var probe = probe_state[b];
    var q = Wide(probe.quadratic_hi, probe.quadratic_lo);
    var t = Wide(probe.threshold_hi, probe.threshold_lo);
    let key = keys[b];
    let end = min(params.step_start + params.step_count, n);
    for (var k = params.step_start; k < end; k++) {
        let i = order[base + k];
        let rule = rules[i];
        // A clamped neuron never changes: skip its field (uniform across the workgroup).
        if is_clamped(rule) {
            continue;
        }
        let h = field(b, i, base, thread.lane);
        if thread.lane == 0u {
            flipped_to = step_neuron(b, i, h, rule, key, &probe, &q, &t);
        }
        after_step(b, i, thread.lane);
        // The new value must be visible to every thread.lane before the next neuron's field.
        storageBarrier();
    }
    if thread.lane == 0u {
        save_probe(b, probe, q, t);
    }
}
