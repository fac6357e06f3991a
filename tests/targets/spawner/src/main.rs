//! spawner [N=100]: spawns N tasks on a 2-worker multi-thread runtime.
//!
//! Task i (spawn order = JoinHandle order) runs `worker(i)`: it yields
//! `i % 4` times, then sleeps 1 ms, so it is polled at least `i % 4 + 2`
//! times.  Tokio 1.24 exposes task ids (`tokio::task::id()`,
//! `JoinHandle::id()`) only under `--cfg tokio_unstable`, so no ids are
//! printed; ids come from a process-wide counter, so a tracer sees the N
//! tasks' ids increase in spawn order.
//!
//! Prints: `spawn_fn=… future=… tasks=N`, then after all joined, one
//! `task index=i yields=Y` per task in JoinHandle order, `spawned=N`,
//! `task_id_api=unstable_only`, `done=1`.

use std::time::Duration;
use tokio::task::JoinHandle;

const SPAWN_FN: &str = "spawner::spawn_workers";
const FUTURE: &str = "spawner::worker::{closure#0}";

fn yields_for(i: u64) -> u64 {
    i % 4
}

async fn worker(i: u64) -> u64 {
    for _ in 0..yields_for(i) {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    i
}

#[inline(never)]
fn spawn_workers(n: u64) -> Vec<JoinHandle<u64>> {
    let mut handles = Vec::with_capacity(n as usize);
    for i in 0..n {
        handles.push(tokio::spawn(worker(i)));
    }
    handles
}

fn main() {
    let n = dial9_target::arg_u64(1, 100);
    dial9_target::start("spawner");
    let rt = dial9_target::multi_thread_runtime();
    rt.block_on(async move {
        println!("spawn_fn={} future={} tasks={}", SPAWN_FN, FUTURE, n);
        let handles = spawn_workers(n);
        let mut results = Vec::with_capacity(handles.len());
        for h in handles {
            results.push(h.await.expect("worker task failed"));
        }
        for (order, i) in results.iter().enumerate() {
            assert_eq!(order as u64, *i);
            println!("task index={} yields={}", i, yields_for(*i));
        }
        println!("spawned={}", results.len());
    });
    println!("task_id_api=unstable_only");
    println!("done=1");
}
