//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use hopsom::gpu::{AdapterPolicy, GpuContext};

/// A GPU context for tests, any adapter (software Vulkan included). Without one the test is
/// skipped with a printed reason, unless HOPSOM_REQUIRE_GPU=1, which makes it fail instead.
pub fn gpu() -> Option<Arc<GpuContext>> {
    static CONTEXT: OnceLock<Result<Arc<GpuContext>, String>> = OnceLock::new();
    let opened = CONTEXT
        .get_or_init(|| GpuContext::open(AdapterPolicy::AnyAdapter).map_err(|e| e.to_string()));
    match opened {
        Ok(ctx) => Some(ctx.clone()),
        Err(reason) => {
            if std::env::var("HOPSOM_REQUIRE_GPU").as_deref() == Ok("1") {
                panic!("HOPSOM_REQUIRE_GPU=1 but no GPU adapter could be opened: {reason}");
            }
            eprintln!("skipping GPU test: {reason}");
            None
        }
    }
}

/// Recalls every probe, failing the test on an error.
pub fn recall_all(
    network: &hopsom::hopfield::HopfieldNetwork,
    probes: &[i8],
    keys: &[hopsom::rng::StreamKey],
    params: &hopsom::hopfield::recall::RecallParams,
    backend: &hopsom::Backend,
) -> Vec<hopsom::hopfield::RecallOutcome> {
    let hidden = hopsom::Silent;
    hopsom::hopfield::recall(network, probes, keys, params, backend, &hidden).unwrap()
}

/// One noisy copy of every stored pattern at every level, with its update-order key.
pub fn noisy_probes(
    stored: &hopsom::hopfield::PatternSet,
    levels: &[f64],
    seed: u64,
) -> (Vec<i8>, Vec<hopsom::rng::StreamKey>) {
    use hopsom::hopfield::noise;
    let mut probes = Vec::new();
    let mut keys = Vec::new();
    for (p, pattern) in stored.iter().enumerate() {
        for &level in levels {
            probes.extend(noise::corrupt(
                pattern,
                level,
                &noise::noise_key(seed, p, level, 0),
            ));
            keys.push(noise::order_key(seed, p, level, 0));
        }
    }
    (probes, keys)
}

/// Random bipolar patterns from a seeded generator.
pub fn random_bipolar(count: usize, neurons: usize, seed: u64) -> Vec<i8> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..count * neurons)
        .map(|_| if rng.random::<bool>() { 1 } else { -1 })
        .collect()
}

/// How far a float result may be from its reference: |a - b| <= absolute + relative · |b|.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    pub relative: f64,
    pub absolute: f64,
}

/// f32 kernels that sum in a different order (and may fuse multiply-adds) than their CPU twins.
pub const F32_KERNEL: Tolerance = Tolerance {
    relative: 1e-4,
    absolute: 1e-5,
};

impl Tolerance {
    pub fn assert_close(&self, what: &str, got: &[f32], want: &[f32]) {
        assert_eq!(got.len(), want.len(), "{what}: lengths differ");
        for (index, (&g, &w)) in got.iter().zip(want).enumerate() {
            let (g, w) = (f64::from(g), f64::from(w));
            let allowed = self.absolute + self.relative * w.abs();
            assert!(
                (g - w).abs() <= allowed,
                "{what}[{index}]: {g} vs {w} (allowed {allowed:e})"
            );
        }
    }
}

// The command line through the real binary.

pub fn hopsom() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("hopsom").unwrap()
}

pub fn write(dir: &std::path::Path, name: &str, contents: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

pub fn json_of(output: &std::process::Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON object")
}

/// Runs hopsom with `args`, expects failure with `code`, one line on stderr containing `needle`.
/// [`fails_with`] for a command line written as one string (arguments without spaces).
pub fn fails_with_line(command: &str, code: i32, needle: &str) {
    let args: Vec<&str> = command.split_whitespace().collect();
    fails_with(&args, code, needle);
}

pub fn fails_with(args: &[&str], code: i32, needle: &str) {
    let output = hopsom().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(
        error_lines.len(),
        1,
        "{args:?}: expected one error line, got: {stderr}"
    );
    assert!(
        stderr.to_lowercase().contains(&needle.to_lowercase()),
        "{args:?}: {stderr:?} lacks {needle:?}"
    );
}

/// A map trained on `samples` from `start`, failing the test on an error.
pub fn trained(
    backend: &hopsom::Backend,
    samples: &hopsom::som::Samples,
    start: hopsom::som::Codebook,
    params: &hopsom::som::TrainingParams,
) -> hopsom::som::Trained {
    hopsom::som::train(backend, samples, start, params, &hopsom::Silent).unwrap()
}

/// Recalls every probe on the CPU and on the GPU and asserts the outcomes are identical.
pub fn assert_cpu_and_gpu_agree(
    network: &hopsom::hopfield::HopfieldNetwork,
    probes: &[i8],
    keys: &[hopsom::rng::StreamKey],
    params: &hopsom::hopfield::recall::RecallParams,
    ctx: &Arc<GpuContext>,
    case: &str,
) {
    let gpu = hopsom::Backend::Gpu(ctx.clone());
    let on_cpu = recall_all(network, probes, keys, params, &hopsom::Backend::Cpu);
    let on_gpu = recall_all(network, probes, keys, params, &gpu);
    assert_eq!(on_cpu, on_gpu, "{case}");
}
