//! The `_by` plugins: every rolling statistic over a time window of a `by` column
//! (Polars' `rolling_*_by`), and the time-decayed EW statistics (`ewm_*_by`).
//!
//! The `by` column is read once into i64 times in its own unit ([`ByTimes`]): Datetime as is
//! (any unit, the time zone kept for calendar durations), Date as milliseconds, integers as
//! integers. The window's duration is parsed and checked by Polars' own code (polars-time),
//! so durations, calendar units (`"1mo"`, `"1d"` across a DST change) and error messages are
//! Polars'. Rows are visited in time order (a sorted `by` costs no sort; an unsorted one is
//! arg-sorted, stably, as Polars), swept through the core's window ([`run_by`]) and written
//! back in row order; a row with a null `by` outputs null and joins no window.

use std::borrow::Cow;

use polars::prelude::*;
use polars_time::Duration;
use pyo3_polars::derive::polars_expr;
use pyo3_polars::export::polars_arrow::array::PrimitiveArray;
use pyo3_polars::export::polars_arrow::bitmap::{Bitmap, MutableBitmap};
use pyo3_polars::export::polars_arrow::datatypes::ArrowDataType;
use serde::Deserialize;

use super::dtypes::{output_field, run, Kind, Stat};
use super::series::{polars_err, to_array};
use super::{plugin, quantile_stat, RANK_INDEX_MIN_WINDOW};
use crate::core::ewm::{RollingEwMean, RollingEwmOptions};
use crate::core::ewm_by::{EwByOptions, EwMeanBy, EwStdBy, EwVarBy, TimeDecayed};
use crate::core::order::{RankIndex, SmallSorted};
use crate::core::quantile::{
    Interpolation, RollingIqrOf, RollingIqrOptions, RollingQuantileOf, RollingQuantileOptions,
};
use crate::core::sweep::{advise_huge_pages, Running};
use crate::core::window::{run_by, time_order, Closed, Span, TimeKind, Windowed};
use crate::core::StatError;

/// The `by` column of a plugin, in time order.
struct ByTimes {
    /// Rows in the column.
    len: usize,
    /// The rows with a non-null `by`, in time order (stable); `None` when that is every row
    /// in row order (a sorted `by` without nulls).
    order: Option<Vec<u32>>,
    /// Their times, non-decreasing (empty when read in place from `physical`).
    times: Vec<i64>,
    /// The `by` column's physical integers, when they are the times as they stand.
    physical: Option<Series>,
    unit: TimeUnit,
    tz: Option<TimeZone>,
    /// Whether `by` holds plain integers (durations must then be `"Ni"`).
    integer: bool,
}

impl ByTimes {
    fn read(function: &str, by: &Series) -> PolarsResult<ByTimes> {
        let bad_dtype = || {
            polars_err!(InvalidOperation:
                "`pss.{}`: `by` must be Date, Datetime, Int32, Int64, UInt32 or UInt64 (found \
                 dtype `{}` in column \"{}\")", function, by.dtype(), by.name())
        };
        let (physical, unit, tz, integer) = match by.dtype() {
            DataType::Datetime(unit, tz) => {
                (by.to_physical_repr().into_owned(), *unit, tz.clone(), false)
            }
            DataType::Date => {
                let days = by.to_physical_repr().cast(&DataType::Int64)?;
                (&days * 86_400_000i64, TimeUnit::Milliseconds, None, false)
            }
            DataType::Int32 | DataType::Int64 | DataType::UInt32 => (
                by.cast(&DataType::Int64)?,
                TimeUnit::Nanoseconds,
                None,
                true,
            ),
            DataType::UInt64 => {
                let cast = by.strict_cast(&DataType::Int64).map_err(|_| {
                    polars_err!(InvalidOperation: "`pss.{}`: `by` holds values beyond 2**63 - 1", function)
                })?;
                (cast, TimeUnit::Nanoseconds, None, true)
            }
            _ => return Err(bad_dtype()),
        };
        let ca = physical.i64()?;
        let len = ca.len();
        if u32::try_from(len).is_err() {
            polars_bail!(ComputeError: "`pss.{}`: columns of 2**32 rows or more are not supported", function);
        }
        let no_nulls = ca.null_count() == 0;
        if no_nulls && ca.chunks().len() == 1 {
            // One chunk without nulls: the times are read in place when already sorted.
            let slice = ca.downcast_iter().next().map(|a| a.values().as_slice());
            if slice.is_some_and(|t| t.windows(2).all(|w| w[0] <= w[1])) {
                return Ok(ByTimes {
                    len,
                    order: None,
                    times: Vec::new(),
                    physical: Some(physical.clone()),
                    unit,
                    tz,
                    integer,
                });
            }
        }
        let mut times = Vec::with_capacity(len - ca.null_count());
        advise_huge_pages(&times);
        let mut rows: Vec<u32> = Vec::new();
        if no_nulls {
            for arr in ca.downcast_iter() {
                times.extend_from_slice(arr.values().as_slice());
            }
        } else {
            rows.reserve(times.capacity());
            for (i, t) in ca.iter().enumerate() {
                if let Some(t) = t {
                    times.push(t);
                    rows.push(i as u32);
                }
            }
        }
        let sorted = times.windows(2).all(|w| w[0] <= w[1]);
        let order = if sorted {
            (!no_nulls).then_some(rows)
        } else {
            // Stable, as Polars' arg-sort: equal times keep their row order.
            let order = time_order(&times);
            let sorted_times: Vec<i64> = order.iter().map(|&k| times[k as usize]).collect();
            let idx: Vec<u32> = if no_nulls {
                order
            } else {
                order.iter().map(|&k| rows[k as usize]).collect()
            };
            times = sorted_times;
            Some(idx)
        };
        Ok(ByTimes {
            len,
            order,
            times,
            physical: None,
            unit,
            tz,
            integer,
        })
    }

    /// The times of the rows in time order.
    fn times(&self) -> &[i64] {
        self.physical
            .as_ref()
            .and_then(|s| s.i64().ok())
            .and_then(|ca| ca.downcast_iter().next())
            .map_or(&self.times, |a| a.values().as_slice())
    }

    /// Polars' duration for this `by`: parsed, positive, of the kind `by` needs.
    fn duration(&self, function: &str, name: &str, text: &str) -> PolarsResult<Duration> {
        let d = Duration::try_parse(text)
            .map_err(|e| polars_err!(ComputeError: "pss.{}: `{}` {}", function, name, e))?;
        if d.negative() || d.is_zero() {
            polars_bail!(ComputeError: "pss.{}: `{}` must be a positive duration (found '{}')", function, name, text);
        }
        if d.parsed_int != self.integer {
            let msg = if self.integer {
                "must be an integer duration such as '5i' when `by` is an integer column"
            } else {
                "may not be an integer duration ('5i') when `by` is a temporal column: use e.g. '5m'"
            };
            polars_bail!(ComputeError: "pss.{}: `{}` {} (found '{}')", function, name, msg, text);
        }
        Ok(d)
    }

    /// The duration in `by`'s unit, where it is constant (else `None`: months, or days and
    /// weeks on a time-zone-aware `by`).
    fn fixed_width(&self, d: &Duration) -> Option<i64> {
        if !d.is_constant_duration(self.tz.as_ref()) {
            return None;
        }
        Some(if self.integer {
            d.nanoseconds()
        } else {
            match self.unit {
                TimeUnit::Nanoseconds => d.duration_ns(),
                TimeUnit::Microseconds => d.duration_us(),
                TimeUnit::Milliseconds => d.duration_ms(),
            }
        })
    }

    /// The start of the window ending at each distinct time: `t - w` (Polars' `add` of the
    /// negated duration, in `by`'s unit and time zone).
    fn starts(&self, function: &str, d: &Duration) -> PolarsResult<Starts> {
        if let Some(w) = self.fixed_width(d) {
            return Ok(Starts::Fixed(w));
        }
        if self.tz.is_some() {
            // Calendar days on a zoned clock follow daylight saving time; this build of
            // Polars' time code has no time-zone database, so refuse rather than be wrong.
            polars_bail!(ComputeError:
                "pss.{}: `window_size` '{}' is a calendar duration, which on a time-zone-aware \
                 `by` depends on daylight saving time: use a fixed duration such as '24h' \
                 instead of '1d'", function, d);
        }
        let back = -*d;
        let add = match self.unit {
            TimeUnit::Nanoseconds => Duration::add_ns,
            TimeUnit::Microseconds => Duration::add_us,
            TimeUnit::Milliseconds => Duration::add_ms,
        };
        let mut starts = Vec::with_capacity(self.times().len());
        let mut last = None;
        for &t in self.times() {
            let s = match last {
                Some((lt, ls)) if lt == t => ls,
                _ => add(&back, t, None)?,
            };
            last = Some((t, s));
            starts.push(s);
        }
        Ok(Starts::Each(starts))
    }

    /// `x` in time order: its values and validity (borrowed when `x` is one chunk in order).
    fn gather<'a>(&self, x: &'a Float64Chunked) -> Gathered<'a> {
        if self.order.is_none() && x.chunks().len() == 1 {
            if let Some(arr) = x.downcast_iter().next() {
                let values = Cow::Borrowed(arr.values().as_slice());
                return match arr.validity().filter(|v| v.unset_bits() > 0) {
                    None => Gathered::Dense(values),
                    Some(bits) => Gathered::Masked(values, bits.iter().collect()),
                };
            }
        }
        let n = self.times().len();
        let mut values = Vec::with_capacity(n);
        advise_huge_pages(&values);
        let mut valid = Vec::with_capacity(n);
        match &self.order {
            None => {
                for arr in x.downcast_iter() {
                    values.extend_from_slice(arr.values().as_slice());
                    match arr.validity() {
                        Some(bits) => valid.extend(bits.iter()),
                        None => valid.resize(values.len(), true),
                    }
                }
            }
            Some(order) => {
                let single = x.rechunk();
                let arr = single.downcast_iter().next();
                let (vals, bits): (&[f64], Option<&Bitmap>) = match arr {
                    Some(a) => (a.values().as_slice(), a.validity()),
                    None => (&[], None),
                };
                for &i in order {
                    let i = i as usize;
                    values.push(vals[i]);
                    valid.push(bits.is_none_or(|b| b.get_bit(i)));
                }
            }
        }
        if valid.iter().all(|&ok| ok) {
            Gathered::Dense(Cow::Owned(values))
        } else {
            Gathered::Masked(Cow::Owned(values), valid)
        }
    }

    /// `x` in time order through `run` (values, times, outputs), written back in row order.
    fn sweep(
        &self,
        function: &str,
        x: &Float64Chunked,
        run: impl FnOnce(&Gathered, &[i64], &mut Running) -> Result<(), StatError>,
    ) -> PolarsResult<Float64Chunked> {
        if x.len() != self.len {
            polars_bail!(ShapeMismatch: "pss.{}: `by` has {} rows but the input has {}", function, self.len, x.len());
        }
        let data = self.gather(x);
        let mut out = Running::with_capacity(data.values().len());
        run(&data, self.times(), &mut out).map_err(|e| polars_err(function, e))?;
        Ok(self.scatter(x.name().clone(), out))
    }

    /// Outputs in time order back to row order (null for rows with a null `by`).
    fn scatter(&self, name: PlSmallStr, out: Running) -> Float64Chunked {
        let arr = match &self.order {
            None => to_array(out),
            Some(order) => {
                let m = out.len();
                let (sorted, validity) = out.into_parts();
                let validity = validity.map(|bytes| Bitmap::from_u8_vec(bytes, m));
                let mut values = vec![0.0; self.len];
                // Rows left out of the sweep (a null `by`) stay null.
                let mut valid = MutableBitmap::from_len_zeroed(self.len);
                for (k, (&i, &y)) in order.iter().zip(&sorted).enumerate() {
                    values[i as usize] = y;
                    if validity.as_ref().is_none_or(|v| v.get_bit(k)) {
                        valid.set(i as usize, true);
                    }
                }
                PrimitiveArray::new(ArrowDataType::Float64, values.into(), Some(valid.into()))
            }
        };
        Float64Chunked::from_chunk_iter(name, [arr])
    }
}

/// The values of a column in time order, with their validity.
pub(super) enum Gathered<'a> {
    Dense(Cow<'a, [f64]>),
    Masked(Cow<'a, [f64]>, Vec<bool>),
}

impl Gathered<'_> {
    fn values(&self) -> &[f64] {
        match self {
            Gathered::Dense(v) | Gathered::Masked(v, _) => v,
        }
    }

    /// Whether row `i` holds a value (for the whole-column indexes).
    fn is_valid(&self, i: usize) -> bool {
        match self {
            Gathered::Dense(_) => true,
            Gathered::Masked(_, valid) => valid[i],
        }
    }
}

/// Where each window starts.
enum Starts {
    /// `t - width`.
    Fixed(i64),
    /// Per row in time order (calendar durations).
    Each(Vec<i64>),
}

/// A time window over a `by` column: its times, where each window starts, and the span
/// the statistics are built with.
pub(super) struct TimeWindow {
    by: ByTimes,
    starts: Starts,
    pub span: Span,
}

impl TimeWindow {
    /// Read `by` and the window's duration and `closed` (as Polars checks them).
    pub fn new(function: &str, by: &Series, window_size: &str, closed: &str) -> PolarsResult<Self> {
        let closed = Closed::parse(closed).map_err(|e| polars_err(function, e))?;
        let by = ByTimes::read(function, by)?;
        let d = by.duration(function, "window_size", window_size)?;
        let starts = by.starts(function, &d)?;
        let span = Span::Time {
            width: by.fixed_width(&d).unwrap_or(1).max(1),
            kind: if by.integer {
                TimeKind::Index
            } else {
                TimeKind::Temporal
            },
            closed,
            text: window_size.to_string(),
        };
        Ok(TimeWindow { by, starts, span })
    }

    /// Rows per window on average, as far as the times tell (to choose a quantile index).
    fn rows_per_window(&self) -> f64 {
        let times = self.by.times();
        let (Some(first), Some(last)) = (times.first(), times.last()) else {
            return 0.0;
        };
        let width = match (&self.starts, times.last()) {
            (Starts::Fixed(w), _) => *w as f64,
            (Starts::Each(s), Some(&t)) => (t - s[s.len() - 1]) as f64,
            _ => 0.0,
        };
        times.len() as f64 * width / ((last - first) as f64 + 1.0)
    }

    /// Sweep `x` through the windowed statistic that `build` makes from the values in time
    /// order (the non-null ones feed whole-column indexes).
    pub fn sweep<S: Windowed>(
        &self,
        function: &str,
        x: &Float64Chunked,
        build: impl FnOnce(&Gathered) -> Result<S, StatError>,
    ) -> PolarsResult<Float64Chunked> {
        self.by.sweep(function, x, |data, times, out| {
            let mut stat = build(data)?;
            // One monomorphic sweep per validity case.
            match data {
                Gathered::Dense(values) => self.run(&mut stat, values, |_| true, times, out),
                Gathered::Masked(values, ok) => self.run(&mut stat, values, |i| ok[i], times, out),
            }
        })
    }

    /// [`run_by`] with this window's starts.
    fn run<S: Windowed>(
        &self,
        stat: &mut S,
        values: &[f64],
        valid: impl Fn(usize) -> bool,
        times: &[i64],
        out: &mut Running,
    ) -> Result<(), StatError> {
        match &self.starts {
            Starts::Fixed(w) => {
                run_by(stat, values, valid, times, |_, t| t.saturating_sub(*w), out)
            }
            Starts::Each(s) => run_by(stat, values, valid, times, |i, _| s[i], out),
        }
    }

    /// An exact-quantile statistic over this window with the faster index for its size.
    fn quantile_sweep<S: Windowed, T: Windowed>(
        &self,
        function: &str,
        x: &Float64Chunked,
        small: impl FnOnce(SmallSorted) -> Result<S, StatError>,
        large: impl FnOnce(RankIndex) -> Result<T, StatError>,
    ) -> PolarsResult<Float64Chunked> {
        if self.rows_per_window() < RANK_INDEX_MIN_WINDOW as f64 {
            return self.sweep(function, x, |_| small(SmallSorted::default()));
        }
        self.sweep(function, x, |data| match data {
            // Every value present: the index is built over them as they stand.
            Gathered::Dense(values) => large(RankIndex::new(values, &super::parallel::Pool)),
            Gathered::Masked(values, valid) => {
                let present: Vec<f64> = values
                    .iter()
                    .zip(valid)
                    .filter_map(|(&v, &ok)| ok.then_some(v))
                    .collect();
                large(RankIndex::new(&present, &super::parallel::Pool))
            }
        })
    }
}

/// Kwargs of a rolling moment or extreme over a time window.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ByKwargs<F> {
    pub window_size: String,
    pub closed: String,
    pub min_samples: u64,
    pub stat: F,
}

/// Kwargs of `rolling_quantile_by` (and `rolling_median_by`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuantileByKwargs {
    quantile: f64,
    interpolation: Interpolation,
    window_size: String,
    min_samples: u64,
    closed: String,
}

plugin!(
    rolling_quantile_by,
    Location,
    |inputs, kwargs: QuantileByKwargs| {
        let k = kwargs;
        let name = "rolling_quantile_by";
        // Polars interpolates a Float32 column in f32 arithmetic: so do we, bit for bit.
        let single = inputs[0].dtype() == &DataType::Float32;
        let tw = TimeWindow::new(name, &inputs[1], &k.window_size, &k.closed)?;
        let opts = RollingQuantileOptions {
            q: k.quantile,
            window: tw.span.clone(),
            interpolation: k.interpolation,
            min_samples: k.min_samples,
        };
        let sweep = |x: &Float64Chunked| {
            tw.quantile_sweep(
                name,
                x,
                |i| {
                    RollingQuantileOf::with_index(opts.clone(), i)
                        .map(|s| s.single_precision(single))
                },
                |i| {
                    RollingQuantileOf::with_index(opts.clone(), i)
                        .map(|s| s.single_precision(single))
                },
            )
        };
        run(
            name,
            Kind::Location,
            &inputs[0],
            quantile_stat(k.interpolation, &sweep),
        )
    }
);

/// Kwargs of `rolling_iqr_by`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IqrByKwargs {
    window_size: String,
    q_inf: f64,
    q_sup: f64,
    interpolation: Interpolation,
    min_samples: u64,
    closed: String,
}

plugin!(rolling_iqr_by, Numeric, |inputs, kwargs: IqrByKwargs| {
    let k = kwargs;
    let name = "rolling_iqr_by";
    // Polars interpolates a Float32 column in f32 arithmetic: so do we, bit for bit.
    let single = inputs[0].dtype() == &DataType::Float32;
    let tw = TimeWindow::new(name, &inputs[1], &k.window_size, &k.closed)?;
    let opts = RollingIqrOptions {
        window: tw.span.clone(),
        q_inf: k.q_inf,
        q_sup: k.q_sup,
        interpolation: k.interpolation,
        min_samples: k.min_samples,
    };
    let sweep = |x: &Float64Chunked| {
        tw.quantile_sweep(
            name,
            x,
            |i| RollingIqrOf::with_index(opts.clone(), i).map(|s| s.single_precision(single)),
            |i| RollingIqrOf::with_index(opts.clone(), i).map(|s| s.single_precision(single)),
        )
    };
    run(name, Kind::Numeric, &inputs[0], Stat::Arith(&sweep))
});

/// Kwargs of `rolling_ewm_mean_by`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollingEwmByKwargs {
    alpha: f64,
    window_size: String,
    min_samples: u64,
    closed: String,
}

plugin!(
    rolling_ewm_mean_by,
    Numeric,
    |inputs, kwargs: RollingEwmByKwargs| {
        let k = kwargs;
        let name = "rolling_ewm_mean_by";
        let tw = TimeWindow::new(name, &inputs[1], &k.window_size, &k.closed)?;
        let opts = RollingEwmOptions {
            alpha: k.alpha,
            window: tw.span.clone(),
            min_samples: k.min_samples,
        };
        let sweep = |x: &Float64Chunked| tw.sweep(name, x, |_| RollingEwMean::new(opts.clone()));
        run(name, Kind::Numeric, &inputs[0], Stat::Arith(&sweep))
    }
);

/// Kwargs of `ewm_mean_by`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EwmMeanByKwargs {
    half_life: String,
}

/// Kwargs of `ewm_var_by` and `ewm_std_by`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EwmVarByKwargs {
    half_life: String,
    bias: bool,
}

/// Sweep a time-decayed EW statistic over `x` in the time order of `by` (Polars'
/// `ewm_mean_by`: each row's output in its own time order, no shared windows).
fn ewm_by<S: TimeDecayed>(
    function: &str,
    inputs: &[Series],
    half_life: &str,
    bias: bool,
) -> PolarsResult<Series> {
    let by = ByTimes::read(function, &inputs[1])?;
    let d = by.duration(function, "half_life", half_life)?;
    let Some(h) = by.fixed_width(&d) else {
        polars_bail!(ComputeError:
            "pss.{}: `half_life` '{}' is not a fixed duration (months, or days on a \
             time-zone-aware `by`): use e.g. '730h' or '24h'", function, half_life);
    };
    let opts = EwByOptions {
        half_life: h.max(1),
        bias,
    };
    let sweep = |x: &Float64Chunked| {
        by.sweep(function, x, |data, times, out| {
            let mut stat = S::new_by(opts)?;
            stat.run_at(data.values(), |i| data.is_valid(i), times, out)
        })
    };
    run(function, Kind::Numeric, &inputs[0], Stat::Arith(&sweep))
}

plugin!(ewm_mean_by, Numeric, |inputs, kwargs: EwmMeanByKwargs| {
    ewm_by::<EwMeanBy>("ewm_mean_by", inputs, &kwargs.half_life, false)
});

plugin!(ewm_var_by, Numeric, |inputs, kwargs: EwmVarByKwargs| {
    ewm_by::<EwVarBy>("ewm_var_by", inputs, &kwargs.half_life, kwargs.bias)
});

plugin!(ewm_std_by, Numeric, |inputs, kwargs: EwmVarByKwargs| {
    ewm_by::<EwStdBy>("ewm_std_by", inputs, &kwargs.half_life, kwargs.bias)
});
