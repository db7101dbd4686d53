//! The map's lattice: where each node sits, how far apart two nodes are, and which nodes touch.
//! Keep `position` and `offset` in sync with shaders/som_common.wgsl.

use crate::error::{Error, Result};

/// How the nodes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// Nodes on a square lattice; each has 4 neighbours.
    Rectangular,
    /// Odd rows shifted right by half a node and rows √3/2 apart; each node has 6 neighbours.
    Hexagonal,
}

crate::choice::choices!(Topology {
    Topology::Rectangular => ["rect", "rectangular"] "nodes on a square lattice; 4 neighbours",
    Topology::Hexagonal => ["hex", "hexagonal"] "odd rows shifted half a node; 6 neighbours",
});

/// The vertical distance between hexagonal rows.
pub const HEX_ROW_HEIGHT: f32 = 0.866_025_4;

/// More nodes than this are refused. Every sample's search visits every node, so a map this large
/// is far beyond use already, and node indices stay exact in the f32 arithmetic of the kernels.
pub const MAX_NODES: usize = 1 << 24;

/// A `width` x `height` lattice of nodes, numbered row by row (`node = row * width + column`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub width: usize,
    pub height: usize,
    pub topology: Topology,
    /// Opposite edges join, so that the map has no border.
    pub toroidal: bool,
}

impl Grid {
    /// A checked grid: both sides at least 1, at most [`MAX_NODES`] nodes, and an even number of
    /// rows when a hexagonal map wraps around (otherwise the row offsets do not line up).
    pub fn new(width: usize, height: usize, topology: Topology, toroidal: bool) -> Result<Grid> {
        if width == 0 || height == 0 {
            return Err(Error::Usage(format!(
                "a {width}x{height} grid has no nodes; both sides must be at least 1"
            )));
        }
        let nodes = width.saturating_mul(height);
        if nodes > MAX_NODES {
            return Err(Error::TooLarge(format!(
                "a {width}x{height} grid has {nodes} nodes; at most {MAX_NODES} are supported"
            )));
        }
        if toroidal && topology == Topology::Hexagonal && height % 2 == 1 {
            return Err(Error::Usage(format!(
                "a toroidal hexagonal grid needs an even number of rows, not {height}"
            )));
        }
        Ok(Grid {
            width,
            height,
            topology,
            toroidal,
        })
    }

    /// A plain rectangular grid.
    pub fn rectangular(width: usize, height: usize) -> Result<Grid> {
        Grid::new(width, height, Topology::Rectangular, false)
    }

    pub fn nodes(&self) -> usize {
        self.width * self.height
    }

    fn hexagonal(&self) -> bool {
        self.topology == Topology::Hexagonal
    }

    /// The node's place in the plane, in units of the distance between neighbours.
    pub fn position(&self, node: usize) -> (f32, f32) {
        let (column, row) = (node % self.width, node / self.width);
        if self.hexagonal() {
            let shift = if row % 2 == 1 { 0.5 } else { 0.0 };
            (column as f32 + shift, row as f32 * HEX_ROW_HEIGHT)
        } else {
            (column as f32, row as f32)
        }
    }

    /// |dx| and |dy| between two nodes in the plane, the short way round on a torus.
    pub fn offset(&self, a: usize, b: usize) -> (f32, f32) {
        let (ax, ay) = self.position(a);
        let (bx, by) = self.position(b);
        let mut dx = (ax - bx).abs();
        let mut dy = (ay - by).abs();
        if self.toroidal {
            let row_height = if self.hexagonal() {
                HEX_ROW_HEIGHT
            } else {
                1.0
            };
            dx = dx.min(self.width as f32 - dx);
            dy = dy.min(self.height as f32 * row_height - dy);
        }
        (dx, dy)
    }

    /// The squared distance between two nodes in the plane, the short way round on a torus.
    pub fn distance_sq(&self, a: usize, b: usize) -> f32 {
        let (dx, dy) = self.offset(a, b);
        dx * dx + dy * dy
    }

    /// The nodes adjacent to `node` (4 on a rectangular grid, 6 on a hexagonal one, fewer on a
    /// border), in increasing order. Topographic error and the U-matrix use this adjacency.
    pub fn neighbours(&self, node: usize) -> Vec<usize> {
        let mut found: Vec<usize> = self.neighbour_candidates(node).collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Whether nodes `a` and `b` are adjacent, without allocating.
    pub fn adjacent(&self, a: usize, b: usize) -> bool {
        self.neighbour_candidates(a).any(|n| n == b)
    }

    /// The adjacent nodes, possibly repeated on a torus of side 1 or 2.
    fn neighbour_candidates(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        let (column, row) = ((node % self.width) as isize, (node / self.width) as isize);
        let offsets: &'static [(isize, isize)] = if !self.hexagonal() {
            &[(-1, 0), (1, 0), (0, -1), (0, 1)]
        } else if row % 2 == 0 {
            &[(-1, 0), (1, 0), (-1, -1), (0, -1), (-1, 1), (0, 1)]
        } else {
            &[(-1, 0), (1, 0), (0, -1), (1, -1), (0, 1), (1, 1)]
        };
        let (w, h) = (self.width as isize, self.height as isize);
        offsets
            .iter()
            .filter_map(move |&(dc, dr)| {
                let (mut c, mut r) = (column + dc, row + dr);
                if self.toroidal {
                    c = c.rem_euclid(w);
                    r = r.rem_euclid(h);
                } else if c < 0 || c >= w || r < 0 || r >= h {
                    return None;
                }
                Some((r * w + c) as usize)
            })
            .filter(move |&other| other != node)
    }

    /// "10x10 rect", "8x6 hex toroidal".
    pub fn describe(&self) -> String {
        let topology = match self.topology {
            Topology::Rectangular => "rect",
            Topology::Hexagonal => "hex",
        };
        let wrap = if self.toroidal { " toroidal" } else { "" };
        format!("{}x{} {topology}{wrap}", self.width, self.height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hexagonal_neighbours_are_at_distance_one() {
        for toroidal in [false, true] {
            let grid = Grid::new(6, 4, Topology::Hexagonal, toroidal).unwrap();
            for node in 0..grid.nodes() {
                let neighbours = grid.neighbours(node);
                if toroidal {
                    assert_eq!(neighbours.len(), 6, "node {node}");
                }
                for other in neighbours {
                    let d = grid.distance_sq(node, other);
                    assert!((d - 1.0).abs() < 1e-5, "{node}-{other}: {d}");
                }
            }
        }
    }

    #[test]
    fn rectangular_corners_have_two_neighbours_unless_wrapped() {
        let grid = Grid::rectangular(3, 3).unwrap();
        assert_eq!(grid.neighbours(0), vec![1, 3]);
        let torus = Grid::new(3, 3, Topology::Rectangular, true).unwrap();
        assert_eq!(torus.neighbours(0), vec![1, 2, 3, 6]);
        assert_eq!(torus.distance_sq(0, 2), 1.0);
    }

    #[test]
    fn bad_grids_are_refused() {
        assert!(Grid::rectangular(0, 0).is_err());
        assert!(Grid::new(4, 3, Topology::Hexagonal, true).is_err());
        assert!(Grid::rectangular(1 << 13, 1 << 13).is_err());
    }
}
