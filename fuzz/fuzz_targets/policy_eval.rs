//! Parse + evaluate + explain arbitrary policy text against several request
//! contexts. The input is `policy text` `\0` `context lines` (`key=value`,
//! `!key` for unknown, `@principal`, `>resource`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unused_imports)]
#[path = "../../src/policy/mod.rs"]
mod policy;

use policy::{evaluate, parse, report, Caller, Decision, Outcome, ParseOptions, RequestContext, ShortForm};

const METHOD: &str = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets/42";

fn contexts(extra: &str) -> Vec<RequestContext> {
    let role = "arn:aws:iam::111122223333:role/web-app-role";
    let callers = [
        Caller::Anonymous,
        Caller::role_session(role, "i-0123"),
        Caller::Unknown("fuzz".into()),
        Caller::Service("apigateway.amazonaws.com".into()),
    ];
    let mut out = Vec::new();
    for (i, caller) in callers.into_iter().enumerate() {
        let mut c = RequestContext::new("execute-api:Invoke", Some(METHOD), caller);
        c.set("aws:SourceVpce", "vpce-0a1b2c3d4e5f60001")
            .set("aws:SourceVpc", "vpc-0a11ce5e00000a001")
            .set("aws:VpcSourceIp", "10.0.1.25")
            .set("aws:SecureTransport", "true")
            .set("aws:CurrentTime", "2026-11-28T09:00:00Z")
            .set("aws:EpochTime", "1795856400")
            .set_unknown_prefix("aws:PrincipalTag/");
        if i == 2 {
            c.set_unlisted_unknown(true).set_resource(None);
        }
        for line in extra.lines() {
            if let Some(k) = line.strip_prefix('!') {
                c.set_unknown(k);
            } else if let Some(p) = line.strip_prefix('@') {
                if let Ok(caller) = Caller::parse(p) {
                    c.caller = caller;
                }
            } else if let Some(r) = line.strip_prefix('>') {
                c.set_resource(Some(r));
            } else if let Some((k, v)) = line.split_once('=') {
                c.add(k, v);
            }
        }
        out.push(c);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let (text, extra) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let text = String::from_utf8_lossy(text);
    let extra = String::from_utf8_lossy(extra);
    let opts = ParseOptions {
        short_form: ShortForm::from_arn(METHOD),
    };
    let Ok(p) = parse(&text, &opts) else { return };
    for ctx in contexts(&extra) {
        let e = evaluate(&p, &ctx);
        assert_eq!(e.statements.len(), p.statements.len());
        assert!(!e.decision.outcomes().is_empty());
        // Never an allow next to a possible explicit deny.
        if e.decision.is_allow() {
            assert_eq!(e.explicit_deny(), policy::Tri::False);
        }
        if e.decision == Decision::EXPLICIT_DENY {
            assert!(e.deciding.is_some());
        }
        let r = report(&p, &e, &ctx);
        assert_eq!(r.statements.len(), p.statements.len());
        if e.decision.definite() == Some(Outcome::ImplicitDeny) {
            assert!(r.deciding_statement.is_none());
        }
        let _ = serde_json::to_string(&r).expect("report serializes");
    }
});
