//! NumPy `.npy` arrays: reading any numeric dtype as f64, writing f32 and i8 arrays.

use std::path::Path;

use npyz::{TypeChar, WriterBuilder};

use std::io::Read;

use super::output::write_atomically;
use crate::error::{Error, Result};
use crate::limits::{check_host_memory, checked_product};

/// A C-ordered array read from a `.npy` file, its values widened to f64.
#[derive(Debug, Clone)]
pub struct NpyArray {
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
    /// The type the values were stored as, numpy's `descr` ("<u2", "<f4", "|u1", …).
    pub dtype: String,
}

/// Whether `path` names a `.npy` file (by its extension, in any case).
pub fn is_npy_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// The largest `.npy` header read (numpy writes a few hundred bytes).
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// Reads a numeric `.npy` file (bool, signed or unsigned integers, float32/64), in C order.
///
/// The header is read first: the data it declares is computed with checked arithmetic, compared
/// with the file's length and with the memory the host has, and only then read, never past
/// what was declared. A truncated file, a longer one, or a shape of 2⁶² × 2⁶² is an error.
pub fn read_npy(path: &Path) -> Result<NpyArray> {
    let file = std::fs::File::open(path).map_err(|err| Error::io(path, err))?;
    let length = file
        .metadata()
        .ok()
        .filter(|metadata| metadata.is_file())
        .map(|metadata| metadata.len());
    read_npy_from(file, length, path)
}

/// [`read_npy`] from `source` (a file, an archive's member) of `length` bytes when known;
/// messages name `path`.
pub fn read_npy_from(mut file: impl Read, length: Option<u64>, path: &Path) -> Result<NpyArray> {
    let bad = |message: String| Error::bad_input(path, message);
    let too_many = |shape: &[u64]| {
        bad(format!(
            "the header declares shape {shape:?}, more elements than 64 bits can count"
        ))
    };
    let mut bytes = read_header(&mut file, path)?;
    let header_end = bytes.len() as u64;
    // npyz multiplies the shape out unchecked: a header of 2⁶² × 2⁶² must be refused first.
    if let Some(declared) = declared_shape(&bytes) {
        if checked_product(&declared).is_none() {
            return Err(too_many(&declared));
        }
    }
    let header = npyz::NpyFile::new(&bytes[..])
        .map_err(|err| bad(format!("not a valid .npy file ({err})")))?;
    let declared: Vec<u64> = header.shape().to_vec();
    let fortran = header.order() == npyz::Order::Fortran;
    let npyz::DType::Plain(type_str) = header.dtype() else {
        return Err(bad(
            "structured .npy arrays are not supported; save a plain numeric array".into(),
        ));
    };
    // An unsupported type is named as such before its size is worked out (npyz's sizes of
    // strings and objects are not the bytes they take).
    let supported = matches!(
        (type_str.type_char(), type_str.size_field()),
        (TypeChar::Bool, 1)
            | (TypeChar::Int | TypeChar::Uint, 1 | 2 | 4 | 8)
            | (TypeChar::Float, 2 | 4 | 8)
    );
    if !supported {
        return Err(bad(format!(
            "unsupported dtype {type_str} ({}); use an integer or float array",
            describe(type_str.type_char())
        )));
    }
    let elements = checked_product(&declared);
    let data_bytes = elements.and_then(|count| count.checked_mul(type_str.size_field()));
    let (Some(elements), Some(data_bytes)) = (elements, data_bytes) else {
        return Err(too_many(&declared));
    };
    let expected = header_end + data_bytes;
    if let Some(length) = length {
        if length != expected {
            return Err(bad(format!(
                "the header declares shape {declared:?} ({data_bytes} bytes of data), but the file holds {} bytes of data: {}",
                length.saturating_sub(header_end),
                if length < expected { "truncated" } else { "trailing bytes" }
            )));
        }
    }
    // The values are widened to f64 in memory.
    check_host_memory(
        &format!("{}: an array of shape {declared:?}", path.display()),
        elements.checked_mul(8),
    )?;
    // The data after the header, never more than declared (and one byte to see that it ends).
    (&mut file)
        .take(data_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| Error::io(path, err))?;
    match (bytes.len() as u64).cmp(&expected) {
        std::cmp::Ordering::Less => {
            return Err(bad(format!(
                "truncated: the header declares shape {declared:?}, {expected} bytes, but the file ends after {}",
                bytes.len()
            )))
        }
        std::cmp::Ordering::Greater => {
            return Err(bad(format!(
                "longer than the {expected} bytes its header declares (shape {declared:?})"
            )))
        }
        std::cmp::Ordering::Equal => {}
    }
    let file = npyz::NpyFile::new(&bytes[..])
        .map_err(|err| bad(format!("not a valid .npy file ({err})")))?;
    let shape: Vec<usize> = declared.iter().map(|&d| d as usize).collect();
    let size = type_str.size_field();
    let read_err = |err: std::io::Error| bad(format!("truncated or corrupt .npy data ({err})"));
    macro_rules! widen {
        ($t:ty) => {
            file.into_vec::<$t>()
                .map_err(read_err)?
                .into_iter()
                .map(|v| v as f64)
                .collect::<Vec<f64>>()
        };
    }
    let values = match (type_str.type_char(), size) {
        (TypeChar::Bool, 1) => file
            .into_vec::<bool>()
            .map_err(read_err)?
            .into_iter()
            .map(|v| if v { 1.0 } else { 0.0 })
            .collect(),
        (TypeChar::Int, 1) => widen!(i8),
        (TypeChar::Int, 2) => widen!(i16),
        (TypeChar::Int, 4) => widen!(i32),
        (TypeChar::Int, 8) => widen!(i64),
        (TypeChar::Uint, 1) => widen!(u8),
        (TypeChar::Uint, 2) => widen!(u16),
        (TypeChar::Uint, 4) => widen!(u32),
        (TypeChar::Uint, 8) => widen!(u64),
        (TypeChar::Float, 2) => file
            .into_vec::<half::f16>()
            .map_err(read_err)?
            .into_iter()
            .map(f64::from)
            .collect(),
        (TypeChar::Float, 4) => widen!(f32),
        (TypeChar::Float, 8) => widen!(f64),
        _ => {
            return Err(bad(format!(
                "unsupported dtype {type_str}; use an integer or float array"
            )))
        }
    };
    let values = if fortran && shape.len() == 2 {
        transpose(&values, shape[1], shape[0])
    } else if fortran && shape.len() > 2 {
        return Err(bad(
            "Fortran-ordered arrays of more than 2 dimensions are not supported".into(),
        ));
    } else {
        values
    };
    Ok(NpyArray {
        shape,
        values,
        dtype: type_str.to_string(),
    })
}

/// What an unsupported numpy type holds, for messages.
fn describe(kind: TypeChar) -> &'static str {
    match kind {
        TypeChar::UnicodeStr => "strings",
        TypeChar::ByteStr | TypeChar::RawData => "bytes",
        TypeChar::Complex => "complex numbers",
        TypeChar::TimeDelta | TypeChar::DateTime => "dates or times",
        TypeChar::Bool | TypeChar::Int | TypeChar::Uint | TypeChar::Float => "numbers of this size",
        _ => "Python objects",
    }
}

/// The `'shape': (a, b, ...)` of a header's dictionary, when it can be read as numbers.
fn declared_shape(head: &[u8]) -> Option<Vec<u64>> {
    // The magic's first byte is not UTF-8; the dictionary is ASCII.
    let text = String::from_utf8_lossy(head);
    let after = &text[text.find("'shape'")? + "'shape'".len()..];
    let open = after.find('(')?;
    let close = after[open..].find(')')? + open;
    after[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| part.trim_end_matches('L').parse::<u64>().ok())
        .collect()
}

/// Reads the magic, version and header of `file` (named `path` in messages), leaving it where
/// the data starts: returns the bytes up to there.
fn read_header(mut file: impl Read, path: &Path) -> Result<Vec<u8>> {
    let bad = |message: &str| Error::bad_input(path, message.to_string());
    let mut prefix = Vec::new();
    (&mut file)
        .take(12)
        .read_to_end(&mut prefix)
        .map_err(|err| Error::io(path, err))?;
    if prefix.len() < 10 || !prefix.starts_with(b"\x93NUMPY") {
        return Err(bad("not a .npy file (it does not start with \\x93NUMPY)"));
    }
    let header_end = match prefix[6] {
        1 => 10 + u64::from(u16::from_le_bytes([prefix[8], prefix[9]])),
        2 | 3 if prefix.len() == 12 => {
            12 + u64::from(u32::from_le_bytes([
                prefix[8], prefix[9], prefix[10], prefix[11],
            ]))
        }
        version => {
            return Err(bad(&format!(
                "unsupported .npy format version {version}; numpy writes 1, 2 or 3"
            )))
        }
    };
    if header_end > MAX_HEADER_BYTES {
        return Err(bad("the .npy header is larger than 1 MiB"));
    }
    let mut head = prefix;
    (&mut file)
        .take(header_end.saturating_sub(head.len() as u64))
        .read_to_end(&mut head)
        .map_err(|err| Error::io(path, err))?;
    if (head.len() as u64) < header_end {
        return Err(bad("truncated in its header"));
    }
    head.truncate(header_end as usize);
    Ok(head)
}

/// `values` is `rows` x `columns` in C order; returns its transpose, in C order.
fn transpose(values: &[f64], rows: usize, columns: usize) -> Vec<f64> {
    let mut out = vec![0.0; values.len()];
    for r in 0..rows {
        for c in 0..columns {
            out[c * rows + r] = values[r * columns + c];
        }
    }
    out
}

/// Writes `values` with `shape` as a C-ordered `.npy` file, atomically.
pub fn write_npy<T>(path: &Path, shape: &[usize], values: &[T]) -> Result<()>
where
    T: npyz::Serialize + npyz::AutoSerialize + Copy,
{
    let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    write_atomically(path, |file| {
        let mut writer = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&shape)
            .writer(file)
            .begin_nd()?;
        writer.extend(values.iter().copied())?;
        writer.finish()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float16_is_read_as_the_float_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("half.npy");
        let halves: Vec<half::f16> = [0.5f32, -2.0, 1.5e4].map(half::f16::from_f32).to_vec();
        write_npy(&path, &[3], &halves).unwrap();
        let array = read_npy(&path).unwrap();
        assert_eq!(array.values, vec![0.5, -2.0, 15000.0]);
        assert_eq!(array.dtype, "<f2");
    }
}
