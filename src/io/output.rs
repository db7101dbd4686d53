//! Writing output files so that neither a failure nor an interruption leaves half a file: each
//! file is written to a temporary file in the same directory, then renamed over the target.
//!
//! The temporary files of the process are listed in one registry, so that a signal handler (the
//! command line installs one for SIGINT, SIGTERM and SIGHUP) can remove them with
//! [`remove_temporaries_and_hold`] before the process exits: destructors do not run when a
//! process is ended by a signal. Creating, renaming and removing take the registry's lock, so a
//! file is either renamed into place whole or removed, never left behind as `.hopsom-*`.

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result};

/// The prefix of every temporary file hopsom writes.
pub const TEMPORARY_PREFIX: &str = ".hopsom-";

/// What this process has on disk that is not finished: temporary files, and directories it
/// created (removed on interruption when they are still empty).
#[derive(Default)]
struct Pending {
    temporaries: BTreeSet<PathBuf>,
    directories: Vec<PathBuf>,
    /// Every file written whole so far, in order (for a run's manifest).
    written: Vec<PathBuf>,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    temporaries: BTreeSet::new(),
    directories: Vec::new(),
    written: Vec::new(),
});

fn pending() -> MutexGuard<'static, Pending> {
    // A panic while the lock was held leaves the list itself intact; keep using it.
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes every temporary file still being written and every directory this process created
/// that is still empty, and returns the lock so that nothing new is created or renamed before
/// the caller exits. For signal handlers.
pub fn remove_temporaries_and_hold() -> impl Drop {
    let mut guard = pending();
    for path in std::mem::take(&mut guard.temporaries) {
        let _ = std::fs::remove_file(path);
    }
    for directory in guard.directories.iter().rev() {
        let _ = std::fs::remove_dir(directory);
    }
    guard
}

/// Writes `path` through `fill`, atomically.
pub fn write_atomically<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<&mut std::fs::File>) -> std::io::Result<()>,
{
    let directory = directory_of(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMPORARY_PREFIX);
    // Temporary files are private (0600); results are ordinary files, readable as the umask allows.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temporary = {
        let mut list = pending();
        let temporary = builder
            .tempfile_in(directory)
            .map_err(|err| Error::io(directory, err))?;
        list.temporaries.insert(temporary.path().to_path_buf());
        temporary
    };
    let temporary_path = temporary.path().to_path_buf();
    let written = (|| {
        let mut writer = BufWriter::new(temporary.as_file_mut());
        fill(&mut writer)?;
        writer.flush()
    })();
    let mut list = pending();
    list.temporaries.remove(&temporary_path);
    // On an error, dropping `temporary` removes it.
    written.map_err(|err| Error::io(path, err))?;
    temporary
        .persist(path)
        .map_err(|err| Error::io(path, err.error))?;
    list.written.push(path.to_path_buf());
    Ok(())
}

/// Writes `bytes` to `path`, atomically.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |writer| writer.write_all(bytes))
}

/// Creates the output directory (and its parents). Directories this call creates are listed,
/// so an interrupted run removes them again when they are still empty.
pub fn ensure_dir(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    let (missing, _) = missing_directories(path);
    let mut list = pending();
    std::fs::create_dir_all(path).map_err(|err| Error::io(path, err))?;
    list.directories.extend(missing);
    Ok(())
}

/// The directory `path` is in (`.` for a bare file name).
pub fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// The parts of `path` that do not exist yet, outermost first, and the nearest one that does
/// (`.` for a relative path none of whose parts exists).
pub fn missing_directories(path: &Path) -> (Vec<PathBuf>, &Path) {
    let mut missing = Vec::new();
    let mut existing = path;
    while !existing.as_os_str().is_empty() && !existing.exists() {
        missing.push(existing.to_path_buf());
        existing = existing.parent().unwrap_or(Path::new(""));
    }
    missing.reverse();
    if existing.as_os_str().is_empty() {
        existing = Path::new(".");
    }
    (missing, existing)
}

/// The files this process has written whole so far, in the order they were finished.
pub fn written_files() -> Vec<PathBuf> {
    pending().written.clone()
}

/// Removes the directories this process created that are still empty (after a failed run).
pub fn remove_created_empty_dirs() {
    let mut list = pending();
    for directory in std::mem::take(&mut list.directories).iter().rev() {
        let _ = std::fs::remove_dir(directory);
    }
}

/// `rows` (any serde struct, one row each) as a CSV file at `path`, written atomically: a header
/// of the field names, then one line per row, the way pandas and numpy read them.
pub fn write_csv_rows<T: serde::Serialize>(path: &Path, rows: &[T]) -> Result<()> {
    write_atomically(path, |file| {
        let mut writer = csv::Writer::from_writer(file);
        for row in rows {
            writer.serialize(row).map_err(std::io::Error::other)?;
        }
        writer.flush()
    })
}
