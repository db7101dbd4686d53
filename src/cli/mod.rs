//! The command line: argument definitions and the thin commands that call the library and print.

mod bench;
mod capacity;
mod demo;
mod devices;
mod dynamics;
mod levels;
mod modern;
mod modern_retrieve;
mod modern_sweep;
mod output;
mod outputs;
mod recall;
mod som_cluster;
mod som_output;
mod som_segment;
mod som_train;
pub mod stdout;
mod sweep;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use hopsom::error::{Error, Param, Result};
use hopsom::hopfield::GridShape;
use hopsom::{Backend, BackendChoice};

/// Hopfield associative memories and self-organizing maps on the GPU (wgpu/WGSL), with a CPU
/// reference path that every GPU result is checked against.
#[derive(Debug, Parser)]
#[command(name = "hopsom", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Reproduce seed 003, both halves. Hopfield: store Batman, A and Z, corrupt each at 10, 25,
    /// 50 and 75 % noise, recall asynchronously, write pictures, animations and energy plots.
    /// SOM: train the seed's 50x50 colour map, and cluster a photo (kodim23) into the seed's
    /// four colours after 5, 10, 30 and 100 epochs.
    Demo(demo::DemoArgs),
    /// Time a fixed suite (learning, recall, sweeps, SOM training and segmentation) on the CPU
    /// and on a GPU in one process; print a table with speedups, throughputs and peak memory.
    Bench(bench::BenchArgs),
    /// List the GPU adapters and say which one `--backend auto` picks.
    Devices(devices::DevicesArgs),
    /// Hopfield associative memory.
    #[command(subcommand)]
    Hopfield(HopfieldCommand),
    /// Kohonen self-organizing maps.
    #[command(subcommand)]
    Som(SomCommand),
    /// Modern Hopfield networks (Ramsauer et al. 2020): continuous patterns retrieved by the
    /// attention update ξ ← Xᵀ softmax(β X ξ).
    #[command(subcommand)]
    Modern(ModernCommand),
}

#[derive(Debug, Subcommand)]
enum ModernCommand {
    /// Retrieve a batch of queries (given, or corrupted copies of the stored patterns); report
    /// per query the pattern of the largest weight, that weight and the kind of state reached
    /// (single-pattern fixed point, metastable average, global average); write retrieved.npy,
    /// attention.npy, energies.csv, report.csv and a picture.
    Retrieve(modern::RetrieveArgs),
    /// Retrieval accuracy over inverse temperatures β and corruption levels (masked entries or
    /// Gaussian noise); tabulate and plot.
    Sweep(modern::SweepArgs),
}

#[derive(Debug, Subcommand)]
enum SomCommand {
    /// Train a map on an image's pixels, on numeric data (.npy or CSV), or on seed 003's five
    /// random colours; write codebook.npy, pictures of the map and the per-epoch errors.
    Train(som_train::TrainArgs),
    /// Seed 003's colour clustering: K colours learned from a photo's pixels, then every pixel
    /// replaced by its cluster's colour, one result per epoch count.
    Cluster(som_cluster::ClusterArgs),
    /// Segment an image with a trained codebook, without training.
    Segment(som_segment::SegmentArgs),
}

#[derive(Debug, Subcommand)]
enum HopfieldCommand {
    /// Store patterns and recall probes: given ones (--probe) or noisy copies of the stored
    /// patterns (--noise).
    Recall(recall::RecallArgs),
    /// Recall every stored pattern at many noise levels, many times; tabulate and plot the
    /// fraction recalled exactly and the final overlap against noise.
    Sweep(sweep::SweepArgs),
    /// Store random patterns at several loads α = P/N; measure the one-step error, the stable
    /// fraction and the fixed-point overlap, beside the classical theory.
    Capacity(capacity::CapacityArgs),
}

/// Options every compute command takes.
#[derive(Debug, Clone, Args)]
pub struct ComputeArgs {
    /// Where to run: `auto` uses a hardware GPU when there is one, otherwise the CPU (with a
    /// notice on stderr); `gpu` uses any adapter, software Vulkan included, and fails without one;
    /// `cpu` uses the CPU reference path on every core. WGPU_BACKEND (vulkan, metal, dx12, gl) and
    /// WGPU_ADAPTER_NAME (a substring of the adapter's name) narrow the choice of adapter.
    #[arg(long, value_parser = crate::cli::choice::<BackendChoice>(), default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,
    /// Seed of every random choice (noise, update orders, initial map weights, sample orders);
    /// the same seed gives the same results on the CPU and the GPU.
    #[arg(long, default_value_t = hopsom::spec::DEFAULT_SEED)]
    pub seed: u64,
    /// Print one JSON object on stdout instead of tables (no progress bar).
    #[arg(long)]
    pub json: bool,
    /// No progress bar and no notices on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

impl ComputeArgs {
    /// Opens the backend. Its notice (why `auto` chose the CPU) is held back until the work
    /// starts ([`ComputeArgs::progress`]) or the run succeeds, so a run refused for its
    /// arguments prints one line: the error.
    pub fn open_backend(&self) -> Result<Backend> {
        let quiet = self.quiet;
        Backend::open(self.backend, |notice| {
            if !quiet {
                hold_notice(notice);
            }
        })
    }

    /// A progress bar on stderr over `total` items, hidden with --quiet or --json. Notices
    /// held back (the adapter chosen under `--backend auto`) are printed when the work makes
    /// its first progress, so that a run refused before that prints its error alone.
    pub fn progress(&self, total: u64, message: &str) -> Bar {
        if self.quiet || self.json {
            return Bar(indicatif::ProgressBar::hidden());
        }
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg:>10} [{bar:40}] {pos}/{len} {per_sec} eta {eta}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        bar.set_message(message.to_string());
        Bar(bar)
    }
}

/// A clap parser for one of the library's enumerated options, built from the names the library
/// gives them (`hopsom::choice`), so that `--help` lists every value with its description.
pub fn choice<T: hopsom::choice::Choice + Send + Sync>(
) -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = T::CHOICES.iter().map(|named| {
        PossibleValue::new(named.names[0])
            .aliases(named.names[1..].iter().copied())
            .help(named.help)
    });
    PossibleValuesParser::new(values)
        .map(|name: String| T::parse(&name).expect("clap accepts only the listed names"))
}

/// The command line's view of the library's progress: an indicatif bar on stderr.
pub struct Bar(pub indicatif::ProgressBar);

impl hopsom::Progress for Bar {
    fn advance(&self, units: u64) {
        // The work is under way: notices held back go above the bar (once; later calls find
        // none).
        self.0.suspend(print_held_notices);
        self.0.inc(units);
    }
}

impl std::ops::Deref for Bar {
    type Target = indicatif::ProgressBar;

    fn deref(&self) -> &indicatif::ProgressBar {
        &self.0
    }
}

/// Notices waiting for the work to start.
static HELD_NOTICES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn hold_notice(notice: &str) {
    if let Ok(mut held) = HELD_NOTICES.lock() {
        held.push(notice.to_string());
    }
}

/// Prints the notices held back so far (once).
pub fn print_held_notices() {
    let held = HELD_NOTICES
        .lock()
        .map(|mut held| std::mem::take(&mut *held))
        .unwrap_or_default();
    for notice in held {
        stdout::notice(format_args!("{notice}"));
    }
}

/// Parses a float32 option, refusing a value that float32 would silently change into another:
/// a tiny one that would round to 0 (`--tau 1e-300` would be reported as `--tau 0`) or a huge
/// one that would become infinite. NaN and infinities pass, for the option's own check to
/// name.
pub fn float32(text: &str) -> std::result::Result<f32, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if value.is_finite() && value != 0.0 && value.abs() < f64::from(f32::MIN_POSITIVE) {
        return Err(format!(
            "{text} is below float32's smallest normal number ({:e})",
            f32::MIN_POSITIVE
        ));
    }
    if value.is_finite() && value.abs() > f64::from(f32::MAX) {
        return Err(format!(
            "{text} is beyond float32's range (±{:e})",
            f32::MAX
        ));
    }
    Ok(value as f32)
}

/// Parses `WxH` (for example `15x15`).
pub fn parse_shape(text: &str) -> std::result::Result<GridShape, String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("{text:?} is not WxH, e.g. 15x15"))?;
    let parse = |v: &str| {
        v.trim()
            .parse::<usize>()
            .map_err(|_| format!("{text:?} is not WxH, e.g. 15x15"))
    };
    let shape = GridShape {
        width: parse(w)?,
        height: parse(h)?,
    };
    if shape.width == 0 || shape.height == 0 {
        return Err("both sides must be at least 1".into());
    }
    // Checked, not wrapped: 4294967297x1 is not a 1x1 grid.
    let cells = (shape.width as u64).checked_mul(shape.height as u64);
    match cells {
        Some(cells) if cells <= hopsom::io::photos::MAX_PIXELS => Ok(shape),
        _ => Err(format!(
            "{text:?} has more than {} cells, the most hopsom holds",
            hopsom::io::photos::MAX_PIXELS
        )),
    }
}

/// A directory for results, created if missing.
pub fn output_dir(path: &std::path::Path) -> Result<PathBuf> {
    hopsom::io::output::ensure_dir(path)?;
    Ok(path.to_path_buf())
}

/// A library parameter and its value as the command line spells them: `--max-sweeps 0`.
pub fn spell_parameter(param: Param, value: &str) -> String {
    format!("{} {value}", flag(param))
}

fn flag(param: Param) -> String {
    match param {
        // The command line asks for the order to be kept, where the spec asks for shuffling.
        Param::Shuffle => "--in-order".into(),
        param => format!("--{}", param.name().replace('_', "-")),
    }
}

/// `error` with library parameter `param` spelled `flag`, for a command whose option has a name
/// of its own (the demo's `--cluster-epochs` is the clustering's `epochs`).
fn respelled(error: Error, param: Param, flag: &str) -> Error {
    match error {
        Error::Parameter {
            param: named,
            value,
            allowed,
        } if named == param => Error::Usage(format!("{flag} {value}: {allowed}")),
        Error::ParameterTooLarge {
            param: named,
            value,
            message,
        } if named == param => Error::TooLarge(format!("{flag} {value}: {message}")),
        other => other,
    }
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Bench(args) => bench::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Devices(args) => devices::run(args),
        Command::Hopfield(HopfieldCommand::Recall(args)) => recall::run(args),
        Command::Hopfield(HopfieldCommand::Sweep(args)) => sweep::run(args),
        Command::Hopfield(HopfieldCommand::Capacity(args)) => capacity::run(args),
        Command::Som(SomCommand::Train(args)) => som_train::run(args),
        Command::Som(SomCommand::Cluster(args)) => som_cluster::run(args),
        Command::Som(SomCommand::Segment(args)) => som_segment::run(args),
        Command::Modern(ModernCommand::Retrieve(args)) => modern::run_retrieve(args),
        Command::Modern(ModernCommand::Sweep(args)) => modern::run_sweep(args),
    }
}

/// Writes `value`, a JSON object, on stdout with the backend and adapter the run used.
pub fn print_run_json(backend: &Backend, mut value: serde_json::Value) -> Result<()> {
    value["backend"] = backend.name().into();
    value["adapter"] = backend.device_name().into();
    print_json(&value)
}

/// Writes `value` as pretty JSON on stdout.
pub fn print_json(value: &serde_json::Value) -> Result<()> {
    let text =
        serde_json::to_string_pretty(value).map_err(|err| Error::InvalidData(err.to_string()))?;
    stdout::outln!("{text}")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn long_flags(command: &clap::Command, found: &mut Vec<String>) {
        found.extend(
            command
                .get_arguments()
                .filter_map(|a| a.get_long())
                .map(|l| format!("--{l}")),
        );
        for sub in command.get_subcommands() {
            long_flags(sub, found);
        }
    }

    #[test]
    fn every_library_parameter_is_an_option_of_some_command() {
        let mut found = Vec::new();
        long_flags(&Cli::command(), &mut found);
        // A map's dimension comes from its data on the command line.
        let not_options = [Param::Dim];
        for &param in Param::ALL.iter().filter(|p| !not_options.contains(p)) {
            assert!(
                found.contains(&flag(param)),
                "{} has no option",
                flag(param)
            );
        }
    }

    /// The help of option `long` of the subcommand at `path`.
    fn help_of(path: &[&str], long: &str) -> String {
        let mut command = Cli::command();
        for name in path {
            command = command.find_subcommand(name).unwrap().clone();
        }
        let argument = command
            .get_arguments()
            .find(|a| a.get_long() == Some(long))
            .unwrap_or_else(|| panic!("{path:?} has no --{long}"));
        argument
            .get_help()
            .map(|h| h.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn defaults_the_help_states_in_words_are_the_librarys() {
        // Options whose default depends on others are optional in clap, their default written
        // in the help: it must be the library's.
        use hopsom::modern::spec::{DEFAULT_MAX_STEPS, DEFAULT_STEPS, DEFAULT_TOLERANCE};
        use hopsom::som::spec::{DEFAULT_LR, DEFAULT_LR_END, DEFAULT_SIGMA_END, DEFAULT_TAU};
        let stated = [
            (&["som", "train"][..], "lr", DEFAULT_LR.to_string()),
            (&["som", "train"], "lr-end", DEFAULT_LR_END.to_string()),
            (
                &["som", "train"],
                "sigma-end",
                DEFAULT_SIGMA_END.to_string(),
            ),
            (&["som", "train"], "tau", DEFAULT_TAU.to_string()),
            (&["modern", "retrieve"], "steps", DEFAULT_STEPS.to_string()),
            (
                &["modern", "retrieve"],
                "max-steps",
                DEFAULT_MAX_STEPS.to_string(),
            ),
            (
                &["modern", "sweep"],
                "tolerance",
                DEFAULT_TOLERANCE.to_string(),
            ),
        ];
        for (path, long, value) in stated {
            let help = help_of(path, long);
            assert!(
                help.contains(&format!("[default: {value}]")),
                "{path:?} --{long}: {help:?} does not state the library's {value}"
            );
        }
    }
}
