//! The few transcendental functions the per-step mechanisms need, in plain
//! arithmetic.
//!
//! Two reasons not to call the platform's libm in the hot loop: it is the slowest
//! part of a step (every person's quit hazard is an `exp`, every percentile a `Φ`),
//! and its last bits differ between platforms, while results are promised
//! byte-identical. These are pure IEEE arithmetic (Rust never fuses a multiply and
//! an add unless asked), so they give the same bits everywhere.

/// `e^x` to within a few units in the last place (relative error below 1e-14 over
/// the range the model uses), 0 below −745 and infinity above 709.
///
/// `x = (32m + j)·ln2/32 + r` with `|r| ≤ ln2/64`: `e^x = 2^m · 2^(j/32) · e^r`,
/// the middle factor from a table built at compile time, the last a degree-5
/// polynomial (its error, `r^6/720`, is below 3e-15). Short dependency chains
/// matter: this runs once per person per step.
#[inline]
pub fn exp(x: f64) -> f64 {
    const SCALE: f64 = 32.0 * std::f64::consts::LOG2_E;
    // ln2/32 split so that k · LN2_32_HI is exact for the k that occur.
    const LN2_32_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000) / 32.0;
    const LN2_32_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76) / 32.0;
    // Adding and subtracting 1.5 · 2^52 rounds to the nearest integer.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    if x.is_nan() {
        return x;
    }
    if x > 709.0 {
        return f64::INFINITY;
    }
    if x < -745.0 {
        return 0.0;
    }
    let k = (x * SCALE + ROUND) - ROUND;
    let r = (x - k * LN2_32_HI) - k * LN2_32_LO;
    let r2 = r * r;
    // 1 + r + r²/2 + r³/6 + r⁴/24 + r⁵/120, in two short chains.
    let low = 1.0 + r + r2 * 0.5;
    let high = r2 * r * ((1.0 / 6.0) + r * (1.0 / 24.0) + r2 * (1.0 / 120.0));
    let k = k as i64;
    let fraction = TWO_TO_THE_32NDS[(k & 31) as usize];
    let m = k >> 5;
    // Scale by 2^m in two halves, so that subnormal results do not overflow the
    // exponent field.
    let half = m / 2;
    (fraction * (low + high)) * two_to(half) * two_to(m - half)
}

/// `2^(j/32)` for `j` in 0..32, computed at compile time by a long Taylor series
/// (pure arithmetic, the same bits on every platform).
const TWO_TO_THE_32NDS: [f64; 32] = {
    let mut table = [0.0; 32];
    let mut j = 0;
    while j < 32 {
        table[j] = taylor_exp(j as f64 * std::f64::consts::LN_2 / 32.0);
        j += 1;
    }
    table
};

/// `e^x` for `0 ≤ x < 1` by its Taylor series to 25 terms (for the table only).
const fn taylor_exp(x: f64) -> f64 {
    let (mut sum, mut term, mut n) = (1.0, 1.0, 1);
    while n < 25 {
        term = term * x / n as f64;
        sum += term;
        n += 1;
    }
    sum
}

/// `2^k` for `−1022 ≤ k ≤ 1023`.
#[inline]
fn two_to(k: i64) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// `x^n` by repeated squaring, inline (the standard `powi` is a library call).
#[inline]
pub fn powi(x: f64, mut n: u32) -> f64 {
    let (mut base, mut result) = (x, 1.0);
    while n > 0 {
        if n & 1 == 1 {
            result *= base;
        }
        base *= base;
        n >>= 1;
    }
    result
}

/// The standard normal CDF `Φ` by linear interpolation in a table of 128 points
/// per unit over [−8, 8], accurate to 2e-6 (0 and 1 outside the table).
#[derive(Debug, Clone, PartialEq)]
pub struct NormalTable {
    values: Vec<f64>,
}

const PER_UNIT: f64 = 128.0;
const HALF_WIDTH: f64 = 8.0;

impl Default for NormalTable {
    fn default() -> Self {
        Self::new()
    }
}

impl NormalTable {
    /// Tabulates `Φ`.
    pub fn new() -> Self {
        let points = (2.0 * HALF_WIDTH * PER_UNIT) as usize + 1;
        let values = (0..points).map(|i| crate::rng::normal_cdf(i as f64 / PER_UNIT - HALF_WIDTH)).collect();
        Self { values }
    }

    /// `Φ(z)`.
    #[inline]
    pub fn cdf(&self, z: f64) -> f64 {
        let t = (z + HALF_WIDTH) * PER_UNIT;
        // NaN fails every comparison: it lands here too.
        if t.is_nan() || t <= 0.0 {
            return 0.0;
        }
        let last = self.values.len() - 1;
        if t >= last as f64 {
            return 1.0;
        }
        let i = t as usize;
        let fraction = t - i as f64;
        self.values[i] + fraction * (self.values[i + 1] - self.values[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_the_standard_library() {
        let mut x = -700.0;
        while x < 700.0 {
            let (ours, std) = (exp(x), x.exp());
            assert!(((ours - std) / std).abs() < 1e-14, "exp({x}) = {ours}, std {std}");
            x += 0.731;
        }
        for x in [-1e-300, 0.0, 1e-12, -0.5, 0.5, 3.0, -20.0] {
            assert!(((exp(x) - x.exp()) / x.exp()).abs() < 1e-14, "{x}");
        }
        assert_eq!(exp(800.0), f64::INFINITY);
        assert_eq!(exp(-800.0), 0.0);
        assert!(exp(-740.0) > 0.0 && (exp(-740.0) / (-740f64).exp() - 1.0).abs() < 1e-3);
    }

    #[test]
    fn powi_is_repeated_multiplication() {
        assert_eq!(powi(1.5, 4), 1.5 * 1.5 * 1.5 * 1.5);
        assert_eq!(powi(7.0, 0), 1.0);
        assert_eq!(powi(2.0, 10), 1024.0);
    }

    #[test]
    fn the_normal_table_is_accurate() {
        let table = NormalTable::new();
        for i in -1000..=1000 {
            let z = f64::from(i) * 0.00937;
            assert!((table.cdf(z) - crate::rng::normal_cdf(z)).abs() < 3e-6, "{z}");
        }
        assert_eq!((table.cdf(-9.0), table.cdf(9.0), table.cdf(f64::NAN)), (0.0, 1.0, 0.0));
    }
}
