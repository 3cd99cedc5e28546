//! Execution-log parser on arbitrary text: never a panic; a line that parses
//! has a non-empty request id without blanks, taken from its start.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/logs/execution.rs"]
mod execution;

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    if let Ok(r) = execution::parse(&line) {
        assert!(!r.request_id.is_empty());
        assert!(!r.request_id.chars().any(char::is_whitespace));
        assert!(line.starts_with(&format!("({})", r.request_id)));
        let _ = r.event.check();
    }
});
