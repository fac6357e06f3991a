//! http [PORT=8390 (0 = any)]: an HTTP/1.1 server on 127.0.0.1 built on
//! hyper 0.14 (Debian's librust-hyper-dev), for benchmarks under `wrk`.
//!
//! hyper's own accept loop and one task per connection; two Tokio workers.
//! Paths: `/spin` spins on the CPU for 8 ms (`/spin?ms=N`: N), `/block`
//! sleeps the worker thread for 20 ms (`?ms=N`), both inside the connection
//! task's poll (dial9_target::planted; each prints a `planted kind= …` fact);
//! every other path answers `hello` (200, text/plain).
//!
//! Prints: `listen addr=127.0.0.1:PORT`, `server stack=hyper-0.14 http=1.1`.

use std::convert::Infallible;
use std::net::SocketAddr;

use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Request, Response, Server};

fn query_ms(req: &Request<Body>, default: u64) -> u64 {
    req.uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("ms=")))
        .and_then(|v| v.parse().ok())
        .filter(|&ms| ms <= 10_000)
        .unwrap_or(default)
}

async fn handle(req: Request<Body>) -> Result<Response<Body>, Infallible> {
    match req.uri().path() {
        "/spin" => dial9_target::planted::planted_spin(query_ms(&req, 8)),
        "/block" => dial9_target::planted::planted_block(query_ms(&req, 20)),
        _ => {}
    }
    Ok(Response::new(Body::from("hello")))
}

fn main() {
    let port = dial9_target::arg_port(1, 8390);
    dial9_target::start("http");
    let rt = dial9_target::multi_thread_runtime();
    rt.block_on(async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let make = make_service_fn(|_conn| async { Ok::<_, Infallible>(service_fn(handle)) });
        let server = Server::try_bind(&addr).unwrap_or_else(|e| {
            eprintln!("error=bind port={} reason={}", port, e);
            std::process::exit(1);
        });
        let server = server.tcp_nodelay(true).serve(make);
        println!("listen addr={}", server.local_addr());
        println!("server stack=hyper-0.14 http=1.1");
        if let Err(e) = server.await {
            eprintln!("error=serve reason={}", e);
            std::process::exit(1);
        }
    });
}
