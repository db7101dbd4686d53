// Asynchronous recall's field for factored couplings (see recall_async_steps.wgsl):
// h_i = Σ_mu X[mu][i] m_mu - P s_i from the overlaps m = X s, which every flip updates.

fn field(b: u32, i: u32, base: u32, lane: u32) -> i32 {
    let stored = params.stored;
    var part = 0i;
    for (var mu = lane; mu < stored; mu += LANES) {
        part += pattern_value(mu, i) * overlaps[b * stored + mu];
    }
    return lane_sum(lane, part) - i32(stored) * states[base + i];
}

// A flip of neuron i to v changes every overlap m_mu by 2 v X[mu][i].
fn after_step(b: u32, i: u32, lane: u32) {
    let stored = params.stored;
    workgroupBarrier();
    let updated = flipped_to;
    if updated != 0 {
        for (var mu = lane; mu < stored; mu += LANES) {
            overlaps[b * stored + mu] += 2 * updated * pattern_value(mu, i);
        }
    }
}
