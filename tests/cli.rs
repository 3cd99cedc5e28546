//! End-to-end tests: each test runs the real `hoptrace` binary in a scratch
//! directory (its own HOME and XDG_STATE_HOME, so the log file lands there)
//! and checks what a user or a script would see: stdout, stderr, the exit
//! status and the files written.
//!
//! The contract under test is `hoptrace trace --output json`
//! (`hoptrace.trace/v1`), the exit statuses (0 reachable, 1 blocked,
//! 3 undetermined, 2 error with one `hoptrace: error:` line on stderr) and the
//! `demo` / `snapshot` subcommands.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_hoptrace");
const STORIES_JSON: &str = include_str!("../assets/demo/stories.json");

/// The fifteen hops of the contract, in request order.
const HOP_ORDER: [&str; 15] = [
    "instance",
    "dns",
    "route",
    "sg-egress",
    "nacl-client",
    "nacl-endpoint",
    "sg-endpoint",
    "endpoint",
    "endpoint-policy",
    "api",
    "stage",
    "waf",
    "authorization",
    "api-key",
    "integration",
];

/// Hops 1–8 (the network path) are implemented, and 9, 13 and 14 (endpoint
/// policy, authorization, API key); 10, 11, 12 and 15 answer `unknown` with
/// "not evaluated yet".
const IMPLEMENTED: usize = 8;

const PETS_URL: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets";
const WEB: &str = "i-0a0000000000web01";
const BATCH: &str = "i-0a00000000batch01";

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// A scratch directory with its own HOME and state directory.
struct Sandbox {
    dir: TempDir,
}

/// What one run of the binary produced.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("create temp dir");
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        std::fs::create_dir_all(dir.path().join("state")).unwrap();
        Sandbox { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    fn state(&self) -> PathBuf {
        self.path("state")
    }

    /// Where the binary logs by default in this sandbox.
    fn log_file(&self) -> PathBuf {
        self.state().join("hoptrace").join("hoptrace.log")
    }

    /// A command with a controlled environment: no colour or log settings
    /// inherited from whoever runs the tests.
    fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("HOME", self.home())
            .env("XDG_STATE_HOME", self.state())
            .env_remove("NO_COLOR")
            .env_remove("HOPTRACE_LOG")
            .env_remove("HOPTRACE_ELAPSED_MS")
            .env_remove("RUST_LOG")
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run_command(self.command(args))
    }

    /// `hoptrace demo export --out NAME` into the sandbox; returns the path.
    fn export_world(&self, name: &str) -> PathBuf {
        let out = self.path(name);
        let r = self.run([
            OsStr::new("demo"),
            OsStr::new("export"),
            OsStr::new("--out"),
            out.as_os_str(),
        ]);
        assert_eq!(r.code, Some(0), "demo export failed: {r:?}");
        assert!(
            out.is_file(),
            "demo export did not create {}",
            out.display()
        );
        out
    }

    /// Write `text` to a new file in the sandbox; returns its path.
    fn write(&self, name: &str, text: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn run_command(mut cmd: Command) -> Run {
    let out = cmd.output().expect("run hoptrace");
    let r = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !r.stderr.contains("panicked") && !r.stdout.contains("panicked"),
        "hoptrace panicked: {r:?}"
    );
    assert!(r.code.is_some(), "hoptrace was killed by a signal: {r:?}");
    r
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

/// A failure reported by hoptrace itself: status 2, nothing on stdout and
/// exactly one stderr line starting `hoptrace: error:` containing `needles`.
fn assert_error_line(r: &Run, needles: &[&str]) {
    assert_eq!(r.code, Some(2), "expected exit status 2: {r:?}");
    assert!(
        r.stdout.is_empty(),
        "an error must not print to stdout: {r:?}"
    );
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected exactly one line on stderr: {r:?}");
    assert!(
        r.stderr.ends_with('\n'),
        "the error line should end with a newline: {r:?}"
    );
    let line = lines[0];
    assert!(
        line.starts_with("hoptrace: error: "),
        "bad error prefix: {line:?}"
    );
    assert!(
        line.len() > "hoptrace: error: ".len() + 10,
        "the error line says too little: {line:?}"
    );
    for n in needles {
        assert!(line.contains(n), "error line {line:?} should mention {n:?}");
    }
}

/// A command-line usage error caught by clap: status 2 and no panic.
fn assert_usage_error(r: &Run) {
    assert_eq!(r.code, Some(2), "expected exit status 2: {r:?}");
    assert!(
        r.stdout.is_empty(),
        "a usage error must not print to stdout: {r:?}"
    );
    assert!(
        !r.stderr.trim().is_empty(),
        "a usage error must say something: {r:?}"
    );
    // One line, like every other error.
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("hoptrace: error: "), "{}", r.stderr);
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{text}"))
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .unwrap_or_else(|| panic!("missing key {key:?} in {v}"))
        .as_str()
        .unwrap_or_else(|| panic!("{key:?} is not a string in {v}"))
}

/// Run a trace with JSON output; returns the run and the parsed document.
fn trace_json(sb: &Sandbox, args: &[&OsStr]) -> (Run, Value) {
    let mut all: Vec<&OsStr> = vec![os("trace"), os("--output"), os("json")];
    all.extend_from_slice(args);
    let r = sb.run(&all);
    assert!(
        matches!(r.code, Some(0 | 1 | 3)),
        "trace should succeed with a verdict status: {r:?}"
    );
    assert!(
        r.stderr.is_empty(),
        "a successful trace prints nothing on stderr: {r:?}"
    );
    let v = parse_json(&r.stdout);
    (r, v)
}

fn hop<'a>(t: &'a Value, name: &str) -> &'a Value {
    t["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["hop"] == name)
        .unwrap_or_else(|| panic!("no hop {name:?}"))
}

fn hop_verdicts(t: &Value) -> Vec<(String, String)> {
    t["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                str_field(h, "hop").to_string(),
                str_field(h, "verdict").to_string(),
            )
        })
        .collect()
}

/// Check one `hoptrace.trace/v1` document against the contract, and its
/// exit status against its verdict.
fn assert_trace_contract(t: &Value, code: Option<i32>) {
    let obj = t
        .as_object()
        .unwrap_or_else(|| panic!("trace is not an object: {t}"));
    for key in [
        "schema",
        "request",
        "verdict",
        "first_block",
        "hops",
        "response",
        "stats",
    ] {
        assert!(obj.contains_key(key), "trace lacks {key:?}: {t}");
    }
    assert_eq!(t["schema"], "hoptrace.trace/v1");

    // request
    let req = &t["request"];
    assert!(req.is_object(), "request is not an object: {req}");
    for key in ["from", "method", "url"] {
        assert!(!str_field(req, key).is_empty(), "request.{key} is empty");
    }
    assert!(str_field(req, "url").starts_with("https://"));
    let headers = req["headers"]
        .as_object()
        .expect("request.headers is an object");
    for (k, v) in headers {
        assert!(!k.is_empty());
        assert!(v.is_string(), "header {k} has a non-string value {v}");
    }
    let auth = str_field(req, "auth");
    assert!(
        matches!(auth, "none" | "sigv4" | "bearer"),
        "bad auth {auth:?}"
    );

    // hops
    let hops = t["hops"].as_array().expect("hops is an array");
    let names: Vec<&str> = hops.iter().map(|h| str_field(h, "hop")).collect();
    assert_eq!(names, HOP_ORDER, "hops are not the fifteen hops in order");
    for h in hops {
        let v = str_field(h, "verdict");
        assert!(
            matches!(v, "allow" | "deny" | "unknown" | "skip"),
            "bad hop verdict {v:?}"
        );
        assert!(
            !str_field(h, "reason").trim().is_empty(),
            "hop without a reason: {h}"
        );
        str_field(h, "deciding");
        for key in ["resources", "notes"] {
            let arr = h[key]
                .as_array()
                .unwrap_or_else(|| panic!("hop {key} is not an array: {h}"));
            assert!(
                arr.iter().all(Value::is_string),
                "hop {key} holds non-strings: {h}"
            );
        }
        if v == "deny" {
            assert!(
                !str_field(h, "deciding").trim().is_empty(),
                "a denying hop must name the deciding field: {h}"
            );
        }
    }

    // verdict against the hops
    let first_deny = hops
        .iter()
        .find(|h| h["verdict"] == "deny")
        .map(|h| str_field(h, "hop"));
    let any_unknown = hops.iter().any(|h| h["verdict"] == "unknown");
    let expected = match (first_deny, any_unknown) {
        (Some(_), _) => "blocked",
        (None, true) => "undetermined",
        (None, false) => "reachable",
    };
    assert_eq!(
        t["verdict"],
        expected,
        "verdict disagrees with the hops: {:?}",
        hop_verdicts(t)
    );
    match first_deny {
        Some(name) => assert_eq!(
            t["first_block"], name,
            "first_block is not the first denying hop"
        ),
        None => assert!(
            t["first_block"].is_null(),
            "first_block must be null without a deny"
        ),
    }
    let expected_code = match expected {
        "reachable" => 0,
        "blocked" => 1,
        _ => 3,
    };
    assert_eq!(
        code,
        Some(expected_code),
        "exit status disagrees with verdict {expected}"
    );

    // response: present exactly when the trace is blocked; an HTTP status,
    // or null with the client's own error.
    let resp = &t["response"];
    assert_eq!(
        resp.is_null(),
        expected != "blocked",
        "response must be set for a blocked trace only: {resp}"
    );
    if !resp.is_null() {
        let obj = resp.as_object().expect("response is an object");
        for key in [
            "status",
            "error_type",
            "message",
            "gateway_response",
            "client_error",
            "http_answer",
            "reaches_access_log",
            "customised",
        ] {
            assert!(obj.contains_key(key), "response.{key} missing: {resp}");
        }
        assert!(
            resp["status"].is_u64() || resp["client_error"].is_string(),
            "response needs a status or a client_error: {resp}"
        );
        if resp["status"].is_null() {
            assert!(resp["error_type"].is_null() && resp["message"].is_null());
        }
        assert!(
            resp["reaches_access_log"].is_boolean() || resp["reaches_access_log"].is_null(),
            "{resp}"
        );
    }

    // stats
    let stats = t["stats"].as_object().expect("stats is an object");
    for key in ["aws_calls", "aws_rounds", "elapsed_ms"] {
        assert!(
            stats.get(key).is_some_and(Value::is_u64),
            "stats.{key} is not a count: {stats:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Demo stories
// ---------------------------------------------------------------------------

struct Story {
    instance: String,
    name: String,
    method: String,
    url: String,
    headers: Vec<String>,
    tls: String,
}

fn stories() -> Vec<Story> {
    let v: Value = serde_json::from_str(STORIES_JSON).expect("stories.json parses");
    v.as_array()
        .expect("stories.json is an array")
        .iter()
        .map(|s| Story {
            instance: str_field(s, "instance").into(),
            name: str_field(s, "name").into(),
            method: str_field(s, "method").into(),
            url: str_field(s, "url").into(),
            headers: s["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap().to_string())
                .collect(),
            tls: str_field(s, "tls").into(),
        })
        .collect()
}

impl Story {
    /// The trace arguments (after `trace`) that replay this story.
    fn args(&self, source: &[&OsStr]) -> Vec<std::ffi::OsString> {
        let mut a: Vec<std::ffi::OsString> = source.iter().map(|s| s.to_os_string()).collect();
        a.extend([
            "--from".into(),
            self.instance.clone().into(),
            "-X".into(),
            self.method.clone().into(),
        ]);
        for h in &self.headers {
            a.push("-H".into());
            a.push(h.into());
        }
        a.extend([
            "--tls".into(),
            self.tls.clone().into(),
            self.url.clone().into(),
        ]);
        a
    }
}

fn trace_story(sb: &Sandbox, s: &Story, source: &[&OsStr]) -> (Run, Value) {
    let args = s.args(source);
    let refs: Vec<&OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    trace_json(sb, &refs)
}

/// What each story must show: (name, verdict, first_block).
const EXPECTED: [(&str, &str, Option<&str>); 27] = [
    ("web-1", "reachable", None),
    ("batch-1", "blocked", Some("sg-egress")),
    ("reporting-1", "blocked", Some("sg-endpoint")),
    ("legacy-1", "blocked", Some("nacl-client")),
    ("win-1", "undetermined", None),
    ("analytics-1", "blocked", Some("dns")),
    ("partner-1", "reachable", None),
    ("ops-1", "blocked", Some("route")),
    ("tools-1", "blocked", Some("api")),
    ("audit-1", "blocked", Some("endpoint")),
    ("kiosk-1", "blocked", Some("instance")),
    ("ledger-1", "blocked", Some("endpoint-policy")),
    ("stock-1", "blocked", Some("authorization")),
    ("poster-1", "blocked", Some("authorization")),
    ("jobs-1", "undetermined", None),
    ("orders-1", "blocked", Some("api-key")),
    ("admin-1", "undetermined", None),
    ("quotes-1", "blocked", Some("integration")),
    ("labels-1", "undetermined", None),
    ("typo-1", "blocked", Some("stage")),
    ("parcels-1", "blocked", Some("stage")),
    ("tracking-1", "blocked", Some("stage")),
    ("carrier-1", "blocked", Some("integration")),
    ("dispatch-1", "blocked", Some("integration")),
    ("domain-1", "blocked", Some("api")),
    ("billing-1", "undetermined", None),
    ("manifest-1", "blocked", Some("authorization")),
];

/// Hops 9, 13 and 14 of each story: (name, endpoint-policy, authorization, api-key).
const AUTH_HOPS: [(&str, &str, &str, &str); 27] = [
    ("web-1", "allow", "allow", "allow"),
    ("batch-1", "allow", "allow", "allow"),
    ("reporting-1", "allow", "allow", "allow"),
    ("legacy-1", "allow", "allow", "allow"),
    ("win-1", "allow", "allow", "allow"),
    ("analytics-1", "skip", "skip", "skip"),
    ("partner-1", "allow", "allow", "allow"),
    ("ops-1", "allow", "allow", "allow"),
    ("tools-1", "allow", "skip", "skip"),
    ("audit-1", "allow", "allow", "allow"),
    ("kiosk-1", "allow", "allow", "allow"),
    ("ledger-1", "deny", "allow", "allow"),
    ("stock-1", "allow", "deny", "allow"),
    ("poster-1", "allow", "deny", "allow"),
    ("jobs-1", "allow", "allow", "allow"),
    ("orders-1", "allow", "allow", "deny"),
    ("admin-1", "allow", "unknown", "allow"),
    ("quotes-1", "allow", "allow", "allow"),
    ("labels-1", "allow", "allow", "allow"),
    ("typo-1", "allow", "skip", "skip"),
    ("parcels-1", "allow", "skip", "skip"),
    ("tracking-1", "allow", "skip", "skip"),
    ("carrier-1", "allow", "allow", "allow"),
    ("dispatch-1", "allow", "allow", "allow"),
    ("domain-1", "allow", "allow", "allow"),
    ("billing-1", "allow", "unknown", "allow"),
    ("manifest-1", "allow", "deny", "allow"),
];

/// Hops 10-12 and 15 of each story: (name, api, stage, waf, integration).
/// No demo stage has a web ACL; the pets API proxies to a Lambda function
/// that allows it, orders goes through a VPC link (unknown), workflows to
/// Step Functions (unknown), inventory and /admin are MOCKs.
const API_HOPS: [(&str, &str, &str, &str, &str); 27] = [
    ("web-1", "allow", "allow", "skip", "allow"),
    ("batch-1", "allow", "allow", "skip", "allow"),
    ("reporting-1", "allow", "allow", "skip", "allow"),
    ("legacy-1", "allow", "allow", "skip", "allow"),
    ("win-1", "allow", "allow", "skip", "allow"),
    ("analytics-1", "skip", "skip", "skip", "skip"),
    ("partner-1", "allow", "allow", "skip", "allow"),
    ("ops-1", "allow", "allow", "skip", "allow"),
    ("tools-1", "deny", "allow", "skip", "skip"),
    ("audit-1", "allow", "allow", "skip", "unknown"),
    ("kiosk-1", "allow", "allow", "skip", "allow"),
    ("ledger-1", "allow", "allow", "skip", "allow"),
    ("stock-1", "allow", "allow", "skip", "allow"),
    ("poster-1", "allow", "allow", "skip", "allow"),
    ("jobs-1", "allow", "allow", "skip", "unknown"),
    ("orders-1", "allow", "allow", "skip", "unknown"),
    ("admin-1", "allow", "allow", "skip", "allow"),
    ("quotes-1", "allow", "allow", "skip", "deny"),
    ("labels-1", "allow", "allow", "skip", "unknown"),
    ("typo-1", "allow", "deny", "skip", "skip"),
    ("parcels-1", "allow", "deny", "skip", "skip"),
    ("tracking-1", "allow", "deny", "skip", "skip"),
    ("carrier-1", "allow", "allow", "skip", "deny"),
    ("dispatch-1", "allow", "allow", "skip", "deny"),
    ("domain-1", "deny", "allow", "skip", "allow"),
    ("billing-1", "allow", "allow", "skip", "allow"),
    ("manifest-1", "allow", "allow", "skip", "allow"),
];

fn assert_first_hops_allow(t: &Value, story: &str) {
    let v = hop_verdicts(t);
    for (hop, verdict) in &v[..IMPLEMENTED] {
        assert_eq!(verdict, "allow", "{story}: hop {hop} should allow: {v:?}");
    }
}

/// The story-specific facts beyond verdict and first block.
fn assert_story_details(name: &str, t: &Value) {
    match name {
        "web-1" | "partner-1" => assert_first_hops_allow(t, name),
        "win-1" => {
            assert_eq!(
                hop(t, "nacl-client")["verdict"],
                "unknown",
                "win-1: the partial return range is unknown"
            );
        }
        "tools-1" => {
            let notes = hop(t, "dns")["notes"].as_array().unwrap();
            assert!(
                notes.iter().any(|n| n.as_str().unwrap().contains("H2.6")),
                "tools-1: the dns hop should carry an H2.6 note: {notes:?}"
            );
            // H10.3: the regional API refuses calls through the endpoint.
            assert_eq!(hop(t, "api")["check"], "H10.3");
            assert_response(t, 403, "", "Forbidden");
        }
        "kiosk-1" => {
            // A stopped instance blocks, but the rest of the path is still checked.
            for (hop, verdict) in &hop_verdicts(t)[1..IMPLEMENTED] {
                assert_ne!(
                    verdict, "skip",
                    "kiosk-1: hop {hop} should still be checked"
                );
            }
        }
        "ledger-1" => {
            let h = hop(t, "endpoint-policy");
            assert_eq!(h["check"], "H9.3", "ledger-1: {h}");
            assert!(
                str_field(h, "deciding").contains("vpce-0a3c4d5e6f7a80003 PolicyDocument"),
                "ledger-1: {h}"
            );
            assert_response(
                t,
                403,
                "AccessDeniedException",
                "because no VPC endpoint policy allows the execute-api:Invoke action",
            );
        }
        "stock-1" => {
            let h = hop(t, "authorization");
            assert!(
                str_field(h, "deciding").contains("DenyOutsideOurEndpoint"),
                "stock-1: {h}"
            );
            assert_response(
                t,
                403,
                "AccessDeniedException",
                "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:i4n5v6e7n8/prod/GET/items with an explicit deny",
            );
        }
        "poster-1" => {
            assert_eq!(t["request"]["auth"], "none");
            assert_response(
                t,
                403,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            );
        }
        "jobs-1" => {
            assert_eq!(t["request"]["auth"], "sigv4");
            let h = hop(t, "authorization");
            assert!(str_field(h, "reason").contains("Table A"), "jobs-1: {h}");
            assert!(
                str_field(h, "deciding")
                    .contains("iam:GetRolePolicy web-app-role invoke-workflows"),
                "jobs-1: {h}"
            );
            let notes = h["notes"].as_array().unwrap();
            assert!(
                notes.iter().any(|n| n.as_str().unwrap().contains("SCPs")),
                "jobs-1: SCPs must be named as not evaluated: {notes:?}"
            );
        }
        "orders-1" => assert_response(t, 403, "ForbiddenException", "Forbidden"),
        "admin-1" => {
            let h = hop(t, "authorization");
            assert!(
                str_field(h, "reason").contains("Lambda authorizer"),
                "admin-1: {h}"
            );
            assert!(t["response"].is_null(), "admin-1: {}", t["response"]);
        }
        "audit-1" => {
            let headers = t["request"]["headers"].as_object().unwrap();
            assert!(
                headers.contains_key("Host"),
                "audit-1 sends a Host header: {headers:?}"
            );
            assert!(
                headers.contains_key("x-api-key"),
                "audit-1 sends an API key: {headers:?}"
            );
        }
        "quotes-1" => {
            assert!(
                str_field(hop(t, "integration"), "reason").contains("s5h6i7p8g9/prod/GET/quotes"),
                "quotes-1"
            );
            assert_response(
                t,
                500,
                "InternalServerErrorException",
                "Internal server error",
            );
            assert_eq!(t["response"]["gateway_response"], "API_CONFIGURATION_ERROR");
        }
        "labels-1" => assert!(
            str_field(hop(t, "integration"), "reason").contains("ANY method is not documented"),
            "labels-1: {}",
            hop(t, "integration")
        ),
        "typo-1" => {
            assert_eq!(hop(t, "stage")["check"], "H11.1");
            assert_response(t, 403, "", "Forbidden");
            assert_eq!(t["response"]["reaches_access_log"], false);
        }
        "parcels-1" | "tracking-1" => {
            assert_eq!(hop(t, "stage")["check"], "H11.3");
            assert_response(
                t,
                403,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            );
            let undeployed = hop(t, "stage")["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n.as_str().unwrap().contains("undeployed changes"));
            assert_eq!(
                undeployed,
                name == "tracking-1",
                "{name}: {}",
                hop(t, "stage")
            );
        }
        "carrier-1" => {
            assert!(str_field(hop(t, "integration"), "deciding")
                .contains("GetVpcLink vl0carrier status=FAILED"));
            assert!(t["response"]["status"].is_null() && t["response"]["client_error"].is_string());
        }
        "dispatch-1" => {
            assert_eq!(hop(t, "integration")["check"], "H15.4");
            assert_response(
                t,
                500,
                "InternalServerErrorException",
                "Internal server error",
            );
        }
        "domain-1" => {
            assert_eq!(hop(t, "api")["check"], "H10.4");
            // The API is known; whether a refusal here is logged is not documented.
            assert!(t["response"]["reaches_access_log"].is_null());
        }
        "analytics-1" => {
            // Private DNS off, but a NAT gateway: the public endpoint answers.
            assert_eq!(hop(t, "route")["check"], "H3.5", "analytics-1");
            assert_response(t, 403, "", "Forbidden");
        }
        "billing-1" => {
            let h = hop(t, "authorization");
            assert_eq!(h["check"], "H13.0");
            assert!(
                str_field(h, "reason").contains("with the saved policy the answer is allow"),
                "billing-1: {h}"
            );
        }
        "manifest-1" => {
            assert_eq!(hop(t, "authorization")["check"], "H13.6");
            assert_eq!(t["response"]["status"], 500);
            assert_eq!(
                t["response"]["gateway_response"],
                "AUTHORIZER_CONFIGURATION_ERROR"
            );
        }
        _ => {}
    }
}

/// The predicted client response of a blocked story.
fn assert_response(t: &Value, status: u64, error_type: &str, message: &str) {
    let r = &t["response"];
    assert_eq!(r["status"], status, "response: {r}");
    // "" stands for no documented x-amzn-ErrorType.
    let want = if error_type.is_empty() {
        Value::Null
    } else {
        Value::from(error_type)
    };
    assert_eq!(r["error_type"], want, "response: {r}");
    assert!(
        str_field(r, "message").contains(message),
        "response message {} should contain {message:?}",
        r["message"]
    );
}

/// The trace without its timing, for comparing two runs.
fn without_timing(mut t: Value) -> Value {
    t["stats"]["elapsed_ms"] = Value::Null;
    t
}

#[test]
fn elapsed_ms_can_be_pinned_for_snapshot_tests() {
    let sb = Sandbox::new();
    let pinned = || {
        let mut cmd = sb.command([
            "trace",
            "--demo",
            "--from",
            "i-0a0000000000web01",
            "--output",
            "json",
            "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets",
        ]);
        cmd.env("HOPTRACE_ELAPSED_MS", "7");
        run_command(cmd)
    };
    let r = pinned();
    let t = parse_json(&r.stdout);
    assert_eq!(t["stats"]["elapsed_ms"], 7, "{}", r.stdout);
    // Two runs are then identical to the byte.
    assert_eq!(pinned().stdout, r.stdout);
}

#[test]
fn every_story_is_expected_here() {
    let names: Vec<String> = stories().into_iter().map(|s| s.name).collect();
    let expected: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    assert_eq!(
        names, expected,
        "stories.json and this test's expectations differ"
    );
    let auth: Vec<&str> = AUTH_HOPS.iter().map(|e| e.0).collect();
    assert_eq!(
        names, auth,
        "stories.json and this test's hop 9/13/14 expectations differ"
    );
}

#[test]
fn every_story_traces_as_its_text_says_on_demo_and_snapshot() {
    let sb = Sandbox::new();
    let file = sb.export_world("world.json");
    for s in stories() {
        let (_, want_verdict, want_block) = *EXPECTED
            .iter()
            .find(|e| e.0 == s.name)
            .unwrap_or_else(|| panic!("no expectation for story {}", s.name));

        let (run, t) = trace_story(&sb, &s, &[os("--demo")]);
        assert_trace_contract(&t, run.code);
        assert_eq!(
            t["verdict"],
            want_verdict,
            "{}: {:?}",
            s.name,
            hop_verdicts(&t)
        );
        match want_block {
            Some(b) => assert_eq!(t["first_block"], b, "{}: {:?}", s.name, hop_verdicts(&t)),
            None => assert!(t["first_block"].is_null(), "{}", s.name),
        }
        assert_eq!(t["request"]["from"], s.instance.as_str());
        assert_eq!(t["request"]["url"], s.url.as_str());
        let (_, h10, h11, h12, h15) = *API_HOPS
            .iter()
            .find(|e| e.0 == s.name)
            .unwrap_or_else(|| panic!("no hop 10/11/12/15 expectation for story {}", s.name));
        for (name, want) in [
            ("api", h10),
            ("stage", h11),
            ("waf", h12),
            ("integration", h15),
        ] {
            assert_eq!(
                hop(&t, name)["verdict"],
                want,
                "{}: hop {name}: {}",
                s.name,
                hop(&t, name)["reason"]
            );
        }
        let (_, h9, h13, h14) = *AUTH_HOPS
            .iter()
            .find(|e| e.0 == s.name)
            .unwrap_or_else(|| panic!("no hop 9/13/14 expectation for story {}", s.name));
        for (name, want) in [
            ("endpoint-policy", h9),
            ("authorization", h13),
            ("api-key", h14),
        ] {
            assert_eq!(
                hop(&t, name)["verdict"],
                want,
                "{}: hop {name}: {}",
                s.name,
                hop(&t, name)
            );
        }
        // A block before API Gateway has no status and never reaches its logs.
        if let Some(
            "instance" | "dns" | "route" | "sg-egress" | "nacl-client" | "nacl-endpoint"
            | "sg-endpoint" | "endpoint",
        ) = t["first_block"].as_str()
        {
            // Only a name that resolves to the public endpoint gets an HTTP
            // answer (403 from the public endpoint, through NAT).
            let status = &t["response"]["status"];
            assert!(
                status.is_null() || (t["first_block"] == "dns" && status == 403),
                "{}: {}",
                s.name,
                t["response"]
            );
            // Nothing reaches the API's logs; only the STRICT refusal (H8.4),
            // an answer from API Gateway itself, is undocumented either way.
            let logged = &t["response"]["reaches_access_log"];
            if hop(&t, "endpoint")["check"] == "H8.4" {
                assert!(logged.is_null(), "{}: {logged}", s.name);
            } else {
                assert_eq!(logged, false, "{}", s.name);
            }
        }
        // Offline traces call no AWS API.
        assert_eq!(t["stats"]["aws_calls"], 0, "{}", s.name);
        assert_story_details(&s.name, &t);

        // The exported snapshot is the same world: the same trace.
        let (run2, t2) = trace_story(&sb, &s, &[os("--snapshot"), file.as_os_str()]);
        assert_trace_contract(&t2, run2.code);
        assert_eq!(
            run2.code, run.code,
            "{}: demo and snapshot exit differently",
            s.name
        );
        assert_eq!(
            without_timing(t2),
            without_timing(t),
            "{}: the exported snapshot traces differently from --demo",
            s.name
        );
    }
}

// ---------------------------------------------------------------------------
// 1. The JSON contract
// ---------------------------------------------------------------------------

#[test]
fn trace_json_contract_on_the_demo_world() {
    let sb = Sandbox::new();
    let (r, t) = trace_json(&sb, &[os("--demo"), os("--from"), os(WEB), os(PETS_URL)]);
    assert_trace_contract(&t, r.code);
    assert_eq!(t["verdict"], "reachable");
    let req = &t["request"];
    assert_eq!(req["from"], WEB);
    assert_eq!(req["method"], "GET");
    assert_eq!(req["url"], PETS_URL);
    assert_eq!(req["auth"], "none");
    assert_eq!(req["headers"], serde_json::json!({}));
    assert!(t["response"].is_null() || t["response"].is_object());
}

#[test]
fn trace_json_contract_on_an_exported_snapshot() {
    let sb = Sandbox::new();
    let file = sb.export_world("world.json");
    let (r, t) = trace_json(
        &sb,
        &[
            os("--snapshot"),
            file.as_os_str(),
            os("--from"),
            os(BATCH),
            os(PETS_URL),
        ],
    );
    assert_trace_contract(&t, r.code);
    assert_eq!(t["verdict"], "blocked");
    assert_eq!(t["first_block"], "sg-egress");
    assert_eq!(r.code, Some(1));
}

#[test]
fn trace_request_summary_reflects_the_flags() {
    let sb = Sandbox::new();
    let (r, t) = trace_json(
        &sb,
        &[
            os("--demo"),
            os("--from"),
            os(WEB),
            os("-X"),
            os("post"),
            os("-H"),
            os("Authorization: Bearer abc.def"),
            os("-H"),
            os("x-api-key:   k3y  "),
            os(PETS_URL),
        ],
    );
    assert_trace_contract(&t, r.code);
    let req = &t["request"];
    assert_eq!(req["method"], "POST");
    assert_eq!(req["auth"], "bearer");
    assert_eq!(req["headers"]["Authorization"], "Bearer abc.def");
    assert_eq!(req["headers"]["x-api-key"], "k3y");

    let (r, t) = trace_json(
        &sb,
        &[
            os("--demo"),
            os("--from"),
            os(WEB),
            os("--sigv4"),
            os("--tls"),
            os("1.3"),
            os(PETS_URL),
        ],
    );
    assert_trace_contract(&t, r.code);
    assert_eq!(t["request"]["auth"], "sigv4");
    assert_eq!(t["request"]["tls"], "1.3");
}

// ---------------------------------------------------------------------------
// 2. Exit statuses
// ---------------------------------------------------------------------------

#[test]
fn exit_status_1_when_blocked() {
    let sb = Sandbox::new();
    let r = sb.run(["trace", "--demo", "--from", BATCH, PETS_URL]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
}

#[test]
fn exit_status_3_when_undetermined() {
    // win-1: only part of the Windows ephemeral range may return.
    let sb = Sandbox::new();
    let r = sb.run([
        "trace",
        "--demo",
        "--from",
        "i-0a000000windows01",
        "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets/42",
    ]);
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
}

#[test]
fn exit_status_0_when_reachable() {
    let sb = Sandbox::new();
    let r = sb.run(["trace", "--demo", "--from", WEB, PETS_URL]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("verdict: REACHABLE"), "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
}

/// Every overall verdict maps to its exit status.
#[test]
fn overall_verdicts_map_to_exit_statuses() {
    use hoptrace::trace::HopId;
    use hoptrace::trace::Overall;
    assert_eq!(Overall::Reachable.exit_code(), 0);
    assert_eq!(Overall::Blocked.exit_code(), 1);
    assert_eq!(Overall::Undetermined.exit_code(), 3);
    assert_eq!(hoptrace::cli::EXIT_ERROR, 2);
    assert_eq!(Overall::Reachable.as_str(), "reachable");
    assert_eq!(Overall::Blocked.as_str(), "blocked");
    assert_eq!(Overall::Undetermined.as_str(), "undetermined");
    for o in [Overall::Reachable, Overall::Blocked, Overall::Undetermined] {
        assert_eq!(serde_json::to_value(o).unwrap(), o.as_str());
        assert_ne!(o.exit_code(), hoptrace::cli::EXIT_ERROR);
    }
    // The hop enum spells the contract's names, in order, with rulebook numbers.
    let names: Vec<&str> = HopId::ALL.iter().map(|h| h.as_str()).collect();
    assert_eq!(names, HOP_ORDER);
    for (i, h) in HopId::ALL.iter().enumerate() {
        assert_eq!(h.number() as usize, i + 1);
        assert_eq!(serde_json::to_value(h).unwrap(), h.as_str());
        assert_eq!(h.as_str().parse::<HopId>(), Ok(*h));
    }
    assert!("sg_egress".parse::<HopId>().is_err());
    assert_eq!(hoptrace::trace::TRACE_SCHEMA, "hoptrace.trace/v1");
}

// ---------------------------------------------------------------------------
// 3. Bad input: status 2, one line, no panic
// ---------------------------------------------------------------------------

fn trace_snapshot(sb: &Sandbox, file: &Path) -> Run {
    sb.run([
        os("trace"),
        os("--snapshot"),
        file.as_os_str(),
        os("--from"),
        os(WEB),
        os(PETS_URL),
    ])
}

/// The exported demo world, edited by `edit`, written to a new file.
fn edited_world(sb: &Sandbox, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut v: Value = serde_json::from_str(hoptrace::demo::WORLD_JSON).unwrap();
    edit(&mut v);
    sb.write(name, serde_json::to_string_pretty(&v).unwrap().as_bytes())
}

#[test]
fn error_missing_snapshot_file() {
    let sb = Sandbox::new();
    let missing = sb.path("no-such-snapshot.json");
    let r = trace_snapshot(&sb, &missing);
    assert_error_line(&r, &["no-such-snapshot.json"]);
}

#[test]
fn error_snapshot_is_a_directory() {
    let sb = Sandbox::new();
    let r = trace_snapshot(&sb, &sb.home());
    assert_error_line(&r, &[&sb.home().display().to_string()]);
}

#[test]
fn error_malformed_json_names_file_line_and_column() {
    let sb = Sandbox::new();
    let f = sb.write("malformed.json", b"{\n  \"schema\": oops\n}\n");
    let r = trace_snapshot(&sb, &f);
    assert_error_line(&r, &["malformed.json", "line 2", "column 13"]);

    let f = sb.write("garbage.json", b"\xff\xfe not json at all");
    let r = trace_snapshot(&sb, &f);
    assert_error_line(&r, &["garbage.json", "line 1", "column"]);
}

#[test]
fn error_truncated_json_says_truncated() {
    let sb = Sandbox::new();
    let whole = hoptrace::demo::WORLD_JSON.as_bytes();
    let f = sb.write("cut.json", &whole[..whole.len() / 2]);
    let r = trace_snapshot(&sb, &f);
    assert_error_line(&r, &["cut.json", "truncated"]);
}

#[test]
fn error_wrong_field_type_names_the_json_path() {
    let sb = Sandbox::new();
    let f = edited_world(&sb, "dns-type.json", |v| {
        v["vpcs"][0]["EnableDnsSupport"] = "yes".into()
    });
    let r = trace_snapshot(&sb, &f);
    assert_error_line(&r, &["dns-type.json", "$.vpcs[0].EnableDnsSupport"]);

    let f = edited_world(&sb, "cidr-type.json", |v| {
        v["subnets"][1]["CidrBlock"] = 42.into()
    });
    let r = trace_snapshot(&sb, &f);
    assert_error_line(&r, &["cidr-type.json", "$.subnets[1].CidrBlock"]);
}

#[test]
fn error_wrong_schema_string() {
    let sb = Sandbox::new();
    let f = edited_world(&sb, "schema.json", |v| {
        v["schema"] = "hoptrace.snapshot/v0".into()
    });
    let r = trace_snapshot(&sb, &f);
    assert_error_line(
        &r,
        &[
            "schema.json",
            "hoptrace.snapshot/v0",
            "hoptrace.snapshot/v1",
        ],
    );

    // A wrong schema wins over a shape error further down.
    let f = edited_world(&sb, "schema-and-shape.json", |v| {
        v["schema"] = "something-else/v3".into();
        v["vpcs"][0]["EnableDnsSupport"] = "yes".into();
    });
    let r = trace_snapshot(&sb, &f);
    assert_error_line(&r, &["schema-and-shape.json", "something-else/v3"]);
}

#[test]
fn error_empty_snapshot_file() {
    let sb = Sandbox::new();
    for (name, text) in [("empty.json", &b""[..]), ("blank.json", &b"  \n\t\n"[..])] {
        let f = sb.write(name, text);
        let r = trace_snapshot(&sb, &f);
        assert_error_line(&r, &[name, "empty"]);
    }
}

#[test]
fn error_invalid_snapshot_content() {
    let sb = Sandbox::new();
    let f = edited_world(&sb, "no-region.json", |v| v["region"] = "".into());
    let r = trace_snapshot(&sb, &f);
    assert_error_line(&r, &["no-region.json", "region"]);
}

#[test]
fn error_unknown_instance() {
    let sb = Sandbox::new();
    let r = sb.run(["trace", "--demo", "--from", "i-0doesnotexist00", PETS_URL]);
    assert_error_line(&r, &["i-0doesnotexist00"]);

    let file = sb.export_world("world.json");
    let r = sb.run([
        os("trace"),
        os("--snapshot"),
        file.as_os_str(),
        os("--from"),
        os("i-0doesnotexist00"),
        os(PETS_URL),
    ]);
    assert_error_line(&r, &["i-0doesnotexist00"]);
}

#[test]
fn error_url_not_https() {
    let sb = Sandbox::new();
    let url = "http://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets";
    let r = sb.run(["trace", "--demo", "--from", WEB, url]);
    assert_error_line(&r, &[url, "https"]);
}

#[test]
fn error_unparseable_url() {
    let sb = Sandbox::new();
    for url in ["not a url", "https://", "://nohost"] {
        let r = sb.run(["trace", "--demo", "--from", WEB, url]);
        assert_error_line(&r, &["URL"]);
    }
}

#[test]
fn error_malformed_header() {
    let sb = Sandbox::new();
    for header in ["NoColonHere", ": no name", "Bad Name: v"] {
        let r = sb.run(["trace", "--demo", "--from", WEB, "-H", header, PETS_URL]);
        assert_error_line(&r, &[header, "header"]);
    }
}

#[test]
fn error_bad_method() {
    let sb = Sandbox::new();
    for method in ["GE T", "", "G3T"] {
        let r = sb.run(["trace", "--demo", "--from", WEB, "-X", method, PETS_URL]);
        assert_error_line(&r, &["method"]);
    }
}

#[test]
fn error_no_world_source() {
    let sb = Sandbox::new();
    let r = sb.run(["trace", "--from", WEB, PETS_URL]);
    assert_error_line(&r, &["--demo", "--snapshot"]);
}

#[test]
fn usage_errors_exit_2() {
    let sb = Sandbox::new();
    let cases: [&[&str]; 7] = [
        &["trace", "--demo", "--from", WEB, "--tls", "1.1", PETS_URL],
        &["trace", "--demo", "--from", WEB, "--no-such-flag", PETS_URL],
        &["trace", "--demo", PETS_URL],
        &["trace", "--demo", "--from", WEB],
        &[
            "trace",
            "--demo",
            "--snapshot",
            "x.json",
            "--from",
            WEB,
            PETS_URL,
        ],
        &[
            "trace", "--demo", "--from", WEB, "--output", "yaml", PETS_URL,
        ],
        &[],
    ];
    for args in cases {
        let r = sb.run(args);
        assert_usage_error(&r);
    }
}

// ---------------------------------------------------------------------------
// 4. demo list / export / tour
// ---------------------------------------------------------------------------

#[test]
fn demo_list_table_shows_every_story_and_its_command() {
    let sb = Sandbox::new();
    let r = sb.run(["demo", "list"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
    for s in stories() {
        assert!(
            r.stdout.contains(&s.instance),
            "demo list lacks {}",
            s.instance
        );
        assert!(r.stdout.contains(&s.name), "demo list lacks {}", s.name);
        let cmd = format!("hoptrace trace --demo --from {}", s.instance);
        assert!(
            r.stdout.contains(&cmd),
            "demo list lacks the command for {}",
            s.name
        );
    }
    assert!(!r.stdout.contains('\x1b'));
}

#[test]
fn demo_list_json_describes_every_story() {
    let sb = Sandbox::new();
    let r = sb.run(["demo", "list", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
    let v = parse_json(&r.stdout);
    let items = v.as_array().expect("demo list --output json is an array");
    let world = hoptrace::demo::world().expect("the demo world loads");
    let want: Vec<String> = stories().into_iter().map(|s| s.instance).collect();
    let got: Vec<&str> = items.iter().map(|i| str_field(i, "instance")).collect();
    assert_eq!(got, want, "demo list and stories.json differ");
    for item in items {
        let inst = str_field(item, "instance");
        assert!(
            world.instance(inst).is_some(),
            "{inst} is not in the demo world"
        );
        assert!(str_field(item, "url").starts_with("https://"));
        assert!(!str_field(item, "method").is_empty());
        assert!(!str_field(item, "story").is_empty());
        let headers = item["headers"].as_object().expect("headers is an object");
        assert!(headers.values().all(Value::is_string));
    }
}

#[test]
fn demo_export_writes_the_demo_world() {
    let sb = Sandbox::new();
    let file = sb.export_world("fresh.json");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        hoptrace::demo::WORLD_JSON
    );
}

#[test]
fn demo_export_never_overwrites_without_force() {
    let sb = Sandbox::new();
    let target = sb.write("precious.json", b"do not touch\n");
    let r = sb.run([os("demo"), os("export"), os("--out"), target.as_os_str()]);
    assert_error_line(&r, &["precious.json", "--force"]);
    assert_eq!(
        std::fs::read(&target).unwrap(),
        b"do not touch\n",
        "the existing file was modified"
    );

    let r = sb.run([
        os("demo"),
        os("export"),
        os("--out"),
        target.as_os_str(),
        os("--force"),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        hoptrace::demo::WORLD_JSON
    );
}

#[test]
fn demo_export_into_a_missing_directory_fails_cleanly() {
    let sb = Sandbox::new();
    let target = sb.path("no/such/dir/world.json");
    let r = sb.run([os("demo"), os("export"), os("--out"), target.as_os_str()]);
    assert_error_line(&r, &["world.json"]);
}

#[test]
fn demo_tour_mentions_every_story() {
    let sb = Sandbox::new();
    // Without a terminal, `hoptrace demo` (the UI) says how to get the text tour.
    let r = sb.run(["demo"]);
    assert_error_line(&r, &["terminal", "demo tour"]);
    for args in [&["demo", "tour"][..]] {
        let r = sb.run(args);
        assert_eq!(r.code, Some(0), "{r:?}");
        assert!(r.stderr.is_empty(), "{r:?}");
        for s in stories() {
            assert!(
                r.stdout.contains(&s.instance),
                "`{}` lacks {}",
                args.join(" "),
                s.instance
            );
            assert!(
                r.stdout.contains(&s.name),
                "`{}` lacks {}",
                args.join(" "),
                s.name
            );
        }
        assert!(!r.stdout.contains('\x1b'), "colour on a pipe");
    }
}

// ---------------------------------------------------------------------------
// 6. snapshot check
// ---------------------------------------------------------------------------

/// The length of every top-level array in the demo world.
fn demo_counts() -> Vec<(String, usize)> {
    let v: Value = serde_json::from_str(hoptrace::demo::WORLD_JSON).unwrap();
    [
        "vpcs",
        "subnets",
        "instances",
        "security_groups",
        "network_acls",
        "route_tables",
        "vpc_endpoints",
        "rest_apis",
        "roles",
    ]
    .iter()
    .map(|k| (k.to_string(), v[*k].as_array().map_or(0, Vec::len)))
    .collect()
}

#[test]
fn snapshot_check_reports_counts() {
    let sb = Sandbox::new();
    let file = sb.export_world("world.json");
    let r = sb.run([os("snapshot"), os("check"), file.as_os_str()]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
    assert!(r.stdout.contains("hoptrace.snapshot/v1"));
    for (name, n) in demo_counts() {
        let found = r.stdout.lines().any(|l| {
            let mut words = l.split_whitespace();
            words.next() == Some(name.as_str()) && words.next() == Some(n.to_string().as_str())
        });
        assert!(
            found,
            "snapshot check should report {name} {n}:\n{}",
            r.stdout
        );
    }

    let r = sb.run([
        os("snapshot"),
        os("check"),
        file.as_os_str(),
        os("--output"),
        os("json"),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let v = parse_json(&r.stdout);
    assert_eq!(v["schema"], "hoptrace.snapshot/v1");
    let counts: Vec<(String, usize)> = v["counts"]
        .as_array()
        .expect("counts is an array")
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_string(),
                pair[1].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(counts, demo_counts());
}

#[test]
fn snapshot_check_rejects_bad_files() {
    let sb = Sandbox::new();
    let bad = sb.write(
        "bad.json",
        b"{\"schema\": \"hoptrace.snapshot/v1\",\n \"account\": x}",
    );
    let r = sb.run([os("snapshot"), os("check"), bad.as_os_str()]);
    assert_error_line(&r, &["bad.json", "line 2"]);

    let missing = sb.path("missing.json");
    let r = sb.run([os("snapshot"), os("check"), missing.as_os_str()]);
    assert_error_line(&r, &["missing.json"]);

    let r = sb.run([
        os("snapshot"),
        os("check"),
        bad.as_os_str(),
        os("--output"),
        os("json"),
    ]);
    assert_error_line(&r, &["bad.json"]);
}

#[test]
fn permissions_prints_a_read_only_policy_to_paste() {
    let sb = Sandbox::new();
    let r = sb.run([os("permissions")]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let p = parse_json(&r.stdout);
    assert_eq!(p["Version"], "2012-10-17");
    let stmts = p["Statement"].as_array().unwrap();
    assert!(stmts.iter().all(|s| s["Effect"] == "Allow"));
    let actions: Vec<String> = stmts
        .iter()
        .flat_map(|s| match &s["Action"] {
            Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            Value::String(a) => vec![a.clone()],
            _ => vec![],
        })
        .collect();
    for needed in [
        "ec2:DescribeNetworkAcls",
        "apigateway:GET",
        "iam:GetRolePolicy",
        "lambda:GetPolicy",
    ] {
        assert!(
            actions.iter().any(|a| a == needed),
            "{needed} missing: {actions:?}"
        );
    }
    // Nothing that writes.
    assert!(
        actions.iter().all(|a| {
            let op = a.split(':').nth(1).unwrap_or("");
            op == "GET"
                || ["Describe", "Get", "List", "Filter", "StartLiveTail"]
                    .iter()
                    .any(|p| op.starts_with(p))
        }),
        "{actions:?}"
    );
}

#[test]
fn snapshot_check_warns_about_policies_and_cidrs_it_cannot_read() {
    let sb = Sandbox::new();
    let mut w: Value = serde_json::from_str(hoptrace::demo::WORLD_JSON).unwrap();
    w["subnets"][0]["CidrBlock"] = Value::from("10.0.1.0/33");
    w["rest_apis"][0]["policy"] = Value::from("{not json");
    let f = sb.write("odd.json", serde_json::to_string(&w).unwrap().as_bytes());
    let r = sb.run([
        os("snapshot"),
        os("check"),
        f.as_os_str(),
        os("--output"),
        os("json"),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let report = parse_json(&r.stdout);
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("rest api a1b2c3d4e5 policy") && w.contains("cannot be read")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("10.0.1.0/33") && w.contains("not a CIDR block")),
        "{warnings:?}"
    );
    // The demo world itself has nothing to warn about.
    let clean = sb.write("demo.json", hoptrace::demo::WORLD_JSON.as_bytes());
    let r = sb.run([
        os("snapshot"),
        os("check"),
        clean.as_os_str(),
        os("--output"),
        os("json"),
    ]);
    assert_eq!(parse_json(&r.stdout)["warnings"], serde_json::json!([]));
}

// ---------------------------------------------------------------------------
// 7. Table output and colour
// ---------------------------------------------------------------------------

/// The hop names of the numbered rows of a trace table, in order.
fn table_rows(table: &str) -> Vec<(usize, String)> {
    table
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let n: usize = words.next()?.parse().ok()?;
            Some((n, words.next()?.to_string()))
        })
        .collect()
}

#[test]
fn table_has_one_row_per_hop_and_no_colour_on_a_pipe() {
    let sb = Sandbox::new();
    for no_color in [None, Some("1")] {
        let mut cmd = sb.command(["trace", "--demo", "--from", BATCH, PETS_URL]);
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let r = run_command(cmd);
        assert_eq!(r.code, Some(1), "{r:?}");
        assert!(r.stderr.is_empty(), "{r:?}");
        assert!(
            !r.stdout.contains('\x1b'),
            "ANSI codes on a pipe (NO_COLOR={no_color:?}):\n{}",
            r.stdout
        );
        let rows = table_rows(&r.stdout);
        let want: Vec<(usize, String)> = HOP_ORDER
            .iter()
            .enumerate()
            .map(|(i, h)| (i + 1, h.to_string()))
            .collect();
        assert_eq!(rows, want, "table rows:\n{}", r.stdout);
        assert!(r.stdout.contains("BLOCKED at sg-egress"), "{}", r.stdout);
    }
}

/// Colour is for terminals only and NO_COLOR turns it off. Needs util-linux
/// `script` (util-linux, part of the machine image) to give the binary a
/// pseudo-terminal; a missing `script` fails the test.
#[test]
fn colour_on_a_terminal_unless_no_color() {
    let sb = Sandbox::new();
    let shell_cmd = format!("'{BIN}' trace --demo --from {BATCH} {PETS_URL}");
    let under_pty = |no_color: Option<&str>| -> Option<String> {
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &shell_cmd, "/dev/null"])
            .env("HOME", sb.home())
            .env("XDG_STATE_HOME", sb.state())
            .env_remove("NO_COLOR")
            .env_remove("HOPTRACE_LOG")
            .stdin(Stdio::null());
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().ok()?;
        // `script -e` passes the traced exit status (1, blocked) through.
        (out.status.code() == Some(1)).then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let coloured = under_pty(None)
        .expect("util-linux `script` is needed to run the binary on a pseudo-terminal");
    assert!(
        coloured.contains("\x1b["),
        "no colour on a terminal:\n{coloured}"
    );
    let plain = under_pty(Some("1")).expect("script ran once already");
    assert!(
        !plain.contains('\x1b'),
        "NO_COLOR=1 still coloured:\n{plain}"
    );
    assert!(plain.contains("sg-egress"));
}

// ---------------------------------------------------------------------------
// Logging: to a file, never to the terminal
// ---------------------------------------------------------------------------

fn assert_no_log_lines(r: &Run) {
    for level in ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"] {
        for stream in [&r.stdout, &r.stderr] {
            assert!(
                !stream
                    .lines()
                    .any(|l| l.split_whitespace().take(2).any(|w| w == level)),
                "a log line reached the terminal: {r:?}"
            );
        }
    }
}

#[test]
fn logs_go_to_the_state_dir_not_the_terminal() {
    let sb = Sandbox::new();
    assert!(!sb.log_file().exists());
    let mut cmd = sb.command(["trace", "--demo", "--from", WEB, PETS_URL]);
    cmd.env("HOPTRACE_LOG", "trace");
    let r = run_command(cmd);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
    assert_no_log_lines(&r);
    let log = std::fs::read_to_string(sb.log_file()).expect("the log file was created");
    assert!(!log.trim().is_empty(), "the log file is empty");

    // Errors are logged too, and still print only their one line.
    let r = sb.run(["trace", "--demo", "--from", "i-0doesnotexist00", PETS_URL]);
    assert_error_line(&r, &["i-0doesnotexist00"]);
    let log = std::fs::read_to_string(sb.log_file()).unwrap();
    assert!(
        log.contains("i-0doesnotexist00"),
        "the error is not in the log:\n{log}"
    );
}

#[test]
fn logs_default_to_home_without_xdg_state_home() {
    let sb = Sandbox::new();
    let mut cmd = sb.command(["demo", "list"]);
    cmd.env_remove("XDG_STATE_HOME");
    let r = run_command(cmd);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
    let log = sb.home().join(".local/state/hoptrace/hoptrace.log");
    assert!(log.is_file(), "no log at {}", log.display());
    assert!(!sb.log_file().exists());
}

#[test]
fn log_file_flag_chooses_the_file() {
    let sb = Sandbox::new();
    let chosen = sb.path("chosen.log");
    let r = sb.run([os("--log-file"), chosen.as_os_str(), os("demo"), os("list")]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(chosen.is_file(), "--log-file was not used");
    assert!(
        !sb.log_file().exists(),
        "logged to the default file as well"
    );

    // The flag is global: it also works after the subcommand.
    let later = sb.path("later.log");
    let r = sb.run([os("demo"), os("list"), os("--log-file"), later.as_os_str()]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(later.is_file());
}

#[test]
fn unwritable_log_location_does_not_break_a_trace() {
    let sb = Sandbox::new();
    let not_a_dir = sb.write("state-is-a-file", b"");
    let mut cmd = sb.command(["trace", "--demo", "--from", BATCH, PETS_URL]);
    cmd.env("XDG_STATE_HOME", &not_a_dir);
    let r = run_command(cmd);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.is_empty(), "{r:?}");
    assert_no_log_lines(&r);
}

// ---------------------------------------------------------------------------
// Known gaps between the binary and the contract
// ---------------------------------------------------------------------------

/// Requirements the binary does not meet yet; run with `--ignored`. Every
/// gap is checked and all failures are reported together.
#[test]
fn errors_stay_one_line_and_paths_are_jsonpath() {
    let sb = Sandbox::new();
    let mut gaps: Vec<String> = Vec::new();
    let mut one_line = |what: &str, r: &Run| {
        let ok = r.code == Some(2)
            && r.stderr.lines().count() == 1
            && r.stderr.starts_with("hoptrace: error: ");
        if !ok {
            gaps.push(format!(
                "{what}: expected one `hoptrace: error:` line and status 2, got {r:?}"
            ));
        }
    };

    // The error is ONE line even when the offending input holds a newline:
    // instance ids and paths are printed raw, so the message splits.
    let r = sb.run(["trace", "--demo", "--from", "i-0bad\nid", PETS_URL]);
    one_line("unknown instance id containing a newline", &r);
    let odd = sb.path("two\nlines.json");
    let r = trace_snapshot(&sb, &odd);
    one_line("missing snapshot whose path contains a newline", &r);

    // The JSON path of a shape error is a JSONPath: `$[0]`, not `$.[0]`.
    let f = sb.write("array.json", br#"[{"a": 1}, 2]"#);
    let r = trace_snapshot(&sb, &f);
    one_line("snapshot whose top level is an array", &r);
    if r.stderr.contains("$.[") {
        gaps.push(format!("malformed JSON path in {:?}", r.stderr.trim_end()));
    }

    assert!(gaps.is_empty(), "contract gaps:\n  {}", gaps.join("\n  "));
}

/// `hoptrace logs --demo`: the demo's replayed lines, each tagged through the
/// same correlation as live lines; JSON lines carry the documented keys; a
/// snapshot (which holds no logs) and a bad `--since` are one error line.
/// `trace --logs`: each hop of the trace JSON carries what the path's
/// logs say about it; without --logs there is no `evidence` key at all.
#[test]
fn trace_with_logs_gives_each_hop_its_evidence() {
    let sb = Sandbox::new();
    const PETS: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets";
    let base = [
        "trace",
        "--demo",
        "--from",
        "i-0a0000000000web01",
        "--output",
        "json",
    ];
    let r = sb.run(base.iter().copied().chain(["--logs", PETS]));
    assert_eq!(r.code, Some(0), "{r:?}");
    let t = parse_json(&r.stdout);
    let hops = t["hops"].as_array().expect("hops");
    for h in hops {
        let e = &h["evidence"];
        assert!(e["lines"].is_u64(), "{h}");
        assert!(e.get("contradicted_by").is_some_and(|c| c.is_null()), "{h}");
    }
    let lines = |name: &str| {
        hops.iter().find(|h| h["hop"] == name).expect(name)["evidence"]["lines"]
            .as_u64()
            .unwrap()
    };
    assert!(
        lines("integration") > 0 && lines("sg-egress") > 0,
        "{}",
        r.stdout
    );
    let r = sb.run(base.iter().copied().chain([PETS]));
    assert!(!r.stdout.contains("\"evidence\""), "{}", r.stdout);
    // The table says it per hop.
    let r = sb.run([
        "trace",
        "--demo",
        "--from",
        "i-0a0000000000web01",
        "--logs=1h",
        PETS,
    ]);
    assert!(
        r.stdout.contains("lines, none contradicts the verdict"),
        "{}",
        r.stdout
    );
    let r = sb.run([
        "trace",
        "--demo",
        "--from",
        "i-0a0000000000web01",
        "--logs=x",
        PETS,
    ]);
    assert_error_line(&r, &["--logs \"x\""]);
}

#[test]
fn logs_on_the_demo_tags_each_line_with_its_hop() {
    let sb = Sandbox::new();
    const PETS: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets";
    let r = sb.run(["logs", "--demo", "--from", "i-0a0000000000web01", PETS]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout
            .contains("[integration] lambda    START RequestId:"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("[nacl-client] flow"), "{}", r.stdout);
    // Another instance's rejected flow is no evidence for this path.
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("[-] flow") && l.contains("eni-0a00000000batch01")),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("lines,"), "{}", r.stderr);
    let r = sb.run([
        "logs",
        "--demo",
        "--from",
        "i-0a0000000000web01",
        "--output",
        "json",
        PETS,
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let first = parse_json(r.stdout.lines().next().expect("a line"));
    for key in ["ts", "source", "hop", "request_id", "fields", "raw"] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }
    let access = r
        .stdout
        .lines()
        .map(parse_json)
        .find(|v| v["source"] == "access")
        .expect("an access line");
    assert_eq!(access["fields"]["context.status"], "200", "{access}");
    assert!(access["request_id"].is_string(), "{access}");

    let snap = sb.export_world("w.json");
    let r = sb.run([
        os("logs"),
        os("--snapshot"),
        snap.as_os_str(),
        os("--from"),
        os("i-0a0000000000web01"),
        os(PETS),
    ]);
    assert_error_line(&r, &["a snapshot holds no logs"]);
    let r = sb.run([
        "logs",
        "--demo",
        "--since",
        "5y",
        "--from",
        "i-0a0000000000web01",
        PETS,
    ]);
    assert_error_line(&r, &["--since", "s, m, h or d"]);
}
