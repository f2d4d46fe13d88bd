//! The generic half of every Python object: input conversion, batch feeding, pickling,
//! copying and repr. Each `#[pyclass]` only adds its constructor (see `stat_class!`).

use polars::prelude::{PlSmallStr, Series};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyMemoryView, PyString, PyTuple, PyType,
};
use pyo3_polars::PySeries;

use crate::core::{snapshot, OptionValue, StatError, Statistic};
use crate::expressions::series::{feed_series, run_series, run_slice_series, DtypeError};

/// A core error as Python's exception: `TypeError` for a statistic that cannot merge,
/// `ValueError` for everything else (bad options, state or operation).
pub fn value_error(e: StatError) -> PyErr {
    match e {
        StatError::NotMergeable(msg) => PyTypeError::new_err(msg),
        e => PyValueError::new_err(e.to_string()),
    }
}

fn dtype_error<S: Statistic>(method: &str, e: DtypeError) -> PyErr {
    PyTypeError::new_err(format!(
        "{}.{method}: `values` must hold numbers, got dtype {}",
        S::NAME,
        e.0
    ))
}

/// A batch of input values: either a contiguous float64 buffer (numpy, array.array, …)
/// read in place, or a Polars Series (anything else goes through `pl.Series(values=...)`).
pub enum Batch {
    Buffer(PyBuffer<f64>),
    Series(Series),
}

fn series_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static SERIES: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    SERIES.import(py, "polars", "Series")
}

/// What a batch of values may be (the start of every message about a bad batch).
const VALUES_KINDS: &str =
    "`values` must be a Polars Series, numpy array, pyarrow array or sequence of numbers";

pub fn batch_of(values: &Bound<'_, PyAny>) -> PyResult<Batch> {
    let py = values.py();
    let series_type = series_type(py)?;
    if !values.is_instance(series_type)? {
        if values.is_instance_of::<PyBytes>()
            || values.is_instance_of::<PyByteArray>()
            || values.is_instance_of::<PyMemoryView>()
        {
            // Raw bytes would be read as uint8 numbers; the expressions refuse them too.
            return Err(PyTypeError::new_err(format!(
                "{VALUES_KINDS}, got {}",
                type_name(values)
            )));
        }
        // The in-place path reads the memory as native f64: only for native byte order, and
        // never for a masked array (its mask is not part of the buffer); those go through
        // `pl.Series`, which honours both.
        if !values.hasattr("mask")? {
            if let Ok(buf) = PyBuffer::<f64>::get(values) {
                if buf.dimensions() == 1 && buf.is_c_contiguous() && native_f64(&buf) {
                    return Ok(Batch::Buffer(buf));
                }
            }
        }
        let kwargs = PyDict::new(py);
        kwargs.set_item("values", values)?;
        let s = series_type
            .call((), Some(&kwargs))
            .map_err(|e| PyTypeError::new_err(format!("{VALUES_KINDS} ({e})")))?;
        return Ok(Batch::Series(s.extract::<PySeries>()?.0));
    }
    Ok(Batch::Series(values.extract::<PySeries>()?.0))
}

/// Whether the buffer's items are f64 in this machine's byte order (struct format `d`,
/// optionally with a native/standard prefix that means the same here).
fn native_f64(buf: &PyBuffer<f64>) -> bool {
    let format = buf.format().to_bytes();
    match format {
        b"d" | b"@d" | b"=d" => true,
        b"<d" => cfg!(target_endian = "little"),
        b">d" | b"!d" => cfg!(target_endian = "big"),
        _ => false,
    }
}

fn buffer_slice(buf: &PyBuffer<f64>) -> &[f64] {
    // SAFETY: the buffer is 1-D, C-contiguous and of f64 items (checked in `batch`); it stays
    // alive and we hold the GIL (not released) while the slice is in use.
    unsafe { std::slice::from_raw_parts(buf.buf_ptr() as *const f64, buf.item_count()) }
}

pub fn update_many<S: Statistic>(stat: &mut S, values: &Bound<'_, PyAny>) -> PyResult<()> {
    match batch_of(values)? {
        Batch::Buffer(buf) => crate::core::sweep::feed_dense(stat, buffer_slice(&buf)),
        Batch::Series(s) => {
            feed_series(stat, &s).map_err(|e| dtype_error::<S>("update_many", e))?
        }
    }
    Ok(())
}

pub fn running<S: Statistic>(stat: &mut S, values: &Bound<'_, PyAny>) -> PyResult<PySeries> {
    let out = match batch_of(values)? {
        Batch::Buffer(buf) => run_slice_series(stat, PlSmallStr::EMPTY, buffer_slice(&buf)),
        Batch::Series(s) => run_series(stat, &s).map_err(|e| dtype_error::<S>("running", e))?,
    };
    Ok(PySeries(out))
}

pub fn getstate<'py, S: Statistic>(py: Python<'py>, stat: &S) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &snapshot::encode(stat))
}

pub fn setstate<S: Statistic>(stat: &mut S, state: &Bound<'_, PyAny>) -> PyResult<()> {
    let bytes = state
        .cast::<PyBytes>()
        .map_err(|_| PyTypeError::new_err(format!("{}.__setstate__ expects bytes", S::NAME)))?;
    *stat = snapshot::decode(bytes.as_bytes()).map_err(value_error)?;
    Ok(())
}

/// `((), {option: value})`: the constructor arguments that rebuild the options; pickle then
/// restores the state with `__setstate__`.
pub fn getnewargs_ex<'py, S: Statistic>(
    py: Python<'py>,
    stat: &S,
) -> PyResult<Bound<'py, PyTuple>> {
    let kwargs = options_dict(py, stat)?;
    PyTuple::new(py, [PyTuple::empty(py).into_any(), kwargs.into_any()])
}

pub fn options_dict<'py, S: Statistic>(py: Python<'py>, stat: &S) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (name, value) in stat.options() {
        match value {
            OptionValue::Float(v) => d.set_item(name, v)?,
            OptionValue::Int(v) => d.set_item(name, v)?,
            OptionValue::Bool(v) => d.set_item(name, v)?,
            OptionValue::Str(v) => d.set_item(name, v)?,
            OptionValue::Text(v) => d.set_item(name, v)?,
        }
    }
    Ok(d)
}

fn py_float(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{v:?}")
    }
}

pub fn repr<S: Statistic>(stat: &S) -> String {
    let mut parts: Vec<String> = stat
        .options()
        .into_iter()
        .map(|(name, v)| match v {
            OptionValue::Float(v) => format!("{name}={}", py_float(v)),
            OptionValue::Int(v) => format!("{name}={v}"),
            OptionValue::Bool(v) => format!("{name}={}", if v { "True" } else { "False" }),
            OptionValue::Str(v) => format!("{name}='{v}'"),
            OptionValue::Text(v) => format!("{name}='{v}'"),
        })
        .collect();
    parts.push(format!(
        "value={}",
        stat.get().map_or_else(|| "None".into(), py_float)
    ));
    format!("{}({})", S::NAME, parts.join(", "))
}

// ---- Constructor options -----------------------------------------------------------------
//
// Every option is taken as the Python object the caller passed and checked here, so that a
// wrong type or value names the option (`TypeError: \`window_size\` must be an int, got
// float`) instead of surfacing as a generic conversion error, a panic, or a kwargs decoding
// error when a plugin runs.

/// A constructor argument as Python passed it, or `Omitted`: the documented default applies.
/// (A Rust default cannot be a Python object, so optional arguments arrive as this; the
/// defaults shown by `__text_signature__` are spelled out in each `text_signature`.)
pub enum Arg<'py> {
    Given(Bound<'py, PyAny>),
    Omitted,
}

impl<'py> FromPyObject<'_, 'py> for Arg<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        Ok(Arg::Given(obj.to_owned()))
    }
}

impl<'py> Arg<'py> {
    /// The object, `None` when omitted or given as Python's `None`.
    pub fn object(&self) -> Option<&Bound<'py, PyAny>> {
        match self {
            Arg::Given(obj) if !obj.is_none() => Some(obj),
            _ => None,
        }
    }
}

/// The name of `obj`'s type as the messages show it: `float`, `NoneType`, `numpy.float32`.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    let t = obj.get_type();
    let name = t.qualname().map(|n| n.to_string()).unwrap_or_default();
    match t.module().map(|m| m.to_string()) {
        Ok(module) if module != "builtins" => format!("{module}.{name}"),
        _ => name,
    }
}

fn wrong_type(name: &str, expected: &str, obj: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "`{name}` must be {expected}, got {}",
        type_name(obj)
    ))
}

fn numbers_abc<'py>(py: Python<'py>, which: &str) -> PyResult<Bound<'py, PyType>> {
    static INTEGRAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static REAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let cell = if which == "Integral" {
        &INTEGRAL
    } else {
        &REAL
    };
    Ok(cell.import(py, "numbers", which)?.clone())
}

/// Whether `obj` is an integer: a Python int (or a registered `numbers.Integral` such as a
/// numpy integer), never a bool.
fn is_integer(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    if obj.is_instance_of::<PyBool>() {
        return Ok(false);
    }
    Ok(obj.is_instance_of::<PyInt>()
        || obj.is_instance(numbers_abc(obj.py(), "Integral")?.as_any())?)
}

/// An integer option: an int (not a bool) in `[0, 2**63)`. The bound is the plugins': they
/// receive their options as pickled keyword arguments, which cannot carry 2**63 or more.
pub fn count(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<u64> {
    if !is_integer(obj)? {
        return Err(wrong_type(name, "an int", obj));
    }
    let v = obj.py().import("operator")?.call_method1("index", (obj,))?;
    match v.extract::<i64>() {
        Ok(v) if v >= 0 => Ok(v as u64),
        Ok(v) => Err(PyValueError::new_err(format!(
            "`{name}` must be >= 0 (found {v})"
        ))),
        Err(_) => {
            let bound = if v.lt(0)? { ">= 0" } else { "< 2**63" };
            Err(PyValueError::new_err(format!(
                "`{name}` must be {bound} (found {v})"
            )))
        }
    }
}

/// An optional integer option: omitted or `None` gives `None`.
pub fn opt_count(name: &str, arg: &Arg<'_>) -> PyResult<Option<u64>> {
    arg.object().map(|obj| count(name, obj)).transpose()
}

/// An integer option with a default.
pub fn count_or(name: &str, arg: &Arg<'_>, default: u64) -> PyResult<u64> {
    match arg {
        Arg::Given(obj) => count(name, obj),
        Arg::Omitted => Ok(default),
    }
}

/// Whether `obj` is a numpy bool (`numpy.bool`, formerly `numpy.bool_`), which Polars'
/// own boolean options accept.
fn is_numpy_bool(obj: &Bound<'_, PyAny>) -> bool {
    let t = obj.get_type();
    let module = t.module().map(|m| m.to_string()).unwrap_or_default();
    let name = t.name().map(|n| n.to_string()).unwrap_or_default();
    module == "numpy" && (name == "bool" || name == "bool_")
}

/// A bool option with a default: `True` or `False` (a numpy bool too), nothing else.
pub fn flag_or(name: &str, arg: &Arg<'_>, default: bool) -> PyResult<bool> {
    match arg {
        Arg::Given(obj) if obj.is_instance_of::<PyBool>() || is_numpy_bool(obj) => obj.is_truthy(),
        Arg::Given(obj) => Err(wrong_type(name, "a bool", obj)),
        Arg::Omitted => Ok(default),
    }
}

/// A float option: an int or a float (any `numbers.Real`), not a bool or a string.
pub fn real(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    let ok = !obj.is_instance_of::<PyBool>()
        && (obj.is_instance_of::<PyFloat>()
            || obj.is_instance_of::<PyInt>()
            || obj.is_instance(numbers_abc(obj.py(), "Real")?.as_any())?);
    if !ok {
        return Err(wrong_type(name, "a float", obj));
    }
    // `float(x)`: only an int too large for a float fails (OverflowError).
    obj.py()
        .get_type::<PyFloat>()
        .call1((obj,))
        .and_then(|f| f.extract::<f64>())
        .map_err(|e| PyValueError::new_err(format!("`{name}` is out of the float range ({e})")))
}

/// A float option with a default.
pub fn real_or(name: &str, arg: &Arg<'_>, default: f64) -> PyResult<f64> {
    match arg {
        Arg::Given(obj) => real(name, obj),
        Arg::Omitted => Ok(default),
    }
}

/// An optional float option: omitted or `None` gives `None`.
pub fn opt_real(name: &str, arg: &Arg<'_>) -> PyResult<Option<f64>> {
    arg.object().map(|obj| real(name, obj)).transpose()
}

/// A string option: a `str` (its value is checked by the caller's parser).
pub fn text(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<String> {
    obj.cast::<PyString>()
        .map_err(|_| wrong_type(name, "a str", obj))?
        .to_str()
        .map(str::to_owned)
}

/// An optional string option: omitted or `None` gives `None`.
pub fn opt_text(name: &str, arg: &Arg<'_>) -> PyResult<Option<String>> {
    arg.object().map(|obj| text(name, obj)).transpose()
}

/// A string option with a default.
pub fn text_or(name: &str, arg: &Arg<'_>, default: &str) -> PyResult<String> {
    match arg {
        Arg::Given(obj) => text(name, obj),
        Arg::Omitted => Ok(default.to_owned()),
    }
}

/// `min_samples` of a rolling statistic: `None` means `window_size` (Polars' default), and
/// more than `window_size` is an error, as in Polars (`lowest_ok` raises the bound for a
/// statistic whose default is 1 even with an empty window).
pub fn rolling_min_samples(
    min_samples: Option<u64>,
    window_size: u64,
    lowest_ok: u64,
) -> PyResult<u64> {
    let m = min_samples.unwrap_or(window_size);
    if m > window_size.max(lowest_ok) {
        return Err(PyValueError::new_err(format!(
            "`min_samples` must be <= `window_size` (found {m} > {window_size})"
        )));
    }
    Ok(m)
}

/// A block of docstring text that several classes share (a parameter's numpydoc entry, a
/// paragraph of semantics), for `#[doc = doc_block!(..)]` lines: each is written once.
macro_rules! doc_block {
    (rolling_nulls) => {
        "The window counts rows, nulls included; the statistic is over its non-null values and
is ``None`` while they number fewer than ``min_samples``. Nulls: ``update(None)`` takes a
window slot, so the oldest row leaves and ``get()`` becomes the statistic of the non-null
values still in the window (``None`` once too few remain)."
    };
    (cumulative_nulls) => {
        "Nulls are ignored: ``update(None)`` changes nothing and ``get()`` stays the same.
Objects with the same options merge (``a.merge(b)``, ``a + b``, ``a += b``) into the
statistic of both streams, e.g. of data processed in parts."
    };
    (float_limit) => {
        "Values are held as 64-bit floats, so integers beyond 2**53 are rounded
(``Max().update(2**53 + 1).get()`` is ``9007199254740992.0``); the expressions
(``pss.cum_max``, ``pss.rolling_max``, ...) keep an integer column's dtype and values."
    };
    (window_size) => {
        "window_size
    An int: rows in the window, nulls included (``0`` gives a window that is always empty,
    every result ``None``, as Polars). Or a duration, which makes the object time-based: a
    Polars duration string (``'5m'``, ``'1h30m'``, ``'250ms'``; ``'5i'`` for integer
    times) or a ``datetime.timedelta``. ``'d'`` and ``'w'`` are 24 and 168 hours;
    calendar units (``'mo'``, ``'q'``, ``'y'``), zero and negative durations raise
    ``ValueError``."
    };
    (closed) => {
        "closed
    Which ends of a time window of width ``w`` belong to the window of the row at time
    ``t``: ``'right'`` (the default) ``(t - w, t]``, ``'left'`` ``[t - w, t)``, ``'both'``
    ``[t - w, t]``, ``'none'`` ``(t - w, t)``, as Polars' ``rolling_*_by``. A window of
    rows takes only ``'right'`` (``ValueError`` otherwise)."
    };
    (time_based) => {
        "With a duration ``window_size`` the object is time-based: ``update(x, t)``,
``update_many(values, times)`` and ``running(values, times)`` take the time of each row
(``datetime.datetime``, ``datetime.date``, ``numpy.datetime64``, or ints for ``'i'``
durations; naive datetimes as they are, aware ones as UTC instants; batches as sequences,
numpy arrays or Polars / pyarrow columns), and the window holds the rows within
``window_size`` before the latest time (see ``closed``): ``running`` gives the numbers of
the ``_by`` expression on the same rows, where rows with equal times share one window.
Times must not go backwards: an earlier time raises ``ValueError`` and changes nothing."
    };
    (min_samples_rolling) => {
        "min_samples
    Non-null values the window needs for a result (``0`` acts as ``1``); ``None`` (the
    default) means ``window_size``, as Polars. More than ``window_size`` raises
    ``ValueError``. With a duration ``window_size`` the default is 1 and any count is
    allowed (as the ``_by`` expressions)."
    };
    (min_samples) => {
        "min_samples
    Non-null values needed for a result (``0`` acts as ``1``)."
    };
    (ddof) => {
        "ddof
    Delta degrees of freedom: the variance of ``n`` values is their sum of squared
    deviations divided by ``n - ddof``, ``None`` while ``n <= ddof``."
    };
    (bias) => {
        "bias
    ``True`` (Polars' default) gives the biased estimator; ``False`` the adjusted one
    (pandas'), which needs 3 values for the skewness and 4 for the kurtosis."
    };
    (fisher) => {
        "fisher
    ``True`` gives the excess kurtosis (0 for a normal distribution), ``False`` Pearson's
    (3 for a normal distribution)."
    };
    (decay) => {
        "com, span, half_life, alpha
    The decay, given exactly one way: ``alpha = 1 / (1 + com)`` with ``com >= 0``,
    ``2 / (span + 1)`` with ``span >= 1``, ``1 - exp(-ln(2) / half_life)`` with
    ``half_life > 0``, or ``alpha`` itself in ``(0, 1]``. A value ``k`` rows back weighs
    ``(1 - alpha) ** k``."
    };
    (half_life_time) => {
        "A duration ``half_life`` (a Polars duration string such as ``'1h'``, ``'5i'`` for
integer times, or a ``datetime.timedelta``) makes the object time-based, as
``pss.ewm_mean_by``: ``update(x, t)``, ``update_many(values, times)`` and
``running(values, times)`` take the time of each row (as a time window of the ``Rolling*``
classes), and a value ``dt`` older than the newest weighs ``0.5 ** (dt / half_life)`` of
it: Polars' ``ewm_mean_by`` recursion, where a value at the same time as the previous one
gets no weight. A null row changes nothing. ``com``, ``span`` and ``alpha`` must then be
left out, and ``adjust``, ``min_samples`` and ``ignore_nulls`` given, if at all, only as
what the time-based form does (``False``, ``1``, ``True``): ``ValueError`` naming the
option otherwise. Times must not go backwards (``ValueError``, the state unchanged)."
    };
    (adjust) => {
        "adjust
    ``True`` (the default, as Polars) divides by the sum of the decaying weights, so early
    values are not pulled towards zero; ``False`` uses the recursion
    ``y = (1 - alpha) * y + alpha * x``."
    };
    (ignore_nulls) => {
        "ignore_nulls
    ``False`` (the default, as Polars): a null row still ages the earlier values by
    ``1 - alpha``; ``True``: null rows are skipped as if absent."
    };
    (quantile) => {
        "quantile
    The quantile, in ``[0, 1]``."
    };
    (q_inf_q_sup) => {
        "q_inf, q_sup
    The lower and upper quantiles, ``0 <= q_inf <= q_sup <= 1``: the result is
    ``quantile(q_sup) - quantile(q_inf)``."
    };
    (interpolation) => {
        "interpolation
    How a quantile between two values is chosen, with ``n`` non-null values and
    ``h = (n - 1) * quantile``: ``'nearest'`` (the default, as Polars; rounds half away
    from zero), ``'lower'``, ``'higher'``, ``'midpoint'``, ``'linear'`` (River's and
    numpy's default) or ``'equiprobable'``."
    };
    (interpolation_cumulative) => {
        "interpolation
    How a quantile between two values is chosen, as in ``RollingQuantile``: ``'nearest'``,
    ``'lower'``, ``'higher'``, ``'midpoint'``, ``'linear'`` or ``'equiprobable'``.
    ``None`` (the default) means ``'nearest'`` (Polars' default) with ``method='exact'``;
    with ``method='p2'`` it must stay ``None`` (``ValueError`` otherwise): P² does not
    interpolate."
    };
    (method) => {
        "method
    ``'exact'`` (the default) keeps every value in an order-statistic set: exact, with
    ``revert``, O(log n) time per value and O(n) memory. ``'p2'`` is Jain and Chlamtac's
    P² estimator, identical to River's: O(1) time and memory, approximate."
    };
}

pub(crate) use doc_block;

/// Declares a `#[pyclass]` wrapping a core statistic with the full object protocol; the
/// caller supplies only the constructor. With a leading `@timed`, the class may be
/// time-based (`update(x, t)`, `update_many(values, times)`, `running(values, times)`;
/// its core type implements `time::Timed`).
macro_rules! stat_class {
    (@timed $($rest:tt)*) => {
        $crate::python::plumbing::stat_class_impl! {
            {
                /// Consume one row (``x=None`` is a null row) and return the object itself, so
                /// that calls chain: ``s.update(1.0).update(2.0).get()``. A time-based object
                /// (a duration ``window_size`` or ``half_life``) needs the row's time ``t``,
                /// not before the last one (``ValueError``, the state unchanged); an object
                /// whose window counts rows takes no ``t``.
                #[pyo3(signature = (x, t=$crate::python::plumbing::Arg::Omitted, /), text_signature = "($self, x, t=None, /)")]
                fn update<'py>(
                    mut slf: PyRefMut<'py, Self>,
                    x: Option<f64>,
                    t: $crate::python::plumbing::Arg<'py>,
                ) -> PyResult<PyRefMut<'py, Self>> {
                    $crate::python::time::update(&mut slf.inner, x, &t)?;
                    Ok(slf)
                }

                /// ``update`` returning ``None`` (River's protocol; the River adapters bind it
                /// as their own ``update``, saving a Python frame per value).
                #[pyo3(signature = (x, t=$crate::python::plumbing::Arg::Omitted))]
                fn _push(&mut self, x: Option<f64>, t: $crate::python::plumbing::Arg<'_>) -> PyResult<()> {
                    $crate::python::time::update(&mut self.inner, x, &t)
                }

                /// Consume every value of ``values`` in order, exactly as ``update`` row by row
                /// (the same numbers, bit for bit) but faster; return the object itself.
                /// ``values``: a Polars Series, a numpy or pyarrow array, or a sequence of
                /// numbers and ``None``. A time-based object needs ``times`` of the same
                /// length, not decreasing and not before the last time (checked before any
                /// row enters): a sequence of times, a numpy datetime64 or integer array, or
                /// a Polars / pyarrow Datetime, Date or integer array.
                #[pyo3(signature = (values, times=$crate::python::plumbing::Arg::Omitted, /), text_signature = "($self, values, times=None, /)")]
                fn update_many<'py>(
                    mut slf: PyRefMut<'py, Self>,
                    values: &Bound<'py, PyAny>,
                    times: $crate::python::plumbing::Arg<'py>,
                ) -> PyResult<PyRefMut<'py, Self>> {
                    $crate::python::time::update_many(&mut slf.inner, values, &times)?;
                    Ok(slf)
                }

                /// The output of each row of ``values`` as a Float64 Series, continuing from the
                /// current state: the rows the matching Polars expression would give (for a
                /// time-based object, the ``_by`` expression on the same rows: rows with equal
                /// times share one window). Afterwards the object holds the same rows as after
                /// ``update_many(values[, times])``.
                #[pyo3(signature = (values, times=$crate::python::plumbing::Arg::Omitted, /), text_signature = "($self, values, times=None, /)")]
                fn running(
                    &mut self,
                    values: &Bound<'_, PyAny>,
                    times: $crate::python::plumbing::Arg<'_>,
                ) -> PyResult<pyo3_polars::PySeries> {
                    $crate::python::time::running(&mut self.inner, values, &times)
                }
            }
            $($rest)*
        }
    };
    ($($rest:tt)*) => {
        $crate::python::plumbing::stat_class_impl! {
            {
                /// Consume one value (``None`` is a null row) and return the object itself, so
                /// that calls chain: ``s.update(1.0).update(2.0).get()``.
                #[pyo3(signature = (x, /))]
                fn update(mut slf: PyRefMut<'_, Self>, x: Option<f64>) -> PyRefMut<'_, Self> {
                    $crate::core::Kernel::update(&mut slf.inner, x);
                    slf
                }

                /// ``update`` returning ``None`` (River's protocol; the River adapters bind it
                /// as their own ``update``, saving a Python frame per value).
                #[pyo3(signature = (x, /))]
                fn _push(&mut self, x: Option<f64>) {
                    $crate::core::Kernel::update(&mut self.inner, x);
                }

                /// Consume every value of ``values`` in order, exactly as ``update`` one by one
                /// (the same numbers, bit for bit) but faster; return the object itself.
                /// ``values``: a Polars Series, a numpy or pyarrow array, or a sequence of
                /// numbers and ``None``.
                #[pyo3(signature = (values, /))]
                fn update_many<'py>(
                    mut slf: PyRefMut<'py, Self>,
                    values: &Bound<'py, PyAny>,
                ) -> PyResult<PyRefMut<'py, Self>> {
                    $crate::python::plumbing::update_many(&mut slf.inner, values)?;
                    Ok(slf)
                }

                /// The output of each row of ``values`` as a Float64 Series, continuing from the
                /// current state: the rows the matching Polars expression would give (for
                /// instance null for a null row of an exponentially weighted statistic).
                /// Afterwards the object is as after ``update_many(values)``.
                #[pyo3(signature = (values, /))]
                fn running(&mut self, values: &Bound<'_, PyAny>) -> PyResult<pyo3_polars::PySeries> {
                    $crate::python::plumbing::running(&mut self.inner, values)
                }
            }
            $($rest)*
        }
    };
}

pub(crate) use stat_class;

/// The body of `stat_class!`: the struct and every method, with the feeding methods
/// (`update`, `update_many`, `running`) given as the first token group.
macro_rules! stat_class_impl {
    (
        { $($feed:tt)* }
        $(#[$doc:meta])*
        $name:ident($core:ty),
        $(#[$new_attr:meta])*
        fn new($($arg:ident: $ty:ty),* $(,)?) -> PyResult<Self> $body:block
        $($extra:tt)*
    ) => {
        $(#[$doc])*
        #[pyclass(module = "polars_streamstats._internal")]
        #[allow(clippy::upper_case_acronyms)]
        pub struct $name {
            inner: $core,
        }

        #[pymethods]
        impl $name {
            #[new]
            $(#[$new_attr])*
            #[allow(clippy::too_many_arguments)]
            fn new($($arg: $ty),*) -> PyResult<Self> $body

            $($feed)*

            /// The current value of the statistic (a float), or ``None`` before enough
            /// non-null values (``min_samples``). The class docstring says what a null row
            /// does to it.
            fn get(&self) -> Option<f64> {
                $crate::core::Statistic::get(&self.inner)
            }

            /// The options as constructor keywords (``cls(**obj._options())`` rebuilds them);
            /// the functions send them to the plugin as its keyword arguments.
            fn _options<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
                $crate::python::plumbing::options_dict(py, &self.inner)
            }

            fn __getstate__<'py>(&self, py: Python<'py>) -> Bound<'py, pyo3::types::PyBytes> {
                $crate::python::plumbing::getstate(py, &self.inner)
            }

            fn __setstate__(&mut self, state: &Bound<'_, PyAny>) -> PyResult<()> {
                $crate::python::plumbing::setstate(&mut self.inner, state)
            }

            fn __getnewargs_ex__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
                $crate::python::plumbing::getnewargs_ex(py, &self.inner)
            }

            fn __copy__(&self) -> Self {
                $name { inner: self.inner.clone() }
            }

            fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
                $name { inner: self.inner.clone() }
            }

            fn __repr__(&self) -> String {
                $crate::python::plumbing::repr(&self.inner)
            }

            /// Absorb ``other``, the state of the stream's next part: afterwards this object is
            /// as if it had seen its own rows and then every row ``other`` saw (``other``
            /// started fresh, with the same options). Order matters for the exponentially
            /// weighted statistics (``other``'s rows age these) and for windows (``other``'s
            /// rows continue this window); not for moments, extremes and exact quantiles.
            /// Returns the object itself. ``ValueError`` (and no change) for different
            /// options, or a time-based ``other`` that starts before this object's last time;
            /// ``TypeError`` for the P² estimator, which cannot merge.
            #[pyo3(signature = (other, /))]
            fn merge<'py>(slf: Bound<'py, Self>, other: &Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
                let theirs = other.borrow().inner.clone();
                $crate::core::Merge::merge(&mut slf.borrow_mut().inner, &theirs)
                    .map_err($crate::python::plumbing::value_error)?;
                Ok(slf)
            }

            /// The state as a Tracker template (a fresh copy per key is cloned from it).
            fn _template(&self) -> $crate::python::tracker::Template {
                $crate::python::tracker::Template(Box::new(self.inner.clone()))
            }

            /// ``a + b``: a new object, ``a``'s stream followed by ``b``'s (see ``merge``).
            fn __add__(&self, other: &Bound<'_, Self>) -> PyResult<Self> {
                let mut inner = self.inner.clone();
                $crate::core::Merge::merge(&mut inner, &other.borrow().inner)
                    .map_err($crate::python::plumbing::value_error)?;
                Ok($name { inner })
            }

            /// ``a += b``: merge ``b`` into ``a``.
            fn __iadd__(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) -> PyResult<()> {
                let theirs = other.borrow().inner.clone();
                $crate::core::Merge::merge(&mut slf.borrow_mut().inner, &theirs)
                    .map_err($crate::python::plumbing::value_error)
            }

            $($extra)*
        }
    };
}

pub(crate) use stat_class_impl;
