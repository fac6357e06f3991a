//! threads [FLAVOR=multi|current] [ROUNDS=20] [HOLD_MS=0]: a thread of each
//! role, for the thread table.
//!
//! A `consumer` task (spawned on a multi-thread runtime with 2 workers named
//! as Tokio names them, or on a current_thread runtime on the main thread)
//! receives from one channel fed by three threads:
//!   * a `spawn_blocking` closure (a blocking-pool thread), ROUNDS values;
//!   * a thread the program names `d9-feeder` (std::thread::Builder::name),
//!     ROUNDS values; it then renames itself `d9-fed` (/proc/thread-self/comm)
//!     and lives until the program ends;
//!   * a thread named `d9-oneshot` that, once a `waiter` task awaits it,
//!     sends that task one value (a tokio oneshot channel: the send wakes
//!     it), lives 200 ms more (dial9d names a thread within a drain period of
//!     its first record) and ends before `done=1`.
//! Each sender sleeps 2 ms between values.  After `done=1` the program
//! holds HOLD_MS ms (the runtime idle, every thread but the oneshot alive).
//!
//! Prints: `flavor=multi|current`, `main tid=`, `blocking tid=`,
//! `feeder tid= name=d9-feeder`, `oneshot tid= name=d9-oneshot`,
//! `renamed=d9-fed`, `received=N` (2 × ROUNDS + 1), `done=1`.

use std::time::Duration;
use tokio::sync::mpsc;

/// This thread's kernel id, from /proc/thread-self ("PID/task/TID").
fn tid() -> u64 {
    let link = std::fs::read_link("/proc/thread-self").expect("read /proc/thread-self");
    let s = link.to_string_lossy().to_string();
    s.rsplit('/').next().unwrap().parse().expect("tid")
}

fn feed(tx: &mpsc::Sender<u64>, rounds: u64) {
    for i in 0..rounds {
        std::thread::sleep(Duration::from_millis(2));
        tx.blocking_send(i).expect("consumer gone");
    }
}

fn main() {
    let flavor = dial9_target::arg_str(1, "multi");
    let rounds = dial9_target::arg_u64(2, 20);
    let hold = dial9_target::arg_u64(3, 0);
    dial9_target::start("threads");
    let rt = match flavor.as_str() {
        "multi" => dial9_target::multi_thread_runtime(),
        "current" => dial9_target::current_thread_runtime(),
        _ => {
            eprintln!("error=bad_flavor flavor={}", flavor);
            std::process::exit(2);
        }
    };
    println!("flavor={}", flavor);
    println!("main tid={}", tid());
    let (tx, mut rx) = mpsc::channel::<u64>(4);
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();

    let feeder_tx = tx.clone();
    let feeder = std::thread::Builder::new()
        .name("d9-feeder".into())
        .spawn(move || {
            println!("feeder tid={} name=d9-feeder", tid());
            feed(&feeder_tx, rounds);
            drop(feeder_tx); // the consumer ends when every sender is gone
            std::fs::write("/proc/thread-self/comm", "d9-fed").expect("rename");
            println!("renamed=d9-fed");
            let _ = stop_rx.recv();
        })
        .expect("spawn feeder");
    let (one_tx, one_rx) = tokio::sync::oneshot::channel::<u64>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let oneshot = std::thread::Builder::new()
        .name("d9-oneshot".into())
        .spawn(move || {
            println!("oneshot tid={} name=d9-oneshot", tid());
            ready_rx.recv().expect("waiter gone");
            std::thread::sleep(Duration::from_millis(20)); // the waiter awaits by now
            one_tx.send(1).expect("waiter gone");
            std::thread::sleep(Duration::from_millis(200));
        })
        .expect("spawn oneshot");

    let received = rt.block_on(async move {
        let blocking_tx = tx.clone();
        drop(tx);
        let blocking = tokio::task::spawn_blocking(move || {
            println!("blocking tid={}", tid());
            feed(&blocking_tx, rounds);
        });
        let consumer = tokio::spawn(async move {
            let mut n = 0u64;
            while rx.recv().await.is_some() {
                n += 1;
            }
            n
        });
        let waiter = tokio::spawn(async move {
            ready_tx.send(()).expect("oneshot thread gone");
            one_rx.await.expect("oneshot thread gone")
        });
        blocking.await.expect("blocking work failed");
        consumer.await.expect("consumer failed") + waiter.await.expect("waiter failed")
    });
    oneshot.join().expect("oneshot failed");
    println!("received={}", received);
    println!("done=1");
    std::thread::sleep(Duration::from_millis(hold));
    let _ = stop_tx.send(());
    feeder.join().expect("feeder failed");
}
