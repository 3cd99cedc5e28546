//! Export of a trace as Markdown (for tickets and walkthroughs); the JSON
//! export is the `hoptrace.trace/v1` contract itself.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::trace::Trace;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(t: &Trace, whatif: &[String], edits: usize) -> String {
    let mut md = String::new();
    let r = &t.request;
    let _ = writeln!(md, "# hoptrace: {} {}\n", r.method, r.url);
    let _ = writeln!(md, "- from: `{}`", r.from);
    let _ = writeln!(md, "- form: {}", r.form);
    let _ = writeln!(md, "- auth: {}, TLS {}", r.auth, r.tls);
    for (k, v) in &r.headers {
        let _ = writeln!(md, "- header: `{k}: {v}`");
    }
    let _ = write!(md, "- **verdict: {}**", t.verdict.as_str());
    if let Some(b) = t.first_block {
        let _ = write!(md, " (first block: `{b}`)");
    }
    let _ = writeln!(md);
    if let Some(resp) = &t.response {
        let _ = writeln!(md, "- client sees: {}", resp.client_sees());
        if let Some(c) = &resp.customised {
            let _ = writeln!(md, "- customised: {c}");
        }
    } else if let Some(s) = &t.symptom {
        let _ = writeln!(md, "- client sees: {s}");
    }
    if edits > 0 {
        let _ = writeln!(md, "- what-if: {edits} local edit(s), not in AWS");
        for d in whatif {
            let _ = writeln!(md, "  - {d}");
        }
    }
    let _ = writeln!(
        md,
        "\n| # | hop | verdict | reason | deciding field |\n|---|---|---|---|---|"
    );
    for (i, h) in t.hops.iter().enumerate() {
        let _ = writeln!(
            md,
            "| {} | {} | {} {} | {} | {} |",
            i + 1,
            h.hop,
            h.verdict.glyph(),
            h.verdict.as_str(),
            cell(&h.reason),
            cell(&h.deciding.to_string())
        );
    }
    let noted: Vec<_> = t.hops.iter().filter(|h| !h.notes.is_empty()).collect();
    if !noted.is_empty() {
        let _ = writeln!(md, "\n## Notes\n");
        for h in noted {
            for n in &h.notes {
                let _ = writeln!(md, "- `{}`: {}", h.hop, n);
            }
        }
    }
    md
}

/// Write `{stem}.md` and `{stem}.json` in `dir`, never replacing a file: a
/// taken name gets `-1`, `-2`, ... appended.
pub fn write(dir: &Path, stem: &str, markdown: &str, json: &str) -> Result<Vec<PathBuf>, String> {
    let mut n = 0;
    loop {
        let base = if n == 0 {
            stem.to_string()
        } else {
            format!("{stem}-{n}")
        };
        let md = dir.join(format!("{base}.md"));
        let js = dir.join(format!("{base}.json"));
        if md.exists() || js.exists() {
            n += 1;
            if n > 1000 {
                return Err("too many exports with the same name".into());
            }
            continue;
        }
        crate::model::snapshot::write_new_file(&md, markdown.as_bytes(), false)
            .map_err(|e| format!("{}: {e}", md.display()))?;
        crate::model::snapshot::write_new_file(&js, json.as_bytes(), false)
            .map_err(|e| format!("{}: {e}", js.display()))?;
        return Ok(vec![md, js]);
    }
}
