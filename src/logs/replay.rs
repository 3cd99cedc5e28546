//! The demo log script: lines in AWS's own formats, replayed in real time with
//! their timestamps shifted to now, looping.
//!
//! Script format, one event per line: `OFFSET_MS<TAB>SOURCE<TAB>GROUP<TAB>TEXT`.
//! `#` starts a comment. In TEXT these placeholders are filled at replay time:
//! `{iso}` (RFC 3339 with milliseconds), `{clf}` (access-log time),
//! `{epoch}` (seconds), `{epoch_ms}`, `{flow_start}`/`{flow_end}` (seconds, a
//! one-minute aggregation window) and `{req}` (a request id, new per cycle).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{LogLine, SourceKind};

pub const DEMO_SCRIPT: &str = include_str!("../../assets/demo/logs.tsv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptLine {
    pub offset: Duration,
    pub source: SourceKind,
    pub group: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("log script line {line}: {msg}")]
pub struct ScriptError {
    pub line: usize,
    pub msg: String,
}

/// Parse a script; offsets must not go backwards.
pub fn parse(script: &str) -> Result<Vec<ScriptLine>, ScriptError> {
    let mut out = Vec::new();
    let mut last = Duration::ZERO;
    for (i, raw) in script.lines().enumerate() {
        let n = i + 1;
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        let mut parts = raw.splitn(4, '\t');
        let (Some(off), Some(src), Some(group), Some(text)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ScriptError {
                line: n,
                msg: "expected OFFSET_MS<TAB>SOURCE<TAB>GROUP<TAB>TEXT".into(),
            });
        };
        let off: u64 = off.trim().parse().map_err(|_| ScriptError {
            line: n,
            msg: format!("offset {off:?} is not a number of milliseconds"),
        })?;
        let offset = Duration::from_millis(off);
        if offset < last {
            return Err(ScriptError {
                line: n,
                msg: "offsets must not decrease".into(),
            });
        }
        last = offset;
        let source = SourceKind::parse(src.trim()).ok_or_else(|| ScriptError {
            line: n,
            msg: format!("unknown source {src:?} (access, execution, flow, lambda)"),
        })?;
        out.push(ScriptLine {
            offset,
            source,
            group: group.trim().to_string(),
            text: text.to_string(),
        });
    }
    Ok(out)
}

fn utc(at: SystemTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::<chrono::Utc>::from(at)
}

/// `2026-11-28T09:00:00.123Z` (drawn for every visible log line, so built
/// from the date's fields rather than by parsing a format string each time).
pub fn iso(at: SystemTime) -> String {
    use chrono::{Datelike, Timelike};
    let t = utc(at);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.timestamp_subsec_millis()
    )
}

/// `28/Nov/2026:09:00:00 +0000`
pub fn clf(at: SystemTime) -> String {
    use chrono::{Datelike, Timelike};
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = utc(at);
    format!(
        "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000",
        t.day(),
        MONTHS[t.month0() as usize % 12],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Replace `{req}` and `{reqN}` with request ids that are the same for every
/// line of one request (same N) within a replay cycle, and new each cycle.
fn fill_request_ids(text: &str, cycle: u64) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(i) = rest.find("{req") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 4..];
        let digits = after.chars().take_while(|c| c.is_ascii_digit()).count();
        if after[digits..].starts_with('}') {
            let n: u64 = after[..digits].parse().unwrap_or(0);
            out.push_str(&format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                0x6b0a_0000u64 + cycle * 0x101 + n,
                cycle & 0xffff,
                n & 0xfff,
                (n * 7 + cycle) & 0xfff,
                0x5eed_0000_0000u64 + n * 0x1_0001 + cycle
            ));
            rest = &after[digits + 1..];
        } else {
            out.push_str("{req");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Fill a script line's placeholders for emission at `at`, in replay cycle `cycle`.
pub fn render(line: &ScriptLine, at: SystemTime, cycle: u64) -> LogLine {
    let epoch = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = epoch.as_secs();
    let text = fill_request_ids(&line.text, cycle)
        .replace("{iso}", &iso(at))
        .replace("{clf}", &clf(at))
        .replace("{epoch_ms}", &epoch.as_millis().to_string())
        .replace("{epoch}", &secs.to_string())
        .replace("{flow_start}", &(secs - secs % 60).to_string())
        .replace("{flow_end}", &(secs - secs % 60 + 60).to_string());
    LogLine {
        source: line.source,
        group: line.group.clone(),
        at,
        text,
        hop: None,
        hops: Vec::new(),
    }
}

/// Replays a script: `due(now)` returns the lines whose time has come.
#[derive(Debug)]
pub struct Replayer {
    script: Vec<ScriptLine>,
    cycle_len: Duration,
    started: SystemTime,
    next: usize,
    cycle: u64,
}

impl Replayer {
    pub fn new(script: Vec<ScriptLine>, started: SystemTime) -> Replayer {
        let cycle_len =
            script.last().map(|l| l.offset).unwrap_or_default() + Duration::from_secs(2);
        Replayer {
            script,
            cycle_len,
            started,
            next: 0,
            cycle: 0,
        }
    }

    /// Lines due at `now`, in order; loops forever.
    pub fn due(&mut self, now: SystemTime) -> Vec<LogLine> {
        let mut out = Vec::new();
        if self.script.is_empty() {
            return out;
        }
        loop {
            let base = self.started + self.cycle_len * self.cycle as u32;
            let Some(line) = self.script.get(self.next) else {
                if base + self.cycle_len <= now {
                    self.cycle += 1;
                    self.next = 0;
                    continue;
                }
                return out;
            };
            let at = base + line.offset;
            if at > now {
                return out;
            }
            out.push(render(line, at, self.cycle));
            self.next += 1;
            if out.len() >= 10_000 {
                return out;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_script_parses() {
        let lines = parse(DEMO_SCRIPT).expect("demo script");
        assert!(lines.len() >= 20);
        for k in SourceKind::ALL {
            assert!(lines.iter().any(|l| l.source == k), "no {k:?} lines");
        }
    }

    #[test]
    fn bad_scripts_say_which_line() {
        assert_eq!(parse("# c\n12\taccess\tg").unwrap_err().line, 2);
        assert!(parse("x\taccess\tg\tt")
            .unwrap_err()
            .msg
            .contains("milliseconds"));
        assert!(parse("5\tsyslog\tg\tt")
            .unwrap_err()
            .msg
            .contains("unknown source"));
        assert!(parse("5\taccess\tg\tt\n4\taccess\tg\tt")
            .unwrap_err()
            .msg
            .contains("decrease"));
    }

    #[test]
    fn timestamps() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_856_400_123);
        assert_eq!(iso(t), "2026-11-28T09:00:00.123Z");
        assert_eq!(clf(t), "28/Nov/2026:09:00:00 +0000");
    }

    #[test]
    fn request_ids_are_shared_within_a_request() {
        let a = fill_request_ids("({req1}) x ({req1}) {req2} {reqX}", 3);
        let parts: Vec<&str> = a.split_whitespace().collect();
        assert_eq!(parts[0], parts[2]);
        assert_ne!(parts[0].trim_matches(|c| c == '(' || c == ')'), parts[3]);
        assert!(a.ends_with("{reqX}"));
        assert_ne!(fill_request_ids("{req1}", 3), fill_request_ids("{req1}", 4));
    }

    #[test]
    fn replay_paces_and_loops() {
        let script = parse("0\taccess\tg\ta {epoch}\n1000\tflow\tg\tb\n").unwrap();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut r = Replayer::new(script, t0);
        assert_eq!(r.due(t0).len(), 1);
        assert!(r.due(t0 + Duration::from_millis(500)).is_empty());
        assert_eq!(r.due(t0 + Duration::from_millis(1000)).len(), 1);
        // cycle is 1 s + 2 s of quiet; the next cycle starts at 3 s
        let next = r.due(t0 + Duration::from_millis(3000));
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].text, "a 1000003");
    }
}
