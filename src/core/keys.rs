//! Integer values (and the integers behind temporal and decimal columns) as f64, so the one
//! set of f64 kernels serves every column without rounding where it matters.
//!
//! - [`OrderKeys`], for the order statistics (minimum, maximum, a quantile that selects one
//!   value): each value becomes an f64 *key* that keeps the values' order exactly and maps
//!   back to the value without loss. The key is the offset `d = value - min` when the
//!   column's range `max - min` is below 2^53 (every such offset is an exact f64); for wider
//!   ranges up to 2^64 - 2^53 - 2 (every i64/u64 column but those reaching from near the
//!   bottom to near the top of the type), the `d`-th finite f64 other than -0.0 in increasing
//!   order, which its bits give in O(1); beyond (128-bit columns only), the value's rank
//!   among the column's sorted distinct values. A kernel that outputs one of its input keys
//!   then outputs, decoded, exactly one of the input values (e.g. the maximum of
//!   `[2^53 + 1, 2^53 + 3, 1]` is `2^53 + 3`, which no f64 holds). Keys are only compared,
//!   never computed with: they suit the kernels that select a value, and nothing else.
//! - [`Affine`], for the arithmetic statistics (mean, interpolated quantiles): the values as
//!   f64 themselves when all lie within ±2^53 (exact, so the arithmetic is Polars' own, bit
//!   for bit), else as offsets from the column's minimum, so that nanosecond timestamps
//!   (~1.8e18) keep the precision of their spread rather than of their magnitude. Results
//!   come back truncated toward zero, as Polars casts a temporal mean to its integer unit.
//!
//! Null rows need no care: their value slots may hold anything and are encoded without
//! panicking into keys the kernels ignore (the validity travels beside the keys).

/// Offsets below this are exact in f64 (every integer up to 2^53 is an f64).
pub const EXACT_SPAN: u128 = 1 << 53;

/// The bits of the most negative finite f64, `-f64::MAX`.
const MOST_NEGATIVE: u64 = 0xFFEF_FFFF_FFFF_FFFF;
/// Finite f64 below -0.0: bits `0x8000_0000_0000_0001..=MOST_NEGATIVE`.
const NEGATIVES: u64 = MOST_NEGATIVE - 0x8000_0000_0000_0001 + 1;
/// Finite f64 other than -0.0 (the span of offsets [`OrderKeys::Bits`] can key):
/// the negatives plus `+0.0..=f64::MAX` (bits `0..=0x7FEF_FFFF_FFFF_FFFF`).
pub const BITS_SPAN: u128 = NEGATIVES as u128 + 0x7FEF_FFFF_FFFF_FFFF + 1;

/// The `d`-th finite f64 other than -0.0, in increasing order (`d < BITS_SPAN`).
#[inline(always)]
fn nth_finite(d: u64) -> f64 {
    f64::from_bits(if d < NEGATIVES {
        MOST_NEGATIVE - d
    } else {
        d - NEGATIVES
    })
}

/// The inverse of [`nth_finite`] (for its outputs; no panic for any other f64).
#[inline(always)]
fn finite_index(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        MOST_NEGATIVE.wrapping_sub(bits)
    } else {
        bits.wrapping_add(NEGATIVES)
    }
}

/// A primitive integer that can be keyed: any of i8..i128 and u8..u128.
pub trait KeyInt: Copy + Ord + Default + Send + Sync + 'static {
    /// `self - base`, exact when `self >= base` (the difference then fits a u128); wraps
    /// (without panicking) otherwise.
    fn offset_from(self, base: Self) -> u128;
    /// `self + offset`, for an `offset` returned by [`KeyInt::offset_from`] with `self` as
    /// the base (wraps, without panicking, for any other offset).
    fn plus(self, offset: u128) -> Self;
    /// `|self|` in the type, wrapping as Polars' `abs` (`|i8::MIN|` is `i8::MIN`); the
    /// identity for unsigned types.
    fn wrapping_abs(self) -> Self;
}

macro_rules! key_int {
    ($abs:expr; $($t:ty),*) => {$(
        #[allow(clippy::unnecessary_cast)] // `u128 as u128`
        impl KeyInt for $t {
            #[inline(always)]
            fn offset_from(self, base: Self) -> u128 {
                // Sign-extended to 128 bits, the difference modulo 2^128 is the exact one.
                (self as u128).wrapping_sub(base as u128)
            }
            #[inline(always)]
            fn plus(self, offset: u128) -> Self {
                (self as u128).wrapping_add(offset) as $t
            }
            #[inline(always)]
            fn wrapping_abs(self) -> Self {
                $abs(self)
            }
        }
    )*};
}

key_int!(|v: Self| v.wrapping_abs(); i8, i16, i32, i64, i128);
key_int!(|v: Self| v; u8, u16, u32, u64, u128);

/// An exact, order-preserving map from the values of one column to f64 keys.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderKeys<T> {
    /// `key = value - base` (the column's minimum); the column's range is below 2^53.
    Offset(T),
    /// `key` = the `(value - base)`-th finite f64 (not -0.0); the range is below
    /// [`BITS_SPAN`].
    Bits(T),
    /// `key = rank` of the value among these sorted distinct values.
    Ranks(Vec<T>),
}

impl<T: KeyInt> OrderKeys<T> {
    /// Keys for a column whose non-null values span `range = Some((min, max))` (`None`: no
    /// value). `values` gives the non-null values (any order, duplicates allowed); it is
    /// called only when the range is too wide for offsets.
    pub fn new(range: Option<(T, T)>, values: impl FnOnce() -> Vec<T>) -> Self {
        let Some((min, max)) = range else {
            return OrderKeys::Offset(T::default());
        };
        let span = max.offset_from(min);
        if span < EXACT_SPAN {
            return OrderKeys::Offset(min);
        }
        if span < BITS_SPAN {
            return OrderKeys::Bits(min);
        }
        let mut distinct = values();
        distinct.sort_unstable();
        distinct.dedup();
        OrderKeys::Ranks(distinct)
    }

    /// Keys for exactly these (non-null) values.
    pub fn from_values(values: &[T]) -> Self {
        let range = values
            .iter()
            .fold(None, |acc: Option<(T, T)>, &v| match acc {
                None => Some((v, v)),
                Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
            });
        Self::new(range, || values.to_vec())
    }

    /// The key of `v` (for a value of the column; any other gives some key, no panic).
    #[inline(always)]
    pub fn key(&self, v: T) -> f64 {
        match self {
            OrderKeys::Offset(base) => v.offset_from(*base) as u64 as f64,
            OrderKeys::Bits(base) => nth_finite(v.offset_from(*base) as u64),
            OrderKeys::Ranks(distinct) => match distinct.binary_search(&v) {
                Ok(i) | Err(i) => i as f64,
            },
        }
    }

    /// Append the key of every value of `values` to `out` (one loop per kind of map).
    pub fn extend_keys(&self, values: &[T], out: &mut Vec<f64>) {
        match self {
            OrderKeys::Offset(base) => {
                out.extend(values.iter().map(|v| v.offset_from(*base) as u64 as f64))
            }
            OrderKeys::Bits(base) => out.extend(
                values
                    .iter()
                    .map(|v| nth_finite(v.offset_from(*base) as u64)),
            ),
            OrderKeys::Ranks(_) => out.extend(values.iter().map(|&v| self.key(v))),
        }
    }

    /// The value whose key is `key` (for a key this map gave; any other gives some value of
    /// the column or the base, no panic).
    #[inline(always)]
    pub fn value(&self, key: f64) -> T {
        match self {
            OrderKeys::Offset(base) => base.plus(key as u64 as u128),
            OrderKeys::Bits(base) => base.plus(finite_index(key) as u128),
            OrderKeys::Ranks(distinct) => distinct
                .get(key as usize)
                .or(distinct.last())
                .copied()
                .unwrap_or_default(),
        }
    }
}

/// An f64 view of i64 values for arithmetic statistics (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affine {
    /// `x = value as f64`, exact: every value lies within ±2^53.
    Identity,
    /// `x = value - min`, rounded to f64 beyond 2^53; results are clamped to `[min, max]`.
    Offset { min: i64, max: i64 },
}

impl Affine {
    /// The view for a column whose non-null values span `range` (`None`: no value).
    pub fn new(range: Option<(i64, i64)>) -> Self {
        const LIMIT: i64 = 1 << 53;
        match range {
            Some((min, max)) if min < -LIMIT || max > LIMIT => Affine::Offset { min, max },
            _ => Affine::Identity,
        }
    }

    /// `v` as f64 in this view.
    #[inline(always)]
    pub fn x(&self, v: i64) -> f64 {
        match *self {
            Affine::Identity => v as f64,
            Affine::Offset { min, .. } => v.wrapping_sub(min) as u64 as f64,
        }
    }

    /// Append `x(v)` for every value of `values` to `out`.
    pub fn extend_xs(&self, values: &[i64], out: &mut Vec<f64>) {
        match *self {
            Affine::Identity => out.extend(values.iter().map(|&v| v as f64)),
            Affine::Offset { min, .. } => {
                out.extend(values.iter().map(|&v| v.wrapping_sub(min) as u64 as f64))
            }
        }
    }

    /// The value at `y` in this view, truncated toward zero (as Polars casts an f64 mean
    /// back to an integer time unit): `trunc(y)` for the identity view,
    /// `trunc(min + y)` (computed exactly) clamped to `[min, max]` for an offset view.
    /// NaN gives 0 (identity) or `min`; infinities saturate.
    #[inline]
    pub fn value(&self, y: f64) -> i64 {
        match *self {
            Affine::Identity => y as i64,
            Affine::Offset { min, max } => {
                // Offsets are >= 0 (below, or NaN: the minimum). For y >= 0 truncation is
                // the floor (no libm call, no f64 -> i128 conversion).
                let y = y.max(0.0);
                let floor = y as u64;
                let mut total = min as i128 + floor as i128;
                if total < 0 && y > floor as f64 {
                    // min + y lies in (total, total + 1) and is negative: toward zero.
                    total += 1;
                }
                total.min(max as i128) as i64
            }
        }
    }
}

/// Microseconds in a day.
pub const US_PER_DAY: i64 = 86_400_000_000;

/// A statistic of Date values computed in days as f64, as a `Datetime("us")` value: Polars
/// scales the f64 number of days by 86 400 000 000 in f64 and truncates toward zero (so
/// `-0.7` days is `-60 479 999 999` µs, not `-60 480 000 000`). Saturates beyond i64.
#[inline]
pub fn days_to_us(days: f64) -> i64 {
    (days * US_PER_DAY as f64) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn roundtrip<T: KeyInt + std::fmt::Debug>(values: &[T]) -> OrderKeys<T> {
        let keys = OrderKeys::from_values(values);
        let mut ks = Vec::new();
        keys.extend_keys(values, &mut ks);
        for (i, (&v, &k)) in values.iter().zip(&ks).enumerate() {
            assert_eq!(k, keys.key(v));
            assert_eq!(keys.value(k), v, "value {i}");
            for (&w, &kw) in values.iter().zip(&ks) {
                assert_eq!(v.cmp(&w), k.partial_cmp(&kw).unwrap(), "{v:?} vs {w:?}");
            }
        }
        keys
    }

    #[test]
    fn offsets_below_2_pow_53() {
        let big = (1i64 << 53) + 1;
        let keys = roundtrip(&[big, big + 2, big - 5, big, big + 7]);
        assert_eq!(keys, OrderKeys::Offset(big - 5));
        // max - min = 2^53 - 1: still offsets, and the largest key is exact.
        let edge = roundtrip(&[0u64, (1 << 53) - 1]);
        assert_eq!(edge, OrderKeys::Offset(0));
        assert_eq!(edge.key((1 << 53) - 1), ((1u64 << 53) - 1) as f64);
        roundtrip(&[-128i8, 127, 0, -1]);
        roundtrip(&[0u8, 255, 3]);
        roundtrip(&[i32::MIN, i32::MAX]);
    }

    #[test]
    fn float_bits_at_or_beyond_2_pow_53() {
        let keys = roundtrip(&[0i64, 1 << 53, 5, 5, 1 << 53]);
        assert_eq!(keys, OrderKeys::Bits(0));
        // The example: 2^53 + 1, 2^53 + 3 and 1.
        let big = (1i64 << 53) + 1;
        assert_eq!(roundtrip(&[big, big + 2, 1]), OrderKeys::Bits(1));
        // Consecutive values beyond 2^53, which f64 cannot tell apart.
        let base = (1i64 << 62) + 1;
        let vals: Vec<i64> = (0..10).map(|i| base + i).chain([0, -base]).collect();
        assert_eq!(roundtrip(&vals), OrderKeys::Bits(-base));
        // The widest span the bits can key, from both ends of u64, and the keys at its ends:
        // the most negative finite f64, -0.0 skipped, the largest finite f64.
        let top = (BITS_SPAN - 1) as u64;
        let keys = roundtrip(&[0u64, top, NEGATIVES - 1, NEGATIVES, NEGATIVES + 1, top - 1]);
        assert_eq!(keys, OrderKeys::Bits(0));
        assert_eq!(keys.key(0), -f64::MAX);
        assert_eq!(keys.key(NEGATIVES - 1).to_bits(), 0x8000_0000_0000_0001);
        assert_eq!(keys.key(NEGATIVES).to_bits(), 0);
        assert_eq!(keys.key(top), f64::MAX);
        let shifted = roundtrip(&[u64::MAX - top, u64::MAX, u64::MAX - 1]);
        assert_eq!(shifted, OrderKeys::Bits(u64::MAX - top));
        roundtrip(&[i64::MIN, i64::MIN.wrapping_add(top as i64)]);
        // Every key is a finite f64, never NaN or -0.0 (which would compare equal to +0.0).
        for d in [0u64, 1, NEGATIVES - 1, NEGATIVES, top] {
            let x = nth_finite(d);
            assert!(x.is_finite() && x.to_bits() != (-0.0f64).to_bits());
            assert_eq!(finite_index(x), d);
        }
    }

    #[test]
    fn ranks_beyond_the_float_bits() {
        let top = (BITS_SPAN - 1) as u64;
        let keys = roundtrip(&[0u64, top + 1, 7, 7]);
        assert_eq!(keys, OrderKeys::Ranks(vec![0, 7, top + 1]));
        roundtrip(&[i64::MIN, i64::MAX, -1, 0, 1, i64::MIN + 1, i64::MAX - 1]);
        roundtrip(&[u64::MAX, u64::MAX - 2, 1, 0]);
        roundtrip(&[i128::MIN, i128::MAX, 0, -(1i128 << 100), 1 << 100]);
        roundtrip(&[u128::MAX, u128::MAX - 1, 0, 1 << 127]);
    }

    #[test]
    fn random_columns_roundtrip() {
        let mut rng = SmallRng::seed_from_u64(7);
        for spread in [1i64 << 10, 1 << 52, 1 << 54, 1 << 62, i64::MAX] {
            let vals: Vec<i64> = (0..200)
                .map(|_| rng.random_range(-spread / 2..=spread / 2))
                .collect();
            roundtrip(&vals);
        }
    }

    #[test]
    fn wrapping_abs_as_polars() {
        assert_eq!(KeyInt::wrapping_abs(-128i8), -128);
        assert_eq!(KeyInt::wrapping_abs(-5i64), 5);
        assert_eq!(KeyInt::wrapping_abs(i64::MIN), i64::MIN);
        assert_eq!(KeyInt::wrapping_abs(200u8), 200);
        assert_eq!(KeyInt::wrapping_abs(-(1i128 << 100)), 1 << 100);
    }

    #[test]
    fn empty_and_foreign_values_do_not_panic() {
        let empty = OrderKeys::<i64>::from_values(&[]);
        assert_eq!(empty, OrderKeys::Offset(0));
        assert_eq!(empty.value(empty.key(i64::MIN)), i64::MIN);
        let ranks = OrderKeys::from_values(&[i64::MIN, i64::MAX]);
        assert!(matches!(ranks, OrderKeys::Ranks(_)));
        // A null slot may hold any value: it gets some key, and any key some value.
        let _ = ranks.key(17);
        assert_eq!(ranks.value(f64::NAN), i64::MIN);
        assert_eq!(ranks.value(1e300), i64::MAX);
        let bits = OrderKeys::from_values(&[0u64, 1 << 60]);
        assert_eq!(bits, OrderKeys::Bits(0));
        for foreign in [u64::MAX, u64::MAX - (1 << 52)] {
            let _ = bits.value(bits.key(foreign));
        }
        let _ = (
            bits.value(f64::NAN),
            bits.value(f64::INFINITY),
            bits.value(-0.0),
        );
        let offsets = OrderKeys::from_values(&[10i64, 20]);
        let _ = offsets.value(offsets.key(i64::MIN));
    }

    #[test]
    fn affine_identity_is_the_f64_value() {
        let view = Affine::new(Some((-(1 << 53), 1 << 53)));
        assert_eq!(view, Affine::Identity);
        assert_eq!(view.x(-3), -3.0);
        assert_eq!(view.value(1.5), 1);
        assert_eq!(view.value(-1.5), -1);
        assert_eq!(view.value(-0.5), 0);
        assert_eq!(Affine::new(None), Affine::Identity);
    }

    #[test]
    fn affine_offset_truncates_toward_zero_exactly() {
        let t = 1_800_000_000_000_000_000i64; // ~2027 in ns: not exact in f64.
        let view = Affine::new(Some((t, t + 10)));
        assert_eq!(
            view,
            Affine::Offset {
                min: t,
                max: t + 10
            }
        );
        assert_eq!(view.x(t + 3), 3.0);
        // The mean of t+1 and t+2 is t+1.5: truncated, t+1.
        assert_eq!(view.value((view.x(t + 1) + view.x(t + 2)) / 2.0), t + 1);
        assert_eq!(view.value(10.0), t + 10);
        assert_eq!(view.value(11.0), t + 10, "clamped to the column's range");
        // Negative values: toward zero means up.
        let neg = Affine::new(Some((-t, -t + 10)));
        assert_eq!(neg.value(1.5), -t + 2);
        assert_eq!(neg.value(2.0), -t + 2);
        assert_eq!(neg.value(0.0), -t);
        // A range across zero: -0.5 truncates to 0, 0.5 to 0, -1.5 to -1.
        let wide = Affine::new(Some((-10, 1 << 60)));
        assert_eq!(
            wide,
            Affine::Offset {
                min: -10,
                max: 1 << 60
            }
        );
        let at = |v: f64| wide.value(v + 10.0);
        assert_eq!(at(-0.5), 0);
        assert_eq!(at(0.5), 0);
        assert_eq!(at(-1.5), -1);
        assert_eq!(at(1.5), 1);
        // The full i64 range: offsets up to 2^64 - 1, no overflow.
        let full = Affine::new(Some((i64::MIN, i64::MAX)));
        assert_eq!(full.value(full.x(i64::MAX)), i64::MAX);
        assert_eq!(full.value(full.x(i64::MIN)), i64::MIN);
        assert_eq!(full.value(f64::NAN), i64::MIN);
    }

    #[test]
    fn days_scale_as_polars() {
        assert_eq!(days_to_us(0.5), 43_200_000_000);
        // Polars' rolling_quantile(0.3, "linear") of dates -1 and 0 days.
        assert_eq!(days_to_us(-1.0 + 0.3 * (0.0 - -1.0)), -60_479_999_999);
        assert_eq!(days_to_us(-1.5), -129_600_000_000);
    }
}
