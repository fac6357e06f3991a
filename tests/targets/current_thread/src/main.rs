//! current_thread [N=20] [M=10]: spawner- and relay-like work on a
//! current_thread runtime (every poll runs on the main thread).
//!
//! `spawn_workers` spawns N `worker(i)` tasks (i % 4 yields, then a 1 ms
//! sleep); `spawn_stage` spawns a 3-stage mpsc relay that carries a token M
//! rounds (stage i wakes stage i+1 each round).
//!
//! Prints: `flavor=current_thread`, `spawn_fn=current_thread::spawn_workers
//! future=current_thread::worker::{closure#0} tasks=N`, `task index=i yields=Y` per task
//! in JoinHandle order, `spawned=N`, `stage index=i spawn_fn=current_thread::spawn_stage
//! future=current_thread::stage::{closure#0}` per stage, `stages=3`, `rounds=M`,
//! `main_thread_only=1`, `done=1`.

use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const STAGES: u64 = 3;

fn yields_for(i: u64) -> u64 {
    i % 4
}

async fn worker(i: u64) -> (u64, std::thread::ThreadId) {
    for _ in 0..yields_for(i) {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    (i, std::thread::current().id())
}

#[inline(never)]
fn spawn_workers(n: u64) -> Vec<JoinHandle<(u64, std::thread::ThreadId)>> {
    (0..n).map(|i| tokio::spawn(worker(i))).collect()
}

async fn stage(mut rx: mpsc::Receiver<u64>, tx: mpsc::Sender<u64>) -> u64 {
    let mut forwarded = 0;
    while let Some(hops) = rx.recv().await {
        forwarded += 1;
        if tx.send(hops + 1).await.is_err() {
            break;
        }
    }
    forwarded
}

#[inline(never)]
fn spawn_stage(index: u64, rx: mpsc::Receiver<u64>, tx: mpsc::Sender<u64>) -> JoinHandle<u64> {
    println!(
        "stage index={} spawn_fn=current_thread::spawn_stage future=current_thread::stage::{{closure#0}}",
        index
    );
    tokio::spawn(stage(rx, tx))
}

fn main() {
    let n = dial9_target::arg_u64(1, 20);
    let m = dial9_target::arg_u64(2, 10);
    dial9_target::start("current_thread");
    let rt = dial9_target::current_thread_runtime();
    let main_thread = std::thread::current().id();
    rt.block_on(async move {
        println!("flavor=current_thread");
        println!(
            "spawn_fn=current_thread::spawn_workers future=current_thread::worker::{{closure#0}} tasks={}",
            n
        );
        let mut all_on_main = true;
        let handles = spawn_workers(n);
        let mut done = 0;
        for (order, h) in handles.into_iter().enumerate() {
            let (i, thread) = h.await.expect("worker failed");
            assert_eq!(order as u64, i);
            all_on_main &= thread == main_thread;
            println!("task index={} yields={}", i, yields_for(i));
            done += 1;
        }
        println!("spawned={}", done);

        let (first_tx, mut rx) = mpsc::channel::<u64>(1);
        let mut stages = Vec::new();
        for i in 0..STAGES {
            let (tx, next_rx) = mpsc::channel::<u64>(1);
            stages.push(spawn_stage(i, rx, tx));
            rx = next_rx;
        }
        for _ in 0..m {
            tokio::time::sleep(Duration::from_millis(1)).await;
            first_tx.send(0).await.expect("stage 0 gone");
            assert_eq!(rx.recv().await, Some(STAGES));
        }
        drop(first_tx);
        for s in stages {
            assert_eq!(s.await.expect("stage failed"), m);
        }
        println!("stages={}", STAGES);
        println!("rounds={}", m);
        println!("main_thread_only={}", all_on_main as u8);
    });
    println!("done=1");
}
