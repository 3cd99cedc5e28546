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
use crate::trace::{Overall, Verdict};

fn verdict_of(o: Overall) -> Verdict {
    match o {
        Overall::Reachable => Verdict::Allow,
        Overall::Blocked => Verdict::Deny,
        Overall::Undetermined => Verdict::Unknown,
    }
}

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
    let mut head = vec![Span::styled(
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
    )];
    for o in [Overall::Blocked, Overall::Undetermined, Overall::Reachable] {
        let n = res.count(o);
        let v = verdict_of(o);
        head.push(Span::styled(
            format!("· {} {} {} ", v.glyph(), thousands(n), o.as_str()),
            if n > 0 {
                app.theme.verdict(v)
            } else {
                app.theme.dim
            },
        ));
    }
    if let Some(p) = &st.picked {
        head.push(Span::styled(format!("· for {p}"), app.theme.dim));
    }
    let mut lines = vec![Line::from(head)];
    // The selected row's group, explained under the table.
    let mut foot: Vec<Line> = Vec::new();
    if let Some(g) = st.selected().and_then(|row| st.group_of(row)) {
        let vs = app.theme.verdict(verdict_of(g.verdict));
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
    // Wrapped, the footer can take more lines than it has: give it at most a third.
    let foot_h = (foot
        .iter()
        .map(|l| {
            let w = l.width().max(1);
            w.div_ceil(inner.width.max(1) as usize)
        })
        .sum::<usize>() as u16)
        .min(inner.height / 3);
    let room = (inner.height as usize).saturating_sub(lines.len() + foot_h as usize);
    let first = super::super::layout::list_offset(st.sel, st.rows.len(), room);
    for (i, row) in st.rows.iter().enumerate().skip(first).take(room) {
        let line = match *row {
            ReachRow::Group(g) => {
                let grp = &res.groups[g];
                let v = verdict_of(grp.verdict);
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
