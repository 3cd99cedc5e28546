//! Lambda-log parser on arbitrary text: never a panic, every line reads as
//! something, and a request id it finds is a plain token of the line.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/logs/lambda.rs"]
mod lambda;

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    let r = lambda::parse(&line);
    if let Some(id) = &r.request_id {
        assert!(!id.is_empty() && id.len() <= 128);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        assert!(line.contains(id.as_str()));
    }
    let _ = r.is_failure();
});
