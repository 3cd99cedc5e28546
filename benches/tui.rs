//! TUI benchmarks on the 50,000-instance synthetic world: one frame at
//! 200×60, and a key press to the redraw while 2,000 log lines per second
//! arrive (about 67 lines per 33 ms frame).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use hoptrace::logs::{LogLine, SourceKind};
use hoptrace::model::World;
use hoptrace::synth::{generate, sample_request, Params};
use hoptrace::tui::app::{App, Msg};
use hoptrace::tui::keymap::Keymap;
use hoptrace::tui::theme::{Theme, ThemeName};

fn app() -> App {
    let p = Params::default();
    let world = World::new(generate(&p));
    let now = UNIX_EPOCH + Duration::from_secs(1_795_856_400);
    let mut a = App::new(
        world,
        "synthetic".into(),
        Keymap::default(),
        Theme::new(ThemeName::Dark, true),
        now,
    );
    a.update(Msg::Resize(200, 60));
    a.logs.source = Some("bench".into());
    let (from, url) = sample_request(&p);
    a.run_command_line(&format!("trace {from} {url}"));
    a.update(Msg::Logs(lines(5_000)));
    a
}

fn lines(n: usize) -> Vec<LogLine> {
    let at = SystemTime::now();
    (0..n)
        .map(|i| LogLine {
            source: if i % 3 == 0 { SourceKind::Flow } else { SourceKind::Access },
            group: "/aws/apigateway/x".into(),
            at,
            text: format!("2 123456789012 eni-0a{i:015x} 10.0.1.15 10.0.10.25 49732 443 6 12 2104 1795856400 1795856460 ACCEPT OK"),
            hop: None,
            hops: Vec::new(),
        })
        .collect()
}

fn frames(c: &mut Criterion) {
    let mut a = app();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut g = c.benchmark_group("tui-200x60-50k");
    g.bench_function("frame/trace", |b| {
        b.iter(|| {
            term.draw(|f| hoptrace::tui::view::render(f, &a))
                .unwrap()
                .area
        })
    });
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('1'),
        KeyModifiers::NONE,
    )));
    g.bench_function("frame/explorer", |b| {
        b.iter(|| {
            term.draw(|f| hoptrace::tui::view::render(f, &a))
                .unwrap()
                .area
        })
    });
    // Key to redraw with a frame's worth of log lines arriving first.
    let batch = lines(67);
    let mut down = true;
    g.bench_function("key-to-redraw/with-2000-lines-per-s", |b| {
        b.iter(|| {
            a.update(Msg::Logs(batch.clone()));
            let k = if down { KeyCode::Down } else { KeyCode::Up };
            down = !down;
            a.update(Msg::Key(KeyEvent::new(k, KeyModifiers::NONE)));
            term.draw(|f| hoptrace::tui::view::render(f, &a))
                .unwrap()
                .area
        })
    });
    g.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
