//! panicker MODE [ACTIVITY_MS=200]: activity, then a panic or crash.
//!
//! Activity = 3 ticker tasks (spawned by `spawn_tickers`) ticking every 10 ms.
//! After ACTIVITY_MS of activity, MODE decides what happens:
//!   main   panic in `panicker::panic_in_main` on the main thread (exit 101)
//!   task   a task spawned by `spawn_panicking_task` panics (Tokio catches
//!          it); activity goes on for ACTIVITY_MS more, then exit 0
//!   abort  std::process::abort() in `panicker::do_abort` (SIGABRT)
//!   segv   volatile write through a null pointer in `panicker::do_segv` (SIGSEGV)
//!   sleep  activity until killed
//!
//! Prints: `mode=M`, `tickers=3 spawn_fn=panicker::spawn_tickers`, then per
//! mode `panic_site=FN line=L` / `abort_site=…` / `segv_site=…` just before
//! the event, `task_panicked=1` (task mode), `ticks=N`, `done=1` (modes that
//! return), `sleeping=1` (sleep mode).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

#[inline(never)]
fn spawn_tickers(ticks: Arc<AtomicU64>) -> Vec<JoinHandle<()>> {
    (0..3)
        .map(|_| {
            let ticks = ticks.clone();
            tokio::spawn(async move {
                let mut iv = tokio::time::interval(Duration::from_millis(10));
                loop {
                    iv.tick().await;
                    ticks.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect()
}

#[inline(never)]
fn panic_in_main() -> ! {
    println!("panic_site=panicker::panic_in_main line={}", line!() + 1);
    panic!("dial9 test panic in main");
}

#[inline(never)]
fn spawn_panicking_task() -> JoinHandle<()> {
    tokio::spawn(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        println!("panic_site=panicker::spawn_panicking_task::{{closure#0}} line={}", line!() + 1);
        panic!("dial9 test panic in a task");
    })
}

#[inline(never)]
fn do_abort() -> ! {
    println!("abort_site=panicker::do_abort");
    std::process::abort();
}

#[inline(never)]
fn do_segv() {
    println!("segv_site=panicker::do_segv");
    let p = std::hint::black_box(0usize) as *mut u64;
    // SAFETY: none; this is the crash the test wants.
    unsafe { std::ptr::write_volatile(p, 0xd1a9) };
}

/// Allocate and touch memory until the OOM killer ends the process (run in
/// a memory cgroup with a limit).
#[inline(never)]
async fn hog() {
    println!("hogging=1");
    let mut kept: Vec<Vec<u8>> = Vec::new();
    loop {
        kept.push(vec![0xd9; 4 << 20]);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn main() {
    let mode = dial9_target::arg_str(1, "sleep");
    let activity = Duration::from_millis(dial9_target::arg_u64(2, 200));
    if !["main", "task", "abort", "segv", "sleep", "hog"].contains(&mode.as_str()) {
        eprintln!("error=bad_mode mode={} (main|task|abort|segv|sleep|hog)", mode);
        std::process::exit(2);
    }
    dial9_target::start("panicker");
    let rt = dial9_target::multi_thread_runtime();
    let ticks = Arc::new(AtomicU64::new(0));
    rt.block_on(async {
        println!("mode={}", mode);
        println!("tickers=3 spawn_fn=panicker::spawn_tickers");
        let tickers = spawn_tickers(ticks.clone());
        tokio::time::sleep(activity).await;
        match mode.as_str() {
            "main" => panic_in_main(),
            "task" => {
                let err = spawn_panicking_task().await.expect_err("task should panic");
                assert!(err.is_panic());
                println!("task_panicked=1");
                tokio::time::sleep(activity).await;
            }
            "abort" => do_abort(),
            "segv" => do_segv(),
            "hog" => tokio::spawn(hog()).await.expect("hog ends by OOM kill only"),
            _ => {
                println!("sleeping=1");
                std::future::pending::<()>().await;
            }
        }
        for t in tickers {
            t.abort();
        }
    });
    println!("ticks={}", ticks.load(Ordering::Relaxed));
    println!("done=1");
}
