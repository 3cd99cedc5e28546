//! End to end: the real binary in tmux. Starts `hoptrace demo`, traces a
//! blocked demo instance with keys, reads the screen, quits, and checks the
//! terminal is back to normal; the same after SIGTERM and after a panic.
//! tmux is part of the machine image; without it these tests fail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hoptrace");

struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    fn start(tag: &str) -> Tmux {
        let dir = tempfile::tempdir().unwrap();
        let socket = format!("hoptrace-e2e-{tag}-{}", std::process::id());
        let home = dir.path().display().to_string();
        let shell = format!(
            "env -u EDITOR -u VISUAL -u NO_COLOR RUST_BACKTRACE=0 HOME={home} XDG_STATE_HOME={home}/state XDG_CONFIG_HOME={home}/config TERM=xterm-256color PS1='$ ' bash --norc --noprofile"
        );
        let out = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                "110",
                "-y",
                "34",
                &shell,
            ])
            .output()
            .expect("tmux is needed for the end-to-end test (it is part of the machine image)");
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmux { socket, dir }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    fn type_line(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", line]);
        self.keys(&["Enter"]);
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "e2e"])
    }

    fn wait_for(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if f(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn alternate_screen(&self) -> bool {
        self.tmux(&["display", "-p", "-t", "e2e", "#{alternate_on}"])
            .trim()
            == "1"
    }

    fn wait_shell(&self) {
        let start = Instant::now();
        while self.alternate_screen()
            || self
                .tmux(&["display", "-p", "-t", "e2e", "#{pane_current_command}"])
                .trim()
                != "bash"
        {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the program did not give the terminal back:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The shell's terminal settings are sane again: canonical input and echo.
    fn assert_terminal_restored(&self) {
        self.wait_shell();
        let file: PathBuf = self.dir.path().join("stty.txt");
        self.type_line(&format!("stty -a > {}; echo stty-done", file.display()));
        self.wait_for("stty", |s| s.lines().any(|l| l.trim() == "stty-done"));
        let stty = read(&file);
        let words: Vec<&str> = stty.split_whitespace().collect();
        for flag in ["icanon", "echo", "isig"] {
            assert!(words.contains(&flag), "terminal left with -{flag}:\n{stty}");
        }
        assert!(!self.alternate_screen(), "still on the alternate screen");
        let mouse = self.tmux(&["display", "-p", "-t", "e2e", "#{mouse_any_flag}"]);
        assert_eq!(mouse.trim(), "0", "mouse reporting left on");
    }

    fn start_demo(&self, env: &str) {
        self.type_line(&format!("{env}{BIN} demo; echo exit=$?"));
        self.wait_for("the explorer", |s| {
            s.contains("explorer (") && s.contains("logs [")
        });
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

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
