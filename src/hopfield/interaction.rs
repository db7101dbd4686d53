//! The interaction function F of a dense associative memory (Krotov & Hopfield 2016; Demircigil
//! et al. 2017): the energy of a bipolar state σ is E(σ) = −Σ_μ F(ξ^μ·σ) over the stored
//! patterns ξ^μ. F(x) = x² is the classical network (up to a constant and a factor of 2);
//! steeper functions separate the patterns' basins and store far more of them.
//!
//! A neuron takes the state of lower energy. With m_μ^(i) = Σ_{j≠i} ξ_j^μ σ_j (the overlap
//! without neuron i) the energy falls by Σ_μ [F(ξ_i^μ + m_μ^(i)) − F(−ξ_i^μ + m_μ^(i))] when
//! σ_i is +1 rather than −1, which is Σ_μ ξ_i^μ G(m_μ^(i)) with G(x) = F(x + 1) − F(x − 1):
//! the recall kernels read G from a table over the overlaps' range.

use crate::error::{Error, Param, Result};

/// The interaction function F.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(into = "String")]
pub enum Interaction {
    /// F(x) = x²: the classical network, recalled through its couplings W.
    #[default]
    Quadratic,
    /// F(x) = xⁿ (n ≥ 2).
    Poly(u32),
    /// F(x) = xⁿ for x > 0, else 0 (n ≥ 2).
    RePoly(u32),
    /// F(x) = eˣ.
    Exp,
}

/// The highest power accepted: beyond it no network of more than a few neurons keeps its
/// energies within 64-bit integers.
pub const MAX_POWER: u32 = 30;

impl Interaction {
    /// Whether this is the classical quadratic energy (recalled through the couplings W).
    pub fn is_quadratic(self) -> bool {
        self == Interaction::Quadratic
    }

    /// F(x) for the energy, exactly: the polynomials in 128-bit integers (None beyond them),
    /// the exponential as a float.
    pub fn energy_term(self, x: i64) -> Option<i128> {
        let power = |n: u32| i128::from(x).checked_pow(n);
        match self {
            Interaction::Quadratic => power(2),
            Interaction::Poly(n) => power(n),
            Interaction::RePoly(n) => {
                if x > 0 {
                    power(n)
                } else {
                    Some(0)
                }
            }
            Interaction::Exp => None,
        }
    }

    /// ln |G(x)| with G(x) = F(x + 1) − F(x − 1), and G's sign; (−∞, 0) where G(x) = 0. Exact
    /// in form for any size: the polynomials through (x+1)ⁿ − (x−1)ⁿ = 2 Σ_{k odd} C(n,k) xⁿ⁻ᵏ,
    /// whose terms all share one sign.
    pub fn log_difference(self, x: i64) -> (f64, f64) {
        let xf = x as f64;
        let polynomial = |n: u32| -> (f64, f64) {
            if x == 0 {
                return if n % 2 == 1 {
                    (std::f64::consts::LN_2, 1.0)
                } else {
                    (f64::NEG_INFINITY, 0.0)
                };
            }
            let terms: Vec<f64> = (1..=n)
                .step_by(2)
                .map(|k| ln_binomial(n, k) + f64::from(n - k) * xf.abs().ln())
                .collect();
            let sign = if x < 0 && (n - 1) % 2 == 1 { -1.0 } else { 1.0 };
            (std::f64::consts::LN_2 + log_sum_exp(&terms), sign)
        };
        match self {
            Interaction::Quadratic => polynomial(2),
            Interaction::Poly(n) => polynomial(n),
            Interaction::RePoly(n) => match x {
                x if x >= 2 => polynomial(n),
                1 => (f64::from(n) * std::f64::consts::LN_2, 1.0),
                0 => (0.0, 1.0),
                _ => (f64::NEG_INFINITY, 0.0),
            },
            Interaction::Exp => (xf + (1f64.exp() - (-1f64).exp()).ln(), 1.0),
        }
    }

    /// The one-step error rate the signal-to-noise analysis predicts for `patterns` random
    /// patterns of `neurons`: from a stored pattern, neuron i's energy difference is the signal
    /// G(N − 1) of its own pattern plus the crosstalk Σ_{μ≠ν} ξ_i^μ G(m_μ^(i)) of the others,
    /// each term of mean 0 and variance E[G(m)²] over m = Σ_{j≠i} of N − 1 random ±1 (the
    /// binomial moments, exactly); taken as Gaussian, P_err = ½ erfc(signal / √(2 (P−1) E[G²])).
    /// The classical network keeps the textbook ½ erfc(√(N / 2P)).
    pub fn theory_one_step_error(self, neurons: usize, patterns: usize) -> f64 {
        if self.is_quadratic() {
            return theory_one_step_error(patterns as f64 / neurons as f64);
        }
        if patterns <= 1 {
            return 0.0;
        }
        let others = neurons.saturating_sub(1) as i64;
        let (signal, _) = self.log_difference(others);
        // ln E[G(m)²] = ln Σ_k C(M, k) 2^-M G(2k − M)² over the binomial count k of +1s.
        let terms: Vec<f64> = (0..=others)
            .map(|k| {
                let (log_g, _) = self.log_difference(2 * k - others);
                ln_binomial(others as u32, k as u32) - others as f64 * std::f64::consts::LN_2
                    + 2.0 * log_g
            })
            .collect();
        let log_variance = ((patterns - 1) as f64).ln() + log_sum_exp(&terms);
        let ratio = (signal - 0.5 * log_variance).exp() / std::f64::consts::SQRT_2;
        0.5 * libm::erfc(ratio)
    }

    /// The number of patterns stored without errors, as theory gives it: Krotov & Hopfield's
    /// Nⁿ⁻¹ / (2 (2n−3)!! ln N) for F(x) = xⁿ (N / (2 ln N) for the classical network, n = 2),
    /// and Demircigil et al.'s 2^(N/2) for eˣ.
    pub fn theory_capacity(self, neurons: usize) -> f64 {
        let n_f = neurons as f64;
        match self {
            Interaction::Exp => 2f64.powf(n_f / 2.0),
            Interaction::Quadratic => n_f / (2.0 * n_f.ln()),
            Interaction::Poly(n) | Interaction::RePoly(n) => {
                let double_factorial: f64 = (1..=(2 * n - 3)).step_by(2).map(f64::from).product();
                n_f.powi(n as i32 - 1) / (2.0 * double_factorial * n_f.ln())
            }
        }
    }

    /// Checks the power against [`MAX_POWER`].
    pub fn validate(self) -> Result<()> {
        match self {
            Interaction::Poly(n) | Interaction::RePoly(n) if !(2..=MAX_POWER).contains(&n) => {
                Err(Error::parameter(
                    Param::Interaction,
                    self,
                    format!("the power must be from 2 to {MAX_POWER}"),
                ))
            }
            _ => Ok(()),
        }
    }
}

impl std::str::FromStr for Interaction {
    type Err = Error;

    /// `quadratic`, `poly:N`, `repoly:N` or `exp`.
    fn from_str(text: &str) -> Result<Self> {
        let bad = |why: &str| Error::parameter(Param::Interaction, text, why);
        let power = |digits: &str| {
            digits
                .parse::<u32>()
                .map_err(|_| bad("the power after ':' must be a whole number"))
        };
        let interaction = match text.split_once(':') {
            None if text == "quadratic" => Interaction::Quadratic,
            None if text == "exp" => Interaction::Exp,
            Some(("poly", n)) => Interaction::Poly(power(n)?),
            Some(("repoly", n)) => Interaction::RePoly(power(n)?),
            _ => return Err(bad("must be quadratic, poly:N, repoly:N or exp")),
        };
        interaction.validate()?;
        Ok(interaction)
    }
}

impl std::fmt::Display for Interaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Interaction::Quadratic => f.write_str("quadratic"),
            Interaction::Poly(n) => write!(f, "poly:{n}"),
            Interaction::RePoly(n) => write!(f, "repoly:{n}"),
            Interaction::Exp => f.write_str("exp"),
        }
    }
}

impl From<Interaction> for String {
    fn from(interaction: Interaction) -> String {
        interaction.to_string()
    }
}

impl<'de> serde::Deserialize<'de> for Interaction {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Named;
        impl serde::de::Visitor<'_> for Named {
            type Value = Interaction;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("must be quadratic, poly:N, repoly:N or exp")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Interaction, E> {
                let interaction: Interaction = text
                    .parse()
                    .and_then(|i: Interaction| i.validate().map(|()| i))
                    .map_err(|error| match error {
                        // What is allowed, without the name and value a front end adds.
                        Error::Parameter { allowed, .. } => {
                            E::invalid_value(serde::de::Unexpected::Str(text), &allowed.as_str())
                        }
                        other => E::custom(other),
                    })?;
                Ok(interaction)
            }
        }
        deserializer.deserialize_str(Named)
    }
}

/// The classical one-step error rate of the Hebbian rule at load α: ½ erfc(√(1/(2α))).
pub fn theory_one_step_error(load: f64) -> f64 {
    0.5 * libm::erfc((1.0 / (2.0 * load)).sqrt())
}

/// ln C(n, k).
fn ln_binomial(n: u32, k: u32) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

fn ln_factorial(n: u32) -> f64 {
    libm::lgamma(f64::from(n) + 1.0)
}

/// ln Σ exp(terms), stably; −∞ for no terms or all −∞.
fn log_sum_exp(terms: &[f64]) -> f64 {
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        return top;
    }
    top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_ones_are_refused() {
        for text in ["quadratic", "poly:3", "repoly:10", "exp"] {
            assert_eq!(text.parse::<Interaction>().unwrap().to_string(), text);
        }
        for bad in ["cubic", "poly", "poly:x", "poly:1", "repoly:31", "exp:2"] {
            let error = bad.parse::<Interaction>().unwrap_err().to_string();
            assert!(error.starts_with(&format!("interaction {bad}")), "{error}");
        }
    }

    #[test]
    fn differences_match_the_function() {
        for interaction in [
            Interaction::Quadratic,
            Interaction::Poly(3),
            Interaction::Poly(4),
            Interaction::RePoly(3),
            Interaction::RePoly(4),
        ] {
            for x in -9..=9i64 {
                let exact = interaction.energy_term(x + 1).unwrap()
                    - interaction.energy_term(x - 1).unwrap();
                let (log_g, sign) = interaction.log_difference(x);
                let approx = sign * log_g.exp();
                assert!(
                    (approx - exact as f64).abs() <= 1e-9 * (exact as f64).abs().max(1.0),
                    "{interaction} at {x}: {approx} vs {exact}"
                );
            }
        }
        let (log_g, _) = Interaction::Exp.log_difference(3);
        assert!((log_g.exp() - (4f64.exp() - 2f64.exp())).abs() < 1e-9);
    }

    #[test]
    fn theory_reduces_to_the_classical_network() {
        // F(x) = x² through the general formula: G(x) = 4x, E[G²] = 16 (N − 1), signal 4 (N − 1):
        // ½ erfc(√((N − 1) / (2 (P − 1)))), the textbook figure with N − 1 and P − 1.
        let general = Interaction::Poly(2).theory_one_step_error(200, 41);
        let expected = 0.5 * libm::erfc((199.0f64 / 80.0).sqrt());
        assert!(
            (general - expected).abs() < 1e-12,
            "{general} vs {expected}"
        );
        assert!(
            (Interaction::Poly(2).theory_capacity(100)
                - Interaction::Quadratic.theory_capacity(100))
            .abs()
                < 1e-9
        );
        // Krotov & Hopfield's n = 3 at N = 100: 10⁴ / (2 · 3 · ln 100) = 361.9.
        assert!((Interaction::Poly(3).theory_capacity(100) - 361.9).abs() < 0.1);
    }
}
