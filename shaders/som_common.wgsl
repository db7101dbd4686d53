// Self-organizing map library: grid geometry, neighbourhood weights and distance metrics.
// CPU twins: Grid::position and Grid::offset (src/som/grid.rs), Neighbourhood::weight
// (src/som/params.rs), and for the metrics planes::distances (src/som/planes.rs), which the CPU
// search and online training run (bmu.rs's metric_step and metric_finish, dimension by
// dimension as here, are the reference the tests hold it to). FAR and NO_NODE are checked
// against src/som/matching.rs by a unit test.

const HEX_ROW_HEIGHT: f32 = 0.8660254;
// Larger than any distance between finite samples: "no node yet".
const FAR: f32 = 3.4e38;
const NO_NODE: u32 = 0xffffffffu;

struct GridShape {
    width: u32,
    height: u32,
    hexagonal: u32,
    toroidal: u32,
}

fn node_position(node: u32, grid: GridShape) -> vec2<f32> {
    let column = node % grid.width;
    let row = node / grid.width;
    if grid.hexagonal != 0u {
        let shift = select(0.0, 0.5, row % 2u == 1u);
        return vec2<f32>(f32(column) + shift, f32(row) * HEX_ROW_HEIGHT);
    }
    return vec2<f32>(f32(column), f32(row));
}

// |dx| and |dy| between two nodes in the plane, the short way round on a torus.
fn grid_offset(a: u32, b: u32, grid: GridShape) -> vec2<f32> {
    let pa = node_position(a, grid);
    let pb = node_position(b, grid);
    var dx = abs(pa.x - pb.x);
    var dy = abs(pa.y - pb.y);
    if grid.toroidal != 0u {
        let row_height = select(1.0, HEX_ROW_HEIGHT, grid.hexagonal != 0u);
        dx = min(dx, f32(grid.width) - dx);
        dy = min(dy, f32(grid.height) * row_height - dy);
    }
    return vec2<f32>(dx, dy);
}

// Neighbourhood kinds: 0 gaussian, 1 bubble, 2 mexican hat, 3 triangle. The gaussian is taken
// as the product of its x and y factors, which the CPU computes once per column and row. A node
// whose offset along either axis has a square beyond reach_sq (the cutoff; see
// Neighbourhood::reach) weighs exactly 0.
fn neighbourhood(kind: u32, offset: vec2<f32>, sigma: f32, reach_sq: f32) -> f32 {
    let d2 = offset.x * offset.x + offset.y * offset.y;
    let s2 = sigma * sigma;
    // A radius whose square underflows (seed 003's σ·exp(−e) late in training) is 0 too.
    if s2 <= 0.0 {
        return select(0.0, 1.0, d2 == 0.0);
    }
    if offset.x * offset.x > reach_sq || offset.y * offset.y > reach_sq {
        return 0.0;
    }
    let gaussian = exp(-(offset.x * offset.x) / (2.0 * s2)) * exp(-(offset.y * offset.y) / (2.0 * s2));
    switch kind {
        case 1u: {
            return select(0.0, 1.0, d2 <= s2);
        }
        case 2u: {
            return (1.0 - d2 / s2) * gaussian;
        }
        case 3u: {
            return max(1.0 - sqrt(d2) / sigma, 0.0);
        }
        default: {
            return gaussian;
        }
    }
}

// Metrics: 0 euclidean (squared, for ranking), 1 cosine, 2 manhattan, 3 chebyshev.
// A distance is accumulated one dimension at a time, then finished.
fn metric_step(metric: u32, acc: vec4<f32>, x: f32, w: f32) -> vec4<f32> {
    var next = acc;
    switch metric {
        case 1u: {
            next.x = acc.x + x * w;
            next.y = acc.y + x * x;
            next.z = acc.z + w * w;
        }
        case 2u: {
            next.x = acc.x + abs(x - w);
        }
        case 3u: {
            next.x = max(acc.x, abs(x - w));
        }
        default: {
            let d = x - w;
            next.x = acc.x + d * d;
        }
    }
    return next;
}

fn metric_finish(metric: u32, acc: vec4<f32>) -> f32 {
    if metric == 1u {
        if acc.y == 0.0 || acc.z == 0.0 {
            return 1.0;
        }
        return 1.0 - acc.x / (sqrt(acc.y) * sqrt(acc.z));
    }
    return acc.x;
}
