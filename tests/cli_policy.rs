//! `hoptrace policy eval` end to end: the real binary, its exit statuses
//! (0 allow, 1 deny, 3 unknown, 2 error), the `hoptrace.policy/v1` JSON,
//! standard input, repeated `--context`, `--unknown` and the error line.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_hoptrace");
const METHOD: &str = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets";

const RP: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
 {"Sid":"DenyOtherVpce","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*",
  "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0a1b2c3d4e5f60001"}}}]}"#;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn eval(policy: &str, args: &[&str]) -> Out {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .args([
            "policy",
            "eval",
            "--policy",
            "-",
            "--action",
            "execute-api:Invoke",
            "--resource",
            METHOD,
        ])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // A run that fails on its flags exits before reading stdin: a broken
    // pipe here is expected then, and the exit status tells the rest.
    match child.stdin.take().unwrap().write_all(policy.as_bytes()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => panic!("writing the policy to stdin: {e}"),
    }
    let out = child.wait_with_output().unwrap();
    let r = Out {
        code: out.status.code().expect("exited"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r
}

fn json(r: &Out) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.stdout))
}

#[test]
fn allow_exits_0_with_the_deciding_statement() {
    let r = eval(
        RP,
        &[
            "--principal",
            "anonymous",
            "--context",
            "aws:SourceVpce=vpce-0a1b2c3d4e5f60001",
            "--output",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r);
    assert_eq!(v["schema"], "hoptrace.policy/v1");
    assert_eq!(v["decision"], "allow");
    assert_eq!(v["deciding_statement"]["index"], 0);
    let st = v["statements"].as_array().unwrap();
    assert_eq!(st.len(), 2);
    assert_eq!(st[1]["sid"], "DenyOtherVpce");
    assert_eq!(st[1]["applies"], false);
    assert!(st[1]["why"]
        .as_str()
        .unwrap()
        .contains("StringNotEquals aws:SourceVpce"));
    assert_eq!(
        v["request"]["context"]["aws:SourceVpce"],
        "vpce-0a1b2c3d4e5f60001"
    );
}

#[test]
fn explicit_deny_exits_1() {
    let r = eval(
        RP,
        &[
            "--principal",
            "anonymous",
            "--context",
            "aws:SourceVpce=vpce-other",
            "--output",
            "json",
        ],
    );
    assert_eq!(r.code, 1);
    let v = json(&r);
    assert_eq!(v["decision"], "explicit-deny");
    assert_eq!(v["deciding_statement"]["sid"], "DenyOtherVpce");
}

#[test]
fn implicit_deny_exits_1_without_a_deciding_statement() {
    let p = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#;
    let r = eval(p, &["--output", "json"]);
    assert_eq!(r.code, 1);
    let v = json(&r);
    assert_eq!(v["decision"], "implicit-deny");
    assert!(v["deciding_statement"].is_null());
    assert!(v["statements"][0]["why"]
        .as_str()
        .unwrap()
        .contains("does not include execute-api:Invoke"));
}

#[test]
fn unknown_key_exits_3_and_names_it() {
    let r = eval(
        RP,
        &[
            "--principal",
            "anonymous",
            "--unknown",
            "aws:SourceVpce",
            "--output",
            "json",
        ],
    );
    assert_eq!(r.code, 3);
    let v = json(&r);
    assert_eq!(v["decision"], "unknown");
    assert_eq!(v["unknown"], serde_json::json!(["aws:SourceVpce"]));
    assert_eq!(v["statements"][1]["applies"], Value::Null);
    assert_eq!(v["possible"], serde_json::json!(["allow", "explicit-deny"]));
}

#[test]
fn repeated_context_is_multi_valued() {
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*",
      "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}}}]}"#;
    let ok = eval(
        p,
        &[
            "--context",
            "aws:TagKeys=team",
            "--context",
            "aws:TagKeys=env",
        ],
    );
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    let no = eval(
        p,
        &[
            "--context",
            "aws:TagKeys=team",
            "--context",
            "aws:TagKeys=cost",
        ],
    );
    assert_eq!(no.code, 1, "{}", no.stdout);
}

#[test]
fn principal_keys_are_filled_for_an_iam_caller() {
    let p = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*",
      "Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app"}}}]}"#;
    let r = eval(
        p,
        &[
            "--principal",
            "arn:aws:sts::111122223333:assumed-role/app/i-1",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let anon = eval(p, &["--principal", "anonymous"]);
    assert_eq!(anon.code, 1, "{}", anon.stdout);
}

#[test]
fn table_output_explains_every_statement() {
    let r = eval(
        RP,
        &[
            "--principal",
            "anonymous",
            "--context",
            "aws:SourceVpce=vpce-other",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("decision: explicit-deny"), "{}", r.stdout);
    assert!(r.stdout.contains("DenyOtherVpce"), "{}", r.stdout);
    assert_eq!(
        r.stdout
            .lines()
            .filter(|l| l.contains("Allow ") || l.contains("Deny "))
            .count(),
        2,
        "{}",
        r.stdout
    );
}

#[test]
fn escaped_and_percent_encoded_documents_are_read() {
    let escaped = RP.replace('"', "\\\"");
    let r = eval(
        &escaped,
        &[
            "--principal",
            "anonymous",
            "--context",
            "aws:SourceVpce=vpce-0a1b2c3d4e5f60001",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let pct: String = RP
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let r = eval(
        &pct,
        &[
            "--principal",
            "anonymous",
            "--context",
            "aws:SourceVpce=vpce-other",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn a_malformed_policy_is_one_error_line_and_exit_2() {
    let p = r#"{"Version":"2012-10-17","Statement":[{"Sid":"X","Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":{"a":1}}}}]}"#;
    let r = eval(p, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(lines[0].starts_with("hoptrace: error: policy <stdin>: Statement[0] (Sid \"X\") Condition.StringEquals.aws:SourceVpce: expected"), "{}", lines[0]);
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        &["--context", "novalue"][..],
        &["--principal", "bob"][..],
        &["--context", "=x"][..],
    ] {
        let r = eval(RP, args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("hoptrace: error:"), "{}", r.stderr);
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .args([
            "policy",
            "eval",
            "--policy",
            "/nonexistent/p.json",
            "--action",
            "execute-api:Invoke",
            "--resource",
            METHOD,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read policy /nonexistent/p.json"));
}
