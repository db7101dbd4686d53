//! Every WGSL file is parsed and validated by naga, on any machine (no GPU needed).

use hopsom::gpu::shaders::{INVOCATION, LIBRARIES, MODULES};

fn validate(name: &str, source: &str) {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|err| panic!("{name} does not parse:\n{}", err.emit_to_string(source)));
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    )
    .validate(&module)
    .unwrap_or_else(|err| panic!("{name} does not validate:\n{}", err.emit_to_string(source)));
}

#[test]
fn every_compiled_module_validates() {
    for module in MODULES {
        validate(module.name, &module.source());
    }
}

#[test]
fn every_library_file_validates_alone() {
    for library in LIBRARIES {
        validate(library.file, library.text);
    }
}

#[test]
fn every_file_in_shaders_is_compiled() {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    for entry in std::fs::read_dir(&directory).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.ends_with(".wgsl") {
            continue;
        }
        // Every module begins with the entry points' parameter.
        let used = name == INVOCATION.file
            || MODULES
                .iter()
                .any(|m| m.parts.iter().any(|p| p.file == name));
        assert!(
            used,
            "shaders/{name} is not part of any module in src/gpu/shaders.rs"
        );
    }
}
