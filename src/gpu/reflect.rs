//! What a shader module's WGSL says about its kernels' buffers, read with naga (wgpu's own WGSL
//! front end): for `kernel.rs`, which binds by these names, and the context, which keeps one
//! reading per module.

use std::collections::HashMap;

use super::shaders::ShaderModule;

/// Per entry point of a module, the group-0 buffers it uses: (WGSL name, binding number).
pub(crate) type ModuleBindings = HashMap<String, Vec<(String, u32)>>;

/// Reads `module`'s WGSL with naga: which buffers each entry point uses.
pub(crate) fn module_bindings(module: &ShaderModule) -> Result<ModuleBindings, String> {
    let source = module.source();
    let parsed = naga::front::wgsl::parse_str(&source)
        .map_err(|err| format!("{}: {}", module.name, err.emit_to_string(&source)))?;
    let info = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::all(),
    )
    .validate(&parsed)
    .map_err(|err| format!("{}: {}", module.name, err.emit_to_string(&source)))?;
    Ok(parsed
        .entry_points
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let uses = info.get_entry_point(index);
            let used = parsed
                .global_variables
                .iter()
                .filter(|(handle, _)| !uses[*handle].is_empty())
                .filter_map(|(_, global)| {
                    let binding = global.binding.as_ref().filter(|b| b.group == 0)?;
                    Some((global.name.clone().unwrap_or_default(), binding.binding))
                })
                .collect();
            (entry.name.clone(), used)
        })
        .collect())
}
