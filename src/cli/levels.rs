//! Lists of levels on the command line: `--noise 0,10,25` or `--noise 0:100:5`.

use hopsom::{Error, Result};

/// Parses a noise list: comma-separated levels (`0,10,25`) or a range `START:STOP:STEP` with STOP
/// included when the steps land on it.
/// `option` names the list in messages (`--noise`, `--loads`).
pub fn parse_levels(text: &str, option: &str) -> Result<Vec<f64>> {
    let bad = || {
        Error::Usage(format!(
            "{option} {text:?} is not a list (10,25,50) or a range START:STOP:STEP (0:100:5)"
        ))
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::Usage(format!("{option}: the list is empty")));
    }
    if text.contains(':') {
        let parts: Vec<f64> = text
            .split(':')
            .map(|part| part.trim().parse::<f64>().map_err(|_| bad()))
            .collect::<Result<_>>()?;
        let [start, stop, step] = parts[..] else {
            return Err(bad());
        };
        if !(step.is_finite() && step > 0.0 && stop >= start) {
            return Err(Error::Usage(format!(
                "{option} {text:?}: a range needs STOP >= START and STEP > 0"
            )));
        }
        let count = ((stop - start) / step + 1e-9).floor() as usize + 1;
        if count > 100_000 {
            return Err(Error::Usage(format!(
                "{option} {text:?} has {count} values; at most 100 000"
            )));
        }
        // Computed from the index, not accumulated, so 0:100:5 ends exactly on 100.
        return Ok((0..count).map(|k| start + k as f64 * step).collect());
    }
    text.split(',')
        .map(|part| part.trim().parse::<f64>().map_err(|_| bad()))
        .collect()
}

/// `levels` as [`parse_levels`] reads them back: `START:STOP:STEP` for three or more evenly
/// spaced levels, otherwise a comma-separated list (for `--help`'s defaults, which the library
/// holds).
pub fn format_levels(levels: &[f64]) -> String {
    if let [first, second, .., last] = levels {
        let step = second - first;
        let even = step > 0.0
            && levels
                .iter()
                .enumerate()
                .all(|(k, &level)| level == first + k as f64 * step);
        if even {
            return format!("{first}:{last}:{step}");
        }
    }
    let listed: Vec<String> = levels.iter().map(f64::to_string).collect();
    listed.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_levels_parse_back() {
        for levels in [vec![0.0, 5.0, 10.0, 15.0], vec![10.0, 25.0], vec![3.0]] {
            assert_eq!(
                parse_levels(&format_levels(&levels), "--noise").unwrap(),
                levels
            );
        }
        assert_eq!(format_levels(&[0.0, 5.0, 10.0]), "0:10:5");
    }

    #[test]
    fn parses_lists_and_ranges() {
        assert_eq!(
            parse_levels("10, 25,50", "--noise").unwrap(),
            [10.0, 25.0, 50.0]
        );
        let range = parse_levels("0:100:5", "--noise").unwrap();
        assert_eq!(range.len(), 21);
        assert_eq!(range[20], 100.0);
        assert!(parse_levels("", "--noise").is_err());
        assert!(parse_levels("5:0:1", "--noise").is_err());
        assert!(parse_levels("0:10:0", "--noise").is_err());
        assert!(parse_levels("a,b", "--noise").is_err());
    }
}
