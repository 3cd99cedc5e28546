//! `hoptrace check`: intents files parsed with their errors placed, every
//! selector kind on the demo world, every exit status, the JSON contract,
//! JUnit read back by a real JUnit parser, and intent results that agree
//! with single traces.

use std::io::Write;
use std::process::Command;

use hoptrace::check::{self, Expect, Selector, Status};
use hoptrace::trace::{self, HopId, Overall, Request, TlsVersion};

#[path = "support/cli.rs"]
mod cli;
use cli::{run, run_with_stdin, BIN};
const PETS: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets";

/// A scratch intents file.
fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

fn intent(from: &str, to: &str, expect: &str, extra: &str) -> String {
    format!(
        "intents:\n  - name: one\n    from: {from}\n    to: {to}\n    expect: {expect}\n{extra}"
    )
}

#[test]
fn every_selector_kind_picks_its_instances() {
    let w = hoptrace::demo::world().unwrap();
    let cases = [
        ("{instance: i-0a00000000batch01}", 1),
        ("{instances: [i-0a0000000000web01, i-0a000000000jobs01]}", 2),
        ("{tag: \"Role=web\"}", 3),
        ("{subnet: subnet-0a01a00000000a001}", 20),
        ("{vpc: vpc-0b0b5e5e00000b002}", 3),
        // kiosk-1 shares the web group but is stopped: not a member.
        ("{security-group: sg-0a0000000000web01}", 20),
    ];
    for (from, n) in cases {
        let intents = check::parse(&intent(from, PETS, "reachable", "")).unwrap();
        let r = check::check_intent(&w, &intents[0]);
        assert_eq!(r.members, n, "{from}: {r:?}");
        assert!(r.problem.is_none(), "{from}");
    }
    let intents = check::parse(&intent(
        "{security-group: sg-0a0000000000web01}",
        PETS,
        "reachable",
        "",
    ))
    .unwrap();
    assert_eq!(
        intents[0].from,
        Selector::SecurityGroup("sg-0a0000000000web01".into())
    );
}

#[test]
fn a_selector_that_picks_no_running_instance_is_a_violation_with_a_hint() {
    let w = hoptrace::demo::world().unwrap();
    let one = |from: &str| {
        let i = check::parse(&intent(from, PETS, "reachable", "")).unwrap();
        check::check_intent(&w, &i[0])
    };
    let r = one("{tag: \"role=web\"}");
    assert_eq!(r.status, Status::Violated);
    assert!(
        r.problem
            .as_ref()
            .unwrap()
            .contains("did you mean Role=web?"),
        "{r:?}"
    );
    let r = one("{instance: i-0a00000000kiosk01}");
    assert!(
        r.problem
            .as_ref()
            .unwrap()
            .contains("i-0a00000000kiosk01 stopped"),
        "{r:?}"
    );
    let r = one("{vpc: vpc-nope}");
    assert!(
        r.problem
            .as_ref()
            .unwrap()
            .contains("vpc-nope is not in this world"),
        "{r:?}"
    );
    assert!(!r.holds);
}

/// Intents with `at` against members whose traces have unknown hops:
/// win-1's client NACL (nacl-client) is unknown for every request.
const UNKNOWN_HOPS: &str = "
  - name: win-1 is stopped at authorization
    from: {instance: i-0a000000windows01}
    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/admin
    expect: blocked
    at: authorization
  - name: win-1 is stopped at its NACL
    from: {instance: i-0a000000windows01}
    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/admin
    expect: blocked
    at: nacl-client
  - name: win-1 is stopped at sg-egress
    from: {instance: i-0a000000windows01}
    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/admin
    expect: blocked
    at: sg-egress
  - name: win-1 cannot call the pets API
    from: {instance: i-0a000000windows01}
    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets
    expect: blocked
  - name: win-1 cannot call pets at its NACL
    from: {instance: i-0a000000windows01}
    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets
    expect: blocked
    at: nacl-client
  - name: win-1 cannot call pets at the stage
    from: {instance: i-0a000000windows01}
    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets
    expect: blocked
    at: stage
  - name: the web group is stopped at authorization on admin
    from: {security-group: sg-0a0000000000web01}
    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/admin
    expect: blocked
    at: authorization
  - name: the main VPC is stopped at authorization on admin
    from: {vpc: vpc-0a11ce5e00000a001}
    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/admin
    expect: blocked
    at: authorization
  - name: the main VPC reaches pets
    from: {vpc: vpc-0a11ce5e00000a001}
    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets
    expect: reachable
";

/// What one member's trace means for an intent, read off its hops in
/// order: `Some(true)` it meets it, `Some(false)` it breaks it, `None`
/// undecided. The request goes on while hops allow; an unknown hop (or one
/// never evaluated) may or may not drop it; a deny for only some endpoint
/// addresses lets the others on to be blocked later.
fn expected(expect: Expect, at: Option<HopId>, t: &trace::Trace) -> Option<bool> {
    use trace::Verdict;
    let undecided = |h: &trace::Hop| h.verdict == Verdict::Unknown || h.not_evaluated();
    match (expect, at) {
        (Expect::Reachable, _) => match t.verdict {
            Overall::Reachable => Some(true),
            Overall::Blocked => Some(false),
            Overall::Undetermined => None,
        },
        (Expect::Blocked, None) => match t.verdict {
            Overall::Reachable => Some(false),
            Overall::Undetermined => None,
            Overall::Blocked => {
                // Hops after an unknown `api` were judged for an API that
                // may not be the one that answers.
                let api = &t.hops[HopId::Api.index()];
                let first = t.first_block.unwrap();
                if undecided(api) && first > HopId::Api {
                    None
                } else {
                    Some(true)
                }
            }
        },
        (Expect::Blocked, Some(at)) => {
            let mut maybe_dropped = false;
            let mut split = false;
            for h in &t.hops {
                if h.hop == at {
                    return match h.verdict {
                        Verdict::Deny if !maybe_dropped && !split && !h.partial => Some(true),
                        Verdict::Deny => None,
                        _ if undecided(h) => None,
                        _ => Some(false),
                    };
                }
                match h.verdict {
                    Verdict::Deny if h.partial => split = true,
                    Verdict::Deny if !split => return Some(false),
                    _ if undecided(h) => maybe_dropped = true,
                    _ => {}
                }
            }
            unreachable!("every trace has every hop")
        }
    }
}

/// An intent's result agrees with tracing each member alone.
#[test]
fn intent_results_agree_with_single_traces() {
    let w = hoptrace::demo::world().unwrap();
    let demo = std::fs::read_to_string("assets/demo/intents.yaml").unwrap();
    let text = format!("{demo}{UNKNOWN_HOPS}");
    let intents = check::parse(&text).unwrap();
    let report = check::check(&w, &intents);
    assert_eq!(report.intents.len(), 14);
    let mut seen = [0; 3];
    for (i, r) in intents.iter().zip(&report.intents) {
        let bad: Vec<&str> = r.violations.iter().map(|v| v.instance.as_str()).collect();
        let open: Vec<&str> = r.undetermined.iter().map(|v| v.instance.as_str()).collect();
        let mut traced = 0;
        for inst in &w.snap.instances {
            let vpc = inst.vpc_id.clone().or_else(|| {
                let s = inst.subnet_id.as_deref()?;
                Some(w.subnet(s)?.vpc_id.clone())
            });
            let selected = match &i.from {
                Selector::Instance(x) => &inst.instance_id == x,
                Selector::Instances(v) => v.contains(&inst.instance_id),
                Selector::Tag(kv) => inst
                    .tags
                    .iter()
                    .any(|t| format!("{}={}", t.key, t.value) == *kv),
                Selector::Subnet(s) => inst.subnet_id.as_deref() == Some(s),
                Selector::Vpc(v) => vpc.as_ref() == Some(v),
                Selector::SecurityGroup(g) => {
                    inst.security_groups.iter().any(|x| &x.group_id == g)
                        || inst
                            .network_interfaces
                            .iter()
                            .any(|e| e.groups.iter().any(|x| &x.group_id == g))
                }
            };
            if !selected || inst.state.name != "running" {
                continue;
            }
            traced += 1;
            let mut req = i.request.clone();
            req.from = inst.instance_id.clone();
            let t = trace::run(&w, &req).unwrap();
            let id = inst.instance_id.as_str();
            match expected(i.expect, i.at, &t) {
                Some(true) => {
                    seen[0] += 1;
                    assert!(
                        !bad.contains(&id) && !open.contains(&id),
                        "{}: {id}",
                        i.name
                    )
                }
                Some(false) => {
                    seen[1] += 1;
                    assert!(bad.contains(&id), "{}: {id} should violate", i.name)
                }
                None => {
                    seen[2] += 1;
                    assert!(
                        open.contains(&id),
                        "{}: {id} should be undetermined",
                        i.name
                    )
                }
            }
        }
        assert_eq!(traced, r.members, "{}", i.name);
        assert_eq!(
            bad.len() + open.len(),
            r.clusters.iter().map(|c| c.count).sum::<usize>()
        );
    }
    // Members that meet, break and leave open their intents were all seen.
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
    // win-1: blocked at authorization, but its NACL may drop the request
    // first, so neither `at` can be confirmed; sg-egress allowed it.
    let by_name = |n: &str| report.intents.iter().find(|r| r.name == n).unwrap();
    assert_eq!(
        by_name("win-1 is stopped at authorization").status,
        Status::Undetermined
    );
    assert_eq!(
        by_name("win-1 is stopped at its NACL").status,
        Status::Undetermined
    );
    assert_eq!(
        by_name("win-1 is stopped at sg-egress").status,
        Status::Violated
    );
    assert_eq!(
        by_name("win-1 is stopped at authorization").summary(),
        "1 of 1 blocked at authorization after nacl-client unknown: ".to_string()
            + &by_name("win-1 is stopped at authorization").clusters[0].deciding
    );
    // The demo file: four hold, the app subnet is broken by batch-1.
    let demo = check::check(&w, &check::parse(&demo).unwrap());
    assert_eq!((demo.summary.held, demo.summary.violated), (4, 1));
    let broken = &report.intents[4];
    assert_eq!(broken.violations.len(), 1);
    assert_eq!(broken.violations[0].instance, "i-0a00000000batch01");
    assert_eq!(broken.violations[0].first_block, Some(HopId::SgEgress));
    assert!(
        broken.summary().starts_with(
            "1 of 20 blocked at sg-egress: ec2:DescribeSecurityGroups sg-0a000000000batch1"
        ),
        "{}",
        broken.summary()
    );
}

#[test]
fn bad_files_say_what_and_where() {
    let cases = [
        // YAML syntax
        (
            "intents:\n  - name: a\n    from: {tag: \"Role=web\"\n    to: x\n",
            "4:5",
            "did not find expected",
        ),
        // unknown key
        (
            &*intent(
                "{tag: \"Role=web\"}",
                PETS,
                "reachable",
                "    colour: red\n",
            ),
            "6:5",
            "unknown field `colour`",
        ),
        // bad hop
        (
            &*intent(
                "{tag: \"Role=web\"}",
                PETS,
                "blocked",
                "    at: authorisation\n",
            ),
            "6:9",
            "no hop named \"authorisation\"",
        ),
        // `at` with reachable
        (
            &*intent("{tag: \"Role=web\"}", PETS, "reachable", "    at: dns\n"),
            "6:9",
            "goes with `expect: blocked`",
        ),
        // empty selector, two selectors, unknown selector
        (
            &*intent("{}", PETS, "reachable", ""),
            "3:1",
            "`from` needs a selector",
        ),
        (
            &*intent("{tag: \"Role=web\", vpc: vpc-1}", PETS, "reachable", ""),
            "3:",
            "exactly one selector",
        ),
        (
            &*intent("{colour: red}", PETS, "reachable", ""),
            "3:12",
            "no selector named `colour`",
        ),
        (
            &*intent("{instance: i-0a0000000000web01, region: x}", PETS, "reachable", ""),
            "3:43",
            "no selector named `region`",
        ),
        // a word, a list that is not one, an id of another kind
        (
            &*intent("tag", PETS, "reachable", ""),
            "3:11",
            "`from` takes a mapping with one selector",
        ),
        (
            &*intent("{instances: i-0a0000000000web01}", PETS, "reachable", ""),
            "3:23",
            "expected a list here",
        ),
        (
            &*intent("{vpc: subnet-0a01a00000000a001}", PETS, "reachable", ""),
            "3:11",
            "`vpc` takes a VPC id (vpc-...), not \"subnet-0a01a00000000a001\"",
        ),
        (
            &*intent("{instances: [i-0a0000000000web01, '']}", PETS, "reachable", ""),
            "3:11",
            "an id in `instances` is empty",
        ),
        // headers that differ only in letter case
        (
            &*intent(
                "{tag: \"Role=web\"}",
                PETS,
                "reachable",
                "    headers: {x-api-key: a, X-Api-Key: b}\n",
            ),
            "6:14",
            "appears twice (header names ignore letter case)",
        ),
        // a hop that cannot hold, a name of several lines
        (
            &*intent("{tag: \"Role=web\"}", PETS, "blocked", "    at: instance\n"),
            "6:9",
            "`at: instance` can never hold",
        ),
        (
            "intents:\n  - name: |\n      two\n      lines\n    from: {tag: Role=web}\n    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets\n    expect: reachable\n",
            "2:5",
            "must be one line of text",
        ),
        // a quoted word where true or false belongs
        (
            &*intent("{tag: \"Role=web\"}", PETS, "reachable", "    sigv4: \"yes\"\n"),
            "6:5",
            "string \"yes\", expected true or false",
        ),
        // a tag without a key, a header value with a line break
        (
            &*intent("{tag: \"=web\"}", PETS, "reachable", ""),
            "3:11",
            "has no key",
        ),
        (
            &*intent(
                "{tag: \"Role=web\"}",
                PETS,
                "reachable",
                "    headers: {x-api-key: \"a\\nb\"}\n",
            ),
            "6:14",
            "control character in its value",
        ),
        // a document that is null: placed at its start, never 0:0
        ("null\n", "1:1", "missing field `intents`"),
        (
            &*intent("{instances: []}", PETS, "reachable", ""),
            "3:1",
            "is empty",
        ),
        (
            &*intent("{tag: web}", PETS, "reachable", ""),
            "3:1",
            "not Key=Value",
        ),
        // bad URL, bad expect
        (
            &*intent(
                "{tag: \"Role=web\"}",
                "http://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets",
                "reachable",
                "",
            ),
            "4:9",
            "not https",
        ),
        (
            &*intent("{tag: \"Role=web\"}", PETS, "maybe", ""),
            "5:13",
            "unknown variant `maybe`",
        ),
        ("", "1:1", "the file is empty"),
        ("intents: []\n", "1:1", "no intents"),
    ];
    for (text, place, words) in cases {
        let e = check::parse(text).unwrap_err();
        let shown = e.to_string();
        assert!(shown.starts_with(place), "{text:?}: {shown}");
        assert!(shown.contains(words), "{text:?}: {shown}");
        assert!(!shown.contains('\n'), "one line: {shown:?}");
        // The command: one line on stderr naming the file, exit 2.
        let f = file(text);
        let (code, out, err) = run(&["check", f.path().to_str().unwrap(), "--demo"]);
        assert_eq!(code, 2, "{err}");
        assert!(out.is_empty());
        let name = f.path().display().to_string();
        assert!(
            err.starts_with(&format!("hoptrace: error: {name}:{place}")),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn every_exit_status_and_the_json_contract() {
    let held = file(&intent("{tag: \"Role=web\"}", PETS, "reachable", ""));
    let violated = file("intents:\n  - name: app subnet\n    from: {subnet: subnet-0a01a00000000a001}\n    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets\n    expect: reachable\n");
    let open = file(&intent(
        "{instance: i-0a000000windows01}",
        "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets/42",
        "reachable",
        "",
    ));
    let p = |f: &tempfile::NamedTempFile| f.path().to_str().unwrap().to_string();
    let (code, out, _) = run(&["check", &p(&held), "--demo"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("✓ one: 3 of 3 reachable"), "{out}");
    let (code, out, _) = run(&["check", &p(&violated), "--demo"]);
    assert_eq!(code, 1);
    assert!(out.contains("✗ app subnet: 1 of 20 blocked at sg-egress: ec2:DescribeSecurityGroups sg-0a000000000batch1"), "{out}");
    assert!(out.contains("i-0a00000000batch01 (batch-1)"), "{out}");
    let (code, out, _) = run(&["check", &p(&open), "--demo"]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.starts_with("? one: 1 of 1 undetermined at nacl-client"),
        "{out}"
    );
    assert_eq!(
        run(&["check", &p(&open), "--demo", "--undetermined", "fail"]).0,
        1
    );
    assert_eq!(
        run(&["check", &p(&open), "--demo", "--undetermined", "pass"]).0,
        0
    );
    // Errors: no file, bad flags.
    assert_eq!(run(&["check", "/nonexistent.yaml", "--demo"]).0, 2);
    assert_eq!(
        run(&["check", &p(&held), "--demo", "--undetermined", "maybe"]).0,
        2
    );
    assert_eq!(
        run(&["check", &p(&held), "--demo", "--snapshot", "x.json"]).0,
        2
    );
    // JSON
    let (code, out, _) = run(&[
        "check",
        "assets/demo/intents.yaml",
        "--demo",
        "--output",
        "json",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "hoptrace.check/v1");
    assert_eq!(v["summary"]["held"], 4);
    assert_eq!(v["summary"]["violated"], 1);
    assert_eq!(v["summary"]["undetermined"], 0);
    let last = &v["intents"][4];
    for k in ["name", "expect", "at", "holds", "members", "violations"] {
        assert!(last.get(k).is_some(), "{k} missing: {last}");
    }
    assert_eq!(last["holds"], false);
    assert_eq!(last["members"], 20);
    let viol = &last["violations"][0];
    assert_eq!(viol["instance"], "i-0a00000000batch01");
    assert_eq!(viol["verdict"], "blocked");
    assert_eq!(viol["first_block"], "sg-egress");
    assert!(viol["deciding"]
        .as_str()
        .unwrap()
        .contains("sg-0a000000000batch1"));
    assert_eq!(v["intents"][1]["at"], "sg-egress");
}

#[test]
fn junit_reads_back_in_a_junit_parser() {
    let extra = file(&format!(
        "{}  - name: windows <edge> & \"ports\"\n    from: {{instance: i-0a000000windows01}}\n    to: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets/42\n    expect: reachable\n",
        std::fs::read_to_string("assets/demo/intents.yaml").unwrap()
    ));
    let path = extra.path().to_str().unwrap().to_string();
    for (flag, failures, skipped) in [(None, 1, 1), (Some("fail"), 2, 0), (Some("pass"), 1, 0)] {
        let mut args = vec!["check", path.as_str(), "--demo", "--output", "junit"];
        if let Some(f) = flag {
            args.extend(["--undetermined", f]);
        }
        let (code, out, err) = run(&args);
        assert_eq!(code, 1, "{err}");
        let suites =
            junit_parser::from_reader(std::io::Cursor::new(out.as_bytes())).expect("JUnit XML");
        assert_eq!(suites.tests, 6);
        assert_eq!(suites.failures, failures, "{flag:?}");
        // Skipped cases are counted on the suite; the root has no such
        // attribute in the common JUnit schema.
        assert_eq!(suites.suites[0].skipped, skipped, "{flag:?}");
        let root = out.lines().nth(1).unwrap();
        assert!(
            root.starts_with("<testsuites ") && !root.contains("skipped="),
            "{root}"
        );
        assert!(out.contains("classname=\"hoptrace.check."), "{out}");
        let suite = &suites.suites[0];
        assert_eq!(suite.cases.len(), 6);
        let broken = suite
            .cases
            .iter()
            .find(|c| c.original_name == "every app-subnet instance reaches the pets API")
            .unwrap();
        let junit_parser::TestStatus::Failure(f) = &broken.status else {
            panic!("{:?}", broken.status)
        };
        assert!(
            f.message.starts_with("1 of 20 blocked at sg-egress: "),
            "{}",
            f.message
        );
        assert_eq!(f.failure_type, "violated");
        assert!(
            f.text.contains("i-0a00000000batch01 blocked at sg-egress"),
            "{}",
            f.text
        );
        // Names with XML's own characters come back whole.
        assert!(suite
            .cases
            .iter()
            .any(|c| c.original_name == "windows <edge> & \"ports\""));
        let held = suite
            .cases
            .iter()
            .find(|c| c.original_name == "web tier reaches the pets API")
            .unwrap();
        assert!(held.status.is_success());
    }
}

#[test]
fn the_request_options_reach_the_trace() {
    let text = "intents:\n  - name: signed\n    from: {instance: i-0a000000000jobs01}\n    to: https://w0rkf10w5x.execute-api.us-east-1.amazonaws.com/prod/jobs\n    method: POST\n    sigv4: true\n    tls: \"1.3\"\n    headers: {x-api-key: k}\n    expect: blocked\n";
    let intents = check::parse(text).unwrap();
    let req: &Request = &intents[0].request;
    assert_eq!(req.method, "POST");
    assert_eq!(req.auth.as_str(), "sigv4");
    assert_eq!(req.tls, TlsVersion::V1_3);
    assert!(req
        .headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("x-api-key") && v == "k"));
}

#[test]
fn named_instances_that_cannot_be_traced_break_the_intent() {
    let w = hoptrace::demo::world().unwrap();
    let text = intent(
        "{instances: [i-0a0000000000web01, i-0a0000000000web0l, i-0a00000000kiosk01]}",
        PETS,
        "reachable",
        "",
    );
    let r = check::check_intent(&w, &check::parse(&text).unwrap()[0]);
    assert_eq!(r.status, Status::Violated);
    assert_eq!(r.members, 1);
    let p = r.problem.as_deref().unwrap();
    assert!(
        p.contains("i-0a0000000000web0l is not in this world"),
        "{p}"
    );
    assert!(p.contains("i-0a00000000kiosk01 is stopped"), "{p}");
}

#[test]
fn a_hop_that_allows_cannot_be_the_one_that_blocks() {
    let w = hoptrace::demo::world().unwrap();
    // admin-1 with a token: authorization is unknown (the Lambda
    // authorizer's answer), everything before it allows.
    let open = |at: &str| {
        let text = intent(
            "{instance: i-0a00000000admin01}",
            "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/admin",
            "blocked",
            &format!("    headers: {{Authorization: \"Bearer x\"}}\n    at: {at}\n"),
        );
        check::check_intent(&w, &check::parse(&text).unwrap()[0])
    };
    let r = open("dns");
    assert_eq!(r.status, Status::Violated, "{r:?}");
    assert!(
        r.summary()
            .contains("undetermined at authorization (dns does not block)"),
        "{}",
        r.summary()
    );
    // After the unknown hop too: integration allows whatever the
    // authorizer says, so it is not the one that blocks.
    let r = open("integration");
    assert_eq!(r.status, Status::Violated, "{r:?}");
    assert!(
        r.summary().contains("(integration does not block)"),
        "{}",
        r.summary()
    );
    // At the unknown hop itself it may still block: undetermined.
    assert_eq!(open("authorization").status, Status::Undetermined);
}

#[test]
fn each_member_reads_its_own_address_in_its_deciding_field() {
    let w = hoptrace::demo::world().unwrap();
    // The analytics VPC through the shop endpoint's alias: the shop side has
    // no route back to any of them, each with its own address.
    let text = intent(
        "{vpc: vpc-0b0b5e5e00000b002}",
        "https://a1b2c3d4e5-vpce-0a1b2c3d4e5f60001.execute-api.us-east-1.amazonaws.com/prod/pets",
        "reachable",
        "",
    );
    let r = check::check_intent(&w, &check::parse(&text).unwrap()[0]);
    assert_eq!(r.violations.len(), 3);
    // One group for the three...
    assert_eq!(r.clusters.len(), 1, "{:?}", r.clusters);
    assert!(r.clusters[0].deciding.contains("<address>"));
    // ...and each member its own address, as its own trace says.
    for v in &r.violations {
        let mut req: Request = check::parse(&text).unwrap()[0].request.clone();
        req.from = v.instance.clone();
        let t = trace::run(&w, &req).unwrap();
        let own = t.hops[t.first_block.unwrap().index()].deciding.to_string();
        assert_eq!(v.deciding, own);
    }
}

#[test]
fn a_closed_or_full_output_is_never_a_panic() {
    // stdout to /dev/full: one error line, exit 2.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(BIN)
        .args(["check", "assets/demo/intents.yaml", "--demo"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("hoptrace: error: writing the output"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // A reader that goes away: no panic, no backtrace, for check itself
    // and for a command with more to write.
    for args in [
        &["check", "assets/demo/intents.yaml", "--demo"][..],
        &["graph", "--demo", "--output", "json"][..],
    ] {
        let mut child = Command::new(BIN)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// `-` reads the intents from standard input: the same results as the
/// file, and errors placed in `<stdin>`.
#[test]
fn standard_input_is_a_file_too() {
    let piped = |input: &str, extra: &[&str]| {
        let mut args = vec!["check", "-", "--demo"];
        args.extend_from_slice(extra);
        run_with_stdin(&args, Some(input))
    };
    let demo = std::fs::read_to_string("assets/demo/intents.yaml").unwrap();
    let from_file = run(&["check", "assets/demo/intents.yaml", "--demo"]);
    assert_eq!(piped(&demo, &[]), from_file);
    assert_eq!(from_file.0, 1);
    let (code, out, _) = piped(&demo, &["--output", "junit"]);
    assert_eq!(code, 1);
    assert!(out.contains("<testsuite name=\"stdin\""), "{out}");
    let (code, out, err) = piped("intents:\n  - name: a\n    from: tag\n", &[]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with("hoptrace: error: <stdin>:3:11: `from` takes a mapping"),
        "{err}"
    );
}

/// A hop that could not be evaluated (an earlier one failed) is not a hop
/// that allows: `at` naming it leaves the intent open, never violated.
#[test]
fn a_hop_never_evaluated_may_still_be_the_one_that_blocks() {
    let mut snap = hoptrace::demo::snapshot().unwrap();
    let api = snap
        .rest_apis
        .iter_mut()
        .find(|a| a.id == "a1b2c3d4e5")
        .unwrap();
    // The endpoint type was not captured: api is unknown, and what comes
    // after it is not evaluable.
    api.endpoint_configuration.types.clear();
    let w = hoptrace::model::World::new(snap);
    let one = |at: &str| {
        let text = intent(
            "{instance: i-0a0000000000web01}",
            PETS,
            "blocked",
            &format!("    at: {at}\n"),
        );
        check::check_intent(&w, &check::parse(&text).unwrap()[0])
    };
    for at in ["api", "authorization", "integration"] {
        let r = one(at);
        assert_eq!(r.status, Status::Undetermined, "{at}: {}", r.summary());
    }
    // A hop before the unknown one allowed: violated.
    let r = one("sg-endpoint");
    assert_eq!(r.status, Status::Violated, "{}", r.summary());
    assert!(
        r.summary()
            .contains("undetermined at api (sg-endpoint does not block)"),
        "{}",
        r.summary()
    );
}

/// The demo world with web-1's subnet unable to reach the first endpoint
/// ENI's subnet (its NACL denies egress there) and the second ENI's subnet
/// refusing web-1's subnet (its NACL denies tcp/443 in): each address is
/// blocked at a hop of its own.
fn split_world() -> hoptrace::model::World {
    use serde_json::{json, Value};
    let mut d: Value = serde_json::to_value(hoptrace::demo::snapshot().unwrap()).unwrap();
    let acl = |id: &str, subnet: &str, entries: Value| {
        json!({"NetworkAclId": id, "VpcId": "vpc-0a11ce5e00000a001", "IsDefault": false,
               "Associations": [{"SubnetId": subnet}], "Entries": entries})
    };
    let rule = |n: u32, egress: bool, action: &str, cidr: &str, https: bool| {
        let mut r = json!({"RuleNumber": n, "Egress": egress, "Protocol": "-1",
                           "RuleAction": action, "CidrBlock": cidr});
        if https {
            r["Protocol"] = json!("6");
            r["PortRange"] = json!({"From": 443, "To": 443});
        }
        r
    };
    let (client, eni2) = ("subnet-0a01a00000000a001", "subnet-0a11e00000000a011");
    for a in d["network_acls"].as_array_mut().unwrap() {
        a["Associations"]
            .as_array_mut()
            .unwrap()
            .retain(|x| x["SubnetId"] != client && x["SubnetId"] != eni2);
    }
    let open_both_ways = |mut extra: Vec<Value>| {
        extra.extend([
            rule(100, false, "allow", "0.0.0.0/0", false),
            rule(100, true, "allow", "0.0.0.0/0", false),
        ]);
        Value::Array(extra)
    };
    let acls = d["network_acls"].as_array_mut().unwrap();
    acls.push(acl(
        "acl-0a00000000split1",
        client,
        open_both_ways(vec![rule(50, true, "deny", "10.0.10.0/24", false)]),
    ));
    acls.push(acl(
        "acl-0a00000000split2",
        eni2,
        open_both_ways(vec![rule(50, false, "deny", "10.0.1.0/24", true)]),
    ));
    let bytes = serde_json::to_vec(&d).unwrap();
    hoptrace::model::World::new(
        hoptrace::model::Snapshot::from_slice(&bytes, std::path::Path::new("split.json")).unwrap(),
    )
}

/// Each endpoint address blocked at its own hop: the request is blocked,
/// and `at` holds for none of them (DNS may return either address), is
/// open for those hops and is violated for any other.
#[test]
fn a_block_that_differs_by_address_leaves_at_open_among_those_hops() {
    let w = split_world();
    let req = Request::new(
        "i-0a0000000000web01",
        "GET",
        "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/admin",
        &[],
        false,
        TlsVersion::V1_2,
    )
    .unwrap();
    let t = trace::run(&w, &req).unwrap();
    assert_eq!(t.verdict, Overall::Blocked);
    assert_eq!(t.first_block, Some(HopId::NaclClient));
    // authorization would deny too, but no address gets that far.
    assert_eq!(
        t.hops[HopId::Authorization.index()].verdict,
        trace::Verdict::Deny
    );
    let one = |at: &str| {
        let text = intent(
            "{instance: i-0a0000000000web01}",
            "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/admin",
            "blocked",
            at,
        );
        check::check_intent(&w, &check::parse(&text).unwrap()[0])
    };
    let r = one("");
    assert_eq!(r.status, Status::Held, "{}", r.summary());
    assert_eq!(
        r.summary(),
        "1 of 1 blocked at nacl-client for some endpoint addresses"
    );
    for (at, status, says) in [
        (
            "nacl-client",
            Status::Undetermined,
            "for some endpoint addresses",
        ),
        (
            "nacl-endpoint",
            Status::Undetermined,
            "(may be at nacl-endpoint)",
        ),
        ("sg-egress", Status::Violated, "(not at sg-egress)"),
        ("sg-endpoint", Status::Violated, "(not at sg-endpoint)"),
        ("authorization", Status::Violated, "(not at authorization)"),
    ] {
        let r = one(&format!("    at: {at}\n"));
        assert_eq!(r.status, status, "{at}: {}", r.summary());
        assert!(r.summary().contains(says), "{at}: {}", r.summary());
    }
}
