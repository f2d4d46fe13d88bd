//! The generic sweep: feed a run of values (with an optional validity mask) through a
//! statistic, collecting each row's output. Monomorphised per statistic, so `update` is
//! inlined and the null-free loop carries no null checks.

use std::mem::MaybeUninit;

use super::Kernel;

/// Row outputs: values plus an Arrow-layout validity bitmap (LSB first). Validity bits are
/// gathered 64 at a time in a register, so recording a row costs a store and two bit ops.
#[derive(Debug, Default)]
pub struct Running {
    pub values: Vec<f64>,
    /// Completed 64-row validity words.
    words: Vec<u64>,
    /// Validity bits of the rows after the last completed word.
    word: u64,
}

impl Running {
    pub fn with_capacity(n: usize) -> Self {
        let values = Vec::with_capacity(n);
        advise_huge_pages(&values);
        Running {
            values,
            words: Vec::with_capacity(n.div_ceil(64)),
            word: 0,
        }
    }

    /// Record the outputs of an exact-size run of rows.
    #[inline(always)]
    pub fn extend(&mut self, outputs: impl ExactSizeIterator<Item = Option<f64>>) {
        let n = outputs.len();
        let start = self.values.len();
        self.values.reserve(n);
        self.words
            .reserve((start + n).div_ceil(64) - self.words.len());
        let spare = &mut self.values.spare_capacity_mut()[..n];
        let mut outputs = outputs;
        // Rows up to the next word boundary go into the partial word...
        let head = ((64 - start % 64) % 64).min(n);
        let mut word = self.word;
        for (i, (slot, y)) in spare[..head].iter_mut().zip(&mut outputs).enumerate() {
            slot.write(y.unwrap_or(0.0));
            word |= (y.is_some() as u64) << (start % 64 + i);
        }
        if head > 0 && (start + head).is_multiple_of(64) {
            self.words.push(word);
            word = 0;
        }
        // ...then whole words of 64 rows, each gathered in a register. (No `Vec::push` in
        // this loop: a possible call would keep the statistic's state out of registers.)
        let body = &mut spare[head..];
        let full = body.len() / 64;
        let words_start = self.words.len();
        let word_slots = &mut self.words.spare_capacity_mut()[..full];
        for (block, word_slot) in body.chunks_exact_mut(64).zip(word_slots.iter_mut()) {
            let mut w = 0u64;
            for (i, (slot, y)) in block.iter_mut().zip(&mut outputs).enumerate() {
                slot.write(y.unwrap_or(0.0));
                w |= (y.is_some() as u64) << i;
            }
            word_slot.write(w);
        }
        // SAFETY: the first `full` spare word slots were initialised above.
        unsafe { self.words.set_len(words_start + full) };
        let tail = &mut body[full * 64..];
        if !tail.is_empty() {
            word = 0;
            for (i, (slot, y)) in tail.iter_mut().zip(&mut outputs).enumerate() {
                slot.write(y.unwrap_or(0.0));
                word |= (y.is_some() as u64) << i;
            }
        }
        self.word = word;
        // SAFETY: `outputs` is exact-size, so all `n` spare slots were initialised above.
        unsafe { self.values.set_len(start + n) };
    }

    /// Record a run of valid outputs: the values in one pass that the compiler can
    /// vectorise, then their validity bits a word at a time.
    #[inline(always)]
    pub fn extend_valid(&mut self, values: impl ExactSizeIterator<Item = f64>) {
        let start = self.values.len();
        self.values.extend(values);
        self.mark_valid(start);
    }

    /// Room for `n` more rows, to be written through the slice returned; they count once
    /// [`Running::commit_valid`] records them.
    #[inline(always)]
    pub fn spare_rows(&mut self, n: usize) -> &mut [MaybeUninit<f64>] {
        self.values.reserve(n);
        &mut self.values.spare_capacity_mut()[..n]
    }

    /// Record the first `n` rows of [`Running::spare_rows`] as valid outputs.
    ///
    /// # Safety
    /// All `n` of them must have been written.
    #[inline(always)]
    pub unsafe fn commit_valid(&mut self, n: usize) {
        let start = self.values.len();
        // SAFETY: the caller wrote the `n` spare rows, and `spare_rows` reserved them.
        unsafe { self.values.set_len(start + n) };
        self.mark_valid(start);
    }

    /// Validity bits for the rows from `start` to the end, all valid.
    #[inline(always)]
    fn mark_valid(&mut self, start: usize) {
        let end = self.values.len();
        let mut word = self.word;
        let mut row = start;
        while row < end {
            let bit = row % 64;
            let take = (64 - bit).min(end - row);
            word |= (u64::MAX >> (64 - take)) << bit;
            row += take;
            if row.is_multiple_of(64) {
                self.words.push(word);
                word = 0;
            }
        }
        self.word = word;
    }

    #[inline(always)]
    pub fn push(&mut self, v: Option<f64>) {
        self.extend(std::iter::once(v));
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn null_count(&self) -> usize {
        let full: usize = self.words.iter().map(|w| w.count_zeros() as usize).sum();
        let tail = self.len() % 64;
        full + (tail - self.word.count_ones() as usize)
    }

    /// `(values, validity bitmap bytes or None when every row is valid)`.
    pub fn into_parts(self) -> (Vec<f64>, Option<Vec<u8>>) {
        if self.null_count() == 0 {
            return (self.values, None);
        }
        let len = self.values.len();
        let mut bytes: Vec<u8> = self.words.iter().flat_map(|w| w.to_le_bytes()).collect();
        bytes.extend(self.word.to_le_bytes());
        bytes.truncate(len.div_ceil(8));
        (self.values, Some(bytes))
    }

    /// The outputs as options (for tests and small conversions).
    pub fn to_options(&self) -> Vec<Option<f64>> {
        (0..self.len())
            .map(|i| {
                let word = self.words.get(i / 64).copied().unwrap_or(self.word);
                (word >> (i % 64) & 1 == 1).then_some(self.values[i])
            })
            .collect()
    }
}

/// Row outputs recorded one at a time but handed to [`Running::extend`] 256 at a time (it is
/// fastest on runs; fed row by row, the loop calling it kept its state out of registers).
/// Flushed when dropped.
pub struct Buffered<'a> {
    out: &'a mut Running,
    buf: [Option<f64>; 256],
    filled: usize,
}

impl<'a> Buffered<'a> {
    pub fn new(out: &'a mut Running) -> Self {
        Buffered {
            out,
            buf: [None; 256],
            filled: 0,
        }
    }

    #[inline(always)]
    pub fn push(&mut self, y: Option<f64>) {
        self.buf[self.filled] = y;
        self.filled += 1;
        if self.filled == self.buf.len() {
            self.out.extend(self.buf.iter().copied());
            self.filled = 0;
        }
    }
}

impl Drop for Buffered<'_> {
    fn drop(&mut self) {
        self.out.extend(self.buf[..self.filled].iter().copied());
    }
}

/// Ask Linux to back a large output buffer with transparent huge pages. Writing a fresh
/// 80 MB output otherwise costs ~20 000 page faults, measured at ~3 ns per row on the
/// project's VM, more than the statistic itself; with huge pages it is ~0.7 ns per row.
/// Only advice: where THP is off, or on other systems, nothing changes.
pub(crate) fn advise_huge_pages<T>(v: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 1 << 21;
        let bytes = v.capacity() * std::mem::size_of::<T>();
        if bytes >= 4 * HUGE {
            let start = (v.as_ptr() as usize).next_multiple_of(HUGE);
            let end = (v.as_ptr() as usize + bytes) & !(HUGE - 1);
            if end > start {
                // SAFETY: the range lies inside the allocation of `v`; MADV_HUGEPAGE changes
                // no contents and cannot fail in a way that matters (errors are ignored).
                unsafe {
                    libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE)
                };
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// A vector of `n` copies of `fill`, advised onto huge pages before its first write (see
/// [`advise_huge_pages`]): for the large scratch arrays of whole-column algorithms.
pub(crate) fn big_vec<T: Copy>(n: usize, fill: T) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    advise_huge_pages(&v);
    v.resize(n, fill);
    v
}

/// Run `f` on the statistic, through a local copy when the statistic asks for it.
#[inline(always)]
pub(crate) fn in_loop<S: Kernel>(stat: &mut S, f: impl FnOnce(&mut S)) {
    if S::COPY_INTO_LOOPS {
        let mut local = stat.clone();
        f(&mut local);
        *stat = local;
    } else {
        f(stat);
    }
}

/// Feed `values` (all non-null) and record each row's output.
#[inline]
pub fn run_dense<S: Kernel>(stat: &mut S, values: &[f64], out: &mut Running) {
    in_loop(stat, |s| s.run_dense(values, out));
}

/// Feed `values` whose row `i` is null where `is_valid(i)` is false; record the outputs.
#[inline]
pub fn run_masked<S: Kernel>(
    stat: &mut S,
    values: &[f64],
    is_valid: impl Fn(usize) -> bool,
    out: &mut Running,
) {
    in_loop(stat, |s| {
        out.extend(
            values
                .iter()
                .enumerate()
                .map(|(i, &x)| s.update(is_valid(i).then_some(x))),
        )
    });
}

/// Feed `values` (all non-null) without recording outputs. Not inlined: as a function of
/// its own its loop keeps the state in registers (inlined into `feed_series` it did not,
/// and ran at half speed).
#[inline(never)]
pub fn feed_dense<S: Kernel>(stat: &mut S, values: &[f64]) {
    in_loop(stat, |s| s.feed_run(values));
}

/// Feed `values` with a validity test, without recording outputs.
#[inline(never)]
pub fn feed_masked<S: Kernel>(stat: &mut S, values: &[f64], is_valid: impl Fn(usize) -> bool) {
    in_loop(stat, |s| {
        for (i, &x) in values.iter().enumerate() {
            s.update(is_valid(i).then_some(x));
        }
    });
}

/// Convenience for tests and small inputs: run a statistic over options.
pub fn run_options<S: Kernel>(stat: &mut S, xs: &[Option<f64>]) -> Vec<Option<f64>> {
    xs.iter().map(|&x| stat.update(x)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs of valid outputs between runs with nulls, at every offset in a word: the same
    /// values and validity as pushing each output.
    #[test]
    fn extend_valid_is_extend_of_values() {
        for lead in [0usize, 1, 5, 63, 64, 65, 130] {
            for run in [0usize, 1, 2, 63, 64, 65, 127, 128, 200] {
                let mut fast = Running::default();
                let mut slow = Running::default();
                let head: Vec<Option<f64>> = (0..lead)
                    .map(|i| (i % 3 == 0).then_some(i as f64))
                    .collect();
                fast.extend(head.iter().copied());
                slow.extend(head.iter().copied());
                fast.extend_valid((0..run).map(|i| i as f64 + 0.5));
                slow.extend((0..run).map(|i| Some(i as f64 + 0.5)));
                fast.push(None);
                slow.push(None);
                fast.extend_valid((0..3).map(|i| -(i as f64)));
                slow.extend((0..3).map(|i| Some(-(i as f64))));
                assert_eq!(
                    fast.to_options(),
                    slow.to_options(),
                    "lead {lead} run {run}"
                );
                assert_eq!(fast.null_count(), slow.null_count());
                assert_eq!(fast.into_parts(), slow.into_parts());
            }
        }
    }

    #[test]
    fn running_validity_is_lazy_and_correct() {
        for first_null in [0usize, 1, 7, 8, 9, 15, 16, 17] {
            let mut r = Running::with_capacity(4);
            let mut expected = Vec::new();
            for i in 0..40 {
                let v = if i == first_null || (i > first_null && i % 3 == 0) {
                    None
                } else {
                    Some(i as f64)
                };
                r.push(v);
                expected.push(v);
            }
            assert_eq!(r.to_options(), expected, "first null at {first_null}");
            let mut bulk = Running::with_capacity(1);
            bulk.extend(expected[..13].iter().copied());
            bulk.extend(expected[13..].iter().copied());
            assert_eq!(bulk.to_options(), expected);
            assert_eq!(
                r.null_count(),
                expected.iter().filter(|v| v.is_none()).count()
            );
            let (values, bits) = r.into_parts();
            let bits = bits.expect("has nulls");
            assert_eq!(bits.len(), 40usize.div_ceil(8));
            for (i, e) in expected.iter().enumerate() {
                assert_eq!(bits[i / 8] >> (i % 8) & 1 == 1, e.is_some());
                if let Some(e) = e {
                    assert_eq!(values[i], *e);
                }
            }
        }
        let mut r = Running::default();
        r.push(Some(1.0));
        assert!(r.into_parts().1.is_none());
    }
}
