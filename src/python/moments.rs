//! The moments and extremes as Python objects: nine cumulative classes (mergeable, the
//! moments also revertible) and nine rolling ones, all thin wrappers of `core::moments`.

use pyo3::prelude::*;

use super::plumbing::{count_or, doc_block, flag_or, stat_class, value_error, Arg};
use super::time;
use crate::core::moments::{
    self, AbsMaxOf, Cumulative, KurtosisOf, MaxOf, MeanOf, MinOf, PeakToPeakOf, Rolling, SkewOf,
    StdOf, VarOf,
};

/// `min_samples` of a cumulative statistic: an int, default 1.
fn min_samples_of(arg: &Arg<'_>) -> PyResult<u64> {
    count_or("min_samples", arg, 1)
}

/// A cumulative moment: a `stat_class!` plus `revert`.
macro_rules! revertible_class {
    ($($tokens:tt)*) => {
        stat_class! {
            $($tokens)*

            /// Take out one earlier value (ValueError when the object holds none). Only the
            /// count is checked: reverting a value that was never added is not detected.
            #[pyo3(signature = (x, /))]
            fn revert(mut slf: PyRefMut<'_, Self>, x: f64) -> PyResult<PyRefMut<'_, Self>> {
                slf.inner.revert(x).map_err(value_error)?;
                Ok(slf)
            }
        }
    };
}

revertible_class! {
    /// Mean of every value so far, one value at a time.
    ///
    /// The numbers of ``pss.cum_mean`` (a running mean, without the drift of a running sum).
    #[doc = doc_block!(cumulative_nulls)]
    /// ``revert(x)`` takes out a value added earlier.
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(min_samples)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> m = pss.Mean().update_many([2.0, 4.0, 9.0])
    /// >>> m.get()
    /// 5.0
    /// >>> m.update(None).get()  # nulls are ignored
    /// 5.0
    /// >>> (m + pss.Mean().update(25.0)).get()  # merged with another stream
    /// 10.0
    /// >>> m.revert(9.0).get()
    /// 3.0
    Mean(moments::Mean),
    #[pyo3(signature = (*, min_samples=Arg::Omitted), text_signature = "(*, min_samples=1)")]
    fn new(min_samples: Arg<'_>) -> PyResult<Self> {
        let inner = Cumulative::new(MeanOf {}, min_samples_of(&min_samples)?).map_err(value_error)?;
        Ok(Mean { inner })
    }
}

revertible_class! {
    /// Variance of every value so far, one value at a time.
    ///
    /// The numbers of ``pss.cum_var`` (Welford's update, Chan's merge: no
    /// ``E[x²] - E[x]²`` cancellation).
    #[doc = doc_block!(cumulative_nulls)]
    /// ``revert(x)`` takes out a value added earlier.
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(ddof)]
    #[doc = doc_block!(min_samples)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> v = pss.Var().update_many([2.0, 4.0, 9.0])
    /// >>> v.get()
    /// 13.0
    /// >>> v.update(None).get()  # nulls are ignored
    /// 13.0
    /// >>> pss.Var(ddof=0).update_many([2.0, 4.0]).get()
    /// 1.0
    /// >>> pss.Var().update(2.0).get()  # one value, ddof=1: no variance yet
    Var(moments::Var),
    #[pyo3(
        signature = (*, ddof=Arg::Omitted, min_samples=Arg::Omitted),
        text_signature = "(*, ddof=1, min_samples=1)",
    )]
    fn new(ddof: Arg<'_>, min_samples: Arg<'_>) -> PyResult<Self> {
        let stat = VarOf { ddof: count_or("ddof", &ddof, 1)? };
        let inner = Cumulative::new(stat, min_samples_of(&min_samples)?).map_err(value_error)?;
        Ok(Var { inner })
    }
}

revertible_class! {
    /// Standard deviation of every value so far, one value at a time.
    ///
    /// The square root of ``Var`` with the same ``ddof``: the numbers of ``pss.cum_std``.
    #[doc = doc_block!(cumulative_nulls)]
    /// ``revert(x)`` takes out a value added earlier.
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(ddof)]
    #[doc = doc_block!(min_samples)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> s = pss.Std(ddof=0).update_many([2.0, 4.0])
    /// >>> s.get()
    /// 1.0
    /// >>> s.update(None).get()  # nulls are ignored
    /// 1.0
    Std(moments::Std),
    #[pyo3(
        signature = (*, ddof=Arg::Omitted, min_samples=Arg::Omitted),
        text_signature = "(*, ddof=1, min_samples=1)",
    )]
    fn new(ddof: Arg<'_>, min_samples: Arg<'_>) -> PyResult<Self> {
        let stat = StdOf { ddof: count_or("ddof", &ddof, 1)? };
        let inner = Cumulative::new(stat, min_samples_of(&min_samples)?).map_err(value_error)?;
        Ok(Std { inner })
    }
}

revertible_class! {
    /// Skewness of every value so far, one value at a time.
    ///
    /// The numbers of ``pss.cum_skew``: Polars' ``skew`` of the values so far (``bias=True``,
    /// Polars' default) or pandas' adjusted estimator (``bias=False``).
    #[doc = doc_block!(cumulative_nulls)]
    /// ``revert(x)`` takes out a value added earlier.
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(bias)]
    #[doc = doc_block!(min_samples)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> s = pss.Skew().update_many([1.0, 2.0, 3.0, 10.0])
    /// >>> round(s.get(), 6)
    /// 1.018234
    /// >>> round(s.update(None).get(), 6)  # nulls are ignored
    /// 1.018234
    Skew(moments::Skew),
    #[pyo3(
        signature = (*, bias=Arg::Omitted, min_samples=Arg::Omitted),
        text_signature = "(*, bias=True, min_samples=1)",
    )]
    fn new(bias: Arg<'_>, min_samples: Arg<'_>) -> PyResult<Self> {
        let stat = SkewOf { bias: flag_or("bias", &bias, true)? };
        let inner = Cumulative::new(stat, min_samples_of(&min_samples)?).map_err(value_error)?;
        Ok(Skew { inner })
    }
}

revertible_class! {
    /// Kurtosis of every value so far, one value at a time.
    ///
    /// The numbers of ``pss.cum_kurtosis``: Polars' ``kurtosis`` of the values so far
    /// (excess kurtosis with ``fisher=True``; pandas' adjusted estimator with ``bias=False``).
    #[doc = doc_block!(cumulative_nulls)]
    /// ``revert(x)`` takes out a value added earlier.
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(fisher)]
    #[doc = doc_block!(bias)]
    #[doc = doc_block!(min_samples)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> k = pss.Kurtosis().update_many([1.0, 2.0, 4.0, 8.0])
    /// >>> round(k.get(), 6)
    /// -1.098979
    /// >>> round(k.update(None).get(), 6)  # nulls are ignored
    /// -1.098979
    /// >>> round(pss.Kurtosis(fisher=False).update_many([1.0, 2.0, 4.0, 8.0]).get(), 6)
    /// 1.901021
    Kurtosis(moments::Kurtosis),
    #[pyo3(
        signature = (*, fisher=Arg::Omitted, bias=Arg::Omitted, min_samples=Arg::Omitted),
        text_signature = "(*, fisher=True, bias=True, min_samples=1)",
    )]
    fn new(fisher: Arg<'_>, bias: Arg<'_>, min_samples: Arg<'_>) -> PyResult<Self> {
        let stat = KurtosisOf {
            fisher: flag_or("fisher", &fisher, true)?,
            bias: flag_or("bias", &bias, true)?,
        };
        let inner = Cumulative::new(stat, min_samples_of(&min_samples)?).map_err(value_error)?;
        Ok(Kurtosis { inner })
    }
}

/// The four extremes share a constructor: only `min_samples`.
macro_rules! extreme_class {
    ($(#[$doc:meta])* $name:ident, $finish:expr) => {
        stat_class! {
            $(#[$doc])*
            $name(moments::$name),
            #[pyo3(signature = (*, min_samples=Arg::Omitted), text_signature = "(*, min_samples=1)")]
            fn new(min_samples: Arg<'_>) -> PyResult<Self> {
                let inner = Cumulative::new($finish, min_samples_of(&min_samples)?).map_err(value_error)?;
                Ok($name { inner })
            }
        }
    };
}

extreme_class!(
    /// Smallest value so far, one value at a time.
    ///
    /// The numbers of ``pss.cum_min``; NaN once a NaN was seen.
    #[doc = doc_block!(cumulative_nulls)]
    #[doc = doc_block!(float_limit)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(min_samples)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> m = pss.Min().update_many([4.0, -2.0, 9.0])
    /// >>> m.get()
    /// -2.0
    /// >>> m.update(None).get()  # nulls are ignored
    /// -2.0
    /// >>> pss.Min().update(-(2**53) - 1).get() == -(2**53)  # held as a float
    /// True
    Min, MinOf {}
);
extreme_class!(
    /// Largest value so far, one value at a time.
    ///
    /// The numbers of ``pss.cum_max``; NaN once a NaN was seen.
    #[doc = doc_block!(cumulative_nulls)]
    #[doc = doc_block!(float_limit)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(min_samples)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> m = pss.Max().update_many([4.0, -2.0, 9.0])
    /// >>> m.get()
    /// 9.0
    /// >>> m.update(None).get()  # nulls are ignored
    /// 9.0
    /// >>> (m + pss.Max().update(11.0)).get()
    /// 11.0
    /// >>> pss.Max().update(2**53 + 1).get()  # held as a float: not exact above 2**53
    /// 9007199254740992.0
    Max, MaxOf {}
);
extreme_class!(
    /// Largest minus smallest value so far, one value at a time.
    ///
    /// The numbers of ``pss.cum_peak_to_peak``; NaN once a NaN was seen.
    #[doc = doc_block!(cumulative_nulls)]
    #[doc = doc_block!(float_limit)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(min_samples)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> p = pss.PeakToPeak().update_many([4.0, -2.0, 9.0])
    /// >>> p.get()
    /// 11.0
    /// >>> p.update(None).get()  # nulls are ignored
    /// 11.0
    PeakToPeak, PeakToPeakOf {}
);
extreme_class!(
    /// Largest absolute value so far, one value at a time.
    ///
    /// The numbers of ``pss.cum_abs_max``; NaN once a NaN was seen.
    #[doc = doc_block!(cumulative_nulls)]
    #[doc = doc_block!(float_limit)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(min_samples)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> a = pss.AbsMax().update_many([4.0, -12.0, 9.0])
    /// >>> a.get()
    /// 12.0
    /// >>> a.update(None).get()  # nulls are ignored
    /// 12.0
    AbsMax, AbsMaxOf {}
);

/// A rolling class whose only options are the window and `min_samples` (plus `$opts`).
macro_rules! rolling_class {
    (
        $(#[$doc:meta])*
        $name:ident, $(#[$new_attr:meta])* fn new($($arg:ident: $ty:ty),* $(,)?) => $finish:expr
    ) => {
        stat_class! {
            @timed
            $(#[$doc])*
            $name(moments::$name),
            $(#[$new_attr])*
            fn new(window_size: &Bound<'_, PyAny>, $($arg: $ty,)* min_samples: Arg<'_>, closed: Arg<'_>) -> PyResult<Self> {
                let span = time::span(window_size, &closed)?;
                let stat = $finish;
                let min_samples = time::span_min_samples(&span, &min_samples, 0)?;
                let inner = Rolling::new(stat, span, min_samples).map_err(value_error)?;
                Ok($name { inner })
            }
        }
    };
}

rolling_class!(
    /// Mean of the last ``window_size`` rows, one row at a time.
    ///
    /// The numbers of Polars' ``rolling_mean`` with the same options (and of
    /// ``pss.rolling_mean``), from a window that never subtracts a departed value.
    #[doc = doc_block!(rolling_nulls)]
    ///
    #[doc = doc_block!(time_based)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(window_size)]
    #[doc = doc_block!(min_samples_rolling)]
    #[doc = doc_block!(closed)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> m = pss.RollingMean(3, min_samples=1).update_many([2.0, -4.0, 9.0, 1.0])
    /// >>> m.get()  # mean of -4.0, 9.0 and 1.0
    /// 2.0
    /// >>> m.update(None).get()  # -4.0 left: mean of 9.0 and 1.0
    /// 5.0
    /// >>> pss.RollingMean(2).running([1.0, 2.0, None, 4.0]).to_list()
    /// [None, 1.5, None, None]
    /// >>> from datetime import datetime
    /// >>> m = pss.RollingMean("10m")  # a time window: the rows of the last 10 minutes
    /// >>> m.update(1.0, datetime(2024, 1, 1, 9, 0)).update(3.0, datetime(2024, 1, 1, 9, 5)).get()
    /// 2.0
    /// >>> m.update(8.0, datetime(2024, 1, 1, 9, 12)).get()  # 9:00 left: (3 + 8) / 2
    /// 5.5
    /// >>> pss.RollingMean("2i").running([1.0, 2.0, 4.0], [0, 1, 5]).to_list()  # int times
    /// [1.0, 1.5, 4.0]
    RollingMean,
    #[pyo3(
        signature = (window_size, *, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(window_size, *, min_samples=None, closed='right')",
    )]
    fn new() => MeanOf {}
);
rolling_class!(
    /// Variance of the last ``window_size`` rows, one row at a time.
    ///
    /// The numbers of Polars' ``rolling_var`` with the same options (and of
    /// ``pss.rolling_var``), from a window that never subtracts a departed value: no drift
    /// after large values leave.
    #[doc = doc_block!(rolling_nulls)]
    ///
    #[doc = doc_block!(time_based)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(window_size)]
    #[doc = doc_block!(min_samples_rolling)]
    #[doc = doc_block!(closed)]
    #[doc = doc_block!(ddof)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> v = pss.RollingVar(3, min_samples=1).update_many([2.0, -4.0, 9.0, 1.0])
    /// >>> v.get()  # variance of -4.0, 9.0 and 1.0
    /// 43.0
    /// >>> v.update(None).get()  # -4.0 left: variance of 9.0 and 1.0
    /// 32.0
    RollingVar,
    #[pyo3(
        signature = (window_size, *, ddof=Arg::Omitted, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(window_size, *, min_samples=None, closed='right', ddof=1)",
    )]
    fn new(ddof: Arg<'_>) => VarOf { ddof: count_or("ddof", &ddof, 1)? }
);
rolling_class!(
    /// Standard deviation of the last ``window_size`` rows, one row at a time.
    ///
    /// The square root of ``RollingVar`` with the same options: the numbers of Polars'
    /// ``rolling_std`` (and of ``pss.rolling_std``).
    #[doc = doc_block!(rolling_nulls)]
    ///
    #[doc = doc_block!(time_based)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(window_size)]
    #[doc = doc_block!(min_samples_rolling)]
    #[doc = doc_block!(closed)]
    #[doc = doc_block!(ddof)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> s = pss.RollingStd(2, min_samples=1).update_many([3.0, 1.0, 5.0])
    /// >>> s.get()  # standard deviation of 1.0 and 5.0
    /// 2.8284271247461903
    /// >>> s.update(None).get()  # 1.0 left: one value, ddof=1
    /// >>> pss.RollingStd(2, ddof=0).update_many([3.0, 1.0, 5.0]).get()
    /// 2.0
    RollingStd,
    #[pyo3(
        signature = (window_size, *, ddof=Arg::Omitted, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(window_size, *, min_samples=None, closed='right', ddof=1)",
    )]
    fn new(ddof: Arg<'_>) => StdOf { ddof: count_or("ddof", &ddof, 1)? }
);
rolling_class!(
    /// Skewness of the last ``window_size`` rows, one row at a time.
    ///
    /// The numbers of Polars' ``rolling_skew`` with the same options (and of
    /// ``pss.rolling_skew``).
    #[doc = doc_block!(rolling_nulls)]
    ///
    #[doc = doc_block!(time_based)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(window_size)]
    #[doc = doc_block!(bias)]
    #[doc = doc_block!(min_samples_rolling)]
    #[doc = doc_block!(closed)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> s = pss.RollingSkew(4, min_samples=1).update_many([1.0, 2.0, 3.0, 10.0])
    /// >>> round(s.get(), 6)
    /// 1.018234
    /// >>> round(s.update(None).get(), 6)  # 1.0 left: the skewness of 2.0, 3.0 and 10.0
    /// 0.665469
    RollingSkew,
    #[pyo3(
        signature = (window_size, *, bias=Arg::Omitted, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(window_size, *, bias=True, min_samples=None, closed='right')",
    )]
    fn new(bias: Arg<'_>) => SkewOf { bias: flag_or("bias", &bias, true)? }
);
rolling_class!(
    /// Kurtosis of the last ``window_size`` rows, one row at a time.
    ///
    /// The numbers of Polars' ``rolling_kurtosis`` with the same options (and of
    /// ``pss.rolling_kurtosis``).
    #[doc = doc_block!(rolling_nulls)]
    ///
    #[doc = doc_block!(time_based)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(window_size)]
    #[doc = doc_block!(fisher)]
    #[doc = doc_block!(bias)]
    #[doc = doc_block!(min_samples_rolling)]
    #[doc = doc_block!(closed)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> k = pss.RollingKurtosis(4, min_samples=1).update_many([1.0, 2.0, 4.0, 8.0])
    /// >>> round(k.get(), 6)
    /// -1.098979
    /// >>> round(k.update(None).get(), 6)  # 1.0 left: the kurtosis of 2.0, 4.0 and 8.0
    /// -1.5
    RollingKurtosis,
    #[pyo3(
        signature = (window_size, *, fisher=Arg::Omitted, bias=Arg::Omitted, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(window_size, *, fisher=True, bias=True, min_samples=None, closed='right')",
    )]
    fn new(fisher: Arg<'_>, bias: Arg<'_>) => KurtosisOf {
        fisher: flag_or("fisher", &fisher, true)?,
        bias: flag_or("bias", &bias, true)?,
    }
);
rolling_class!(
    /// Smallest of the last ``window_size`` rows, one row at a time.
    ///
    /// The numbers of Polars' ``rolling_min`` with the same options (and of
    /// ``pss.rolling_min`` on a float column); NaN while a NaN is in the window.
    #[doc = doc_block!(rolling_nulls)]
    ///
    #[doc = doc_block!(time_based)]
    #[doc = doc_block!(float_limit)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(window_size)]
    #[doc = doc_block!(min_samples_rolling)]
    #[doc = doc_block!(closed)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> m = pss.RollingMin(3, min_samples=1).update_many([2.0, -4.0, 9.0, 1.0])
    /// >>> m.get()
    /// -4.0
    /// >>> m.update(None).get()  # -4.0 left the window
    /// 1.0
    RollingMin,
    #[pyo3(
        signature = (window_size, *, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(window_size, *, min_samples=None, closed='right')",
    )]
    fn new() => MinOf {}
);
rolling_class!(
    /// Largest of the last ``window_size`` rows, one row at a time.
    ///
    /// The numbers of Polars' ``rolling_max`` with the same options (and of
    /// ``pss.rolling_max`` on a float column); NaN while a NaN is in the window.
    #[doc = doc_block!(rolling_nulls)]
    ///
    #[doc = doc_block!(time_based)]
    #[doc = doc_block!(float_limit)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(window_size)]
    #[doc = doc_block!(min_samples_rolling)]
    #[doc = doc_block!(closed)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> m = pss.RollingMax(2, min_samples=1).update_many([2.0, 9.0, 1.0])
    /// >>> m.get()
    /// 9.0
    /// >>> m.update(None).get()  # 9.0 left the window
    /// 1.0
    /// >>> m.update(None).get()  # no value left in the window
    RollingMax,
    #[pyo3(
        signature = (window_size, *, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(window_size, *, min_samples=None, closed='right')",
    )]
    fn new() => MaxOf {}
);
rolling_class!(
    /// Largest minus smallest of the last ``window_size`` rows, one row at a time.
    ///
    /// The numbers of ``pss.rolling_peak_to_peak`` on a float column (Polars'
    /// ``rolling_max - rolling_min``); NaN while a NaN is in the window.
    #[doc = doc_block!(rolling_nulls)]
    ///
    #[doc = doc_block!(time_based)]
    #[doc = doc_block!(float_limit)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(window_size)]
    #[doc = doc_block!(min_samples_rolling)]
    #[doc = doc_block!(closed)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> p = pss.RollingPeakToPeak(3, min_samples=1).update_many([2.0, -4.0, 9.0, 1.0])
    /// >>> p.get()
    /// 13.0
    /// >>> p.update(None).get()  # -4.0 left: 9.0 - 1.0
    /// 8.0
    RollingPeakToPeak,
    #[pyo3(
        signature = (window_size, *, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(window_size, *, min_samples=None, closed='right')",
    )]
    fn new() => PeakToPeakOf {}
);
rolling_class!(
    /// Largest absolute value of the last ``window_size`` rows, one row at a time.
    ///
    /// The numbers of ``pss.rolling_abs_max`` on a float column (Polars'
    /// ``abs().rolling_max``); NaN while a NaN is in the window.
    #[doc = doc_block!(rolling_nulls)]
    ///
    #[doc = doc_block!(time_based)]
    #[doc = doc_block!(float_limit)]
    ///
    /// Parameters
    /// ----------
    #[doc = doc_block!(window_size)]
    #[doc = doc_block!(min_samples_rolling)]
    #[doc = doc_block!(closed)]
    ///
    /// Examples
    /// --------
    /// >>> import polars_streamstats as pss
    /// >>> a = pss.RollingAbsMax(2, min_samples=1).update_many([2.0, -9.0, 1.0])
    /// >>> a.get()
    /// 9.0
    /// >>> a.update(None).get()  # -9.0 left the window
    /// 1.0
    RollingAbsMax,
    #[pyo3(
        signature = (window_size, *, min_samples=Arg::Omitted, closed=Arg::Omitted),
        text_signature = "(window_size, *, min_samples=None, closed='right')",
    )]
    fn new() => AbsMaxOf {}
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Mean>()?;
    m.add_class::<Var>()?;
    m.add_class::<Std>()?;
    m.add_class::<Skew>()?;
    m.add_class::<Kurtosis>()?;
    m.add_class::<Min>()?;
    m.add_class::<Max>()?;
    m.add_class::<PeakToPeak>()?;
    m.add_class::<AbsMax>()?;
    m.add_class::<RollingMean>()?;
    m.add_class::<RollingVar>()?;
    m.add_class::<RollingStd>()?;
    m.add_class::<RollingSkew>()?;
    m.add_class::<RollingKurtosis>()?;
    m.add_class::<RollingMin>()?;
    m.add_class::<RollingMax>()?;
    m.add_class::<RollingPeakToPeak>()?;
    m.add_class::<RollingAbsMax>()?;
    Ok(())
}
