//! The path diagram of the trace view: the request as boxes joined by
//! arrows, wrapped onto as many rows as the screen needs, each box coloured
//! and glyphed by its verdict, the deciding box drawn thick, the selected
//! one double; under it, what the selected box's hops said.

use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::super::app::{App, Pane};
use super::{block, clean};
use crate::trace::path::{self, PathBox};
use crate::trace::Verdict;

/// Columns between two boxes of a row (the arrow).
const GAP: u16 = 3;
/// Columns kept on each side for the arrows that carry a row onto the next.
const MARGIN: u16 = 2;
/// Lines under the boxes for the selected box's hops.
const STATUS: u16 = 3;

/// How the boxes are placed: `per_row` boxes of `w`×`h` per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub per_row: usize,
    pub rows: usize,
    pub w: u16,
    pub h: u16,
}

/// The placement of `n` boxes in `inner`: two lines inside a border if at
/// all possible, then boxes wide enough for a whole marked id, then the
/// most lines per box (up to four), the widest boxes (up to 34 columns)
/// and the fewest rows. `None` when not even two lines per box fit.
pub fn grid(inner: Rect, n: usize) -> Option<Grid> {
    // Boxes at least 20 wide when the screen allows, else down to 14.
    grid_of(inner, n, 20).or_else(|| grid_of(inner, n, 14))
}

/// How good a placement is; compared field by field, greater is better.
type Score = (bool, bool, u16, u16, isize, u16);

fn grid_of(inner: Rect, n: usize, min_w: u16) -> Option<Grid> {
    let usable = inner.width.saturating_sub(2 * MARGIN);
    let avail = inner.height.saturating_sub(STATUS);
    let mut best: Option<(Grid, Score)> = None;
    for per_row in 1..=n.max(1) {
        let gaps = GAP * (per_row as u16 - 1);
        let Some(w) = usable.checked_sub(gaps).map(|x| x / per_row as u16) else {
            continue;
        };
        if w < min_w {
            continue;
        }
        let rows = n.div_ceil(per_row);
        let h = (avail / rows as u16).min(6);
        if h < 2 {
            continue;
        }
        // Two lines inside a border, then room for a whole id with its
        // mark (`▶ vpce-0123456789abcdef0`), then more lines, then width.
        let score = (h >= 4, w >= 26, h, w.min(34), -(rows as isize), w);
        if best.as_ref().is_none_or(|(_, s)| score > *s) {
            best = Some((
                Grid {
                    per_row,
                    rows,
                    w: w.min(48),
                    h,
                },
                score,
            ));
        }
    }
    best.map(|(g, _)| g)
}

/// The diagram's area inside its pane.
pub fn inner(app: &App, r: Rect) -> Rect {
    block(app, String::new(), Pane::Left).inner(r)
}

/// Where box `i` is drawn.
pub fn place(g: &Grid, inner: Rect, i: usize) -> Rect {
    let row = (i / g.per_row) as u16;
    let col = (i % g.per_row) as u16;
    Rect::new(
        inner.x + MARGIN + col * (g.w + GAP),
        inner.y + row * g.h,
        g.w,
        g.h,
    )
}

/// Cut `s` to `w` columns, with `…` when cut.
fn fit(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n <= w {
        return s.to_string();
    }
    let mut out: String = s.chars().take(w.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The lines inside a box, most important first: the lead row (the
/// deciding resource's, else the one whose hop colours the box), the
/// names, the other rows. The title goes on the border.
fn box_text(b: &PathBox, width: usize) -> Vec<(String, bool)> {
    let mut rows = b.row_lines(2);
    let lead = if b.lead < rows.len() {
        rows.remove(b.lead)
    } else {
        rows.remove(0)
    };
    // The deciding resource leads with `▶`; where the mark would cut the
    // id, it goes and the bold underline alone marks it.
    let marked = lead.starts_with("▶ ");
    let lead = match lead.strip_prefix("▶ ") {
        Some(id) if lead.chars().count() > width => id.to_string(),
        _ => lead,
    };
    let mut out = vec![(fit(&lead, width), marked)];
    let names = b.name_line(2);
    if !names.is_empty() {
        out.push((fit(&names, width), false));
    }
    out.extend(rows.into_iter().map(|r| (fit(&r, width), false)));
    out
}

pub fn diagram(f: &mut Frame, app: &App, r: Rect) {
    let Some(t) = &app.trace.result else {
        super::trace::hops(f, app, r);
        return;
    };
    let title = format!(" path · {} · d: hop table ", crate::export::verdict_line(t));
    let b = block(app, title, Pane::Left);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let boxes = path::boxes(t);
    let Some(g) = grid(inner, boxes.len()) else {
        f.render_widget(
            Paragraph::new(Span::styled(
                "too small for the path diagram: d shows the hop table",
                app.theme.dim,
            ))
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    let sel = app.trace.box_sel.min(boxes.len() - 1);
    let mut blocked = false;
    for (i, bx) in boxes.iter().enumerate() {
        let area = place(&g, inner, i);
        let vs = app.theme.verdict(bx.verdict);
        let selected = i == sel;
        let bordered = g.h >= 3;
        let title = format!("{} {}", bx.verdict.glyph(), bx.stop.title());
        let title_style = vs.add_modifier(Modifier::BOLD);
        let mut lines: Vec<Line> = Vec::new();
        let content = if bordered {
            // The title rides on the top border, the marks on the bottom one.
            let mut blk = Block::default()
                .borders(Borders::ALL)
                .border_style(if selected { app.theme.accent } else { vs })
                .border_type(if selected {
                    BorderType::Double
                } else if bx.deciding {
                    BorderType::Thick
                } else {
                    BorderType::Rounded
                })
                .title(Span::styled(
                    clean(&fit(&title, area.width.saturating_sub(2) as usize)),
                    title_style,
                ));
            if bx.deciding {
                blk = blk.title_bottom(Span::styled("decides", title_style));
            }
            let c = blk.inner(area);
            f.render_widget(blk, area);
            c
        } else {
            let style = if selected {
                title_style.add_modifier(Modifier::REVERSED)
            } else {
                title_style
            };
            lines.push(Line::from(Span::styled(
                clean(&fit(&title, area.width as usize)),
                style,
            )));
            area
        };
        let room = (content.height as usize).saturating_sub(lines.len());
        lines.extend(
            box_text(bx, content.width as usize)
                .into_iter()
                .take(room)
                .map(|(text, marked)| {
                    let style = if marked {
                        vs.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
                    } else {
                        app.theme.text
                    };
                    Line::from(Span::styled(clean(&text), style))
                }),
        );
        f.render_widget(Paragraph::new(lines), content);
        // The arrow to the next box: on the same row, or at the row's end
        // and the next row's start.
        blocked |= bx.verdict == Verdict::Deny;
        if i + 1 == boxes.len() {
            continue;
        }
        let (glyph, style) = if blocked {
            ("⇢", app.theme.dim)
        } else {
            ("→", app.theme.text)
        };
        let mid = area.y + area.height / 2;
        let end_of_row = (i + 1) % g.per_row == 0;
        if end_of_row {
            let x = area.x + area.width + 1;
            if x < inner.x + inner.width {
                f.render_widget(Span::styled(glyph, style), Rect::new(x, mid, 1, 1));
            }
            let next = place(&g, inner, i + 1);
            f.render_widget(
                Span::styled(glyph, style),
                Rect::new(inner.x, next.y + next.height / 2, 1, 1),
            );
        } else {
            f.render_widget(
                Span::styled(format!(" {glyph} "), style),
                Rect::new(area.x + area.width, mid, GAP, 1),
            );
        }
    }
    // What the selected box's hops said.
    let bx = &boxes[sel];
    let top = inner.y + g.rows as u16 * g.h;
    let status = Rect::new(
        inner.x,
        top,
        inner.width,
        (inner.y + inner.height).saturating_sub(top),
    );
    let mut spans = vec![Span::styled(
        format!("▸ {}: ", bx.stop.title()),
        app.theme.accent,
    )];
    for (i, h) in t
        .hops
        .iter()
        .filter(|h| bx.hops.contains(&h.hop))
        .enumerate()
    {
        if i > 0 {
            spans.push(Span::styled(", ", app.theme.dim));
        }
        spans.push(Span::styled(
            format!("{} {} {}", h.verdict.glyph(), h.hop, h.verdict.as_str()),
            app.theme.verdict(h.verdict),
        ));
    }
    spans.push(Span::styled(" — enter: hop detail", app.theme.dim));
    let mut lines = vec![Line::from(spans)];
    if let Some(h) = focus_hop(t, bx) {
        lines.push(Line::from(Span::styled(clean(&h.reason), app.theme.text)));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), status);
}

/// The hop of a box that the detail opens on: the one that decided the
/// trace, else the first that denies or is unknown, else the first.
pub fn focus_hop<'t>(t: &'t crate::trace::Trace, bx: &PathBox) -> Option<&'t crate::trace::Hop> {
    let mine = || t.hops.iter().filter(|h| bx.hops.contains(&h.hop));
    let decided = path::deciding_hop(t);
    mine()
        .find(|h| Some(h.hop) == decided)
        .or_else(|| mine().find(|h| h.verdict == Verdict::Deny))
        .or_else(|| mine().find(|h| h.verdict == Verdict::Unknown))
        .or_else(|| mine().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleven_boxes_fit_at_the_sizes_people_use() {
        // 80×24 with the diagram over the logs: 78×19 inside the border.
        let g = grid(Rect::new(1, 3, 78, 19), 11).unwrap();
        assert_eq!((g.per_row, g.rows), (3, 4));
        assert!(g.h >= 4, "{g:?}");
        // 120×40: 118×23.
        let g = grid(Rect::new(1, 3, 118, 23), 11).unwrap();
        assert!(g.h == 6 && g.per_row >= 4 && g.w >= 24, "{g:?}");
        // 200×60: 198×36.
        let g = grid(Rect::new(1, 3, 198, 36), 11).unwrap();
        assert!(g.h == 6 && g.rows <= 3 && g.w >= 30, "{g:?}");
        // Too small: no grid, and the view says so.
        assert_eq!(grid(Rect::new(0, 0, 20, 5), 11), None);
    }

    #[test]
    fn boxes_never_overlap_or_leave_the_area() {
        for (w, h) in [(38, 12), (78, 19), (118, 23), (198, 36), (60, 40)] {
            let inner = Rect::new(1, 1, w, h);
            let Some(g) = grid(inner, 11) else { continue };
            let rects: Vec<Rect> = (0..11).map(|i| place(&g, inner, i)).collect();
            for (i, a) in rects.iter().enumerate() {
                assert!(
                    a.x + a.width <= inner.x + inner.width
                        && a.y + a.height <= inner.y + inner.height,
                    "{w}x{h}: box {i} {a:?} leaves {inner:?}"
                );
                for b in &rects[i + 1..] {
                    assert!(!a.intersects(*b), "{w}x{h}: {a:?} overlaps {b:?}");
                }
            }
        }
    }
}
