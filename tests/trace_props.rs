//! Whole-trace property tests: "never a false allow" at trace level.
//!
//! Over generated worlds (the demo world, one of its stories' requests, and
//! random perturbations of the resources that story reads):
//!
//! * adding a Deny statement to any policy document, removing an allow rule
//!   (a security group permission, a NACL allow entry, a route) or removing
//!   a permission (an Allow statement) never turns a `blocked` or
//!   `undetermined` trace `reachable`, and never turns a hop that denied (or
//!   was unknown) into one that allows;
//! * replacing a field a hop reads with "not captured" (its absence in the
//!   snapshot format) never does either.

use std::path::Path;

use hoptrace::demo;
use hoptrace::model::{Snapshot, World};
use hoptrace::trace::{self, Overall, Request, TlsVersion, Trace, Verdict};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Value};

fn base() -> Value {
    serde_json::from_str(demo::WORLD_JSON).expect("the demo world is JSON")
}

fn request(i: usize) -> Request {
    let stories = demo::stories();
    let s = &stories[i % stories.len()];
    Request::new(
        &s.instance,
        &s.method,
        &s.url,
        &s.headers,
        s.headers.iter().any(|h| h.contains("AWS4-HMAC-SHA256")),
        TlsVersion::parse(&s.tls).expect("story TLS"),
    )
    .expect("story request")
}

/// The trace of `req` in `doc`; `None` when the edited world does not load
/// (an edit that breaks the format is not a world).
fn trace_of(doc: &Value, req: &Request) -> Option<Trace> {
    let bytes = serde_json::to_vec(doc).ok()?;
    let snap = Snapshot::from_slice(&bytes, Path::new("prop.json")).ok()?;
    trace::run(&World::new(snap), req).ok()
}

/// Hops that denied or were unknown before the edit and allow after it, and
/// whether the whole trace became reachable. (A hop that was skipped because
/// an earlier hop decided may be evaluated once that hop is unknown: that
/// is a conditional answer, and the trace cannot be reachable then.)
fn new_allows(before: &Trace, after: &Trace) -> Vec<String> {
    let mut out: Vec<String> = before
        .hops
        .iter()
        .zip(&after.hops)
        .filter(|(b, a)| {
            matches!(b.verdict, Verdict::Deny | Verdict::Unknown) && a.verdict == Verdict::Allow
        })
        .map(|(b, a)| {
            format!(
                "{}: {} ({}) became allow ({})",
                b.hop,
                b.verdict.as_str(),
                b.reason,
                a.reason
            )
        })
        .collect();
    if before.verdict != Overall::Reachable && after.verdict == Overall::Reachable {
        out.push(format!(
            "the trace became reachable (was {})",
            before.verdict.as_str()
        ));
    }
    out
}

// ---- where the policies are ---------------------------------------------------

/// Pointers (RFC 6901) to every policy document held as text in the world.
fn policy_pointers(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut each = |coll: &str, field: &str| {
        for (i, x) in doc[coll].as_array().into_iter().flatten().enumerate() {
            if x[field].is_string() {
                out.push(format!("/{coll}/{i}/{field}"));
            }
        }
    };
    each("vpc_endpoints", "PolicyDocument");
    each("rest_apis", "policy");
    each("roles", "AssumeRolePolicyDocument");
    each("managed_policies", "document");
    each("lambda_policies", "Policy");
    each("domain_names", "policy");
    for (i, r) in doc["roles"].as_array().into_iter().flatten().enumerate() {
        for (j, _) in r["InlinePolicies"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            out.push(format!("/roles/{i}/InlinePolicies/{j}/PolicyDocument"));
        }
    }
    out
}

/// A policy text as JSON; API Gateway's escaped form is unescaped first.
fn policy_json(text: &str) -> Option<Value> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&text.replace("\\\"", "\"")).ok())
        .filter(Value::is_object)
}

/// Statements as an array (a single statement object becomes a one-element array).
fn statements(p: &mut Value) -> Option<&mut Vec<Value>> {
    let s = p.get_mut("Statement")?;
    if s.is_object() {
        *s = Value::Array(vec![s.take()]);
    }
    s.as_array_mut()
}

fn deny_statement() -> impl Strategy<Value = Value> {
    let principal = prop_oneof![
        Just(json!("*")),
        Just(json!({"AWS": "*"})),
        Just(json!({"Service": "apigateway.amazonaws.com"})),
        Just(json!({"AWS": "arn:aws:iam::111122223333:role/web-app-role"})),
    ];
    let action = prop_oneof![
        Just(json!("*")),
        Just(json!("execute-api:Invoke")),
        Just(json!("lambda:InvokeFunction")),
        Just(json!("sts:AssumeRole")),
        Just(json!("states:*")),
        Just(json!(["execute-api:*", "lambda:*"])),
    ];
    let resource = prop_oneof![
        Just(json!("*")),
        Just(json!("arn:aws:execute-api:us-east-1:111122223333:*/prod/*")),
        Just(json!(
            "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*/GET/*"
        )),
        Just(json!("arn:aws:lambda:us-east-1:111122223333:function:*")),
        Just(json!("execute-api:/*")),
    ];
    let condition = prop_oneof![
        Just(None),
        Just(Some(
            json!({"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60001"}})
        )),
        Just(Some(
            json!({"StringNotEquals": {"aws:SourceVpc": "vpc-0b0000000000b0001"}})
        )),
        Just(Some(
            json!({"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}})
        )),
        Just(Some(
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:*"}})
        )),
        Just(Some(json!({"Bool": {"aws:SecureTransport": "false"}}))),
        Just(Some(
            json!({"StringEqualsIfExists": {"aws:PrincipalAccount": "111122223333"}})
        )),
        Just(Some(json!({"NoSuchOperator": {"aws:SourceVpce": "x"}}))),
    ];
    (principal, action, resource, condition, any::<bool>()).prop_map(|(p, a, r, c, not_action)| {
        let mut s = json!({"Effect": "Deny", "Principal": p, "Resource": r});
        s[if not_action { "NotAction" } else { "Action" }] =
            if not_action { json!("s3:*") } else { a };
        if let Some(c) = c {
            s["Condition"] = c;
        }
        s
    })
}

// ---- allow rules ----------------------------------------------------------------

/// Pointers to every allow rule: security group permissions, NACL allow
/// entries, routes, and Allow statements of policy documents (given as
/// `pointer#index`).
fn allow_rules(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (i, g) in doc["security_groups"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for dir in ["IpPermissions", "IpPermissionsEgress"] {
            for (j, _) in g[dir].as_array().into_iter().flatten().enumerate() {
                out.push(format!("/security_groups/{i}/{dir}/{j}"));
            }
        }
    }
    for (i, n) in doc["network_acls"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (j, e) in n["Entries"].as_array().into_iter().flatten().enumerate() {
            if e["RuleAction"] == "allow" {
                out.push(format!("/network_acls/{i}/Entries/{j}"));
            }
        }
    }
    for (i, t) in doc["route_tables"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (j, _) in t["Routes"].as_array().into_iter().flatten().enumerate() {
            out.push(format!("/route_tables/{i}/Routes/{j}"));
        }
    }
    for ptr in policy_pointers(doc) {
        let Some(mut p) = doc
            .pointer(&ptr)
            .and_then(Value::as_str)
            .and_then(policy_json)
        else {
            continue;
        };
        for (k, s) in statements(&mut p).into_iter().flatten().enumerate() {
            if s["Effect"] == "Allow" {
                out.push(format!("{ptr}#{k}"));
            }
        }
    }
    out
}

/// Removes the rule `rule` names (see [`allow_rules`]).
fn remove_rule(doc: &mut Value, rule: &str) {
    if let Some((ptr, k)) = rule.split_once('#') {
        let k: usize = k.parse().expect("index");
        let text = doc
            .pointer(ptr)
            .and_then(Value::as_str)
            .expect("policy text");
        let mut p = policy_json(text).expect("policy JSON");
        statements(&mut p).expect("statements").remove(k);
        *doc.pointer_mut(ptr).expect("policy") = Value::String(p.to_string());
        return;
    }
    let (parent, idx) = rule.rsplit_once('/').expect("pointer");
    let idx: usize = idx.parse().expect("index");
    doc.pointer_mut(parent)
        .and_then(Value::as_array_mut)
        .expect("array")
        .remove(idx);
}

// ---- "not captured" -------------------------------------------------------------

/// Pointers to fields whose absence in a snapshot means "not read", and
/// whole resources whose absence means "not in the snapshot".
fn capturable(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let arr = |v: &Value| v.as_array().cloned().unwrap_or_default();
    for (i, v) in arr(&doc["vpcs"]).iter().enumerate() {
        for f in ["EnableDnsSupport", "EnableDnsHostnames"] {
            if v.get(f).is_some() {
                out.push(format!("/vpcs/{i}/{f}"));
            }
        }
    }
    for (i, _) in arr(&doc["prefix_lists"]).iter().enumerate() {
        out.push(format!("/prefix_lists/{i}/Entries"));
    }
    for (i, e) in arr(&doc["vpc_endpoints"]).iter().enumerate() {
        if e.get("State").is_some() {
            out.push(format!("/vpc_endpoints/{i}/State"));
        }
    }
    for (i, a) in arr(&doc["rest_apis"]).iter().enumerate() {
        for (j, _) in arr(&a["deployments"]).iter().enumerate() {
            out.push(format!("/rest_apis/{i}/deployments/{j}/apiSummary"));
        }
        for (j, r) in arr(&a["resources"]).iter().enumerate() {
            for (verb, m) in r["resourceMethods"]
                .as_object()
                .cloned()
                .unwrap_or_default()
            {
                out.push(format!(
                    "/rest_apis/{i}/resources/{j}/resourceMethods/{verb}/methodIntegration"
                ));
                if m["methodIntegration"].get("type").is_some() {
                    out.push(format!("/rest_apis/{i}/resources/{j}/resourceMethods/{verb}/methodIntegration/type"));
                }
            }
        }
        out.push(format!("/rest_apis/{i}"));
    }
    for (i, l) in arr(&doc["vpc_links"]).iter().enumerate() {
        if l.get("status").is_some() {
            out.push(format!("/vpc_links/{i}/status"));
        }
    }
    for (i, d) in arr(&doc["domain_names"]).iter().enumerate() {
        if d.get("domainNameStatus").is_some() {
            out.push(format!("/domain_names/{i}/domainNameStatus"));
        }
        out.push(format!("/domain_names/{i}/policy"));
    }
    for (i, r) in arr(&doc["roles"]).iter().enumerate() {
        if r.get("AssumeRolePolicyDocument").is_some() {
            out.push(format!("/roles/{i}/AssumeRolePolicyDocument"));
        }
        out.push(format!("/roles/{i}"));
    }
    // Route tables are not here: a subnet without an explicit association
    // uses the main route table, and AWS does not list those implicit
    // associations, so a route table left out of a snapshot cannot be told
    // from an implicit one (rulebook H3). NACLs are: DescribeNetworkAcls
    // lists the default NACL's subnets too.
    for coll in [
        "lambda_policies",
        "managed_policies",
        "security_groups",
        "network_acls",
        "subnets",
        "network_interfaces",
        "instance_profiles",
        "vpc_links",
    ] {
        for (i, _) in arr(&doc[coll]).iter().enumerate() {
            out.push(format!("/{coll}/{i}"));
        }
    }
    out
}

/// Removes the field or array element `ptr` names.
fn forget(doc: &mut Value, ptr: &str) {
    let (parent, last) = ptr.rsplit_once('/').expect("pointer");
    match doc.pointer_mut(parent) {
        Some(Value::Object(o)) => {
            o.remove(last);
        }
        Some(Value::Array(a)) => {
            let i: usize = last.parse().expect("index");
            a.remove(i);
        }
        _ => panic!("nothing at {ptr}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn adding_a_deny_never_allows(story in 0usize..64, which in any::<Index>(), deny in deny_statement()) {
        let req = request(story);
        let doc = base();
        let before = trace_of(&doc, &req).expect("the demo traces");
        let ptrs = policy_pointers(&doc);
        let ptr = which.get(&ptrs);
        let mut p = policy_json(doc.pointer(ptr).and_then(Value::as_str).unwrap()).expect("policy JSON");
        statements(&mut p).expect("statements").push(deny);
        let mut edited = doc.clone();
        *edited.pointer_mut(ptr).unwrap() = Value::String(p.to_string());
        let after = trace_of(&edited, &req).expect("a Deny keeps the world loadable");
        let bad = new_allows(&before, &after);
        prop_assert!(bad.is_empty(), "Deny added at {ptr}: {p}\n{}", bad.join("\n"));
    }

    #[test]
    fn removing_an_allow_rule_or_permission_never_allows(story in 0usize..64, which in any::<Index>()) {
        let req = request(story);
        let doc = base();
        let before = trace_of(&doc, &req).expect("the demo traces");
        let rules = allow_rules(&doc);
        let rule = which.get(&rules).clone();
        let mut edited = doc.clone();
        remove_rule(&mut edited, &rule);
        let after = trace_of(&edited, &req).expect("removing a rule keeps the world loadable");
        let bad = new_allows(&before, &after);
        prop_assert!(bad.is_empty(), "removed {rule}:\n{}", bad.join("\n"));
    }

    #[test]
    fn not_captured_never_allows(story in 0usize..64, which in any::<Index>()) {
        let req = request(story);
        let doc = base();
        let before = trace_of(&doc, &req).expect("the demo traces");
        let fields = capturable(&doc);
        let ptr = which.get(&fields).clone();
        let mut edited = doc.clone();
        forget(&mut edited, &ptr);
        // A world the loader refuses is reported to the user, not traced.
        if let Some(after) = trace_of(&edited, &req) {
            let bad = new_allows(&before, &after);
            prop_assert!(bad.is_empty(), "forgot {ptr}:\n{}", bad.join("\n"));
        }
    }
}

/// The generators reach every kind of place they claim to.
#[test]
fn the_generators_cover_the_world() {
    let doc = base();
    let ptrs = policy_pointers(&doc);
    for kind in [
        "vpc_endpoints",
        "rest_apis",
        "roles",
        "lambda_policies",
        "domain_names",
        "InlinePolicies",
    ] {
        assert!(
            ptrs.iter().any(|p| p.contains(kind)),
            "no {kind} policy in {ptrs:?}"
        );
    }
    let rules = allow_rules(&doc);
    for kind in ["IpPermissionsEgress", "network_acls", "Routes", "#"] {
        assert!(rules.iter().any(|p| p.contains(kind)), "no {kind} rule");
    }
    assert!(capturable(&doc).len() > 50);
    // Every story's trace runs on the unedited world.
    for i in 0..demo::stories().len() {
        assert!(trace_of(&doc, &request(i)).is_some());
    }
}
