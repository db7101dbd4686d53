//! Files written by the `som` commands: map pictures, label arrays, per-epoch tables and plots.

use std::path::{Path, PathBuf};

use hopsom::error::Result;
use hopsom::io::map_picture::{cell_for, map_picture, scaled_colours, weight_colours};
use hopsom::io::npy::write_npy;
use hopsom::io::plot::{panel_figure, side_by_side_charts, Chart, Panel, Series};
use hopsom::som::metrics::u_matrix;
use hopsom::som::{Codebook, EpochReport};

/// Component planes shown for data that is not RGB.
const MAX_PLANES: usize = 16;

/// The codebook in colour: RGB weights directly (`low..high` mapped onto 0–255), other data as
/// one viridis plane per dimension (at most 16).
pub fn codebook_panels(codebook: &Codebook, low: f32, high: f32) -> Vec<Panel> {
    let grid = &codebook.grid;
    if codebook.dim == 3 {
        let colours = weight_colours(&codebook.weights, 3, low, high);
        return vec![Panel {
            caption: format!("codebook {}", grid.describe()),
            image: map_picture(grid, &colours, cell_for(grid, 360)),
        }];
    }
    (0..codebook.dim.min(MAX_PLANES))
        .map(|d| {
            let plane: Vec<f64> = codebook
                .weights
                .chunks_exact(codebook.dim)
                .map(|w| f64::from(w[d]))
                .collect();
            Panel {
                caption: format!("dimension {d}"),
                image: map_picture(grid, &scaled_colours(&plane), cell_for(grid, 200)),
            }
        })
        .collect()
}

/// codebook.png, umatrix.png and hitmap.png in `out`, and map.png with all three for RGB maps.
pub fn write_map_pictures(
    out: &Path,
    codebook: &Codebook,
    hits: &[u64],
    (low, high): (f32, f32),
) -> Result<Vec<PathBuf>> {
    let grid = &codebook.grid;
    let cell = cell_for(grid, 360);
    let codebook_path = out.join("codebook.png");
    let planes = codebook_panels(codebook, low, high);
    let columns = if planes.len() > 1 { 4 } else { 1 };
    panel_figure(&codebook_path, &planes, columns)?;
    let umatrix = Panel {
        caption: "U-matrix: purple = close neighbours, yellow = far".into(),
        image: map_picture(grid, &scaled_colours(&u_matrix(codebook)), cell),
    };
    let umatrix_path = out.join("umatrix.png");
    panel_figure(&umatrix_path, std::slice::from_ref(&umatrix), 1)?;
    let counts: Vec<f64> = hits.iter().map(|&h| h as f64).collect();
    let most = hits.iter().max().copied().unwrap_or(0);
    let hitmap = Panel {
        caption: format!("hits: purple = none, yellow = {most}"),
        image: map_picture(grid, &scaled_colours(&counts), cell),
    };
    let hitmap_path = out.join("hitmap.png");
    panel_figure(&hitmap_path, std::slice::from_ref(&hitmap), 1)?;
    // The three side by side, when the codebook is one picture.
    let mut written = vec![codebook_path, umatrix_path, hitmap_path];
    if planes.len() == 1 {
        let map_path = out.join("map.png");
        let mut all = planes;
        all.extend([umatrix, hitmap]);
        panel_figure(&map_path, &all, 3)?;
        written.push(map_path);
    }
    Ok(written)
}

/// Labels as a uint32 array of `shape` (height, width for images; samples otherwise).
pub fn write_labels(path: &Path, labels: &[u32], shape: &[usize]) -> Result<()> {
    write_npy(path, shape, labels)
}

/// Quantization and topographic error against the epoch, side by side.
pub fn write_epoch_plot(path: &Path, epochs: &[EpochReport], title: &str) -> Result<()> {
    let series = |value: fn(&EpochReport) -> f64, label: &str| Series {
        label: label.into(),
        points: epochs.iter().map(|e| (e.epoch as f64, value(e))).collect(),
    };
    side_by_side_charts(
        path,
        &[
            Chart::new(
                &format!("{title}: quantization error"),
                "epoch",
                "mean distance to winner",
                vec![series(|e| e.qe, "QE")],
            ),
            Chart {
                y_range: Some((0.0, 1.0)),
                ..Chart::new(
                    &format!("{title}: topographic error"),
                    "epoch",
                    "fraction",
                    vec![series(|e| e.te, "TE")],
                )
            },
        ],
    )
}

/// A number for JSON: non-finite values (the PSNR of a perfect copy) become null.
pub fn finite_or_null(value: f64) -> serde_json::Value {
    if value.is_finite() {
        serde_json::json!(value)
    } else {
        serde_json::Value::Null
    }
}
