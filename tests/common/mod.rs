//! Shared harness for the table-driven hop tests (`hops_network`, `hops_auth`).
//!
//! Two environment variables help when working on the trace:
//! - `HOPTRACE_CASE=text` runs only the cases whose name contains `text`
//!   (case-insensitive), e.g. `HOPTRACE_CASE=H8.3 cargo test --test hops_network`.
//! - `HOPTRACE_DUMP_TRACES=dir` writes each case's trace as JSON (without the
//!   timing `stats`) to `dir/<suite>/<case name>.json`, so two versions of the
//!   engine can be compared case by case with `diff -r`.
//!
//! The expectations on hops (`Expect`, `at`, `verdict`, `mismatches`) are
//! shared by both tables.

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
    // Case names are unique within a suite (each suite checks that), so a
    // file is one case; a second run into the same folder overwrites it.
    let path = dir.join(format!("{file}.json"));
    std::fs::write(path, text).expect("write the dump");
}

// ---- expectations on hops ----------------------------------------------------

use hoptrace::trace::{Trace as T, Verdict};

/// What one hop of a trace must show. Hop names are the contract's
/// (`sg-egress`); a name that is not a hop is reported, not panicked on, so
/// the harness can test itself.
pub struct Expect {
    pub hop: &'static str,
    pub verdict: Verdict,
    /// `None`: any check id.
    pub check: Option<&'static str>,
    pub reason: Option<&'static str>,
    pub note: Option<&'static str>,
    pub deciding: Option<&'static str>,
    /// Text that must appear in the reason, the deciding field or a note.
    pub says: Vec<&'static str>,
}

/// `hop` must have `verdict` decided by rulebook check `check`.
pub fn at(hop: &'static str, verdict: Verdict, check: &'static str) -> Expect {
    Expect {
        hop,
        verdict,
        check: Some(check),
        reason: None,
        note: None,
        deciding: None,
        says: Vec::new(),
    }
}

/// `hop` must have `verdict`, whatever check id it reports.
pub fn verdict(hop: &'static str, verdict: Verdict) -> Expect {
    Expect {
        check: None,
        ..at(hop, verdict, "")
    }
}

impl Expect {
    pub fn reason(mut self, s: &'static str) -> Expect {
        self.reason = Some(s);
        self
    }
    pub fn note(mut self, s: &'static str) -> Expect {
        self.note = Some(s);
        self
    }
    pub fn deciding(mut self, s: &'static str) -> Expect {
        self.deciding = Some(s);
        self
    }
    pub fn says(mut self, s: &'static str) -> Expect {
        self.says.push(s);
        self
    }
}

/// What in `t` differs from `e`, one line each (empty when it matches). Every
/// deny must name its deciding field.
pub fn mismatches(t: &T, e: &Expect) -> Vec<String> {
    let Some(h) = t.hops.iter().find(|h| h.hop.as_str() == e.hop) else {
        return vec![format!("no hop named {:?}", e.hop)];
    };
    let deciding = h.deciding.to_string();
    let mut bad = Vec::new();
    if h.verdict != e.verdict {
        bad.push(format!("verdict {:?}, expected {:?}", h.verdict, e.verdict));
    }
    if let Some(check) = e.check {
        if h.check != check {
            bad.push(format!("check {:?}, expected {check:?}", h.check));
        }
    }
    if let Some(r) = e.reason {
        if !h.reason.contains(r) {
            bad.push(format!("reason lacks {r:?}"));
        }
    }
    if let Some(n) = e.note {
        if !h.notes.iter().any(|x| x.contains(n)) {
            bad.push(format!("no note contains {n:?}"));
        }
    }
    if let Some(d) = e.deciding {
        if !deciding.contains(d) {
            bad.push(format!("deciding field lacks {d:?}"));
        }
    }
    let all = format!("{} | {} | {}", h.reason, deciding, h.notes.join(" | "));
    for s in &e.says {
        if !all.contains(s) {
            bad.push(format!("lacks {s:?}"));
        }
    }
    if h.verdict == Verdict::Deny && h.deciding.is_empty() {
        bad.push("a deny must name its deciding field".into());
    }
    if bad.is_empty() {
        return bad;
    }
    vec![format!(
        "hop {}: {}\n      got: {:?} {} | reason: {} | deciding: {} | notes: {:?}",
        e.hop,
        bad.join("; "),
        h.verdict,
        h.check,
        h.reason,
        deciding,
        h.notes
    )]
}
