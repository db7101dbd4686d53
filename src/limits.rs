//! What the host can hold, and sizes computed so that they cannot overflow.
//!
//! Every size a run will allocate is computed here with checked arithmetic and compared with the
//! memory the host has available before any work starts, so an absurd request is a one-line
//! error rather than an abort, an out-of-memory kill or a wrapped integer.

use crate::error::{Error, Param, Result};
use crate::gpu::human_bytes;

/// The product of `factors`, or `None` when it does not fit 64 bits.
pub fn checked_product(factors: &[u64]) -> Option<u64> {
    factors
        .iter()
        .try_fold(1u64, |product, &factor| product.checked_mul(factor))
}

/// The bytes of memory this process may still allocate: the kernel's estimate of available
/// memory (`MemAvailable`), lowered to the control group's limit where one is set. `None` where
/// neither can be read (not Linux): then only overflow is checked.
pub fn available_host_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let available = meminfo.as_deref().and_then(|text| {
        text.lines()
            .find_map(|line| line.strip_prefix("MemAvailable:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kib| kib.saturating_mul(1024))
    });
    let cgroup_room = cgroup_room();
    match (available, cgroup_room) {
        (Some(a), Some(c)) => Some(a.min(c)),
        (a, c) => a.or(c),
    }
}

/// What the cgroup v2 memory limit leaves, if there is one.
fn cgroup_room() -> Option<u64> {
    let read = |name: &str| std::fs::read_to_string(format!("/sys/fs/cgroup/{name}")).ok();
    let limit = read("memory.max")?.trim().parse::<u64>().ok()?;
    let used = read("memory.current")
        .and_then(|text| text.trim().parse::<u64>().ok())
        .unwrap_or(0);
    Some(limit.saturating_sub(used))
}

/// Fails unless `bytes` (None: more than 64 bits can count) fits the memory the host has
/// available. `what` names the request, e.g. "the 100000 x 100000 weights".
pub fn check_host_memory(what: &str, bytes: Option<u64>) -> Result<()> {
    check_against(what, bytes, available_host_memory())
}

/// [`check_host_memory`] for memory that one parameter's `value` asks for: the error names
/// the parameter ([`Error::ParameterTooLarge`]).
pub fn check_host_memory_of(
    param: Param,
    value: impl ToString,
    what: &str,
    bytes: Option<u64>,
) -> Result<()> {
    match shortfall(what, bytes, available_host_memory()) {
        Some(message) => Err(Error::ParameterTooLarge {
            param,
            value: value.to_string(),
            message,
        }),
        None => Ok(()),
    }
}

/// Why `bytes` does not fit the memory the host has available, or `None` when it does: the
/// message of [`check_host_memory`]'s error, for callers that add advice of their own.
pub fn host_memory_shortfall(what: &str, bytes: Option<u64>) -> Option<String> {
    shortfall(what, bytes, available_host_memory())
}

fn check_against(what: &str, bytes: Option<u64>, available: Option<u64>) -> Result<()> {
    match shortfall(what, bytes, available) {
        Some(message) => Err(Error::TooLarge(message)),
        None => Ok(()),
    }
}

fn shortfall(what: &str, bytes: Option<u64>, available: Option<u64>) -> Option<String> {
    let Some(bytes) = bytes else {
        return Some(format!("{what} needs more than 2^64 bytes"));
    };
    match available {
        Some(available) if bytes > available => Some(format!(
            "{what} needs {} of memory, but this machine has {} available",
            human_bytes(bytes),
            human_bytes(available)
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_that_overflow_are_none() {
        assert_eq!(checked_product(&[3, 4, 5]), Some(60));
        assert_eq!(checked_product(&[1 << 62, 1 << 62]), None);
        assert_eq!(checked_product(&[]), Some(1));
    }

    #[test]
    fn requests_beyond_the_memory_are_refused_with_both_sizes() {
        assert!(check_against("x", Some(10), Some(100)).is_ok());
        assert!(check_against("x", Some(10), None).is_ok());
        let message = check_against("the probes", Some(3 << 30), Some(1 << 30))
            .unwrap_err()
            .to_string();
        assert!(message.contains("the probes needs 3.0 GiB"), "{message}");
        assert!(message.contains("1.0 GiB available"), "{message}");
        assert!(check_against("x", None, None).is_err());
    }

    #[test]
    fn this_machine_reports_some_memory() {
        if cfg!(target_os = "linux") {
            assert!(available_host_memory().is_some_and(|bytes| bytes > 0));
        }
    }
}
