//! The generic sweep: feed a run of values (with an optional validity mask) through a
//! statistic, collecting each row's output. Monomorphised per statistic, so `update` is
//! inlined and the null-free loop carries no null checks.

use super::Statistic;

/// Row outputs: values plus an Arrow-layout validity bitmap (LSB first), built only once
/// the first null output appears.
#[derive(Debug, Default)]
pub struct Running {
    pub values: Vec<f64>,
    validity: Option<Vec<u8>>,
    null_count: usize,
}

impl Running {
    pub fn with_capacity(n: usize) -> Self {
        Running { values: Vec::with_capacity(n), validity: None, null_count: 0 }
    }

    #[inline(always)]
    pub fn push(&mut self, v: Option<f64>) {
        let i = self.values.len();
        match v {
            Some(v) => {
                self.values.push(v);
                if let Some(bits) = &mut self.validity {
                    if i % 8 == 0 {
                        bits.push(0);
                    }
                    bits[i / 8] |= 1 << (i % 8);
                }
            }
            None => {
                self.values.push(0.0);
                self.null_count += 1;
                let bits = self.validity.get_or_insert_with(|| {
                    let mut b = vec![0xFFu8; i.div_ceil(8)];
                    b.reserve(self.values.capacity().div_ceil(8).saturating_sub(b.len()));
                    if i % 8 != 0 {
                        // Only the first `i % 8` bits of the last byte are rows so far.
                        let last = b.len() - 1;
                        b[last] = (1u8 << (i % 8)) - 1;
                    }
                    b
                });
                if i % 8 == 0 {
                    bits.push(0);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn null_count(&self) -> usize {
        self.null_count
    }

    /// `(values, validity bitmap bytes or None when every row is valid)`.
    pub fn into_parts(self) -> (Vec<f64>, Option<Vec<u8>>) {
        (self.values, self.validity)
    }

    /// The outputs as options (for tests and small conversions).
    pub fn to_options(&self) -> Vec<Option<f64>> {
        (0..self.len())
            .map(|i| match &self.validity {
                Some(bits) if bits[i / 8] & (1 << (i % 8)) == 0 => None,
                _ => Some(self.values[i]),
            })
            .collect()
    }
}

/// Feed `values` (all non-null) and record each row's output.
#[inline]
pub fn run_dense<S: Statistic>(stat: &mut S, values: &[f64], out: &mut Running) {
    out.values.reserve(values.len());
    for &x in values {
        let y = stat.update(Some(x));
        out.push(y);
    }
}

/// Feed `values` whose row `i` is null where `is_valid(i)` is false; record the outputs.
#[inline]
pub fn run_masked<S: Statistic>(
    stat: &mut S,
    values: &[f64],
    is_valid: impl Fn(usize) -> bool,
    out: &mut Running,
) {
    out.values.reserve(values.len());
    for (i, &x) in values.iter().enumerate() {
        let y = stat.update(is_valid(i).then_some(x));
        out.push(y);
    }
}

/// Feed `values` (all non-null) without recording outputs.
#[inline]
pub fn feed_dense<S: Statistic>(stat: &mut S, values: &[f64]) {
    for &x in values {
        stat.update(Some(x));
    }
}

/// Feed `values` with a validity test, without recording outputs.
#[inline]
pub fn feed_masked<S: Statistic>(stat: &mut S, values: &[f64], is_valid: impl Fn(usize) -> bool) {
    for (i, &x) in values.iter().enumerate() {
        stat.update(is_valid(i).then_some(x));
    }
}

/// Convenience for tests and small inputs: run a statistic over options.
pub fn run_options<S: Statistic>(stat: &mut S, xs: &[Option<f64>]) -> Vec<Option<f64>> {
    xs.iter().map(|&x| stat.update(x)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_validity_is_lazy_and_correct() {
        for first_null in [0usize, 1, 7, 8, 9, 15, 16, 17] {
            let mut r = Running::with_capacity(4);
            let mut expected = Vec::new();
            for i in 0..40 {
                let v = if i == first_null || (i > first_null && i % 3 == 0) { None } else { Some(i as f64) };
                r.push(v);
                expected.push(v);
            }
            assert_eq!(r.to_options(), expected, "first null at {first_null}");
            assert_eq!(r.null_count(), expected.iter().filter(|v| v.is_none()).count());
        }
        let mut r = Running::default();
        r.push(Some(1.0));
        assert!(r.into_parts().1.is_none());
    }
}
