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
use super::parallel::Decaying;
use super::sweep::Running;
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

/// What a row-decayed state keeps so that a later stream can be merged after it (see
/// [`EwMean::merge`]): the decaying steps its rows took, the weights before its trailing
/// nulls, and what its first value's share of the total weight is made of.
///
/// All of it changes at null rows only, never on the path of a value: more work there (even
/// a store or a call on a branch rarely taken) made LLVM keep the sweeps' state in memory
/// rather than in registers, which doubled the time per row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Steps {
    /// The null rows that aged the weights (every null row unless `ignore_nulls`), leading
    /// nulls included: a fresh state ignores those, but in a merged stream they age the
    /// earlier part. With the values, they are the stream's decaying steps.
    nulls: u64,
    /// The nulls before the first value, once a later run of nulls has begun (before that,
    /// `gap` when `gap_after` is 0).
    lead: u64,
    /// The latest run of nulls: `gap` nulls after the first `gap_after` values; they are
    /// trailing while no value has come since (`count == gap_after`).
    gap: u64,
    gap_after: u64,
    /// The total weight and Σw² when that run began (the variance uses the latter): what
    /// they were just after the last value, before the nulls decayed them (perhaps to 0).
    gap_weight: f64,
    gap_sq_sum: f64,
    /// The total weight at the end of that run (decayed by it).
    gap_end_weight: f64,
    /// With `adjust=False` (unused otherwise): the first value's share of the total weight
    /// after the first `share_at` values (1 after the first). Each later value multiplies it
    /// by `1 - f`, which is the same for every value with the total weight 1 of a value
    /// before it (`1 - alpha / (1 - alpha + alpha)`), and differs for a value after a run of
    /// nulls: `folded` is the product of those values' `1 - f` since `share_at` (there are
    /// `irregular` of them), except for the value after the latest run, if any.
    share: f64,
    share_at: u64,
    folded: f64,
    irregular: u64,
}

/// `x^n` for a count.
fn pow(x: f64, n: u64) -> f64 {
    x.powf(n as f64)
}

/// The weights `(Σw, Σw²)` decayed by `n` null rows as the kernels do it, one row at a time
/// (up to 4096 rows, then `pow`): bit for bit as feeding the nulls. It matters where a
/// single value carries the weight: the unbiased variance is then `0 / ((Σw)² - Σw²)`, null
/// or 0 depending on the last bits of both.
fn decay_by_nulls(weights: (f64, f64), alpha: f64, n: u64) -> (f64, f64) {
    const ROW_BY_ROW: u64 = 4096;
    let beta = 1.0 - alpha;
    let (mut w, mut sq) = weights;
    for _ in 0..n.min(ROW_BY_ROW) {
        if w == 0.0 && sq == 0.0 {
            return (w, sq);
        }
        w *= beta;
        sq *= beta * beta;
    }
    if n > ROW_BY_ROW {
        let d = pow(beta, n - ROW_BY_ROW);
        (w, sq) = (w * d, sq * (d * d));
    }
    (w, sq)
}

/// What the older values keep of the total weight when a value comes, with total weight
/// `weight` before it (as [`EwMean`]'s kernel computes it).
fn rest_after(weight: f64, opts: &EwmOptions) -> f64 {
    let a = opts.new_weight();
    1.0 - a / (weight * (1.0 - opts.alpha) + a)
}

impl Steps {
    const FRESH: Steps = Steps {
        nulls: 0,
        lead: 0,
        gap: 0,
        gap_after: 0,
        gap_weight: 0.0,
        gap_sq_sum: 0.0,
        gap_end_weight: 0.0,
        share: 1.0,
        share_at: 1,
        folded: 1.0,
        irregular: 0,
    };

    /// `n > 0` decaying null rows after `count` values: `before` the total weight and Σw²
    /// before them, `end_weight` the total weight after them.
    #[inline(always)]
    fn nulls(
        &mut self,
        n: u64,
        count: u64,
        before: (f64, f64),
        end_weight: f64,
        opts: &EwmOptions,
    ) {
        if count != self.gap_after {
            self.new_gap(count, before, opts);
        }
        self.gap += n;
        self.nulls += n;
        self.gap_end_weight = end_weight;
    }

    /// A run of nulls begins after `count` values, values having come since the previous
    /// run: the value after that run counts as irregular, or the run was the leading one.
    /// Out of line: inlined, it made the masked sweeps' loops too large to inline their row
    /// iterator (a call per row).
    #[cold]
    #[inline(never)]
    fn new_gap(&mut self, count: u64, before: (f64, f64), opts: &EwmOptions) {
        if self.gap_after == 0 {
            self.lead = self.gap;
        }
        if self.pending() {
            self.folded *= rest_after(self.gap_end_weight, opts);
            self.irregular += 1;
        }
        self.gap = 0;
        self.gap_after = count;
        (self.gap_weight, self.gap_sq_sum) = before;
    }

    /// Whether the latest run of nulls came after the first value and after `share_at`
    /// (values came after it: the caller knows that).
    fn pending(&self) -> bool {
        self.gap > 0 && self.gap_after >= self.share_at
    }

    /// The nulls before the first value (when there is one).
    fn lead(&self) -> u64 {
        if self.gap_after == 0 {
            self.gap
        } else {
            self.lead
        }
    }

    /// The nulls after the last value.
    fn trailing(&self, count: u64) -> u64 {
        if count == self.gap_after {
            self.gap
        } else {
            0
        }
    }

    /// The total weight and Σw² just after the last value (`weight` and `sq_sum` now).
    fn at_last_value(&self, count: u64, weight: f64, sq_sum: f64) -> (f64, f64) {
        if self.trailing(count) > 0 {
            (self.gap_weight, self.gap_sq_sum)
        } else {
            (weight, sq_sum)
        }
    }

    /// The first value's share of the total weight after `count > 0` values, with
    /// `adjust=False`.
    fn share_now(&self, count: u64, opts: &EwmOptions) -> f64 {
        let (mut share, mut irregular) = (self.share * self.folded, self.irregular);
        if count > self.gap_after && self.pending() {
            share *= rest_after(self.gap_end_weight, opts);
            irregular += 1;
        }
        let regular = count.saturating_sub(self.share_at + irregular);
        share * pow(rest_after(1.0, opts), regular)
    }

    /// The steps of a merge of two parts with values (see [`EwMean::merge`]): `at_last` the
    /// merged total weight and Σw² after `later`'s last value, `weight` the merged total
    /// weight now, `share` the merged first value's share.
    fn merged(
        &self,
        counts: (u64, u64),
        later: &Steps,
        at_last: (f64, f64),
        weight: f64,
        share: f64,
    ) -> Steps {
        let count = counts.0 + counts.1;
        let gap = later.trailing(counts.1);
        Steps {
            nulls: self.nulls + later.nulls,
            lead: self.lead(),
            gap,
            gap_after: count,
            gap_weight: at_last.0,
            gap_sq_sum: at_last.1,
            gap_end_weight: if gap > 0 { weight } else { 0.0 },
            share,
            share_at: count,
            folded: 1.0,
            irregular: 0,
        }
    }

    /// An earlier part of `nulls` nulls only, before this state's rows.
    fn after_nulls(&mut self, nulls: u64) {
        self.nulls += nulls;
        if self.gap_after == 0 {
            // The latest run is the leading one: it grows.
            self.gap += nulls;
        } else {
            self.lead += nulls;
        }
    }

    fn validate(&self, count: u64) -> Result<(), StatError> {
        let s = self;
        let consistent = s.lead <= s.nulls
            && s.gap <= s.nulls
            && s.gap_after <= count
            && (count > 0 || (s.lead == 0 && s.gap == s.nulls && s.gap_after == 0))
            && s.share_at >= 1
            && s.share_at <= count.max(1)
            && s.irregular <= count
            && count.checked_add(s.nulls).is_some();
        if !consistent {
            return Err(StatError::InvalidState(format!(
                "inconsistent step counts ({count} values, {} nulls, {} before the first \
                 value, {} after value {}, first value's share kept at value {})",
                s.nulls, s.lead, s.gap, s.gap_after, s.share_at
            )));
        }
        for (what, v) in [("first value's share", s.share), ("folded share", s.folded)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(StatError::InvalidState(format!(
                    "the {what} {v} is not in [0, 1]"
                )));
            }
        }
        check_weight(s.gap_weight)?;
        check_weight(s.gap_sq_sum)?;
        check_weight(s.gap_end_weight)
    }
}

/// How the two parts of a merge weigh against each other (both hold values).
enum Join {
    /// `adjust=True`: absolute weights. Up to `later`'s last value the earlier part's
    /// weights decay by `decay`; `r` and `rest` are then the two parts' shares of the merged
    /// total weight `total`.
    Adjusted {
        decay: f64,
        r: f64,
        rest: f64,
        total: f64,
    },
    /// `adjust=False`: `later`'s first value keeps `k` of the lump {earlier part, itself}
    /// where a fresh run gave it everything, so that of its final share `p` the earlier part
    /// gets `q = p (1 - k)`.
    Recursive { k: f64, p: f64, q: f64 },
}

impl EwmOptions {
    /// The weights of a merge: `weight` the earlier part's total weight (decayed by its
    /// trailing nulls), `later` the later part's steps, `later_count` its values and
    /// `later_weight` its total weight just after its last value.
    fn join(&self, weight: f64, later: &Steps, later_count: u64, later_weight: f64) -> Join {
        let beta = 1.0 - self.alpha;
        if self.adjust {
            let steps = later_count + later.nulls - later.trailing(later_count);
            let decay = pow(beta, steps);
            let earlier = weight * decay;
            let total = earlier + later_weight;
            Join::Adjusted {
                decay,
                r: earlier / total,
                rest: later_weight / total,
                total,
            }
        } else {
            // `later`'s first value meets the earlier weight aged by the nulls before it and
            // by its own step: of the total `w + alpha` it gets `alpha`, the earlier part `w`.
            let w = weight * pow(beta, later.lead() + 1);
            let total = w + self.alpha;
            let p = later.share_now(later_count, self);
            Join::Recursive {
                k: self.alpha / total,
                p,
                q: p * (w / total),
            }
        }
    }
}

/// Exponentially weighted mean, `pl.Expr.ewm_mean`.
///
/// Merge (see [`EwMean::merge`]): the exact composition of the two recursions, `adjust`,
/// `ignore_nulls` and `min_samples` included. `later`'s rows age this state's weights by
/// `1 - alpha` per decaying step (each value, and each null unless `ignore_nulls`: `later`'s
/// leading nulls too), so the state keeps its [`Steps`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EwMean {
    opts: EwmOptions,
    mean: f64,
    /// Total weight of the observations so far, relative to the newest one's.
    weight: f64,
    count: u64,
    /// The first value.
    first: f64,
    steps: Steps,
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
            first: 0.0,
            steps: Steps::FRESH,
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
                self.first = x;
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
                // Before the first value the weight is 0 and stays 0.
                if !o.ignore_nulls {
                    let before = self.weight;
                    self.weight *= 1.0 - o.alpha;
                    self.steps
                        .nulls(1, self.count, (before, 0.0), self.weight, o);
                }
                return None;
            }
        }
        o.enough(self.count).then_some(self.mean)
    }

    /// Row by row until the weight has reached its fixed point (at once with
    /// `adjust=False`, after a few hundred values with `adjust=True`) and outputs are due;
    /// then the fraction `f` is the same on every row and the rest of the run is the bare
    /// recursion `mean += (x - mean) f`: the same operations as [`Kernel::update`], so the
    /// same numbers bit for bit, without the weight, the count and the validity per row.
    #[inline(always)]
    fn run_dense(&mut self, values: &[f64], out: &mut Running) {
        self.run_dense_watched(values, out, &mut ());
    }
}

impl Decaying for EwMean {
    fn decay(&self) -> (f64, u64) {
        (self.opts.alpha, self.opts.min_samples)
    }

    #[inline(always)]
    fn run_dense_watched<W: Watch>(&mut self, values: &[f64], out: &mut Running, watch: &mut W) {
        let mut rest = values;
        while !rest.is_empty() {
            let o = self.opts;
            let a = o.new_weight();
            let total = self.weight * (1.0 - o.alpha) + a;
            let next = if o.adjust { total } else { 1.0 };
            if self.count > 0 && next == self.weight && o.enough(self.count + 1) {
                let f = self.fraction.of(a, total);
                let mut mean = self.mean;
                out.extend_valid(rest.iter().map(|&x| {
                    watch.see(x);
                    mean += (x - mean) * f;
                    mean
                }));
                self.mean = mean;
                self.count += rest.len() as u64;
                return;
            }
            let (head, tail) = rest.split_at(rest.len().min(WARM_UP_BLOCK));
            out.extend(head.iter().map(|&x| {
                watch.see(x);
                self.update(Some(x))
            }));
            rest = tail;
        }
    }
}

/// The rows a dense run takes row by row between checks for the steady state of the EW
/// kernels' weights.
const WARM_UP_BLOCK: usize = 64;

/// Something shown every value of a dense run as the EW kernels sweep it (the largest `|x|`
/// for a parallel sweep's warm-ups): in the same loop, so at no extra read of the values.
pub trait Watch {
    /// One value, in row order.
    fn see(&mut self, x: f64);
}

/// Watching nothing (a plain sweep).
impl Watch for () {
    #[inline(always)]
    fn see(&mut self, _: f64) {}
}

/// The merged mean when either part's mean is not finite, as one pass gives it: the
/// recursion `m += (x - m) f` (`f > 0`) turns a non-finite mean into NaN at the next value,
/// and a finite one into the class of a non-finite value. So the one-pass mean is NaN when
/// the earlier part's is not finite, and otherwise `later`'s (±inf or NaN).
#[inline]
fn non_finite_mean(earlier: f64, later: f64) -> f64 {
    if earlier.is_finite() {
        later
    } else {
        f64::NAN
    }
}

impl Merge for EwMean {
    /// `later`'s rows after this state's: the exact composition of the recursions (to
    /// rounding). Either part without values is the identity, except that a part of nulls
    /// only still ages the weights, as feeding those nulls would. Otherwise, with `D` the
    /// decay of `later`'s steps up to its last value (`(1 - alpha)^n`) and `W` the total
    /// weights (`W_b` just after `later`'s last value):
    /// - `adjust=True`: `m = m_b + r (m_a - m_b)`, `r = W_a D / (W_a D + W_b)`;
    /// - `adjust=False`: `later`'s first value `x1`, `g` nulls after `W_a`, gets
    ///   `k = alpha / (W_a (1 - alpha)^(g+1) + alpha)` of the lump {this state's values,
    ///   `x1`} where a fresh run gave it everything; of its final share `p`, `q = p (1 - k)`
    ///   goes to this state's values: `m = m_b + q (m_a - x1)`.
    ///
    /// A non-finite mean follows the one-pass arithmetic (NaN once the earlier part's is not
    /// finite, else `later`'s).
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        let o = self.opts;
        if later.count == 0 {
            let n = later.steps.nulls;
            if n > 0 {
                let before = self.weight;
                self.weight = decay_by_nulls((before, 0.0), o.alpha, n).0;
                self.steps
                    .nulls(n, self.count, (before, 0.0), self.weight, &o);
            }
            return Ok(());
        }
        if self.count == 0 {
            let nulls = self.steps.nulls;
            *self = later.clone();
            self.steps.after_nulls(nulls);
            return Ok(());
        }
        let (later_weight, _) = later.steps.at_last_value(later.count, later.weight, 0.0);
        let join = o.join(self.weight, &later.steps, later.count, later_weight);
        let (to_earlier, pivot, at_last, weight) = match join {
            Join::Adjusted { r, total, .. } => {
                let gap = later.steps.trailing(later.count);
                let weight = total * pow(1.0 - o.alpha, gap);
                (r, later.mean, total, weight)
            }
            Join::Recursive { q, .. } => (q, later.first, 1.0, later.weight),
        };
        let share = self.steps.share_now(self.count, &o) * to_earlier;
        self.mean = if self.mean.is_finite() && later.mean.is_finite() {
            later.mean + to_earlier * (self.mean - pivot)
        } else {
            non_finite_mean(self.mean, later.mean)
        };
        self.weight = weight;
        self.steps = self.steps.merged(
            (self.count, later.count),
            &later.steps,
            (at_last, 0.0),
            weight,
            share,
        );
        self.count += later.count;
        self.fraction = Fraction::default();
        Ok(())
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
        check_weight(self.weight)?;
        self.steps.validate(self.count)
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
///
/// Merge (see [`EwVar::merge`]): the weights of [`EwMean::merge`], the biased variances
/// combined as weighted groups, and `Σw²` following the weights.
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
    steps: Steps,
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
            steps: Steps::FRESH,
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
                // Before the first value the weights are 0 and stay 0.
                if !self.opts.ignore_nulls {
                    let before = (self.weight, self.weight_sq_sum);
                    self.decay();
                    let o = self.opts.ewm();
                    self.steps.nulls(1, self.count, before, self.weight, &o);
                }
                return None;
            }
        }
        let mut correction = self.correction;
        let out = self.value_with(|sum, sq| correction.factor(sum, sq));
        self.correction = correction;
        out
    }

    #[inline(always)]
    fn run_dense(&mut self, values: &[f64], out: &mut Running) {
        self.run_dense_then(values, out, |v| v, &mut ());
    }
}

impl Decaying for EwVar {
    fn decay(&self) -> (f64, u64) {
        (self.opts.alpha, self.opts.min_samples)
    }

    #[inline(always)]
    fn run_dense_watched<W: Watch>(&mut self, values: &[f64], out: &mut Running, watch: &mut W) {
        self.run_dense_then(values, out, |v| v, watch);
    }
}

impl EwVar {
    /// [`Kernel::run_dense`] with `post` applied to each output (the square root for
    /// [`EwStd`]), each value shown to `watch` as well. Row by row until the weights
    /// `(Σw, Σw²)` have reached their fixed point (after a few hundred values) and outputs
    /// are due and valid; then the fraction `f` and the unbiasing factor are the same on
    /// every row and the rest of the run is the bare recursion of the mean and the
    /// variance: the same operations as [`Kernel::update`], so the same numbers bit for
    /// bit, without the weights, the count and the validity per row.
    #[inline(always)]
    fn run_dense_then<W: Watch>(
        &mut self,
        values: &[f64],
        out: &mut Running,
        post: impl Fn(f64) -> f64,
        watch: &mut W,
    ) {
        let mut rest = values;
        while !rest.is_empty() {
            let o = self.opts.ewm();
            let beta = 1.0 - o.alpha;
            let a = o.new_weight();
            // One value's step of the weights, as `update` takes it.
            let (weight, mut sq_sum) = (self.weight * beta, self.weight_sq_sum * (beta * beta));
            let total = weight + a;
            sq_sum += a * a;
            let next = if o.adjust {
                (total, sq_sum)
            } else {
                (1.0, sq_sum / (total * total))
            };
            if self.count > 0
                && next == (self.weight, self.weight_sq_sum)
                && o.enough(self.count + 1)
            {
                let factor = if self.opts.bias {
                    1.0
                } else {
                    self.correction.factor(self.weight, self.weight_sq_sum)
                };
                if factor > 0.0 {
                    let f = self.fraction.of(a, total);
                    let g = 1.0 - f;
                    let bias = self.opts.bias;
                    let shift = self.shift;
                    let (mut mean, mut var) = (self.mean, self.var);
                    out.extend_valid(rest.iter().map(|&x| {
                        watch.see(x);
                        let xs = x - shift;
                        let d = xs - mean;
                        mean = mean * g + xs * f;
                        var = if d.is_infinite() {
                            f64::NAN
                        } else {
                            g * (var + f * d * d)
                        };
                        post(if bias { var } else { var * factor })
                    }));
                    (self.mean, self.var) = (mean, var);
                    self.count += rest.len() as u64;
                    return;
                }
            }
            let (head, tail) = rest.split_at(rest.len().min(WARM_UP_BLOCK));
            out.extend(head.iter().map(|&x| {
                watch.see(x);
                self.update(Some(x)).map(&post)
            }));
            rest = tail;
        }
    }
}

impl Merge for EwVar {
    /// `later`'s rows after this state's, with [`EwMean::merge`]'s weights; `d` is the
    /// difference of the means (in this state's shifted coordinates), `v` the biased
    /// variances:
    /// - `adjust=True` (Chan): `v = r v_a + (1 - r) v_b + r (1 - r) d²`,
    ///   `Σw² = D² Σw²_a + Σw²_b`;
    /// - `adjust=False` (shares summing to 1): with `d = m_a - x1`, `e = x1 - m_b`,
    ///   `v = v_b + q v_a + q (1 - q) d² + 2 q d e` and the squared shares
    ///   `s = s_b - p² (1 - k²) + q² s_a` (`x1`'s share `p` becomes `k p`, the earlier
    ///   part's shares scale by `q`).
    ///
    /// As in one pass, a non-finite value in either part makes the variance of a merge of
    /// two parts with values NaN.
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        let o = self.opts.ewm();
        if later.count == 0 {
            let n = later.steps.nulls;
            if n > 0 {
                let before = (self.weight, self.weight_sq_sum);
                (self.weight, self.weight_sq_sum) = decay_by_nulls(before, o.alpha, n);
                self.steps.nulls(n, self.count, before, self.weight, &o);
            }
            return Ok(());
        }
        if self.count == 0 {
            let nulls = self.steps.nulls;
            *self = later.clone();
            self.steps.after_nulls(nulls);
            return Ok(());
        }
        let (later_weight, later_sq) =
            later
                .steps
                .at_last_value(later.count, later.weight, later.weight_sq_sum);
        let (own_weight, own_sq) =
            self.steps
                .at_last_value(self.count, self.weight, self.weight_sq_sum);
        // `later`'s mean relative to this state's shift (its first value is `later.shift`).
        let offset = later.shift - self.shift;
        let later_mean = later.mean + offset;
        let join = o.join(self.weight, &later.steps, later.count, later_weight);
        let (mean, var, at_last, weights, to_earlier) = match join {
            Join::Adjusted {
                decay,
                r,
                rest,
                total,
            } => {
                let d = self.mean - later_mean;
                let var = r * self.var + rest * later.var + r * rest * d * d;
                let sq = self.weight_sq_sum * (decay * decay) + later_sq;
                let g = pow(1.0 - o.alpha, later.steps.trailing(later.count));
                let weights = (total * g, sq * (g * g));
                (later_mean + r * d, var, (total, sq), weights, r)
            }
            Join::Recursive { k, p, q } => {
                let d = self.mean - offset;
                let e = -later.mean;
                let var = later.var + q * self.var + q * (1.0 - q) * d * d + 2.0 * q * d * e;
                // With adjust=False the weights just after a value sum to 1: Σw² is then the
                // sum of the squared shares.
                debug_assert!(own_weight == 1.0 && later_weight == 1.0);
                let s = later_sq - p * p * (1.0 - k * k) + q * q * own_sq;
                let s = s.clamp(0.0, 1.0);
                let w = later.weight;
                (later_mean + q * d, var, (1.0, s), (w, s * (w * w)), q)
            }
        };
        if self.mean.is_finite() && later.mean.is_finite() {
            self.mean = mean;
            // Rounding may leave a variance of 0 a hair below it.
            self.var = if var > 0.0 { var } else { 0.0 };
        } else {
            self.mean = f64::NAN;
            self.var = f64::NAN;
        }
        (self.weight, self.weight_sq_sum) = weights;
        let share = self.steps.share_now(self.count, &o) * to_earlier;
        self.steps = self.steps.merged(
            (self.count, later.count),
            &later.steps,
            at_last,
            self.weight,
            share,
        );
        self.count += later.count;
        self.fraction = Fraction::default();
        Ok(())
    }
}

impl Statistic for EwVar {
    const NAME: &'static str = "EWVar";

    fn get(&self) -> Option<f64> {
        // After trailing nulls, the unbiasing factor of the weights as they were at the last
        // value: the same number (a null row changes nothing), with the last output's bits
        // (the decayed weights give the same ratio, rounded differently).
        let st = &self.steps;
        if st.gap > 0 && st.gap_after == self.count && self.count > 0 {
            return self.value_with(|_, _| unbiasing_factor(st.gap_weight, st.gap_sq_sum));
        }
        self.value_with(unbiasing_factor)
    }

    fn validate(&self) -> Result<(), StatError> {
        self.opts.ewm().validate()?;
        decoded::counts_fit(&self.options())?;
        check_weight(self.weight)?;
        check_weight(self.weight_sq_sum)?;
        self.steps.validate(self.count)?;
        // NaN is a legitimate variance (non-finite data); a negative one is not.
        if self.var < 0.0 {
            return Err(StatError::InvalidState(format!(
                "negative variance {}",
                self.var
            )));
        }
        Ok(())
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        let mut v = self.opts.ewm().options();
        v.push(("bias", OptionValue::Bool(self.opts.bias)));
        v
    }
}

/// Exponentially weighted standard deviation, `pl.Expr.ewm_std`: the square root of [`EwVar`]
/// (merged as [`EwVar`]).
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

    #[inline(always)]
    fn run_dense(&mut self, values: &[f64], out: &mut Running) {
        self.0.run_dense_then(values, out, f64::sqrt, &mut ());
    }
}

impl Decaying for EwStd {
    fn decay(&self) -> (f64, u64) {
        self.0.decay()
    }

    #[inline(always)]
    fn run_dense_watched<W: Watch>(&mut self, values: &[f64], out: &mut Running, watch: &mut W) {
        self.0.run_dense_then(values, out, f64::sqrt, watch);
    }
}

impl Merge for EwStd {
    /// [`EwVar::merge`].
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        self.0.merge(&later.0)
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

/// Merges of the cumulative EW statistics against one pass over the concatenated rows.
#[cfg(test)]
mod merge_tests {
    use super::*;
    use crate::core::snapshot;
    use crate::core::testing::{agree_within, Scale};
    use std::fmt::Debug;

    /// SplitMix64: a small deterministic generator.
    pub(crate) struct Gen(pub u64);

    impl Gen {
        pub fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        /// Uniform in [0, 1).
        pub fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
        pub fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Rows around `centre` (spread ~1), ~25% nulls (sometimes in runs), and with
    /// `non_finite` an occasional NaN or ±inf.
    fn rows(g: &mut Gen, n: usize, centre: f64, non_finite: bool) -> Vec<Option<f64>> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let u = g.unit();
            if u < 0.05 {
                out.extend(std::iter::repeat_n(None, 1 + g.below(5)));
            } else if u < 0.25 {
                out.push(None);
            } else if non_finite && u < 0.29 {
                out.push(Some(
                    [f64::NAN, f64::INFINITY, f64::NEG_INFINITY][g.below(3)],
                ));
            } else {
                let z = (0..4).map(|_| g.unit()).sum::<f64>() - 2.0;
                out.push(Some(centre + 1.7 * z));
            }
        }
        out.truncate(n);
        out
    }

    fn feed<S: Kernel>(s: &mut S, xs: &[Option<f64>]) -> Vec<Option<f64>> {
        xs.iter().map(|&x| s.update(x)).collect()
    }

    fn agree(got: Option<f64>, want: Option<f64>, floor: f64) -> bool {
        agree_within(got, want, 1e-12, floor)
    }

    /// A statistic under test: how to build it and how far from 0 its rounding may reach.
    struct Case<S> {
        make: Box<dyn Fn() -> S>,
        /// The absolute error allowed, from the largest finite |value| of the rows: an EW
        /// mean or variance is a weighted sum, whose rounding error (one pass or merged)
        /// scales with the data, not with the result (which may be near 0).
        floor: fn(Scale) -> f64,
        /// The condition of the estimate in a (one-pass) state: the unbiased variance
        /// divides the biased one by `1 - Σw²/(Σw)²`, computed from `Σw²` (the state holds
        /// it, as Polars' kernel): that divides the biased variance's rounding too, and adds
        /// a relative error ~`eps / (1 - Σw²/(Σw)²)`, in one pass and merged alike. The
        /// tolerances scale by it; 1 for the rest.
        cond: fn(&S) -> f64,
        /// Compare the squares (a standard deviation: the variance's rounding, carried
        /// through the square root, is not relative near 0).
        squared: bool,
        what: String,
    }

    impl<S: Statistic> Case<S> {
        fn agree(&self, got: Option<f64>, want: Option<f64>, state: &S, floor: f64) -> bool {
            let cond = (self.cond)(state);
            let (rel, floor) = (1e-12 * cond, floor * cond);
            if self.squared {
                let sq = |v: Option<f64>| v.map(|v| v * v);
                agree_within(sq(got), sq(want), 2.0 * rel, floor)
            } else {
                agree_within(got, want, rel, floor)
            }
        }
    }

    fn var_cond(v: &EwVar) -> f64 {
        if v.opts.bias {
            1.0
        } else {
            unbiasing_factor(v.weight, v.weight_sq_sum).max(1.0)
        }
    }

    fn scale_of(parts: &[&[Option<f64>]]) -> Scale {
        Scale::of(parts.iter().flat_map(|p| p.iter()).flatten().copied())
    }

    fn scale(xs: &[Option<f64>]) -> f64 {
        xs.iter()
            .flatten()
            .filter(|x| x.is_finite())
            .fold(0.0f64, |m, x| m.max(x.abs()))
    }

    /// `merge(first k rows, rest)` for every `k`, against one pass: the estimate, and the
    /// outputs of both states fed `more` rows (and their estimates after).
    fn check_splits<S: Statistic + Debug>(c: &Case<S>, xs: &[Option<f64>], more: &[Option<f64>]) {
        let floor = (c.floor)(scale_of(&[xs, more]));
        let mut one = (c.make)();
        feed(&mut one, xs);
        let want = one.get();
        let mut cont = one.clone();
        let want_more: Vec<(Option<f64>, S)> = more
            .iter()
            .map(|&x| (cont.update(x), cont.clone()))
            .collect();
        for k in 0..=xs.len() {
            let mut a = (c.make)();
            feed(&mut a, &xs[..k]);
            let mut b = (c.make)();
            feed(&mut b, &xs[k..]);
            a.merge(&b).unwrap();
            let ctx = || format!("{} split {k} of {xs:?}", c.what);
            assert!(
                c.agree(a.get(), want, &one, floor),
                "{}: {:?} vs {want:?}",
                ctx(),
                a.get()
            );
            let got_more = feed(&mut a, more);
            for (i, (g, (w, st))) in got_more.iter().zip(&want_more).enumerate() {
                assert!(
                    c.agree(*g, *w, st, floor),
                    "{} then row {i}: {g:?} vs {w:?}",
                    ctx()
                );
            }
            // The merged and continued state, merged after `more` rows: `more`, `xs`, `more`.
            let mut z = (c.make)();
            feed(&mut z, more);
            z.merge(&a).unwrap();
            let mut whole = (c.make)();
            feed(&mut whole, more);
            feed(&mut whole, xs);
            feed(&mut whole, more);
            assert!(
                c.agree(z.get(), whole.get(), &whole, floor),
                "{} as a later part: {:?} vs {:?}",
                ctx(),
                z.get(),
                whole.get()
            );
            // A merged state is a state like any other: it decodes and validates.
            let back: S = snapshot::decode(&snapshot::encode(&a)).unwrap();
            assert_eq!(back.get().map(f64::to_bits), a.get().map(f64::to_bits));
        }
    }

    fn check_chains<S: Statistic + Debug>(c: &Case<S>, g: &mut Gen, xs: &[Option<f64>]) {
        let floor = (c.floor)(scale_of(&[xs]));
        let mut one = (c.make)();
        feed(&mut one, xs);
        let want = one.get();
        for n_parts in [3usize, 4] {
            let mut cuts: Vec<usize> = (0..n_parts - 1).map(|_| g.below(xs.len() + 1)).collect();
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
                    c.agree(m.get(), want, &one, floor),
                    "{} cuts {cuts:?} bracketing {i}: {:?} vs {want:?} ({xs:?})",
                    c.what,
                    m.get()
                );
                // Continuing: the last rows again.
                let (mut m, mut o) = (m.clone(), one.clone());
                for &x in xs.iter().rev().take(6) {
                    let (g, w) = (m.update(x), o.update(x));
                    assert!(c.agree(g, w, &o, floor), "{}: {g:?} vs {w:?}", c.what);
                }
            }
        }
    }

    fn ewm_options() -> Vec<EwmOptions> {
        let mut v = vec![];
        for alpha in [0.05, 0.3, 0.9, 1.0] {
            for adjust in [false, true] {
                for ignore_nulls in [false, true] {
                    for min_samples in [1, 3] {
                        v.push(EwmOptions {
                            alpha,
                            adjust,
                            min_samples,
                            ignore_nulls,
                        });
                    }
                }
            }
        }
        v
    }

    fn var_options(o: EwmOptions, bias: bool) -> EwVarOptions {
        EwVarOptions {
            alpha: o.alpha,
            adjust: o.adjust,
            min_samples: o.min_samples,
            ignore_nulls: o.ignore_nulls,
            bias,
        }
    }

    fn mean_case(o: EwmOptions) -> Case<EwMean> {
        Case {
            make: Box::new(move || EwMean::new(o).unwrap()),
            // The mean's rounding (one pass or merged) scales with the data's magnitude.
            floor: |s| 1e-15 * s.abs,
            cond: |_| 1.0,
            squared: false,
            what: format!("EwMean {o:?}"),
        }
    }

    fn var_case(o: EwmOptions, bias: bool) -> Case<EwVar> {
        let o = var_options(o, bias);
        Case {
            make: Box::new(move || EwVar::new(o).unwrap()),
            // The variance works relative to the first value: its rounding scales with the
            // spread of the data, not with its magnitude.
            floor: |s| 1e-15 * s.range * s.range,
            cond: var_cond,
            squared: false,
            what: format!("EwVar {o:?}"),
        }
    }

    fn std_case(o: EwmOptions, bias: bool) -> Case<EwStd> {
        let o = var_options(o, bias);
        Case {
            make: Box::new(move || EwStd::new(o).unwrap()),
            // Compared as variances.
            floor: |s| 1e-15 * s.range * s.range,
            cond: |s| var_cond(&s.0),
            squared: true,
            what: format!("EwStd {o:?}"),
        }
    }

    #[test]
    fn merge_equals_one_pass_at_every_split() {
        let mut g = Gen(1);
        for o in ewm_options() {
            for trial in 0..12 {
                let non_finite = trial % 4 == 3;
                let centre = [3.0, -40.0, 1e6][trial % 3];
                let n = g.below(14);
                let xs = rows(&mut g, n, centre, non_finite);
                let more = rows(&mut g, 8, centre, false);
                check_splits(&mean_case(o), &xs, &more);
                for bias in [false, true] {
                    check_splits(&var_case(o, bias), &xs, &more);
                    check_splits(&std_case(o, bias), &xs, &more);
                }
            }
        }
    }

    #[test]
    fn chains_agree_in_every_bracketing() {
        let mut g = Gen(2);
        for o in ewm_options() {
            for trial in 0..6 {
                let non_finite = trial % 3 == 2;
                let n = 4 + g.below(30);
                let xs = rows(&mut g, n, [2.0, 1e9][trial % 2], non_finite);
                check_chains(&mean_case(o), &mut g, &xs);
                for bias in [false, true] {
                    check_chains(&var_case(o, bias), &mut g, &xs);
                    check_chains(&std_case(o, bias), &mut g, &xs);
                }
            }
        }
    }

    #[test]
    fn long_streams_merge_at_random_splits() {
        // Long enough for the weights to reach their fixed points and for the first value's
        // share to underflow; long null runs (the weights decay towards 0).
        let mut g = Gen(3);
        for o in ewm_options() {
            for trial in 0..3 {
                let mut xs = rows(&mut g, 3000, 5.0, false);
                if trial == 1 {
                    // A gap long enough for (1 - alpha)^n to underflow at alpha >= 0.3.
                    let at = g.below(3000);
                    xs.splice(at..at, std::iter::repeat_n(None, 2500));
                }
                let more = rows(&mut g, 50, 5.0, false);
                let floor = 1e-15 * scale(&xs);
                let mut one = EwMean::new(o).unwrap();
                feed(&mut one, &xs);
                let want_more = feed(&mut one.clone(), &more);
                let mut vone = EwVar::new(var_options(o, false)).unwrap();
                feed(&mut vone, &xs);
                let vwant_more = feed(&mut vone.clone(), &more);
                for _ in 0..20 {
                    let k = g.below(xs.len() + 1);
                    let mut a = EwMean::new(o).unwrap();
                    feed(&mut a, &xs[..k]);
                    let mut b = EwMean::new(o).unwrap();
                    feed(&mut b, &xs[k..]);
                    a.merge(&b).unwrap();
                    assert!(agree(a.get(), one.get(), floor), "{o:?} k={k}");
                    let got = feed(&mut a, &more);
                    for (x, y) in got.iter().zip(&want_more) {
                        assert!(agree(*x, *y, floor), "{o:?} k={k}: {x:?} vs {y:?}");
                    }
                    let mut a = EwVar::new(var_options(o, false)).unwrap();
                    feed(&mut a, &xs[..k]);
                    let mut b = EwVar::new(var_options(o, false)).unwrap();
                    feed(&mut b, &xs[k..]);
                    a.merge(&b).unwrap();
                    let range = scale_of(&[&xs, &more]).range;
                    let vfloor = 1e-15 * range * range;
                    assert!(
                        agree(a.get(), vone.get(), vfloor),
                        "{o:?} k={k}: {:?} vs {:?}",
                        a.get(),
                        vone.get()
                    );
                    let got = feed(&mut a, &more);
                    for (x, y) in got.iter().zip(&vwant_more) {
                        assert!(agree(*x, *y, vfloor), "{o:?} k={k}: {x:?} vs {y:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn non_finite_values_give_the_one_pass_class() {
        let (nan, inf) = (f64::NAN, f64::INFINITY);
        let streams: [&[Option<f64>]; 8] = [
            &[Some(1.0), Some(inf), Some(2.0)],
            &[Some(1.0), Some(2.0), Some(inf)],
            &[Some(inf), Some(inf), None, Some(-inf)],
            &[Some(-inf), None, Some(3.0)],
            &[Some(1.0), Some(nan), None, Some(2.0)],
            &[None, Some(inf)],
            &[Some(2.0), None, Some(-inf), None],
            &[Some(inf)],
        ];
        for o in ewm_options() {
            for xs in streams {
                check_splits(&mean_case(o), xs, &[Some(1.0), None, Some(inf)]);
                for bias in [false, true] {
                    check_splits(&var_case(o, bias), xs, &[Some(1.0), Some(2.0)]);
                    check_splits(&std_case(o, bias), xs, &[None, Some(5.0)]);
                }
            }
        }
        // The classes themselves, for the record (one pass gives the same).
        let o = ewm_options()[0];
        let merged = |a: &[Option<f64>], b: &[Option<f64>]| {
            let (mut x, mut y) = (EwMean::new(o).unwrap(), EwMean::new(o).unwrap());
            feed(&mut x, a);
            feed(&mut y, b);
            x.merge(&y).unwrap();
            x.get().unwrap()
        };
        assert_eq!(merged(&[Some(1.0)], &[Some(2.0), Some(inf)]), inf);
        assert!(merged(&[Some(inf)], &[Some(2.0)]).is_nan());
        assert!(merged(&[Some(1.0)], &[Some(-inf), Some(2.0)]).is_nan());
        assert_eq!(merged(&[Some(1.0)], &[Some(-inf), None]), -inf);
    }

    #[test]
    fn empty_is_the_identity_on_both_sides() {
        let mut g = Gen(4);
        for o in ewm_options() {
            let xs = rows(&mut g, 9, 1.0, false);
            let mut a = EwMean::new(o).unwrap();
            feed(&mut a, &xs);
            let fresh = EwMean::new(o).unwrap();
            let mut left = fresh.clone();
            left.merge(&a).unwrap();
            assert_eq!(left, a);
            let mut right = a.clone();
            right.merge(&fresh).unwrap();
            assert_eq!(right, a);
            let vo = var_options(o, false);
            let mut v = EwStd::new(vo).unwrap();
            feed(&mut v, &xs);
            let fresh = EwStd::new(vo).unwrap();
            let mut left = fresh.clone();
            left.merge(&v).unwrap();
            assert_eq!(left, v);
            let mut right = v.clone();
            right.merge(&fresh).unwrap();
            assert_eq!(right, v);
        }
    }

    #[test]
    fn a_later_part_of_nulls_ages_the_state_as_those_nulls_would() {
        for o in ewm_options() {
            let xs = [Some(1.0), Some(4.0), None, Some(2.5)];
            let nulls = [None; 7];
            let (mut one, mut a, mut b) = (
                EwVar::new(var_options(o, false)).unwrap(),
                EwVar::new(var_options(o, false)).unwrap(),
                EwVar::new(var_options(o, false)).unwrap(),
            );
            feed(&mut one, &xs);
            feed(&mut one, &nulls);
            feed(&mut a, &xs);
            feed(&mut b, &nulls);
            a.merge(&b).unwrap();
            assert_eq!((a.mean, a.var, a.count), (one.mean, one.var, one.count));
            assert_eq!(a.steps.nulls, one.steps.nulls);
            assert_eq!(a.steps.gap, one.steps.gap);
            for (x, y) in [(a.weight, one.weight), (a.weight_sq_sum, one.weight_sq_sum)] {
                assert!((x - y).abs() <= 1e-14 * y, "{o:?}: {x} vs {y}");
            }
            assert!(agree(a.get(), one.get(), 0.0), "{o:?}");
            // And nulls before any value: only counted, for a merge after an earlier part.
            let mut c = EwVar::new(var_options(o, false)).unwrap();
            c.merge(&b).unwrap();
            feed(&mut c, &xs);
            let mut d = EwVar::new(var_options(o, false)).unwrap();
            feed(&mut d, &nulls);
            feed(&mut d, &xs);
            assert_eq!(c, d);
        }
    }

    #[test]
    fn weights_that_underflow_in_a_null_gap() {
        // 400 nulls at alpha 0.9: (0.1)^400 underflows, so `later`'s total weight is 0 after
        // its gap; the weights just after its last value still decide the merge.
        for adjust in [true, false] {
            let o = EwmOptions {
                alpha: 0.9,
                adjust,
                min_samples: 1,
                ignore_nulls: false,
            };
            let mut b_rows = vec![Some(5.0), Some(7.0)];
            b_rows.extend([None; 400]);
            let xs: Vec<Option<f64>> = [Some(1.0), Some(2.0)].into_iter().chain(b_rows).collect();
            let more = [Some(3.0), Some(4.0)];
            check_splits(&mean_case(o), &xs, &more);
            check_splits(&var_case(o, false), &xs, &more);
            check_splits(&var_case(o, true), &xs, &more);
            let mut b = EwMean::new(o).unwrap();
            feed(&mut b, &xs[2..]);
            assert_eq!(b.weight, 0.0);
        }
    }

    #[test]
    fn different_options_refuse_and_change_nothing() {
        let o = ewm_options()[5];
        let mut a = EwMean::new(o).unwrap();
        feed(&mut a, &[Some(1.0), None, Some(2.0)]);
        let before = a.clone();
        for other in [
            EwmOptions { alpha: 0.5, ..o },
            EwmOptions {
                adjust: !o.adjust,
                ..o
            },
            EwmOptions {
                ignore_nulls: !o.ignore_nulls,
                ..o
            },
            EwmOptions {
                min_samples: 2,
                ..o
            },
        ] {
            let mut b = EwMean::new(other).unwrap();
            feed(&mut b, &[Some(3.0)]);
            let err = a.merge(&b).unwrap_err();
            assert!(matches!(err, StatError::ConflictingOptions(_)), "{err}");
            assert!(err.to_string().contains("EWMean"), "{err}");
            assert_eq!(a, before);
        }
        let vo = var_options(o, true);
        let mut v = EwStd::new(vo).unwrap();
        feed(&mut v, &[Some(1.0), Some(2.0)]);
        let before = v.clone();
        let b = EwStd::new(EwVarOptions { bias: false, ..vo }).unwrap();
        assert!(matches!(v.merge(&b), Err(StatError::ConflictingOptions(_))));
        assert_eq!(v, before);
    }

    #[test]
    fn decoded_merge_bookkeeping_is_checked() {
        let o = ewm_options()[0];
        let mut a = EwMean::new(o).unwrap();
        feed(&mut a, &[None, Some(1.0), None, Some(2.0), None]);
        assert!(snapshot::decode::<EwMean>(&snapshot::encode(&a)).is_ok());
        for bad in [
            Steps { lead: 5, ..a.steps },
            Steps { gap: 9, ..a.steps },
            Steps {
                share: 1.5,
                ..a.steps
            },
            Steps {
                share: f64::NAN,
                ..a.steps
            },
            Steps {
                share_at: 9,
                ..a.steps
            },
            Steps {
                folded: -0.5,
                ..a.steps
            },
            Steps {
                gap_after: 9,
                ..a.steps
            },
            Steps {
                gap_weight: f64::INFINITY,
                ..a.steps
            },
        ] {
            let mut b = a.clone();
            b.steps = bad;
            assert!(
                snapshot::decode::<EwMean>(&snapshot::encode(&b)).is_err(),
                "{bad:?}"
            );
        }
        let mut v = EwVar::new(var_options(o, true)).unwrap();
        feed(&mut v, &[Some(1.0), Some(2.0)]);
        v.var = -1.0;
        assert!(snapshot::decode::<EwVar>(&snapshot::encode(&v)).is_err());
    }
}

/// The dense runs' fast paths ([`Kernel::run_dense`] of the EW kernels) against row-by-row
/// updates: the same outputs and states, bit for bit.
#[cfg(test)]
mod dense_run_tests {
    use super::*;
    use crate::core::sweep;

    fn lcg(seed: u64) -> impl FnMut() -> u64 {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        move || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            s >> 11
        }
    }

    /// Columns of a few kinds: noise, noise far from 0, constants, ±0, ±inf and NaN at
    /// some rows, nulls in runs cut anywhere.
    fn columns() -> Vec<Vec<Option<f64>>> {
        let mut cols = Vec::new();
        for seed in 0..10u64 {
            let mut r = lcg(seed);
            let n = [1, 2, 3, 70, 700, 2500][seed as usize % 6] + (r() % 50) as usize;
            let offset = [0.0, 1e9, -3.5][seed as usize % 3];
            let null_rate = [0, 0, 50, 300, 2][seed as usize % 5];
            let special = [0, 400, 0, 30][seed as usize % 4];
            let col = (0..n)
                .map(|_| {
                    if null_rate > 0 && r() % 1000 < null_rate {
                        return None;
                    }
                    if special > 0 && r().is_multiple_of(special) {
                        return Some(
                            [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0]
                                [r() as usize % 5],
                        );
                    }
                    let u = (r() as f64) / (1u64 << 53) as f64;
                    Some(if seed == 7 {
                        2.5
                    } else {
                        offset + (u - 0.5) * 4.0
                    })
                })
                .collect();
            cols.push(col);
        }
        cols
    }

    /// `col` fed through the sweeps (dense runs cut at `cuts` extra places too) and row by
    /// row: the same outputs and final states.
    fn check<S: Kernel + std::fmt::Debug>(fresh: &S, col: &[Option<f64>], cut_every: usize) {
        let mut slow = fresh.clone();
        let expected = sweep::run_options(&mut slow, col);
        let mut fast = fresh.clone();
        let mut out = sweep::Running::default();
        let mut i = 0;
        while i < col.len() {
            if col[i].is_none() {
                out.push(fast.update(None));
                i += 1;
                continue;
            }
            let mut j = i;
            while j < col.len() && col[j].is_some() && (j == i || j % cut_every != 0) {
                j += 1;
            }
            let run: Vec<f64> = col[i..j].iter().map(|x| x.unwrap()).collect();
            sweep::run_dense(&mut fast, &run, &mut out);
            i = j;
        }
        let got = out.to_options();
        // Bits, NaN as one class: LLVM may commute the operands of an add or a multiply,
        // and with them which NaN's sign and payload propagate (nothing fixes those).
        let bits = |x: Option<f64>| x.map(|v| if v.is_nan() { u64::MAX } else { v.to_bits() });
        assert_eq!(got.len(), expected.len());
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(bits(*g), bits(*e), "row {i} of {}: {fresh:?}", col.len());
        }
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"));
    }

    #[test]
    fn dense_runs_equal_row_by_row_updates() {
        let cols = columns();
        for alpha in [1.0, 0.9, 0.5, 0.1, 0.0123, 1e-3] {
            for adjust in [false, true] {
                for min_samples in [0, 1, 5, 300] {
                    for ignore_nulls in [false, true] {
                        let ewm = EwmOptions {
                            alpha,
                            adjust,
                            min_samples,
                            ignore_nulls,
                        };
                        for col in &cols {
                            for cut_every in [1, 3, 64, 65, 1000, usize::MAX] {
                                check(&EwMean::new(ewm).unwrap(), col, cut_every);
                                for bias in [false, true] {
                                    let opts = EwVarOptions {
                                        alpha,
                                        adjust,
                                        min_samples,
                                        ignore_nulls,
                                        bias,
                                    };
                                    check(&EwVar::new(opts).unwrap(), col, cut_every);
                                    check(&EwStd::new(opts).unwrap(), col, cut_every);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
