//! blocker [MS=50] [TIMES=5] [GAP_MS=5] [LINGER_MS=0] [HOW=sleep]: one task
//! blocks its worker thread.
//!
//! The task spawned by `spawn_blocker` calls std::thread::sleep(MS) (HOW =
//! sleep) or spins on the CPU for MS in `spin_for` (HOW = spin) inside a
//! poll, TIMES times (each followed by a GAP_MS tokio sleep, so each block is
//! its own poll).  A ticker task spawned by `spawn_ticker` runs meanwhile
//! every 5 ms and never blocks, and for LINGER_MS after the last block.
//!
//! Prints: `blocker spawn_fn=blocker::spawn_blocker future=blocker::spawn_blocker::{closure#0}
//! block_ms=MS blocks=TIMES`, `ticker spawn_fn=blocker::spawn_ticker`, one
//! `block index=i ms=MS` per block as it ends, `ticks=N`, `done=1`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Busy for ms on the CPU, never leaving it of its own accord.
#[inline(never)]
fn spin_for(ms: u64) {
    let end = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < end {
        std::hint::spin_loop();
    }
}

#[inline(never)]
fn spawn_blocker(ms: u64, times: u64, gap_ms: u64, spin: bool) -> JoinHandle<()> {
    tokio::spawn(async move {
        for i in 0..times {
            if spin {
                spin_for(ms);
            } else {
                std::thread::sleep(Duration::from_millis(ms));
            }
            println!("block index={} ms={}", i, ms);
            tokio::time::sleep(Duration::from_millis(gap_ms)).await;
        }
    })
}

#[inline(never)]
fn spawn_ticker(stop: Arc<AtomicBool>, ticks: Arc<AtomicU64>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut iv = tokio::time::interval(Duration::from_millis(5));
        while !stop.load(Ordering::Relaxed) {
            iv.tick().await;
            ticks.fetch_add(1, Ordering::Relaxed);
        }
    })
}

fn main() {
    let ms = dial9_target::arg_u64(1, 50);
    let times = dial9_target::arg_u64(2, 5);
    let gap_ms = dial9_target::arg_u64(3, 5);
    let linger_ms = dial9_target::arg_u64(4, 0);
    let spin = std::env::args().nth(5).as_deref() == Some("spin");
    dial9_target::start("blocker");
    let rt = dial9_target::multi_thread_runtime();
    let ticks = Arc::new(AtomicU64::new(0));
    rt.block_on(async {
        println!(
            "blocker spawn_fn=blocker::spawn_blocker future=blocker::spawn_blocker::{{closure#0}} block_ms={} blocks={} how={}",
            ms, times, if spin { "spin" } else { "sleep" }
        );
        println!("ticker spawn_fn=blocker::spawn_ticker future=blocker::spawn_ticker::{{closure#0}}");
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = spawn_ticker(stop.clone(), ticks.clone());
        spawn_blocker(ms, times, gap_ms, spin).await.expect("blocker failed");
        tokio::time::sleep(Duration::from_millis(linger_ms)).await;
        stop.store(true, Ordering::Relaxed);
        ticker.await.expect("ticker failed");
    });
    println!("ticks={}", ticks.load(Ordering::Relaxed));
    println!("done=1");
}
