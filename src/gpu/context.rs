//! The GPU context: instance, adapter, device and queue, created once and shared, plus a cache
//! of compiled kernel families so each pipeline is built once per context.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// What `hopsom devices` shows for one adapter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    /// A software rasteriser (llvmpipe, WARP, SwiftShader): usable with `--backend gpu`,
    /// but `--backend auto` prefers the CPU path over it.
    pub software: bool,
    /// The limits hopsom sizes its work by.
    pub limits: LimitSummary,
}

/// The adapter limits that decide how work is split.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LimitSummary {
    pub max_storage_buffer_binding_size: u64,
    pub max_buffer_size: u64,
    pub max_storage_buffers_per_shader_stage: u32,
    pub max_compute_workgroups_per_dimension: u32,
    pub max_compute_workgroup_storage_size: u32,
}

impl AdapterSummary {
    fn from_adapter(adapter: &wgpu::Adapter) -> Self {
        let info = adapter.get_info();
        let limits = adapter.limits();
        AdapterSummary {
            limits: LimitSummary {
                max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
                max_buffer_size: limits.max_buffer_size,
                max_storage_buffers_per_shader_stage: limits.max_storage_buffers_per_shader_stage,
                max_compute_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
                max_compute_workgroup_storage_size: limits.max_compute_workgroup_storage_size,
            },
            name: info.name.clone(),
            backend: format!("{:?}", info.backend).to_lowercase(),
            device_type: device_type_name(info.device_type).to_string(),
            driver: format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_string(),
            software: info.device_type == wgpu::DeviceType::Cpu,
        }
    }
}

fn device_type_name(device_type: wgpu::DeviceType) -> &'static str {
    match device_type {
        wgpu::DeviceType::DiscreteGpu => "discrete-gpu",
        wgpu::DeviceType::IntegratedGpu => "integrated-gpu",
        wgpu::DeviceType::VirtualGpu => "virtual-gpu",
        wgpu::DeviceType::Cpu => "software",
        wgpu::DeviceType::Other => "other",
    }
}

/// A kernel family: the pipelines of one shader, built once per context (see [`GpuContext::kernels`]).
pub trait KernelFamily: Send + Sync + 'static {
    fn build(ctx: &GpuContext) -> Result<Self>
    where
        Self: Sized;
}

/// One opened GPU device, shared (behind `Arc`) by everything that dispatches work.
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub limits: wgpu::Limits,
    pub adapter: AdapterSummary,
    kernels: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    /// Each shader module compiled once, by name, however many entry points it serves.
    pub(super) shader_modules: Mutex<HashMap<&'static str, wgpu::ShaderModule>>,
    /// Each shader module's buffers per entry point, read from its WGSL once (see kernel.rs).
    pub(super) module_bindings: Mutex<HashMap<&'static str, Arc<super::reflect::ModuleBindings>>>,
    /// The first error wgpu reported outside an error scope, taken by [`GpuContext::take_error`].
    /// Without this handler wgpu panics on such errors.
    reported_error: Arc<Mutex<Option<String>>>,
    /// A binding size below the adapter's own, to exercise the tiled paths on small problems.
    binding_cap: Option<u64>,
    /// The running profile, if any (see `profile.rs`).
    pub(super) profiler: Mutex<Option<super::profile::Profiler>>,
    /// The most buffer memory seen live since the profile started.
    pub(super) peak_buffer_bytes: std::sync::atomic::AtomicU64,
}

/// The names wgpu accepts in `WGPU_BACKEND` (a comma-separated list).
const BACKEND_NAMES: &[&str] = &[
    "vulkan", "vk", "metal", "mtl", "dx12", "d3d12", "gl", "gles", "opengl", "webgpu",
];

/// Fails with a usage error naming the bad value when `WGPU_BACKEND` names no graphics API
/// (wgpu would silently search none, and the error would read as a missing driver).
pub fn check_backend_variable() -> Result<()> {
    let Ok(value) = std::env::var("WGPU_BACKEND") else {
        return Ok(());
    };
    for part in value.split(',') {
        let name = part.trim().to_lowercase();
        if !BACKEND_NAMES.contains(&name.as_str()) {
            return Err(Error::Usage(format!(
                "WGPU_BACKEND={value:?}: {:?} is not a graphics API; use vulkan, metal, dx12 or gl (comma-separated)",
                part.trim()
            )));
        }
    }
    Ok(())
}

fn new_instance() -> wgpu::Instance {
    // Honours WGPU_BACKEND (vulkan, metal, dx12, gl) and the other WGPU_* instance variables.
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

fn all_adapters(instance: &wgpu::Instance) -> Vec<wgpu::Adapter> {
    let backends = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::all());
    pollster::block_on(instance.enumerate_adapters(backends))
}

/// Every adapter the system offers, in wgpu's order.
pub fn list_adapters() -> Vec<AdapterSummary> {
    all_adapters(&new_instance())
        .iter()
        .map(AdapterSummary::from_adapter)
        .collect()
}

/// How to choose an adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdapterPolicy {
    /// Hardware adapters only (what `--backend auto` wants).
    HardwareOnly,
    /// Any adapter, a software rasteriser included (what `--backend gpu` accepts).
    AnyAdapter,
}

/// Picks an adapter: the one at index `HOPSOM_ADAPTER` of the device list if set (one process
/// per GPU on a machine with several, as Dask workers are started), else the one named by
/// `WGPU_ADAPTER_NAME` (a case-insensitive substring) if set, otherwise the best by type
/// (discrete, integrated, virtual, other, software).
pub fn pick_adapter_summary(policy: AdapterPolicy) -> Result<AdapterSummary> {
    let instance = new_instance();
    let adapters = all_adapters(&instance);
    choose(&adapters, policy).map(AdapterSummary::from_adapter)
}

fn choose(adapters: &[wgpu::Adapter], policy: AdapterPolicy) -> Result<&wgpu::Adapter> {
    if let Some(index) = adapter_index()? {
        let adapter = adapters.get(index).ok_or_else(|| {
            Error::NoAdapter(format!(
                "HOPSOM_ADAPTER={index}, but the system offers {} adapters, numbered from 0",
                adapters.len()
            ))
        })?;
        let info = adapter.get_info();
        if policy == AdapterPolicy::HardwareOnly && info.device_type == wgpu::DeviceType::Cpu {
            return Err(Error::NoAdapter(format!(
                "HOPSOM_ADAPTER={index} is {}, a software rasteriser",
                info.name
            )));
        }
        return Ok(adapter);
    }
    let wanted_name = std::env::var("WGPU_ADAPTER_NAME")
        .ok()
        .map(|name| name.to_lowercase());
    let rank = |info: &wgpu::AdapterInfo| match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    };
    let candidates = adapters.iter().filter(|adapter| {
        let info = adapter.get_info();
        let allowed =
            policy == AdapterPolicy::AnyAdapter || info.device_type != wgpu::DeviceType::Cpu;
        let named = wanted_name
            .as_ref()
            .is_none_or(|name| info.name.to_lowercase().contains(name));
        allowed && named
    });
    let best = candidates.min_by_key(|adapter| rank(&adapter.get_info()));
    best.ok_or_else(|| {
        let what = match (&wanted_name, policy) {
            (Some(name), _) => format!("no adapter matches WGPU_ADAPTER_NAME={name:?}"),
            (None, AdapterPolicy::HardwareOnly) => "no hardware adapter found".to_string(),
            (None, AdapterPolicy::AnyAdapter) => {
                "no adapter found (install a Vulkan driver, e.g. mesa-vulkan-drivers for software Vulkan)"
                    .to_string()
            }
        };
        Error::NoAdapter(what)
    })
}

/// The adapter index `HOPSOM_ADAPTER` asks for, if it is set.
fn adapter_index() -> Result<Option<usize>> {
    match std::env::var("HOPSOM_ADAPTER") {
        Err(_) => Ok(None),
        Ok(text) => text.trim().parse().map(Some).map_err(|_| {
            Error::Usage(format!(
                "HOPSOM_ADAPTER={text:?}: give an adapter's index in the device list (0, 1, …)"
            ))
        }),
    }
}

impl GpuContext {
    /// Opens the adapter chosen by `policy` with its own limits (not wgpu's small defaults).
    pub fn open(policy: AdapterPolicy) -> Result<Arc<GpuContext>> {
        Self::open_with_binding_cap(policy, None)
    }

    /// Like [`GpuContext::open`], but treating storage bindings as at most `cap` bytes, so that
    /// tests can run the paths that split work across bindings on small problems.
    pub fn open_with_binding_cap(
        policy: AdapterPolicy,
        cap: Option<u64>,
    ) -> Result<Arc<GpuContext>> {
        let instance = new_instance();
        let adapters = all_adapters(&instance);
        let adapter = choose(&adapters, policy)?;
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("hopsom"),
            // Timestamp queries time kernels in `hopsom bench`, where the adapter has them.
            required_features: adapter.features() & wgpu::Features::TIMESTAMP_QUERY,
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|err| {
            Error::NoAdapter(format!("could not open {}: {err}", adapter.get_info().name))
        })?;
        let reported_error = Arc::new(Mutex::new(None));
        let sink = Arc::clone(&reported_error);
        device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
            let mut slot = sink.lock().expect("error slot poisoned");
            slot.get_or_insert_with(|| error.to_string().lines().collect::<Vec<_>>().join(" "));
        }));
        Ok(Arc::new(GpuContext {
            device,
            queue,
            limits,
            adapter: AdapterSummary::from_adapter(adapter),
            kernels: Mutex::new(HashMap::new()),
            shader_modules: Mutex::new(HashMap::new()),
            module_bindings: Mutex::new(HashMap::new()),
            reported_error,
            binding_cap: cap,
            profiler: Mutex::new(None),
            peak_buffer_bytes: Default::default(),
        }))
    }

    /// Fails with the first error the device reported since the last call, if any.
    pub fn take_error(&self) -> Result<()> {
        match self
            .reported_error
            .lock()
            .expect("error slot poisoned")
            .take()
        {
            Some(message) => Err(Error::Gpu(message)),
            None => Ok(()),
        }
    }

    /// The kernel family `K`, compiled on first use and reused afterwards.
    pub fn kernels<K: KernelFamily>(&self) -> Result<Arc<K>> {
        let key = TypeId::of::<K>();
        if let Some(found) = self
            .kernels
            .lock()
            .expect("kernel cache poisoned")
            .get(&key)
        {
            return Ok(Arc::clone(found)
                .downcast::<K>()
                .expect("kernel cache holds its own type"));
        }
        // Built outside the lock: compiling can take a while and may itself ask for other families.
        let built = Arc::new(K::build(self)?);
        self.kernels
            .lock()
            .expect("kernel cache poisoned")
            .entry(key)
            .or_insert_with(|| built.clone());
        Ok(built)
    }

    /// The largest buffer that can be bound as one storage binding.
    pub fn max_binding_bytes(&self) -> u64 {
        let adapter = self
            .limits
            .max_storage_buffer_binding_size
            .min(self.limits.max_buffer_size);
        self.binding_cap.map_or(adapter, |cap| cap.min(adapter))
    }

    /// The most workgroups one dispatch may have along one dimension.
    pub fn max_workgroups_per_dimension(&self) -> u32 {
        self.limits.max_compute_workgroups_per_dimension
    }
}
