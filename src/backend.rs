//! Where the work runs: the CPU reference path or a GPU through wgpu.

use std::sync::Arc;

use crate::error::Result;
use crate::gpu::{check_backend_variable, pick_adapter_summary, AdapterPolicy, GpuContext};

/// What the user asked for with `--backend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// A hardware GPU when there is one, otherwise the CPU (with a notice on stderr).
    #[default]
    Auto,
    /// A GPU adapter, software rasterisers (llvmpipe) included; an error when there is none.
    Gpu,
    /// The CPU reference path, on every core.
    Cpu,
}

crate::choice::choices!(BackendChoice {
    BackendChoice::Auto => ["auto"] "a hardware GPU when there is one, otherwise the CPU (with a notice)",
    BackendChoice::Gpu => ["gpu"] "a GPU adapter, software rasterisers (llvmpipe) included; an error when there is none",
    BackendChoice::Cpu => ["cpu"] "the CPU reference path, on every core",
});

/// An opened backend.
#[derive(Clone)]
pub enum Backend {
    Cpu,
    Gpu(Arc<GpuContext>),
}

impl Backend {
    /// Opens what `choice` asks for. With `Auto` and no hardware adapter, `notice` receives the
    /// reason the CPU path is used.
    pub fn open(choice: BackendChoice, notice: impl FnOnce(&str)) -> Result<Backend> {
        if choice != BackendChoice::Cpu {
            check_backend_variable()?;
        }
        match choice {
            BackendChoice::Cpu => Ok(Backend::Cpu),
            BackendChoice::Gpu => Ok(Backend::Gpu(GpuContext::open(AdapterPolicy::AnyAdapter)?)),
            BackendChoice::Auto => match GpuContext::open(AdapterPolicy::HardwareOnly) {
                Ok(ctx) => Ok(Backend::Gpu(ctx)),
                Err(err) => {
                    notice(&match pick_adapter_summary(AdapterPolicy::AnyAdapter) {
                        Ok(software) if software.software => format!(
                            "using the CPU: the only adapter, {} (see the device list), is a software rasteriser and slower than the CPU path; asking for the GPU backend uses it anyway",
                            software.name
                        ),
                        _ => format!("{err}; using the CPU"),
                    });
                    Ok(Backend::Cpu)
                }
            },
        }
    }

    /// "gpu" or "cpu".
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Cpu => "cpu",
            Backend::Gpu(_) => "gpu",
        }
    }

    /// The adapter's name, or a description of the CPU.
    pub fn device_name(&self) -> String {
        match self {
            Backend::Cpu => format!("CPU ({} threads)", rayon::current_num_threads()),
            Backend::Gpu(ctx) => ctx.adapter.name.clone(),
        }
    }
}
