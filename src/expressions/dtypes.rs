//! Output dtypes and the dtype plumbing of the plugins: the one place that maps
//! (kind of statistic, input dtype) to the output dtype, and that runs the f64 kernels over
//! integer, boolean, temporal and decimal columns without losing values.
//!
//! | kind ([`Kind`]) | statistics | integers | Boolean | Decimal(p, s) | Date | Datetime(u, tz) | Duration(u) | Time |
//! |---|---|---|---|---|---|---|---|---|
//! | `Extreme` | min, max | kept, exact | kept | kept, exact | kept | kept | kept | kept |
//! | `Range` | peak_to_peak | kept (wrapping, as Polars' `max - min`) | error | Decimal(38, s) | Duration(us) | Duration(u) | Duration(u) | Duration(ns) |
//! | `AbsMax` | abs_max | kept (wrapping `abs`, as Polars) | error | kept | error | error | kept | error |
//! | `Location` | mean, median, quantile | Float64 | Float64 | Float64 | Datetime(us) | kept | kept | kept |
//! | `Numeric` | var, std, skew, kurtosis, iqr, ewm_* | Float64 | Float64 | Float64 | error | error | error | error |
//!
//! Float32 gives Float32 everywhere, Float64 Float64; Float16 is kept by the first three
//! kinds (as Polars' `rolling_max`, `max - min`, `abs().max()`) and gives Float64 otherwise;
//! a Null column gives Float64. Every other dtype (String, Categorical, Enum, Struct, List,
//! Array, Binary, Object, ...) is an error for every statistic. Each error names the
//! function and the dtype as Polars' own messages do
//! (`` `pss.rolling_std` operation not supported for dtype `datetime[ns]` ``) and is raised
//! where Polars resolves the schema, so `collect_schema()` raises it too. (Polars wraps
//! every plugin error in a `ComputeError`; the message is Polars' `InvalidOperationError`
//! message.)
//!
//! Deliberate differences from Polars, which computes these on the physical integers: its
//! `rolling_std`/`rolling_var` of Date/Datetime/Time give the spread of the raw day or
//! time-unit counts as Float64, and its `ewm_mean`/`ewm_std`/`ewm_var` of any temporal give
//! Float64 of the raw counts; we raise instead (a number in an unstated unit is easy to
//! misread). Polars' `rolling_max`/`rolling_min` reject Decimal, whose `cum_max` keeps it:
//! we keep Decimal for both.
//!
//! How the values reach the f64 kernels (same kernels, same windows, nulls, `min_samples`
//! and `center` as for floats):
//! - statistics that select one of their values (min, max, a quantile with `nearest`,
//!   `lower`, `higher` or `equiprobable`) run over exact order-preserving keys of the
//!   physical integers ([`OrderKeys`]) and decode the selected key, so every output is
//!   exactly an input value (`cum_max` of `[2^53 + 1, 2^53 + 3, 1]` is `2^53 + 3`);
//! - peak-to-peak of an integer-backed column is the exact rolling maximum minus the exact
//!   rolling minimum, in integer arithmetic; abs_max is the exact rolling maximum of the
//!   (wrapping) absolute values;
//! - the arithmetic statistics of Datetime/Duration/Time (mean, median, interpolated
//!   quantiles) run over the values as f64 when all lie within ±2^53, as Polars does (the
//!   values agree with Polars' to the last unit where the window's f64 arithmetic is exact;
//!   on long windows both may be one unit off the exact truncated mean, in different rows,
//!   since their summation orders differ), else over offsets from the column's minimum
//!   ([`Affine`]), so that nanosecond timestamps keep nanosecond precision where Polars
//!   rounds them to ~256 ns;
//!   results are truncated toward zero, as Polars casts them back. Date statistics are
//!   computed in days and scaled to microseconds, as Polars.

use polars::prelude::*;
use pyo3_polars::export::polars_arrow::array::PrimitiveArray;
use pyo3_polars::export::polars_arrow::bitmap::Bitmap;
use pyo3_polars::export::polars_arrow::compute::utils::combine_validities_and;
use pyo3_polars::export::polars_arrow::datatypes::ArrowDataType;

use super::series::non_null_values;
use crate::core::keys::{days_to_us, Affine, KeyInt, OrderKeys, US_PER_DAY};
use crate::core::sweep::advise_huge_pages;

/// What a statistic does with its values, as far as dtypes are concerned (see the table in
/// the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Minimum, maximum: the input dtype.
    Extreme,
    /// Peak-to-peak: the dtype of Polars' `max - min`.
    Range,
    /// Largest absolute value: the dtype of Polars' `abs().max()`.
    AbsMax,
    /// Mean, median, quantile: temporal dtypes as Polars' `rolling_mean`/`rolling_quantile`.
    Location,
    /// Every other statistic: numbers only.
    Numeric,
}

/// The error for a dtype the statistic does not support, worded as Polars' own.
pub fn unsupported(function: &str, dtype: &DataType) -> PolarsError {
    polars_err!(InvalidOperation: "`pss.{}` operation not supported for dtype `{}`", function, dtype)
}

/// The output dtype of `function` (of kind `kind`) for an input of `dtype`.
pub fn output_dtype(function: &str, kind: Kind, dtype: &DataType) -> PolarsResult<DataType> {
    use DataType as D;
    use Kind as K;
    let keeps = matches!(kind, K::Extreme | K::Range | K::AbsMax);
    Ok(match (kind, dtype) {
        (_, D::Float32) => D::Float32,
        (_, D::Float16) if keeps => D::Float16,
        (_, D::Float64 | D::Float16 | D::Null) => D::Float64,
        (_, d) if keeps && d.is_integer() => d.clone(),
        (K::Extreme, D::Boolean | D::Decimal(..)) => dtype.clone(),
        (K::Extreme, d) if d.is_temporal() => d.clone(),
        (K::Range, D::Decimal(_, scale)) => D::Decimal(38, *scale),
        (K::Range, D::Date) => D::Duration(TimeUnit::Microseconds),
        (K::Range, D::Datetime(unit, _) | D::Duration(unit)) => D::Duration(*unit),
        (K::Range, D::Time) => D::Duration(TimeUnit::Nanoseconds),
        (K::AbsMax, D::Decimal(..) | D::Duration(_)) => dtype.clone(),
        (K::Location, D::Date) => D::Datetime(TimeUnit::Microseconds, None),
        (K::Location, d) if d.is_temporal() => d.clone(),
        (K::Location | K::Numeric, d)
            if d.is_primitive_numeric() || matches!(d, D::Boolean | D::Decimal(..)) =>
        {
            D::Float64
        }
        _ => return Err(unsupported(function, dtype)),
    })
}

/// The output field of `function` for its input fields (the output-type function of every
/// plugin).
pub fn output_field(function: &str, kind: Kind, fields: &[Field]) -> PolarsResult<Field> {
    let field = &fields[0];
    // Name the column too: with several input columns (`pl.all()`) the dtype alone may
    // not say which one.
    let dtype = output_dtype(function, kind, field.dtype())
        .map_err(|e| e.wrap_msg(|msg| format!("{msg} (column \"{}\")", field.name())))?;
    Ok(Field::new(field.name().clone(), dtype))
}

/// A sweep of the statistic (options and window fixed) over an f64 column: one output row
/// per input row, nulls where the input's validity says so.
pub type Sweep<'a> = &'a dyn Fn(&Float64Chunked) -> PolarsResult<Float64Chunked>;

/// How a statistic runs, given its sweeps.
pub enum Stat<'a> {
    /// Its output is one of the values in its window (min, max, selecting quantiles).
    Select(Sweep<'a>),
    /// Its output is computed from the values (mean, interpolated quantiles, moments).
    Arith(Sweep<'a>),
    /// `max - min`: `float` on float columns, else from exact `min` and `max` sweeps.
    Range {
        float: Sweep<'a>,
        min: Sweep<'a>,
        max: Sweep<'a>,
    },
    /// The largest absolute value: `float` on float columns, else the `max` sweep over the
    /// absolute values.
    AbsMax { float: Sweep<'a>, max: Sweep<'a> },
}

impl<'a> Stat<'a> {
    /// The sweep for float columns (and for the columns cast to f64).
    fn float(&self) -> Sweep<'a> {
        match *self {
            Stat::Select(s) | Stat::Arith(s) => s,
            Stat::Range { float, .. } | Stat::AbsMax { float, .. } => float,
        }
    }
}

/// Dispatch on the physical integer dtype of a column: `$body` with `$T` its Polars type.
macro_rules! with_integer_type {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            DataType::Int8 => {
                type $T = Int8Type;
                $body
            }
            DataType::Int16 => {
                type $T = Int16Type;
                $body
            }
            DataType::Int32 => {
                type $T = Int32Type;
                $body
            }
            DataType::Int64 => {
                type $T = Int64Type;
                $body
            }
            DataType::Int128 => {
                type $T = Int128Type;
                $body
            }
            DataType::UInt8 => {
                type $T = UInt8Type;
                $body
            }
            DataType::UInt16 => {
                type $T = UInt16Type;
                $body
            }
            DataType::UInt32 => {
                type $T = UInt32Type;
                $body
            }
            DataType::UInt64 => {
                type $T = UInt64Type;
                $body
            }
            DataType::UInt128 => {
                type $T = UInt128Type;
                $body
            }
            other => polars_bail!(ComputeError: "pss: unexpected physical dtype {}", other),
        }
    };
}

/// Run the statistic `function` over `s`, with the output dtype of [`output_dtype`].
pub fn run(function: &str, kind: Kind, s: &Series, stat: Stat) -> PolarsResult<Series> {
    let out_dtype = output_dtype(function, kind, s.dtype())?;
    let name = s.name().clone();
    if out_dtype.is_float() {
        // Numbers (and booleans, decimals) as f64; Float32/Float16 outputs cast back.
        let x = s.cast(&DataType::Float64)?;
        let y = stat.float()(x.f64()?)?.with_name(name).into_series();
        return if out_dtype == DataType::Float64 {
            Ok(y)
        } else {
            y.cast(&out_dtype)
        };
    }
    if kind == Kind::Location && s.dtype() == &DataType::Date {
        // Location of dates: in days as f64 (exact), scaled to microseconds as Polars.
        let days = s.to_physical_repr();
        let x = days.cast(&DataType::Float64)?;
        let y = stat.float()(x.f64()?)?;
        // Beyond ±292,471 years microseconds leave i64: null there, as Polars.
        let limit = i64::MAX as f64 / US_PER_DAY as f64;
        let y = y.set(&(&y.gt(limit) | &y.lt(-limit)), None)?;
        let us = map_values::<_, Int64Type>(&y, days_to_us);
        return Ok(us
            .with_name(name)
            .into_datetime(TimeUnit::Microseconds, None)
            .into_series());
    }
    let physical = if s.dtype() == &DataType::Boolean {
        s.cast(&DataType::UInt8)?
    } else {
        s.to_physical_repr().into_owned()
    };
    let out = with_integer_type!(physical.dtype(), T => {
        integer_stat::<T>(function, physical.unpack::<T>()?, &stat, &out_dtype)?
    });
    let out = out.with_name(name);
    match out_dtype {
        DataType::Boolean => out.cast(&DataType::Boolean),
        DataType::Decimal(precision, scale) => out.into_decimal(precision, scale),
        // SAFETY: `out` holds the physical type of `out_dtype` (checked by the cast).
        _ => unsafe { out.from_physical_unchecked(&out_dtype) },
    }
}

/// The statistic over an integer-backed column `ca` (the physical values of the input),
/// as a Series of the physical type of `out_dtype`.
fn integer_stat<T>(
    function: &str,
    ca: &ChunkedArray<T>,
    stat: &Stat,
    out_dtype: &DataType,
) -> PolarsResult<Series>
where
    T: PolarsNumericType,
    T::Native: KeyInt,
{
    match *stat {
        Stat::Select(sweep) => Ok(select(ca, sweep)?.into_series()),
        Stat::AbsMax { max, .. } => {
            let abs = map_values::<T, T>(ca, KeyInt::wrapping_abs);
            Ok(select(&abs, max)?.into_series())
        }
        Stat::Range { min, max, .. } => range(function, ca, min, max, out_dtype),
        Stat::Arith(sweep) => {
            // Only Datetime/Duration/Time get here (the other arithmetic outputs are floats).
            let ca = ca.cast(&DataType::Int64)?;
            Ok(arith(ca.i64()?, sweep)?.into_series())
        }
    }
}

/// A selecting statistic over exact keys, decoded back to the values.
fn select<T>(ca: &ChunkedArray<T>, sweep: Sweep) -> PolarsResult<ChunkedArray<T>>
where
    T: PolarsNumericType,
    T::Native: KeyInt,
{
    let keys = OrderKeys::new(value_range(ca), || non_null_values(ca));
    let out = sweep(&encode(ca, |values, out| keys.extend_keys(values, out)))?;
    Ok(map_values::<_, T>(&out, |k| keys.value(k)))
}

/// An arithmetic statistic of i64 temporal values through the [`Affine`] view.
fn arith(ca: &Int64Chunked, sweep: Sweep) -> PolarsResult<Int64Chunked> {
    let view = Affine::new(value_range(ca));
    let out = sweep(&encode(ca, |values, out| view.extend_xs(values, out)))?;
    Ok(map_values::<_, Int64Type>(&out, |y| view.value(y)))
}

/// `max - min` from exact rolling extremes, as the physical type of `out_dtype`.
fn range<T>(
    function: &str,
    ca: &ChunkedArray<T>,
    min: Sweep,
    max: Sweep,
    out_dtype: &DataType,
) -> PolarsResult<Series>
where
    T: PolarsNumericType,
    T::Native: KeyInt,
{
    let keys = OrderKeys::new(value_range(ca), || non_null_values(ca));
    let x = encode(ca, |values, out| keys.extend_keys(values, out));
    let (lo, hi) = (min(&x)?, max(&x)?);
    // The exact difference (max >= min on every valid row).
    let spread = |l: f64, h: f64| keys.value(h).offset_from(keys.value(l));
    Ok(match out_dtype {
        // Integers: wrapping in the type, as Polars' `max - min` (Int8: 127 - -128 = -1).
        d if d.is_integer() => {
            zip_map::<T>(&lo, &hi, |l, h| T::Native::default().plus(spread(l, h))).into_series()
        }
        DataType::Decimal(_, scale) => {
            let limit = 10u128.pow(38) - 1;
            let d = zip_map::<Int128Type>(&lo, &hi, |l, h| spread(l, h).min(limit + 1) as i128);
            if d.iter().flatten().any(|v| v as u128 > limit) {
                polars_bail!(ComputeError:
                    "pss.{}: overflow in decimal subtraction: result doesn't fit Decimal(38, {})",
                    function, scale);
            }
            d.into_series()
        }
        _ if ca.dtype() == &DataType::Int32 => {
            // Dates: days to microseconds; a span beyond i64 microseconds is null, as Polars.
            let us = zip_map::<Int64Type>(&lo, &hi, |l, h| {
                (spread(l, h) as i64).wrapping_mul(US_PER_DAY)
            });
            let too_wide = (&hi - &lo).gt(i64::MAX as f64 / US_PER_DAY as f64);
            us.set(&too_wide, None)?.into_series()
        }
        _ => zip_map::<Int64Type>(&lo, &hi, |l, h| spread(l, h) as i64).into_series(),
    })
}

/// The smallest and largest non-null values.
fn value_range<T>(ca: &ChunkedArray<T>) -> Option<(T::Native, T::Native)>
where
    T: PolarsNumericType,
    T::Native: KeyInt,
{
    let mut acc: Option<(T::Native, T::Native)> = None;
    let mut add = |lo: T::Native, hi: T::Native| {
        acc = Some(match acc {
            None => (lo, hi),
            Some((a, b)) => (a.min(lo), b.max(hi)),
        })
    };
    for arr in ca.downcast_iter() {
        let values = arr.values().as_slice();
        match arr.validity().filter(|v| v.unset_bits() > 0) {
            None => {
                if let (Some(&lo), Some(&hi)) = (values.iter().min(), values.iter().max()) {
                    add(lo, hi);
                }
            }
            Some(valid) => {
                for (&v, ok) in values.iter().zip(valid.iter()) {
                    if ok {
                        add(v, v);
                    }
                }
            }
        }
    }
    acc
}

/// An f64 column with the chunks and validity of `ca`, its values written by `fill`.
fn encode<T: PolarsNumericType>(
    ca: &ChunkedArray<T>,
    fill: impl Fn(&[T::Native], &mut Vec<f64>),
) -> Float64Chunked {
    let chunks = ca.downcast_iter().map(|arr| {
        let mut values = output_vec(arr.len());
        fill(arr.values().as_slice(), &mut values);
        PrimitiveArray::new(
            ArrowDataType::Float64,
            values.into(),
            arr.validity().cloned(),
        )
    });
    Float64Chunked::from_chunk_iter(ca.name().clone(), chunks)
}

/// An empty vector with room for `n` values, advised onto huge pages when large (a fresh
/// 32 MB buffer otherwise costs a page fault per 4 kB, ~1-3 ns per row).
fn output_vec<T>(n: usize) -> Vec<T> {
    let v = Vec::with_capacity(n);
    advise_huge_pages(&v);
    v
}

/// `f` of every value slot of `ca` (null slots too: `f` must not panic), validity kept.
fn map_values<I, O>(ca: &ChunkedArray<I>, f: impl Fn(I::Native) -> O::Native) -> ChunkedArray<O>
where
    I: PolarsNumericType,
    O: PolarsNumericType,
{
    let chunks = ca.downcast_iter().map(|arr| {
        let mut values = output_vec(arr.len());
        values.extend(arr.values().iter().map(|&v| f(v)));
        PrimitiveArray::from_vec(values).with_validity(arr.validity().cloned())
    });
    ChunkedArray::from_chunk_iter(ca.name().clone(), chunks)
}

/// `f(lo, hi)` row by row over two sweeps of the same column; valid where both are.
fn zip_map<O: PolarsNumericType>(
    lo: &Float64Chunked,
    hi: &Float64Chunked,
    f: impl Fn(f64, f64) -> O::Native,
) -> ChunkedArray<O> {
    let same_chunks = lo.chunk_lengths().eq(hi.chunk_lengths());
    let (lo, hi) = if same_chunks {
        (lo.clone(), hi.clone())
    } else {
        (lo.rechunk().into_owned(), hi.rechunk().into_owned())
    };
    let chunks = lo.downcast_iter().zip(hi.downcast_iter()).map(|(l, h)| {
        let mut values = output_vec(l.len());
        values.extend(
            l.values()
                .iter()
                .zip(h.values().iter())
                .map(|(&a, &b)| f(a, b)),
        );
        let validity: Option<Bitmap> = combine_validities_and(l.validity(), h.validity());
        PrimitiveArray::from_vec(values).with_validity(validity)
    });
    ChunkedArray::from_chunk_iter(lo.name().clone(), chunks)
}
