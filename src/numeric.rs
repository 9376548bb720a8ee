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
///
/// Branch-free (out-of-range and NaN inputs are handled by selects after the
/// arithmetic) and with integer work in 32-bit lanes, so a loop over it
/// vectorises: the wide and the scalar code give the same bits.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const SCALE: f64 = 32.0 * std::f64::consts::LOG2_E;
    // ln2/32 split so that k · LN2_32_HI is exact for the k that occur.
    const LN2_32_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000) / 32.0;
    const LN2_32_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76) / 32.0;
    // Lanes outside the range compute on a harmless stand-in and are replaced below.
    let inside = (-745.0..=709.0).contains(&x);
    let y = if inside { x } else { 0.0 };
    let rounded = y * SCALE + ROUND;
    let k = rounded - ROUND;
    let r = (y - k * LN2_32_HI) - k * LN2_32_LO;
    let r2 = r * r;
    // 1 + r + r²/2 + r³/6 + r⁴/24 + r⁵/120, in two short chains.
    let low = 1.0 + r + r2 * 0.5;
    let high = r2 * r * ((1.0 / 6.0) + r * (1.0 / 24.0) + r2 * (1.0 / 120.0));
    // |k| < 2^15 here, so its two's complement is the sum's low 32 bits.
    let k = rounded.to_bits() as u32 as i32;
    let fraction = TWO_TO_THE_32NDS[(k & 31) as usize];
    let m = k >> 5;
    // Scale by 2^m in two halves, so that subnormal results do not overflow the
    // exponent field.
    let half = m / 2;
    let y = (fraction * (low + high)) * two_to(half) * two_to(m - half);
    if inside {
        y
    } else if x > 709.0 {
        f64::INFINITY
    } else if x < -745.0 {
        0.0
    } else {
        x // NaN
    }
}

/// `ln x` to within a few units in the last place; `−∞` at 0, NaN below 0 or for
/// NaN, `∞` at `∞`.
///
/// `x = 2^e · m` with `√½ < m ≤ √2`; `ln m = 2 atanh(s)` with `s = (m − 1)/(m + 1)`,
/// `|s| < 0.172`, by its series to `s^23` (the rest is below 1e-19). Branch-free
/// like [`exp`], so a loop over it vectorises with the same bits.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
    const MANTISSA: u64 = (1 << 52) - 1;
    // Subnormals are scaled into the normal range first.
    let small = x < f64::MIN_POSITIVE;
    let y = if small { x * TWO_TO_54 } else { x };
    let bits = y.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32 - 1023 - if small { 54 } else { 0 };
    let m = f64::from_bits((bits & MANTISSA) | 0x3FF0_0000_0000_0000);
    let high = m > std::f64::consts::SQRT_2;
    let (m, exponent) = if high { (m * 0.5, exponent + 1) } else { (m, exponent) };
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    // R = 2s²/3 + 2s⁴/5 + … + 2s²²/23, so that ln(1 + f) = f − s·(f − R).
    let mut r = 2.0 / 23.0;
    for k in (1..11).rev() {
        r = r * s2 + 2.0 / f64::from(2 * k + 1);
    }
    let r = r * s2;
    let e = f64::from(exponent);
    let log = e * LN2_HI + ((f - s * (f - r)) + e * LN2_LO);
    if x > 0.0 && x < f64::INFINITY {
        log
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        x
    } else {
        f64::NAN
    }
}

/// `x^y` for `x ≥ 0` as `e^(y ln x)` ([`exp`], [`ln`]): the same bits on every
/// platform, unlike the library's `powf`. Its relative error grows with
/// `|y ln x|`: below 1e-13 for the model's overhead weights.
#[inline(always)]
pub fn pow(x: f64, y: f64) -> f64 {
    exp(y * ln(x))
}

const TWO_TO_54: f64 = (1u64 << 54) as f64;

/// Adding 1.5 · 2^52 rounds to the nearest integer, which then stands in the
/// low bits of the sum; subtracting it again gives that integer as a float.
const ROUND: f64 = 6_755_399_441_055_744.0;

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
#[inline(always)]
fn two_to(k: i32) -> f64 {
    f64::from_bits(u64::from((k + 1023) as u32) << 52)
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

/// Each of `values` to the power `n`, by the same multiplications as [`powi`]:
/// eight at a time, so that they vectorise.
#[inline(always)]
pub fn powi_each(values: &mut [f64], n: u32) {
    const LANES: usize = 8;
    for chunk in values.chunks_mut(LANES) {
        let mut base = [0.0; LANES];
        base[..chunk.len()].copy_from_slice(chunk);
        let (mut result, mut n) = ([1.0; LANES], n);
        while n > 0 {
            if n & 1 == 1 {
                for (result, base) in result.iter_mut().zip(&base) {
                    *result *= base;
                }
            }
            for base in &mut base {
                *base *= *base;
            }
            n >>= 1;
        }
        chunk.copy_from_slice(&result[..chunk.len()]);
    }
}

/// The standard normal CDF `Φ` by linear interpolation in a table of 128 points
/// per unit over [−8, 8], accurate to 2e-6 (0 and 1 outside the table).
#[derive(Debug, Clone, PartialEq)]
pub struct NormalTable {
    /// A fixed size lets the compiler see every index in bounds, so a loop of
    /// lookups has no bounds checks and vectorises (as gathers).
    values: Box<[f64; POINTS]>,
}

const PER_UNIT: f64 = 128.0;
const HALF_WIDTH: f64 = 8.0;
const POINTS: usize = (2.0 * HALF_WIDTH * PER_UNIT) as usize + 1;

impl Default for NormalTable {
    fn default() -> Self {
        Self::new()
    }
}

impl NormalTable {
    /// Tabulates `Φ`.
    pub fn new() -> Self {
        let mut values = Box::new([0.0; POINTS]);
        for (i, value) in values.iter_mut().enumerate() {
            *value = crate::rng::normal_cdf(i as f64 / PER_UNIT - HALF_WIDTH);
        }
        Self { values }
    }

    /// `Φ(z)`. Branch-free, like [`exp`], so that loops over it vectorise.
    #[inline(always)]
    pub fn cdf(&self, z: f64) -> f64 {
        cdf_in(&self.values, z)
    }

    /// `Φ` of each of `scores`, into `percentiles` (of the same length).
    #[inline(always)]
    pub fn cdf_each(&self, scores: &[f64], percentiles: &mut [f64]) {
        cdf_each_in(&self.values, scores, percentiles);
    }
}

/// [`NormalTable::cdf_each`] on the bare table: as an argument the compiler knows
/// it apart from the output, which a loop of lookups needs to vectorise.
#[inline]
fn cdf_each_in(values: &[f64; POINTS], scores: &[f64], percentiles: &mut [f64]) {
    for (p, &z) in percentiles.iter_mut().zip(scores) {
        *p = cdf_in(values, z);
    }
}

/// [`NormalTable::cdf`] on the bare table.
#[inline(always)]
fn cdf_in(values: &[f64; POINTS], z: f64) -> f64 {
    const LAST: f64 = (POINTS - 1) as f64;
    let t = (z + HALF_WIDTH) * PER_UNIT;
    // NaN fails every comparison: it counts as below the table.
    let inside = t > 0.0 && t < LAST;
    let t_inside = if inside { t } else { 0.0 };
    // Truncation is the floor here, and the index is below POINTS - 1.
    let i = (t_inside as i32 as usize).min(POINTS - 2);
    let fraction = t_inside - i as f64;
    let interpolated = values[i] + fraction * (values[i + 1] - values[i]);
    if inside {
        interpolated
    } else if t >= LAST {
        1.0
    } else {
        0.0
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
    fn ln_matches_the_standard_library() {
        let mut x = 1e-300;
        while x < 1e300 {
            for x in [x, x * 1.000_000_1, x * 1.414, x * 1.4143, x * 0.7] {
                let (ours, std) = (ln(x), x.ln());
                assert!((ours - std).abs() <= 4.0 * f64::EPSILON * std.abs(), "ln({x}) = {ours}, std {std}");
            }
            x *= 1.37;
        }
        // Near 1, where ln is small, relative accuracy is the hard part.
        // And on either side of √2 and √½, where the mantissa is halved or not.
        let (root, half_root) = (std::f64::consts::SQRT_2, std::f64::consts::FRAC_1_SQRT_2);
        let beside = |x: f64| [f64::from_bits(x.to_bits() - 1), x, f64::from_bits(x.to_bits() + 1)];
        let edges = beside(root).into_iter().chain(beside(half_root));
        for x in [1.0 + 1e-12, 1.0 - 1e-12, 1.0 + 1e-6, 1.0 - 1e-6, 1.001, 0.999].into_iter().chain(edges) {
            let (ours, std) = (ln(x), x.ln());
            assert!((ours - std).abs() <= 4.0 * f64::EPSILON * std.abs(), "ln({x}) = {ours}, std {std}");
        }
        assert_eq!(ln(1.0), 0.0);
        assert!((ln(5e-324) - 5e-324f64.ln()).abs() < 1e-12);
        assert_eq!((ln(0.0), ln(f64::INFINITY)), (f64::NEG_INFINITY, f64::INFINITY));
        assert!(ln(-1.0).is_nan() && ln(f64::NAN).is_nan());
    }

    #[test]
    fn pow_matches_the_standard_library_over_the_overhead_weights() {
        for gamma in [0.5, 2.7, 9.8, 19.9] {
            for i in 1..2000 {
                let x = f64::from(i) * 0.0071;
                let (ours, std) = (pow(x, gamma), x.powf(gamma));
                assert!(((ours - std) / std).abs() < 1e-13, "{x}^{gamma} = {ours}, std {std}");
            }
            assert_eq!(pow(0.0, gamma), 0.0);
        }
    }

    #[test]
    fn powi_is_repeated_multiplication() {
        assert_eq!(powi(1.5, 4), 1.5 * 1.5 * 1.5 * 1.5);
        assert_eq!(powi(7.0, 0), 1.0);
        assert_eq!(powi(2.0, 10), 1024.0);
    }

    #[test]
    fn powi_each_is_powi_of_each() {
        for n in [0, 1, 2, 7, 12, 13] {
            for len in [0, 1, 7, 8, 9, 20] {
                let values: Vec<f64> = (0..len).map(|i| 0.37 + 0.61 * f64::from(i)).collect();
                let mut each = values.clone();
                powi_each(&mut each, n);
                let one_by_one: Vec<f64> = values.iter().map(|&x| powi(x, n)).collect();
                assert_eq!(each, one_by_one, "n {n}, {len} values");
            }
        }
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
