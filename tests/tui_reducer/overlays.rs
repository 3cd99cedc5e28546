//! The help overlay's scrolling and the export's pinned timing.

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::*;

fn help_scroll(a: &App) -> usize {
    match a.mode {
        Mode::Help { scroll } => scroll,
        ref m => panic!("not in help: {m:?}"),
    }
}

fn screen_text(a: &App) -> String {
    let mut term = Terminal::new(TestBackend::new(a.size.0, a.size.1)).unwrap();
    term.draw(|f| hoptrace::tui::view::render(f, a)).unwrap();
    let buf = term.backend().buffer();
    buf.content().iter().map(|c| c.symbol()).collect()
}

#[test]
fn help_scroll_stops_at_its_last_line() {
    let mut a = app();
    a.update(Msg::Resize(80, 24));
    a.update(key('?'));
    let max = hoptrace::tui::view::help_max(&a);
    assert!(max > 0, "the help should not fit in 80x24");
    for _ in 0..max + 50 {
        a.update(key('j'));
    }
    assert_eq!(help_scroll(&a), max);
    // The last line is on screen, not a blank overlay.
    assert!(screen_text(&a).contains("config:"));
    a.update(code(KeyCode::PageDown));
    assert_eq!(help_scroll(&a), max);
    // One key back up is one line back up.
    a.update(key('k'));
    assert_eq!(help_scroll(&a), max - 1);
    a.update(code(KeyCode::PageUp));
    a.update(code(KeyCode::PageUp));
    a.update(code(KeyCode::PageUp));
    assert_eq!(help_scroll(&a), max.saturating_sub(31));
}

#[test]
fn help_that_fits_does_not_scroll() {
    let mut a = app();
    a.update(Msg::Resize(120, 200));
    a.update(key('?'));
    assert_eq!(hoptrace::tui::view::help_max(&a), 0);
    a.update(key('j'));
    a.update(code(KeyCode::PageDown));
    assert_eq!(help_scroll(&a), 0);
}

#[test]
fn export_pins_elapsed_ms_like_the_cli() {
    // Only the export reads this variable in this test binary.
    std::env::set_var("HOPTRACE_ELAPSED_MS", "7");
    let mut a = app();
    a.run_command_line(&format!("trace {BATCH} {PETS}"));
    let json = |fx: Vec<Effect>| match fx.as_slice() {
        [Effect::Export { json, .. }] => json.clone(),
        other => panic!("{other:?}"),
    };
    let first = json(a.update(key('x')));
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["stats"]["elapsed_ms"], 7);
    a.run_command_line(&format!("trace {BATCH} {PETS}"));
    assert_eq!(json(a.update(key('x'))), first);
}
