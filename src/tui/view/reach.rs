//! The reach view: groups by verdict and deciding field, each with its
//! members; the selected row's group explained under the table.

use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::super::app::{App, Pane, ReachRow};
use super::{block, clean, selected};
use crate::reach::{thousands, Member, Query};
use crate::trace::Overall;

/// A member's row: the instance and where it sits, or the method and its URL.
fn member_line(m: &Member) -> String {
    match m {
        Member::Instance {
            instance,
            name,
            vpc,
            subnet,
            ip,
        } => format!(
            "{instance:<20} {:<14} {:<15} {vpc}  {subnet}",
            name.as_deref().unwrap_or("-"),
            ip.as_deref().unwrap_or("-"),
        ),
        Member::Method {
            api,
            api_name,
            stage,
            method,
            resource,
            request_method,
            ..
        } => {
            let any = if method.eq_ignore_ascii_case("ANY") {
                " (ANY)"
            } else {
                ""
            };
            format!(
                "{:<7} {api}/{stage}{resource}{any}  {}",
                request_method,
                api_name.as_deref().unwrap_or("")
            )
        }
    }
}

/// The selected row's group, explained under the table.
fn foot_lines(app: &App) -> Vec<Line<'static>> {
    let st = &app.reach;
    let mut foot: Vec<Line> = Vec::new();
    if let Some(g) = st.selected().and_then(|row| st.group_of(row)) {
        let vs = app.theme.verdict(g.verdict.as_verdict());
        let mut l = vec![Span::styled(
            format!("{} {} ", thousands(g.count), g.title()),
            vs.add_modifier(Modifier::BOLD),
        )];
        if !g.deciding.is_empty() {
            l.push(Span::styled(clean(&g.deciding), app.theme.text));
        }
        foot.push(Line::from(l));
        if let Some((m, reason)) = &g.example {
            foot.push(Line::from(Span::styled(
                clean(&format!("e.g. {m}: {reason}")),
                app.theme.dim,
            )));
        }
        foot.push(Line::from(Span::styled(
            "enter: trace the member (on a heading, its first) · esc: explorer · 2: trace view",
            app.theme.dim,
        )));
    }
    foot
}

/// Where the rows go inside the pane: the first row shown, how many fit
/// under the heading line, and the footer's height (wrapped, at most a
/// third of the pane).
fn geometry(app: &App, inner: Rect, foot: &[Line]) -> (usize, usize, u16) {
    let foot_h = (foot
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner.width.max(1) as usize))
        .sum::<usize>() as u16)
        .min(inner.height / 3);
    let room = (inner.height as usize).saturating_sub(1 + foot_h as usize);
    let st = &app.reach;
    let first = super::super::layout::list_offset(st.sel, st.rows.len(), room);
    (first, room, foot_h)
}

/// The reach table's row under screen row `y` of the pane `r`.
pub fn row_at(app: &App, r: Rect, y: u16) -> Option<usize> {
    let inner = block(app, String::new(), Pane::Left).inner(r);
    let (first, room, _) = geometry(app, inner, &foot_lines(app));
    // The heading line comes first.
    let k = y.checked_sub(inner.y + 1)? as usize;
    (k < room && first + k < app.reach.rows.len()).then_some(first + k)
}

pub fn table(f: &mut Frame, app: &App, r: Rect) {
    let st = &app.reach;
    let title = match st.result.as_ref().map(|r| &r.query) {
        Some(Query::To { method, url, .. }) => {
            format!(" reach · every running instance → {method} {url} ")
        }
        Some(Query::From { instance }) => format!(" reach · {instance} → every deployed method "),
        None => " reach ".into(),
    };
    let b = block(app, clean(&title), Pane::Left);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let Some(res) = &st.result else {
        let msg = st.error.clone().unwrap_or_else(|| {
            "no reach yet: select an API, stage, method or instance and press a".into()
        });
        f.render_widget(
            Paragraph::new(Span::styled(clean(&msg), app.theme.deny)).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    let mut head = Vec::new();
    if let Some(p) = &st.picked {
        head.push(Span::styled(format!("for {p} · "), app.theme.accent));
    }
    // How the request is sent, when it is more than a plain GET.
    if let Some(Query::To {
        headers, auth, tls, ..
    }) = st.result.as_ref().map(|r| &r.query)
    {
        let mut how = Vec::new();
        if *auth != "none" {
            how.push(format!("auth {auth}"));
        }
        if *tls != "1.2" {
            how.push(format!("TLS {tls}"));
        }
        how.extend(headers.iter().map(|(k, v)| format!("{k}: {v}")));
        if !how.is_empty() {
            head.push(Span::styled(
                clean(&format!("{} · ", how.join(" · "))),
                app.theme.accent,
            ));
        }
    }
    head.push(Span::styled(
        format!(
            "{} traced{} ",
            thousands(res.total),
            if res.skipped_not_running > 0 {
                format!(" ({} not running)", thousands(res.skipped_not_running))
            } else {
                String::new()
            }
        ),
        app.theme.text,
    ));
    for o in [Overall::Blocked, Overall::Undetermined, Overall::Reachable] {
        let n = res.count(o);
        let v = o.as_verdict();
        head.push(Span::styled(
            format!("· {} {} {} ", v.glyph(), thousands(n), o.as_str()),
            if n > 0 {
                app.theme.verdict(v)
            } else {
                app.theme.dim
            },
        ));
    }
    let mut lines = vec![Line::from(head)];
    let foot = foot_lines(app);
    let (first, room, foot_h) = geometry(app, inner, &foot);
    for (i, row) in st.rows.iter().enumerate().skip(first).take(room) {
        let line = match *row {
            ReachRow::Group(g) => {
                let grp = &res.groups[g];
                let v = grp.verdict.as_verdict();
                let vs = app.theme.verdict(v);
                Line::from(vec![
                    Span::styled(
                        format!("{} {} {}", v.glyph(), thousands(grp.count), grp.title()),
                        vs.add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(
                        if grp.deciding.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", clean(&grp.deciding))
                        },
                        app.theme.dim,
                    ),
                ])
            }
            ReachRow::Member(g, m) => {
                let member = &res.groups[g].members[m];
                Line::from(Span::styled(
                    clean(&format!("    {}", member_line(member))),
                    app.theme.text,
                ))
            }
        };
        lines.push(if i == st.sel {
            selected(line, app.theme.selected)
        } else {
            line
        });
    }
    let table_h = inner.height.saturating_sub(foot_h);
    f.render_widget(
        Paragraph::new(lines),
        Rect::new(inner.x, inner.y, inner.width, table_h),
    );
    if foot_h > 0 {
        f.render_widget(
            Paragraph::new(foot).wrap(Wrap { trim: true }),
            Rect::new(inner.x, inner.y + table_h, inner.width, foot_h),
        );
    }
}
