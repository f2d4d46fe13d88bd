//! Mean, variance, standard deviation, skewness, kurtosis, minimum, maximum, peak-to-peak
//! range and largest absolute value: cumulative ([`Cumulative`]) and over a rolling window
//! of rows ([`Rolling`]).
//!
//! Each statistic is a small "finisher" ([`Finish`]) that names its mergeable summary
//! ([`Aggregate`]) and turns that summary into the number Polars would output. The two
//! generic wrappers feed the summary, so adding a statistic is one finisher and two aliases.
//!
//! Semantics are Polars' `rolling_*` (the oracle): the window counts rows, nulls included;
//! the statistic uses its non-null values and is null below `max(min_samples, 1)` of them.
//! A cumulative statistic is the rolling one over an unbounded window.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

use super::aggregate::{
    by_lane, Aggregate, Extremes, Highest, Largest, Lowest, Moments, Real, Revert, Sum, X4,
};
use super::error::decoded;
use super::sweep::Running;
use super::two_stack::{Output, TwoStack};
use super::window::{Closed, Span, Window, Windowed};
use super::{Kernel, Merge, OptionValue, StatError, Statistic};

/// Turns a summary of `n >= 1` values into a statistic, with the statistic's own options.
pub trait Finish: Copy + Debug + PartialEq + Serialize + DeserializeOwned + Send + 'static {
    type Agg: Aggregate;
    /// The Python class of the cumulative statistic.
    const NAME: &'static str;
    /// The Python class of the rolling statistic.
    const ROLLING_NAME: &'static str;

    /// The statistic of `n >= 1` values summarised by `agg` (`None` where Polars gives null,
    /// e.g. a variance of `n <= ddof` values).
    fn finish(&self, agg: &Self::Agg, n: u64) -> Option<f64>;

    /// `finish` in every lane of four summaries of `n` values each (the block path of the
    /// rolling windows); `None` where `finish` gives `None`, which depends on `n` alone.
    /// The statistics written over [`Real`] compute all four lanes at once.
    #[inline(always)]
    fn finish_lanes(&self, agg: &<Self::Agg as Aggregate>::Lanes, n: u64) -> Option<X4> {
        by_lane::<Self::Agg>(agg, |a| self.finish(a, n))
    }

    /// The statistic's own options, in constructor order.
    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        Vec::new()
    }
}

/// The arithmetic mean: `sum / n`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeanOf {}

impl Finish for MeanOf {
    type Agg = Sum;
    const NAME: &'static str = "Mean";
    const ROLLING_NAME: &'static str = "RollingMean";

    #[inline(always)]
    fn finish(&self, agg: &Sum, n: u64) -> Option<f64> {
        Some(agg.sum / n as f64)
    }

    #[inline(always)]
    fn finish_lanes(&self, sums: &X4, n: u64) -> Option<X4> {
        Some(*sums / X4::splat(n as f64))
    }
}

/// `m2 / (n - ddof)`, correctly rounded (multiplying by the reciprocal, within an ulp,
/// measured no faster in the lanes). NaN when the values include ±inf (the mean is then
/// not finite), as Polars; the updates alone would give `inf` for `[1, inf]`.
/// Branch-free: `mean - mean` is +0 for a finite mean (and the quotient is never -0) and
/// NaN otherwise. (As a select, the compiler moved the division into a branch per value,
/// which kept the lanes from one vector.)
#[inline(always)]
#[allow(clippy::eq_op)] // `x - x` is meant: 0 for finite x, NaN for ±inf.
fn variance<T: Real>(m: &Moments<2, T>, n: u64, ddof: u64) -> Option<T> {
    (n > ddof).then(|| m.m2 / T::splat((n - ddof) as f64) + (m.mean - m.mean))
}

/// The variance with `ddof` delta degrees of freedom: `m2 / (n - ddof)`, null while
/// `n <= ddof`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarOf {
    pub ddof: u64,
}

impl Finish for VarOf {
    type Agg = Moments<2>;
    const NAME: &'static str = "Var";
    const ROLLING_NAME: &'static str = "RollingVar";

    #[inline(always)]
    fn finish(&self, agg: &Moments<2>, n: u64) -> Option<f64> {
        variance(agg, n, self.ddof)
    }

    #[inline(always)]
    fn finish_lanes(&self, agg: &Moments<2, X4>, n: u64) -> Option<X4> {
        variance(agg, n, self.ddof)
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        vec![("ddof", OptionValue::Int(self.ddof))]
    }
}

/// The standard deviation: the square root of [`VarOf`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StdOf {
    pub ddof: u64,
}

impl Finish for StdOf {
    type Agg = Moments<2>;
    const NAME: &'static str = "Std";
    const ROLLING_NAME: &'static str = "RollingStd";

    #[inline(always)]
    fn finish(&self, agg: &Moments<2>, n: u64) -> Option<f64> {
        variance(agg, n, self.ddof).map(f64::sqrt)
    }

    #[inline(always)]
    fn finish_lanes(&self, agg: &Moments<2, X4>, n: u64) -> Option<X4> {
        variance(agg, n, self.ddof).map(X4::sqrt)
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        vec![("ddof", OptionValue::Int(self.ddof))]
    }
}

/// Out-of-range moments give NaN, as in Polars, never a finite wrong value. With the
/// products ordered as in the finishers (`m3 · (1/m2)^1.5`, `m4 · (1/m2)²`), constant data
/// (m2 = 0) and spreads whose powers leave f64's range (below ~1e-103 / ~1e-77, above
/// ~1e102 / ~1e77 for skew / kurtosis) end in `0 · inf` = NaN, or in ±inf, which no true
/// skewness or kurtosis reaches (|g1| < sqrt(n), g2 < n) and which this maps to NaN.
/// Branch-free: `x + (x - x)` is `x` when finite and NaN for ±inf. (Testing m2's range
/// instead cost ~1.5 ns per row of the rolling skewness.)
#[inline(always)]
#[allow(clippy::eq_op)] // `x - x` is meant: 0 for finite x, NaN for ±inf.
fn nan_if_infinite<T: Real>(x: T) -> T {
    x + (x - x)
}

/// The sample skewness `g1 = sqrt(n) m3 / m2^1.5` (`bias=True`), or the adjusted
/// `G1 = g1 sqrt(n (n-1)) / (n-2)` (`bias=False`, null while `n < 3`), as Polars and pandas.
/// Constant data, and a single value, give NaN (0/0), as Polars.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkewOf {
    pub bias: bool,
}

impl SkewOf {
    /// One division and one square root per output (the textbook forms take up to three
    /// of each, and the loops are bound by them): with `q = 1 / ((n-2) m2)`,
    /// `G1 = m3 n q sqrt((n-1)(n-2) q)`, and with `r = 1 / m2`, `g1 = m3 r sqrt(n r)`.
    #[inline(always)]
    fn of<T: Real>(&self, m: &Moments<3, T>, n: u64) -> Option<T> {
        let nf = n as f64;
        let one = T::splat(1.0);
        let value = if self.bias {
            let r = one / m.m2;
            m.m3 * (r * (T::splat(nf) * r).sqrt())
        } else if n < 3 {
            return None;
        } else {
            let q = one / (T::splat(nf - 2.0) * m.m2);
            m.m3 * (q * (T::splat((nf - 1.0) * (nf - 2.0)) * q).sqrt()) * T::splat(nf)
        };
        Some(nan_if_infinite(value))
    }
}

impl Finish for SkewOf {
    type Agg = Moments<3>;
    const NAME: &'static str = "Skew";
    const ROLLING_NAME: &'static str = "RollingSkew";

    #[inline(always)]
    fn finish(&self, m: &Moments<3>, n: u64) -> Option<f64> {
        self.of(m, n)
    }

    #[inline(always)]
    fn finish_lanes(&self, m: &Moments<3, X4>, n: u64) -> Option<X4> {
        self.of(m, n)
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        vec![("bias", OptionValue::Bool(self.bias))]
    }
}

/// The sample kurtosis `g2 = n m4 / m2² - 3` (`fisher=True`, `bias=True`); `bias=False` gives
/// the adjusted `G2 = ((n+1) g2 + 6) (n-1) / ((n-2)(n-3))` (null while `n < 4`);
/// `fisher=False` adds 3 (Pearson's definition). Constant data gives NaN, as Polars.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KurtosisOf {
    pub fisher: bool,
    pub bias: bool,
}

impl KurtosisOf {
    /// One division per output: with `r = 1 / m2`, `g2 = n m4 r² - 3`; for `bias=False`
    /// the division is `s = 1 / (m2 (n-2)(n-3))`, with `r = s (n-2)(n-3)` and
    /// `1 / ((n-2)(n-3)) = s m2`.
    #[inline(always)]
    fn of<T: Real>(&self, m: &Moments<4, T>, n: u64) -> Option<T> {
        let nf = n as f64;
        let three = T::splat(3.0);
        let excess = if self.bias {
            let r = T::splat(1.0) / m.m2;
            m.m4 * (r * r) * T::splat(nf) - three
        } else if n < 4 {
            return None;
        } else {
            let d = (nf - 2.0) * (nf - 3.0);
            let s = T::splat(1.0) / (m.m2 * T::splat(d));
            let r = s * T::splat(d);
            let g2 = m.m4 * (r * r) * T::splat(nf) - three;
            (T::splat(nf + 1.0) * g2 + T::splat(6.0)) * T::splat(nf - 1.0) * (s * m.m2)
        };
        let value = if self.fisher { excess } else { excess + three };
        Some(nan_if_infinite(value))
    }
}

impl Finish for KurtosisOf {
    type Agg = Moments<4>;
    const NAME: &'static str = "Kurtosis";
    const ROLLING_NAME: &'static str = "RollingKurtosis";

    #[inline(always)]
    fn finish(&self, m: &Moments<4>, n: u64) -> Option<f64> {
        self.of(m, n)
    }

    #[inline(always)]
    fn finish_lanes(&self, m: &Moments<4, X4>, n: u64) -> Option<X4> {
        self.of(m, n)
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        vec![
            ("fisher", OptionValue::Bool(self.fisher)),
            ("bias", OptionValue::Bool(self.bias)),
        ]
    }
}

/// Declares a finisher without options that reads one field of its summary.
macro_rules! extreme {
    ($(#[$doc:meta])* $name:ident, $agg:ty, $cum:literal, $rolling:literal, |$a:ident| $value:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {}

        impl Finish for $name {
            type Agg = $agg;
            const NAME: &'static str = $cum;
            const ROLLING_NAME: &'static str = $rolling;

            #[inline(always)]
            fn finish(&self, $a: &$agg, _n: u64) -> Option<f64> {
                Some($value)
            }
        }
    };
}

extreme!(
    /// The minimum; NaN if any value is NaN (Polars' `rolling_min`).
    MinOf, Lowest, "Min", "RollingMin", |a| a.0
);
extreme!(
    /// The maximum; NaN if any value is NaN (Polars' `rolling_max`).
    MaxOf, Highest, "Max", "RollingMax", |a| a.0
);
extreme!(
    /// `max - min` (NaN if any value is NaN; `inf - inf` is NaN).
    PeakToPeakOf, Extremes, "PeakToPeak", "RollingPeakToPeak", |a| a.max - a.min
);
extreme!(
    /// The largest absolute value; NaN if any value is NaN.
    AbsMaxOf, Largest, "AbsMax", "RollingAbsMax", |a| a.0
);

/// A statistic of every non-null value so far. Mergeable with another of the same options
/// (the statistic of both streams), and revertible when its summary is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Cumulative<F: Finish> {
    stat: F,
    min_samples: u64,
    count: u64,
    agg: F::Agg,
}

impl<F: Finish> Cumulative<F> {
    /// The same statistic and options as `self`, holding `count` values summarised by
    /// `agg` (e.g. a part of a column summarised elsewhere, to be merged in order).
    pub fn with_summary(&self, count: u64, agg: F::Agg) -> Self {
        Cumulative {
            stat: self.stat,
            min_samples: self.min_samples,
            count,
            agg,
        }
    }

    /// Every finisher's options are valid (ddof, bias and fisher take any value); the
    /// `Result` keeps the constructors of all statistics alike.
    pub fn new(stat: F, min_samples: u64) -> Result<Self, StatError> {
        Ok(Cumulative {
            stat,
            min_samples,
            count: 0,
            agg: F::Agg::EMPTY,
        })
    }
}

impl<F: Finish> Merge for Cumulative<F> {
    /// Absorb the state of `other` (same statistic and options): afterwards `self` is as if
    /// it had also seen every value `other` saw.
    fn merge(&mut self, other: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, other)?;
        if other.count == 0 {
            return Ok(());
        }
        self.count += other.count;
        self.agg = self.agg.merge(&other.agg, 1.0 / self.count as f64);
        Ok(())
    }
}

impl<F: Finish> Cumulative<F>
where
    F::Agg: Revert,
{
    /// Take out one earlier value. Only the count can be checked: reverting a value that was
    /// never added gives the statistic of a multiset that never existed.
    pub fn revert(&mut self, x: f64) -> Result<(), StatError> {
        if self.count == 0 {
            return Err(StatError::InvalidOperation(format!(
                "{}.revert: there is no value to revert",
                F::NAME
            )));
        }
        self.count -= 1;
        if self.count == 0 {
            self.agg = F::Agg::EMPTY;
        } else {
            self.agg.revert(x);
        }
        Ok(())
    }
}

#[inline(always)]
fn enough(count: u64, min_samples: u64) -> bool {
    count >= min_samples.max(1)
}

impl<F: Finish> Kernel for Cumulative<F> {
    const COPY_INTO_LOOPS: bool = true;

    #[inline(always)]
    fn update(&mut self, x: Option<f64>) -> Option<f64> {
        if let Some(x) = x {
            self.count += 1;
            self.agg.push(x, 1.0 / self.count as f64);
        }
        self.get()
    }
}

impl<F: Finish> Statistic for Cumulative<F> {
    const NAME: &'static str = F::NAME;

    #[inline(always)]
    fn get(&self) -> Option<f64> {
        if enough(self.count, self.min_samples) {
            self.stat.finish(&self.agg, self.count)
        } else {
            None
        }
    }

    fn validate(&self) -> Result<(), StatError> {
        decoded::counts_fit(&self.options())?;
        match self.agg.count() {
            Some(n) if n != self.count as f64 => Err(StatError::InvalidState(
                "the summary's count does not match the number of values".into(),
            )),
            _ => Ok(()),
        }
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        let mut opts = self.stat.options();
        opts.push(("min_samples", OptionValue::Int(self.min_samples)));
        opts
    }
}

/// A statistic of the non-null values in a window of rows (the last `window_size` rows, none
/// when `window_size = 0` as Polars, or a time window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Rolling<F: Finish> {
    stat: F,
    min_samples: u64,
    window: Window<TwoStack<F::Agg>>,
}

impl<F: Finish> Rolling<F> {
    pub fn new(stat: F, span: Span, min_samples: u64) -> Result<Self, StatError> {
        span.validate()?;
        Ok(Rolling {
            stat,
            min_samples,
            window: Window::new(span, TwoStack::new()),
        })
    }

    /// Reserve room for a column of `rows` rows.
    pub fn reserve(&mut self, rows: usize) {
        let bound = self.window.span().max_rows().unwrap_or(u64::MAX);
        let rows = rows.min(usize::try_from(bound).unwrap_or(usize::MAX));
        self.window.rows_mut().reserve(rows);
    }
}

impl<F: Finish> Kernel for Rolling<F> {
    #[inline(always)]
    fn update(&mut self, x: Option<f64>) -> Option<f64> {
        self.window.push_row(x);
        self.get()
    }

    fn run_dense(&mut self, values: &[f64], out: &mut Running) {
        let Span::Rows(size) = *self.window.span() else {
            out.extend(values.iter().map(|&x| self.update(Some(x))));
            return;
        };
        let output = Finishing {
            stat: self.stat,
            min: self.min_samples.max(1),
        };
        self.window.rows_mut().run_rows(size, values, out, output);
    }
}

/// A statistic's output for a window of `n` values: null below `min` values.
struct Finishing<F> {
    stat: F,
    min: u64,
}

impl<F: Finish> Output<F::Agg> for Finishing<F> {
    #[inline(always)]
    fn one(&self, agg: &F::Agg, n: u64) -> Option<f64> {
        if n >= self.min {
            self.stat.finish(agg, n)
        } else {
            None
        }
    }

    #[inline(always)]
    fn four(&self, aggs: &<F::Agg as Aggregate>::Lanes, n: u64) -> Option<X4> {
        if n >= self.min {
            self.stat.finish_lanes(aggs, n)
        } else {
            None
        }
    }
}

impl<F: Finish> Windowed for Rolling<F> {
    type Rows = TwoStack<F::Agg>;

    #[inline(always)]
    fn window(&mut self) -> &mut Window<Self::Rows> {
        &mut self.window
    }

    #[inline(always)]
    fn output(&mut self) -> Option<f64> {
        self.get()
    }

    fn run_fresh(
        &mut self,
        values: &[f64],
        valid: &impl Fn(usize) -> bool,
        times: &[i64],
        start_of: &mut impl FnMut(usize, i64) -> i64,
        closed: Closed,
        out: &mut Running,
    ) -> Option<(usize, usize)> {
        let stat = self.stat;
        let min = self.min_samples.max(1);
        let finish = |agg: &F::Agg, n: u64| {
            if n >= min {
                stat.finish(agg, n)
            } else {
                None
            }
        };
        let rows = self.window.rows_mut();
        Some(rows.run_time(values, valid, times, start_of, closed, out, finish))
    }
}

impl<F: Finish> Merge for Rolling<F> {
    /// `later`'s rows continue this window (see [`Window::merge`]).
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        self.window.merge(&later.window, TwoStack::new())
    }
}

impl<F: Finish> Statistic for Rolling<F> {
    const NAME: &'static str = F::ROLLING_NAME;

    #[inline(always)]
    fn get(&self) -> Option<f64> {
        let rows = self.window.rows();
        let n = rows.count();
        if enough(n, self.min_samples) {
            self.stat.finish(&rows.summary(), n)
        } else {
            None
        }
    }

    fn validate(&self) -> Result<(), StatError> {
        decoded::counts_fit(&self.options())?;
        self.window.validate()?;
        self.window.span().check_min_samples(self.min_samples, 0)
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        let span = self.window.span();
        let mut opts = vec![span.window_size_option()];
        opts.extend(self.stat.options());
        opts.push(("min_samples", OptionValue::Int(self.min_samples)));
        opts.extend(span.closed_option());
        opts
    }
}

pub type Mean = Cumulative<MeanOf>;
pub type Var = Cumulative<VarOf>;
pub type Std = Cumulative<StdOf>;
pub type Skew = Cumulative<SkewOf>;
pub type Kurtosis = Cumulative<KurtosisOf>;
pub type Min = Cumulative<MinOf>;
pub type Max = Cumulative<MaxOf>;
pub type PeakToPeak = Cumulative<PeakToPeakOf>;
pub type AbsMax = Cumulative<AbsMaxOf>;
pub type RollingMean = Rolling<MeanOf>;
pub type RollingVar = Rolling<VarOf>;
pub type RollingStd = Rolling<StdOf>;
pub type RollingSkew = Rolling<SkewOf>;
pub type RollingKurtosis = Rolling<KurtosisOf>;
pub type RollingMin = Rolling<MinOf>;
pub type RollingMax = Rolling<MaxOf>;
pub type RollingPeakToPeak = Rolling<PeakToPeakOf>;
pub type RollingAbsMax = Rolling<AbsMaxOf>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::snapshot;
    use crate::core::sweep::{run_options, Running};

    #[test]
    fn early_values_follow_polars() {
        let xs = [Some(1.0), Some(3.0), Some(2.0), Some(8.0)];
        let var = run_options(&mut Var::new(VarOf { ddof: 1 }, 1).unwrap(), &xs);
        assert_eq!(var[..2], [None, Some(2.0)]);
        let skew = run_options(&mut Skew::new(SkewOf { bias: true }, 1).unwrap(), &xs);
        assert!(skew[0].unwrap().is_nan());
        assert_eq!(skew[1], Some(0.0));
        let unbiased = run_options(&mut Skew::new(SkewOf { bias: false }, 1).unwrap(), &xs);
        assert_eq!(unbiased[..2], [None, None]);
        let kurt = KurtosisOf {
            fisher: true,
            bias: false,
        };
        let k = run_options(&mut Kurtosis::new(kurt, 1).unwrap(), &xs);
        assert_eq!(k[..3], [None, None, None]);
        assert!(k[3].is_some());
    }

    /// The sweep of a column (whole blocks in vector lanes, with each statistic's own
    /// `finish_lanes`; with AVX2 and the portable build of the lanes) gives the outputs of
    /// row-by-row updates, bit for bit, for every
    /// statistic and option, across block and lane edges, `min_samples` above and below
    /// the window, values far from zero, NaN and ±inf.
    #[test]
    fn sweeps_in_lanes_equal_updates_bit_for_bit() {
        fn check<F: Finish>(stat: F, xs: &[f64]) {
            use crate::core::two_stack::PORTABLE;
            use std::sync::atomic::Ordering::Relaxed;
            for (size, portable) in [1u64, 2, 3, 4, 5, 6, 9, 10, 17, 64, 100, 257]
                .into_iter()
                .flat_map(|size| [(size, false), (size, true)])
            {
                for min in [0, 1, 3, size, size + 1] {
                    let mut fast = Rolling::new(stat, Span::Rows(size), min).unwrap();
                    let mut slow = fast.clone();
                    let mut out = Running::default();
                    PORTABLE.store(portable, Relaxed);
                    for part in xs.chunks(997) {
                        fast.run_dense(part, &mut out);
                    }
                    PORTABLE.store(false, Relaxed);
                    let want: Vec<_> = xs.iter().map(|&x| slow.update(Some(x))).collect();
                    // Bit for bit, except the sign of a NaN (which value is NaN must agree):
                    // where an operation meets two NaNs, x86 passes on its first operand's,
                    // and the compiler may order the operands of a vector and a scalar
                    // addition differently.
                    let bits = |v: Vec<Option<f64>>| {
                        v.into_iter()
                            .map(|x| x.map(|x| if x.is_nan() { f64::NAN } else { x }.to_bits()))
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(
                        bits(out.to_options()),
                        bits(want),
                        "{stat:?} size {size} min {min} portable {portable}"
                    );
                    assert_eq!(fast.get().map(f64::to_bits), slow.get().map(f64::to_bits));
                }
            }
        }
        let xs: Vec<f64> = crate::core::testing::uniform(11)
            .take(3000)
            .enumerate()
            .map(|(i, u)| match i {
                900 => f64::NAN,
                1500 => f64::INFINITY,
                1501 => f64::NEG_INFINITY,
                2000..=2040 => 2.5,
                _ if i % 89 == 0 => 1e9 * u,
                _ => (u - 0.3).powi(3) * 10.0,
            })
            .collect();
        check(MeanOf {}, &xs);
        for ddof in [0, 1, 5] {
            check(VarOf { ddof }, &xs);
            check(StdOf { ddof }, &xs);
        }
        for bias in [true, false] {
            check(SkewOf { bias }, &xs);
            for fisher in [true, false] {
                check(KurtosisOf { fisher, bias }, &xs);
            }
        }
        check(MinOf {}, &xs);
        check(MaxOf {}, &xs);
        check(PeakToPeakOf {}, &xs);
        check(AbsMaxOf {}, &xs);
    }

    #[test]
    fn rolling_with_a_long_window_is_cumulative() {
        let xs: Vec<Option<f64>> = (0..50)
            .map(|i| (i % 9 != 4).then(|| (i as f64 * 0.7).cos()))
            .collect();
        let kurt = KurtosisOf {
            fisher: false,
            bias: true,
        };
        let cum = run_options(&mut Kurtosis::new(kurt, 1).unwrap(), &xs);
        let roll = run_options(
            &mut RollingKurtosis::new(kurt, Span::Rows(1000), 1).unwrap(),
            &xs,
        );
        let bits = |v: Vec<Option<f64>>| {
            v.into_iter()
                .map(|x| x.map(f64::to_bits))
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(cum), bits(roll));
    }

    /// `window_size = 0` (Polars accepts it): every row outputs null, on every path.
    #[test]
    fn empty_window_outputs_nulls() {
        let xs = [Some(1.0), None, Some(3.0), Some(f64::NAN)];
        let mut r = RollingVar::new(VarOf { ddof: 0 }, Span::Rows(0), 0).unwrap();
        assert_eq!(run_options(&mut r, &xs), [None; 4]);
        assert_eq!(r.get(), None);
        let mut dense = RollingMax::new(MaxOf {}, Span::Rows(0), 0).unwrap();
        let mut out = Running::default();
        dense.run_dense(&[1.0, 2.0, 3.0], &mut out);
        assert_eq!(out.to_options(), [None; 3]);
        assert_eq!(dense.get(), None);
        let back: RollingMax = snapshot::decode(&snapshot::encode(&dense)).unwrap();
        assert_eq!(back.get(), None);
    }

    /// A snapshot decodes only to options a Python constructor accepts (the object is then
    /// picklable again): counts below 2**63, `min_samples <= window_size` when rolling.
    #[test]
    fn decoded_options_are_constructor_options() {
        let wide = RollingMean::new(MeanOf {}, Span::Rows(3), 5).unwrap(); // the core itself allows it
        assert!(snapshot::decode::<RollingMean>(&snapshot::encode(&wide)).is_err());
        let huge = Var::new(VarOf { ddof: 1 << 63 }, 1).unwrap();
        assert!(snapshot::decode::<Var>(&snapshot::encode(&huge)).is_err());
        let fine = RollingVar::new(
            VarOf {
                ddof: (1 << 63) - 1,
            },
            Span::Rows(3),
            3,
        )
        .unwrap();
        assert!(snapshot::decode::<RollingVar>(&snapshot::encode(&fine)).is_ok());
        let q = crate::core::quantile::RollingQuantileOptions {
            q: 0.5,
            window: Span::Rows(2),
            interpolation: crate::core::quantile::Interpolation::Nearest,
            min_samples: 3,
        };
        let rq = crate::core::quantile::RollingQuantile::new(q).unwrap();
        assert!(
            snapshot::decode::<crate::core::quantile::RollingQuantile>(&snapshot::encode(&rq))
                .is_err()
        );
        let ew = |window_size, min_samples| {
            let opts = crate::core::ewm::RollingEwmOptions {
                alpha: 0.5,
                window: Span::Rows(window_size),
                min_samples,
            };
            let s = crate::core::ewm::RollingEwMean::new(opts).unwrap();
            snapshot::decode::<crate::core::ewm::RollingEwMean>(&snapshot::encode(&s))
        };
        assert!(ew(0, 1).is_ok());
        assert!(ew(0, 2).is_err());
        assert!(ew(1 << 63, 1).is_err());
    }

    #[test]
    fn merge_checks_options() {
        let mut a = Var::new(VarOf { ddof: 1 }, 1).unwrap();
        let b = Var::new(VarOf { ddof: 0 }, 1).unwrap();
        assert!(matches!(a.merge(&b), Err(StatError::ConflictingOptions(_))));
        assert!(a.revert(1.0).is_err());
    }
}

#[cfg(test)]
mod dense_tests {
    use super::*;
    use crate::core::sweep::{run_options, Running};

    /// The whole-run path gives the same bits as row-by-row updates, across block edges
    /// and across runs that start mid-block.
    #[test]
    fn dense_runs_match_row_updates() {
        let xs: Vec<f64> = (0..500)
            .map(|i| 1e9 + ((i * 7919 % 1013) as f64 / 97.0).sin())
            .collect();
        for w in [1u64, 3, 10, 64, 100, 1000] {
            let kurt = KurtosisOf {
                fisher: true,
                bias: true,
            };
            let mut rows = RollingKurtosis::new(kurt, Span::Rows(w), 1).unwrap();
            let opts: Vec<Option<f64>> = xs.iter().map(|&x| Some(x)).collect();
            let expected = run_options(&mut rows, &opts);
            let mut dense = RollingKurtosis::new(kurt, Span::Rows(w), 1).unwrap();
            let mut out = Running::default();
            for part in xs.chunks(37) {
                dense.run_dense(part, &mut out);
            }
            let bits =
                |v: &[Option<f64>]| v.iter().map(|x| x.map(f64::to_bits)).collect::<Vec<_>>();
            assert_eq!(bits(&out.to_options()), bits(&expected), "w={w}");
        }
    }
}

#[cfg(test)]
mod time_tests {
    use super::*;
    use crate::core::sweep::Running;
    use crate::core::window::{run_by, Closed, TimeKind, Windowed};

    /// The fast sweep of a fresh window equals feeding the rows one at a time (distinct
    /// times, so no look-ahead is involved), for every `closed`, with nulls.
    #[test]
    fn fresh_sweep_is_row_by_row() {
        let n = 400;
        let times: Vec<i64> = (0..n as i64).map(|i| i * 3 + (i * i) % 3).collect();
        let values: Vec<f64> = (0..n).map(|i| ((i * 7919) % 101) as f64 - 50.0).collect();
        let valid = |i: usize| i % 6 != 2;
        for closed in Closed::ALL {
            for width in [1i64, 4, 30, 500] {
                let span = Span::Time {
                    width,
                    kind: TimeKind::Index,
                    closed,
                    text: format!("{width}i"),
                };
                let mut fast = Rolling::new(VarOf { ddof: 1 }, span.clone(), 2).unwrap();
                let mut out = Running::default();
                run_by(
                    &mut fast,
                    &values,
                    valid,
                    &times,
                    |_, t| t - width,
                    &mut out,
                )
                .unwrap();
                let mut slow = Rolling::new(VarOf { ddof: 1 }, span, 2).unwrap();
                let want: Vec<Option<f64>> = (0..n)
                    .map(|i| {
                        slow.update_at(valid(i).then_some(values[i]), times[i])
                            .unwrap()
                    })
                    .collect();
                let got = out.to_options();
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    match (g, w) {
                        (Some(g), Some(w)) => assert!(
                            (g - w).abs() <= 1e-9 * w.abs().max(1.0),
                            "{closed:?} {width} row {i}: {g} vs {w}"
                        ),
                        _ => assert_eq!(g, w, "{closed:?} {width} row {i}"),
                    }
                }
                // The state after the fast sweep continues as the slow one.
                let more = [(Some(1.5), 2000), (None, 2001), (Some(-3.0), 2001)];
                for (x, t) in more {
                    let a = fast.update_at(x, t).unwrap();
                    let b = slow.update_at(x, t).unwrap();
                    assert_eq!(a.is_some(), b.is_some());
                }
                assert_eq!(fast.window().rows().count(), slow.window().rows().count());
            }
        }
    }
}

#[cfg(test)]
mod time_speed {
    use super::*;
    use crate::core::sweep::Running;
    use crate::core::window::{run_by, Closed, TimeKind};

    /// `cargo test --release --lib time_speed -- --ignored --nocapture`: ns per row of the
    /// time sweep alone (no Polars), 2M rows with gaps of mean 1 s.
    #[test]
    #[ignore]
    fn time_sweep_speed() {
        let n = 2_000_000usize;
        let mut state = 7u64;
        let mut t = 0i64;
        let mut times = Vec::with_capacity(n);
        let mut values = Vec::with_capacity(n);
        for _ in 0..n {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            t += if std::env::var("REGULAR").is_ok() {
                1_000_000
            } else {
                (-u.ln() * 1e6) as i64
            };
            times.push(t);
            values.push(u - 0.5);
        }
        for _ in 0..3 {
            let mut stat = Rolling::new(MeanOf {}, Span::Rows(3600), 1).unwrap();
            let mut out = Running::with_capacity(n);
            let start = std::time::Instant::now();
            crate::core::sweep::run_dense(&mut stat, &values, &mut out);
            let ns = start.elapsed().as_nanos() as f64 / n as f64;
            eprintln!("row-count mean 3600: {ns:.1} ns/row");
        }
        for width in [10_000_000i64, 3_600_000_000, 86_400_000_000] {
            let span = Span::Time {
                width,
                kind: TimeKind::Temporal,
                closed: Closed::Right,
                text: String::new(),
            };
            for _ in 0..3 {
                let mut stat = Rolling::new(MeanOf {}, span.clone(), 1).unwrap();
                let mut out = Running::with_capacity(n);
                let start = std::time::Instant::now();
                run_by(
                    &mut stat,
                    &values,
                    |_| true,
                    &times,
                    |_, t| t - width,
                    &mut out,
                )
                .unwrap();
                let ns = start.elapsed().as_nanos() as f64 / n as f64;
                eprintln!("mean width {width}: {ns:.1} ns/row");
            }
        }
    }
}
