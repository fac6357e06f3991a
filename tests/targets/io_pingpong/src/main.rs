//! io_pingpong [R=100]: two tasks exchange R messages over loopback TCP.
//!
//! `spawn_pinger` writes an 8-byte counter and reads the echo; `spawn_ponger`
//! reads and writes it back.  Every read that finds no data parks its task
//! until the I/O driver wakes it (ScheduledIo::wake), so wakes come from the
//! I/O driver rather than from another task.
//!
//! Prints: `listen addr=127.0.0.1:PORT`, `pinger spawn_fn=io_pingpong::spawn_pinger`,
//! `ponger spawn_fn=io_pingpong::spawn_ponger`, `rounds=R`, `bytes=8*R`
//! (each direction), `transport=tcp`, `done=1`.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[inline(never)]
fn spawn_pinger(mut s: TcpStream, rounds: u64) -> JoinHandle<u64> {
    tokio::spawn(async move {
        let mut buf = [0u8; 8];
        for i in 0..rounds {
            s.write_all(&i.to_le_bytes()).await.expect("ping write");
            s.read_exact(&mut buf).await.expect("ping read");
            assert_eq!(u64::from_le_bytes(buf), i);
        }
        rounds
    })
}

#[inline(never)]
fn spawn_ponger(mut s: TcpStream) -> JoinHandle<u64> {
    tokio::spawn(async move {
        let mut buf = [0u8; 8];
        let mut n = 0;
        while s.read_exact(&mut buf).await.is_ok() {
            s.write_all(&buf).await.expect("pong write");
            n += 1;
        }
        n
    })
}

fn main() {
    let rounds = dial9_target::arg_u64(1, 100);
    dial9_target::start("io_pingpong");
    let rt = dial9_target::multi_thread_runtime();
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        println!("listen addr={}", listener.local_addr().expect("addr"));
        let (client, accepted) = tokio::join!(TcpStream::connect(listener.local_addr().unwrap()), listener.accept());
        let client = client.expect("connect");
        let (server, _) = accepted.expect("accept");
        client.set_nodelay(true).expect("nodelay");
        server.set_nodelay(true).expect("nodelay");
        println!("pinger spawn_fn=io_pingpong::spawn_pinger");
        println!("ponger spawn_fn=io_pingpong::spawn_ponger");
        let ponger = spawn_ponger(server);
        let pinger = spawn_pinger(client, rounds);
        let sent = pinger.await.expect("pinger failed");
        let echoed = ponger.await.expect("ponger failed");
        assert_eq!(sent, echoed);
        println!("rounds={}", sent);
        println!("bytes={}", sent * 8);
    });
    println!("transport=tcp");
    println!("done=1");
}
