//! A Hopfield network: N neurons with symmetric integer weights.

use super::interaction::Interaction;
use super::patterns::PatternSet;
use crate::error::{Error, Result};

/// The largest |field| any neuron may see, in fixed-point units. The kernels track 4 × field in
/// 32-bit integers (see recall_async.wgsl), so fields must stay below 2^29; this leaves room.
const FIELD_LIMIT: f64 = (1u64 << 28) as f64;

/// How the couplings are held.
#[derive(Debug, Clone, PartialEq)]
enum Couplings {
    /// An off-diagonal matrix, row-major n x n with a zero diagonal, and the diagonal
    /// (self-weights) apart, since a neuron's own weight adds only a constant to the energy.
    Dense {
        weights: Vec<i32>,
        diagonal: Vec<i32>,
    },
    /// The Hebbian couplings W = XᵀX - P·I kept as the patterns X themselves (4N² bytes become
    /// PN): the field is h = Xᵀ(X s) - P s. `rows` is X (P x N), `columns` its transpose.
    Factored { rows: Vec<i8>, columns: Vec<i8> },
}

/// A Hopfield network: N neurons, their couplings, and the patterns stored in them.
///
/// Weights are integers: the Hebbian rule's are exact; real-valued rules store round(w · scale),
/// with `scale` a power of two chosen so that every field fits 32-bit integers. Integer weights
/// make every field, comparison and energy exact and identical on the CPU and the GPU, and the
/// dense and factored forms of a Hebbian network give identical fields.
#[derive(Debug, Clone, PartialEq)]
pub struct HopfieldNetwork {
    neurons: usize,
    stored: usize,
    couplings: Couplings,
    scale: f64,
    /// The energy's interaction: quadratic recalls through the couplings, a dense associative
    /// memory's through the stored patterns (factored couplings).
    interaction: Interaction,
}

impl HopfieldNetwork {
    /// A network with integer weights (scale 1) and a zero diagonal.
    pub(crate) fn from_weights(neurons: usize, stored: usize, weights: Vec<i32>) -> Self {
        debug_assert_eq!(weights.len(), neurons * neurons);
        HopfieldNetwork {
            neurons,
            stored,
            couplings: Couplings::Dense {
                weights,
                diagonal: vec![0; neurons],
            },
            scale: 1.0,
            interaction: Interaction::Quadratic,
        }
    }

    /// The Hebbian network of `patterns` in factored form: no N x N matrix is built.
    pub fn factored(patterns: &crate::hopfield::PatternSet) -> Result<Self> {
        check_field_range(patterns)?;
        let (n, p) = (patterns.neurons(), patterns.len());
        let rows = patterns.states().to_vec();
        let mut columns = Vec::new();
        columns.try_reserve_exact(n * p).map_err(|_| {
            Error::TooLarge(format!(
                "{p} patterns of {n} neurons do not fit in host memory twice"
            ))
        })?;
        columns.resize(n * p, 0);
        for (mu, pattern) in patterns.iter().enumerate() {
            for (i, &x) in pattern.iter().enumerate() {
                columns[i * p + mu] = x;
            }
        }
        Ok(HopfieldNetwork {
            neurons: n,
            stored: p,
            couplings: Couplings::Factored { rows, columns },
            scale: 1.0,
            interaction: Interaction::Quadratic,
        })
    }

    /// A network from real weights (row-major n x n, diagonal included), stored in fixed point.
    /// With `keep_diagonal` false the diagonal is dropped.
    pub(crate) fn from_real_weights(
        neurons: usize,
        stored: usize,
        real: &[f32],
        keep_diagonal: bool,
    ) -> Result<Self> {
        let n = neurons;
        let row_sum = |i: usize| -> f64 {
            real[i * n..(i + 1) * n]
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i || keep_diagonal)
                .map(|(_, &w)| f64::from(w.abs()))
                .sum()
        };
        let largest = (0..n).map(row_sum).fold(0.0, f64::max);
        if !largest.is_finite() {
            return Err(Error::InvalidData(
                "the learned weights are not finite".into(),
            ));
        }
        // Room for the self-coupling option (+1 per neuron) besides the weights.
        let scale = if largest > 0.0 {
            2f64.powi((FIELD_LIMIT / (largest + 1.0)).log2().floor() as i32)
        } else {
            1.0
        };
        let quantise = |w: f32| (f64::from(w) * scale).round() as i32;
        let mut weights = allocate_weights(n)?;
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    weights[i * n + j] = quantise(real[i * n + j]);
                }
            }
        }
        let diagonal = (0..n)
            .map(|i| {
                if keep_diagonal {
                    quantise(real[i * n + i])
                } else {
                    0
                }
            })
            .collect();
        Ok(HopfieldNetwork {
            neurons,
            stored,
            couplings: Couplings::Dense { weights, diagonal },
            scale,
            interaction: Interaction::Quadratic,
        })
    }

    /// The network with the energy `interaction` (see [`Learning`](super::Learning)); a dense
    /// associative memory needs factored couplings, which recall checks.
    pub fn with_interaction(self, interaction: Interaction) -> Self {
        HopfieldNetwork {
            interaction,
            ..self
        }
    }

    /// The energy's interaction function.
    pub fn interaction(&self) -> Interaction {
        self.interaction
    }

    pub fn neurons(&self) -> usize {
        self.neurons
    }

    /// How many patterns were learned.
    pub fn stored(&self) -> usize {
        self.stored
    }

    /// Whether the couplings are held in factored form (no weight matrix).
    pub fn is_factored(&self) -> bool {
        matches!(self.couplings, Couplings::Factored { .. })
    }

    /// The off-diagonal weights in fixed point, row-major (the diagonal entries are zero); None
    /// for a factored network, which holds no matrix.
    pub fn weights(&self) -> Option<&[i32]> {
        match &self.couplings {
            Couplings::Dense { weights, .. } => Some(weights),
            Couplings::Factored { .. } => None,
        }
    }

    /// The stored patterns, P x N, of a factored network.
    pub fn factors(&self) -> Option<&[i8]> {
        match &self.couplings {
            Couplings::Dense { .. } => None,
            Couplings::Factored { rows, .. } => Some(rows),
        }
    }

    /// The stored patterns by neuron, N x P (the transpose of [`factors`]), of a factored
    /// network.
    ///
    /// [`factors`]: HopfieldNetwork::factors
    pub fn factor_columns(&self) -> Option<&[i8]> {
        match &self.couplings {
            Couplings::Dense { .. } => None,
            Couplings::Factored { columns, .. } => Some(columns),
        }
    }

    /// The self-weight w_ii of neuron `i` in fixed point (zero but for rules that keep it).
    pub fn self_weight(&self, i: usize) -> i32 {
        match &self.couplings {
            Couplings::Dense { diagonal, .. } => diagonal[i],
            Couplings::Factored { .. } => 0,
        }
    }

    /// The fixed-point factor: the stored integers are the real weights times this.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The real weight w_ij, diagonal included.
    pub fn weight(&self, i: usize, j: usize) -> f64 {
        let stored = match &self.couplings {
            Couplings::Dense { weights, diagonal } => {
                if i == j {
                    diagonal[i]
                } else {
                    weights[i * self.neurons + j]
                }
            }
            Couplings::Factored { columns, .. } => {
                let p = self.stored;
                if i == j {
                    0
                } else {
                    (0..p)
                        .map(|mu| i32::from(columns[i * p + mu]) * i32::from(columns[j * p + mu]))
                        .sum()
                }
            }
        };
        f64::from(stored) / self.scale
    }

    /// Every real weight, N x N row by row, the diagonal included (zero but for rules that keep
    /// it); computed from the patterns when factored. Checked against the host's memory first.
    pub fn dense_weights(&self) -> Result<Vec<f64>> {
        let n = self.neurons;
        crate::limits::check_host_memory(
            &format!("the {n} x {n} weights"),
            crate::limits::checked_product(&[n as u64, n as u64, 8]),
        )?;
        Ok((0..n * n).map(|k| self.weight(k / n, k % n)).collect())
    }

    /// The energy the diagonal adds to every state: -½ Σ w_ii s_i² = -½ Σ w_ii.
    pub fn diagonal_energy(&self) -> f64 {
        match &self.couplings {
            Couplings::Dense { diagonal, .. } => {
                -0.5 * diagonal.iter().map(|&d| f64::from(d)).sum::<f64>() / self.scale
            }
            Couplings::Factored { .. } => 0.0,
        }
    }

    /// s^T W s over the off-diagonal couplings, in fixed point.
    pub fn quadratic(&self, state: &[i8]) -> i64 {
        let fields = FieldTracker::new(self, state);
        (0..self.neurons)
            .map(|i| i64::from(state[i]) * i64::from(fields.field(state, i)))
            .sum()
    }
}

/// Computes the off-diagonal fields h_i = Σ_{j≠i} w_ij s_j of a state as it evolves: directly
/// from the weight matrix, or, for a factored network, from the overlaps m = X s, kept up to date
/// flip by flip, so that a field costs O(P) instead of O(N).
pub(crate) struct FieldTracker<'a> {
    network: &'a HopfieldNetwork,
    overlaps: Vec<i32>,
}

impl<'a> FieldTracker<'a> {
    pub(crate) fn new(network: &'a HopfieldNetwork, state: &[i8]) -> Self {
        let overlaps = match &network.couplings {
            Couplings::Dense { .. } => Vec::new(),
            Couplings::Factored { rows, .. } => overlaps(rows, network.neurons, state),
        };
        FieldTracker { network, overlaps }
    }

    /// h_i for `state`, which must be the state the tracker has followed.
    #[inline(always)]
    pub(crate) fn field(&self, state: &[i8], i: usize) -> i32 {
        let n = self.network.neurons;
        match &self.network.couplings {
            Couplings::Dense { weights, .. } => weights[i * n..(i + 1) * n]
                .iter()
                .zip(state)
                .map(|(&w, &s)| w * i32::from(s))
                .sum(),
            Couplings::Factored { columns, .. } => {
                let p = self.network.stored;
                let through_patterns: i32 = columns[i * p..(i + 1) * p]
                    .iter()
                    .zip(&self.overlaps)
                    .map(|(&x, &m)| i32::from(x) * m)
                    .sum();
                through_patterns - p as i32 * i32::from(state[i])
            }
        }
    }

    /// Every field h_i of `state` (which must be the state the tracker has followed) into
    /// `fields`: [`FieldTracker::field`] for each neuron, with the couplings matched once.
    pub(crate) fn fields(&self, state: &[i8], fields: &mut [i32]) {
        let n = self.network.neurons;
        match &self.network.couplings {
            Couplings::Dense { weights, .. } => {
                for (field, row) in fields.iter_mut().zip(weights.chunks_exact(n)) {
                    *field = row.iter().zip(state).map(|(&w, &s)| w * i32::from(s)).sum();
                }
            }
            Couplings::Factored { columns, .. } => {
                let p = self.network.stored;
                for ((field, column), &s) in
                    fields.iter_mut().zip(columns.chunks_exact(p)).zip(state)
                {
                    let through_patterns: i32 = column
                        .iter()
                        .zip(&self.overlaps)
                        .map(|(&x, &m)| i32::from(x) * m)
                        .sum();
                    *field = through_patterns - p as i32 * i32::from(s);
                }
            }
        }
    }

    /// Records that neuron `i` became `updated`.
    #[inline(always)]
    pub(crate) fn flipped(&mut self, i: usize, updated: i8) {
        if let Couplings::Factored { columns, .. } = &self.network.couplings {
            let p = self.network.stored;
            for (m, &x) in self.overlaps.iter_mut().zip(&columns[i * p..(i + 1) * p]) {
                *m += 2 * i32::from(updated) * i32::from(x);
            }
        }
    }
}

/// The overlaps m_μ = ξ^μ·s of `state` with every pattern of `rows` (patterns x `neurons`).
pub(crate) fn overlaps(rows: &[i8], neurons: usize, state: &[i8]) -> Vec<i32> {
    rows.chunks_exact(neurons)
        .map(|pattern| {
            pattern
                .iter()
                .zip(state)
                .map(|(&x, &s)| i32::from(x) * i32::from(s))
                .sum()
        })
        .collect()
}

/// The largest |field| a recall can meet is patterns x (neurons - 1); the kernels track 4x that
/// in 32-bit integers (see recall_async.wgsl), so the product must stay below 2^29.
pub(crate) fn check_field_range(patterns: &PatternSet) -> Result<()> {
    if patterns.is_empty() {
        return Err(Error::InvalidData("the pattern set is empty".into()));
    }
    let (n, p) = (patterns.neurons() as u64, patterns.len() as u64);
    if p * n.saturating_sub(1) >= 1 << 29 {
        return Err(Error::TooLarge(format!(
            "{p} patterns of {n} neurons: fields could exceed the 32-bit integer range the kernels use"
        )));
    }
    Ok(())
}

/// Allocates an n x n matrix, failing cleanly when the host cannot hold it.
pub(crate) fn allocate_weights<T: Clone + Default + Send + Sync>(neurons: usize) -> Result<Vec<T>> {
    let count = neurons * neurons;
    let mut weights = Vec::new();
    weights.try_reserve_exact(count).map_err(|_| {
        Error::TooLarge(format!(
            "a network of {neurons} neurons needs {} of host memory for its weights",
            crate::gpu::human_bytes((count * std::mem::size_of::<T>()) as u64)
        ))
    })?;
    // Zeroed on every core: for a large matrix the first touch of its pages (the kernel
    // clearing each one) costs more than the learning itself on one core.
    use rayon::prelude::*;
    weights.par_extend(rayon::iter::repeat_n(T::default(), count));
    Ok(weights)
}
