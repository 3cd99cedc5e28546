//! The optional config file: `$XDG_CONFIG_HOME/hoptrace/config.toml`
//! (default `~/.config/hoptrace/config.toml`).
//!
//! ```toml
//! theme = "light"            # dark | light | high-contrast
//! log_buffer = 20000         # log lines the logs pane keeps (default 5000)
//! [keys]
//! quit = ["q", "ctrl-c"]     # command name = key or list of keys
//! trace = "T"
//! ```

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub keys: HashMap<String, KeyList>,
    /// Log lines the logs pane keeps (the oldest go first).
    #[serde(default)]
    pub log_buffer: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    pub fn keys(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(v) => v.clone(),
        }
    }
}

pub fn path() -> Option<PathBuf> {
    crate::paths::config_file()
}

/// Load the config; a missing file is the default, a bad one is reported and ignored.
pub fn load() -> (Config, Option<String>) {
    let Some(p) = path() else {
        return (Config::default(), None);
    };
    match std::fs::read_to_string(&p) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), None),
        Err(e) => (
            Config::default(),
            Some(format!("cannot read {}: {e}", p.display())),
        ),
        Ok(text) => parse(&text).map_or_else(
            |e| {
                (
                    Config::default(),
                    Some(format!("{}: {e}; using defaults", p.display())),
                )
            },
            |c| (c, None),
        ),
    }
}

pub fn parse(text: &str) -> Result<Config, String> {
    toml::from_str(text).map_err(|e| {
        // The first line says where, the last what is wrong.
        let text = e.to_string();
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let first = lines.next().unwrap_or("invalid TOML").to_string();
        match lines.next_back() {
            Some(why) if !why.starts_with('|') && !why.starts_with('^') => {
                format!("{first}: {why}")
            }
            _ => first,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_theme_and_keys() {
        let c =
            parse("theme = \"light\"\n[keys]\nquit = \"Q\"\ntrace = [\"t\", \"F2\"]\n").unwrap();
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(c.keys["trace"].keys(), vec!["t", "F2"]);
        assert!(parse("colour = 1").is_err());
        // The message says what is wrong, not only where.
        let e = parse("log_buffer = \"x\"").unwrap_err();
        assert!(e.contains("line 1") && e.contains("invalid type"), "{e}");
        assert!(parse("theme = [").is_err());
    }
}
