//! Mergeable summaries of a set of values: the sum, the central moments up to the fourth,
//! and the extremes. Each can absorb one value (`push`) and combine with the summary of
//! another set (`merge`), so the same code serves the cumulative statistics, their `merge`
//! across streams, and the rolling windows (see [`super::two_stack`]).
//!
//! The moments use the pairwise update formulas of Chan, Golub & LeVeque (1979) and Pébay
//! (2008): central moments are kept about the running mean, never as raw power sums, so
//! data far from zero (1e9 + N(0,1)) loses no digits to cancellation.

use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, Sub};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A summary of a multiset of non-null values.
pub trait Aggregate:
    Copy + Debug + PartialEq + Serialize + DeserializeOwned + Send + 'static
{
    /// The summary of no values (the identity of `merge`).
    const EMPTY: Self;

    /// Whether `push` and `merge` use their `inv_n` argument (the callers skip counting
    /// values for the summaries that do not).
    const COUNTED: bool = false;

    /// Absorb one value; `inv_n` is `1 / n` for the `n` values held after the push.
    fn push(&mut self, x: f64, inv_n: f64);

    /// The summary of the union of both sets; `inv_n` is `1 / n` for the `n` values of both.
    fn merge(&self, other: &Self, inv_n: f64) -> Self;

    /// The number of values, for the summaries that keep it (to check decoded states).
    fn count(&self) -> Option<f64> {
        None
    }

    /// Four summaries side by side, one per lane, for the block path of the rolling windows
    /// ([`super::two_stack`]): each lane does the arithmetic of `push` and `merge` on its
    /// own values, so a lane equals the scalar summary bit for bit.
    type Lanes: Copy;
    /// What the block path keeps of one position's four summaries, as vectors (one per
    /// field): the count and the shift are the same along a block and are given back to
    /// [`Aggregate::lanes_load`].
    type Stored: Copy + AsRef<[X4]> + AsMut<[X4]>;

    /// Four summaries about to absorb their first values, `first` (all lanes then hold the
    /// same number of values at every step).
    fn lanes_start(first: X4) -> Self::Lanes;
    /// `push` in every lane, each holding `held` values before it; `inv_n` is `1 / n` for
    /// the `n = held + 1` values after it.
    fn lanes_push(lanes: &mut Self::Lanes, x: X4, held: f64, inv_n: f64);
    fn lanes_store(lanes: &Self::Lanes) -> Self::Stored;
    /// The lanes stored by `lanes_store` from a state started like `like` (the same first
    /// values), holding `n` values each (`inv_n = 1 / n`).
    fn lanes_load(stored: &Self::Stored, n: f64, inv_n: f64, like: &Self::Lanes) -> Self::Lanes;
    /// `merge` in every lane, both sides holding values (`na` and `nb` of them; `inv_n` for
    /// the union).
    fn lanes_merge(a: &Self::Lanes, b: &Self::Lanes, na: f64, nb: f64, inv_n: f64) -> Self::Lanes;
    /// Lane `i` as a summary of its own.
    fn lane(lanes: &Self::Lanes, i: usize) -> Self;
}

/// `f` of each lane of four summaries, as four lanes; `None` where `f` gives `None` for the
/// first lane (for the callers, whether a value comes out depends on the count alone, the
/// same in every lane).
#[inline(always)]
pub fn by_lane<A: Aggregate>(lanes: &A::Lanes, f: impl Fn(&A) -> Option<f64>) -> Option<X4> {
    let y = |i| f(&A::lane(lanes, i)).unwrap_or(f64::NAN);
    f(&A::lane(lanes, 0)).map(|y0| X4([y0, y(1), y(2), y(3)]))
}

/// Arithmetic on one `f64` (the summaries) or on four lanes side by side ([`X4`], the block
/// path of the rolling windows). The formulas are written once over this trait, so a lane
/// does the IEEE operations of the scalar code in the same order (Rust never fuses a
/// multiply and an add by itself), and both give the same bits.
pub trait Real:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self> + AddAssign
{
    fn splat(x: f64) -> Self;
    fn sqrt(self) -> Self;
}

impl Real for f64 {
    #[inline(always)]
    fn splat(x: f64) -> Self {
        x
    }

    #[inline(always)]
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
}

/// Four `f64` lanes, each operation lane by lane (the compiler turns them into one vector
/// instruction where the CPU has them).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(32))]
pub struct X4(pub [f64; 4]);

macro_rules! lane_ops {
    ($($op:ident $f:ident $sym:tt),*) => {$(
        impl $op for X4 {
            type Output = X4;
            #[inline(always)]
            fn $f(self, o: X4) -> X4 {
                let (a, b) = (self.0, o.0);
                X4([a[0] $sym b[0], a[1] $sym b[1], a[2] $sym b[2], a[3] $sym b[3]])
            }
        }
    )*};
}
lane_ops!(Add add +, Sub sub -, Mul mul *, Div div /);

impl AddAssign for X4 {
    #[inline(always)]
    fn add_assign(&mut self, o: X4) {
        *self = *self + o;
    }
}

impl Real for X4 {
    #[inline(always)]
    fn splat(x: f64) -> Self {
        X4([x; 4])
    }

    #[inline(always)]
    fn sqrt(self) -> Self {
        let a = self.0;
        X4([a[0].sqrt(), a[1].sqrt(), a[2].sqrt(), a[3].sqrt()])
    }
}

impl X4 {
    /// `f` lane by lane.
    #[inline(always)]
    fn zip(self, o: X4, f: impl Fn(f64, f64) -> f64) -> X4 {
        let (a, b) = (self.0, o.0);
        X4([f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3])])
    }
}

/// The lanes of a summary of one `f64` field (`$get` reads it, `$make` builds the summary),
/// whose `push` of `x` is `$fold(field, $map(x))` and whose `merge` is `$fold` of the fields.
macro_rules! field_lanes {
    ($get:expr, $make:expr, $fold:expr, $map:expr) => {
        type Lanes = X4;
        type Stored = [X4; 1];

        #[inline(always)]
        fn lanes_start(_first: X4) -> X4 {
            X4::splat($get(&Self::EMPTY))
        }

        #[inline(always)]
        fn lanes_push(lanes: &mut X4, x: X4, _held: f64, _inv_n: f64) {
            *lanes = lanes.zip(x, |a, x| $fold(a, $map(x)));
        }

        #[inline(always)]
        fn lanes_store(lanes: &X4) -> [X4; 1] {
            [*lanes]
        }

        #[inline(always)]
        fn lanes_load(stored: &[X4; 1], _n: f64, _inv_n: f64, _like: &X4) -> X4 {
            stored[0]
        }

        #[inline(always)]
        fn lanes_merge(a: &X4, b: &X4, _na: f64, _nb: f64, _inv_n: f64) -> X4 {
            a.zip(*b, $fold)
        }

        #[inline(always)]
        fn lane(lanes: &X4, i: usize) -> Self {
            $make(lanes.0[i])
        }
    };
}

// Why the callers pass `1 / n`: the division in Welford's `mean += (x - mean) / n` sits on the
// loop-carried chain of the mean (~13 cycles of latency per value); `n` itself does not depend
// on the data, so its reciprocal is computed ahead (or read from a table, in the rolling
// windows) and the chain shortens to a subtraction, a multiplication and an addition.

/// A summary from which one absorbed value can be taken out again.
pub trait Revert: Aggregate {
    /// Remove `x`, which must have been absorbed (not checked: only counts are known).
    fn revert(&mut self, x: f64);
}

/// The plain sum, for the mean. A sum (not a running mean) so that a set holding `inf`
/// averages to `inf`, as Polars' `rolling_mean` does (a running mean turns `inf` into NaN at
/// the next finite value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sum {
    pub sum: f64,
}

impl Aggregate for Sum {
    const EMPTY: Self = Sum { sum: 0.0 };

    #[inline(always)]
    fn push(&mut self, x: f64, _inv_n: f64) {
        self.sum += x;
    }

    #[inline(always)]
    fn merge(&self, other: &Self, _inv_n: f64) -> Self {
        Sum {
            sum: self.sum + other.sum,
        }
    }

    field_lanes!(
        |s: &Sum| s.sum,
        |sum| Sum { sum },
        |a: f64, x: f64| a + x,
        |x| x
    );
}

impl Revert for Sum {
    #[inline]
    fn revert(&mut self, x: f64) {
        self.sum -= x;
    }
}

/// Count, mean and the central moment sums `m_k = Σ (x - mean)^k` for `k = 2..=K`.
/// `K` is 2 (variance), 3 (skewness) or 4 (kurtosis); moments above `K` are not computed
/// (they stay 0), which the branches on the constant `K` remove at compile time.
///
/// The values are taken relative to `shift`, the first value absorbed: `mean` is the mean of
/// `x - shift`. Near 1e9 a mean can only be stored to ~1e-7, and that rounding would enter
/// every `x - mean` (measured: variance of 1e9 + N(0,1) off by 5e-8 relative); `x - shift`
/// is exact for values within a factor of two of the shift (Sterbenz), and the shifted mean
/// is small, so it keeps its digits.
///
/// The mean is kept as `sum / n` of the shifted values, not by Welford's `mean += (x - mean)
/// / n`: then the only loop-carried dependency of a `push` is an addition (4 cycles)
/// instead of a subtraction, a multiplication and an addition (12), and a rolling variance
/// runs ~1.6x faster. The moment updates are Welford's/Pébay's, with the same accuracy
/// (tested against exact rational arithmetic at 1e9 + N(0,1)).
///
/// `T` is `f64` for a summary, or [`X4`] for four summaries side by side (the block path of
/// the rolling windows, which runs the same `absorb` and `combine`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Moments<const K: usize, T = f64> {
    pub n: T,
    pub shift: T,
    /// `Σ (x - shift)`, and `sum / n`.
    pub sum: T,
    pub mean: T,
    pub m2: T,
    pub m3: T,
    pub m4: T,
}

impl<const K: usize, T: Real> Moments<K, T> {
    /// Welford's update, extended to the third and fourth moments by Pébay (2008, eq. 2.4),
    /// once the shift is set (the first value's, before its own update). `keep` is
    /// `n0 * inv_n` (`(n - 1) / n`), computed from the counts alone: in the lanes, where the
    /// counts are the same in every lane, it is one scalar product instead of a vector one.
    #[inline(always)]
    fn absorb(&mut self, x: T, inv_n: T, keep: T) {
        let (one, three, four, six) = (T::splat(1.0), T::splat(3.0), T::splat(4.0), T::splat(6.0));
        let n0 = self.n;
        let n = n0 + one;
        let y = x - self.shift;
        let delta = y - self.mean;
        let dn = delta * inv_n;
        // (With m3, `dn` is needed anyway, and `delta * dn * n0` measured faster.)
        let term = if K >= 3 {
            delta * dn * n0
        } else {
            delta * delta * keep
        };
        if K >= 4 {
            let dn2 = dn * dn;
            self.m4 += term * dn2 * (n * n - three * n + three) + six * dn2 * self.m2
                - four * dn * self.m3;
        }
        if K >= 3 {
            self.m3 += term * dn * (n - T::splat(2.0)) - three * dn * self.m2;
        }
        self.m2 += term;
        self.sum += y;
        self.mean = self.sum * inv_n;
        self.n = n;
    }

    /// The pairwise combination (Chan et al. for `m2`, Pébay 2008 eq. 3.1 for `m3`, `m4`) of
    /// two summaries that both hold values; the result keeps `self`'s shift. The factors
    /// that depend on the counts alone come in computed (as `keep` in `absorb`, used for
    /// `K = 2`): `wb = nb * inv_n` and `ab = (na * nb) * inv_n`. For var and std this
    /// form (over `K = 3` and `4`'s) made the rolling lanes ~8% faster.
    #[inline(always)]
    fn combine(&self, other: &Self, inv_n: T, wb: T, ab: T) -> Self {
        let (three, four, six) = (T::splat(3.0), T::splat(4.0), T::splat(6.0));
        let (a, b) = (self, other);
        let n = a.n + b.n;
        // The difference of the two means, from their shifted means.
        let shift_gap = b.shift - a.shift;
        let delta = (b.mean - a.mean) + shift_gap;
        let dn = delta * inv_n;
        let nab = a.n * b.n;
        let zero = T::splat(0.0);
        let mut out = Moments {
            n,
            shift: a.shift,
            sum: a.sum + b.sum + b.n * shift_gap,
            mean: if K >= 3 {
                a.mean + b.n * dn
            } else {
                a.mean + delta * wb
            },
            m2: if K >= 3 {
                a.m2 + b.m2 + delta * dn * nab
            } else {
                a.m2 + b.m2 + delta * delta * ab
            },
            m3: zero,
            m4: zero,
        };
        if K >= 3 {
            out.m3 = a.m3
                + b.m3
                + delta * dn * dn * nab * (a.n - b.n)
                + three * dn * (a.n * b.m2 - b.n * a.m2);
        }
        if K >= 4 {
            out.m4 = a.m4
                + b.m4
                + delta * dn * dn * dn * nab * (a.n * a.n - nab + b.n * b.n)
                + six * dn * dn * (a.n * a.n * b.m2 + b.n * b.n * a.m2)
                + four * dn * (a.n * b.m3 - b.n * a.m3);
        }
        out
    }
}

impl<const K: usize> Aggregate for Moments<K> {
    const EMPTY: Self = Moments {
        n: 0.0,
        shift: 0.0,
        sum: 0.0,
        mean: 0.0,
        m2: 0.0,
        m3: 0.0,
        m4: 0.0,
    };
    const COUNTED: bool = true;

    fn count(&self) -> Option<f64> {
        Some(self.n)
    }

    #[inline(always)]
    fn push(&mut self, x: f64, inv_n: f64) {
        if self.n == 0.0 {
            self.shift = x;
        }
        self.absorb(x, inv_n, self.n * inv_n);
    }

    #[inline(always)]
    fn merge(&self, other: &Self, inv_n: f64) -> Self {
        if self.n == 0.0 {
            return *other;
        }
        if other.n == 0.0 {
            return *self;
        }
        let (wb, ab) = (other.n * inv_n, self.n * other.n * inv_n);
        self.combine(other, inv_n, wb, ab)
    }

    /// Four moment summaries in structure-of-arrays form (one vector per field).
    type Lanes = Moments<K, X4>;
    /// `sum`, then `m2..=mK`: the mean is `sum * (1 / n)`, as `push` computes it.
    type Stored = [X4; K];

    #[inline(always)]
    fn lanes_start(first: X4) -> Moments<K, X4> {
        let zero = X4::splat(0.0);
        Moments {
            n: zero,
            shift: first,
            sum: zero,
            mean: zero,
            m2: zero,
            m3: zero,
            m4: zero,
        }
    }

    #[inline(always)]
    fn lanes_push(lanes: &mut Moments<K, X4>, x: X4, held: f64, inv_n: f64) {
        lanes.absorb(x, X4::splat(inv_n), X4::splat(held * inv_n));
    }

    #[inline(always)]
    fn lanes_store(l: &Moments<K, X4>) -> [X4; K] {
        let all = [l.sum, l.m2, l.m3, l.m4];
        match all.first_chunk::<K>() {
            Some(stored) => *stored,
            None => unreachable!("Moments<K> has K <= 4"),
        }
    }

    #[inline(always)]
    fn lanes_load(s: &[X4; K], n: f64, inv_n: f64, like: &Moments<K, X4>) -> Moments<K, X4> {
        let zero = X4::splat(0.0);
        Moments {
            n: X4::splat(n),
            shift: like.shift,
            sum: s[0],
            mean: s[0] * X4::splat(inv_n),
            m2: s[1],
            m3: if K >= 3 { s[2] } else { zero },
            m4: if K >= 4 { s[3] } else { zero },
        }
    }

    #[inline(always)]
    fn lanes_merge(
        a: &Moments<K, X4>,
        b: &Moments<K, X4>,
        na: f64,
        nb: f64,
        inv_n: f64,
    ) -> Moments<K, X4> {
        let (wb, ab) = (nb * inv_n, na * nb * inv_n);
        a.combine(b, X4::splat(inv_n), X4::splat(wb), X4::splat(ab))
    }

    #[inline(always)]
    fn lane(l: &Moments<K, X4>, i: usize) -> Self {
        Moments {
            n: l.n.0[i],
            shift: l.shift.0[i],
            sum: l.sum.0[i],
            mean: l.mean.0[i],
            m2: l.m2.0[i],
            m3: l.m3.0[i],
            m4: l.m4.0[i],
        }
    }
}

impl<const K: usize> Revert for Moments<K> {
    /// The update of `push` solved for the earlier state: with `n` values before and `n0 =
    /// n - 1` after, the sum sheds `x`, and each moment sheds the term `push` added (lowest
    /// moment first, as the higher ones use the restored lower ones).
    fn revert(&mut self, x: f64) {
        let n = self.n;
        let n0 = n - 1.0;
        if n0 <= 0.0 {
            *self = Self::EMPTY;
            return;
        }
        let y = x - self.shift;
        let sum0 = self.sum - y;
        if n0 == 1.0 {
            // One value left: its central moments are exactly zero (subtracting would leave
            // rounding residue, which a skewness then divides by).
            *self = Moments {
                n: 1.0,
                shift: self.shift,
                sum: sum0,
                mean: sum0,
                ..Self::EMPTY
            };
            return;
        }
        let mean0 = sum0 / n0;
        let delta = y - mean0;
        let dn = delta / n;
        let term = delta * dn * n0;
        let m2 = (self.m2 - term).max(0.0);
        let m3 = if K >= 3 {
            self.m3 - term * dn * (n - 2.0) + 3.0 * dn * m2
        } else {
            0.0
        };
        if K >= 4 {
            let dn2 = dn * dn;
            self.m4 -= term * dn2 * (n * n - 3.0 * n + 3.0) + 6.0 * dn2 * m2 - 4.0 * dn * m3;
        }
        self.m3 = m3;
        self.m2 = m2;
        self.sum = sum0;
        self.mean = mean0;
        self.n = n0;
    }
}

/// `a < b` with NaN winning: a set holding NaN has NaN as its minimum and maximum, as in
/// Polars' `rolling_min`/`rolling_max`.
#[inline(always)]
fn nan_min(a: f64, b: f64) -> f64 {
    if a < b || a.is_nan() {
        a
    } else {
        b
    }
}

#[inline(always)]
fn nan_max(a: f64, b: f64) -> f64 {
    if a > b || a.is_nan() {
        a
    } else {
        b
    }
}

/// The smallest value (NaN if any value is NaN).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Lowest(pub f64);

impl Aggregate for Lowest {
    field_lanes!(|s: &Lowest| s.0, Lowest, nan_min, |x| x);

    const EMPTY: Self = Lowest(f64::INFINITY);

    #[inline(always)]
    fn push(&mut self, x: f64, _inv_n: f64) {
        self.0 = nan_min(self.0, x);
    }

    #[inline(always)]
    fn merge(&self, other: &Self, _inv_n: f64) -> Self {
        Lowest(nan_min(self.0, other.0))
    }
}

/// The largest value (NaN if any value is NaN).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Highest(pub f64);

impl Aggregate for Highest {
    field_lanes!(|s: &Highest| s.0, Highest, nan_max, |x| x);

    const EMPTY: Self = Highest(f64::NEG_INFINITY);

    #[inline(always)]
    fn push(&mut self, x: f64, _inv_n: f64) {
        self.0 = nan_max(self.0, x);
    }

    #[inline(always)]
    fn merge(&self, other: &Self, _inv_n: f64) -> Self {
        Highest(nan_max(self.0, other.0))
    }
}

/// The largest absolute value (NaN if any value is NaN).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Largest(pub f64);

impl Aggregate for Largest {
    field_lanes!(|s: &Largest| s.0, Largest, nan_max, f64::abs);

    const EMPTY: Self = Largest(0.0);

    #[inline(always)]
    fn push(&mut self, x: f64, _inv_n: f64) {
        self.0 = nan_max(self.0, x.abs());
    }

    #[inline(always)]
    fn merge(&self, other: &Self, _inv_n: f64) -> Self {
        Largest(nan_max(self.0, other.0))
    }
}

/// Both extremes, for the peak-to-peak range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Extremes {
    pub min: f64,
    pub max: f64,
}

impl Aggregate for Extremes {
    /// The minima, then the maxima.
    type Lanes = [X4; 2];
    type Stored = [X4; 2];

    #[inline(always)]
    fn lanes_start(_first: X4) -> [X4; 2] {
        [X4::splat(Self::EMPTY.min), X4::splat(Self::EMPTY.max)]
    }

    #[inline(always)]
    fn lanes_push(lanes: &mut [X4; 2], x: X4, _held: f64, _inv_n: f64) {
        *lanes = [lanes[0].zip(x, nan_min), lanes[1].zip(x, nan_max)];
    }

    #[inline(always)]
    fn lanes_store(lanes: &[X4; 2]) -> [X4; 2] {
        *lanes
    }

    #[inline(always)]
    fn lanes_load(stored: &[X4; 2], _n: f64, _inv_n: f64, _like: &[X4; 2]) -> [X4; 2] {
        *stored
    }

    #[inline(always)]
    fn lanes_merge(a: &[X4; 2], b: &[X4; 2], _na: f64, _nb: f64, _inv_n: f64) -> [X4; 2] {
        [a[0].zip(b[0], nan_min), a[1].zip(b[1], nan_max)]
    }

    #[inline(always)]
    fn lane(lanes: &[X4; 2], i: usize) -> Self {
        Extremes {
            min: lanes[0].0[i],
            max: lanes[1].0[i],
        }
    }

    const EMPTY: Self = Extremes {
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };

    #[inline(always)]
    fn push(&mut self, x: f64, _inv_n: f64) {
        self.min = nan_min(self.min, x);
        self.max = nan_max(self.max, x);
    }

    #[inline(always)]
    fn merge(&self, other: &Self, _inv_n: f64) -> Self {
        Extremes {
            min: nan_min(self.min, other.min),
            max: nan_max(self.max, other.max),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn central(xs: &[f64], k: i32) -> f64 {
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        xs.iter().map(|x| (x - mean).powi(k)).sum()
    }

    fn of(xs: &[f64]) -> Moments<4> {
        let mut m = Moments::<4>::EMPTY;
        xs.iter().for_each(|&x| m.push(x, 1.0 / (m.n + 1.0)));
        m
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn push_merge_and_revert_agree_with_two_pass_moments() {
        let xs: Vec<f64> = (0..40)
            .map(|i| ((i * 37 % 11) as f64).sin() * 3.0 + i as f64 * 0.1)
            .collect();
        let whole = of(&xs);
        for k in 2..=4 {
            let got = [whole.m2, whole.m3, whole.m4][k - 2];
            assert!(close(got, central(&xs, k as i32)), "m{k}: {got}");
        }
        for split in [0, 1, 7, 39, 40] {
            let merged = of(&xs[..split]).merge(&of(&xs[split..]), 1.0 / xs.len() as f64);
            for (a, b) in [
                (merged.m2, whole.m2),
                (merged.m3, whole.m3),
                (merged.m4, whole.m4),
            ] {
                assert!(close(a, b), "split {split}: {a} vs {b}");
            }
            assert!(close(merged.mean + merged.shift, whole.mean + whole.shift));
        }
        let mut back = whole;
        for &x in xs[25..].iter().rev() {
            back.revert(x);
        }
        let head = of(&xs[..25]);
        for (a, b) in [(back.m2, head.m2), (back.m3, head.m3), (back.m4, head.m4)] {
            assert!(close(a, b), "revert: {a} vs {b}");
        }
    }

    #[test]
    fn extremes_let_nan_win_in_any_order() {
        for xs in [
            [1.0, f64::NAN, -1.0],
            [f64::NAN, 1.0, -1.0],
            [1.0, -1.0, f64::NAN],
        ] {
            let mut lo = Lowest::EMPTY;
            let mut hi = Highest::EMPTY;
            xs.iter().for_each(|&x| {
                lo.push(x, 0.0);
                hi.push(x, 0.0)
            });
            assert!(lo.0.is_nan() && hi.0.is_nan());
        }
        let mut e = Extremes::EMPTY;
        [3.0, -4.0, 2.0].iter().for_each(|&x| e.push(x, 0.0));
        assert_eq!((e.min, e.max), (-4.0, 3.0));
        let mut l = Largest::EMPTY;
        [3.0, -4.0, 2.0].iter().for_each(|&x| l.push(x, 0.0));
        assert_eq!(l.0, 4.0);
    }
}
