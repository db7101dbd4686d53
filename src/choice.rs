//! The values of an enumerated option by name, as the command line and the Python package spell
//! them: the library defines the names once, and each front end builds its own parser from them.

/// An enumerated option.
pub trait Choice: Copy + PartialEq + 'static {
    /// Every value, with its names (the first is canonical, the others are aliases) and a
    /// one-line description.
    const CHOICES: &'static [Named<Self>];

    /// The canonical name.
    fn name(self) -> &'static str {
        Self::CHOICES
            .iter()
            .find(|named| named.value == self)
            .expect("every value has a name")
            .names[0]
    }

    /// The value called `text` (a name or an alias), if any.
    fn parse(text: &str) -> Option<Self> {
        Self::CHOICES
            .iter()
            .find(|named| named.names.contains(&text))
            .map(|named| named.value)
    }

    /// "a, b or c": the canonical names, for messages.
    fn listed() -> String {
        let names: Vec<&str> = Self::CHOICES.iter().map(|named| named.names[0]).collect();
        match names.split_last() {
            Some((last, [])) => (*last).to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

/// One value of a [`Choice`].
#[derive(Debug, Clone, Copy)]
pub struct Named<T: 'static> {
    pub value: T,
    pub names: &'static [&'static str],
    pub help: &'static str,
}

/// Implements [`Choice`] and `Display` (the canonical name) for an enum:
/// `choices!(Type { Type::A => ["a", "alias"] "what a is", ... })`.
macro_rules! choices {
    ($ty:ty { $($value:expr => [$($name:literal),+ $(,)?] $help:literal),+ $(,)? }) => {
        impl $crate::choice::Choice for $ty {
            const CHOICES: &'static [$crate::choice::Named<Self>] = &[
                $($crate::choice::Named { value: $value, names: &[$($name),+], help: $help }),+
            ];
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::choice::Choice::name(*self))
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($crate::choice::Choice::name(*self))
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str($crate::choice::ChoiceVisitor::<Self>::default())
            }
        }
    };
}
pub(crate) use choices;

/// Reads a [`Choice`] from its name or an alias; anything else is refused with the list of names
/// (`use rect or hex`), which front ends show after the option and the value given.
pub struct ChoiceVisitor<T>(std::marker::PhantomData<T>);

impl<T> Default for ChoiceVisitor<T> {
    fn default() -> Self {
        ChoiceVisitor(std::marker::PhantomData)
    }
}

impl<T: Choice> serde::de::Visitor<'_> for ChoiceVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "use {}", T::listed())
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        T::parse(text).ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(text), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::som::{Schedule, Topology};

    #[test]
    fn names_and_aliases_parse_back() {
        assert_eq!(Topology::parse("hex"), Some(Topology::Hexagonal));
        assert_eq!(Topology::Rectangular.to_string(), "rect");
        assert_eq!(Schedule::parse("minisom"), Some(Schedule::Asymptotic));
        assert_eq!(Schedule::Asymptotic.name(), "asymptotic");
        assert_eq!(Topology::parse("square"), None);
        assert_eq!(Topology::listed(), "rect or hex");
    }
}
