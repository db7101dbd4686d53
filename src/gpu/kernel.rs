//! Kernels bound by name. A [`KernelSpec`] names a WGSL entry point and the buffers it binds, by
//! the names its WGSL declares them with, in the order dispatch code passes them; the binding
//! numbers are read from the WGSL (naga) when the kernel is created, so dispatch code holds no
//! binding numbers. A unit test beside each spec runs [`KernelSpec::binding_numbers`] on any
//! machine (no GPU): a binding renamed, added or dropped on either side fails `cargo test`.

use std::sync::Arc;

use super::context::GpuContext;
use super::reflect::{module_bindings, ModuleBindings};
use super::shaders::ShaderModule;

/// A WGSL entry point and the names of the buffers it binds in group 0.
#[derive(Debug, Clone, Copy)]
pub struct KernelSpec {
    pub module: ShaderModule,
    pub entry: &'static str,
    /// Every buffer the entry point uses, by its WGSL name, in the order `Kernel::bind` takes.
    pub bindings: &'static [&'static str],
}

impl KernelSpec {
    /// The binding number of each of `bindings`, read from the WGSL; an error naming the kernel
    /// unless `bindings` are exactly the group-0 globals the entry point uses.
    pub fn binding_numbers(&self) -> Result<Vec<u32>, String> {
        self.numbers_in(&module_bindings(&self.module)?)
    }

    /// [`KernelSpec::binding_numbers`] from the module's bindings, read once per module.
    fn numbers_in(&self, module: &ModuleBindings) -> Result<Vec<u32>, String> {
        let kernel = format!("{}::{}", self.module.name, self.entry);
        let used = module
            .get(self.entry)
            .ok_or_else(|| format!("{} has no entry point {}", self.module.name, self.entry))?;
        let numbers = self
            .bindings
            .iter()
            .map(|name| {
                used.iter()
                    .find(|(used_name, _)| used_name == name)
                    .map(|&(_, number)| number)
                    .ok_or_else(|| format!("{kernel} binds no buffer named {name}"))
            })
            .collect::<Result<Vec<u32>, String>>()?;
        let unnamed: Vec<&str> = used
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| !self.bindings.contains(name))
            .collect();
        if !unnamed.is_empty() {
            return Err(format!("{kernel} also binds {unnamed:?}"));
        }
        Ok(numbers)
    }
}

/// Declares a kernel family: a struct with one [`Kernel`] per entry point of a shader module,
/// its `KernelFamily` impl (built once per context by `GpuContext::kernels`), `SPECS`, every
/// entry point's spec, and the seam test that checks them against the WGSL (one family per
/// module):
///
/// ```ignore
/// kernel_family! {
///     /// The Storkey rule's kernels.
///     struct StorkeyKernels(shaders::STORKEY) {
///         field: "field" ["params", "patterns", "weights", "fields"],
///         update: "update" ["params", "patterns", "weights", "fields"],
///     }
/// }
/// ```
macro_rules! kernel_family {
    ($(#[$meta:meta])* $vis:vis struct $name:ident($module:expr) {
        $($kernel:ident: $entry:literal [$($binding:literal),* $(,)?]),+ $(,)?
    }) => {
        $(#[$meta])*
        $vis struct $name {
            $(pub(crate) $kernel: $crate::gpu::Kernel,)+
        }

        impl $name {
            /// Every kernel of the family, as its spec, in the order of the fields.
            #[allow(dead_code)]
            pub(crate) const SPECS: &'static [$crate::gpu::KernelSpec] = &[$(
                $crate::gpu::KernelSpec { module: $module, entry: $entry, bindings: &[$($binding),*] }
            ),+];
        }

        impl $crate::gpu::KernelFamily for $name {
            fn build(ctx: &$crate::gpu::GpuContext) -> $crate::Result<Self> {
                let mut specs = Self::SPECS.iter();
                Ok($name {
                    $($kernel: ctx.kernel(specs.next().expect("one spec per kernel")),)+
                })
            }
        }

        /// The seam test every family gets: each spec names exactly the buffers its WGSL entry
        /// point uses (read with naga, no GPU needed).
        #[cfg(test)]
        mod kernel_family_seam {
            #[test]
            fn kernels_bind_their_wgsl_buffers_by_name() {
                for spec in super::$name::SPECS {
                    spec.binding_numbers().unwrap();
                }
            }
        }
    };
}
pub(crate) use kernel_family;

/// A compute pipeline and the binding numbers of its spec's buffers.
pub struct Kernel {
    pub pipeline: wgpu::ComputePipeline,
    spec: KernelSpec,
    numbers: Vec<u32>,
}

impl Kernel {
    /// A bind group for `buffers`, one per name of the spec, in its order.
    pub fn bind(&self, ctx: &GpuContext, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
        assert_eq!(
            buffers.len(),
            self.numbers.len(),
            "{}::{} takes the buffers {:?}",
            self.spec.module.name,
            self.spec.entry,
            self.spec.bindings
        );
        let entries: Vec<(u32, &wgpu::Buffer)> = self
            .numbers
            .iter()
            .copied()
            .zip(buffers.iter().copied())
            .collect();
        ctx.bind(&self.pipeline, &entries)
    }
}

impl Kernel {
    /// A bind group for `named` buffers given by their WGSL names, in any order: every name of
    /// the spec exactly once (for kernels whose buffers are gathered from several places).
    pub fn bind_named(&self, ctx: &GpuContext, named: &[(&str, &wgpu::Buffer)]) -> wgpu::BindGroup {
        let kernel = format!("{}::{}", self.spec.module.name, self.spec.entry);
        let mut entries: Vec<(u32, &wgpu::Buffer)> = named
            .iter()
            .map(|&(name, buffer)| {
                let at = self
                    .spec
                    .bindings
                    .iter()
                    .position(|&b| b == name)
                    .unwrap_or_else(|| panic!("{kernel} binds no buffer named {name}"));
                (self.numbers[at], buffer)
            })
            .collect();
        entries.sort_by_key(|&(number, _)| number);
        let mut numbers: Vec<u32> = entries.iter().map(|&(number, _)| number).collect();
        numbers.dedup();
        assert!(
            numbers.len() == entries.len() && numbers.len() == self.numbers.len(),
            "{kernel} takes each of the buffers {:?} once",
            self.spec.bindings
        );
        ctx.bind(&self.pipeline, &entries)
    }
}

impl GpuContext {
    /// The kernel of `spec`. Panics when the spec and its WGSL disagree: a mistake in the code,
    /// which the spec's unit test catches without a GPU.
    pub fn kernel(&self, spec: &KernelSpec) -> Kernel {
        // A module's WGSL is read once, however many of its entry points become kernels.
        let module = {
            let mut read = self
                .module_bindings
                .lock()
                .expect("module bindings poisoned");
            read.entry(spec.module.name)
                .or_insert_with(|| {
                    Arc::new(module_bindings(&spec.module).unwrap_or_else(|err| panic!("{err}")))
                })
                .clone()
        };
        let numbers = spec
            .numbers_in(&module)
            .unwrap_or_else(|err| panic!("{err}"));
        Kernel {
            pipeline: self.compute_pipeline(&spec.module, spec.entry),
            spec: *spec,
            numbers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::shaders;

    #[test]
    fn names_must_be_exactly_the_entry_points_bindings() {
        let spec = |bindings| KernelSpec {
            module: shaders::SOM_BMU,
            entry: "find_bmus",
            bindings,
        };
        let right = spec(&["params", "samples", "codebook", "matches"]);
        assert_eq!(right.binding_numbers().unwrap(), [0, 1, 2, 3]);
        let reordered = spec(&["matches", "params", "samples", "codebook"]);
        assert_eq!(reordered.binding_numbers().unwrap(), [3, 0, 1, 2]);
        let misnamed = spec(&["params", "sample", "codebook", "matches"]);
        assert!(misnamed
            .binding_numbers()
            .unwrap_err()
            .contains("no buffer named sample"));
        let short = spec(&["params", "samples", "codebook"]);
        assert!(short
            .binding_numbers()
            .unwrap_err()
            .contains("also binds [\"matches\"]"));
    }
}
