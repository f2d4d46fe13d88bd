//! A sliding window over any mergeable summary ([`Aggregate`]), in O(1) amortised merges
//! per row and without drift.
//!
//! The rows are cut into blocks of `W` (the window size). The window ending in row `i` of
//! the current block is the tail of the previous block (rows `i+1..W`) plus the head of the
//! current one (rows `0..=i`). We keep the summary of the head, grown one value at a time,
//! and the summaries of every tail of the previous block, computed in one backward pass
//! when a block completes ("flip"). Each row then costs one `push`, one amortised `push` of
//! the flip and one `merge` (the classic two-stack queue).
//!
//! Why this and not add/remove updates: removing a value from a running variance (or sum)
//! subtracts, and the rounding error of every subtraction stays in the state forever; after
//! values around 1e9 have left a window of values around 1, a subtracting window can be off
//! by 1e2 in the variance. Here every output is the merge of two summaries built from the
//! values now in the window, so nothing of a departed value remains. Measured against the
//! alternatives in `bench/`: see the README.

use serde::{Deserialize, Serialize};

use super::aggregate::Aggregate;
use super::sweep::Running;
use super::StatError;

/// The last `size` rows (nulls included) of a stream, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct TwoStack<A: Aggregate> {
    size: u64,
    /// The values of the current block at `0..pos`, and of the previous block at `pos..`.
    values: Vec<f64>,
    /// Whether each row of `values` holds a value (false: a null row).
    valid: Vec<bool>,
    /// Rows of the current block seen so far (`size` once complete: it flips at the next push).
    pos: usize,
    /// Whether a previous block exists (before that, `values` holds only `pos` rows).
    full: bool,
    /// Non-null values in the window.
    #[serde(skip)]
    count: u64,
    /// Summary of the current block's rows `0..pos`, and its number of values.
    #[serde(skip, default = "empty")]
    head: A,
    #[serde(skip)]
    head_n: u64,
    /// `tails[j]`: summary of the previous block's rows `j..size` (`tails[size]` is empty),
    /// and `tail_n[j]` its number of values.
    #[serde(skip)]
    tails: Vec<A>,
    #[serde(skip)]
    tail_n: Vec<u64>,
    /// `inv[k] = 1 / k` for every count the window can hold (see `aggregate`).
    #[serde(skip)]
    inv: Vec<f64>,
}

fn empty<A: Aggregate>() -> A {
    A::EMPTY
}

/// Independent chains the tails are built in (see [`TwoStack::build_tails`]).
const LANES: usize = 4;

impl<A: Aggregate> TwoStack<A> {
    /// A window of `size >= 1` rows. Memory grows with the rows seen, up to `size`.
    pub fn new(size: u64) -> Self {
        TwoStack {
            size,
            values: Vec::new(),
            valid: Vec::new(),
            pos: 0,
            full: false,
            count: 0,
            head: A::EMPTY,
            head_n: 0,
            tails: Vec::new(),
            tail_n: Vec::new(),
            inv: vec![f64::INFINITY],
        }
    }

    /// Reserve room for `rows` rows (a whole column about to be swept).
    pub fn reserve(&mut self, rows: usize) {
        let rows = rows.min(self.block());
        self.values.reserve(rows.saturating_sub(self.values.len()));
        self.valid.reserve(rows.saturating_sub(self.valid.len()));
        self.grow_inv(rows);
    }

    fn grow_inv(&mut self, max_count: usize) {
        while self.inv.len() <= max_count {
            self.inv.push(1.0 / self.inv.len() as f64);
        }
    }

    fn block(&self) -> usize {
        usize::try_from(self.size).unwrap_or(usize::MAX)
    }

    /// Add one row (`None`: a null row); the oldest row leaves once the window is full.
    #[inline(always)]
    pub fn push(&mut self, x: Option<f64>) {
        let (v, ok) = match x {
            Some(v) => (v, true),
            None => (0.0, false),
        };
        if self.pos == self.block() {
            self.flip();
        }
        if self.full {
            self.count -= self.valid[self.pos] as u64;
            self.values[self.pos] = v;
            self.valid[self.pos] = ok;
        } else {
            self.values.push(v);
            self.valid.push(ok);
            if self.inv.len() <= self.values.len() {
                self.grow_inv(self.values.len());
            }
        }
        if ok {
            self.head_n += 1;
            self.head.push(v, self.inv_of(self.head_n));
            self.count += 1;
        }
        self.pos += 1;
    }

    /// Push a run of non-null values, recording `output(summary, count)` after each: the
    /// same arithmetic as `push` then `summary`, in a loop whose state lives in registers
    /// (through `&mut self` it is reloaded and stored every row: measured 2x slower).
    pub fn run_dense(
        &mut self,
        values: &[f64],
        out: &mut Running,
        output: impl Fn(&A, u64) -> Option<f64>,
    ) {
        let mut rest = values;
        while !rest.is_empty() {
            if self.pos == self.block() {
                self.flip();
            }
            let take = (self.block() - self.pos).min(rest.len());
            let (run, tail) = rest.split_at(take);
            rest = tail;
            let start = self.pos;
            if !self.full {
                self.values.extend_from_slice(run);
                self.valid.resize(self.values.len(), true);
                self.grow_inv(self.values.len());
            }
            let tails: &[A] = if self.full {
                &self.tails[start + 1..]
            } else {
                &[]
            };
            let mut it = DenseRun {
                run: run.iter(),
                values: &mut self.values[start..start + take],
                valid: &mut self.valid[start..start + take],
                tails,
                inv: &self.inv,
                full: self.full,
                i: 0,
                head: self.head,
                head_n: self.head_n,
                count: self.count,
                output: &output,
            };
            out.extend(&mut it);
            (self.head, self.head_n, self.count) = (it.head, it.head_n, it.count);
            self.pos += take;
        }
    }

    /// The current block is complete: it becomes the previous block. Done at the next push,
    /// not at the block's last row, so that the last row's output is the head's summary in
    /// every path (a tail summary, built in another order, could differ in the last bit).
    #[inline(never)]
    fn flip(&mut self) {
        self.pos = 0;
        self.full = true;
        self.head = A::EMPTY;
        self.head_n = 0;
        self.build_tails();
    }

    /// Summaries of the previous block's rows `j..size` for `j >= pos` (the rows before `pos`
    /// were overwritten by the current block and are never needed again).
    ///
    /// One backward chain would cost the full latency of a `push` per row; instead the block
    /// is cut into `LANES` segments whose suffixes are built as independent, interleaved
    /// chains, and each lower segment's suffixes are then merged with the total of the
    /// segments above it. The segments depend only on the block size, so a restored window
    /// rebuilds bit-identical summaries.
    fn build_tails(&mut self) {
        let size = self.values.len();
        let lo = self.pos;
        if self.tails.len() != size + 1 {
            self.tails = vec![A::EMPTY; size + 1];
            // Counts are kept only for the summaries that use them (all zero otherwise).
            self.tail_n = vec![0; if A::COUNTED { size + 1 } else { 0 }];
        }
        let seg = size.div_ceil(LANES);
        // Segment `s` covers rows `size - (s+1)*seg .. size - s*seg` (the last one clipped at 0).
        let top = |s: usize| size.saturating_sub(s * seg);
        let mut acc = [A::EMPTY; LANES];
        let mut n = [0u64; LANES];
        for step in 0..seg {
            for s in 0..LANES {
                let end = top(s);
                if end < lo + step + 1 {
                    continue;
                }
                let j = end - step - 1;
                if self.valid[j] {
                    n[s] += 1;
                    acc[s].push(self.values[j], self.inv_of(n[s]));
                }
                self.tails[j] = acc[s];
                if A::COUNTED {
                    self.tail_n[j] = n[s];
                }
            }
        }
        // Merge each lower segment with the total of the segments above it.
        let mut above = A::EMPTY;
        let mut above_n = 0u64;
        for s in 0..LANES {
            let (start, end) = (top(s + 1), top(s));
            if s > 0 {
                for j in start.max(lo)..end {
                    let total = self.tail_count(j) + above_n;
                    self.tails[j] = self.tails[j].merge(&above, self.inv_of(total));
                    if A::COUNTED {
                        self.tail_n[j] = total;
                    }
                }
            }
            if start >= lo && start < end {
                above = self.tails[start];
                above_n = self.tail_count(start);
            }
        }
        self.tails[size] = A::EMPTY;
    }

    /// `1 / n` for the summaries that use it (see [`Aggregate::COUNTED`]).
    #[inline(always)]
    fn inv_of(&self, n: u64) -> f64 {
        if A::COUNTED {
            self.inv[n as usize]
        } else {
            0.0
        }
    }

    #[inline(always)]
    fn tail_count(&self, j: usize) -> u64 {
        if A::COUNTED {
            self.tail_n[j]
        } else {
            0
        }
    }

    /// Non-null values in the window.
    #[inline(always)]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The summary of the window's non-null values.
    #[inline(always)]
    pub fn summary(&self) -> A {
        if self.full {
            self.tails[self.pos].merge(&self.head, self.inv_of(self.count))
        } else {
            self.head
        }
    }

    /// Rebuild the derived parts (count and summaries) from the stored rows, after decoding,
    /// exactly as the pushes built them; check that the rows fit the window.
    pub fn restore(&mut self) -> Result<(), StatError> {
        let bad = |why: &str| Err(StatError::InvalidState(why.into()));
        if self.size == 0 {
            return bad("window_size must be >= 1");
        }
        if self.values.len() != self.valid.len() {
            return bad("values and validity differ in length");
        }
        let rows = self.values.len();
        let expected = if self.full { self.block() } else { self.pos };
        if rows != expected || self.pos > self.block() {
            return bad("stored rows do not match the window position");
        }
        self.inv = vec![f64::INFINITY];
        self.grow_inv(rows);
        self.head = A::EMPTY;
        self.head_n = 0;
        for (&v, &ok) in self.values[..self.pos].iter().zip(&self.valid) {
            if ok {
                self.head_n += 1;
                self.head.push(v, self.inv[self.head_n as usize]);
            }
        }
        self.count = self.valid.iter().filter(|&&ok| ok).count() as u64;
        self.tails.clear();
        self.tail_n.clear();
        if self.full {
            self.build_tails();
        }
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }
}

/// The rows of [`TwoStack::run_dense`] within one block, as an exact-size iterator of outputs.
struct DenseRun<'a, A, G> {
    run: std::slice::Iter<'a, f64>,
    values: &'a mut [f64],
    valid: &'a mut [bool],
    /// The previous block's tails from the row after the run's first (empty before one exists).
    tails: &'a [A],
    inv: &'a [f64],
    full: bool,
    i: usize,
    head: A,
    head_n: u64,
    count: u64,
    output: &'a G,
}

impl<A: Aggregate, G: Fn(&A, u64) -> Option<f64>> Iterator for DenseRun<'_, A, G> {
    type Item = Option<f64>;

    #[inline(always)]
    fn next(&mut self) -> Option<Option<f64>> {
        let &x = self.run.next()?;
        let i = self.i;
        self.i += 1;
        if self.full {
            self.count -= self.valid[i] as u64;
            self.values[i] = x;
            self.valid[i] = true;
        }
        self.head_n += 1;
        self.count += 1;
        let inv = |n: u64| {
            if A::COUNTED {
                self.inv[n as usize]
            } else {
                0.0
            }
        };
        self.head.push(x, inv(self.head_n));
        let summary = if self.full {
            self.tails[i].merge(&self.head, inv(self.count))
        } else {
            self.head
        };
        Some((self.output)(&summary, self.count))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.run.size_hint()
    }
}

impl<A: Aggregate, G: Fn(&A, u64) -> Option<f64>> ExactSizeIterator for DenseRun<'_, A, G> {}

#[cfg(test)]
mod tests {
    use super::super::aggregate::{Extremes, Moments, Sum};
    use super::*;

    /// Every window of every size agrees with a summary built from scratch.
    #[test]
    fn windows_match_a_fresh_summary() {
        let rows: Vec<Option<f64>> = (0..60)
            .map(|i| (i % 7 != 3).then(|| ((i * 13 % 17) as f64) - 8.0))
            .collect();
        for size in [1u64, 2, 3, 5, 16, 59, 60, 100] {
            let mut w = TwoStack::<Moments<2>>::new(size);
            let mut s = TwoStack::<Sum>::new(size);
            let mut e = TwoStack::<Extremes>::new(size);
            for (i, &x) in rows.iter().enumerate() {
                w.push(x);
                s.push(x);
                e.push(x);
                let start = (i + 1).saturating_sub(size as usize);
                let vals: Vec<f64> = rows[start..=i].iter().flatten().copied().collect();
                assert_eq!(w.count(), vals.len() as u64);
                let mut fresh = Moments::<2>::EMPTY;
                vals.iter()
                    .for_each(|&v| fresh.push(v, 1.0 / (fresh.n + 1.0)));
                let got = w.summary();
                assert!((got.m2 - fresh.m2).abs() < 1e-9, "size {size} row {i}");
                assert_eq!(s.summary().sum, vals.iter().sum::<f64>());
                let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
                assert_eq!(e.summary().min, lo);
            }
        }
    }

    #[test]
    fn restore_rebuilds_identical_summaries() {
        for size in [1u64, 4, 9] {
            let mut w = TwoStack::<Moments<4>>::new(size);
            for i in 0..23 {
                w.push((i % 5 != 0).then_some(i as f64 * 1.5));
                let mut copy = w.clone();
                copy.count = 0;
                copy.head = Moments::EMPTY;
                copy.tails.clear();
                copy.inv.clear();
                copy.restore().unwrap();
                assert_eq!(copy.count(), w.count());
                for j in 0..7 {
                    assert_eq!(copy.summary(), w.summary(), "size {size} row {i}+{j}");
                    copy.push(Some(j as f64));
                    w.push(Some(j as f64));
                }
            }
        }
    }
}
