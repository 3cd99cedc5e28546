//! Writing the trace export: the Markdown walkthrough
//! ([`crate::export::trace_markdown`]) and the `hoptrace.trace/v1` JSON.

use std::path::{Path, PathBuf};

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
