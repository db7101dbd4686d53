//! Long calls stop when their listener asks (`Progress::cancelled`, Ctrl-C in a notebook):
//! recall on every path, capacity studies and SOM training end with `Error::Interrupted`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use hopsom::hopfield::capacity::{random_patterns, run_capacity, CapacitySpec};
use hopsom::hopfield::recall::{recall, RecallParams, UpdateMode};
use hopsom::hopfield::{learn, noise, Learning, WeightForm};
use hopsom::rng::{Domain, StreamKey};
use hopsom::som::{train, Codebook, Grid, Init, Mode, Samples, TrainingParams};
use hopsom::{Backend, Error, Progress};

/// Asks to stop once `after` units are done.
struct StopAfter {
    after: u64,
    done: AtomicU64,
}

impl Progress for StopAfter {
    fn advance(&self, units: u64) {
        self.done.fetch_add(units, Relaxed);
    }

    fn cancelled(&self) -> bool {
        self.done.load(Relaxed) >= self.after
    }
}

fn stop_after(after: u64) -> StopAfter {
    StopAfter {
        after,
        done: AtomicU64::new(0),
    }
}

#[test]
fn recall_stops_when_asked_on_every_cpu_path() {
    const PROBES: usize = 20_000;
    let key = StreamKey::new(1, Domain::Patterns, &[]);
    let stored = random_patterns(200, 20, &key).unwrap();
    for (mode, weights) in [
        (UpdateMode::Async, WeightForm::Factored),
        (UpdateMode::Sync, WeightForm::Dense),
    ] {
        let learning = Learning {
            weights,
            ..Learning::default()
        };
        let network = learn(&stored, &learning, &Backend::Cpu).unwrap();
        // Noisy copies: recall takes several sweeps. More probes than a first batch holds, so
        // that the request (made once a probe is done) comes before the end.
        let probes: Vec<i8> = (0..PROBES)
            .flat_map(|t| {
                noise::corrupt(
                    stored.get(t % 20),
                    20.0,
                    &noise::noise_key(1, t % 20, 20.0, t),
                )
            })
            .collect();
        let keys: Vec<StreamKey> = (0..PROBES).map(|b| noise::probe_order_key(1, b)).collect();
        let params = RecallParams {
            mode,
            ..RecallParams::default()
        };
        let progress = stop_after(1);
        let result = recall(&network, &probes, &keys, &params, &Backend::Cpu, &progress);
        assert!(matches!(result, Err(Error::Interrupted)), "{mode:?}");
        assert!(
            progress.done.load(Relaxed) < PROBES as u64,
            "{mode:?} ran to the end"
        );
        // Without the request the same call completes.
        let full = recall(
            &network,
            &probes,
            &keys,
            &params,
            &Backend::Cpu,
            &stop_after(u64::MAX),
        );
        assert_eq!(full.unwrap().len(), PROBES);
    }
}

#[test]
fn capacity_stops_between_trials() {
    let spec = CapacitySpec {
        neurons: 100,
        loads: vec![0.1, 0.2],
        trials: 5,
        seed: 1,
        learning: Learning::default(),
        mode: UpdateMode::Async,
        max_sweeps: 100,
    };
    let progress = stop_after(2);
    let result = run_capacity(&spec, &Backend::Cpu, &progress);
    assert!(matches!(result, Err(Error::Interrupted)));
    assert_eq!(progress.done.load(Relaxed), 2);
}

#[test]
fn training_stops_within_the_epoch_after_the_request() {
    let samples = Samples::random_colours(500, 1);
    for mode in [Mode::Online, Mode::Batch] {
        let params = TrainingParams {
            mode,
            epochs: 10,
            ..TrainingParams::default()
        };
        let start =
            Codebook::initialise(Grid::rectangular(4, 4).unwrap(), &samples, Init::Random, 1)
                .unwrap();
        let progress = stop_after(3);
        let result = train(&Backend::Cpu, &samples, start, &params, &progress);
        assert!(matches!(result, Err(Error::Interrupted)), "{mode:?}");
        assert_eq!(progress.done.load(Relaxed), 3, "{mode:?}");
    }
}
