//! The explanation as lines of toned text: the CLI paints the tones with
//! ANSI colours, the TUI with its theme, so both show the same answer.

use super::{Explanation, ACCEPTED};
use crate::trace::{Overall, Verdict};

/// How a piece of text is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Dim,
    Accent,
    /// As an allowing verdict (the trace agrees).
    Good,
    /// As a denying verdict.
    Bad,
    /// As an unknown verdict.
    Unsure,
}

impl From<Verdict> for Tone {
    fn from(v: Verdict) -> Tone {
        match v {
            Verdict::Allow => Tone::Good,
            Verdict::Deny => Tone::Bad,
            Verdict::Unknown => Tone::Unsure,
            Verdict::Skip => Tone::Dim,
        }
    }
}

/// One line of toned text. A view that wraps it starts each continuation
/// row with `indent` spaces, so causes and fixes hang under their column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub indent: usize,
    pub parts: Vec<(Tone, String)>,
}

impl Line {
    fn push(&mut self, tone: Tone, s: impl Into<String>) {
        self.parts.push((tone, s.into()));
    }
    fn hanging(mut self, indent: usize) -> Line {
        self.indent = indent;
        self
    }
}

fn line(parts: &[(Tone, &str)]) -> Line {
    Line {
        indent: 2,
        parts: parts.iter().map(|(t, s)| (*t, s.to_string())).collect(),
    }
}

/// The input on one line: control characters shown, long input clipped.
pub fn shown_input(input: &str) -> String {
    let one: String = input
        .trim()
        .chars()
        .map(|c| match c {
            '\n' => '⏎',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    super::clip(&one, 300)
}

/// The lines of `e`: what was understood, the trace's side (the answer
/// for this world) when there is a trace, then every candidate.
/// `no_trace` says how to add a trace where there is none.
pub fn lines(e: &Explanation, no_trace: &str) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    out.push(line(&[
        (Tone::Accent, "what the client saw: "),
        (Tone::Plain, &shown_input(&e.input)),
    ]));
    out.push(line(&[
        (Tone::Accent, "understood: "),
        (Tone::Plain, &e.understood.summary()),
    ]));
    if !e.understood.ignored.is_empty() {
        out.push(line(&[
            (Tone::Dim, "not used: "),
            (Tone::Dim, &e.understood.ignored.join("; ")),
        ]));
    }
    if e.trace.is_some() {
        out.push(Line::default());
        trace_lines(e, &mut out);
    }
    out.push(Line::default());
    if e.candidates.is_empty() {
        out.push(line(&[
            (Tone::Bad, "no hop explains this: "),
            (Tone::Plain, e.note.as_deref().unwrap_or("")),
        ]));
        if e.understood.is_empty() {
            out.push(line(&[(Tone::Dim, "hoptrace explain reads:")]));
            for a in ACCEPTED {
                out.push(line(&[(Tone::Dim, &format!("  - {a}"))]).hanging(4));
            }
        }
        return out;
    }
    out.push(line(&[(
        Tone::Accent,
        "hops that produce this, most likely first:",
    )]));
    let confirmed = e.trace.as_ref().and_then(|t| t.candidate);
    for (i, c) in e.candidates.iter().enumerate() {
        let check = format!("[{}] ", c.check);
        let mut l = line(&[
            (Tone::Plain, &format!("{:>3}. ", i + 1)),
            (Tone::Accent, &format!("{:<16}", c.hop.as_str())),
            (Tone::Dim, &check),
            (Tone::Plain, c.cause),
        ])
        .hanging(5 + 16 + check.len());
        if confirmed == Some(i) {
            l.push(Tone::Good, "  ◀ the trace blocks here");
        }
        out.push(l);
        out.push(
            line(&[
                (Tone::Plain, &" ".repeat(5)),
                (Tone::Good, "fix: "),
                (Tone::Plain, c.fix),
            ])
            .hanging(10),
        );
    }
    if e.trace.is_none() {
        out.push(Line::default());
        out.push(line(&[(Tone::Accent, "trace: "), (Tone::Dim, no_trace)]));
    }
    out
}

/// The trace's verdict, first block, reason, deciding field and predicted
/// response, and whether it agrees.
fn trace_lines(e: &Explanation, out: &mut Vec<Line>) {
    let Some(t) = &e.trace else {
        return;
    };
    let (word, tone) = match e.trace_agrees {
        Some(true) => ("yes", Tone::Good),
        Some(false) => ("no", Tone::Bad),
        None => ("cannot tell", Tone::Unsure),
    };
    out.push(line(&[
        (Tone::Accent, "trace agrees: "),
        (tone, word),
        (Tone::Plain, &format!(" — {}", t.agreement)),
    ]));
    out.push(line(&[
        (Tone::Accent, "trace: "),
        (Tone::Plain, &t.request),
    ]));
    let (word, tone) = match t.verdict {
        Overall::Reachable => ("REACHABLE", Tone::Good),
        Overall::Blocked => ("BLOCKED", Tone::Bad),
        Overall::Undetermined => ("UNDETERMINED", Tone::Unsure),
    };
    let mut verdict = line(&[(Tone::Dim, "  verdict: "), (tone, word)]);
    if let (Some(b), Some(check)) = (t.first_block, t.check) {
        verdict.push(Tone::Plain, format!(" at {b} [{check}]"));
    }
    out.push(verdict);
    let field = |name: &str, value: &Option<String>| {
        value
            .as_ref()
            .filter(|v| !v.is_empty())
            .map(|v| line(&[(Tone::Dim, &format!("  {name}: ")), (Tone::Plain, v)]).hanging(4))
    };
    out.extend(field("reason", &t.reason));
    out.extend(field("deciding", &t.deciding));
    out.extend(field(
        "client sees",
        &t.response.as_ref().map(|r| r.client_sees()),
    ));
    if !t.unknown.is_empty() {
        let names: Vec<&str> = t.unknown.iter().map(|h| h.as_str()).collect();
        out.push(line(&[
            (Tone::Dim, "  unknown: "),
            (Tone::Unsure, &names.join(", ")),
        ]));
    }
}
