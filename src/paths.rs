//! Where hoptrace keeps its files, following the XDG base directory rules.

use std::path::PathBuf;

/// `$VAR/hoptrace/<file>`, or `$HOME/<fallback>/hoptrace/<file>` when `VAR`
/// is unset or empty (e.g. `XDG_CONFIG_HOME` and `.config`).
pub fn xdg_file(var: &str, fallback: &str, file: &str) -> Option<PathBuf> {
    let base = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)))?;
    Some(base.join("hoptrace").join(file))
}

/// `$XDG_CONFIG_HOME/hoptrace/config.toml` (default `~/.config/...`).
pub fn config_file() -> Option<PathBuf> {
    xdg_file("XDG_CONFIG_HOME", ".config", "config.toml")
}

/// `$XDG_STATE_HOME/hoptrace/hoptrace.log` (default `~/.local/state/...`).
pub fn log_file() -> Option<PathBuf> {
    xdg_file("XDG_STATE_HOME", ".local/state", "hoptrace.log")
}
