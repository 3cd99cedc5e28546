//! Pictures and write-ups of a trace and of the world, for walkthroughs and
//! postmortems: the path as a Mermaid flowchart or a Graphviz DOT graph, a
//! Markdown walkthrough (request, verdict, flowchart, every hop), and the
//! world graph (see [`graph`]).

pub mod graph;

use std::fmt::Write;

use petgraph::dot::{Config, Dot};
use petgraph::graph::DiGraph;

use crate::trace::path::{self, PathBox};
use crate::trace::{Overall, Trace, Verdict};

/// Text from AWS (names, tags, policy values, log lines) made safe for a
/// terminal: control characters (escape sequences, bells, carriage
/// returns, line breaks) become `\u{fffd}` and tabs a space, so nothing in
/// the world can move the cursor, recolour the screen or forge a line.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' => ' ',
            // Control characters, and the two noncharacters XML refuses.
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Mermaid's entity codes for the characters that end or break a quoted
/// label, and for `%`, `{` and `}`, which could spell a `%%{init}%%`
/// directive that restyles the whole diagram. `#` goes first: every code
/// starts with it.
pub fn mermaid_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '[' => out.push_str("#91;"),
            ']' => out.push_str("#93;"),
            '|' => out.push_str("#124;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '%' => out.push_str("#37;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A DOT double-quoted string's content: backslash and quote escaped,
/// line ends as DOT's centred line break.
pub fn dot_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// The lines of a box in a diagram: the glyph and title, the ids, the names.
fn box_lines(b: &PathBox) -> Vec<String> {
    let mut lines = vec![format!("{} {}", b.verdict.glyph(), b.stop.title())];
    lines.extend(b.row_lines(2));
    let names = b.name_line(3);
    if !names.is_empty() {
        lines.push(names);
    }
    lines
}

/// The class (and DOT colours) of a verdict.
fn colours(v: Verdict) -> (&'static str, &'static str, &'static str) {
    // (fill, stroke, text)
    match v {
        Verdict::Allow => ("#e6f4ea", "#1e8e3e", "#0d3d1a"),
        Verdict::Deny => ("#fce8e6", "#d93025", "#5f1410"),
        Verdict::Unknown => ("#fef7e0", "#e37400", "#5c3b00"),
        Verdict::Skip => ("#f1f3f4", "#9aa0a6", "#5f6368"),
    }
}

/// The path of a trace as a Mermaid flowchart: one node per box (`n0` …
/// `n10`), classed by verdict; the deciding box also in class `deciding`;
/// the arrows past a denying box dotted (the request never gets there).
pub fn trace_mermaid(t: &Trace) -> String {
    let boxes = path::boxes(t);
    let mut out = String::from("flowchart LR\n");
    for (i, b) in boxes.iter().enumerate() {
        let label = box_lines(b)
            .iter()
            .map(|l| mermaid_label(l))
            .collect::<Vec<_>>()
            .join("<br/>");
        let _ = writeln!(out, "  n{i}[\"{label}\"]:::{}", b.verdict.as_str());
    }
    let mut blocked = false;
    for i in 1..boxes.len() {
        blocked |= boxes[i - 1].verdict == Verdict::Deny;
        let arrow = if blocked { "-.->" } else { "-->" };
        let _ = writeln!(out, "  n{} {arrow} n{i}", i - 1);
    }
    for v in [
        Verdict::Allow,
        Verdict::Deny,
        Verdict::Unknown,
        Verdict::Skip,
    ] {
        let (fill, stroke, text) = colours(v);
        let dash = if v == Verdict::Skip {
            ",stroke-dasharray:4 3"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  classDef {} fill:{fill},stroke:{stroke},color:{text}{dash}",
            v.as_str()
        );
    }
    let _ = writeln!(out, "  classDef deciding stroke-width:4px");
    if let Some(i) = boxes.iter().position(|b| b.deciding) {
        let _ = writeln!(out, "  class n{i} deciding");
    }
    out
}

/// The path of a trace as a Graphviz DOT digraph, left to right, filled by
/// verdict; the deciding box drawn with a thick border.
pub fn trace_dot(t: &Trace) -> String {
    let boxes = path::boxes(t);
    let mut g: DiGraph<usize, bool> = DiGraph::new();
    let nodes: Vec<_> = (0..boxes.len()).map(|i| g.add_node(i)).collect();
    let mut blocked = false;
    for i in 1..nodes.len() {
        blocked |= boxes[i - 1].verdict == Verdict::Deny;
        g.add_edge(nodes[i - 1], nodes[i], blocked);
    }
    let node_attrs = |_, (_, &i): (_, &usize)| {
        let b = &boxes[i];
        let (fill, stroke, text) = colours(b.verdict);
        let label = box_lines(b)
            .iter()
            .map(|l| dot_label(l))
            .collect::<Vec<_>>()
            .join("\\n");
        let width = if b.deciding { 4 } else { 1 };
        let dashed = if b.verdict == Verdict::Skip {
            ",dashed"
        } else {
            ""
        };
        format!(
            "label=\"{label}\", shape=box, style=\"rounded,filled{dashed}\", fillcolor=\"{fill}\", color=\"{stroke}\", fontcolor=\"{text}\", penwidth={width}, tooltip=\"{}\"",
            dot_label(&b.hops.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", "))
        )
    };
    let edge_attrs = |_, e: petgraph::graph::EdgeReference<'_, bool>| {
        if *e.weight() {
            "style=dashed, color=\"#9aa0a6\"".to_string()
        } else {
            String::new()
        }
    };
    let dot = Dot::with_attr_getters(
        &g,
        &[
            Config::NodeNoLabel,
            Config::EdgeNoLabel,
            Config::GraphContentOnly,
        ],
        &edge_attrs,
        &node_attrs,
    );
    let r = &t.request;
    format!(
        "digraph path {{\n    rankdir=LR;\n    label=\"{}\";\n    labelloc=t;\n    fontname=\"Helvetica\";\n    node [fontname=\"Helvetica\", fontsize=11];\n{dot}}}\n",
        dot_label(&format!(
            "{} {} from {}: {}",
            r.method,
            r.url,
            r.from,
            verdict_line(t)
        ))
    )
}

/// `blocked at sg-endpoint`, `reachable`, `undetermined (unknown: stage)`.
pub fn verdict_line(t: &Trace) -> String {
    match t.verdict {
        Overall::Blocked => match t.first_block {
            Some(b) => format!("blocked at {b}"),
            None => "blocked".into(),
        },
        Overall::Reachable => "reachable".into(),
        Overall::Undetermined => {
            format!("undetermined (unknown: {})", t.unknown_hops().join(", "))
        }
    }
}

/// Markdown inline code holding `s` (on one line), with a fence longer than
/// any run of backticks inside.
fn code(s: &str) -> String {
    let s = &s.replace(['\n', '\r'], " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Text outside code in Markdown: characters that would start markup escaped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '$' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The walkthrough of a trace: the request, the verdict and what the client
/// sees, the path as a Mermaid flowchart coloured by verdict, then every hop
/// with its reason, deciding field, rulebook check, notes and what the logs
/// said. `edits` names the local what-if edits the trace ran with (the
/// TUI's export) and `whatif` what the last one changed, each
/// `hop: before → after`.
pub fn trace_markdown(t: &Trace, whatif: &[String], edits: &[String]) -> String {
    let mut md = String::new();
    let r = &t.request;
    let who = match t.path.names.get(&r.from) {
        Some(n) => format!("{} ({})", code(&r.from), text(n)),
        None => code(&r.from),
    };
    let _ = writeln!(md, "# {} {}\n", text(&r.method), text(&r.url));
    let _ = writeln!(md, "- from: {who}");
    let _ = writeln!(md, "- URL form: {}", text(r.form));
    let _ = writeln!(md, "- auth: {}, TLS {}", text(r.auth), text(r.tls));
    for (k, v) in &r.headers {
        let _ = writeln!(md, "- header: {}", code(&format!("{k}: {v}")));
    }
    let _ = writeln!(md, "- **verdict: {}**", text(&verdict_line(t)));
    if let Some((sees, customised)) = t.client_sees() {
        let _ = writeln!(md, "- client sees: {}", text(&sees));
        if let Some(c) = customised {
            let _ = writeln!(md, "- customised: {}", text(c));
        }
    }
    if !edits.is_empty() {
        let _ = writeln!(
            md,
            "- **what-if: {} local edit(s), never written to AWS; this trace is not the account as it is**",
            edits.len()
        );
        for e in edits {
            let _ = writeln!(md, "  - edited {}", text(e));
        }
        for d in whatif {
            let _ = writeln!(md, "  - the last edit changed {}", text(d));
        }
    }
    let _ = writeln!(md, "\n## The path\n");
    let _ = writeln!(md, "```mermaid\n{}```", trace_mermaid(t));
    let boxes = path::boxes(t);
    if let Some(b) = boxes.iter().find(|b| b.deciding) {
        let _ = writeln!(
            md,
            "\nThe deciding box is **{}** ({}).",
            text(b.stop.title()),
            code(&b.row_lines(3).join("; "))
        );
    }
    let _ = writeln!(md, "\n## Hop by hop");
    for (i, h) in t.hops.iter().enumerate() {
        let _ = writeln!(
            md,
            "\n### {}. {} {}: {}\n",
            i + 1,
            h.verdict.glyph(),
            h.hop,
            h.verdict.as_str()
        );
        let _ = writeln!(md, "{}", text(&h.reason));
        let mut items = Vec::new();
        if !h.deciding.is_empty() {
            let check = if h.check.is_empty() {
                String::new()
            } else {
                format!(" (rulebook {})", h.check)
            };
            items.push(format!(
                "deciding field: {}{check}",
                code(&h.deciding.to_string())
            ));
        }
        if !h.resources.is_empty() {
            let ids: Vec<String> = h.resources.iter().map(|r| code(&r.id)).collect();
            items.push(format!("read: {}", ids.join(", ")));
        }
        if let Some(s) = h.symptom.as_ref().filter(|_| t.first_block == Some(h.hop)) {
            items.push(format!("client sees: {}", text(s)));
        }
        for n in &h.notes {
            items.push(format!("note: {}", text(n)));
        }
        if let Some(e) = &h.evidence {
            match &e.contradicted_by {
                Some(c) => items.push(format!(
                    "logs: {} lines; **contradicted** at {}: {}: {}",
                    e.lines,
                    text(&c.ts),
                    text(&c.why),
                    code(&c.raw.replace(['\n', '\r'], " "))
                )),
                None if e.lines > 0 => {
                    items.push(format!("logs: {} lines, none contradicts", e.lines))
                }
                None => {}
            }
        }
        if !items.is_empty() {
            let _ = writeln!(md);
            for it in items {
                let _ = writeln!(md, "- {it}");
            }
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_labels_escape_what_ends_a_label() {
        assert_eq!(
            mermaid_label(r#"a "b" [c] d|e <f> #1 & g"#),
            "a #quot;b#quot; #91;c#93; d#124;e #lt;f#gt; #35;1 #amp; g"
        );
        assert_eq!(
            mermaid_label("%%{init: {}}%%"),
            "#37;#37;#123;init: #123;#125;#125;#37;#37;"
        );
    }

    #[test]
    fn dot_labels_escape_quotes_and_backslashes() {
        assert_eq!(dot_label(r#"a "b" \c"#), r#"a \"b\" \\c"#);
        assert_eq!(dot_label("a\nb"), "a\\nb");
    }

    #[test]
    fn inline_code_fences_around_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("a\n# b"), "`a # b`");
    }

    #[test]
    fn markdown_text_escapes_markup() {
        assert_eq!(text("a*b_[c]|<d>"), "a\\*b\\_\\[c\\]\\|\\<d\\>");
        assert_eq!(text("~x~ $y$ #z"), "\\~x\\~ \\$y\\$ \\#z");
    }
}
