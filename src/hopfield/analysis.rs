//! How a recalled state relates to the stored patterns.

use super::patterns::PatternSet;

/// The stored pattern closest to a state.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BestMatch {
    /// Index of the stored pattern with the largest |overlap|; on a tie a positive overlap beats
    /// an inverted one, then the lowest index wins.
    pub pattern: usize,
    /// m = ξ·s / N, in [-1, 1]; negative when the state resembles the inverted pattern.
    pub overlap: f64,
    /// The state is closer to the inverted pattern -ξ (a spurious mirror state).
    pub inverted: bool,
    /// The state equals the pattern (or, when `inverted`, its inverse) exactly.
    pub exact: bool,
}

/// The overlap m = ξ·s / N of two bipolar vectors.
pub fn overlap(pattern: &[i8], state: &[i8]) -> f64 {
    let dot: i64 = pattern
        .iter()
        .zip(state)
        .map(|(&a, &b)| i64::from(a) * i64::from(b))
        .sum();
    dot as f64 / pattern.len() as f64
}

/// The stored pattern that `state` matches best.
pub fn best_match(stored: &PatternSet, state: &[i8]) -> BestMatch {
    let n = stored.neurons() as i64;
    let mut best: Option<(usize, i64)> = None;
    for (index, pattern) in stored.iter().enumerate() {
        let dot: i64 = pattern
            .iter()
            .zip(state)
            .map(|(&a, &b)| i64::from(a) * i64::from(b))
            .sum();
        let better =
            |(_, best_dot): (usize, i64)| (dot.abs(), dot > 0) > (best_dot.abs(), best_dot > 0);
        if best.is_none_or(better) {
            best = Some((index, dot));
        }
    }
    let (pattern, dot) = best.expect("a pattern set is never empty");
    BestMatch {
        pattern,
        overlap: dot as f64 / n as f64,
        inverted: dot < 0,
        exact: dot.abs() == n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inverted_and_ties_to_lowest() {
        let stored = PatternSet::new(
            4,
            vec![1, 1, 1, 1, 1, -1, 1, -1],
            vec!["a".into(), "b".into()],
        )
        .unwrap();
        let m = best_match(&stored, &[-1, 1, -1, 1]);
        assert_eq!(
            (m.pattern, m.overlap, m.inverted, m.exact),
            (1, -1.0, true, true)
        );
        // [1,1,1,-1] overlaps both by 0.5: the lower index wins.
        let m = best_match(&stored, &[1, 1, 1, -1]);
        assert_eq!((m.pattern, m.overlap, m.exact), (0, 0.5, false));
        // Equal to pattern 1 and to the inverse of pattern 0: the positive match wins.
        let stored = PatternSet::new(2, vec![1, -1, -1, 1], vec!["a".into(), "b".into()]).unwrap();
        let m = best_match(&stored, &[-1, 1]);
        assert_eq!((m.pattern, m.inverted), (1, false));
    }
}
