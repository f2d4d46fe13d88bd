//! The one generic sweep between Polars Series and the core statistics. The plugins and the
//! Python objects both go through here, so they run the same loop on the same data.

use polars::prelude::*;
use pyo3_polars::export::polars_arrow::array::PrimitiveArray;
use pyo3_polars::export::polars_arrow::bitmap::Bitmap;
use pyo3_polars::export::polars_arrow::datatypes::ArrowDataType;

use super::dtypes::{self, Kind};
use crate::core::sweep::{feed_dense, feed_masked, run_dense, run_masked, Running};
use crate::core::{Kernel, StatError};

/// An input column whose dtype we cannot treat as numbers.
#[derive(Debug)]
pub struct DtypeError(pub DataType);

/// The objects' output dtype for an input of `dtype`: that of the numeric statistics in
/// [`dtypes::output_dtype`] (Float32 kept, other numbers Float64); an error for the rest.
pub fn output_dtype(dtype: &DataType) -> Result<DataType, DtypeError> {
    dtypes::output_dtype("", Kind::Numeric, dtype).map_err(|_| DtypeError(dtype.clone()))
}

/// The input as Float64, with its original dtype checked.
fn as_f64(s: &Series) -> Result<Float64Chunked, DtypeError> {
    output_dtype(s.dtype())?;
    let cast = s
        .cast(&DataType::Float64)
        .map_err(|_| DtypeError(s.dtype().clone()))?;
    cast.f64()
        .cloned()
        .map_err(|_| DtypeError(s.dtype().clone()))
}

/// The non-null values of `ca`, in row order (for indexes built over a whole column).
pub fn non_null_values<T: PolarsNumericType>(ca: &ChunkedArray<T>) -> Vec<T::Native> {
    let mut out = Vec::with_capacity(ca.len() - ca.null_count());
    for arr in ca.downcast_iter() {
        match arr.validity().filter(|v| v.unset_bits() > 0) {
            None => out.extend_from_slice(arr.values().as_slice()),
            Some(valid) => out.extend(
                arr.values()
                    .iter()
                    .zip(valid.iter())
                    .filter_map(|(&v, ok)| ok.then_some(v)),
            ),
        }
    }
    out
}

/// Run `stat` over `s` chunk by chunk (state carried across chunks) and return the row
/// outputs as a Series named like the input, one output chunk per input chunk.
pub fn run_series<S: Kernel>(stat: &mut S, s: &Series) -> Result<Series, DtypeError> {
    let ca = as_f64(s)?;
    finish(run_f64(stat, &ca, 0).into_series(), s.dtype())
}

/// Run `stat` over an f64 column, chunk by chunk (state carried across chunks), named like
/// the input. Row `i` gets the output the statistic gives at row `i + lag`: after the data,
/// `lag` null rows drain the window. For a trailing window of `W` rows and
/// `lag = ceil(W/2) - 1` this is Polars' `center=True` window
/// `[i - (W - ceil(W/2)), i + ceil(W/2))`, truncated at both ends. Without a lag, one output
/// chunk per input chunk.
pub fn run_f64<S: Kernel>(stat: &mut S, ca: &Float64Chunked, lag: usize) -> Float64Chunked {
    if lag == 0 {
        // A plain loop, not a closure inside an iterator adapter: measured 2.2x faster, as
        // the statistic's state then stays in registers through the hot loop.
        let mut chunks = Vec::with_capacity(ca.chunks().len());
        for arr in ca.downcast_iter() {
            let mut out = Running::with_capacity(arr.len());
            run_slice(stat, arr.values().as_slice(), arr.validity(), &mut out);
            chunks.push(to_array(out));
        }
        return Float64Chunked::from_chunk_iter(ca.name().clone(), chunks);
    }
    let n = ca.len();
    let mut out = Running::with_capacity(n + lag);
    for arr in ca.downcast_iter() {
        run_slice(stat, arr.values().as_slice(), arr.validity(), &mut out);
    }
    for _ in 0..lag {
        out.push(stat.update(None));
    }
    let arr = to_array(out).sliced(lag, n);
    Float64Chunked::from_chunk_iter(ca.name().clone(), [arr])
}

/// Run `stat` over a plain slice of non-null values and return the outputs as a Series.
pub fn run_slice_series<S: Kernel>(stat: &mut S, name: PlSmallStr, values: &[f64]) -> Series {
    let mut out = Running::with_capacity(values.len());
    run_dense(stat, values, &mut out);
    Float64Chunked::from_chunk_iter(name, [to_array(out)]).into_series()
}

/// Feed every row of `s` into `stat`, discarding the row outputs.
pub fn feed_series<S: Kernel>(stat: &mut S, s: &Series) -> Result<(), DtypeError> {
    for arr in as_f64(s)?.downcast_iter() {
        let values = arr.values().as_slice();
        match arr.validity().filter(|v| v.unset_bits() > 0) {
            None => feed_dense(stat, values),
            Some(valid) => feed_masked(stat, values, |i| valid.get_bit(i)),
        }
    }
    Ok(())
}

#[inline]
fn run_slice<S: Kernel>(
    stat: &mut S,
    values: &[f64],
    validity: Option<&Bitmap>,
    out: &mut Running,
) {
    match validity.filter(|v| v.unset_bits() > 0) {
        None => run_dense(stat, values, out),
        Some(valid) => run_masked(stat, values, |i| valid.get_bit(i), out),
    }
}

/// Row outputs as one Float64 array (validity only where a row is null).
pub fn to_array(out: Running) -> PrimitiveArray<f64> {
    let len = out.len();
    let (values, validity) = out.into_parts();
    let validity = validity.map(|bytes| Bitmap::from_u8_vec(bytes, len));
    PrimitiveArray::new(ArrowDataType::Float64, values.into(), validity)
}

fn finish(out: Series, input_dtype: &DataType) -> Result<Series, DtypeError> {
    match output_dtype(input_dtype)? {
        DataType::Float32 => out
            .cast(&DataType::Float32)
            .map_err(|_| DtypeError(input_dtype.clone())),
        _ => Ok(out),
    }
}

/// A core error as the Polars error a plugin returns.
pub fn polars_err(function: &str, e: StatError) -> PolarsError {
    polars_err!(ComputeError: "pss.{}: {}", function, e)
}
