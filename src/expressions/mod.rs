//! Thin `#[polars_expr]` entry points: decode the typed kwargs, build the core statistic,
//! sweep the column through it. No maths here.

pub mod series;

use polars::prelude::*;
use pyo3_polars::derive::polars_expr;

use crate::core::ewm::{
    EwMean, EwStd, EwVar, EwVarOptions, EwmOptions, RollingEwMean, RollingEwmOptions,
};
use crate::core::{StatError, Statistic};
use series::{dtype_err, output_dtype, polars_err, run_series};

/// Output field of every statistic: the input's name, Float32 kept, other numbers Float64.
fn float_output(input_fields: &[Field]) -> PolarsResult<Field> {
    let field = &input_fields[0];
    let dtype = output_dtype(field.dtype()).map_err(
        |e| polars_err!(ComputeError: "pss: expected a numeric column, got dtype {}", e.0),
    )?;
    Ok(Field::new(field.name().clone(), dtype))
}

/// Build the statistic from its options and sweep the first input through it.
fn sweep<S: Statistic>(
    function: &str,
    inputs: &[Series],
    build: Result<S, StatError>,
) -> PolarsResult<Series> {
    let mut stat = build.map_err(|e| polars_err(function, e))?;
    run_series(&mut stat, &inputs[0]).map_err(|e| dtype_err(function, e))
}

#[polars_expr(output_type_func=float_output)]
fn ewm_mean(inputs: &[Series], kwargs: EwmOptions) -> PolarsResult<Series> {
    sweep("ewm_mean", inputs, EwMean::new(kwargs))
}

#[polars_expr(output_type_func=float_output)]
fn ewm_var(inputs: &[Series], kwargs: EwVarOptions) -> PolarsResult<Series> {
    sweep("ewm_var", inputs, EwVar::new(kwargs))
}

#[polars_expr(output_type_func=float_output)]
fn ewm_std(inputs: &[Series], kwargs: EwVarOptions) -> PolarsResult<Series> {
    sweep("ewm_std", inputs, EwStd::new(kwargs))
}

#[polars_expr(output_type_func=float_output)]
fn rolling_ewm_mean(inputs: &[Series], kwargs: RollingEwmOptions) -> PolarsResult<Series> {
    sweep("rolling_ewm_mean", inputs, RollingEwMean::new(kwargs))
}
