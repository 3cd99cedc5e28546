//! `:explain <text>`: the hops and causes that produce what the client
//! saw, checked against the trace on the trace screen, in a scrollable
//! overlay.

use super::*;

impl App {
    /// Explain `text` (the rest of the `:explain` line); with a trace
    /// recorded, say whether it agrees.
    pub fn explain(&mut self, text: &str) {
        let text = unquote(text.trim());
        if text.is_empty() {
            self.flash(
                "usage: explain <what the client saw>, e.g. :explain 403 {\"message\":\"Forbidden\"}",
                true,
            );
            return;
        }
        let answer = crate::explain::explain(text, self.trace.result.as_ref());
        self.mode = Mode::Explain {
            answer: Box::new(answer),
            scroll: 0,
        };
        self.dirty = true;
    }

    /// Scroll the answer, stopping where its last line is at the bottom
    /// of the overlay; any other key closes it.
    pub(super) fn on_explain_key(
        &mut self,
        ev: KeyEvent,
        answer: Box<crate::explain::Explanation>,
        scroll: usize,
    ) -> Vec<Effect> {
        let max = super::super::view::explain_max(self.size, &answer);
        let page = (self.size.1 as usize / 2).max(1);
        let to = match ev.code {
            KeyCode::Down | KeyCode::Char('j') => scroll + 1,
            KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => scroll + page,
            KeyCode::PageUp => scroll.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => max,
            _ => return Vec::new(),
        };
        self.mode = Mode::Explain {
            answer,
            scroll: to.min(max),
        };
        Vec::new()
    }

    /// The mouse wheel scrolls an open answer by `delta` lines.
    pub(super) fn scroll_explain(&mut self, delta: isize) {
        if let Mode::Explain { answer, scroll } = &mut self.mode {
            let max = super::super::view::explain_max(self.size, answer);
            *scroll = scroll.saturating_add_signed(delta).min(max);
        }
    }
}

/// The text without one pair of quotes around all of it.
fn unquote(s: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            if !inner.contains(q) {
                return inner;
            }
        }
    }
    s
}
