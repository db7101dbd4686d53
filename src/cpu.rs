//! Helpers for the CPU path.

/// Runs `body` compiled for AVX2 and POPCNT when the CPU has them, so that the loops inlined
/// into it run 8 floats at a time and count bits in one instruction, and plainly otherwise. The
/// results are the same either way: Rust never fuses a multiply and an add, so every operation
/// rounds as written, and integer results are exact.
#[inline(always)]
pub fn with_wide_vectors<R>(body: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("popcnt") {
            #[target_feature(enable = "avx2,popcnt")]
            unsafe fn wide<R>(body: impl FnOnce() -> R) -> R {
                body()
            }
            // SAFETY: the CPU was just checked to have AVX2 and POPCNT.
            return unsafe { wide(body) };
        }
    }
    body()
}
