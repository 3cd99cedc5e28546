//! Whole-trace scenarios: each file in `tests/scenarios/` is one world (the
//! demo world or a fixture, with edits), one request, and what the whole
//! trace must say: the overall verdict, the first block, hop by hop verdicts
//! (and checks), and the response the client gets. The expectations come from
//! the rulebook, which each scenario cites.
//!
//! File format (JSON):
//! ```text
//! {"name": "...", "rulebook": ["H15.3"],
//!  "world": "demo" | "fixtures/auth.json" | "fixtures/base.json",
//!  "edits": [{"set": PATH, "value": V} | {"push": PATH, "value": V} | {"remove": PATH}],
//!  "request": {"from": "i-...", "method": "GET", "url": "...", "headers": ["Name: v"],
//!              "sigv4": false, "tls": "1.2"},
//!  "expect": {"verdict": "blocked", "first_block": "integration" | null,
//!             "hops": {"integration": "deny" | {"verdict": "deny", "check": "H15.3",
//!                      "says": ["text in the reason, deciding field or a note"]}},
//!             "response": null | {"status": 500 | null, "error_type": "...", "message": "..." | null,
//!                      "message_contains": "...", "gateway_response": "...",
//!                      "client_error_contains": "...", "customised_contains": "...",
//!                      "reaches_access_log": true | false | null}}}
//! ```
//! PATH is dot-separated: `rest_apis[id=a1b2c3d4e5].stages[stageName=prod].variables`;
//! `[key=value]` picks the array element whose `key` equals `value`, `[3]`
//! picks by index. `set` replaces (or creates) the field, `push` appends to
//! an array, `remove` deletes an array element or a field.
//!
//! `HOPTRACE_CASE=text` runs only the scenarios whose file or name contains it.

mod common;

use std::path::{Path, PathBuf};

use hoptrace::model::{Snapshot, World};
use hoptrace::trace::{self, Request, TlsVersion, Trace};
use serde_json::Value;

/// The issue asks for at least this many whole-trace scenarios.
const AT_LEAST: usize = 30;

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

#[derive(Debug)]
enum Seg {
    Key(String),
    Index(usize),
    Match(String, String),
}

fn parse_path(path: &str) -> Result<Vec<Seg>, String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, sel) = match part.find('[') {
            Some(i) => {
                let sel = part[i + 1..]
                    .strip_suffix(']')
                    .ok_or_else(|| format!("unclosed [ in {part:?}"))?;
                (&part[..i], Some(sel))
            }
            None => (part, None),
        };
        if !name.is_empty() {
            out.push(Seg::Key(name.to_string()));
        }
        match sel {
            None => {}
            Some(s) => match s.split_once('=') {
                Some((k, v)) => out.push(Seg::Match(k.to_string(), v.to_string())),
                None => out.push(Seg::Index(
                    s.parse()
                        .map_err(|_| format!("bad index [{s}] in {path:?}"))?,
                )),
            },
        }
    }
    Ok(out)
}

fn step<'a>(v: &'a mut Value, seg: &Seg, create: bool) -> Result<&'a mut Value, String> {
    match seg {
        Seg::Key(k) => {
            let o = v
                .as_object_mut()
                .ok_or_else(|| format!("{k}: not an object"))?;
            if !o.contains_key(k) && !create {
                return Err(format!("no field {k}"));
            }
            Ok(o.entry(k.clone()).or_insert(Value::Null))
        }
        Seg::Index(i) => v
            .as_array_mut()
            .and_then(|a| a.get_mut(*i))
            .ok_or_else(|| format!("no element [{i}]")),
        Seg::Match(k, want) => v
            .as_array_mut()
            .ok_or_else(|| format!("[{k}={want}]: not an array"))?
            .iter_mut()
            .find(|e| e.get(k).and_then(Value::as_str) == Some(want.as_str()))
            .ok_or_else(|| format!("no element with {k}={want}")),
    }
}

fn apply(doc: &mut Value, edit: &Value) -> Result<(), String> {
    let o = edit.as_object().ok_or("an edit is an object")?;
    let (op, path) = ["set", "push", "remove"]
        .iter()
        .find_map(|op| o.get(*op).and_then(Value::as_str).map(|p| (*op, p)))
        .ok_or_else(|| format!("edit without set/push/remove: {edit}"))?;
    let segs = parse_path(path)?;
    let (last, parents) = segs.split_last().ok_or("empty path")?;
    let mut cur = doc;
    for s in parents {
        cur = step(cur, s, false).map_err(|e| format!("{path}: {e}"))?;
    }
    let value = || o.get("value").cloned().ok_or(format!("{path}: no value"));
    match op {
        "set" => *step(cur, last, true).map_err(|e| format!("{path}: {e}"))? = value()?,
        "push" => step(cur, last, false)
            .map_err(|e| format!("{path}: {e}"))?
            .as_array_mut()
            .ok_or(format!("{path}: not an array"))?
            .push(value()?),
        _ => match last {
            Seg::Key(k) => {
                cur.as_object_mut()
                    .and_then(|m| m.remove(k))
                    .ok_or(format!("{path}: no field to remove"))?;
            }
            Seg::Index(i) => {
                let a = cur.as_array_mut().ok_or(format!("{path}: not an array"))?;
                if *i >= a.len() {
                    return Err(format!("{path}: no element to remove"));
                }
                a.remove(*i);
            }
            Seg::Match(k, want) => {
                let a = cur.as_array_mut().ok_or(format!("{path}: not an array"))?;
                let before = a.len();
                a.retain(|e| e.get(k).and_then(Value::as_str) != Some(want.as_str()));
                if a.len() == before {
                    return Err(format!("{path}: no element to remove"));
                }
            }
        },
    }
    Ok(())
}

fn world_of(s: &Value) -> Result<World, String> {
    let text = match s["world"].as_str().unwrap_or("demo") {
        "demo" => hoptrace::demo::WORLD_JSON.to_string(),
        f => std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(f))
            .map_err(|e| format!("world {f}: {e}"))?,
    };
    let mut doc: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    for e in s["edits"].as_array().into_iter().flatten() {
        apply(&mut doc, e)?;
    }
    let bytes = serde_json::to_vec(&doc).map_err(|e| e.to_string())?;
    Snapshot::from_slice(&bytes, Path::new("scenario.json"))
        .map(World::new)
        .map_err(|e| format!("the edited world does not load: {e}"))
}

fn request_of(s: &Value) -> Result<Request, String> {
    let r = &s["request"];
    let headers: Vec<String> = r["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str().map(str::to_string))
        .collect();
    let tls = TlsVersion::parse(r["tls"].as_str().unwrap_or("1.2")).map_err(|e| e.to_string())?;
    Request::new(
        r["from"].as_str().ok_or("request.from is missing")?,
        r["method"].as_str().unwrap_or("GET"),
        r["url"].as_str().ok_or("request.url is missing")?,
        &headers,
        r["sigv4"].as_bool().unwrap_or(false),
        tls,
    )
    .map_err(|e| e.to_string())
}

/// Every way `t` differs from `expect`.
fn mismatches(t: &Trace, expect: &Value) -> Vec<String> {
    let json = common::stable_json(t);
    let mut out = Vec::new();
    if let Some(v) = expect.get("verdict") {
        if &json["verdict"] != v {
            out.push(format!("verdict {} (wanted {v})", json["verdict"]));
        }
    }
    if let Some(v) = expect.get("first_block") {
        if &json["first_block"] != v {
            out.push(format!("first_block {} (wanted {v})", json["first_block"]));
        }
    }
    for (name, want) in expect["hops"].as_object().into_iter().flatten() {
        let Some(h) = json["hops"]
            .as_array()
            .and_then(|hs| hs.iter().find(|h| h["hop"] == name.as_str()))
        else {
            out.push(format!("no hop {name}"));
            continue;
        };
        // A key the runner does not read would check nothing: refused.
        for key in want.as_object().into_iter().flat_map(|o| o.keys()) {
            if !["verdict", "check", "says"].contains(&key.as_str()) {
                out.push(format!("hop {name}: unknown expectation {key:?}"));
            }
        }
        let verdict = want.get("verdict").unwrap_or(want);
        if &h["verdict"] != verdict {
            out.push(format!(
                "hop {name}: {} (wanted {verdict}): {}",
                h["verdict"], h["reason"]
            ));
        }
        if let Some(c) = want.get("check") {
            if &h["check"] != c {
                out.push(format!("hop {name}: check {} (wanted {c})", h["check"]));
            }
        }
        for text in want["says"].as_array().into_iter().flatten() {
            let text = text.as_str().unwrap_or("");
            let hay = format!("{} {} {}", h["reason"], h["deciding"], h["notes"]);
            if !hay.contains(text) {
                out.push(format!("hop {name} does not say {text:?}: {hay}"));
            }
        }
    }
    if let Some(want) = expect.get("response") {
        let got = &json["response"];
        if want.is_null() {
            if !got.is_null() {
                out.push(format!("response {got} (wanted none)"));
            }
        } else if got.is_null() {
            out.push("no response (wanted one)".into());
        } else {
            for key in [
                "status",
                "error_type",
                "message",
                "gateway_response",
                "reaches_access_log",
            ] {
                if let Some(w) = want.get(key) {
                    if &got[key] != w {
                        out.push(format!("response.{key} {} (wanted {w})", got[key]));
                    }
                }
            }
            for (key, field) in [
                ("message_contains", "message"),
                ("client_error_contains", "client_error"),
                ("customised_contains", "customised"),
            ] {
                if let Some(w) = want.get(key).and_then(Value::as_str) {
                    if !got[field].as_str().unwrap_or("").contains(w) {
                        out.push(format!("response.{field} {} lacks {w:?}", got[field]));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_scenario_traces_as_the_rulebook_says() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("tests/scenarios exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut names = std::collections::BTreeSet::new();
    let mut failed = Vec::new();
    if files.len() < AT_LEAST {
        failed.push(format!(
            "{} scenarios, the issue asks for at least {AT_LEAST}",
            files.len()
        ));
    }
    let mut ran = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read the scenario");
        let file = f.file_name().unwrap().to_string_lossy().to_string();
        let s: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                failed.push(format!("{file}: not JSON: {e}"));
                continue;
            }
        };
        let name = s["name"].as_str().unwrap_or("").to_string();
        if name.is_empty() || !names.insert(name.clone()) {
            failed.push(format!("{file}: a scenario needs a unique name"));
        }
        if s["rulebook"].as_array().is_none_or(|a| a.is_empty()) {
            failed.push(format!("{file}: cite the rulebook rules it checks"));
        }
        if !s["expect"]["verdict"].is_string()
            || s["expect"]["hops"].as_object().is_none_or(|h| h.is_empty())
        {
            failed.push(format!("{file}: expect needs a verdict and hop verdicts"));
        }
        if s["expect"]["verdict"] == "blocked"
            && s["expect"].get("response").is_none_or(Value::is_null)
        {
            failed.push(format!("{file}: a blocked scenario predicts the response"));
        }
        if !common::selected(&format!("{file} {name}")) {
            continue;
        }
        ran += 1;
        let (world, req) = match (world_of(&s), request_of(&s)) {
            (Ok(w), Ok(r)) => (w, r),
            (Err(e), _) | (_, Err(e)) => {
                failed.push(format!("{file}: {e}"));
                continue;
            }
        };
        let t = match trace::run(&world, &req) {
            Ok(t) => t,
            Err(e) => {
                failed.push(format!("{file}: {e}"));
                continue;
            }
        };
        common::dump("scenarios", &name, &t);
        for m in mismatches(&t, &s["expect"]) {
            failed.push(format!("{file} ({name}): {m}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {ran} scenarios disagree:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn the_edit_paths_reject_what_they_cannot_find() {
    let mut doc: Value = serde_json::json!({"a": [{"id": "x", "v": 1}], "b": {}});
    apply(
        &mut doc,
        &serde_json::json!({"set": "a[id=x].v", "value": 2}),
    )
    .unwrap();
    assert_eq!(doc["a"][0]["v"], 2);
    apply(
        &mut doc,
        &serde_json::json!({"push": "a", "value": {"id": "y"}}),
    )
    .unwrap();
    apply(&mut doc, &serde_json::json!({"remove": "a[id=x]"})).unwrap();
    assert_eq!(doc["a"], serde_json::json!([{"id": "y"}]));
    apply(
        &mut doc,
        &serde_json::json!({"set": "b.new", "value": true}),
    )
    .unwrap();
    assert_eq!(doc["b"]["new"], true);
    for bad in [
        serde_json::json!({"set": "a[id=zzz].v", "value": 1}),
        serde_json::json!({"remove": "a[id=x]"}),
        serde_json::json!({"set": "nope.v", "value": 1}),
        serde_json::json!({"push": "b", "value": 1}),
        serde_json::json!({"set": "a[7", "value": 1}),
        serde_json::json!({"frobnicate": "a"}),
    ] {
        assert!(apply(&mut doc, &bad).is_err(), "{bad} should fail");
    }
}
