//! A small built-in text editor for what-if edits when no `$EDITOR` is set.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    pub title: String,
    pub lines: Vec<String>,
    pub row: usize,
    /// Column in characters.
    pub col: usize,
    pub scroll: usize,
    pub error: Option<String>,
    /// Esc was pressed once with unsaved changes.
    pub confirm_discard: bool,
}

impl Editor {
    pub fn new(title: impl Into<String>, text: &str) -> Editor {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        Editor {
            title: title.into(),
            lines,
            row: 0,
            col: 0,
            scroll: 0,
            error: None,
            confirm_discard: false,
        }
    }

    pub fn text(&self) -> String {
        let mut t = self.lines.join("\n");
        t.push('\n');
        t
    }

    fn byte_col(&self) -> usize {
        let line = &self.lines[self.row];
        line.char_indices()
            .nth(self.col)
            .map(|(i, _)| i)
            .unwrap_or(line.len())
    }

    fn clamp(&mut self) {
        self.row = self.row.min(self.lines.len().saturating_sub(1));
        self.col = self.col.min(self.lines[self.row].chars().count());
    }

    pub fn insert(&mut self, c: char) {
        let b = self.byte_col();
        self.lines[self.row].insert(b, c);
        self.col += 1;
    }

    pub fn newline(&mut self) {
        let b = self.byte_col();
        let rest = self.lines[self.row].split_off(b);
        let indent: String = self.lines[self.row]
            .chars()
            .take_while(|c| *c == ' ')
            .collect();
        self.lines.insert(self.row + 1, format!("{indent}{rest}"));
        self.row += 1;
        self.col = indent.chars().count();
    }

    pub fn backspace(&mut self) {
        if self.col > 0 {
            self.col -= 1;
            let b = self.byte_col();
            self.lines[self.row].remove(b);
        } else if self.row > 0 {
            let line = self.lines.remove(self.row);
            self.row -= 1;
            self.col = self.lines[self.row].chars().count();
            self.lines[self.row].push_str(&line);
        }
    }

    pub fn delete(&mut self) {
        let len = self.lines[self.row].chars().count();
        if self.col < len {
            let b = self.byte_col();
            self.lines[self.row].remove(b);
        } else if self.row + 1 < self.lines.len() {
            let next = self.lines.remove(self.row + 1);
            self.lines[self.row].push_str(&next);
        }
    }

    pub fn up(&mut self) {
        self.row = self.row.saturating_sub(1);
        self.clamp();
    }
    pub fn down(&mut self) {
        self.row += 1;
        self.clamp();
    }
    pub fn left(&mut self) {
        if self.col > 0 {
            self.col -= 1;
        } else if self.row > 0 {
            self.row -= 1;
            self.col = self.lines[self.row].chars().count();
        }
    }
    pub fn right(&mut self) {
        if self.col < self.lines[self.row].chars().count() {
            self.col += 1;
        } else if self.row + 1 < self.lines.len() {
            self.row += 1;
            self.col = 0;
        }
    }
    pub fn home(&mut self) {
        self.col = 0;
    }
    pub fn end(&mut self) {
        self.col = self.lines[self.row].chars().count();
    }
    pub fn page(&mut self, down: bool, height: usize) {
        let h = height.max(1);
        self.row = if down {
            self.row + h
        } else {
            self.row.saturating_sub(h)
        };
        self.clamp();
    }

    /// Keep the cursor row inside a window of `height` rows.
    pub fn scroll_to_cursor(&mut self, height: usize) {
        let h = height.max(1);
        if self.row < self.scroll {
            self.scroll = self.row;
        } else if self.row >= self.scroll + h {
            self.scroll = self.row + 1 - h;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits() {
        let mut e = Editor::new("t", "{\n  \"a\": 1\n}");
        e.down();
        e.end();
        e.insert('0');
        assert_eq!(e.lines[1], "  \"a\": 10");
        e.newline();
        assert_eq!(e.lines[2], "  ");
        e.backspace();
        e.backspace();
        e.backspace();
        assert_eq!(e.lines.len(), 3);
        e.home();
        e.backspace();
        assert_eq!(e.lines[0], "{  \"a\": 10");
        assert_eq!(e.text(), "{  \"a\": 10\n}\n");
        // Multi-byte characters never split.
        let mut u = Editor::new("t", "é");
        u.end();
        u.backspace();
        assert_eq!(u.lines[0], "");
    }
}
