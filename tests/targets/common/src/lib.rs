//! Shared start-up protocol for the dial9 test targets.
//!
//! Every target prints `ready pid=N` as its first line, then waits before it
//! does any Tokio work so that a tracer can attach:
//!   * `DIAL9_TARGET_GO=PATH`  wait until PATH exists (`-` = until a line on stdin);
//!   * `DIAL9_TARGET_GO_TIMEOUT_MS` give up after this long (default 60000):
//!     print `error=go_timeout` on stderr and exit 3;
//!   * `DIAL9_TARGET_START_DELAY_MS` then sleep this long (default 0).
//! After the wait it prints `go=1`.  All output is `key=value` facts, one record
//! per line (an optional leading record word, then `key=value` pairs); Rust's
//! stdout is line-buffered, so each line is flushed when written.

pub mod planted;

use std::io::{BufRead, Write};
use std::path::Path;
use std::time::{Duration, Instant};

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| {
            eprintln!("error=bad_env {}={}", name, v);
            std::process::exit(2);
        }),
        Err(_) => default,
    }
}

/// Print `ready pid=N`, wait for the go signal, print `go=1`.
pub fn start(target: &str) {
    println!("ready pid={}", std::process::id());
    println!("target={}", target);
    if let Ok(go) = std::env::var("DIAL9_TARGET_GO") {
        if go == "-" {
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
        } else {
            let timeout = Duration::from_millis(env_u64("DIAL9_TARGET_GO_TIMEOUT_MS", 60_000));
            let begin = Instant::now();
            while !Path::new(&go).exists() {
                if begin.elapsed() >= timeout {
                    eprintln!("error=go_timeout path={}", go);
                    std::process::exit(3);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
    let delay = env_u64("DIAL9_TARGET_START_DELAY_MS", 0);
    if delay > 0 {
        std::thread::sleep(Duration::from_millis(delay));
    }
    println!("go=1");
    let _ = std::io::stdout().flush();
}

/// Positional argument `idx` (1-based) parsed as a number, or `default`.
pub fn arg_u64(idx: usize, default: u64) -> u64 {
    match std::env::args().nth(idx) {
        Some(v) => v.parse().unwrap_or_else(|_| {
            eprintln!("error=bad_arg position={} value={}", idx, v);
            std::process::exit(2);
        }),
        None => default,
    }
}

/// Positional argument `idx` (1-based) as a TCP port (0 = any), or `default`.
pub fn arg_port(idx: usize, default: u16) -> u16 {
    let port = arg_u64(idx, u64::from(default));
    u16::try_from(port).unwrap_or_else(|_| {
        eprintln!("error=bad_port port={}", port);
        std::process::exit(2);
    })
}

/// Positional argument `idx` (1-based) as a string, or `default`.
pub fn arg_str(idx: usize, default: &str) -> String {
    std::env::args().nth(idx).unwrap_or_else(|| default.to_string())
}

/// The multi-thread runtime every multi-thread target uses: two workers, so
/// the behaviour does not depend on the machine's core count.
pub fn multi_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build multi-thread runtime")
}

/// A current_thread runtime with I/O and timers.
pub fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build current_thread runtime")
}
