//! Shared harness for the table-driven hop tests (`hops_network`, `hops_auth`).
//!
//! Two environment variables help when working on the trace:
//! - `HOPTRACE_CASE=text` runs only the cases whose name contains `text`
//!   (case-insensitive), e.g. `HOPTRACE_CASE=H8.3 cargo test --test hops_network`.
//! - `HOPTRACE_DUMP_TRACES=dir` writes each case's trace as JSON (without the
//!   timing `stats`) to `dir/<case name>.json`, so two versions of the engine
//!   can be compared case by case with `diff -r`.

#![allow(dead_code)]

use std::path::PathBuf;

use hoptrace::trace::Trace;

/// Whether the case filter (`HOPTRACE_CASE`) selects `name`.
pub fn selected(name: &str) -> bool {
    match std::env::var("HOPTRACE_CASE") {
        Ok(f) if !f.is_empty() => name.to_lowercase().contains(&f.to_lowercase()),
        _ => true,
    }
}

/// The trace as JSON with the run-dependent `stats` removed.
pub fn stable_json(t: &Trace) -> serde_json::Value {
    let mut v = serde_json::to_value(t).expect("a trace serializes");
    if let Some(o) = v.as_object_mut() {
        o.remove("stats");
    }
    v
}

/// Writes the trace of case `name` when `HOPTRACE_DUMP_TRACES` names a folder.
pub fn dump(suite: &str, name: &str, t: &Trace) {
    let Ok(dir) = std::env::var("HOPTRACE_DUMP_TRACES") else {
        return;
    };
    let dir = PathBuf::from(dir).join(suite);
    std::fs::create_dir_all(&dir).expect("create the dump folder");
    let file: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let text = serde_json::to_string_pretty(&stable_json(t)).expect("serialize");
    let path = dir.join(format!("{file}.json"));
    // Two cases with the same sanitized name would overwrite each other: keep both.
    let path = if path.exists() {
        (2..)
            .map(|k| dir.join(format!("{file}~{k}.json")))
            .find(|p| !p.exists())
            .expect("a free name")
    } else {
        path
    };
    std::fs::write(path, text).expect("write the dump");
}
