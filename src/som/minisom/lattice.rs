//! Where MiniSom puts its nodes, and how strongly each moves with the winner.

use crate::error::{Error, Result};
use crate::som::grid::{Topology, MAX_NODES};

/// MiniSom's `Y_HEX_CONV_FACTOR`: (3/2)/√3, the vertical distance between hexagonal rows.
pub const Y_HEX_CONV_FACTOR: f64 = 0.866_025_403_784_438_7;

/// MiniSom's lattice of `x × y` nodes, node (i, j) with i along x. Its plane coordinates are
/// MiniSom's `_xx.T` and `_yy.T`: (i, j) on a rectangular map; on a hexagonal one every other
/// row counted from the last (`_xx[::-2] -= 0.5`) shifted left by half a node and rows
/// `Y_HEX_CONV_FACTOR` apart.
#[derive(Debug, Clone)]
pub struct Lattice {
    pub x: usize,
    pub y: usize,
    pub topology: Topology,
    /// Plane coordinates of node (i, j) at i·y + j.
    xx: Vec<f64>,
    yy: Vec<f64>,
}

impl Lattice {
    pub fn new(x: usize, y: usize, topology: Topology) -> Result<Lattice> {
        if x == 0 || y == 0 {
            return Err(Error::Usage(format!(
                "a {x}x{y} map has no nodes; x and y must be at least 1"
            )));
        }
        let nodes = x
            .checked_mul(y)
            .filter(|&n| n <= MAX_NODES)
            .ok_or_else(|| {
                Error::TooLarge(format!(
                    "a {x}x{y} map; at most {MAX_NODES} nodes are supported"
                ))
            })?;
        let (mut xx, mut yy) = (Vec::with_capacity(nodes), Vec::with_capacity(nodes));
        for i in 0..x {
            for j in 0..y {
                let (mut px, mut py) = (i as f64, j as f64);
                if topology == Topology::Hexagonal {
                    if (y - 1 - j).is_multiple_of(2) {
                        px -= 0.5;
                    }
                    py *= Y_HEX_CONV_FACTOR;
                }
                xx.push(px);
                yy.push(py);
            }
        }
        Ok(Lattice {
            x,
            y,
            topology,
            xx,
            yy,
        })
    }

    pub fn nodes(&self) -> usize {
        self.x * self.y
    }

    /// Node (i, j)'s index in MiniSom's layout.
    pub fn index(&self, (i, j): (usize, usize)) -> usize {
        i * self.y + j
    }

    /// The (i, j) of node `index`.
    pub fn position(&self, index: usize) -> (usize, usize) {
        (index / self.y, index % self.y)
    }

    /// MiniSom's `convert_map_to_euclidean`: node (i, j)'s place in the plane.
    pub fn euclidean(&self, node: usize) -> (f64, f64) {
        (self.xx[node], self.yy[node])
    }

    /// Refuses a winner outside the lattice.
    pub fn check_node(&self, (i, j): (usize, usize)) -> Result<usize> {
        if i >= self.x || j >= self.y {
            return Err(Error::InvalidData(format!(
                "node ({i}, {j}) is outside the {}x{} map",
                self.x, self.y
            )));
        }
        Ok(self.index((i, j)))
    }
}

/// MiniSom's neighbourhood functions, each as MiniSom computes it around the winner c.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MiniNeighbourhood {
    /// exp(−dx²/2σ²)·exp(−dy²/2σ²) over the plane coordinates.
    #[default]
    Gaussian,
    /// exp(−p/2σ²)·(1 − p/σ²) with p = dx² + dy² over the plane coordinates.
    MexicanHat,
    /// 1 where both |i − c₀| and |j − c₁| are below σ (lattice indices, a square), else 0.
    Bubble,
    /// max(0, σ − |i − c₀|)·max(0, σ − |j − c₁|) (lattice indices; peak σ²).
    Triangle,
}

crate::choice::choices!(MiniNeighbourhood {
    MiniNeighbourhood::Gaussian => ["gaussian"] "exp(−dx²/2σ²)·exp(−dy²/2σ²)",
    MiniNeighbourhood::MexicanHat => ["mexican_hat"] "exp(−p/2σ²)·(1 − p/σ²), p = dx² + dy²",
    MiniNeighbourhood::Bubble => ["bubble"] "1 where |i − c₀| < σ and |j − c₁| < σ",
    MiniNeighbourhood::Triangle => ["triangle"] "max(0, σ − |i − c₀|)·max(0, σ − |j − c₁|)",
});

impl MiniNeighbourhood {
    /// The weight of every node (MiniSom's layout) around winner `c` for radius `sigma`, into
    /// `out`, with MiniSom's operations in MiniSom's order.
    pub fn weights(self, lattice: &Lattice, c: usize, sigma: f64, out: &mut [f64]) {
        let (cx, cy) = lattice.euclidean(c);
        let (ci, cj) = lattice.position(c);
        let d = 2.0 * sigma * sigma;
        if self == MiniNeighbourhood::Gaussian {
            // exp(−dx²/d)·exp(−dy²/d): a node's x depends on its column and its row's parity,
            // its y on its row, so the factors are computed once per column (and parity) and
            // once per row — the same operations on the same values as node by node.
            let factor = |delta: f64| (-(delta * delta) / d).exp();
            let ay: Vec<f64> = (0..lattice.y)
                .map(|j| factor(lattice.euclidean(j).1 - cy))
                .collect();
            let rows_of_parity = [0, 1.min(lattice.y - 1)];
            let ax: Vec<[f64; 2]> = (0..lattice.x)
                .map(|i| {
                    rows_of_parity.map(|j| factor(lattice.euclidean(lattice.index((i, j))).0 - cx))
                })
                .collect();
            for (node, weight) in out.iter_mut().enumerate().take(lattice.nodes()) {
                let (i, j) = lattice.position(node);
                *weight = ax[i][j % 2] * ay[j];
            }
            return;
        }
        for (node, weight) in out.iter_mut().enumerate().take(lattice.nodes()) {
            let (px, py) = lattice.euclidean(node);
            let (i, j) = lattice.position(node);
            *weight = match self {
                MiniNeighbourhood::MexicanHat => {
                    let (dx, dy) = (px - cx, py - cy);
                    let p = dx * dx + dy * dy;
                    (-p / d).exp() * (1.0 - 2.0 / d * p)
                }
                MiniNeighbourhood::Bubble => {
                    let inside = |k: usize, c: usize| {
                        let k = k as f64;
                        k > c as f64 - sigma && k < c as f64 + sigma
                    };
                    if inside(i, ci) && inside(j, cj) {
                        1.0
                    } else {
                        0.0
                    }
                }
                MiniNeighbourhood::Triangle => {
                    let side = |k: usize, c: usize| {
                        let value = -((c as f64 - k as f64).abs()) + sigma;
                        if value < 0.0 {
                            0.0
                        } else {
                            value
                        }
                    };
                    side(i, ci) * side(j, cj)
                }
                MiniNeighbourhood::Gaussian => unreachable!("computed above"),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hexagonal_rows_shift_from_the_last_as_minisoms_do() {
        // MiniSom's `_xx[::-2] -= 0.5`: rows y−1, y−3, … move left.
        let even = Lattice::new(3, 4, Topology::Hexagonal).unwrap();
        assert_eq!(even.euclidean(even.index((1, 3))).0, 0.5);
        assert_eq!(even.euclidean(even.index((1, 2))).0, 1.0);
        let odd = Lattice::new(3, 5, Topology::Hexagonal).unwrap();
        assert_eq!(odd.euclidean(odd.index((1, 4))).0, 0.5);
        assert_eq!(odd.euclidean(odd.index((1, 0))).0, 0.5);
        assert_eq!(odd.euclidean(odd.index((0, 1))).1, Y_HEX_CONV_FACTOR);
    }

    #[test]
    fn bubble_and_triangle_at_radius_one_are_the_winner_alone() {
        let lattice = Lattice::new(5, 5, Topology::Rectangular).unwrap();
        let mut out = vec![0.0; 25];
        for kind in [MiniNeighbourhood::Bubble, MiniNeighbourhood::Triangle] {
            kind.weights(&lattice, 12, 1.0, &mut out);
            assert_eq!(out.iter().sum::<f64>(), 1.0);
            assert_eq!(out[12], 1.0);
        }
        MiniNeighbourhood::Triangle.weights(&lattice, 12, 3.0, &mut out);
        assert_eq!(out[12], 9.0, "MiniSom's triangle peaks at σ²");
    }
}
