//! Keyword arguments as the library's specs: a serde deserializer over a dict of options, which
//! reads each value as exactly what its field needs and refuses anything else by name, with the
//! value given and what is allowed (`seed=-1: must be a whole number from 0 to 2**64 - 1`).
//!
//! Numbers follow numpy's habits without coercing silently: a whole number is a Python `int` or
//! a numpy integer (never a bool or a float, not even `2.0`); a real number is any real scalar
//! but a bool (never a complex); a switch is a bool or `numpy.bool_`; a list of numbers is any
//! sequence or 1-D array of them, or one number alone. A spec's group of options
//! ([`hopsom::spec::GROUPS`]) is read from the same dict as its own options.

use std::cell::RefCell;
use std::fmt;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString, PyType};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

/// An option refused: which, its value as Python shows it, and what is allowed.
#[derive(Debug)]
pub(crate) struct OptionError {
    key: Option<String>,
    value: Option<String>,
    allowed: String,
    /// The value is of the wrong kind (a string for a number): `InvalidType`, a `TypeError`.
    pub(crate) wrong_type: bool,
}

impl OptionError {
    fn new(allowed: impl Into<String>, wrong_type: bool) -> Self {
        OptionError {
            key: None,
            value: None,
            allowed: allowed.into(),
            wrong_type,
        }
    }

    /// `key`, given `value` of the wrong kind, refused with what is `allowed`.
    pub(crate) fn refused(key: &str, value: &Bound<'_, PyAny>, allowed: &str) -> Self {
        OptionError::new(allowed, true).of(key, value)
    }

    /// The error, said of option `key` given `value` (unless already said of one).
    fn of(mut self, key: &str, value: &Bound<'_, PyAny>) -> Self {
        if self.key.is_none() {
            self.key = Some(key.to_string());
            self.value = Some(shown(value));
        }
        self
    }
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.key, &self.value) {
            (Some(key), Some(value)) => write!(f, "{key}={value}: {}", self.allowed),
            (Some(key), None) => write!(f, "{key}: {}", self.allowed),
            _ => f.write_str(&self.allowed),
        }
    }
}

impl std::error::Error for OptionError {}

impl de::Error for OptionError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        OptionError::new(message.to_string(), false)
    }

    fn invalid_type(_: de::Unexpected, expected: &dyn de::Expected) -> Self {
        OptionError::new(expected.to_string(), true)
    }

    fn invalid_value(_: de::Unexpected, expected: &dyn de::Expected) -> Self {
        OptionError::new(expected.to_string(), false)
    }

    fn missing_field(field: &'static str) -> Self {
        OptionError::new(format!("{field} is required"), true)
    }
}

/// A value as Python's `repr` shows it, cut short for long arrays.
fn shown(value: &Bound<'_, PyAny>) -> String {
    let text = value
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "<unprintable>".into());
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The spec `T` from `options`, a dict of keyword arguments. A key that no field of `T` (or of
/// its groups) reads is refused: the Python signatures and the specs must name the same options.
pub(crate) fn spec<T: DeserializeOwned>(options: &Bound<'_, PyAny>) -> Result<T, OptionError> {
    let dict = options
        .cast::<PyDict>()
        .map_err(|_| OptionError::new("options must be a dict", true))?;
    let used = RefCell::new(Vec::new());
    let spec = T::deserialize(Options { dict, used: &used })?;
    for key in dict.keys() {
        let key = key.to_string();
        if !used.borrow().contains(&key) {
            return Err(OptionError {
                key: Some(key),
                value: None,
                allowed: "not an option here".into(),
                wrong_type: true,
            });
        }
    }
    Ok(spec)
}

/// One value, `name`, read as `T` (a backend choice, a seed given apart from a spec).
pub(crate) fn value<T: DeserializeOwned>(
    name: &str,
    value: &Bound<'_, PyAny>,
) -> Result<T, OptionError> {
    T::deserialize(Value(value.clone())).map_err(|error| error.of(name, value))
}

/// A dict of options, read as a spec (a struct).
struct Options<'a, 'py> {
    dict: &'a Bound<'py, PyDict>,
    used: &'a RefCell<Vec<String>>,
}

impl<'de> de::Deserializer<'de> for Options<'_, '_> {
    type Error = OptionError;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, OptionError> {
        visitor.visit_map(OptionsMap {
            options: self,
            fields: fields.iter(),
            current: None,
        })
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, OptionError> {
        Err(OptionError::new("options are read as a spec", true))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The fields of a spec, each read from its key, or from the whole dict for a group.
struct OptionsMap<'a, 'py> {
    options: Options<'a, 'py>,
    fields: std::slice::Iter<'static, &'static str>,
    /// The field being read: its name and its value, or `None` for a group.
    current: Option<(&'static str, Option<Bound<'py, PyAny>>)>,
}

impl<'de> de::MapAccess<'de> for OptionsMap<'_, '_> {
    type Error = OptionError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, OptionError> {
        for &field in self.fields.by_ref() {
            let value = self
                .options
                .dict
                .get_item(field)
                .map_err(|error| OptionError::new(error.to_string(), true))?;
            let entry = match value {
                Some(value) => {
                    self.options.used.borrow_mut().push(field.to_string());
                    Some(value)
                }
                None if hopsom::spec::GROUPS.contains(&field) => None,
                // Not given: the spec's default.
                None => continue,
            };
            self.current = Some((field, entry));
            return seed.deserialize(field.into_deserializer()).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, OptionError> {
        match self.current.take() {
            Some((field, Some(value))) => seed
                .deserialize(Value(value.clone()))
                .map_err(|error| error.of(field, &value)),
            Some((_, None)) => seed.deserialize(Options {
                dict: self.options.dict,
                used: self.options.used,
            }),
            None => Err(OptionError::new("a value without its option", true)),
        }
    }
}

/// One Python value, read as exactly what the field asks for.
struct Value<'py>(Bound<'py, PyAny>);

/// `numbers.Real`, which Python's and numpy's real scalars (and ints) register with.
fn is_real(value: &Bound<'_, PyAny>) -> bool {
    static REAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let real = REAL.import(value.py(), "numbers", "Real");
    !is_bool(value) && real.is_ok_and(|real| value.is_instance(real).unwrap_or(false))
}

/// A Python bool or a numpy bool.
fn is_bool(value: &Bound<'_, PyAny>) -> bool {
    static NUMPY_BOOL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    value.is_instance_of::<PyBool>()
        || NUMPY_BOOL
            .import(value.py(), "numpy", "bool_")
            .is_ok_and(|class| value.is_instance(class).unwrap_or(false))
}

/// "2**64 - 1" for a bound one below a power of two (as Python writes it), else the number.
fn bound(value: i128) -> String {
    let above = value.unsigned_abs() + 1;
    if value > 0 && above.is_power_of_two() && above > 1 << 16 {
        format!("2**{} - 1", above.trailing_zeros())
    } else if value < 0 && value.unsigned_abs().is_power_of_two() && value < -(1 << 16) {
        format!("-2**{}", value.unsigned_abs().trailing_zeros())
    } else {
        value.to_string()
    }
}

impl Value<'_> {
    /// A whole number within `low..=high`: an int or a numpy integer (`__index__`), not a bool.
    fn whole(&self, low: i128, high: i128) -> Result<i128, OptionError> {
        let allowed = || {
            format!(
                "must be a whole number from {} to {}",
                bound(low),
                bound(high)
            )
        };
        let value = &self.0;
        let whole = !is_bool(value)
            && !value.is_instance_of::<PyFloat>()
            && (value.is_instance_of::<PyInt>() || value.hasattr("__index__").unwrap_or(false));
        if !whole {
            return Err(OptionError::new(allowed(), !is_real(value)));
        }
        let index = value
            .call_method0("__index__")
            .and_then(|index| index.extract::<i128>())
            .map_err(|_| OptionError::new(allowed(), false))?;
        if (low..=high).contains(&index) {
            Ok(index)
        } else {
            Err(OptionError::new(allowed(), false))
        }
    }

    /// A real number: any real scalar but a bool.
    fn real(&self) -> Result<f64, OptionError> {
        let allowed = "must be a real number";
        if !is_real(&self.0) {
            return Err(OptionError::new(allowed, true));
        }
        self.0
            .extract::<f64>()
            .map_err(|_| OptionError::new(allowed, false))
    }

    /// The items of a sequence or 1-D array; one number alone is a sequence of one.
    fn items(&self) -> Result<Vec<Bound<'_, PyAny>>, OptionError> {
        let allowed = "must be a number or a sequence of them";
        if is_real(&self.0) || is_bool(&self.0) {
            return Ok(vec![self.0.clone()]);
        }
        if self.0.is_instance_of::<PyString>() || self.0.is_none() {
            return Err(OptionError::new(allowed, true));
        }
        let items = self
            .0
            .try_iter()
            .map_err(|_| OptionError::new(allowed, true))?;
        items
            .map(|item| item.map_err(|_| OptionError::new(allowed, true)))
            .collect()
    }
}

macro_rules! whole_numbers {
    ($($method:ident $visit:ident $ty:ty),+ $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionError> {
                let value = self.whole(<$ty>::MIN as i128, <$ty>::MAX as i128)?;
                visitor.$visit(value as $ty)
            }
        )+
    };
}

impl<'de> de::Deserializer<'de> for Value<'_> {
    type Error = OptionError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionError> {
        let value = &self.0;
        if value.is_none() {
            visitor.visit_none()
        } else if is_bool(value) {
            self.deserialize_bool(visitor)
        } else if value.is_instance_of::<PyInt>() || value.hasattr("__index__").unwrap_or(false) {
            self.deserialize_i64(visitor)
        } else if is_real(value) {
            self.deserialize_f64(visitor)
        } else if let Ok(text) = value.cast::<PyString>() {
            visitor.visit_str(&text.to_string())
        } else {
            self.deserialize_seq(visitor)
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionError> {
        if !is_bool(&self.0) {
            return Err(OptionError::new("must be True or False", true));
        }
        let value = self
            .0
            .is_truthy()
            .map_err(|_| OptionError::new("must be True or False", true))?;
        visitor.visit_bool(value)
    }

    whole_numbers! {
        deserialize_i8 visit_i8 i8,
        deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64,
        deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32,
        deserialize_u64 visit_u64 u64,
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionError> {
        visitor.visit_f64(self.real()?)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionError> {
        let value = self.real()?;
        // A finite number beyond float32 would become infinite: say so, rather than report inf.
        if value.is_finite() && value.abs() > f64::from(f32::MAX) {
            return Err(OptionError::new(
                "must be within float32's range (±3.4e38)",
                false,
            ));
        }
        visitor.visit_f32(value as f32)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionError> {
        match self.0.cast::<PyString>() {
            Ok(text) => visitor.visit_str(&text.to_string()),
            Err(_) => Err(de::Error::invalid_type(
                de::Unexpected::Other("a non-string"),
                &visitor,
            )),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionError> {
        if self.0.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionError> {
        let items = self.items()?;
        visitor.visit_seq(Items {
            items: items.into_iter().enumerate(),
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, OptionError> {
        let items = self.items()?;
        if items.len() != len {
            return Err(OptionError::new(
                format!("must be {len} numbers, not {}", items.len()),
                false,
            ));
        }
        visitor.visit_seq(Items {
            items: items.into_iter().enumerate(),
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, OptionError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit unit_struct tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The items of a sequence, each read as the element type asks; a refused item is named.
struct Items<'py, I: Iterator<Item = (usize, Bound<'py, PyAny>)>> {
    items: I,
}

impl<'de, 'py, I: Iterator<Item = (usize, Bound<'py, PyAny>)>> de::SeqAccess<'de>
    for Items<'py, I>
{
    type Error = OptionError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, OptionError> {
        match self.items.next() {
            None => Ok(None),
            Some((index, item)) => {
                seed.deserialize(Value(item.clone()))
                    .map(Some)
                    .map_err(|mut error| {
                        error.allowed =
                            format!("item {index} ({}) {}", shown(&item), error.allowed);
                        error
                    })
            }
        }
    }
}
