//! NumPy `.npz` archives, numpy's zip of named `.npy` arrays: hopsom's model files. Written
//! atomically and uncompressed, as `numpy.savez` writes them; read whether stored or deflated
//! (`numpy.savez_compressed`), each member through [`read_npy_from`]'s checks, never more than
//! the host can hold.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use npyz::WriterBuilder;

use super::npy::{read_npy_from, NpyArray};
use super::output::write_atomically;
use crate::error::{Error, Result};
use crate::limits::check_host_memory;

/// More members than this is not a model file (and would be a way to exhaust memory).
const MAX_MEMBERS: usize = 256;

/// `values` of `shape` as the bytes of a C-ordered `.npy` file.
pub fn npy_bytes<T>(shape: &[usize], values: &[T]) -> Result<Vec<u8>>
where
    T: npyz::Serialize + npyz::AutoSerialize + Copy,
{
    let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    let mut bytes = Vec::new();
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&shape)
        .writer(&mut bytes)
        .begin_nd()
        .map_err(|err| Error::InvalidData(format!("an array of shape {shape:?}: {err}")))?;
    writer
        .extend(values.iter().copied())
        .and_then(|()| writer.finish())
        .map_err(|err| Error::InvalidData(format!("an array of shape {shape:?}: {err}")))?;
    Ok(bytes)
}

/// `text` as the bytes of a 0-d unicode `.npy` array (numpy's `str`, dtype `<U…`).
pub fn npy_text(text: &str) -> Result<Vec<u8>> {
    let length = text.chars().count().max(1);
    let dtype = npyz::DType::Plain(
        format!("<U{length}")
            .parse()
            .map_err(|_| Error::InvalidData(format!("text of {length} characters")))?,
    );
    let mut bytes = Vec::new();
    let mut writer = npyz::WriteOptions::<String>::new()
        .dtype(dtype)
        .shape(&[])
        .writer(&mut bytes)
        .begin_nd()
        .map_err(|err| Error::InvalidData(format!("text {text:?}: {err}")))?;
    writer
        .push(&text.to_string())
        .and_then(|()| writer.finish())
        .map_err(|err| Error::InvalidData(format!("text {text:?}: {err}")))?;
    Ok(bytes)
}

/// Writes `members` (name, `.npy` bytes) as an `.npz` archive at `path`, atomically.
pub fn write_npz(path: &Path, members: &[(&str, Vec<u8>)]) -> Result<()> {
    write_atomically(path, |file| {
        let mut archive = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(
                members
                    .iter()
                    .any(|(_, bytes)| bytes.len() >= u32::MAX as usize),
            );
        for (name, bytes) in members {
            archive
                .start_file(format!("{name}.npy"), options)
                .map_err(std::io::Error::other)?;
            archive.write_all(bytes)?;
        }
        archive.finish().map_err(std::io::Error::other)?;
        Ok(())
    })
}

/// An `.npz` archive read whole: its members' `.npy` bytes by name.
pub struct Npz {
    path: PathBuf,
    members: BTreeMap<String, Vec<u8>>,
}

/// Reads the `.npz` archive at `path`.
pub fn read_npz(path: &Path) -> Result<Npz> {
    let bad = |message: String| Error::bad_input(path, message);
    let file = std::fs::File::open(path).map_err(|err| Error::io(path, err))?;
    if !file
        .metadata()
        .map_err(|err| Error::io(path, err))?
        .is_file()
    {
        return Err(bad("not a regular file".into()));
    }
    let mut archive =
        zip::ZipArchive::new(file).map_err(|err| bad(format!("not a .npz archive ({err})")))?;
    if archive.len() > MAX_MEMBERS {
        return Err(bad(format!(
            "{} members; a model file has at most {MAX_MEMBERS}",
            archive.len()
        )));
    }
    let mut members = BTreeMap::new();
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut member = archive
            .by_index(index)
            .map_err(|err| bad(format!("member {index} cannot be read ({err})")))?;
        let Some(name) = member.name().strip_suffix(".npy").map(str::to_string) else {
            continue;
        };
        let size = member.size();
        total = total.saturating_add(size);
        check_host_memory(&format!("{}: member {name}", path.display()), Some(total))?;
        let mut bytes = Vec::with_capacity(size.min(1 << 20) as usize);
        (&mut member)
            .take(size.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|err| bad(format!("member {name} is corrupt ({err})")))?;
        if bytes.len() as u64 != size {
            return Err(bad(format!(
                "member {name} declares {size} bytes but holds {}",
                bytes.len()
            )));
        }
        members.insert(name, bytes);
    }
    Ok(Npz {
        path: path.to_path_buf(),
        members,
    })
}

impl Npz {
    fn member(&self, name: &str) -> Result<&[u8]> {
        self.members.get(name).map(Vec::as_slice).ok_or_else(|| {
            Error::bad_input(&self.path, format!("the archive has no array {name:?}"))
        })
    }

    /// Whether the archive has an array called `name`.
    pub fn has(&self, name: &str) -> bool {
        self.members.contains_key(name)
    }

    /// The numeric array `name`, widened to f64.
    pub fn array(&self, name: &str) -> Result<NpyArray> {
        let bytes = self.member(name)?;
        let path = self.path.join(name);
        read_npy_from(bytes, Some(bytes.len() as u64), &path)
    }

    /// The number held by the 0-d (or one-element) array `name`.
    pub fn scalar(&self, name: &str) -> Result<f64> {
        let array = self.array(name)?;
        match array.values[..] {
            [value] => Ok(value),
            _ => Err(Error::bad_input(
                &self.path,
                format!("{name} must hold one number, not shape {:?}", array.shape),
            )),
        }
    }

    /// The text held by the 0-d unicode array `name`.
    pub fn text(&self, name: &str) -> Result<String> {
        let bad = |what: String| Error::bad_input(&self.path, format!("{name}: {what}"));
        let file = npyz::NpyFile::new(self.member(name)?)
            .map_err(|err| bad(format!("not a valid .npy array ({err})")))?;
        let is_text = matches!(file.dtype(), npyz::DType::Plain(t) if t.type_char() == npyz::TypeChar::UnicodeStr);
        if !is_text || !file.shape().is_empty() {
            return Err(bad("must be a single string (numpy str)".into()));
        }
        let mut texts = file
            .into_vec::<String>()
            .map_err(|err| bad(format!("not readable as text ({err})")))?;
        texts.pop().ok_or_else(|| bad("empty".into()))
    }
}

impl Npz {
    /// The whole number held by the 0-d unsigned or signed integer array `name`, exactly.
    pub fn whole(&self, name: &str) -> Result<u64> {
        let bad = |what: String| Error::bad_input(&self.path, format!("{name}: {what}"));
        let file = npyz::NpyFile::new(self.member(name)?)
            .map_err(|err| bad(format!("not a valid .npy array ({err})")))?;
        let npyz::DType::Plain(dtype) = file.dtype() else {
            return Err(bad("must be one whole number".into()));
        };
        let values: Vec<u64> = match (dtype.type_char(), dtype.size_field()) {
            (npyz::TypeChar::Uint, 8) => file.into_vec::<u64>(),
            (npyz::TypeChar::Int, 8) => file
                .into_vec::<i64>()
                .map(|v| v.into_iter().map(|v| v.max(-1) as u64).collect()),
            _ => return Err(bad(format!("must be a 64-bit integer, not {dtype}"))),
        }
        .map_err(|err| bad(format!("not readable ({err})")))?;
        match values[..] {
            [value] if value != u64::MAX || dtype.type_char() == npyz::TypeChar::Uint => Ok(value),
            _ => Err(bad("must be one whole number, 0 or more".into())),
        }
    }
}
