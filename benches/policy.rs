//! Policy engine benchmarks: evaluating a 20-statement policy with
//! conditions (the target is at most 20 µs), parsing it, and explaining it.
//!
//! Run: `cargo bench --bench policy`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};

use hoptrace::policy::{self, Caller, ParseOptions, RequestContext, ShortForm};

const METHOD: &str = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets/42";

/// Twenty statements, every one with conditions, of the kinds resource and
/// endpoint policies use: endpoint and VPC restrictions, source IPs, caller
/// ARNs, dates, booleans, set qualifiers and policy variables.
fn twenty_statements() -> String {
    let mut s = Vec::new();
    for i in 0..20 {
        let stmt = match i % 5 {
            0 => format!(
                r#"{{"Sid":"AllowVpce{i}","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/pets/*","Condition":{{"StringEquals":{{"aws:SourceVpce":["vpce-{i:04}","vpce-0a1b2c3d4e5f60001"]}},"Bool":{{"aws:SecureTransport":"true"}}}}}}"#
            ),
            1 => format!(
                r#"{{"Sid":"DenyOutside{i}","Effect":"Deny","Principal":"*","Action":"execute-api:*","Resource":"arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*/POST/*","Condition":{{"StringNotEquals":{{"aws:SourceVpc":["vpc-0a11ce5e00000a001","vpc-{i:04}"]}},"NotIpAddress":{{"aws:VpcSourceIp":["10.0.0.0/16","10.{i}.0.0/16"]}}}}}}"#
            ),
            2 => format!(
                r#"{{"Sid":"Roles{i}","Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::111122223333:role/app-{i}","111122223333"]}},"Action":["execute-api:Invoke","execute-api:InvalidateCache"],"Resource":"arn:aws:execute-api:*:*:a1b2c3d4e5/*","Condition":{{"ArnLike":{{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app-*"}},"DateLessThan":{{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}}}}}"#
            ),
            3 => format!(
                r#"{{"Sid":"Tags{i}","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/${{aws:SourceVpce}}/*","Condition":{{"ForAnyValue:StringLike":{{"aws:TagKeys":["team*","env-{i}"]}},"NumericLessThanEquals":{{"x:size":"{i}00"}}}}}}"#
            ),
            _ => format!(
                r#"{{"Sid":"DenyOld{i}","Effect":"Deny","NotPrincipal":{{"AWS":"arn:aws:iam::111122223333:root"}},"NotAction":"execute-api:Invoke","NotResource":"arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*","Condition":{{"StringNotEqualsIfExists":{{"aws:PrincipalOrgID":"o-{i:04}"}},"Null":{{"aws:SourceIp":"true"}}}}}}"#
            ),
        };
        s.push(stmt);
    }
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        s.join(",")
    )
}

fn context() -> RequestContext {
    let mut c = RequestContext::new("execute-api:Invoke", Some(METHOD), Caller::Anonymous);
    c.set("aws:SourceVpce", "vpce-0a1b2c3d4e5f60001")
        .set("aws:SourceVpc", "vpc-0a11ce5e00000a001")
        .set("aws:VpcSourceIp", "10.0.1.15")
        .set_absent("aws:SourceIp")
        .set("aws:SecureTransport", "true")
        .set("aws:CurrentTime", "2026-11-28T09:00:00Z")
        .set("aws:EpochTime", "1795856400")
        .set("x:size", "512")
        .add("aws:TagKeys", "team")
        .add("aws:TagKeys", "cost")
        .set_unknown("aws:PrincipalAccount")
        .set_unlisted_unknown(true);
    c
}

fn bench(c: &mut Criterion) {
    let text = twenty_statements();
    let opts = ParseOptions {
        short_form: ShortForm::from_arn(METHOD),
    };
    let p = policy::parse(&text, &opts).expect("the benchmark policy parses");
    assert_eq!(p.statements.len(), 20);
    let ctx = context();
    let mut g = c.benchmark_group("policy-20-statements");
    g.bench_function("evaluate", |b| {
        b.iter(|| policy::evaluate(black_box(&p), black_box(&ctx)))
    });
    g.bench_function("parse", |b| {
        b.iter(|| policy::parse(black_box(&text), &opts).unwrap())
    });
    g.bench_function("parse+evaluate", |b| {
        b.iter(|| {
            let p = policy::parse(black_box(&text), &opts).unwrap();
            policy::evaluate(&p, black_box(&ctx))
        })
    });
    let e = policy::evaluate(&p, &ctx);
    g.bench_function("explain", |b| {
        b.iter(|| policy::report(black_box(&p), black_box(&e), &ctx))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
