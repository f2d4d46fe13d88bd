//! Order-statistic indexes of floats (insert, remove, "k-th smallest") behind the exact
//! quantiles: [`SortedMultiset`] for any stream, [`SmallSorted`] for small windows, and for a
//! whole column known in advance [`BlockRank`] (windows up to thousands of rows) and
//! [`RankIndex`] (longer ones).
//!
//! `SortedMultiset`: insert, remove and "k-th smallest" in O(log n) (plus a bounded memmove).
//! Layout: a list of sorted blocks of at most `2 * BLOCK` keys, the largest key of each block
//! (to find a key's block by binary search) and a Fenwick tree over the block lengths (to find
//! the block holding rank `k`). Small sets are one contiguous sorted block, which is the
//! fastest structure at small windows; large ones cost two binary searches, a memmove of at
//! most `2 * BLOCK` keys and a walk of the Fenwick tree per operation, with no allocation in
//! the steady state.
//!
//! Values are stored as `u64` keys whose unsigned order is the float order with NaN above
//! +inf (Polars' order for quantiles) and -0.0 equal to +0.0.

use std::borrow::Cow;

use super::parallel::Fork;
use super::sweep::big_vec;

/// Block capacity is `2 * BLOCK`; a full block splits in two.
const BLOCK: usize = 256;

/// The sortable key of a float.
#[inline(always)]
pub fn key(x: f64) -> u64 {
    let x = if x.is_nan() {
        f64::NAN
    } else if x == 0.0 {
        0.0
    } else {
        x
    };
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The float of a key.
#[inline(always)]
pub fn value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Not serialised itself: states store the values and rebuild the set on restore.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SortedMultiset {
    blocks: Vec<Vec<u64>>,
    maxes: Vec<u64>,
    tree: Vec<usize>,
    len: usize,
}

impl SortedMultiset {
    pub fn new() -> Self {
        SortedMultiset::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Rebuild the derived indexes (after deserialisation or a block split/removal).
    /// Returns false if a block is empty or unsorted, or blocks overlap (a corrupt state).
    pub fn reindex(&mut self) -> bool {
        let mut ok = true;
        let mut prev: Option<u64> = None;
        for b in &self.blocks {
            ok &= !b.is_empty() && b.len() <= 2 * BLOCK && b.windows(2).all(|w| w[0] <= w[1]);
            if let (Some(p), Some(first)) = (prev, b.first()) {
                ok &= p <= *first;
            }
            prev = b.last().copied().or(prev);
        }
        self.maxes = self
            .blocks
            .iter()
            .map(|b| b.last().copied().unwrap_or(0))
            .collect();
        self.len = self.blocks.iter().map(Vec::len).sum();
        let n = self.blocks.len();
        self.tree = vec![0; n + 1];
        for (i, b) in self.blocks.iter().enumerate() {
            self.tree[i + 1] += b.len();
            let parent = (i + 1) + ((i + 1) & (i + 1).wrapping_neg());
            if parent <= n {
                self.tree[parent] += self.tree[i + 1];
            }
        }
        ok
    }

    #[inline]
    fn tree_add(&mut self, block: usize, delta: isize) {
        let mut i = block + 1;
        while i < self.tree.len() {
            self.tree[i] = self.tree[i].wrapping_add_signed(delta);
            i += i & i.wrapping_neg();
        }
    }

    /// The block that holds (or would hold) `k`: the first whose largest key is >= k.
    #[inline]
    fn block_of(&self, k: u64) -> usize {
        self.maxes
            .partition_point(|&m| m < k)
            .min(self.blocks.len().saturating_sub(1))
    }

    pub fn insert(&mut self, x: f64) {
        let k = key(x);
        if self.blocks.is_empty() {
            self.blocks.push(Vec::with_capacity(2 * BLOCK));
            self.blocks[0].push(k);
            self.reindex();
            return;
        }
        let b = self.block_of(k);
        let block = &mut self.blocks[b];
        let at = block.partition_point(|&v| v <= k);
        insert_at(block, at, k);
        if k > self.maxes[b] {
            self.maxes[b] = k;
        }
        self.len += 1;
        if block.len() >= 2 * BLOCK {
            let mut upper = Vec::with_capacity(2 * BLOCK);
            upper.extend_from_slice(&block[BLOCK..]);
            block.truncate(BLOCK);
            self.blocks.insert(b + 1, upper);
            self.reindex();
        } else {
            self.tree_add(b, 1);
        }
    }

    /// Remove one copy of `x`; false (and nothing changes) when `x` is not in the set.
    pub fn remove(&mut self, x: f64) -> bool {
        if self.blocks.is_empty() {
            return false;
        }
        let k = key(x);
        let b = self.block_of(k);
        let block = &mut self.blocks[b];
        let at = block.partition_point(|&v| v < k);
        if at == block.len() || block[at] != k {
            return false;
        }
        remove_at(block, at);
        self.len -= 1;
        if block.is_empty() {
            self.blocks.remove(b);
            self.reindex();
        } else {
            if at == block.len() {
                self.maxes[b] = block[at - 1];
            }
            self.tree_add(b, -1);
        }
        true
    }

    /// The `i`-th smallest value (0-based); `i < len()`.
    #[inline]
    pub fn select(&self, i: usize) -> f64 {
        // Fenwick descent: the block whose prefix of lengths first exceeds `i`.
        let n = self.blocks.len();
        let mut pos = 0;
        let mut rest = i;
        let mut step = if n == 0 {
            0
        } else {
            1 << (usize::BITS - 1 - n.leading_zeros())
        };
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next] <= rest {
                pos = next;
                rest -= self.tree[next];
            }
            step >>= 1;
        }
        value(self.blocks[pos][rest])
    }
}

/// `Vec::insert`, with short moves done inline (a `memmove` call costs more than moving a
/// few keys, and small windows are all short moves).
#[inline(always)]
fn insert_at(block: &mut Vec<u64>, at: usize, k: u64) {
    let len = block.len();
    if len - at > 16 {
        block.insert(at, k);
        return;
    }
    block.push(k);
    let mut j = len;
    while j > at {
        block[j] = block[j - 1];
        j -= 1;
    }
    block[at] = k;
}

/// `Vec::remove`, with short moves done inline.
#[inline(always)]
fn remove_at(block: &mut Vec<u64>, at: usize) {
    let len = block.len();
    if len - at > 16 {
        block.remove(at);
        return;
    }
    for j in at..len - 1 {
        block[j] = block[j + 1];
    }
    block.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inserts, removes and replaces that take the count across both edges, many times:
    /// the adaptive index holds the multiset's values in the same order at every step,
    /// -0.0/0.0, NaN and ±inf included, and says which values it does not hold.
    #[test]
    fn adaptive_is_the_multiset_across_its_edges() {
        let mut a = Adaptive::default();
        let mut m = SortedMultiset::new();
        let mut held: Vec<f64> = Vec::new();
        let mut state = 99u64;
        let mut kinds = (0, 0);
        let special = [0.0, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1.5];
        for step in 0..20_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Long stretches of growth then of shrinking, to cross the edges.
            let grow = (step / 700) % 2 == 0;
            let r = (state >> 33) % 100;
            let x = if r < 5 {
                special[(state >> 20) as usize % special.len()]
            } else {
                ((state >> 40) % 50) as f64 - 25.0
            };
            if held.is_empty() || (grow && r < 70) || (!grow && r < 10) {
                a.insert(x);
                m.insert(x);
                held.push(x);
            } else if r.is_multiple_of(3) {
                let old = held.swap_remove((state >> 8) as usize % held.len());
                a.replace(old, x);
                m.remove(old);
                m.insert(x);
                held.push(x);
            } else {
                let old = held.swap_remove((state >> 8) as usize % held.len());
                assert!(OrderIndex::remove(&mut a, old));
                assert!(m.remove(old));
            }
            assert!(!OrderIndex::remove(&mut a.clone(), 1e9), "step {step}");
            assert_eq!(a.len(), m.len());
            match a {
                Adaptive::Small(_) => kinds.0 += 1,
                Adaptive::Large(_) => kinds.1 += 1,
            }
            for i in 0..a.len() {
                assert_eq!(
                    a.value_at(i).to_bits(),
                    m.select(i).to_bits(),
                    "step {step} rank {i}"
                );
            }
        }
        assert!(
            kinds.0 > 1000 && kinds.1 > 1000,
            "both forms were used: {kinds:?}"
        );
    }

    #[test]
    fn keys_follow_the_float_order_with_nan_last() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -1e-300,
            0.0,
            1e-300,
            1.0,
            1e300,
            f64::INFINITY,
            f64::NAN,
        ];
        for w in xs.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(key(-0.0), key(0.0));
        assert_eq!(key(-f64::NAN), key(f64::NAN));
        for x in xs {
            assert!(value(key(x)) == x || x.is_nan() && value(key(x)).is_nan());
        }
    }

    #[test]
    fn matches_a_sorted_vector_under_random_operations() {
        let mut seed = 42u64;
        let mut rnd = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        let mut set = SortedMultiset::new();
        let mut reference: Vec<f64> = Vec::new();
        for step in 0..40_000 {
            let grow = reference.len() < 3000 && (rnd() % 3 != 0 || reference.is_empty());
            if grow {
                let x = (rnd() % 500) as f64 - 250.0;
                set.insert(x);
                let at = reference.partition_point(|&v| v <= x);
                reference.insert(at, x);
            } else {
                let x = reference[rnd() as usize % reference.len()];
                assert!(set.remove(x));
                let at = reference.iter().position(|&v| v == x).unwrap();
                reference.remove(at);
                assert!(!set.remove(1e9));
            }
            assert_eq!(set.len(), reference.len());
            if step % 97 == 0 {
                for (i, v) in reference.iter().enumerate() {
                    assert_eq!(set.select(i), *v, "step {step} rank {i}");
                }
            } else if !reference.is_empty() {
                let i = rnd() as usize % reference.len();
                assert_eq!(set.select(i), reference[i]);
            }
        }
        let mut copy = set.clone();
        assert!(copy.reindex());
        assert_eq!(copy, set);
    }
}

/// What the exact quantiles need from an order-statistic index.
pub trait OrderIndex: Clone {
    /// True for an index of the values alone (no row positions): its answers then depend on
    /// the multiset it holds only, whatever the calls that built it, so a sweep may skip
    /// calls (slide a small window elsewhere, then `replace` its first rows by its last).
    /// Its state is the same too while it holds few values (the sorted array; the
    /// multiset's single block; `Adaptive`'s small form, below its switch at 192 values):
    /// larger sets may differ in layout by history (block splits, `Adaptive`'s hysteresis).
    const BY_VALUE: bool = false;
    fn insert(&mut self, x: f64);
    /// Remove one copy of `x`; false when it is not there.
    fn remove(&mut self, x: f64) -> bool;
    fn len(&self) -> usize;
    /// How many values will pass through, if known (to size buffers once).
    fn values_hint(&self) -> usize {
        0
    }
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The `i`-th smallest value (0-based, `i < len()`).
    fn select(&mut self, i: usize) -> f64;
    /// Remove `old` (present) and insert `new`: one step of a full sliding window.
    fn replace(&mut self, old: f64, new: f64) {
        self.remove(old);
        self.insert(new);
    }
    /// The `i`-th and `i + 1`-th smallest values (`i + 1 < len()`).
    fn select_pair(&mut self, i: usize) -> (f64, f64) {
        (self.select(i), self.select(i + 1))
    }
}

impl OrderIndex for SortedMultiset {
    const BY_VALUE: bool = true;

    #[inline]
    fn insert(&mut self, x: f64) {
        SortedMultiset::insert(self, x)
    }
    #[inline]
    fn remove(&mut self, x: f64) -> bool {
        SortedMultiset::remove(self, x)
    }
    #[inline]
    fn len(&self) -> usize {
        self.len
    }
    #[inline]
    fn select(&mut self, i: usize) -> f64 {
        SortedMultiset::select(self, i)
    }
}

/// A plain sorted array of keys: for small windows (tens of values) the fastest index, as an
/// insertion or a removal moves a handful of keys and a lookup is a load.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SmallSorted {
    keys: Vec<u64>,
}

impl SmallSorted {
    /// How many keys are below `k` (or at most `k`): a branch-free count, cheaper than a
    /// binary search's chain of dependent loads at these sizes.
    #[inline(always)]
    fn count_below(&self, k: u64, inclusive: bool) -> usize {
        if inclusive {
            self.keys.iter().map(|&v| (v <= k) as usize).sum()
        } else {
            self.keys.iter().map(|&v| (v < k) as usize).sum()
        }
    }
}

impl OrderIndex for SmallSorted {
    const BY_VALUE: bool = true;

    #[inline(always)]
    fn insert(&mut self, x: f64) {
        let k = key(x);
        let at = self.count_below(k, true);
        insert_at(&mut self.keys, at, k);
    }

    #[inline(always)]
    fn replace(&mut self, old: f64, new: f64) {
        let (ko, kn) = (key(old), key(new));
        let from = self.count_below(ko, false);
        if from >= self.keys.len() || self.keys[from] != ko {
            return self.insert(new);
        }
        // Shift the keys between the two positions by one and drop the new key in.
        let keys = &mut self.keys[..];
        if kn >= ko {
            let mut j = from;
            while j + 1 < keys.len() && keys[j + 1] <= kn {
                keys[j] = keys[j + 1];
                j += 1;
            }
            keys[j] = kn;
        } else {
            let mut j = from;
            while j > 0 && keys[j - 1] > kn {
                keys[j] = keys[j - 1];
                j -= 1;
            }
            keys[j] = kn;
        }
    }

    #[inline(always)]
    fn remove(&mut self, x: f64) -> bool {
        let k = key(x);
        let at = self.count_below(k, false);
        if at < self.keys.len() && self.keys[at] == k {
            remove_at(&mut self.keys, at);
            true
        } else {
            false
        }
    }

    #[inline(always)]
    fn len(&self) -> usize {
        self.keys.len()
    }

    #[inline(always)]
    fn select(&mut self, i: usize) -> f64 {
        value(self.keys[i])
    }

    #[inline(always)]
    fn select_pair(&mut self, i: usize) -> (f64, f64) {
        (value(self.keys[i]), value(self.keys[i + 1]))
    }
}

/// The objects' index, for any stream: a [`SmallSorted`] array while the window holds few
/// values, a [`SortedMultiset`] above that. It moves to the multiset beyond `LARGE_FROM`
/// values and back below `SMALL_BELOW` (apart, so that a count hovering near one edge does
/// not convert at every row). Both are exact, so the numbers do not depend on which holds
/// the values; the expressions choose theirs per column instead.
#[derive(Debug, Clone, PartialEq)]
pub enum Adaptive {
    Small(SmallSorted),
    Large(SortedMultiset),
}

impl Default for Adaptive {
    fn default() -> Self {
        Adaptive::Small(SmallSorted::default())
    }
}

impl Adaptive {
    /// Sorted arrays beat the multiset up to a few hundred values (a move of that many keys
    /// costs less than the multiset's walk).
    const LARGE_FROM: usize = 192;
    const SMALL_BELOW: usize = 64;

    /// The `i`-th smallest value (0-based, `i < len()`), without `&mut`.
    #[inline]
    pub fn value_at(&self, i: usize) -> f64 {
        match self {
            Adaptive::Small(s) => value(s.keys[i]),
            Adaptive::Large(m) => m.select(i),
        }
    }

    #[cold]
    fn grow(&mut self) {
        if let Adaptive::Small(s) = self {
            let mut m = SortedMultiset::new();
            s.keys.iter().for_each(|&k| m.insert(value(k)));
            *self = Adaptive::Large(m);
        }
    }

    #[cold]
    fn shrink(&mut self) {
        if let Adaptive::Large(m) = self {
            let keys = (0..m.len()).map(|i| key(m.select(i))).collect();
            *self = Adaptive::Small(SmallSorted { keys });
        }
    }
}

impl OrderIndex for Adaptive {
    const BY_VALUE: bool = true;

    #[inline]
    fn insert(&mut self, x: f64) {
        match self {
            Adaptive::Small(s) => {
                s.insert(x);
                if s.keys.len() > Self::LARGE_FROM {
                    self.grow();
                }
            }
            Adaptive::Large(m) => m.insert(x),
        }
    }

    #[inline]
    fn remove(&mut self, x: f64) -> bool {
        match self {
            Adaptive::Small(s) => OrderIndex::remove(s, x),
            Adaptive::Large(m) => {
                let found = m.remove(x);
                if m.len() < Self::SMALL_BELOW {
                    self.shrink();
                }
                found
            }
        }
    }

    #[inline]
    fn replace(&mut self, old: f64, new: f64) {
        match self {
            Adaptive::Small(s) => s.replace(old, new),
            Adaptive::Large(m) => {
                m.remove(old);
                m.insert(new);
            }
        }
    }

    #[inline]
    fn len(&self) -> usize {
        match self {
            Adaptive::Small(s) => s.keys.len(),
            Adaptive::Large(m) => m.len(),
        }
    }

    #[inline]
    fn select(&mut self, i: usize) -> f64 {
        self.value_at(i)
    }

    #[inline]
    fn select_pair(&mut self, i: usize) -> (f64, f64) {
        match self {
            Adaptive::Small(s) => s.select_pair(i),
            Adaptive::Large(m) => (m.select(i), m.select(i + 1)),
        }
    }
}

/// A position in a [`RankIndex`]: the rank of a present value and how many present values
/// rank below it.
#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    rank: usize,
    below: usize,
    valid: bool,
}

/// A window held as a bitset over ranks, with a [`Cursor`] per quantile asked for
/// ([`RankIndex`], [`BlockRank`]): how the cursors follow the window and move to a rank,
/// written once over the bitset's two scans.
trait RankCursors {
    /// The first set rank at or after `from`.
    fn next_set(&self, from: usize) -> Option<usize>;
    /// The last set rank at or before `from`.
    fn prev_set(&self, from: usize) -> Option<usize>;
    fn cursors(&mut self) -> &mut [Cursor; 2];

    /// Rank `r` has entered.
    #[inline(always)]
    fn entered(&mut self, r: usize) {
        for c in self.cursors() {
            if c.valid && r < c.rank {
                c.below += 1;
            }
        }
    }

    /// Rank `rn` has entered and rank `ro` left, in one step (the new bit set first, so that
    /// a cursor on the leaving value may move onto the new one).
    #[inline(always)]
    fn stepped(&mut self, rn: usize, ro: usize) {
        for k in 0..2 {
            let c = self.cursors()[k];
            if !c.valid {
                continue;
            }
            // Present values below the cursor's rank, after the step (ranks are distinct).
            let below = c.below + usize::from(rn < c.rank) - usize::from(ro < c.rank);
            self.cursors()[k] = if ro != c.rank {
                Cursor { below, ..c }
            } else if let Some(next) = self.next_set(ro) {
                Cursor {
                    rank: next,
                    below,
                    valid: true,
                }
            } else {
                let prev = self.prev_set(ro).unwrap_or(0);
                Cursor {
                    rank: prev,
                    below: below - 1,
                    valid: true,
                }
            };
        }
    }

    /// Rank `r` has left, leaving `len` values.
    #[inline(always)]
    fn left(&mut self, r: usize, len: usize) {
        for k in 0..2 {
            let c = self.cursors()[k];
            if !c.valid {
                continue;
            }
            if r < c.rank {
                self.cursors()[k].below -= 1;
            } else if r == c.rank {
                self.cursors()[k] = match (self.next_set(r), len) {
                    (_, 0) => Cursor::default(),
                    (Some(next), _) => Cursor { rank: next, ..c },
                    (None, _) => {
                        let prev = self.prev_set(r).unwrap_or(0);
                        Cursor {
                            rank: prev,
                            below: c.below - 1,
                            valid: true,
                        }
                    }
                };
            }
        }
    }

    /// Move a cursor onto the `i`-th smallest present value; returns its rank.
    #[inline(always)]
    fn seek(&mut self, i: usize) -> usize {
        let k = self.cursor_for(i);
        let mut c = self.cursors()[k];
        while c.below < i {
            c.rank = self.next_set(c.rank + 1).unwrap_or(c.rank);
            c.below += 1;
        }
        while c.below > i {
            c.rank = self.prev_set(c.rank - 1).unwrap_or(c.rank);
            c.below -= 1;
        }
        self.cursors()[k] = c;
        c.rank
    }

    /// The cursor to move for a query of rank `i`: the nearer one, or a fresh one.
    #[inline(always)]
    fn cursor_for(&mut self, i: usize) -> usize {
        // The common case: one quantile, whose cursor is already (almost) there.
        let cs = *self.cursors();
        if cs[0].valid && cs[0].below.abs_diff(i) <= 2 {
            return 0;
        }
        let dist = |c: &Cursor| {
            if c.valid {
                c.below.abs_diff(i)
            } else {
                usize::MAX
            }
        };
        let pick = if dist(&cs[1]) < dist(&cs[0]) { 1 } else { 0 };
        if !cs[pick].valid || cs[pick].below.abs_diff(i) > i {
            // Starting from the smallest value is shorter (or the only way).
            let first = self.next_set(0).unwrap_or(0);
            let slot = if cs[0].valid && !cs[1].valid { 1 } else { pick };
            self.cursors()[slot] = Cursor {
                rank: first,
                below: 0,
                valid: true,
            };
            return slot;
        }
        pick
    }
}

/// An order-statistic index for a column known in advance (the expression path), where the
/// values arrive in row order and leave first-in first-out.
///
/// All non-null values are ranked once (LSD radix sort of their keys, ties by position);
/// the window is then a bitset over ranks with a summary bit per 64-bit word, and the k-th
/// smallest value is found by moving a cursor from its last position. A window that slides by
/// one row moves a quantile by at most a few present values, so a query costs a few bit scans
/// instead of a tree walk: measured 3-4x faster than [`SortedMultiset`] at windows of 1000 and
/// more, where the rank computation (~10 ns per value) dominates. Two cursors serve an IQR.
/// Values are taken by position: `insert` takes the next value of the column, `remove` the
/// oldest one still present (the `x` arguments are not looked at).
#[derive(Debug, Clone)]
pub struct RankIndex {
    /// Value of each rank.
    sorted: Vec<f64>,
    /// Rank of each non-null value, in row order.
    ranks: Vec<u32>,
    next_in: usize,
    next_out: usize,
    words: Vec<u64>,
    summary: Vec<u64>,
    len: usize,
    cursors: [Cursor; 2],
}

impl RankIndex {
    /// Index for `values`: the non-null values of the column, in row order, ranked on
    /// `fork`'s threads (see [`rank`]).
    pub fn new(values: &[f64], fork: &impl Fork) -> Self {
        let (ranks, sorted_keys) = rank(values, fork);
        let m = values.len();
        RankIndex {
            sorted: sorted_keys.into_iter().map(value).collect(),
            ranks,
            next_in: 0,
            next_out: 0,
            words: vec![0; m.div_ceil(64)],
            summary: vec![0; m.div_ceil(64 * 64)],
            len: 0,
            cursors: [Cursor::default(); 2],
        }
    }
}

impl RankCursors for RankIndex {
    #[inline(always)]
    fn cursors(&mut self) -> &mut [Cursor; 2] {
        &mut self.cursors
    }

    #[inline(always)]
    fn next_set(&self, from: usize) -> Option<usize> {
        let w = from >> 6;
        if w >= self.words.len() {
            return None;
        }
        let bits = self.words[w] & (!0u64 << (from & 63));
        if bits != 0 {
            return Some((w << 6) | bits.trailing_zeros() as usize);
        }
        let w = w + 1;
        let mut s = w >> 6;
        if s >= self.summary.len() {
            return None;
        }
        let mut sbits = self.summary[s] & (!0u64).checked_shl((w & 63) as u32).unwrap_or(0);
        loop {
            if sbits != 0 {
                let w2 = (s << 6) | sbits.trailing_zeros() as usize;
                return Some((w2 << 6) | self.words[w2].trailing_zeros() as usize);
            }
            s += 1;
            if s >= self.summary.len() {
                return None;
            }
            sbits = self.summary[s];
        }
    }

    #[inline(always)]
    fn prev_set(&self, from: usize) -> Option<usize> {
        let w = from >> 6;
        let bits = self.words[w] & (!0u64 >> (63 - (from & 63)));
        if bits != 0 {
            return Some((w << 6) | (63 - bits.leading_zeros() as usize));
        }
        if w == 0 {
            return None;
        }
        let w = w - 1;
        let mut s = w >> 6;
        let mut sbits = self.summary[s] & (!0u64 >> (63 - (w & 63)));
        loop {
            if sbits != 0 {
                let w2 = (s << 6) | (63 - sbits.leading_zeros() as usize);
                return Some((w2 << 6) | (63 - self.words[w2].leading_zeros() as usize));
            }
            if s == 0 {
                return None;
            }
            s -= 1;
            sbits = self.summary[s];
        }
    }
}

impl OrderIndex for RankIndex {
    fn values_hint(&self) -> usize {
        self.ranks.len()
    }

    #[inline(always)]
    fn insert(&mut self, _x: f64) {
        let r = self.ranks[self.next_in] as usize;
        self.next_in += 1;
        self.words[r >> 6] |= 1 << (r & 63);
        self.summary[r >> 12] |= 1 << ((r >> 6) & 63);
        self.len += 1;
        self.entered(r);
    }

    /// One step of a full window in one pass over the cursors.
    #[inline(always)]
    fn replace(&mut self, _old: f64, _new: f64) {
        let ro = self.ranks[self.next_out] as usize;
        let rn = self.ranks[self.next_in] as usize;
        self.next_out += 1;
        self.next_in += 1;
        // Set the new bit first: a cursor on the leaving value may move onto the new one.
        self.words[rn >> 6] |= 1 << (rn & 63);
        self.summary[rn >> 12] |= 1 << ((rn >> 6) & 63);
        self.words[ro >> 6] &= !(1 << (ro & 63));
        if self.words[ro >> 6] == 0 {
            self.summary[ro >> 12] &= !(1 << ((ro >> 6) & 63));
        }
        self.stepped(rn, ro);
    }

    #[inline(always)]
    fn remove(&mut self, _x: f64) -> bool {
        let r = self.ranks[self.next_out] as usize;
        self.next_out += 1;
        self.words[r >> 6] &= !(1 << (r & 63));
        if self.words[r >> 6] == 0 {
            self.summary[r >> 12] &= !(1 << ((r >> 6) & 63));
        }
        self.len -= 1;
        self.left(r, self.len);
        true
    }

    #[inline(always)]
    fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    fn select(&mut self, i: usize) -> f64 {
        let r = self.seek(i);
        self.sorted[r]
    }

    #[inline(always)]
    fn select_pair(&mut self, i: usize) -> (f64, f64) {
        let r = self.seek(i);
        let next = self.next_set(r + 1).unwrap_or(r);
        (self.sorted[r], self.sorted[next])
    }
}

/// An order-statistic index for a window of at most `b` values sliding over a column known
/// in advance (the expression path), values entering in row order and leaving first-in
/// first-out, as [`RankIndex`], but ranked block by block instead of over the whole column.
///
/// The column's values are cut into blocks of `b`. A window of at most `b` values lies in two
/// consecutive blocks, so it is a bitset over the ranks of those two blocks' values alone
/// (`2 b` bits, in L1 cache, half of them set when the window is full): each block is sorted
/// once, merged with the previous one when the window first reaches it, and the bits of the
/// values present are carried over to the new pair's ranks. A query moves a cursor, as in
/// [`RankIndex`], a bit scan or two in a dense bitset. The whole column is never ranked.
/// Values are taken by position: `insert` takes the next value of the column, `remove` the
/// oldest one still present (the `x` arguments are not looked at).
#[derive(Debug, Clone)]
pub struct BlockRank<'a> {
    /// Borrowed from the column when it is one chunk without nulls.
    values: Cow<'a, [f64]>,
    /// Block size: at least the most values the window holds.
    b: usize,
    /// Position of the first value of the current pair of blocks.
    base: usize,
    /// The pair's values in rank order.
    sorted: Vec<f64>,
    /// Rank of each position (from `base`) of the pair.
    rank_of: Vec<u32>,
    /// The pair's second block as (key, position from its start), sorted by key.
    right: Vec<(u64, u32)>,
    left: Vec<(u64, u32)>,
    /// Scratch of `sort_block`.
    keys: Vec<u64>,
    packed: Vec<u64>,
    spare: Vec<u64>,
    next_in: usize,
    next_out: usize,
    words: Vec<u64>,
    len: usize,
    cursors: [Cursor; 2],
}

impl<'a> BlockRank<'a> {
    /// Index for `values` (the non-null values of the column, in row order) under a window
    /// holding at most `most` of them at a time.
    pub fn new(values: impl Into<Cow<'a, [f64]>>, most: usize) -> Self {
        let values = values.into();
        // The window never holds more values than the column has (short `.over()` groups).
        let b = most.min(values.len()).max(32).next_power_of_two();
        debug_assert!(b < 1 << 40, "positions live below the radix sort's bits");
        let mut index = BlockRank {
            values,
            b,
            base: 0,
            sorted: vec![0.0; 2 * b],
            rank_of: vec![0; 2 * b],
            right: Vec::with_capacity(b + 1),
            left: Vec::with_capacity(b + 1),
            keys: Vec::with_capacity(b),
            packed: Vec::with_capacity(b),
            spare: Vec::with_capacity(b),
            next_in: 0,
            next_out: 0,
            words: vec![0; (2 * b).div_ceil(64)],
            len: 0,
            cursors: [Cursor::default(); 2],
        };
        index.sort_block(0);
        std::mem::swap(&mut index.left, &mut index.right);
        index.sort_block(index.b);
        index.merge();
        index
    }

    /// Sort the block starting at `start` into `right`, all in L1 cache: the keys with the
    /// position in their low bits, sorted by a radix sort of their upper 24 bits (three 8-bit
    /// digits), or as plain integers in blocks under 256 values; then in the order of their
    /// full keys ([`order_runs_by_key`]). Each key is computed once: gathering the keys by
    /// position afterwards, rather than the values to compute keys again, and one insertion
    /// pass instead of a search for the runs, took the sort from ~16 to ~11 ns per value
    /// (W = 1000, normal values).
    fn sort_block(&mut self, start: usize) {
        let end = (start + self.b).min(self.values.len());
        let block = self.values.get(start..end).unwrap_or(&[]);
        let mask = self.b as u64 - 1;
        self.keys.clear();
        self.keys.extend(block.iter().map(|&x| key(x)));
        self.packed.clear();
        self.packed.extend(
            self.keys
                .iter()
                .enumerate()
                .map(|(p, &k)| (k & !mask) | p as u64),
        );
        if self.b < 256 {
            // Small blocks: the histograms would cost more than a comparison sort.
            self.packed.sort_unstable();
        } else {
            radix(&mut self.packed, &mut self.spare);
        }
        let keys = &self.keys[..];
        self.right.clear();
        self.right.extend(self.packed.iter().map(|&e| {
            let p = (e & mask) as usize;
            (keys[p], p as u32)
        }));
        order_runs_by_key(&mut self.right);
    }

    /// Rank the pair `left` + `right` (ties: `left` first), branch-free, from both ends at
    /// once: the smaller half of the ranks from the smallest keys up, the rest from the
    /// largest down. Each step of a merge waits for the previous one's loads; two
    /// independent chains halve that wait (measured: a W = 1000 rolling median 0.91x the
    /// time of the one-chain merge, 8 interleaved process pairs; the merge went from ~22%
    /// to ~15% of its profile). Each step picks its element by masks ([`choose`]): written
    /// as an `if`, it compiled to a branch taken at random (a W = 1000 rolling median 0.88x
    /// the time with masks; four chains instead of two measured slower, from register
    /// spills).
    fn merge(&mut self) {
        let b = self.b as u32;
        let (nl, nr) = (self.left.len(), self.right.len());
        let total = nl + nr;
        // Sentinels above every key (the largest key, NaN's, is below u64::MAX) end the
        // upward chain; below, a missing element reads as key 0, below every key (that of
        // -inf is not 0).
        self.left.push((u64::MAX, 0));
        self.right.push((u64::MAX, 0));
        let (l, r) = (&self.left[..], &self.right[..]);
        // Locals: writes through `self` would make the compiler reload every field.
        let sorted = &mut self.sorted[..total];
        let rank_of = &mut self.rank_of[..];
        let below = |v: &[(u64, u32)], k: usize| if k > 0 { v[k - 1] } else { (0, 0) };
        let (mut i, mut j) = (0, 0);
        let (mut bi, mut bj) = (nl, nr);
        let half = total / 2;
        for rank in 0..total - half {
            if rank < half {
                let (a, c) = (l[i], r[j]);
                let take_r = c.0 < a.0;
                let (k, p) = choose(take_r, (c.0, c.1 + b), a);
                j += usize::from(take_r);
                i += usize::from(!take_r);
                sorted[rank] = value(k);
                rank_of[p as usize] = rank as u32;
            }
            // Downward, equal keys take `right` first (it ranks after `left`).
            let (a, c) = (below(l, bi), below(r, bj));
            let take_r = c.0 >= a.0;
            let (k, p) = choose(take_r, (c.0, c.1 + b), a);
            bj -= usize::from(take_r);
            bi -= usize::from(!take_r);
            let down = total - 1 - rank;
            sorted[down] = value(k);
            rank_of[p as usize] = down as u32;
        }
        self.left.pop();
        self.right.pop();
    }

    /// Move on to the next pair of blocks; every present value is in the second block of the
    /// current pair (the window holds at most `b` values), and keeps its count below: each
    /// cursor moves to the rank of the present value with that count (the present values keep
    /// their order).
    #[cold]
    #[inline(never)]
    fn advance(&mut self) {
        debug_assert!(self.next_out >= self.base + self.b);
        self.base += self.b;
        std::mem::swap(&mut self.left, &mut self.right);
        self.sort_block(self.base + self.b);
        self.merge();
        self.words.fill(0);
        for p in self.next_out..self.next_in {
            let r = self.rank_of[p - self.base] as usize;
            self.words[r >> 6] |= 1 << (r & 63);
        }
        for k in 0..2 {
            if self.cursors[k].valid {
                self.cursors[k].rank = self.nth_present(self.cursors[k].below);
            }
        }
    }

    /// The rank of the present value with `i` present values below it (`i < len`), by the
    /// bit counts of the words.
    fn nth_present(&self, mut i: usize) -> usize {
        for (w, &bits) in self.words.iter().enumerate() {
            let c = bits.count_ones() as usize;
            if i < c {
                let mut bits = bits;
                for _ in 0..i {
                    bits &= bits - 1;
                }
                return (w << 6) | bits.trailing_zeros() as usize;
            }
            i -= c;
        }
        unreachable!("fewer present values than a cursor counts below it")
    }

    /// The next value enters the bitset: its rank.
    #[inline(always)]
    fn enter(&mut self) -> usize {
        if self.next_in == self.base + 2 * self.b {
            self.advance();
        }
        let r = self.rank_of[self.next_in - self.base] as usize;
        self.next_in += 1;
        self.words[r >> 6] |= 1 << (r & 63);
        r
    }

    /// The oldest value leaves the bitset: its rank.
    #[inline(always)]
    fn leave(&mut self) -> usize {
        let r = self.rank_of[self.next_out - self.base] as usize;
        self.next_out += 1;
        self.words[r >> 6] &= !(1 << (r & 63));
        r
    }
}

impl RankCursors for BlockRank<'_> {
    #[inline(always)]
    fn cursors(&mut self) -> &mut [Cursor; 2] {
        &mut self.cursors
    }

    #[inline(always)]
    fn next_set(&self, from: usize) -> Option<usize> {
        let mut w = from >> 6;
        if w >= self.words.len() {
            return None;
        }
        let mut bits = self.words[w] & (!0u64 << (from & 63));
        loop {
            if bits != 0 {
                return Some((w << 6) | bits.trailing_zeros() as usize);
            }
            w += 1;
            if w >= self.words.len() {
                return None;
            }
            bits = self.words[w];
        }
    }

    #[inline(always)]
    fn prev_set(&self, from: usize) -> Option<usize> {
        let mut w = from >> 6;
        let mut bits = self.words[w] & (!0u64 >> (63 - (from & 63)));
        loop {
            if bits != 0 {
                return Some((w << 6) | (63 - bits.leading_zeros() as usize));
            }
            if w == 0 {
                return None;
            }
            w -= 1;
            bits = self.words[w];
        }
    }
}

impl OrderIndex for BlockRank<'_> {
    fn values_hint(&self) -> usize {
        self.values.len()
    }

    #[inline(always)]
    fn insert(&mut self, _x: f64) {
        let r = self.enter();
        self.len += 1;
        self.entered(r);
    }

    /// One step of a full window in one pass over the cursors.
    #[inline(always)]
    fn replace(&mut self, old: f64, new: f64) {
        if self.next_in == self.base + 2 * self.b {
            self.remove(old);
            return self.insert(new);
        }
        // Set the new bit first: a cursor on the leaving value may move onto the new one.
        let rn = self.enter();
        let ro = self.leave();
        self.stepped(rn, ro);
    }

    #[inline(always)]
    fn remove(&mut self, _x: f64) -> bool {
        let r = self.leave();
        self.len -= 1;
        self.left(r, self.len);
        true
    }

    #[inline(always)]
    fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    fn select(&mut self, i: usize) -> f64 {
        let r = self.seek(i);
        self.sorted[r]
    }

    #[inline(always)]
    fn select_pair(&mut self, i: usize) -> (f64, f64) {
        let r = self.seek(i);
        let next = self.next_set(r + 1).unwrap_or(r);
        (self.sorted[r], self.sorted[next])
    }
}

/// Put `r`, sorted by the upper 24 bits of its keys, in the order of its full keys (equal
/// keys keep their order). One insertion pass over the whole array moves elements only within
/// the runs that share those bits (short for most data: one comparison per element); past a
/// budget of moves (long runs: values close together), each run is sorted on its own.
fn order_runs_by_key(r: &mut [(u64, u32)]) {
    const SHIFT: u32 = 40;
    let n = r.len();
    let mut budget = 4 * n;
    for a in 1..n {
        let e = r[a];
        if r[a - 1].0 <= e.0 {
            continue;
        }
        let mut c = a;
        while c > 0 && r[c - 1].0 > e.0 {
            r[c] = r[c - 1];
            c -= 1;
        }
        r[c] = e;
        budget = budget.saturating_sub(a - c);
        if budget == 0 {
            break;
        }
    }
    if budget > 0 {
        return;
    }
    let mut i = 0;
    while i < n {
        let top = r[i].0 >> SHIFT;
        let mut j = i + 1;
        while j < n && r[j].0 >> SHIFT == top {
            j += 1;
        }
        r[i..j].sort_by_key(|e| e.0);
        i = j;
    }
}

/// `a` if `take_a`, else `b`, by masks: the compiler turns an `if` here into a branch,
/// which a merge mispredicts at about every other step.
#[inline(always)]
fn choose(take_a: bool, a: (u64, u32), b: (u64, u32)) -> (u64, u32) {
    let m = u64::from(take_a).wrapping_neg();
    let m32 = m as u32;
    ((a.0 & m) | (b.0 & !m), (a.1 & m32) | (b.1 & !m32))
}

/// Radix sort of `packed` (a block's keys, positions in the low bits) by their bits 40..64, stable, in three passes.
fn radix(packed: &mut Vec<u64>, spare: &mut Vec<u64>) {
    let n = packed.len();
    const SHIFT: u32 = 40;
    let mut hist = [[0u32; 256]; 3];
    for &e in packed.iter() {
        hist[0][((e >> SHIFT) & 255) as usize] += 1;
        hist[1][((e >> (SHIFT + 8)) & 255) as usize] += 1;
        hist[2][(e >> (SHIFT + 16)) as usize] += 1;
    }
    spare.resize(n, 0);
    for (d, h) in hist.iter().enumerate() {
        if h.iter().any(|&c| c as usize == n) {
            continue;
        }
        let mut at = [0u32; 256];
        let mut sum = 0;
        for (a, &c) in at.iter_mut().zip(h) {
            *a = sum;
            sum += c;
        }
        let shift = SHIFT + 8 * d as u32;
        for &e in packed.iter() {
            let digit = ((e >> shift) & 255) as usize;
            spare[at[digit] as usize] = e;
            at[digit] += 1;
        }
        std::mem::swap(packed, spare);
    }
}

/// Ranks of `values` (ties broken by position) and their keys in sorted order.
///
/// An LSD radix sort (11-bit digits) of the upper 32 bits of each key, packed with the value's
/// position into one u64 and carrying the lower 32 bits alongside: at most three passes of
/// 12 bytes a value, and no random gather afterwards (the gather of keys by position alone
/// cost a third of the time). Runs that share their upper 32 bits (values within ~1e-6
/// relative of each other) are then ordered by their lower bits: in place by insertion when
/// short (most are), else by a comparison sort.
///
/// From [`PARALLEL_MIN`] values on, when `fork` has two threads or more, each pass runs on
/// two of them over the two halves of the array (each half's histogram gives it disjoint,
/// stable output ranges): ranking is most of the cost of a rolling quantile over a long
/// column, and this halves it on two cores. The threads are `fork`'s (the expressions pass
/// Polars' pool, so `POLARS_MAX_THREADS` applies); none are started here.
pub fn rank(values: &[f64], fork: &impl Fork) -> (Vec<u32>, Vec<u64>) {
    const BITS: u32 = 11;
    const MASK: u64 = (1 << BITS) - 1;
    let m = values.len();
    let parts = if m >= PARALLEL_MIN && fork.threads() >= 2 {
        2
    } else {
        1
    };
    let mut packed = big_vec(m, 0u64);
    let mut low = big_vec(m, 0u32);
    {
        let (pk, lw) = (Shared(packed.as_mut_ptr()), Shared(low.as_mut_ptr()));
        both(fork, parts, m, |lo, hi| {
            for (j, &x) in values[lo..hi].iter().enumerate() {
                let k = key(x);
                // SAFETY: each part writes its own index range [lo, hi) of the two vectors.
                unsafe {
                    pk.write(lo + j, (k & !0xFFFF_FFFF) | (lo + j) as u64);
                    lw.write(lo + j, k as u32);
                }
            }
        });
    }
    let mut packed2 = big_vec(m, 0u64);
    let mut low2 = big_vec(m, 0u32);
    for d in 0..3u32 {
        let shift = 32 + BITS * d;
        // Per-part histograms of this digit, then stable output offsets: bucket by bucket,
        // part 0's values before part 1's.
        let mut hists = [[0usize; 1 << BITS]; 2];
        {
            let hs = Shared(hists.as_mut_ptr());
            let src = &packed;
            both(fork, parts, m, |lo, hi| {
                let mut h = [0usize; 1 << BITS];
                for &p in &src[lo..hi] {
                    h[((p >> shift) & MASK) as usize] += 1;
                }
                // SAFETY: part `t` writes only `hists[t]`.
                unsafe { hs.write(usize::from(lo > 0), h) };
            });
        }
        if hists[0].iter().zip(&hists[1]).any(|(a, b)| a + b == m) {
            continue;
        }
        let mut offsets = [[0usize; 1 << BITS]; 2];
        let mut sum = 0;
        for b in 0..1 << BITS {
            offsets[0][b] = sum;
            offsets[1][b] = sum + hists[0][b];
            sum += hists[0][b] + hists[1][b];
        }
        {
            let (dp, dl) = (Shared(packed2.as_mut_ptr()), Shared(low2.as_mut_ptr()));
            let (sp, sl) = (&packed, &low);
            both(fork, parts, m, |lo, hi| {
                let mut at = offsets[usize::from(lo > 0)];
                for (&p, &l) in sp[lo..hi].iter().zip(&sl[lo..hi]) {
                    let b = ((p >> shift) & MASK) as usize;
                    // SAFETY: the offsets give every value its own slot, and the two parts
                    // disjoint slots (part 1 starts where part 0's bucket ends).
                    unsafe {
                        dp.write(at[b], p);
                        dl.write(at[b], l);
                    }
                    at[b] += 1;
                }
            });
        }
        std::mem::swap(&mut packed, &mut packed2);
        std::mem::swap(&mut low, &mut low2);
    }
    // Order the runs of equal upper halves by the lower halves; on two threads, split at a
    // run boundary near the middle.
    if parts == 2 {
        let mut split = m / 2;
        while split < m && packed[split] >> 32 == packed[split - 1] >> 32 {
            split += 1;
        }
        let (p0, p1) = packed.split_at_mut(split);
        let (l0, l1) = low.split_at_mut(split);
        fork.join(|| order_runs(p0, l0), || order_runs(p1, l1));
    } else {
        order_runs(&mut packed, &mut low);
    }
    // The spare buffers of the last pass take the ranks and the sorted keys (fresh ones cost
    // their page faults and a fill again).
    let (mut ranks, mut sorted) = (low2, packed2);
    {
        let (rk, so) = (Shared(ranks.as_mut_ptr()), Shared(sorted.as_mut_ptr()));
        let (pk, lw) = (&packed, &low);
        both(fork, parts, m, |lo, hi| {
            for r in lo..hi {
                let (p, l) = (pk[r], lw[r]);
                // SAFETY: ranks are a permutation (each position written once, by the part
                // holding its rank); `sorted` is written at this part's own ranks.
                unsafe {
                    rk.write((p & 0xFFFF_FFFF) as usize, r as u32);
                    so.write(r, (p & !0xFFFF_FFFF) | l as u64);
                }
            }
        });
    }
    (ranks, sorted)
}

/// Order the runs of equal upper key halves by their lower halves (stable: positions ascend):
/// in place by insertion when short (most are), else by a comparison sort.
fn order_runs(packed: &mut [u64], low: &mut [u32]) {
    let m = packed.len();
    let mut start = 0;
    while start < m {
        let hi = packed[start] >> 32;
        let mut end = start + 1;
        while end < m && packed[end] >> 32 == hi {
            end += 1;
        }
        if end - start <= 16 {
            for i in start + 1..end {
                let (l, p) = (low[i], packed[i]);
                let mut j = i;
                while j > start && low[j - 1] > l {
                    low[j] = low[j - 1];
                    packed[j] = packed[j - 1];
                    j -= 1;
                }
                low[j] = l;
                packed[j] = p;
            }
        } else if low[start..end].windows(2).any(|w| w[0] > w[1]) {
            let mut run: Vec<(u32, u64)> = low[start..end]
                .iter()
                .copied()
                .zip(packed[start..end].iter().copied())
                .collect();
            run.sort_unstable_by_key(|&(l, p)| (l, p & 0xFFFF_FFFF));
            for (i, (l, p)) in run.into_iter().enumerate() {
                low[start + i] = l;
                packed[start + i] = p;
            }
        }
        start = end;
    }
}

/// Columns from this many values on are ranked on two threads.
pub const PARALLEL_MIN: usize = 1 << 20;

/// A raw pointer that may cross to the other thread of [`both`]; every use writes slots no
/// other part touches.
#[derive(Clone, Copy)]
struct Shared<T>(*mut T);

// SAFETY: only used inside `rank`, where the two parts write disjoint slots.
unsafe impl<T> Send for Shared<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Shared<T> {}

impl<T> Shared<T> {
    /// # Safety
    /// `i` is in bounds and no other thread reads or writes slot `i` meanwhile.
    #[inline(always)]
    unsafe fn write(self, i: usize, v: T) {
        unsafe { self.0.add(i).write(v) }
    }
}

/// Run `f(lo, hi)` over `[0, m)` as one part, or as two halves on two threads.
fn both(fork: &impl Fork, parts: usize, m: usize, f: impl Fn(usize, usize) + Sync) {
    if parts == 1 {
        f(0, m);
        return;
    }
    let mid = m / 2;
    fork.join(|| f(0, mid), || f(mid, m));
}

#[cfg(test)]
mod rank_tests {
    use super::*;
    use crate::core::parallel::{OneThread, TwoThreads};

    /// A linear congruential generator from `seed`: its upper 31 bits per call.
    fn lcg(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        }
    }

    /// `rank` gives what a stable sort by key gives: ranks by position, keys in order.
    fn assert_ranked(xs: &[f64]) {
        let (ranks, keys) = rank(xs, &OneThread);
        // On two threads (from PARALLEL_MIN values on): the same ranks and keys.
        assert_eq!(rank(xs, &TwoThreads), (ranks.clone(), keys.clone()));
        let mut order: Vec<usize> = (0..xs.len()).collect();
        order.sort_by(|&a, &b| key(xs[a]).cmp(&key(xs[b])).then(a.cmp(&b)));
        for (r, &j) in order.iter().enumerate() {
            assert_eq!(ranks[j] as usize, r);
            assert_eq!(keys[r], key(xs[j]));
        }
    }

    #[test]
    fn rank_index_matches_sorted_multiset_on_a_sliding_window() {
        let mut rnd = lcg(7);
        for (n, w, spread) in [
            (3000usize, 1usize, 50u64),
            (3000, 7, 5),
            (5000, 300, 1000),
            (9000, 4000, 1 << 30),
            (500, 10_000, 3),
        ] {
            let xs: Vec<f64> = (0..n)
                .map(|_| (rnd() % spread) as f64 - (spread / 2) as f64)
                .collect();
            let mut fast = RankIndex::new(&xs, &OneThread);
            let mut small = SmallSorted::default();
            let mut slow = SortedMultiset::new();
            for t in 0..n {
                if t >= w {
                    // Alternate the fused step with remove + insert.
                    if t % 2 == 0 {
                        fast.replace(xs[t - w], xs[t]);
                        small.replace(xs[t - w], xs[t]);
                    } else {
                        OrderIndex::remove(&mut fast, xs[t - w]);
                        assert!(OrderIndex::remove(&mut small, xs[t - w]));
                        OrderIndex::insert(&mut fast, xs[t]);
                        OrderIndex::insert(&mut small, xs[t]);
                    }
                    assert!(slow.remove(xs[t - w]));
                } else {
                    OrderIndex::insert(&mut fast, xs[t]);
                    OrderIndex::insert(&mut small, xs[t]);
                }
                slow.insert(xs[t]);
                let len = OrderIndex::len(&slow);
                assert_eq!(OrderIndex::len(&fast), len);
                for i in [0, len / 4, len / 2, len / 2 + 1, (3 * len) / 4, len - 1] {
                    if i < len {
                        assert_eq!(
                            fast.select(i),
                            OrderIndex::select(&mut slow, i),
                            "n={n} w={w} t={t} i={i}"
                        );
                    }
                }
            }
        }
    }

    /// Arrays sorted by the upper 24 bits of their keys (ties by position, as the radix sort
    /// leaves them) end in the order of a stable sort by full key: short runs (one insertion
    /// pass) and long ones (values close together: past the budget, runs sorted one by one).
    #[test]
    fn runs_end_in_full_key_order() {
        let mut next = lcg(3);
        let mut rnd = move || next() as f64 / (1u64 << 31) as f64;
        for (n, centre, spread) in [
            (1024usize, 0.0, 3.0),
            (1024, 1000.0, 1e-9),
            (1000, 1.0, 1e-12),
            (700, -5.0, 1e-3),
            (3, 0.0, 1.0),
            (1, 0.0, 1.0),
            (0, 0.0, 1.0),
        ] {
            let xs: Vec<f64> = (0..n).map(|_| centre + spread * (rnd() - 0.5)).collect();
            let mut r: Vec<(u64, u32)> = (0..n).map(|p| (key(xs[p]), p as u32)).collect();
            r.sort_by_key(|e| (e.0 >> 40, e.1));
            let mut want = r.clone();
            want.sort_by_key(|e| e.0);
            order_runs_by_key(&mut r);
            assert_eq!(r, want, "n={n} centre={centre} spread={spread}");
        }
    }

    /// The block-ranked index against the multiset on sliding windows, blocks advancing many
    /// times: fused steps and remove + insert, windows filling and emptying, ties, values
    /// close together (long runs in the block sort), and two quantiles at once.
    #[test]
    fn block_rank_matches_sorted_multiset_on_a_sliding_window() {
        let mut rnd = lcg(11);
        for (n, w, kind) in [
            (3000usize, 1usize, 0),
            (3000, 7, 0),
            (5000, 300, 1),
            (9000, 1000, 2),
            (6000, 1024, 1),
            (3000, 2000, 0),
            (4000, 50, 1),
            (4000, 100, 1),
            (300, 1000, 2),
        ] {
            let xs: Vec<f64> = (0..n)
                .map(|_| match kind {
                    0 => (rnd() % 5) as f64,
                    1 => 1000.0 + (rnd() % 100_000) as f64 * 1e-12,
                    _ => (rnd() % (1 << 30)) as f64 - (1 << 29) as f64,
                })
                .collect();
            let mut fast = BlockRank::new(xs.clone(), w);
            let mut slow = SortedMultiset::new();
            for t in 0..n {
                if t >= w {
                    if t % 3 == 0 {
                        OrderIndex::remove(&mut fast, xs[t - w]);
                        OrderIndex::insert(&mut fast, xs[t]);
                    } else {
                        fast.replace(xs[t - w], xs[t]);
                    }
                    assert!(slow.remove(xs[t - w]));
                } else {
                    OrderIndex::insert(&mut fast, xs[t]);
                }
                slow.insert(xs[t]);
                let len = OrderIndex::len(&slow);
                assert_eq!(OrderIndex::len(&fast), len);
                for i in [len / 4, len / 2, 0, (3 * len) / 4, len - 1] {
                    assert_eq!(
                        fast.select(i),
                        OrderIndex::select(&mut slow, i),
                        "n={n} w={w} t={t} i={i}"
                    );
                }
                if len >= 2 {
                    let i = (len - 1) / 2;
                    let pair = (
                        OrderIndex::select(&mut slow, i),
                        OrderIndex::select(&mut slow, i + 1),
                    );
                    assert_eq!(fast.select_pair(i), pair, "pair n={n} w={w} t={t}");
                }
            }
            // Empty the window, then fill it again.
            let mut fast = BlockRank::new(xs.clone(), w);
            let mut slow = SortedMultiset::new();
            let (mut out, mut t) = (0, 0);
            while t < n {
                let fill = (rnd() as usize % w) + 1;
                while t < n && OrderIndex::len(&slow) < fill {
                    OrderIndex::insert(&mut fast, xs[t]);
                    slow.insert(xs[t]);
                    t += 1;
                }
                let keep = rnd() as usize % fill;
                while OrderIndex::len(&slow) > keep {
                    OrderIndex::remove(&mut fast, xs[out]);
                    assert!(slow.remove(xs[out]));
                    out += 1;
                    let len = OrderIndex::len(&slow);
                    if len > 0 {
                        assert_eq!(fast.select(len / 2), OrderIndex::select(&mut slow, len / 2));
                    }
                }
            }
        }
    }

    #[test]
    fn ranks_sort_like_the_standard_library() {
        let xs = [
            3.0,
            -1.0,
            f64::NAN,
            0.0,
            -0.0,
            3.0,
            f64::INFINITY,
            -2.5,
            1e-300,
            f64::NEG_INFINITY,
        ];
        assert_ranked(&xs);
    }

    #[test]
    fn ranks_of_many_values_with_ties_and_long_runs() {
        let mut seed = 3u64;
        let mut rnd = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 11
        };
        let many: Vec<f64> = (0..200_000)
            .map(|i| match i % 4 {
                0 => (rnd() % 1000) as f64 - 500.0,
                1 => ((rnd() as f64) / (1u64 << 53) as f64 - 0.5) * 1e-3,
                2 => 1.0 + (rnd() % 100_000) as f64 * 1e-12,
                _ => f64::from_bits(rnd() << 11),
            })
            .collect();
        assert_ranked(&many);
    }

    #[test]
    fn parallel_ranking_equals_sequential_order() {
        let n = PARALLEL_MIN + 12_345;
        let mut seed = 11u64;
        let xs: Vec<f64> = (0..n)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((seed >> 40) % 5000) as f64 * 0.37 - 900.0
            })
            .collect();
        assert_ranked(&xs);
    }
}
