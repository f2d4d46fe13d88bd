//! The moments and extremes as Python objects: nine cumulative classes (mergeable, the
//! moments also revertible) and nine rolling ones, all thin wrappers of `core::moments`.

use pyo3::prelude::*;

use super::plumbing::{
    count_option, min_samples, min_samples_or, stat_class, value_error, window_size,
};
use crate::core::moments::{
    self, AbsMaxOf, Cumulative, KurtosisOf, MaxOf, MeanOf, MinOf, PeakToPeakOf, Rolling, SkewOf,
    StdOf, VarOf,
};

/// `ddof` as Python gives it: a non-negative integer.
fn ddof(v: i128) -> PyResult<u64> {
    count_option("ddof", v, 0)
}

/// A cumulative class: `stat_class!` plus `merge`, `+` and `+=`.
macro_rules! cumulative_class {
    (
        $(#[$doc:meta])*
        $name:ident($core:ty),
        $(#[$new_attr:meta])*
        fn new($($arg:ident: $ty:ty),* $(,)?) -> PyResult<Self> $body:block
        $($extra:tt)*
    ) => {
        stat_class! {
            $(#[$doc])*
            $name($core),
            $(#[$new_attr])*
            fn new($($arg: $ty),*) -> PyResult<Self> $body

            /// Absorb the state of `other` (same class and options): afterwards this object is
            /// as if it had also seen every value `other` saw. Returns the object itself.
            #[pyo3(signature = (other, /))]
            fn merge<'py>(slf: Bound<'py, Self>, other: &Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
                let theirs = other.borrow().inner.clone();
                slf.borrow_mut().inner.merge(&theirs).map_err(value_error)?;
                Ok(slf)
            }

            /// `a + b`: a new object with the merged state of both.
            fn __add__(&self, other: &Bound<'_, Self>) -> PyResult<Self> {
                let mut inner = self.inner.clone();
                inner.merge(&other.borrow().inner).map_err(value_error)?;
                Ok($name { inner })
            }

            /// `a += b`: merge `b` into `a`.
            fn __iadd__(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) -> PyResult<()> {
                let theirs = other.borrow().inner.clone();
                slf.borrow_mut().inner.merge(&theirs).map_err(value_error)
            }

            $($extra)*
        }
    };
}

/// A cumulative moment: a cumulative class plus `revert`.
macro_rules! revertible_class {
    ($($tokens:tt)*) => {
        cumulative_class! {
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
    /// Mean of every value so far.
    Mean(moments::Mean),
    #[pyo3(signature = (*, min_samples=1))]
    fn new(min_samples: i128) -> PyResult<Self> {
        let inner = Cumulative::new(MeanOf {}, self::min_samples(min_samples)?).map_err(value_error)?;
        Ok(Mean { inner })
    }
}

revertible_class! {
    /// Variance of every value so far (`ddof` delta degrees of freedom, as Polars).
    Var(moments::Var),
    #[pyo3(signature = (*, ddof=1, min_samples=1))]
    fn new(ddof: i128, min_samples: i128) -> PyResult<Self> {
        let stat = VarOf { ddof: self::ddof(ddof)? };
        let inner = Cumulative::new(stat, self::min_samples(min_samples)?).map_err(value_error)?;
        Ok(Var { inner })
    }
}

revertible_class! {
    /// Standard deviation of every value so far.
    Std(moments::Std),
    #[pyo3(signature = (*, ddof=1, min_samples=1))]
    fn new(ddof: i128, min_samples: i128) -> PyResult<Self> {
        let stat = StdOf { ddof: self::ddof(ddof)? };
        let inner = Cumulative::new(stat, self::min_samples(min_samples)?).map_err(value_error)?;
        Ok(Std { inner })
    }
}

revertible_class! {
    /// Skewness of every value so far (`bias=True`: Polars' default; pandas uses `False`).
    Skew(moments::Skew),
    #[pyo3(signature = (*, bias=true, min_samples=1))]
    fn new(bias: bool, min_samples: i128) -> PyResult<Self> {
        let inner = Cumulative::new(SkewOf { bias }, self::min_samples(min_samples)?).map_err(value_error)?;
        Ok(Skew { inner })
    }
}

revertible_class! {
    /// Kurtosis of every value so far (excess kurtosis when `fisher=True`).
    Kurtosis(moments::Kurtosis),
    #[pyo3(signature = (*, fisher=true, bias=true, min_samples=1))]
    fn new(fisher: bool, bias: bool, min_samples: i128) -> PyResult<Self> {
        let stat = KurtosisOf { fisher, bias };
        let inner = Cumulative::new(stat, self::min_samples(min_samples)?).map_err(value_error)?;
        Ok(Kurtosis { inner })
    }
}

/// The four extremes share a constructor: only `min_samples`.
macro_rules! extreme_class {
    ($(#[$doc:meta])* $name:ident, $finish:expr) => {
        cumulative_class! {
            $(#[$doc])*
            $name(moments::$name),
            #[pyo3(signature = (*, min_samples=1))]
            fn new(min_samples: i128) -> PyResult<Self> {
                let inner = Cumulative::new($finish, self::min_samples(min_samples)?).map_err(value_error)?;
                Ok($name { inner })
            }
        }
    };
}

extreme_class!(
    /// Smallest value so far (NaN once a NaN was seen).
    Min, MinOf {}
);
extreme_class!(
    /// Largest value so far (NaN once a NaN was seen).
    Max, MaxOf {}
);
extreme_class!(
    /// Largest minus smallest value so far.
    PeakToPeak, PeakToPeakOf {}
);
extreme_class!(
    /// Largest absolute value so far.
    AbsMax, AbsMaxOf {}
);

/// A rolling class whose only options are the window and `min_samples` (plus `$opts`).
macro_rules! rolling_class {
    (
        $(#[$doc:meta])*
        $name:ident, $(#[$new_attr:meta])* fn new($($arg:ident: $ty:ty),* $(,)?) => $finish:expr
    ) => {
        stat_class! {
            $(#[$doc])*
            $name(moments::$name),
            $(#[$new_attr])*
            fn new(window_size: i128, $($arg: $ty,)* min_samples: Option<i128>) -> PyResult<Self> {
                let window_size = self::window_size(window_size)?;
                let min_samples = min_samples_or(min_samples, window_size)?;
                let inner = Rolling::new($finish, window_size, min_samples).map_err(value_error)?;
                Ok($name { inner })
            }
        }
    };
}

rolling_class!(
    /// Mean of the last `window_size` rows (Polars' `rolling_mean`).
    RollingMean,
    #[pyo3(signature = (*, window_size, min_samples=None))]
    fn new() => MeanOf {}
);
rolling_class!(
    /// Variance of the last `window_size` rows (Polars' `rolling_var`).
    RollingVar,
    #[pyo3(signature = (*, window_size, ddof=1, min_samples=None))]
    fn new(ddof: i128) => VarOf { ddof: self::ddof(ddof)? }
);
rolling_class!(
    /// Standard deviation of the last `window_size` rows (Polars' `rolling_std`).
    RollingStd,
    #[pyo3(signature = (*, window_size, ddof=1, min_samples=None))]
    fn new(ddof: i128) => StdOf { ddof: self::ddof(ddof)? }
);
rolling_class!(
    /// Skewness of the last `window_size` rows (Polars' `rolling_skew`).
    RollingSkew,
    #[pyo3(signature = (*, window_size, bias=true, min_samples=None))]
    fn new(bias: bool) => SkewOf { bias }
);
rolling_class!(
    /// Kurtosis of the last `window_size` rows (Polars' `rolling_kurtosis`).
    RollingKurtosis,
    #[pyo3(signature = (*, window_size, fisher=true, bias=true, min_samples=None))]
    fn new(fisher: bool, bias: bool) => KurtosisOf { fisher, bias }
);
rolling_class!(
    /// Smallest of the last `window_size` rows (Polars' `rolling_min`).
    RollingMin,
    #[pyo3(signature = (*, window_size, min_samples=None))]
    fn new() => MinOf {}
);
rolling_class!(
    /// Largest of the last `window_size` rows (Polars' `rolling_max`).
    RollingMax,
    #[pyo3(signature = (*, window_size, min_samples=None))]
    fn new() => MaxOf {}
);
rolling_class!(
    /// Largest minus smallest of the last `window_size` rows.
    RollingPeakToPeak,
    #[pyo3(signature = (*, window_size, min_samples=None))]
    fn new() => PeakToPeakOf {}
);
rolling_class!(
    /// Largest absolute value of the last `window_size` rows.
    RollingAbsMax,
    #[pyo3(signature = (*, window_size, min_samples=None))]
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
