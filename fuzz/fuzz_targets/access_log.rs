//! Access-log parser: arbitrary bytes are `format` `\0` `line`. The format is
//! compiled and the line read with it, and the line is also read with the
//! recommended JSON format and with CLF. Never a panic; a record never holds
//! `-`; every field is named by a `context.` variable of the format.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/logs/access.rs"]
mod access;

use access::{AccessFormat, AccessRecord, CLF_FORMAT};

/// The two fixed formats, compiled once.
fn fixed() -> &'static [AccessFormat; 2] {
    static F: std::sync::OnceLock<[AccessFormat; 2]> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        [
            AccessFormat::recommended(),
            AccessFormat::compile(CLF_FORMAT).unwrap(),
        ]
    })
}

fn check(f: &AccessFormat, rec: &AccessRecord) {
    let names = f.fields();
    for (k, v) in &rec.fields {
        assert!(k.starts_with("context."), "{k}");
        assert!(names.contains(&&**k), "{k} not in {names:?}");
        assert_ne!(v, "-");
    }
    let _ = (
        rec.request_id(),
        rec.status(),
        rec.error_message(),
        rec.integration_latency(),
    );
}

fuzz_target!(|data: &[u8]| {
    let (format, line) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"$context.requestId $context.status"[..], data),
    };
    let format = String::from_utf8_lossy(format);
    let line = String::from_utf8_lossy(line);
    if let Ok(f) = AccessFormat::compile(&format) {
        if let Ok(rec) = f.parse(&line) {
            check(&f, &rec);
        }
    }
    for f in fixed() {
        if let Ok(rec) = f.parse(&line) {
            check(f, &rec);
        }
    }
});
