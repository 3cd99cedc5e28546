//! One-line text editing with a cursor, for the prompts and the trace form.

use crossterm::event::KeyCode;

/// The cursor as a char index; `None` means the end of the text.
pub fn cursor_of(text: &str, cursor: Option<usize>) -> usize {
    let len = text.chars().count();
    cursor.map_or(len, |c| c.min(len))
}

fn byte_at(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map(|(i, _)| i)
        .unwrap_or(text.len())
}

/// Apply an editing key; returns false when the key is not an editing key.
pub fn edit(text: &mut String, cursor: &mut Option<usize>, code: KeyCode) -> bool {
    let len = text.chars().count();
    let at = cursor_of(text, *cursor);
    match code {
        KeyCode::Char(c) => {
            text.insert(byte_at(text, at), c);
            *cursor = Some(at + 1);
        }
        KeyCode::Backspace if at > 0 => {
            text.remove(byte_at(text, at - 1));
            *cursor = Some(at - 1);
        }
        KeyCode::Backspace => {}
        KeyCode::Delete if at < len => {
            text.remove(byte_at(text, at));
        }
        KeyCode::Delete => {}
        KeyCode::Left => *cursor = Some(at.saturating_sub(1)),
        KeyCode::Right => *cursor = Some((at + 1).min(len)),
        KeyCode::Home => *cursor = Some(0),
        KeyCode::End => *cursor = None,
        _ => return false,
    }
    true
}

/// The text split at the cursor: (before, the character under it or a space, after).
pub fn split(text: &str, cursor: Option<usize>) -> (String, String, String) {
    let at = cursor_of(text, cursor);
    let before: String = text.chars().take(at).collect();
    let under: String = text
        .chars()
        .nth(at)
        .map(|c| c.to_string())
        .unwrap_or_else(|| " ".into());
    let after: String = text.chars().skip(at + 1).collect();
    (before, under, after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_in_the_middle() {
        let mut t = String::from("trace i-1 https://x");
        let mut c = None;
        edit(&mut t, &mut c, KeyCode::Home);
        for _ in 0..5 {
            edit(&mut t, &mut c, KeyCode::Right);
        }
        edit(&mut t, &mut c, KeyCode::Char('!'));
        assert_eq!(t, "trace! i-1 https://x");
        edit(&mut t, &mut c, KeyCode::Backspace);
        edit(&mut t, &mut c, KeyCode::Delete);
        assert_eq!(t, "tracei-1 https://x");
        edit(&mut t, &mut c, KeyCode::End);
        edit(&mut t, &mut c, KeyCode::Char('/'));
        assert_eq!(t, "tracei-1 https://x/");
        assert_eq!(
            split("ab", Some(1)),
            ("a".into(), "b".into(), String::new())
        );
        let mut u = String::from("é");
        let mut c = None;
        edit(&mut u, &mut c, KeyCode::Backspace);
        assert!(u.is_empty());
        assert!(!edit(&mut u, &mut c, KeyCode::Enter));
    }
}
