//! Plain-text rendering of traces for the terminal.

use std::fmt::Write;
use std::io::IsTerminal;

use crate::trace::{Overall, Trace, Verdict};

/// Colour only on a terminal, and never when NO_COLOR is set.
pub fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

pub use crate::export::printable as safe;

pub fn paint(s: &str, v: Verdict, color: bool) -> String {
    if !color {
        return s.to_string();
    }
    let code = match v {
        Verdict::Allow => "32",
        Verdict::Deny => "1;31",
        Verdict::Unknown => "33",
        Verdict::Skip => "2",
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}

pub fn trace_table(t: &Trace, color: bool) -> String {
    let mut out = String::new();
    let r = &t.request;
    let _ = writeln!(out, "{} {}", safe(&r.method), safe(&r.url));
    let mut meta = format!(
        "from {} · form {} · auth {} · TLS {}",
        r.from, r.form, r.auth, r.tls
    );
    for (k, v) in &r.headers {
        let _ = write!(meta, " · {}: {}", safe(k), safe(v));
    }
    let _ = writeln!(out, "{meta}\n");
    let _ = writeln!(out, "{:>3}  {:<16} {:<9} REASON", "#", "HOP", "VERDICT");
    for (i, h) in t.hops.iter().enumerate() {
        let verdict = format!("{} {}", h.verdict.glyph(), h.verdict.as_str());
        let padded = format!("{verdict:<9}");
        let _ = writeln!(
            out,
            "{:>3}  {:<16} {} {}",
            i + 1,
            h.hop,
            paint(&padded, h.verdict, color),
            safe(&h.reason)
        );
        let indent = " ".repeat(32);
        if !h.deciding.is_empty() {
            let check = if h.check.is_empty() {
                String::new()
            } else {
                format!("[{}] ", h.check)
            };
            let _ = writeln!(out, "{indent}↳ {check}{}", safe(&h.deciding.to_string()));
        }
        for n in &h.notes {
            let _ = writeln!(out, "{indent}note: {}", safe(n));
        }
        if let Some(e) = &h.evidence {
            match &e.contradicted_by {
                Some(c) => {
                    let mark = paint("contradicted by logs", Verdict::Deny, color);
                    let _ = writeln!(
                        out,
                        "{indent}logs: {} lines; {mark} ({}): {}",
                        e.lines,
                        safe(&c.ts),
                        safe(&c.why)
                    );
                    let _ = writeln!(
                        out,
                        "{indent}      {} {}: {}",
                        c.source,
                        safe(&c.group),
                        safe(&c.raw)
                    );
                }
                None if e.lines > 0 => {
                    let _ = writeln!(
                        out,
                        "{indent}logs: {} lines, none contradicts the verdict",
                        e.lines
                    );
                }
                None => {}
            }
        }
    }
    let verdict = match t.verdict {
        Overall::Reachable => paint("REACHABLE", Verdict::Allow, color),
        Overall::Blocked => paint("BLOCKED", Verdict::Deny, color),
        Overall::Undetermined => paint("UNDETERMINED", Verdict::Unknown, color),
    };
    let _ = write!(out, "\nverdict: {verdict}");
    if let Some(b) = t.first_block {
        let _ = write!(out, " at {b}");
    }
    let _ = writeln!(out);
    if let Some((sees, customised)) = t.client_sees() {
        let _ = writeln!(out, "client sees: {}", safe(&sees));
        if let Some(c) = customised {
            let _ = writeln!(out, "customised: {}", safe(c));
        }
    }
    let unknown = t.unknown_hops();
    if !unknown.is_empty() {
        let _ = writeln!(out, "unknown: {}", unknown.join(", "));
    }
    out
}
