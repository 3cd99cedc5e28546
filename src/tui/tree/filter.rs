//! The `/` filter: a case-insensitive regex, inverted by a leading `!`.

use regex::Regex;

#[derive(Debug, Clone)]
pub struct Filter {
    pub text: String,
    pub re: Regex,
    pub invert: bool,
}

impl Filter {
    /// `!` at the start inverts; matching is case-insensitive.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let (invert, pat) = match text.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, text),
        };
        let re = regex::RegexBuilder::new(pat)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| {
                format!(
                    "bad filter {pat:?}: {}",
                    e.to_string().lines().last().unwrap_or("invalid regex")
                )
            })?;
        Ok(Filter {
            text: text.to_string(),
            re,
            invert,
        })
    }

    pub fn matches(&self, s: &str) -> bool {
        self.re.is_match(s) != self.invert
    }
}
