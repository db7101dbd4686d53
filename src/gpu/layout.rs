//! The check that a `#[repr(C)]` struct shared with WGSL has the layout naga gives the WGSL
//! struct of the same role: the same size, and each field at the same offset under the same
//! name. It runs in unit tests, on any machine (naga parses the shader; no GPU is opened), so a
//! field added, reordered or retyped on one side only fails `cargo test`.

use super::shaders::ShaderModule;

/// `module`'s WGSL as naga reads it; a shader that does not parse fails the test here.
fn parsed(module: &ShaderModule) -> naga::Module {
    let source = module.source();
    naga::front::wgsl::parse_str(&source).unwrap_or_else(|err| {
        panic!(
            "{} does not parse: {}",
            module.name,
            err.emit_to_string(&source)
        )
    })
}

/// Fails unless WGSL struct `wgsl_struct` of `module` has size `size` and exactly the members
/// `fields` (name, byte offset), in order, padding aside. Use [`assert_wgsl_layout!`](crate::assert_wgsl_layout).
pub fn check_layout(
    module: &ShaderModule,
    wgsl_struct: &str,
    size: usize,
    fields: &[(&str, usize)],
) {
    let parsed = parsed(module);
    let mut layouter = naga::proc::Layouter::default();
    layouter
        .update(parsed.to_ctx())
        .unwrap_or_else(|err| panic!("{}: no layout: {err}", module.name));
    let ty = parsed
        .types
        .iter()
        .find(|(_, ty)| ty.name.as_deref() == Some(wgsl_struct))
        .unwrap_or_else(|| panic!("{} declares no struct {wgsl_struct}", module.name))
        .1;
    let naga::TypeInner::Struct { members, span } = &ty.inner else {
        panic!("{wgsl_struct} in {} is not a struct", module.name);
    };
    // Padding (names from `_`) is an array in Rust and scalars in WGSL, whose uniform arrays
    // need a 16-byte stride: the sizes settle it.
    let wgsl: Vec<(String, usize)> = members
        .iter()
        .map(|m| (m.name.clone().unwrap_or_default(), m.offset as usize))
        .filter(|(name, _)| !name.starts_with('_'))
        .collect();
    let rust: Vec<(String, usize)> = fields
        .iter()
        .filter(|(name, _)| !name.starts_with('_'))
        .map(|&(n, o)| (n.to_string(), o))
        .collect();
    assert_eq!(
        rust, wgsl,
        "the Rust fields (name, offset) differ from {wgsl_struct} in {}",
        module.name
    );
    assert_eq!(
        size, *span as usize,
        "the Rust struct has {size} bytes, {wgsl_struct} in {} {span}",
        module.name
    );
}

/// The literal WGSL constant `name` of `module` is initialised with.
fn constant_literal(module: &ShaderModule, name: &str) -> naga::Literal {
    let parsed = parsed(module);
    let constant = parsed
        .constants
        .iter()
        .find(|(_, c)| c.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("{} declares no constant {name}", module.name))
        .1;
    match parsed.global_expressions[constant.init] {
        naga::Expression::Literal(literal) => literal,
        ref other => panic!("{name} in {} is not a literal: {other:?}", module.name),
    }
}

/// The value of WGSL constant `name` in `module` (an integer literal), for tests that hold the
/// CPU path's constants to the shaders'.
pub fn wgsl_constant(module: &ShaderModule, name: &str) -> i64 {
    match constant_literal(module, name) {
        naga::Literal::U32(v) => i64::from(v),
        naga::Literal::I32(v) => i64::from(v),
        naga::Literal::AbstractInt(v) => v,
        other => panic!("{name} in {} is not an integer: {other:?}", module.name),
    }
}

/// The value of WGSL constant `name` in `module`, a float literal.
pub fn wgsl_float_constant(module: &ShaderModule, name: &str) -> f64 {
    match constant_literal(module, name) {
        naga::Literal::F32(v) => f64::from(v),
        naga::Literal::AbstractFloat(v) => v,
        other => panic!("{name} in {} is not a float: {other:?}", module.name),
    }
}

/// `assert_wgsl_layout!(shaders::SOM_BMU, "Params", BmuParams { sample_count, dim, … })`:
/// [`check_layout`] with the Rust struct's size and field offsets, every field named.
#[macro_export]
#[doc(hidden)]
macro_rules! assert_wgsl_layout {
    ($module:expr, $wgsl:literal, $rust:ident { $($field:ident),* $(,)? }) => {
        $crate::gpu::layout::check_layout(
            &$module,
            $wgsl,
            std::mem::size_of::<$rust>(),
            &[$((stringify!($field), std::mem::offset_of!($rust, $field))),*],
        )
    };
}

#[cfg(test)]
mod tests {
    use crate::gpu::shaders;

    #[repr(C)]
    struct Wrong {
        sample_count: u32,
        node_start: u32,
    }

    #[test]
    #[should_panic(expected = "differ from Params")]
    fn a_mismatch_fails() {
        crate::assert_wgsl_layout!(
            shaders::SOM_BMU,
            "Params",
            Wrong {
                sample_count,
                node_start
            }
        );
    }
}
