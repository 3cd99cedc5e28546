//! The `:` and `/` prompts: command lines, filters, and `:trace` arguments.

use super::*;

/// A one-line text input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    pub text: String,
    /// Char index of the cursor; `None` is the end.
    pub cursor: Option<usize>,
}

impl App {
    pub(super) fn on_prompt_key(
        &mut self,
        ev: KeyEvent,
        mut input: Input,
        command: bool,
    ) -> Vec<Effect> {
        match ev.code {
            KeyCode::Esc => {}
            KeyCode::Enter => {
                let text = input.text.trim().to_string();
                return if command {
                    self.run_command_line(&text)
                } else {
                    self.apply_filter(&text)
                };
            }

            KeyCode::Tab if command => {
                let word = input.text.split_whitespace().next().unwrap_or("");
                let options = keymap::complete(word);
                let has_args = input.text.trim_start().contains(' ');
                match options.as_slice() {
                    _ if has_args => {}
                    [one] => {
                        input.text = format!("{one} ");
                        input.cursor = None;
                    }
                    [] => self.flash(format!("no command starts with {word:?}"), true),
                    many => {
                        input.text = keymap::common_prefix(many);
                        input.cursor = None;
                        self.flash(many.join("  "), false);
                    }
                }
                self.mode = Mode::Command(input);
            }
            code if !ev.modifiers.contains(KeyModifiers::CONTROL)
                && crate::tui::textedit::edit(&mut input.text, &mut input.cursor, code) =>
            {
                self.mode = if command {
                    Mode::Command(input)
                } else {
                    Mode::Filter(input)
                };
            }
            _ => {
                self.mode = if command {
                    Mode::Command(input)
                } else {
                    Mode::Filter(input)
                }
            }
        }
        Vec::new()
    }

    pub(super) fn apply_filter(&mut self, text: &str) -> Vec<Effect> {
        let f = if text.is_empty() {
            None
        } else {
            match Filter::parse(text) {
                Ok(f) => Some(f),
                Err(e) => {
                    self.flash(e, true);
                    return Vec::new();
                }
            }
        };
        if self.focus == Pane::Logs {
            self.logs.set_filter(f);
        } else {
            self.screen = Screen::Explorer;
            self.focus = Pane::Left;
            match self.world.ready() {
                Some(w) => self.explorer.set_filter(w, f),
                None => self.explorer.filter = f,
            }
        }
        Vec::new()
    }

    /// Run a `:` command line.
    pub fn run_command_line(&mut self, line: &str) -> Vec<Effect> {
        // `:explain` takes the rest of the line as it is: pasted errors
        // carry quotes and apostrophes that are not shell quoting.
        if let Some(rest) = line.trim_start().strip_prefix("explain") {
            if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                self.explain(rest);
                return Vec::new();
            }
        }
        let words = match split_words(line) {
            Ok(w) => w,
            Err(e) => {
                self.flash(e, true);
                return Vec::new();
            }
        };
        let Some(first) = words.first() else {
            return Vec::new();
        };
        let rest = &words[1..];
        let kind_filter = |app: &mut App, re: &str| {
            app.focus = Pane::Left;
            app.apply_filter(re)
        };
        match first.as_str() {
            "q" | "q!" | "quit" | "exit" => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            "ec2" | "instances" | "i" => return kind_filter(self, "^i-"),
            "vpce" | "endpoints" => return kind_filter(self, "^vpce-"),
            "api" | "apis" => return kind_filter(self, "^API "),
            "vpc" | "vpcs" => return kind_filter(self, "^vpc-"),
            "sg" | "sgs" => return kind_filter(self, "^sg-"),
            "logs" => self.focus = Pane::Logs,
            "trace" if rest.is_empty() => self.open_form(),
            "trace" => match parse_trace_args(rest) {
                Ok(req) => self.run_trace(req),
                Err(e) => self.flash(e, true),
            },
            "reach" if rest.is_empty() => self.open_reach(),
            "reach" => match parse_reach_args(rest) {
                Ok(q) => self.start_reach(q, None),
                Err(e) => self.flash(e, true),
            },
            "theme" => match rest.first().and_then(|t| ThemeName::parse(t)) {
                Some(t) => {
                    self.theme = Theme::new(t, self.theme.color);
                    self.flash(format!("theme {}", t.as_str()), false);
                }
                None => self.flash("usage: theme dark|light|high-contrast", true),
            },
            other => match keymap::cmd_by_name(other) {
                Some(cmd) => return self.run_cmd(cmd),
                None => {
                    let options = keymap::complete(other);
                    let hint = if options.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean {}?)", options.join(", "))
                    };
                    self.flash(
                        format!("unknown command :{other}{hint}; ? lists the commands"),
                        true,
                    );
                }
            },
        }
        Vec::new()
    }
}

/// Split a command line into words, honouring single and double quotes.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("unterminated quote".into());
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// `:trace <instance> <url> [-X M] [-H 'N: v']... [--sigv4] [--tls 1.2|1.3]`
/// `:reach <url> [-X M] [-H 'N: v']... [--sigv4] [--tls V]` (every running
/// instance to the URL) or `:reach <instance-id>` (the instance to every
/// deployed method).
pub fn parse_reach_args(args: &[String]) -> Result<super::ReachQuery, String> {
    let usage = "usage: reach <url> [-X METHOD] [-H 'Name: value']... [--sigv4] [--tls 1.2|1.3], or reach <instance-id>";
    match args {
        [id] if id.starts_with("i-") => Ok(super::ReachQuery::From(id.clone())),
        [first, ..] if first.contains("://") => {
            // The trace parser with no instance yet: each member's goes in.
            let mut with_from = vec![String::new()];
            with_from.extend(args.iter().cloned());
            parse_trace_args(&with_from)
                .map(super::ReachQuery::To)
                .map_err(|e| e.replace("usage: trace <instance-id> <url>", "usage: reach <url>"))
        }
        _ => Err(usage.to_string()),
    }
}

pub fn parse_trace_args(args: &[String]) -> Result<Request, String> {
    let usage = "usage: trace <instance-id> <url> [-X METHOD] [-H 'Name: value']... [--sigv4] [--tls 1.2|1.3]";
    let mut positional = Vec::new();
    let mut method = "GET".to_string();
    let mut headers = Vec::new();
    let mut sigv4 = false;
    let mut tls = TlsVersion::V1_2;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-X" | "--request" => method = it.next().ok_or(usage)?.clone(),
            "-H" | "--header" => headers.push(it.next().ok_or(usage)?.clone()),
            "--sigv4" => sigv4 = true,
            "--tls" => {
                tls = TlsVersion::parse(it.next().ok_or(usage)?).map_err(|e| e.to_string())?
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s}; {usage}")),
            s => positional.push(s.to_string()),
        }
    }
    let [from, url] = positional.as_slice() else {
        return Err(usage.to_string());
    };
    Request::new(from, &method, url, &headers, sigv4, tls).map_err(|e| e.to_string())
}
