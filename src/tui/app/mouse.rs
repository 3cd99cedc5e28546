//! Mouse clicks and the wheel.

use super::*;

impl App {
    pub(super) fn on_mouse(&mut self, ev: MouseEvent) {
        let a = self.areas();
        let (x, y) = (ev.column, ev.row);
        let pane = if a.left.contains((x, y).into()) {
            Some(Pane::Left)
        } else if a.right.contains((x, y).into()) {
            Some(Pane::Right)
        } else if a.logs.contains((x, y).into()) {
            Some(Pane::Logs)
        } else {
            None
        };
        match ev.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp
                if matches!(self.mode, Mode::Explain { .. }) =>
            {
                let d = if ev.kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                };
                self.scroll_explain(d);
                self.dirty = true;
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                if let Some(p) = pane {
                    self.focus = p;
                    let d = if ev.kind == MouseEventKind::ScrollDown {
                        3
                    } else {
                        -3
                    };
                    self.move_sel(d);
                    self.dirty = true;
                }
            }
            MouseEventKind::Down(MouseButton::Left) => {
                let Some(p) = pane else { return };
                if !matches!(self.mode, Mode::Normal) {
                    return;
                }
                self.focus = p;
                self.dirty = true;
                let rect = match p {
                    Pane::Left => a.left,
                    Pane::Right => a.right,
                    Pane::Logs => return,
                };
                // Rows start one line below the pane's top border.
                let row = y.saturating_sub(rect.y + 1) as usize;
                match (self.screen, p) {
                    (Screen::Explorer, Pane::Left) => {
                        let ex = &self.explorer;
                        let room = rect.height.saturating_sub(2) as usize;
                        let i = layout::list_offset(ex.sel, ex.rows.len(), room) + row;
                        if i < ex.rows.len() {
                            if i == ex.sel {
                                self.select();
                            } else {
                                self.explorer.select_row(i);
                            }
                        }
                    }
                    (Screen::Reach, Pane::Left) => {
                        // A click selects a row; a click on the selected row traces it.
                        if let Some(i) = super::super::view::reach_row_at(self, y) {
                            if i == self.reach.sel {
                                self.select();
                            } else {
                                self.reach.sel = i;
                            }
                        }
                    }
                    (Screen::Trace, Pane::Left) if self.trace.diagram => {
                        // A click selects a box; a click on the selected box opens its hop.
                        if let Some(i) = super::super::view::diagram_box_at(self, x, y) {
                            if i == self.trace.box_sel {
                                self.select();
                            } else {
                                let d = i as isize - self.trace.box_sel as isize;
                                self.trace.move_box(d);
                            }
                        }
                    }
                    (Screen::Trace, Pane::Left) => {
                        // Two summary lines and the column header sit above the hops.
                        let n = self.trace.hop_count();
                        let room = (rect.height as usize).saturating_sub(5);
                        let first = layout::list_offset(self.trace.hop_sel, n, room);
                        let i = first + row.saturating_sub(3);
                        if row >= 3 && i < n {
                            self.trace.select_hop(i);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}
