//! Thin `#[pyclass]` wrappers of the core statistics, and the extension module.
//!
//! The `///` comments on the classes are their Python docstrings (numpydoc, with doctested
//! examples run by tests/test_docs.py), not rustdoc markdown.

mod ew_time;
mod moments;
pub(crate) mod plumbing;
pub(crate) mod time;
pub(crate) mod tracker;

use pyo3::prelude::*;

use crate::core::ewm::{
    resolve_alpha, EwMean, EwStd, EwVar, EwVarOptions, EwmOptions, RollingEwMean, RollingEwmOptions,
};
use crate::core::quantile::{
    Interpolation, Iqr, IqrOptions, Method, Quantile as CoreQuantile, QuantileOptions, RollingIqr,
    RollingIqrOptions, RollingQuantile as CoreRollingQuantile, RollingQuantileOptions,
};
use crate::core::window::Span;
use ew_time::{check_time_options, Ew, EwMeanAny, EwStdAny, EwVarAny};
use plumbing::{
    count_or, doc_block, flag_or, opt_real, opt_text, real, real_or, rolling_min_samples,
    stat_class, text_or, value_error, Arg,
};
use pyo3::exceptions::PyValueError;

#[global_allocator]
static ALLOC: pyo3_polars::PolarsAllocator = pyo3_polars::PolarsAllocator::new();

/// A duration `half_life` (a str or `datetime.timedelta`): the object is time-based.
fn time_half_life(half_life: &Arg<'_>) -> PyResult<Option<time::Duration>> {
    match half_life.object() {
        Some(h) if time::is_duration(h)? => Ok(Some(time::duration("half_life", h)?)),
        Some(h) => match real("half_life", h) {
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyTypeError>(h.py()) => {
                Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "`half_life` must be a float (a decay per row) or a duration (a str such \
                     as '1h', or a datetime.timedelta), got {}",
                    plumbing::type_name(h)
                )))
            }
            _ => Ok(None),
        },
        None => Ok(None),
    }
}

/// The decay, given exactly one way (`com`, `span`, `half_life` or `alpha`).
fn alpha(com: &Arg<'_>, span: &Arg<'_>, half_life: &Arg<'_>, alpha: &Arg<'_>) -> PyResult<f64> {
    resolve_alpha(
        opt_real("com", com)?,
        opt_real("span", span)?,
        opt_real("half_life", half_life)?,
        opt_real("alpha", alpha)?,
    )
    .map_err(value_error)
}

stat_class! {
    @timed
    /// Exponentially weighted mean of every value so far, one value at a time.
    ///
    /// The numbers of Polars' ``ewm_mean`` with the same options, bit for bit with
    /// ``pss.ewm_mean``. Nulls: ``update(None)`` leaves ``get()`` unchanged (the row's own
    /// output, as ``running`` shows, is null); with ``ignore_nulls=False`` the null row still
    /// ages the earlier values, which changes the next value. NaN is a value and propagates.
    ///
    #[doc = doc_block!(half_life_time)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(decay)]
    #[doc = doc_block!(adjust)]
    #[doc = doc_block!(min_samples)]
    #[doc = doc_block!(ignore_nulls)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> ew = pss.EWMean(alpha=0.5)
    /// >>> ew.update(1.0).update(3.0).get()
    /// 2.333333333333333
    /// >>> ew.update(None).get()  # a null row: the value stays
    /// 2.333333333333333
    /// >>> ew.update(5.0).get()  # the null row aged 1.0 and 3.0
    /// 4.2727272727272725
    /// >>> pss.EWMean(alpha=0.5).running([1.0, 3.0, None, 5.0]).to_list()
    /// [1.0, 2.333333333333333, None, 4.2727272727272725]
    /// >>> from datetime import datetime
    /// >>> e = pss.EWMean(half_life="10m")  # time-based: a value halves its weight in 10 min
    /// >>> e.update(1.0, datetime(2024, 1, 1, 9, 0)).update(3.0, datetime(2024, 1, 1, 9, 10)).get()
    /// 2.0
    /// >>> pss.EWMean(half_life="1i").running([1.0, 2.0, 3.0, 4.0, 5.0], [0, 1, 1, 2, 5]).to_list()
    /// [1.0, 1.5, 1.5, 2.75, 4.71875]
    EWMean(EwMeanAny),
    #[pyo3(
        signature = (*, com=Arg::Omitted, span=Arg::Omitted, half_life=Arg::Omitted, alpha=Arg::Omitted, adjust=Arg::Omitted, min_samples=Arg::Omitted, ignore_nulls=Arg::Omitted),
        text_signature = "(*, com=None, span=None, half_life=None, alpha=None, adjust=True, min_samples=1, ignore_nulls=False)",
    )]
    fn new(
        com: Arg<'_>, span: Arg<'_>, half_life: Arg<'_>, alpha: Arg<'_>, adjust: Arg<'_>,
        min_samples: Arg<'_>, ignore_nulls: Arg<'_>,
    ) -> PyResult<Self> {
        if let Some(h) = time_half_life(&half_life)? {
            check_time_options(&com, &span, &alpha, &adjust, &min_samples, &ignore_nulls)?;
            return Ok(EWMean { inner: EwMeanAny::by_time(&h, false)? });
        }
        let opts = EwmOptions {
            alpha: self::alpha(&com, &span, &half_life, &alpha)?,
            adjust: flag_or("adjust", &adjust, true)?,
            min_samples: count_or("min_samples", &min_samples, 1)?,
            ignore_nulls: flag_or("ignore_nulls", &ignore_nulls, false)?,
        };
        Ok(EWMean { inner: Ew::Rows(EwMean::new(opts).map_err(value_error)?) })
    }
}

#[allow(clippy::too_many_arguments)]
fn var_options(
    com: &Arg<'_>,
    span: &Arg<'_>,
    half_life: &Arg<'_>,
    alpha: &Arg<'_>,
    adjust: &Arg<'_>,
    bias: &Arg<'_>,
    min_samples: &Arg<'_>,
    ignore_nulls: &Arg<'_>,
) -> PyResult<EwVarOptions> {
    Ok(EwVarOptions {
        alpha: self::alpha(com, span, half_life, alpha)?,
        adjust: flag_or("adjust", adjust, true)?,
        min_samples: count_or("min_samples", min_samples, 1)?,
        ignore_nulls: flag_or("ignore_nulls", ignore_nulls, false)?,
        bias: flag_or("bias", bias, false)?,
    })
}

stat_class! {
    @timed
    /// Exponentially weighted variance of every value so far, one value at a time.
    ///
    /// The numbers of Polars' ``ewm_var`` with the same options (bit for bit with
    /// ``pss.ewm_var``), computed without the cancellation of ``E[x²] - E[x]²``. Nulls:
    /// ``update(None)`` leaves ``get()`` unchanged (the row's own output is null); with
    /// ``ignore_nulls=False`` the null row still ages the earlier values.
    ///
    #[doc = doc_block!(half_life_time)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(decay)]
    #[doc = doc_block!(adjust)]
    /// bias
    ///     ``False`` (the default, as Polars) corrects the bias of the weighted variance;
    ///     ``True`` gives the biased one.
    #[doc = doc_block!(min_samples)]
    #[doc = doc_block!(ignore_nulls)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> v = pss.EWVar(alpha=0.5).update_many([1.0, 3.0])
    /// >>> v.get()
    /// 2.0
    /// >>> v.update(None).get()  # a null row: the value stays
    /// 2.0
    /// >>> pss.EWVar(alpha=0.5).running([1.0, 3.0, None]).to_list()
    /// [None, 2.0, None]
    /// >>> pss.EWVar(half_life="1i").running([1.0, 2.0, 4.0], [0, 1, 3]).to_list()  # by time
    /// [None, 0.5, 3.0384615384615383]
    EWVar(EwVarAny),
    #[pyo3(
        signature = (*, com=Arg::Omitted, span=Arg::Omitted, half_life=Arg::Omitted, alpha=Arg::Omitted, adjust=Arg::Omitted, bias=Arg::Omitted, min_samples=Arg::Omitted, ignore_nulls=Arg::Omitted),
        text_signature = "(*, com=None, span=None, half_life=None, alpha=None, adjust=True, bias=False, min_samples=1, ignore_nulls=False)",
    )]
    fn new(
        com: Arg<'_>, span: Arg<'_>, half_life: Arg<'_>, alpha: Arg<'_>, adjust: Arg<'_>,
        bias: Arg<'_>, min_samples: Arg<'_>, ignore_nulls: Arg<'_>,
    ) -> PyResult<Self> {
        if let Some(h) = time_half_life(&half_life)? {
            check_time_options(&com, &span, &alpha, &adjust, &min_samples, &ignore_nulls)?;
            return Ok(EWVar { inner: EwVarAny::by_time(&h, flag_or("bias", &bias, false)?)? });
        }
        let opts = var_options(&com, &span, &half_life, &alpha, &adjust, &bias, &min_samples, &ignore_nulls)?;
        Ok(EWVar { inner: Ew::Rows(EwVar::new(opts).map_err(value_error)?) })
    }
}

stat_class! {
    @timed
    /// Exponentially weighted standard deviation of every value so far, one value at a time.
    ///
    /// The square root of ``EWVar`` with the same options: Polars' ``ewm_std``, bit for
    /// bit with ``pss.ewm_std``. Nulls: ``update(None)`` leaves ``get()`` unchanged (the
    /// row's own output is null); with ``ignore_nulls=False`` the null row still ages the
    /// earlier values.
    ///
    #[doc = doc_block!(half_life_time)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(decay)]
    #[doc = doc_block!(adjust)]
    /// bias
    ///     ``False`` (the default, as Polars) corrects the bias of the weighted variance;
    ///     ``True`` gives the biased one.
    #[doc = doc_block!(min_samples)]
    #[doc = doc_block!(ignore_nulls)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> s = pss.EWStd(alpha=0.5).update_many([1.0, 3.0])
    /// >>> s.get()
    /// 1.4142135623730951
    /// >>> s.update(None).get()  # a null row: the value stays
    /// 1.4142135623730951
    /// >>> from datetime import datetime
    /// >>> t = pss.EWStd(half_life="10m").update(1.0, datetime(2024, 1, 1, 9, 0))
    /// >>> t.update(3.0, datetime(2024, 1, 1, 9, 10)).get()  # by time
    /// 1.4142135623730951
    EWStd(EwStdAny),
    #[pyo3(
        signature = (*, com=Arg::Omitted, span=Arg::Omitted, half_life=Arg::Omitted, alpha=Arg::Omitted, adjust=Arg::Omitted, bias=Arg::Omitted, min_samples=Arg::Omitted, ignore_nulls=Arg::Omitted),
        text_signature = "(*, com=None, span=None, half_life=None, alpha=None, adjust=True, bias=False, min_samples=1, ignore_nulls=False)",
    )]
    fn new(
        com: Arg<'_>, span: Arg<'_>, half_life: Arg<'_>, alpha: Arg<'_>, adjust: Arg<'_>,
        bias: Arg<'_>, min_samples: Arg<'_>, ignore_nulls: Arg<'_>,
    ) -> PyResult<Self> {
        if let Some(h) = time_half_life(&half_life)? {
            check_time_options(&com, &span, &alpha, &adjust, &min_samples, &ignore_nulls)?;
            return Ok(EWStd { inner: EwStdAny::by_time(&h, flag_or("bias", &bias, false)?)? });
        }
        let opts = var_options(&com, &span, &half_life, &alpha, &adjust, &bias, &min_samples, &ignore_nulls)?;
        Ok(EWStd { inner: Ew::Rows(EwStd::new(opts).map_err(value_error)?) })
    }
}

stat_class! {
    @timed
    /// Exponentially weighted mean of the last ``window_size`` rows, one row at a time.
    ///
    /// The value ``k`` rows back weighs ``(1 - alpha) ** k``, normalised over the non-null
    /// values in the window; with ``window_size`` at least the length of the data it equals
    /// ``EWMean(adjust=True, ignore_nulls=False)``. O(1) per row, without drift. Nulls: a
    /// null row outputs null (as ``ewm_mean``), but ``get()`` after ``update(None)`` changes:
    /// the window moved, so the oldest row left and the others aged by one row; it is
    /// ``None`` once the window holds fewer than ``min_samples`` non-null values.
    ///
    #[doc = doc_block!(time_based)]
    /// The decay stays per row: ``k`` rows back weighs ``(1 - alpha) ** k`` (for a decay in
    /// time, use ``EWMean`` with a duration ``half_life``).
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(window_size)]
    #[doc = doc_block!(decay)]
    /// min_samples
    ///     Non-null values the window needs for a result (``0`` acts as ``1``). More than
    ///     ``window_size`` raises ``ValueError``, except the default ``1`` with
    ///     ``window_size=0``; with a duration ``window_size`` any count is allowed.
    #[doc = doc_block!(closed)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> r = pss.RollingEWMean(2, alpha=0.5).update_many([1.0, 3.0, 5.0])
    /// >>> r.get()  # (5 + 0.5 * 3) / 1.5: the 1.0 has left the window
    /// 4.333333333333333
    /// >>> r.update(None).get()  # the window moved: only the 5.0 is left in it
    /// 5.0
    /// >>> r.update(None).get()  # no value left in the window
    /// >>> pss.RollingEWMean(2, alpha=0.5).running([1.0, 3.0, None]).to_list()
    /// [1.0, 2.333333333333333, None]
    RollingEWMean(RollingEwMean),
    #[pyo3(
        signature = (window_size, *, com=Arg::Omitted, span=Arg::Omitted, half_life=Arg::Omitted, alpha=Arg::Omitted, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(window_size, *, com=None, span=None, half_life=None, alpha=None, min_samples=1, closed='right')",
    )]
    fn new(
        window_size: &Bound<'_, PyAny>, com: Arg<'_>, span: Arg<'_>, half_life: Arg<'_>,
        alpha: Arg<'_>, min_samples: Arg<'_>, closed: Arg<'_>,
    ) -> PyResult<Self> {
        let window = time::span(window_size, &closed)?;
        let min_samples = count_or("min_samples", &min_samples, 1)?;
        if let Span::Rows(n) = window {
            // The default 1 stands even with an empty window (min_samples 0 and 1 are alike).
            rolling_min_samples(Some(min_samples), n, 1)?;
        }
        let opts = RollingEwmOptions {
            alpha: self::alpha(&com, &span, &half_life, &alpha)?,
            window,
            min_samples,
        };
        Ok(RollingEWMean { inner: RollingEwMean::new(opts).map_err(value_error)? })
    }
}

/// `interpolation` of a rolling quantile: a str, default `'nearest'` (Polars' default).
fn interpolation(arg: &Arg<'_>) -> PyResult<Interpolation> {
    Interpolation::parse(&text_or("interpolation", arg, "nearest")?).map_err(value_error)
}

/// `method` and `interpolation` of a cumulative quantile: `interpolation=None` means
/// `'nearest'` for the exact method; P² has no interpolation, so giving one is an error.
fn method_and_interpolation(
    method: &Arg<'_>,
    interp: &Arg<'_>,
) -> PyResult<(Method, Interpolation)> {
    let method = Method::parse(&text_or("method", method, "exact")?).map_err(value_error)?;
    let given = opt_text("interpolation", interp)?;
    match (method, given) {
        (Method::P2, Some(how)) => Err(PyValueError::new_err(format!(
            "`interpolation` cannot be used with method='p2' (found '{how}'): the P² estimator \
             does not interpolate between order statistics; leave it None"
        ))),
        (_, Some(how)) => Ok((method, Interpolation::parse(&how).map_err(value_error)?)),
        (_, None) => Ok((method, Interpolation::Nearest)),
    }
}

stat_class! {
    /// Quantile of every value so far: exact (with ``revert``) or the P² estimator.
    ///
    /// With ``method='exact'`` the numbers of Polars' ``rolling_quantile`` over a window
    /// that never drops a row (``pss.cum_quantile``); with ``method='p2'`` those of River's
    /// ``stats.Quantile``, bit for bit, in O(1) memory. Nulls are ignored: ``update(None)``
    /// changes nothing and ``get()`` stays the same. NaN is a value that sorts above
    /// ``+inf``.
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(quantile)]
    #[doc = doc_block!(interpolation_cumulative)]
    #[doc = doc_block!(method)]
    #[doc = doc_block!(min_samples)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> q = pss.Quantile(0.5).update_many([5.0, 1.0, 3.0, 9.0])
    /// >>> q.get()  # 'nearest' of the middle pair 3.0 and 5.0
    /// 5.0
    /// >>> q.update(None).get()  # nulls are ignored
    /// 5.0
    /// >>> q.revert(9.0).get()
    /// 3.0
    /// >>> pss.Quantile(0.5, "linear").update_many([5.0, 1.0, 3.0, 9.0]).get()
    /// 4.0
    Quantile(CoreQuantile),
    #[pyo3(
        signature = (quantile, interpolation=Arg::Omitted, *, method=Arg::Omitted, min_samples=Arg::Omitted),
        text_signature = "(quantile, interpolation=None, *, method='exact', min_samples=1)",
    )]
    fn new(quantile: &Bound<'_, PyAny>, interpolation: Arg<'_>, method: Arg<'_>, min_samples: Arg<'_>) -> PyResult<Self> {
        let q = real("quantile", quantile)?;
        let (method, interpolation) = method_and_interpolation(&method, &interpolation)?;
        let opts = QuantileOptions {
            q,
            interpolation,
            method,
            min_samples: count_or("min_samples", &min_samples, 1)?,
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
    @timed
    /// Exact quantile of the last ``window_size`` rows, one row at a time.
    ///
    /// The numbers of Polars' ``rolling_quantile`` with the same options (and of
    /// ``pss.rolling_quantile``). The window counts rows, nulls included; the quantile is
    /// over its non-null values. Nulls: ``update(None)`` takes a window slot, so the oldest
    /// row leaves and ``get()`` becomes the quantile of the non-null values still in the
    /// window (``None`` when fewer than ``min_samples``). NaN sorts above ``+inf``.
    ///
    #[doc = doc_block!(time_based)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(quantile)]
    #[doc = doc_block!(interpolation)]
    #[doc = doc_block!(window_size)]
    ///     The default is 2 rows, as Polars.
    #[doc = doc_block!(min_samples_rolling)]
    #[doc = doc_block!(closed)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> r = pss.RollingQuantile(0.5, window_size=3).update_many([1.0, 9.0, 4.0])
    /// >>> r.get()
    /// 4.0
    /// >>> r.update(None).get()  # 1.0 left; 9.0, 4.0 and the null remain: too few values
    /// >>> pss.RollingQuantile(0.5, window_size=3, min_samples=1).running(
    /// ...     [1.0, 9.0, 4.0, None]
    /// ... ).to_list()
    /// [1.0, 9.0, 4.0, 9.0]
    RollingQuantile(CoreRollingQuantile),
    #[pyo3(
        signature = (quantile, interpolation=Arg::Omitted, window_size=Arg::Omitted, *, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(quantile, interpolation='nearest', window_size=2, *, min_samples=None, closed='right')",
    )]
    fn new(quantile: &Bound<'_, PyAny>, interpolation: Arg<'_>, window_size: Arg<'_>, min_samples: Arg<'_>, closed: Arg<'_>) -> PyResult<Self> {
        let q = real("quantile", quantile)?;
        let interpolation = self::interpolation(&interpolation)?;
        let window = time::span_or(&window_size, &closed, 2)?;
        let min_samples = time::span_min_samples(&window, &min_samples, 0)?;
        let opts = RollingQuantileOptions { q, window, interpolation, min_samples };
        Ok(RollingQuantile { inner: CoreRollingQuantile::new(opts).map_err(value_error)? })
    }
}

stat_class! {
    /// Inter-quantile range of every value so far: exact (with ``revert``) or two P²
    /// estimators.
    ///
    /// ``quantile(q_sup) - quantile(q_inf)`` of every non-null value so far, as two
    /// ``Quantile`` objects would give (one set of values for both with ``method='exact'``;
    /// with ``method='p2'`` River's ``stats.IQR``, bit for bit). Nulls are ignored:
    /// ``update(None)`` changes nothing and ``get()`` stays the same.
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(q_inf_q_sup)]
    #[doc = doc_block!(interpolation_cumulative)]
    #[doc = doc_block!(method)]
    #[doc = doc_block!(min_samples)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> iqr = pss.IQR().update_many([1.0, 2.0, 3.0, 4.0, 100.0])
    /// >>> iqr.get()
    /// 2.0
    /// >>> iqr.update(None).get()  # nulls are ignored
    /// 2.0
    /// >>> iqr.revert(100.0).get()  # 1, 2, 3, 4: 'nearest' quantiles 2.0 and 3.0
    /// 1.0
    IQR(Iqr),
    #[pyo3(
        signature = (*, q_inf=Arg::Omitted, q_sup=Arg::Omitted, interpolation=Arg::Omitted, method=Arg::Omitted, min_samples=Arg::Omitted),
        text_signature = "(*, q_inf=0.25, q_sup=0.75, interpolation=None, method='exact', min_samples=1)",
    )]
    fn new(q_inf: Arg<'_>, q_sup: Arg<'_>, interpolation: Arg<'_>, method: Arg<'_>, min_samples: Arg<'_>) -> PyResult<Self> {
        let q_inf = real_or("q_inf", &q_inf, 0.25)?;
        let q_sup = real_or("q_sup", &q_sup, 0.75)?;
        let (method, interpolation) = method_and_interpolation(&method, &interpolation)?;
        let opts = IqrOptions {
            q_inf,
            q_sup,
            interpolation,
            method,
            min_samples: count_or("min_samples", &min_samples, 1)?,
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
    @timed
    /// Inter-quantile range of the last ``window_size`` rows, one row at a time.
    ///
    /// ``quantile(q_sup) - quantile(q_inf)`` of the non-null values among the last
    /// ``window_size`` rows, one window for both quantiles: the difference of two Polars
    /// ``rolling_quantile`` columns with the same options. Nulls: ``update(None)`` takes a
    /// window slot, so the oldest row leaves and ``get()`` becomes the range of the
    /// non-null values still in the window (``None`` when fewer than ``min_samples``).
    ///
    #[doc = doc_block!(time_based)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(window_size)]
    #[doc = doc_block!(q_inf_q_sup)]
    #[doc = doc_block!(interpolation)]
    #[doc = doc_block!(min_samples_rolling)]
    #[doc = doc_block!(closed)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> r = pss.RollingIQR(4, min_samples=1).update_many([1.0, 2.0, 3.0, 10.0])
    /// >>> r.get()  # 'nearest' quantiles 2.0 and 3.0
    /// 1.0
    /// >>> r.update(None).get()  # 1.0 left the window: 2.0, 3.0 and 10.0 remain
    /// 7.0
    RollingIQR(RollingIqr),
    #[pyo3(
        signature = (window_size, *, q_inf=Arg::Omitted, q_sup=Arg::Omitted, interpolation=Arg::Omitted, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(window_size, *, q_inf=0.25, q_sup=0.75, interpolation='nearest', min_samples=None, closed='right')",
    )]
    fn new(window_size: &Bound<'_, PyAny>, q_inf: Arg<'_>, q_sup: Arg<'_>, interpolation: Arg<'_>, min_samples: Arg<'_>, closed: Arg<'_>) -> PyResult<Self> {
        let window = time::span(window_size, &closed)?;
        let opts = RollingIqrOptions {
            q_inf: real_or("q_inf", &q_inf, 0.25)?,
            q_sup: real_or("q_sup", &q_sup, 0.75)?,
            interpolation: self::interpolation(&interpolation)?,
            min_samples: time::span_min_samples(&window, &min_samples, 0)?,
            window,
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
    m.add_class::<tracker::Template>()?;
    m.add_class::<tracker::TrackerCore>()?;
    Ok(())
}
