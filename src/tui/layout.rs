//! Screen geometry shared by rendering and mouse handling.

use ratatui::layout::Rect;

use super::app::{App, Screen};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub header: Rect,
    pub crumbs: Rect,
    pub left: Rect,
    pub right: Rect,
    pub logs: Rect,
    pub footer: Rect,
    /// Too small to draw the panes: only a notice is shown.
    pub tiny: bool,
}

/// Minimum size for the full layout.
pub const MIN_W: u16 = 40;
pub const MIN_H: u16 = 12;

pub fn areas(w: u16, h: u16, app: &App) -> Areas {
    let full = Rect::new(0, 0, w, h);
    if w < MIN_W || h < MIN_H {
        return Areas {
            header: full,
            tiny: true,
            ..Default::default()
        };
    }
    let header = Rect::new(0, 0, w, 1);
    let crumbs = Rect::new(0, 1, w, 1);
    let footer = Rect::new(0, h - 1, w, 1);
    let body_h = h - 3;
    // The logs pane takes about a third of the body.
    let logs_h = (body_h / 3).max(5).min(body_h.saturating_sub(6));
    let main_h = body_h - logs_h;
    let main = Rect::new(0, 2, w, main_h);
    let logs = Rect::new(0, 2 + main_h, w, logs_h);
    // The path diagram and the reach table take the whole width; on a
    // short terminal the diagram takes the logs' rows too.
    let diagram = app.screen == Screen::Trace && app.trace.diagram && app.trace.result.is_some();
    let wide = diagram || app.screen == Screen::Reach;
    let (main_h, logs) = if diagram && h < 30 {
        (body_h, Rect::new(0, 2 + body_h, w, 0))
    } else {
        (main_h, logs)
    };
    let left_w = if wide {
        w
    } else if w >= 100 {
        w * 2 / 5
    } else {
        w / 2
    };
    let left = Rect::new(0, main.y, left_w, main_h);
    let right = Rect::new(left_w, main.y, w - left_w, main_h);
    Areas {
        header,
        crumbs,
        left,
        right,
        logs,
        footer,
        tiny: false,
    }
}

/// First visible row of a list of `len` rows showing `height` rows with `sel` selected.
pub fn list_offset(sel: usize, len: usize, height: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    let half = height / 2;
    sel.saturating_sub(half).min(len - height)
}

/// A centred rectangle of at most `w`×`h` inside `r`.
pub fn centered(r: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(r.width);
    let h = h.min(r.height);
    Rect::new(r.x + (r.width - w) / 2, r.y + (r.height - h) / 2, w, h)
}
