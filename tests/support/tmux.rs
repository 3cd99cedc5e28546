//! The real binary in tmux: a private tmux server per test, keys, screen
//! reads, and the checks that the terminal is given back in good order.
//! Shared by the end-to-end tests (tests/tui_e2e.rs, tests/live_discovery.rs).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_hoptrace");

pub struct Tmux {
    socket: String,
    pub dir: tempfile::TempDir,
}

impl Tmux {
    pub fn start(tag: &str) -> Tmux {
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

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    pub fn type_line(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", line]);
        self.keys(&["Enter"]);
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "e2e"])
    }

    pub fn wait_for(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
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

    pub fn alternate_screen(&self) -> bool {
        self.tmux(&["display", "-p", "-t", "e2e", "#{alternate_on}"])
            .trim()
            == "1"
    }

    pub fn wait_shell(&self) {
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
    pub fn assert_terminal_restored(&self) {
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

    pub fn start_demo(&self, env: &str) {
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

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}
