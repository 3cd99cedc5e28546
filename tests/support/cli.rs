//! The real binary run once: its exit status, stdout and stderr, with
//! optional bytes on standard input. Shared by tests/check.rs,
//! tests/export.rs and tests/explain.rs.

#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_hoptrace");

/// Run `hoptrace args` with colour off.
pub fn run(args: &[&str]) -> (i32, String, String) {
    run_with_stdin(args, None)
}

/// Run `hoptrace args` with colour off, `input` on standard input.
pub fn run_with_stdin(args: &[&str], input: Option<&str>) -> (i32, String, String) {
    spawn(args, input.map(str::as_bytes), |c| {
        c.env("NO_COLOR", "1");
    })
}

/// Run `hoptrace args`, the command first set up by `setup` (its
/// environment), with `stdin` when given. A panic in the binary fails the
/// test whatever it asserts.
pub fn spawn(
    args: &[&str],
    stdin: Option<&[u8]>,
    setup: impl FnOnce(&mut Command),
) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    setup(&mut cmd);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run hoptrace");
    if let Some(bytes) = stdin {
        // The child may stop reading early (over a limit): ignore EPIPE.
        let _ = child.stdin.take().expect("stdin").write_all(bytes);
    }
    let out = child.wait_with_output().expect("hoptrace output");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        !stderr.contains("panicked") && !stdout.contains("panicked"),
        "panic: {stderr}"
    );
    (
        out.status.code().expect("killed by a signal"),
        stdout,
        stderr,
    )
}
