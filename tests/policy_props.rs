//! Property tests for the policy engine (rulebook §4.1, three-valued rule of
//! the architecture guide): over random policies and requests,
//!
//! * adding a Deny that matches the request never yields an allow;
//! * the order of statements never changes the decision;
//! * declaring a context key unknown never turns a deny into an allow (the
//!   outcome with the key known is always among the outcomes with it unknown).

use hoptrace::policy::{self, Caller, Decision, Outcome, ParseOptions, RequestContext, ShortForm};
use proptest::prelude::*;
use serde_json::{json, Value};

const METHOD: &str = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets/42";
const ROLE: &str = "arn:aws:iam::111122223333:role/web-app-role";

/// The keys conditions and requests draw from.
const KEYS: [&str; 6] = [
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:VpcSourceIp",
    "aws:PrincipalArn",
    "x:n",
    "aws:TagKeys",
];

fn values_for(key: &str) -> Vec<&'static str> {
    match key {
        "aws:SourceVpce" => vec!["vpce-1", "vpce-2", "vpce-*", "VPCE-1"],
        "aws:SourceVpc" => vec!["vpc-1", "vpc-2", "vpc-?"],
        "aws:VpcSourceIp" => vec![
            "10.0.0.0/16",
            "10.0.1.15",
            "192.168.0.0/16",
            "2001:db8::/32",
        ],
        "aws:PrincipalArn" => vec![
            ROLE,
            "arn:aws:iam::*:role/web-*",
            "arn:aws:iam::111122223333:role/other",
        ],
        "x:n" => vec!["1", "5", "10"],
        _ => vec!["team", "env", "te*"],
    }
}

fn request_values(key: &str) -> Vec<&'static str> {
    match key {
        "aws:SourceVpce" => vec!["vpce-1", "vpce-2", "VPCE-1"],
        "aws:SourceVpc" => vec!["vpc-1", "vpc-2"],
        "aws:VpcSourceIp" => vec!["10.0.1.15", "192.168.1.1", "2001:db8::1"],
        "aws:PrincipalArn" => vec![ROLE, "arn:aws:iam::111122223333:role/other"],
        "x:n" => vec!["1", "5", "12"],
        _ => vec!["team", "env", "cost"],
    }
}

fn operators_for(key: &str) -> Vec<&'static str> {
    match key {
        "aws:VpcSourceIp" => vec!["IpAddress", "NotIpAddress", "IpAddressIfExists", "Null"],
        "aws:PrincipalArn" => vec!["ArnEquals", "ArnLike", "ArnNotLike", "StringLike", "Null"],
        "x:n" => vec![
            "NumericEquals",
            "NumericLessThan",
            "NumericGreaterThanEquals",
            "NumericNotEquals",
        ],
        "aws:TagKeys" => vec![
            "ForAnyValue:StringEquals",
            "ForAllValues:StringLike",
            "ForAllValues:StringNotEquals",
            "StringEquals",
        ],
        _ => vec![
            "StringEquals",
            "StringNotEquals",
            "StringLike",
            "StringNotLike",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIfExists",
            "Null",
        ],
    }
}

fn condition() -> impl Strategy<Value = (String, String, Vec<String>)> {
    (
        0..KEYS.len(),
        any::<prop::sample::Index>(),
        prop::collection::vec(any::<prop::sample::Index>(), 1..3),
    )
        .prop_map(|(k, op, vals)| {
            let key = KEYS[k];
            let ops = operators_for(key);
            let op = ops[op.index(ops.len())].to_string();
            let values = if op == "Null" {
                vec![if vals[0].index(2) == 0 {
                    "true"
                } else {
                    "false"
                }
                .to_string()]
            } else {
                let pool = values_for(key);
                vals.iter()
                    .map(|i| pool[i.index(pool.len())].to_string())
                    .collect()
            };
            (op, key.to_string(), values)
        })
}

fn statement() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        0..4usize,
        0..6usize,
        0..6usize,
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(condition(), 0..3),
    )
        .prop_map(
            |(allow, principal, action, resource, not_action, not_resource, conds)| {
                let mut s = serde_json::Map::new();
                s.insert("Effect".into(), json!(if allow { "Allow" } else { "Deny" }));
                match principal {
                    0 => {
                        s.insert("Principal".into(), json!("*"));
                    }
                    1 => {
                        s.insert("Principal".into(), json!({"AWS": "111122223333"}));
                    }
                    2 => {
                        s.insert("Principal".into(), json!({"AWS": ROLE}));
                    }
                    _ => {}
                }
                let actions = [
                    "execute-api:Invoke",
                    "execute-api:*",
                    "*",
                    "s3:GetObject",
                    "execute-api:inv*",
                    "execute-api:InvalidateCache",
                ];
                s.insert(
                    if not_action { "NotAction" } else { "Action" }.into(),
                    json!(actions[action]),
                );
                let resources = [
                    "*",
                    "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*",
                    "arn:aws:execute-api:us-east-1:111122223333:other/*",
                    "execute-api:/*",
                    "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*/GET/pets*",
                    "arn:aws:execute-api:*:*:*/prod/POST/*",
                ];
                s.insert(
                    if not_resource {
                        "NotResource"
                    } else {
                        "Resource"
                    }
                    .into(),
                    json!(resources[resource]),
                );
                if !conds.is_empty() {
                    let mut block = serde_json::Map::new();
                    for (op, key, vals) in conds {
                        let entry = block
                            .entry(op)
                            .or_insert_with(|| json!({}))
                            .as_object_mut()
                            .expect("object");
                        entry.insert(key, json!(vals));
                    }
                    s.insert("Condition".into(), Value::Object(block));
                }
                Value::Object(s)
            },
        )
}

/// A request: the caller and a value (or absence) per key.
fn request() -> impl Strategy<Value = (bool, Vec<Option<prop::sample::Index>>)> {
    (
        any::<bool>(),
        prop::collection::vec(prop::option::of(any::<prop::sample::Index>()), KEYS.len()),
    )
}

fn build(
    signed: bool,
    vals: &[Option<prop::sample::Index>],
    unknown: Option<usize>,
) -> RequestContext {
    let caller = if signed {
        Caller::role_session(ROLE, "i-1")
    } else {
        Caller::Anonymous
    };
    let mut c = RequestContext::new("execute-api:Invoke", Some(METHOD), caller);
    for (i, v) in vals.iter().enumerate() {
        let key = KEYS[i];
        if let Some(ix) = v {
            let pool = request_values(key);
            c.set(key, pool[ix.index(pool.len())]);
            if key == "aws:TagKeys" {
                c.add(key, pool[(ix.index(pool.len()) + 1) % pool.len()]);
            }
        }
    }
    if let Some(u) = unknown {
        c.set_unknown(KEYS[u]);
    }
    c
}

fn decide(statements: &[Value], ctx: &RequestContext) -> Decision {
    let doc = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    let opts = ParseOptions {
        short_form: ShortForm::from_arn(METHOD),
    };
    let p = policy::parse(&doc, &opts)
        .unwrap_or_else(|e| panic!("generated policy does not parse: {e}\n{doc}"));
    policy::evaluate(&p, ctx).decision
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Adding a Deny that matches the request (with a condition that holds,
    /// or none) makes the decision an explicit deny: never an allow.
    #[test]
    fn a_matching_deny_never_allows(
        stmts in prop::collection::vec(statement(), 0..6),
        (signed, vals) in request(),
        unknown in prop::option::of(0..KEYS.len()),
        with_condition in any::<bool>(),
    ) {
        let ctx = build(signed, &vals, unknown);
        let mut deny = json!({"Effect": "Deny", "Principal": "*", "Action": "execute-api:*", "Resource": "*"});
        if with_condition {
            deny["Condition"] = json!({"Bool": {"x:always": "true"}});
        }
        let mut all = stmts.clone();
        all.push(deny);
        let mut ctx2 = ctx.clone();
        ctx2.set("x:always", "true");
        let d = decide(&all, &ctx2);
        prop_assert!(!d.contains(Outcome::Allow), "{:?}", d);
        prop_assert_eq!(d, Decision::EXPLICIT_DENY);
    }

    /// Statement order never changes the decision.
    #[test]
    fn statement_order_never_matters(
        (stmts, shuffled) in prop::collection::vec(statement(), 0..7)
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        (signed, vals) in request(),
        unknown in prop::option::of(0..KEYS.len()),
    ) {
        let ctx = build(signed, &vals, unknown);
        prop_assert_eq!(decide(&stmts, &ctx), decide(&shuffled, &ctx));
    }

    /// Making a key unknown can only widen the decision: the known outcome
    /// stays possible, so a deny never becomes a (definite) allow.
    #[test]
    fn an_unknown_key_never_turns_a_deny_into_an_allow(
        stmts in prop::collection::vec(statement(), 0..7),
        (signed, vals) in request(),
        key in 0..KEYS.len(),
    ) {
        let known = decide(&stmts, &build(signed, &vals, None));
        let unknown = decide(&stmts, &build(signed, &vals, Some(key)));
        // (A multi-valued key without a set qualifier can already be unknown.)
        for was in known.outcomes() {
            prop_assert!(unknown.contains(was), "known {:?}, with {} unknown {:?}", known, KEYS[key], unknown);
        }
        if known.is_denied() {
            prop_assert!(!unknown.is_allow(), "deny turned into allow with {} unknown", KEYS[key]);
        }
    }
}
