//! The terminal UI: one actor (the [`app::App`] reducer) owns the state; input,
//! log sources, timers and signals report to it as messages; the screen is
//! redrawn only when something changed, at most about 30 times a second.

pub mod app;
pub mod config;
pub mod editor;
pub mod export;
pub mod keymap;
pub mod layout;
mod live;
pub mod textedit;
pub mod theme;
pub mod tree;
pub mod view;
pub mod whatif;

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::model::World;
use app::{App, Effect, Msg};

/// Where the TUI's world and logs come from.
pub struct Source {
    /// The world, or `None` for a live account (read once the UI is up).
    pub world: Option<World>,
    pub label: String,
    /// Replay the demo log script.
    pub demo_logs: bool,
    /// The live account to read (with the world filling in as it is read).
    pub live: Option<crate::cli::AwsArgs>,
    /// Never use (or ask about) Live Tail: poll the log groups.
    pub no_live_tail: bool,
}

const FRAME: Duration = Duration::from_millis(33);

/// Put the terminal back: raw mode off, main screen, mouse off, cursor shown.
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = out.flush();
}

fn setup_terminal() -> io::Result<Terminal<CrosstermBackend<io::Stdout>>> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    if let Err(e) = execute!(out, EnterAlternateScreen, EnableMouseCapture) {
        restore_terminal();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(out))
}

/// Build the app with the user's config (theme, keys) applied.
pub fn build_app(src: Source, now: SystemTime) -> App {
    let (cfg, problem) = config::load();
    let overrides = cfg
        .keys
        .iter()
        .map(|(k, v)| (k.clone(), v.keys()))
        .collect();
    let (keymap, mut problems) = keymap::Keymap::default().with_overrides(&overrides);
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let theme_name = match cfg.theme.as_deref() {
        None => theme::ThemeName::Dark,
        Some(t) => theme::ThemeName::parse(t).unwrap_or_else(|| {
            problems.push(format!("unknown theme {t:?} (dark, light, high-contrast)"));
            theme::ThemeName::Dark
        }),
    };
    let world = match src.world {
        Some(w) => app::WorldState::from(w),
        None => app::WorldState::Loading,
    };
    let mut app = App::new(
        world,
        src.label,
        keymap,
        theme::Theme::new(theme_name, color),
        now,
    );
    app.external_editor = ["VISUAL", "EDITOR"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    if src.demo_logs {
        app.logs.source = Some("demo replay".into());
    }
    app.discovery.live = src.live.is_some();
    if src.no_live_tail {
        app.logs.live_tail = app::LiveTail::Off;
    }
    match cfg.log_buffer {
        Some(n) if (100..=1_000_000).contains(&n) => {
            app.logs.buf = crate::logs::LogBuffer::new(n);
        }
        Some(n) => problems.push(format!(
            "log_buffer = {n}: it must be between 100 and 1000000 lines; keeping {}",
            app::LOG_CAPACITY
        )),
        None => {}
    }
    if let Some(p) = problem
        .or_else(|| (!problems.is_empty()).then(|| format!("config: {}", problems.join("; "))))
    {
        app.flash(p, true);
    }
    app
}

/// Run the TUI until the user quits or a signal arrives. Returns the exit status.
pub fn run(src: Source) -> Result<i32, String> {
    use std::io::IsTerminal;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let demo_logs = src.demo_logs;
    // A live account: connect and check the credentials before the screen
    // changes, so that a bad profile is one line on a normal terminal.
    let clients = match &src.live {
        Some(aws) => Some(rt.block_on(live::connect(aws))?),
        None => None,
    };
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err("the terminal UI needs a terminal; for text output use `hoptrace demo tour` or `hoptrace trace`".into());
    }
    let mut src = src;
    if let Some((_, _, who)) = &clients {
        src.label = who.clone();
    }
    let mut app = build_app(src, SystemTime::now());

    // Restore the terminal on panic before the message is printed.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    let mut terminal = setup_terminal().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let clients = clients.map(|(c, logs, _)| (c, logs));
    let result = rt.block_on(event_loop(&mut terminal, &mut app, demo_logs, clients));
    restore_terminal();
    // Whatever is still reading stops here, without waiting on the network.
    rt.shutdown_timeout(Duration::from_millis(200));
    let _ = std::panic::take_hook();
    // A signal ends the program with the shell's convention, 128 + its number.
    let code = match app.quit_signal {
        Some("SIGHUP") => 129,
        Some("SIGINT") => 130,
        Some("SIGQUIT") => 131,
        Some("SIGTERM") => 143,
        _ => 0,
    };
    result.map(|_| code)
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<io::Stdout>>,
    app: &mut App,
    demo_logs: bool,
    live: Option<(crate::discover::Clients, aws_sdk_cloudwatchlogs::Client)>,
) -> Result<(), String> {
    let (clients, logs_client) = match live {
        Some((c, l)) => (Some(c), Some(l)),
        None => (None, None),
    };
    let (tx, mut rx) = mpsc::channel::<Msg>(256);
    // The running full discovery and refresh, stopped when replaced or on quit.
    let mut reading = live::Tasks::default();
    if let Some(c) = &clients {
        reading.discover(c.clone(), tx.clone(), true);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let input_paused = Arc::new(AtomicBool::new(false));

    // Input: a blocking reader thread.
    {
        let tx = tx.clone();
        let stop = stop.clone();
        let paused = input_paused.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if paused.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                match event::poll(Duration::from_millis(50)) {
                    Ok(true) => {
                        let msg = match event::read() {
                            Ok(Event::Key(k)) => Msg::Key(k),
                            Ok(Event::Mouse(m)) => Msg::Mouse(m),
                            Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                            Ok(_) => continue,
                            Err(_) => break,
                        };
                        if tx.blocking_send(msg).is_err() {
                            break;
                        }
                    }
                    Ok(false) => {}
                    Err(_) => break,
                }
            }
        });
    }
    // Clock.
    {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut iv = tokio::time::interval(Duration::from_secs(1));
            loop {
                iv.tick().await;
                if tx.send(Msg::Tick(SystemTime::now())).await.is_err() {
                    break;
                }
            }
        });
    }
    // Signals.
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        for (kind, name) in [
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::hangup(), "SIGHUP"),
            (SignalKind::interrupt(), "SIGINT"),
            (SignalKind::quit(), "SIGQUIT"),
        ] {
            let tx = tx.clone();
            if let Ok(mut s) = signal(kind) {
                tokio::spawn(async move {
                    if s.recv().await.is_some() {
                        let _ = tx.send(Msg::Signal(name)).await;
                    }
                });
            }
        }
    }
    // Demo log replay.
    if demo_logs {
        match crate::logs::replay::parse(crate::logs::replay::DEMO_SCRIPT) {
            Ok(script) => {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut r = crate::logs::replay::Replayer::new(script, SystemTime::now());
                    let mut iv = tokio::time::interval(Duration::from_millis(100));
                    loop {
                        iv.tick().await;
                        let batch = r.due(SystemTime::now());
                        if !batch.is_empty() && tx.send(Msg::Logs(batch)).await.is_err() {
                            break;
                        }
                    }
                });
            }
            Err(e) => app.flash(format!("demo log script: {e}"), true),
        }
    }

    if let Ok(size) = terminal.size() {
        app.update(Msg::Resize(size.width, size.height));
    }
    let mut last_draw = Instant::now() - FRAME;
    loop {
        if app.dirty && last_draw.elapsed() >= FRAME {
            terminal
                .draw(|f| view::render(f, app))
                .map_err(|e| format!("drawing failed: {e}"))?;
            app.dirty = false;
            last_draw = Instant::now();
            // Lets the end-to-end test prove the terminal survives a panic (debug builds only).
            #[cfg(debug_assertions)]
            if std::env::var_os("HOPTRACE_TEST_PANIC").is_some() {
                panic!("panic requested by HOPTRACE_TEST_PANIC");
            }
        }
        let msg = if app.dirty {
            let wait = FRAME.saturating_sub(last_draw.elapsed());
            match tokio::time::timeout(wait, rx.recv()).await {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(_) => continue,
            }
        } else {
            match rx.recv().await {
                Some(m) => m,
                None => break,
            }
        };
        let mut effects = app.update(msg);
        // Drain what is already queued before drawing again.
        while let Ok(m) = rx.try_recv() {
            effects.extend(app.update(m));
        }
        for e in effects {
            match e {
                Effect::Quit => {
                    stop.store(true, Ordering::Relaxed);
                    reading.stop();
                    return Ok(());
                }
                Effect::Rediscover => {
                    if let Some(c) = &clients {
                        reading.discover(c.clone(), tx.clone(), false);
                    }
                }
                Effect::Refresh(what) => match (&clients, app.refresh_base()) {
                    (Some(c), Some(base)) => reading.refresh(c.clone(), tx.clone(), base, what.0),
                    _ => {
                        app.update(Msg::Discovery(app::DiscoveryMsg::Refreshed {
                            what: what.0.label(),
                            result: Err("not a live account".into()),
                        }));
                    }
                },
                Effect::ExternalEditor { target, text } => {
                    input_paused.store(true, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(80)).await;
                    restore_terminal();
                    let result = tokio::task::block_in_place(|| edit_externally(&text));
                    let _ = enable_raw_mode();
                    let _ = execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture);
                    let _ = terminal.clear();
                    input_paused.store(false, Ordering::Relaxed);
                    app.update(Msg::EditorDone { target, result });
                }
                Effect::Export {
                    stem,
                    markdown,
                    json,
                } => {
                    let dir = std::env::current_dir().unwrap_or_else(|_| ".".into());
                    let r = export::write(&dir, &stem, &markdown, &json);
                    app.update(Msg::Exported(r));
                }
            }
        }
        if let Some(logs) = &logs_client {
            let live_tail = app.logs.live_tail == app::LiveTail::On;
            reading.tail(logs, &tx, &app.logs.wanted, live_tail);
        }
        if app.quit {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    reading.stop();
    Ok(())
}

/// Edit `text` in `$VISUAL`/`$EDITOR`; returns the saved text.
fn edit_externally(text: &str) -> Result<String, String> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var("EDITOR").ok().filter(|v| !v.is_empty()))
        .ok_or("no $EDITOR")?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("hoptrace-what-if.json");
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    let mut parts = editor.split_whitespace();
    let prog = parts.next().ok_or("empty $EDITOR")?;
    let status = std::process::Command::new(prog)
        .args(parts)
        .arg(&path)
        .status()
        .map_err(|e| format!("cannot run {editor}: {e}"))?;
    if !status.success() {
        return Err(format!("{editor} exited with {status}; edit discarded"));
    }
    let new = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    if new == text {
        return Err("no change".into());
    }
    Ok(new)
}
