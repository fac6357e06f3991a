//! relay [K=5] [M=10]: a chain of K tasks passes a token M rounds.
//!
//! `main` (the block_on future, not a task) sends the token to stage 0;
//! stage i forwards it to stage i+1 over a tokio::sync::mpsc channel; the
//! last stage hands it back to main.  Main pauses 2 ms between rounds so
//! every stage is parked in `recv` when its token arrives: each round,
//! stage i's send wakes stage i+1 (a known wake edge).
//!
//! Prints: one `stage index=i spawn_order=i spawn_fn=relay::spawn_stage
//! future=relay::stage::{closure#0}` per stage (spawn order), then per round
//! `round index=r hops=K`, one `edge from=stage:i to=stage:i+1 wakes=M` per
//! link, `stages=K`, `rounds=M`, `done=1`.

use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

async fn stage(index: u64, mut rx: mpsc::Receiver<u64>, tx: mpsc::Sender<u64>) -> u64 {
    let mut forwarded = 0;
    while let Some(hops) = rx.recv().await {
        forwarded += 1;
        if tx.send(hops + 1).await.is_err() {
            break;
        }
    }
    let _ = index;
    forwarded
}

#[inline(never)]
fn spawn_stage(index: u64, rx: mpsc::Receiver<u64>, tx: mpsc::Sender<u64>) -> JoinHandle<u64> {
    println!(
        "stage index={} spawn_order={} spawn_fn=relay::spawn_stage future=relay::stage::{{closure#0}}",
        index, index
    );
    tokio::spawn(stage(index, rx, tx))
}

fn main() {
    let k = dial9_target::arg_u64(1, 5).max(1);
    let m = dial9_target::arg_u64(2, 10);
    dial9_target::start("relay");
    let rt = dial9_target::multi_thread_runtime();
    rt.block_on(async move {
        let (first_tx, mut rx) = mpsc::channel::<u64>(1);
        let mut handles = Vec::new();
        for i in 0..k {
            let (tx, next_rx) = mpsc::channel::<u64>(1);
            handles.push(spawn_stage(i, rx, tx));
            rx = next_rx;
        }
        let mut back = rx;
        for r in 0..m {
            tokio::time::sleep(Duration::from_millis(2)).await;
            first_tx.send(0).await.expect("stage 0 gone");
            let hops = back.recv().await.expect("last stage gone");
            assert_eq!(hops, k);
            println!("round index={} hops={}", r, hops);
        }
        drop(first_tx);
        for h in handles {
            assert_eq!(h.await.expect("stage failed"), m);
        }
    });
    println!("edge from=main to=stage:0 wakes={}", m);
    for i in 0..k.saturating_sub(1) {
        println!("edge from=stage:{} to=stage:{} wakes={}", i, i + 1, m);
    }
    println!("edge from=stage:{} to=main wakes={}", k - 1, m);
    println!("stages={}", k);
    println!("rounds={}", m);
    println!("done=1");
}
