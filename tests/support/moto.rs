//! The moto server the live tests talk to over HTTP. `scripts/test` (the
//! README's test command) starts one and sets `HOPTRACE_MOTO_URL`; without
//! it these tests fail with a message saying so. They never skip.

#![allow(dead_code)]

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The server's base URL, checked to accept connections.
pub fn url() -> String {
    let url = std::env::var("HOPTRACE_MOTO_URL").unwrap_or_else(|_| {
        panic!(
            "HOPTRACE_MOTO_URL is not set: this test talks to a moto server over HTTP. \
             Run the tests with scripts/test, which installs and starts one."
        )
    });
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| panic!("HOPTRACE_MOTO_URL={url} is not a host:port URL"));
    if let Err(e) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        panic!("no moto server at {url} ({e}): run the tests with scripts/test");
    }
    url
}

/// A fresh 12-digit account id for one test, so tests sharing the server
/// do not see each other's resources (moto's `x-moto-account-id`).
pub fn fresh_account() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id() % 100_000;
    format!("9{pid:05}{n:06}")
}
