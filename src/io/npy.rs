//! NumPy `.npy` arrays: reading any numeric dtype as f64, writing f32 and i8 arrays.

use std::path::Path;

use npyz::{TypeChar, WriterBuilder};

use super::output::write_atomically;
use crate::error::{Error, Result};

/// A C-ordered array read from a `.npy` file, its values widened to f64.
#[derive(Debug, Clone)]
pub struct NpyArray {
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
}

/// Reads a numeric `.npy` file (bool, signed or unsigned integers, float32/64), in C order.
pub fn read_npy(path: &Path) -> Result<NpyArray> {
    let bytes = std::fs::read(path).map_err(|err| Error::io(path, err))?;
    let bad = |message: String| Error::bad_input(path, message);
    let file = npyz::NpyFile::new(&bytes[..])
        .map_err(|err| bad(format!("not a valid .npy file ({err})")))?;
    let shape: Vec<usize> = file.shape().iter().map(|&d| d as usize).collect();
    let fortran = file.order() == npyz::Order::Fortran;
    let npyz::DType::Plain(type_str) = file.dtype() else {
        return Err(bad(
            "structured .npy arrays are not supported; save a plain numeric array".into(),
        ));
    };
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
    Ok(NpyArray { shape, values })
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
