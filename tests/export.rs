//! Path diagrams and world graphs: golden files of every format on the demo
//! stories, the DOT output read back by Graphviz's own parser (`dot`, which
//! `.ci/run` installs), the Mermaid output checked against the flowchart
//! grammar it uses, and labels that carry every character that breaks one.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use hoptrace::export::{self, graph};
use hoptrace::model::{Snapshot, World};
use hoptrace::trace::{self, Request, TlsVersion, Trace};

#[path = "support/cli.rs"]
mod cli;
use cli::run;

fn story_trace(w: &World, s: &hoptrace::demo::Story) -> Trace {
    let tls = TlsVersion::parse(&s.tls).unwrap();
    let req = Request::new(&s.instance, &s.method, &s.url, &s.headers, false, tls).unwrap();
    trace::run(w, &req).unwrap()
}

/// Graphviz's parser and layout on `src`, as its JSON: fails the test when
/// `dot` is missing or rejects the graph.
fn graphviz(src: &str) -> serde_json::Value {
    let mut child = Command::new("dot")
        .arg("-Tjson")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("Graphviz's `dot` is needed to check the DOT output ({e}): apt-get install graphviz (.ci/run installs it)")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(src.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "dot rejected the graph: {}\n{src}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A Graphviz escString as the text it draws: `\\` a backslash, `\n` a
/// line break, `\"` a quote.
fn escstring(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some(x) => out.push(x),
            None => out.push('\\'),
        }
    }
    out
}

/// Undo Mermaid's entity codes (the ones the exporter writes).
fn mermaid_unescape(s: &str) -> String {
    s.replace("#quot;", "\"")
        .replace("#91;", "[")
        .replace("#93;", "]")
        .replace("#124;", "|")
        .replace("#lt;", "<")
        .replace("#gt;", ">")
        .replace("#amp;", "&")
        .replace("#37;", "%")
        .replace("#123;", "{")
        .replace("#125;", "}")
        .replace("#35;", "#")
}

/// The Mermaid flowchart subset the exporter writes, checked line by line:
/// the header; node definitions `nI["label"]:::class` whose labels hold no
/// raw `"`, `[`, `]`, `|`, `<` or `>` except the `<br/>` line breaks and
/// every `#` starts an entity code; edges `nI --> nJ`, `nI -.-> nJ` or
/// `nI -->|kind| nJ` between defined nodes; `classDef` lines; `class nI c`
/// lines. Every class used is defined. Returns the node labels, unescaped.
fn check_mermaid(src: &str) -> Vec<String> {
    assert!(
        !src.contains("%%"),
        "a directive or comment in the output: {src}"
    );
    let mut lines = src.lines();
    assert_eq!(lines.next(), Some("flowchart LR"), "{src}");
    let mut nodes = BTreeSet::new();
    let mut labels = Vec::new();
    let mut used = BTreeSet::new();
    let mut defined = BTreeSet::new();
    let mut edges = Vec::new();
    let is_id =
        |s: &str| s.starts_with('n') && s.len() > 1 && s[1..].bytes().all(|b| b.is_ascii_digit());
    let is_class =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    for line in lines {
        let l = line
            .strip_prefix("  ")
            .unwrap_or_else(|| panic!("not indented: {line:?}"));
        if let Some(rest) = l.strip_prefix("classDef ") {
            let (name, style) = rest.split_once(' ').expect(line);
            assert!(is_class(name), "class name {name:?}");
            for part in style.split(',') {
                let (k, v) = part
                    .split_once(':')
                    .unwrap_or_else(|| panic!("style {part:?} in {line:?}"));
                assert!(
                    !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                    "{line}"
                );
                assert!(!v.is_empty() && !v.contains(';'), "{line}");
            }
            defined.insert(name.to_string());
        } else if let Some(rest) = l.strip_prefix("class ") {
            let (id, name) = rest.split_once(' ').expect(line);
            assert!(is_id(id) && is_class(name), "{line}");
            used.insert(name.to_string());
            edges.push((id.to_string(), id.to_string()));
        } else if let Some(open) = l.find("[\"") {
            let id = &l[..open];
            assert!(is_id(id), "node id {id:?} in {line:?}");
            let rest = &l[open + 2..];
            let close = rest
                .rfind("\"]")
                .unwrap_or_else(|| panic!("unclosed label: {line:?}"));
            let label = &rest[..close];
            let tail = &rest[close + 2..];
            let bare = label.replace("<br/>", "\n");
            for bad in ['"', '[', ']', '|', '<', '>', '%', '{', '}'] {
                assert!(!bare.contains(bad), "raw {bad:?} in the label of {line:?}");
            }
            for (i, _) in bare.match_indices('#') {
                let code = &bare[i + 1..];
                let end = code
                    .find(';')
                    .unwrap_or_else(|| panic!("# without an entity in {line:?}"));
                assert!(
                    end > 0 && code[..end].bytes().all(|b| b.is_ascii_alphanumeric()),
                    "bad entity in {line:?}"
                );
            }
            if !tail.is_empty() {
                let class = tail
                    .strip_prefix(":::")
                    .unwrap_or_else(|| panic!("after the label: {line:?}"));
                assert!(is_class(class), "{line}");
                used.insert(class.to_string());
            }
            assert!(nodes.insert(id.to_string()), "node {id} defined twice");
            labels.push(mermaid_unescape(&bare));
        } else {
            let parts: Vec<&str> = l.split(' ').collect();
            let (a, b) = match parts.as_slice() {
                [a, "-->" | "-.->", b] => (a, b),
                [a, arrow, b] if arrow.starts_with("-->|") && arrow.ends_with('|') => {
                    let kind = &arrow[4..arrow.len() - 1];
                    assert!(
                        kind.bytes().all(|c| c.is_ascii_lowercase() || c == b'-'),
                        "{line}"
                    );
                    (a, b)
                }
                _ => panic!("not a line of the grammar: {line:?}"),
            };
            assert!(is_id(a) && is_id(b), "{line}");
            edges.push((a.to_string(), b.to_string()));
        }
    }
    for (a, b) in edges {
        assert!(
            nodes.contains(&a) && nodes.contains(&b),
            "edge {a} → {b} to an undefined node"
        );
    }
    for c in used {
        assert!(defined.contains(&c), "class {c} used but not defined");
    }
    labels
}

#[test]
fn golden_path_exports_of_every_demo_story() {
    let w = hoptrace::demo::world().unwrap();
    let stories = hoptrace::demo::stories();
    assert!(stories.len() >= 15, "{} stories", stories.len());
    let (mut md, mut mm, mut dot) = (String::new(), String::new(), String::new());
    for s in &stories {
        let t = story_trace(&w, s);
        let head = format!("==== {} ({})\n", s.instance, s.name);
        md.push_str(&head);
        md.push_str(&export::trace_markdown(&t, &[], &[]));
        mm.push_str(&head);
        mm.push_str(&export::trace_mermaid(&t));
        dot.push_str(&head);
        dot.push_str(&export::trace_dot(&t));
    }
    insta::assert_snapshot!("stories_markdown", md);
    insta::assert_snapshot!("stories_mermaid", mm);
    insta::assert_snapshot!("stories_dot", dot);
}

#[test]
fn every_story_diagram_parses_in_graphviz_and_fits_the_mermaid_grammar() {
    let w = hoptrace::demo::world().unwrap();
    for s in hoptrace::demo::stories() {
        let t = story_trace(&w, &s);
        let g = graphviz(&export::trace_dot(&t));
        assert_eq!(g["objects"].as_array().unwrap().len(), 11, "{}", s.instance);
        assert_eq!(g["edges"].as_array().unwrap().len(), 10, "{}", s.instance);
        let labels = check_mermaid(&export::trace_mermaid(&t));
        assert_eq!(labels.len(), 11);
        assert!(labels[0].contains(&s.instance), "{labels:?}");
        // The deciding box: exactly one when the trace is not reachable.
        let boxes = trace::path::boxes(&t);
        let deciding = boxes.iter().filter(|b| b.deciding).count();
        match t.verdict {
            trace::Overall::Reachable => assert_eq!(deciding, 0, "{}", s.instance),
            _ => assert_eq!(deciding, 1, "{}", s.instance),
        }
        // A blocked trace's deciding box is the box of its first block, and denies.
        if let Some(b) = t.first_block {
            let d = boxes.iter().find(|x| x.deciding).unwrap();
            assert!(
                d.hops.contains(&b) && d.verdict == trace::Verdict::Deny,
                "{}",
                s.instance
            );
        }
        // The walkthrough carries the same flowchart and all fifteen hops.
        let md = export::trace_markdown(&t, &[], &[]);
        let block = md
            .split("```mermaid\n")
            .nth(1)
            .and_then(|r| r.split("```").next())
            .unwrap();
        assert_eq!(block, export::trace_mermaid(&t));
        assert_eq!(md.matches("\n### ").count(), 15, "{}", s.instance);
    }
}

/// The demo world with names that carry every character that ends or
/// breaks a label in Mermaid, DOT or Markdown.
fn hostile_world() -> (World, String) {
    let nasty = "we\"b [1] | <x> & #35; \\n `tick` *b* %%{init: {'theme':'dark'}}%% ~s~ $m$\nnext"
        .to_string();
    let mut snap: Snapshot = hoptrace::demo::snapshot().unwrap();
    let inst = snap
        .instances
        .iter_mut()
        .find(|i| i.instance_id == "i-0a0000000000web01")
        .unwrap();
    for t in &mut inst.tags {
        if t.key == "Name" {
            t.value = nasty.clone();
        }
    }
    let api = snap
        .rest_apis
        .iter_mut()
        .find(|a| a.id == "a1b2c3d4e5")
        .unwrap();
    api.name = Some(nasty.clone());
    (World::new(snap), nasty)
}

#[test]
fn hostile_names_survive_every_format() {
    let (w, nasty) = hostile_world();
    let req = Request::new(
        "i-0a0000000000web01",
        "GET",
        "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets",
        &[],
        false,
        TlsVersion::V1_2,
    )
    .unwrap();
    let t = trace::run(&w, &req).unwrap();
    // Mermaid: the grammar holds, no directive survives, and the label
    // reads back as the name (its line break a space).
    let mm = export::trace_mermaid(&t);
    let labels = check_mermaid(&mm);
    let one_line = nasty.replace('\n', " ");
    assert!(labels[0].contains(&one_line), "{:?}", labels[0]);
    assert!(labels[6].contains(&one_line), "{:?}", labels[6]);
    // DOT: Graphviz parses it and its label is the name again.
    let g = graphviz(&export::trace_dot(&t));
    let first = escstring(g["objects"][0]["label"].as_str().unwrap());
    assert!(first.contains(&nasty), "{first:?}");
    // Markdown: the name never opens code, emphasis, a table, a heading,
    // strike-through or maths, and stays on its line.
    let md = export::trace_markdown(&t, &[], &[]);
    let from = md.lines().find(|l| l.starts_with("- from:")).unwrap();
    assert!(
        from.contains(r#"we"b \[1\] \| \<x\> & \#35; \\n \`tick\` \*b\* %%{init: {'theme':'dark'}}%% \~s\~ \$m\$ next"#),
        "{from}"
    );
    // The world graph too, in both formats.
    let gr = graph::select(&w, &[], &["a1b2c3d4e5".into()]).unwrap();
    check_mermaid(&gr.mermaid());
    graphviz(&gr.dot());
}

#[test]
fn world_graph_parts_hold_what_they_name() {
    let w = hoptrace::demo::world().unwrap();
    let all = graph::select(&w, &[], &[]).unwrap();
    assert_eq!(all.nodes.len(), w.graph.node_count());
    assert_eq!(all.edges.len(), w.graph.edge_count());
    // Around the shop VPC: nothing that sits in the analytics VPC.
    let shop = graph::select(&w, &["vpc-0a11ce5e00000a001".into()], &[]).unwrap();
    let ids: BTreeSet<&str> = shop.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(ids.contains("i-0a0000000000web01") && ids.contains("vpce-0a1b2c3d4e5f60001"));
    for s in &w.snap.subnets {
        assert_eq!(
            ids.contains(s.subnet_id.as_str()),
            s.vpc_id == "vpc-0a11ce5e00000a001",
            "{}",
            s.subnet_id
        );
    }
    for i in &w.snap.instances {
        if ids.contains(i.instance_id.as_str()) {
            let sn = i.subnet_id.as_deref().unwrap();
            assert!(
                w.subnet(sn).unwrap().vpc_id == "vpc-0a11ce5e00000a001",
                "{}",
                i.instance_id
            );
        }
    }
    // The API and everything under it, its endpoints, and no instance.
    let pets = graph::select(&w, &[], &["a1b2c3d4e5".into()]).unwrap();
    let kinds: BTreeSet<&str> = pets.nodes.iter().map(|n| n.kind).collect();
    for k in [
        "rest-api",
        "stage",
        "deployment",
        "resource",
        "method",
        "integration",
        "backend",
        "vpc-endpoint",
    ] {
        assert!(kinds.contains(k), "{k} missing: {kinds:?}");
    }
    assert!(
        !kinds.contains("instance") && !kinds.contains("subnet"),
        "{kinds:?}"
    );
    // Every edge names nodes of the part, with a typed kind.
    for g in [&all, &shop, &pets] {
        let ids: BTreeSet<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
        for e in &g.edges {
            assert!(
                ids.contains(e.from.as_str()) && ids.contains(e.to.as_str()),
                "{e:?}"
            );
        }
        let parsed = graphviz(&g.dot());
        assert_eq!(
            parsed["objects"].as_array().map_or(0, Vec::len),
            g.nodes.len()
        );
        assert_eq!(
            parsed["edges"].as_array().map_or(0, Vec::len),
            g.edges.len()
        );
        check_mermaid(&g.mermaid());
    }
    let v: serde_json::Value = serde_json::to_value(&pets).unwrap();
    assert_eq!(v["schema"], "hoptrace.graph/v1");
    insta::assert_snapshot!("graph_api_pets_mermaid", pets.mermaid());
    insta::assert_snapshot!(
        "graph_api_pets_json",
        serde_json::to_string_pretty(&pets).unwrap()
    );
    insta::assert_snapshot!("graph_vpc_shop_dot", shop.dot());
    // Unknown ids are an error that names what exists.
    let e = graph::select(&w, &["vpc-nope".into()], &[]).unwrap_err();
    assert!(e.contains("vpc-0a11ce5e00000a001"), "{e}");
    let e = graph::select(&w, &[], &["nope".into()]).unwrap_err();
    assert!(e.contains("a1b2c3d4e5"), "{e}");
}

#[test]
fn the_cli_prints_each_format_and_keeps_the_trace_exit_status() {
    let url = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets";
    let w = hoptrace::demo::world().unwrap();
    let req = Request::new(
        "i-0a00000000batch01",
        "GET",
        url,
        &[],
        false,
        TlsVersion::V1_2,
    )
    .unwrap();
    let t = trace::run(&w, &req).unwrap();
    for (fmt, want) in [
        ("markdown", export::trace_markdown(&t, &[], &[])),
        ("mermaid", export::trace_mermaid(&t)),
        ("dot", export::trace_dot(&t)),
    ] {
        let (code, out, err) = run(&[
            "trace",
            "--demo",
            "--from",
            "i-0a00000000batch01",
            url,
            "--output",
            fmt,
        ]);
        assert_eq!(code, 1, "{fmt}: blocked exits 1; {err}");
        assert_eq!(out, want, "{fmt}");
    }
    let (code, out, _) = run(&["graph", "--demo", "--api", "a1b2c3d4e5", "--output", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "hoptrace.graph/v1");
    let (code, out, _) = run(&["graph", "--demo", "--vpc", "vpc-0b0b5e5e00000b002"]);
    assert_eq!(code, 0);
    graphviz(&out);
    let (code, _, err) = run(&["graph", "--demo", "--vpc", "vpc-nope"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("hoptrace: error: --vpc vpc-nope"), "{err}");
    let (code, _, err) = run(&["graph", "--demo", "--output", "png"]);
    assert_eq!(code, 2, "{err}");
}
