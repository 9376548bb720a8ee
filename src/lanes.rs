//! Wide instructions for the per-person passes, chosen when the program starts.
//!
//! The passes over every position (standing, engagement, hazard, output) are
//! written as plain loops without branches or bounds checks, so the compiler
//! vectorises them. By default it may only use the instructions every x86-64
//! processor has (two doubles at a time); [`wide`] runs a pass compiled for AVX2
//! (four at a time) on a processor that has it, found at run time, so a binary
//! built on one machine runs everywhere and is fast where it can be.
//!
//! Results do not depend on the choice. The passes do each person's arithmetic
//! lane by lane, in the same order and with the same IEEE operations (Rust never
//! fuses a multiply and an add unless asked, and no pass sums across lanes), so
//! the wide and the narrow code give the same bits. A test runs both and compares.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set to run every pass narrow: for the test that compares the two, and for
/// anyone who wants to check that claim on their own machine.
static NARROW_ONLY: AtomicBool = AtomicBool::new(false);

/// Runs every later pass with the baseline instructions only (`true`), or with the
/// widest the processor has (`false`, the default).
pub fn set_narrow_only(narrow: bool) {
    NARROW_ONLY.store(narrow, Ordering::Relaxed);
}

/// Runs `pass`, compiled for AVX2 if the processor has it. `pass` and what it calls
/// must be inlined into it (`#[inline(always)]`) to be compiled wide.
#[inline(always)]
pub fn wide<T>(pass: impl FnOnce() -> T) -> T {
    #[cfg(target_arch = "x86_64")]
    if !NARROW_ONLY.load(Ordering::Relaxed) && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: `with_avx2` needs AVX2, and the processor has it (checked above).
        return unsafe { with_avx2(pass) };
    }
    pass()
}

/// `pass()`, with AVX2 enabled for everything inlined into it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn with_avx2<T>(pass: impl FnOnce() -> T) -> T {
    pass()
}
