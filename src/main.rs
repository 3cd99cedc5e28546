use std::path::PathBuf;

use clap::Parser;

/// Diagnostics go to a file, never to the terminal. Failing to open it only
/// turns logging off.
fn init_logging(path: Option<PathBuf>) {
    let Some(path) = path.or_else(hoptrace::paths::log_file) else {
        return;
    };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOPTRACE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}

fn main() {
    let cli = hoptrace::cli::Cli::parse();
    init_logging(cli.log_file.clone());
    std::process::exit(hoptrace::cli::run(cli));
}
