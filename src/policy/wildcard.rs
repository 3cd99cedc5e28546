//! `*` / `?` wildcard patterns (IAM-ACTION, IAM-RES, IAM-CONDOP `StringLike`).
//! `*` matches any run of characters (also none), `?` exactly one character.
//! Matching is iterative (no recursion), linear in memory, and never panics.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(String),
    Star,
    One,
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Glob {
    toks: Vec<Tok>,
}

impl Glob {
    /// `*` and `?` are wildcards; every other character is literal.
    pub fn compile(pattern: &str) -> Glob {
        let mut g = Glob::default();
        let mut lit = String::new();
        for c in pattern.chars() {
            match c {
                '*' | '?' => {
                    if !lit.is_empty() {
                        g.push_lit(&std::mem::take(&mut lit));
                    }
                    if c == '*' {
                        g.push_star();
                    } else {
                        g.push_one();
                    }
                }
                _ => lit.push(c),
            }
        }
        if !lit.is_empty() {
            g.push_lit(&lit);
        }
        g
    }

    /// A pattern without wildcards: `s` matches only itself.
    pub fn literal(s: &str) -> Glob {
        let mut g = Glob::default();
        g.push_lit(s);
        g
    }

    pub(crate) fn push_lit(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Some(Tok::Lit(l)) = self.toks.last_mut() {
            l.push_str(s);
        } else {
            self.toks.push(Tok::Lit(s.to_string()));
        }
    }
    pub(crate) fn push_star(&mut self) {
        if self.toks.last() != Some(&Tok::Star) {
            self.toks.push(Tok::Star);
        }
    }
    pub(crate) fn push_one(&mut self) {
        self.toks.push(Tok::One);
    }
    pub(crate) fn append(&mut self, other: &Glob) {
        for t in &other.toks {
            match t {
                Tok::Lit(l) => self.push_lit(l),
                Tok::Star => self.push_star(),
                Tok::One => self.push_one(),
            }
        }
    }

    /// The pattern is exactly `*`.
    pub fn is_star(&self) -> bool {
        self.toks == [Tok::Star]
    }
    pub fn has_wildcards(&self) -> bool {
        self.toks.iter().any(|t| !matches!(t, Tok::Lit(_)))
    }
    pub(crate) fn ends_with_star(&self) -> bool {
        self.toks.last() == Some(&Tok::Star)
    }
    /// The literal text when the pattern has no wildcard.
    pub fn as_literal(&self) -> Option<&str> {
        match self.toks.as_slice() {
            [] => Some(""),
            [Tok::Lit(l)] => Some(l),
            _ => None,
        }
    }
    /// The same pattern with literal text lower-cased (case-insensitive matching).
    pub fn to_lowercase(&self) -> Glob {
        Glob {
            toks: self
                .toks
                .iter()
                .map(|t| match t {
                    Tok::Lit(l) => Tok::Lit(l.to_lowercase()),
                    other => other.clone(),
                })
                .collect(),
        }
    }

    /// Split on a literal separator into at most `max` parts; the last part
    /// keeps any further separators.
    pub(crate) fn split(&self, sep: char, max: usize) -> Vec<Glob> {
        let mut parts = vec![Glob::default()];
        for t in &self.toks {
            match t {
                Tok::Lit(l) => {
                    let mut rest = l.as_str();
                    while parts.len() < max {
                        match rest.find(sep) {
                            Some(i) => {
                                let last = parts.len() - 1;
                                parts[last].push_lit(&rest[..i]);
                                parts.push(Glob::default());
                                rest = &rest[i + sep.len_utf8()..];
                            }
                            None => break,
                        }
                    }
                    let last = parts.len() - 1;
                    parts[last].push_lit(rest);
                }
                Tok::Star => {
                    let last = parts.len() - 1;
                    parts[last].push_star();
                }
                Tok::One => {
                    let last = parts.len() - 1;
                    parts[last].push_one();
                }
            }
        }
        parts
    }

    /// Does the whole of `s` match?
    pub fn is_match(&self, s: &str) -> bool {
        let toks = &self.toks;
        let (mut ti, mut si) = (0usize, 0usize);
        // After a mismatch, resume just after the last star, letting it take
        // one more character.
        let mut back: Option<(usize, usize)> = None;
        loop {
            if ti < toks.len() {
                match &toks[ti] {
                    Tok::Star => {
                        back = Some((ti + 1, si));
                        ti += 1;
                        continue;
                    }
                    Tok::One => {
                        if let Some(c) = s[si..].chars().next() {
                            si += c.len_utf8();
                            ti += 1;
                            continue;
                        }
                    }
                    Tok::Lit(l) => {
                        if s[si..].starts_with(l.as_str()) {
                            si += l.len();
                            ti += 1;
                            continue;
                        }
                    }
                }
            } else if si == s.len() {
                return true;
            }
            match back {
                Some((bt, bs)) => match s[bs..].chars().next() {
                    Some(c) => {
                        let nb = bs + c.len_utf8();
                        back = Some((bt, nb));
                        ti = bt;
                        si = nb;
                    }
                    None => return false,
                },
                None => return false,
            }
        }
    }
}

impl std::fmt::Display for Glob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for t in &self.toks {
            match t {
                Tok::Lit(l) => f.write_str(l)?,
                Tok::Star => f.write_str("*")?,
                Tok::One => f.write_str("?")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, s: &str) -> bool {
        Glob::compile(p).is_match(s)
    }

    #[test]
    fn wildcards() {
        assert!(m("*", ""));
        assert!(m("*", "anything/at:all"));
        assert!(m("a*c", "abbbc"));
        assert!(m("a*c", "ac"));
        assert!(!m("a*c", "acb"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("a?c", "aéc"));
        assert!(m("*/GET/pets/*", "prod/GET/pets/42"));
        assert!(!m("*/GET/pets/*", "prod/GET/pets"));
        assert!(m("*/GET/pets*", "prod/GET/petshop"));
        assert!(m("**a", "ba"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
        assert!(!m("abc", "ab"));
        assert!(m("", ""));
        assert!(!m("", "a"));
    }

    #[test]
    fn split_keeps_the_tail() {
        let parts = Glob::compile("arn:aws:execute-api:*:1:a/b:c").split(':', 6);
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[5].to_string(), "a/b:c");
        assert!(parts[3].is_star());
    }
}
