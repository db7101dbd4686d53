//! `hopsom bench`: the fixed suite on the CPU and on a GPU in one process, as a table, JSON, CSV
//! and a plot of the speedup against size.

use super::stdout::outln;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::outputs::RunOutputs;
use hopsom::bench::{measure, suite, warm_up, Measurement, SuiteSize};
use hopsom::error::{Error, Result};
use hopsom::gpu::{human_bytes, AdapterPolicy, GpuContext};
use hopsom::io::output::write_bytes;
use hopsom::io::plot::{line_chart, Chart, Series};
use hopsom::{Backend, BackendChoice};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Reduced sizes: the whole suite in under a minute on a 2-core machine (software Vulkan
    /// included).
    #[arg(long)]
    quick: bool,
    /// Which paths to time besides the CPU (auto, gpu or cpu): `auto` adds the GPU adapter
    /// `--backend gpu` would use (software ones included, so the overheads show) when one opens,
    /// `gpu` requires one, `cpu` times the CPU path alone.
    #[arg(long, value_parser = crate::cli::choice::<BackendChoice>(), default_value_t = BackendChoice::Auto, hide_possible_values = true)]
    backend: BackendChoice,
    /// Directory for bench.json, bench.csv and speedup.png (GPU speedup over the CPU against
    /// problem size).
    #[arg(long, value_name = "DIR", default_value = "hopsom-out/bench")]
    out: PathBuf,
    /// Print one JSON object on stdout instead of the table (no progress bar).
    #[arg(long)]
    json: bool,
    /// No progress bar and no notices on stderr.
    #[arg(long, short)]
    quiet: bool,
}

struct Row {
    name: &'static str,
    size: String,
    scale: f64,
    unit: hopsom::bench::Unit,
    cpu: Measurement,
    gpu: Option<Measurement>,
}

fn open_gpu(args: &BenchArgs) -> Result<Option<Backend>> {
    match args.backend {
        BackendChoice::Cpu => Ok(None),
        BackendChoice::Gpu => Ok(Some(Backend::Gpu(GpuContext::open(
            AdapterPolicy::AnyAdapter,
        )?))),
        BackendChoice::Auto => match GpuContext::open(AdapterPolicy::AnyAdapter) {
            Ok(ctx) => Ok(Some(Backend::Gpu(ctx))),
            Err(err) => {
                if !args.quiet {
                    super::stdout::notice(format_args!("{err}; timing the CPU path alone"));
                }
                Ok(None)
            }
        },
    }
}

pub fn run(args: BenchArgs) -> Result<()> {
    let size = if args.quick {
        SuiteSize::Quick
    } else {
        SuiteSize::Full
    };
    let outputs = RunOutputs::in_directory("--out", &args.out);
    outputs.check()?;
    let started = std::time::Instant::now();
    let gpu = open_gpu(&args)?;
    let out = outputs.prepare()?;
    let cases = suite(size);
    let runs_per_case = 1 + u64::from(gpu.is_some());
    let progress = if args.quiet || args.json {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(cases.len() as u64 * runs_per_case);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg:<44} [{bar:30}] {pos}/{len} {elapsed}")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar
    };
    progress.set_message("warming up");
    warm_up(&Backend::Cpu)?;
    if let Some(gpu) = &gpu {
        warm_up(gpu)?;
    }
    let mut rows = Vec::new();
    for case in &cases {
        progress.set_message(format!("{} on the CPU", case.name));
        let workload = (case.build)()?;
        let cpu = measure(&workload, case.unit, &Backend::Cpu)?;
        progress.inc(1);
        let gpu_measurement = match &gpu {
            Some(gpu) => {
                progress.set_message(format!("{} on the GPU", case.name));
                let m = measure(&workload, case.unit, gpu)?;
                progress.inc(1);
                Some(m)
            }
            None => None,
        };
        drop(workload);
        rows.push(Row {
            name: case.name,
            size: case.size.clone(),
            scale: case.scale,
            unit: case.unit,
            cpu,
            gpu: gpu_measurement,
        });
    }
    progress.finish_and_clear();

    let machine = json!({
        "cpu": Backend::Cpu.device_name(),
        "gpu": gpu.as_ref().map(Backend::device_name),
        "suite": if args.quick { "quick" } else { "full" },
    });
    let cases_json: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "case": r.name,
                "size": r.size,
                "unit": r.unit.per_second(),
                "cpu": r.cpu,
                "gpu": r.gpu,
                "speedup": r.gpu.map(|g| r.cpu.wall_seconds / g.wall_seconds),
            })
        })
        .collect();
    let report = json!({"machine": machine, "cases": cases_json});
    let text =
        serde_json::to_string_pretty(&report).map_err(|err| Error::InvalidData(err.to_string()))?;
    write_bytes(&out.join("bench.json"), text.as_bytes())?;
    write_csv(&out.join("bench.csv"), &rows)?;
    if gpu.is_some() {
        write_plot(&out.join("speedup.png"), &rows)?;
    }
    outputs.finish("bench", None, started.elapsed().as_secs_f64())?;
    if args.json {
        return super::print_json(&report);
    }
    print_table(&rows, gpu.as_ref())?;
    outln!(
        "Wrote bench.json, bench.csv{} in {}",
        if gpu.is_some() {
            " and speedup.png"
        } else {
            ""
        },
        out.display()
    )?;
    Ok(())
}

fn seconds(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else {
        format!("{:.1} ms", s * 1e3)
    }
}

fn rate(value: f64) -> String {
    match value {
        v if v >= 1e9 => format!("{:.2} G", v / 1e9),
        v if v >= 1e6 => format!("{:.2} M", v / 1e6),
        v if v >= 1e3 => format!("{:.1} k", v / 1e3),
        v => format!("{v:.2} "),
    }
}

fn print_table(rows: &[Row], gpu: Option<&Backend>) -> Result<()> {
    outln!("CPU: {}", Backend::Cpu.device_name())?;
    if let Some(gpu) = gpu {
        outln!("GPU: {}", gpu.device_name())?;
    }
    outln!(
        "{:<36} {:<44} {:>10} {:>22} {:>8} {:>24} {:>24} {:>10} {:>10}",
        "case",
        "size",
        "CPU",
        "GPU (kernels)",
        "speedup",
        "CPU throughput",
        "GPU throughput",
        "host peak",
        "GPU peak"
    )?;
    for r in rows {
        let unit = r.unit.per_second();
        let gpu_time = r.gpu.map_or("–".into(), |g| match g.kernel_seconds {
            Some(k) => format!("{} ({})", seconds(g.wall_seconds), seconds(k)),
            None => seconds(g.wall_seconds),
        });
        outln!(
            "{:<36} {:<44} {:>10} {:>22} {:>8} {:>24} {:>24} {:>10} {:>10}",
            r.name,
            r.size,
            seconds(r.cpu.wall_seconds),
            gpu_time,
            r.gpu.map_or("–".into(), |g| format!(
                "{:.2}×",
                r.cpu.wall_seconds / g.wall_seconds
            )),
            format!("{}{unit}", rate(r.cpu.throughput)),
            r.gpu
                .map_or("–".into(), |g| format!("{}{unit}", rate(g.throughput))),
            r.cpu.peak_host_bytes.map_or("–".into(), human_bytes),
            r.gpu
                .and_then(|g| g.peak_gpu_bytes)
                .map_or("–".into(), human_bytes),
        )?;
    }
    Ok(())
}

fn write_csv(path: &std::path::Path, rows: &[Row]) -> Result<()> {
    let mut text = String::from(
        "case,size,unit,cpu_seconds,gpu_seconds,gpu_kernel_seconds,speedup,cpu_throughput,gpu_throughput,cpu_peak_host_bytes,gpu_peak_host_bytes,gpu_peak_device_bytes\n",
    );
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    let opt_u = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    for r in rows {
        text.push_str(&format!(
            "{},\"{}\",{},{},{},{},{},{},{},{},{},{}\n",
            r.name,
            r.size,
            r.unit.per_second(),
            r.cpu.wall_seconds,
            opt(r.gpu.map(|g| g.wall_seconds)),
            opt(r.gpu.and_then(|g| g.kernel_seconds)),
            opt(r.gpu.map(|g| r.cpu.wall_seconds / g.wall_seconds)),
            r.cpu.throughput,
            opt(r.gpu.map(|g| g.throughput)),
            opt_u(r.cpu.peak_host_bytes),
            opt_u(r.gpu.and_then(|g| g.peak_host_bytes)),
            opt_u(r.gpu.and_then(|g| g.peak_gpu_bytes)),
        ));
    }
    write_bytes(path, text.as_bytes())
}

/// Speedup (CPU wall time over GPU wall time) against log10 of each case's size.
fn write_plot(path: &std::path::Path, rows: &[Row]) -> Result<()> {
    let mut series: Vec<Series> = Vec::new();
    for r in rows {
        let Some(g) = r.gpu else { continue };
        let point = (r.scale.log10(), r.cpu.wall_seconds / g.wall_seconds);
        match series.iter_mut().find(|s| s.label == r.name) {
            Some(s) => s.points.push(point),
            None => series.push(Series {
                label: r.name.to_string(),
                points: vec![point],
            }),
        }
    }
    line_chart(
        path,
        &Chart {
            log_y: true,
            legend_low: true,
            ..Chart::new(
                "GPU speedup over the CPU path",
                "size: log10 of neurons (learning, sync recall), recalls, pixels or samples",
                "CPU time / GPU time",
                series,
            )
        },
    )
}
