//! Matrix products on every core through `faer`, over strided views whose bounds are
//! checked before the (unsafe) call: the one place the crate's raw-pointer interface is used.

/// Where a matrix's elements lie in a slice: element (r, c) at `r·row_stride + c·column_stride`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub rows: usize,
    pub columns: usize,
    pub row_stride: usize,
    pub column_stride: usize,
}

impl View {
    /// `rows` x `columns`, row after row.
    pub fn row_major(rows: usize, columns: usize) -> View {
        View {
            rows,
            columns,
            row_stride: columns,
            column_stride: 1,
        }
    }

    /// The same elements read as the transpose.
    pub fn transposed(self) -> View {
        View {
            rows: self.columns,
            columns: self.rows,
            row_stride: self.column_stride,
            column_stride: self.row_stride,
        }
    }

    /// Every `step`-th row from the first.
    pub fn every_row(self, step: usize) -> View {
        View {
            rows: self.rows.div_ceil(step),
            row_stride: self.row_stride * step,
            ..self
        }
    }

    /// The length a slice needs to hold the view.
    fn extent(&self) -> usize {
        if self.rows == 0 || self.columns == 0 {
            return 0;
        }
        (self.rows - 1) * self.row_stride + (self.columns - 1) * self.column_stride + 1
    }

    /// Whether no two elements share a place (so that a product may write them in parallel).
    fn is_one_to_one(&self) -> bool {
        let row_major =
            self.column_stride >= 1 && self.row_stride >= self.columns * self.column_stride;
        let column_major =
            self.row_stride >= 1 && self.column_stride >= self.rows * self.row_stride;
        self.rows <= 1 && self.column_stride >= 1
            || self.columns <= 1 && self.row_stride >= 1
            || row_major
            || column_major
    }
}

/// The float types the products run in.
pub trait Float: faer::traits::ComplexField + Copy + Default + Send + Sync + 'static {
    const ONE: Self;
}

impl Float for f32 {
    const ONE: f32 = 1.0;
}

impl Float for f64 {
    const ONE: f64 = 1.0;
}

/// `out` = `lhs` · `rhs`, each read through its view, on every core.
///
/// # Panics
/// As [`multiply_scaled`].
pub fn multiply<T: Float>(out: (&mut [T], View), lhs: (&[T], View), rhs: (&[T], View)) {
    multiply_scaled(out, lhs, rhs, T::ONE);
}

/// `out` = `scale` · `lhs` · `rhs`, each read through its view, on every core.
///
/// # Panics
/// As [`multiply_on_this_thread`].
pub fn multiply_scaled<T: Float>(
    out: (&mut [T], View),
    lhs: (&[T], View),
    rhs: (&[T], View),
    scale: T,
) {
    product(out, lhs, rhs, scale, faer::Par::rayon(0));
}

/// `out` = `scale` · `lhs` · `rhs` on the calling thread only: for callers that run several
/// products side by side, each on a core of its own.
///
/// # Panics
/// When the shapes do not chain, a view reaches past its slice, or two of `out`'s elements share
/// a place: callers lay their matrices out, so any of these is a bug.
pub fn multiply_on_this_thread<T: Float>(
    out: (&mut [T], View),
    lhs: (&[T], View),
    rhs: (&[T], View),
    scale: T,
) {
    product(out, lhs, rhs, scale, faer::Par::Seq);
}

fn product<T: Float>(
    (out, out_view): (&mut [T], View),
    (lhs, lhs_view): (&[T], View),
    (rhs, rhs_view): (&[T], View),
    scale: T,
    parallelism: faer::Par,
) {
    let (m, k, n) = (lhs_view.rows, lhs_view.columns, rhs_view.columns);
    assert!(
        rhs_view.rows == k && out_view.rows == m && out_view.columns == n,
        "shapes {lhs_view:?} · {rhs_view:?} → {out_view:?}"
    );
    assert!(lhs.len() >= lhs_view.extent(), "left-hand side size");
    assert!(rhs.len() >= rhs_view.extent(), "right-hand side size");
    assert!(out.len() >= out_view.extent(), "product size");
    assert!(
        out_view.is_one_to_one(),
        "product view {out_view:?} overlaps itself"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for r in 0..m {
            for c in 0..n {
                out[r * out_view.row_stride + c * out_view.column_stride] = T::default();
            }
        }
        return;
    }
    let stride = |s: usize| isize::try_from(s).expect("a stride within a slice fits isize");
    // SAFETY: the assertions above keep every element faer reads within `lhs` and `rhs` and
    // every one it writes within `out`, each written once (the view is one-to-one); the slices
    // are borrowed for the call, and `out` is not aliased by either input (a `&mut`).
    unsafe {
        let lhs = faer::MatRef::from_raw_parts(
            lhs.as_ptr(),
            m,
            k,
            stride(lhs_view.row_stride),
            stride(lhs_view.column_stride),
        );
        let rhs = faer::MatRef::from_raw_parts(
            rhs.as_ptr(),
            k,
            n,
            stride(rhs_view.row_stride),
            stride(rhs_view.column_stride),
        );
        let out = faer::MatMut::from_raw_parts_mut(
            out.as_mut_ptr(),
            m,
            n,
            stride(out_view.row_stride),
            stride(out_view.column_stride),
        );
        faer::linalg::matmul::matmul(out, faer::Accum::Replace, lhs, rhs, scale, parallelism);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_products_match_the_definition() {
        // A 3x4 matrix read as every other row of a 6x4 one, times the transpose of a 5x4 one.
        let a: Vec<f64> = (0..24).map(|v| f64::from(v) - 7.0).collect();
        let b: Vec<f64> = (0..20).map(|v| f64::from(v * v % 11)).collect();
        let lhs = View::row_major(6, 4).every_row(2);
        let rhs = View::row_major(5, 4).transposed();
        let mut out = vec![f64::NAN; 2 * 3 * 5];
        let out_view = View::row_major(6, 5).every_row(2);
        multiply((&mut out, out_view), (&a, lhs), (&b, rhs));
        for r in 0..3 {
            for c in 0..5 {
                let want: f64 = (0..4).map(|j| a[2 * r * 4 + j] * b[c * 4 + j]).sum();
                assert_eq!(out[2 * r * 5 + c], want);
            }
            // The rows in between are not touched.
            assert!(out[(2 * r + 1) * 5].is_nan());
        }
    }

    #[test]
    #[should_panic(expected = "overlaps itself")]
    fn overlapping_products_are_refused() {
        let a = [1.0f32; 4];
        let view = View {
            rows: 2,
            columns: 2,
            row_stride: 1,
            column_stride: 1,
        };
        let mut out = [0.0f32; 4];
        multiply(
            (&mut out, view),
            (&a, View::row_major(2, 2)),
            (&a, View::row_major(2, 2)),
        );
    }
}
