//! `hopsom bench`: the suite runs end to end and reports what it promises; on a GPU, kernel time
//! comes from timestamp queries and the buffer-memory peak is counted.

mod common;

use common::{gpu, hopsom, json_of};
use hopsom::bench::{measure, Unit, Work, Workload};
use hopsom::som::{assign, Codebook, Grid, Init, Metric, Samples};
use hopsom::Backend;

#[test]
fn quick_suite_on_the_cpu_reports_every_case() {
    let dir = tempfile::tempdir().unwrap();
    let output = hopsom()
        .args("bench --quick --backend cpu --json --out".split_whitespace())
        .arg(dir.path())
        .output()
        .unwrap();
    let report = json_of(&output);
    let cases = report["cases"].as_array().unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c["case"].as_str().unwrap()).collect();
    for expected in [
        "Hebbian learning",
        "synchronous recall (dense)",
        "asynchronous sweep (seed patterns)",
        "batch SOM run",
        "batch SOM epoch",
        "colour assignment",
        "online SOM run",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    for case in cases {
        let cpu = &case["cpu"];
        assert!(cpu["wall_seconds"].as_f64().unwrap() > 0.0, "{case}");
        assert!(cpu["throughput"].as_f64().unwrap() > 0.0, "{case}");
        assert!(case["gpu"].is_null());
    }
    assert!(dir.path().join("bench.csv").is_file());
    assert!(dir.path().join("bench.json").is_file());
}

#[test]
fn gpu_measurements_have_kernel_time_and_buffer_memory() {
    let Some(ctx) = gpu() else { return };
    let photo = hopsom::bench::photo_of_size(300, 200);
    let samples = Samples::from_image(photo).unwrap();
    let codebook =
        Codebook::initialise(Grid::rectangular(4, 4).unwrap(), &samples, Init::Samples, 1).unwrap();
    let workload: Workload = Box::new(move |backend: &Backend| {
        assign(
            backend,
            &codebook,
            Metric::Euclidean,
            &samples,
            &hopsom::Silent,
        )?;
        Ok(Work {
            count: 60_000.0,
            neuron_updates: None,
        })
    });
    let m = measure(&workload, Unit::Pixels, &Backend::Gpu(ctx.clone())).unwrap();
    assert!(m.wall_seconds > 0.0);
    assert!((m.throughput - 60_000.0 / m.wall_seconds).abs() < 1e-6 * m.throughput);
    // 60 000 pixels: 240 KB of samples and 960 KB of matches live at once, at least. wgpu counts
    // buffer memory on Vulkan (CI's lavapipe), DX12 and Metal, not on GL.
    if !ctx.adapter.backend.eq_ignore_ascii_case("gl") {
        assert!(m.peak_gpu_bytes.unwrap() >= 1_000_000, "{m:?}");
    }
    if ctx
        .device
        .features()
        .contains(wgpu::Features::TIMESTAMP_QUERY)
    {
        let kernel = m.kernel_seconds.expect("timestamps were available");
        assert!(kernel > 0.0 && kernel <= m.wall_seconds, "{m:?}");
    }
}
