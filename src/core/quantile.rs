//! Quantiles and inter-quantile ranges: exact over a trailing window of rows, exact over the
//! whole stream, and the bounded-memory P² estimator (River's `stats.Quantile`, bit for bit).
//!
//! Exact quantiles follow Polars' `rolling_quantile`: with `n` non-null values in the window,
//! `h = (n - 1) q` and the six interpolations below; nulls occupy window slots but are not
//! counted; NaN is a value that sorts above +inf; `min_samples` counts non-null values.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::error::{decoded, ensure};
use super::order::{Adaptive, OrderIndex, SortedMultiset};
use super::ring::{self, RowOutput};
use super::sweep::Running;
use super::window::{Fifo, Span, Window, Windowed};
use super::{Kernel, Merge, OptionValue, StatError, Statistic};

/// How a quantile between two order statistics is chosen, as in Polars. The default,
/// `Nearest`, is Polars' default for `rolling_quantile` and `quantile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    #[default]
    Nearest,
    Higher,
    Lower,
    Midpoint,
    Linear,
    Equiprobable,
}

impl Interpolation {
    pub const ALL: [Interpolation; 6] = [
        Interpolation::Nearest,
        Interpolation::Higher,
        Interpolation::Lower,
        Interpolation::Midpoint,
        Interpolation::Linear,
        Interpolation::Equiprobable,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Interpolation::Nearest => "nearest",
            Interpolation::Higher => "higher",
            Interpolation::Lower => "lower",
            Interpolation::Midpoint => "midpoint",
            Interpolation::Linear => "linear",
            Interpolation::Equiprobable => "equiprobable",
        }
    }

    pub fn parse(s: &str) -> Result<Self, StatError> {
        Self::ALL
            .into_iter()
            .find(|i| i.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|i| i.name()).collect();
                StatError::option(
                    "interpolation",
                    format!("must be one of {} (found '{s}')", names.join(", ")),
                )
            })
    }
}

/// Access to order statistics: `at(i)` is the `i`-th smallest value, `pair(i)` the `i`-th and
/// the next (an index can answer the pair faster than two lookups).
pub trait Select {
    fn at(&mut self, i: usize) -> f64;
    fn pair(&mut self, i: usize) -> (f64, f64) {
        (self.at(i), self.at(i + 1))
    }
}

impl<F: FnMut(usize) -> f64> Select for F {
    #[inline]
    fn at(&mut self, i: usize) -> f64 {
        self(i)
    }
}

/// An [`OrderIndex`] as a [`Select`].
struct Ranked<'a, I>(&'a mut I);

impl<I: OrderIndex> Select for Ranked<'_, I> {
    #[inline(always)]
    fn at(&mut self, i: usize) -> f64 {
        self.0.select(i)
    }
    #[inline(always)]
    fn pair(&mut self, i: usize) -> (f64, f64) {
        self.0.select_pair(i)
    }
}

/// Which order statistics make the `q` quantile of `n > 0` values, and how they combine.
/// Depends only on `(n, q, interpolation)`, so a window can keep it while its count of values
/// stays the same (it does on every row of a full, null-free window).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Plan {
    #[default]
    Empty,
    /// `v[i]`.
    At(usize),
    /// `frac (v[i+1] - v[i]) + v[i]` (Polars' linear arithmetic).
    Linear(usize, f64),
    /// `(v[i] + v[i+1]) / 2`.
    Midpoint(usize),
}

impl Plan {
    /// Polars' index arithmetic for `n > 0` values.
    #[inline]
    pub fn new(n: usize, q: f64, how: Interpolation) -> Plan {
        // h >= 0, so truncation is floor: no libm call (baseline x86-64 has no rounding insn).
        // Through i64, the same values (n < 2^63, 0 <= h < 2^63) in one instruction each way
        // (baseline x86-64 has no unsigned conversions: usize <-> f64 takes a dozen).
        let h = (n as i64 as f64 - 1.0) * q;
        let lo = h as i64 as usize;
        let frac = h - lo as i64 as f64; // exact
        let hi = lo + (frac > 0.0) as usize;
        let last = n - 1;
        match how {
            Interpolation::Linear if lo == hi => Plan::At(lo),
            Interpolation::Linear => Plan::Linear(lo, frac),
            Interpolation::Midpoint if lo.min(last) == hi => Plan::At(lo.min(last)),
            Interpolation::Midpoint => Plan::Midpoint(lo.min(last)),
            // Round half away from zero, as Polars' `f64::round`.
            Interpolation::Nearest => Plan::At((lo + (frac >= 0.5) as usize).min(last)),
            Interpolation::Lower => Plan::At(lo.min(last)),
            Interpolation::Higher => Plan::At(hi.min(last)),
            Interpolation::Equiprobable => {
                let t = n as i64 as f64 * q;
                let ceil = t as i64 as usize + (t > (t as i64) as f64) as usize;
                Plan::At(ceil.saturating_sub(1))
            }
        }
    }

    /// [`Plan::eval`] in single precision, as Polars computes over a Float32 column: the
    /// fraction rounded to f32, then `frac (b - a) + a` or `(a + b) / 2` in f32 arithmetic
    /// (the order statistics of a Float32 column are f32 values, exactly).
    #[inline(always)]
    pub fn eval32(self, sel: &mut impl Select) -> f64 {
        match self {
            Plan::Linear(i, frac) => {
                let (a, b) = sel.pair(i);
                let (a, b) = (a as f32, b as f32);
                f64::from((frac as f32) * (b - a) + a)
            }
            Plan::Midpoint(i) => {
                let (a, b) = sel.pair(i);
                f64::from((a as f32 + b as f32) / 2.0)
            }
            Plan::Empty | Plan::At(_) => self.eval(sel),
        }
    }

    #[inline(always)]
    pub fn eval(self, sel: &mut impl Select) -> f64 {
        match self {
            Plan::Empty => f64::NAN,
            Plan::At(i) => sel.at(i),
            Plan::Linear(i, frac) => {
                let (a, b) = sel.pair(i);
                frac * (b - a) + a
            }
            Plan::Midpoint(i) => {
                let (a, b) = sel.pair(i);
                (a + b) / 2.0
            }
        }
    }
}

/// A [`Plan`] remembered for the last count of values (derived data, never serialised).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct PlanCache {
    n: usize,
    plan: Plan,
}

impl PlanCache {
    #[inline]
    fn get(&mut self, n: usize, q: f64, how: Interpolation) -> Plan {
        if n != self.n || self.plan == Plan::Empty {
            *self = PlanCache {
                n,
                plan: Plan::new(n, q, how),
            };
        }
        self.plan
    }
}

/// The `q` quantile of `n > 0` sorted values, `sel` giving the order statistics. The
/// arithmetic is Polars' (e.g. linear: `p (v[j+1] - v[j]) + v[j]`), so results agree bit for bit.
#[inline]
pub fn quantile_of(n: usize, q: f64, how: Interpolation, sel: &mut impl Select) -> f64 {
    Plan::new(n, q, how).eval(sel)
}

fn check_quantile(name: &'static str, q: f64) -> Result<(), StatError> {
    ensure((0.0..=1.0).contains(&q), name, || {
        format!("must be in [0, 1] (found {q})")
    })
}

/// Which estimator a cumulative quantile uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Every value kept in an order-statistic set: exact, O(log n) per value, O(n) memory.
    Exact,
    /// Jain & Chlamtac's P²: five markers, O(1) time and memory, approximate.
    P2,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::P2 => "p2",
        }
    }

    pub fn parse(s: &str) -> Result<Self, StatError> {
        match s {
            "exact" => Ok(Method::Exact),
            "p2" => Ok(Method::P2),
            _ => Err(StatError::option(
                "method",
                format!("must be 'exact' or 'p2' (found '{s}')"),
            )),
        }
    }
}

/// The rows of a window (nulls included, as `None`) and an order-statistic index of its
/// non-null values. Shared by the rolling quantile and the rolling IQR. Only the rows are
/// stored; the index is rebuilt on restore. Rows that never leave (an unbounded window) go
/// into the index only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = "I: Default"))]
pub struct OrderRows<I> {
    rows: VecDeque<Option<f64>>,
    #[serde(skip)]
    set: I,
}

impl<I: OrderIndex> OrderRows<I> {
    fn new(span: &Span, set: I) -> Self {
        // Reserve a row-count window up front when the number of values is known (growing a
        // 1M-row ring by doubling costs copies and page faults).
        let reserve = match span.max_rows() {
            Some(n) => usize::try_from(n)
                .unwrap_or(usize::MAX)
                .min(set.values_hint()),
            None => 0,
        };
        OrderRows {
            rows: VecDeque::with_capacity(reserve),
            set,
        }
    }
}

impl<I: OrderIndex> OrderRows<I> {
    /// The rows `n..` of a dense run `values` through a full window of `n` rows, after rows
    /// `..n` went through row by row: each row's leaving value is then `n` rows back in the
    /// run itself, so the set takes the same `replace` calls as through the row FIFO (the same
    /// state, bit for bit) without the FIFO; `output` gives each row's value (all valid, or
    /// all null when `valid` is false). The FIFO is then set to the run's last `n` rows.
    ///
    /// Small windows of an index of values slide in [`ring::slide`] instead (the same
    /// outputs, bit for bit); the set then goes from the run's first `n` values to its last
    /// `n` in `n` replacements, which leaves the same state.
    #[inline(always)]
    fn slide(
        &mut self,
        n: usize,
        values: &[f64],
        valid: bool,
        out: &mut Running,
        output: &impl RowOutput,
    ) {
        let set = &mut self.set;
        let tail = &values[n..];
        let last = &values[values.len() - n..];
        if valid
            && I::BY_VALUE
            && n <= ring::RING_MAX
            && tail.len() >= n
            && ring::slide(values, n, output, out.spare_rows(tail.len()))
        {
            // SAFETY: `ring::slide` returned true: it wrote all `tail.len()` rows.
            unsafe { out.commit_valid(tail.len()) };
            values[..n]
                .iter()
                .zip(last)
                .for_each(|(&old, &x)| set.replace(old, x));
            self.rows.clear();
            self.rows.extend(last.iter().map(|&x| Some(x)));
            return;
        }
        if valid {
            out.extend_valid(tail.iter().zip(values).map(|(&x, &old)| {
                set.replace(old, x);
                output.eval(&mut Ranked(set))
            }));
        } else {
            tail.iter()
                .zip(values)
                .for_each(|(&x, &old)| set.replace(old, x));
            out.extend(tail.iter().map(|_| None));
        }
        self.rows.clear();
        self.rows.extend(last.iter().map(|&x| Some(x)));
    }
}

/// A rolling quantile's output: its plan, in double or single precision.
struct QuantileRow {
    plan: Plan,
    single: bool,
}

impl RowOutput for QuantileRow {
    #[inline(always)]
    fn eval<S: Select>(&self, sel: &mut S) -> f64 {
        if self.single {
            self.plan.eval32(sel)
        } else {
            self.plan.eval(sel)
        }
    }
}

/// A rolling IQR's output: the difference of two plans' values, in double or single
/// precision.
struct IqrRow {
    hi: Plan,
    lo: Plan,
    single: bool,
}

impl RowOutput for IqrRow {
    #[inline(always)]
    fn eval<S: Select>(&self, sel: &mut S) -> f64 {
        if self.single {
            let hi = self.hi.eval32(sel) as f32;
            f64::from(hi - self.lo.eval32(sel) as f32)
        } else {
            self.hi.eval(sel) - self.lo.eval(sel)
        }
    }
}

/// The window size of a row-count window (`0` for other spans and for an empty window).
fn row_count(span: &Span) -> usize {
    match span {
        Span::Rows(n) => usize::try_from(*n).unwrap_or(usize::MAX),
        Span::Unbounded | Span::Time { .. } => 0,
    }
}

impl<I: OrderIndex> Fifo for OrderRows<I> {
    #[inline]
    fn push(&mut self, x: Option<f64>) {
        self.rows.push_back(x);
        if let Some(x) = x {
            self.set.insert(x);
        }
    }

    #[inline]
    fn pop(&mut self) {
        if let Some(Some(old)) = self.rows.pop_front() {
            self.set.remove(old);
        }
    }

    #[inline]
    fn shift(&mut self, x: Option<f64>) {
        let old = self.rows.pop_front().flatten();
        self.rows.push_back(x);
        match (old, x) {
            (Some(old), Some(x)) => self.set.replace(old, x),
            (Some(old), None) => {
                self.set.remove(old);
            }
            (None, Some(x)) => self.set.insert(x),
            (None, None) => {}
        }
    }

    #[inline]
    fn keep(&mut self, x: Option<f64>) {
        if let Some(x) = x {
            self.set.insert(x);
        }
    }

    fn rows(&self) -> usize {
        self.rows.len()
    }

    fn for_each_row(&self, f: &mut dyn FnMut(Option<f64>)) {
        self.rows.iter().for_each(|&x| f(x));
    }
}

impl Window<OrderRows<Adaptive>> {
    /// Rebuild the index from the rows after decoding.
    fn restore(&mut self) -> Result<(), StatError> {
        let rows = self.rows_mut();
        let mut fresh = Adaptive::default();
        rows.rows.iter().flatten().for_each(|&x| fresh.insert(x));
        rows.set = fresh;
        Ok(())
    }
}

/// Options of [`RollingQuantile`]. Serde names are the Python keywords (`quantile`); the
/// field order is the snapshot layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollingQuantileOptions {
    #[serde(rename = "quantile")]
    pub q: f64,
    pub window: Span,
    pub interpolation: Interpolation,
    pub min_samples: u64,
}

/// Exact quantile of the non-null values among the last `window_size` rows, over any
/// order-statistic index: [`Adaptive`] for the objects (any stream), [`RankIndex`] for
/// a whole column in the expressions (faster at large windows). Same window logic and same
/// interpolation arithmetic, so the two give bit-identical numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = "I: Default"))]
pub struct RollingQuantileOf<I> {
    opts: RollingQuantileOptions,
    window: Window<OrderRows<I>>,
    #[serde(skip)]
    plan: PlanCache,
    /// Interpolate in single precision (a Float32 column in the expressions, as Polars).
    #[serde(skip)]
    single: bool,
}

/// The streaming rolling quantile (the Python object).
pub type RollingQuantile = RollingQuantileOf<Adaptive>;

impl RollingQuantile {
    pub fn new(opts: RollingQuantileOptions) -> Result<Self, StatError> {
        Self::with_index(opts, Adaptive::default())
    }
}

impl<I: OrderIndex> RollingQuantileOf<I> {
    pub fn with_index(opts: RollingQuantileOptions, index: I) -> Result<Self, StatError> {
        check_quantile("quantile", opts.q)?;
        opts.window.validate()?;
        let window = Window::new(opts.window.clone(), OrderRows::new(&opts.window, index));
        Ok(RollingQuantileOf {
            opts,
            window,
            plan: PlanCache::default(),
            single: false,
        })
    }

    /// Interpolate as Polars does over a Float32 column: in f32 arithmetic.
    pub fn single_precision(mut self, single: bool) -> Self {
        self.single = single;
        self
    }

    /// [`Kernel::run_dense`]: rows that slide a full window of rows go through
    /// [`OrderRows::slide`] with the plan of its fixed count of values; the rest row by row.
    #[inline]
    fn dense(&mut self, values: &[f64], out: &mut Running) {
        if *self.window.span() == Span::Unbounded {
            return self.dense_unbounded(values, out);
        }
        let n = row_count(self.window.span());
        if n == 0 || values.len() <= n {
            out.extend(values.iter().map(|&x| self.update(Some(x))));
            return;
        }
        out.extend(values[..n].iter().map(|&x| self.update(Some(x))));
        // The window now holds `n` values, and keeps holding `n` through the run.
        let plan = self.plan.get(n, self.opts.q, self.opts.interpolation);
        let valid = n as u64 >= self.opts.min_samples;
        let rows = self.window.rows_mut();
        // One loop per kind of plan and precision, each with its arithmetic inlined (the
        // plan is built in each arm, so that its kind is a constant there).
        let single = self.single;
        macro_rules! slide {
            ($plan:expr) => {
                if single {
                    rows.slide(
                        n,
                        values,
                        valid,
                        out,
                        &QuantileRow {
                            plan: $plan,
                            single: true,
                        },
                    )
                } else {
                    rows.slide(
                        n,
                        values,
                        valid,
                        out,
                        &QuantileRow {
                            plan: $plan,
                            single: false,
                        },
                    )
                }
            };
        }
        match plan {
            Plan::At(i) => slide!(Plan::At(i)),
            Plan::Linear(i, frac) => slide!(Plan::Linear(i, frac)),
            Plan::Midpoint(i) => slide!(Plan::Midpoint(i)),
            Plan::Empty => slide!(Plan::Empty),
        }
    }

    /// A dense run through an unbounded window (the exact cumulative quantile): every value
    /// enters the set, and each row's plan is that of the set's new count (as `value`'s).
    /// Counts only grow, so the rows before `min_samples` values come first, then valid
    /// outputs only.
    #[inline]
    fn dense_unbounded(&mut self, values: &[f64], out: &mut Running) {
        let (q, how) = (self.opts.q, self.opts.interpolation);
        let single = self.single;
        let set = &mut self.window.rows_mut().set;
        // Row `i` of the run leaves `set.len() + i + 1` values: too few before row `short`.
        let min = usize::try_from(self.opts.min_samples).unwrap_or(usize::MAX);
        let short = min.saturating_sub(set.len() + 1).min(values.len());
        let (head, tail) = values.split_at(short);
        head.iter().for_each(|&x| set.insert(x));
        out.extend(head.iter().map(|_| None));
        out.extend_valid(tail.iter().map(|&x| {
            set.insert(x);
            let plan = Plan::new(set.len(), q, how);
            if single {
                plan.eval32(&mut Ranked(&mut *set))
            } else {
                plan.eval(&mut Ranked(&mut *set))
            }
        }));
    }

    #[inline]
    fn value(&mut self) -> Option<f64> {
        let set = &mut self.window.rows_mut().set;
        let n = set.len();
        if n == 0 || (n as u64) < self.opts.min_samples {
            return None;
        }
        let plan = self.plan.get(n, self.opts.q, self.opts.interpolation);
        let single = self.single;
        Some(QuantileRow { plan, single }.eval(&mut Ranked(set)))
    }
}

/// The window plumbing of the exact rolling quantile and IQR: both keep `OrderRows` in a
/// `window` and finish with `value()`.
macro_rules! order_window {
    ($($stat:ident),*) => {$(
        impl<I: OrderIndex> Windowed for $stat<I> {
            type Rows = OrderRows<I>;

            #[inline(always)]
            fn window(&mut self) -> &mut Window<OrderRows<I>> {
                &mut self.window
            }

            #[inline(always)]
            fn output(&mut self) -> Option<f64> {
                self.value()
            }
        }

        impl<I: OrderIndex> Kernel for $stat<I> {
            #[inline]
            fn update(&mut self, x: Option<f64>) -> Option<f64> {
                self.window.push_row(x);
                self.value()
            }

            #[inline]
            fn run_dense(&mut self, values: &[f64], out: &mut Running) {
                self.dense(values, out);
            }
        }
    )*};
}

order_window!(RollingQuantileOf, RollingIqrOf);

impl Merge for RollingQuantile {
    /// `later`'s rows continue this window (see [`Window::merge`]).
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        let fresh = OrderRows::new(&self.opts.window, Adaptive::default());
        self.window.merge(&later.window, fresh)
    }
}

impl Statistic for RollingQuantile {
    const NAME: &'static str = "RollingQuantile";

    fn get(&self) -> Option<f64> {
        // The same arithmetic as `value`, through the index's `&self` lookup.
        let set = &self.window.rows().set;
        let n = set.len();
        (n > 0 && n as u64 >= self.opts.min_samples).then(|| {
            quantile_of(n, self.opts.q, self.opts.interpolation, &mut |i| {
                set.value_at(i)
            })
        })
    }

    fn validate(&self) -> Result<(), StatError> {
        RollingQuantile::new(self.opts.clone())?;
        decoded::counts_fit(&self.options())?;
        self.window
            .validate_for(&self.opts.window, self.opts.min_samples, 0)
    }

    fn restore(&mut self) -> Result<(), StatError> {
        self.window.restore()
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        vec![
            ("quantile", OptionValue::Float(self.opts.q)),
            (
                "interpolation",
                OptionValue::Str(self.opts.interpolation.name()),
            ),
            self.opts.window.window_size_option(),
            ("min_samples", OptionValue::Int(self.opts.min_samples)),
        ]
        .into_iter()
        .chain(self.opts.window.closed_option())
        .collect()
    }
}

/// Options of [`RollingIqr`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollingIqrOptions {
    pub window: Span,
    pub q_inf: f64,
    pub q_sup: f64,
    pub interpolation: Interpolation,
    pub min_samples: u64,
}

fn check_iqr(q_inf: f64, q_sup: f64) -> Result<(), StatError> {
    check_quantile("q_inf", q_inf)?;
    check_quantile("q_sup", q_sup)?;
    ensure(q_inf <= q_sup, "q_inf", || {
        format!("must be <= `q_sup` (found {q_inf} > {q_sup})")
    })
}

/// `quantile(q_sup) - quantile(q_inf)` over the last `window_size` rows, one window for both
/// (any order-statistic index, as [`RollingQuantileOf`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = "I: Default"))]
pub struct RollingIqrOf<I> {
    opts: RollingIqrOptions,
    window: Window<OrderRows<I>>,
    #[serde(skip)]
    plans: [PlanCache; 2],
    /// Interpolate in single precision (a Float32 column in the expressions, as Polars).
    #[serde(skip)]
    single: bool,
}

/// The streaming rolling IQR (the Python object).
pub type RollingIqr = RollingIqrOf<Adaptive>;

impl RollingIqr {
    pub fn new(opts: RollingIqrOptions) -> Result<Self, StatError> {
        Self::with_index(opts, Adaptive::default())
    }
}

impl<I: OrderIndex> RollingIqrOf<I> {
    pub fn with_index(opts: RollingIqrOptions, index: I) -> Result<Self, StatError> {
        check_iqr(opts.q_inf, opts.q_sup)?;
        opts.window.validate()?;
        let window = Window::new(opts.window.clone(), OrderRows::new(&opts.window, index));
        Ok(RollingIqrOf {
            opts,
            window,
            plans: Default::default(),
            single: false,
        })
    }

    /// Interpolate, and subtract, as Polars does over a Float32 column: in f32 arithmetic.
    pub fn single_precision(mut self, single: bool) -> Self {
        self.single = single;
        self
    }

    /// [`Kernel::run_dense`], as [`RollingQuantileOf`]'s.
    #[inline]
    fn dense(&mut self, values: &[f64], out: &mut Running) {
        let n = row_count(self.window.span());
        if n == 0 || values.len() <= n {
            out.extend(values.iter().map(|&x| self.update(Some(x))));
            return;
        }
        out.extend(values[..n].iter().map(|&x| self.update(Some(x))));
        let how = self.opts.interpolation;
        let (hi, lo) = (
            self.plans[1].get(n, self.opts.q_sup, how),
            self.plans[0].get(n, self.opts.q_inf, how),
        );
        let valid = n as u64 >= self.opts.min_samples;
        let rows = self.window.rows_mut();
        if self.single {
            rows.slide(
                n,
                values,
                valid,
                out,
                &IqrRow {
                    hi,
                    lo,
                    single: true,
                },
            );
        } else {
            rows.slide(
                n,
                values,
                valid,
                out,
                &IqrRow {
                    hi,
                    lo,
                    single: false,
                },
            );
        }
    }

    #[inline]
    fn value(&mut self) -> Option<f64> {
        let set = &mut self.window.rows_mut().set;
        let n = set.len();
        if n == 0 || (n as u64) < self.opts.min_samples {
            return None;
        }
        let how = self.opts.interpolation;
        let (hi, lo) = (
            self.plans[1].get(n, self.opts.q_sup, how),
            self.plans[0].get(n, self.opts.q_inf, how),
        );
        let single = self.single;
        Some(IqrRow { hi, lo, single }.eval(&mut Ranked(set)))
    }
}

impl Merge for RollingIqr {
    /// `later`'s rows continue this window (see [`Window::merge`]).
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        let fresh = OrderRows::new(&self.opts.window, Adaptive::default());
        self.window.merge(&later.window, fresh)
    }
}

impl Statistic for RollingIqr {
    const NAME: &'static str = "RollingIQR";

    fn get(&self) -> Option<f64> {
        // The same arithmetic as `value`, through the index's `&self` lookup.
        let set = &self.window.rows().set;
        let n = set.len();
        (n > 0 && n as u64 >= self.opts.min_samples).then(|| {
            let how = self.opts.interpolation;
            let hi = quantile_of(n, self.opts.q_sup, how, &mut |i| set.value_at(i));
            hi - quantile_of(n, self.opts.q_inf, how, &mut |i| set.value_at(i))
        })
    }

    fn validate(&self) -> Result<(), StatError> {
        RollingIqr::new(self.opts.clone())?;
        decoded::counts_fit(&self.options())?;
        self.window
            .validate_for(&self.opts.window, self.opts.min_samples, 0)
    }

    fn restore(&mut self) -> Result<(), StatError> {
        self.window.restore()
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        vec![
            self.opts.window.window_size_option(),
            ("q_inf", OptionValue::Float(self.opts.q_inf)),
            ("q_sup", OptionValue::Float(self.opts.q_sup)),
            (
                "interpolation",
                OptionValue::Str(self.opts.interpolation.name()),
            ),
            ("min_samples", OptionValue::Int(self.opts.min_samples)),
        ]
        .into_iter()
        .chain(self.opts.window.closed_option())
        .collect()
    }
}

/// Jain & Chlamtac's P² estimator, arithmetic for arithmetic as River 0.26's
/// `stats.Quantile` (so that the two agree bit for bit): up to five values it returns
/// `sorted(x)[floor(min(n - 1, n q))]`; from the sixth on, five markers with parabolic
/// (else linear) height adjustment, the middle marker being the estimate. A NaN value makes
/// the estimate NaN from then on (P² has no order for it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct P2 {
    q: f64,
    /// Marker heights; only the first `len` are set until five values have been seen.
    heights: [f64; 5],
    len: u8,
    positions: [f64; 5],
    desired: [f64; 5],
    increments: [f64; 5],
    sorted: bool,
    nan: bool,
}

impl P2 {
    pub fn new(q: f64) -> Self {
        P2 {
            q,
            heights: [0.0; 5],
            len: 0,
            positions: [1.0, 2.0, 3.0, 4.0, 5.0],
            desired: [1.0, 1.0 + 2.0 * q, 1.0 + 4.0 * q, 3.0 + 2.0 * q, 5.0],
            increments: [0.0, q / 2.0, q, (1.0 + q) / 2.0, 1.0],
            sorted: false,
            nan: false,
        }
    }

    #[inline]
    pub fn update(&mut self, x: f64) {
        if x.is_nan() || self.nan || !self.sorted {
            self.update_start(x);
        } else {
            self.step(x);
        }
    }

    /// A NaN, one of the first five values (kept as they come), or the sixth (the five
    /// are then sorted into the markers and the sixth moves them).
    #[cold]
    #[inline(never)]
    fn update_start(&mut self, x: f64) {
        if x.is_nan() || self.nan {
            self.nan = true;
            return;
        }
        if self.len < 5 {
            self.heights[self.len as usize] = x;
            self.len += 1;
            return;
        }
        self.heights.sort_by(f64::total_cmp);
        self.sorted = true;
        self.step(x);
    }

    /// One value into the five markers: count it in its cell, then move the middle markers.
    #[inline(always)]
    fn step(&mut self, x: f64) {
        let h = &mut self.heights;
        if (h[0] <= h[1]) & (h[1] <= h[2]) & (h[2] <= h[3]) & (h[3] <= h[4]) {
            // Ordered heights (none NaN), the usual case: the cell k with h[k-1] <= x < h[k]
            // is 1 + the number of inner markers at or below x, and marker j >= 1 moves
            // right exactly when x < h[j], without a branch per cell. x below h[0] is in
            // cell 1, and x above h[4] in cell 4, as in `update_cell`.
            let below = [x < h[1], x < h[2], x < h[3]];
            h[0] = if x < h[0] { x } else { h[0] };
            h[4] = if h[4] < x { x } else { h[4] };
            let p = &mut self.positions;
            for (j, b) in below.into_iter().enumerate() {
                p[j + 1] += f64::from(u8::from(b));
            }
            p[4] += 1.0;
        } else {
            self.update_cell(x);
        }
        // Only the three middle markers ever move, so only their desired positions are kept
        // up to date (the outer two are fixed at 1 and n by construction).
        for i in 1..4 {
            self.desired[i] += self.increments[i];
        }
        for i in 1..4 {
            self.adjust(i);
        }
    }

    /// The cell search and position count by comparisons in turn, for heights that are not
    /// in order (a NaN or an overflow from infinite values): what River does.
    #[cold]
    #[inline(never)]
    fn update_cell(&mut self, x: f64) {
        let h = &mut self.heights;
        // The cell k with h[k-1] <= x < h[k], widening the extreme markers if needed.
        let k = if x < h[0] {
            h[0] = x;
            1
        } else if x < h[1] {
            1
        } else if x < h[2] {
            2
        } else if x < h[3] {
            3
        } else {
            if h[4] < x {
                h[4] = x;
            }
            4
        };
        for p in &mut self.positions[k..] {
            *p += 1.0;
        }
    }

    /// Move marker `i` by one position towards its desired position when it is off by one
    /// or more and its neighbour is not adjacent: parabolic prediction, else linear.
    #[inline(always)]
    fn adjust(&mut self, i: usize) {
        let n = self.positions[i];
        let d = self.desired[i] - n;
        let up = d >= 1.0 && self.positions[i + 1] - n > 1.0;
        let down = d <= -1.0 && self.positions[i - 1] - n < -1.0;
        if !(up || down) {
            return;
        }
        let qi = self.heights[i];
        let d = 1.0f64.copysign(d);
        let (qp, qm) = (self.heights[i + 1], self.heights[i - 1]);
        let (np, nm) = (self.positions[i + 1], self.positions[i - 1]);
        let outer = d / (np - nm);
        let left = (n - nm + d) * (qp - qi) / (np - n);
        let right = (np - n - d) * (qi - qm) / (n - nm);
        let parabolic = qi + outer * (left + right);
        self.heights[i] = if qm < parabolic && parabolic < qp {
            parabolic
        } else if up {
            qi + d * (qp - qi) / (np - n)
        } else {
            qi + d * (qm - qi) / (nm - n)
        };
        self.positions[i] = n + d;
    }

    pub fn get(&self) -> Option<f64> {
        if self.nan {
            return Some(f64::NAN);
        }
        if self.sorted {
            return Some(self.heights[2]);
        }
        let n = self.len as usize;
        if n == 0 {
            return None;
        }
        let mut sorted = self.heights;
        sorted[..n].sort_by(f64::total_cmp);
        let idx = (n as f64 - 1.0).max(0.0).min(n as f64 * self.q) as usize;
        Some(sorted[idx])
    }

    fn valid(&self) -> bool {
        self.len <= 5 && (0.0..=1.0).contains(&self.q) && (!self.sorted || self.len == 5)
    }
}

/// Options of [`Quantile`] (the cumulative quantile), also the kwargs of `cum_quantile`.
/// Serde names are the Python keywords (`quantile`); the field order is the snapshot layout.
/// `interpolation` may be absent (the P² estimator has none): it then reads as the default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantileOptions {
    #[serde(rename = "quantile")]
    pub q: f64,
    #[serde(default)]
    pub interpolation: Interpolation,
    pub method: Method,
    pub min_samples: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Estimator {
    Exact(#[serde(with = "multiset_serde")] SortedMultiset),
    P2(P2),
}

/// An exact set is stored as its sorted values, so that it can be rebuilt and checked.
mod multiset_serde {
    use super::SortedMultiset;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(set: &SortedMultiset, s: S) -> Result<S::Ok, S::Error> {
        let values: Vec<f64> = (0..set.len()).map(|i| set.select(i)).collect();
        values.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SortedMultiset, D::Error> {
        let values = Vec::<f64>::deserialize(d)?;
        let mut set = SortedMultiset::new();
        values.into_iter().for_each(|x| set.insert(x));
        Ok(set)
    }
}

/// The quantile of every non-null value so far (expanding window): exact, with `revert`, or
/// P². A null row outputs the quantile of the values so far, as an unbounded rolling window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantile {
    opts: QuantileOptions,
    count: u64,
    estimator: Estimator,
}

impl Quantile {
    pub fn new(opts: QuantileOptions) -> Result<Self, StatError> {
        check_quantile("quantile", opts.q)?;
        let estimator = match opts.method {
            Method::Exact => Estimator::Exact(SortedMultiset::new()),
            Method::P2 => Estimator::P2(P2::new(opts.q)),
        };
        Ok(Quantile {
            opts,
            count: 0,
            estimator,
        })
    }

    /// Remove one earlier value (exact method only).
    pub fn revert(&mut self, x: f64) -> Result<(), StatError> {
        revert_exact(&mut self.estimator, x, &mut self.count, Self::NAME)
    }
}

/// The `interpolation` option as the user sees it: the exact method has one, P² has none
/// (its estimate is not an interpolation of order statistics).
fn interpolation_option(method: Method, how: Interpolation) -> Option<(&'static str, OptionValue)> {
    (method == Method::Exact).then_some(("interpolation", OptionValue::Str(how.name())))
}

fn revert_exact(est: &mut Estimator, x: f64, count: &mut u64, name: &str) -> Result<(), StatError> {
    match est {
        Estimator::Exact(set) => {
            if set.remove(x) {
                *count -= 1;
                Ok(())
            } else {
                Err(StatError::InvalidOperation(format!(
                    "{name}.revert: {x} was never added (or was already reverted)"
                )))
            }
        }
        Estimator::P2(_) => Err(StatError::InvalidOperation(format!(
            "{name}.revert needs method='exact': the P² estimator cannot forget a value"
        ))),
    }
}

fn estimate(est: &Estimator, q: f64, how: Interpolation) -> Option<f64> {
    match est {
        Estimator::Exact(set) => {
            (!set.is_empty()).then(|| quantile_of(set.len(), q, how, &mut |i| set.select(i)))
        }
        Estimator::P2(p2) => p2.get(),
    }
}

#[inline(always)]
fn feed(est: &mut Estimator, x: f64) {
    match est {
        Estimator::Exact(set) => set.insert(x),
        Estimator::P2(p2) => p2.update(x),
    }
}

fn est_valid(est: &Estimator, count: u64, method: Method) -> bool {
    match (est, method) {
        (Estimator::Exact(set), Method::Exact) => set.len() as u64 == count,
        (Estimator::P2(p2), Method::P2) => p2.valid(),
        _ => false,
    }
}

impl Kernel for Quantile {
    #[inline]
    fn update(&mut self, x: Option<f64>) -> Option<f64> {
        if let Some(x) = x {
            feed(&mut self.estimator, x);
            self.count += 1;
        }
        self.get()
    }

    /// `update` without the estimate of each row.
    #[inline]
    fn feed_run(&mut self, values: &[f64]) {
        match &mut self.estimator {
            Estimator::Exact(set) => values.iter().for_each(|&x| set.insert(x)),
            Estimator::P2(p2) => values.iter().for_each(|&x| p2.update(x)),
        }
        self.count += values.len() as u64;
    }
}

/// Exact estimators merge as a multiset union (bit for bit, in any order); P² cannot merge.
fn merge_estimator(mine: &mut Estimator, theirs: &Estimator, name: &str) -> Result<(), StatError> {
    match (mine, theirs) {
        (Estimator::Exact(set), Estimator::Exact(other)) => {
            (0..other.len()).for_each(|i| set.insert(other.select(i)));
            Ok(())
        }
        _ => Err(StatError::NotMergeable(format!(
            "{name}(method='p2') cannot merge: the P² estimator's five markers of two streams do \
             not combine into those of both. Use method='exact' (exact, mergeable, O(n) memory) \
             or a Rolling{name} window (bounded memory, mergeable)"
        ))),
    }
}

impl Merge for Quantile {
    /// The multiset union of both streams' values (exact method only).
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        merge_estimator(&mut self.estimator, &later.estimator, Self::NAME)?;
        self.count += later.count;
        Ok(())
    }
}

impl Statistic for Quantile {
    const NAME: &'static str = "Quantile";

    fn get(&self) -> Option<f64> {
        if self.count == 0 || self.count < self.opts.min_samples {
            return None;
        }
        estimate(&self.estimator, self.opts.q, self.opts.interpolation)
    }

    fn validate(&self) -> Result<(), StatError> {
        Quantile::new(self.opts)?;
        decoded::counts_fit(&self.options())?;
        if !est_valid(&self.estimator, self.count, self.opts.method) {
            return Err(StatError::InvalidState(
                "estimator does not match the options".into(),
            ));
        }
        Ok(())
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        let mut opts = vec![("quantile", OptionValue::Float(self.opts.q))];
        opts.extend(interpolation_option(
            self.opts.method,
            self.opts.interpolation,
        ));
        opts.push(("method", OptionValue::Str(self.opts.method.name())));
        opts.push(("min_samples", OptionValue::Int(self.opts.min_samples)));
        opts
    }
}

/// Options of [`Iqr`] (the cumulative inter-quantile range), also the kwargs of `cum_iqr`.
/// `interpolation` may be absent (the P² estimators have none): it then reads as the default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IqrOptions {
    pub q_inf: f64,
    pub q_sup: f64,
    #[serde(default)]
    pub interpolation: Interpolation,
    pub method: Method,
    pub min_samples: u64,
}

/// `quantile(q_sup) - quantile(q_inf)` of every non-null value so far; exact (one set for
/// both quantiles, with `revert`) or two P² estimators (as River's `stats.IQR`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Iqr {
    opts: IqrOptions,
    count: u64,
    lower: Estimator,
    /// The P² estimator of `q_sup`; unused (None) with the exact method.
    upper: Option<P2>,
}

impl Iqr {
    pub fn new(opts: IqrOptions) -> Result<Self, StatError> {
        check_iqr(opts.q_inf, opts.q_sup)?;
        let (lower, upper) = match opts.method {
            Method::Exact => (Estimator::Exact(SortedMultiset::new()), None),
            Method::P2 => (
                Estimator::P2(P2::new(opts.q_inf)),
                Some(P2::new(opts.q_sup)),
            ),
        };
        Ok(Iqr {
            opts,
            count: 0,
            lower,
            upper,
        })
    }

    pub fn revert(&mut self, x: f64) -> Result<(), StatError> {
        revert_exact(&mut self.lower, x, &mut self.count, Self::NAME)
    }
}

impl Kernel for Iqr {
    #[inline]
    fn update(&mut self, x: Option<f64>) -> Option<f64> {
        if let Some(x) = x {
            feed(&mut self.lower, x);
            if let Some(p2) = &mut self.upper {
                p2.update(x);
            }
            self.count += 1;
        }
        self.get()
    }

    /// `update` without the estimate of each row.
    #[inline]
    fn feed_run(&mut self, values: &[f64]) {
        for &x in values {
            feed(&mut self.lower, x);
            if let Some(p2) = &mut self.upper {
                p2.update(x);
            }
        }
        self.count += values.len() as u64;
    }
}

impl Merge for Iqr {
    /// The multiset union of both streams' values (exact method only).
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        merge_estimator(&mut self.lower, &later.lower, Self::NAME)?;
        self.count += later.count;
        Ok(())
    }
}

impl Statistic for Iqr {
    const NAME: &'static str = "IQR";

    fn get(&self) -> Option<f64> {
        if self.count == 0 || self.count < self.opts.min_samples {
            return None;
        }
        let how = self.opts.interpolation;
        let lo = estimate(&self.lower, self.opts.q_inf, how)?;
        let hi = match (&self.upper, &self.lower) {
            (Some(p2), _) => p2.get()?,
            (None, est) => estimate(est, self.opts.q_sup, how)?,
        };
        Some(hi - lo)
    }

    fn validate(&self) -> Result<(), StatError> {
        Iqr::new(self.opts)?;
        decoded::counts_fit(&self.options())?;
        let upper_ok = match (self.opts.method, &self.upper) {
            (Method::Exact, None) => true,
            (Method::P2, Some(p2)) => p2.valid(),
            _ => false,
        };
        if !upper_ok || !est_valid(&self.lower, self.count, self.opts.method) {
            return Err(StatError::InvalidState(
                "estimators do not match the options".into(),
            ));
        }
        Ok(())
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        let mut opts = vec![
            ("q_inf", OptionValue::Float(self.opts.q_inf)),
            ("q_sup", OptionValue::Float(self.opts.q_sup)),
        ];
        opts.extend(interpolation_option(
            self.opts.method,
            self.opts.interpolation,
        ));
        opts.push(("method", OptionValue::Str(self.opts.method.name())));
        opts.push(("min_samples", OptionValue::Int(self.opts.min_samples)));
        opts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::order::{BlockRank, RankIndex, SmallSorted};
    use crate::core::parallel::OneThread;
    use crate::core::snapshot;
    use crate::core::sweep::run_options;

    const X: [f64; 12] = [1.0, 3.0, 2.0, 8.0, 5.0, 4.0, 7.0, 6.0, 10.0, 9.0, -2.0, 0.5];

    fn rolling(q: f64, w: u64, how: Interpolation, min_samples: u64) -> RollingQuantile {
        RollingQuantile::new(RollingQuantileOptions {
            q,
            window: Span::Rows(w),
            interpolation: how,
            min_samples,
        })
        .unwrap()
    }

    #[test]
    fn worked_example_from_the_reference_notes() {
        let xs: Vec<Option<f64>> = X.iter().copied().map(Some).collect();
        for (how, expected) in [
            (
                Interpolation::Linear,
                [2.5, 4.0, 4.5, 6.0, 5.5, 6.5, 8.0, 7.5, 4.75],
            ),
            (
                Interpolation::Nearest,
                [3.0, 5.0, 5.0, 7.0, 6.0, 7.0, 9.0, 9.0, 9.0],
            ),
            (
                Interpolation::Equiprobable,
                [2.0, 3.0, 4.0, 5.0, 5.0, 6.0, 7.0, 6.0, 0.5],
            ),
        ] {
            let out = run_options(&mut rolling(0.5, 4, how, 4), &xs);
            assert_eq!(out[..3], [None, None, None]);
            let got: Vec<f64> = out[3..].iter().map(|v| v.unwrap()).collect();
            assert_eq!(got, expected, "{how:?}");
        }
    }

    #[test]
    fn rolling_matches_sorting_the_window() {
        let xs: Vec<Option<f64>> = (0..400)
            .map(|i| match i % 13 {
                3 => None,
                7 => Some(f64::NAN),
                _ => Some(((i * 7919) % 101) as f64 - 50.0),
            })
            .collect();
        for w in [1u64, 2, 3, 10, 64, 700] {
            for how in Interpolation::ALL {
                for q in [0.0, 0.1, 0.5, 0.77, 1.0] {
                    let out = run_options(&mut rolling(q, w, how, 1), &xs);
                    for t in 0..xs.len() {
                        let lo = (t + 1).saturating_sub(w as usize);
                        let mut v: Vec<f64> = xs[lo..=t].iter().flatten().copied().collect();
                        v.sort_by(f64::total_cmp);
                        let expected =
                            (!v.is_empty()).then(|| quantile_of(v.len(), q, how, &mut |i| v[i]));
                        let same = match (out[t], expected) {
                            (Some(a), Some(b)) => a == b || (a.is_nan() && b.is_nan()),
                            (a, b) => a == b,
                        };
                        assert!(
                            same,
                            "w={w} {how:?} q={q} row {t}: {:?} vs {expected:?}",
                            out[t]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn cumulative_exact_revert_and_errors() {
        let opts = QuantileOptions {
            q: 0.5,
            interpolation: Interpolation::Linear,
            method: Method::Exact,
            min_samples: 1,
        };
        let mut q = Quantile::new(opts).unwrap();
        for x in [5.0, 1.0, 3.0, 9.0] {
            q.update(Some(x));
        }
        assert_eq!(q.get(), Some(4.0));
        q.revert(9.0).unwrap();
        assert_eq!(q.get(), Some(3.0));
        assert!(matches!(
            q.revert(42.0),
            Err(StatError::InvalidOperation(_))
        ));
        let mut p2 = Quantile::new(QuantileOptions {
            method: Method::P2,
            ..opts
        })
        .unwrap();
        assert!(p2.revert(1.0).is_err());
        let bytes = snapshot::encode(&q);
        let back: Quantile = snapshot::decode(&bytes).unwrap();
        assert_eq!(back.get(), q.get());
        p2.update(Some(1.0));
        let back: Quantile = snapshot::decode(&snapshot::encode(&p2)).unwrap();
        assert_eq!(back, p2);
    }

    #[test]
    fn options_are_validated() {
        assert!(Interpolation::parse("linear").is_ok());
        assert!(matches!(
            Interpolation::parse("cubic"),
            Err(StatError::InvalidOption {
                name: "interpolation",
                ..
            })
        ));
        assert!(matches!(
            Method::parse("tdigest"),
            Err(StatError::InvalidOption { name: "method", .. })
        ));
        let bad = RollingIqrOptions {
            window: Span::Rows(3),
            q_inf: 0.8,
            q_sup: 0.2,
            interpolation: Interpolation::Linear,
            min_samples: 1,
        };
        assert!(matches!(
            RollingIqr::new(bad),
            Err(StatError::InvalidOption { name: "q_inf", .. })
        ));
        let bad = RollingQuantileOptions {
            q: 1.5,
            window: Span::Rows(3),
            interpolation: Interpolation::Linear,
            min_samples: 1,
        };
        assert!(matches!(
            RollingQuantile::new(bad),
            Err(StatError::InvalidOption {
                name: "quantile",
                ..
            })
        ));
    }

    /// `window_size = 0` (Polars accepts it): every row outputs null, with either index.
    #[test]
    fn empty_window_outputs_nulls() {
        let xs = [Some(1.0), None, Some(3.0), Some(f64::NAN)];
        let mut r = rolling(0.5, 0, Interpolation::Nearest, 0);
        assert_eq!(run_options(&mut r, &xs), [None; 4]);
        assert_eq!(r.get(), None);
        let back: RollingQuantile = snapshot::decode(&snapshot::encode(&r)).unwrap();
        assert_eq!(back.get(), None);
        let opts = RollingIqrOptions {
            window: Span::Rows(0),
            q_inf: 0.25,
            q_sup: 0.75,
            interpolation: Interpolation::Linear,
            min_samples: 0,
        };
        let mut iqr = RollingIqrOf::with_index(opts, SmallSorted::default()).unwrap();
        assert_eq!(run_options(&mut iqr, &xs), [None; 4]);
    }

    /// A column with runs of values of every length between nulls, NaN, ±inf and ±0.0, and
    /// many ties (so that removals must find the right copy).
    fn awkward_column(len: usize, seed: u64, null_every: u64) -> Vec<Option<f64>> {
        let mut state = seed;
        let mut null_run = 0usize;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let r = state >> 33;
                if null_run > 0 {
                    null_run -= 1;
                    return None;
                }
                match r % null_every {
                    0 => {
                        null_run = (r >> 8) as usize % 5;
                        None
                    }
                    _ if r % 211 == 1 => Some(f64::NAN),
                    _ if r % 211 == 2 => Some(f64::INFINITY),
                    _ if r % 211 == 3 => Some(f64::NEG_INFINITY),
                    _ if r % 211 == 4 => Some(-0.0),
                    _ if r % 211 == 5 => Some(0.0),
                    _ => Some(((r >> 10) % 97) as f64 * 0.25 - 12.0),
                }
            })
            .collect()
    }

    /// Feed `xs` in pieces cut at `cuts`, each piece as a sweep does: its dense runs through
    /// `run_dense`, its null rows through `update`.
    fn swept<S: Kernel>(stat: &mut S, xs: &[Option<f64>], cuts: &[usize]) -> Vec<Option<f64>> {
        let mut out = Running::default();
        let mut from = 0;
        for &to in cuts.iter().chain([&xs.len()]) {
            let to = to.clamp(from, xs.len());
            let mut i = from;
            while i < to {
                if xs[i].is_none() {
                    out.push(stat.update(None));
                    i += 1;
                    continue;
                }
                let mut j = i;
                while j < to && xs[j].is_some() {
                    j += 1;
                }
                let run: Vec<f64> = xs[i..j].iter().flatten().copied().collect();
                stat.run_dense(&run, &mut out);
                i = j;
            }
            from = to;
        }
        out.to_options()
    }

    fn same(a: &[Option<f64>], b: &[Option<f64>]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.map(f64::to_bits) == y.map(f64::to_bits))
    }

    /// The dense-run paths (a full window of rows slid without its row FIFO; the unbounded
    /// window's own loop) give what row-by-row updates give, bit for bit, and leave the same
    /// window behind: for every index, window sizes 0..=300 (across the sorted array's and
    /// the rank index's edges), runs cut anywhere, nulls, NaN, ±inf, ties, every
    /// interpolation, single precision, the quantile and the IQR.
    #[test]
    fn dense_runs_equal_row_by_row_updates() {
        // Runs of ~200 values between nulls, and one long run with a null near the end.
        dense_runs_equal_row_by_row_updates_on(&awkward_column(1500, 5, 211));
        dense_runs_equal_row_by_row_updates_on(&awkward_column(1500, 8, 1400));
        // Without NaN, so that small windows slide in the ring (`ring::slide` declines a run
        // with a NaN).
        let before = crate::core::ring::RUNS.with(|runs| runs.get());
        for (seed, null_every) in [(5, 211), (8, 1400)] {
            let xs = awkward_column(1500, seed, null_every);
            let no_nan: Vec<_> = xs.iter().map(|x| x.filter(|v| !v.is_nan())).collect();
            dense_runs_equal_row_by_row_updates_on(&no_nan);
        }
        let runs = crate::core::ring::RUNS.with(|runs| runs.get()) - before;
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            assert!(runs > 100, "the ring ran {runs} times");
        }
    }

    fn dense_runs_equal_row_by_row_updates_on(xs: &[Option<f64>]) {
        let values: Vec<f64> = xs.iter().flatten().copied().collect();
        let mut sizes: Vec<Option<u64>> = (0..=70).chain(185..=215).map(Some).collect();
        sizes.extend([250, 299, 300, 999, 1499, 1500, 4000].map(Some));
        // Unbounded (the cumulative quantile), with each interpolation.
        sizes.extend([None; 6]);
        let cut_sets: [&[usize]; 4] = [&[], &[1, 2, 3, 40, 41, 300, 301, 777], &[500], &[1499]];
        for (k, &w) in sizes.iter().enumerate() {
            let span = w.map_or(Span::Unbounded, Span::Rows);
            let how = Interpolation::ALL[k % 6];
            let (q, single) = ([0.5, 0.0, 1.0, 0.37, 0.9][k % 5], k % 4 == 3);
            let min_samples = w.map_or([0, 1, 2, 250, 1000, 3][k % 6], |w| (k as u64 % 3).min(w));
            let cuts = cut_sets[k % cut_sets.len()];
            let qopts = RollingQuantileOptions {
                q,
                window: span.clone(),
                interpolation: how,
                min_samples,
            };
            let iopts = RollingIqrOptions {
                window: span.clone(),
                q_inf: q * 0.5,
                q_sup: q,
                interpolation: how,
                min_samples,
            };
            macro_rules! check {
                ($make:expr, $what:expr) => {{
                    let mut slow = $make;
                    let want = run_options(&mut slow, xs);
                    let mut fast = $make;
                    let got = swept(&mut fast, xs, cuts);
                    assert!(same(&got, &want), "{} w={w:?} {how:?} q={q}", $what);
                    // The same window is left: the next rows (nulls, values) agree too.
                    let more = [Some(1.5), None, Some(f64::NAN), Some(-3.0), Some(0.0)];
                    let a = run_options(&mut slow, &more);
                    let b = run_options(&mut fast, &more);
                    assert!(same(&a, &b), "{} after, w={w:?}", $what);
                }};
            }
            let rq = |i| RollingQuantileOf::with_index(qopts.clone(), i).unwrap();
            let ri = |i| RollingIqrOf::with_index(iopts.clone(), i).unwrap();
            // The rank index ranks the column's values and those fed after it.
            let all: Vec<f64> = values
                .iter()
                .chain(&[1.5, f64::NAN, -3.0, 0.0])
                .copied()
                .collect();
            let rank = || RankIndex::new(&all, &OneThread);
            let s = single;
            check!(rq(rank()).single_precision(s), "rank");
            check!(ri(rank()).single_precision(s), "iqr rank");
            // The indexes of values alone: the whole window left behind is the same, too.
            macro_rules! check_state {
                ($make:expr, $what:expr) => {{
                    check!($make, $what);
                    let mut slow = $make;
                    run_options(&mut slow, xs);
                    let mut fast = $make;
                    swept(&mut fast, xs, cuts);
                    // Through `Debug`, where NaN rows equal (`PartialEq` says NaN != NaN).
                    let (a, b) = (format!("{:?}", slow.window), format!("{:?}", fast.window));
                    assert!(a == b, "{} state, w={w:?}\n{a}\n{b}", $what);
                }};
            }
            check_state!(
                RollingQuantileOf::with_index(qopts.clone(), SmallSorted::default())
                    .unwrap()
                    .single_precision(s),
                "small"
            );
            check_state!(
                RollingQuantileOf::with_index(qopts.clone(), Adaptive::default())
                    .unwrap()
                    .single_precision(s),
                "adaptive"
            );
            check_state!(
                RollingIqrOf::with_index(iopts.clone(), SmallSorted::default())
                    .unwrap()
                    .single_precision(s),
                "iqr small"
            );
            // The block-ranked index (bounded windows): as the objects' index, row by row.
            if let Some(w) = w {
                let most = usize::try_from(w).unwrap();
                let block = || BlockRank::new(all.clone(), most);
                macro_rules! check_block {
                    ($make:expr, $like:expr, $what:expr) => {{
                        let mut like = $like;
                        let want = run_options(&mut like, xs);
                        let mut fast = $make;
                        let got = swept(&mut fast, xs, cuts);
                        assert!(same(&got, &want), "{} w={w:?} {how:?} q={q}", $what);
                        let more = [Some(1.5), None, Some(f64::NAN), Some(-3.0), Some(0.0)];
                        let a = run_options(&mut like, &more);
                        let b = run_options(&mut fast, &more);
                        assert!(same(&a, &b), "{} after, w={w:?}", $what);
                    }};
                }
                check_block!(
                    RollingQuantileOf::with_index(qopts.clone(), block())
                        .unwrap()
                        .single_precision(s),
                    RollingQuantile::new(qopts.clone())
                        .unwrap()
                        .single_precision(s),
                    "block"
                );
                check_block!(
                    RollingIqrOf::with_index(iopts.clone(), block())
                        .unwrap()
                        .single_precision(s),
                    RollingIqr::new(iopts.clone()).unwrap().single_precision(s),
                    "iqr block"
                );
            }
        }
    }

    #[test]
    fn rolling_snapshot_restores_the_index() {
        let mut r = rolling(0.3, 5, Interpolation::Linear, 1);
        for x in [4.0, 1.0, 7.0, 3.0, 9.0, 2.0] {
            r.update(Some(x));
        }
        let mut back: RollingQuantile = snapshot::decode(&snapshot::encode(&r)).unwrap();
        assert_eq!(back.get(), r.get());
        assert_eq!(back.update(Some(0.5)), r.update(Some(0.5)));
    }
}

/// The P² update as it was before the branch-free cell search (kept as the reference):
/// the new one must leave the same state, bit for bit, after every value.
#[cfg(test)]
mod p2_reference {
    use super::P2;
    use crate::core::testing::uniform;
    use crate::core::{Kernel, Statistic};

    fn update_ref(p: &mut P2, x: f64) {
        if x.is_nan() || p.nan {
            p.nan = true;
            return;
        }
        if p.len < 5 {
            p.heights[p.len as usize] = x;
            p.len += 1;
            return;
        }
        if !p.sorted {
            p.heights.sort_by(f64::total_cmp);
            p.sorted = true;
        }
        let h = &mut p.heights;
        let k = if x < h[0] {
            h[0] = x;
            1
        } else if x < h[1] {
            1
        } else if x < h[2] {
            2
        } else if x < h[3] {
            3
        } else {
            if h[4] < x {
                h[4] = x;
            }
            4
        };
        for q in &mut p.positions[k..] {
            *q += 1.0;
        }
        for i in 1..4 {
            p.desired[i] += p.increments[i];
        }
        for i in 1..4 {
            adjust_ref(p, i);
        }
    }

    fn adjust_ref(p: &mut P2, i: usize) {
        let n = p.positions[i];
        let d = p.desired[i] - n;
        let up = d >= 1.0 && p.positions[i + 1] - n > 1.0;
        let down = d <= -1.0 && p.positions[i - 1] - n < -1.0;
        if !(up || down) {
            return;
        }
        let qi = p.heights[i];
        let d = 1.0f64.copysign(d);
        let (qp, qm) = (p.heights[i + 1], p.heights[i - 1]);
        let (np, nm) = (p.positions[i + 1], p.positions[i - 1]);
        let outer = d / (np - nm);
        let left = (n - nm + d) * (qp - qi) / (np - n);
        let right = (np - n - d) * (qi - qm) / (n - nm);
        let parabolic = qi + outer * (left + right);
        p.heights[i] = if qm < parabolic && parabolic < qp {
            parabolic
        } else if up {
            qi + d * (qp - qi) / (np - n)
        } else {
            qi + d * (qm - qi) / (nm - n)
        };
        p.positions[i] = n + d;
    }

    /// Every field, floats by their bits.
    fn bits(p: &P2) -> Vec<u64> {
        let floats = std::iter::once(&p.q)
            .chain(&p.heights)
            .chain(&p.positions)
            .chain(&p.desired)
            .chain(&p.increments)
            .map(|v| v.to_bits());
        floats
            .chain([p.len as u64, p.sorted as u64, p.nan as u64])
            .collect()
    }

    /// A value of one of several kinds: normal, ties on a coarse grid, huge (to overflow the
    /// marker arithmetic), ±0, ±inf, rarely NaN, the mix chosen by `mix`.
    fn value(u: &mut impl Iterator<Item = f64>, mix: usize) -> f64 {
        let (a, b) = (u.next().unwrap(), u.next().unwrap());
        let special = match mix {
            0 => 0.0,
            1 => 0.02,
            2 => 0.2,
            _ => 0.6,
        };
        if a >= special {
            let z = (b - 0.5) * 8.0;
            return match mix % 3 {
                0 => z,
                1 => z.round(),
                _ => z * 1e300,
            };
        }
        let specials = [
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            1.0,
            -1.0,
            f64::MIN_POSITIVE,
        ];
        if b < 0.002 {
            f64::NAN
        } else {
            specials[(b * specials.len() as f64) as usize % specials.len()]
        }
    }

    #[test]
    fn update_is_the_reference_bit_for_bit() {
        for seed in 0..200u64 {
            let mut u = uniform(seed);
            let q = [0.5, 0.0, 1.0, 0.1, 0.9, 0.25, 0.999][seed as usize % 7];
            let mix = (seed / 7) as usize % 4;
            let (mut new, mut old) = (P2::new(q), P2::new(q));
            let n = [3, 6, 50, 2000][(seed / 28) as usize % 4];
            for step in 0..n {
                let x = value(&mut u, mix);
                new.update(x);
                update_ref(&mut old, x);
                assert_eq!(
                    bits(&new),
                    bits(&old),
                    "seed {seed} step {step} x {x}: {new:?} vs {old:?}"
                );
                let (g, w) = (new.get(), old.get());
                assert_eq!(g.map(f64::to_bits), w.map(f64::to_bits));
            }
        }
    }

    /// Through the Quantile object with nulls and the sweep of a dense run: the reference's
    /// estimate after each non-null value.
    #[test]
    fn quantile_with_nulls_is_the_reference() {
        use super::{Method, Quantile, QuantileOptions};
        let mut u = uniform(7);
        let mut q = Quantile::new(QuantileOptions {
            q: 0.3,
            interpolation: Default::default(),
            method: Method::P2,
            min_samples: 0,
        })
        .unwrap();
        let mut old = P2::new(0.3);
        for i in 0..5000 {
            let x = value(&mut u, 1 + i / 2000);
            let row = (u.next().unwrap() >= 0.1).then_some(x);
            let got = q.update(row);
            if let Some(x) = row {
                update_ref(&mut old, x);
            }
            assert_eq!(
                got.map(f64::to_bits),
                old.get().map(f64::to_bits),
                "row {i}"
            );
        }
        let values: Vec<f64> = (0..3000).map(|_| value(&mut u, 0)).collect();
        crate::core::sweep::feed_dense(&mut q, &values);
        values.iter().for_each(|&x| update_ref(&mut old, x));
        assert_eq!(q.get().map(f64::to_bits), old.get().map(f64::to_bits));
    }

    /// A dense run fed without outputs (`update_many`) leaves the state `update` row by row
    /// leaves: every field (the snapshot), both methods, Quantile and IQR.
    #[test]
    fn feeding_a_run_is_updating_row_by_row() {
        use super::{Iqr, IqrOptions, Method, Quantile, QuantileOptions};
        use crate::core::snapshot::encode;
        fn check<S: crate::core::Statistic>(fresh: S, values: &[f64]) {
            let (mut fed, mut updated) = (fresh.clone(), fresh);
            crate::core::sweep::feed_dense(&mut fed, values);
            values.iter().for_each(|&x| {
                updated.update(Some(x));
            });
            assert_eq!(encode(&fed), encode(&updated), "{}", S::NAME);
            assert_eq!(fed.get().map(f64::to_bits), updated.get().map(f64::to_bits));
        }
        let mut u = uniform(11);
        let values: Vec<f64> = (0..2000).map(|i| value(&mut u, 1 + i / 700)).collect();
        for method in [Method::P2, Method::Exact] {
            for n in [0, 3, 5, 2000] {
                let q = QuantileOptions {
                    q: 0.7,
                    interpolation: Default::default(),
                    method,
                    min_samples: 4,
                };
                check(Quantile::new(q).unwrap(), &values[..n]);
                let iqr = IqrOptions {
                    q_inf: 0.25,
                    q_sup: 0.75,
                    interpolation: Default::default(),
                    method,
                    min_samples: 4,
                };
                check(Iqr::new(iqr).unwrap(), &values[..n]);
            }
        }
    }
}
