//! The only code that talks to wgpu: the shared context, the shader sources, and the helpers that
//! upload, bind, dispatch within the adapter's limits, and read back.

mod buffers;
mod context;
mod dispatch;
mod kernel;
#[cfg(test)]
pub mod layout;
mod profile;
mod random;
mod reflect;
pub mod shaders;

pub use buffers::{human_bytes, RowBlocks};
pub use context::{
    check_backend_variable, list_adapters, pick_adapter_summary, AdapterPolicy, AdapterSummary,
    GpuContext, KernelFamily,
};
pub use dispatch::{record, Dispatch};
pub(crate) use kernel::kernel_family;
pub use kernel::{Kernel, KernelSpec};
pub use profile::Profile;
