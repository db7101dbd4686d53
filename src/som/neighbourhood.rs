//! How strongly a node moves with the winner: the neighbourhood functions, and where each is
//! cut off so that training visits only the nodes it moves. Keep the numbering in sync with
//! shaders/som_common.wgsl (a unit test of the kernels reads it).

/// How strongly a node moves with the winner, by their distance on the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u32)]
pub enum Neighbourhood {
    /// exp(−d²/2σ²).
    #[default]
    Gaussian = 0,
    /// 1 within distance σ, 0 beyond.
    Bubble = 1,
    /// (1 − d²/σ²)·exp(−d²/2σ²): nearby nodes move closer, a ring further out moves away.
    MexicanHat = 2,
    /// max(0, 1 − d/σ).
    Triangle = 3,
}

crate::choice::choices!(Neighbourhood {
    Neighbourhood::Gaussian => ["gaussian"] "exp(−d²/2σ²)",
    Neighbourhood::Bubble => ["bubble"] "1 within distance σ, 0 beyond",
    Neighbourhood::MexicanHat => ["mexican-hat", "mexican_hat"] "(1 − d²/σ²)·exp(−d²/2σ²) (online only)",
    Neighbourhood::Triangle => ["triangle"] "max(0, 1 − d/σ)",
});

impl Neighbourhood {
    /// The weight of a node at offset (|dx|, |dy|) from the winner for radius `sigma`, with
    /// every node whose offset along either axis reaches beyond `reach_sq` (see
    /// [`Neighbourhood::reach`]) at exactly 0. A radius of 0 (or one whose square is 0 in f32)
    /// means the winner alone: weight 1 at distance 0, 0 elsewhere. The gaussian is the product
    /// of its x and y factors. CPU twin of `neighbourhood` in shaders/som_common.wgsl.
    pub fn weight(self, (dx, dy): (f32, f32), sigma: f32, reach_sq: f32) -> f32 {
        let d2 = dx * dx + dy * dy;
        let s2 = sigma * sigma;
        if s2 <= 0.0 {
            return if d2 == 0.0 { 1.0 } else { 0.0 };
        }
        if dx * dx > reach_sq || dy * dy > reach_sq {
            return 0.0;
        }
        let gaussian = || (-(dx * dx) / (2.0 * s2)).exp() * (-(dy * dy) / (2.0 * s2)).exp();
        match self {
            Neighbourhood::Gaussian => gaussian(),
            Neighbourhood::Bubble => {
                if d2 <= s2 {
                    1.0
                } else {
                    0.0
                }
            }
            Neighbourhood::MexicanHat => (1.0 - d2 / s2) * gaussian(),
            Neighbourhood::Triangle => (1.0 - d2.sqrt() / sigma).max(0.0),
        }
    }

    /// How far the neighbourhood reaches, as a multiple of σ² of the squared offset along
    /// either axis: beyond it every weight is exactly 0, so training visits only the nodes
    /// inside a window around the winner and never computes the vanishing (subnormal) tail.
    /// The bubble and the triangle end at σ by their shape. The gaussian's axis factors
    /// exp(−d²/2σ²) are cut where they fall below `cutoff`, at d² = 2·ln(1/cutoff)·σ² (5.26σ
    /// for 10⁻⁶), so every weight dropped is below `cutoff` times the peak. The mexican hat is
    /// cut beyond the last offset at which |(1 − d²/σ²)·e^(−d²/2σ²)| reaches `cutoff`. A cutoff of
    /// 0 keeps the whole, unbounded neighbourhood.
    pub fn reach(self, cutoff: f32) -> f32 {
        let cutoff = f64::from(cutoff);
        match self {
            Neighbourhood::Bubble | Neighbourhood::Triangle => 1.0,
            _ if cutoff <= 0.0 => f32::INFINITY,
            Neighbourhood::Gaussian => (2.0 * (1.0 / cutoff).ln()) as f32,
            Neighbourhood::MexicanHat => {
                // h(u) = (1 − u)·e^(−u/2) in u = d²/σ²: falls from 1 to its trough
                // −2e^(−3/2) at u = 3, then rises towards 0. The reach is the last u where
                // |h| = cutoff: on the rising tail when the trough is deep enough, otherwise
                // on the first descent.
                let h = |u: f64| (1.0 - u) * (-u / 2.0).exp();
                let trough = 2.0 * (-1.5f64).exp();
                let (mut low, mut high, target) = if cutoff < trough {
                    (3.0, 3.0 + 4.0 * (1.0 / cutoff).ln() + 40.0, -cutoff)
                } else {
                    (0.0, 1.0, cutoff)
                };
                // |h| decreases on both intervals, so bisection finds the crossing.
                let falling = cutoff >= trough;
                for _ in 0..200 {
                    let middle = 0.5 * (low + high);
                    let above = if falling {
                        h(middle) > target
                    } else {
                        h(middle) < target
                    };
                    if above {
                        low = middle;
                    } else {
                        high = middle;
                    }
                }
                high as f32
            }
        }
    }

    /// The squared axis offset beyond which weights are 0 at radius `sigma`, as both the CPU
    /// and the GPU compute it: (σ·σ)·reach in f32, and 0 (the winner alone) when σ² is 0.
    pub fn reach_sq(reach: f32, sigma: f32) -> f32 {
        let s2 = sigma * sigma;
        if s2 <= 0.0 {
            0.0
        } else {
            s2 * reach
        }
    }
}

/// Weights below this fraction of the peak are dropped by default: a millionth changes a map by
/// far less than one sample's update, and keeps the neighbourhood's tail out of subnormal floats.
pub const DEFAULT_CUTOFF: f32 = 1e-6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_radius_is_the_winner_alone() {
        for shape in [
            Neighbourhood::Gaussian,
            Neighbourhood::Bubble,
            Neighbourhood::Triangle,
        ] {
            assert_eq!(shape.weight((0.0, 0.0), 0.0, 1.0), 1.0);
            assert_eq!(shape.weight((1.0, 0.0), 0.0, 1.0), 0.0);
        }
    }

    #[test]
    fn the_cutoff_drops_only_weights_below_it() {
        let cutoff = 1e-6f32;
        for kind in [Neighbourhood::Gaussian, Neighbourhood::MexicanHat] {
            let reach = kind.reach(cutoff);
            let sigma = 3.0f32;
            let reach_sq = Neighbourhood::reach_sq(reach, sigma);
            let full = |d: f32| kind.weight((d, 0.0), sigma, f32::INFINITY);
            let edge = reach_sq.sqrt();
            // Just inside the reach the weight is still about the cutoff; beyond, it is 0 and
            // the full neighbourhood's weight there is below the cutoff.
            assert!(full(edge * 0.999).abs() >= cutoff * 0.9, "{kind:?}");
            assert_eq!(kind.weight((edge * 1.001, 0.0), sigma, reach_sq), 0.0);
            for d in [1.001f32, 1.5, 3.0] {
                assert!(full(edge * d).abs() < cutoff, "{kind:?} at {d}");
            }
        }
        assert_eq!(Neighbourhood::Gaussian.reach(0.0), f32::INFINITY);
        // Bubbles and triangles end at σ whatever the cutoff.
        assert_eq!(Neighbourhood::Bubble.reach(0.0), 1.0);
    }
}
