//! Rendered screens: every screen at 120×40 and 80×24 on the demo world,
//! compared with stored text snapshots; verdict colours checked cell by cell
//! (text snapshots drop colour); tiny sizes never panic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hoptrace::trace::HopId;
use hoptrace::tui::app::{App, Msg, Pane};
use hoptrace::tui::keymap::Keymap;
use hoptrace::tui::theme::{Theme, ThemeName};
use hoptrace::tui::tree::Item;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;

const BATCH: &str = "i-0a00000000batch01";
const PETS: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets";
const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_856_400)
}

fn app(w: u16, h: u16, color: bool) -> App {
    let mut a = App::new(
        hoptrace::demo::world().unwrap(),
        "demo".into(),
        Keymap::default(),
        Theme::new(ThemeName::Dark, color),
        t0(),
    );
    a.update(Msg::Resize(w, h));
    a.logs.source = Some("demo replay".into());
    let script = hoptrace::logs::replay::parse(hoptrace::logs::replay::DEMO_SCRIPT).unwrap();
    let mut r = hoptrace::logs::replay::Replayer::new(script, t0());
    a.update(Msg::Logs(r.due(t0() + Duration::from_secs(8))));
    a.update(Msg::Tick(t0() + Duration::from_secs(9)));
    a
}

fn key(a: &mut App, c: char) {
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )));
}

fn code(a: &mut App, c: KeyCode) {
    a.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
}

fn draw(a: &App, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| hoptrace::tui::view::render(f, a)).unwrap();
    term.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn traced(w: u16, h: u16, color: bool) -> App {
    let mut a = app(w, h, color);
    a.run_command_line(&format!("trace {BATCH} {PETS}"));
    a
}

fn snap(name: &str, a: &App, w: u16, h: u16) {
    let t = text(&draw(a, w, h));
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), t);
}

#[test]
fn explorer_screens() {
    for (w, h) in SIZES {
        let a = app(w, h, true);
        snap("explorer", &a, w, h);
        let mut a = app(w, h, true);
        a.jump_to(Item::Instance(BATCH.into()));
        snap("explorer_instance", &a, w, h);
        key(&mut a, '/');
        for c in "legacy".chars() {
            key(&mut a, c);
        }
        code(&mut a, KeyCode::Enter);
        snap("explorer_filtered", &a, w, h);
    }
}

#[test]
fn trace_screens() {
    for (w, h) in SIZES {
        let a = traced(w, h, true);
        snap("trace", &a, w, h);
        let mut a = traced(w, h, true);
        code(&mut a, KeyCode::Tab);
        snap("trace_hop_detail", &a, w, h);
        let mut a = app(w, h, true);
        a.run_command_line("trace i-0b0000analytics01 https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets");
        snap("trace_dns_blocked", &a, w, h);
    }
}

#[test]
fn overlays_and_prompts() {
    for (w, h) in SIZES {
        let mut a = app(w, h, true);
        key(&mut a, '?');
        snap("help", &a, w, h);
        let mut a = app(w, h, true);
        a.jump_to(Item::Instance(BATCH.into()));
        key(&mut a, 't');
        snap("trace_form", &a, w, h);
        let mut a = traced(w, h, true);
        a.external_editor = false;
        key(&mut a, 'e');
        snap("what_if_editor", &a, w, h);
        let mut a = app(w, h, true);
        key(&mut a, ':');
        for c in "tra".chars() {
            key(&mut a, c);
        }
        snap("command_prompt", &a, w, h);
    }
}

#[test]
fn explain_overlay() {
    const TIMED_OUT: &str = "curl: (28) Failed to connect to a1b2c3d4e5.execute-api.us-east-1.amazonaws.com port 443 after 130 ms: Connection timed out";
    for (w, h) in SIZES {
        // Over batch-1's trace, which blocks at sg-egress.
        let mut a = traced(w, h, true);
        a.run_command_line(&format!("explain {TIMED_OUT}"));
        snap("explain_with_trace", &a, w, h);
        let mut a = app(w, h, true);
        a.run_command_line(r#"explain {"message":"Missing Authentication Token"}"#);
        snap("explain_without_trace", &a, w, h);
    }
    // Tall enough for all of it: the verdict words carry the verdict colours.
    let mut a = traced(120, 90, true);
    a.run_command_line(&format!("explain {TIMED_OUT}"));
    let buf = draw(&a, 120, 90);
    let t = text(&buf);
    assert!(t.contains("trace agrees: yes"), "{t}");
    assert_eq!(word_color(&buf, "trace agrees: ", "yes"), Color::Green);
    assert_eq!(word_color(&buf, "verdict: ", "BLOCKED"), Color::Red);
    assert!(t.contains("◀ the trace blocks here"), "{t}");
    a.run_command_line(r#"explain {"message":"Forbidden"}"#);
    let buf = draw(&a, 120, 90);
    assert_eq!(word_color(&buf, "trace agrees: ", "no"), Color::Red);
}

/// The colour of the first cell of `word` where it follows `after` on a row.
fn word_color(buf: &Buffer, after: &str, word: &str) -> Color {
    for y in 0..buf.area.height {
        let cells: Vec<String> = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        let row: String = cells.concat();
        if let Some(i) = row.find(&format!("{after}{word}")) {
            // Columns are cells; the row's text before the word may hold
            // multi-byte symbols (borders), so count cells, not bytes.
            let col = row[..i].chars().count() + after.chars().count();
            return buf[(col as u16, y)].fg;
        }
    }
    panic!("no {after:?}{word:?} on screen");
}

#[test]
fn logs_pane_states() {
    for (w, h) in SIZES {
        let mut a = app(w, h, true);
        a.focus = Pane::Logs;
        key(&mut a, 'p');
        let more = (0..25)
            .map(|i| hoptrace::logs::LogLine {
                source: hoptrace::logs::SourceKind::Access,
                group: "g".into(),
                at: t0(),
                text: format!("later {i}"),
                hop: None,
                hops: Vec::new(),
            })
            .collect();
        a.update(Msg::Logs(more));
        snap("logs_paused", &a, w, h);
        key(&mut a, 'p');
        key(&mut a, '/');
        for c in "REJECT".chars() {
            key(&mut a, c);
        }
        code(&mut a, KeyCode::Enter);
        snap("logs_filtered", &a, w, h);
    }
}

/// Find the cell holding `glyph` on the row that names `hop`.
fn glyph_color(buf: &Buffer, hop: &str, glyph: &str) -> Color {
    for y in 0..buf.area.height {
        let row: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        if row.contains(&format!(" {hop} ")) {
            for x in 0..buf.area.width {
                if buf[(x, y)].symbol() == glyph {
                    return buf[(x, y)].fg;
                }
            }
        }
    }
    panic!("no {glyph} on the row of {hop}");
}

#[test]
fn verdict_colours_cell_by_cell() {
    let a = traced(120, 40, true);
    let buf = draw(&a, 120, 40);
    assert_eq!(glyph_color(&buf, "sg-egress", "✗"), Color::Red);
    assert_eq!(glyph_color(&buf, "instance", "✓"), Color::Green);
    assert_eq!(glyph_color(&buf, "waf", "·"), Color::DarkGray);
    // The light theme has its own colours; NO_COLOR has none.
    let mut light = traced(120, 40, true);
    light.theme = Theme::new(ThemeName::Light, true);
    let buf = draw(&light, 120, 40);
    assert_eq!(glyph_color(&buf, "sg-egress", "✗"), Color::Rgb(190, 0, 0));
    let plain = traced(120, 40, false);
    let buf = draw(&plain, 120, 40);
    assert_eq!(glyph_color(&buf, "sg-egress", "✗"), Color::Reset);
    assert_eq!(glyph_color(&buf, "instance", "✓"), Color::Reset);
}

#[test]
fn any_size_renders_without_panic() {
    let mut a = traced(120, 40, true);
    a.focus = Pane::Right;
    for w in 0..=60 {
        for h in 0..=20 {
            a.update(Msg::Resize(w, h));
            let buf = draw(&a, w, h);
            if w >= 40 && h >= 12 {
                assert!(text(&buf).contains("hoptrace"));
            }
        }
    }
    let tiny = text(&draw(&a, 30, 5));
    assert!(tiny.contains("too small"), "{tiny}");
}

#[test]
fn hop_detail_shows_the_policy_statement_by_statement() {
    // ledger-1: the endpoint policy allows only another API (implicit deny).
    let mut a = app(140, 80, true);
    a.run_command_line(
        "trace i-0a0000000ledger01 -H 'x-apigw-api-id: a1b2c3d4e5' https://vpce-0a3c4d5e6f7a80003-q7r8s9.execute-api.us-east-1.vpce.amazonaws.com/prod/pets",
    );
    assert_eq!(a.selected_hop().map(HopId::as_str), Some("endpoint-policy"));
    let t = text(&draw(&a, 140, 80));
    assert!(
        t.contains("endpoint policy of vpce-0a3c4d5e6f7a80003"),
        "{t}"
    );
    assert!(t.contains("Statement[0]"), "{t}");
    assert!(t.contains("why:"), "{t}");
    // stock-1: an explicit Deny decides, and is marked.
    let mut a = app(140, 80, true);
    a.run_command_line("trace i-0a00000000stock01 https://i4n5v6e7n8.execute-api.us-east-1.amazonaws.com/prod/items");
    assert_eq!(a.selected_hop().map(HopId::as_str), Some("authorization"));
    let buf = draw(&a, 140, 80);
    let t = text(&buf);
    assert!(t.contains("resource policy of i4n5v6e7n8"), "{t}");
    assert!(t.contains("(decides)"), "{t}");
    // The deciding statement is drawn in the deny colour.
    let y = (0..buf.area.height)
        .find(|&y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .contains("(decides)")
        })
        .unwrap();
    let x = (0..buf.area.width)
        .find(|&x| buf[(x, y)].symbol() == "▶")
        .unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Red);
}

#[test]
fn overlays_render_at_any_size_without_panic() {
    let mut base = traced(120, 40, true);
    base.external_editor = false;
    for opener in ['?', 't', 'e', ':', '/'] {
        let mut a = traced(120, 40, true);
        a.external_editor = false;
        key(&mut a, opener);
        for w in (0..=70).step_by(3) {
            for h in 0..=24 {
                a.update(Msg::Resize(w, h));
                // Keys while tiny must not panic either.
                a.update(Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)));
                a.update(Msg::Key(KeyEvent::new(
                    KeyCode::Char('x'),
                    KeyModifiers::NONE,
                )));
                let _ = draw(&a, w, h);
            }
        }
    }
    let _ = draw(&base, 1, 1);
    // The :explain answer too, with and without the trace behind it.
    for traced_first in [true, false] {
        let mut a = if traced_first {
            traced(120, 40, true)
        } else {
            app(120, 40, true)
        };
        a.run_command_line("explain 403");
        for w in (0..=70).step_by(3) {
            for h in 0..=24 {
                a.update(Msg::Resize(w, h));
                a.update(Msg::Key(KeyEvent::new(KeyCode::End, KeyModifiers::NONE)));
                let _ = draw(&a, w, h);
            }
        }
    }
}

#[test]
fn loading_and_failed_worlds_say_so() {
    use hoptrace::tui::app::WorldState;
    for (state, says) in [
        (WorldState::Loading, "loading the world"),
        (
            WorldState::Failed("no credentials".into()),
            "could not load the world: no credentials",
        ),
    ] {
        let mut a = App::new(
            state,
            "live".into(),
            Keymap::default(),
            Theme::new(ThemeName::Dark, true),
            t0(),
        );
        a.update(Msg::Resize(120, 40));
        let t = text(&draw(&a, 120, 40));
        assert!(t.contains(says), "{t}");
        key(&mut a, 't');
        let _ = draw(&a, 80, 24);
    }
}

#[test]
fn path_diagram_and_reach_screens() {
    for (w, h) in [(120, 40), (80, 24), (200, 60)] {
        // The path diagram of a blocked trace: the deciding box selected.
        let mut a = traced(w, h, true);
        key(&mut a, 'd');
        snap("path_diagram", &a, w, h);
        // Moving to the backend box: the status line follows it.
        for _ in 0..10 {
            code(&mut a, KeyCode::Right);
        }
        snap("path_diagram_backend", &a, w, h);
        // Who is affected, from the pets API in the explorer.
        let mut a = app(w, h, true);
        a.jump_to(Item::Api("a1b2c3d4e5".into()));
        key(&mut a, 'a');
        snap("reach_to_api", &a, w, h);
        // What an instance can reach.
        let mut a = app(w, h, true);
        a.jump_to(Item::Instance(BATCH.into()));
        key(&mut a, 'a');
        snap("reach_from_instance", &a, w, h);
    }
}

/// The cell at the first `glyph` inside the box whose title row holds `title`.
fn box_title_color(buf: &Buffer, title: &str) -> Color {
    for y in 0..buf.area.height {
        let row: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        if let Some(i) = row.find(title) {
            // The glyph sits two cells before the title.
            let col = row[..i].chars().count() - 2;
            return buf[(col as u16, y)].fg;
        }
    }
    panic!("no box titled {title:?}");
}

#[test]
fn diagram_boxes_are_coloured_by_verdict_and_the_deciding_box_is_marked() {
    let mut a = traced(120, 40, true);
    key(&mut a, 'd');
    let buf = draw(&a, 120, 40);
    assert_eq!(box_title_color(&buf, "security groups"), Color::Red);
    assert_eq!(box_title_color(&buf, "instance"), Color::Green);
    let screen = text(&buf);
    assert_eq!(screen.matches("decides").count(), 1, "{screen}");
    // The deciding box is the batch instance's own security group.
    assert!(screen.contains("▶ sg-0a000000000batch1"), "{screen}");
    // Monochrome: the glyphs carry the verdicts.
    let mut plain = traced(120, 40, false);
    key(&mut plain, 'd');
    let s = text(&draw(&plain, 120, 40));
    assert!(
        s.contains("✗ security groups") && s.contains("✓ instance"),
        "{s}"
    );
}

#[test]
fn the_diagram_renders_at_any_size_without_panic() {
    let mut a = traced(120, 40, true);
    key(&mut a, 'd');
    for w in 0..=90 {
        for h in 0..=42 {
            a.update(Msg::Resize(w, h));
            let _ = draw(&a, w, h);
        }
    }
    let mut r = app(120, 40, true);
    r.jump_to(Item::Api("a1b2c3d4e5".into()));
    key(&mut r, 'a');
    for w in 0..=90 {
        for h in 0..=30 {
            r.update(Msg::Resize(w, h));
            let _ = draw(&r, w, h);
        }
    }
}
