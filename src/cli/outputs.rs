//! The files a run writes: checked before any work, and vouched for by a manifest written last.
//!
//! Every output path (a `--out` directory, a `--csv` or `--plot` file) is checked before anything
//! is read or computed: its directory exists (or, for `--out`, can be created) and can be written
//! in, a file is not a directory, and no two outputs of one run are the same file. A run that
//! writes `--out` deletes the manifest of an earlier run there before it writes anything, and
//! writes `run.json` (command, version, seed, arguments, files, `"complete": true`) after its last
//! file: a folder without `run.json` holds an interrupted or failed run's partial outputs.

use std::path::{Path, PathBuf};

use serde_json::json;

use hopsom::error::{Error, Result};
use hopsom::io::output::{
    directory_of, ensure_dir, missing_directories, write_bytes, written_files,
};

/// The manifest's name inside `--out`.
pub const MANIFEST: &str = "run.json";

/// Where other systems than Unix take a run's lock inside `--out` (see
/// [`RunOutputs::prepare`]); on Unix the folder itself is locked and nothing is written.
#[cfg(not(unix))]
pub const LOCK: &str = ".hopsom.lock";

/// One output named on the command line.
struct Named {
    option: &'static str,
    path: PathBuf,
}

/// The outputs of one run.
#[derive(Default)]
pub struct RunOutputs {
    directory: Option<Named>,
    files: Vec<Named>,
    /// The `--out` folder's lock, held from `prepare` until the process ends.
    lock: std::cell::OnceCell<std::fs::File>,
}

impl RunOutputs {
    /// A run whose outputs go into the directory `path`, given with `option` (`--out`).
    pub fn in_directory(option: &'static str, path: &Path) -> Self {
        RunOutputs {
            directory: Some(Named {
                option,
                path: path.to_path_buf(),
            }),
            files: Vec::new(),
            lock: std::cell::OnceCell::new(),
        }
    }

    /// Adds a single output file given with `option`, when it was given.
    pub fn file(mut self, option: &'static str, path: Option<&Path>) -> Self {
        if let Some(path) = path {
            self.files.push(Named {
                option,
                path: path.to_path_buf(),
            });
        }
        self
    }

    /// Checks every output before any work: a usage error naming the option and the path.
    pub fn check(&self) -> Result<()> {
        if let Some(dir) = &self.directory {
            check_directory(dir)?;
        }
        let mut seen: Vec<(PathBuf, &Named)> = Vec::new();
        for file in &self.files {
            let resolved = check_file(file)?;
            if let Some((_, earlier)) = seen.iter().find(|(path, _)| *path == resolved) {
                return Err(Error::Usage(format!(
                    "{} and {} both name {}; give each output its own file",
                    earlier.option,
                    file.option,
                    file.path.display()
                )));
            }
            seen.push((resolved, file));
        }
        Ok(())
    }

    /// Creates the `--out` directory (after [`RunOutputs::check`] and the reading of the inputs)
    /// and removes an earlier run's manifest from it. Returns the directory.
    pub fn prepare(&self) -> Result<PathBuf> {
        let dir = self
            .directory
            .as_ref()
            .map_or_else(|| PathBuf::from("."), |d| d.path.clone());
        ensure_dir(&dir)?;
        if let Some(named) = &self.directory {
            self.lock_directory(named)?;
        }
        let manifest = dir.join(MANIFEST);
        match std::fs::remove_file(&manifest) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::io(&manifest, err))
            }
            _ => {}
        }
        Ok(dir)
    }

    /// Takes an advisory lock on the folder, or refuses the run when another process holds it:
    /// one run per folder, so that `run.json` lists only its own run's files. The operating
    /// system releases the lock when the process ends, however it ends. On Unix the lock is on
    /// the folder itself, so a failed run leaves the folder as it found it; elsewhere, where a
    /// folder cannot be opened as a file, on an empty `.hopsom.lock` inside it.
    fn lock_directory(&self, named: &Named) -> Result<()> {
        #[cfg(unix)]
        let path = named.path.clone();
        #[cfg(not(unix))]
        let path = named.path.join(LOCK);
        #[cfg(unix)]
        let opened = std::fs::File::open(&path);
        #[cfg(not(unix))]
        let opened = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path);
        let file = opened.map_err(|err| Error::io(&path, err))?;
        match file.try_lock() {
            Ok(()) => {
                let _ = self.lock.set(file);
                Ok(())
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(usage(
                named,
                "another hopsom run is writing into this folder; wait for it or give another folder",
            )),
            Err(std::fs::TryLockError::Error(err)) => Err(Error::io(&path, err)),
        }
    }

    /// Writes `run.json` last: what ran and every file it wrote into the directory.
    pub fn finish(&self, command: &str, seed: Option<u64>, seconds: f64) -> Result<()> {
        let Some(dir) = &self.directory else {
            return Ok(());
        };
        let files: Vec<String> = written_files()
            .iter()
            .filter_map(|path| path.strip_prefix(&dir.path).ok())
            .map(|relative| relative.display().to_string())
            .collect();
        let manifest = json!({
            "command": command,
            "version": env!("CARGO_PKG_VERSION"),
            // Arguments as given, those that are not UTF-8 (a path's bytes) shown lossily.
            "arguments": std::env::args_os()
                .skip(1)
                .map(|argument| argument.to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
            "seed": seed,
            "seconds": seconds,
            "files": files,
            "complete": true,
        });
        let text = serde_json::to_string_pretty(&manifest)
            .map_err(|err| Error::InvalidData(err.to_string()))?;
        write_bytes(&dir.path.join(MANIFEST), format!("{text}\n").as_bytes())
    }
}

fn usage(named: &Named, problem: impl std::fmt::Display) -> Error {
    Error::Usage(format!(
        "{} {}: {problem}",
        named.option,
        named.path.display()
    ))
}

/// The directory exists and can be written in, or its nearest existing ancestor can.
fn check_directory(dir: &Named) -> Result<()> {
    if let Some(target) = dangling_link(&dir.path) {
        return Err(usage(
            dir,
            format!(
                "is a symbolic link to {}, which does not exist; give a directory for the outputs",
                target.display()
            ),
        ));
    }
    if dir.path.exists() && !dir.path.is_dir() {
        return Err(usage(
            dir,
            "exists and is not a directory; give a directory for the outputs",
        ));
    }
    let (_, existing) = missing_directories(&dir.path);
    if !existing.is_dir() {
        return Err(usage(
            dir,
            format!(
                "{} is not a directory, so it cannot be created",
                existing.display()
            ),
        ));
    }
    check_writable(dir, existing)
}

/// The file is not a directory and its directory exists and can be written in. Returns the path
/// with its directory resolved, to compare outputs with each other.
/// The target of `path` when it is a symbolic link to nothing.
fn dangling_link(path: &Path) -> Option<PathBuf> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && !path.exists() {
        std::fs::read_link(path).ok()
    } else {
        None
    }
}

fn check_file(file: &Named) -> Result<PathBuf> {
    if file.path.is_dir() {
        return Err(usage(file, "is a directory; give a file name"));
    }
    let Some(name) = file.path.file_name() else {
        return Err(usage(file, "names no file"));
    };
    let parent = directory_of(&file.path);
    if !parent.is_dir() {
        return Err(usage(
            file,
            format!("the directory {} does not exist", parent.display()),
        ));
    }
    check_writable(file, parent)?;
    let resolved = parent
        .canonicalize()
        .map_err(|err| Error::io(parent, err))?;
    Ok(resolved.join(name))
}

/// Proves that `directory` can be written in by creating (and at once deleting) an unnamed file.
fn check_writable(named: &Named, directory: &Path) -> Result<()> {
    tempfile::tempfile_in(directory).map(drop).map_err(|err| {
        usage(
            named,
            format!("cannot write in {} ({err})", directory.display()),
        )
    })
}
