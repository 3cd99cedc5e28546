//! The trace view: one row per hop, and the selected hop's evidence.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::super::app::{App, Pane};
use super::{block, clean, selected};
use crate::trace::{Hop, Overall, StatementResult};

pub fn hops(f: &mut Frame, app: &App, r: Rect) {
    let b = block(app, " trace ".into(), Pane::Left);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let Some(t) = &app.trace.result else {
        let msg = app
            .trace
            .error
            .clone()
            .unwrap_or_else(|| "no trace yet".into());
        f.render_widget(
            Paragraph::new(Span::styled(msg, app.theme.deny)).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    let (vstyle, vtext) = match t.verdict {
        Overall::Reachable => (app.theme.allow, "REACHABLE"),
        Overall::Blocked => (app.theme.deny, "BLOCKED"),
        Overall::Undetermined => (app.theme.unknown, "UNDETERMINED"),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(vtext, vstyle),
        Span::styled(
            t.first_block
                .map(|b| format!(" at {b}"))
                .unwrap_or_default(),
            vstyle,
        ),
        Span::styled(
            format!("  {} {}", t.request.method, t.request.url),
            app.theme.dim,
        ),
    ])];
    let sees = match (&t.response, &t.symptom) {
        (Some(resp), _) => format!("client sees: {}", resp.client_sees()),
        (None, Some(s)) => format!("client sees: {s}"),
        (None, None) => String::new(),
    };
    lines.push(Line::from(Span::styled(sees, app.theme.text)));
    lines.push(Line::from(Span::styled(
        format!("   {:<16}{:<10}{:<4}REASON", "HOP", "VERDICT", "LOG"),
        app.theme.dim,
    )));
    let room = (inner.height as usize).saturating_sub(lines.len());
    let first = super::super::layout::list_offset(app.trace.hop_sel, t.hops.len(), room);
    for (i, h) in t.hops.iter().enumerate().skip(first).take(room) {
        let vs = app.theme.verdict(h.verdict);
        let ev = app.logs.evidence(h.hop);
        // Lines attached to the hop, and `!` when one contradicts it.
        let mark = match (&ev.contradicted_by, ev.lines) {
            (Some(_), n) => Span::styled(format!("!{n:<3}"), app.theme.deny),
            (None, 0) => Span::styled("    ", app.theme.dim),
            (None, n) => Span::styled(format!("{:<4}", n.min(999)), app.theme.dim),
        };
        let line = Line::from(vec![
            Span::styled(format!(" {} ", h.verdict.glyph()), vs),
            Span::styled(format!("{:<16}", h.hop), app.theme.text),
            Span::styled(format!("{:<10}", h.verdict.as_str()), vs),
            mark,
            Span::styled(clean(&h.reason), app.theme.text),
        ]);
        lines.push(if i == app.trace.hop_sel {
            selected(line, app.theme.selected)
        } else {
            line
        });
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Every policy the hop evaluated, statement by statement, as the engine
/// recorded it: the statement that decided the hop (if one did) in the
/// verdict's colour, and under each statement why it applied or which
/// element or condition failed.
fn policy_lines(app: &App, hop: &Hop) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let vs = app.theme.verdict(hop.verdict);
    for doc in &hop.policies {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            doc.title.clone(),
            app.theme.accent,
        )));
        if doc.statements.is_empty() {
            lines.push(Line::from(Span::styled("  (no statements)", app.theme.dim)));
        }
        let deciding = doc.decided(&hop.deciding);
        for st in &doc.statements {
            let decides = deciding == Some(st.index);
            let applies = st.result == StatementResult::Applies;
            let head_style = if decides {
                vs.add_modifier(ratatui::style::Modifier::BOLD)
            } else if applies {
                app.theme.text
            } else {
                app.theme.dim
            };
            let marker = if decides { "▶ " } else { "  " };
            lines.push(Line::from(Span::styled(
                format!(
                    "{marker}{}{}",
                    st.label,
                    if decides { "  (decides)" } else { "" }
                ),
                head_style,
            )));
            for l in st.text().lines() {
                lines.push(Line::from(Span::styled(
                    clean(&format!("    {l}")),
                    if decides { vs } else { head_style },
                )));
            }
            if !st.why.is_empty() {
                let style = if applies {
                    app.theme.dim
                } else {
                    app.theme.unknown
                };
                lines.push(Line::from(vec![
                    Span::styled("    why: ", app.theme.accent),
                    Span::styled(
                        clean(&format!(
                            "{}: {}: {}",
                            st.effect,
                            st.result.as_str(),
                            st.why
                        )),
                        style,
                    ),
                ]));
            }
        }
    }
    lines
}

pub fn detail(f: &mut Frame, app: &App, r: Rect) {
    let hop = app.trace.selected_hop();
    let title = hop
        .map(|h| format!(" hop {}: {} ", app.trace.hop_sel + 1, h.hop))
        .unwrap_or_else(|| " hop ".into());
    let b = block(app, title, Pane::Right);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let Some(h) = hop else { return };
    let p = detail_text(app, h);
    let max = max_scroll(&p, inner);
    f.render_widget(p.scroll((app.trace.detail_scroll.min(max), 0)), inner);
}

/// How far the hop detail drawn in `r` can scroll.
pub fn detail_max(app: &App, r: Rect) -> u16 {
    let Some(h) = app.trace.selected_hop() else {
        return 0;
    };
    let inner = block(app, String::new(), Pane::Right).inner(r);
    max_scroll(&detail_text(app, h), inner)
}

fn max_scroll(p: &Paragraph, inner: Rect) -> u16 {
    (p.line_count(inner.width) as u16).saturating_sub(inner.height)
}

/// The selected hop's evidence, policy and log lines, wrapped.
fn detail_text<'a>(app: &App, h: &crate::trace::Hop) -> Paragraph<'a> {
    let vs = app.theme.verdict(h.verdict);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} {}", h.verdict.glyph(), h.verdict.as_str()), vs),
        Span::styled(
            if h.check.is_empty() {
                String::new()
            } else {
                format!("  [{}]", h.check)
            },
            app.theme.dim,
        ),
    ])];
    lines.push(Line::from(Span::styled(clean(&h.reason), app.theme.text)));
    if !h.deciding.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled("deciding field", app.theme.accent)));
        lines.push(Line::from(Span::styled(clean(&h.deciding.to_string()), vs)));
    }
    // The first block carries the trace's whole response: the gateway
    // response, customisations and whether the access log records it.
    let response = app
        .trace
        .result
        .as_ref()
        .filter(|t| t.first_block == Some(h.hop))
        .and_then(|t| t.response.as_ref());
    match (response, &h.symptom) {
        (Some(r), _) => {
            lines.push(Line::from(vec![
                Span::styled("client sees: ", app.theme.accent),
                Span::styled(r.client_sees(), app.theme.text),
            ]));
            if let Some(c) = &r.customised {
                lines.push(Line::from(vec![
                    Span::styled("customised: ", app.theme.accent),
                    Span::styled(c.clone(), app.theme.text),
                ]));
            }
        }
        (None, Some(s)) => lines.push(Line::from(vec![
            Span::styled("client sees: ", app.theme.accent),
            Span::styled(s.clone(), app.theme.text),
        ])),
        (None, None) => {}
    }
    if !h.resources.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("read: ", app.theme.accent),
            Span::styled(
                h.resources
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                app.theme.text,
            ),
        ]));
    }
    for n in &h.notes {
        lines.push(Line::from(vec![
            Span::styled("note: ", app.theme.accent),
            Span::styled(clean(n), app.theme.text),
        ]));
    }
    if !app.trace.whatif_diff.is_empty() && !app.undo.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            "what-if (before → after)",
            app.theme.accent,
        )));
        for d in &app.trace.whatif_diff {
            lines.push(Line::from(Span::styled(format!("  {d}"), app.theme.text)));
        }
    }
    lines.extend(policy_lines(app, h));
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        "log lines for this hop",
        app.theme.accent,
    )));
    if let Some(c) = app.logs.evidence(h.hop).contradicted_by {
        lines.push(Line::from(vec![
            Span::styled("  contradicted by logs: ", app.theme.deny),
            Span::styled(clean(&c.why), app.theme.text),
        ]));
        lines.push(Line::from(Span::styled(
            clean(&format!("    [{}] {}", c.source, c.raw)),
            app.theme.dim,
        )));
    }
    let logs = app.logs.for_hop(h.hop, 20);
    if logs.is_empty() {
        lines.push(Line::from(Span::styled(
            "  none attached to this hop yet",
            app.theme.dim,
        )));
    }
    for l in logs {
        lines.push(Line::from(Span::styled(
            clean(&format!("  [{}] {}", l.source.as_str(), l.text)),
            app.theme.text,
        )));
    }
    Paragraph::new(lines).wrap(Wrap { trim: false })
}
