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

/// Bad arguments get one line on stderr, like every other error (exit 2);
/// help and version print as clap prints them.
fn parse_args() -> hoptrace::cli::Cli {
    use clap::error::ErrorKind;
    match hoptrace::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
            _ => {
                let text = e.render().to_string();
                let line: Vec<&str> = text
                    .lines()
                    .map(str::trim)
                    .take_while(|l| {
                        !l.starts_with("Usage:") && !l.starts_with("For more information")
                    })
                    .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
                    .collect();
                let line = line.join(" ");
                let line = line.strip_prefix("error: ").unwrap_or(&line);
                eprintln!("hoptrace: error: {line} (see hoptrace --help)");
                std::process::exit(hoptrace::cli::EXIT_ERROR);
            }
        },
    }
}

fn main() {
    let cli = parse_args();
    init_logging(cli.log_file.clone());
    std::process::exit(hoptrace::cli::run(cli));
}
