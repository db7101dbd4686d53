//! Reading input files with a bound: a file is never read past what it can plausibly hold, so
//! `/dev/zero`, `/dev/urandom` or a huge file given by mistake is an error after the first
//! chunk, not a read until memory runs out.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};
use crate::gpu::human_bytes;

/// The largest text input (patterns, CSV data, thresholds, masks) read: larger data belongs in
/// `.npy`, which is a tenth of the size and read without parsing.
pub const MAX_TEXT_BYTES: u64 = 1 << 30;

/// Bytes read at a time.
const CHUNK: usize = 1 << 16;

/// Reads `path` as UTF-8 text of at most [`MAX_TEXT_BYTES`]. A zero byte (never in text, and
/// the first byte of `/dev/zero`) or invalid UTF-8 ends the read at once.
pub fn read_text(path: &Path) -> Result<String> {
    read_text_bounded(path, MAX_TEXT_BYTES)
}

fn read_text_bounded(path: &Path, limit: u64) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|err| Error::io(path, err))?;
    let too_large = || {
        Error::bad_input(
            path,
            format!(
                "larger than {}, the limit for text input; save large data as .npy",
                human_bytes(limit)
            ),
        )
    };
    if let Ok(metadata) = file.metadata() {
        if metadata.is_dir() {
            return Err(Error::bad_input(path, "is a directory, not a file"));
        }
        if metadata.is_file() && metadata.len() > limit {
            return Err(too_large());
        }
    }
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; CHUNK];
    let mut valid = 0;
    loop {
        let read = match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(Error::io(path, err)),
        };
        let fresh = &chunk[..read];
        if let Some(offset) = fresh.iter().position(|&b| b == 0) {
            return Err(Error::bad_input(
                path,
                format!(
                    "not a text file (a zero byte at offset {})",
                    bytes.len() + offset
                ),
            ));
        }
        // Check the UTF-8 of what has come since the last check; a character cut at the chunk's
        // end is checked with the next chunk.
        bytes.extend_from_slice(fresh);
        match std::str::from_utf8(&bytes[valid..]) {
            Ok(_) => valid = bytes.len(),
            Err(err) if err.error_len().is_none() => valid += err.valid_up_to(),
            Err(err) => return Err(not_utf8(path, valid + err.valid_up_to())),
        }
        if bytes.len() as u64 > limit {
            return Err(too_large());
        }
    }
    String::from_utf8(bytes).map_err(|err| not_utf8(path, err.utf8_error().valid_up_to()))
}

fn not_utf8(path: &Path, offset: usize) -> Error {
    Error::bad_input(
        path,
        format!(
            "not UTF-8 text (an invalid byte at offset {offset}); expected text, an image or .npy"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bytes_and_invalid_utf8_end_the_read() {
        let dir = tempfile::tempdir().unwrap();
        let zeros = dir.path().join("zeros.txt");
        std::fs::write(&zeros, [b'1', b',', 0, b'1']).unwrap();
        assert!(read_text(&zeros)
            .unwrap_err()
            .to_string()
            .contains("zero byte at offset 2"));
        let latin = dir.path().join("latin.txt");
        std::fs::write(&latin, [b'1', 0xff, b'1']).unwrap();
        assert!(read_text(&latin)
            .unwrap_err()
            .to_string()
            .contains("not UTF-8"));
        let text = dir.path().join("ok.txt");
        std::fs::write(&text, "1,-1 ü\n").unwrap();
        assert_eq!(read_text(&text).unwrap(), "1,-1 ü\n");
    }

    #[test]
    fn endless_input_stops_at_the_bound() {
        if Path::new("/dev/zero").exists() {
            let err = read_text(Path::new("/dev/zero")).unwrap_err().to_string();
            assert!(err.contains("zero byte"), "{err}");
        }
        let dir = tempfile::tempdir().unwrap();
        let long = dir.path().join("long.txt");
        std::fs::write(&long, "1,".repeat(100)).unwrap();
        let err = read_text_bounded(&long, 50).unwrap_err().to_string();
        assert!(err.contains("larger than 50 B"), "{err}");
    }
}
