//! `EWMean`, `EWVar` and `EWStd` with a duration `half_life`: one Python class holds either
//! the row-decayed statistic (`core::ewm`) or the time-decayed one (`core::ewm_by`, Polars'
//! `ewm_mean_by`), with the duration as the user wrote it and the kind of time it takes.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3_polars::export::polars_arrow::bitmap::Bitmap;
use pyo3_polars::PySeries;
use serde::{Deserialize, Serialize};

use super::plumbing::{self, Arg};
use super::time::{self, Clock, Timed};
use crate::core::ewm_by::{EwByOptions, EwMeanBy, EwStdBy, EwVarBy, TimeDecayed};
use crate::core::sweep::Running;
use crate::core::window::TimeKind;
use crate::core::{Kernel, Merge, OptionValue, StatError, Statistic};

/// A time-decayed statistic with its duration: the text (`"1h"`, `"300000000us"`) and the
/// kind of time it takes (instants in ns, or integers for `"i"` durations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ByTime<T: TimeDecayed> {
    stat: T,
    kind: TimeKind,
    text: String,
}

/// The row-decayed statistic `R` or its time-decayed twin `T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum Ew<R: Statistic, T: TimeDecayed> {
    Rows(R),
    Time(ByTime<T>),
}

pub type EwMeanAny = Ew<crate::core::ewm::EwMean, EwMeanBy>;
pub type EwVarAny = Ew<crate::core::ewm::EwVar, EwVarBy>;
pub type EwStdAny = Ew<crate::core::ewm::EwStd, EwStdBy>;

impl<R: Statistic, T: TimeDecayed> Ew<R, T> {
    /// The time-decayed statistic for a duration `half_life` (and `bias`, for the variance).
    pub fn by_time(half_life: &time::Duration, bias: bool) -> PyResult<Self> {
        let opts = EwByOptions {
            half_life: half_life.width,
            bias,
        };
        let stat = T::new_by(opts).map_err(plumbing::value_error)?;
        Ok(Ew::Time(ByTime {
            stat,
            kind: half_life.kind,
            text: half_life.text.clone(),
        }))
    }
}

impl<R: Statistic, T: TimeDecayed> Kernel for Ew<R, T> {
    #[inline]
    fn update(&mut self, x: Option<f64>) -> Option<f64> {
        match self {
            Ew::Rows(r) => r.update(x),
            Ew::Time(b) => b.stat.update(x),
        }
    }
}

impl<R: Statistic, T: TimeDecayed> Merge for Ew<R, T> {
    fn merge(&mut self, later: &Self) -> Result<(), StatError> {
        crate::core::same_options(self, later)?;
        match (self, later) {
            (Ew::Rows(a), Ew::Rows(b)) => a.merge(b),
            (Ew::Time(a), Ew::Time(b)) if (a.kind, &a.text) == (b.kind, &b.text) => {
                a.stat.merge(&b.stat)
            }
            (a, b) => Err(StatError::ConflictingOptions(format!(
                "cannot merge {} objects with different options ({} and {})",
                R::NAME,
                crate::core::option_list(&a.options()),
                crate::core::option_list(&b.options())
            ))),
        }
    }
}

impl<R: Statistic, T: TimeDecayed> Statistic for Ew<R, T> {
    const NAME: &'static str = R::NAME;

    fn get(&self) -> Option<f64> {
        match self {
            Ew::Rows(r) => r.get(),
            Ew::Time(b) => b.stat.get(),
        }
    }

    fn restore(&mut self) -> Result<(), StatError> {
        match self {
            Ew::Rows(r) => r.restore(),
            Ew::Time(b) => b.stat.restore(),
        }
    }

    fn validate(&self) -> Result<(), StatError> {
        match self {
            Ew::Rows(r) => r.validate(),
            Ew::Time(b) => {
                b.stat.validate()?;
                // The text must be the duration the statistic runs on.
                let d = time::parse_duration("half_life", &b.text)
                    .map_err(|e| StatError::InvalidState(e.to_string()))?;
                if d.width != b.stat.opts().half_life || d.kind != b.kind {
                    return Err(StatError::InvalidState(format!(
                        "half_life '{}' does not match the state's half-life {}",
                        b.text,
                        b.stat.opts().half_life
                    )));
                }
                Ok(())
            }
        }
    }

    fn options(&self) -> Vec<(&'static str, OptionValue)> {
        match self {
            Ew::Rows(r) => r.options(),
            Ew::Time(b) => b
                .stat
                .options()
                .into_iter()
                .map(|(name, v)| match name {
                    "half_life" => (name, OptionValue::Text(b.text.clone())),
                    _ => (name, v),
                })
                .collect(),
        }
    }
}

impl<R: Statistic, T: TimeDecayed> Timed for Ew<R, T> {
    fn clock(&mut self) -> Option<Clock> {
        match self {
            Ew::Rows(_) => None,
            Ew::Time(b) => Some(Clock {
                kind: b.kind,
                text: b.text.clone(),
                param: "half_life",
            }),
        }
    }

    fn update_at(&mut self, x: Option<f64>, t: i64) -> Result<Option<f64>, StatError> {
        match self {
            Ew::Rows(r) => Ok(r.update(x)),
            Ew::Time(b) => b.stat.update_at(x, t),
        }
    }

    fn run_at(
        &mut self,
        values: &[f64],
        valid: &dyn Fn(usize) -> bool,
        times: &[i64],
        out: &mut Running,
    ) -> Result<(), StatError> {
        match self {
            Ew::Rows(_) => Err(StatError::InvalidOperation(
                "a row-decayed statistic takes no times".into(),
            )),
            Ew::Time(b) => b.stat.run_at(values, valid, times, out),
        }
    }

    fn last_time(&mut self) -> Option<i64> {
        match self {
            Ew::Rows(_) => None,
            Ew::Time(b) => b.stat.last_time(),
        }
    }

    // Rows go straight to the row statistic's own sweep (its fast loops).
    fn run_slice(&mut self, values: &[f64], valid: Option<&Bitmap>, out: &mut Running) {
        match valid.filter(|v| v.unset_bits() > 0) {
            None => match self {
                Ew::Rows(r) => crate::core::sweep::run_dense(r, values, out),
                Ew::Time(_) => crate::core::sweep::run_dense(self, values, out),
            },
            Some(v) => match self {
                Ew::Rows(r) => crate::core::sweep::run_masked(r, values, |i| v.get_bit(i), out),
                Ew::Time(_) => crate::core::sweep::run_masked(self, values, |i| v.get_bit(i), out),
            },
        }
    }

    fn feed_rows(&mut self, values: &Bound<'_, PyAny>) -> PyResult<()> {
        match self {
            Ew::Rows(r) => plumbing::update_many(r, values),
            Ew::Time(_) => plumbing::update_many(self, values),
        }
    }

    fn run_rows(&mut self, values: &Bound<'_, PyAny>) -> PyResult<PySeries> {
        match self {
            Ew::Rows(r) => plumbing::running(r, values),
            Ew::Time(_) => plumbing::running(self, values),
        }
    }
}

/// The options of a time-decayed `EWMean`/`EWVar`/`EWStd`: a duration `half_life` is the
/// whole decay, so `com`, `span` and `alpha` must be left out; `adjust`, `min_samples` and
/// `ignore_nulls` may be given only as what the time-based form does (`adjust=False`: the
/// recursive weights; `min_samples=1`; `ignore_nulls=True`: a null row changes nothing).
pub fn check_time_options(
    com: &Arg<'_>,
    span: &Arg<'_>,
    alpha: &Arg<'_>,
    adjust: &Arg<'_>,
    min_samples: &Arg<'_>,
    ignore_nulls: &Arg<'_>,
) -> PyResult<()> {
    for (name, arg) in [("com", com), ("span", span), ("alpha", alpha)] {
        if arg.object().is_some() {
            return Err(PyValueError::new_err(format!(
                "`{name}` cannot be combined with a duration half_life: the half-life in time \
                 is the whole decay (give exactly one of com, span, half_life, alpha)"
            )));
        }
    }
    if arg_given(adjust) && plumbing::flag_or("adjust", adjust, false)? {
        return Err(PyValueError::new_err(
            "`adjust=True` does not apply to a duration half_life: the weights over time are \
             Polars' ewm_mean_by recursion (adjust=False); leave adjust out",
        ));
    }
    if arg_given(min_samples) && plumbing::count_or("min_samples", min_samples, 1)? != 1 {
        return Err(PyValueError::new_err(
            "`min_samples` does not apply to a duration half_life (as ewm_mean_by, every \
             non-null value gives a result); leave it out",
        ));
    }
    if arg_given(ignore_nulls) && !plumbing::flag_or("ignore_nulls", ignore_nulls, true)? {
        return Err(PyValueError::new_err(
            "`ignore_nulls=False` does not apply to a duration half_life: the values age with \
             time, not with rows, so a null row changes nothing; leave ignore_nulls out",
        ));
    }
    Ok(())
}

fn arg_given(arg: &Arg<'_>) -> bool {
    arg.object().is_some()
}
