//! Wide instructions for the per-person passes, chosen when the program starts.
//!
//! The passes over every position (standing, engagement, hazard, output) are
//! written as plain loops without branches or bounds checks, so the compiler
//! vectorises them. By default it may only use the instructions every x86-64
//! processor has (two doubles at a time); [`wide`] runs a pass compiled for
//! AVX-512 (eight at a time) or AVX2 (four) on a processor that has it, found at
//! run time, so a binary built on one machine runs everywhere and is fast where it
//! can be.
//!
//! Results do not depend on the choice. The passes do each person's arithmetic
//! lane by lane, in the same order and with the same IEEE operations (Rust never
//! fuses a multiply and an add unless asked, and no pass sums across lanes), so
//! the wide and the narrow code give the same bits. A test runs all three and
//! compares.

use std::sync::atomic::{AtomicU8, Ordering};

/// The widest instructions the passes may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// What every x86-64 processor has (SSE2: two doubles).
    Narrow,
    /// AVX2: four doubles.
    Avx2,
    /// AVX-512 (foundation, doubleword/quadword, vector length and byte/word
    /// instructions): eight doubles.
    Avx512,
}

/// The widest allowed, as a [`Width`]'s index; the processor may have less.
static WIDEST: AtomicU8 = AtomicU8::new(Width::Avx512 as u8);

/// Allows the passes instructions up to `width` (the default allows the widest):
/// for the test that compares them, and for anyone who wants to check that claim
/// on their own machine.
pub fn set_widest(width: Width) {
    WIDEST.store(width as u8, Ordering::Relaxed);
}

/// The width [`wide`] runs its passes at: the widest allowed that the processor has.
pub fn width() -> Width {
    let allowed = WIDEST.load(Ordering::Relaxed);
    #[cfg(target_arch = "x86_64")]
    {
        if allowed >= Width::Avx512 as u8
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512bw")
        {
            return Width::Avx512;
        }
        if allowed >= Width::Avx2 as u8 && std::arch::is_x86_feature_detected!("avx2") {
            return Width::Avx2;
        }
    }
    let _ = allowed;
    Width::Narrow
}

/// Runs `pass`, compiled for the widest instructions the processor has. `pass` and
/// what it calls must be inlined into it (`#[inline(always)]`) to be compiled wide.
#[inline(always)]
pub fn wide<T>(pass: impl FnOnce() -> T) -> T {
    #[cfg(target_arch = "x86_64")]
    match width() {
        // SAFETY: `width` found the features each needs on this processor.
        Width::Avx512 => return unsafe { with_avx512(pass) },
        Width::Avx2 => return unsafe { with_avx2(pass) },
        Width::Narrow => {}
    }
    pass()
}

/// `pass()`, with AVX2 enabled for everything inlined into it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn with_avx2<T>(pass: impl FnOnce() -> T) -> T {
    pass()
}

/// `pass()`, with AVX-512 enabled for everything inlined into it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
fn with_avx512<T>(pass: impl FnOnce() -> T) -> T {
    pass()
}
