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

/// Random bipolar patterns from a seeded generator.
pub fn random_bipolar(count: usize, neurons: usize, seed: u64) -> Vec<i8> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..count * neurons)
        .map(|_| if rng.random::<bool>() { 1 } else { -1 })
        .collect()
}
