//! Standard output that cannot panic: `println!` panics when stdout is a closed pipe or a full
//! disk. Every line goes through [`write_line`], which returns the failure as an error naming
//! standard output; `main` ends quietly on a closed pipe, as a Unix tool does, and prints a
//! one-line error for anything else.

use std::io::Write;

use hopsom::error::{Error, Result};

/// The name errors on standard output carry as their path.
pub const STANDARD_OUTPUT: &str = "standard output";

/// Writes one line to standard output.
pub fn write_line(line: std::fmt::Arguments) -> Result<()> {
    // Rust's stdout is line-buffered: the line is written (or fails) here.
    writeln!(std::io::stdout().lock(), "{line}").map_err(|err| Error::io(STANDARD_OUTPUT, err))
}

/// Whether `err` says standard output was closed by its reader (`hopsom ... | head -1`).
pub fn is_closed_stdout(err: &Error) -> bool {
    matches!(err, Error::Io { path, source }
        if path.as_os_str() == STANDARD_OUTPUT && source.kind() == std::io::ErrorKind::BrokenPipe)
}

/// A notice on standard error. Errors writing it are ignored: a notice is not worth failing for,
/// and `eprintln!` would panic on a closed stderr.
pub fn notice(line: std::fmt::Arguments) {
    let _ = writeln!(std::io::stderr().lock(), "hopsom: {line}");
}

/// `println!` that returns an error instead of panicking.
macro_rules! outln {
    () => {
        $crate::cli::stdout::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::stdout::write_line(format_args!($($arg)*))
    };
}
pub(crate) use outln;
