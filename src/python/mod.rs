//! Thin `#[pyclass]` wrappers of the core statistics, and the extension module.

mod moments;
pub(crate) mod plumbing;

use pyo3::prelude::*;

use crate::core::ewm::{
    resolve_alpha, EwMean, EwStd, EwVar, EwVarOptions, EwmOptions, RollingEwMean, RollingEwmOptions,
};
use crate::core::quantile::{
    Interpolation, Iqr, IqrOptions, Method, Quantile as CoreQuantile, QuantileOptions, RollingIqr,
    RollingIqrOptions, RollingQuantile as CoreRollingQuantile, RollingQuantileOptions,
};
use plumbing::{min_samples, min_samples_or, stat_class, value_error, window_size};

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
        adjust: bool, min_samples: i128, ignore_nulls: bool,
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
    min_samples: i128,
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
        adjust: bool, min_samples: i128, ignore_nulls: bool, bias: bool,
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
        adjust: bool, min_samples: i128, ignore_nulls: bool, bias: bool,
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
        window_size: i128, com: Option<f64>, span: Option<f64>, half_life: Option<f64>, alpha: Option<f64>,
        min_samples: i128,
    ) -> PyResult<Self> {
        let opts = RollingEwmOptions {
            alpha: self::alpha(com, span, half_life, alpha)?,
            window_size: self::window_size(window_size)?,
            min_samples: self::min_samples(min_samples)?,
        };
        Ok(RollingEWMean { inner: RollingEwMean::new(opts).map_err(value_error)? })
    }
}

fn interpolation(s: &str) -> PyResult<Interpolation> {
    Interpolation::parse(s).map_err(value_error)
}

fn method(s: &str) -> PyResult<Method> {
    Method::parse(s).map_err(value_error)
}

stat_class! {
    /// Quantile of every value so far: exact (with `revert`) or the P² estimator.
    Quantile(CoreQuantile),
    #[pyo3(signature = (q, *, interpolation="linear", method="exact", min_samples=1))]
    fn new(q: f64, interpolation: &str, method: &str, min_samples: i128) -> PyResult<Self> {
        let opts = QuantileOptions {
            q,
            interpolation: self::interpolation(interpolation)?,
            method: self::method(method)?,
            min_samples: self::min_samples(min_samples)?,
        };
        Ok(Quantile { inner: CoreQuantile::new(opts).map_err(value_error)? })
    }

    /// Remove one earlier value (exact method only); ValueError if it was never added.
    #[pyo3(signature = (x, /))]
    fn revert(mut slf: PyRefMut<'_, Self>, x: f64) -> PyResult<PyRefMut<'_, Self>> {
        slf.inner.revert(x).map_err(value_error)?;
        Ok(slf)
    }
}

stat_class! {
    /// Exact quantile of the last `window_size` rows (Polars' `rolling_quantile` semantics).
    RollingQuantile(CoreRollingQuantile),
    #[pyo3(signature = (q, *, window_size, interpolation="linear", min_samples=None))]
    fn new(q: f64, window_size: i128, interpolation: &str, min_samples: Option<i128>) -> PyResult<Self> {
        let window_size = self::window_size(window_size)?;
        let opts = RollingQuantileOptions {
            q,
            window_size,
            interpolation: self::interpolation(interpolation)?,
            min_samples: min_samples_or(min_samples, window_size)?,
        };
        Ok(RollingQuantile { inner: CoreRollingQuantile::new(opts).map_err(value_error)? })
    }
}

stat_class! {
    /// Inter-quantile range of every value so far: exact (with `revert`) or two P² estimators.
    IQR(Iqr),
    #[pyo3(signature = (*, q_inf=0.25, q_sup=0.75, interpolation="linear", method="exact", min_samples=1))]
    fn new(q_inf: f64, q_sup: f64, interpolation: &str, method: &str, min_samples: i128) -> PyResult<Self> {
        let opts = IqrOptions {
            q_inf,
            q_sup,
            interpolation: self::interpolation(interpolation)?,
            method: self::method(method)?,
            min_samples: self::min_samples(min_samples)?,
        };
        Ok(IQR { inner: Iqr::new(opts).map_err(value_error)? })
    }

    /// Remove one earlier value (exact method only); ValueError if it was never added.
    #[pyo3(signature = (x, /))]
    fn revert(mut slf: PyRefMut<'_, Self>, x: f64) -> PyResult<PyRefMut<'_, Self>> {
        slf.inner.revert(x).map_err(value_error)?;
        Ok(slf)
    }
}

stat_class! {
    /// Inter-quantile range of the last `window_size` rows, one window for both quantiles.
    RollingIQR(RollingIqr),
    #[pyo3(signature = (*, window_size, q_inf=0.25, q_sup=0.75, interpolation="linear", min_samples=None))]
    fn new(window_size: i128, q_inf: f64, q_sup: f64, interpolation: &str, min_samples: Option<i128>) -> PyResult<Self> {
        let window_size = self::window_size(window_size)?;
        let opts = RollingIqrOptions {
            window_size,
            q_inf,
            q_sup,
            interpolation: self::interpolation(interpolation)?,
            min_samples: min_samples_or(min_samples, window_size)?,
        };
        Ok(RollingIQR { inner: RollingIqr::new(opts).map_err(value_error)? })
    }
}

#[pymodule]
fn _internal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<EWMean>()?;
    m.add_class::<EWVar>()?;
    m.add_class::<EWStd>()?;
    m.add_class::<RollingEWMean>()?;
    m.add_class::<Quantile>()?;
    m.add_class::<RollingQuantile>()?;
    m.add_class::<IQR>()?;
    m.add_class::<RollingIQR>()?;
    moments::register(m)?;
    Ok(())
}
