//! Thin `#[pyclass]` wrappers of the core statistics, and the extension module.

pub(crate) mod plumbing;

use pyo3::prelude::*;

use crate::core::ewm::{
    resolve_alpha, EwMean, EwStd, EwVar, EwVarOptions, EwmOptions, RollingEwMean, RollingEwmOptions,
};
use plumbing::{min_samples, stat_class, value_error, window_size};

#[global_allocator]
static ALLOC: pyo3_polars::PolarsAllocator = pyo3_polars::PolarsAllocator::new();

fn alpha(
    com: Option<f64>,
    span: Option<f64>,
    half_life: Option<f64>,
    alpha: Option<f64>,
) -> PyResult<f64> {
    resolve_alpha(com, span, half_life, alpha).map_err(value_error)
}

stat_class! {
    /// Exponentially weighted mean (Polars' `ewm_mean` semantics).
    EWMean(EwMean),
    #[pyo3(signature = (*, com=None, span=None, half_life=None, alpha=None, adjust=true, min_samples=1, ignore_nulls=false))]
    fn new(
        com: Option<f64>, span: Option<f64>, half_life: Option<f64>, alpha: Option<f64>,
        adjust: bool, min_samples: i64, ignore_nulls: bool,
    ) -> PyResult<Self> {
        let opts = EwmOptions {
            alpha: self::alpha(com, span, half_life, alpha)?,
            adjust,
            min_samples: self::min_samples(min_samples)?,
            ignore_nulls,
        };
        Ok(EWMean { inner: EwMean::new(opts).map_err(value_error)? })
    }
}

#[allow(clippy::too_many_arguments)]
fn var_options(
    com: Option<f64>,
    span: Option<f64>,
    half_life: Option<f64>,
    alpha: Option<f64>,
    adjust: bool,
    min_samples: i64,
    ignore_nulls: bool,
    bias: bool,
) -> PyResult<EwVarOptions> {
    Ok(EwVarOptions {
        alpha: self::alpha(com, span, half_life, alpha)?,
        adjust,
        min_samples: self::min_samples(min_samples)?,
        ignore_nulls,
        bias,
    })
}

stat_class! {
    /// Exponentially weighted variance (Polars' `ewm_var` semantics).
    EWVar(EwVar),
    #[pyo3(signature = (*, com=None, span=None, half_life=None, alpha=None, adjust=true, min_samples=1, ignore_nulls=false, bias=false))]
    fn new(
        com: Option<f64>, span: Option<f64>, half_life: Option<f64>, alpha: Option<f64>,
        adjust: bool, min_samples: i64, ignore_nulls: bool, bias: bool,
    ) -> PyResult<Self> {
        let opts = var_options(com, span, half_life, alpha, adjust, min_samples, ignore_nulls, bias)?;
        Ok(EWVar { inner: EwVar::new(opts).map_err(value_error)? })
    }
}

stat_class! {
    /// Exponentially weighted standard deviation (Polars' `ewm_std` semantics).
    EWStd(EwStd),
    #[pyo3(signature = (*, com=None, span=None, half_life=None, alpha=None, adjust=true, min_samples=1, ignore_nulls=false, bias=false))]
    fn new(
        com: Option<f64>, span: Option<f64>, half_life: Option<f64>, alpha: Option<f64>,
        adjust: bool, min_samples: i64, ignore_nulls: bool, bias: bool,
    ) -> PyResult<Self> {
        let opts = var_options(com, span, half_life, alpha, adjust, min_samples, ignore_nulls, bias)?;
        Ok(EWStd { inner: EwStd::new(opts).map_err(value_error)? })
    }
}

stat_class! {
    /// Exponentially weighted mean of the last `window_size` rows.
    RollingEWMean(RollingEwMean),
    #[pyo3(signature = (*, window_size, com=None, span=None, half_life=None, alpha=None, min_samples=1))]
    fn new(
        window_size: i64, com: Option<f64>, span: Option<f64>, half_life: Option<f64>, alpha: Option<f64>,
        min_samples: i64,
    ) -> PyResult<Self> {
        let opts = RollingEwmOptions {
            alpha: self::alpha(com, span, half_life, alpha)?,
            window_size: self::window_size(window_size)?,
            min_samples: self::min_samples(min_samples)?,
        };
        Ok(RollingEWMean { inner: RollingEwMean::new(opts).map_err(value_error)? })
    }
}

#[pymodule]
fn _internal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<EWMean>()?;
    m.add_class::<EWVar>()?;
    m.add_class::<EWStd>()?;
    m.add_class::<RollingEWMean>()?;
    Ok(())
}
