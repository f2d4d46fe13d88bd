//! Time from Python: durations (`window_size`, `half_life`) and the times of the rows
//! (`t`, `times`) of the time-based objects, plus the generic `update(x, t)`,
//! `update_many(values, times)` and `running(values, times)` those objects share.
//!
//! Durations are parsed by Polars' own parser (`polars_time::Duration`), so an object takes
//! exactly the strings the `_by` expressions take. Temporal times are kept as `i64`
//! nanoseconds since the Unix epoch (UTC instants); integer windows (`"5i"`) take plain
//! integers. Every conversion is exact or an error naming the argument: nothing is rounded,
//! wrapped or dropped on the way.

use polars::prelude::{DataType, Float64Chunked, IntoSeries, PlSmallStr, Series, TimeUnit};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyInt, PyList, PyString, PyTuple, PyType};
use pyo3_polars::export::polars_arrow::bitmap::Bitmap;
use pyo3_polars::PySeries;

use super::plumbing::{batch_of, count, type_name, value_error, Arg, Batch};
use crate::core::sweep::Running;
pub use crate::core::window::show_time;
use crate::core::window::{run_by, Closed, Span, TimeKind, Windowed};
use crate::core::{StatError, Statistic};
use crate::expressions::series::{output_dtype, to_array};

const NS_US: i64 = 1_000;
const NS_MS: i64 = 1_000_000;
const NS_S: i64 = 1_000_000_000;
const NS_DAY: i64 = 86_400 * NS_S;

// ---- Durations ------------------------------------------------------------------------------

/// A duration as an object keeps it: its length in time units (nanoseconds, or integer
/// steps for `"i"` durations), the kind of time it measures, and the text to show and
/// rebuild it with.
#[derive(Debug, Clone, PartialEq)]
pub struct Duration {
    pub width: i64,
    pub kind: TimeKind,
    pub text: String,
}

/// The number-unit pairs of a duration string Polars has already accepted, e.g.
/// `"1h30m"` -> `[(1, "h"), (30, "m")]` (numbers as u128, so that none wraps).
fn duration_parts(s: &str) -> Vec<(u128, String)> {
    let s = s.trim_start_matches(['+', '-']);
    let mut parts = Vec::new();
    let mut chars = s.chars().peekable();
    while chars.peek().is_some() {
        let mut n: u128 = 0;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            n = n.saturating_mul(10).saturating_add(u128::from(d));
            chars.next();
        }
        let mut unit = String::new();
        while let Some(&c) = chars.peek().filter(|c| c.is_ascii_alphabetic()) {
            unit.push(c);
            chars.next();
        }
        parts.push((n, unit));
    }
    parts
}

/// Nanoseconds per unit of a fixed-length unit (`d` and `w` taken as 24 h and 7 d);
/// `None` for the calendar units and `i`.
fn unit_ns(unit: &str) -> Option<i64> {
    Some(match unit {
        "ns" => 1,
        "us" => NS_US,
        "ms" => NS_MS,
        "s" => NS_S,
        "m" => 60 * NS_S,
        "h" => 3_600 * NS_S,
        "d" => NS_DAY,
        "w" => 7 * NS_DAY,
        _ => return None,
    })
}

/// Whether the duration text has day or week units (calendar days in a time zone).
pub fn has_day_units(text: &str) -> bool {
    duration_parts(text)
        .iter()
        .any(|(_, u)| u == "d" || u == "w")
}

/// A duration string, as Polars reads it, made a fixed length for an object.
pub fn parse_duration(name: &str, s: &str) -> PyResult<Duration> {
    let bad = |why: String| PyValueError::new_err(format!("`{name}` {why}"));
    let parsed = polars_time::Duration::try_parse(s)
        .map_err(|e| bad(format!("is not a valid duration string ('{s}'): {e}")))?;
    let parts = duration_parts(s);
    if parsed.months() != 0
        || parts
            .iter()
            .any(|(_, u)| matches!(u.as_str(), "mo" | "q" | "y"))
    {
        return Err(bad(format!(
            "'{s}' has calendar units (mo, q, y), whose length varies: calendar durations \
             are not supported by objects; use a fixed length such as '30d' or '4w' \
             (days and weeks are 24 and 168 hours)"
        )));
    }
    let integer = parts.iter().any(|(_, u)| u == "i");
    if integer && parts.iter().any(|(_, u)| u != "i") {
        return Err(bad(format!(
            "'{s}' mixes the integer unit 'i' with time units: use either an integer \
             duration ('5i', for integer times) or a time one ('5m')"
        )));
    }
    if parsed.negative() {
        return Err(bad(format!("must be a positive duration (found '{s}')")));
    }
    // Polars' parser adds up in i64 without overflow checks: add again in i128.
    let total: i128 = parts
        .iter()
        .map(|(n, u)| {
            let per = if u == "i" { 1 } else { unit_ns(u).unwrap_or(0) };
            (*n as i128).saturating_mul(i128::from(per))
        })
        .fold(0i128, i128::saturating_add);
    if total <= 0 {
        return Err(bad(format!("must be a positive duration (found '{s}')")));
    }
    let width = i64::try_from(total)
        .map_err(|_| bad(format!("'{s}' is too long (at most 2**63 - 1 nanoseconds)")))?;
    let kind = if integer {
        TimeKind::Index
    } else {
        TimeKind::Temporal
    };
    Ok(Duration {
        width,
        kind,
        text: s.to_owned(),
    })
}

fn datetime_type<'py>(py: Python<'py>, which: &str) -> PyResult<&'py Bound<'py, PyType>> {
    static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static TIMEZONE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let cell = match which {
        "datetime" => &DATETIME,
        "date" => &DATE,
        "timedelta" => &TIMEDELTA,
        _ => &TIMEZONE,
    };
    cell.import(py, "datetime", which)
}

/// Whether `obj` is a duration (a `str` or a `datetime.timedelta`), not a row count.
pub fn is_duration(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(obj.is_instance_of::<PyString>()
        || obj.is_instance(datetime_type(obj.py(), "timedelta")?)?)
}

/// A duration given as a str or a `datetime.timedelta` (a pandas `Timedelta` too, with its
/// nanoseconds): the timedelta's exact length becomes the text `"<n>us"` (`"<n>ns"`).
pub fn duration(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Duration> {
    if let Ok(s) = obj.cast::<PyString>() {
        return parse_duration(name, s.to_str()?);
    }
    if obj.is_instance(datetime_type(obj.py(), "timedelta")?)? {
        let days: i128 = obj.getattr("days")?.extract()?;
        let secs: i128 = obj.getattr("seconds")?.extract()?;
        let micros: i128 = obj.getattr("microseconds")?.extract()?;
        let nanos: i128 = match obj.getattr("nanoseconds") {
            Ok(n) => n.extract().unwrap_or(0),
            Err(_) => 0,
        };
        let us = (days * 86_400 + secs) * 1_000_000 + micros;
        if us < 0 || (us == 0 && nanos == 0) {
            return Err(PyValueError::new_err(format!(
                "`{name}` must be a positive duration, got {}",
                obj.repr()?
            )));
        }
        let text = if nanos != 0 {
            format!("{}ns", us * 1_000 + nanos)
        } else {
            format!("{us}us")
        };
        return parse_duration(name, &text);
    }
    Err(PyTypeError::new_err(format!(
        "`{name}` must be a duration string such as '5m' or a datetime.timedelta, got {}",
        type_name(obj)
    )))
}

/// `closed` as given: `None` when omitted or `None`.
fn closed_arg(arg: &Arg<'_>) -> PyResult<Option<Closed>> {
    let Some(obj) = arg.object() else {
        return Ok(None);
    };
    let s = obj.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "`closed` must be one of 'right', 'left', 'both', 'none', got {}",
            type_name(obj)
        ))
    })?;
    Closed::parse(s.to_str()?).map(Some).map_err(value_error)
}

/// The window of a rolling object: an int is a row count (and then `closed` must stay
/// `'right'`, the default: a row window has no ends in time), a str or `timedelta` a time
/// window.
pub fn span(window_size: &Bound<'_, PyAny>, closed: &Arg<'_>) -> PyResult<Span> {
    let closed = closed_arg(closed)?;
    if is_duration(window_size)? {
        let d = duration("window_size", window_size)?;
        return Ok(Span::Time {
            width: d.width,
            kind: d.kind,
            closed: closed.unwrap_or_default(),
            text: d.text,
        });
    }
    let rows = count("window_size", window_size).map_err(|e| {
        if e.is_instance_of::<PyTypeError>(window_size.py()) {
            PyTypeError::new_err(format!(
                "`window_size` must be an int (a number of rows) or a duration (a str such \
                 as '5m', or a datetime.timedelta), got {}",
                type_name(window_size)
            ))
        } else {
            e
        }
    })?;
    rows_span(rows, closed)
}

fn rows_span(rows: u64, closed: Option<Closed>) -> PyResult<Span> {
    match closed {
        Some(Closed::Right) | None => Ok(Span::Rows(rows)),
        Some(c) => Err(PyValueError::new_err(format!(
            "`closed` (found '{}') applies to a time window only: give a duration \
             window_size (such as '5m'), or leave closed at 'right' for a window of {rows} \
             rows",
            c.name()
        ))),
    }
}

/// `span` for an optional `window_size` (a row count by default).
pub fn span_or(window_size: &Arg<'_>, closed: &Arg<'_>, default_rows: u64) -> PyResult<Span> {
    match window_size {
        Arg::Given(w) => span(w, closed),
        Arg::Omitted => rows_span(default_rows, closed_arg(closed)?),
    }
}

/// `min_samples` of a rolling object: for a row window as `rolling_min_samples`; for a time
/// window the default is 1 and any count is allowed (as the `_by` expressions).
pub fn span_min_samples(span: &Span, min_samples: &Arg<'_>, lowest_ok: u64) -> PyResult<u64> {
    let given = super::plumbing::opt_count("min_samples", min_samples)?;
    match span {
        Span::Rows(n) => super::plumbing::rolling_min_samples(given, *n, lowest_ok),
        Span::Time { .. } | Span::Unbounded => Ok(given.unwrap_or(1)),
    }
}

// ---- Times ----------------------------------------------------------------------------------

/// What a time-based object takes as time, for checking and converting times.
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    pub kind: TimeKind,
    /// The duration as written (its day units forbid a time zone; messages show it).
    pub text: String,
    /// The parameter holding the duration (`window_size` or `half_life`).
    pub param: &'static str,
}

impl Clock {
    fn wrong_kind(&self, name: &str, obj: &Bound<'_, PyAny>) -> PyErr {
        match self.kind {
            TimeKind::Index => PyTypeError::new_err(format!(
                "`{name}` must be an int for {}='{}' (an integer time), got {}",
                self.param,
                self.text,
                type_name(obj)
            )),
            TimeKind::Temporal => PyTypeError::new_err(format!(
                "`{name}` must be a datetime.datetime, datetime.date or numpy.datetime64 for \
                 {}='{}', got {} (integer times need an integer duration such as '5i')",
                self.param,
                self.text,
                type_name(obj)
            )),
        }
    }

    fn wrong_dtype(&self, name: &str, dtype: &DataType) -> PyErr {
        let expected = match self.kind {
            TimeKind::Index => "integers",
            TimeKind::Temporal => "datetimes or dates",
        };
        PyTypeError::new_err(format!(
            "`{name}` must hold {expected} for {}='{}', got dtype {dtype}",
            self.param, self.text
        ))
    }

    /// A time zone is fine unless the duration has days or weeks: those follow calendar
    /// days in the zone in Polars (23 or 25 hours across a DST change), not 24 hours.
    fn check_zone(&self, zone: &str) -> PyResult<()> {
        if matches!(zone, "UTC" | "Etc/UTC" | "utc") || !has_day_units(&self.text) {
            return Ok(());
        }
        Err(PyValueError::new_err(format!(
            "`{}`='{}' has day or week units and the times carry the time zone {zone}: \
             Polars measures such a window in calendar days of that zone, which objects do \
             not; give the duration in hours (e.g. '24h') or the times in UTC",
            self.param, self.text
        )))
    }
}

fn null_time(name: &str) -> PyErr {
    PyValueError::new_err(format!(
        "`{name}` holds a null time: a time-based object cannot place a row without a time"
    ))
}

fn out_of_range(name: &str) -> PyErr {
    PyValueError::new_err(format!(
        "`{name}` is out of the range of nanosecond timestamps (years 1677 to 2262)"
    ))
}

/// Days from 1970-01-01 to the proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_numpy(obj: &Bound<'_, PyAny>) -> bool {
    obj.get_type()
        .module()
        .map(|m| m.to_string().starts_with("numpy"))
        .unwrap_or(false)
}

/// One time: an int (integer windows), a `datetime.datetime` (naive as it is, aware as its
/// UTC instant), a `datetime.date` (midnight) or a `numpy.datetime64` (any unit).
pub fn time_of(clock: &Clock, name: &str, obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    let py = obj.py();
    if obj.is_none() {
        return Err(null_time(name));
    }
    let int_time = |obj: &Bound<'_, PyAny>| -> PyResult<i64> {
        if clock.kind != TimeKind::Index {
            return Err(clock.wrong_kind(name, obj));
        }
        let v = obj.call_method0(intern!(py, "__index__"))?;
        v.extract::<i64>().map_err(|_| {
            PyValueError::new_err(format!(
                "`{name}` must be an int in [-2**63, 2**63) (found {v})"
            ))
        })
    };
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return int_time(obj);
    }
    if obj.is_instance(datetime_type(py, "date")?)? {
        if clock.kind != TimeKind::Temporal {
            return Err(clock.wrong_kind(name, obj));
        }
        return datetime_ns(clock, name, obj);
    }
    if is_numpy(obj) {
        match numpy_kind(obj)? {
            Some('i' | 'u') => return int_time(obj),
            Some('M') if clock.kind == TimeKind::Temporal => {
                return numpy_scalar_time(name, obj);
            }
            _ => {}
        }
    }
    Err(clock.wrong_kind(name, obj))
}

/// A `numpy.datetime64` scalar as nanoseconds.
fn numpy_scalar_time(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    let py = obj.py();
    let np = py.import(intern!(py, "numpy"))?;
    let data = np.call_method1(
        intern!(py, "datetime_data"),
        (obj.getattr(intern!(py, "dtype"))?,),
    )?;
    let (unit, count): (String, i64) = data.extract()?;
    if matches!(unit.as_str(), "Y" | "M") {
        let days = obj.call_method1(intern!(py, "astype"), ("datetime64[D]",))?;
        return numpy_scalar_time(name, &days);
    }
    let raw: i64 = obj
        .call_method1(intern!(py, "astype"), ("int64",))?
        .extract()?;
    scale_numpy(name, &unit, count, raw)
}

/// The numpy dtype kind (`'M'`, `'i'`, `'f'`, ...) of a numpy scalar or array.
fn numpy_kind(obj: &Bound<'_, PyAny>) -> PyResult<Option<char>> {
    match obj.getattr("dtype") {
        Ok(dt) => Ok(dt.getattr("kind")?.extract::<String>()?.chars().next()),
        Err(_) => Ok(None),
    }
}

/// A `datetime.datetime` or `datetime.date` as nanoseconds since the epoch.
fn datetime_ns(clock: &Clock, name: &str, obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    let py = obj.py();
    let field = |f: &Bound<'_, PyString>| -> PyResult<i64> { obj.getattr(f)?.extract() };
    let days = days_from_civil(
        field(intern!(py, "year"))?,
        field(intern!(py, "month"))?,
        field(intern!(py, "day"))?,
    );
    let datetime = datetime_type(py, "datetime")?;
    if !obj.is_instance(datetime)? {
        return (days as i128 * NS_DAY as i128)
            .try_into()
            .map_err(|_| out_of_range(name));
    }
    let mut ns = days as i128 * NS_DAY as i128
        + (field(intern!(py, "hour"))? * 3_600
            + field(intern!(py, "minute"))? * 60
            + field(intern!(py, "second"))?) as i128
            * NS_S as i128
        + field(intern!(py, "microsecond"))? as i128 * NS_US as i128;
    // A subclass such as pandas' Timestamp may keep nanoseconds beyond the microsecond.
    if !obj.get_type().is(datetime) {
        if let Ok(n) = obj.getattr(intern!(py, "nanosecond")) {
            ns += n.extract::<i64>().unwrap_or(0) as i128;
        }
    }
    let offset = obj.call_method0(intern!(py, "utcoffset"))?;
    if !offset.is_none() {
        let tz = obj.getattr("tzinfo")?;
        let fixed = tz.is_instance(datetime_type(py, "timezone")?)?;
        if !fixed {
            let zone = tz
                .getattr("key")
                .or_else(|_| tz.str().map(|s| s.into_any()))?
                .to_string();
            clock.check_zone(&zone)?;
        }
        let d: i128 = offset.getattr("days")?.extract()?;
        let s: i128 = offset.getattr("seconds")?.extract()?;
        let us: i128 = offset.getattr("microseconds")?.extract()?;
        ns -= ((d * 86_400 + s) * 1_000_000 + us) * NS_US as i128;
    }
    i64::try_from(ns).map_err(|_| out_of_range(name))
}

/// The times of a numpy datetime64 array, as nanoseconds (any unit, exactly).
fn numpy_times(name: &str, arr: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    let py = arr.py();
    let np = py.import("numpy")?;
    let mut arr = arr.clone();
    let data = np.call_method1("datetime_data", (arr.getattr("dtype")?,))?;
    let (mut unit, mut count): (String, i64) = data.extract()?;
    if matches!(unit.as_str(), "Y" | "M") {
        // Calendar units: numpy converts them to days exactly.
        arr = arr.call_method1("astype", ("datetime64[D]",))?;
        (unit, count) = ("D".into(), 1);
    }
    // The raw int64 values in the array's unit (NaT is i64::MIN), contiguous and native.
    let raw = np.call_method1(
        "ascontiguousarray",
        (arr.call_method1("astype", ("=i8",))?
            .call_method0("ravel")?,),
    )?;
    let raw: Vec<i64> = match PyBuffer::<i64>::get(&raw) {
        Ok(buf) => buf.to_vec(py)?,
        Err(_) => raw.call_method0("tolist")?.extract()?,
    };
    raw.into_iter()
        .map(|v| scale_numpy(name, &unit, count, v))
        .collect()
}

/// A raw numpy datetime64 value (`count` steps of `unit` since the epoch) as nanoseconds.
fn scale_numpy(name: &str, unit: &str, count: i64, v: i64) -> PyResult<i64> {
    if v == i64::MIN {
        return Err(null_time(name)); // NaT
    }
    let (mul, div): (i64, i64) = match unit {
        "W" => (7 * NS_DAY, 1),
        "D" => (NS_DAY, 1),
        "h" => (3_600 * NS_S, 1),
        "m" => (60 * NS_S, 1),
        "s" => (NS_S, 1),
        "ms" => (NS_MS, 1),
        "us" => (NS_US, 1),
        "ns" => (1, 1),
        "ps" => (1, 1_000),
        "fs" => (1, 1_000_000),
        "as" => (1, 1_000_000_000),
        _ => {
            return Err(PyTypeError::new_err(format!(
                "`{name}`: numpy datetime64 unit '{unit}' is not supported"
            )))
        }
    };
    let ns = v as i128 * count as i128 * mul as i128;
    if ns % div as i128 != 0 {
        return Err(PyValueError::new_err(format!(
            "`{name}` holds a time that is not a whole number of nanoseconds (numpy unit \
             '{unit}')"
        )));
    }
    i64::try_from(ns / div as i128).map_err(|_| out_of_range(name))
}

/// The times of a Polars Series: Datetime (any unit and zone), Date, or integers.
/// The times of a Series as `i64` (ns instants, or integers), checked against `clock`;
/// `name` is what messages call the column.
pub(crate) fn series_times(clock: &Clock, name: &str, s: &Series) -> PyResult<Vec<i64>> {
    if s.null_count() > 0 {
        return Err(null_time(name));
    }
    let dtype = s.dtype().clone();
    let scale = |phys: &Series, factor: i64| -> PyResult<Vec<i64>> {
        let ca = phys.i64().map_err(|_| clock.wrong_dtype(name, &dtype))?;
        ca.into_no_null_iter()
            .map(|v| v.checked_mul(factor).ok_or_else(|| out_of_range(name)))
            .collect()
    };
    match &dtype {
        DataType::Datetime(unit, zone) => {
            if clock.kind != TimeKind::Temporal {
                return Err(clock.wrong_dtype(name, &dtype));
            }
            if let Some(zone) = zone {
                clock.check_zone(zone.as_str())?;
            }
            let factor = match unit {
                TimeUnit::Nanoseconds => 1,
                TimeUnit::Microseconds => NS_US,
                TimeUnit::Milliseconds => NS_MS,
            };
            scale(&s.to_physical_repr(), factor)
        }
        DataType::Date => {
            if clock.kind != TimeKind::Temporal {
                return Err(clock.wrong_dtype(name, &dtype));
            }
            let phys = s
                .to_physical_repr()
                .cast(&DataType::Int64)
                .map_err(|_| clock.wrong_dtype(name, &dtype))?;
            scale(&phys, NS_DAY)
        }
        d if d.is_integer() => {
            if clock.kind != TimeKind::Index {
                return Err(clock.wrong_dtype(name, &dtype));
            }
            let phys = s.strict_cast(&DataType::Int64).map_err(|_| {
                PyValueError::new_err(format!(
                    "`{name}` holds an integer beyond 2**63 - 1 (dtype {dtype})"
                ))
            })?;
            scale(&phys, 1)
        }
        DataType::Null if s.is_empty() => Ok(Vec::new()),
        _ => Err(clock.wrong_dtype(name, &dtype)),
    }
}

fn series_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static SERIES: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    SERIES.import(py, "polars", "Series")
}

const TIMES_KINDS: &str = "`times` must be a Polars Series, numpy array, pyarrow array or \
                           sequence of times";

/// A batch of times: a list or tuple (each item as `t`), a numpy array (datetime64 of any
/// unit, integers), a Polars Series or anything `pl.Series` reads (pyarrow arrays).
pub fn times_of(clock: &Clock, obj: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    let py = obj.py();
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return obj
            .try_iter()?
            .enumerate()
            .map(|(i, item)| time_of(clock, &format!("times[{i}]"), &item?))
            .collect();
    }
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!("{TIMES_KINDS}, got str")));
    }
    let series_type = series_type(py)?;
    let s = if obj.is_instance(series_type)? {
        obj.extract::<PySeries>()?.0
    } else {
        if is_numpy(obj) && obj.hasattr("ndim")? {
            match numpy_kind(obj)? {
                Some('M') => {
                    if clock.kind != TimeKind::Temporal {
                        return Err(clock.wrong_kind("times", obj));
                    }
                    return numpy_times("times", obj);
                }
                Some('O') => {
                    let list = obj.call_method0("tolist")?;
                    return times_of(clock, &list);
                }
                _ => {}
            }
        }
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("values", obj)?;
        let s = series_type
            .call((), Some(&kwargs))
            .map_err(|e| PyTypeError::new_err(format!("{TIMES_KINDS} ({e})")))?;
        s.extract::<PySeries>()?.0
    };
    series_times(clock, "times", &s)
}

// ---- The time-based protocol ------------------------------------------------------------------

/// A statistic that may be time-based: what `update(x, t)`, `update_many(values, times)`
/// and `running(values, times)` need from it.
pub trait Timed: Statistic {
    /// The time it takes (`None`: its window counts rows, it takes no time).
    fn clock(&mut self) -> Option<Clock>;

    /// One row at time `t`; an error (and no change) if `t` is before the last time.
    fn update_at(&mut self, x: Option<f64>, t: i64) -> Result<Option<f64>, StatError>;

    /// The rows of a batch sorted by time, recording each row's output as the `_by`
    /// expression would (rows with equal times share one window). Checks the times before
    /// any row enters: an error leaves the state as it was.
    fn run_at(
        &mut self,
        values: &[f64],
        valid: &dyn Fn(usize) -> bool,
        times: &[i64],
        out: &mut Running,
    ) -> Result<(), StatError>;

    /// The latest time seen.
    fn last_time(&mut self) -> Option<i64>;

    /// The rows of a batch of an object whose window counts rows (`valid`: which rows hold
    /// a value), recording each row's output: `running(values)` on plain slices.
    fn run_slice(&mut self, values: &[f64], valid: Option<&Bitmap>, out: &mut Running) {
        match valid.filter(|v| v.unset_bits() > 0) {
            None => crate::core::sweep::run_dense(self, values, out),
            Some(v) => crate::core::sweep::run_masked(self, values, |i| v.get_bit(i), out),
        }
    }

    /// `update_many(values)` of an object whose window counts rows.
    fn feed_rows(&mut self, values: &Bound<'_, PyAny>) -> PyResult<()> {
        super::plumbing::update_many(self, values)
    }

    /// `running(values)` of an object whose window counts rows.
    fn run_rows(&mut self, values: &Bound<'_, PyAny>) -> PyResult<PySeries> {
        super::plumbing::running(self, values)
    }
}

fn needs_time(clock: &Clock, method: &str, name: &str, cls: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "{cls}.{method}: `{name}` is required: the object is time-based ({}='{}'); pass the \
         time of each row",
        clock.param, clock.text
    ))
}

fn takes_no_time(cls: &str, method: &str, name: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "{cls}.{method}: `{name}` is only for a time-based object (a duration window_size or \
         half_life); this one counts rows"
    ))
}

fn backwards(e: StatError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// `update(x)` of a row object, `update(x, t)` of a time-based one.
pub fn update<S: Timed>(stat: &mut S, x: Option<f64>, t: &Arg<'_>) -> PyResult<()> {
    match (stat.clock(), t) {
        (None, t) if t.object().is_none() => {
            crate::core::Kernel::update(stat, x);
            Ok(())
        }
        (None, _) => Err(takes_no_time(S::NAME, "update", "t")),
        (Some(clock), Arg::Omitted) => Err(needs_time(&clock, "update", "t", S::NAME)),
        (Some(clock), Arg::Given(obj)) => {
            let t = time_of(&clock, "t", obj)?;
            if let Some(last) = stat.last_time().filter(|&last| t < last) {
                return Err(PyValueError::new_err(format!(
                    "{}.update: time went backwards: `t` ({}) is before the last time seen \
                     ({}); times must not decrease (the state is unchanged)",
                    S::NAME,
                    show_time(clock.kind, t),
                    show_time(clock.kind, last)
                )));
            }
            stat.update_at(x, t).map_err(backwards)?;
            Ok(())
        }
    }
}

/// The values of a batch as f64 with their validity, and the input's name and dtype.
struct Values {
    values: Vec<f64>,
    valid: Option<Bitmap>,
    name: PlSmallStr,
    float32: bool,
}

fn values_of<S: Statistic>(method: &str, values: &Bound<'_, PyAny>) -> PyResult<Values> {
    match batch_of(values)? {
        Batch::Buffer(buf) => Ok(Values {
            values: buf.to_vec(values.py())?,
            valid: None,
            name: PlSmallStr::EMPTY,
            float32: false,
        }),
        Batch::Series(s) => {
            let bad = || {
                PyTypeError::new_err(format!(
                    "{}.{method}: `values` must hold numbers, got dtype {}",
                    S::NAME,
                    s.dtype()
                ))
            };
            let out = output_dtype(s.dtype()).map_err(|_| bad())?;
            let ca = s
                .cast(&DataType::Float64)
                .map_err(|_| bad())?
                .f64()
                .map_err(|_| bad())?
                .rechunk()
                .into_owned();
            let arr = ca.downcast_iter().next().cloned();
            let (values, valid) = match arr {
                Some(arr) => (
                    arr.values().as_slice().to_vec(),
                    arr.validity().filter(|v| v.unset_bits() > 0).cloned(),
                ),
                None => (Vec::new(), None),
            };
            Ok(Values {
                values,
                valid,
                name: s.name().clone(),
                float32: out == DataType::Float32,
            })
        }
    }
}

/// Values and times of a batch for a time-based object: lengths checked.
fn rows_of<S: Timed>(
    clock: &Clock,
    method: &str,
    values: &Bound<'_, PyAny>,
    times: &Bound<'_, PyAny>,
) -> PyResult<(Values, Vec<i64>)> {
    let v = values_of::<S>(method, values)?;
    let t = times_of(clock, times)?;
    if v.values.len() != t.len() {
        return Err(PyValueError::new_err(format!(
            "{}.{method}: `values` has {} rows but `times` has {}",
            S::NAME,
            v.values.len(),
            t.len()
        )));
    }
    Ok((v, t))
}

/// Whether the batch's times may come next: not before the last time, never decreasing.
fn check_order<S: Timed>(stat: &mut S, clock: &Clock, method: &str, times: &[i64]) -> PyResult<()> {
    let show = |t: i64| show_time(clock.kind, t);
    if let (Some(last), Some(&first)) = (stat.last_time(), times.first()) {
        if first < last {
            return Err(PyValueError::new_err(format!(
                "{}.{method}: time went backwards: times[0] ({}) is before the last time \
                 seen ({}); times must not decrease (the state is unchanged)",
                S::NAME,
                show(first),
                show(last)
            )));
        }
    }
    if let Some(i) = times.windows(2).position(|w| w[1] < w[0]) {
        return Err(PyValueError::new_err(format!(
            "{}.{method}: `times` must not decrease: times[{}] ({}) comes after times[{i}] \
             ({}) (the state is unchanged)",
            S::NAME,
            i + 1,
            show(times[i + 1]),
            show(times[i])
        )));
    }
    Ok(())
}

/// `update_many(values)` of a row object, `update_many(values, times)` of a time-based
/// one: `update(x, t)` row by row, after checking the order of the whole batch.
pub fn update_many<S: Timed>(
    stat: &mut S,
    values: &Bound<'_, PyAny>,
    times: &Arg<'_>,
) -> PyResult<()> {
    match (stat.clock(), times) {
        (None, t) if t.object().is_none() => stat.feed_rows(values),
        (None, _) => Err(takes_no_time(S::NAME, "update_many", "times")),
        (Some(clock), Arg::Omitted) => Err(needs_time(&clock, "update_many", "times", S::NAME)),
        (Some(clock), Arg::Given(times)) => {
            let (v, t) = rows_of::<S>(&clock, "update_many", values, times)?;
            check_order(stat, &clock, "update_many", &t)?;
            for (i, (&x, &t)) in v.values.iter().zip(&t).enumerate() {
                let x = match &v.valid {
                    Some(valid) if !valid.get_bit(i) => None,
                    _ => Some(x),
                };
                stat.update_at(x, t).map_err(backwards)?;
            }
            Ok(())
        }
    }
}

fn to_series(name: PlSmallStr, out: Running, float32: bool) -> PyResult<Series> {
    let s = Float64Chunked::from_chunk_iter(name, [to_array(out)]).into_series();
    if float32 {
        return s
            .cast(&DataType::Float32)
            .map_err(|e| PyValueError::new_err(e.to_string()));
    }
    Ok(s)
}

/// `running(values)` of a row object, `running(values, times)` of a time-based one: the
/// `_by` expression's output on the same (sorted) rows.
pub fn running<S: Timed>(
    stat: &mut S,
    values: &Bound<'_, PyAny>,
    times: &Arg<'_>,
) -> PyResult<PySeries> {
    match (stat.clock(), times) {
        (None, t) if t.object().is_none() => stat.run_rows(values),
        (None, _) => Err(takes_no_time(S::NAME, "running", "times")),
        (Some(clock), Arg::Omitted) => Err(needs_time(&clock, "running", "times", S::NAME)),
        (Some(clock), Arg::Given(times)) => {
            let (v, t) = rows_of::<S>(&clock, "running", values, times)?;
            check_order(stat, &clock, "running", &t)?;
            let mut out = Running::with_capacity(t.len());
            let valid = |i: usize| v.valid.as_ref().is_none_or(|b| b.get_bit(i));
            stat.run_at(&v.values, &valid, &t, &mut out)
                .map_err(backwards)?;
            Ok(PySeries(to_series(v.name, out, v.float32)?))
        }
    }
}

/// Every windowed statistic (the `Rolling*` classes): time-based when its span is a duration.
impl<S: Windowed + Statistic> Timed for S {
    fn clock(&mut self) -> Option<Clock> {
        match self.window().span() {
            Span::Time { kind, text, .. } => Some(Clock {
                kind: *kind,
                text: text.clone(),
                param: "window_size",
            }),
            Span::Rows(_) | Span::Unbounded => None,
        }
    }

    fn update_at(&mut self, x: Option<f64>, t: i64) -> Result<Option<f64>, StatError> {
        Windowed::update_at(self, x, t)
    }

    fn run_at(
        &mut self,
        values: &[f64],
        valid: &dyn Fn(usize) -> bool,
        times: &[i64],
        out: &mut Running,
    ) -> Result<(), StatError> {
        let span = self.window().span().clone();
        run_by(self, values, valid, times, |_, t| span.start_of(t), out)
    }

    fn last_time(&mut self) -> Option<i64> {
        self.window().last_time()
    }
}

/// The statistics that always count rows (cumulative ones): never time-based.
macro_rules! row_only {
    ($([$($gen:tt)*] $stat:ty),* $(,)?) => {$(
        impl<$($gen)*> Timed for $stat {
            fn clock(&mut self) -> Option<Clock> {
                None
            }

            fn update_at(&mut self, x: Option<f64>, _t: i64) -> Result<Option<f64>, StatError> {
                Ok(crate::core::Kernel::update(self, x))
            }

            fn run_at(
                &mut self,
                _values: &[f64],
                _valid: &dyn Fn(usize) -> bool,
                _times: &[i64],
                _out: &mut Running,
            ) -> Result<(), StatError> {
                Err(StatError::InvalidOperation(format!("{} takes no times", Self::NAME)))
            }

            fn last_time(&mut self) -> Option<i64> {
                None
            }
        }
    )*};
}

row_only!(
    [F: crate::core::moments::Finish] crate::core::moments::Cumulative<F>,
    [] crate::core::quantile::Quantile,
    [] crate::core::quantile::Iqr,
);
