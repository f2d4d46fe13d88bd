//! Integer values (and the integers behind temporal and decimal columns) as f64, so the one
//! set of f64 kernels serves every column without rounding where it matters.
//!
//! - [`OrderKeys`], for the order statistics (minimum, maximum, a quantile that selects one
//!   value): each value becomes an f64 *key* that keeps the values' order exactly and maps
//!   back to the value without loss. The key is the offset `value - min` when the column's
//!   range `max - min` is below 2^53 (every such offset is an exact f64), else the value's
//!   rank among the column's sorted distinct values. A kernel that outputs one of its input
//!   keys then outputs, decoded, exactly one of the input values (e.g. the maximum of
//!   `[2^53 + 1, 2^53 + 3]` is `2^53 + 3`, which no f64 holds).
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
        if max.offset_from(min) < EXACT_SPAN {
            return OrderKeys::Offset(min);
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
            OrderKeys::Ranks(_) => out.extend(values.iter().map(|&v| self.key(v))),
        }
    }

    /// The value whose key is `key` (for a key this map gave; any other gives some value of
    /// the column or the base, no panic).
    #[inline(always)]
    pub fn value(&self, key: f64) -> T {
        match self {
            OrderKeys::Offset(base) => base.plus(key as u64 as u128),
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
                let floor = y.floor();
                let mut total = min as i128 + floor as i128;
                if y > floor && total < 0 {
                    // min + y lies in (total, total + 1) and is negative: toward zero.
                    total += 1;
                }
                total.clamp(min as i128, max as i128) as i64
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
    fn ranks_at_or_beyond_2_pow_53() {
        let keys = roundtrip(&[0i64, 1 << 53, 5, 5, 1 << 53]);
        assert_eq!(keys, OrderKeys::Ranks(vec![0, 5, 1 << 53]));
        // The example: 2^53 + 1, 2^53 + 3 and 1.
        let big = (1i64 << 53) + 1;
        assert!(matches!(roundtrip(&[big, big + 2, 1]), OrderKeys::Ranks(_)));
        roundtrip(&[i64::MIN, i64::MAX, -1, 0, 1, i64::MIN + 1, i64::MAX - 1]);
        roundtrip(&[u64::MAX, u64::MAX - 2, 1, 0]);
        roundtrip(&[i128::MIN, i128::MAX, 0, -(1i128 << 100), 1 << 100]);
        roundtrip(&[u128::MAX, u128::MAX - 1, 0, 1 << 127]);
        // Consecutive values beyond 2^53, which f64 cannot tell apart.
        let base = (1i64 << 62) + 1;
        let vals: Vec<i64> = (0..10).map(|i| base + i).chain([0]).collect();
        roundtrip(&vals);
    }

    #[test]
    fn random_columns_roundtrip() {
        let mut rng = SmallRng::seed_from_u64(7);
        for spread in [1i64 << 10, 1 << 52, 1 << 54, i64::MAX] {
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
        let ranks = OrderKeys::from_values(&[0i64, i64::MAX]);
        // A null slot may hold any value: it gets some key, and any key some value.
        let _ = ranks.key(17);
        assert_eq!(ranks.value(f64::NAN), 0);
        assert_eq!(ranks.value(1e300), i64::MAX);
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
