//! Peak host memory of a stretch of work, from the kernel's record of the process's resident set.
//! Linux only: writing 5 to /proc/self/clear_refs resets the peak (VmHWM) to the current size.

/// Starts a new peak at the current resident size.
pub fn reset_peak() {
    #[cfg(target_os = "linux")]
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The largest resident size since the last reset, where the system says.
pub fn peak_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
