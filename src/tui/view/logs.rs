//! The logs pane: lines tagged with source (and hop, once correlated),
//! follow / pause / wrap / timestamps / filter / this-hop-only, freshness.

use std::time::Duration;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::super::app::{App, Pane};
use super::{block, clean};
use crate::logs::SourceKind;
use crate::trace::HopId;

fn age(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else {
        format!("{}h", s / 3600)
    }
}

fn source_style(app: &App, k: SourceKind) -> Style {
    match k {
        SourceKind::Access => app.theme.accent,
        SourceKind::Execution => app.theme.unknown,
        SourceKind::Flow => app.theme.allow,
        SourceKind::Lambda => app.theme.text,
    }
}

pub fn pane(f: &mut Frame, app: &App, r: Rect) {
    let v = &app.logs;
    let mut flags = Vec::new();
    match v.paused_at {
        Some(at) => flags.push(format!("paused +{}", v.buf.total().saturating_sub(at))),
        None if v.follow => flags.push("follow".into()),
        None => flags.push(format!("scrolled {}", v.scroll)),
    }
    if v.wrap {
        flags.push("wrap".into());
    }
    if v.hop_only {
        flags.push(format!(
            "hop:{}",
            app.selected_hop().map(HopId::as_str).unwrap_or("-")
        ));
    }
    if let Some(fl) = &v.filter {
        flags.push(format!("/{}/", fl.text));
    }
    let fresh: Vec<String> = v
        .fresh
        .iter()
        .map(|(k, at)| {
            format!(
                "{} {}",
                k.as_str(),
                age(app.now.duration_since(*at).unwrap_or_default())
            )
        })
        .collect();
    let source = v.source.clone().unwrap_or_else(|| "no log source".into());
    let title = format!(
        " logs [{}] {} lines · {}{} ",
        flags.join(" "),
        v.buf.total(),
        source,
        if fresh.is_empty() {
            String::new()
        } else {
            format!(" · {}", fresh.join(" · "))
        }
    );
    let b = block(app, title, Pane::Logs);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let h = inner.height as usize;
    if h == 0 {
        return;
    }
    let shown = app.visible_logs(h);
    let mut lines: Vec<Line> = Vec::with_capacity(shown.len());
    for l in shown {
        let mut spans = vec![Span::styled(
            format!("{:<12}", format!("[{}]", l.source.as_str())),
            source_style(app, l.source),
        )];
        if let Some(hop) = l.hop {
            spans.push(Span::styled(format!("<{hop}> "), app.theme.accent));
        }
        if v.timestamps {
            let iso = crate::logs::replay::iso(l.at);
            spans.push(Span::styled(
                format!("{} ", iso.get(11..23).unwrap_or("")),
                app.theme.dim,
            ));
        }
        spans.push(Span::styled(clean(&l.text), app.theme.text));
        lines.push(Line::from(spans));
    }
    if lines.is_empty() {
        let msg: String = if v.hop_only {
            match app.selected_hop().map(HopId::as_str) {
                Some(h) => format!("no lines attached to {h} (attaching lines to hops comes with log correlation); o shows all"),
                None => "no hop selected: run a trace first; o shows all lines".to_string(),
            }
        } else if v.source.is_some() {
            "waiting for log lines…".to_string()
        } else {
            "no log source for this world (live tails land with discovery)".to_string()
        };
        lines.push(Line::from(Span::styled(msg, app.theme.dim)));
    }
    let mut p = Paragraph::new(lines);
    if v.wrap {
        p = p.wrap(Wrap { trim: false });
        // Wrapped lines can overflow: keep the newest at the bottom.
        let total = p.line_count(inner.width) as u16;
        p = p.scroll((total.saturating_sub(inner.height), 0));
    }
    f.render_widget(p, inner);
}
