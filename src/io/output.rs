//! Writing output files so that a failure never leaves half a file: write to a temporary file in
//! the same directory, then rename it over the target.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `path` through `fill`, atomically.
pub fn write_atomically<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<&mut std::fs::File>) -> std::io::Result<()>,
{
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".hopsom-");
    // Temporary files are private (0600); results are ordinary files, readable as the umask allows.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temporary = builder
        .tempfile_in(directory)
        .map_err(|err| Error::io(directory, err))?;
    {
        let mut writer = BufWriter::new(temporary.as_file_mut());
        fill(&mut writer).map_err(|err| Error::io(path, err))?;
        writer.flush().map_err(|err| Error::io(path, err))?;
    }
    temporary
        .persist(path)
        .map_err(|err| Error::io(path, err.error))?;
    Ok(())
}

/// Writes `bytes` to `path`, atomically.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |writer| writer.write_all(bytes))
}

/// Creates the output directory (and its parents).
pub fn ensure_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|err| Error::io(path, err))
}
