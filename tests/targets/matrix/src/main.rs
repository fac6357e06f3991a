//! matrix [FLAVOR=multi] [FANOUT=20] [STAGES=4] [ROUNDS=10] [BLOCK_MS=40]
//! [BLOCKS=3] [PINGS=50]: every fact dial9's compatibility matrix checks,
//! in one program, on a `multi` (2 workers) or `current` thread runtime.
//!
//! In order, from the block_on future (`main`, not a task):
//!   1. fan-out: `spawn_fanout` spawns FANOUT tasks; task i yields i % 3
//!      times, then sleeps 1 ms (a timer wake); all are awaited.
//!   2. relay: `spawn_stage` spawns STAGES tasks chained by mpsc channels;
//!      ROUNDS times main sleeps 2 ms, then sends a token that every stage
//!      forwards: stage i wakes stage i+1 once per round, main wakes stage 0.
//!   3. I/O: `spawn_pinger` and `spawn_ponger` exchange PINGS 8-byte
//!      messages over loopback TCP: their reads are woken by the I/O driver.
//!   4. blocking: `spawn_blocker` blocks its thread with std::thread::sleep
//!      for BLOCK_MS inside each of BLOCKS polls (then sleeps 5 ms on a
//!      timer); meanwhile `spawn_ticker`'s task ticks every 5 ms and never
//!      blocks.
//! No other task ever blocks: every poll but the blocker's is short.
//!
//! Prints, besides the start-up lines: `flavor=`, one `site fn=matrix::NAME
//! file= line= count=` per spawn call site (the line of its tokio::spawn
//! call, which is what #[track_caller] hands tokio::spawn with the column
//! where `tokio::spawn(` stands), `stage index=i` per stage in spawn order,
//! `block index=i ms=`, `ticks=`, `pings=`, `spawned=` (the total), `done=1`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

static SPAWNED: AtomicU64 = AtomicU64::new(0);

/// Count a spawn and, for the first of a call site, print where the call is:
/// `line` is line!() written on the line of the tokio::spawn call; the call's
/// column is where "tokio::spawn(" stands on that line of this file.
fn spawned(name: &str, line: u32, count: u64) {
    SPAWNED.fetch_add(1, Ordering::Relaxed);
    if count > 0 {
        println!("site fn=matrix::{} file={} line={} count={}", name, file!(), line, count);
    }
}

async fn fanout_worker(i: u64) -> u64 {
    for _ in 0..i % 3 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    i
}

#[inline(never)]
fn spawn_fanout(n: u64) -> Vec<JoinHandle<u64>> {
    let mut handles = Vec::new();
    for i in 0..n {
        let line = line!(); handles.push(tokio::spawn(fanout_worker(i)));
        spawned("spawn_fanout", line, if i == 0 { n } else { 0 });
    }
    handles
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
fn spawn_stage(index: u64, stages: u64, rx: mpsc::Receiver<u64>, tx: mpsc::Sender<u64>) -> JoinHandle<u64> {
    println!("stage index={}", index);
    let line = line!(); let h = tokio::spawn(stage(rx, tx));
    spawned("spawn_stage", line, if index == 0 { stages } else { 0 });
    h
}

#[inline(never)]
fn spawn_pinger(mut s: TcpStream, pings: u64) -> JoinHandle<u64> {
    let line = line!(); let h = tokio::spawn(async move {
        let mut buf = [0u8; 8];
        for i in 0..pings {
            s.write_all(&i.to_le_bytes()).await.expect("ping write");
            s.read_exact(&mut buf).await.expect("ping read");
            assert_eq!(u64::from_le_bytes(buf), i);
        }
        pings
    });
    spawned("spawn_pinger", line, 1);
    h
}

#[inline(never)]
fn spawn_ponger(mut s: TcpStream) -> JoinHandle<u64> {
    let line = line!(); let h = tokio::spawn(async move {
        let mut buf = [0u8; 8];
        let mut n = 0;
        while s.read_exact(&mut buf).await.is_ok() {
            s.write_all(&buf).await.expect("pong write");
            n += 1;
        }
        n
    });
    spawned("spawn_ponger", line, 1);
    h
}

#[inline(never)]
fn spawn_blocker(ms: u64, times: u64) -> JoinHandle<()> {
    let line = line!(); let h = tokio::spawn(async move {
        for i in 0..times {
            std::thread::sleep(Duration::from_millis(ms));
            println!("block index={} ms={}", i, ms);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    spawned("spawn_blocker", line, 1);
    h
}

#[inline(never)]
fn spawn_ticker(stop: Arc<AtomicBool>, ticks: Arc<AtomicU64>) -> JoinHandle<()> {
    let line = line!(); let h = tokio::spawn(async move {
        let mut iv = tokio::time::interval(Duration::from_millis(5));
        while !stop.load(Ordering::Relaxed) {
            iv.tick().await;
            ticks.fetch_add(1, Ordering::Relaxed);
        }
    });
    spawned("spawn_ticker", line, 1);
    h
}

async fn run(fanout: u64, stages: u64, rounds: u64, block_ms: u64, blocks: u64, pings: u64) {
    // 1. fan-out
    for (order, h) in spawn_fanout(fanout).into_iter().enumerate() {
        assert_eq!(h.await.expect("fan-out task failed"), order as u64);
    }

    // 2. relay
    let (first_tx, mut rx) = mpsc::channel::<u64>(1);
    let mut handles = Vec::new();
    for i in 0..stages {
        let (tx, next_rx) = mpsc::channel::<u64>(1);
        handles.push(spawn_stage(i, stages, rx, tx));
        rx = next_rx;
    }
    for _ in 0..rounds {
        tokio::time::sleep(Duration::from_millis(2)).await;
        first_tx.send(0).await.expect("stage 0 gone");
        assert_eq!(rx.recv().await, Some(stages));
    }
    drop(first_tx);
    for h in handles {
        assert_eq!(h.await.expect("stage failed"), rounds);
    }

    // 3. I/O
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
    let client = client.expect("connect");
    let (server, _) = accepted.expect("accept");
    client.set_nodelay(true).expect("nodelay");
    server.set_nodelay(true).expect("nodelay");
    let ponger = spawn_ponger(server);
    let pinger = spawn_pinger(client, pings);
    let sent = pinger.await.expect("pinger failed");
    assert_eq!(ponger.await.expect("ponger failed"), sent);
    println!("pings={}", sent);

    // 4. blocking, beside a ticker
    let stop = Arc::new(AtomicBool::new(false));
    let ticks = Arc::new(AtomicU64::new(0));
    let ticker = spawn_ticker(stop.clone(), ticks.clone());
    spawn_blocker(block_ms, blocks).await.expect("blocker failed");
    stop.store(true, Ordering::Relaxed);
    ticker.await.expect("ticker failed");
    println!("ticks={}", ticks.load(Ordering::Relaxed));
}

fn main() {
    let flavor = dial9_target::arg_str(1, "multi");
    let fanout = dial9_target::arg_u64(2, 20);
    let stages = dial9_target::arg_u64(3, 4).max(1);
    let rounds = dial9_target::arg_u64(4, 10);
    let block_ms = dial9_target::arg_u64(5, 40);
    let blocks = dial9_target::arg_u64(6, 3);
    let pings = dial9_target::arg_u64(7, 50);
    dial9_target::start("matrix");
    let rt = match flavor.as_str() {
        "multi" => dial9_target::multi_thread_runtime(),
        "current" => dial9_target::current_thread_runtime(),
        _ => {
            eprintln!("error=bad_flavor {}", flavor);
            std::process::exit(2);
        }
    };
    println!("flavor={}", flavor);
    rt.block_on(run(fanout, stages, rounds, block_ms, blocks, pings));
    println!("spawned={}", SPAWNED.load(Ordering::Relaxed));
    println!("done=1");
}
