//! Keys while the help overlay is open.

use super::*;

impl App {
    /// Scroll the help, stopping where its last line sits at the bottom of
    /// the overlay; any other key closes it.
    pub(super) fn on_help_key(&mut self, ev: KeyEvent, scroll: usize) -> Vec<Effect> {
        let max = super::super::view::help_max(self);
        let to = |s: usize| Mode::Help { scroll: s.min(max) };
        self.mode = match ev.code {
            KeyCode::Down | KeyCode::Char('j') => to(scroll + 1),
            KeyCode::Up | KeyCode::Char('k') => to(scroll.saturating_sub(1)),
            KeyCode::PageDown => to(scroll + 10),
            KeyCode::PageUp => to(scroll.saturating_sub(10)),
            _ => Mode::Normal,
        };
        Vec::new()
    }
}
