//! Lambda function logs: the platform lines (`START`, `END`, `REPORT`,
//! `INIT_START`, `INIT_REPORT`), timeouts, init failures and error lines,
//! with the invocation's request id where the line has one. Every line
//! reads as something; text that is none of these is [`LambdaEvent::Log`]
//! (a tab-separated application line) or [`LambdaEvent::Other`].
//!
//! Needs only `std`, so the fuzz targets compile it on its own.

/// One Lambda log line.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaRecord {
    /// The invocation's request id (the API Gateway integration request id).
    pub request_id: Option<String>,
    pub event: LambdaEvent,
}

/// The figures of a `REPORT` (or `INIT_REPORT`) line, each present only when
/// the line has it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub duration_ms: Option<f64>,
    pub billed_ms: Option<f64>,
    pub memory_mb: Option<u64>,
    pub max_memory_mb: Option<u64>,
    pub init_ms: Option<f64>,
    /// `Status: timeout` / `Status: error` (absent on success).
    pub status: Option<String>,
    /// `Error Type: Runtime.ExitError` and the like.
    pub error_type: Option<String>,
    /// `Phase: init` / `Phase: invoke` (INIT_REPORT).
    pub phase: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LambdaEvent {
    /// `START RequestId: … Version: $LATEST`
    Start { version: Option<String> },
    /// `END RequestId: …`
    End,
    /// `REPORT RequestId: …  Duration: … Billed Duration: …`
    Report(Report),
    /// `INIT_START Runtime Version: …`
    InitStart(String),
    /// `INIT_REPORT Init Duration: … Status: error`
    InitReport(Report),
    /// `Task timed out after N seconds`.
    TimedOut { seconds: Option<f64> },
    /// An error during initialisation: `Runtime.ImportModuleError`,
    /// `Runtime.HandlerNotFound`, `Runtime.ExitError` outside an invocation.
    InitError { error_type: String, message: String },
    /// An error line: `[ERROR] …`, a tab-separated line whose level is
    /// `ERROR`, `Invoke Error`, `Runtime exited with error`.
    Error {
        error_type: Option<String>,
        message: String,
    },
    /// A tab-separated application line (`timestamp<TAB>request id<TAB>LEVEL<TAB>message`).
    Log {
        level: Option<String>,
        message: String,
    },
    /// Anything else, unchanged.
    Other(String),
}

/// Error types that mean the function could not start.
const INIT_ERROR_TYPES: [&str; 4] = [
    "Runtime.ImportModuleError",
    "Runtime.HandlerNotFound",
    "Runtime.UserCodeSyntaxError",
    "Runtime.MalformedHandlerName",
];

/// Reads one Lambda log line; never fails.
pub fn parse(line: &str) -> LambdaRecord {
    let line = line.trim_end_matches(['\n', '\r']);
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("START RequestId: ") {
        let (id, tail) = take_id(rest);
        let version = tail
            .find("Version: ")
            .map(|i| {
                tail[i + "Version: ".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .filter(|v| !v.is_empty());
        return rec(id, LambdaEvent::Start { version });
    }
    if let Some(rest) = t.strip_prefix("END RequestId: ") {
        return rec(take_id(rest).0, LambdaEvent::End);
    }
    if let Some(rest) = t.strip_prefix("REPORT RequestId: ") {
        let (id, tail) = take_id(rest);
        return rec(id, LambdaEvent::Report(report(tail)));
    }
    if let Some(rest) = t.strip_prefix("INIT_START ") {
        return rec(None, LambdaEvent::InitStart(rest.trim().to_string()));
    }
    if let Some(rest) = t.strip_prefix("INIT_REPORT ") {
        return rec(None, LambdaEvent::InitReport(report(rest)));
    }
    // `[ERROR] Runtime.ImportModuleError: Unable to import module …` (Python),
    // or `[ERROR]<TAB>timestamp<TAB>request id<TAB>message` (Python logging).
    if let Some(rest) = t.strip_prefix("[ERROR]") {
        let parts: Vec<&str> = rest.trim_start_matches(' ').split('\t').collect();
        if parts.len() >= 4 && parts[0].is_empty() {
            return rec(id_of(parts[2]), error(parts[3..].join("\t")));
        }
        return rec(None, error(rest.trim().to_string()));
    }
    // `timestamp<TAB>request id<TAB>LEVEL<TAB>message` (Node.js and others),
    // and `timestamp request id Task timed out after 3.00 seconds`.
    let tabs: Vec<&str> = t.splitn(4, '\t').collect();
    if tabs.len() == 4 && looks_like_time(tabs[0]) {
        let id = id_of(tabs[1]);
        let level = tabs[2].trim();
        let msg = tabs[3].to_string();
        if level == "ERROR" {
            return rec(id, error(msg));
        }
        return rec(
            id,
            LambdaEvent::Log {
                level: Some(level.to_string()).filter(|l| !l.is_empty()),
                message: msg,
            },
        );
    }
    if let Some(i) = t.find("Task timed out after") {
        let head: Vec<&str> = t[..i].split_whitespace().collect();
        let id = head.last().and_then(|s| id_of(s));
        let secs = t[i + "Task timed out after".len()..]
            .split_whitespace()
            .next()
            .and_then(|s| s.parse().ok());
        return rec(id, LambdaEvent::TimedOut { seconds: secs });
    }
    // `RequestId: … Error: Runtime exited with error: exit status 1`
    if let Some(rest) = t.strip_prefix("RequestId: ") {
        let (id, tail) = take_id(rest);
        let tail = tail.trim();
        if let Some(msg) = tail.strip_prefix("Error: ") {
            return rec(id, error(msg.to_string()));
        }
        return rec(id, LambdaEvent::Other(line.to_string()));
    }
    if INIT_ERROR_TYPES.iter().any(|e| t.contains(e)) || t.starts_with("Runtime exited with error")
    {
        return rec(None, error(t.to_string()));
    }
    rec(None, LambdaEvent::Other(line.to_string()))
}

fn rec(request_id: Option<String>, event: LambdaEvent) -> LambdaRecord {
    LambdaRecord { request_id, event }
}

/// The request id at the start of `s` and the text after it.
fn take_id(s: &str) -> (Option<String>, &str) {
    let end = s.find(|c: char| c.is_whitespace()).unwrap_or(s.len());
    (id_of(&s[..end]), &s[end..])
}

/// A request id: letters, digits and `-`, up to 128 characters.
fn id_of(s: &str) -> Option<String> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= 128
        && s != "undefined"
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then(|| s.to_string())
}

/// `2026-11-28T09:00:00.123Z`-like: starts with four digits and a dash.
fn looks_like_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// Builds an error event, naming the error type when the text gives one:
/// `Runtime.ImportModuleError: …`, or `"errorType":"…"` in a JSON body.
fn error(message: String) -> LambdaEvent {
    let ty = error_type(&message);
    match ty {
        Some(ty) if INIT_ERROR_TYPES.contains(&ty.as_str()) => LambdaEvent::InitError {
            error_type: ty,
            message,
        },
        ty => LambdaEvent::Error {
            error_type: ty,
            message,
        },
    }
}

fn error_type(msg: &str) -> Option<String> {
    if let Some(i) = msg.find("\"errorType\":\"") {
        let rest = &msg[i + "\"errorType\":\"".len()..];
        return rest
            .split('"')
            .next()
            .map(str::to_string)
            .filter(|s| !s.is_empty());
    }
    let first = msg.trim_start().split([':', ' ', '\t', '\n']).next()?;
    let word_like = first.len() > 3
        && first
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        && first.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && (first.contains('.') || first.ends_with("Error") || first.ends_with("Exception"));
    word_like.then(|| first.to_string())
}

/// Reads the `Key: value` figures of a REPORT or INIT_REPORT line.
fn report(tail: &str) -> Report {
    let mut r = Report::default();
    for part in tail.split('\t') {
        let Some((k, v)) = part.split_once(':') else {
            continue;
        };
        let v = v.trim();
        let num = || {
            v.split_whitespace()
                .next()
                .and_then(|n| n.parse::<f64>().ok())
        };
        let int = || {
            v.split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
        };
        match k.trim() {
            "Duration" => r.duration_ms = num(),
            "Billed Duration" => r.billed_ms = num(),
            "Memory Size" => r.memory_mb = int(),
            "Max Memory Used" => r.max_memory_mb = int(),
            "Init Duration" => r.init_ms = num(),
            "Status" => r.status = Some(v.to_string()).filter(|s| !s.is_empty()),
            "Error Type" => r.error_type = Some(v.to_string()).filter(|s| !s.is_empty()),
            "Phase" => r.phase = Some(v.to_string()).filter(|s| !s.is_empty()),
            _ => {}
        }
    }
    r
}

impl LambdaRecord {
    /// Whether the line reports a failure: an error, a timeout, an init
    /// failure, or a REPORT/INIT_REPORT with a status.
    pub fn is_failure(&self) -> bool {
        match &self.event {
            LambdaEvent::Report(r) | LambdaEvent::InitReport(r) => r.status.is_some(),
            LambdaEvent::TimedOut { .. }
            | LambdaEvent::InitError { .. }
            | LambdaEvent::Error { .. } => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "8f507cfc-xmpl-4697-b07a-ac58fc914c95";

    #[test]
    fn start_end_report() {
        let r = parse(&format!("START RequestId: {ID} Version: $LATEST"));
        assert_eq!(r.request_id.as_deref(), Some(ID));
        assert_eq!(
            r.event,
            LambdaEvent::Start {
                version: Some("$LATEST".into())
            }
        );
        let r = parse(&format!("END RequestId: {ID}\n"));
        assert_eq!(
            (r.request_id.as_deref(), &r.event),
            (Some(ID), &LambdaEvent::End)
        );
        let r = parse(&format!(
            "REPORT RequestId: {ID}\tDuration: 38.12 ms\tBilled Duration: 39 ms\tMemory Size: 256 MB\tMax Memory Used: 71 MB\tInit Duration: 181.42 ms\t\nXRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1\tSegmentId: 07f5xmpl2d1f6f85\tSampled: true\t"
        ));
        assert_eq!(r.request_id.as_deref(), Some(ID));
        let LambdaEvent::Report(rep) = &r.event else {
            panic!("{r:?}")
        };
        assert_eq!(rep.duration_ms, Some(38.12));
        assert_eq!(rep.billed_ms, Some(39.0));
        assert_eq!(rep.memory_mb, Some(256));
        assert_eq!(rep.max_memory_mb, Some(71));
        assert_eq!(rep.init_ms, Some(181.42));
        assert_eq!(rep.status, None);
        assert!(!r.is_failure());
    }

    #[test]
    fn timeouts() {
        let r = parse(&format!(
            "REPORT RequestId: {ID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\tStatus: timeout"
        ));
        let LambdaEvent::Report(rep) = &r.event else {
            panic!()
        };
        assert_eq!(rep.status.as_deref(), Some("timeout"));
        assert!(r.is_failure());
        let r = parse(&format!(
            "2026-11-28T09:00:03.012Z {ID} Task timed out after 3.00 seconds"
        ));
        assert_eq!(r.request_id.as_deref(), Some(ID));
        assert_eq!(r.event, LambdaEvent::TimedOut { seconds: Some(3.0) });
        let r = parse("Task timed out after 29.03 seconds");
        assert_eq!(r.request_id, None);
        assert_eq!(
            r.event,
            LambdaEvent::TimedOut {
                seconds: Some(29.03)
            }
        );
    }

    #[test]
    fn init_failures() {
        let r = parse("INIT_REPORT Init Duration: 10005.05 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError");
        let LambdaEvent::InitReport(rep) = &r.event else {
            panic!()
        };
        assert_eq!(rep.init_ms, Some(10005.05));
        assert_eq!(rep.phase.as_deref(), Some("init"));
        assert_eq!(rep.status.as_deref(), Some("error"));
        assert_eq!(rep.error_type.as_deref(), Some("Runtime.ExitError"));
        assert!(r.is_failure());
        let r = parse("[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named 'requests'");
        assert!(
            matches!(&r.event, LambdaEvent::InitError { error_type, .. } if error_type == "Runtime.ImportModuleError")
        );
        let r = parse("2026-11-28T09:00:00.000Z\tundefined\tERROR\tUncaught Exception \t{\"errorType\":\"Runtime.ImportModuleError\",\"errorMessage\":\"Error: Cannot find module 'index'\"}");
        assert_eq!(r.request_id, None);
        assert!(
            matches!(&r.event, LambdaEvent::InitError { error_type, .. } if error_type == "Runtime.ImportModuleError")
        );
        let r = parse("INIT_START Runtime Version: python:3.12.v18\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc");
        assert!(
            matches!(r.event, LambdaEvent::InitStart(ref s) if s.starts_with("Runtime Version"))
        );
        assert!(!r.is_failure());
    }

    #[test]
    fn error_and_log_lines() {
        let r = parse(&format!("2026-11-28T09:00:00.030Z\t{ID}\tERROR\tInvoke Error \t{{\"errorType\":\"TypeError\",\"errorMessage\":\"x is undefined\"}}"));
        assert_eq!(r.request_id.as_deref(), Some(ID));
        assert!(
            matches!(&r.event, LambdaEvent::Error { error_type: Some(t), .. } if t == "TypeError")
        );
        let r = parse(&format!(
            "[ERROR]\t2026-11-28T09:00:00.030Z\t{ID}\tdatabase unreachable"
        ));
        assert_eq!(r.request_id.as_deref(), Some(ID));
        assert!(
            matches!(&r.event, LambdaEvent::Error { error_type: None, message } if message == "database unreachable")
        );
        let r = parse("[ERROR] KeyError: 'petId'\nTraceback (most recent call last):");
        assert!(
            matches!(&r.event, LambdaEvent::Error { error_type: Some(t), .. } if t == "KeyError")
        );
        let r = parse(&format!(
            "RequestId: {ID} Error: Runtime exited with error: exit status 1\nRuntime.ExitError"
        ));
        assert_eq!(r.request_id.as_deref(), Some(ID));
        assert!(matches!(r.event, LambdaEvent::Error { .. }));
        let r = parse(&format!(
            "2026-11-28T09:00:00.030Z\t{ID}\tINFO\tGET /pets -> 200 (20 items)"
        ));
        assert_eq!(r.request_id.as_deref(), Some(ID));
        assert_eq!(
            r.event,
            LambdaEvent::Log {
                level: Some("INFO".into()),
                message: "GET /pets -> 200 (20 items)".into()
            }
        );
        assert!(!r.is_failure());
    }

    #[test]
    fn odd_lines() {
        assert_eq!(parse("").event, LambdaEvent::Other(String::new()));
        assert_eq!(
            parse("hello world").event,
            LambdaEvent::Other("hello world".into())
        );
        // Truncated platform lines keep what they have.
        let r = parse("START RequestId: ");
        assert_eq!(r.request_id, None);
        assert_eq!(r.event, LambdaEvent::Start { version: None });
        let r = parse(&format!(
            "REPORT RequestId: {ID}\tDuration: abc ms\tMemory Size"
        ));
        let LambdaEvent::Report(rep) = &r.event else {
            panic!()
        };
        assert_eq!(rep.duration_ms, None);
        // A request id with odd characters is not taken.
        let r = parse("END RequestId: <script>");
        assert_eq!(r.request_id, None);
        let r = parse("\u{0}\u{1b}[2J\tTask timed out after");
        assert_eq!(r.event, LambdaEvent::TimedOut { seconds: None });
        let r = parse("[ERROR]");
        assert!(matches!(r.event, LambdaEvent::Error { .. }));
    }
}
