//! Rendering. Views read the app state and draw; they never change it.

mod explain;
mod explorer;
mod logs;
mod overlay;
mod path;
mod reach;
mod trace;

pub use path::focus_hop;

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::app::{App, Mode, Pane, Screen};

pub fn render(f: &mut Frame, app: &App) {
    let size = f.area();
    let a = super::layout::areas(size.width, size.height, app);
    if a.tiny {
        let msg = format!(
            "hoptrace: terminal too small ({}×{}, need 40×12); q quits",
            size.width, size.height
        );
        f.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }),
            size,
        );
        return;
    }
    header(f, app, a.header);
    crumbs(f, app, a.crumbs);
    match app.screen {
        Screen::Explorer => {
            explorer::tree(f, app, a.left);
            explorer::detail(f, app, a.right);
        }
        Screen::Trace if app.trace.diagram && app.trace.result.is_some() => {
            path::diagram(f, app, a.left)
        }
        Screen::Trace => {
            trace::hops(f, app, a.left);
            trace::detail(f, app, a.right);
        }
        Screen::Reach => reach::table(f, app, a.left),
    }
    if a.logs.height > 0 {
        logs::pane(f, app, a.logs);
    }
    footer(f, app, a.footer);
    match &app.mode {
        Mode::Help { scroll } => overlay::help(f, app, size, *scroll),
        Mode::Explain { answer, scroll } => explain::overlay(f, app, size, answer, *scroll),
        Mode::Form(form) => overlay::form(f, app, size, form),
        Mode::Editor { editor, .. } => overlay::editor(f, app, size, editor),
        Mode::AskLiveTail => overlay::live_tail_question(f, app, size),
        _ => {}
    }
}

/// How far the hop detail can scroll at the current size: computed from the
/// same lines the trace view draws, so the reducer can clamp the scroll
/// without the view writing anything back.
pub fn trace_detail_max(app: &App) -> u16 {
    let a = super::layout::areas(app.size.0, app.size.1, app);
    trace::detail_max(app, a.right)
}

/// Boxes per row of the path diagram at the current size (up and down
/// move by a row).
pub fn diagram_per_row(app: &App) -> usize {
    let a = super::layout::areas(app.size.0, app.size.1, app);
    path::grid(
        path::inner(app, a.left),
        crate::trace::path::Stop::ALL.len(),
    )
    .map_or(1, |g| g.per_row)
}

/// The reach table's row under screen row `y`, if any.
pub fn reach_row_at(app: &App, y: u16) -> Option<usize> {
    let a = super::layout::areas(app.size.0, app.size.1, app);
    reach::row_at(app, a.left, y)
}

/// The path diagram's box under the cell (`x`, `y`), if any.
pub fn diagram_box_at(app: &App, x: u16, y: u16) -> Option<usize> {
    let a = super::layout::areas(app.size.0, app.size.1, app);
    let inner = path::inner(app, a.left);
    let n = crate::trace::path::Stop::ALL.len();
    let g = path::grid(inner, n)?;
    (0..n).find(|&i| path::place(&g, inner, i).contains((x, y).into()))
}

/// How far the help overlay can scroll at the current size, from the same
/// lines and rectangle the overlay draws.
pub fn help_max(app: &App) -> usize {
    overlay::help_max(app, Rect::new(0, 0, app.size.0, app.size.1))
}

/// How far the `:explain` answer can scroll in a terminal of `size`, from
/// the same lines and rectangle the overlay draws.
pub fn explain_max(size: (u16, u16), answer: &crate::explain::Explanation) -> usize {
    explain::max_scroll(Rect::new(0, 0, size.0, size.1), answer)
}

/// A bordered block whose border shows focus.
pub(super) fn block<'a>(app: &App, title: String, pane: Pane) -> Block<'a> {
    let focused =
        app.focus == pane && matches!(app.mode, Mode::Normal | Mode::Filter(_) | Mode::Command(_));
    let style = if focused {
        app.theme.border_focus
    } else {
        app.theme.border
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Span::styled(
            title,
            if focused {
                app.theme.accent
            } else {
                app.theme.text
            },
        ))
}

fn clock(app: &App) -> String {
    let iso = crate::logs::replay::iso(app.now);
    iso.get(11..19).unwrap_or("").to_string() + " UTC"
}

fn header(f: &mut Frame, app: &App, r: Rect) {
    let whereabouts = match app.world() {
        Some(w) => format!(
            " account {} │ {} │ {} ",
            w.snap.account, w.snap.region, app.source
        ),
        None => format!(
            " {} │ {} ",
            app.source,
            app.world.absence().unwrap_or_default()
        ),
    };
    let whereabouts_len = whereabouts.chars().count();
    let mut parts = vec![
        Span::styled(" hoptrace ", app.theme.header.add_modifier(Modifier::BOLD)),
        Span::styled(whereabouts, app.theme.header),
    ];
    if app.discovery.running {
        parts.push(Span::styled(
            format!(
                " reading: {} ",
                app.discovery.progress_line(
                    (r.width as usize).saturating_sub(whereabouts_len + 10 + 16 + 11)
                )
            ),
            app.theme.accent,
        ));
    } else if let Some(what) = &app.discovery.refreshing {
        parts.push(Span::styled(
            format!(" refreshing {what}… "),
            app.theme.accent,
        ));
    } else if !app.discovery.failed.is_empty() {
        let n = app.discovery.failed.len();
        parts.push(Span::styled(
            format!(
                " {n} AWS call{} failed: what {} would have read is unknown ",
                if n == 1 { "" } else { "s" },
                if n == 1 { "it" } else { "they" }
            ),
            app.theme.flash_error,
        ));
    }
    if !app.undo.is_empty() {
        parts.push(Span::styled(
            format!(
                " WHAT-IF: {} edit{} (not in AWS) ",
                app.undo.len(),
                if app.undo.len() == 1 { "" } else { "s" }
            ),
            app.theme.flash_error,
        ));
    }
    let left: usize = parts.iter().map(|p| p.content.chars().count()).sum();
    let clock = format!(" {} ", clock(app));
    let pad = (r.width as usize).saturating_sub(left + clock.chars().count());
    parts.push(Span::styled(" ".repeat(pad), app.theme.header));
    parts.push(Span::styled(clock, app.theme.header));
    f.render_widget(Paragraph::new(Line::from(parts)), r);
}

fn crumbs(f: &mut Frame, app: &App, r: Rect) {
    let text = clean(&app.breadcrumbs().join(" › "));
    f.render_widget(
        Paragraph::new(Span::styled(format!(" {text}"), app.theme.dim)),
        r,
    );
}

fn footer(f: &mut Frame, app: &App, r: Rect) {
    let line = match &app.mode {
        Mode::Command(i) => {
            let mut spans = prompt(app, ":", &i.text, i.cursor);
            // Completion candidates and errors show beside the prompt.
            if let Some(fl) = &app.flash {
                spans.push(Span::styled(
                    format!("   {}", clean(&fl.text)),
                    app.theme.dim,
                ));
            }
            Line::from(spans)
        }
        Mode::Filter(i) => Line::from(prompt(app, "/", &i.text, i.cursor)),
        _ => match &app.flash {
            Some(fl) if fl.error => Line::from(Span::styled(
                format!(" {} ", clean(&fl.text)),
                app.theme.flash_error,
            )),
            Some(fl) => Line::from(Span::styled(
                format!(" {}", clean(&fl.text)),
                app.theme.accent,
            )),
            None => {
                let k = |c| app.keymap.keys_for(c);
                use super::keymap::Cmd;
                let mut hints = vec![
                    (k(Cmd::Help), "help"),
                    (k(Cmd::CommandMode), "cmd"),
                    (k(Cmd::Filter), "filter"),
                    (k(Cmd::Trace), "trace"),
                    (k(Cmd::Reach), "reach"),
                ];
                match app.screen {
                    Screen::Trace => hints.extend([
                        (
                            k(Cmd::Diagram),
                            if app.trace.diagram { "hops" } else { "diagram" },
                        ),
                        (k(Cmd::Edit), "what-if"),
                        (k(Cmd::Export), "export"),
                    ]),
                    Screen::Reach => {
                        hints.extend([(k(Cmd::Select), "trace member"), (k(Cmd::Back), "back")])
                    }
                    Screen::Explorer => {
                        hints.extend([("tab".into(), "pane"), (k(Cmd::Edit), "what-if")])
                    }
                }
                hints.push((k(Cmd::Quit), "quit"));
                let mut spans = Vec::new();
                for (keys, what) in hints {
                    let key = keys.split_whitespace().next().unwrap_or("").to_string();
                    spans.push(Span::styled(format!(" {key}"), app.theme.accent));
                    spans.push(Span::styled(format!(":{what}"), app.theme.dim));
                }
                Line::from(spans)
            }
        },
    };
    f.render_widget(Paragraph::new(line), r);
}

/// Text from the world or the logs, made safe to draw: tabs become spaces
/// and other control characters a visible mark, so nothing can move the cursor.
pub(super) fn clean(s: &str) -> String {
    crate::export::printable(s)
}

/// A prompt with its text and a block cursor.
fn prompt(app: &App, lead: &'static str, text: &str, cursor: Option<usize>) -> Vec<Span<'static>> {
    let (before, under, after) = super::textedit::split(text, cursor);
    vec![
        Span::styled(lead, app.theme.accent),
        Span::raw(clean(&before)),
        Span::styled(
            clean(&under),
            app.theme.text.add_modifier(Modifier::REVERSED),
        ),
        Span::raw(clean(&after)),
    ]
}

/// Highlight a whole line as selected.
pub(super) fn selected(line: Line<'static>, style: Style) -> Line<'static> {
    line.patch_style(style)
}
