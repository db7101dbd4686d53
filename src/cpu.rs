//! Helpers for the CPU path.

pub mod matrix;

/// Defines a function whose body is compiled twice: for AVX2 and POPCNT, used when the CPU has
/// them (the loops over nodes then run 8 floats at a time and bits are counted in one
/// instruction), and for the baseline. The results are the same either way: Rust never fuses a
/// multiply and an add, so every operation rounds as written, and integer results are exact.
/// (A closure passed to a `#[target_feature]` function is not reliably compiled with its
/// features; a body inlined by force into one is.)
macro_rules! wide_vectors {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,popcnt")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn wide($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("popcnt") {
                    // SAFETY: the CPU was just checked to have AVX2 and POPCNT.
                    return unsafe { wide($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}
pub(crate) use wide_vectors;
