//! Named commands and the keys bound to them. The `:` prompt, the hotkeys and
//! the `?` help are all generated from this one table.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmd {
    Quit,
    Help,
    CommandMode,
    Filter,
    Back,
    NextPane,
    PrevPane,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Collapse,
    Expand,
    Select,
    Trace,
    Explorer,
    TraceView,
    ReachView,
    Reach,
    Diagram,
    Follow,
    Pause,
    Wrap,
    Timestamps,
    HopOnly,
    Edit,
    Undo,
    Export,
    Refresh,
    Rediscover,
    Theme,
}

/// Name (for `:` and the config file), default keys, and help text.
pub const COMMANDS: &[(Cmd, &str, &[&str], &str)] = &[
    (Cmd::Quit, "quit", &["q", "ctrl-c"], "quit (also :q)"),
    (Cmd::Help, "help", &["?"], "show this help"),
    (
        Cmd::CommandMode,
        "command",
        &[":"],
        "command prompt: :ec2 :vpce :api :trace :explain :logs :quit ...",
    ),
    (
        Cmd::Filter,
        "filter",
        &["/"],
        "filter the focused pane (regex; start with ! to invert)",
    ),
    (Cmd::Back, "back", &["esc"], "back / close / clear"),
    (Cmd::NextPane, "next-pane", &["tab"], "focus the next pane"),
    (
        Cmd::PrevPane,
        "prev-pane",
        &["backtab"],
        "focus the previous pane",
    ),
    (Cmd::Up, "up", &["k", "up"], "move up"),
    (Cmd::Down, "down", &["j", "down"], "move down"),
    (Cmd::PageUp, "page-up", &["pgup", "ctrl-b"], "page up"),
    (Cmd::PageDown, "page-down", &["pgdn", "ctrl-f"], "page down"),
    (Cmd::Top, "top", &["g", "home"], "go to the top"),
    (Cmd::Bottom, "bottom", &["G", "end"], "go to the bottom"),
    (
        Cmd::Collapse,
        "collapse",
        &["h", "left"],
        "collapse / go to parent",
    ),
    (Cmd::Expand, "expand", &["l", "right"], "expand"),
    (
        Cmd::Select,
        "select",
        &["enter"],
        "open / jump along the selected edge",
    ),
    (
        Cmd::Trace,
        "trace",
        &["t"],
        "trace a request from the selected instance",
    ),
    (Cmd::Explorer, "explorer", &["1"], "the world explorer"),
    (Cmd::TraceView, "trace-view", &["2"], "the trace view"),
    (
        Cmd::ReachView,
        "reach-view",
        &["3"],
        "the reach view (who is affected)",
    ),
    (
        Cmd::Reach,
        "reach",
        &["a"],
        "who is affected: every instance to the API/trace URL; an instance to every API",
    ),
    (
        Cmd::Diagram,
        "diagram",
        &["d"],
        "trace view: the path diagram / the hop table",
    ),
    (
        Cmd::Follow,
        "follow",
        &["f"],
        "logs: follow the newest lines",
    ),
    (
        Cmd::Pause,
        "pause",
        &["p"],
        "logs: freeze the view (lines keep counting)",
    ),
    (Cmd::Wrap, "wrap", &["w"], "logs: wrap long lines"),
    (
        Cmd::Timestamps,
        "timestamps",
        &["T"],
        "logs: show timestamps",
    ),
    (
        Cmd::HopOnly,
        "hop-only",
        &["o"],
        "logs: only lines of the selected hop",
    ),
    (
        Cmd::Edit,
        "edit",
        &["e"],
        "what-if: edit the selected resource (never written to AWS)",
    ),
    (Cmd::Undo, "undo", &["u"], "what-if: undo the last edit"),
    (
        Cmd::Export,
        "export",
        &["x"],
        "export the trace: Markdown walkthrough with diagram, and JSON",
    ),
    (
        Cmd::Refresh,
        "refresh",
        &["r"],
        "re-read the selection from AWS and trace again",
    ),
    (
        Cmd::Rediscover,
        "rediscover",
        &["R"],
        "read the whole account again (live accounts)",
    ),
    (
        Cmd::Theme,
        "theme",
        &["ctrl-t"],
        "next theme (dark, light, high contrast)",
    ),
];

/// Aliases accepted at the `:` prompt, with what they do.
pub const ALIASES: &[(&str, &str)] = &[
    ("ec2", "explorer filtered to instances"),
    ("vpce", "explorer filtered to VPC endpoints"),
    ("api", "explorer filtered to APIs"),
    ("vpc", "explorer filtered to VPCs"),
    ("sg", "explorer filtered to security groups"),
    (
        "trace",
        "trace <instance-id> <url> [-X M] [-H 'N: v'] [--sigv4] [--tls 1.3]",
    ),
    (
        "reach",
        "reach <url> [-X M] [-H 'N: v']: every instance to it; reach <instance-id>: it to every API",
    ),
    (
        "explain",
        "explain <what the client saw>: the hops that produce it, checked against the trace",
    ),
    ("logs", "focus the logs pane"),
    ("theme", "theme dark|light|high-contrast"),
    ("export", "export the current trace"),
    ("undo", "undo the last what-if edit"),
    ("q", "quit"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

/// Parse `q`, `ctrl-c`, `enter`, `esc`, `tab`, `backtab`, `up`, `pgdn`, `f5`, `space`, `G`, `?`.
pub fn parse_key(s: &str) -> Option<Key> {
    let s = s.trim();
    let (ctrl, rest) = match s.strip_prefix("ctrl-") {
        Some(r) => (true, r),
        None => (false, s),
    };
    // Named keys are case-insensitive (`F2`, `Enter`); single characters are not.
    let lower = rest.to_ascii_lowercase();
    let named = if rest.chars().count() > 1 {
        lower.as_str()
    } else {
        rest
    };
    let code = match named {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" | "shift-tab" => KeyCode::BackTab,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" => KeyCode::PageUp,
        "pgdn" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        f if f.len() > 1 && f.starts_with('f') => KeyCode::F(f[1..].parse().ok()?),
        c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
        _ => return None,
    };
    Some(Key { code, ctrl })
}

pub fn key_of(ev: &KeyEvent) -> Key {
    Key {
        code: ev.code,
        ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
    }
}

pub fn cmd_by_name(name: &str) -> Option<Cmd> {
    // `retrace` was the name of `refresh` before live accounts.
    let name = if name == "retrace" { "refresh" } else { name };
    COMMANDS.iter().find(|c| c.1 == name).map(|c| c.0)
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: HashMap<Key, Cmd>,
    /// Keys per command, for help and hints.
    keys: HashMap<Cmd, Vec<String>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut km = Keymap {
            bindings: HashMap::new(),
            keys: HashMap::new(),
        };
        for (cmd, _, keys, _) in COMMANDS {
            for k in *keys {
                let _ = km.bind(k, *cmd);
            }
        }
        km
    }
}

impl Keymap {
    /// Bind `key` to `cmd`; returns the command the key was taken from, if any.
    fn bind(&mut self, key: &str, cmd: Cmd) -> Result<Option<Cmd>, ()> {
        let k = parse_key(key).ok_or(())?;
        let taken = self.bindings.insert(k, cmd).filter(|old| *old != cmd);
        if let Some(old) = taken {
            if let Some(v) = self.keys.get_mut(&old) {
                v.retain(|x| parse_key(x) != Some(k));
            }
        }
        self.keys.entry(cmd).or_default().push(key.to_string());
        Ok(taken)
    }

    /// Apply overrides `command-name = [keys]`; returns problems found.
    pub fn with_overrides(
        mut self,
        overrides: &HashMap<String, Vec<String>>,
    ) -> (Keymap, Vec<String>) {
        let mut problems = Vec::new();
        let mut names: Vec<&String> = overrides.keys().collect();
        names.sort();
        for name in names {
            let keys = &overrides[name];
            let Some(cmd) = cmd_by_name(name) else {
                problems.push(format!("unknown command {name:?} in [keys]"));
                continue;
            };
            let bad: Vec<&String> = keys.iter().filter(|k| parse_key(k).is_none()).collect();
            for k in &bad {
                problems.push(format!("unknown key {k:?} for {name}"));
            }
            if bad.len() == keys.len() {
                // Never leave a command (quit above all) without a key.
                problems.push(format!("{name} keeps its default keys"));
                continue;
            }
            // Replace the defaults of this command.
            if let Some(old) = self.keys.remove(&cmd) {
                for k in old {
                    if let Some(p) = parse_key(&k) {
                        if self.bindings.get(&p) == Some(&cmd) {
                            self.bindings.remove(&p);
                        }
                    }
                }
            }
            for k in keys {
                if let Ok(Some(other)) = self.bind(k, cmd) {
                    let other_name = COMMANDS
                        .iter()
                        .find(|c| c.0 == other)
                        .map(|c| c.1)
                        .unwrap_or("?");
                    problems.push(format!("{k} now runs {name} instead of {other_name}"));
                }
            }
        }
        (self, problems)
    }

    pub fn lookup(&self, ev: &KeyEvent) -> Option<Cmd> {
        let k = key_of(ev);
        self.bindings.get(&k).copied().or_else(|| {
            // Shifted letters arrive as uppercase chars with SHIFT; match them as typed.
            match k.code {
                KeyCode::Char(c) if !k.ctrl => self
                    .bindings
                    .get(&Key {
                        code: KeyCode::Char(c),
                        ctrl: false,
                    })
                    .copied(),
                _ => None,
            }
        })
    }

    pub fn keys_for(&self, cmd: Cmd) -> String {
        self.keys.get(&cmd).map(|v| v.join(" ")).unwrap_or_default()
    }

    /// Help rows: (keys, name, description), in table order.
    pub fn help_rows(&self) -> Vec<(String, &'static str, &'static str)> {
        COMMANDS
            .iter()
            .map(|(c, n, _, d)| (self.keys_for(*c), *n, *d))
            .collect()
    }
}

/// The longest prefix shared by every option.
pub fn common_prefix(options: &[&str]) -> String {
    let Some(first) = options.first() else {
        return String::new();
    };
    let mut len = first.len();
    for o in &options[1..] {
        len = len.min(
            first
                .bytes()
                .zip(o.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    first[..len].to_string()
}

/// Completions for a partial `:` command.
pub fn complete(prefix: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = ALIASES
        .iter()
        .map(|a| a.0)
        .chain(COMMANDS.iter().map(|c| c.1))
        .filter(|n| n.starts_with(prefix))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse() {
        assert_eq!(
            parse_key("ctrl-c"),
            Some(Key {
                code: KeyCode::Char('c'),
                ctrl: true
            })
        );
        assert_eq!(parse_key("f5").unwrap().code, KeyCode::F(5));
        assert_eq!(parse_key("G").unwrap().code, KeyCode::Char('G'));
        assert!(parse_key("nope").is_none());
    }

    #[test]
    fn overrides_replace_defaults() {
        let mut o = HashMap::new();
        o.insert("quit".to_string(), vec!["Q".to_string()]);
        o.insert("bogus".to_string(), vec!["z".to_string()]);
        let (km, problems) = Keymap::default().with_overrides(&o);
        assert_eq!(problems.len(), 1);
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(km.lookup(&q), None);
        let big_q = KeyEvent::new(KeyCode::Char('Q'), KeyModifiers::SHIFT);
        assert_eq!(km.lookup(&big_q), Some(Cmd::Quit));
        assert_eq!(km.keys_for(Cmd::Quit), "Q");
    }

    #[test]
    fn a_bad_key_keeps_the_defaults_and_conflicts_are_reported() {
        let mut o = HashMap::new();
        o.insert("quit".to_string(), vec!["ctrl-zz".to_string()]);
        o.insert("trace".to_string(), vec!["T".to_string()]);
        let (km, problems) = Keymap::default().with_overrides(&o);
        assert_eq!(
            km.lookup(&KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Cmd::Quit)
        );
        assert_eq!(
            km.lookup(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Cmd::Quit)
        );
        assert!(
            problems.iter().any(|p| p.contains("keeps its default")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("T now runs trace instead of timestamps")),
            "{problems:?}"
        );
        assert_eq!(parse_key("F2").unwrap().code, KeyCode::F(2));
        assert_eq!(common_prefix(&["expand", "explorer", "export"]), "exp");
    }

    #[test]
    fn every_command_has_a_key_and_help() {
        let km = Keymap::default();
        for (cmd, name, _, desc) in COMMANDS {
            assert!(!km.keys_for(*cmd).is_empty(), "{name}");
            assert!(!desc.is_empty());
        }
        assert_eq!(
            complete("exp"),
            vec!["expand", "explain", "explorer", "export"]
        );
    }

    #[test]
    fn the_readme_lists_every_command_with_its_keys() {
        let readme = include_str!("../../README.md");
        for (_, name, keys, desc) in COMMANDS {
            let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
            let row = format!(
                "| {} | `{name}` | {} |",
                keys.join(" "),
                desc.replace('|', "\\|")
            );
            assert!(readme.contains(&row), "README.md lacks the row:\n{row}");
        }
    }
}
