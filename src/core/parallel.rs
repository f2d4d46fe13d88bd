//! Parallel sweeps of one long column: the column is cut into pieces and each piece's row
//! outputs are computed on its own thread, from the state the statistic has at the piece's
//! first row. No Polars and no threads of its own here: the caller hands in a [`Fork`] (the
//! expressions use Polars' thread pool) and decides when a column is long enough.
//!
//! - Cumulative and exponentially weighted statistics ([`prefix_sweep`]): the state before a
//!   piece is the ordered merge ([`Merge`]) of the states of the pieces before it, each
//!   computed from a fresh state ("pass 1", in parallel, without outputs); each piece is
//!   then swept from that prefix state ("pass 2"). The first piece is swept from the fresh
//!   state while the others' states are computed, so it is larger: see [`prefix_bounds`].
//!   The merges are exact formulas, so the outputs equal one pass's to rounding (bit for bit
//!   for the extremes, whose merges are exact); the prefix states are merged in one fixed
//!   order, so the result depends only on the data and the piece bounds.
//! - Windows of rows ([`window_sweep`]): the state before a piece starting at row `p` is the
//!   window of the `W` rows before `p`, so each piece warms up on those rows (their outputs
//!   discarded) and no pass 1 is needed. Pieces start at multiples of `W`: the two-stack
//!   window ([`super::two_stack`]) rebuilds its front run there from exactly those `W` rows
//!   in one pass too, so the outputs are bit for bit one pass's; an order statistic (the
//!   quantile windows) is exact whatever the history, so bit for bit as well.
//!
//! Pass 1 must cost well below a sweep (the speed-up on two threads is `2 - pass1 / sweep`):
//! see [`PrefixState`] for how each statistic computes it.

use std::borrow::Cow;
use std::ops::Range;

use super::aggregate::{Aggregate, Extremes, Highest, Largest, Lowest, Moments, Sum};
use super::ewm::{EwMean, EwStd, EwVar, Watch};
use super::moments::{Cumulative, Finish};
use super::sweep::{in_loop, run_dense, run_masked, Running};
use super::{Kernel, Merge, StatError};

/// A pool of threads that can run two closures in parallel (rayon's `join`): the
/// expressions pass Polars' thread pool. Nothing here starts threads of its own.
pub trait Fork: Sync {
    /// The number of threads the work may spread over.
    fn threads(&self) -> usize;

    /// Run `a` and `b`, perhaps in parallel, and return both results.
    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send;
}

/// No threads: both halves of every `join` run on the caller's thread, one after the
/// other (the objects, the tests, and any caller without a pool).
pub struct OneThread;

impl Fork for OneThread {
    fn threads(&self) -> usize {
        1
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        (a(), b())
    }
}

/// Two OS threads per `join` (`std::thread::scope`): a pool of two without Polars', for
/// the tests.
#[cfg(test)]
pub(crate) struct TwoThreads;

#[cfg(test)]
impl Fork for TwoThreads {
    fn threads(&self) -> usize {
        2
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        std::thread::scope(|s| {
            let hb = s.spawn(b);
            let ra = a();
            (ra, hb.join().unwrap())
        })
    }
}

/// Validity bits in Arrow's layout (least significant bit first), from bit `offset` on.
#[derive(Debug, Clone, Copy)]
pub struct Bits<'a> {
    pub bytes: &'a [u8],
    pub offset: usize,
}

impl Bits<'_> {
    #[inline(always)]
    pub fn get(&self, i: usize) -> bool {
        let j = self.offset + i;
        (self.bytes[j >> 3] >> (j & 7)) & 1 == 1
    }
}

/// A run of rows: values, and their validity (`None`: every row holds a value).
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    pub values: &'a [f64],
    pub valid: Option<Bits<'a>>,
}

impl<'a> Segment<'a> {
    fn slice(&self, r: Range<usize>) -> Segment<'a> {
        Segment {
            valid: self.valid.map(|b| Bits {
                bytes: b.bytes,
                offset: b.offset + r.start,
            }),
            values: &self.values[r],
        }
    }

    fn is_valid(&self, i: usize) -> bool {
        self.valid.is_none_or(|b| b.get(i))
    }
}

/// A column as its segments (Polars' chunks), read by ranges of rows.
#[derive(Debug, Clone)]
pub struct Rows<'a> {
    segments: Vec<Segment<'a>>,
    /// The first row of each segment, and the number of rows at the end.
    starts: Vec<usize>,
}

impl<'a> Rows<'a> {
    pub fn new(segments: Vec<Segment<'a>>) -> Self {
        let mut starts = Vec::with_capacity(segments.len() + 1);
        let mut at = 0;
        for s in &segments {
            starts.push(at);
            at += s.values.len();
        }
        starts.push(at);
        Rows { segments, starts }
    }

    pub fn len(&self) -> usize {
        self.starts[self.segments.len()]
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `f` of each part of a segment that lies in `range`, in row order.
    fn each(&self, range: Range<usize>, mut f: impl FnMut(Segment<'a>)) {
        let first = self.starts.partition_point(|&s| s <= range.start).max(1) - 1;
        for (k, seg) in self.segments.iter().enumerate().skip(first) {
            let s = self.starts[k];
            if s >= range.end {
                break;
            }
            let lo = range.start.max(s) - s;
            let hi = range.end.min(s + seg.values.len()) - s;
            if lo < hi {
                f(seg.slice(lo..hi));
            }
        }
    }

    /// Sweep `stat` over rows `range`, recording each row's output (the sweeps of
    /// [`super::sweep`], as one pass runs them).
    pub fn run<S: Kernel>(&self, stat: &mut S, range: Range<usize>, out: &mut Running) {
        self.each(range, |seg| match seg.valid {
            None => run_dense(stat, seg.values, out),
            Some(b) => run_masked(stat, seg.values, |i| b.get(i), out),
        });
    }

    /// The non-null values of rows `range`, in row order: borrowed when the range lies in
    /// one segment without nulls, else copied.
    pub fn non_null_values(&self, range: Range<usize>) -> Cow<'a, [f64]> {
        let mut parts = Vec::with_capacity(1);
        self.each(range.clone(), |seg| parts.push(seg));
        if let [seg] = parts[..] {
            if seg.valid.is_none() {
                return Cow::Borrowed(seg.values);
            }
        }
        let mut out = Vec::with_capacity(range.len());
        for seg in parts {
            match seg.valid {
                None => out.extend_from_slice(seg.values),
                Some(_) => out.extend(
                    (0..seg.values.len())
                        .filter(|&i| seg.is_valid(i))
                        .map(|i| seg.values[i]),
                ),
            }
        }
        Cow::Owned(out)
    }

    /// The state of `fresh` after rows `range` (pass 1: no outputs).
    pub fn state<S: PrefixState>(&self, fresh: &S, range: Range<usize>) -> Result<S, StatError> {
        let mut acc = fresh.clone();
        let mut result = Ok(());
        self.each(range, |seg| {
            if result.is_ok() {
                result = S::after(fresh, seg).and_then(|s| acc.merge(&s));
            }
        });
        result.map(|_| acc)
    }
}

/// A statistic whose long columns are swept from prefix merges ([`prefix_sweep`]), and how
/// its pass 1 computes the state of a run of rows.
pub trait PrefixState: Kernel + Merge + Send {
    /// The state of `fresh` after the rows of `seg` (no outputs): by default from [`lanes`]
    /// of 4 interleaved states.
    fn after(fresh: &Self, seg: Segment) -> Result<Self, StatError> {
        lanes::<Self, 4>(fresh, seg)
    }
}

/// The EW mean's update is bound by the latency of its chain: 4 interleaved states.
impl PrefixState for EwMean {}

/// The EW variance's state is larger: 2 interleaved states (4 spill registers).
impl PrefixState for EwVar {
    fn after(fresh: &Self, seg: Segment) -> Result<Self, StatError> {
        lanes::<Self, 2>(fresh, seg)
    }
}

impl PrefixState for EwStd {
    fn after(fresh: &Self, seg: Segment) -> Result<Self, StatError> {
        lanes::<Self, 2>(fresh, seg)
    }
}

/// A cumulative statistic's state is its count and summary ([`Aggregate`]): pass 1 builds
/// the summary from blocks of [`BLOCK`] values ([`summarize`]; a row-by-row update divides
/// by the count at every row, and the divider bounds it), and the state around it.
impl<F: Finish> PrefixState for Cumulative<F>
where
    F::Agg: BlockSummary,
{
    fn after(fresh: &Self, seg: Segment) -> Result<Self, StatError> {
        let (count, agg) = summarize::<F::Agg>(seg);
        Ok(fresh.with_summary(count, agg))
    }
}

/// Values summarised together in [`summarize`].
pub const BLOCK: usize = 128;

/// A summary that pass 1 builds a block of non-null values at a time ([`summarize`]).
pub trait BlockSummary: Aggregate {
    /// The summary of `values` (non-null, at most [`BLOCK`]; `inv[k] = 1 / k`): by default
    /// the values pushed one by one.
    fn of_block(values: &[f64], inv: &[f64]) -> Self {
        let mut b = Self::EMPTY;
        for (k, &x) in values.iter().enumerate() {
            b.push(x, inv[k + 1]);
        }
        b
    }
}

impl BlockSummary for Sum {}
impl BlockSummary for Lowest {}
impl BlockSummary for Highest {}
impl BlockSummary for Largest {}
impl BlockSummary for Extremes {}

/// `Σ f(x)` over `values` in four interleaved sums (a single sum is one long chain of
/// additions; four vectorise).
#[inline(always)]
fn sum4(values: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut acc = [0.0f64; 4];
    let quads = values.chunks_exact(4);
    let rest = quads.remainder();
    for q in quads {
        for (a, &x) in acc.iter_mut().zip(q) {
            *a += f(x);
        }
    }
    let mut tail = 0.0;
    for &x in rest {
        tail += f(x);
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// The moments of a block in two passes over it (the mean, then the central sums), in the
/// layout of [`Moments::push`]: shifted by the first value, `mean = sum / n`, moments above
/// `K` left at 0. Exact to rounding, as the pushes are; a block holding ±inf or NaN is
/// pushed one by one instead, so that non-finite values propagate as in one pass.
impl<const K: usize> BlockSummary for Moments<K> {
    fn of_block(values: &[f64], inv: &[f64]) -> Self {
        let Some(&shift) = values.first() else {
            return Self::EMPTY;
        };
        let n = values.len();
        let sum = sum4(values, |x| x - shift);
        let mean = sum * inv[n];
        let m2 = sum4(values, |x| {
            let d = (x - shift) - mean;
            d * d
        });
        let m3 = if K >= 3 {
            sum4(values, |x| {
                let d = (x - shift) - mean;
                d * d * d
            })
        } else {
            0.0
        };
        let m4 = if K >= 4 {
            sum4(values, |x| {
                let d = (x - shift) - mean;
                let d2 = d * d;
                d2 * d2
            })
        } else {
            0.0
        };
        if !(sum.is_finite() && m2.is_finite() && m3.is_finite() && m4.is_finite()) {
            let mut b = Self::EMPTY;
            for (k, &x) in values.iter().enumerate() {
                b.push(x, inv[k + 1]);
            }
            return b;
        }
        Moments {
            n: n as f64,
            shift,
            sum,
            mean,
            m2,
            m3,
            m4,
        }
    }
}

/// The number of values of `seg` and their summary: blocks of [`BLOCK`] values summarised
/// by [`BlockSummary::of_block`] (no division but one per block, where a row-by-row update
/// divides at every row), merged in order.
fn summarize<A: BlockSummary>(seg: Segment) -> (u64, A) {
    let inv: [f64; BLOCK + 1] = std::array::from_fn(|k| 1.0 / k as f64);
    let mut acc = A::EMPTY;
    let mut n = 0u64;
    let mut absorb = |block: &[f64]| {
        if !block.is_empty() {
            n += block.len() as u64;
            let r = if A::COUNTED { 1.0 / n as f64 } else { 0.0 };
            acc = acc.merge(&A::of_block(block, &inv), r);
        }
    };
    match seg.valid {
        None => seg.values.chunks(BLOCK).for_each(&mut absorb),
        Some(_) => {
            let mut buf = [0.0; BLOCK];
            let mut k = 0;
            for (i, &x) in seg.values.iter().enumerate() {
                if seg.is_valid(i) {
                    buf[k] = x;
                    k += 1;
                    if k == BLOCK {
                        absorb(&buf);
                        k = 0;
                    }
                }
            }
            absorb(&buf[..k]);
        }
    }
    (n, acc)
}

/// The state of `fresh` after the rows of `seg`: the segment is cut into `L` blocks, each
/// fed to a fresh state of its own in one interleaved loop (the states' dependency chains
/// then run side by side in the CPU: an EW update is bound by the latency of its chain),
/// and the states are merged in order.
pub fn lanes<S: Kernel + Merge, const L: usize>(fresh: &S, seg: Segment) -> Result<S, StatError> {
    let n = seg.values.len();
    let block = n / L;
    let mut lanes: [S; L] = std::array::from_fn(|_| fresh.clone());
    if block > 0 {
        match seg.valid {
            None => interleave_dense(&mut lanes, seg.values, block),
            Some(b) => interleave_masked(&mut lanes, seg.values, b, block),
        }
    }
    let Some((first, rest)) = lanes.split_first_mut() else {
        return Ok(fresh.clone());
    };
    // The rows after the blocks continue the last block.
    let last = rest.last_mut().unwrap_or(&mut *first);
    for (i, &x) in seg.values.iter().enumerate().skip(L * block) {
        last.update(seg.is_valid(i).then_some(x));
    }
    for lane in rest.iter() {
        first.merge(lane)?;
    }
    Ok(first.clone())
}

/// Feed block `k` (`values[k * block..(k + 1) * block]`) to `lanes[k]`, the blocks
/// interleaved row by row; the states live in locals through the loop.
#[inline(never)]
fn interleave_dense<S: Kernel, const L: usize>(lanes: &mut [S; L], values: &[f64], block: usize) {
    assert!(L * block <= values.len());
    let mut local = lanes.clone();
    for i in 0..block {
        for (k, lane) in local.iter_mut().enumerate() {
            // SAFETY: `k * block + i < L * block <= values.len()` (asserted above).
            let x = unsafe { *values.get_unchecked(k * block + i) };
            lane.update(Some(x));
        }
    }
    *lanes = local;
}

/// [`interleave_dense`] with a validity bitmap.
#[inline(never)]
fn interleave_masked<S: Kernel, const L: usize>(
    lanes: &mut [S; L],
    values: &[f64],
    valid: Bits,
    block: usize,
) {
    assert!(L * block <= values.len());
    let mut local = lanes.clone();
    for i in 0..block {
        for (k, lane) in local.iter_mut().enumerate() {
            let j = k * block + i;
            // SAFETY: `j < L * block <= values.len()` (asserted above).
            let x = unsafe { *values.get_unchecked(j) };
            lane.update(valid.get(j).then_some(x));
        }
    }
    *lanes = local;
}

/// `f` of each item, the items split in halves over the fork's threads; results in order.
fn par_map<T: Send, R: Send, F: Fork>(
    fork: &F,
    mut items: Vec<T>,
    f: &(impl Fn(T) -> R + Sync),
) -> Vec<R> {
    if items.len() <= 1 {
        return items.into_iter().map(f).collect();
    }
    let right = items.split_off(items.len() / 2);
    let (mut a, b) = fork.join(|| par_map(fork, items, f), || par_map(fork, right, f));
    a.extend(b);
    a
}

/// The piece bounds `[0, b1, ..., n]` of a prefix sweep of `n` rows on `threads` threads,
/// where pass 1 costs `pass1` of a sweep per row: one thread sweeps piece 0 from the fresh
/// state while each other thread computes a piece's state; once the states are merged, every
/// other thread sweeps one of the pieces `1..`. Balanced when piece 0's sweep takes as long
/// as its pass 1 plus another piece's sweep: piece 0 holds `1 / (1 + (T-1)(1-pass1))` of
/// the rows, the others share the rest, and the speed-up is `1 + (T-1)(1-pass1)`.
/// `None` when that does not pay (one thread, or pass 1 as slow as the sweep).
pub fn prefix_bounds(n: usize, threads: usize, pass1: f64) -> Option<Vec<usize>> {
    if threads < 2 || !(0.0..0.9).contains(&pass1) || n < 2 * threads {
        return None;
    }
    let others = (threads - 1) as f64 * (1.0 - pass1);
    let first = ((n as f64 / (1.0 + others)).round() as usize).clamp(1, n - 1);
    let rest = n - first;
    let k = threads - 1;
    let mut bounds = vec![0, first];
    bounds.extend((1..=k).map(|j| first + rest * j / k));
    bounds.dedup();
    Some(bounds)
}

/// The outputs of a cumulative or EW statistic over `rows`, cut at `bounds` (`[0, ..., n]`),
/// one [`Running`] per piece: piece 0 swept from `fresh` while the states of the pieces
/// before the last are computed (pass 1); then each later piece swept from the ordered
/// merge of the states before it.
pub fn prefix_sweep<S, F>(
    fork: &F,
    rows: &Rows,
    fresh: &S,
    bounds: &[usize],
) -> Result<Vec<Running>, StatError>
where
    S: PrefixState,
    F: Fork,
{
    let pieces: Vec<Range<usize>> = bounds.windows(2).map(|w| w[0]..w[1]).collect();
    let Some((first, later)) = pieces.split_first() else {
        return Ok(Vec::new());
    };
    let sweep = |(mut stat, r): (S, Range<usize>)| {
        let mut out = Running::with_capacity(r.len());
        rows.run(&mut stat, r, &mut out);
        out
    };
    let before_last: Vec<(S, Range<usize>)> = pieces[..pieces.len() - 1]
        .iter()
        .map(|r| (fresh.clone(), r.clone()))
        .collect();
    let start = (fresh.clone(), first.clone());
    let mut prefix = fresh.clone();
    let (head, tail) = fork.join(
        || sweep(start),
        || -> Result<Vec<Running>, StatError> {
            let states = par_map(fork, before_last, &|(s, r): (S, Range<usize>)| {
                rows.state(&s, r)
            });
            let mut jobs = Vec::with_capacity(later.len());
            for (state, r) in states.into_iter().zip(later) {
                prefix.merge(&state?)?;
                jobs.push((prefix.clone(), r.clone()));
            }
            Ok(par_map(fork, jobs, &sweep))
        },
    );
    let mut outs = vec![head];
    outs.extend(tail?);
    Ok(outs)
}

/// A statistic that forgets geometrically: the EW statistics, whose rows `s` values back
/// weigh at most `(1 - alpha)^s / alpha` of the newest one's share (`adjust=True`: the
/// total weight is at most `1 / alpha`), or `(1 - alpha)^s` (`adjust=False`).
/// Implemented beside the kernels, in [`super::ewm`].
pub trait Decaying: Kernel + Send + Sync {
    /// `alpha` and `min_samples`.
    fn decay(&self) -> (f64, u64);

    /// [`Kernel::run_dense`], showing each value to `watch` as well.
    fn run_dense_watched<W: Watch>(&mut self, values: &[f64], out: &mut Running, watch: &mut W);
}

/// The largest `|x|` of the non-null values of `seg`, and whether all are finite.
#[allow(clippy::eq_op)] // `x - x` is meant: 0 for finite x, NaN for ±inf and NaN.
fn magnitude(seg: Segment) -> (f64, bool) {
    // Branch-free, in four lanes, so that the loop vectorises: `Σ (x - x)` is NaN as soon
    // as one value is not finite.
    let (mut m, mut z) = ([0.0f64; 4], [0.0f64; 4]);
    match seg.valid {
        None => {
            let quads = seg.values.chunks_exact(4);
            let rest = quads.remainder();
            for q in quads {
                for ((m, z), &x) in m.iter_mut().zip(z.iter_mut()).zip(q) {
                    let a = x.abs();
                    *m = if a > *m { a } else { *m };
                    *z += x - x;
                }
            }
            for &x in rest {
                let a = x.abs();
                m[0] = if a > m[0] { a } else { m[0] };
                z[0] += x - x;
            }
        }
        Some(b) => {
            for (i, &x) in seg.values.iter().enumerate() {
                if b.get(i) {
                    let a = x.abs();
                    m[0] = if a > m[0] { a } else { m[0] };
                    z[0] += x - x;
                }
            }
        }
    }
    let finite = (z[0] + z[1]) + (z[2] + z[3]) == 0.0;
    (m[0].max(m[1]).max(m[2].max(m[3])), finite)
}

impl Rows<'_> {
    /// [`magnitude`] of rows `range`.
    fn magnitude(&self, range: Range<usize>) -> (f64, bool) {
        let (mut m, mut finite) = (0.0f64, true);
        self.each(range, |seg| {
            let (a, ok) = magnitude(seg);
            m = m.max(a);
            finite &= ok;
        });
        (m, finite)
    }

    /// The first row of the shortest run of rows ending before `end` that holds `k` values;
    /// `None` when the rows before `end` hold fewer.
    fn back(&self, end: usize, k: usize) -> Option<usize> {
        if k == 0 {
            return Some(end);
        }
        let mut need = k;
        let last = self.starts.partition_point(|&s| s < end);
        for j in (0..last.min(self.segments.len())).rev() {
            let (s, seg) = (self.starts[j], &self.segments[j]);
            let hi = end.min(s + seg.values.len()) - s;
            match seg.valid {
                None if hi >= need => return Some(s + hi - need),
                None => need -= hi,
                Some(b) => {
                    for i in (0..hi).rev() {
                        if b.get(i) {
                            need -= 1;
                            if need == 0 {
                                return Some(s + i);
                            }
                        }
                    }
                }
            }
        }
        None
    }
}

/// How much larger than its own values a decay sweep's first warm-up lets the values before
/// it be (see [`decay_sweep`]).
const WARM_UP_SLACK: f64 = 65536.0;

/// The largest `|x|` of the values a sweep is shown, and whether all are finite: the scan of
/// [`magnitude`], made as the EW kernels sweep (see [`Watch`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Magnitude {
    largest: f64,
    /// `Σ (x - x)`: NaN once a value is not finite.
    zero: f64,
}

impl Watch for Magnitude {
    #[inline(always)]
    #[allow(clippy::eq_op)] // `x - x` is meant: 0 for finite x, NaN for ±inf and NaN.
    fn see(&mut self, x: f64) {
        let a = x.abs();
        self.largest = if a > self.largest { a } else { self.largest };
        self.zero += x - x;
    }
}

impl Rows<'_> {
    /// [`Rows::run`], and [`magnitude`] of the rows, taken as the kernel reads them (a
    /// second pass over a long column would cost a read from memory).
    fn run_scanned<S: Decaying>(
        &self,
        stat: &mut S,
        range: Range<usize>,
        out: &mut Running,
    ) -> (f64, bool) {
        let mut seen = Magnitude::default();
        let (mut m, mut finite) = (0.0f64, true);
        self.each(range, |seg| match seg.valid {
            None => in_loop(stat, |s| s.run_dense_watched(seg.values, out, &mut seen)),
            Some(b) => {
                run_masked(stat, seg.values, |i| b.get(i), out);
                let (a, ok) = magnitude(seg);
                m = m.max(a);
                finite &= ok;
            }
        });
        (m.max(seen.largest), finite && seen.zero == 0.0)
    }
}

/// The outputs of an EW statistic over `rows` in pieces of `piece` rows, one [`Running`]
/// per piece, each piece swept from a fresh state warmed up on the values before it that
/// still weigh: enough that the rows before them weigh at most 2^-60 of the warm-up's own
/// magnitude (with the largest `|x|` before the piece, so that a huge old value decays
/// below the recent ones too), and at least `min_samples` (so the counts agree on whether
/// an output is due). No pass 1 and no merges: a warm-up costs a few hundred rows at
/// `alpha = 0.1`. Equal to one pass to rounding: the outputs differ from one pass's by at
/// most 2^-60 of the data's recent magnitude at the piece's start, decaying after it.
///
/// The largest `|x|` before a piece is known only once the pieces before it are read, so
/// each piece is first swept with the warm-up that its own recent values ask for with room
/// for older values up to [`WARM_UP_SLACK`] times larger, while the sweep notes the piece's
/// largest `|x|`; a piece whose older rows turn out to hold a value large enough to need a
/// longer warm-up is swept again with it. No separate pass over the column: the room costs
/// `log(WARM_UP_SLACK) / -log(1 - alpha)` more rows of warm-up (about 100 at `alpha = 0.1`).
///
/// `None` (use [`prefix_sweep`]) when a warm-up would be long (small `alpha`: more than a
/// quarter of a piece), when the rows before a piece hold too few values, or when they hold
/// ±inf or NaN (their effect on one pass is not a decaying one).
pub fn decay_sweep<S, F>(fork: &F, rows: &Rows, fresh: &S, piece: usize) -> Option<Vec<Running>>
where
    S: Decaying,
    F: Fork,
{
    let n = rows.len();
    let (alpha, min_samples) = fresh.decay();
    if !(alpha > 0.0 && alpha <= 1.0) || piece == 0 || piece >= n {
        return None;
    }
    // Values that shrink the older rows' share to 2^-60: `(1 - alpha)^s / alpha <= 2^-60`.
    let rate = -(-alpha).ln_1p(); // -ln(1 - alpha), inf at alpha = 1
    let steps = |ratio: f64| -> usize {
        let s = (ratio.ln() / rate).ceil();
        if s >= 0.0 {
            s as usize // saturates at usize::MAX (an infinite ratio: never enough)
        } else {
            0
        }
    };
    let base = steps(2f64.powi(60) / alpha).max(1);
    let need = usize::try_from(min_samples).unwrap_or(usize::MAX);
    let starts: Vec<usize> = (0..n).step_by(piece).collect();
    // Each piece's own recent magnitude: the largest `|x|` of the `base` values before it.
    let nears: Vec<f64> = starts
        .iter()
        .map(|&p| match p {
            0 => Some(0.0),
            _ => Some(rows.magnitude(rows.back(p, base)?..p).0),
        })
        .collect::<Option<_>>()?;
    // The first row of piece `k`'s warm-up when the largest `|x|` before it is `old`, or
    // `slack` times the warm-up's own if larger.
    let warm_up = |k: usize, old: f64, slack: f64| -> Option<usize> {
        let (p, near) = (starts[k], nears[k]);
        if p == 0 {
            return Some(0);
        }
        let old = old.max(near * slack);
        let extra = if old > near { steps(old / near) } else { 0 };
        let from = rows.back(p, base.saturating_add(extra).max(need))?;
        (p - from <= piece / 4).then_some(from)
    };
    let sweep = |from: usize, p: usize| -> (Running, (f64, bool)) {
        let q = (p + piece).min(n);
        let mut stat = fresh.clone();
        if from < p {
            let mut scratch = Running::with_capacity(p - from);
            rows.run(&mut stat, from..p, &mut scratch);
        }
        let mut out = Running::with_capacity(q - p);
        let scan = rows.run_scanned(&mut stat, p..q, &mut out);
        (out, scan)
    };
    // First sweep: each warm-up with room for older values `WARM_UP_SLACK` times larger
    // than its own (or none, where that room does not fit).
    let guess: Vec<usize> = (0..starts.len())
        .map(|k| warm_up(k, 0.0, WARM_UP_SLACK).or_else(|| warm_up(k, 0.0, 1.0)))
        .collect::<Option<_>>()?;
    let jobs: Vec<(usize, usize)> = guess.iter().copied().zip(starts.iter().copied()).collect();
    let swept = par_map(fork, jobs, &|(from, p): (usize, usize)| sweep(from, p));
    // Check each warm-up against the largest `|x|` before its piece; sweep again where short.
    let (mut which, mut again) = (Vec::new(), Vec::new());
    let mut old = 0.0f64;
    for (k, (&p, (_, (m, finite)))) in starts.iter().zip(&swept).enumerate() {
        let from = warm_up(k, old, 1.0)?;
        if from < guess[k] {
            which.push(k);
            again.push((from, p));
        }
        if !finite && p + piece < n {
            // Non-finite values before a later piece: leave it to the exact merges.
            return None;
        }
        old = old.max(*m);
    }
    let mut outs: Vec<Running> = swept.into_iter().map(|(out, _)| out).collect();
    let redone = par_map(fork, again, &|(from, p): (usize, usize)| sweep(from, p).0);
    for (k, out) in which.into_iter().zip(redone) {
        outs[k] = out;
    }
    Some(outs)
}

/// The piece length of a window sweep of `n` rows over a window of `window` rows on
/// `threads` threads: a multiple of the window (see the module documentation), about a
/// quarter of a thread's share (so that the pieces balance), at least eight windows (the
/// warm-up of `W` rows per piece then costs at most an eighth) and at most `max_piece`
/// rows. `None` when that leaves fewer than two pieces, or for an empty window (every output
/// is null then: nothing to share).
pub fn window_piece(n: usize, threads: usize, window: usize, max_piece: usize) -> Option<usize> {
    if threads < 2 || window == 0 || window >= n {
        return None;
    }
    let target = (n / (4 * threads))
        .min(max_piece)
        .max(window.saturating_mul(8));
    if target > max_piece {
        return None;
    }
    let piece = target / window * window;
    (piece < n).then_some(piece)
}

/// The outputs of a window statistic over `rows` in pieces of `piece` rows (a multiple of
/// the window's `window` rows), one [`Running`] per piece, each piece's statistic built by
/// `build(rows it will see)`, warmed up on the `window` rows before the piece (outputs
/// discarded), then swept over the piece; the last piece then takes `lag` null rows more
/// (for `center=True`, see the expressions' `placement`).
pub fn window_sweep<S, B, F>(
    fork: &F,
    rows: &Rows,
    window: usize,
    piece: usize,
    lag: usize,
    build: &B,
) -> Result<Vec<Running>, StatError>
where
    S: Kernel + Send,
    B: Fn(Range<usize>) -> Result<S, StatError> + Sync,
    F: Fork,
{
    let n = rows.len();
    let starts: Vec<usize> = (0..n).step_by(piece.max(1)).collect();
    let last = starts.last().copied().unwrap_or(0);
    let outs = par_map(fork, starts, &|p: usize| -> Result<Running, StatError> {
        let q = p.saturating_add(piece).min(n);
        let from = p.saturating_sub(window);
        let mut stat = build(from..q)?;
        if from < p {
            let mut scratch = Running::with_capacity(p - from);
            rows.run(&mut stat, from..p, &mut scratch);
        }
        let extra = if p == last { lag } else { 0 };
        let mut out = Running::with_capacity(q - p + extra);
        rows.run(&mut stat, p..q, &mut out);
        for _ in 0..extra {
            out.push(stat.update(None));
        }
        Ok(out)
    });
    outs.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ewm::{EwMean, EwStd, EwVar, EwVarOptions, EwmOptions};
    use crate::core::moments::{
        AbsMax, AbsMaxOf, Kurtosis, KurtosisOf, Max, MaxOf, Mean, MeanOf, Min, MinOf, PeakToPeak,
        PeakToPeakOf, Rolling, Skew, SkewOf, Std, StdOf, Var, VarOf,
    };
    use crate::core::order::{RankIndex, SmallSorted};
    use crate::core::quantile::{Interpolation, RollingQuantileOf, RollingQuantileOptions};
    use crate::core::sweep::run_options;
    use crate::core::testing::agree_within;
    use crate::core::window::Span;

    /// A pool that runs both closures on this thread and claims `threads` threads, so that
    /// the pieces of several threads are tested deterministically.
    struct Inline(usize);

    impl Fork for Inline {
        fn threads(&self) -> usize {
            self.0
        }

        fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
        where
            A: FnOnce() -> RA + Send,
            B: FnOnce() -> RB + Send,
            RA: Send,
            RB: Send,
        {
            (a(), b())
        }
    }

    /// Test data: a column as options, and the same column as segments of the given
    /// lengths with validity bitmaps.
    struct Column {
        opts: Vec<Option<f64>>,
        values: Vec<f64>,
        bytes: Vec<u8>,
    }

    impl Column {
        fn new(opts: Vec<Option<f64>>) -> Self {
            let values = opts.iter().map(|x| x.unwrap_or(-7.0)).collect();
            let mut bytes = vec![0u8; opts.len().div_ceil(8) + 1];
            for (i, x) in opts.iter().enumerate() {
                if x.is_some() {
                    bytes[i / 8] |= 1 << (i % 8);
                }
            }
            Column {
                opts,
                values,
                bytes,
            }
        }

        /// The column cut into segments at `cuts`; a segment without nulls has no bitmap
        /// when `drop_dense`.
        fn rows(&self, cuts: &[usize]) -> Rows<'_> {
            let mut bounds = vec![0];
            bounds.extend(cuts.iter().copied().filter(|&c| c < self.values.len()));
            bounds.push(self.values.len());
            let segments = bounds
                .windows(2)
                .map(|w| {
                    let dense = self.opts[w[0]..w[1]].iter().all(Option::is_some);
                    Segment {
                        values: &self.values[w[0]..w[1]],
                        valid: (!dense).then_some(Bits {
                            bytes: &self.bytes,
                            offset: w[0],
                        }),
                    }
                })
                .collect();
            Rows::new(segments)
        }
    }

    /// `non_null_values` of any range is the range's non-null values in row order; a range
    /// inside one segment without nulls is borrowed (at its offset), any other is copied.
    #[test]
    fn non_null_values_of_any_range() {
        let opts: Vec<Option<f64>> = (0..40)
            .map(|i| (i % 7 != 3 || !(10..30).contains(&i)).then_some(i as f64))
            .collect();
        let col = Column::new(opts.clone());
        for cuts in [&[][..], &[10, 30], &[5, 10, 20, 30, 35], &[1, 2, 3]] {
            let rows = col.rows(cuts);
            for start in 0..=40 {
                for end in start..=40 {
                    let want: Vec<f64> = opts[start..end].iter().flatten().copied().collect();
                    let got = rows.non_null_values(start..end);
                    assert_eq!(*got, want[..], "cuts={cuts:?} {start}..{end}");
                    let mut bounds = vec![0];
                    bounds.extend_from_slice(cuts);
                    bounds.push(40);
                    let one_dense = bounds.windows(2).any(|w| {
                        w[0] <= start
                            && end <= w[1]
                            && start < end
                            && opts[w[0]..w[1]].iter().all(Option::is_some)
                    });
                    assert_eq!(
                        matches!(got, Cow::Borrowed(_)),
                        one_dense,
                        "cuts={cuts:?} {start}..{end}"
                    );
                }
            }
        }
    }

    fn lcg(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed;
        move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }
    }

    /// Skewed data with nulls, and special values where asked.
    fn data(n: usize, seed: u64, specials: bool) -> Vec<Option<f64>> {
        let mut u = lcg(seed);
        (0..n)
            .map(|i| {
                let r = u();
                if i % 13 == 5 || (i > n / 3 && i < n / 3 + 40) {
                    return None;
                }
                if specials && i == n - 50 {
                    return Some(f64::NAN);
                }
                if specials && i == n - 90 {
                    return Some(f64::INFINITY);
                }
                Some(10.0 - (r.ln()) * 3.0)
            })
            .collect()
    }

    fn concat(outs: Vec<Running>) -> Vec<Option<f64>> {
        outs.iter().flat_map(Running::to_options).collect()
    }

    fn bits(v: &[Option<f64>]) -> Vec<Option<u64>> {
        v.iter().map(|x| x.map(f64::to_bits)).collect()
    }

    fn check_prefix<S: PrefixState>(fresh: S, col: &Column, exact: bool, what: &str) {
        let want = run_options(&mut fresh.clone(), &col.opts);
        let n = col.opts.len();
        for cuts in [vec![], vec![1000], vec![7, 500, 501, 1999]] {
            let rows = col.rows(&cuts);
            for threads in [2usize, 3, 5] {
                let bounds = prefix_bounds(n, threads, 0.25).unwrap();
                let got = concat(prefix_sweep(&Inline(threads), &rows, &fresh, &bounds).unwrap());
                assert_eq!(got.len(), n);
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    if exact {
                        assert_eq!(g.map(f64::to_bits), w.map(f64::to_bits), "{what} row {i}");
                    } else {
                        assert!(
                            agree_within(*g, *w, 1e-12, 0.0),
                            "{what} row {i}: {g:?} vs {w:?}"
                        );
                    }
                }
            }
        }
        let bounds = prefix_bounds(n, 2, 0.25).unwrap();
        let got = concat(prefix_sweep(&TwoThreads, &col.rows(&[]), &fresh, &bounds).unwrap());
        assert_eq!(got.len(), n);
    }

    #[test]
    fn prefix_sweeps_equal_one_pass() {
        for (n, specials) in [(3000, false), (2500, true)] {
            let col = Column::new(data(n, 11, specials));
            check_prefix(Mean::new(MeanOf {}, 1).unwrap(), &col, false, "mean");
            check_prefix(Var::new(VarOf { ddof: 1 }, 1).unwrap(), &col, false, "var");
            check_prefix(Std::new(StdOf { ddof: 0 }, 3).unwrap(), &col, false, "std");
            check_prefix(
                Skew::new(SkewOf { bias: false }, 1).unwrap(),
                &col,
                false,
                "skew",
            );
            let k = KurtosisOf {
                fisher: true,
                bias: true,
            };
            check_prefix(Kurtosis::new(k, 1).unwrap(), &col, false, "kurtosis");
            check_prefix(Min::new(MinOf {}, 1).unwrap(), &col, true, "min");
            check_prefix(Max::new(MaxOf {}, 1).unwrap(), &col, true, "max");
            check_prefix(
                PeakToPeak::new(PeakToPeakOf {}, 1).unwrap(),
                &col,
                true,
                "ptp",
            );
            check_prefix(AbsMax::new(AbsMaxOf {}, 1).unwrap(), &col, true, "absmax");
            for adjust in [true, false] {
                for ignore_nulls in [true, false] {
                    let o = EwmOptions {
                        alpha: 0.01,
                        adjust,
                        min_samples: 2,
                        ignore_nulls,
                    };
                    let v = EwVarOptions {
                        alpha: 0.3,
                        adjust,
                        min_samples: 1,
                        ignore_nulls,
                        bias: false,
                    };
                    let what = format!("ew adjust={adjust} ignore_nulls={ignore_nulls}");
                    check_prefix(EwMean::new(o).unwrap(), &col, false, &what);
                    check_prefix(EwVar::new(v).unwrap(), &col, false, &what);
                    check_prefix(EwStd::new(v).unwrap(), &col, false, &what);
                }
            }
        }
    }

    /// Leading nulls, all nulls, and a column shorter than a piece per thread.
    #[test]
    fn prefix_sweeps_of_nulls() {
        let mut opts = vec![None; 700];
        opts.extend(data(900, 3, false));
        let col = Column::new(opts);
        check_prefix(Var::new(VarOf { ddof: 1 }, 1).unwrap(), &col, false, "var");
        let o = EwmOptions {
            alpha: 0.1,
            adjust: false,
            min_samples: 1,
            ignore_nulls: false,
        };
        check_prefix(EwMean::new(o).unwrap(), &col, false, "ewm");
        let none = Column::new(vec![None; 1000]);
        check_prefix(EwMean::new(o).unwrap(), &none, true, "ewm nulls");
        check_prefix(
            Var::new(VarOf { ddof: 1 }, 1).unwrap(),
            &none,
            true,
            "var nulls",
        );
        assert_eq!(prefix_bounds(3, 2, 0.25), None);
        assert_eq!(prefix_bounds(1000, 1, 0.25), None);
        assert_eq!(prefix_bounds(1000, 2, 0.95), None);
        let b = prefix_bounds(1000, 2, 0.25).unwrap();
        assert_eq!(b, vec![0, 571, 1000]);
    }

    /// The decay sweep, when it applies, equals one pass within 1e-12 relative; whether it
    /// applied.
    fn check_decay<S: Decaying>(fresh: S, col: &Column, piece: usize, what: &str) -> bool {
        let want = run_options(&mut fresh.clone(), &col.opts);
        let mut applied = None;
        for cuts in [vec![], vec![999, 1000, 2500]] {
            let rows = col.rows(&cuts);
            let got = decay_sweep(&Inline(2), &rows, &fresh, piece).map(concat);
            if let Some(got) = &got {
                assert_eq!(got.len(), want.len());
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        agree_within(*g, *w, 1e-12, 0.0),
                        "{what} row {i}: {g:?} vs {w:?}"
                    );
                }
            }
            assert!(applied.is_none() || applied == Some(got.is_some()));
            applied = Some(got.is_some());
        }
        applied.unwrap()
    }

    #[test]
    fn decay_sweeps_equal_one_pass() {
        let col = Column::new(data(6000, 21, false));
        for alpha in [1.0, 0.5, 0.1, 0.02] {
            for adjust in [true, false] {
                for ignore_nulls in [true, false] {
                    let o = EwmOptions {
                        alpha,
                        adjust,
                        min_samples: 3,
                        ignore_nulls,
                    };
                    let v = EwVarOptions {
                        alpha,
                        adjust,
                        min_samples: 1,
                        ignore_nulls,
                        bias: false,
                    };
                    let what = format!("alpha={alpha} adjust={adjust} ignore_nulls={ignore_nulls}");
                    // alpha = 0.02 needs ~2250 values of warm-up: beyond a quarter piece.
                    let fits = alpha > 0.05;
                    assert_eq!(
                        check_decay(EwMean::new(o).unwrap(), &col, 2000, &what),
                        fits
                    );
                    assert_eq!(check_decay(EwVar::new(v).unwrap(), &col, 2000, &what), fits);
                    assert_eq!(check_decay(EwStd::new(v).unwrap(), &col, 2000, &what), fits);
                }
            }
        }
        let o = |alpha, min_samples| EwmOptions {
            alpha,
            adjust: true,
            min_samples,
            ignore_nulls: false,
        };
        // Small alpha (long warm-ups), many samples required, or non-finite values before
        // a later piece: not this way.
        assert!(!check_decay(
            EwMean::new(o(0.001, 1)).unwrap(),
            &col,
            1500,
            "small alpha"
        ));
        assert!(!check_decay(
            EwMean::new(o(0.5, 1000)).unwrap(),
            &col,
            1500,
            "min_samples"
        ));
        for (at, x) in [(2000, f64::NAN), (2990, f64::INFINITY), (5500, f64::NAN)] {
            let mut opts = data(6000, 21, false);
            opts[at] = Some(x);
            let col = Column::new(opts);
            let applied = check_decay(EwMean::new(o(0.5, 1)).unwrap(), &col, 1500, "nan");
            // Only where no later piece follows.
            assert_eq!(applied, at >= 4500, "{x} at {at}");
        }
        // A huge value long before a piece still weighs: the warm-up reaches back further.
        let mut opts = data(6000, 22, false);
        opts[100] = Some(1e30);
        opts[2990] = Some(1e20);
        // Before piece 1500's first warm-up (about 150 values at alpha = 0.3): known to be
        // there only once piece 0 is read, so that piece is swept again.
        opts[1300] = Some(1e30);
        let huge = Column::new(opts);
        for adjust in [true, false] {
            let o = EwmOptions {
                alpha: 0.3,
                adjust,
                min_samples: 1,
                ignore_nulls: false,
            };
            assert!(check_decay(EwMean::new(o).unwrap(), &huge, 1500, "huge"));
        }
        // One far too huge to decay within a quarter piece: not this way.
        let mut opts = data(6000, 22, false);
        opts[100] = Some(1e200);
        let huge = Column::new(opts);
        assert!(!check_decay(
            EwMean::new(o(0.3, 1)).unwrap(),
            &huge,
            1500,
            "too huge"
        ));
        // Leading nulls: the first pieces' warm-ups find too few values.
        let mut lead = vec![None; 3000];
        lead.extend(data(3000, 23, false));
        let lead = Column::new(lead);
        assert!(!check_decay(
            EwMean::new(o(0.5, 1)).unwrap(),
            &lead,
            1500,
            "leading nulls"
        ));
    }

    fn check_window<S, B>(build: B, window: usize, col: &Column, lag: usize, what: &str)
    where
        S: Kernel + Send,
        B: Fn(Range<usize>) -> Result<S, StatError> + Sync,
    {
        let n = col.opts.len();
        let mut one = build(0..n).unwrap();
        let mut want = run_options(&mut one, &col.opts);
        want.extend((0..lag).map(|_| one.update(None)));
        for cuts in [vec![], vec![999], vec![3, 1500, 1501]] {
            let rows = col.rows(&cuts);
            for piece_windows in [1usize, 2, 7] {
                let piece = window * piece_windows;
                if piece >= n {
                    continue;
                }
                let got =
                    concat(window_sweep(&Inline(2), &rows, window, piece, lag, &build).unwrap());
                assert_eq!(
                    bits(&got),
                    bits(&want),
                    "{what} w={window} piece={piece} cuts {cuts:?}"
                );
            }
        }
        if let Some(piece) = window_piece(n, 2, window, 1 << 19) {
            let got = concat(
                window_sweep(&TwoThreads, &col.rows(&[]), window, piece, lag, &build).unwrap(),
            );
            assert_eq!(bits(&got), bits(&want), "{what} threads");
        }
    }

    #[test]
    fn window_sweeps_equal_one_pass_bit_for_bit() {
        let col = Column::new(data(4000, 5, true));
        let dense = Column::new(
            data(4000, 6, false)
                .into_iter()
                .map(|x| x.or(Some(1e9)))
                .collect(),
        );
        for c in [&col, &dense] {
            for w in [1usize, 3, 10, 64, 250, 1000] {
                for lag in [0, w / 2] {
                    let k = KurtosisOf {
                        fisher: false,
                        bias: false,
                    };
                    check_window(
                        |_| Rolling::new(k, Span::Rows(w as u64), 1),
                        w,
                        c,
                        lag,
                        "kurt",
                    );
                    check_window(
                        |_| Rolling::new(VarOf { ddof: 1 }, Span::Rows(w as u64), 2),
                        w,
                        c,
                        lag,
                        "var",
                    );
                    check_window(
                        |_| Rolling::new(MeanOf {}, Span::Rows(w as u64), 1),
                        w,
                        c,
                        lag,
                        "mean",
                    );
                    check_window(
                        |_| Rolling::new(MaxOf {}, Span::Rows(w as u64), 1),
                        w,
                        c,
                        lag,
                        "max",
                    );
                    let opts = RollingQuantileOptions {
                        q: 0.3,
                        window: Span::Rows(w as u64),
                        interpolation: Interpolation::Linear,
                        min_samples: 1,
                    };
                    check_window(
                        |_| RollingQuantileOf::with_index(opts.clone(), SmallSorted::default()),
                        w,
                        c,
                        lag,
                        "quantile small",
                    );
                    // Each piece ranks only the values it will see.
                    let rows = c.rows(&[]);
                    check_window(
                        |r: Range<usize>| {
                            let index = RankIndex::new(&rows.non_null_values(r), &OneThread);
                            RollingQuantileOf::with_index(opts.clone(), index)
                                .map(|s| s.single_precision(true))
                        },
                        w,
                        c,
                        lag,
                        "quantile ranked",
                    );
                }
            }
        }
        assert_eq!(window_piece(100, 2, 0, 1 << 19), None);
        assert_eq!(window_piece(100, 1, 3, 1 << 19), None);
        assert_eq!(window_piece(100, 2, 20, 1 << 19), None);
        assert_eq!(window_piece(10_000_000, 2, 1000, 1 << 19), Some(524_000));
        assert_eq!(window_piece(10_000_000, 2, 200_000, 1 << 20), None);
        assert_eq!(
            window_piece(10_000_000, 2, 100_000, 1 << 20),
            Some(1_000_000)
        );
    }
}

#[cfg(test)]
mod speed {
    use super::*;
    use crate::core::ewm::{EwMean, EwVar, EwVarOptions, EwmOptions};
    use crate::core::moments::{Kurtosis, KurtosisOf, Var, VarOf};
    use crate::core::order::RankIndex;
    use crate::core::quantile::{Interpolation, RollingQuantileOf, RollingQuantileOptions};
    use crate::core::sweep::feed_dense;
    use crate::core::window::Span;

    /// `n` values uniform in (0, 1), the same every run.
    fn uniform(n: usize) -> Vec<f64> {
        let mut s = 7u64;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
            })
            .collect()
    }

    /// The fastest of 9 interleaved runs of each (the machine is shared).
    fn measure<S: PrefixState>(name: &str, fresh: S, values: &[f64]) {
        let n = values.len() as f64;
        let seg = Segment {
            values,
            valid: None,
        };
        let rows = Rows::new(vec![seg]);
        let mut best = [f64::INFINITY; 5];
        for _ in 0..9 {
            let mut t = [0.0; 5];
            let mut clock = std::time::Instant::now();
            let mut lap = |k: usize| {
                t[k] = clock.elapsed().as_nanos() as f64 / n;
                clock = std::time::Instant::now();
            };
            let mut out = Running::with_capacity(values.len());
            rows.run(&mut fresh.clone(), 0..values.len(), &mut out);
            lap(0);
            let mut one = fresh.clone();
            feed_dense(&mut one, values);
            lap(1);
            let st = rows.state(&fresh, 0..values.len()).unwrap();
            lap(2);
            let l2 = lanes::<S, 2>(&fresh, seg).unwrap();
            lap(3);
            let l4 = lanes::<S, 4>(&fresh, seg).unwrap();
            lap(4);
            std::hint::black_box((out, one, st, l2, l4));
            for k in 0..5 {
                best[k] = best[k].min(t[k]);
            }
        }
        let [f, pass1, chain, two, four] = [best[0], best[2], best[1], best[3], best[4]];
        eprintln!(
            "{name}: sweep {f:.2} ns/row; state: pass 1 {pass1:.2} ({:.2}), one chain {chain:.2} ({:.2}), 2 lanes {two:.2} ({:.2}), 4 lanes {four:.2} ({:.2})",
            pass1 / f,
            chain / f,
            two / f,
            four / f
        );
    }

    /// One pass against the parallel sweeps on two threads, fastest of 7 interleaved runs.
    #[test]
    #[ignore]
    fn two_threads_against_one_pass() {
        let values = uniform(10_000_000);
        let n = values.len();
        let rows = Rows::new(vec![Segment {
            values: &values,
            valid: None,
        }]);
        let ms = |t: std::time::Instant| t.elapsed().as_secs_f64() * 1e3;
        let var = Var::new(VarOf { ddof: 1 }, 1).unwrap();
        let ewm = EwMean::new(EwmOptions {
            alpha: 0.1,
            adjust: true,
            min_samples: 1,
            ignore_nulls: false,
        })
        .unwrap();
        let q = RollingQuantileOptions {
            q: 0.5,
            window: Span::Rows(1000),
            interpolation: Interpolation::Nearest,
            min_samples: 1,
        };
        let quantile = |r: Range<usize>| {
            RollingQuantileOf::with_index(
                q.clone(),
                RankIndex::new(&rows.non_null_values(r), &OneThread),
            )
        };
        // The machine's own scaling: two independent half sweeps (no pass 1, no warm-up).
        let halves = |half: &(dyn Fn() -> Running + Sync)| {
            let c = std::time::Instant::now();
            let (a, b) = TwoThreads.join(half, half);
            std::hint::black_box((a, b));
            ms(c)
        };
        let half_var = || {
            let mut out = Running::with_capacity(n / 2);
            rows.run(&mut var.clone(), 0..n / 2, &mut out);
            out
        };
        let half_ewm = || {
            let mut out = Running::with_capacity(n / 2);
            rows.run(&mut ewm.clone(), 0..n / 2, &mut out);
            out
        };
        let c = std::time::Instant::now();
        std::hint::black_box(rows.magnitude(0..n));
        eprintln!("magnitude scan: {:.2} ns/row", ms(c) * 1e6 / n as f64);
        let mut ideal = [f64::INFINITY; 2];
        let mut best = [f64::INFINITY; 6];
        for _ in 0..7 {
            ideal[0] = ideal[0].min(halves(&half_var));
            ideal[1] = ideal[1].min(halves(&half_ewm));
            let mut t = [0.0; 6];
            let c = std::time::Instant::now();
            let mut out = Running::with_capacity(n);
            rows.run(&mut var.clone(), 0..n, &mut out);
            t[0] = ms(c);
            let c = std::time::Instant::now();
            let bounds = prefix_bounds(n, 2, 0.2).unwrap();
            let par = prefix_sweep(&TwoThreads, &rows, &var, &bounds).unwrap();
            t[1] = ms(c);
            let c = std::time::Instant::now();
            let mut out2 = Running::with_capacity(n);
            rows.run(&mut ewm.clone(), 0..n, &mut out2);
            t[2] = ms(c);
            let c = std::time::Instant::now();
            let par2 = decay_sweep(&TwoThreads, &rows, &ewm, n / 4).unwrap();
            t[3] = ms(c);
            if n <= 10_000_000 {
                let c = std::time::Instant::now();
                let mut out3 = Running::with_capacity(n);
                rows.run(&mut quantile(0..n).unwrap(), 0..n, &mut out3);
                t[4] = ms(c);
                let c = std::time::Instant::now();
                let piece = window_piece(n, 2, 1000, (1 << 20) - 1001).unwrap();
                let par3 = window_sweep(&TwoThreads, &rows, 1000, piece, 0, &quantile).unwrap();
                t[5] = ms(c);
                std::hint::black_box((out3, par3));
            }
            std::hint::black_box((out, par, out2, par2));
            for k in 0..6 {
                best[k] = best[k].min(t[k]);
            }
        }
        for (k, name) in ["cum_var", "ewm_mean", "rolling_quantile 1000"]
            .iter()
            .enumerate()
        {
            let (one, two) = (best[2 * k], best[2 * k + 1]);
            let perfect = ideal.get(k).map_or(String::new(), |&h| {
                format!("; two independent halves {h:.1} ms ({:.2}x)", one / h)
            });
            eprintln!(
                "{name}: one pass {one:.1} ms, two threads {two:.1} ms ({:.2}x){perfect}",
                one / two
            );
        }
    }

    /// `cargo test --release --lib parallel::speed -- --ignored --nocapture`: the cost of
    /// pass 1 against the sweep (`pass1` of [`prefix_bounds`]), 10M rows.
    #[test]
    #[ignore]
    fn pass1_against_sweep() {
        let values = uniform(10_000_000);
        measure("cum_var", Var::new(VarOf { ddof: 1 }, 1).unwrap(), &values);
        let k = KurtosisOf {
            fisher: true,
            bias: true,
        };
        measure("cum_kurtosis", Kurtosis::new(k, 1).unwrap(), &values);
        for adjust in [true, false] {
            let o = EwmOptions {
                alpha: 0.1,
                adjust,
                min_samples: 1,
                ignore_nulls: false,
            };
            measure(
                &format!("ewm_mean adjust={adjust}"),
                EwMean::new(o).unwrap(),
                &values,
            );
            let v = EwVarOptions {
                alpha: 0.1,
                adjust,
                min_samples: 1,
                ignore_nulls: false,
                bias: false,
            };
            measure(
                &format!("ewm_var adjust={adjust}"),
                EwVar::new(v).unwrap(),
                &values,
            );
        }
    }
}
