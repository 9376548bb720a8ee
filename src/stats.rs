//! Exact, mergeable summary statistics for Monte Carlo trials.
//!
//! Trials run in parallel on per-thread accumulators that are merged in
//! whatever order the scheduler finishes them, yet the output must be
//! byte-identical for any thread count. Floating-point sums depend on order,
//! so nothing here accumulates in floating point: [`Moments`] keeps integer
//! sums of fixed-point values and [`Histogram`] keeps integer bin counts with a
//! canonical coarsening rule. Integer addition is associative and commutative,
//! so any merge order or grouping yields bit-identical state, and floats are
//! only produced at the end, from that state. Memory is constant in the number
//! of trials.

use std::collections::VecDeque;

/// Largest number of values an accumulator is guaranteed to hold without
/// integer overflow (2^23, eight times the simulator's 2^20 trial cap).
pub const MAX_COUNT: u64 = 1 << 23;

/// `2^e` as an `f64`, built from its bits so it is exact; `e` in `-1022..=1023`.
fn pow2(e: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// `x.floor() as i64` without a call into libm: the x86-64 baseline has no rounding
/// instruction, and accumulators round a value per metric per step. Exact for
/// |x| < 2^63 (everything here is bounded far below).
#[inline]
fn floor_to_i64(x: f64) -> i64 {
    let truncated = x as i64;
    if (truncated as f64) > x { truncated - 1 } else { truncated }
}

/// `x.round() as i64` (halves away from zero) without a call into libm; exact for
/// |x| < 2^52, where `x` minus its integer part is computed without rounding.
#[inline]
fn round_to_i64(x: f64) -> i64 {
    let truncated = x as i64;
    let fraction = x - truncated as f64;
    if fraction >= 0.5 {
        truncated + 1
    } else if fraction <= -0.5 {
        truncated - 1
    } else {
        truncated
    }
}

/// Smallest `e` with `x <= 2^e` for normal positive `x` (an upper bound for subnormals).
fn ceil_log2(x: f64) -> i32 {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32 - 1023;
    if exp == -1023 {
        -1022
    } else if bits & ((1 << 52) - 1) == 0 {
        exp
    } else {
        exp + 1
    }
}

/// Exact count, mean and variance of values bounded by a known `max_abs`.
///
/// Each value is quantised to an integer `q = round(x * 2^s)`, with the
/// power-of-two scale `2^s` chosen as large as possible subject to
/// `max_abs * 2^s <= 2^40`; the quantisation step is therefore at most
/// `max_abs * 2^-39` (a relative resolution of about 2e-12 of the bound).
/// The state is `n`, `Σq` and `Σq²` as integers, so merging is exact and
/// order-independent. Overflow: with `|q| <= 2^40` and `n <= 2^23`
/// ([`MAX_COUNT`]), `|Σq| <= 2^63`, `Σq² <= 2^103`, and both `n·Σq²` and
/// `(Σq)²` are at most `2^126`, all inside `i128`.
#[derive(Clone, Debug, PartialEq)]
pub struct Moments {
    max_abs: f64,
    /// The exponent `s` of the scale `2^s`.
    scale_exp: i32,
    n: u64,
    sum: i128,
    sum_sq: i128,
}

impl Moments {
    /// An empty accumulator for values with `|x| <= max_abs` (positive, finite).
    pub fn new(max_abs: f64) -> Self {
        assert!(max_abs.is_finite() && max_abs > 0.0, "bad max_abs {max_abs}");
        // Capped so that 2^-s stays a normal f64; the cap only matters for
        // absurdly small bounds, and lowering s keeps |q| within 2^40.
        let scale_exp = (40 - ceil_log2(max_abs)).min(1000);
        Self { max_abs, scale_exp, n: 0, sum: 0, sum_sq: 0 }
    }

    /// Adds one value. Callers must pass finite values within `±max_abs`
    /// (checked in debug builds); in release, out-of-range values are clamped
    /// to `±max_abs` and NaN counts as 0, so the bound can never overflow.
    pub fn add(&mut self, x: f64) {
        debug_assert!(x.is_finite(), "non-finite value {x}");
        debug_assert!(x.abs() <= self.max_abs, "{x} beyond ±{}", self.max_abs);
        debug_assert!(self.n < MAX_COUNT, "more than MAX_COUNT values");
        let q = self.quantise(x);
        self.n += 1;
        self.sum += q;
        self.sum_sq += q * q;
    }

    /// Adds every value of `xs`, as [`Moments::add`] of each would: the sums are
    /// of integers, so adding them up first changes no bit.
    pub fn add_all(&mut self, xs: &[f64]) {
        let (mut sum, mut sum_sq) = (0i128, 0i128);
        for &x in xs {
            debug_assert!(x.is_finite(), "non-finite value {x}");
            debug_assert!(x.abs() <= self.max_abs, "{x} beyond ±{}", self.max_abs);
            let q = self.quantise(x);
            sum += q;
            sum_sq += q * q;
        }
        self.n += xs.len() as u64;
        debug_assert!(self.n <= MAX_COUNT, "more than MAX_COUNT values");
        self.sum += sum;
        self.sum_sq += sum_sq;
    }

    /// `x` as the integer the sums hold: `round(x · 2^s)`, clamped to the bound.
    #[inline]
    fn quantise(&self, x: f64) -> i128 {
        // Multiplying by a power of two is exact, and `as` maps NaN to 0.
        let x = x.clamp(-self.max_abs, self.max_abs);
        i128::from(round_to_i64(x * pow2(self.scale_exp)))
    }

    /// Adds everything `other` holds; exact, so merge order never matters.
    /// Panics if the two were built with different `max_abs` scales.
    pub fn merge(&mut self, other: &Self) {
        // A real assert: merging is rare, and mixed scales would silently corrupt results.
        assert_eq!(self.scale_exp, other.scale_exp, "merging different scales");
        self.n += other.n;
        debug_assert!(self.n <= MAX_COUNT, "more than MAX_COUNT values");
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Mean of the quantised values; NaN when empty.
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        self.sum as f64 * pow2(-self.scale_exp) / self.n as f64
    }

    /// Sample variance (divisor `n − 1`); NaN when fewer than two values.
    ///
    /// The numerator `n·Σq² − (Σq)²` is computed exactly in integers and
    /// converted to `f64` once, so there is no catastrophic cancellation even
    /// when the values sit far from zero.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        let n = i128::from(self.n);
        let numerator = n * self.sum_sq - self.sum * self.sum;
        let unscale = pow2(-self.scale_exp);
        numerator as f64 / (self.n as f64 * (self.n - 1) as f64) * unscale * unscale
    }

    /// Sample standard deviation; NaN when fewer than two values.
    pub fn std_dev(&self) -> f64 {
        self.variance().sqrt()
    }
}

/// Mergeable histogram giving order-independent quantiles in bounded memory.
///
/// A value `x` belongs to level-0 bin `k = floor(x / resolution + 0.5)`, so
/// bins are centred on multiples of `resolution` and integer metrics with
/// resolution 1 are exact. At level `L` the bin of `k` is `k >> L` (floor
/// division by `2^L`), so coarse bins are exact unions of fine ones. Counts are
/// kept for a dense window spanning exactly the lowest to the highest occupied
/// bin; when that span would exceed the histogram's bound on bins
/// ([`Window::bins`]), the level rises until it fits.
///
/// Why the result is independent of merge order and grouping: let `L*` be the
/// smallest level at which the span of *all* values fits. Fitting is monotone
/// in the level (if the span fits at `L`, halving the bin indices keeps it
/// within the bound at `L + 1`). The level is only raised when the span of a
/// subset of the values fails to fit, which means the full set fails too, so
/// every partial histogram has level `<= L*`; a merge starts from the larger of
/// two such levels and stops at the first level that fits, which is therefore
/// `L*` for the union. So the final level is always `L*`, the window is always
/// the occupied span at `L*`, and each count is the number of values in that
/// bin: a sum of integers, the same in any order.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    resolution: f64,
    level: u32,
    /// The same for every histogram merged.
    window: Window,
    /// Bin index (at `level`) of `counts[0]`; meaningless when empty.
    offset: i64,
    /// A deque so the window grows at either end in amortised O(1); its first
    /// and last entries are non-zero whenever it is non-empty.
    counts: VecDeque<u32>,
    n: u64,
    /// The least and greatest values added (`+∞` and `−∞` when empty; a zero is
    /// kept as +0, so the merge's minimum does not depend on which zero came first).
    lowest: f64,
    highest: f64,
}

/// How many bins a [`Histogram`]'s window may span, and how its room grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Most bins the window may span (at least 2).
    pub bins: u16,
    /// Whether the window takes room for all `bins` as soon as it spans a quarter
    /// of them, rather than doubling its room as it widens. A window that has
    /// spread that far soon spans the rest (the trials' extremes keep widening it),
    /// and growing it in steps leaves a trail of freed blocks behind: with tens of
    /// thousands of time series cells, a quarter of the heap, growing with the
    /// trials. It costs the cells that would have stopped short of their bound.
    pub eager: bool,
}

impl Window {
    /// The summaries' and paired differences' window: 4,096 bins (16 KiB of
    /// counts), room doubled as it widens (a run with many arms holds a paired
    /// difference per ordered pair of arms and metric, many of which stop short).
    pub const DEFAULT: Window = Window { bins: 4096, eager: false };
}

impl Histogram {
    /// An empty histogram whose finest bins are `resolution` wide (positive,
    /// finite), with the default window.
    pub fn new(resolution: f64) -> Self {
        Self::with_window(resolution, Window::DEFAULT)
    }

    /// An empty histogram whose finest bins are `resolution` wide, with `window`.
    pub fn with_window(resolution: f64, window: Window) -> Self {
        assert!(resolution.is_finite() && resolution > 0.0, "bad resolution");
        assert!(window.bins >= 2, "a window of fewer than 2 bins");
        let (lowest, highest) = (f64::INFINITY, f64::NEG_INFINITY);
        Self { resolution, level: 0, window, offset: 0, counts: VecDeque::new(), n: 0, lowest, highest }
    }

    /// Adds one finite value (checked in debug builds; in release NaN lands in bin 0).
    pub fn add(&mut self, x: f64) {
        debug_assert!(x.is_finite(), "non-finite value {x}");
        debug_assert!(self.n < MAX_COUNT, "more than MAX_COUNT values");
        let k = self.bin(x);
        let j = k >> self.level;
        if self.counts.is_empty() || j < self.offset || j > self.last() {
            self.cover(k, k, 0);
        }
        let i = ((k >> self.level) - self.offset) as usize;
        self.counts[i] += 1;
        self.n += 1;
        self.lowest = self.lowest.min(x + 0.0);
        self.highest = self.highest.max(x + 0.0);
    }

    /// The finest bin (level 0) of `x`: `x` over the resolution, rounded.
    #[inline]
    fn bin(&self, x: f64) -> i64 {
        floor_to_i64(x / self.resolution + 0.5)
    }

    /// Adds every value of `xs`, as [`Histogram::add`] of each would. The window
    /// is widened once per batch: the window is always exactly the span of the
    /// bins added, at the least level at which that span fits, whatever the order
    /// the values came in. Folding a batch of trials into each time series cell,
    /// it spares a test and a dependent count per value.
    pub fn add_all(&mut self, xs: &[f64]) {
        const BATCH: usize = 16;
        for batch in xs.chunks(BATCH) {
            let mut bins = [0i64; BATCH];
            let (mut lo, mut hi) = (i64::MAX, i64::MIN);
            let (mut lowest, mut highest) = (self.lowest, self.highest);
            for (bin, &x) in bins.iter_mut().zip(batch) {
                debug_assert!(x.is_finite(), "non-finite value {x}");
                let k = self.bin(x);
                *bin = k;
                lo = lo.min(k);
                hi = hi.max(k);
                lowest = lowest.min(x + 0.0);
                highest = highest.max(x + 0.0);
            }
            if self.counts.is_empty() || lo >> self.level < self.offset || hi >> self.level > self.last() {
                self.cover(lo, hi, 0);
            }
            for &k in &bins[..batch.len()] {
                self.counts[((k >> self.level) - self.offset) as usize] += 1;
            }
            self.n += batch.len() as u64;
            debug_assert!(self.n <= MAX_COUNT, "more than MAX_COUNT values");
            (self.lowest, self.highest) = (lowest, highest);
        }
    }

    /// Adds everything `other` holds; the result does not depend on merge
    /// order (see the type's documentation). Panics on differing resolutions.
    pub fn merge(&mut self, other: &Self) {
        let same = self.resolution.to_bits() == other.resolution.to_bits();
        assert!(same, "merging different resolutions");
        assert_eq!(self.window, other.window, "merging histograms of different windows");
        if other.n == 0 {
            return;
        }
        self.cover(other.offset, other.last(), other.level);
        let shift = self.level - other.level;
        for (i, &c) in other.counts.iter().enumerate() {
            let j = (other.offset + i as i64) >> shift;
            self.counts[(j - self.offset) as usize] += c;
        }
        self.n += other.n;
        self.lowest = self.lowest.min(other.lowest);
        self.highest = self.highest.max(other.highest);
        debug_assert!(self.n <= MAX_COUNT, "more than MAX_COUNT values");
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Current coarsening level: bins are `resolution · 2^level` wide.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// Type-1 quantile (inverse empirical CDF) for `p` in `[0, 1]`: the
    /// representative value of the first bin whose cumulative count reaches
    /// `ceil(p·n)` (at least 1). Exact order statistics at level 0 for data on
    /// the bin centres; otherwise within half a bin width, never beyond the least
    /// and greatest values, and those exactly for the first and last ranks. NaN
    /// when empty.
    pub fn quantile(&self, p: f64) -> f64 {
        self.quantiles([p])[0]
    }

    /// [`Histogram::quantile`] of each of `ps`, which must ascend, in one pass
    /// over the window (a summary's three percentiles are a third of the cost
    /// of writing a run's time series otherwise).
    pub fn quantiles<const K: usize>(&self, ps: [f64; K]) -> [f64; K] {
        debug_assert!(ps.iter().all(|p| (0.0..=1.0).contains(p)), "probabilities {ps:?} outside [0, 1]");
        debug_assert!(ps.is_sorted(), "probabilities {ps:?} not ascending");
        let mut found = [f64::NAN; K];
        if self.n == 0 {
            return found;
        }
        let n = self.n as f64;
        // p·n a few ulps above an integer (0.07 · 100 = 7.000000000000001)
        // must still count as that integer.
        let ranks = ps.map(|p| (p * n * (1.0 - 4.0 * f64::EPSILON)).ceil().clamp(1.0, n) as u64);
        let mut next = 0;
        let mut seen = 0;
        let (front, back) = self.counts.as_slices();
        for (i, &c) in front.iter().chain(back).enumerate() {
            seen += u64::from(c);
            while next < K && seen >= ranks[next] {
                found[next] = match ranks[next] {
                    // Once coarsened, the extremes are still known exactly.
                    1 if self.level > 0 => self.lowest,
                    rank if rank == self.n && self.level > 0 => self.highest,
                    _ => self.centre(self.offset + i as i64),
                };
                next += 1;
            }
            if next == K {
                return found;
            }
        }
        // Unreachable (the counts sum to n, the largest rank), kept as a bound.
        found[next..].fill(self.centre(self.last()));
        found
    }

    /// Mean of the level-0 centres that bin `j` covers; once coarsened, never
    /// beyond the values added (a share of 1 in a bin of 1 and 1.0001 would
    /// otherwise read 1.00005).
    fn centre(&self, j: i64) -> f64 {
        let width = (1u64 << self.level) as f64;
        let centre = (j as f64 * width + (width - 1.0) / 2.0) * self.resolution;
        if self.level == 0 { centre } else { centre.clamp(self.lowest, self.highest) }
    }

    fn last(&self) -> i64 {
        self.offset + self.counts.len() as i64 - 1
    }

    /// Extends the window to bins `lo..=hi` (given at `level`), first raising
    /// our level to the smallest one, at least both levels, at which the union
    /// of the two spans fits.
    fn cover(&mut self, lo: i64, hi: i64, level: u32) {
        let mut target = self.level.max(level);
        let (mut lo, mut hi) = (lo >> (target - level), hi >> (target - level));
        if !self.counts.is_empty() {
            let shift = target - self.level;
            lo = lo.min(self.offset >> shift);
            hi = hi.max(self.last() >> shift);
        }
        // Terminates by level 63, where every bin index is -1 or 0.
        while i128::from(hi) - i128::from(lo) >= i128::from(self.window.bins) {
            target += 1;
            lo >>= 1;
            hi >>= 1;
        }
        self.coarsen_to(target);
        if self.counts.is_empty() {
            self.offset = lo;
        }
        let wanted = (hi - self.offset.min(lo) + 1) as usize;
        if wanted > self.counts.capacity() {
            let room = self.room_for(wanted);
            self.counts.reserve_exact(room - self.counts.len());
        }
        while self.offset > lo {
            self.counts.push_front(0);
            self.offset -= 1;
        }
        self.counts.resize((hi - self.offset + 1) as usize, 0);
    }

    /// The slots to hold a window of `wanted` bins in: twice what it held, as a
    /// deque grows, but never more than the window may span (a deque's own
    /// doubling could hold twice that); an eager window's whole bound once it
    /// spans a quarter of it ([`Window::eager`]).
    fn room_for(&self, wanted: usize) -> usize {
        let bound = usize::from(self.window.bins);
        if self.window.eager && wanted > bound / 4 {
            bound
        } else {
            wanted.max(2 * self.counts.capacity()).min(bound)
        }
    }

    /// Re-bins the counts at a coarser `level`.
    fn coarsen_to(&mut self, level: u32) {
        let shift = level - self.level;
        if shift == 0 {
            return;
        }
        self.level = level;
        if self.counts.is_empty() {
            return;
        }
        let offset = self.offset >> shift;
        let len = ((self.last() >> shift) - offset + 1) as usize;
        let mut coarse = VecDeque::with_capacity(self.room_for(len));
        coarse.resize(len, 0);
        for (i, &c) in self.counts.iter().enumerate() {
            coarse[(((self.offset + i as i64) >> shift) - offset) as usize] += c;
        }
        self.offset = offset;
        self.counts = coarse;
    }
}

/// Natural log of the gamma function, for `x > 0`: the Lanczos approximation
/// with g = 7 and nine coefficients (relative error about 1e-15), with the
/// reflection formula below 1/2.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let sum = C[1..].iter().enumerate().fold(C[0], |acc, (i, c)| acc + c / (x + i as f64 + 1.0));
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Continued fraction for the incomplete beta function, by the modified
/// Lentz method (Numerical Recipes, 3rd ed., §6.4, `betacf`). Converges in
/// O(√max(a, b)) terms when `x < (a + 1) / (a + b + 2)`.
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - (a + b) * x / (a + 1.0));
    let mut h = d;
    for m in 1..100_000 {
        let m = f64::from(m);
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        h *= d * c;
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// Regularised incomplete beta `I_x(a, b)`, with `y = 1 − x` passed in so
/// neither tail loses precision to cancellation.
fn inc_beta(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
    let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * ln_x + b * ln_y).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, y) / b
    }
}

/// Quantile of Student's t distribution with finite `df > 0` degrees of
/// freedom, for `p` in `(0, 1)` (±∞ at 0 and 1, NaN outside). Accurate to about
/// 1e-9 relative up to `df` ≈ 1e7 (1e-7 at 1e10, where the log-gamma
/// differences start to cancel).
///
/// Method: the upper tail is `P(T > t) = ½·I_{df/(df+t²)}(df/2, ½)`, with the
/// regularised incomplete beta evaluated by its continued fraction (Numerical
/// Recipes §6.4); the tail is inverted by bracketing and bisection to full
/// precision, which is slow-ish but robust, and this runs once per summary.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    assert!(df > 0.0 && df.is_finite(), "bad degrees of freedom {df}");
    if !(p > 0.0 && p < 1.0) {
        // −∞ at 0, +∞ at 1, NaN outside [0, 1].
        return if (0.0..=1.0).contains(&p) { (p - 0.5) * f64::INFINITY } else { f64::NAN };
    }
    // Solve for the tail probability directly (1 − p is exact for p >= ½).
    let (tail_p, sign) = if p < 0.5 { (p, -1.0) } else { (1.0 - p, 1.0) };
    if tail_p == 0.5 {
        return 0.0;
    }
    let tail = |t: f64| {
        let t2 = t * t;
        0.5 * inc_beta(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))
    };
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while tail(hi) > tail_p && hi < 1e300 {
        lo = hi;
        hi *= 2.0;
    }
    loop {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi || hi - lo <= 1e-15 * hi {
            return sign * mid;
        }
        if tail(mid) > tail_p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
}

/// `P(X > x)` for `X` chi-squared with `df` degrees of freedom: the regularised
/// upper incomplete gamma function `Q(df/2, x/2)`, by its series below `a + 1` and
/// its continued fraction (modified Lentz) above (Numerical Recipes, 3rd ed., §6.2).
/// 1 for `x <= 0`; NaN for `df <= 0`.
pub fn chi_squared_survival(x: f64, df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let (a, x) = (df / 2.0, x / 2.0);
    let front = (a * x.ln() - x - ln_gamma(a)).exp();
    if x < a + 1.0 {
        // P(a, x) = e^{−x} x^a / Γ(a) · Σ xⁿ / (a (a+1) … (a+n)).
        let (mut term, mut sum, mut denominator) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            denominator += 1.0;
            term *= x / denominator;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (1.0 - front * sum).max(0.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -f64::from(i) * (f64::from(i) - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        front * h
    }
}

/// The half-width of the 95% Student t-interval for the mean of `n` values with
/// sample standard deviation `std_dev`: `t(0.975, n − 1) · std_dev / √n`; NaN for
/// fewer than two values (one says nothing about the spread), 0 for a constant
/// sample (skipping the t quantile and any 0·∞).
pub fn half_width_95(n: u64, std_dev: f64) -> f64 {
    match n {
        0 | 1 => f64::NAN,
        _ if std_dev == 0.0 => 0.0,
        _ => t_critical_95(n - 1) * std_dev / (n as f64).sqrt(),
    }
}

/// `t(0.975, df)`, remembered per thread for the last `df` asked: a run summarises
/// tens of thousands of series that share one trial count, and inverting the
/// incomplete beta function each time would dominate the run.
fn t_critical_95(df: u64) -> f64 {
    thread_local! {
        static LAST: std::cell::Cell<(u64, f64)> = const { std::cell::Cell::new((0, f64::NAN)) };
    }
    LAST.with(|last| {
        let (cached_df, value) = last.get();
        if cached_df == df {
            return value;
        }
        let value = student_t_quantile(0.975, df as f64);
        last.set((df, value));
        value
    })
}

/// Summary of one metric across trials. All values are in the metric's units.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Number of trials.
    pub n: u64,
    /// Sample mean; NaN when `n == 0`.
    pub mean: f64,
    /// Sample standard deviation (divisor `n − 1`); NaN when `n < 2`.
    pub std_dev: f64,
    /// Lower end of the 95% t-interval for the mean, `mean − t(0.975, n−1)·sd/√n`;
    /// equals `mean` when `sd == 0`; NaN when `n < 2`.
    pub ci_low: f64,
    /// Upper end of the 95% t-interval for the mean.
    pub ci_high: f64,
    /// 5th percentile (type-1, at the histogram's resolution).
    pub p5: f64,
    /// Median (type-1, at the histogram's resolution).
    pub p50: f64,
    /// 95th percentile (type-1, at the histogram's resolution).
    pub p95: f64,
}

/// Everything needed to summarise one metric: exact moments plus a histogram
/// for percentiles, both merge-order independent.
#[derive(Clone, Debug, PartialEq)]
pub struct Accumulator {
    moments: Moments,
    histogram: Histogram,
}

impl Accumulator {
    /// For values with `|x| <= max_abs`, percentiles resolved to `resolution`
    /// (both positive and finite, in the metric's units).
    pub fn new(max_abs: f64, resolution: f64) -> Self {
        Self::with_window(max_abs, resolution, Window::DEFAULT)
    }

    /// As [`Accumulator::new`], with a histogram of `window`.
    pub fn with_window(max_abs: f64, resolution: f64, window: Window) -> Self {
        Self { moments: Moments::new(max_abs), histogram: Histogram::with_window(resolution, window) }
    }

    /// Adds one trial's value (finite, within `±max_abs`).
    pub fn add(&mut self, x: f64) {
        self.moments.add(x);
        self.histogram.add(x);
    }

    /// Adds every value of `xs`; the same state as adding them one by one.
    pub fn add_all(&mut self, xs: &[f64]) {
        self.moments.add_all(xs);
        self.histogram.add_all(xs);
    }

    /// Adds everything `other` holds, independent of merge order.
    pub fn merge(&mut self, other: &Self) {
        self.moments.merge(&other.moments);
        self.histogram.merge(&other.histogram);
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.moments.count()
    }

    /// Bytes held, the histogram's window included (for a cache's budget).
    pub fn heap_bytes(&self) -> u64 {
        (size_of::<Self>() + self.histogram.counts.capacity() * size_of::<u32>()) as u64
    }

    /// Mean, spread, 95% t-interval for the mean and percentiles.
    pub fn summarise(&self) -> Summary {
        let n = self.moments.count();
        let mean = self.moments.mean();
        let std_dev = self.moments.std_dev();
        let half_width = half_width_95(n, std_dev);
        let [p5, p50, p95] = self.histogram.quantiles([0.05, 0.5, 0.95]);
        Summary { n, mean, std_dev, ci_low: mean - half_width, ci_high: mean + half_width, p5, p50, p95 }
    }
}

/// Paired comparison, trial by trial: "arm minus baseline" under the same
/// random draws. Keeps an [`Accumulator`] of the differences plus how often
/// the difference was positive or negative; which sign is "better" depends on
/// the metric and is left to the caller.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedDifference {
    differences: Accumulator,
    positive: u64,
    negative: u64,
}

impl PairedDifference {
    /// `max_abs` bounds `|arm − baseline|` (at most twice the metric's own
    /// bound); `resolution` is the percentile resolution of the differences.
    pub fn new(max_abs: f64, resolution: f64) -> Self {
        Self { differences: Accumulator::new(max_abs, resolution), positive: 0, negative: 0 }
    }

    /// Adds one trial's pair of values.
    pub fn add(&mut self, arm: f64, baseline: f64) {
        let d = arm - baseline;
        // Signs come from the unquantised difference, so tiny gaps still count.
        self.positive += u64::from(d > 0.0);
        self.negative += u64::from(d < 0.0);
        self.differences.add(d);
    }

    /// Adds everything `other` holds, independent of merge order.
    pub fn merge(&mut self, other: &Self) {
        self.differences.merge(&other.differences);
        self.positive += other.positive;
        self.negative += other.negative;
    }

    /// Number of trials compared.
    pub fn count(&self) -> u64 {
        self.differences.count()
    }

    /// Trials in which arm > baseline.
    pub fn positive(&self) -> u64 {
        self.positive
    }

    /// Trials in which arm < baseline.
    pub fn negative(&self) -> u64 {
        self.negative
    }

    /// Share of trials, in `[0, 1]`, in which arm > baseline; NaN when empty.
    pub fn share_positive(&self) -> f64 {
        self.positive as f64 / self.count() as f64
    }

    /// Summary of the differences (arm − baseline).
    pub fn summarise(&self) -> Summary {
        self.differences.summarise()
    }
}

/// The exact state of the accumulators in a shard file ([`crate::shard`]): each is
/// written as its integer state and read back into one built for the same metric,
/// whose scale and resolution the stored ones must match.
mod state {
    use std::io::{self, Read, Write};

    use super::{Accumulator, Histogram, Moments, PairedDifference};
    use crate::shard::codec::{
        get_f64, get_i64, get_i128, get_u32, get_u64, mismatch, put_f64, put_i64, put_i128, put_u32, put_u64,
    };

    impl Moments {
        /// Writes the exact state.
        pub(crate) fn encode(&self, out: &mut impl Write) -> io::Result<()> {
            put_f64(out, self.max_abs)?;
            put_u32(out, self.scale_exp as u32)?;
            put_u64(out, self.n)?;
            put_i128(out, self.sum)?;
            put_i128(out, self.sum_sq)
        }

        /// Reads a state written by [`Moments::encode`] into one built alike.
        pub(crate) fn decode_like(&self, input: &mut impl Read) -> io::Result<Self> {
            let max_abs = get_f64(input)?;
            let scale_exp = get_u32(input)? as i32;
            if max_abs.to_bits() != self.max_abs.to_bits() || scale_exp != self.scale_exp {
                return Err(mismatch(format!(
                    "moments bounded by {max_abs}, where the scenario's are bounded by {}",
                    self.max_abs
                )));
            }
            let n = get_u64(input)?;
            let (sum, sum_sq) = (get_i128(input)?, get_i128(input)?);
            Ok(Self { max_abs, scale_exp, n, sum, sum_sq })
        }
    }

    impl Histogram {
        fn encode(&self, out: &mut impl Write) -> io::Result<()> {
            put_f64(out, self.resolution)?;
            put_u32(out, self.level)?;
            put_i64(out, self.offset)?;
            put_u64(out, self.n)?;
            put_f64(out, self.lowest)?;
            put_f64(out, self.highest)?;
            put_u32(out, self.counts.len() as u32)?;
            self.counts.iter().try_for_each(|&count| put_u32(out, count))
        }

        fn decode_like(&self, input: &mut impl Read) -> io::Result<Self> {
            let resolution = get_f64(input)?;
            if resolution.to_bits() != self.resolution.to_bits() {
                return Err(mismatch(format!(
                    "a histogram of resolution {resolution}, where the scenario's is {}",
                    self.resolution
                )));
            }
            let level = get_u32(input)?;
            let offset = get_i64(input)?;
            let n = get_u64(input)?;
            let (lowest, highest) = (get_f64(input)?, get_f64(input)?);
            let len = get_u32(input)? as usize;
            if level > 63 || len > usize::from(self.window.bins) {
                return Err(mismatch(format!("a histogram of {len} bins at level {level}")));
            }
            let counts =
                (0..len).map(|_| get_u32(input)).collect::<io::Result<std::collections::VecDeque<u32>>>()?;
            // The canonical form the merge relies on: the window is the occupied span.
            let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
            let trimmed = counts.front().is_none_or(|&c| c > 0) && counts.back().is_none_or(|&c| c > 0);
            if total != n || !trimmed {
                return Err(mismatch("a histogram whose counts do not add up"));
            }
            let spans = match n {
                0 => lowest == f64::INFINITY && highest == f64::NEG_INFINITY,
                _ => lowest.is_finite() && highest.is_finite() && lowest <= highest,
            };
            if !spans {
                return Err(mismatch("a histogram whose least and greatest values are out of order"));
            }
            Ok(Self { resolution, level, window: self.window, offset, counts, n, lowest, highest })
        }
    }

    impl Accumulator {
        /// Writes the exact state.
        pub(crate) fn encode(&self, out: &mut impl Write) -> io::Result<()> {
            self.moments.encode(out)?;
            self.histogram.encode(out)
        }

        /// Reads a state written by [`Accumulator::encode`] from an accumulator
        /// built like this one; an error if it was built otherwise.
        pub(crate) fn decode_like(&self, input: &mut impl Read) -> io::Result<Self> {
            Ok(Self {
                moments: self.moments.decode_like(input)?,
                histogram: self.histogram.decode_like(input)?,
            })
        }
    }

    impl PairedDifference {
        /// Writes the exact state.
        pub(crate) fn encode(&self, out: &mut impl Write) -> io::Result<()> {
            self.differences.encode(out)?;
            put_u64(out, self.positive)?;
            put_u64(out, self.negative)
        }

        /// Reads a state written by [`PairedDifference::encode`], as
        /// [`Accumulator::decode_like`] does.
        pub(crate) fn decode_like(&self, input: &mut impl Read) -> io::Result<Self> {
            let differences = self.differences.decode_like(input)?;
            let (positive, negative) = (get_u64(input)?, get_u64(input)?);
            if positive.saturating_add(negative) > differences.count() {
                return Err(mismatch("more signed differences than differences"));
            }
            Ok(Self { differences, positive, negative })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_rounding_matches_the_standard_library() {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut values =
            vec![0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, 0.49999999999999994, -0.49999999999999994];
        values.extend([1e15 + 0.5, -1e15 - 0.5, 4503599627370495.5, 7.0 - 1e-12, -7.0 + 1e-12]);
        for _ in 0..100_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
            values.push((unit - 0.5) * 2e6);
            values.push((unit - 0.5) * 8.0);
        }
        for x in values {
            assert_eq!(floor_to_i64(x), x.floor() as i64, "floor {x}");
            assert_eq!(round_to_i64(x), x.round() as i64, "round {x}");
        }
    }

    /// splitmix64: a tiny, well-mixed PRNG so the tests need no crates.
    struct Rng(u64);

    impl Rng {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        /// Uniform in (0, 1).
        fn uniform(&mut self) -> f64 {
            ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }

        /// Standard normal by Box–Muller.
        fn normal(&mut self) -> f64 {
            let (u, v) = (self.uniform(), self.uniform());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        }

        /// Fisher–Yates shuffle.
        fn shuffle<T>(&mut self, items: &mut [T]) {
            for i in (1..items.len()).rev() {
                items.swap(i, (self.next_u64() % (i as u64 + 1)) as usize);
            }
        }
    }

    fn assert_close(actual: f64, expected: f64, rel: f64) {
        assert!((actual - expected).abs() <= rel * expected.abs(), "{actual} vs {expected}");
    }

    /// Splits `values` into random pieces, folds each into a fresh accumulator,
    /// then merges the pieces in three different orders and groupings.
    fn merged_three_ways<A: Clone>(
        values: &[f64],
        rng: &mut Rng,
        empty: &A,
        add: fn(&mut A, f64),
        merge: fn(&mut A, &A),
    ) -> [A; 3] {
        let mut pieces = Vec::new();
        let mut rest = values;
        while !rest.is_empty() {
            let take = ((rng.next_u64() % 300) as usize + 1).min(rest.len());
            let mut acc = empty.clone();
            rest[..take].iter().for_each(|&x| add(&mut acc, x));
            pieces.push(acc);
            rest = &rest[take..];
        }
        let fold = |pieces: &[A]| {
            let mut acc = empty.clone();
            pieces.iter().for_each(|p| merge(&mut acc, p));
            acc
        };
        let forward = fold(&pieces);
        let mut shuffled = pieces.clone();
        rng.shuffle(&mut shuffled);
        let shuffled = fold(&shuffled);
        // Pairwise tree reduction, as rayon's reduce might do.
        while pieces.len() > 1 {
            pieces = pieces
                .chunks(2)
                .map(|pair| {
                    let mut acc = pair[0].clone();
                    pair[1..].iter().for_each(|p| merge(&mut acc, p));
                    acc
                })
                .collect();
        }
        [forward, shuffled, pieces.remove(0)]
    }

    #[test]
    fn moments_of_known_data() {
        let mut m = Moments::new(100.0);
        (1..=10).for_each(|i| m.add(f64::from(i)));
        assert_eq!(m.count(), 10);
        assert_close(m.mean(), 5.5, 1e-9);
        assert_close(m.variance(), 55.0 / 6.0, 1e-9);
        assert_close(m.std_dev(), (55.0_f64 / 6.0).sqrt(), 1e-9);
        let mut one = Moments::new(1.0);
        assert!(one.mean().is_nan() && one.variance().is_nan());
        one.add(0.25);
        assert_eq!(one.mean(), 0.25);
        assert!(one.variance().is_nan());
    }

    #[test]
    fn moments_merge_is_bit_exact_in_any_order() {
        let mut rng = Rng(1);
        let values: Vec<f64> = (0..20_000).map(|_| 50.0 + 7.0 * rng.normal()).collect();
        let mut whole = Moments::new(200.0);
        values.iter().for_each(|&x| whole.add(x));
        let empty = Moments::new(200.0);
        for m in &merged_three_ways(&values, &mut rng, &empty, Moments::add, Moments::merge) {
            assert_eq!(m, &whole);
            assert_eq!(m.mean().to_bits(), whole.mean().to_bits());
            assert_eq!(m.variance().to_bits(), whole.variance().to_bits());
        }
    }

    #[test]
    fn moments_survive_a_large_offset() {
        let mut rng = Rng(2);
        let values: Vec<f64> = (0..100_000).map(|_| 1e6 + 0.1 * rng.normal()).collect();
        let mut m = Moments::new(2e6);
        values.iter().for_each(|&x| m.add(x));
        // Two-pass reference: accurate because the deviations are small.
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let reference = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        assert_close(m.variance(), reference, 1e-6);
        // The one-pass floating-point formula loses it entirely.
        let (s, s2) = values.iter().fold((0.0, 0.0), |(s, s2), x| (s + x, s2 + x * x));
        let naive = (s2 - s * s / n) / (n - 1.0);
        assert!((naive - reference).abs() > 1e-3 * reference, "naive {naive} vs {reference}");
    }

    #[test]
    fn histogram_quantiles_of_integers_are_exact() {
        let mut h = Histogram::new(1.0);
        let mut values: Vec<i32> = (1..=100).collect();
        Rng(3).shuffle(&mut values);
        values.iter().for_each(|&i| h.add(f64::from(i)));
        assert_eq!(h.level(), 0);
        assert_eq!((h.quantile(0.05), h.quantile(0.5), h.quantile(0.95)), (5.0, 50.0, 95.0));
        assert_eq!((h.quantile(0.0), h.quantile(0.07), h.quantile(1.0)), (1.0, 7.0, 100.0));
        assert!(Histogram::new(1.0).quantile(0.5).is_nan());
    }

    #[test]
    fn histogram_quantiles_in_one_pass_are_each_quantile() {
        // Descending values grow the window at its front, so the deque wraps
        // and the pass crosses from one of its slices to the other.
        let mut h = Histogram::new(1.0);
        (0..300).rev().for_each(|i| h.add(f64::from(i % 97) + f64::from(i / 97) * 0.25));
        assert!(!h.counts.as_slices().1.is_empty(), "the window wraps");
        let ps = [0.0, 0.05, 0.05, 0.3, 0.5, 0.95, 0.999, 1.0];
        let mut sorted: Vec<f64> = (0..300).map(|i| f64::from(i % 97) + f64::from(i / 97) * 0.25).collect();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| sorted[((p * 300.0_f64).ceil() as usize).clamp(1, 300) - 1].round();
        assert_eq!(h.quantiles(ps), ps.map(rank));
        assert_eq!(h.quantiles(ps), ps.map(|p| h.quantile(p)));
        assert!(Histogram::new(1.0).quantiles([0.1, 0.9]).iter().all(|q| q.is_nan()));
    }

    #[test]
    fn histogram_coarsening_keeps_counts_and_bounds_error() {
        let mut rng = Rng(4);
        let mut values: Vec<f64> = (0..50_000).map(|_| 10.0 * rng.normal()).collect();
        let resolution = 1e-3;
        let mut h = Histogram::new(resolution);
        values.iter().for_each(|&x| h.add(x));
        assert!(h.level() > 0);
        assert!(h.counts.len() <= usize::from(Window::DEFAULT.bins));
        // The window is trimmed to the occupied span.
        assert!(h.counts.front() != Some(&0) && h.counts.back() != Some(&0));
        assert_eq!(h.counts.iter().map(|&c| u64::from(c)).sum::<u64>(), 50_000);
        assert_eq!(h.count(), 50_000);
        values.sort_by(f64::total_cmp);
        // Half a bin: the representative value is the bin's centre.
        let tolerance = resolution * f64::from(1u32 << h.level()) * (0.5 + 1e-9);
        for p in [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0] {
            let rank = ((p * 50_000.0_f64).ceil() as usize).max(1);
            let exact = values[rank - 1];
            assert!((h.quantile(p) - exact).abs() <= tolerance, "p={p}: {} vs {exact}", h.quantile(p));
        }
    }

    #[test]
    fn histogram_merge_is_order_independent() {
        let mut rng = Rng(5);
        // A wide spread and an outlier arriving late force several coarsenings.
        let mut values: Vec<f64> = (0..30_000).map(|_| 5.0 * rng.normal()).collect();
        values.push(400.0);
        let mut whole = Histogram::new(1e-3);
        values.iter().for_each(|&x| whole.add(x));
        assert!(whole.level() > 5);
        let empty = Histogram::new(1e-3);
        for h in merged_three_ways(&values, &mut rng, &empty, Histogram::add, Histogram::merge) {
            assert_eq!(h, whole);
        }
    }

    #[test]
    fn a_bounded_histogram_holds_no_more_bins_than_its_bound() {
        let mut rng = Rng(6);
        let values: Vec<f64> = (0..20_000).map(|_| 3.0 * rng.normal()).collect();
        let bound = 64;
        let window = Window { bins: bound as u16, eager: false };
        let mut whole = Histogram::with_window(1e-3, window);
        for (i, &x) in values.iter().enumerate() {
            whole.add(x);
            // Room, not only the window: a deque's doubling would reach 128.
            assert!(
                whole.counts.capacity() <= bound,
                "{} slots after {} values",
                whole.counts.capacity(),
                i + 1
            );
        }
        assert!(whole.counts.len() > bound / 2, "coarsened no further than needed");
        let empty = Histogram::with_window(1e-3, window);
        for h in merged_three_ways(&values, &mut rng, &empty, Histogram::add, Histogram::merge) {
            assert_eq!(h, whole);
        }
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let tolerance = 1e-3 * f64::from(1u32 << whole.level()) * (0.5 + 1e-9);
        for p in [0.05, 0.5, 0.95] {
            let exact = sorted[((p * 20_000.0_f64).ceil() as usize) - 1];
            assert!((whole.quantile(p) - exact).abs() <= tolerance);
        }
        // The same values under the default bound: finer bins, so a lower level.
        let mut fine = Histogram::new(1e-3);
        values.iter().for_each(|&x| fine.add(x));
        assert!(fine.level() < whole.level());
    }

    #[test]
    fn adding_a_batch_is_adding_each_value() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut unit = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for window in [Window { bins: 16, eager: false }, Window { bins: 64, eager: true }, Window::DEFAULT] {
            let (mut one_by_one, mut batched) =
                (Accumulator::with_window(1e6, 0.01, window), Accumulator::with_window(1e6, 0.01, window));
            // Batches of every length to 40 (past the inner batch of 16), whose
            // spread grows so the windows coarsen in the middle of some.
            for length in 0..40 {
                let spread = 10f64.powi(length / 8);
                let values: Vec<f64> = (0..length).map(|_| (unit() - 0.3) * spread).collect();
                values.iter().for_each(|&x| one_by_one.add(x));
                batched.add_all(&values);
                assert_eq!(batched, one_by_one, "after a batch of {length}");
            }
            assert!(batched.histogram.level() > 0, "the test coarsened nothing");
            assert_eq!(batched.summarise(), one_by_one.summarise());
        }
    }

    #[test]
    fn an_eager_window_takes_its_whole_bound_once_it_spans_a_quarter_of_it() {
        let window = Window { bins: 64, eager: true };
        let mut h = Histogram::with_window(1.0, window);
        (0..16).for_each(|x| h.add(f64::from(x)));
        assert!(h.counts.capacity() < 64, "16 bins are a quarter: not yet");
        h.add(16.0);
        assert_eq!(h.counts.capacity(), 64);
        // And after coarsening, room for the bound again, not for what is left.
        h.add(200.0);
        assert!(h.level() > 0);
        assert_eq!(h.counts.capacity(), 64);
        let mut lazy = Histogram::with_window(1.0, Window { eager: false, ..window });
        (0..=16).for_each(|x| lazy.add(f64::from(x)));
        assert!(lazy.counts.capacity() < 64);
        // The same counts either way: only the room differs.
        let mut same = lazy.clone();
        same.window = window;
        same.add(200.0);
        assert_eq!(same, h);
    }

    #[test]
    fn a_coarsened_percentile_stays_within_the_values_and_the_extremes_are_exact() {
        // Shares of a cohort of 32, on a grid of 1e-4: 0 and 1 included, spread
        // over more than 1,024 fine bins, so coarsened.
        let window = Window { bins: 1024, eager: true };
        let mut h = Histogram::with_window(1e-4, window);
        let values: Vec<f64> = (0..=32).map(|k| f64::from(k) / 32.0).collect();
        values.iter().for_each(|&x| h.add(x));
        assert!(h.level() > 0);
        let ps = [0.0, 0.01, 0.05, 0.5, 0.95, 0.99, 1.0];
        let found = h.quantiles(ps);
        assert_eq!((found[0], found[6]), (0.0, 1.0), "the first and last ranks: {found:?}");
        assert_eq!(found[1], 0.0, "rank 1 of 33");
        assert!(found.iter().all(|q| (0.0..=1.0).contains(q)), "{found:?}");
        // Bin centres elsewhere, within half a bin of the order statistic.
        let half = 1e-4 * f64::from(1u32 << h.level()) / 2.0 + 1e-12;
        for (p, q) in ps.iter().zip(found) {
            let exact = values[((p * 33.0_f64).ceil() as usize).clamp(1, 33) - 1];
            assert!((q - exact).abs() <= half, "p={p}: {q} vs {exact}");
        }
        // Uncoarsened, nothing changes: bin centres, as before.
        let mut fine = Histogram::new(1e-4);
        fine.add(0.25);
        fine.add(0.50004);
        assert_eq!(fine.level(), 0);
        assert_eq!(fine.quantiles([0.0, 1.0]), [0.25, 0.5]);
    }

    #[test]
    #[should_panic(expected = "different windows")]
    fn histograms_of_different_windows_do_not_merge() {
        let mut a = Histogram::with_window(1.0, Window { bins: 64, eager: false });
        a.add(1.0);
        let mut b = Histogram::new(1.0);
        b.add(2.0);
        a.merge(&b);
    }

    #[test]
    fn chi_squared_tails_match_tables() {
        // Upper-tail critical values (x, df, P(X > x)) from standard tables, and
        // closed forms: df = 2 is e^{−x/2}; df = 1 is erfc(√(x/2)).
        for (x, df, p) in [
            (3.841_458_820_694_124, 1.0, 0.05),
            (6.634_896_601_021_214, 1.0, 0.01),
            (5.991_464_547_107_979, 2.0, 0.05),
            (11.070_497_693_516_35, 5.0, 0.05),
            (18.307_038_053_275_146, 10.0, 0.05),
            (2.155_856_481_304_817, 10.0, 0.995),
            (124.342_113_404_070_6, 100.0, 0.05),
        ] {
            assert_close(chi_squared_survival(x, df), p, 1e-9);
        }
        for x in [0.1, 1.0, 4.0, 30.0] {
            assert_close(chi_squared_survival(x, 2.0), (-x / 2.0).exp(), 1e-12);
        }
        assert_eq!(chi_squared_survival(0.0, 3.0), 1.0);
        assert!(chi_squared_survival(1.0, 0.0).is_nan());
    }

    #[test]
    fn student_t_matches_tables() {
        let table = [
            (0.975, 1.0, 12.706_204_736),
            (0.975, 2.0, 4.302_652_730),
            (0.975, 5.0, 2.570_581_836),
            (0.975, 10.0, 2.228_138_852),
            (0.975, 30.0, 2.042_272_456),
            (0.975, 100.0, 1.983_971_519),
            (0.975, 1e6, 1.959_966_357),
            (0.95, 4.0, 2.131_846_786),
            (0.999, 3.0, 10.214_531_852),
            (0.6, 2.5, 0.281_459_513),
        ];
        for (p, df, expected) in table {
            assert_close(student_t_quantile(p, df), expected, 1e-8);
            assert_close(student_t_quantile(1.0 - p, df), -expected, 1e-8);
        }
        // Closed forms far into the tails: Cauchy for df = 1, and df = 2.
        for p in [1e-7, 0.3, 0.9999999] {
            assert_close(student_t_quantile(p, 1.0), (std::f64::consts::PI * (p - 0.5)).tan(), 1e-8);
            let df2 = (2.0 * p - 1.0) * (0.5 / (p * (1.0 - p))).sqrt();
            assert_close(student_t_quantile(p, 2.0), df2, 1e-8);
        }
        assert_eq!(student_t_quantile(0.5, 7.0), 0.0);
    }

    #[test]
    fn t_interval_covers_the_true_mean_95_percent_of_the_time() {
        let (true_mean, sd, n, repetitions) = (3.0, 2.0, 10, 2000);
        let mut rng = Rng(6);
        let (mut t_hits, mut z_hits) = (0, 0);
        for _ in 0..repetitions {
            let mut acc = Accumulator::new(100.0, 0.01);
            (0..n).for_each(|_| acc.add(true_mean + sd * rng.normal()));
            let s = acc.summarise();
            t_hits += usize::from(s.ci_low <= true_mean && true_mean <= s.ci_high);
            let z_half = 1.959_964 * s.std_dev / f64::from(n).sqrt();
            z_hits += usize::from((s.mean - true_mean).abs() <= z_half);
        }
        let coverage = t_hits as f64 / f64::from(repetitions);
        assert!((0.93..=0.97).contains(&coverage), "t coverage {coverage}");
        // The test has teeth: the z-interval (true coverage 0.918 at n = 10) fails it.
        let z_coverage = z_hits as f64 / f64::from(repetitions);
        assert!(z_coverage < 0.935, "z coverage {z_coverage}");
    }

    #[test]
    fn summary_of_constant_and_tiny_samples() {
        let mut acc = Accumulator::new(10.0, 0.5);
        (0..50).for_each(|_| acc.add(4.0));
        let s = acc.summarise();
        assert_eq!((s.n, s.mean, s.std_dev, s.ci_low, s.ci_high), (50, 4.0, 0.0, 4.0, 4.0));
        assert_eq!((s.p5, s.p50, s.p95), (4.0, 4.0, 4.0));
        let mut one = Accumulator::new(10.0, 0.5);
        assert!(one.summarise().ci_low.is_nan());
        one.add(-1.5);
        let s = one.summarise();
        assert_eq!((s.n, s.mean, s.p50), (1, -1.5, -1.5));
        assert!(s.std_dev.is_nan() && s.ci_low.is_nan() && s.ci_high.is_nan());
    }

    #[test]
    fn paired_difference_recovers_a_known_shift() {
        let mut rng = Rng(7);
        let mut same = PairedDifference::new(100.0, 0.01);
        let mut shifted = PairedDifference::new(100.0, 0.01);
        let mut noisy = PairedDifference::new(100.0, 0.01);
        for _ in 0..5000 {
            // Common random numbers: the noise both arms share cancels.
            let baseline = 20.0 + 3.0 * rng.normal();
            same.add(baseline, baseline);
            shifted.add(baseline + 2.5, baseline);
            noisy.add(baseline + 2.5 + rng.normal(), baseline + rng.normal());
        }
        let s = same.summarise();
        assert_eq!((s.mean, s.std_dev, s.ci_low, s.ci_high), (0.0, 0.0, 0.0, 0.0));
        assert_eq!((same.positive(), same.negative(), same.share_positive()), (0, 0, 0.0));
        let s = shifted.summarise();
        assert_close(s.mean, 2.5, 1e-9);
        assert!(s.std_dev < 1e-9 && s.ci_high - s.ci_low < 1e-9);
        assert_eq!((s.p5, s.p95), (2.5, 2.5));
        assert_eq!(shifted.share_positive(), 1.0);
        let s = noisy.summarise();
        assert!(s.ci_low < 2.5 && 2.5 < s.ci_high, "{s:?}");
        assert!(noisy.share_positive() > 0.9 && noisy.positive() + noisy.negative() == 5000);
    }

    #[test]
    fn a_state_read_back_is_the_state_written() {
        let mut rng = Rng(8);
        let mut paired = PairedDifference::new(100.0, 0.001);
        (0..5000).for_each(|_| paired.add(10.0 * rng.normal(), rng.normal()));
        let mut bytes = Vec::new();
        paired.encode(&mut bytes).unwrap();
        let empty = PairedDifference::new(100.0, 0.001);
        let read = empty.decode_like(&mut bytes.as_slice()).unwrap();
        assert_eq!(read, paired);
        assert_eq!(format!("{:?}", read.summarise()), format!("{:?}", paired.summarise()));
        // A state of another metric's shape is refused, not merged.
        let other = PairedDifference::new(50.0, 0.001);
        assert!(other.decode_like(&mut bytes.as_slice()).is_err());
        let coarser = PairedDifference::new(100.0, 0.01);
        assert!(coarser.decode_like(&mut bytes.as_slice()).is_err());
        // A truncated state is an error.
        assert!(empty.decode_like(&mut &bytes[..bytes.len() - 1]).is_err());
    }
}
