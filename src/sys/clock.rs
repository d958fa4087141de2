//! One clock for every process of a run: CLOCK_MONOTONIC is system-wide, so a son's stamps and
//! its father's compare directly, and nothing steps it (unlike the wall clock). Reading it goes
//! through the vDSO: no system call on the data path.

/// Nanoseconds on CLOCK_MONOTONIC.
pub fn monotonic_ns() -> u64 {
    let mut now = nix::libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime(2) fills a timespec we own.
    unsafe { nix::libc::clock_gettime(nix::libc::CLOCK_MONOTONIC, &mut now) };
    (now.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(now.tv_nsec as u64)
}
