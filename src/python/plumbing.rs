//! The generic half of every Python object: input conversion, batch feeding, pickling,
//! copying and repr. Each `#[pyclass]` only adds its constructor (see `stat_class!`).

use polars::prelude::{PlSmallStr, Series};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyTuple, PyType};
use pyo3_polars::PySeries;

use crate::core::{snapshot, OptionValue, StatError, Statistic};
use crate::expressions::series::{feed_series, run_series, run_slice_series, DtypeError};

pub fn value_error(e: StatError) -> PyErr {
    PyValueError::new_err(e.to_string())
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
enum Batch {
    Buffer(PyBuffer<f64>),
    Series(Series),
}

fn series_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static SERIES: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    SERIES.import(py, "polars", "Series")
}

fn batch(values: &Bound<'_, PyAny>) -> PyResult<Batch> {
    let py = values.py();
    let series_type = series_type(py)?;
    if !values.is_instance(series_type)? {
        if let Ok(buf) = PyBuffer::<f64>::get(values) {
            if buf.dimensions() == 1 && buf.is_c_contiguous() {
                return Ok(Batch::Buffer(buf));
            }
        }
        let kwargs = PyDict::new(py);
        kwargs.set_item("values", values)?;
        let s = series_type.call((), Some(&kwargs)).map_err(|e| {
            PyTypeError::new_err(format!(
                "`values` must be a Polars Series, numpy array, pyarrow array or sequence of numbers ({e})"
            ))
        })?;
        return Ok(Batch::Series(s.extract::<PySeries>()?.0));
    }
    Ok(Batch::Series(values.extract::<PySeries>()?.0))
}

fn buffer_slice(buf: &PyBuffer<f64>) -> &[f64] {
    // SAFETY: the buffer is 1-D, C-contiguous and of f64 items (checked in `batch`); it stays
    // alive and we hold the GIL (not released) while the slice is in use.
    unsafe { std::slice::from_raw_parts(buf.buf_ptr() as *const f64, buf.item_count()) }
}

pub fn update_many<S: Statistic>(stat: &mut S, values: &Bound<'_, PyAny>) -> PyResult<()> {
    match batch(values)? {
        Batch::Buffer(buf) => crate::core::sweep::feed_dense(stat, buffer_slice(&buf)),
        Batch::Series(s) => {
            feed_series(stat, &s).map_err(|e| dtype_error::<S>("update_many", e))?
        }
    }
    Ok(())
}

pub fn running<S: Statistic>(stat: &mut S, values: &Bound<'_, PyAny>) -> PyResult<PySeries> {
    let out = match batch(values)? {
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
        })
        .collect();
    parts.push(format!(
        "value={}",
        stat.get().map_or_else(|| "None".into(), py_float)
    ));
    format!("{}({})", S::NAME, parts.join(", "))
}

/// An integer option as Python gives it (any size Python can pass), checked to lie in
/// `[lowest, 2**64)`; the error names the option.
pub fn count_option(name: &str, v: i128, lowest: u64) -> PyResult<u64> {
    if v < i128::from(lowest) {
        return Err(PyValueError::new_err(format!(
            "`{name}` must be >= {lowest} (found {v})"
        )));
    }
    u64::try_from(v)
        .map_err(|_| PyValueError::new_err(format!("`{name}` must be < 2**64 (found {v})")))
}

/// `min_samples` as Python gives it: a non-negative integer.
pub fn min_samples(v: i128) -> PyResult<u64> {
    count_option("min_samples", v, 0)
}

/// `min_samples` that defaults to the window size (Polars' rolling functions).
pub fn min_samples_or(v: Option<i128>, window_size: u64) -> PyResult<u64> {
    v.map_or(Ok(window_size), min_samples)
}

/// `window_size` as Python gives it: a positive integer.
pub fn window_size(v: i128) -> PyResult<u64> {
    count_option("window_size", v, 1)
}

/// Declares a `#[pyclass]` wrapping a core statistic with the full object protocol; the
/// caller supplies only the constructor.
macro_rules! stat_class {
    (
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

            /// Consume one value (None is a null) and return the object itself.
            #[pyo3(signature = (x, /))]
            fn update(mut slf: PyRefMut<'_, Self>, x: Option<f64>) -> PyRefMut<'_, Self> {
                $crate::core::Kernel::update(&mut slf.inner, x);
                slf
            }

            /// The current estimate, or None before enough data.
            fn get(&self) -> Option<f64> {
                $crate::core::Statistic::get(&self.inner)
            }

            /// Consume every value of a batch (Series, numpy array, pyarrow array or sequence).
            #[pyo3(signature = (values, /))]
            fn update_many<'py>(
                mut slf: PyRefMut<'py, Self>,
                values: &Bound<'py, PyAny>,
            ) -> PyResult<PyRefMut<'py, Self>> {
                $crate::python::plumbing::update_many(&mut slf.inner, values)?;
                Ok(slf)
            }

            /// The statistic after each value of the batch, continuing from the current state.
            #[pyo3(signature = (values, /))]
            fn running(&mut self, values: &Bound<'_, PyAny>) -> PyResult<pyo3_polars::PySeries> {
                $crate::python::plumbing::running(&mut self.inner, values)
            }

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

            $($extra)*
        }
    };
}

pub(crate) use stat_class;
