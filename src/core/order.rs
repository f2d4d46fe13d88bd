//! An order-statistic multiset of floats: insert, remove and "k-th smallest" in O(log n)
//! (plus a bounded memmove), used by the exact quantiles.
//!
//! Layout: a list of sorted blocks of at most `2 * BLOCK` keys, the largest key of each block
//! (to find a key's block by binary search) and a Fenwick tree over the block lengths (to find
//! the block holding rank `k`). Small sets are one contiguous sorted block, which is the
//! fastest structure at small windows; large ones cost two binary searches, a memmove of at
//! most `2 * BLOCK` keys and a walk of the Fenwick tree per operation, with no allocation in
//! the steady state.
//!
//! Values are stored as `u64` keys whose unsigned order is the float order with NaN above
//! +inf (Polars' order for quantiles) and -0.0 equal to +0.0.

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
