//! `hopsom devices`: the adapters wgpu sees, and the one `--backend auto` picks.

use super::stdout::outln;
use clap::Args;
use serde_json::json;

use hopsom::error::Result;
use hopsom::gpu::{check_backend_variable, list_adapters, pick_adapter_summary, AdapterPolicy};

#[derive(Debug, Args)]
pub struct DevicesArgs {
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(args: DevicesArgs) -> Result<()> {
    check_backend_variable()?;
    let adapters = list_adapters();
    let auto = pick_adapter_summary(AdapterPolicy::HardwareOnly).ok();
    let gpu = pick_adapter_summary(AdapterPolicy::AnyAdapter).ok();
    let auto_choice = auto
        .as_ref()
        .map_or("cpu".to_string(), |a| format!("gpu: {}", a.name));
    if args.json {
        return super::print_json(&json!({
            "adapters": adapters,
            "auto": auto.as_ref().map_or(json!({"backend": "cpu"}), |a| json!({"backend": "gpu", "adapter": a.name})),
            "gpu": gpu.as_ref().map(|a| a.name.clone()),
        }));
    }
    if adapters.is_empty() {
        outln!("No GPU adapters found.")?;
    }
    for (index, adapter) in adapters.iter().enumerate() {
        outln!(
            "{index}: {} ({}, {}{}){}",
            adapter.name,
            adapter.backend,
            adapter.device_type,
            if adapter.driver.is_empty() {
                String::new()
            } else {
                format!(", {}", adapter.driver)
            },
            if adapter.software { "  [software]" } else { "" }
        )?;
    }
    outln!("--backend auto uses: {auto_choice}")?;
    match gpu {
        Some(adapter) => outln!("--backend gpu uses: {}", adapter.name)?,
        None => outln!("--backend gpu fails: no adapter")?,
    }
    Ok(())
}
