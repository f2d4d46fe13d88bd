//! The engine of `pss.Tracker`: one state per key and statistic, carried across batches.
//!
//! A statistic object (any class) hands the Tracker a [`Template`]: its state boxed behind
//! the object-safe [`Tracked`] trait, which every statistic has through a blanket impl. Each
//! new key gets a clone of the template. A batch is grouped once (a counting sort of the key
//! ids the Python side assigns), every key's rows are swept through its state in one call
//! (the same sweeps as `running`, so the outputs are those of the expressions), and the
//! outputs are scattered back to row order. Dispatch is once per key and statistic per batch,
//! never per row. Every check (times, dtypes) runs before any state changes, so a bad batch
//! leaves the Tracker as it was.

use std::any::Any;

use polars::prelude::{DataType, Float64Chunked, IntoSeries, PlSmallStr, Series};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3_polars::export::polars_arrow::array::PrimitiveArray;
use pyo3_polars::export::polars_arrow::bitmap::{Bitmap, MutableBitmap};
use pyo3_polars::export::polars_arrow::datatypes::ArrowDataType;
use pyo3_polars::PySeries;
use serde::{Deserialize, Serialize};

use super::plumbing::value_error;
use super::time::{series_times, show_time, Clock, Timed};
use crate::core::sweep::Running;
use crate::core::{snapshot, StatError, Statistic};
use crate::expressions::series::to_array;

/// A statistic behind a pointer: what the Tracker keeps per key. Every [`Timed`] statistic
/// (all the Python classes' states) is one.
pub trait Tracked: Send + Sync {
    fn name(&self) -> &'static str;
    fn clone_box(&self) -> Box<dyn Tracked>;
    fn as_any(&self) -> &dyn Any;
    /// The time the statistic takes (`None`: it counts rows).
    fn clock(&mut self) -> Option<Clock>;
    /// Sweep a key's rows of one batch (times already checked), recording each row's output.
    fn run(
        &mut self,
        values: &[f64],
        valid: Option<&Bitmap>,
        times: Option<&[i64]>,
        out: &mut Running,
    ) -> Result<(), StatError>;
    fn get(&self) -> Option<f64>;
    /// `Merge::merge` with a state of the same type (an error otherwise).
    fn merge_dyn(&mut self, later: &dyn Tracked) -> Result<(), StatError>;
    fn encode(&self) -> Vec<u8>;
    /// A state of this statistic's type decoded from `encode`'s bytes.
    fn decode(&self, bytes: &[u8]) -> Result<Box<dyn Tracked>, StatError>;
    fn options_text(&self) -> String;
}

impl<S: Timed + Sync> Tracked for S {
    fn name(&self) -> &'static str {
        S::NAME
    }

    fn clone_box(&self) -> Box<dyn Tracked> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn clock(&mut self) -> Option<Clock> {
        Timed::clock(self)
    }

    fn run(
        &mut self,
        values: &[f64],
        valid: Option<&Bitmap>,
        times: Option<&[i64]>,
        out: &mut Running,
    ) -> Result<(), StatError> {
        match times {
            Some(times) => {
                let is_valid = |i: usize| valid.is_none_or(|v| v.get_bit(i));
                self.run_at(values, &is_valid, times, out)
            }
            None => {
                self.run_slice(values, valid, out);
                Ok(())
            }
        }
    }

    fn get(&self) -> Option<f64> {
        Statistic::get(self)
    }

    fn merge_dyn(&mut self, later: &dyn Tracked) -> Result<(), StatError> {
        match later.as_any().downcast_ref::<S>() {
            Some(later) => crate::core::Merge::merge(self, later),
            None => Err(StatError::ConflictingOptions(format!(
                "cannot merge a {} state with a {} state",
                S::NAME,
                later.name()
            ))),
        }
    }

    fn encode(&self) -> Vec<u8> {
        snapshot::encode(self)
    }

    fn decode(&self, bytes: &[u8]) -> Result<Box<dyn Tracked>, StatError> {
        Ok(Box::new(snapshot::decode::<S>(bytes)?))
    }

    fn options_text(&self) -> String {
        crate::core::option_list(&self.options())
    }
}

/// A statistic object's state as a Tracker template (`obj._template()`).
#[pyclass(module = "polars_streamstats._internal", name = "_Template")]
pub struct Template(pub Box<dyn Tracked>);

#[pymethods]
impl Template {
    /// The class name and options, e.g. `"EWMean"` and `"alpha=0.1, ..."`.
    fn describe(&self) -> (String, String) {
        (self.0.name().to_string(), self.0.options_text())
    }

    /// Whether the clock is time-based, and its duration text.
    fn time_based(&mut self) -> Option<String> {
        self.0.clock().map(|c| format!("{}='{}'", c.param, c.text))
    }
}

/// The saved form of a Tracker's states: per statistic, each key's snapshot, and each
/// key's latest time.
#[derive(Serialize, Deserialize)]
struct Saved {
    states: Vec<Vec<Vec<u8>>>,
    last: Vec<Option<i64>>,
}

/// The Rust half of `pss.Tracker` (the Python class holds the keys and the column names).
#[pyclass(module = "polars_streamstats._internal", name = "_TrackerCore")]
pub struct TrackerCore {
    templates: Vec<Box<dyn Tracked>>,
    /// `states[s][k]`: statistic `s` of key `k` (keys are numbered in order of appearance).
    states: Vec<Vec<Box<dyn Tracked>>>,
    /// The latest time of each key (time-based trackers).
    last: Vec<Option<i64>>,
}

/// A batch's rows grouped by key: `order[offsets[k]..offsets[k + 1]]` are key `k`'s rows.
struct Groups {
    order: Vec<u32>,
    offsets: Vec<usize>,
}

impl Groups {
    fn of(ids: &[u32], n_keys: usize) -> Groups {
        let mut offsets = vec![0usize; n_keys + 1];
        for &id in ids {
            offsets[id as usize + 1] += 1;
        }
        for k in 0..n_keys {
            offsets[k + 1] += offsets[k];
        }
        let mut next = offsets.clone();
        let mut order = vec![0u32; ids.len()];
        for (row, &id) in ids.iter().enumerate() {
            order[next[id as usize]] = row as u32;
            next[id as usize] += 1;
        }
        Groups { order, offsets }
    }

    fn range(&self, k: usize) -> std::ops::Range<usize> {
        self.offsets[k]..self.offsets[k + 1]
    }

    fn gather<T: Copy>(&self, xs: &[T]) -> Vec<T> {
        self.order.iter().map(|&i| xs[i as usize]).collect()
    }
}

/// A value column's values and validity (None: no nulls).
type Column = (Vec<f64>, Option<Bitmap>);

/// A value column as f64, in grouped order when grouped, with its validity.
fn f64_column(s: &Series, groups: Option<&Groups>) -> PyResult<Column> {
    let bad = || {
        PyTypeError::new_err(format!(
            "column '{}' must hold numbers, got dtype {}",
            s.name(),
            s.dtype()
        ))
    };
    if !(s.dtype().is_primitive_numeric() || s.dtype() == &DataType::Boolean) {
        return Err(bad());
    }
    let ca = s.cast(&DataType::Float64).map_err(|_| bad())?;
    let ca = ca.f64().map_err(|_| bad())?.rechunk();
    let Some(arr) = ca.downcast_iter().next() else {
        return Ok((Vec::new(), None));
    };
    let values = arr.values().as_slice();
    let valid = arr.validity().filter(|v| v.unset_bits() > 0);
    Ok(match groups {
        Some(g) => (
            g.gather(values),
            valid.map(|v| g.order.iter().map(|&i| v.get_bit(i as usize)).collect()),
        ),
        None => (values.to_vec(), valid.cloned()),
    })
}

fn series_of(name: &str, arr: PrimitiveArray<f64>) -> Series {
    Float64Chunked::from_chunk_iter(PlSmallStr::from(name), [arr]).into_series()
}

impl TrackerCore {
    fn fresh(&self, s: usize) -> Box<dyn Tracked> {
        self.templates[s].clone_box()
    }

    /// Times must not go backwards within a key (`t[range(k)]`, grouped), nor before the
    /// key's last time; `describe(k)` names key `k` in the message.
    fn check_times(
        &mut self,
        t: &[i64],
        n_keys: usize,
        range: &dyn Fn(usize) -> std::ops::Range<usize>,
        describe: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let kind = self
            .templates
            .iter_mut()
            .find_map(|s| s.clock())
            .map(|c| c.kind);
        let show = |v: i64| kind.map_or(v.to_string(), |k| show_time(k, v));
        for k in 0..n_keys {
            let part = &t[range(k)];
            let Some(&first) = part.first() else { continue };
            let last = self.last.get(k).copied().flatten();
            let bad = match last.filter(|&l| first < l) {
                Some(last) => Some((first, last)),
                None => part.windows(2).find(|w| w[1] < w[0]).map(|w| (w[1], w[0])),
            };
            if let Some((late, early)) = bad {
                let key: String = describe.call1((k,))?.extract()?;
                return Err(PyValueError::new_err(format!(
                    "Tracker.update: time went backwards for key {key}: {} comes after {} \
                     (each key's times must not decrease; the batch was not applied and every \
                     state is as it was)",
                    show(late),
                    show(early)
                )));
            }
        }
        Ok(())
    }

    /// The times of a batch for the time-based statistics (each checks its own duration
    /// against the column's dtype and time zone), or None when no statistic takes time.
    fn times_of(&mut self, times: Option<&Series>, name: &str) -> PyResult<Option<Vec<i64>>> {
        // Statistics with the same duration check and convert the column alike: once.
        let mut clocks: Vec<Clock> = Vec::new();
        for clock in self.templates.iter_mut().filter_map(|t| t.clock()) {
            if !clocks.contains(&clock) {
                clocks.push(clock);
            }
        }
        match (times, clocks.first()) {
            (Some(s), Some(first)) => {
                for clock in &clocks[1..] {
                    series_times(clock, name, s)?;
                }
                Ok(Some(series_times(first, name, s)?))
            }
            (None, None) => Ok(None),
            (None, Some(c)) => Err(PyValueError::new_err(format!(
                "a time-based statistic ({}='{}') needs `time`: the column of each row's time",
                c.param, c.text
            ))),
            (Some(_), None) => Err(PyValueError::new_err(
                "`time` is only for time-based statistics (a duration window_size or \
                 half_life); none of these statistics takes time",
            )),
        }
    }
}

#[pymethods]
impl TrackerCore {
    #[new]
    fn new(templates: Vec<PyRef<'_, Template>>) -> Self {
        TrackerCore {
            states: templates.iter().map(|_| Vec::new()).collect(),
            templates: templates.iter().map(|t| t.0.clone_box()).collect(),
            last: Vec::new(),
        }
    }

    fn n_keys(&self) -> usize {
        self.last.len()
    }

    /// Whether any statistic is time-based.
    fn timed(&mut self) -> bool {
        self.templates.iter_mut().any(|t| t.clock().is_some())
    }

    /// Run one batch: `ids` numbers each row's key (new keys are numbered from the current
    /// count up to `n_keys - 1`), `columns[s]` holds statistic `s`'s values, `times` each
    /// row's time. Returns one Float64 Series per statistic, in row order. `describe(id)`
    /// names a key in messages. Everything is checked before any state changes.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (ids, n_keys, columns, names, times, time_name, describe))]
    fn update(
        &mut self,
        ids: PySeries,
        n_keys: usize,
        columns: Vec<PySeries>,
        names: Vec<String>,
        times: Option<PySeries>,
        time_name: &str,
        describe: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PySeries>> {
        let ids = ids.0;
        let n = ids.len();
        let known = self.n_keys();
        if n_keys < known || columns.len() != self.templates.len() || names.len() != columns.len() {
            return Err(PyValueError::new_err("Tracker: inconsistent batch layout"));
        }
        let ids_ca = ids
            .cast(&DataType::UInt32)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let ids_ca = ids_ca
            .u32()
            .map_err(|e| PyValueError::new_err(e.to_string()))?
            .rechunk();
        let id_values: Vec<u32> = ids_ca.into_no_null_iter().collect();
        if id_values.len() != n || id_values.iter().any(|&id| id as usize >= n_keys) {
            return Err(PyValueError::new_err("Tracker: key ids out of range"));
        }
        // Decode every column before any state changes.
        let times = self.times_of(times.as_ref().map(|s| &s.0), time_name)?;
        let single = n_keys == 1;
        let groups = (!single).then(|| Groups::of(&id_values, n_keys));
        // Each distinct column is decoded (and grouped) once, whatever the statistics on it.
        let mut distinct: Vec<(&str, Column)> = Vec::new();
        let mut column_of = Vec::with_capacity(columns.len());
        for c in &columns {
            if c.0.len() != n {
                return Err(PyValueError::new_err("Tracker: column lengths differ"));
            }
            let name = c.0.name().as_str();
            match distinct.iter().position(|(d, _)| *d == name) {
                Some(i) => column_of.push(i),
                None => {
                    column_of.push(distinct.len());
                    distinct.push((name, f64_column(&c.0, groups.as_ref())?));
                }
            }
        }
        let range = |k: usize| match &groups {
            Some(g) => g.range(k),
            None => 0..n,
        };
        let times = times.map(|t| match &groups {
            Some(g) => g.gather(&t),
            None => t,
        });
        if let Some(t) = &times {
            self.check_times(t, n_keys, &range, describe)?;
        }
        // Commit: new keys get fresh states, then every key's rows run through its state.
        for s in 0..self.templates.len() {
            while self.states[s].len() < n_keys {
                let fresh = self.fresh(s);
                self.states[s].push(fresh);
            }
        }
        self.last.resize(n_keys, None);
        if let Some(t) = &times {
            for k in 0..n_keys {
                if let Some(&latest) = t[range(k)].last() {
                    self.last[k] = Some(latest);
                }
            }
        }
        let mut outputs = Vec::with_capacity(self.templates.len());
        for (s, &c) in column_of.iter().enumerate() {
            let takes_time = self.templates[s].clock().is_some();
            let (vals, valid) = &distinct[c].1;
            let mut out = Running::with_capacity(n);
            for k in 0..n_keys {
                let r = range(k);
                if r.is_empty() {
                    continue;
                }
                let part_valid = valid.as_ref().map(|v| v.clone().sliced(r.start, r.len()));
                let part_times = times.as_ref().filter(|_| takes_time).map(|t| &t[r.clone()]);
                self.states[s][k]
                    .run(&vals[r], part_valid.as_ref(), part_times, &mut out)
                    .map_err(value_error)?;
            }
            let out = match &groups {
                Some(g) => scatter(out, &g.order),
                None => to_array(out),
            };
            outputs.push(PySeries(series_of(&names[s], out)));
        }
        Ok(outputs)
    }

    /// Statistic `s`'s current estimate for every key, in key order.
    fn get(&self, s: usize, name: &str) -> PySeries {
        let mut out = Running::with_capacity(self.n_keys());
        out.extend(self.states[s].iter().map(|st| st.get()));
        PySeries(series_of(name, to_array(out)))
    }

    /// Keep the keys where `keep` is true (in order); the others are forgotten.
    fn retain(&mut self, keep: Vec<bool>) -> PyResult<()> {
        if keep.len() != self.n_keys() {
            return Err(PyValueError::new_err(
                "Tracker: keep mask has the wrong length",
            ));
        }
        for states in &mut self.states {
            let mut i = 0;
            states.retain(|_| {
                i += 1;
                keep[i - 1]
            });
        }
        let mut i = 0;
        self.last.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        Ok(())
    }

    /// Absorb `other` (a later part of the stream): its key `j` merges into key
    /// `targets[j]` (a new key when `targets[j] >= self.n_keys()`; new keys are numbered in
    /// order up to `n_keys - 1`). All or nothing.
    fn merge(&mut self, other: &TrackerCore, targets: Vec<u32>, n_keys: usize) -> PyResult<()> {
        let known = self.n_keys();
        if targets.len() != other.n_keys()
            || other.templates.len() != self.templates.len()
            || targets.iter().any(|&t| t as usize >= n_keys)
        {
            return Err(PyValueError::new_err(
                "Tracker.merge: inconsistent key mapping",
            ));
        }
        // The merged states of the keys `other` holds, made aside: an error leaves `self`
        // as it was; keys only `self` holds are not touched.
        let mut merged: Vec<Vec<(usize, Box<dyn Tracked>)>> = Vec::with_capacity(self.states.len());
        for s in 0..self.templates.len() {
            let mut states = Vec::with_capacity(targets.len());
            for (j, &t) in targets.iter().enumerate() {
                let t = t as usize;
                let mut state = if t < known {
                    self.states[s][t].clone_box()
                } else {
                    self.fresh(s)
                };
                state
                    .merge_dyn(other.states[s][j].as_ref())
                    .map_err(value_error)?;
                states.push((t, state));
            }
            merged.push(states);
        }
        let mut last = self.last.clone();
        last.resize(n_keys, None);
        for (j, &t) in targets.iter().enumerate() {
            last[t as usize] = last[t as usize].max(other.last[j]);
        }
        for (s, states) in merged.into_iter().enumerate() {
            let template = &self.templates[s];
            self.states[s].resize_with(n_keys, || template.clone_box());
            for (t, state) in states {
                self.states[s][t] = state;
            }
        }
        self.last = last;
        Ok(())
    }

    fn copy(&self) -> TrackerCore {
        TrackerCore {
            templates: self.templates.iter().map(|t| t.clone_box()).collect(),
            states: self
                .states
                .iter()
                .map(|v| v.iter().map(|s| s.clone_box()).collect())
                .collect(),
            last: self.last.clone(),
        }
    }

    /// Every state as bytes (the statistics' versioned snapshots).
    fn save<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let saved = Saved {
            states: self
                .states
                .iter()
                .map(|v| v.iter().map(|s| s.encode()).collect())
                .collect(),
            last: self.last.clone(),
        };
        PyBytes::new(py, &postcard::to_allocvec(&saved).unwrap_or_default())
    }

    /// Restore `save`'s bytes (decoded by the templates' types, each state validated).
    fn load(&mut self, bytes: &[u8]) -> PyResult<()> {
        let bad = |why: String| PyValueError::new_err(format!("cannot restore Tracker: {why}"));
        let saved: Saved = postcard::from_bytes(bytes).map_err(|e| bad(e.to_string()))?;
        if saved.states.len() != self.templates.len()
            || saved.states.iter().any(|v| v.len() != saved.last.len())
        {
            return Err(bad("the states do not match the statistics".into()));
        }
        let mut states = Vec::with_capacity(saved.states.len());
        for (s, saved_states) in saved.states.iter().enumerate() {
            let decoded: Result<Vec<_>, _> = saved_states
                .iter()
                .map(|b| self.templates[s].decode(b))
                .collect();
            states.push(decoded.map_err(|e| bad(e.to_string()))?);
        }
        self.states = states;
        self.last = saved.last;
        Ok(())
    }
}

/// Outputs in grouped order back to row order (`order[j]` is grouped row `j`'s row).
fn scatter(out: Running, order: &[u32]) -> PrimitiveArray<f64> {
    let n = out.len();
    let (grouped, validity) = out.into_parts();
    let mut values = vec![0.0f64; n];
    for (&v, &i) in grouped.iter().zip(order) {
        values[i as usize] = v;
    }
    let validity = validity.map(|bytes| {
        let grouped = Bitmap::from_u8_vec(bytes, n);
        let mut ok = MutableBitmap::from_len_zeroed(n);
        for (j, &i) in order.iter().enumerate() {
            if grouped.get_bit(j) {
                ok.set(i as usize, true);
            }
        }
        Bitmap::from(ok)
    });
    PrimitiveArray::new(ArrowDataType::Float64, values.into(), validity)
}
