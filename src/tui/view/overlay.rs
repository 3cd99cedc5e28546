//! Overlays: help, the trace form and the built-in editor.

use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::super::app::{App, TraceForm};
use super::super::editor::Editor;
use super::super::keymap::ALIASES;
use super::super::layout::{centered, list_offset};
use super::selected;

pub(super) fn frame_block<'a>(app: &App, title: String) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border_focus)
        .title(Span::styled(title, app.theme.accent))
}

/// Where the help overlay sits inside `area`, and the rows inside its border.
fn help_areas(app: &App, area: Rect) -> (Rect, Rect) {
    let r = centered(area, 96, area.height.saturating_sub(2));
    (r, frame_block(app, String::new()).inner(r))
}

/// The help text: the keymap's commands, the `:` aliases and where the config is.
fn help_lines(app: &App) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled("keys", app.theme.accent))];
    for (keys, name, desc) in app.keymap.help_rows() {
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<14}"), app.theme.accent),
            Span::styled(format!("{name:<12}"), app.theme.text),
            Span::styled(desc, app.theme.dim),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        ": commands (tab completes)",
        app.theme.accent,
    )));
    for (name, desc) in ALIASES {
        lines.push(Line::from(vec![
            Span::styled(format!("  :{name:<13}"), app.theme.accent),
            Span::styled(*desc, app.theme.dim),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        format!(
            "config: {} (theme, [keys]); mouse: click selects, wheel scrolls",
            super::super::config::path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "~/.config/hoptrace/config.toml".into())
        ),
        app.theme.dim,
    )));
    lines
}

/// The furthest the help can scroll in `area`: until its last line is the
/// overlay's bottom row (the text is not wrapped, so one line is one row).
pub fn help_max(app: &App, area: Rect) -> usize {
    let (_, inner) = help_areas(app, area);
    help_lines(app).len().saturating_sub(inner.height as usize)
}

pub fn help(f: &mut Frame, app: &App, area: Rect, scroll: usize) {
    let (r, inner) = help_areas(app, area);
    f.render_widget(Clear, r);
    f.render_widget(
        frame_block(app, " help (j/k scroll, esc closes) ".into()),
        r,
    );
    let lines = help_lines(app);
    // A resize can leave the scroll past the end until the next key clamps it.
    let scroll = scroll.min(lines.len().saturating_sub(inner.height as usize));
    f.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}

pub fn form(f: &mut Frame, app: &App, area: Rect, form: &TraceForm) {
    let r = centered(area, 110, area.height.saturating_sub(2).min(30));
    f.render_widget(Clear, r);
    let b = frame_block(
        app,
        " trace a request (tab next field · enter runs · esc cancels) ".into(),
    );
    let inner = b.inner(r);
    f.render_widget(b, r);
    let label = |i: usize, name: &str, value: String| -> Line<'static> {
        let focused = form.field == i;
        let style = if focused {
            app.theme.selected
        } else {
            app.theme.text
        };
        if focused && i < 5 {
            // A text field: draw the cursor where it is.
            // The target field shows "filter: " before what is typed.
            let cursor = if i == 0 {
                form.cursor.map(|c| c + "filter: ".len())
            } else {
                form.cursor
            };
            let (before, under, after) = super::super::textedit::split(&value, cursor);
            return Line::from(vec![
                Span::styled(format!("{name:>9}: "), app.theme.accent),
                Span::styled(before, style),
                Span::styled(under, style.add_modifier(Modifier::REVERSED)),
                Span::styled(after, style),
            ]);
        }
        Line::from(vec![
            Span::styled(format!("{name:>9}: "), app.theme.accent),
            Span::styled(value, style),
        ])
    };
    let mut lines = vec![
        label(1, "from", form.from.clone()),
        label(2, "method", form.method.clone()),
        label(3, "url", form.url.clone()),
        label(4, "headers", form.headers.clone()),
        label(
            5,
            "sigv4",
            if form.sigv4 {
                "[x] signed with the instance role (space)".into()
            } else {
                "[ ] unsigned (space)".into()
            },
        ),
        label(
            6,
            "tls",
            if form.tls13 {
                "1.3 (space)".into()
            } else {
                "1.2 (space)".into()
            },
        ),
    ];
    if let Some(e) = &form.error {
        lines.push(Line::from(Span::styled(e.clone(), app.theme.deny)));
    }
    lines.push(Line::raw(""));
    lines.push(label(
        0,
        "target",
        format!("filter: {}", form.target_filter),
    ));
    lines.push(Line::from(Span::styled(
        "           API → stage → method → path (↑↓ choose, enter fills the URL)",
        app.theme.dim,
    )));
    let want = form.target_filter.to_lowercase();
    let matches: Vec<&super::super::app::TargetChoice> = form
        .targets
        .iter()
        .filter(|t| want.is_empty() || t.label.to_lowercase().contains(&want))
        .collect();
    let room = (inner.height as usize).saturating_sub(lines.len());
    let first = list_offset(form.target_sel, matches.len(), room);
    for (i, t) in matches.iter().enumerate().skip(first).take(room) {
        let line = Line::from(Span::styled(
            format!("           {}", t.label),
            app.theme.text,
        ));
        lines.push(if i == form.target_sel && form.field == 0 {
            selected(line, app.theme.selected)
        } else {
            line
        });
    }
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn editor(f: &mut Frame, app: &App, area: Rect, e: &Editor) {
    let r = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    f.render_widget(Clear, r);
    let b = frame_block(app, format!(" {} ", e.title));
    let inner = b.inner(r);
    f.render_widget(b, r);
    let h = (inner.height as usize).saturating_sub(1);
    let mut lines = Vec::with_capacity(h + 1);
    for (i, l) in e.lines.iter().enumerate().skip(e.scroll).take(h) {
        if i == e.row {
            let chars: Vec<char> = l.chars().collect();
            let before: String = chars.iter().take(e.col).collect();
            let at: String = chars
                .get(e.col)
                .map(|c| c.to_string())
                .unwrap_or_else(|| " ".into());
            let after: String = chars.iter().skip(e.col + 1).collect();
            lines.push(Line::from(vec![
                Span::styled(before, app.theme.text),
                Span::styled(at, app.theme.text.add_modifier(Modifier::REVERSED)),
                Span::styled(after, app.theme.text),
            ]));
        } else {
            lines.push(Line::from(Span::styled(l.clone(), app.theme.text)));
        }
    }
    while lines.len() < h {
        lines.push(Line::raw(""));
    }
    let status = match &e.error {
        Some(err) => Span::styled(format!("not applied: {err}"), app.theme.flash_error),
        None => Span::styled(
            format!(
                "line {} col {} · ctrl-s applies (local only, never AWS) · esc cancels",
                e.row + 1,
                e.col + 1
            ),
            app.theme.dim,
        ),
    };
    lines.push(Line::from(status));
    f.render_widget(Paragraph::new(lines), inner);
}

/// The one question about Live Tail: asked before it is used, since AWS
/// bills it per minute.
pub fn live_tail_question(f: &mut Frame, app: &App, area: Rect) {
    let r = centered(area, 76, 9);
    f.render_widget(Clear, r);
    let b = frame_block(app, " follow this path's logs live? ".into());
    let inner = b.inner(r);
    f.render_widget(b, r);
    let n = app.logs.wanted.len();
    let lines = vec![
        Line::from(Span::styled(
            format!(
                "{n} log group{} of the traced path can be followed with CloudWatch Logs Live Tail:",
                if n == 1 { "" } else { "s" }
            ),
            app.theme.text,
        )),
        Line::from(Span::styled(
            "lines arrive within a second, and AWS bills each session per minute.",
            app.theme.text,
        )),
        Line::from(Span::styled(
            "Without it, each group is polled (FilterLogEvents, at most once a second).",
            app.theme.dim,
        )),
        Line::default(),
        Line::from(vec![
            Span::styled(" y ", app.theme.selected),
            Span::styled(" use Live Tail for this session    ", app.theme.text),
            Span::styled(" n ", app.theme.selected),
            Span::styled(" keep polling (esc)", app.theme.text),
        ]),
    ];
    f.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
        inner,
    );
}
