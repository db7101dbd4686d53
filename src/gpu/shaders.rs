//! The WGSL sources. A kernel file may use the function libraries (`rng.wgsl`, `wide_int.wgsl`,
//! `som_common.wgsl`);
//! WGSL has no `#include`, so each shader is the concatenation of its parts, in order.
//! `tests/shaders.rs` validates every composition with naga, and every library file alone.

/// One file of `shaders/`.
#[derive(Debug, Clone, Copy)]
pub struct ShaderFile {
    pub file: &'static str,
    pub text: &'static str,
}

macro_rules! shader_file {
    ($name:literal) => {
        ShaderFile {
            file: $name,
            text: include_str!(concat!("../../shaders/", $name)),
        }
    };
}

pub const RNG: ShaderFile = shader_file!("rng.wgsl");
pub const WIDE_INT: ShaderFile = shader_file!("wide_int.wgsl");

/// A shader module as compiled: its library parts followed by the kernel file.
#[derive(Debug, Clone, Copy)]
pub struct ShaderModule {
    pub name: &'static str,
    pub parts: &'static [ShaderFile],
}

/// The entry points' one parameter, `Invocation` (the builtins they read), composed first into
/// every module.
pub const INVOCATION: ShaderFile = shader_file!("invocation.wgsl");

impl ShaderModule {
    pub fn source(&self) -> String {
        std::iter::once(INVOCATION.text)
            .chain(self.parts.iter().map(|part| part.text))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

pub const HEBBIAN: ShaderModule = ShaderModule {
    name: "hebbian",
    parts: &[shader_file!("hebbian.wgsl")],
};

/// The neuron rule and the ending codes of both recall kernels.
pub const RECALL_COMMON: ShaderFile = shader_file!("recall_common.wgsl");
/// The neuron update rule of both recall kernels (it reads their params and logit table).
const RECALL_UPDATE: ShaderFile = shader_file!("recall_update.wgsl");

pub const RECALL_SYNC: ShaderModule = ShaderModule {
    name: "recall_sync",
    parts: &[
        RNG,
        WIDE_INT,
        RECALL_COMMON,
        RECALL_UPDATE,
        shader_file!("recall_sync.wgsl"),
    ],
};

const RECALL_ASYNC_FILE: ShaderFile = shader_file!("recall_async.wgsl");
/// The step loop the asynchronous variants share, compiled after each variant's field.
const RECALL_ASYNC_STEPS: ShaderFile = shader_file!("recall_async_steps.wgsl");

/// An asynchronous recall module: the libraries, the kernels, the variant file that says how a
/// neuron's field is computed, then the step loop that calls it.
macro_rules! recall_async_module {
    ($name:literal, $variant:literal) => {
        ShaderModule {
            name: $name,
            parts: &[
                RNG,
                WIDE_INT,
                RECALL_COMMON,
                RECALL_UPDATE,
                RECALL_ASYNC_FILE,
                shader_file!($variant),
                RECALL_ASYNC_STEPS,
            ],
        }
    };
}

/// Asynchronous recall with a dense weight matrix in one binding.
pub const RECALL_ASYNC: ShaderModule =
    recall_async_module!("recall_async", "recall_async_dense.wgsl");

/// Asynchronous recall through factored couplings.
pub const RECALL_ASYNC_FACTORED: ShaderModule =
    recall_async_module!("recall_async_factored", "recall_async_factored.wgsl");

/// Asynchronous recall with a weight matrix over several bindings: its step kernel takes four
/// more storage buffers.
pub const RECALL_ASYNC_BLOCKED: ShaderModule =
    recall_async_module!("recall_async_blocked", "recall_async_blocked.wgsl");

/// Recall in a dense associative memory (polynomial and exponential interactions).
pub const DENSE_MEMORY: ShaderModule = ShaderModule {
    name: "dense_memory",
    parts: &[RNG, RECALL_COMMON, shader_file!("dense_memory.wgsl")],
};

/// Modern Hopfield retrieval: tiled products and a row-wise softmax.
pub const MODERN: ShaderModule = ShaderModule {
    name: "modern",
    parts: &[shader_file!("modern.wgsl")],
};

pub const STORKEY: ShaderModule = ShaderModule {
    name: "storkey",
    parts: &[shader_file!("storkey.wgsl")],
};

pub const PSEUDO_INVERSE: ShaderModule = ShaderModule {
    name: "pseudo_inverse",
    parts: &[shader_file!("pseudo_inverse.wgsl")],
};

pub const SOM_COMMON: ShaderFile = shader_file!("som_common.wgsl");

pub const SOM_BMU: ShaderModule = ShaderModule {
    name: "som_bmu",
    parts: &[SOM_COMMON, shader_file!("som_bmu.wgsl")],
};

pub const SOM_ONLINE: ShaderModule = ShaderModule {
    name: "som_online",
    parts: &[SOM_COMMON, shader_file!("som_online.wgsl")],
};

pub const SOM_BATCH: ShaderModule = ShaderModule {
    name: "som_batch",
    parts: &[SOM_COMMON, shader_file!("som_batch.wgsl")],
};

/// The random generator as a kernel, for the known-answer tests of its WGSL twin.
pub const RNG_CHECK: ShaderModule = ShaderModule {
    name: "rng_check",
    parts: &[RNG, shader_file!("rng_check.wgsl")],
};

/// Every module the program compiles.
pub const MODULES: &[ShaderModule] = &[
    HEBBIAN,
    RECALL_SYNC,
    RECALL_ASYNC,
    RECALL_ASYNC_FACTORED,
    RECALL_ASYNC_BLOCKED,
    DENSE_MEMORY,
    MODERN,
    STORKEY,
    PSEUDO_INVERSE,
    SOM_BMU,
    SOM_ONLINE,
    SOM_BATCH,
    RNG_CHECK,
];

/// Files that hold functions only and are valid WGSL on their own.
pub const LIBRARIES: &[ShaderFile] = &[INVOCATION, RNG, WIDE_INT, RECALL_COMMON, SOM_COMMON];
