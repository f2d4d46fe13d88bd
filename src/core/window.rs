//! The one window mechanism of every rolling statistic: a FIFO of rows with explicit
//! `push` / `pop`, and a [`Span`] that decides which rows leave.
//!
//! A statistic keeps its rows in a [`Fifo`] structure (the two-stack of mergeable summaries,
//! the order-statistic rows of the quantiles, the exponentially weighted rows) and knows only
//! how to add the newest row, drop the oldest and finish its output. [`Window`] drives it:
//! - `Span::Unbounded`: nothing ever leaves (the cumulative statistics);
//! - `Span::Rows(n)`: the last `n` rows, nulls included (Polars' `rolling_*`);
//! - `Span::Time`: the rows whose time lies in the window ending at the current row's time
//!   (Polars' `rolling_*_by`): `(t - w, t]` for `closed="right"`, `[t - w, t)` for "left",
//!   `[t - w, t]` for "both", `(t - w, t)` for "none".
//!
//! Time windows move two cursors over the time-sorted rows (rows enter at the back as their
//! time comes, leave at the front as the window's start passes them), so a row costs one
//! push and one pop of the structure, however long the window. As in Polars, rows with equal
//! times share one window: in a sweep over a whole column ([`run_by`]) every row of a group
//! of equal times sees the whole group (with "right"/"both") or none of it ("left"/"none").

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::error::decoded;
use super::sweep::{Buffered, Running};
use super::{OptionValue, StatError};

/// Which ends of a time window belong to it, as Polars' `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Closed {
    /// `(t - w, t]`: Polars' default.
    #[default]
    Right,
    /// `[t - w, t)`.
    Left,
    /// `[t - w, t]`.
    Both,
    /// `(t - w, t)`.
    None,
}

impl Closed {
    pub const ALL: [Closed; 4] = [Closed::Right, Closed::Left, Closed::Both, Closed::None];

    pub fn name(self) -> &'static str {
        match self {
            Closed::Right => "right",
            Closed::Left => "left",
            Closed::Both => "both",
            Closed::None => "none",
        }
    }

    pub fn parse(s: &str) -> Result<Self, StatError> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                StatError::option(
                    "closed",
                    format!("must be one of 'right', 'left', 'both', 'none' (found '{s}')"),
                )
            })
    }

    /// The first time a window starting at `start` keeps: rows with an earlier time leave
    /// (a row at `start` itself stays only when the window is closed at its start).
    #[inline(always)]
    pub(crate) fn first_kept(self, start: i64) -> i64 {
        start.saturating_add(!self.holds_start() as i64)
    }

    /// Whether a row at the window's start time `t - w` is in the window.
    #[inline(always)]
    fn holds_start(self) -> bool {
        matches!(self, Closed::Left | Closed::Both)
    }

    /// Whether rows at the window's own time `t` are in the window.
    #[inline(always)]
    pub(crate) fn holds_end(self) -> bool {
        matches!(self, Closed::Right | Closed::Both)
    }
}

/// What the times of a time-based window are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeKind {
    /// Instants, as nanoseconds since the Unix epoch (durations such as `"5m"`).
    Temporal,
    /// Plain integers (Polars' `"5i"` durations): a distance in values, not a row count.
    Index,
}

/// Which rows a window holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Span {
    /// Every row so far.
    Unbounded,
    /// The last `n` rows, nulls included (`0`: always empty).
    Rows(u64),
    /// The rows within `width` time units before the current time, as `closed` says.
    /// `text` is the duration as the user wrote it (for reprs and for rebuilding).
    Time {
        width: i64,
        kind: TimeKind,
        closed: Closed,
        text: String,
    },
}

impl Span {
    /// The most rows the window can hold, when a row count bounds it.
    pub fn max_rows(&self) -> Option<u64> {
        match self {
            Span::Rows(n) => Some(*n),
            Span::Unbounded | Span::Time { .. } => None,
        }
    }

    /// Whether rows enter with a time.
    pub fn is_time(&self) -> bool {
        matches!(self, Span::Time { .. })
    }

    /// The start of the window ending at `t` (for the objects: a fixed width).
    #[inline(always)]
    pub fn start_of(&self, t: i64) -> i64 {
        match self {
            Span::Time { width, .. } => t.saturating_sub(*width),
            Span::Unbounded | Span::Rows(_) => i64::MIN,
        }
    }

    /// The `window_size` option: a row count or the duration as written.
    pub fn window_size_option(&self) -> (&'static str, OptionValue) {
        let value = match self {
            Span::Rows(n) => OptionValue::Int(*n),
            Span::Unbounded => OptionValue::Int(u64::MAX),
            Span::Time { text, .. } => OptionValue::Text(text.clone()),
        };
        ("window_size", value)
    }

    /// The `closed` option of a time window (none for a row count).
    pub fn closed_option(&self) -> Option<(&'static str, OptionValue)> {
        match self {
            Span::Time { closed, .. } => Some(("closed", OptionValue::Str(closed.name()))),
            Span::Unbounded | Span::Rows(_) => None,
        }
    }

    /// Check `min_samples` against the window, as the constructors do (a row-count window
    /// cannot hold more than its size; `lowest_ok` is allowed whatever the size).
    pub fn check_min_samples(&self, min_samples: u64, lowest_ok: u64) -> Result<(), StatError> {
        match self {
            Span::Rows(n) => decoded::min_samples_fit(min_samples, *n, lowest_ok),
            Span::Unbounded | Span::Time { .. } => Ok(()),
        }
    }

    fn closed(&self) -> Closed {
        match self {
            Span::Time { closed, .. } => *closed,
            Span::Unbounded | Span::Rows(_) => Closed::Right,
        }
    }

    /// Check the options of a decoded or newly built span.
    pub fn validate(&self) -> Result<(), StatError> {
        match self {
            Span::Time { width, .. } if *width <= 0 => Err(StatError::option(
                "window_size",
                format!("must be a positive duration (found {width})"),
            )),
            _ => Ok(()),
        }
    }
}

/// A window structure: rows enter at the back and leave at the front, oldest first.
pub trait Fifo {
    /// A row enters (`None`: a null row, which occupies a place but holds no value).
    fn push(&mut self, x: Option<f64>);
    /// The oldest row leaves. Never called on an empty structure.
    fn pop(&mut self);
    /// `pop` then `push`: a full row-count window's step (some structures do it in one move).
    #[inline(always)]
    fn shift(&mut self, x: Option<f64>) {
        self.pop();
        self.push(x);
    }
    /// A row that will never leave (an unbounded window): structures need not store it.
    #[inline(always)]
    fn keep(&mut self, x: Option<f64>) {
        self.push(x);
    }
    /// Rows held, nulls included.
    fn rows(&self) -> usize;
    /// The rows held, oldest first (what a merge replays). Rows given to `keep` are not held.
    fn for_each_row(&self, f: &mut dyn FnMut(Option<f64>));
}

/// The time side of a time-based window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Clock {
    /// The time of each row in the structure, oldest first.
    times: VecDeque<i64>,
    /// The latest time seen.
    last: Option<i64>,
    /// The first time seen (a later stream merged into this one must not start before
    /// `last`; this is what that stream's own rows are checked by).
    first: Option<i64>,
    /// Rows at time `last` that a `left`/`none` window does not hold yet (a window ends before
    /// its own time): they enter when time moves on.
    pending: Vec<Option<f64>>,
}

/// `window_size` as written (for messages).
fn span_text(span: &Span) -> String {
    match span {
        Span::Unbounded => "unbounded".into(),
        Span::Rows(n) => n.to_string(),
        Span::Time { text, closed, .. } => format!("'{text}', closed='{}'", closed.name()),
    }
}

/// A [`Fifo`] structure driven by a [`Span`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window<Q> {
    span: Span,
    rows: Q,
    clock: Clock,
}

impl<Q: Fifo> Window<Q> {
    pub fn new(span: Span, rows: Q) -> Self {
        Window {
            span,
            rows,
            clock: Clock::default(),
        }
    }

    pub fn span(&self) -> &Span {
        &self.span
    }

    /// The structure (its statistic's summary).
    #[inline(always)]
    pub fn rows(&self) -> &Q {
        &self.rows
    }

    #[inline(always)]
    pub fn rows_mut(&mut self) -> &mut Q {
        &mut self.rows
    }

    /// The latest time seen by a time-based window.
    pub fn last_time(&self) -> Option<i64> {
        self.clock.last
    }

    /// One row of a row-count or unbounded window. (A time-based window given a row without
    /// time takes it at its latest time.)
    #[inline(always)]
    pub fn push_row(&mut self, x: Option<f64>) {
        match self.span {
            Span::Rows(n) => {
                if self.rows.rows() as u64 >= n {
                    if n == 0 {
                        return; // An empty window (Polars' `window_size=0`): no row enters.
                    }
                    self.rows.shift(x);
                } else {
                    self.rows.push(x);
                }
            }
            Span::Unbounded => self.rows.keep(x),
            Span::Time { .. } => {
                let t = self.clock.last.unwrap_or(i64::MIN);
                self.enter(x, t);
            }
        }
    }

    /// Whether time `t` may come next (times never go backwards).
    pub fn check_time(&self, t: i64) -> Result<(), StatError> {
        check_not_before(t, self.clock.last)
    }

    /// One row at time `t` (not before the last time: checked), then the window moves to the
    /// one ending at `t`.
    pub fn push_at(&mut self, x: Option<f64>, t: i64) -> Result<(), StatError> {
        self.check_time(t)?;
        let start = self.span.start_of(t);
        self.enter(x, t);
        self.advance(start);
        Ok(())
    }

    /// A row at time `t >= last` enters (or waits, for a window open at its end).
    #[inline(always)]
    fn enter(&mut self, x: Option<f64>, t: i64) {
        let clock = &mut self.clock;
        if clock.last != Some(t) {
            if let Some(last) = clock.last {
                for x in clock.pending.drain(..) {
                    self.rows.push(x);
                    clock.times.push_back(last);
                }
            }
            clock.last = Some(t);
            clock.first.get_or_insert(t);
        }
        if self.span.closed().holds_end() {
            self.rows.push(x);
            clock.times.push_back(t);
        } else {
            clock.pending.push(x);
        }
    }

    /// Rows before the window starting at `start` leave.
    #[inline(always)]
    fn advance(&mut self, start: i64) {
        let first_kept = self.span.closed().first_kept(start);
        while let Some(&t) = self.clock.times.front() {
            if t >= first_kept {
                break;
            }
            self.clock.times.pop_front();
            self.rows.pop();
        }
    }

    /// `later`'s rows continue this window: afterwards it holds what one window fed this
    /// window's stream and then `later`'s would hold (`later` started fresh with the same
    /// span). The rows still in either window are replayed, in order, into `fresh` (an empty
    /// structure of the statistic's kind), so every summary is rebuilt from the rows it
    /// holds. An error (different spans, `later` starting before this window's last time, an
    /// unbounded window, which holds no rows to replay) leaves `self` as it was.
    pub fn merge(&mut self, later: &Self, fresh: Q) -> Result<(), StatError> {
        if self.span != later.span {
            return Err(StatError::ConflictingOptions(format!(
                "cannot merge windows of different sizes ({} and {})",
                span_text(&self.span),
                span_text(&later.span)
            )));
        }
        if let (Some(first), Some(last)) = (later.clock.first, self.clock.last) {
            if first < last {
                let kind = match &self.span {
                    Span::Time { kind, .. } => *kind,
                    _ => TimeKind::Index,
                };
                return Err(StatError::InvalidOperation(format!(
                    "cannot merge: the later stream starts at {}, before the last time {} of \
                     the earlier one (merge states in stream order)",
                    show_time(kind, first),
                    show_time(kind, last)
                )));
            }
        }
        let mut w = Window::new(self.span.clone(), fresh);
        match self.span {
            Span::Unbounded => {
                return Err(StatError::NotMergeable(
                    "an unbounded window keeps no rows to merge".into(),
                ))
            }
            Span::Rows(n) => {
                // Only the newest `n` rows of both streams can stay.
                let skip = (self.rows.rows() + later.rows.rows()).saturating_sub(n as usize);
                let mut i = 0;
                let mut replay = |x: Option<f64>| {
                    if i >= skip {
                        w.push_row(x);
                    }
                    i += 1;
                };
                self.rows.for_each_row(&mut replay);
                later.rows.for_each_row(&mut replay);
            }
            Span::Time { .. } => {
                for part in [&*self, later] {
                    let mut times = part.clock.times.iter();
                    let mut replay = |x: Option<f64>| {
                        // The times are sorted and `later` starts after `self`: no error.
                        let t = times.next().copied().unwrap_or(i64::MIN);
                        let _ = w.push_at(x, t);
                    };
                    part.rows.for_each_row(&mut replay);
                    if let Some(last) = part.clock.last {
                        for &x in &part.clock.pending {
                            let _ = w.push_at(x, last);
                        }
                    }
                }
                w.clock.first = self.clock.first.or(later.clock.first);
            }
        }
        *self = w;
        Ok(())
    }

    /// Check a decoded window against its statistic's options: the span it was built with,
    /// `min_samples` as the constructors check it, then [`Window::validate`].
    pub fn validate_for(
        &self,
        span: &Span,
        min_samples: u64,
        lowest_ok: u64,
    ) -> Result<(), StatError> {
        if self.span != *span {
            return Err(StatError::InvalidState(
                "window does not match window_size".into(),
            ));
        }
        span.check_min_samples(min_samples, lowest_ok)?;
        self.validate()
    }

    /// Check a decoded window: the times fit the rows and never decrease.
    pub fn validate(&self) -> Result<(), StatError> {
        self.span.validate()?;
        let bad = |why: &str| Err(StatError::InvalidState(why.into()));
        let clock = &self.clock;
        match self.span {
            Span::Time { .. } => {
                if clock.times.len() != self.rows.rows() {
                    return bad("window times do not match its rows");
                }
                let sorted = clock
                    .times
                    .iter()
                    .zip(clock.times.iter().skip(1))
                    .all(|(a, b)| a <= b);
                let before_last = match (clock.times.back(), clock.last) {
                    (Some(&t), Some(last)) => t <= last,
                    (Some(_), None) => false,
                    (None, _) => true,
                };
                let after_first = match (clock.first, clock.times.front(), clock.last) {
                    (Some(first), Some(&t), _) => first <= t,
                    (Some(first), None, Some(last)) => first <= last,
                    (None, front, last) => front.is_none() && last.is_none(),
                    (Some(_), None, None) => false,
                };
                if !sorted
                    || !before_last
                    || !after_first
                    || (!clock.pending.is_empty() && clock.last.is_none())
                {
                    return bad("window times are out of order");
                }
                if self.span.closed().holds_end() && !clock.pending.is_empty() {
                    return bad("a window closed at its end has no waiting rows");
                }
            }
            Span::Rows(n) => {
                if self.rows.rows() as u64 > n {
                    return bad("window holds more rows than window_size");
                }
                if !clock.times.is_empty()
                    || !clock.pending.is_empty()
                    || clock.last.is_some()
                    || clock.first.is_some()
                {
                    return bad("a row-count window has no times");
                }
            }
            Span::Unbounded => {}
        }
        Ok(())
    }
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A time as messages show it: an int as it is, an instant as ISO 8601 (UTC, to the ns).
pub fn show_time(kind: TimeKind, t: i64) -> String {
    if kind == TimeKind::Index {
        return t.to_string();
    }
    const NS_S: i64 = 1_000_000_000;
    const NS_DAY: i64 = 86_400 * NS_S;
    let (days, ns) = (t.div_euclid(NS_DAY), t.rem_euclid(NS_DAY));
    let (y, m, d) = civil_from_days(days);
    let secs = ns / NS_S;
    let frac = ns % NS_S;
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    );
    if frac != 0 {
        let digits = format!("{frac:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out
}

/// Whether time `t` may follow the latest time seen, `last` (times never go backwards):
/// the check of every time-based statistic.
pub fn check_not_before(t: i64, last: Option<i64>) -> Result<(), StatError> {
    match last {
        Some(last) if t < last => Err(StatError::InvalidOperation(format!(
            "time went backwards: {t} is before the last time {last} (times must not \
             decrease; the state is unchanged)"
        ))),
        _ => Ok(()),
    }
}

/// Check a batch of rows before any enters: one time per value, the first time allowed by
/// `check_first` (not before the last one seen), and no decrease after it. The time-based
/// statistics all check their batches here, so an error always leaves the state as it was.
pub fn check_batch(
    values: &[f64],
    times: &[i64],
    check_first: impl FnOnce(i64) -> Result<(), StatError>,
) -> Result<(), StatError> {
    if values.len() != times.len() {
        return Err(StatError::InvalidOperation(format!(
            "{} values but {} times",
            values.len(),
            times.len()
        )));
    }
    if let Some(&first) = times.first() {
        check_first(first)?;
    }
    if let Some(i) = times.windows(2).position(|w| w[1] < w[0]) {
        return Err(StatError::InvalidOperation(format!(
            "time went backwards: {} comes after {} (times must not decrease; the state is \
             unchanged)",
            times[i + 1],
            times[i]
        )));
    }
    Ok(())
}

/// How many rows from `lo` (below `hi`) have a time below `limit`: the rows leaving a
/// window, counted four at a time without branches (how many leave at one row varies, and a
/// loop exit that depends on it is mispredicted about once a row).
#[inline(always)]
pub(crate) fn leaving(times: &[i64], lo: usize, hi: usize, limit: i64) -> usize {
    let mut count = 0;
    loop {
        let k = below_of_four(times, lo + count, hi, limit);
        count += k;
        if k < 4 {
            return count;
        }
    }
}

/// The stable time order of `times`: `order[k]` is the index of the `k`-th smallest time,
/// equal times in their original order (as Polars' arg-sort of a `by` column). An LSD radix
/// sort of the times' offsets from their minimum, 11 bits a pass, skipping the digits every
/// time shares: a 2M-row column of microsecond times spanning weeks takes four passes, about
/// a tenth of a comparison sort.
pub fn time_order(times: &[i64]) -> Vec<u32> {
    const BITS: u32 = 11;
    const MASK: u64 = (1 << BITS) - 1;
    let n = times.len();
    assert!(u32::try_from(n).is_ok(), "at most 2**32 rows");
    let Some(&min) = times.iter().min() else {
        return Vec::new();
    };
    let max = times.iter().copied().max().unwrap_or(min);
    let span = max.abs_diff(min);
    let digits = (64 - span.leading_zeros()).div_ceil(BITS);
    // (offset from the minimum, row), sorted digit by digit.
    let mut keys: Vec<(u64, u32)> = times
        .iter()
        .enumerate()
        .map(|(i, &t)| (t.abs_diff(min), i as u32))
        .collect();
    let mut spare = vec![(0u64, 0u32); n];
    for d in 0..digits {
        let shift = BITS * d;
        let mut offsets = vec![0usize; 1 << BITS];
        for &(k, _) in &keys {
            offsets[((k >> shift) & MASK) as usize] += 1;
        }
        if offsets.contains(&n) {
            continue; // every key has this digit: the order stands
        }
        let mut sum = 0;
        for c in offsets.iter_mut() {
            (*c, sum) = (sum, sum + *c);
        }
        for &(k, i) in &keys {
            let b = ((k >> shift) & MASK) as usize;
            spare[offsets[b]] = (k, i);
            offsets[b] += 1;
        }
        std::mem::swap(&mut keys, &mut spare);
    }
    keys.into_iter().map(|(_, i)| i).collect()
}

/// A statistic over a [`Window`]: what the time sweeps and the time-based objects drive.
pub trait Windowed {
    type Rows: Fifo;

    /// Whether a null row outputs null (as `ewm_mean`) rather than the window's statistic
    /// (as `rolling_*_by`).
    const NULL_ROW_IS_NULL: bool = false;

    fn window(&mut self) -> &mut Window<Self::Rows>;

    /// The statistic of the rows now in the window (`min_samples` applied).
    fn output(&mut self) -> Option<f64>;

    /// The sweep of [`run_by`] over a window that holds no row yet, by a faster path of the
    /// statistic's own (`None`: it has none). Returns the rows held and waiting, as
    /// [`Fifo`]'s `run_time`-style `(lo, hi)`.
    #[allow(clippy::too_many_arguments)]
    fn run_fresh(
        &mut self,
        _values: &[f64],
        _valid: &impl Fn(usize) -> bool,
        _times: &[i64],
        _start_of: &mut impl FnMut(usize, i64) -> i64,
        _closed: Closed,
        _out: &mut Running,
    ) -> Option<(usize, usize)> {
        None
    }

    /// One row at time `t`; an earlier time than the last is an error and changes nothing.
    fn update_at(&mut self, x: Option<f64>, t: i64) -> Result<Option<f64>, StatError> {
        self.window().push_at(x, t)?;
        let y = self.output();
        Ok(if Self::NULL_ROW_IS_NULL && x.is_none() {
            None
        } else {
            y
        })
    }
}

/// How many of the rows `from..from + 4` (below `end`) have a time below `limit`: as the
/// times are sorted, the ones that do are a prefix. Bitwise, so that it compiles without
/// branches.
#[inline(always)]
fn below_of_four(times: &[i64], from: usize, end: usize, limit: i64) -> usize {
    let last = times.len().saturating_sub(1);
    let mut k = 0;
    for r in 0..4 {
        let idx = from + r;
        k += ((idx < end) & (times[idx.min(last)] < limit)) as usize;
    }
    k
}

/// Sweep rows sorted by time through `stat`, recording each row's output: Polars'
/// `rolling_*_by` on a sorted `by` (a row with a null `by` is for the caller to leave out).
/// `valid(i)` says whether row `i` holds a value; `start_of(i, t)` is the start of the
/// window ending at time `t` (first row `i` of that time; non-decreasing in `t`). Rows with equal times share one window. The times
/// must not decrease, nor start before the window's last time: checked before any row enters,
/// so an error leaves the statistic as it was.
pub fn run_by<S: Windowed>(
    stat: &mut S,
    values: &[f64],
    valid: impl Fn(usize) -> bool,
    times: &[i64],
    mut start_of: impl FnMut(usize, i64) -> i64,
    out: &mut Running,
) -> Result<(), StatError> {
    check_batch(values, times, |t| stat.window().check_time(t))?;
    let Some(&last_new) = times.last() else {
        return Ok(());
    };
    let closed = stat.window().span.closed();
    let holds_end = closed.holds_end();
    // Rows from earlier calls keep their times in the clock; this call's rows are tracked by
    // two cursors over `times`: rows `lo..hi` are in the structure, rows from `hi` wait.
    let fresh = {
        let w = stat.window();
        w.rows.rows() == 0 && w.clock.pending.is_empty()
    };
    if fresh && !S::NULL_ROW_IS_NULL {
        if let Some((lo, hi)) = stat.run_fresh(values, &valid, times, &mut start_of, closed, out) {
            let clock = &mut stat.window().clock;
            clock.last = Some(last_new);
            clock.first.get_or_insert(times[0]);
            clock.times = times[lo..hi].iter().copied().collect();
            clock.pending = (hi..times.len())
                .map(|k| valid(k).then_some(values[k]))
                .collect();
            return Ok(());
        }
    }
    let clock = &mut stat.window().clock;
    let mut old = std::mem::take(&mut clock.times);
    let mut old_pending = std::mem::take(&mut clock.pending);
    let old_last = clock.last;
    clock.last = Some(last_new);
    clock.first.get_or_insert(times[0]);
    let (mut lo, mut hi) = (0usize, 0usize);
    let n = times.len();
    let mut i = 0;
    let mut sink = Buffered::new(out);
    while i < n {
        let t = times[i];
        let mut j = i + 1;
        while j < n && times[j] == t {
            j += 1;
        }
        let window = stat.window();
        if !old_pending.is_empty() && old_last.is_some_and(|last| t > last) {
            // Rows left waiting at the last time of an earlier call enter now.
            let last = old_last.unwrap_or(t);
            for x in old_pending.drain(..) {
                window.rows.push(x);
                old.push_back(last);
            }
        }
        // Rows enter up to this time: the group's first row too when the window holds its
        // end, then the window moves, then the rest of the group (the order of row-by-row
        // updates, so that both give the same sums bit for bit).
        let first_in = if holds_end { i + 1 } else { i };
        for (k, &x) in values.iter().enumerate().take(first_in).skip(hi) {
            window.rows.push(valid(k).then_some(x));
        }
        hi = first_in;
        let first_kept = closed.first_kept(start_of(i, t));
        while old.front().is_some_and(|&u| u < first_kept) {
            old.pop_front();
            window.rows.pop();
        }
        if old.is_empty() {
            let gone = leaving(times, lo, hi, first_kept);
            lo += gone;
            for _ in 0..gone {
                window.rows.pop();
            }
        }
        if holds_end {
            let window = stat.window();
            for (k, &x) in values.iter().enumerate().take(j).skip(hi) {
                window.rows.push(valid(k).then_some(x));
            }
            hi = j;
        }
        let y = stat.output();
        for k in i..j {
            sink.push(if S::NULL_ROW_IS_NULL && !valid(k) {
                None
            } else {
                y
            });
        }
        i = j;
    }
    drop(sink);
    let clock = &mut stat.window().clock;
    old.extend(&times[lo..hi]);
    clock.times = old;
    // Rows at the last time wait (a window open at its end), after any still waiting from
    // an earlier call at that same time.
    old_pending.extend((hi..n).map(|k| valid(k).then_some(values[k])));
    clock.pending = old_pending;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::aggregate::{Aggregate, Sum};
    use super::super::two_stack::TwoStack;
    use super::*;

    /// The sum and count of a window's values, as one number (count * 1e6 + sum).
    #[derive(Debug, Clone)]
    struct SumOf(Window<TwoStack<Sum>>);

    impl Windowed for SumOf {
        type Rows = TwoStack<Sum>;
        fn window(&mut self) -> &mut Window<TwoStack<Sum>> {
            &mut self.0
        }
        fn output(&mut self) -> Option<f64> {
            let rows = self.0.rows();
            Some(rows.count() as f64 * 1e6 + rows.summary().sum)
        }
    }

    fn time_span(width: i64, closed: Closed) -> Span {
        Span::Time {
            width,
            kind: TimeKind::Index,
            closed,
            text: format!("{width}i"),
        }
    }

    /// The brute-force window of row `i`: every row whose time is in it, equal times included.
    fn brute(xs: &[Option<f64>], ts: &[i64], w: i64, closed: Closed) -> Vec<Option<f64>> {
        (0..xs.len())
            .map(|i| {
                let t = ts[i];
                let (mut n, mut sum) = (0u64, 0.0);
                for (x, &u) in xs.iter().zip(ts) {
                    let after_start = u > t - w || (u == t - w && closed.holds_start());
                    let before_end = u < t || (u == t && closed.holds_end());
                    if let (true, true, Some(x)) = (after_start, before_end, x) {
                        n += 1;
                        sum += x;
                    }
                }
                Some(n as f64 * 1e6 + sum)
            })
            .collect()
    }

    fn random_stream(seed: u64, n: usize) -> (Vec<Option<f64>>, Vec<i64>) {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        let mut t = -5i64;
        let mut xs = Vec::new();
        let mut ts = Vec::new();
        for _ in 0..n {
            t += [0, 0, 1, 1, 2, 3, 7, 15][(next() % 8) as usize];
            ts.push(t);
            let r = next();
            xs.push((r % 5 != 0).then_some((r % 64) as f64));
        }
        (xs, ts)
    }

    #[test]
    fn sweeps_match_brute_force_and_one_row_at_a_time() {
        for seed in 0..6 {
            let (xs, ts) = random_stream(seed, 300);
            let values: Vec<f64> = xs.iter().map(|x| x.unwrap_or(0.0)).collect();
            for w in [1i64, 2, 5, 40] {
                for closed in Closed::ALL {
                    let want = brute(&xs, &ts, w, closed);
                    let fresh = || SumOf(Window::new(time_span(w, closed), TwoStack::new()));
                    // Whole column, and in pieces (cut anywhere, equal times too).
                    for cuts in [vec![], vec![1usize, 7, 150, 151, 299]] {
                        let mut stat = fresh();
                        let mut out = Running::default();
                        let mut from = 0;
                        for &to in cuts.iter().chain([&xs.len()]) {
                            run_by(
                                &mut stat,
                                &values[from..to],
                                |i| xs[from + i].is_some(),
                                &ts[from..to],
                                |_, t| t - w,
                                &mut out,
                            )
                            .unwrap();
                            from = to;
                        }
                        let got = out.to_options();
                        for (i, (g, e)) in got.iter().zip(&want).enumerate() {
                            // A group of equal times cut between calls: its earlier rows
                            // were answered before the later ones arrived.
                            let cut_group = cuts.iter().any(|&c| {
                                c > 0 && c < ts.len() && ts[c] == ts[c - 1] && ts[i] == ts[c]
                            });
                            if !(cut_group && closed.holds_end()) {
                                assert_eq!(g, e, "seed {seed} w {w} {closed:?} row {i}");
                            }
                        }
                    }
                    // One row at a time: the window as of each row (no look-ahead).
                    let mut stat = fresh();
                    for (i, (&x, &t)) in xs.iter().zip(&ts).enumerate() {
                        let y = stat.update_at(x, t).unwrap();
                        let last_of_time = i + 1 == ts.len() || ts[i + 1] != t;
                        if last_of_time || !closed.holds_end() {
                            assert_eq!(y, want[i], "seed {seed} w {w} {closed:?} row {i}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn time_order_is_a_stable_sort() {
        for seed in 0..5u64 {
            let (_, mut ts) = random_stream(seed, 3000);
            // Shuffle deterministically, with extremes and repeats.
            let mut state = seed + 99;
            for i in (1..ts.len()).rev() {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ts.swap(i, (state >> 33) as usize % (i + 1));
            }
            ts[7] = i64::MIN;
            ts[8] = i64::MAX;
            ts[9] = i64::MIN;
            let mut want: Vec<u32> = (0..ts.len() as u32).collect();
            want.sort_by_key(|&i| ts[i as usize]);
            assert_eq!(time_order(&ts), want, "seed {seed}");
        }
        assert!(time_order(&[]).is_empty());
        assert_eq!(time_order(&[5, 5, 5]), vec![0, 1, 2]);
    }

    #[test]
    fn time_going_backwards_changes_nothing() {
        let mut stat = SumOf(Window::new(time_span(10, Closed::Left), TwoStack::new()));
        stat.update_at(Some(1.0), 5).unwrap();
        stat.update_at(Some(2.0), 7).unwrap();
        let before = postcard::to_allocvec(&stat.0).unwrap();
        assert!(stat.update_at(Some(3.0), 6).is_err());
        let mut out = Running::default();
        let bad = run_by(
            &mut stat,
            &[1.0, 2.0],
            |_| true,
            &[8, 3],
            |_, t| t - 10,
            &mut out,
        );
        assert!(bad.is_err());
        let early = run_by(&mut stat, &[1.0], |_| true, &[6], |_, t| t - 10, &mut out);
        assert!(early.is_err());
        assert_eq!(postcard::to_allocvec(&stat.0).unwrap(), before);
        assert_eq!(Sum::EMPTY.sum, 0.0);
    }

    /// What a window holds: its rows in order, their times, the waiting rows, first and last.
    type Held = (
        Vec<Option<f64>>,
        Vec<i64>,
        Vec<Option<f64>>,
        Option<i64>,
        Option<i64>,
    );

    fn held(w: &Window<TwoStack<Sum>>) -> Held {
        let mut rows = Vec::new();
        w.rows.for_each_row(&mut |x| rows.push(x));
        let c = &w.clock;
        (
            rows,
            c.times.iter().copied().collect(),
            c.pending.clone(),
            c.first,
            c.last,
        )
    }

    fn fed(span: &Span, xs: &[Option<f64>], ts: &[i64]) -> Window<TwoStack<Sum>> {
        let mut w = Window::new(span.clone(), TwoStack::new());
        for (&x, &t) in xs.iter().zip(ts) {
            match span {
                Span::Time { .. } => w.push_at(x, t).unwrap(),
                _ => w.push_row(x),
            }
        }
        w
    }

    /// Windows fed the parts of a stream and merged hold what one window fed the whole
    /// holds (rows, times, waiting rows), for every split, row and time spans, every
    /// `closed`, and both bracketings of three parts.
    #[test]
    fn merged_parts_hold_what_the_whole_holds() {
        let mut spans: Vec<Span> = [0u64, 1, 3, 8].into_iter().map(Span::Rows).collect();
        for w in [1i64, 3, 12] {
            spans.extend(Closed::ALL.into_iter().map(|c| time_span(w, c)));
        }
        for seed in 0..4 {
            let (xs, ts) = random_stream(seed, 40);
            for span in &spans {
                let whole = held(&fed(span, &xs, &ts));
                let sum = |w: &Window<TwoStack<Sum>>| (w.rows.count(), w.rows.summary().sum);
                let whole_sum = sum(&fed(span, &xs, &ts));
                for k in 0..=xs.len() {
                    let mut a = fed(span, &xs[..k], &ts[..k]);
                    let b = fed(span, &xs[k..], &ts[k..]);
                    a.merge(&b, TwoStack::new()).unwrap();
                    assert_eq!(held(&a), whole, "{span:?} split {k}");
                    assert_eq!(sum(&a), whole_sum, "{span:?} split {k}");
                    let j = (k + 7).min(xs.len());
                    let (p, q, r) = (
                        fed(span, &xs[..k], &ts[..k]),
                        fed(span, &xs[k..j], &ts[k..j]),
                        fed(span, &xs[j..], &ts[j..]),
                    );
                    let mut left = p.clone();
                    left.merge(&q, TwoStack::new()).unwrap();
                    left.merge(&r, TwoStack::new()).unwrap();
                    let mut right = q.clone();
                    right.merge(&r, TwoStack::new()).unwrap();
                    let mut pr = p.clone();
                    pr.merge(&right, TwoStack::new()).unwrap();
                    assert_eq!(held(&left), whole, "{span:?} ({k}, {j}) left");
                    assert_eq!(held(&pr), whole, "{span:?} ({k}, {j}) right");
                }
            }
        }
    }

    #[test]
    fn merge_refuses_an_earlier_stream_and_other_spans() {
        let span = time_span(5, Closed::Right);
        let mut a = fed(&span, &[Some(1.0), Some(2.0)], &[3, 9]);
        let before = held(&a);
        let early = fed(&span, &[Some(1.0), Some(5.0)], &[8, 20]);
        assert!(matches!(
            a.merge(&early, TwoStack::new()),
            Err(StatError::InvalidOperation(_))
        ));
        let other = fed(&time_span(6, Closed::Right), &[Some(1.0)], &[30]);
        assert!(matches!(
            a.merge(&other, TwoStack::new()),
            Err(StatError::ConflictingOptions(_))
        ));
        assert_eq!(held(&a), before);
        // Equal times at the seam are allowed (they share a window).
        let same = fed(&span, &[Some(4.0)], &[9]);
        a.merge(&same, TwoStack::new()).unwrap();
        assert_eq!(held(&a).0, vec![Some(2.0), Some(4.0)]); // (4, 9]: the row at 3 left
    }
}
