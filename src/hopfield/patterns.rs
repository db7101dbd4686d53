//! Bipolar patterns: vectors of N neurons, each +1 or -1.

use crate::error::{Error, Result};

/// The shape of an image-like pattern: `width` columns and `height` rows, stored row by row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct GridShape {
    pub width: usize,
    pub height: usize,
}

impl std::fmt::Display for GridShape {
    /// `WxH`, as the command line writes shapes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// How a +1 neuron is drawn in pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Polarity {
    /// +1 is black, as seed 003 draws its patterns (matplotlib's `binary` colormap) and as `#` in grid files.
    #[default]
    PositiveDark,
    /// +1 is white, as in images made bipolar by brightness.
    PositiveBright,
}

/// A set of patterns of equal length, stored pattern after pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternSet {
    neurons: usize,
    states: Vec<i8>,
    /// A name per pattern (the file and, where a file holds several, the line or row).
    pub names: Vec<String>,
    /// Present when every pattern is image-shaped with this shape.
    pub shape: Option<GridShape>,
    pub polarity: Polarity,
}

impl PatternSet {
    /// Patterns from flat bipolar `states` (`names.len()` patterns of `neurons` values each).
    pub fn new(neurons: usize, states: Vec<i8>, names: Vec<String>) -> Result<Self> {
        if neurons == 0 {
            return Err(Error::InvalidData("patterns have no neurons".into()));
        }
        if states.len() != neurons * names.len() {
            return Err(Error::InvalidData(format!(
                "{} values do not make {} patterns of {neurons} neurons",
                states.len(),
                names.len()
            )));
        }
        if let Some(position) = states.iter().position(|&v| v != 1 && v != -1) {
            return Err(Error::InvalidData(format!(
                "pattern {} neuron {} is {}, not +1 or -1",
                position / neurons,
                position % neurons,
                states[position]
            )));
        }
        Ok(PatternSet {
            neurons,
            states,
            names,
            shape: None,
            polarity: Polarity::default(),
        })
    }

    /// The same patterns, image-shaped.
    pub fn with_shape(mut self, shape: GridShape, polarity: Polarity) -> Result<Self> {
        if shape.width * shape.height != self.neurons {
            return Err(Error::InvalidData(format!(
                "a {}x{} grid does not hold {} neurons",
                shape.width, shape.height, self.neurons
            )));
        }
        self.shape = Some(shape);
        self.polarity = polarity;
        Ok(self)
    }

    pub fn neurons(&self) -> usize {
        self.neurons
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Pattern `index`.
    pub fn get(&self, index: usize) -> &[i8] {
        &self.states[index * self.neurons..(index + 1) * self.neurons]
    }

    pub fn iter(&self) -> impl Iterator<Item = &[i8]> {
        self.states.chunks_exact(self.neurons)
    }

    /// All patterns, flat.
    pub fn states(&self) -> &[i8] {
        &self.states
    }

    /// Appends the patterns of `other`, which must have the same number of neurons.
    /// The shape survives only if both agree on it (or `self` is empty).
    pub fn extend(&mut self, other: PatternSet) -> Result<()> {
        if other.neurons != self.neurons {
            return Err(Error::InvalidData(format!(
                "patterns of different sizes: {} has {} neurons, {} has {}",
                self.names.first().map_or("the first set", String::as_str),
                self.neurons,
                other.names.first().map_or("the next set", String::as_str),
                other.neurons
            )));
        }
        if self.shape.is_none() && other.shape.is_some() {
            self.polarity = other.polarity;
        }
        self.shape = match (self.shape, other.shape) {
            (Some(mine), Some(theirs)) => (mine == theirs).then_some(mine),
            (mine, theirs) => mine.or(theirs),
        };
        self.states.extend_from_slice(&other.states);
        self.names.extend(other.names);
        Ok(())
    }

    /// Joins several sets into one; they must agree on the number of neurons.
    pub fn concat(sets: Vec<PatternSet>) -> Result<PatternSet> {
        let mut sets = sets.into_iter();
        let mut joined = sets
            .next()
            .ok_or_else(|| Error::InvalidData("no patterns given".into()))?;
        for set in sets {
            joined.extend(set)?;
        }
        Ok(joined)
    }
}

/// Parses one grid pattern: rows of `#` (+1) and `.` (-1), all of the same width.
pub fn parse_grid(text: &str, name: &str) -> Result<PatternSet> {
    let rows: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|row| !row.is_empty())
        .collect();
    let width = rows.first().map_or(0, |row| row.chars().count());
    if width == 0 {
        return Err(Error::InvalidData("the grid is empty".into()));
    }
    let mut states = Vec::with_capacity(width * rows.len());
    for (number, row) in rows.iter().enumerate() {
        if row.chars().count() != width {
            return Err(Error::InvalidData(format!(
                "grid row {} has {} cells, the first row has {width}",
                number + 1,
                row.chars().count()
            )));
        }
        for c in row.chars() {
            states.push(match c {
                '#' => 1,
                '.' => -1,
                other => {
                    return Err(Error::InvalidData(format!(
                        "grid row {} has {other:?}; use '#' for +1 and '.' for -1",
                        number + 1
                    )))
                }
            });
        }
    }
    let shape = GridShape {
        width,
        height: rows.len(),
    };
    PatternSet::new(width * rows.len(), states, vec![name.to_string()])?
        .with_shape(shape, Polarity::PositiveDark)
}

/// The three 15x15 patterns of seed 003 (Batman, A, Z), embedded in the binary.
pub fn seed_patterns() -> PatternSet {
    let grids = [
        ("batman", include_str!("../../assets/patterns/batman.txt")),
        ("A", include_str!("../../assets/patterns/letter_a.txt")),
        ("Z", include_str!("../../assets/patterns/letter_z.txt")),
    ];
    let sets = grids
        .iter()
        .map(|(name, text)| parse_grid(text, name).expect("the embedded seed patterns are valid"))
        .collect();
    PatternSet::concat(sets).expect("the embedded seed patterns agree in size")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_patterns_are_three_15_by_15() {
        let set = seed_patterns();
        assert_eq!(set.len(), 3);
        assert_eq!(set.neurons(), 225);
        assert_eq!(
            set.shape,
            Some(GridShape {
                width: 15,
                height: 15
            })
        );
        assert_eq!(set.names, ["batman", "A", "Z"]);
    }

    #[test]
    fn rejects_non_bipolar_values() {
        let err = PatternSet::new(2, vec![1, 0], vec!["p".into()]).unwrap_err();
        assert!(err.to_string().contains("not +1 or -1"), "{err}");
    }
}
