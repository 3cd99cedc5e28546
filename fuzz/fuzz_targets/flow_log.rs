//! Flow-log parser: arbitrary bytes are `LogFormat` `\0` `record` (no `\0`:
//! the record alone, read with the version 2 default). Never a panic; a
//! record that parses has no `-` value and only fields of its format.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/logs/flow.rs"]
mod flow;

use flow::FlowFormat;

fuzz_target!(|data: &[u8]| {
    let (format, line) = match data.iter().position(|&b| b == 0) {
        Some(i) => (Some(&data[..i]), &data[i + 1..]),
        None => (None, data),
    };
    let line = String::from_utf8_lossy(line);
    let f = match format {
        Some(fm) => match FlowFormat::parse(&String::from_utf8_lossy(fm)) {
            Ok(f) => f,
            Err(e) => {
                assert!(!e.0.is_empty());
                FlowFormat::default()
            }
        },
        None => FlowFormat::default(),
    };
    if let Ok(r) = f.parse_record(&line) {
        for (k, v) in &r.fields {
            assert!(f.fields().contains(k), "{k}");
            assert_ne!(v, "-");
        }
        let _ = (r.has_traffic(), r.is_tcp());
    }
});
