//! End to end: the real binary in tmux. Starts `hoptrace demo`, traces a
//! blocked demo instance with keys, reads the screen, quits, and checks the
//! terminal is back to normal; the same after SIGTERM and after a panic.
//! tmux is part of the machine image; without it these tests fail.

#[path = "support/tmux.rs"]
mod tmux;

use std::process::Command;

use tmux::{Tmux, BIN};

#[test]
fn trace_a_blocked_instance_with_keys_then_quit() {
    let t = Tmux::start("keys");
    t.start_demo("");
    // Rows: VPCs, shop-prod VPC, app-a subnet, web-1, batch-1.
    t.keys(&["j", "j", "j", "j"]);
    t.wait_for("batch-1 selected", |s| {
        s.contains("i-0a00000000batch01 batch-1 10.0.1.40 running ─")
    });
    t.keys(&["t"]);
    t.wait_for("the trace form", |s| s.contains("trace a request"));
    t.keys(&["Enter"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("the trace", |s| s.contains("BLOCKED at sg-egress"));
    assert!(s.contains("✗ sg-egress"), "{s}");
    assert!(s.contains("[H4.1]"), "{s}");
    assert!(s.contains("ec2:DescribeSecurityGroups"), "{s}");
    // Logs stream while we look.
    assert!(
        s.contains("[flow]") || s.contains("[access]") || s.contains("[execution]"),
        "{s}"
    );
    t.keys(&["q"]);
    t.assert_terminal_restored();
    t.wait_for("exit status", |s| s.contains("exit=0"));
}

#[test]
fn reach_from_an_api_then_trace_a_blocked_member_and_see_its_path() {
    let t = Tmux::start("reach");
    t.start_demo("");
    t.keys(&[":"]);
    t.type_line("api");
    t.wait_for("the pets API selected", |s| {
        s.contains("explorer › APIs (7) › API a1b2c3d4e5")
    });
    t.keys(&["a"]);
    // The API stands for its open GET /pets (no authorizer, no key).
    // (Each wait asks for everything it checks: a screen may be caught mid-draw.)
    t.wait_for("the reach view", |s| {
        s.contains("reach · every running instance → GET https://a1b2c3d4e5")
            && s.contains("for GET /pets of stage prod")
            && s.contains("26 traced (1 not running)")
            && s.contains("✗ 3 blocked at dns")
    });
    // The first member of the first group: ops-1, whose VPC's endpoint has private DNS off.
    t.keys(&["j", "Enter"]);
    t.wait_for("the member's trace", |s| {
        s.contains("trace › i-0b000000000ops001")
            && s.contains("BLOCKED at dns")
            && s.contains("✗ dns")
    });
    // Its path as boxes; the deciding one is the VPC endpoint, its endpoint marked.
    t.keys(&["d"]);
    t.wait_for("the path diagram", |s| {
        s.contains("decides")
            && s.contains("✗ VPC endpoint")
            && s.contains("vpce-0b2c3d4e5f6a70002")
            && s.contains("▸ VPC endpoint: ✗ dns deny")
    });
    // Enter opens the selected box's hop in the hop table.
    t.keys(&["Enter"]);
    t.wait_for("the hop detail", |s| s.contains("HOP") && s.contains("[H2"));
    // And the reach view is still there.
    t.keys(&["3"]);
    t.wait_for("the reach view again", |s| s.contains("✗ 3 blocked at dns"));
    t.keys(&["q"]);
    t.assert_terminal_restored();
    t.wait_for("exit status", |s| s.contains("exit=0"));
}

#[test]
fn sigterm_restores_the_terminal() {
    let t = Tmux::start("term");
    t.start_demo("");
    let shell_pid = t.tmux(&["display", "-p", "-t", "e2e", "#{pane_pid}"]);
    let out = Command::new("pgrep")
        .args(["-P", shell_pid.trim()])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    assert!(!pid.is_empty(), "no child process of the shell");
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    t.assert_terminal_restored();
    t.wait_for("exit status 128+15", |s| s.contains("exit=143"));
}

#[test]
fn panic_restores_the_terminal_and_prints_the_message() {
    let t = Tmux::start("panic");
    t.type_line(&format!("HOPTRACE_TEST_PANIC=1 {BIN} demo; echo exit=$?"));
    let s = t.wait_for("the panic", |s| s.contains("exit=101"));
    assert!(s.contains("panic requested by HOPTRACE_TEST_PANIC"), "{s}");
    t.assert_terminal_restored();
}
