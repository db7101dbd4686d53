// The generator itself as a kernel, for the known-answer and twin tests (tests/rng.rs): the CPU
// twins are `philox4x32_10` and `StreamKey::draw` / `StreamKey::below` in src/rng.rs.

// Per item: the counter, then the key in .xy.
@group(0) @binding(0) var<storage, read> block_inputs: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> block_outputs: array<vec4<u32>>;

@compute @workgroup_size(64)
fn philox_blocks(thread: Invocation) {
    let i = thread.global.x;
    if i >= arrayLength(&block_outputs) { return; }
    block_outputs[i] = philox4x32_10(block_inputs[2u * i], block_inputs[2u * i + 1u].xy);
}

// Per item: the stream key, then (round, index, bound, unused); out: (draw, below, 0, 0).
@compute @workgroup_size(64)
fn stream_draws(thread: Invocation) {
    let i = thread.global.x;
    if i >= arrayLength(&block_outputs) { return; }
    let key = block_inputs[2u * i];
    let at = block_inputs[2u * i + 1u];
    block_outputs[i] = vec4<u32>(rng_draw(key, at.x, at.y), rng_below(key, at.x, at.y, at.z), 0u, 0u);
}
