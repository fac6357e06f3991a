//! storm [TASKS=100] [MS=3000] [RATE=0] [HOLD_MS=0]: a synthetic high-rate
//! producer of polls and wakes, for the recorder's ingestion benchmark.
//!
//! TASKS tasks (spawned by `storm::spawn_stormers`) each call
//! `tokio::task::yield_now` in a loop for MS milliseconds; every yield is one
//! wake (the task wakes itself) and one poll.  RATE is the target total
//! polls per second (0 = as fast as the runtime goes): each task then works
//! in 10 ms ticks (`tokio::time::interval`, missed ticks burst) and yields
//! its share of RATE per tick.  After the work and its report the process
//! sleeps HOLD_MS, so a tracer can read its counters before it exits.
//!
//! Prints: `storm spawn_fn=storm::spawn_stormers tasks=TASKS ms=MS rate=RATE`,
//! then `polls=N elapsed_ms=E polls_per_sec=R`, `done=1`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

const TICK: Duration = Duration::from_millis(10);

async fn storm(stop: Arc<AtomicBool>, polls: Arc<AtomicU64>, per_tick_milli: u64) {
    let mut n: u64 = 0;
    if per_tick_milli == 0 {
        while !stop.load(Ordering::Relaxed) {
            tokio::task::yield_now().await;
            n += 1;
        }
    } else {
        // per_tick_milli = yields per tick × 1000; the fraction carries over.
        let mut interval = tokio::time::interval(TICK);
        let mut owed_milli: u64 = 0;
        while !stop.load(Ordering::Relaxed) {
            interval.tick().await;
            owed_milli += per_tick_milli;
            let k = owed_milli / 1000;
            owed_milli %= 1000;
            for _ in 0..k {
                tokio::task::yield_now().await;
            }
            n += k + 1;
        }
    }
    polls.fetch_add(n, Ordering::Relaxed);
}

#[inline(never)]
fn spawn_stormers(
    tasks: u64,
    stop: &Arc<AtomicBool>,
    polls: &Arc<AtomicU64>,
    per_tick_milli: u64,
) -> Vec<JoinHandle<()>> {
    (0..tasks)
        .map(|_| tokio::spawn(storm(stop.clone(), polls.clone(), per_tick_milli)))
        .collect()
}

fn main() {
    let tasks = dial9_target::arg_u64(1, 100).max(1);
    let ms = dial9_target::arg_u64(2, 3000);
    let rate = dial9_target::arg_u64(3, 0);
    let hold_ms = dial9_target::arg_u64(4, 0);
    dial9_target::start("storm");
    println!("storm spawn_fn=storm::spawn_stormers tasks={} ms={} rate={}", tasks, ms, rate);
    // Yields per task per 10 ms tick, in thousandths (a tick's own poll counts).
    let per_tick_milli = if rate == 0 {
        0
    } else {
        let ticks_per_sec = 1000 / TICK.as_millis() as u64;
        (rate * 1000 / ticks_per_sec / tasks).saturating_sub(1000).max(1)
    };
    let rt = dial9_target::multi_thread_runtime();
    let stop = Arc::new(AtomicBool::new(false));
    let polls = Arc::new(AtomicU64::new(0));
    let begin = Instant::now();
    rt.block_on(async {
        let handles = spawn_stormers(tasks, &stop, &polls, per_tick_milli);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            h.await.expect("storm task failed");
        }
    });
    let elapsed = begin.elapsed();
    let n = polls.load(Ordering::Relaxed);
    println!(
        "polls={} elapsed_ms={} polls_per_sec={}",
        n,
        elapsed.as_millis(),
        (n as f64 / elapsed.as_secs_f64()) as u64
    );
    println!("done=1");
    if hold_ms > 0 {
        std::thread::sleep(Duration::from_millis(hold_ms));
    }
}
