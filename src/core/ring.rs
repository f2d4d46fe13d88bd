//! The order statistics of a small sliding window (at most [`RING_MAX`] values), with no
//! branch that depends on the data: the sweep behind the rolling quantiles of small windows.
//!
//! A sorted array ([`SmallSorted`](super::order::SmallSorted)) moves the keys between the
//! leaving value and the entering one, a loop whose exit mispredicts about once per row
//! (most of its ~25 ns per row at W = 10). Here the window's values stay in arrival order,
//! in the lanes of a few AVX2 registers, each beside its *rank* (its position in sorted
//! order; equal values rank by age, the oldest first). One row of a full window replaces
//! the oldest value `old`, in lane `s`, by `x`, in lane-parallel compares and adds only:
//!
//! - every other value `y` moves down one rank if it ranked above `old` (`y >= old`: `old`
//!   is the oldest, so it ranks first among its equals) and up one if it ranks above `x`
//!   (`y > x`: `x` is the newest, so it ranks last among its equals);
//! - `x` takes lane `s`, with rank `n - 1 -` (the count of the others above `x`);
//! - the `i`-th smallest value is the sum, over the lanes, of each value masked by
//!   "its rank is `i`": exactly one lane is that value, the others are `+0.0` (and the sum
//!   starts from `+0.0`, so a `-0.0` comes out as `+0.0`, as the sorted keys decode it).
//!
//! That is 3-5 vector operations per four values and row (W = 10: ~10 ns per row against
//! ~25 for the sorted array, measured). The order is the one of the sorted keys (NaN
//! excepted: a run with a NaN takes the sorted array), and the values come out as the keys
//! decode them, so a sweep's outputs are those of the sorted array,
//! bit for bit. Only for x86-64 with AVX2 (checked at run time); elsewhere the callers
//! keep the sorted array.

use std::mem::MaybeUninit;

use super::quantile::Select;

/// The largest window the ring holds (eight AVX2 registers of values). Measured against the
/// sorted array: 10 vs 29 ns per row at W = 10, 25 vs 44 at W = 32; room for 64 values
/// measured slower at every size (the compiler no longer keeps the lanes in registers).
pub const RING_MAX: usize = 32;

/// What a sweep outputs for each row, from the window's order statistics.
pub trait RowOutput {
    fn eval<S: Select>(&self, sel: &mut S) -> f64;
}

/// Slide a full window of `n` rows over `values`: the window starts as `values[..n]`, and
/// row `t` (`t >= n`) replaces `values[t - n]` by `values[t]` and writes
/// `output.eval(window)` to `dst[t - n]`. Returns false, having written nothing, where the
/// ring does not apply: `n` outside `1..=RING_MAX`, `dst` not `values.len() - n` long, a
/// NaN among the values, a CPU without AVX2, or subnormals flushed to zero
/// ([`subnormals_kept`]).
pub fn slide(
    values: &[f64],
    n: usize,
    output: &impl RowOutput,
    dst: &mut [MaybeUninit<f64>],
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if (1..=RING_MAX).contains(&n)
        && values.len() >= n
        && dst.len() == values.len() - n
        && std::arch::is_x86_feature_detected!("avx2")
        && subnormals_kept()
        && !has_nan(values)
    {
        #[cfg(test)]
        RUNS.with(|runs| runs.set(runs.get() + 1));
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe {
            match n.div_ceil(4) {
                1 => slide_avx2::<1>(values, n, output, dst),
                2 => slide_avx2::<2>(values, n, output, dst),
                3 => slide_avx2::<3>(values, n, output, dst),
                4 => slide_avx2::<4>(values, n, output, dst),
                5 => slide_avx2::<5>(values, n, output, dst),
                6 => slide_avx2::<6>(values, n, output, dst),
                7 => slide_avx2::<7>(values, n, output, dst),
                _ => slide_avx2::<8>(values, n, output, dst),
            }
        };
        return true;
    }
    let _ = (values, n, output, dst);
    false
}

// Runs of [`slide`] on this thread (the tests check that the ring did run).
#[cfg(test)]
thread_local! {
    pub(crate) static RUNS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether the floating-point unit keeps subnormals: neither treats subnormal inputs as zero
/// (DAZ) nor flushes subnormal results to zero (FTZ), flags that some native libraries set
/// when loaded. The ring compares and adds floats, where the sorted array compares integer
/// keys, so under either flag the two would disagree on subnormals.
#[cfg(target_arch = "x86_64")]
fn subnormals_kept() -> bool {
    const DAZ: u32 = 1 << 6;
    const FTZ: u32 = 1 << 15;
    // SAFETY: reading the MXCSR register (SSE, in every x86-64 CPU) has no side effect.
    #[allow(deprecated)]
    let csr = unsafe { std::arch::x86_64::_mm_getcsr() };
    csr & (DAZ | FTZ) == 0
}

/// Whether any value is NaN: 64 values at a time without an early exit, which vectorises.
fn has_nan(values: &[f64]) -> bool {
    values
        .chunks(64)
        .any(|chunk| chunk.iter().fold(false, |nan, x| nan | x.is_nan()))
}

/// The rank of `values[k]` among `values` (equal values by position, the earlier first).
fn rank_of(values: &[f64], k: usize) -> i64 {
    let x = values[k];
    let below = values.iter().filter(|&&y| y < x).count();
    let earlier_equal = values[..k].iter().filter(|&&y| y == x).count();
    (below + earlier_equal) as i64
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn slide_avx2<const USED: usize>(
    values: &[f64],
    n: usize,
    output: &impl RowOutput,
    dst: &mut [MaybeUninit<f64>],
) {
    use std::arch::x86_64::*;
    const VECTORS: usize = RING_MAX / 4;
    let used = USED;
    // Lanes past the window hold NaN (no compare is true for them, so their ranks never
    // move and no count includes them) with rank -1 (never selected).
    let mut lanes = [f64::NAN; RING_MAX];
    let mut ranks = [-1i64; RING_MAX];
    for k in 0..n {
        lanes[k] = values[k];
        ranks[k] = rank_of(&values[..n], k);
    }
    let mut v = [_mm256_setzero_pd(); VECTORS];
    let mut r = [_mm256_setzero_si256(); VECTORS];
    let mut lane_of = [_mm256_setzero_si256(); VECTORS];
    for j in 0..VECTORS {
        v[j] = _mm256_set_pd(
            lanes[4 * j + 3],
            lanes[4 * j + 2],
            lanes[4 * j + 1],
            lanes[4 * j],
        );
        r[j] = _mm256_set_epi64x(
            ranks[4 * j + 3],
            ranks[4 * j + 2],
            ranks[4 * j + 1],
            ranks[4 * j],
        );
        let base = 4 * j as i64;
        lane_of[j] = _mm256_set_epi64x(base + 3, base + 2, base + 1, base);
    }
    let last = n as i64 - 1;
    let mut s = 0i64;
    for ((&x, &old), slot) in values[n..].iter().zip(values).zip(dst) {
        let (xv, ov) = (_mm256_set1_pd(x), _mm256_set1_pd(old));
        // Masks are all ones (-1 as an integer) where true.
        let mut above = _mm256_setzero_si256();
        for j in 0..used {
            let gt = _mm256_castpd_si256(_mm256_cmp_pd::<_CMP_GT_OQ>(v[j], xv));
            let ge = _mm256_castpd_si256(_mm256_cmp_pd::<_CMP_GE_OQ>(v[j], ov));
            r[j] = _mm256_add_epi64(_mm256_sub_epi64(r[j], gt), ge);
            above = _mm256_sub_epi64(above, gt);
        }
        let pair = _mm_add_epi64(
            _mm256_castsi256_si128(above),
            _mm256_extracti128_si256::<1>(above),
        );
        let above = _mm_cvtsi128_si64(pair) + _mm_extract_epi64::<1>(pair) - (old > x) as i64;
        let (rank, here) = (_mm256_set1_epi64x(last - above), _mm256_set1_epi64x(s));
        for j in 0..used {
            let mask = _mm256_cmpeq_epi64(lane_of[j], here);
            v[j] = _mm256_blendv_pd(v[j], xv, _mm256_castsi256_pd(mask));
            r[j] = _mm256_blendv_epi8(r[j], rank, mask);
        }
        s = if s == last { 0 } else { s + 1 };
        let mut select = |i: usize| {
            let want = _mm256_set1_epi64x(i as i64);
            let mut sum = _mm256_setzero_pd();
            for j in 0..used {
                let is = _mm256_castsi256_pd(_mm256_cmpeq_epi64(r[j], want));
                sum = _mm256_add_pd(sum, _mm256_and_pd(is, v[j]));
            }
            let half = _mm_add_pd(_mm256_castpd256_pd128(sum), _mm256_extractf128_pd::<1>(sum));
            _mm_cvtsd_f64(_mm_add_sd(half, _mm_unpackhi_pd(half, half)))
        };
        slot.write(output.eval(&mut select));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::order::{OrderIndex, SmallSorted};

    struct At(usize);
    impl RowOutput for At {
        fn eval<S: Select>(&self, sel: &mut S) -> f64 {
            sel.at(self.0)
        }
    }

    /// Every order statistic of every window, through the ring and through the sorted array.
    fn all_ranks(values: &[f64], n: usize) -> (Vec<u64>, Vec<u64>) {
        let (mut ring, mut sorted) = (vec![], vec![]);
        for i in 0..n {
            let mut dst = vec![MaybeUninit::uninit(); values.len() - n];
            assert!(slide(values, n, &At(i), &mut dst));
            // SAFETY: `slide` returned true, so it wrote every slot.
            ring.extend(dst.iter().map(|y| unsafe { y.assume_init() }.to_bits()));
            let mut set = SmallSorted::default();
            values[..n].iter().for_each(|&x| set.insert(x));
            for (&x, &old) in values[n..].iter().zip(values) {
                set.replace(old, x);
                sorted.push(set.select(i).to_bits());
            }
        }
        (ring, sorted)
    }

    fn has_avx2() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    #[test]
    fn every_rank_equals_the_sorted_array_bit_for_bit() {
        if !has_avx2() {
            return;
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let specials = [
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::MIN_POSITIVE / 3.0,
        ];
        for n in 1..=RING_MAX {
            for ties in [false, true] {
                let values: Vec<f64> = (0..300)
                    .map(|_| {
                        let u = next();
                        match u % 13 {
                            0 => specials[(u >> 8) as usize % specials.len()],
                            _ if ties => ((u >> 20) % 4) as f64 - 1.5,
                            _ => (u >> 11) as f64 / (1u64 << 53) as f64 - 0.5,
                        }
                    })
                    .collect();
                let (ring, sorted) = all_ranks(&values, n);
                assert_eq!(ring, sorted, "n = {n}, ties = {ties}");
            }
        }
    }

    #[test]
    fn declines_what_it_cannot_do() {
        let values = [1.0, 2.0, f64::NAN, 4.0, 5.0];
        let mut dst = vec![MaybeUninit::uninit(); 3];
        assert!(!slide(&values, 2, &At(0), &mut dst), "NaN");
        let values = [1.0; 40];
        let mut dst = vec![MaybeUninit::uninit(); 40 - 33];
        assert!(!slide(&values, 33, &At(0), &mut dst), "n > RING_MAX");
        let mut dst = vec![MaybeUninit::uninit(); 40];
        assert!(!slide(&values, 0, &At(0), &mut dst), "n = 0");
        let mut dst = vec![MaybeUninit::uninit(); 3];
        assert!(!slide(&values, 2, &At(0), &mut dst), "wrong dst length");
        let mut dst = vec![MaybeUninit::uninit(); 38];
        assert_eq!(slide(&values, 2, &At(0), &mut dst), has_avx2());
    }
}
