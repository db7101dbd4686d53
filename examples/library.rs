//! hopsom as a library: store the seed patterns, corrupt one, recall it; then a noise sweep
//! described by its spec, as the command line and the Python package describe it.
//! `cargo run --release --example library` (README.md shows the same code).

use hopsom::hopfield::sweep::{run_sweep, SweepSpec};
use hopsom::hopfield::{self, noise, recall::RecallParams};
use hopsom::{Backend, BackendChoice, Silent};

fn main() -> Result<(), hopsom::Error> {
    let stored = hopfield::seed_patterns();
    let backend = Backend::open(BackendChoice::Auto, |notice| eprintln!("{notice}"))?;
    let network = hopfield::learn_hebbian(&stored, &backend)?;
    let probe = noise::corrupt(stored.get(0), 25.0, &noise::noise_key(1, 0, 25.0, 0));
    let keys = [noise::order_key(1, 0, 25.0, 0)];
    let params = RecallParams::default();
    let outcome = &hopfield::recall(&network, &probe, &keys, &params, &backend, &Silent)?[0];
    let best = hopfield::best_match(&stored, &outcome.final_state);
    println!(
        "{:?} after {} sweeps: {} with overlap {}",
        outcome.ending, outcome.sweeps, stored.names[best.pattern], best.overlap
    );

    let spec = SweepSpec {
        levels: vec![0.0, 20.0, 40.0],
        trials: 200,
        ..SweepSpec::default()
    };
    for row in run_sweep(&network, &stored, &spec, &backend, &Silent)?.rows {
        println!(
            "{} at {}% noise: {:.2} recalled exactly",
            row.pattern_name, row.noise, row.exact_fraction
        );
    }
    Ok(())
}
