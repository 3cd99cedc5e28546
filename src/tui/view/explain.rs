//! The `:explain` overlay: the lines `hoptrace explain` prints, in the
//! theme's colours, wrapped and scrollable.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::super::app::App;
use super::super::layout::centered;
use super::super::theme::Theme;
use super::{clean, overlay::frame_block};
use crate::explain::render::{self, Tone};
use crate::explain::Explanation;

const NO_TRACE: &str = "none; trace the request (t on an instance, or :trace <instance> <url>), then :explain again to check it against the trace";

/// The overlay's rectangle inside `area` (the full width up to 120
/// columns, between the header and the footer), and the text's inside its
/// border.
fn areas(area: Rect) -> (Rect, Rect) {
    let r = centered(area, area.width.min(120), area.height.saturating_sub(2));
    (r, Block::bordered().inner(r))
}

fn style(theme: Option<&Theme>, tone: Tone) -> Style {
    let Some(t) = theme else {
        return Style::default();
    };
    match tone {
        Tone::Plain => t.text,
        Tone::Dim => t.dim,
        Tone::Accent => t.accent,
        Tone::Good => t.allow,
        Tone::Bad => t.deny,
        Tone::Unsure => t.unknown,
    }
}

/// Pieces of `s`: leading spaces, then each word with the spaces after it.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut after_space = false;
    for (i, c) in s.char_indices() {
        let space = c == ' ';
        if !space && after_space && i > start {
            out.push(&s[start..i]);
            start = i;
        }
        after_space = space;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// `line` wrapped at word boundaries to `width` columns, each continuation
/// row starting with the line's hanging indent (none when the room is
/// too narrow for one); a word longer than a row is cut.
fn wrap(line: &render::Line, width: usize, theme: Option<&Theme>) -> Vec<Line<'static>> {
    let width = width.max(1);
    let indent = if line.indent + 20 <= width {
        line.indent
    } else {
        0
    };
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut col = 0;
    for (tone, text) in &line.parts {
        let st = style(theme, *tone);
        let text = clean(text);
        for tok in tokens(&text) {
            let mut tok: String = tok.to_string();
            let word = tok.trim_end().chars().count();
            if col > indent && col + word > width {
                rows.push(vec![Span::raw(" ".repeat(indent))]);
                col = indent;
                tok = tok.trim_start().to_string();
            }
            // Cut what cannot fit on any row.
            while col + tok.trim_end().chars().count() > width {
                let room = width.saturating_sub(col).max(1);
                let cut: String = tok.chars().take(room).collect();
                tok = tok.chars().skip(room).collect();
                rows.last_mut().unwrap().push(Span::styled(cut, st));
                rows.push(vec![Span::raw(" ".repeat(indent))]);
                col = indent;
            }
            col += tok.chars().count();
            rows.last_mut().unwrap().push(Span::styled(tok, st));
        }
    }
    rows.into_iter().map(Line::from).collect()
}

/// The answer as rows of `width` columns.
fn rows_of(answer: &Explanation, width: u16, theme: Option<&Theme>) -> Vec<Line<'static>> {
    render::lines(answer, NO_TRACE)
        .iter()
        .flat_map(|l| wrap(l, width as usize, theme))
        .collect()
}

/// Rows of the wrapped answer, and how many fit.
fn rows(area: Rect, answer: &Explanation) -> (usize, usize) {
    let (_, inner) = areas(area);
    (
        rows_of(answer, inner.width, None).len(),
        inner.height as usize,
    )
}

/// The furthest the answer can scroll in `area`: until its last row is
/// the overlay's bottom row.
pub fn max_scroll(area: Rect, answer: &Explanation) -> usize {
    let (total, room) = rows(area, answer);
    total.saturating_sub(room)
}

pub fn overlay(f: &mut Frame, app: &App, area: Rect, answer: &Explanation, scroll: usize) {
    let (r, inner) = areas(area);
    let (total, room) = rows(area, answer);
    // A resize can leave the scroll past the end until the next key clamps it.
    let scroll = scroll.min(total.saturating_sub(room));
    let position = if total > room {
        format!(
            " {}–{} of {} · ↑↓ pgup pgdn scroll ·",
            scroll + 1,
            (scroll + room).min(total),
            total
        )
    } else {
        " ·".to_string()
    };
    f.render_widget(Clear, r);
    f.render_widget(
        frame_block(app, format!(" explain{position} esc closes ")),
        r,
    );
    let visible: Vec<Line<'static>> = rows_of(answer, inner.width, Some(&app.theme))
        .into_iter()
        .skip(scroll)
        .take(room)
        .collect();
    f.render_widget(Paragraph::new(visible), inner);
}
