//! MiniSom's training: `update` (one sample), `train` (its online loop, with its sampling
//! orders and fixed points) and `train_batch_offline` (Kohonen's batch rule as MiniSom
//! blends it with a learning rate).

use std::collections::HashMap;

use super::distance::Activation;
use super::MiniSomMap;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::rng::StreamKey;

/// Visits between two looks at the progress listener (a fraction of a millisecond each on
/// maps MiniSom is used for).
const BLOCK: usize = 1024;

/// MiniSom's `update`: every node moves by lr·h(c, σ)·(x − w), with h MiniSom's
/// neighbourhood around the winner `winner` (an index in MiniSom's layout).
pub fn update(
    map: &MiniSomMap,
    weights: &mut [f64],
    x: &[f64],
    winner: usize,
    learning_rate: f64,
    sigma: f64,
    scratch: &mut Vec<f64>,
) {
    scratch.resize(map.lattice.nodes(), 0.0);
    map.neighbourhood
        .weights(&map.lattice, winner, sigma, scratch);
    for (w, &h) in weights.chunks_exact_mut(map.dim).zip(scratch.iter()) {
        let g = h * learning_rate;
        for (w, &xd) in w.iter_mut().zip(x) {
            *w += g * (xd - *w);
        }
    }
}

/// The samples MiniSom's `train` visits, by `_build_iteration_indexes`: with `use_epochs`,
/// every sample once per epoch for `num_iteration` epochs, in one order (shuffled once by
/// `shuffle`) repeated each epoch; without, `arange(num_iteration) % samples`, shuffled as a
/// whole by `shuffle`. The shuffles draw from the library's counter-based streams, not numpy's.
pub fn visiting_order(
    samples: usize,
    num_iteration: usize,
    use_epochs: bool,
    shuffle: Option<&StreamKey>,
) -> Result<Vec<u32>> {
    let visits = if use_epochs {
        samples.checked_mul(num_iteration)
    } else {
        Some(num_iteration)
    };
    let visits = visits
        .filter(|&v| v <= u32::MAX as usize && samples <= u32::MAX as usize)
        .ok_or_else(|| {
            Error::TooLarge(format!(
                "{num_iteration} iterations over {samples} samples: at most {} visits",
                u32::MAX
            ))
        })?;
    crate::limits::check_host_memory("the visiting order", Some(visits as u64 * 4))?;
    let mut order = Vec::with_capacity(visits);
    if use_epochs {
        match shuffle {
            Some(key) => key.permutation(0, samples, &mut order),
            None => order.extend(0..samples as u32),
        }
        let epoch = order.clone();
        for _ in 1..num_iteration {
            order.extend_from_slice(&epoch);
        }
    } else {
        match shuffle {
            Some(key) => key.permutation(0, visits, &mut order),
            None => order.extend(0..visits as u32),
        }
        order.iter_mut().for_each(|v| *v %= samples as u32);
    }
    Ok(order)
}

/// One call of MiniSom's `train`: the samples visited, the rates of each decay step (one step
/// per visit, or one per epoch of `per_epoch` visits with `use_epochs`), and the fixed points
/// (sample → the node that wins it, whatever the distances say).
pub struct OnlineRun<'a> {
    pub order: &'a [u32],
    pub per_epoch: Option<usize>,
    pub learning_rates: &'a [f64],
    pub sigmas: &'a [f64],
    pub fixed_points: &'a HashMap<usize, usize>,
}

impl OnlineRun<'_> {
    /// MiniSom's loop: per visit, the winner (or the fixed point) and `update`. Stops with
    /// [`Error::Interrupted`] between blocks of visits when `progress` asks; `progress` hears
    /// each visit.
    pub fn train(
        &self,
        map: &MiniSomMap,
        weights: &mut [f64],
        data: &[f64],
        activation: &mut Activation,
        progress: &dyn Progress,
    ) -> Result<()> {
        map.check_weights(weights)?;
        let samples = map.check_data(data)?;
        let steps = self.learning_rates.len().min(self.sigmas.len());
        let (mut distances, mut scratch) = (Vec::new(), Vec::new());
        for (t, &sample) in self.order.iter().enumerate() {
            if t % BLOCK == 0 {
                progress.check()?;
                if t > 0 {
                    progress.advance(BLOCK as u64);
                }
            }
            let sample = sample as usize;
            if sample >= samples {
                return Err(Error::InvalidData(format!(
                    "visit {t} is of sample {sample}; the data has {samples}"
                )));
            }
            let step = self.per_epoch.map_or(t, |n| t / n.max(1));
            if step >= steps {
                return Err(Error::InvalidData(format!(
                    "visit {t} falls in decay step {step}; {steps} rates were given"
                )));
            }
            let x = &data[sample * map.dim..(sample + 1) * map.dim];
            let winner = match self.fixed_points.get(&sample) {
                Some(&node) => node,
                None => activation.winner(x, weights, &mut distances)?,
            };
            update(
                map,
                weights,
                x,
                winner,
                self.learning_rates[step],
                self.sigmas[step],
                &mut scratch,
            );
        }
        progress.advance((self.order.len() % BLOCK) as u64);
        Ok(())
    }
}

/// MiniSom's `train_batch_offline`: per iteration every sample's winner under the current
/// weights, then each node's neighbourhood-weighted mean of the samples, h(c, σ)-weighted, and
/// the node moved to (1 − lr)·w + lr·mean where any sample reached it. The sums are gathered per
/// winner first (the same sums, in another order: equal to MiniSom's within rounding).
/// `progress` hears each iteration.
pub fn batch_offline(
    map: &MiniSomMap,
    weights: &mut [f64],
    data: &[f64],
    learning_rates: &[f64],
    sigmas: &[f64],
    activation: &mut Activation,
    progress: &dyn Progress,
) -> Result<()> {
    map.check_weights(weights)?;
    map.check_data(data)?;
    let (nodes, dim) = (map.lattice.nodes(), map.dim);
    let mut distances = Vec::new();
    let mut h = vec![0.0; nodes];
    for (&learning_rate, &sigma) in learning_rates.iter().zip(sigmas) {
        progress.check()?;
        // Samples and their sum per winner.
        let mut won = vec![0.0f64; nodes];
        let mut sums = vec![0.0f64; nodes * dim];
        for x in data.chunks_exact(dim) {
            let winner = activation.winner(x, weights, &mut distances)?;
            won[winner] += 1.0;
            sums[winner * dim..(winner + 1) * dim]
                .iter_mut()
                .zip(x)
                .for_each(|(s, &v)| *s += v);
        }
        let mut numerator = vec![0.0f64; nodes * dim];
        let mut denominator = vec![0.0f64; nodes];
        for winner in (0..nodes).filter(|&c| won[c] > 0.0) {
            map.neighbourhood
                .weights(&map.lattice, winner, sigma, &mut h);
            let sum = &sums[winner * dim..(winner + 1) * dim];
            for node in 0..nodes {
                denominator[node] += h[node] * won[winner];
                numerator[node * dim..(node + 1) * dim]
                    .iter_mut()
                    .zip(sum)
                    .for_each(|(n, &s)| *n += h[node] * s);
            }
        }
        for node in (0..nodes).filter(|&node| denominator[node] > 0.0) {
            let w = &mut weights[node * dim..(node + 1) * dim];
            for (w, &n) in w.iter_mut().zip(&numerator[node * dim..(node + 1) * dim]) {
                *w = (1.0 - learning_rate) * *w + learning_rate * (n / denominator[node]);
            }
        }
        progress.advance(1);
    }
    Ok(())
}

/// MiniSom's `_check_fixed_points`, then the fixed points as sample → node (MiniSom's layout):
/// every sample index within the data, every node on the map.
pub fn fixed_points(
    map: &MiniSomMap,
    samples: usize,
    points: &[(i64, (i64, i64))],
) -> Result<HashMap<usize, usize>> {
    let lattice = &map.lattice;
    points
        .iter()
        .map(|&(sample, (i, j))| {
            if sample < 0 || sample as u64 >= samples as u64 {
                return Err(Error::Usage(format!(
                    "fixed_points: sample {sample} is not an index of the {samples} samples"
                )));
            }
            if i < 0 || j < 0 {
                return Err(Error::Usage(format!(
                    "fixed_points: coordinates ({i}, {j}) cannot be negative"
                )));
            }
            let node = lattice.check_node((i as usize, j as usize)).map_err(|_| {
                Error::Usage(format!(
                    "fixed_points: coordinates ({i}, {j}) are outside the {}x{} map",
                    lattice.x, lattice.y
                ))
            })?;
            Ok((sample as usize, node))
        })
        .collect()
}
