//! Time-decayed exponentially weighted statistics: Polars' `ewm_mean_by` and its variance and
//! standard deviation twins (`ewm_var_by` / `ewm_std_by`, which Polars does not have).
//!
//! Rows come with a time `t` (an `i64` in the time key's unit: nanoseconds for temporal
//! keys, plain integers for `"i"` durations) in non-decreasing order. A value `dt` time
//! units after the previous non-null value gets the weight
//! `alpha = 1 - 0.5^(dt / half_life)`, and every older value ages by `1 - alpha`:
//! - the first non-null value starts the statistic;
//! - a null value outputs null and changes nothing (its time does not count as a value's);
//! - a value at the same time as the previous value has `alpha = 0`: Polars ignores it
//!   (its mean stays), and so do the variance twins;
//! - NaN is a value and propagates; non-finite values follow Polars' arithmetic for the
//!   mean (e.g. `inf` at an equal time gives `0 * inf = NaN`) and [`EwVar`]'s rule for the
//!   variance (an infinite deviation makes it NaN).
//!
//! These statistics implement [`Kernel`] and [`Statistic`] so that the generic snapshot,
//! repr and options plumbing works on them; but they are fed through [`EwMeanBy::update_at`]
//! (checked) or [`EwMeanBy::step`] (unchecked, for sorted sweeps). [`Kernel::update`] takes
//! the row at the latest time seen (so a value there has `alpha = 0`), as a time window
//! takes a row given without time.
//!
//! [`EwVar`]: super::ewm::EwVar

use std::f64::consts::LN_2;

use serde::{Deserialize, Serialize};

use super::error::{decoded, ensure};
use super::sweep::Running;
use super::window::{check_batch, check_not_before};
use super::{Kernel, Merge, OptionValue, StatError, Statistic};

/// Options of the time-decayed statistics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EwByOptions {
    /// The time after which a value's weight has halved, in the time key's unit; > 0.
    pub half_life: i64,
    /// Whether the variance is the biased (population) one; unused by the mean.
    pub bias: bool,
}

impl EwByOptions {
    pub fn validate(&self) -> Result<(), StatError> {
        let h = self.half_life;
        ensure(h > 0, "half_life", || {
            format!("must be a strictly positive duration (found {h})")
        })
    }

    fn half_life_option(&self) -> (&'static str, OptionValue) {
        // Validated > 0, so the cast is exact.
        ("half_life", OptionValue::Int(self.half_life.unsigned_abs()))
    }
}

/// `dt / half_life` as Polars computes it (`dt` as f64 over `half_life` as f64). `t >= prev`;
/// `abs_diff` keeps the difference exact where `t - prev` would overflow an `i64`.
#[inline(always)]
fn ratio(prev: i64, t: i64, half_life: i64) -> f64 {
    t.abs_diff(prev) as f64 / half_life as f64
}

/// Check a decoded clock: a value's time is never after the latest time seen.
fn check_clock(prev: Option<i64>, last: Option<i64>) -> Result<(), StatError> {
    match (prev, last) {
        (Some(p), Some(l)) if p <= l => Ok(()),
        (None, _) => Ok(()),
        _ => Err(StatError::InvalidState(
            "the time of the last value is after the last time seen".into(),
        )),
    }
}

/// Check a decoded start: the first time seen is set with the last one, and is not after
/// the first value's time (`first_at`, when there is a value), itself not after the last.
fn check_start(
    start: Option<i64>,
    first_at: Option<i64>,
    last: Option<i64>,
) -> Result<(), StatError> {
    let ok = match (start, first_at, last) {
        (None, None, None) => true,
        (Some(s), None, Some(l)) => s <= l,
        (Some(s), Some(f), Some(l)) => s <= f && f <= l,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(StatError::InvalidState(
            "the first time seen is missing or after the first value's or the last time".into(),
        ))
    }
}

/// What the time-decayed statistics share: rows fed at non-decreasing times, checked
/// (`update_at`, `run_at`) or not (`step`, for the sweeps over rows they have sorted).
pub trait TimeDecayed: Statistic {
    fn new_by(opts: EwByOptions) -> Result<Self, StatError>;

    fn opts(&self) -> &EwByOptions;

    /// One row at time `t`, unchecked: `t` must not be before [`Self::last_time`].
    fn step(&mut self, x: Option<f64>, t: i64) -> Option<f64>;

    /// The latest time seen (of any row, null or not).
    fn last_time(&self) -> Option<i64>;

    /// Whether time `t` may come next (times never go backwards).
    fn check_time(&self, t: i64) -> Result<(), StatError> {
        check_not_before(t, self.last_time())
    }

    /// One row at time `t`: its output. An error, and no change, if `t` is before the
    /// latest time seen.
    fn update_at(&mut self, x: Option<f64>, t: i64) -> Result<Option<f64>, StatError> {
        self.check_time(t)?;
        Ok(self.step(x, t))
    }

    /// Rows sorted by time (`valid(i)`: row `i` is not null), recording each row's output
    /// as the `_by` expression does. The times are checked before any row enters: on an
    /// error (a time before the latest seen, or a decrease) the state is unchanged and
    /// nothing is recorded.
    fn run_at(
        &mut self,
        values: &[f64],
        valid: impl Fn(usize) -> bool,
        times: &[i64],
        out: &mut Running,
    ) -> Result<(), StatError> {
        check_batch(values, times, |t| self.check_time(t))?;
        let mut stat = self.clone();
        for (i, (&x, &t)) in values.iter().zip(times).enumerate() {
            out.push(stat.step(valid(i).then_some(x), t));
        }
        *self = stat;
        Ok(())
    }
}

/// Exponentially weighted mean over time, Polars' `ewm_mean_by`, with its arithmetic
/// (the same numbers, bit for bit).
///
/// Merge (see [`EwMeanBy::merge`]): exact (to rounding). `later`'s first value `x1`, at
/// `t1`, gets `alpha = 1 - 0.5^((t1 - prev) / half_life)` after this state's last value
/// where a fresh run gave it everything; the rest of `later`'s weights are its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwMeanBy {
    opts: EwByOptions,
    mean: f64,
    /// The time of the last non-null value (`None`: no value yet).
    prev: Option<i64>,
    /// The latest time seen, of any row.
    last: Option<i64>,
    /// The first time seen, of any row: a later part merged after this one must not start
    /// before this one's last time, nor this one before an earlier part's.
    start: Option<i64>,
    /// The first value and its time (when `prev` is set).
    first: f64,
    first_at: i64,
    /// What the mean would be had it been +inf and -inf just after the first value: the
    /// class (±inf or NaN) a merged stream ends in when the earlier part's mean is
    /// infinite (Polars' arithmetic keeps an infinite mean unless a NaN, the other
    /// infinity or a weight-0 step comes). Updated, with that arithmetic, only by the rows
    /// that can change it: a non-finite value, or a value more than 1000 half-lives after
    /// the previous one.
    from_inf: [f64; 2],
}

impl EwMeanBy {
    pub fn new(opts: EwByOptions) -> Result<Self, StatError> {
        opts.validate()?;
        Ok(EwMeanBy {
            opts,
            mean: 0.0,
            prev: None,
            last: None,
            start: None,
            first: 0.0,
            first_at: 0,
            from_inf: FROM_INF,
        })
    }

    /// A value `x` with `keep = 0.5^(dt / half_life)` in the shadows of [`Self::from_inf`].
    #[cold]
    #[inline(never)]
    fn shadow_step(&mut self, x: f64, keep: f64) {
        for s in &mut self.from_inf {
            *s = polars_step(*s, x, keep);
        }
    }

    /// The mean of `later`'s rows continued from a mean `m` just before its first value
    /// (this state's last value at `prev`): Polars' arithmetic when `m` or `later`'s mean is
    /// not finite (the classes, through `later`'s shadows), else `m_b + q (m - x1)` with `q`
    /// the share the merged stream gives the part before `x1`.
    fn continue_from(&self, m: f64, prev: i64) -> f64 {
        let later = self;
        let (x1, t1) = (later.first, later.first_at);
        let h = later.opts.half_life;
        let keep1 = 0.5f64.powf(ratio(prev, t1, h));
        let after = polars_step(m, x1, keep1);
        if after.is_nan() {
            return f64::NAN;
        }
        if after.is_finite() {
            if !later.mean.is_finite() {
                return later.mean;
            }
            // `x1`'s share of `later`'s weights is the product of the `keep`s after it,
            // 0.5^((prev_b - t1) / half_life); the part before it keeps `keep1` of that.
            let end = later.prev.unwrap_or(t1);
            let q = keep1 * 0.5f64.powf(ratio(t1, end, h));
            return later.mean + q * (m - x1);
        }
        if x1.is_finite() {
            // An infinite mean before a finite `x1`: where the shadows ended.
            return later.from_inf[usize::from(after < 0.0)];
        }
        // `x1` infinite and the mean the same infinity: `later`'s own course.
        later.mean
    }
}

/// The shadows' start: +inf and -inf.
const FROM_INF: [f64; 2] = [f64::INFINITY, f64::NEG_INFINITY];

/// Polars' `ewm_mean_by` step: an equal value keeps the mean, else
/// `keep * mean + (1 - keep) * x`.
#[inline(always)]
fn polars_step(mean: f64, x: f64, keep: f64) -> f64 {
    if x != mean {
        keep * mean + (1.0 - keep) * x
    } else {
        mean
    }
}

/// Whether `dt = t - prev` may be long enough for `0.5^(dt / h)` to be 0 (from ~1075
/// half-lives): then a finite value can change an infinite mean.
#[inline(always)]
fn far(prev: i64, t: i64, h: i64) -> bool {
    t.abs_diff(prev) >= h.unsigned_abs().saturating_mul(1000)
}

impl TimeDecayed for EwMeanBy {
    fn new_by(opts: EwByOptions) -> Result<Self, StatError> {
        Self::new(opts)
    }

    fn opts(&self) -> &EwByOptions {
        &self.opts
    }

    /// One row at time `t`, unchecked: `t` must not be before [`Self::last_time`] (the
    /// sweeps call this on rows they have sorted). Always inlined: with the merge's
    /// bookkeeping LLVM stopped inlining it into the sweeps (a call per row, +17%).
    #[inline(always)]
    fn step(&mut self, x: Option<f64>, t: i64) -> Option<f64> {
        debug_assert!(self.last.is_none_or(|last| t >= last));
        if self.last.is_none() {
            self.start = Some(t);
        }
        self.last = Some(t);
        let x = x?;
        let h = self.opts.half_life;
        match self.prev {
            None => {
                self.mean = x;
                (self.first, self.first_at) = (x, t);
            }
            // Polars: an equal value keeps the mean exactly; otherwise
            // `(1 - alpha) * mean + alpha * x` with `1 - alpha = 0.5^(dt / half_life)`.
            Some(prev) if x != self.mean => {
                let keep = 0.5f64.powf(ratio(prev, t, h));
                self.mean = keep * self.mean + (1.0 - keep) * x;
                if !x.is_finite() || keep == 0.0 {
                    self.shadow_step(x, keep);
                }
            }
            Some(prev) => {
                if !x.is_finite() || far(prev, t, h) {
                    self.shadow_step(x, 0.5f64.powf(ratio(prev, t, h)));
                }
            }
        }
        self.prev = Some(t);
        Some(self.mean)
    }

    fn last_time(&self) -> Option<i64> {
        self.last
    }
}

/// A row given without a time is a row at the latest time seen (see the module docs): the
/// statistics are fed with time through `update_at` / `step`.
macro_rules! row_at_last_time {
    ($($stat:ident),*) => {$(
        impl Kernel for $stat {
            const COPY_INTO_LOOPS: bool = true;

            #[inline]
            fn update(&mut self, x: Option<f64>) -> Option<f64> {
                let t = self.last.unwrap_or(i64::MIN);
                self.step(x, t)
            }
        }
    )*};
}

row_at_last_time!(EwMeanBy, EwVarBy);

impl Merge for EwMeanBy {
    /// `later`'s rows after this state's; an `InvalidOperation` error (and no change) when
    /// `later` starts before this state's last time. With `x1` at `t1` `later`'s first value,
    /// `p = 0.5^((prev_b - t1) / half_life)` its share of `later`'s weights (the product of
    /// the `keep`s after it) and `q = 0.5^((t1 - prev_a) / half_life) p` what this state's
    /// values keep of it in the merged stream: `m = m_b + q (m_a - x1)`. Non-finite means
    /// follow Polars' arithmetic (see [`EwMeanBy::from_inf`]).
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        let Some(start) = later.start else {
            return Ok(());
        };
        check_not_before(start, self.last)?;
        match (self.prev, later.prev) {
            (_, None) => {}
            (None, Some(_)) => {
                let start = self.start;
                *self = later.clone();
                self.start = start.or(later.start);
            }
            (Some(prev), Some(later_prev)) => {
                self.mean = later.continue_from(self.mean, prev);
                self.from_inf = self.from_inf.map(|s| later.continue_from(s, prev));
                self.prev = Some(later_prev);
            }
        }
        self.last = later.last;
        self.start = self.start.or(Some(start));
        Ok(())
    }
}

impl Statistic for EwMeanBy {
    const NAME: &'static str = "EWMean";

    fn get(&self) -> Option<f64> {
        self.prev.map(|_| self.mean)
    }

    fn validate(&self) -> Result<(), StatError> {
        self.opts.validate()?;
        decoded::counts_fit(&self.options())?;
        check_clock(self.prev, self.last)?;
        check_start(self.start, self.prev.map(|_| self.first_at), self.last)?;
        if self.from_inf.iter().any(|s| s.is_finite()) {
            return Err(StatError::InvalidState(
                "the means continued from an infinite one must not be finite".into(),
            ));
        }
        Ok(())
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        vec![self.opts.half_life_option()]
    }
}

/// Exponentially weighted variance over time (`ewm_var_by`): the weights of
/// [`EwMeanBy`] applied to the variance.
///
/// With `w_i = alpha_i * prod_{j > i} (1 - alpha_j)` the weight of value `i` (the first
/// value's `alpha` being 1, so that the weights sum to 1), the biased variance is
/// `sum w_i (x_i - mean)^2` and the unbiased one divides it by `1 - sum w_i^2` (null while
/// that is 0, i.e. a single effective value), as `ewm_var(adjust=False)`; on a regular grid
/// of times the two agree. West's update on deviations from a mean kept relative to the
/// first finite value, so data far from zero keeps its precision; `1 - sum w_i^2` is
/// updated directly (`q' = (1 - a) ((1 - a) q + 2 a)`, a sum of positive terms), so it has
/// no cancellation when few values carry the weight.
///
/// Merge (see [`EwVarBy::merge`]): exact (to rounding), with [`EwMeanBy::merge`]'s weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwVarBy {
    opts: EwByOptions,
    /// The first value when finite (else 0): the mean is of `x - shift`.
    shift: f64,
    /// Weighted mean of `x - shift`.
    mean: f64,
    /// Biased weighted variance.
    var: f64,
    /// `1 - sum w_i^2`: the unbiasing denominator.
    spread: f64,
    /// The time of the last non-null value (`None`: no value yet).
    prev: Option<i64>,
    /// The latest time seen, of any row.
    last: Option<i64>,
    /// The first time seen, of any row (see [`EwMeanBy`]).
    start: Option<i64>,
    /// The first value's time (when `prev` is set); the value is `shift` (when finite).
    first_at: i64,
}

impl EwVarBy {
    pub fn new(opts: EwByOptions) -> Result<Self, StatError> {
        opts.validate()?;
        Ok(EwVarBy {
            opts,
            shift: 0.0,
            mean: 0.0,
            var: 0.0,
            spread: 0.0,
            prev: None,
            last: None,
            start: None,
            first_at: 0,
        })
    }

    #[inline(always)]
    fn value(&self) -> Option<f64> {
        self.prev?;
        if self.opts.bias {
            Some(self.var)
        } else {
            (self.spread > 0.0).then(|| self.var / self.spread)
        }
    }
}

impl TimeDecayed for EwVarBy {
    fn new_by(opts: EwByOptions) -> Result<Self, StatError> {
        Self::new(opts)
    }

    fn opts(&self) -> &EwByOptions {
        &self.opts
    }

    /// One row at time `t`, unchecked: `t` must not be before [`Self::last_time`].
    #[inline(always)]
    fn step(&mut self, x: Option<f64>, t: i64) -> Option<f64> {
        debug_assert!(self.last.is_none_or(|last| t >= last));
        if self.last.is_none() {
            self.start = Some(t);
        }
        self.last = Some(t);
        let x = x?;
        match self.prev {
            None => {
                self.first_at = t;
                self.shift = if x.is_finite() { x } else { 0.0 };
                self.mean = x - self.shift;
                self.var = 0.0;
                self.spread = 0.0;
            }
            Some(prev) => {
                let r = ratio(prev, t, self.opts.half_life);
                // keep = 0.5^r and a = 1 - keep, each to full relative precision (no
                // `1 - keep` cancellation when `dt` is small against the half-life).
                let keep = (-r).exp2();
                let a = -(-r * LN_2).exp_m1();
                let d = (x - self.shift) - self.mean;
                self.mean += a * d;
                // West: S' = (1 - a)(S + a d²); an infinite deviation makes the variance NaN.
                self.var = if d.is_infinite() {
                    f64::NAN
                } else {
                    keep * (self.var + a * d * d)
                };
                self.spread = keep * (keep * self.spread + 2.0 * a);
            }
        }
        self.prev = Some(t);
        self.value()
    }

    fn last_time(&self) -> Option<i64> {
        self.last
    }
}

impl Merge for EwVarBy {
    /// `later`'s rows after this state's (an `InvalidOperation` error, and no change, when
    /// `later` starts before this state's last time). With [`EwMeanBy::merge`]'s `p` and
    /// `q = (1 - k) p`, `k = 1 - 0.5^((t1 - prev_a) / half_life)` `later`'s first value's
    /// weight, `d = m_a - x1` and `e = x1 - m_b`: `m = m_b + q d`, the biased variance
    /// `v = v_b + q v_a + q (1 - q) d² + 2 q d e`, and `1 - Σw² = (1 - Σw²_b) + 2 k q p +
    /// q² (1 - Σw²_a)` (a sum of positive terms, as in the kernel). A non-finite value in
    /// either part makes the variance NaN, as in one pass.
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        let Some(start) = later.start else {
            return Ok(());
        };
        check_not_before(start, self.last)?;
        match (self.prev, later.prev) {
            (_, None) => {}
            (None, Some(_)) => {
                let start = self.start;
                *self = later.clone();
                self.start = start.or(later.start);
            }
            (Some(prev), Some(later_prev)) => {
                let h = self.opts.half_life;
                let t1 = later.first_at;
                let r1 = ratio(prev, t1, h);
                // As in `step`: both to full relative precision.
                let (keep1, k) = ((-r1).exp2(), -(-r1 * LN_2).exp_m1());
                let p = (-ratio(t1, later_prev, h)).exp2();
                let q = keep1 * p;
                if self.mean.is_finite() && later.mean.is_finite() {
                    // `later`'s first value is its shift: at `offset` in this state's terms.
                    let offset = later.shift - self.shift;
                    let d = self.mean - offset;
                    let e = -later.mean;
                    let var = later.var + q * self.var + q * (1.0 - q) * d * d + 2.0 * q * d * e;
                    self.mean = later.mean + offset + q * d;
                    // Rounding may leave a variance of 0 a hair below it.
                    self.var = if var > 0.0 { var } else { 0.0 };
                } else {
                    self.mean = f64::NAN;
                    self.var = f64::NAN;
                }
                let spread = later.spread + 2.0 * k * q * p + q * q * self.spread;
                self.spread = spread.min(1.0);
                self.prev = Some(later_prev);
            }
        }
        self.last = later.last;
        self.start = self.start.or(Some(start));
        Ok(())
    }
}

impl Statistic for EwVarBy {
    const NAME: &'static str = "EWVar";

    fn get(&self) -> Option<f64> {
        self.value()
    }

    fn validate(&self) -> Result<(), StatError> {
        self.opts.validate()?;
        decoded::counts_fit(&self.options())?;
        check_clock(self.prev, self.last)?;
        check_start(self.start, self.prev.map(|_| self.first_at), self.last)?;
        // NaN is a legitimate variance (NaN or infinite data); a negative one is not.
        if self.var < 0.0 || !(0.0..=1.0).contains(&self.spread) {
            return Err(StatError::InvalidState(format!(
                "inconsistent variance state (variance {}, 1 - sum of squared weights {})",
                self.var, self.spread
            )));
        }
        Ok(())
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        vec![
            self.opts.half_life_option(),
            ("bias", OptionValue::Bool(self.opts.bias)),
        ]
    }
}

/// Exponentially weighted standard deviation over time (`ewm_std_by`): the square root of
/// [`EwVarBy`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwStdBy(EwVarBy);

impl EwStdBy {
    pub fn new(opts: EwByOptions) -> Result<Self, StatError> {
        EwVarBy::new(opts).map(EwStdBy)
    }
}

impl TimeDecayed for EwStdBy {
    fn new_by(opts: EwByOptions) -> Result<Self, StatError> {
        Self::new(opts)
    }

    fn opts(&self) -> &EwByOptions {
        self.0.opts()
    }

    #[inline]
    fn step(&mut self, x: Option<f64>, t: i64) -> Option<f64> {
        self.0.step(x, t).map(f64::sqrt)
    }

    fn last_time(&self) -> Option<i64> {
        self.0.last_time()
    }
}

impl Kernel for EwStdBy {
    const COPY_INTO_LOOPS: bool = true;

    /// A row at the latest time seen (see the module docs): fed with time, use `update_at`.
    #[inline]
    fn update(&mut self, x: Option<f64>) -> Option<f64> {
        self.0.update(x).map(f64::sqrt)
    }
}

impl Merge for EwStdBy {
    /// [`EwVarBy::merge`].
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        self.0.merge(&later.0)
    }
}

impl Statistic for EwStdBy {
    const NAME: &'static str = "EWStd";

    fn get(&self) -> Option<f64> {
        self.0.get().map(f64::sqrt)
    }

    fn validate(&self) -> Result<(), StatError> {
        self.0.validate()
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        self.0.options()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ewm::{EwMean, EwStd, EwVar, EwVarOptions, EwmOptions};
    use crate::core::snapshot;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn opts(half_life: i64, bias: bool) -> EwByOptions {
        EwByOptions { half_life, bias }
    }

    fn mean_by(h: i64, t: &[i64], x: &[Option<f64>]) -> Vec<Option<f64>> {
        let mut s = EwMeanBy::new(opts(h, false)).unwrap();
        t.iter()
            .zip(x)
            .map(|(&t, &x)| s.update_at(x, t).unwrap())
            .collect()
    }

    fn var_by(h: i64, bias: bool, t: &[i64], x: &[Option<f64>]) -> Vec<Option<f64>> {
        let mut s = EwVarBy::new(opts(h, bias)).unwrap();
        t.iter()
            .zip(x)
            .map(|(&t, &x)| s.update_at(x, t).unwrap())
            .collect()
    }

    fn some(x: &[f64]) -> Vec<Option<f64>> {
        x.iter().copied().map(Some).collect()
    }

    /// Same null pattern, and `|a - b| <= tol * |b|` (NaN only against NaN).
    fn assert_close(got: &[Option<f64>], want: &[Option<f64>], tol: f64, what: &str) {
        assert_eq!(got.len(), want.len(), "{what}");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            match (g, w) {
                (Some(g), Some(w)) if !w.is_finite() => {
                    assert!(
                        g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
                        "{what}[{i}]: {g} vs {w}"
                    )
                }
                (Some(g), Some(w)) => assert!(
                    (g - w).abs() <= tol * w.abs(),
                    "{what}[{i}]: {g} vs {w} (rel {:e})",
                    (g - w).abs() / w.abs()
                ),
                (None, None) => {}
                _ => panic!("{what}[{i}]: {g:?} vs {w:?}"),
            }
        }
    }

    fn normal(rng: &mut SmallRng) -> f64 {
        // Box-Muller.
        let u: f64 = 1.0 - rng.random::<f64>();
        let v: f64 = rng.random::<f64>();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// Random non-decreasing times with many duplicates, and values with ~20% nulls.
    fn random_rows(rng: &mut SmallRng, n: usize, centre: f64) -> (Vec<i64>, Vec<Option<f64>>) {
        let mut t = vec![rng.random_range(-50..50i64)];
        for _ in 1..n {
            let step = [0, 0, 0, 1, 1, 2, 3, 5, 8][rng.random_range(0..9)];
            t.push(t[t.len() - 1] + step);
        }
        let x = (0..n)
            .map(|_| (rng.random::<f64>() >= 0.2).then(|| centre + normal(rng)))
            .collect();
        (t, x)
    }

    /// The statistics from their definition, O(n^2): for each row, the weights
    /// `w_i = alpha_i * prod_{j>i} (1 - alpha_j)` of the values so far (the first value's
    /// alpha is 1), then the weighted mean, biased variance and `1 - sum w^2` (as
    /// `2 sum_{i<j} w_i w_j`, all positive terms). Returns (mean, biased, unbiased) per row.
    #[allow(clippy::type_complexity)]
    fn reference(
        h: i64,
        t: &[i64],
        x: &[Option<f64>],
    ) -> (Vec<Option<f64>>, Vec<Option<f64>>, Vec<Option<f64>>) {
        let (mut m, mut b, mut u) = (vec![], vec![], vec![]);
        let mut seen: Vec<(i64, f64)> = vec![];
        for (&ti, &xi) in t.iter().zip(x) {
            let Some(xi) = xi else {
                m.push(None);
                b.push(None);
                u.push(None);
                continue;
            };
            seen.push((ti, xi));
            let alphas: Vec<f64> = (0..seen.len())
                .map(|i| {
                    if i == 0 {
                        1.0
                    } else {
                        let dt = (seen[i].0 - seen[i - 1].0) as f64;
                        1.0 - 0.5f64.powf(dt / h as f64)
                    }
                })
                .collect();
            let w: Vec<f64> = (0..seen.len())
                .map(|i| alphas[i] * alphas[i + 1..].iter().map(|a| 1.0 - a).product::<f64>())
                .collect();
            let sw: f64 = w.iter().sum();
            let mean = w.iter().zip(&seen).map(|(w, s)| w * s.1).sum::<f64>() / sw;
            let var = w
                .iter()
                .zip(&seen)
                .map(|(w, s)| w * (s.1 - mean) * (s.1 - mean))
                .sum::<f64>()
                / sw;
            let mut before = 0.0;
            let mut pairs = 0.0;
            for wi in &w {
                pairs += 2.0 * wi * before;
                before += wi;
            }
            let spread = pairs / (sw * sw);
            m.push(Some(mean));
            b.push(Some(var));
            u.push((spread > 0.0).then(|| var / spread));
        }
        (m, b, u)
    }

    #[test]
    fn polars_vectors() {
        // Checked on Polars 2.1: `ewm_mean_by("t", half_life="1i")`.
        let got = mean_by(1, &[0, 1, 1, 2, 5], &some(&[1.0, 2.0, 3.0, 4.0, 5.0]));
        assert_eq!(got, some(&[1.0, 1.5, 1.5, 2.75, 4.71875]));
        let x = [Some(1.0), None, Some(3.0), Some(4.0), None, Some(6.0), None];
        let got = mean_by(1, &[0, 1, 2, 3, 4, 5, 6], &x);
        let want = [
            Some(1.0),
            None,
            Some(2.5),
            Some(3.25),
            None,
            Some(5.3125),
            None,
        ];
        assert_eq!(got, want);
        // Leading nulls, and half_life="2i" (irrational weights: Polars' digits).
        let x = [None, None, Some(2.0), Some(3.0)];
        assert_eq!(
            mean_by(1, &[0, 1, 2, 3], &x),
            [None, None, Some(2.0), Some(2.5)]
        );
        let got = mean_by(2, &[0, 1, 2, 3], &some(&[1.0, 2.0, 3.0, 4.0]));
        let want = [
            1.0,
            1.2928932188134525,
            1.7928932188134525,
            2.4393398282201786,
        ];
        assert_eq!(got, some(&want));
    }

    #[test]
    fn polars_irregular_bit_for_bit() {
        // Polars 2.1 `ewm_mean_by("t", half_life="3i")` on irregular times with duplicates
        // and nulls (printed with repr: these are Polars' exact doubles).
        let t = [
            0, 7, 8, 21, 21, 21, 21, 28, 28, 30, 30, 30, 43, 56, 56, 58, 58, 71, 71, 71, 73, 73,
            86, 86, 88, 88, 89, 92, 105, 106,
        ];
        let n = f64::NAN;
        let x = [
            1.53, 3.343, n, 5.517, 6.256, 2.424, 2.611, -1.643, 6.458, 7.229, n, 9.719, 3.185,
            7.726, n, 6.398, 7.362, 6.172, 4.715, 6.139, 2.513, 5.329, n, 3.916, 9.463, 6.931,
            3.635, 2.041, 0.918, 10.846,
        ];
        let x: Vec<Option<f64>> = x.iter().map(|v| (!v.is_nan()).then_some(*v)).collect();
        let want = [
            1.53,
            2.9832552365977065,
            n,
            5.417240051172767,
            5.417240051172767,
            5.417240051172767,
            5.417240051172767,
            -0.242070939452542,
            -0.242070939452542,
            2.5225202290629385,
            n,
            2.5225202290629385,
            3.1521368410845896,
            7.499107650311847,
            n,
            7.091654353414089,
            7.091654353414089,
            6.21762063400177,
            6.21762063400177,
            6.21762063400177,
            4.84676475932686,
            4.84676475932686,
            n,
            3.9621717799403244,
            5.997695366845534,
            5.997695366845534,
            5.510272555405495,
            3.7756362777027475,
            1.0597567135427448,
            3.0786535561305115,
        ];
        let want: Vec<Option<f64>> = want.iter().map(|v| (!v.is_nan()).then_some(*v)).collect();
        assert_eq!(mean_by(3, &t, &x), want);
    }

    #[test]
    fn polars_non_finite() {
        // Polars 2.1 outputs (half_life="1i").
        let (nan, inf) = (f64::NAN, f64::INFINITY);
        let cases: [([i64; 4], [f64; 4], [f64; 4]); 5] = [
            ([0, 1, 2, 3], [nan, 1.0, 2.0, 3.0], [nan, nan, nan, nan]),
            ([0, 1, 2, 3], [1.0, nan, 2.0, 3.0], [1.0, nan, nan, nan]),
            ([0, 1, 1, 3], [1.0, inf, 2.0, 3.0], [1.0, inf, inf, inf]),
            ([0, 1, 1, 3], [1.0, 2.0, inf, 3.0], [1.0, 1.5, nan, nan]),
            ([0, 1, 2, 3], [inf, inf, 2.0, -inf], [inf, inf, inf, nan]),
        ];
        for (t, x, want) in cases {
            let got = mean_by(1, &t, &some(&x));
            assert_close(&got, &some(&want), 0.0, &format!("{x:?}"));
        }
    }

    #[test]
    fn matches_definition_on_irregular_times() {
        let mut rng = SmallRng::seed_from_u64(9);
        for case in 0..40 {
            let h = rng.random_range(1..8i64);
            let (t, x) = random_rows(&mut rng, 80, 5.0);
            let (m, b, u) = reference(h, &t, &x);
            let what = format!("case {case}, half_life {h}");
            assert_close(&mean_by(h, &t, &x), &m, 1e-12, &what);
            assert_close(&var_by(h, true, &t, &x), &b, 1e-12, &what);
            assert_close(&var_by(h, false, &t, &x), &u, 1e-12, &what);
            let mut std = EwStdBy::new(opts(h, false)).unwrap();
            let got: Vec<_> = t
                .iter()
                .zip(&x)
                .map(|(&t, &x)| std.update_at(x, t).unwrap())
                .collect();
            let want: Vec<_> = u.iter().map(|v| v.map(f64::sqrt)).collect();
            assert_close(&got, &want, 1e-12, &what);
        }
    }

    #[test]
    fn unbiased_is_null_with_one_effective_value() {
        // One value, then more at the same time (alpha 0): still one effective value.
        let t = [3, 3, 3, 4];
        let x = some(&[1.0, 5.0, 7.0, 2.0]);
        let got = var_by(1, false, &t, &x);
        assert_eq!(&got[..3], &[None, None, None]);
        // Two values one half-life apart: w = [1/2, 1/2]: biased 0.25, unbiased 0.25 / 0.5.
        assert_eq!(got[3], Some(0.5));
        assert_eq!(var_by(1, true, &t, &x), some(&[0.0, 0.0, 0.0, 0.25]));
        // A gap so long that the older value's weight underflows: one effective value again.
        let got = var_by(1, false, &[0, 1, 5000], &some(&[1.0, 2.0, 9.0]));
        assert_eq!(got, [None, Some(0.5), None]);
    }

    #[test]
    fn equals_row_kernels_on_a_regular_grid() {
        let mut rng = SmallRng::seed_from_u64(3);
        for h in [1i64, 2, 3, 7, 50] {
            let alpha = 1.0 - 0.5f64.powf(1.0 / h as f64);
            let x: Vec<f64> = (0..500).map(|_| 10.0 + 3.0 * normal(&mut rng)).collect();
            let t: Vec<i64> = (0..500).map(|i| 1_000 + i).collect();
            let x = some(&x);
            let ewm = EwmOptions {
                alpha,
                adjust: false,
                min_samples: 1,
                ignore_nulls: false,
            };
            let mut row = EwMean::new(ewm).unwrap();
            let want: Vec<_> = x.iter().map(|&v| row.update(v)).collect();
            assert_close(&mean_by(h, &t, &x), &want, 1e-12, &format!("mean h={h}"));
            for bias in [false, true] {
                let o = EwVarOptions {
                    alpha,
                    adjust: false,
                    min_samples: 1,
                    ignore_nulls: false,
                    bias,
                };
                let mut row = EwVar::new(o).unwrap();
                let want: Vec<_> = x.iter().map(|&v| row.update(v)).collect();
                let what = format!("var h={h} bias={bias}");
                assert_close(&var_by(h, bias, &t, &x), &want, 1e-12, &what);
                let mut row = EwStd::new(o).unwrap();
                let want: Vec<_> = x.iter().map(|&v| row.update(v)).collect();
                let mut by = EwStdBy::new(opts(h, bias)).unwrap();
                let got: Vec<_> = t.iter().zip(&x).map(|(&t, &v)| by.step(v, t)).collect();
                assert_close(&got, &want, 1e-12, &format!("std h={h} bias={bias}"));
            }
        }
    }

    #[test]
    fn non_finite_values_in_the_variance() {
        let (nan, inf) = (f64::NAN, f64::INFINITY);
        // An infinite deviation makes the variance NaN for good, as EwVar; so does NaN.
        let got = var_by(1, true, &[0, 1, 2, 3], &some(&[1.0, 2.0, inf, 3.0]));
        assert_close(&got, &some(&[0.0, 0.25, nan, nan]), 0.0, "inf");
        // NaN, even at an equal time (alpha 0), propagates.
        let got = var_by(1, false, &[0, 1, 1, 3], &some(&[1.0, 2.0, nan, 3.0]));
        assert_close(&got, &[None, Some(0.5), Some(nan), Some(nan)], 0.0, "nan");
        // A non-finite first value: no shift, and NaN from then on.
        let got = var_by(1, true, &[0, 1, 2], &some(&[inf, 1.0, 2.0]));
        assert_close(&got, &some(&[0.0, nan, nan]), 0.0, "inf first");
    }

    #[test]
    fn stays_accurate_far_from_zero() {
        let mut rng = SmallRng::seed_from_u64(11);
        for h in [1i64, 4, 30] {
            let (t, z) = random_rows(&mut rng, 400, 0.0);
            let x: Vec<Option<f64>> = z.iter().map(|v| v.map(|v| 1e9 + v)).collect();
            // The variance is shift-invariant, and `x - 1e9` is exact: the reference runs on
            // the centred values.
            let centred: Vec<Option<f64>> = x.iter().map(|v| v.map(|v| v - 1e9)).collect();
            let (_, b, u) = reference(h, &t, &centred);
            assert_close(
                &var_by(h, true, &t, &x),
                &b,
                1e-12,
                &format!("biased h={h}"),
            );
            assert_close(
                &var_by(h, false, &t, &x),
                &u,
                1e-12,
                &format!("unbiased h={h}"),
            );
        }
    }

    #[test]
    fn time_going_backwards_changes_nothing() {
        let mut m = EwMeanBy::new(opts(2, false)).unwrap();
        let mut v = EwVarBy::new(opts(2, false)).unwrap();
        let mut s = EwStdBy::new(opts(2, false)).unwrap();
        for (x, t) in [(Some(1.0), 0), (Some(4.0), 3), (None, 5)] {
            m.update_at(x, t).unwrap();
            v.update_at(x, t).unwrap();
            s.update_at(x, t).unwrap();
        }
        // The null row's time counts as seen: 4 is before it.
        let (m0, v0, s0) = (m.clone(), v.clone(), s.clone());
        let err = m.update_at(Some(9.0), 4).unwrap_err();
        assert!(matches!(err, StatError::InvalidOperation(_)), "{err}");
        assert!(err.to_string().contains("time went backwards"), "{err}");
        assert!(v.update_at(Some(9.0), 4).is_err());
        assert!(s.update_at(None, -1).is_err());
        assert_eq!((&m, &v, &s), (&m0, &v0, &s0));
        // A batch: a decrease inside it, or a start before the last time, records nothing.
        let mut out = Running::with_capacity(4);
        assert!(v
            .run_at(&[1.0, 2.0, 3.0], |_| true, &[6, 8, 7], &mut out)
            .is_err());
        assert!(m.run_at(&[1.0], |_| true, &[4], &mut out).is_err());
        assert!(s.run_at(&[1.0, 2.0], |_| true, &[5], &mut out).is_err());
        assert!(out.is_empty());
        assert_eq!((&m, &v, &s), (&m0, &v0, &s0));
        // The last time is fine; the decay runs from the last value's time (3), not the
        // null row's (5).
        let mut fresh = EwMeanBy::new(opts(2, false)).unwrap();
        fresh.update_at(Some(1.0), 0).unwrap();
        fresh.update_at(Some(4.0), 3).unwrap();
        let want = fresh.update_at(Some(9.0), 5).unwrap();
        assert_eq!(m.update_at(Some(9.0), 5).unwrap(), want);
        assert_ne!(want, m0.get());
    }

    #[test]
    fn run_at_equals_update_at() {
        let mut rng = SmallRng::seed_from_u64(5);
        let (t, x) = random_rows(&mut rng, 200, 2.0);
        let values: Vec<f64> = x.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
        let mut out = Running::with_capacity(t.len());
        let mut s = EwStdBy::new(opts(3, false)).unwrap();
        s.run_at(&values, |i| x[i].is_some(), &t, &mut out).unwrap();
        let mut one = EwStdBy::new(opts(3, false)).unwrap();
        let want: Vec<_> = t
            .iter()
            .zip(&x)
            .map(|(&t, &v)| one.update_at(v, t).unwrap())
            .collect();
        assert_eq!(out.to_options(), want);
        assert_eq!(s, one);
    }

    #[test]
    fn snapshot_round_trip_continues_identically() {
        let mut rng = SmallRng::seed_from_u64(1);
        let (t, x) = random_rows(&mut rng, 120, 1e9);
        fn check<S: Statistic + PartialEq + std::fmt::Debug>(
            mut a: S,
            step: fn(&mut S, Option<f64>, i64) -> Option<f64>,
            t: &[i64],
            x: &[Option<f64>],
        ) {
            for i in 0..60 {
                step(&mut a, x[i], t[i]);
            }
            let mut b: S = snapshot::decode(&snapshot::encode(&a)).unwrap();
            assert_eq!(a, b);
            for i in 60..t.len() {
                let (ya, yb) = (step(&mut a, x[i], t[i]), step(&mut b, x[i], t[i]));
                assert_eq!(ya.map(f64::to_bits), yb.map(f64::to_bits));
            }
            assert_eq!(a.get().map(f64::to_bits), b.get().map(f64::to_bits));
        }
        check(
            EwMeanBy::new(opts(5, false)).unwrap(),
            EwMeanBy::step,
            &t,
            &x,
        );
        check(EwVarBy::new(opts(5, false)).unwrap(), EwVarBy::step, &t, &x);
        check(EwStdBy::new(opts(5, true)).unwrap(), EwStdBy::step, &t, &x);
        // A decoded state keeps its checks: the last value after the last time is refused.
        let mut v = EwVarBy::new(opts(5, false)).unwrap();
        v.update_at(Some(1.0), 10).unwrap();
        v.last = Some(9);
        assert!(snapshot::decode::<EwVarBy>(&snapshot::encode(&v)).is_err());
        let mut v = EwVarBy::new(opts(5, false)).unwrap();
        v.spread = -0.5;
        assert!(snapshot::decode::<EwVarBy>(&snapshot::encode(&v)).is_err());
        let mut m = EwMeanBy::new(opts(5, false)).unwrap();
        m.opts.half_life = 0;
        assert!(snapshot::decode::<EwMeanBy>(&snapshot::encode(&m)).is_err());
    }

    #[test]
    fn options_and_errors() {
        for h in [0, -3] {
            let err = EwVarBy::new(opts(h, false)).unwrap_err();
            assert!(
                matches!(
                    err,
                    StatError::InvalidOption {
                        name: "half_life",
                        ..
                    }
                ),
                "{err}"
            );
            assert!(EwMeanBy::new(opts(h, false)).is_err());
            assert!(EwStdBy::new(opts(h, false)).is_err());
        }
        let m = EwMeanBy::new(opts(7, true)).unwrap();
        assert_eq!(m.options(), vec![("half_life", OptionValue::Int(7))]);
        let s = EwStdBy::new(opts(7, true)).unwrap();
        assert_eq!(
            s.options(),
            vec![
                ("half_life", OptionValue::Int(7)),
                ("bias", OptionValue::Bool(true))
            ]
        );
        assert_eq!(
            (EwMeanBy::NAME, EwVarBy::NAME, EwStdBy::NAME),
            ("EWMean", "EWVar", "EWStd")
        );
        assert_eq!(m.get(), None);
        assert_eq!(m.last_time(), None);
    }

    #[test]
    fn untimed_update_is_a_row_at_the_last_time() {
        let mut m = EwMeanBy::new(opts(1, false)).unwrap();
        m.update_at(Some(1.0), 0).unwrap();
        m.update_at(Some(3.0), 1).unwrap();
        // Same time as the last row: alpha 0, the mean stays (Polars' rule for equal times).
        assert_eq!(m.update(Some(100.0)), Some(2.0));
        assert_eq!(m.update(None), None);
        assert_eq!(m.get(), Some(2.0));
        assert_eq!(m.last_time(), Some(1));
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let mut v = EwVarBy::new(opts(1, true)).unwrap();
        v.update_at(Some(1.0), i64::MIN).unwrap();
        // dt = 2^64 - 1 does not fit an i64: the older value's weight is 0.
        assert_eq!(v.update_at(Some(5.0), i64::MAX).unwrap(), Some(0.0));
        let mut m = EwMeanBy::new(opts(i64::MAX, false)).unwrap();
        m.update_at(Some(1.0), 0).unwrap();
        assert_eq!(m.update_at(Some(5.0), 1).unwrap(), Some(1.0));
        assert_eq!(m.update_at(Some(5.0), i64::MAX).unwrap(), Some(3.0));
    }
}

/// Merges of the time-decayed statistics against one pass over the concatenated rows.
#[cfg(test)]
mod merge_tests {
    use super::*;
    use crate::core::snapshot;
    use crate::core::testing::{agree_within, Scale};
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};
    use std::fmt::Debug;

    type Rows = Vec<(i64, Option<f64>)>;

    /// Sorted times from `t0` with many repeats and some long gaps; values around `centre`
    /// with ~25% nulls, and with `non_finite` an occasional NaN or ±inf.
    fn rows(rng: &mut SmallRng, n: usize, t0: i64, centre: f64, non_finite: bool) -> Rows {
        let mut t = t0;
        (0..n)
            .map(|_| {
                t += [0, 0, 1, 1, 2, 3, 7, 20, 5000][rng.random_range(0..9)];
                let u: f64 = rng.random();
                let x = if u < 0.25 {
                    None
                } else if non_finite && u < 0.31 {
                    Some([f64::NAN, f64::INFINITY, f64::NEG_INFINITY][rng.random_range(0..3)])
                } else {
                    Some(centre + rng.random_range(-2.0..2.0))
                };
                (t, x)
            })
            .collect()
    }

    fn feed<S: TimeDecayed>(s: &mut S, rows: &[(i64, Option<f64>)]) -> Vec<Option<f64>> {
        rows.iter()
            .map(|&(t, x)| s.update_at(x, t).unwrap())
            .collect()
    }

    /// The rounding of a weighted mean scales with the data's largest finite |value|, that
    /// of the variance (kept relative to the first value) with its range, not with the
    /// result (which may be near 0).
    fn scale(parts: &[&Rows]) -> Scale {
        Scale::of(parts.iter().flat_map(|p| p.iter()).filter_map(|r| r.1))
    }

    struct Case<S> {
        make: Box<dyn Fn() -> S>,
        /// The absolute error allowed for the data's scale.
        floor: fn(Scale) -> f64,
        /// How much the estimate of a (one-pass) state magnifies the rounding of the biased
        /// variance: `1 / (1 - Σw²)` for the unbiased one (which divides by it), else 1.
        cond: fn(&S) -> f64,
        /// Compare the squares (a standard deviation: the variance's rounding, carried
        /// through the square root, is not relative near 0).
        squared: bool,
        what: String,
    }

    impl<S: TimeDecayed> Case<S> {
        fn agree(&self, got: Option<f64>, want: Option<f64>, state: &S, floor: f64) -> bool {
            let cond = (self.cond)(state);
            if self.squared {
                let sq = |v: Option<f64>| v.map(|v| v * v);
                agree_within(sq(got), sq(want), 2e-12, floor * cond)
            } else {
                agree_within(got, want, 1e-12, floor * cond)
            }
        }
    }

    fn var_cond(v: &EwVarBy) -> f64 {
        if v.opts.bias || v.spread <= 0.0 {
            1.0
        } else {
            1.0 / v.spread
        }
    }

    /// `pre` (an earlier part), `xs`, `more` (later rows), in time order. For every split of
    /// `xs`: merged against one pass, continued with `more`, and merged after `pre`.
    fn check_splits<S: TimeDecayed + Debug>(c: &Case<S>, pre: &Rows, xs: &Rows, more: &Rows) {
        let floor = (c.floor)(scale(&[pre, xs, more]));
        let mut one = (c.make)();
        feed(&mut one, xs);
        let want = one.get();
        let mut cont = one.clone();
        let want_more: Vec<(Option<f64>, S)> = more
            .iter()
            .map(|&(t, x)| (cont.update_at(x, t).unwrap(), cont.clone()))
            .collect();
        let mut whole = (c.make)();
        feed(&mut whole, pre);
        feed(&mut whole, xs);
        feed(&mut whole, more);
        for k in 0..=xs.len() {
            let ctx = || format!("{} split {k} of {xs:?}", c.what);
            let (mut a, mut b) = ((c.make)(), (c.make)());
            feed(&mut a, &xs[..k]);
            feed(&mut b, &xs[k..]);
            a.merge(&b).unwrap();
            assert!(
                c.agree(a.get(), want, &one, floor),
                "{}: {:?} vs {want:?}",
                ctx(),
                a.get()
            );
            assert_eq!(a.last_time(), one.last_time(), "{}", ctx());
            let got_more = feed(&mut a, more);
            for (i, (g, (w, st))) in got_more.iter().zip(&want_more).enumerate() {
                assert!(
                    c.agree(*g, *w, st, floor),
                    "{} then row {i}: {g:?} vs {w:?}",
                    ctx()
                );
            }
            let mut z = (c.make)();
            feed(&mut z, pre);
            z.merge(&a).unwrap();
            assert!(
                c.agree(z.get(), whole.get(), &whole, floor),
                "{} after {pre:?}: {:?} vs {:?}",
                ctx(),
                z.get(),
                whole.get()
            );
            let back: S = snapshot::decode(&snapshot::encode(&z)).unwrap();
            assert_eq!(back.get().map(f64::to_bits), z.get().map(f64::to_bits));
        }
    }

    fn check_chains<S: TimeDecayed + Debug>(c: &Case<S>, rng: &mut SmallRng, xs: &Rows) {
        let floor = (c.floor)(scale(&[xs]));
        let mut one = (c.make)();
        feed(&mut one, xs);
        for n_parts in [3usize, 4] {
            let mut cuts: Vec<usize> = (0..n_parts - 1)
                .map(|_| rng.random_range(0..=xs.len()))
                .collect();
            cuts.sort_unstable();
            let mut parts = vec![];
            let mut lo = 0;
            for &hi in cuts.iter().chain([xs.len()].iter()) {
                let mut s = (c.make)();
                feed(&mut s, &xs[lo..hi]);
                parts.push(s);
                lo = hi;
            }
            let all = crate::core::testing::brackets(&parts);
            assert_eq!(all.len(), if n_parts == 3 { 2 } else { 5 });
            for (i, m) in all.iter().enumerate() {
                assert!(
                    c.agree(m.get(), one.get(), &one, floor),
                    "{} cuts {cuts:?} bracketing {i}: {:?} vs {:?} ({xs:?})",
                    c.what,
                    m.get(),
                    one.get()
                );
            }
        }
    }

    fn mean_case(h: i64) -> Case<EwMeanBy> {
        Case {
            make: Box::new(move || {
                EwMeanBy::new(EwByOptions {
                    half_life: h,
                    bias: false,
                })
                .unwrap()
            }),
            floor: |s| 1e-15 * s.abs,
            cond: |_| 1.0,
            squared: false,
            what: format!("EwMeanBy h={h}"),
        }
    }

    fn var_case(h: i64, bias: bool) -> Case<EwVarBy> {
        Case {
            make: Box::new(move || EwVarBy::new(EwByOptions { half_life: h, bias }).unwrap()),
            floor: |s| 1e-15 * s.range * s.range,
            cond: var_cond,
            squared: false,
            what: format!("EwVarBy h={h} bias={bias}"),
        }
    }

    fn std_case(h: i64, bias: bool) -> Case<EwStdBy> {
        Case {
            make: Box::new(move || EwStdBy::new(EwByOptions { half_life: h, bias }).unwrap()),
            // Compared as variances.
            floor: |s| 1e-15 * s.range * s.range,
            cond: |s| var_cond(&s.0),
            squared: true,
            what: format!("EwStdBy h={h} bias={bias}"),
        }
    }

    #[test]
    fn merge_equals_one_pass_at_every_split() {
        let mut rng = SmallRng::seed_from_u64(21);
        for h in [1i64, 3, 10, 1000] {
            for trial in 0..24 {
                let non_finite = trial % 3 == 2;
                let centre = [2.0, -30.0, 1e9][trial % 3];
                let n = rng.random_range(0..14);
                let pre = rows(&mut rng, 4, -100_000, centre, non_finite && trial % 2 == 0);
                let t0 = pre.last().map_or(0, |r| r.0);
                let xs = rows(&mut rng, n, t0, centre, non_finite);
                let t1 = xs.last().map_or(t0, |r| r.0);
                let more = rows(&mut rng, 6, t1, centre, false);
                check_splits(&mean_case(h), &pre, &xs, &more);
                for bias in [false, true] {
                    check_splits(&var_case(h, bias), &pre, &xs, &more);
                    check_splits(&std_case(h, bias), &pre, &xs, &more);
                }
            }
        }
    }

    #[test]
    fn chains_agree_in_every_bracketing() {
        let mut rng = SmallRng::seed_from_u64(22);
        for h in [1i64, 4, 50] {
            for trial in 0..10 {
                let n = rng.random_range(4..40);
                let xs = rows(&mut rng, n, 0, 5.0, trial % 3 == 2);
                check_chains(&mean_case(h), &mut rng, &xs);
                for bias in [false, true] {
                    check_chains(&var_case(h, bias), &mut rng, &xs);
                    check_chains(&std_case(h, bias), &mut rng, &xs);
                }
            }
        }
    }

    #[test]
    fn infinite_means_continue_as_in_one_pass() {
        // Polars' arithmetic keeps an infinite mean through finite values (inf * keep), but
        // not through a weight-0 step (0 * inf), the other infinity or NaN; an infinite
        // value at the time of a finite mean gives NaN (0 * inf), at a later time the
        // infinity. Each stream at every split, then continued.
        let (nan, inf) = (f64::NAN, f64::INFINITY);
        let streams: [&[(i64, f64)]; 10] = [
            &[(0, inf), (1, 1.0), (1, inf), (2, 3.0)],
            &[(0, inf), (1, 1.0), (5000, 2.0)],
            &[(0, 1.0), (0, inf), (1, 2.0)],
            &[(0, 1.0), (1, inf), (1, 2.0), (3, inf)],
            &[(0, -inf), (2, 1.0), (3, inf)],
            &[(0, inf), (0, inf), (9, -inf)],
            &[(0, 2.0), (1, nan), (2, 3.0)],
            &[(0, inf), (1, 2.0), (2, 2.0), (6000, 2.0)],
            &[(0, 1.0), (3000, inf), (3001, 1.0)],
            &[(0, inf), (4, 5.0), (4, 5.0), (9, 5.0)],
        ];
        for xs in streams {
            let xs: Rows = xs.iter().map(|&(t, x)| (t, Some(x))).collect();
            let t1 = xs.last().unwrap().0;
            let more: Rows = vec![(t1, Some(1.0)), (t1 + 1, Some(2.0)), (t1 + 2, None)];
            let pre: Rows = vec![(-10, Some(0.5))];
            check_splits(&mean_case(1), &pre, &xs, &more);
            check_splits(&var_case(1, false), &pre, &xs, &more);
            check_splits(&std_case(1, true), &pre, &xs, &more);
        }
        // For the record: one pass and the merge agree on these.
        let mut a = EwMeanBy::new(EwByOptions {
            half_life: 1,
            bias: false,
        })
        .unwrap();
        feed(&mut a, &[(0, Some(inf))]);
        let mut b = EwMeanBy::new(EwByOptions {
            half_life: 1,
            bias: false,
        })
        .unwrap();
        feed(&mut b, &[(1, Some(1.0)), (1, Some(inf))]);
        assert!(b.get().unwrap().is_nan());
        a.merge(&b).unwrap();
        assert_eq!(a.get(), Some(inf));
    }

    #[test]
    fn a_later_part_starting_early_is_refused_and_changes_nothing() {
        let o = EwByOptions {
            half_life: 3,
            bias: false,
        };
        let mut a = EwVarBy::new(o).unwrap();
        feed(&mut a, &[(0, Some(1.0)), (5, Some(2.0)), (9, None)]);
        let before = a.clone();
        for rows in [vec![(8, Some(3.0))], vec![(4, None), (10, Some(1.0))]] {
            let mut b = EwVarBy::new(o).unwrap();
            feed(&mut b, &rows);
            let err = a.merge(&b).unwrap_err();
            assert!(matches!(err, StatError::InvalidOperation(_)), "{err}");
            assert!(err.to_string().contains("time went backwards"), "{err}");
            assert_eq!(a, before);
        }
        // At the last time (a null's) is fine; so is a later part of nulls only.
        let mut b = EwVarBy::new(o).unwrap();
        feed(&mut b, &[(9, Some(3.0))]);
        a.merge(&b).unwrap();
        let mut c = EwMeanBy::new(o).unwrap();
        feed(&mut c, &[(0, Some(1.0))]);
        let mut d = EwMeanBy::new(o).unwrap();
        feed(&mut d, &[(3, None), (4, None)]);
        c.merge(&d).unwrap();
        assert_eq!(c.last_time(), Some(4));
        assert!(c.update_at(Some(1.0), 3).is_err());
        // Different options.
        let mut m = EwMeanBy::new(o).unwrap();
        let other = EwMeanBy::new(EwByOptions {
            half_life: 4,
            bias: false,
        })
        .unwrap();
        assert!(matches!(
            m.merge(&other),
            Err(StatError::ConflictingOptions(_))
        ));
        let mut s = EwStdBy::new(o).unwrap();
        feed(&mut s, &[(1, Some(2.0))]);
        let s0 = s.clone();
        let other = EwStdBy::new(EwByOptions {
            half_life: 3,
            bias: true,
        })
        .unwrap();
        assert!(matches!(
            s.merge(&other),
            Err(StatError::ConflictingOptions(_))
        ));
        assert_eq!(s, s0);
    }

    #[test]
    fn empty_is_the_identity_on_both_sides() {
        let mut rng = SmallRng::seed_from_u64(23);
        let o = EwByOptions {
            half_life: 2,
            bias: false,
        };
        let xs = rows(&mut rng, 12, 0, 1.0, false);
        let mut a = EwMeanBy::new(o).unwrap();
        feed(&mut a, &xs);
        let fresh = EwMeanBy::new(o).unwrap();
        let (mut l, mut r) = (fresh.clone(), a.clone());
        l.merge(&a).unwrap();
        r.merge(&fresh).unwrap();
        assert_eq!((&l, &r), (&a, &a));
        let mut v = EwStdBy::new(o).unwrap();
        feed(&mut v, &xs);
        let fresh = EwStdBy::new(o).unwrap();
        let (mut l, mut r) = (fresh.clone(), v.clone());
        l.merge(&v).unwrap();
        r.merge(&fresh).unwrap();
        assert_eq!((&l, &r), (&v, &v));
    }

    #[test]
    fn decoded_merge_fields_are_checked() {
        let o = EwByOptions {
            half_life: 2,
            bias: false,
        };
        let mut m = EwMeanBy::new(o).unwrap();
        feed(&mut m, &[(3, None), (5, Some(1.0)), (8, Some(2.0))]);
        assert!(snapshot::decode::<EwMeanBy>(&snapshot::encode(&m)).is_ok());
        for bad in [
            EwMeanBy {
                start: Some(6),
                ..m.clone()
            },
            EwMeanBy {
                start: None,
                ..m.clone()
            },
            EwMeanBy {
                first_at: 9,
                ..m.clone()
            },
            EwMeanBy {
                from_inf: [1.0, f64::NEG_INFINITY],
                ..m.clone()
            },
        ] {
            assert!(
                snapshot::decode::<EwMeanBy>(&snapshot::encode(&bad)).is_err(),
                "{bad:?}"
            );
        }
        let mut v = EwVarBy::new(o).unwrap();
        feed(&mut v, &[(5, Some(1.0))]);
        v.first_at = 2;
        v.start = Some(3);
        assert!(snapshot::decode::<EwVarBy>(&snapshot::encode(&v)).is_err());
    }
}
