//! server [PORT=6390]: a small RESP server on 127.0.0.1 for benchmarks
//! (`redis-benchmark -p PORT -t ping,set,get`).  PORT 0 picks a free port.
//!
//! One task per connection, spawned by `server::spawn_connection`.  Commands:
//! PING [msg], ECHO msg, SET key value, GET key, DEL key, CONFIG GET name
//! (empty answer, for redis-benchmark's start-up probe), QUIT, and the
//! fidelity benchmark's planted incidents: SPIN [ms=8] spins on the CPU and
//! BLOCK [ms=20] sleeps the worker thread, inside the connection task's poll
//! (dial9_target::planted; each prints a `planted kind= …` fact); anything
//! else gets `-ERR unknown command`.  Requests may be pipelined; both RESP arrays
//! and inline commands are accepted.  Runs until killed.
//!
//! Prints: `listen addr=127.0.0.1:PORT`, `conn spawn_fn=server::spawn_connection
//! future=server::spawn_connection::{closure#0}`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Store = Arc<Mutex<HashMap<Vec<u8>, Vec<u8>>>>;

const MAX_BUF: usize = 4 << 20;
const MAX_ARGS: usize = 1024;

enum Parse {
    Done(Vec<Vec<u8>>, usize),
    Incomplete,
    Error(&'static str),
}

fn find_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

fn parse_int(b: &[u8]) -> Option<i64> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// Parse one request from the front of `b`.
fn parse(b: &[u8]) -> Parse {
    let Some(eol) = find_crlf(b) else {
        return if b.len() > 64 * 1024 { Parse::Error("line too long") } else { Parse::Incomplete };
    };
    if b[0] != b'*' {
        let args = b[..eol]
            .split(|c| c.is_ascii_whitespace())
            .filter(|a| !a.is_empty())
            .map(|a| a.to_vec())
            .collect();
        return Parse::Done(args, eol + 2);
    }
    let n = match parse_int(&b[1..eol]) {
        Some(n) if n >= 0 && (n as usize) <= MAX_ARGS => n as usize,
        _ => return Parse::Error("bad array length"),
    };
    let mut pos = eol + 2;
    let mut args = Vec::with_capacity(n);
    for _ in 0..n {
        let rest = &b[pos..];
        let Some(eol) = find_crlf(rest) else { return Parse::Incomplete };
        if rest[0] != b'$' {
            return Parse::Error("expected bulk string");
        }
        let len = match parse_int(&rest[1..eol]) {
            Some(l) if l >= 0 && (l as usize) <= MAX_BUF => l as usize,
            _ => return Parse::Error("bad bulk length"),
        };
        let start = eol + 2;
        if rest.len() < start + len + 2 {
            return Parse::Incomplete;
        }
        args.push(rest[start..start + len].to_vec());
        pos += start + len + 2;
    }
    Parse::Done(args, pos)
}

fn bulk(out: &mut Vec<u8>, v: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", v.len()).as_bytes());
    out.extend_from_slice(v);
    out.extend_from_slice(b"\r\n");
}

/// Execute one command; false means close the connection after replying.
fn execute(args: &[Vec<u8>], store: &Store, out: &mut Vec<u8>) -> bool {
    let Some(cmd) = args.first() else { return true };
    match cmd.to_ascii_uppercase().as_slice() {
        b"PING" if args.len() == 1 => out.extend_from_slice(b"+PONG\r\n"),
        b"PING" | b"ECHO" if args.len() == 2 => bulk(out, &args[1]),
        b"SET" if args.len() >= 3 => {
            store.lock().unwrap().insert(args[1].clone(), args[2].clone());
            out.extend_from_slice(b"+OK\r\n");
        }
        b"GET" if args.len() == 2 => match store.lock().unwrap().get(&args[1]) {
            Some(v) => bulk(out, v),
            None => out.extend_from_slice(b"$-1\r\n"),
        },
        b"DEL" if args.len() >= 2 => {
            let mut s = store.lock().unwrap();
            let n = args[1..].iter().filter(|k| s.remove(*k).is_some()).count();
            out.extend_from_slice(format!(":{}\r\n", n).as_bytes());
        }
        b"CONFIG" if args.len() == 3 => {
            out.extend_from_slice(b"*2\r\n");
            bulk(out, &args[2]);
            bulk(out, b"");
        }
        b"SPIN" | b"BLOCK" if args.len() <= 2 => {
            let ms = match args.get(1) {
                Some(a) => parse_int(a).filter(|&m| (0..=10_000).contains(&m)).map(|m| m as u64),
                None => Some(if cmd.eq_ignore_ascii_case(b"SPIN") { 8 } else { 20 }),
            };
            match ms {
                Some(ms) if cmd.eq_ignore_ascii_case(b"SPIN") => dial9_target::planted::planted_spin(ms),
                Some(ms) => dial9_target::planted::planted_block(ms),
                None => {
                    out.extend_from_slice(b"-ERR bad milliseconds\r\n");
                    return true;
                }
            }
            out.extend_from_slice(b"+OK\r\n");
        }
        b"QUIT" => {
            out.extend_from_slice(b"+OK\r\n");
            return false;
        }
        _ => out.extend_from_slice(b"-ERR unknown command or wrong number of arguments\r\n"),
    }
    true
}

async fn serve(mut sock: TcpStream, store: Store) {
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut out: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let n = match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut used = 0;
        let mut keep = true;
        while keep && used < buf.len() {
            match parse(&buf[used..]) {
                Parse::Done(args, len) => {
                    used += len;
                    keep = execute(&args, &store, &mut out);
                }
                Parse::Incomplete => break,
                Parse::Error(why) => {
                    out.extend_from_slice(format!("-ERR protocol error: {}\r\n", why).as_bytes());
                    keep = false;
                }
            }
        }
        buf.drain(..used);
        if !out.is_empty() {
            if sock.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
        if !keep || buf.len() > MAX_BUF {
            return;
        }
    }
}

#[inline(never)]
fn spawn_connection(sock: TcpStream, store: Store) {
    tokio::spawn(async move {
        let _ = sock.set_nodelay(true);
        serve(sock, store).await;
    });
}

fn main() {
    let port = dial9_target::arg_port(1, 6390);
    dial9_target::start("server");
    let rt = dial9_target::multi_thread_runtime();
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap_or_else(|e| {
            eprintln!("error=bind port={} reason={}", port, e);
            std::process::exit(1);
        });
        println!("listen addr={}", listener.local_addr().expect("addr"));
        println!("conn spawn_fn=server::spawn_connection future=server::spawn_connection::{{closure#0}}");
        let store: Store = Arc::new(Mutex::new(HashMap::new()));
        loop {
            match listener.accept().await {
                Ok((sock, _)) => spawn_connection(sock, store.clone()),
                Err(e) => eprintln!("error=accept reason={}", e),
            }
        }
    });
}
