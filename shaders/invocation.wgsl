// Where an invocation stands: every builtin hopsom's kernels read, gathered so that each entry
// point takes one parameter, `thread: Invocation`. Composed first into every module
// (src/gpu/shaders.rs).
struct Invocation {
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
    @builtin(global_invocation_id) global: vec3<u32>,
}
