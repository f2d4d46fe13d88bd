//! Exponentially weighted statistics: mean, variance and standard deviation over the whole
//! stream (Polars' `ewm_mean` / `ewm_var` / `ewm_std` semantics), and the exponentially
//! weighted mean of a trailing window of rows.
//!
//! Row semantics (as in Polars): a null row outputs null; with `ignore_nulls=False` a null
//! still ages the older observations by `1 - alpha`; `min_samples` counts non-null values (0
//! acts as 1); NaN is a value and propagates.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::error::{decoded, ensure};
use super::window::{Fifo, Span, Window, Windowed};
use super::{Kernel, Merge, OptionValue, StatError, Statistic};

/// Resolve Polars' four ways of giving the decay into `alpha`; exactly one must be given.
pub fn resolve_alpha(
    com: Option<f64>,
    span: Option<f64>,
    half_life: Option<f64>,
    alpha: Option<f64>,
) -> Result<f64, StatError> {
    let given = [com, span, half_life, alpha]
        .iter()
        .filter(|v| v.is_some())
        .count();
    if given != 1 {
        return Err(StatError::ConflictingOptions(
            "exactly one of `com`, `span`, `half_life` or `alpha` must be set".into(),
        ));
    }
    if let Some(com) = com {
        ensure(com >= 0.0 && com.is_finite(), "com", || {
            format!("must be >= 0 (found {com})")
        })?;
        return Ok(1.0 / (1.0 + com));
    }
    if let Some(span) = span {
        ensure(span >= 1.0 && span.is_finite(), "span", || {
            format!("must be >= 1 (found {span})")
        })?;
        return Ok(2.0 / (span + 1.0));
    }
    if let Some(half_life) = half_life {
        ensure(
            half_life > 0.0 && half_life.is_finite(),
            "half_life",
            || format!("must be > 0 (found {half_life})"),
        )?;
        // Beyond ~1e16 the weight of a new value rounds to 0 in f64: say which option did it.
        let alpha = 1.0 - (-(2.0f64.ln()) / half_life).exp();
        ensure(alpha > 0.0, "half_life", || {
            format!("is too large: the weight of a new value, 1 - 0.5**(1/half_life), rounds to 0 (found {half_life})")
        })?;
        return Ok(alpha);
    }
    let alpha = alpha.unwrap_or(f64::NAN);
    check_alpha(alpha)?;
    Ok(alpha)
}

fn check_alpha(alpha: f64) -> Result<(), StatError> {
    ensure(alpha > 0.0 && alpha <= 1.0, "alpha", || {
        format!("must be in (0, 1] (found {alpha})")
    })
}

/// Options shared by the cumulative exponentially weighted statistics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EwmOptions {
    pub alpha: f64,
    pub adjust: bool,
    pub min_samples: u64,
    pub ignore_nulls: bool,
}

impl EwmOptions {
    fn validate(&self) -> Result<(), StatError> {
        check_alpha(self.alpha)
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        vec![
            ("alpha", OptionValue::Float(self.alpha)),
            ("adjust", OptionValue::Bool(self.adjust)),
            ("min_samples", OptionValue::Int(self.min_samples)),
            ("ignore_nulls", OptionValue::Bool(self.ignore_nulls)),
        ]
    }

    /// Weight of a new observation relative to the running weight.
    #[inline(always)]
    fn new_weight(&self) -> f64 {
        if self.adjust {
            1.0
        } else {
            self.alpha
        }
    }

    #[inline(always)]
    fn enough(&self, count: u64) -> bool {
        count >= self.min_samples.max(1)
    }
}

/// `a / total`, remembered for the last `total`: with `adjust=False` the total weight is
/// always the same, and with `adjust=True` it soon reaches its fixed point `1/alpha`, so the
/// division (the slowest step of an update) is almost never repeated. Derived data: not
/// serialised, and the remembered quotient is bit-identical to a fresh one.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Fraction {
    total: f64,
    quotient: f64,
}

impl Fraction {
    #[inline(always)]
    fn of(&mut self, a: f64, total: f64) -> f64 {
        if total != self.total {
            self.total = total;
            self.quotient = a / total;
        }
        self.quotient
    }
}

/// Exponentially weighted mean, `pl.Expr.ewm_mean`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwMean {
    opts: EwmOptions,
    mean: f64,
    /// Total weight of the observations so far, relative to the newest one's.
    weight: f64,
    count: u64,
    #[serde(skip)]
    fraction: Fraction,
}

impl EwMean {
    pub fn new(opts: EwmOptions) -> Result<Self, StatError> {
        opts.validate()?;
        Ok(EwMean {
            opts,
            mean: 0.0,
            weight: 0.0,
            count: 0,
            fraction: Fraction::default(),
        })
    }
}

impl Kernel for EwMean {
    const COPY_INTO_LOOPS: bool = true;
    #[inline(always)]
    fn update(&mut self, x: Option<f64>) -> Option<f64> {
        let o = &self.opts;
        match x {
            Some(x) if self.count == 0 => {
                self.mean = x;
                self.weight = 1.0;
                self.count = 1;
            }
            Some(x) => {
                let a = o.new_weight();
                let total = self.weight * (1.0 - o.alpha) + a;
                // `mean + (x - mean) * f` leaves a constant stream exactly constant.
                self.mean += (x - self.mean) * self.fraction.of(a, total);
                self.weight = if o.adjust { total } else { 1.0 };
                self.count += 1;
            }
            None => {
                if self.count > 0 && !o.ignore_nulls {
                    self.weight *= 1.0 - o.alpha;
                }
                return None;
            }
        }
        o.enough(self.count).then_some(self.mean)
    }
}

impl Merge for EwMean {
    fn merge(&mut self, _later: &Self) -> Result<(), StatError> {
        Err(StatError::NotMergeable("TODO".into()))
    }
}

impl Statistic for EwMean {
    const NAME: &'static str = "EWMean";

    fn get(&self) -> Option<f64> {
        (self.count > 0 && self.opts.enough(self.count)).then_some(self.mean)
    }

    fn validate(&self) -> Result<(), StatError> {
        self.opts.validate()?;
        decoded::counts_fit(&self.options())?;
        check_weight(self.weight)
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        self.opts.options()
    }
}

fn check_weight(w: f64) -> Result<(), StatError> {
    if w >= 0.0 && w.is_finite() {
        Ok(())
    } else {
        Err(StatError::InvalidState(format!(
            "weight {w} is not a finite non-negative number"
        )))
    }
}

/// Options of [`EwVar`] and [`EwStd`]: the EWM options plus `bias`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EwVarOptions {
    pub alpha: f64,
    pub adjust: bool,
    pub min_samples: u64,
    pub ignore_nulls: bool,
    pub bias: bool,
}

impl EwVarOptions {
    fn ewm(&self) -> EwmOptions {
        EwmOptions {
            alpha: self.alpha,
            adjust: self.adjust,
            min_samples: self.min_samples,
            ignore_nulls: self.ignore_nulls,
        }
    }
}

/// Exponentially weighted variance, `pl.Expr.ewm_var`.
///
/// West's weighted update of the mean and the (biased) variance, which works with deviations
/// from the running mean and so keeps full precision on data far from zero. The unbiased
/// estimate scales by `(Σw)² / ((Σw)² − Σw²)`, as pandas' and Polars' ewm do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwVar {
    opts: EwVarOptions,
    /// The first value (when finite): the mean is kept relative to it, so that its rounding
    /// error scales with the spread of the data rather than its magnitude. At 1e9 + N(0, 1)
    /// an absolute running mean alone is off by ~1e-7, and so is the variance (as in Polars).
    shift: f64,
    /// Weighted mean of `x - shift`.
    mean: f64,
    /// Biased weighted variance of the observations so far.
    var: f64,
    /// Total weight of the observations (Σw, relative to the newest one's; 1 after each
    /// value when `adjust=False`).
    weight: f64,
    /// Σw², on the same scale as `weight`.
    weight_sq_sum: f64,
    count: u64,
    #[serde(skip)]
    fraction: Fraction,
    #[serde(skip)]
    correction: Correction,
}

/// The unbiasing factor `(Σw)² / ((Σw)² − Σw²)`, or 0 where that is undefined.
#[inline(always)]
fn unbiasing_factor(sum: f64, sq_sum: f64) -> f64 {
    let num = sum * sum;
    let den = num - sq_sum;
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

/// [`unbiasing_factor`] remembered for the last weight sums, which (like the total weight
/// behind [`Fraction`]) reach a fixed point after a few hundred rows: this saves the
/// division on almost every row. Derived data, not serialised; bit-identical to a fresh one.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Correction {
    sum: f64,
    sq_sum: f64,
    factor: f64,
}

impl Correction {
    #[inline(always)]
    fn factor(&mut self, sum: f64, sq_sum: f64) -> f64 {
        if sum != self.sum || sq_sum != self.sq_sum {
            *self = Correction {
                sum,
                sq_sum,
                factor: unbiasing_factor(sum, sq_sum),
            };
        }
        self.factor
    }
}

impl EwVar {
    pub fn new(opts: EwVarOptions) -> Result<Self, StatError> {
        opts.ewm().validate()?;
        Ok(EwVar {
            opts,
            shift: 0.0,
            mean: 0.0,
            var: 0.0,
            weight: 0.0,
            weight_sq_sum: 0.0,
            count: 0,
            fraction: Fraction::default(),
            correction: Correction::default(),
        })
    }

    /// The estimate, with the unbiasing factor from `factor(Σw, Σw²)`.
    #[inline(always)]
    fn value_with(&self, factor: impl FnOnce(f64, f64) -> f64) -> Option<f64> {
        if self.count == 0 || !self.opts.ewm().enough(self.count) {
            return None;
        }
        if self.opts.bias {
            return Some(self.var);
        }
        let factor = factor(self.weight, self.weight_sq_sum);
        (factor > 0.0).then_some(self.var * factor)
    }

    #[inline(always)]
    fn decay(&mut self) {
        let beta = 1.0 - self.opts.alpha;
        self.weight *= beta;
        self.weight_sq_sum *= beta * beta;
    }
}

impl Kernel for EwVar {
    const COPY_INTO_LOOPS: bool = true;
    #[inline(always)]
    fn update(&mut self, x: Option<f64>) -> Option<f64> {
        match x {
            Some(x) if self.count == 0 => {
                self.shift = if x.is_finite() { x } else { 0.0 };
                self.mean = x - self.shift;
                self.var = 0.0;
                self.weight = 1.0;
                self.weight_sq_sum = 1.0;
                self.count = 1;
            }
            Some(x) => {
                self.decay();
                let a = self.opts.ewm().new_weight();
                let total = self.weight + a;
                let f = self.fraction.of(a, total);
                let xs = x - self.shift;
                let d = xs - self.mean;
                let g = 1.0 - f;
                // `g·mean + f·xs` rather than `mean + f·d`: the product `f·xs` is off the
                // row-to-row dependency chain, which is then one multiply and one add.
                self.mean = self.mean * g + xs * f;
                // West: S' = (1-f)(S + f d²); an infinite deviation makes the variance NaN.
                self.var = if d.is_infinite() {
                    f64::NAN
                } else {
                    g * (self.var + f * d * d)
                };
                self.weight_sq_sum += a * a;
                if self.opts.adjust {
                    self.weight = total;
                } else {
                    // Renormalise so that the newest weight stays `alpha` and Σw = 1.
                    self.weight_sq_sum /= total * total;
                    self.weight = 1.0;
                }
                self.count += 1;
            }
            None => {
                if self.count > 0 && !self.opts.ignore_nulls {
                    self.decay();
                }
                return None;
            }
        }
        let mut correction = self.correction;
        let out = self.value_with(|sum, sq| correction.factor(sum, sq));
        self.correction = correction;
        out
    }
}

impl Merge for EwVar {
    fn merge(&mut self, _later: &Self) -> Result<(), StatError> {
        Err(StatError::NotMergeable("TODO".into()))
    }
}

impl Statistic for EwVar {
    const NAME: &'static str = "EWVar";

    fn get(&self) -> Option<f64> {
        self.value_with(unbiasing_factor)
    }

    fn validate(&self) -> Result<(), StatError> {
        self.opts.ewm().validate()?;
        decoded::counts_fit(&self.options())?;
        check_weight(self.weight)?;
        check_weight(self.weight_sq_sum)
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        let mut v = self.opts.ewm().options();
        v.push(("bias", OptionValue::Bool(self.opts.bias)));
        v
    }
}

/// Exponentially weighted standard deviation, `pl.Expr.ewm_std`: the square root of [`EwVar`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwStd(EwVar);

impl EwStd {
    pub fn new(opts: EwVarOptions) -> Result<Self, StatError> {
        EwVar::new(opts).map(EwStd)
    }
}

impl Kernel for EwStd {
    const COPY_INTO_LOOPS: bool = true;
    #[inline(always)]
    fn update(&mut self, x: Option<f64>) -> Option<f64> {
        self.0.update(x).map(f64::sqrt)
    }
}

impl Merge for EwStd {
    fn merge(&mut self, _later: &Self) -> Result<(), StatError> {
        Err(StatError::NotMergeable("TODO".into()))
    }
}

impl Statistic for EwStd {
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

/// Options of [`RollingEwMean`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollingEwmOptions {
    pub alpha: f64,
    pub window: Span,
    pub min_samples: u64,
}

/// The rows of an exponentially weighted window: the value `k` rows back has weight
/// `(1 - alpha)^k`, normalised over the non-null values held.
///
/// O(1) per row: the weighted mean and weight sum are updated as a row enters and as the
/// oldest leaves (its weight is then `(1 - alpha)^(rows - 1)`). Working with the mean rather
/// than a weighted sum keeps precision on data far from zero, and every rounding error is
/// damped by `1 - alpha` per row, so nothing drifts. Non-finite values are counted apart
/// (their presence decides the output: NaN, or ±inf) and so they leave the window cleanly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwRows {
    /// `1 - alpha`: the ageing of a row per newer row.
    decay: f64,
    rows: VecDeque<Option<f64>>,
    /// Weighted mean and weight sum of the finite values held.
    mean: f64,
    weight: f64,
    finite: u64,
    nan: u64,
    pos_inf: u64,
    neg_inf: u64,
    #[serde(skip)]
    leave: AgeWeight,
}

/// `(k, decay^k)` for the last `k` asked (a full row-count window always asks the same).
/// Derived data: not serialised, and equal whatever it remembers.
#[derive(Debug, Clone, Copy)]
struct AgeWeight(usize, f64);

impl Default for AgeWeight {
    fn default() -> Self {
        AgeWeight(0, 1.0)
    }
}

impl PartialEq for AgeWeight {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl EwRows {
    fn new(alpha: f64) -> Self {
        EwRows {
            decay: 1.0 - alpha,
            rows: VecDeque::new(),
            mean: 0.0,
            weight: 0.0,
            finite: 0,
            nan: 0,
            pos_inf: 0,
            neg_inf: 0,
            leave: AgeWeight::default(),
        }
    }

    fn count_class(&mut self, v: f64, delta: i64) {
        let slot = if v.is_finite() {
            &mut self.finite
        } else if v.is_nan() {
            &mut self.nan
        } else if v > 0.0 {
            &mut self.pos_inf
        } else {
            &mut self.neg_inf
        };
        *slot = slot.wrapping_add_signed(delta);
    }

    fn count(&self) -> u64 {
        self.finite + self.nan + self.pos_inf + self.neg_inf
    }

    fn value(&self, min_samples: u64) -> Option<f64> {
        let n = self.count();
        if n == 0 || n < min_samples {
            None
        } else if self.nan > 0 || (self.pos_inf > 0 && self.neg_inf > 0) {
            Some(f64::NAN)
        } else if self.pos_inf > 0 {
            Some(f64::INFINITY)
        } else if self.neg_inf > 0 {
            Some(f64::NEG_INFINITY)
        } else {
            Some(self.mean)
        }
    }

    /// `decay^k`, remembered for the last `k`.
    #[inline]
    fn weight_of_age(&mut self, k: usize) -> f64 {
        if self.leave.0 != k {
            self.leave = AgeWeight(k, self.decay.powf(k as f64));
        }
        self.leave.1
    }

    /// Check a decoded state: the counts of value classes match the rows.
    fn validate(&self) -> Result<(), StatError> {
        check_weight(self.weight)?;
        let mut probe = EwRows::new(1.0 - self.decay);
        for v in self.rows.iter().flatten() {
            probe.count_class(*v, 1);
        }
        if (probe.finite, probe.nan, probe.pos_inf, probe.neg_inf)
            != (self.finite, self.nan, self.pos_inf, self.neg_inf)
        {
            return Err(StatError::InvalidState(
                "value counts do not match the window".into(),
            ));
        }
        Ok(())
    }
}

impl Fifo for EwRows {
    #[inline]
    fn push(&mut self, x: Option<f64>) {
        // Every row held ages by one row.
        self.weight *= self.decay;
        self.rows.push_back(x);
        if let Some(x) = x {
            self.count_class(x, 1);
            if x.is_finite() {
                self.weight += 1.0;
                self.mean += (x - self.mean) * (1.0 / self.weight);
            }
        }
    }

    #[inline]
    fn pop(&mut self) {
        let age = self.rows.len().saturating_sub(1);
        let Some(Some(old)) = self.rows.pop_front() else {
            return;
        };
        self.count_class(old, -1);
        if !old.is_finite() {
            return;
        }
        if self.finite == 0 {
            self.mean = 0.0;
            self.weight = 0.0;
            return;
        }
        let leave = self.weight_of_age(age);
        if leave > 0.0 {
            // The leaving row has the smallest weight held, so `rest` keeps at least half of
            // `weight`: no cancellation. It only reaches 0 when every remaining weight has
            // underflowed.
            let rest = self.weight - leave;
            if rest > 0.0 {
                self.mean += (self.mean - old) * (leave / rest);
                self.weight = rest;
            } else {
                self.weight = 0.0;
            }
        }
    }

    fn rows(&self) -> usize {
        self.rows.len()
    }

    fn for_each_row(&self, f: &mut dyn FnMut(Option<f64>)) {
        self.rows.iter().for_each(|&x| f(x));
    }
}

/// Exponentially weighted mean of a window of rows ([`EwRows`]): the last `window_size` rows
/// or a time window. A null row outputs null, as in `ewm_mean`; with a row window at least
/// the length of the data this equals `ewm_mean(adjust=True, ignore_nulls=False)`. With
/// `window_size = 0` the window is always empty and every output null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingEwMean {
    opts: RollingEwmOptions,
    window: Window<EwRows>,
}

impl RollingEwMean {
    pub fn new(opts: RollingEwmOptions) -> Result<Self, StatError> {
        check_alpha(opts.alpha)?;
        opts.window.validate()?;
        let window = Window::new(opts.window.clone(), EwRows::new(opts.alpha));
        Ok(RollingEwMean { opts, window })
    }
}

impl Kernel for RollingEwMean {
    #[inline]
    fn update(&mut self, x: Option<f64>) -> Option<f64> {
        self.window.push_row(x);
        x?;
        self.get()
    }
}

impl Windowed for RollingEwMean {
    type Rows = EwRows;
    const NULL_ROW_IS_NULL: bool = true;

    #[inline(always)]
    fn window(&mut self) -> &mut Window<EwRows> {
        &mut self.window
    }

    #[inline(always)]
    fn output(&mut self) -> Option<f64> {
        self.get()
    }
}

impl Merge for RollingEwMean {
    /// `later`'s rows continue this window (see [`Window::merge`]).
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        self.window
            .merge(&later.window, EwRows::new(self.opts.alpha))
    }
}

impl Statistic for RollingEwMean {
    const NAME: &'static str = "RollingEWMean";

    fn get(&self) -> Option<f64> {
        self.window.rows().value(self.opts.min_samples)
    }

    fn validate(&self) -> Result<(), StatError> {
        check_alpha(self.opts.alpha)?;
        decoded::counts_fit(&self.options())?;
        // The default min_samples=1 stands with an empty window (0 and 1 mean the same).
        self.window
            .validate_for(&self.opts.window, self.opts.min_samples, 1)?;
        let rows = self.window.rows();
        if rows.decay != 1.0 - self.opts.alpha {
            return Err(StatError::InvalidState(
                "window decay does not match alpha".into(),
            ));
        }
        rows.validate()
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        let mut opts = vec![
            ("alpha", OptionValue::Float(self.opts.alpha)),
            self.opts.window.window_size_option(),
            ("min_samples", OptionValue::Int(self.opts.min_samples)),
        ];
        opts.extend(self.opts.window.closed_option());
        opts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::snapshot;
    use crate::core::sweep::run_options;

    const X: [f64; 12] = [1.0, 3.0, 2.0, 8.0, 5.0, 4.0, 7.0, 6.0, 10.0, 9.0, -2.0, 0.5];

    fn opts(alpha: f64, adjust: bool) -> EwmOptions {
        EwmOptions {
            alpha,
            adjust,
            min_samples: 1,
            ignore_nulls: false,
        }
    }

    fn var_opts(alpha: f64, adjust: bool, bias: bool) -> EwVarOptions {
        EwVarOptions {
            alpha,
            adjust,
            min_samples: 1,
            ignore_nulls: false,
            bias,
        }
    }

    fn close(a: Option<f64>, b: Option<f64>, tol: f64) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= tol * b.abs().max(1.0),
            (None, None) => true,
            _ => false,
        }
    }

    fn all(xs: &[f64]) -> Vec<Option<f64>> {
        xs.iter().copied().map(Some).collect()
    }

    #[test]
    fn worked_example_adjust_false() {
        // Hand-computed recursion y = 0.7 y + 0.3 x (see shared notes): 1, 1.6, 1.72, 3.604, 4.0228.
        let out = run_options(&mut EwMean::new(opts(0.3, false)).unwrap(), &all(&X));
        for (o, e) in out.iter().zip([1.0, 1.6, 1.72, 3.604, 4.0228]) {
            assert!(close(*o, Some(e), 1e-14), "{o:?} vs {e}");
        }
        let var = run_options(
            &mut EwVar::new(var_opts(0.3, false, true)).unwrap(),
            &all(&X),
        );
        for (o, e) in var.iter().zip([0.0, 0.84, 0.6216, 8.717184]) {
            assert!(close(*o, Some(e), 1e-13), "{o:?} vs {e}");
        }
        let unbiased = run_options(
            &mut EwVar::new(var_opts(0.3, false, false)).unwrap(),
            &all(&X),
        );
        assert_eq!(unbiased[0], None);
        for (o, e) in unbiased[1..].iter().zip([2.0, 0.99328859, 11.99653199]) {
            assert!(close(*o, Some(e), 1e-8), "{o:?} vs {e}");
        }
    }

    #[test]
    fn adjust_true_is_normalised_weighted_mean() {
        // Direct definition with nulls aging the weights (ignore_nulls=False).
        let xs = [
            Some(2.0),
            None,
            Some(5.0),
            Some(-1.0),
            None,
            None,
            Some(4.0),
        ];
        let alpha = 0.4f64;
        let out = run_options(&mut EwMean::new(opts(alpha, true)).unwrap(), &xs);
        for t in 0..xs.len() {
            let expected = xs[t].map(|_| {
                let (mut num, mut den) = (0.0, 0.0);
                for (k, x) in xs[..=t].iter().rev().enumerate() {
                    if let Some(x) = x {
                        let w = (1.0 - alpha).powi(k as i32);
                        num += w * x;
                        den += w;
                    }
                }
                num / den
            });
            assert!(
                close(out[t], expected, 1e-14),
                "row {t}: {:?} vs {expected:?}",
                out[t]
            );
        }
    }

    #[test]
    fn min_samples_counts_non_null_values() {
        let mut o = opts(0.5, true);
        o.min_samples = 2;
        let out = run_options(&mut EwMean::new(o).unwrap(), &[Some(1.0), None, Some(3.0)]);
        assert_eq!(out[0], None);
        assert_eq!(out[1], None);
        assert!(out[2].is_some());
    }

    #[test]
    fn resolve_alpha_matches_polars_conversions() {
        assert_eq!(resolve_alpha(Some(1.0), None, None, None).unwrap(), 0.5);
        assert_eq!(resolve_alpha(None, Some(3.0), None, None).unwrap(), 0.5);
        assert!((resolve_alpha(None, None, Some(1.0), None).unwrap() - 0.5).abs() < 1e-15);
        assert_eq!(resolve_alpha(None, None, None, Some(1.0)).unwrap(), 1.0);
        assert!(matches!(
            resolve_alpha(None, None, None, None),
            Err(StatError::ConflictingOptions(_))
        ));
        assert!(matches!(
            resolve_alpha(Some(1.0), None, None, Some(0.5)),
            Err(StatError::ConflictingOptions(_))
        ));
        for (bad, name) in [
            (resolve_alpha(Some(-1.0), None, None, None), "com"),
            (resolve_alpha(None, Some(0.5), None, None), "span"),
            (resolve_alpha(None, None, Some(0.0), None), "half_life"),
            (resolve_alpha(None, None, None, Some(0.0)), "alpha"),
            (resolve_alpha(None, None, None, Some(1.5)), "alpha"),
            (resolve_alpha(None, None, None, Some(f64::NAN)), "alpha"),
        ] {
            match bad {
                Err(StatError::InvalidOption { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn variance_is_stable_far_from_zero() {
        // 1e9 + a small deterministic wiggle: compare with the same recursion run on the
        // wiggle alone (variance is shift invariant; the shifted run has no cancellation).
        let wiggle: Vec<f64> = (0..100_000)
            .map(|i| ((i * 7919 % 1000) as f64 / 1000.0 - 0.5) * 2.0)
            .collect();
        let shifted: Vec<f64> = wiggle.iter().map(|w| 1e9 + w).collect();
        for adjust in [true, false] {
            let mut a = EwVar::new(var_opts(0.01, adjust, false)).unwrap();
            let mut b = EwVar::new(var_opts(0.01, adjust, false)).unwrap();
            for (s, w) in shifted.iter().zip(&wiggle) {
                let (va, vb) = (a.update(Some(*s)), b.update(Some(*w)));
                assert!(close(va, vb, 1e-6), "{va:?} vs {vb:?}");
            }
            // The wiggle itself is representable after adding 1e9 only to ~1e-7, which bounds
            // the comparison above; at the end both agree far better.
            assert!(close(a.get(), b.get(), 1e-7));
        }
    }

    #[test]
    fn rolling_ewm_matches_direct_definition() {
        let xs: Vec<Option<f64>> = (0..200)
            .map(|i| {
                if i % 7 == 3 {
                    None
                } else {
                    Some(((i * 37 % 23) as f64) - 11.0 + 1e6)
                }
            })
            .collect();
        for window in [1u64, 2, 5, 50, 500] {
            for alpha in [0.05, 0.5, 1.0] {
                let o = RollingEwmOptions {
                    alpha,
                    window: Span::Rows(window),
                    min_samples: 1,
                };
                let out = run_options(&mut RollingEwMean::new(o).unwrap(), &xs);
                for t in 0..xs.len() {
                    let lo = (t + 1).saturating_sub(window as usize);
                    let (mut num, mut den) = (0.0, 0.0);
                    for (k, x) in xs[lo..=t].iter().rev().enumerate() {
                        if let Some(x) = x {
                            let w = (1.0 - alpha).powi(k as i32);
                            num += w * (x - 1e6);
                            den += w;
                        }
                    }
                    let expected = xs[t].and((den > 0.0).then(|| 1e6 + num / den));
                    assert!(
                        close(out[t], expected, 1e-12),
                        "W={window} a={alpha} row {t}: {:?} vs {expected:?}",
                        out[t]
                    );
                }
            }
        }
    }

    #[test]
    fn rolling_ewm_with_large_window_equals_ewm_mean_adjusted() {
        let xs: Vec<Option<f64>> = (0..300)
            .map(|i| {
                if i % 5 == 1 {
                    None
                } else {
                    Some((i as f64).sin())
                }
            })
            .collect();
        let a = run_options(
            &mut RollingEwMean::new(RollingEwmOptions {
                alpha: 0.2,
                window: Span::Rows(1000),
                min_samples: 1,
            })
            .unwrap(),
            &xs,
        );
        let b = run_options(&mut EwMean::new(opts(0.2, true)).unwrap(), &xs);
        assert_eq!(a, b);
    }

    #[test]
    fn rolling_ewm_recovers_after_non_finite_values_leave() {
        let xs = [
            Some(1.0),
            Some(f64::NAN),
            Some(2.0),
            Some(f64::INFINITY),
            Some(3.0),
            Some(4.0),
            Some(5.0),
        ];
        let o = RollingEwmOptions {
            alpha: 0.5,
            window: Span::Rows(2),
            min_samples: 1,
        };
        let out = run_options(&mut RollingEwMean::new(o).unwrap(), &xs);
        assert!(out[1].unwrap().is_nan() && out[2].unwrap().is_nan());
        assert_eq!(out[3], Some(f64::INFINITY));
        assert_eq!(out[4], Some(f64::INFINITY));
        assert!(close(out[5], Some((4.0 + 0.5 * 3.0) / 1.5), 1e-15));
        assert!(close(out[6], Some((5.0 + 0.5 * 4.0) / 1.5), 1e-15));
    }

    /// `window_size = 0`: the window is always empty and every output null.
    #[test]
    fn rolling_ewm_with_an_empty_window_outputs_nulls() {
        let mut s = RollingEwMean::new(RollingEwmOptions {
            alpha: 0.5,
            window: Span::Rows(0),
            min_samples: 0,
        })
        .unwrap();
        let xs = [Some(1.0), None, Some(f64::INFINITY)];
        assert_eq!(run_options(&mut s, &xs), [None; 3]);
        assert_eq!(s.get(), None);
        let back: RollingEwMean = snapshot::decode(&snapshot::encode(&s)).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn snapshots_round_trip_and_reject_bad_bytes() {
        let mut s = RollingEwMean::new(RollingEwmOptions {
            alpha: 0.1,
            window: Span::Rows(3),
            min_samples: 1,
        })
        .unwrap();
        for x in [1.0, 2.0, 3.0, 4.0] {
            s.update(Some(x));
        }
        let bytes = snapshot::encode(&s);
        let mut back: RollingEwMean = snapshot::decode(&bytes).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.update(Some(9.0)), s.clone().update(Some(9.0)));
        for cut in 0..bytes.len() {
            assert!(
                snapshot::decode::<RollingEwMean>(&bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        assert!(snapshot::decode::<EwMean>(&bytes).is_err());
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(snapshot::decode::<RollingEwMean>(&extra).is_err());
        let mut wrong_version = bytes.clone();
        wrong_version[3] = 99;
        assert!(snapshot::decode::<RollingEwMean>(&wrong_version).is_err());
        // Random garbage never panics.
        let mut seed = 12345u64;
        for _ in 0..2000 {
            let mut b = bytes.clone();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = 4 + (seed >> 33) as usize % (b.len() - 4);
            b[i] ^= (seed >> 13) as u8 | 1;
            let _ = snapshot::decode::<RollingEwMean>(&b);
        }
    }
}
