//! Pictures of a map: every node drawn as its cell (a square, or a hexagon on a hexagonal grid)
//! in a given colour, and the viridis colour scale for values such as the U-matrix and hits.

use image::{Rgb, RgbImage};

use crate::som::grid::HEX_ROW_HEIGHT;
use crate::som::{Grid, Topology};

/// The background around hexagonal cells.
const BACKGROUND: Rgb<u8> = Rgb([255, 255, 255]);

/// `grid` drawn with node `k` in `colours[k]`, each node about `cell` pixels across.
pub fn map_picture(grid: &Grid, colours: &[[u8; 3]], cell: u32) -> RgbImage {
    let cell = cell.max(2);
    match grid.topology {
        Topology::Rectangular => RgbImage::from_fn(
            grid.width as u32 * cell,
            grid.height as u32 * cell,
            |x, y| {
                let node = (y / cell) as usize * grid.width + (x / cell) as usize;
                Rgb(colours[node])
            },
        ),
        Topology::Hexagonal => hexagonal_picture(grid, colours, cell),
    }
}

/// Pointy-top hexagons: centres one cell apart along a row, rows √3/2 apart, odd rows shifted
/// by half a cell, each hexagon of circumradius 1/√3 cell.
fn hexagonal_picture(grid: &Grid, colours: &[[u8; 3]], cell: u32) -> RgbImage {
    let radius = 1.0 / 3f64.sqrt();
    let row_height = f64::from(HEX_ROW_HEIGHT);
    let width = ((grid.width as f64 + 0.5) * f64::from(cell)).ceil() as u32;
    let height =
        (((grid.height - 1) as f64 * row_height + 2.0 * radius) * f64::from(cell)).ceil() as u32;
    RgbImage::from_fn(width, height, |x, y| {
        // Continuous lattice coordinates of the pixel's centre, node (0, 0) at the origin.
        let u = (f64::from(x) + 0.5) / f64::from(cell) - 0.5;
        let v = (f64::from(y) + 0.5) / f64::from(cell) - radius;
        let row_guess = (v / row_height).round() as i64;
        for row in row_guess - 1..=row_guess + 1 {
            if row < 0 || row >= grid.height as i64 {
                continue;
            }
            let shift = if row % 2 == 1 { 0.5 } else { 0.0 };
            let column_guess = (u - shift).round() as i64;
            for column in column_guess - 1..=column_guess + 1 {
                if column < 0 || column >= grid.width as i64 {
                    continue;
                }
                let dx = (u - (column as f64 + shift)).abs();
                let dy = (v - row as f64 * row_height).abs();
                if dx <= 0.5 && dy <= (1.0 - dx) * radius {
                    return Rgb(colours[row as usize * grid.width + column as usize]);
                }
            }
        }
        BACKGROUND
    })
}

/// A cell size that makes the map about `target` pixels on its longer side.
pub fn cell_for(grid: &Grid, target: u32) -> u32 {
    (target / grid.width.max(grid.height) as u32).clamp(2, 64)
}

/// The viridis colour scale at `t` in [0, 1] (dark purple to yellow).
pub fn viridis(t: f64) -> [u8; 3] {
    const STOPS: [[f64; 3]; 9] = [
        [68.0, 1.0, 84.0],
        [71.0, 44.0, 122.0],
        [59.0, 81.0, 139.0],
        [44.0, 113.0, 142.0],
        [33.0, 144.0, 141.0],
        [39.0, 173.0, 129.0],
        [92.0, 200.0, 99.0],
        [170.0, 220.0, 50.0],
        [253.0, 231.0, 37.0],
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let position = t * (STOPS.len() - 1) as f64;
    let low = (position.floor() as usize).min(STOPS.len() - 2);
    let fraction = position - low as f64;
    let mut colour = [0u8; 3];
    for (c, channel) in colour.iter_mut().enumerate() {
        let value = STOPS[low][c] + (STOPS[low + 1][c] - STOPS[low][c]) * fraction;
        *channel = value.round() as u8;
    }
    colour
}

/// `values` scaled from their minimum to their maximum onto viridis.
pub fn scaled_colours(values: &[f64]) -> Vec<[u8; 3]> {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if high > low { high - low } else { 1.0 };
    values.iter().map(|&v| viridis((v - low) / span)).collect()
}

/// Weights of three dimensions as colours, `low..high` mapped onto 0–255.
pub fn weight_colours(weights: &[f32], dim: usize, low: f32, high: f32) -> Vec<[u8; 3]> {
    let span = if high > low { high - low } else { 1.0 };
    weights
        .chunks_exact(dim)
        .map(|w| {
            let mut colour = [0u8; 3];
            for (c, &v) in colour.iter_mut().zip(w) {
                *c = ((v - low) / span * 255.0).round().clamp(0.0, 255.0) as u8;
            }
            colour
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hexagonal_node_is_drawn() {
        let grid = Grid::new(5, 4, Topology::Hexagonal, false).unwrap();
        let colours: Vec<[u8; 3]> = (0..20).map(|k| [k as u8, 0, 0]).collect();
        let picture = map_picture(&grid, &colours, 20);
        let mut seen: Vec<u8> = picture
            .pixels()
            .filter(|p| p.0 != BACKGROUND.0)
            .map(|p| p.0[0])
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 20);
    }
}
