//! Planted incidents for the fidelity benchmark (tests/bench/fidelity.sh):
//! called inside a request handler, so they run within one Tokio poll.
//!
//! `spin(ms)` keeps the worker busy on the CPU in `planted_spin`; `block(ms)`
//! parks the worker thread in `std::thread::sleep` in `planted_block`.  Each
//! prints one fact when it ends: `planted kind=spin|block ms=MS
//! start_unix_us=T took_us=D tid=TID` (wall clock, so the bench can find it
//! in a dump by time).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn unix_us() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or(0)
}

fn report(kind: &str, ms: u64, start_us: u128, begin: Instant) {
    // SAFETY: gettid (glibc) has no preconditions.
    let tid = unsafe { gettid() };
    println!(
        "planted kind={} ms={} start_unix_us={} took_us={} tid={}",
        kind,
        ms,
        start_us,
        begin.elapsed().as_micros(),
        tid
    );
}

extern "C" {
    fn gettid() -> i32;
}

/// Spin on the CPU for `ms` milliseconds.
#[inline(never)]
pub fn planted_spin(ms: u64) {
    let start_us = unix_us();
    let begin = Instant::now();
    let end = begin + Duration::from_millis(ms);
    while Instant::now() < end {
        std::hint::spin_loop();
    }
    report("spin", ms, start_us, begin);
}

/// Block the worker thread for `ms` milliseconds.
#[inline(never)]
pub fn planted_block(ms: u64) {
    let start_us = unix_us();
    let begin = Instant::now();
    std::thread::sleep(Duration::from_millis(ms));
    report("block", ms, start_us, begin);
}
