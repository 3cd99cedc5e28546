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

fn explained(a: &App) -> (&hoptrace::explain::Explanation, usize) {
    match &a.mode {
        Mode::Explain { answer, scroll } => (answer, *scroll),
        m => panic!("no :explain answer open: {m:?}"),
    }
}

const TIMED_OUT: &str = "curl: (28) Failed to connect to a1b2c3d4e5.execute-api.us-east-1.amazonaws.com port 443 after 130 ms: Connection timed out";

#[test]
fn explain_reads_the_raw_line_and_checks_the_trace_on_screen() {
    let mut a = app();
    // Tab completes the command.
    a.update(key(':'));
    typed(&mut a, "expla");
    a.update(code(KeyCode::Tab));
    assert!(matches!(&a.mode, Mode::Command(i) if i.text == "explain "));
    // Quotes and braces are passed through as typed.
    typed(&mut a, r#"403 {"message":"Forbidden"}"#);
    a.update(code(KeyCode::Enter));
    let (e, scroll) = explained(&a);
    assert_eq!(e.input, r#"403 {"message":"Forbidden"}"#);
    assert_eq!(e.understood.status, Some(403));
    assert_eq!(e.candidates[0].hop, HopId::Stage);
    assert_eq!(e.candidates[0].check, "H11.1");
    assert_eq!(scroll, 0);
    // No trace yet: nothing to agree with.
    assert!(e.trace.is_none() && e.trace_agrees.is_none());
    a.update(code(KeyCode::Esc));
    assert!(matches!(a.mode, Mode::Normal));

    // With batch-1's trace on screen (blocked at sg-egress), the answer
    // checks against it; an apostrophe is not an unterminated quote.
    a.run_command_line(&format!("trace {BATCH} {PETS}"));
    a.update(key(':'));
    typed(
        &mut a,
        &format!("explain the client's curl said '{TIMED_OUT}'"),
    );
    a.update(code(KeyCode::Enter));
    let (e, _) = explained(&a);
    assert_eq!(e.trace_agrees, Some(true), "{:?}", e.trace);
    let t = e.trace.as_ref().unwrap();
    assert_eq!(t.first_block, Some(HopId::SgEgress));
    assert_eq!(e.candidates[t.candidate.unwrap()].hop, HopId::SgEgress);
    a.update(code(KeyCode::Esc));
    // A 403 is not what that trace predicts.
    a.run_command_line(r#"explain '{"message":"Forbidden"}'"#);
    let (e, _) = explained(&a);
    assert_eq!(
        e.input, r#"{"message":"Forbidden"}"#,
        "one pair of quotes is taken off"
    );
    assert_eq!(e.trace_agrees, Some(false));
    assert!(e.trace.as_ref().unwrap().agreement.contains("sg-egress"));
}

#[test]
fn explain_scrolls_to_its_last_line_and_closes_on_other_keys() {
    let mut a = app();
    a.update(Msg::Resize(80, 24));
    // A bare status has many candidates: more than fit.
    a.run_command_line("explain 403");
    let max = hoptrace::tui::view::explain_max(a.size, explained(&a).0);
    assert!(max > 10, "the answer should not fit in 80x24 ({max})");
    for _ in 0..max + 20 {
        a.update(key('j'));
    }
    assert_eq!(explained(&a).1, max);
    a.update(key('k'));
    assert_eq!(explained(&a).1, max - 1);
    a.update(key('g'));
    assert_eq!(explained(&a).1, 0);
    a.update(code(KeyCode::PageDown));
    assert_eq!(explained(&a).1, 12);
    a.update(key('G'));
    assert_eq!(explained(&a).1, max);
    // The last line is on screen.
    assert!(screen_text(&a).contains("trace: none"));
    // The wheel scrolls the answer, not the pane behind it.
    let wheel = |kind| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 10,
            row: 10,
            modifiers: KeyModifiers::NONE,
        })
    };
    a.update(wheel(MouseEventKind::ScrollUp));
    assert_eq!(explained(&a).1, max - 3);
    a.update(wheel(MouseEventKind::ScrollDown));
    a.update(wheel(MouseEventKind::ScrollDown));
    assert_eq!(explained(&a).1, max);
    // Any other key closes it, like the help.
    a.update(key('x'));
    assert!(matches!(a.mode, Mode::Normal));
}

#[test]
fn explain_without_text_or_with_nonsense_says_so() {
    let mut a = app();
    a.run_command_line("explain   ");
    assert!(matches!(a.mode, Mode::Normal));
    assert!(a
        .flash
        .as_ref()
        .is_some_and(|f| f.error && f.text.contains("usage: explain")));
    // `:explainer` is not `:explain`.
    a.run_command_line("explainer 403");
    assert!(matches!(a.mode, Mode::Normal));
    assert!(a
        .flash
        .as_ref()
        .is_some_and(|f| f.text.contains("unknown command :explainer")));
    // Nonsense opens the answer that says what it reads.
    a.run_command_line("explain lorem ipsum");
    let (e, _) = explained(&a);
    assert!(e.candidates.is_empty());
    assert!(e
        .note
        .as_deref()
        .unwrap()
        .contains("nothing in the text was recognised"));
    assert!(screen_text(&a).contains("hoptrace explain reads:"));
}
