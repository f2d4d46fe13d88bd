//! A window over any mergeable summary ([`Aggregate`]) with explicit `push` and `pop`, in
//! O(1) amortised merges per row and without drift: the two-stack queue.
//!
//! The rows are split in two runs. The back run (the newest rows) is summarised by `head`,
//! grown one value at a time. The front run (the oldest rows) keeps the summary of each of its
//! tails (`tails[j]`: rows `j..split`), computed in one backward pass when the front runs out
//! and the back run becomes the front ("flip"). A row costs one `push`, one amortised `push`
//! of the flip and one `merge`: the window's summary is `tails[start].merge(head)`. A
//! row-count window ([`super::window::Span::Rows`]) pops as it pushes, so its runs are blocks
//! of `W` rows; a time window pops as its start passes rows.
//!
//! Why this and not add/remove updates: removing a value from a running variance (or sum)
//! subtracts, and the rounding error of every subtraction stays in the state forever; after
//! values around 1e9 have left a window of values around 1, a subtracting window can be off
//! by 1e2 in the variance. Here every output is the merge of two summaries built from the
//! values now in the window, so nothing of a departed value remains. The price, once whole
//! blocks run in vector lanes ([`TwoStack::run_blocks`]), measured by `make bench` on
//! 2026-12-01 20:50 UTC (2M rows, W = 10 / 1000): rolling variance 0.84x / 0.83x
//! bottleneck's add/subtract window (0.82-1.02x over four runs that day), the standard
//! deviation 0.83x / 0.70x, and a fifth of Polars' time.

use serde::{Deserialize, Serialize};

use super::aggregate::{by_lane, Aggregate, X4};
use super::sweep::{Buffered, Running};
use super::window::{leaving, Closed, Fifo};
use super::StatError;

/// The rows of a window (nulls included), summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "", into = "Rows", try_from = "Rows")]
pub struct TwoStack<A: Aggregate> {
    /// Rows `start..` are the window, oldest first (rows before `start` have left and are
    /// dropped at the next flip). The front run is `start..split`, the back run `split..`.
    values: Vec<f64>,
    /// Whether each row of `values` holds a value (false: a null row).
    valid: Vec<bool>,
    start: usize,
    split: usize,
    /// Non-null values in the window.
    count: u64,
    /// Summary of the back run, and its number of values.
    head: A,
    head_n: u64,
    /// `tails[j]`: summary of rows `j..split` (`tails[split]` is empty), for `start <= j`.
    tails: Vec<A>,
    /// `inv[k] = 1 / k` for every count the window has held (see `aggregate`).
    inv: Vec<f64>,
}

/// The stored form of a [`TwoStack`]: its rows in order and the length of the front run;
/// everything else is rebuilt exactly as the pushes built it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Rows {
    values: Vec<f64>,
    valid: Vec<bool>,
    front: u64,
}

impl<A: Aggregate> From<TwoStack<A>> for Rows {
    fn from(w: TwoStack<A>) -> Rows {
        Rows {
            values: w.values[w.start..].to_vec(),
            valid: w.valid[w.start..].to_vec(),
            front: (w.split - w.start) as u64,
        }
    }
}

impl<A: Aggregate> TryFrom<Rows> for TwoStack<A> {
    type Error = StatError;

    fn try_from(r: Rows) -> Result<Self, StatError> {
        let bad = |why: &str| Err(StatError::InvalidState(why.into()));
        if r.values.len() != r.valid.len() {
            return bad("values and validity differ in length");
        }
        if r.front > r.values.len() as u64 {
            return bad("the front run is longer than the window");
        }
        let mut w = TwoStack::new();
        w.split = r.front as usize;
        w.values = r.values;
        w.valid = r.valid;
        w.rebuild();
        Ok(w)
    }
}

/// How many of the rows `from..from + k` hold a value.
#[inline(always)]
fn valid_among(valid: &[bool], from: usize, k: usize) -> u64 {
    valid[from..from + k].iter().map(|&ok| ok as u64).sum()
}

/// `1 / n` from the table, for the summaries that use it (see [`Aggregate::COUNTED`]).
#[inline(always)]
fn reciprocal<A: Aggregate>(inv: &[f64], n: u64) -> f64 {
    if A::COUNTED {
        inv[n as usize]
    } else {
        0.0
    }
}

/// Blocks of rows up to this size go through [`TwoStack::run_blocks`] (its buffers hold a
/// block's suffix summaries and outputs in four lanes); larger windows through `run_rows`'
/// own loop.
const BLOCK_ROWS_MAX: usize = 4096;
/// The tests set this to run the portable lanes on a CPU with AVX2 as well (both must give
/// the same bits; other tests that run meanwhile take the portable path, which is as good).
#[cfg(test)]
pub(crate) static PORTABLE: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

#[inline(always)]
fn portable() -> bool {
    #[cfg(test)]
    return PORTABLE.load(std::sync::atomic::Ordering::Relaxed);
    #[cfg(not(test))]
    false
}

/// Blocks swept side by side in [`TwoStack::run_blocks`], one per lane of [`X4`].
const LANES: usize = 4;

/// What a sweep outputs for the summary of a window of `n` values: a statistic's finisher
/// with its `min_samples`. Any `Fn(&A, u64) -> Option<f64>` is one (its lanes one by one).
pub trait Output<A: Aggregate> {
    fn one(&self, summary: &A, n: u64) -> Option<f64>;

    /// `one` in every lane of four summaries of `n` values each; `None` where `one` gives
    /// `None`, which must depend on `n` alone (as for every finisher).
    #[inline(always)]
    fn four(&self, summaries: &A::Lanes, n: u64) -> Option<X4> {
        by_lane::<A>(summaries, |a| self.one(a, n))
    }
}

impl<A: Aggregate, F: Fn(&A, u64) -> Option<f64>> Output<A> for F {
    #[inline(always)]
    fn one(&self, summary: &A, n: u64) -> Option<f64> {
        self(summary, n)
    }
}

impl<A: Aggregate> Default for TwoStack<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: Aggregate> TwoStack<A> {
    /// An empty window. Memory grows with the rows held (at most twice them).
    pub fn new() -> Self {
        TwoStack {
            values: Vec::new(),
            valid: Vec::new(),
            start: 0,
            split: 0,
            count: 0,
            head: A::EMPTY,
            head_n: 0,
            tails: vec![A::EMPTY],
            inv: vec![f64::INFINITY],
        }
    }

    /// Reserve room for `rows` rows (a whole column about to be swept).
    pub fn reserve(&mut self, rows: usize) {
        self.values.reserve(rows.saturating_sub(self.values.len()));
        self.valid.reserve(rows.saturating_sub(self.valid.len()));
        self.grow_inv(rows);
    }

    fn grow_inv(&mut self, max_count: usize) {
        if A::COUNTED {
            while self.inv.len() <= max_count {
                self.inv.push(1.0 / self.inv.len() as f64);
            }
        }
    }

    /// Rows in the window, nulls included.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.values.len() - self.start
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The front run is used up: the back run becomes the front. Rows that have left are
    /// dropped here (one move of the back run), so memory stays within twice the window.
    #[inline(never)]
    fn flip(&mut self) {
        self.values.drain(..self.start);
        self.valid.drain(..self.start);
        self.start = 0;
        self.split = self.values.len();
        self.head = A::EMPTY;
        self.head_n = 0;
        self.build_tails();
    }

    /// Summaries of rows `j..split` for `start <= j <= split`, in one backward chain.
    /// (Building them in four interleaved chains, merged afterwards, shortens the chain but
    /// adds a merge per row: measured no faster for the extremes and the variance, 1.3x
    /// slower for the kurtosis.)
    fn build_tails(&mut self) {
        let size = self.split;
        if self.tails.len() < size + 1 {
            self.tails.resize(size + 1, A::EMPTY);
        }
        self.grow_inv(self.len());
        let mut acc = A::EMPTY;
        let mut n = 0u64;
        self.tails[size] = acc;
        for j in (self.start..size).rev() {
            if self.valid[j] {
                n += 1;
                acc.push(self.values[j], reciprocal::<A>(&self.inv, n));
            }
            self.tails[j] = acc;
        }
    }

    /// Push a run of non-null values into a window of `size` rows (the oldest leaving once it
    /// is full), recording `output(summary, count)` after each: the same arithmetic as
    /// `shift`/`push` then `summary`, in a loop whose state lives in locals (through
    /// `&mut self` it is reloaded and stored every row). The outputs go through a small
    /// buffer: fed to `Running::extend` as an iterator, the loop body was not inlined into it
    /// (a call per row, measured 1.6x slower). Whether `output` gives a value must depend on
    /// the count alone (as for every finisher: `n >= min_samples`, `n > ddof`).
    pub fn run_rows(
        &mut self,
        size: u64,
        values: &[f64],
        out: &mut Running,
        output: impl Output<A>,
    ) {
        self.sweep_rows(size, values, out, output, true);
    }

    /// `run_rows`, with whole blocks through [`Self::run_blocks`] or not (the tests compare).
    #[inline(always)]
    fn sweep_rows(
        &mut self,
        size: u64,
        values: &[f64],
        out: &mut Running,
        output: impl Output<A>,
        blocks: bool,
    ) {
        const PIECE: usize = 256;
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        let mut buf = [None; PIECE];
        let mut rest = values;
        while !rest.is_empty() {
            if size == 0 {
                out.extend(rest.iter().map(|_| output.one(&A::EMPTY, 0)));
                return;
            }
            let full = self.len() >= size;
            if full && self.start == self.split {
                // A full window of values only, and at least a block to come: whole blocks.
                if blocks
                    && self.len() == size
                    && self.count == size as u64
                    && size <= BLOCK_ROWS_MAX
                    && rest.len() >= size
                {
                    let used = self.run_blocks(size, rest, out, &output);
                    rest = &rest[used..];
                    continue;
                }
                self.flip();
            }
            // Full: each new row pushes out the oldest, until the front run is used up.
            // Filling: rows enter until the window is full.
            let take = if full {
                self.split - self.start
            } else {
                size - self.len()
            }
            .min(rest.len());
            let (run, tail) = rest.split_at(take);
            rest = tail;
            let (start, split) = (self.start, self.split);
            self.values.extend_from_slice(run);
            self.valid.resize(self.values.len(), true);
            self.grow_inv(self.len());
            let (mut head, mut head_n, mut count) = (self.head, self.head_n, self.count);
            let inv = |n: u64| reciprocal::<A>(&self.inv, n);
            let tails: &[A] = &self.tails;
            let valid = &self.valid;
            for (p, piece) in run.chunks(PIECE).enumerate() {
                let base = p * PIECE;
                for (k, (slot, &x)) in buf.iter_mut().zip(piece).enumerate() {
                    let i = base + k;
                    if full {
                        count -= valid[start + i] as u64;
                    }
                    head_n += 1;
                    count += 1;
                    head.push(x, inv(head_n));
                    // The window's front starts after the rows that have left.
                    let front = if full { start + i + 1 } else { start };
                    let summary = if front < split {
                        tails[front].merge(&head, inv(count))
                    } else {
                        head
                    };
                    *slot = output.one(&summary, count);
                }
                out.extend(buf[..piece.len()].iter().copied());
            }
            (self.head, self.head_n, self.count) = (head, head_n, count);
            if full {
                self.start += take;
            }
        }
    }

    /// `run_rows` over whole blocks of `size` values, from a full window of values whose
    /// front run is used up (the moment of a flip), `LANES` blocks at a time, in vector
    /// lanes: lane `l` builds the suffix summaries of the block before block `b + l` (its
    /// rows as the front run) in one backward pass, then pushes block `b + l`'s rows (as the
    /// back run), merging and finishing each row as it goes, for all lanes at once. The
    /// lanes of a summary ([`Aggregate::Lanes`]) do the arithmetic of `push`, `build_tails`
    /// and `merge` lane by lane, so every output and the state left behind (that of
    /// `run_rows` at the same row) are the same, bit for bit. With AVX2 (checked at run
    /// time) the lanes are one vector register each. Returns the values used.
    fn run_blocks(
        &mut self,
        size: usize,
        values: &[f64],
        out: &mut Running,
        output: &impl Output<A>,
    ) -> usize {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && !portable() {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { self.run_blocks_avx2(size, values, out, output) };
        }
        self.run_lanes(size, values, out, output)
    }

    /// [`Self::run_lanes`] compiled for AVX2 (the same operations, in 256-bit registers).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn run_blocks_avx2(
        &mut self,
        size: usize,
        values: &[f64],
        out: &mut Running,
        output: &impl Output<A>,
    ) -> usize {
        self.run_lanes(size, values, out, output)
    }

    #[inline(always)]
    fn run_lanes(
        &mut self,
        size: usize,
        values: &[f64],
        out: &mut Running,
        output: &impl Output<A>,
    ) -> usize {
        let blocks = values.len() / size;
        self.grow_inv(2 * size);
        let inv = std::mem::take(&mut self.inv);
        let recip = |n: usize| reciprocal::<A>(&inv, n as u64);
        let count = size as u64;
        let held = &self.values[self.start..self.start + size];
        // Block `i` of the sweep: the window held now (0), then the blocks of `values`.
        let block = |i: usize| {
            if i == 0 {
                held
            } else {
                &values[(i - 1) * size..i * size]
            }
        };
        let blank = A::lanes_store(&A::lanes_start(X4([0.0; LANES])));
        // Per position: the four lanes' suffix summaries (rows `j..`), one array per field
        // (field `f` of position `j` at `tails[f * size + j]`: with a `Stored` per position,
        // the compiler split the backward pass's lanes into scalars and halves, and the
        // variance ran ~20% slower), and the outputs.
        let fields = blank.as_ref().len();
        let mut tails = vec![X4([0.0; LANES]); fields * size];
        let mut ys = vec![X4([0.0; LANES]); size];
        let nan = X4([f64::NAN; LANES]);
        let mut last_head = A::EMPTY;
        let mut b = 0;
        while b < blocks {
            // Lane `l` outputs block `b + 1 + l`; lanes past the last block repeat it.
            let lanes = (blocks - b).min(LANES);
            let lane = |l: usize| b + l.min(lanes - 1);
            let before = [
                block(lane(0)),
                block(lane(1)),
                block(lane(2)),
                block(lane(3)),
            ];
            let own = [
                block(lane(0) + 1),
                block(lane(1) + 1),
                block(lane(2) + 1),
                block(lane(3) + 1),
            ];
            let at =
                |src: &[&[f64]; LANES], k: usize| X4([src[0][k], src[1][k], src[2][k], src[3][k]]);
            // The suffixes of the blocks before, in one backward pass (as `build_tails`)...
            let mut tail = A::lanes_start(at(&before, size - 1));
            for j in (0..size).rev() {
                A::lanes_push(
                    &mut tail,
                    at(&before, j),
                    (size - 1 - j) as f64,
                    recip(size - j),
                );
                let s = A::lanes_store(&tail);
                for (f, x) in s.as_ref().iter().enumerate() {
                    tails[f * size + j] = *x;
                }
            }
            // ...then the own blocks' prefixes (as pushed into the back run), each merged at
            // once: row `k` of a block is the front run's rows `k + 1..` and the back run's
            // `..=k` (the back run alone at the block's last row, as in `run_rows`).
            // (Macros, here and below: as closures, they were compiled apart, without AVX2.)
            let mut head = A::lanes_start(at(&own, 0));
            macro_rules! push {
                ($k:expr) => {{
                    let k = $k;
                    A::lanes_push(&mut head, at(&own, k), k as f64, recip(k + 1));
                }};
            }
            macro_rules! row {
                ($k:expr) => {{
                    let nt = size - 1 - $k;
                    let mut s = blank;
                    for (f, x) in s.as_mut().iter_mut().enumerate() {
                        *x = tails[f * size + $k + 1];
                    }
                    let t = A::lanes_load(&s, nt as f64, recip(nt), &tail);
                    output.four(
                        &A::lanes_merge(&t, &head, nt as f64, ($k + 1) as f64, recip(size)),
                        count,
                    )
                }};
            }
            push!(0);
            // Valid at one row of the full window, valid at all (`run_rows`).
            let first = if size > 1 { row!(0) } else { None };
            if let Some(first) = first {
                // The outputs go to a row of vectors first (stored whole, the compiler
                // computes them as vectors; it did not with four scattered stores).
                ys[0] = first;
                for k in 1..size - 1 {
                    push!(k);
                    ys[k] = row!(k).unwrap_or(nan);
                }
            } else {
                for k in 1..size - 1 {
                    push!(k);
                }
            }
            if size > 1 {
                push!(size - 1);
            }
            if first.is_some() {
                // The rows of the `lanes` blocks, written in place, block after block: the
                // last row of each (the back run alone), then the others from `ys`.
                let rows = out.spare_rows(lanes * size);
                for l in 0..lanes {
                    let last = output.one(&A::lane(&head, l), count);
                    rows[l * size + size - 1].write(last.unwrap_or(f64::NAN));
                }
                let mut blocks = rows.chunks_exact_mut(size);
                if lanes == LANES {
                    let mut next = || blocks.next().unwrap_or_default();
                    let (r0, r1, r2, r3) = (next(), next(), next(), next());
                    for (k, y) in ys[..size - 1].iter().enumerate() {
                        r0[k].write(y.0[0]);
                        r1[k].write(y.0[1]);
                        r2[k].write(y.0[2]);
                        r3[k].write(y.0[3]);
                    }
                } else {
                    for (l, rows) in blocks.enumerate() {
                        for (slot, y) in rows.iter_mut().zip(&ys[..size - 1]) {
                            slot.write(y.0[l]);
                        }
                    }
                }
                // SAFETY: row `size - 1` of every block was written first, rows
                // `..size - 1` in the loops.
                unsafe { out.commit_valid(lanes * size) };
            } else {
                for l in 0..lanes {
                    out.extend((1..size).map(|_| None));
                    out.push(output.one(&A::lane(&head, l), count));
                }
            }
            last_head = A::lane(&head, lanes - 1);
            b += lanes;
        }
        // The state of `run_rows` at this row: the last two blocks held, the older one
        // gone (`start == split`), its suffixes as the tails, the newer as the back run.
        let used = blocks * size;
        let older = block(blocks - 1);
        let mut rows = Vec::with_capacity(2 * size);
        rows.extend_from_slice(older);
        rows.extend_from_slice(&values[used - size..used]);
        self.values = rows;
        self.valid.clear();
        self.valid.resize(2 * size, true);
        self.inv = inv;
        (self.start, self.split) = (0, size);
        self.build_tails();
        self.start = size;
        self.head = last_head;
        self.head_n = count;
        self.count = count;
        used
    }

    /// The time-window sweep of [`super::window::run_by`] over rows that all come from this
    /// call (the structure holds none of them yet), with the state in locals: rows `hi..`
    /// enter as their group's time comes (with it when the window is closed at its end), rows `lo..`
    /// leave once `start_of` passes them. Returns `(lo, hi)`: rows `lo..hi` are held after
    /// the call, rows `hi..` (the last time, for a window open at its end) still wait.
    #[allow(clippy::too_many_arguments)]
    pub fn run_time(
        &mut self,
        values: &[f64],
        valid: impl Fn(usize) -> bool,
        times: &[i64],
        mut start_of: impl FnMut(usize, i64) -> i64,
        closed: Closed,
        out: &mut Running,
        output: impl Fn(&A, u64) -> Option<f64>,
    ) -> (usize, usize) {
        let mut sink = Buffered::new(out);
        let holds_end = closed.holds_end();
        let n = times.len();
        let (mut lo, mut hi, mut i) = (0usize, 0usize, 0usize);
        self.grow_inv(self.len() + n.min(1 << 16));
        // The state in locals (through `self` every write to the rows' vectors made the
        // compiler reload it): written back around a flip and at the end.
        let (mut head, mut head_n, mut count) = (self.head, self.head_n, self.count);
        let (mut start, mut split) = (self.start, self.split);
        let mut rows = std::mem::take(&mut self.values);
        let mut oks = std::mem::take(&mut self.valid);
        // Every row held and to come holds a value: a leaving row always takes one with it.
        let dense = count == (rows.len() - start) as u64 && (0..n).all(&valid);
        while i < n {
            let t = times[i];
            let mut j = i + 1;
            while j < n && times[j] == t {
                j += 1;
            }
            // Rows enter up to this time: the group's first row too when the window holds
            // its end, then the window moves, then the rest of the group (the order of
            // row-by-row updates, so that both give the same sums bit for bit).
            macro_rules! enter_until {
                ($end:expr) => {
                    while hi < $end {
                        let ok = valid(hi);
                        let v = if ok { values[hi] } else { 0.0 };
                        rows.push(v);
                        oks.push(ok);
                        if ok {
                            head_n += 1;
                            count += 1;
                            if A::COUNTED && self.inv.len() <= count as usize {
                                self.grow_inv(2 * count as usize);
                            }
                            head.push(v, reciprocal::<A>(&self.inv, head_n));
                        }
                        hi += 1;
                    }
                };
            }
            enter_until!(if holds_end { i + 1 } else { i });
            // Rows `lo..` leave while before the window's first kept time.
            let mut leaving = leaving(times, lo, hi, closed.first_kept(start_of(i, t)));
            lo += leaving;
            if start + leaving <= split {
                // The usual case, without a branch on how many leave.
                count -= if dense {
                    leaving as u64
                } else {
                    valid_among(&oks, start, leaving)
                };
                start += leaving;
                leaving = 0;
            }
            while leaving > 0 {
                if start == split {
                    (self.head, self.head_n, self.count) = (head, head_n, count);
                    (self.start, self.split) = (start, split);
                    (self.values, self.valid) = (rows, oks);
                    self.flip();
                    (head, head_n) = (self.head, self.head_n);
                    (start, split) = (self.start, self.split);
                    rows = std::mem::take(&mut self.values);
                    oks = std::mem::take(&mut self.valid);
                }
                let k = leaving.min(split - start);
                count -= valid_among(&oks, start, k);
                start += k;
                leaving -= k;
            }
            if holds_end {
                enter_until!(j);
            }
            let y = if start < split {
                output(
                    &self.tails[start].merge(&head, reciprocal::<A>(&self.inv, count)),
                    count,
                )
            } else {
                output(&head, count)
            };
            for _ in i..j {
                sink.push(y);
            }
            i = j;
        }
        (self.head, self.head_n, self.count) = (head, head_n, count);
        (self.start, self.split) = (start, split);
        (self.values, self.valid) = (rows, oks);
        (lo, hi)
    }

    /// Non-null values in the window.
    #[inline(always)]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The summary of the window's non-null values.
    #[inline(always)]
    pub fn summary(&self) -> A {
        if self.start < self.split {
            self.tails[self.start].merge(&self.head, reciprocal::<A>(&self.inv, self.count))
        } else {
            self.head
        }
    }

    /// Rebuild the derived parts (count and summaries) from the stored rows, exactly as the
    /// pushes built them.
    fn rebuild(&mut self) {
        self.grow_inv(self.len());
        self.head = A::EMPTY;
        self.head_n = 0;
        for j in self.split..self.values.len() {
            if self.valid[j] {
                self.head_n += 1;
                self.head
                    .push(self.values[j], reciprocal::<A>(&self.inv, self.head_n));
            }
        }
        self.count = self.valid[self.start..].iter().filter(|&&ok| ok).count() as u64;
        self.build_tails();
    }
}

impl<A: Aggregate> Fifo for TwoStack<A> {
    #[inline(always)]
    fn push(&mut self, x: Option<f64>) {
        let (v, ok) = match x {
            Some(v) => (v, true),
            None => (0.0, false),
        };
        self.values.push(v);
        self.valid.push(ok);
        if ok {
            self.head_n += 1;
            self.count += 1;
            if A::COUNTED && self.inv.len() <= self.count as usize {
                self.grow_inv(self.len());
            }
            self.head.push(v, reciprocal::<A>(&self.inv, self.head_n));
        }
    }

    #[inline(always)]
    fn pop(&mut self) {
        if self.start == self.split {
            if self.is_empty() {
                return;
            }
            self.flip();
        }
        self.count -= self.valid[self.start] as u64;
        self.start += 1;
    }

    #[inline(always)]
    fn rows(&self) -> usize {
        self.len()
    }

    fn for_each_row(&self, f: &mut dyn FnMut(Option<f64>)) {
        let rows = self.values[self.start..]
            .iter()
            .zip(&self.valid[self.start..]);
        rows.for_each(|(&v, &ok)| f(ok.then_some(v)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::aggregate::{Extremes, Moments, Sum};
    use super::super::window::{Span, Window};
    use super::*;

    fn fresh_m2(vals: &[f64]) -> f64 {
        let mut fresh = Moments::<2>::EMPTY;
        vals.iter()
            .for_each(|&v| fresh.push(v, 1.0 / (fresh.n + 1.0)));
        fresh.m2
    }

    /// Every row-count window of every size agrees with a summary built from scratch.
    #[test]
    fn windows_match_a_fresh_summary() {
        let rows: Vec<Option<f64>> = (0..60)
            .map(|i| (i % 7 != 3).then(|| ((i * 13 % 17) as f64) - 8.0))
            .collect();
        for size in [1u64, 2, 3, 5, 16, 59, 60, 100] {
            let mut w = Window::new(Span::Rows(size), TwoStack::<Moments<2>>::new());
            let mut s = Window::new(Span::Rows(size), TwoStack::<Sum>::new());
            let mut e = Window::new(Span::Rows(size), TwoStack::<Extremes>::new());
            for (i, &x) in rows.iter().enumerate() {
                w.push_row(x);
                s.push_row(x);
                e.push_row(x);
                let start = (i + 1).saturating_sub(size as usize);
                let vals: Vec<f64> = rows[start..=i].iter().flatten().copied().collect();
                assert_eq!(w.rows().count(), vals.len() as u64);
                let got = w.rows().summary();
                assert!(
                    (got.m2 - fresh_m2(&vals)).abs() < 1e-9,
                    "size {size} row {i}"
                );
                assert_eq!(s.rows().summary().sum, vals.iter().sum::<f64>());
                let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
                assert_eq!(e.rows().summary().min, lo);
            }
        }
    }

    /// Pushes and pops in any pattern: the summary is always that of the rows held.
    #[test]
    fn any_push_pop_pattern_matches_a_fresh_summary() {
        let mut w = TwoStack::<Moments<2>>::new();
        let mut held: std::collections::VecDeque<Option<f64>> = Default::default();
        let mut state = 12345u64;
        for step in 0..3000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (state >> 33) % 10;
            if r < 6 || held.is_empty() {
                let x = (r != 0).then_some((state >> 40) as f64 / 1e3 - 5e3);
                w.push(x);
                held.push_back(x);
            } else {
                w.pop();
                held.pop_front();
            }
            let vals: Vec<f64> = held.iter().flatten().copied().collect();
            assert_eq!(w.len(), held.len());
            assert_eq!(w.count(), vals.len() as u64);
            let got = w.summary().m2;
            let want = fresh_m2(&vals);
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                "step {step}"
            );
        }
    }

    /// The fast row-count loop gives the same numbers as push/pop, bit for bit.
    #[test]
    fn run_rows_is_push_then_summary() {
        let values: Vec<f64> = (0..500)
            .map(|i| ((i * 37 % 101) as f64) * 0.37 - 9.0)
            .collect();
        for size in [1u64, 2, 7, 64, 300, 1000] {
            for cut in [0usize, 1, 63, 250] {
                let mut fast = TwoStack::<Moments<4>>::new();
                let mut out = Running::default();
                let (a, b) = values.split_at(cut);
                fast.run_rows(size, a, &mut out, |s: &Moments<4>, _| Some(s.m2));
                fast.run_rows(size, b, &mut out, |s: &Moments<4>, _| Some(s.m2));
                let mut slow = Window::new(Span::Rows(size), TwoStack::<Moments<4>>::new());
                let want: Vec<Option<f64>> = values
                    .iter()
                    .map(|&x| {
                        slow.push_row(Some(x));
                        Some(slow.rows().summary().m2)
                    })
                    .collect();
                assert_eq!(out.to_options(), want, "size {size} cut {cut}");
                assert_eq!(fast.summary(), slow.rows().summary());
                assert_eq!(fast.count(), slow.rows().count());
            }
        }
    }

    /// Whole blocks (`run_blocks`) give the outputs and leave the state of `run_rows`' own
    /// loop, bit for bit: every window size around the lane and block edges, runs cut
    /// anywhere, nulls before and after, values that cancel, NaN and ±inf.
    #[test]
    fn whole_blocks_are_the_row_loop_bit_for_bit() {
        fn check<A: Aggregate>(name: &str, values: &[Option<f64>], size: u64, cuts: &[usize]) {
            // Each row outputs a fingerprint of the whole summary it is given, so the
            // outputs compare every bit of every summary (Debug strings tell every bit
            // pattern apart but NaN's payload), row by row; the lanes' finish goes through
            // `Output::four`'s lane-by-lane default.
            let output = |a: &A, n: u64| {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                format!("{a:?} {n}").hash(&mut h);
                (!n.is_multiple_of(3)).then_some((h.finish() >> 11) as f64)
            };
            let mut fast = TwoStack::<A>::new();
            let mut slow = TwoStack::<A>::new();
            let (mut out_fast, mut out_slow) = (Running::default(), Running::default());
            let mut from = 0;
            for &cut in cuts.iter().chain([values.len()].iter()) {
                let part = &values[from..cut.max(from)];
                from = cut.max(from);
                // Dense runs through the sweep, nulls row by row (as `Rolling` does).
                for run in part.chunk_by(|a, b| a.is_some() == b.is_some()) {
                    if run[0].is_some() {
                        let xs: Vec<f64> = run.iter().flatten().copied().collect();
                        fast.sweep_rows(size, &xs, &mut out_fast, output, true);
                        slow.sweep_rows(size, &xs, &mut out_slow, output, false);
                    } else {
                        for _ in run {
                            for w in [&mut fast, &mut slow] {
                                w.push(None);
                                if w.len() as u64 > size {
                                    w.pop();
                                }
                            }
                        }
                    }
                    let state = |w: &TwoStack<A>| format!("{w:?}");
                    assert_eq!(
                        state(&fast),
                        state(&slow),
                        "{name} size {size} cuts {cuts:?}"
                    );
                }
            }
            assert_eq!(
                out_fast.to_options(),
                out_slow.to_options(),
                "{name} size {size} cuts {cuts:?}"
            );
        }
        let values: Vec<Option<f64>> = crate::core::testing::uniform(7)
            .take(2600)
            .enumerate()
            .map(|(i, u)| match i {
                700 => Some(f64::NAN),
                1300 => Some(f64::INFINITY),
                1301 => Some(f64::NEG_INFINITY),
                1800..=1805 => None,
                _ => Some(1e9 + (u - 0.5) * if i % 97 == 0 { 1e12 } else { 1.0 }),
            })
            .collect();
        let dense: Vec<Option<f64>> = values.iter().map(|x| Some(x.unwrap_or(3.0))).collect();
        for size in [1u64, 2, 3, 4, 5, 7, 8, 10, 31, 100, 333, 1000] {
            for cuts in [
                vec![],
                vec![1],
                vec![5, 17],
                vec![999, 1000, 1001],
                vec![2599],
            ] {
                for data in [&values, &dense] {
                    check::<Sum>("sum", data, size, &cuts);
                    check::<Moments<2>>("m2", data, size, &cuts);
                    check::<Moments<3>>("m3", data, size, &cuts);
                    check::<Moments<4>>("m4", data, size, &cuts);
                    check::<Extremes>("extremes", data, size, &cuts);
                }
            }
        }
    }

    #[test]
    fn stored_rows_rebuild_identical_summaries() {
        for size in [1u64, 4, 9] {
            let mut w = Window::new(Span::Rows(size), TwoStack::<Moments<4>>::new());
            for i in 0..23 {
                w.push_row((i % 5 != 0).then_some(i as f64 * 1.5));
                let bytes = postcard::to_allocvec(&w).unwrap();
                let mut copy: Window<TwoStack<Moments<4>>> = postcard::from_bytes(&bytes).unwrap();
                assert_eq!(copy.rows().count(), w.rows().count());
                for j in 0..7 {
                    assert_eq!(
                        copy.rows().summary(),
                        w.rows().summary(),
                        "size {size} row {i}+{j}"
                    );
                    copy.push_row(Some(j as f64));
                    w.push_row(Some(j as f64));
                }
            }
        }
    }
}
