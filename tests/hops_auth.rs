//! Table-driven tests for hops 9, 13 and 14 (rulebook H9, H13, H14, §1.2,
//! §1.3, §4.6, §4.7, §6) from snapshot fixtures.
//!
//! Every case starts from `tests/fixtures/auth.json` (the network fixture
//! `base.json` with a healthy path from the client instance to an execute-api
//! endpoint, plus a private API whose deployment has NONE, AWS_IAM, CUSTOM
//! (TOKEN and REQUEST), COGNITO_USER_POOLS, API-key and ANY methods, the
//! client's role with inline and managed policies, authorizer functions with
//! their Lambda policies, usage plans and hashed API keys), applies one small
//! edit, runs the trace and checks the named hops, their rulebook check and
//! the predicted HTTP response. Case names cite the rulebook.

use hoptrace::model::{Snapshot, World};
use hoptrace::trace::{self, HopId, PolicyKind, Request, TlsVersion, Trace, Verdict};
use serde_json::{json, Value};

mod common;

use Verdict::{Allow, Deny, Skip, Unknown};

const FIXTURE: &str = include_str!("fixtures/auth.json");
const CLIENT: &str = "i-0c000000000000001";
const API: &str = "a1b2c3d4e5";
const ROLE: &str = "arn:aws:iam::111111111111:role/client-role";
const DOMAIN: &str = "api.internal.example.com";
const VPCE_HOST: &str = "vpce-0123456789abcdef0-k1m2n3p4.execute-api.us-east-1.vpce.amazonaws.com";

// ---- requests ----------------------------------------------------------------

#[derive(Clone)]
struct Req {
    method: &'static str,
    url: String,
    headers: Vec<String>,
    sigv4: bool,
}

fn get(path: &str) -> Req {
    Req {
        method: "GET",
        url: format!("https://{API}.execute-api.us-east-1.amazonaws.com{path}"),
        headers: Vec::new(),
        sigv4: false,
    }
}

fn post(path: &str) -> Req {
    Req {
        method: "POST",
        ..get(path)
    }
}

/// Form D': the endpoint's DNS name with `Host:` the private custom domain.
fn via_domain(path: &str) -> Req {
    Req {
        method: "GET",
        url: format!("https://{VPCE_HOST}{path}"),
        headers: vec![format!("Host: {DOMAIN}")],
        sigv4: false,
    }
}

impl Req {
    fn signed(mut self) -> Req {
        self.sigv4 = true;
        self
    }
    fn header(mut self, h: &str) -> Req {
        self.headers.push(h.to_string());
        self
    }
}

// ---- fixture edits -------------------------------------------------------------

type Edit = Box<dyn Fn(&mut Value)>;

fn unchanged() -> Edit {
    Box::new(|_| {})
}

fn api(d: &mut Value) -> &mut Value {
    d["rest_apis"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|a| a["id"] == API)
        .unwrap()
}

fn endpoint(d: &mut Value) -> &mut Value {
    &mut d["vpc_endpoints"][0]
}

fn role(d: &mut Value) -> &mut Value {
    d["roles"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["Arn"] == ROLE)
        .unwrap()
}

fn statements(s: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{s}]}}"#)
}

/// The API's resource policy, as API Gateway returns it (escaped quotes).
fn rp(statements_json: &str) -> Edit {
    let doc = statements(statements_json).replace('"', "\\\"");
    Box::new(move |d| api(d)["policy"] = json!(doc))
}

fn endpoint_policy(statements_json: &str) -> Edit {
    let doc = statements(statements_json);
    Box::new(move |d| endpoint(d)["PolicyDocument"] = json!(doc))
}

fn inline_policy(statements_json: &str) -> Edit {
    let doc = statements(statements_json);
    Box::new(move |d| {
        role(d)["InlinePolicies"] = json!([{"PolicyName": "p", "PolicyDocument": doc}]);
    })
}

fn boundary(policy_arn: &'static str) -> Edit {
    Box::new(move |d| {
        role(d)["PermissionsBoundary"] = json!({"PermissionsBoundaryArn": policy_arn})
    })
}

/// Deny Invoke to everyone but the client's session, role and account.
const DENY_NOT_CLIENT: &str = r#"{"Sid":"OnlyClient","Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:sts::111111111111:assumed-role/client-role/i-0c000000000000001","arn:aws:iam::111111111111:role/client-role","arn:aws:iam::111111111111:root"]},"Action":"execute-api:Invoke","Resource":"*"}"#;

fn both(a: Edit, b: Edit) -> Edit {
    Box::new(move |d| {
        a(d);
        b(d);
    })
}

// ---- expectations --------------------------------------------------------------

use common::{at, verdict, Expect};

#[derive(Clone, Copy)]
enum Resp {
    Any,
    None,
    Is(u16, &'static str, &'static str),
}

struct Case {
    name: &'static str,
    edit: Edit,
    req: Req,
    expect: Vec<Expect>,
    response: Resp,
}

fn case(name: &'static str, edit: Edit, req: Req, expect: Vec<Expect>) -> Case {
    Case {
        name,
        edit,
        req,
        expect,
        response: Resp::Any,
    }
}

impl Case {
    fn responds(mut self, status: u16, error_type: &'static str, message: &'static str) -> Case {
        self.response = Resp::Is(status, error_type, message);
        self
    }
    fn no_response(mut self) -> Case {
        self.response = Resp::None;
        self
    }
}

fn world_of(c: &Case) -> World {
    let mut doc: Value = serde_json::from_str(FIXTURE).unwrap();
    (c.edit)(&mut doc);
    let bytes = serde_json::to_vec(&doc).unwrap();
    let snap = Snapshot::from_slice(&bytes, std::path::Path::new("auth.json"))
        .unwrap_or_else(|e| panic!("{}: fixture does not load: {e}", c.name));
    World::new(snap)
}

fn request_of(c: &Case) -> Request {
    Request::new(
        CLIENT,
        c.req.method,
        &c.req.url,
        &c.req.headers,
        c.req.sigv4,
        TlsVersion::V1_2,
    )
    .unwrap()
}

fn run_trace(c: &Case) -> Trace {
    trace::run(&world_of(c), &request_of(c)).unwrap()
}

fn failures(c: &Case) -> Vec<String> {
    let t = run_trace(c);
    common::dump("auth", c.name, &t);
    let mut out: Vec<String> = c
        .expect
        .iter()
        .flat_map(|e| common::mismatches(&t, e))
        .collect();
    match (c.response, &t.response) {
        (Resp::Any, _) => {}
        (Resp::None, None) => {}
        // A block without an HTTP answer still says what the client sees.
        (Resp::None, Some(r)) if r.status.is_none() && r.client_error.is_some() => {}
        (Resp::None, Some(r)) => out.push(format!("unexpected response {r:?}")),
        (Resp::Is(s, ty, msg), Some(r)) => {
            if r.status != Some(s)
                // "" stands for no documented x-amzn-ErrorType.
                || r.error_type.as_deref().unwrap_or("") != ty
                || !r.message.as_deref().unwrap_or("").contains(msg)
            {
                out.push(format!(
                    "response {r:?}, wanted {s} {ty} containing {msg:?}"
                ));
            }
        }
        (Resp::Is(..), None) => out.push(format!("no response; first block {:?}", t.first_block)),
    }
    out
}

fn run_table(cases: Vec<Case>) {
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| common::selected(c.name))
        .collect();
    let mut bad = Vec::new();
    for c in &cases {
        let f = failures(c);
        if !f.is_empty() {
            bad.push(format!("{}:\n    {}", c.name, f.join("\n    ")));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} cases failed:\n{}",
        bad.len(),
        cases.len(),
        bad.join("\n")
    );
}

// ---- H9 --------------------------------------------------------------------------

fn h9_cases() -> Vec<Case> {
    let role_only = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/client-role"},"Action":"execute-api:Invoke","Resource":"*"}"#;
    vec![
        case("H9.1 the default full-access policy allows", unchanged(), get("/prod/pets"), vec![at("endpoint-policy", Allow, "H9.1").says("default full-access")]).no_response(),
        case(
            "H9.3 + IAM-NOTPRINC: Deny with NotPrincipal applies to a role with a permissions boundary",
            both(endpoint_policy(&format!(r#"{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},{DENY_NOT_CLIENT}"#)), boundary("arn:aws:iam::111111111111:policy/invoke-all")),
            post("/prod/pets").signed(),
            vec![at("endpoint-policy", Deny, "H9.3")],
        ),
        case(
            "H9.3 + IAM-NOTPRINC: Deny with NotPrincipal listing the caller, no permissions boundary: allow",
            endpoint_policy(&format!(r#"{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},{DENY_NOT_CLIENT}"#)),
            post("/prod/pets").signed(),
            vec![at("endpoint-policy", Allow, "H9.3")],
        ),
        case(
            "H9.3 + IAM-NOTPRINC: Deny with NotPrincipal, the caller's role not captured: unknown",
            both(endpoint_policy(&format!(r#"{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},{DENY_NOT_CLIENT}"#)), Box::new(|d| d["roles"].as_array_mut().unwrap().retain(|r| r["Arn"] != ROLE))),
            post("/prod/pets").signed(),
            vec![verdict("endpoint-policy", Unknown)],
        ),
        case(
            "H9.3 a policy repeating a key cannot be read: unknown",
            Box::new(|d| endpoint(d)["PolicyDocument"] = json!(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"},"StringEquals":{"aws:SecureTransport":"true"}}}]}"#)),
            get("/prod/pets"),
            vec![verdict("endpoint-policy", Unknown).says("duplicate key \"StringEquals\" in Statement[0].Condition")],
        ),
        case("H9.1 no policy document means full access", Box::new(|d| endpoint(d)["PolicyDocument"] = Value::Null), get("/prod/pets"), vec![at("endpoint-policy", Allow, "H9.1").says("(absent: full access)")]),
        case(
            "H9.3 a policy that allows only another API denies (implicitly)",
            endpoint_policy(r#"{"Sid":"OtherOnly","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:zzzzzzzzzz/*"}"#),
            get("/prod/pets"),
            vec![at("endpoint-policy", Deny, "H9.3").says("no statement allows it").says("Resource [\"arn:aws:execute-api:us-east-1:111111111111:zzzzzzzzzz/*\"] does not include")],
        )
        .responds(403, "AccessDeniedException", "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/GET/pets because no VPC endpoint policy allows the execute-api:Invoke action"),
        case(
            "H9.3 an explicit Deny in the endpoint policy",
            endpoint_policy(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Sid":"NoPets","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:a1b2c3d4e5/*/GET/pets*"}"#),
            get("/prod/pets"),
            vec![at("endpoint-policy", Deny, "H9.3").says("Sid \"NoPets\"")],
        )
        .responds(403, "AccessDeniedException", "with an explicit deny in a VPC endpoint policy"),
        case("H9.2 no Authorization header: anonymous, which a role-only policy refuses", endpoint_policy(role_only), get("/prod/pets"), vec![at("endpoint-policy", Deny, "H9.3").says("for anonymous")]),
        case("H9.2 a SigV4-signed request is the role's session", endpoint_policy(role_only), get("/prod/pets").signed(), vec![at("endpoint-policy", Allow, "H9.3").says("assumed-role/client-role/i-0c000000000000001")]),
        case("H9.2 a bearer token counts as anonymous", endpoint_policy(role_only), get("/prod/pets").header("Authorization: Bearer abc.def.ghi"), vec![verdict("endpoint-policy", Deny)]),
        case(
            "H9.3 a condition on the caller's organization is unknown",
            endpoint_policy(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#),
            get("/prod/pets").signed(),
            vec![at("endpoint-policy", Unknown, "H9.3").says("aws:PrincipalOrgID")],
        ),
        case(
            "H9.3 §1.3 aws:SourceVpce is the endpoint's id",
            endpoint_policy(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0","aws:SourceVpc":"vpc-0a000000000000001"}}}"#),
            get("/prod/pets"),
            vec![verdict("endpoint-policy", Allow)],
        ),
        case(
            "H9.3 §1.3 aws:SourceIp is absent, aws:VpcSourceIp is the client",
            endpoint_policy(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:VpcSourceIp":"10.0.1.10/32"},"Null":{"aws:SourceIp":"true"}}}"#),
            get("/prod/pets"),
            vec![verdict("endpoint-policy", Allow)],
        ),
        case("H9.3 a malformed endpoint policy is unknown with the message", endpoint_policy(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}}"#), get("/prod/pets"), vec![at("endpoint-policy", Unknown, "H9.3").says("Statement[0] Condition.StringEquals")]),
        case(
            "H9.3 form D: a policy allowing only the method refuses the domain resource",
            endpoint_policy(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/*"}"#),
            via_domain("/v1/pets"),
            vec![at("endpoint-policy", Deny, "H9.3").says("/domainnames/api.internal.example.com+d1x2y3z4")],
        ),
        case(
            "H9.3 form D: domain resource allowed, method allowed through viaDomainArn",
            endpoint_policy(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:/domainnames/*"},{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"ArnEquals":{"execute-api:viaDomainArn":"arn:aws:execute-api:us-east-1:111111111111:/domainnames/api.internal.example.com+d1x2y3z4"}}}"#),
            via_domain("/v1/pets"),
            vec![verdict("endpoint-policy", Allow)],
        ),
        case(
            "H9.3 form A: execute-api:viaDomainArn is absent",
            endpoint_policy(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"Null":{"execute-api:viaDomainArn":"true"}}}"#),
            get("/prod/pets"),
            vec![verdict("endpoint-policy", Allow)],
        ),
        case(
            "H9.4 a token-authorized method behind a principal-restricted endpoint policy",
            endpoint_policy(role_only),
            get("/prod/admin").header("Authorization: Bearer t"),
            vec![verdict("endpoint-policy", Deny).says("H9.4")],
        ),
        case("H2.1 DNS fails: H9 is not evaluable", Box::new(|d| d["vpcs"][0]["EnableDnsSupport"] = json!(false)), get("/prod/pets"), vec![verdict("endpoint-policy", Skip), verdict("authorization", Skip), verdict("api-key", Skip)]),
        case(
            "§6 the response is the first denying hop's: H9 before H13",
            both(endpoint_policy(r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}"#), rp(r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}"#)),
            get("/prod/pets"),
            vec![verdict("endpoint-policy", Deny), verdict("authorization", Deny)],
        )
        .responds(403, "AccessDeniedException", "in a VPC endpoint policy"),
    ]
}

// ---- H13: resource policy, NONE, H13.0–H13.2, H13.4, H13.5 ------------------------

fn h13_rp_cases() -> Vec<Case> {
    let deny_other_vpce = r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Sid":"OnlyTheirVpce","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0ffffffffffffffff"}}}"#;
    vec![
        case("H13.3 NONE: the resource policy allows", unchanged(), get("/prod/pets"), vec![at("authorization", Allow, "H13.3").says("a NONE method needs nothing else")]).no_response(),
        case("H11.3 {param} routes: /pets/42 reaches /pets/{petId}", unchanged(), get("/prod/pets/42"), vec![verdict("authorization", Allow).says("/pets/{petId}").says("a1b2c3d4e5/prod/GET/pets/42")]),
        case(
            "H13 a resource policy repeating a key cannot be read: unknown",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0","aws:SourceVpce":"vpce-0ffffffffffffffff"}}}"#),
            get("/prod/pets"),
            vec![verdict("authorization", Unknown).says("duplicate key \"aws:SourceVpce\" in Statement[0].Condition.StringEquals")],
        ),
        case(
            "§4.3 a final * in the region component also covers the account",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:a1b2c3d4e5/*"}"#),
            get("/prod/pets"),
            vec![at("authorization", Deny, "H13.3")],
        )
        .responds(403, "AccessDeniedException", "with an explicit deny"),
        case("H13.1 a private API without a resource policy fails every call", Box::new(|d| api(d)["policy"] = Value::Null), get("/prod/pets"), vec![at("authorization", Deny, "H13.1").says("has no resource policy")])
            .responds(403, "AccessDeniedException", "User: anonymous is not authorized to perform: execute-api:Invoke"),
        case(
            "H13.1 downgraded to unknown when the policy was removed after the deployment",
            Box::new(|d| {
                api(d)["policy"] = Value::Null;
                api(d)["policyChangedAt"] = json!("2026-01-12T00:00:00Z");
            }),
            get("/prod/pets"),
            vec![at("authorization", Unknown, "H13.0").says("runtime still uses the policy as of 2026-01-10T09:00:00Z").says("has no resource policy")],
        )
        .no_response(),
        case(
            "H13.0 a policy saved after the deployment is not in force: unknown, both outcomes shown",
            both(rp(deny_other_vpce), Box::new(|d| api(d)["policyChangedAt"] = json!("2026-01-12T00:00:00Z"))),
            get("/prod/pets"),
            vec![at("authorization", Unknown, "H13.0").says("with the current (saved) policy the answer would be deny")],
        ),
        case("H13.0 a policy changed before the deployment is in force", Box::new(|d| api(d)["policyChangedAt"] = json!("2026-01-05T00:00:00Z")), get("/prod/pets"), vec![at("authorization", Allow, "H13.3").says("it is the one in force")]),
        case("H13.0 without CloudTrail: a standing caveat", unchanged(), get("/prod/pets"), vec![verdict("authorization", Allow).says("without CloudTrail")]),
        case("H13.3 the Deny lists another endpoint: explicit deny", rp(deny_other_vpce), get("/prod/pets"), vec![at("authorization", Deny, "H13.3").says("Sid \"OnlyTheirVpce\"").says("request value \"vpce-0123456789abcdef0\"")])
            .responds(403, "AccessDeniedException", "on resource: arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/GET/pets with an explicit deny"),
        case(
            "H13.3 nothing allows this path: implicit deny",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/pets/*"}"#),
            get("/prod/pets"),
            vec![at("authorization", Deny, "H13.3").says("no statement of the resource policy allows")],
        )
        .responds(403, "AccessDeniedException", "execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/GET/pets"),
        case(
            "H13.2 Allow statements naming AWS principals only fail a NONE method",
            rp(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/client-role"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#),
            get("/prod/pets"),
            vec![at("authorization", Deny, "H13.2").says("AWS principals only")],
        ),
        case("H13.2 a signed call to a NONE method is still anonymous to the policy", unchanged(), get("/prod/pets").signed(), vec![verdict("authorization", Allow).says("does not use the signature")]),
        case(
            "H13.4 an Allow * without a VPC or endpoint condition is noted",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#),
            get("/prod/pets"),
            vec![verdict("authorization", Allow).says("H13.4")],
        ),
        case(
            "H13 a malformed resource policy is unknown with the message",
            rp(r#"{"Effect":"Permit","Principal":"*","Action":"*","Resource":"*"}"#),
            get("/prod/pets"),
            vec![at("authorization", Unknown, "H13").says("Statement[0] Effect: expected \"Allow\" or \"Deny\"")],
        ),
        case(
            "§1.2 ANY method: a policy that depends on the verb is unknown",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/*"}"#),
            get("/prod/files/a/b.txt"),
            vec![at("authorization", Unknown, "H13.3").says("the verb an ANY method presents")],
        ),
        case(
            "§1.2 ANY method: a policy with a verb wildcard is decided",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/*/files/*"}"#),
            get("/prod/files/a/b.txt"),
            vec![verdict("authorization", Allow).says("ANY /files/{proxy+}")],
        ),
        case("H11.1 a missing stage: not evaluable", unchanged(), get("/test/pets"), vec![verdict("authorization", Skip).says("stage test does not exist"), verdict("api-key", Skip)]),
        case("H11.3 a missing route: not evaluable", unchanged(), get("/prod/nothing"), vec![verdict("authorization", Skip).says("no resource matches /nothing"), verdict("api-key", Skip)]),
        case("H11.3 a missing method: not evaluable", unchanged(), Req { method: "DELETE", ..get("/prod/pets") }, vec![verdict("authorization", Skip).says("has no DELETE or ANY method")]),
        case("H11.2 a deployment without apiSummary: unknown", Box::new(|d| api(d)["deployments"][0]["apiSummary"] = Value::Null), get("/prod/pets"), vec![verdict("authorization", Unknown).says("apiSummary"), verdict("api-key", Unknown)]),
        case(
            "H10.2 an API not in the snapshot: unknown (another account?)",
            unchanged(),
            Req { url: "https://zzzzzzzzzz.execute-api.us-east-1.amazonaws.com/prod/pets".into(), ..get("/") },
            vec![verdict("endpoint-policy", Allow), verdict("authorization", Unknown).says("not in the snapshot")],
        ),
        case(
            "H13.5 form D: the domain policy must allow (it does)",
            unchanged(),
            via_domain("/v1/pets"),
            vec![verdict("authorization", Allow).says("H13.5: the policy of private custom domain api.internal.example.com allows")],
        ),
        case(
            "H13.5 form D: a deny-all domain policy denies",
            Box::new(|d| d["domain_names"][0]["policy"] = json!(statements(r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}"#))),
            via_domain("/v1/pets"),
            vec![at("authorization", Deny, "H13.5").says("arn:aws:execute-api:us-east-1:111111111111:/domainnames/api.internal.example.com+d1x2y3z4")],
        )
        .responds(403, "AccessDeniedException", "/domainnames/api.internal.example.com+d1x2y3z4 with an explicit deny"),
        case("H13.5 form D: a domain policy not in the snapshot is unknown", Box::new(|d| d["domain_names"][0]["policy"] = Value::Null), via_domain("/v1/pets"), vec![at("authorization", Unknown, "H13.5")]),
        case(
            "H13.5 form D: the resource policy sees execute-api:viaDomainArn",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"ArnLike":{"execute-api:viaDomainArn":"arn:aws:execute-api:us-east-1:111111111111:/domainnames/api.internal.example.com+*"}}}"#),
            via_domain("/v1/pets"),
            vec![verdict("authorization", Allow)],
        ),
    ]
}

// ---- H13: AWS_IAM, Tables A and B, boundaries ---------------------------------------

fn h13_iam_cases() -> Vec<Case> {
    let rp_get_only = r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/*"}"#;
    let rp_role = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/client-role"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#;
    let rp_account = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#;
    let no_identity =
        || inline_policy(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#);
    let cross = || -> Edit { Box::new(|d| api(d)["ownerAccount"] = json!("222222222222")) };
    vec![
        case("H13.3 an unsigned call to an AWS_IAM method", unchanged(), post("/prod/pets"), vec![at("authorization", Deny, "H13.3").says("not SigV4-signed")])
            .responds(403, "MissingAuthenticationTokenException", "Missing Authentication Token"),
        case("Table A: identity Allow, resource policy Neither → Allow", rp(rp_get_only), post("/prod/pets").signed(), vec![at("authorization", Allow, "H13.3").says("identity policies Allow, resource policy Neither → allow under Table A").says("iam:GetRolePolicy client-role invoke-pets-post Statement[0] (Sid \"PostPets\")")]),
        case(
            "Table A: a role whose policies were only partly read is unknown, naming the failed read",
            both(
                rp(rp_get_only),
                Box::new(|d: &mut Value| {
                    for r in d["roles"].as_array_mut().unwrap() {
                        if r["RoleName"] == "client-role" {
                            r["Unread"] = json!(["iam:GetRolePolicy deny-everything"]);
                        }
                    }
                }),
            ),
            post("/prod/pets").signed(),
            vec![at("authorization", Unknown, "H13.3").says("iam:GetRolePolicy deny-everything")],
        ),
        case("Table A: identity Neither, resource policy Allow → Allow", both(rp(rp_role), no_identity()), post("/prod/pets").signed(), vec![verdict("authorization", Allow).says("identity policies Neither, resource policy Allow")]),
        case("Table A: Neither, Neither → implicit deny", both(rp(rp_get_only), no_identity()), post("/prod/pets").signed(), vec![verdict("authorization", Deny).says("Neither, resource policy Neither")])
            .responds(403, "AccessDeniedException", "User: arn:aws:sts::111111111111:assumed-role/client-role/i-0c000000000000001 is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/POST/pets"),
        case(
            "Table A: identity Allow, resource policy Deny → explicit deny",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/POST/*"}"#),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Deny).says("resource policy Deny")],
        )
        .responds(403, "AccessDeniedException", "with an explicit deny"),
        case(
            "Table A: identity Deny beats a resource policy Allow",
            both(rp(rp_role), inline_policy(r#"{"Sid":"NoPost","Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/POST/*"}"#)),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Deny).says("identity policies Deny").says("iam:GetRolePolicy client-role p Statement[0] (Sid \"NoPost\")")],
        ),
        case("§4.4 account-root principal in Table A with identity Neither: unknown", both(rp(rp_account), no_identity()), post("/prod/pets").signed(), vec![verdict("authorization", Unknown).says("not documented (rulebook §4.4)")]),
        case("§4.4 account-root principal in Table A with identity Allow: allow", rp(rp_account), post("/prod/pets").signed(), vec![verdict("authorization", Allow).says("resource policy unknown → allow")]),
        case("Table B: cross-account, both allow → Allow", both(cross(), both(rp(rp_account), inline_policy(r#"{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:222222222222:a1b2c3d4e5/*"}"#))), post("/prod/pets").signed(), vec![verdict("authorization", Allow).says("Table B")]),
        case("Table B: cross-account, identity Allow but resource policy Neither → deny", both(cross(), both(rp(rp_get_only), inline_policy(r#"{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}"#))), post("/prod/pets").signed(), vec![verdict("authorization", Deny).says("Table B")]),
        case("Table B: cross-account, resource policy Allow but identity Neither → deny", both(cross(), both(rp(rp_role), no_identity())), post("/prod/pets").signed(), vec![verdict("authorization", Deny).says("identity policies Neither, resource policy Allow → implicit-deny under Table B")]),
        case(
            "§4.7 a permissions boundary without execute-api limits the identity Allow",
            both(rp(rp_get_only), Box::new(|d| role(d)["PermissionsBoundary"] = json!({"PermissionsBoundaryArn": "arn:aws:iam::111111111111:policy/boundary-s3", "PermissionsBoundaryType": "Policy"}))),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Deny).says("permissions boundary arn:aws:iam::111111111111:policy/boundary-s3")],
        ),
        case(
            "§4.7 a boundary without execute-api and a resource-policy Allow naming the role: unknown",
            both(rp(rp_role), both(no_identity(), boundary("arn:aws:iam::111111111111:policy/boundary-s3"))),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Unknown).says("limits a resource-policy grant to the role ARN by the boundary but not one to the role session ARN")],
        ),
        case(
            "§4.7 a boundary without execute-api and a resource-policy Allow naming the session: allow",
            both(rp(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111111111111:assumed-role/client-role/i-0c000000000000001"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#), both(no_identity(), boundary("arn:aws:iam::111111111111:policy/boundary-s3"))),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Allow).says("identity policies Neither, resource policy Allow")],
        ),
        case(
            "§4.7 a boundary missing from the snapshot and a resource-policy Allow naming the role: unknown",
            both(rp(rp_role), both(no_identity(), boundary("arn:aws:iam::111111111111:policy/gone"))),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Unknown).says("not one to the role session ARN")],
        ),
        case(
            "§4.4 IAM-NOTPRINC: Deny with NotPrincipal applies to a role with a permissions boundary",
            both(rp(&format!(r#"{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}},{DENY_NOT_CLIENT}"#)), boundary("arn:aws:iam::111111111111:policy/invoke-all")),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Deny).says("resource policy Deny")],
        )
        .responds(403, "AccessDeniedException", "with an explicit deny"),
        case(
            "§4.4 IAM-NOTPRINC: Deny with NotPrincipal listing the caller, no permissions boundary: allow",
            rp(&format!(r#"{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}},{DENY_NOT_CLIENT}"#)),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Allow)],
        ),
        case(
            "§4.7 a permissions boundary allowing execute-api keeps the Allow",
            both(rp(rp_get_only), Box::new(|d| role(d)["PermissionsBoundary"] = json!({"PermissionsBoundaryArn": "arn:aws:iam::111111111111:policy/invoke-all"}))),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Allow)],
        ),
        case(
            "§4.6 a managed policy alone allows",
            both(rp(rp_get_only), both(no_identity(), Box::new(|d| role(d)["AttachedPolicies"] = json!([{"PolicyArn": "arn:aws:iam::111111111111:policy/invoke-all"}])))),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Allow).says("iam:GetPolicyVersion arn:aws:iam::111111111111:policy/invoke-all")],
        ),
        case(
            "§4.6 a managed policy missing from the snapshot makes the identity unknown",
            both(rp(rp_get_only), both(no_identity(), Box::new(|d| role(d)["AttachedPolicies"] = json!([{"PolicyArn": "arn:aws:iam::111111111111:policy/gone"}])))),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Unknown).says("policy/gone (missing)")],
        ),
        case(
            "§4.6 an IAM percent-encoded inline policy is read",
            both(rp(rp_get_only), Box::new(|d| role(d)["InlinePolicies"][0]["PolicyDocument"] = json!("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22execute-api%3AInvoke%22%2C%22Resource%22%3A%22*%22%7D%5D%7D"))),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Allow)],
        ),
        case("§4.7 SCPs are named as not evaluated", unchanged(), post("/prod/pets").signed(), vec![verdict("authorization", Allow).says("SCPs (and RCPs)")]),
        case("H1.2 signed without an instance profile: the identity is unknown", Box::new(|d| { d["instances"][0].as_object_mut().unwrap().remove("IamInstanceProfile"); }), post("/prod/pets").signed(), vec![verdict("authorization", Unknown).says("no instance profile role")]),
        case(
            "§1.3 principal keys exist for signed requests",
            both(rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/client-role","aws:PrincipalAccount":"111111111111"}}}"#), no_identity()),
            post("/prod/pets").signed(),
            vec![verdict("authorization", Allow)],
        ),
        case(
            "§1.3 aws:PrincipalArn is absent for anonymous callers",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"Null":{"aws:PrincipalArn":"true"}}}"#),
            get("/prod/pets"),
            vec![verdict("authorization", Allow)],
        ),
        case(
            "§1.3 aws:PrincipalAccount of an anonymous caller is unknown",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111111111111"}}}"#),
            get("/prod/pets"),
            vec![verdict("authorization", Unknown).says("aws:PrincipalAccount")],
        ),
        case(
            "§1.3 time keys come from the snapshot's capture time",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"DateLessThan":{"aws:CurrentTime":"2026-02-01T00:00:00Z"},"NumericGreaterThan":{"aws:EpochTime":"1767225600"},"Bool":{"aws:SecureTransport":"true"}}}"#),
            get("/prod/pets"),
            vec![verdict("authorization", Allow)],
        ),
    ]
}

// ---- H13: CUSTOM and COGNITO_USER_POOLS, H13.6 ----------------------------------------

fn h13_authorizer_cases() -> Vec<Case> {
    let bearer = "Authorization: Bearer eyJ.demo.sig";
    vec![
        case("H13.3 CUSTOM: the token is sent and the authorizer may be invoked: its answer is unknown", unchanged(), get("/prod/admin").header(bearer), vec![at("authorization", Unknown, "H13.3").says("token-auth (tok001) decides").says("H13.6: the resource policy of arn:aws:lambda:us-east-1:111111111111:function:token-auth lets apigateway.amazonaws.com invoke it")]).no_response(),
        case(
            "H13.3 CUSTOM: a resource-policy Deny is checked before the authorizer",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/admin"}"#),
            get("/prod/admin").header(bearer),
            vec![at("authorization", Deny, "H13.3").says("the Lambda authorizer is not called")],
        )
        .responds(403, "AccessDeniedException", "with an explicit deny"),
        case("H13.3 CUSTOM TOKEN: no token → 401 without calling the authorizer", unchanged(), get("/prod/admin"), vec![at("authorization", Deny, "H13.3").says("header Authorization")])
            .responds(401, "UnauthorizedException", "Unauthorized"),
        case(
            "H13.6 the authorizer's Lambda policy names another source ARN → 500",
            Box::new(|d| {
                let p = statements(r#"{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111111111111:function:token-auth","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:111111111111:other/authorizers/*"}}}"#);
                d["lambda_policies"][0]["Policy"] = json!(p);
            }),
            get("/prod/admin").header(bearer),
            vec![at("authorization", Deny, "H13.6").says("does not let apigateway.amazonaws.com invoke it")],
        )
        .responds(500, "AuthorizerConfigurationException", ""),
        case("H13.6 an authorizer function without a resource policy → 500", Box::new(|d| d["lambda_policies"][0]["Policy"] = Value::Null), get("/prod/admin").header(bearer), vec![at("authorization", Deny, "H13.6").says("has no resource policy")]),
        case("H13.6 a Lambda policy not in the snapshot: noted, the answer stays unknown", Box::new(|d| d["lambda_policies"] = json!([])), get("/prod/admin").header(bearer), vec![at("authorization", Unknown, "H13.3").says("is not in the snapshot")]),
        case(
            "H13.6 a credentials role that trusts API Gateway and may invoke: unknown answer",
            Box::new(|d| api(d)["authorizers"][0]["authorizerCredentials"] = json!("arn:aws:iam::111111111111:role/authorizer-invoker")),
            get("/prod/admin").header(bearer),
            vec![at("authorization", Unknown, "H13.3").says("API Gateway assumes arn:aws:iam::111111111111:role/authorizer-invoker")],
        ),
        case(
            "H13.6 a credentials role API Gateway may not assume → 500",
            Box::new(|d| {
                api(d)["authorizers"][0]["authorizerCredentials"] = json!(ROLE);
            }),
            get("/prod/admin").header(bearer),
            vec![at("authorization", Deny, "H13.6").says("cannot assume")],
        ),
        case("H13.3 CUSTOM REQUEST without caching: a missing identity source is not a 401", unchanged(), get("/prod/report"), vec![at("authorization", Unknown, "H13.3").says("request-auth (req001) decides")]),
        case(
            "H13.3 CUSTOM REQUEST with caching: a missing query string source → 401",
            Box::new(|d| api(d)["authorizers"][1]["authorizerResultTtlInSeconds"] = json!(300)),
            get("/prod/report").header("X-Team: pets"),
            vec![at("authorization", Deny, "H13.3").says("query string parameter team")],
        )
        .responds(401, "UnauthorizedException", "Unauthorized"),
        case(
            "H13.3 CUSTOM REQUEST with caching: every source present",
            Box::new(|d| api(d)["authorizers"][1]["authorizerResultTtlInSeconds"] = json!(300)),
            Req { url: format!("https://{API}.execute-api.us-east-1.amazonaws.com/prod/report?team=pets"), ..get("/") }.header("X-Team: pets"),
            vec![at("authorization", Unknown, "H13.3")],
        ),
        case(
            "H13.2 CUSTOM: Allow statements naming AWS principals only → 403",
            rp(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#),
            get("/prod/admin").header(bearer),
            vec![at("authorization", Deny, "H13.2").says("name AWS principals only")],
        )
        .responds(403, "AccessDeniedException", "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/GET/admin"),
        case(
            "H13.2 COGNITO: Allow statements naming AWS principals only → 403",
            rp(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/client-role"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#),
            get("/prod/me").header(bearer),
            vec![at("authorization", Deny, "H13.2").says("COGNITO_USER_POOLS method fails authorization")],
        )
        .responds(403, "AccessDeniedException", "User: anonymous is not authorized"),
        case("H13.3 COGNITO: no token → 401", unchanged(), get("/prod/me"), vec![at("authorization", Deny, "H13.3").says("Cognito authorizer")]).responds(401, "UnauthorizedException", "Unauthorized"),
        case("H13.3 COGNITO: resource policy Allow, token validity unknown", unchanged(), get("/prod/me").header(bearer), vec![at("authorization", Unknown, "H13.3").says("token's validity cannot be checked")]),
        case(
            "H13.3 COGNITO: resource policy Neither → unknown (the documentation contradicts itself)",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/pets"}"#),
            get("/prod/me").header(bearer),
            vec![at("authorization", Unknown, "H13.3").says("contradicts itself")],
        ),
        case(
            "H13.3 COGNITO: resource policy Deny → deny",
            rp(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/me"}"#),
            get("/prod/me").header(bearer),
            vec![verdict("authorization", Deny)],
        )
        .responds(403, "AccessDeniedException", "with an explicit deny"),
    ]
}

// ---- H14 ---------------------------------------------------------------------------------

fn h14_cases() -> Vec<Case> {
    vec![
        case(
            "H14.1 no API key required",
            unchanged(),
            get("/prod/pets"),
            vec![at("api-key", Allow, "H14.1").says("requires no API key")],
        ),
        case(
            "H14.1 required and missing → 403 Forbidden",
            unchanged(),
            get("/prod/orders"),
            vec![at("api-key", Deny, "H14.1")
                .says("no x-api-key header")
                .says("apiKeyRequired=true")],
        )
        .responds(403, "ForbiddenException", "Forbidden"),
        case(
            "H14.1 a known, enabled key in a usage plan for this stage",
            unchanged(),
            get("/prod/orders").header("x-api-key: k3y-good"),
            vec![at("api-key", Allow, "H14.1").says("usage plan plan01")],
        )
        .no_response(),
        case(
            "H14.1 a disabled key",
            unchanged(),
            get("/prod/orders").header("x-api-key: k3y-off"),
            vec![at("api-key", Deny, "H14.1").says("is disabled")],
        )
        .responds(403, "ForbiddenException", "Forbidden"),
        case(
            "H14.1 a key in a plan for another stage only",
            unchanged(),
            get("/prod/orders").header("x-api-key: k3y-orphan"),
            vec![at("api-key", Deny, "H14.1").says("no usage plan for a1b2c3d4e5/prod")],
        ),
        case(
            "H14.1 no usage plans in the snapshot (not captured?): unknown",
            Box::new(|d| d["usage_plans"] = json!([])),
            get("/prod/orders").header("x-api-key: k3y-good"),
            vec![at("api-key", Unknown, "H14.1").says("no usage plans")],
        ),
        case(
            "H14.1 usage plans read and none: the key is in no plan",
            Box::new(|d| {
                d["usage_plans"] = json!([]);
                d["captured"] = json!({"usage_plans": true});
            }),
            get("/prod/orders").header("x-api-key: k3y-good"),
            vec![at("api-key", Deny, "H14.1").says("no usage plan")],
        ),
        case(
            "H14.1 usage plans that could not be read (AccessDenied): unknown, naming the call",
            Box::new(|d| {
                d["usage_plans"] = json!([]);
                d["captured"] = json!({"usage_plans": false});
                d["errors"] = json!([{"call": "apigateway:GetUsagePlans", "code": "AccessDeniedException", "message": "not authorized", "collection": "usage_plans"}]);
            }),
            get("/prod/orders").header("x-api-key: k3y-good"),
            vec![at("api-key", Unknown, "H14.1")
                .says("apigateway:GetUsagePlans failed: AccessDeniedException")],
        ),
        case(
            "H14.1 API keys that could not be read: unknown",
            Box::new(|d| {
                d["api_keys"] = json!([]);
                d["captured"] = json!({"api_keys": false});
            }),
            get("/prod/orders").header("x-api-key: k3y-good"),
            vec![at("api-key", Unknown, "H14.1").says("apigateway:GetApiKeys was not read")],
        ),
        case(
            "H14.1 API keys read and none: the value matches no key",
            Box::new(|d| {
                d["api_keys"] = json!([]);
                d["captured"] = json!({"api_keys": true});
            }),
            get("/prod/orders").header("x-api-key: k3y-good"),
            vec![at("api-key", Deny, "H14.1").says("matches none")],
        ),
        case(
            "H14.1 a value that matches no key (every key hashed)",
            unchanged(),
            get("/prod/orders").header("x-api-key: nope"),
            vec![at("api-key", Deny, "H14.1").says("matches none")],
        ),
        case(
            "H14.1 a value that matches no recorded hash while some keys have none: unknown",
            Box::new(|d| {
                d["api_keys"][2]
                    .as_object_mut()
                    .unwrap()
                    .remove("valueSha256")
                    .map(|_| ())
                    .unwrap_or(())
            }),
            get("/prod/orders").header("x-api-key: nope"),
            vec![at("api-key", Unknown, "H14.1").says("key003")],
        ),
        case(
            "H14.1 apiKeySource AUTHORIZER: unknown",
            Box::new(|d| api(d)["apiKeySource"] = json!("AUTHORIZER")),
            get("/prod/orders"),
            vec![at("api-key", Unknown, "H14.1").says("usageIdentifierKey")],
        ),
        case(
            "H14.1 apiKeyRequired not in the snapshot: unknown",
            Box::new(|d| {
                api(d)["deployments"][0]["apiSummary"]["/orders"]["GET"] =
                    json!({"authorizationType": "NONE"})
            }),
            get("/prod/orders"),
            vec![at("api-key", Unknown, "H14.1")],
        ),
        case(
            "H14.1 the deployed snapshot wins over the live method",
            Box::new(|d| {
                api(d)["deployments"][0]["apiSummary"]["/orders"]["GET"]["apiKeyRequired"] =
                    json!(false)
            }),
            get("/prod/orders"),
            vec![at("api-key", Allow, "H14.1")],
        ),
        case(
            "H14.2 throttling is noted, not evaluated",
            Box::new(|d| {
                api(d)["stages"][0]["methodSettings"] =
                    json!({"*/*": {"throttlingRateLimit": 100.0, "throttlingBurstLimit": 50}})
            }),
            get("/prod/pets"),
            vec![verdict("api-key", Allow).says("H14.2")],
        ),
    ]
}

#[test]
fn h9_endpoint_policy() {
    run_table(h9_cases());
}

#[test]
fn h13_resource_policy() {
    run_table(h13_rp_cases());
}

#[test]
fn h13_aws_iam_tables_a_and_b() {
    run_table(h13_iam_cases());
}

#[test]
fn h13_authorizers() {
    run_table(h13_authorizer_cases());
}

#[test]
fn h14_api_key() {
    run_table(h14_cases());
}

// ---- H10, H11, H12 -----------------------------------------------------------------

/// The endpoint's own DNS name with no header naming an API (form C without Host).
fn vpce_name_only(path: &str) -> Req {
    Req {
        method: "GET",
        url: format!("https://{VPCE_HOST}{path}"),
        headers: Vec::new(),
        sigv4: false,
    }
}

fn domain(d: &mut Value) -> &mut Value {
    &mut d["domain_names"][0]
}

fn pets_resource(d: &mut Value) -> &mut Value {
    api(d)["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["path"] == "/pets")
        .unwrap()
}

fn h10_h12_cases() -> Vec<Case> {
    let forbidden = ("ForbiddenException", "Forbidden");
    let mat = (
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    );
    vec![
        case(
            "H10.3 a private API named by its private DNS name is selected",
            unchanged(),
            get("/prod/pets"),
            vec![at("api", Allow, "H10.3")
                .says("private API a1b2c3d4e5 (pets)")
                .deciding("endpointConfiguration.types=[\"PRIVATE\"]")],
        ),
        case(
            "H10.4 the private domain maps to a private API",
            unchanged(),
            via_domain("/v1/pets"),
            vec![at("api", Allow, "H10.4")
                .says("custom domain api.internal.example.com maps to private API a1b2c3d4e5")
                .says("is associated with private custom domain")],
        ),
        case(
            "H10.1 the endpoint's DNS name with no Host or x-apigw-api-id",
            unchanged(),
            vpce_name_only("/prod/pets"),
            vec![
                at("api", Deny, "H10.1").says("names no API"),
                verdict("stage", Skip).says("(api)"),
                verdict("authorization", Skip),
            ],
        )
        .responds(403, forbidden.0, forbidden.1),
        case(
            "H10.2 an API the snapshot lacks (another account?) is unknown",
            Box::new(|d| {
                d["rest_apis"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|a| a["id"] != API)
            }),
            get("/prod/pets"),
            vec![
                at("api", Unknown, "H10.2").deciding("apigateway:GetRestApi a1b2c3d4e5 (missing)"),
                verdict("stage", Unknown).says("cannot evaluate"),
            ],
        ),
        case(
            "H10.3 a REGIONAL API through the endpoint is refused",
            Box::new(|d| api(d)["endpointConfiguration"]["types"] = json!(["REGIONAL"])),
            get("/prod/pets"),
            vec![at("api", Deny, "H10.3").says("REGIONAL API, not a private one")],
        )
        .responds(403, "", forbidden.1),
        case(
            "H10.5 the default endpoint disabled refuses form A",
            Box::new(|d| api(d)["disableExecuteApiEndpoint"] = json!(true)),
            get("/prod/pets"),
            vec![at("api", Deny, "H10.5").deciding("disableExecuteApiEndpoint=true")],
        )
        .responds(403, "", forbidden.1),
        case(
            "H10.5 the default endpoint disabled still serves the custom domain",
            Box::new(|d| api(d)["disableExecuteApiEndpoint"] = json!(true)),
            via_domain("/v1/pets"),
            vec![at("api", Allow, "H10.4")],
        ),
        case(
            "H10.4 a domain that is not private is refused",
            Box::new(|d| domain(d)["endpointConfiguration"]["types"] = json!(["REGIONAL"])),
            via_domain("/v1/pets"),
            vec![at("api", Deny, "H10.4").says("not a private domain name")],
        ),
        case(
            "H10.4 a PENDING domain is unknown",
            Box::new(|d| domain(d)["domainNameStatus"] = json!("PENDING")),
            via_domain("/v1/pets"),
            vec![at("api", Unknown, "H10.4").deciding("domainNameStatus=PENDING")],
        ),
        case(
            "H10.4 no access association for this endpoint is refused",
            Box::new(|d| {
                d["domain_name_access_associations"][0]["accessAssociationSource"] =
                    json!("vpce-0ther")
            }),
            via_domain("/v1/pets"),
            vec![at("api", Deny, "H10.4").says("has no access association")],
        ),
        case(
            "H10.4 associations read and none for this endpoint is refused",
            Box::new(|d| {
                d["domain_name_access_associations"] = json!([]);
                d["captured"] = json!({"domain_name_access_associations": true});
            }),
            via_domain("/v1/pets"),
            vec![at("api", Deny, "H10.4").says("has no access association")],
        ),
        case(
            "H10.4 associations that could not be read are unknown, naming the call",
            Box::new(|d| {
                d["domain_name_access_associations"] = json!([]);
                d["captured"] = json!({"domain_name_access_associations": false});
                d["errors"] = json!([{"call": "apigateway:GetDomainNameAccessAssociations", "code": "AccessDeniedException", "collection": "domain_name_access_associations"}]);
            }),
            via_domain("/v1/pets"),
            vec![at("api", Unknown, "H10.4")
                .says("GetDomainNameAccessAssociations failed: AccessDeniedException")],
        ),
        case(
            "H10.4 no associations captured at all is unknown",
            Box::new(|d| d["domain_name_access_associations"] = json!([])),
            via_domain("/v1/pets"),
            vec![at("api", Unknown, "H10.4").says("holds no domain access associations")],
        ),
        case(
            "H10.4 no base path mapping matches",
            unchanged(),
            via_domain("/v2/pets"),
            vec![
                at("api", Deny, "H10.4").says("no base path mapping"),
                verdict("stage", Skip).says("(api)"),
            ],
        )
        .responds(403, mat.0, mat.1),
        case(
            "H10.4 a private domain mapped to a public API is refused",
            Box::new(|d| api(d)["endpointConfiguration"]["types"] = json!(["REGIONAL"])),
            via_domain("/v1/pets"),
            vec![at("api", Deny, "H10.4").says("private domains cannot target public APIs")],
        ),
        case(
            "H11.3 the route matches in the deployed apiSummary",
            unchanged(),
            get("/prod/pets/42"),
            vec![at("stage", Allow, "H11.3")
                .says("GET /pets/42 matches GET /pets/{petId}")
                .deciding(
                    "apigateway:GetDeployment a1b2c3d4e5 dep001 apiSummary[/pets/{petId}][GET]",
                )],
        ),
        case(
            "H11.1 stages that could not be read: a missing stage is unknown",
            Box::new(|d| api(d)["unread"] = json!(["apigateway:GetStages"])),
            get("/test/pets"),
            vec![at("stage", Unknown, "H11.1").says("could not be read")],
        ),
        case(
            "H10.4 base path mappings that could not be read: a miss is unknown",
            Box::new(|d| {
                d["domain_names"][0]["basePathMappings"] = json!([]);
                d["domain_names"][0]["unread"] = json!(["apigateway:GetBasePathMappings"]);
            }),
            via_domain("/v1/pets"),
            vec![at("api", Unknown, "H10.4")
                .says("base path mappings of api.internal.example.com could not be read")],
        ),
        case(
            "H11.1 a stage that does not exist",
            unchanged(),
            get("/test/pets"),
            vec![
                at("stage", Deny, "H11.1").says("stage test does not exist"),
                verdict("api", Allow),
                verdict("waf", Skip),
            ],
        )
        .responds(403, "", forbidden.1),
        case(
            "H11.1 no stage segment in the URL",
            unchanged(),
            get("/"),
            vec![at("stage", Deny, "H11.1").says("no stage segment")],
        )
        .responds(403, "", forbidden.1),
        case(
            "H11.2 a deployment without apiSummary is unknown",
            Box::new(|d| api(d)["deployments"][0]["apiSummary"] = Value::Null),
            get("/prod/pets"),
            vec![at("stage", Unknown, "H11.2").says("apiSummary")],
        ),
        case(
            "H11.2 a stage without a deployment is unknown",
            Box::new(|d| api(d)["stages"][0]["deploymentId"] = Value::Null),
            get("/prod/pets"),
            vec![at("stage", Unknown, "H11.2").says("names no deployment")],
        ),
        case(
            "H11.3 a path not in the deployment",
            unchanged(),
            get("/prod/nothing"),
            vec![
                at("stage", Deny, "H11.3").says("no resource matches /nothing"),
                verdict("waf", Skip),
            ],
        )
        .responds(403, mat.0, mat.1),
        case(
            "H11.3 a method not in the deployment",
            unchanged(),
            Req {
                method: "DELETE",
                ..get("/prod/pets")
            },
            vec![at("stage", Deny, "H11.3").says("has no DELETE or ANY method")],
        )
        .responds(403, mat.0, mat.1),
        case(
            "H11.3 greedy {proxy+} with ANY",
            unchanged(),
            Req {
                method: "PUT",
                ..get("/prod/files/a/b/c")
            },
            vec![at("stage", Allow, "H11.3").says("matches ANY /files/{proxy+}")],
        ),
        case(
            "H11.4 a method added live but not deployed: a note, the deployment decides",
            Box::new(|d| {
                let res = api(d)["resources"].as_array_mut().unwrap();
                res.push(json!({"id": "mine01", "path": "/pets/mine", "resourceMethods": {"GET": {"httpMethod": "GET", "authorizationType": "NONE"}}}));
            }),
            get("/prod/pets/mine"),
            vec![at("stage", Allow, "H11.3")
                .says("undeployed changes")
                .says("GET /pets/{petId}")
                .says("GET /pets/mine (not deployed)")],
        ),
        case(
            "H11.4 authorizationType changed live but not deployed",
            Box::new(|d| {
                pets_resource(d)["resourceMethods"]["GET"]["authorizationType"] = json!("AWS_IAM")
            }),
            get("/prod/pets"),
            vec![
                at("stage", Allow, "H11.3").says("authorizationType AWS_IAM live, NONE deployed"),
                at("authorization", Allow, "H13.3"),
            ],
        ),
        case(
            "H12.1 no web ACL on the stage: skipped",
            unchanged(),
            get("/prod/pets"),
            vec![at("waf", Skip, "H12.1").says("no web ACL")],
        ),
        case(
            "H12.1 a web ACL on the stage: unknown, named",
            Box::new(|d| {
                api(d)["stages"][0]["webAclArn"] =
                    json!("arn:aws:wafv2:us-east-1:111111111111:regional/webacl/edge/abc")
            }),
            get("/prod/pets"),
            vec![at("waf", Unknown, "H12.1")
                .says("webacl/edge/abc")
                .says("WAF_FILTERED")],
        ),
        case(
            "H12.1 the web ACL is read even when no route matches",
            Box::new(|d| {
                api(d)["stages"][0]["webAclArn"] =
                    json!("arn:aws:wafv2:us-east-1:111111111111:regional/webacl/edge/abc")
            }),
            get("/prod/nothing"),
            vec![at("waf", Unknown, "H12.1"), at("stage", Deny, "H11.3")],
        ),
        case(
            "H10.3 an endpoint type not captured is unknown, not a deny",
            Box::new(|d| {
                api(d)
                    .as_object_mut()
                    .unwrap()
                    .remove("endpointConfiguration");
            }),
            get("/prod/pets"),
            vec![at("api", Unknown, "H10.3").deciding("endpointConfiguration.types (missing)")],
        )
        .no_response(),
        case(
            "H10.4 a domain endpoint type not captured is unknown",
            Box::new(|d| {
                domain(d)
                    .as_object_mut()
                    .unwrap()
                    .remove("endpointConfiguration");
            }),
            via_domain("/v1/pets"),
            vec![at("api", Unknown, "H10.4").says("endpoint type of custom domain")],
        ),
        case(
            "H10.4 a domain status not captured is unknown",
            Box::new(|d| {
                domain(d)
                    .as_object_mut()
                    .unwrap()
                    .remove("domainNameStatus");
            }),
            via_domain("/v1/pets"),
            vec![at("api", Unknown, "H10.4").deciding("domainNameStatus (missing)")],
        ),
        case(
            "H10.4 an association younger than 15 minutes may not be usable yet",
            Box::new(|d| {
                let at = d["captured_at"].clone();
                d["domain_name_access_associations"][0]["createdDate"] = at;
            }),
            via_domain("/v1/pets"),
            vec![at("api", Unknown, "H10.4").says("less than 15 minutes")],
        ),
        case(
            "H10.4 no association is reported before a base path miss",
            Box::new(|d| {
                d["domain_name_access_associations"][0]["accessAssociationSource"] =
                    json!("vpce-0ther")
            }),
            via_domain("/v2/pets"),
            vec![at("api", Deny, "H10.4").says("has no access association")],
        )
        .no_response(),
        case(
            "H10.4 two private domains of the name on one endpoint: unknown",
            Box::new(|d| {
                let mut x = d["domain_names"][0].clone();
                x["domainNameId"] = json!("e9e9e9e9");
                x["domainNameArn"] = json!("arn:aws:apigateway:us-east-1:222222222222:/domainnames/api.internal.example.com+e9e9e9e9");
                d["domain_names"].as_array_mut().unwrap().push(x.clone());
                let mut y = d["domain_name_access_associations"][0].clone();
                y["domainNameArn"] = x["domainNameArn"].clone();
                d["domain_name_access_associations"]
                    .as_array_mut()
                    .unwrap()
                    .push(y);
            }),
            via_domain("/v1/pets"),
            vec![at("api", Unknown, "H10.4").says("2 private domains")],
        ),
        case(
            "H10.4 of two domains of the name, the one associated with the endpoint is used",
            Box::new(|d| {
                let mut x = d["domain_names"][0].clone();
                x["domainNameId"] = json!("e9e9e9e9");
                x["domainNameArn"] = json!("arn:aws:apigateway:us-east-1:222222222222:/domainnames/api.internal.example.com+e9e9e9e9");
                d["domain_names"].as_array_mut().unwrap().insert(0, x);
            }),
            via_domain("/v1/pets"),
            vec![at("api", Allow, "H10.4"), verdict("authorization", Allow)],
        ),
        case(
            "H10.4 a multi-level base path is unknown (routing rules are not documented)",
            Box::new(|d| {
                domain(d)["basePathMappings"] =
                    json!([{"basePath": "v1/admin", "restApiId": API, "stage": "prod"}])
            }),
            via_domain("/v1/admin/pets"),
            vec![at("api", Unknown, "H10.4").says("multi-level base path")],
        ),
        case(
            "H10.1 form A' without x-apigw-api-id is unknown (documented only for C and C')",
            unchanged(),
            Req {
                url: "https://execute-api.us-east-1.amazonaws.com/prod/pets".into(),
                ..get("/prod/pets")
            },
            vec![at("api", Unknown, "H10.1")],
        ),
        case(
            "H11.4 a method added live but not deployed, for a path the deployment lacks",
            Box::new(|d| {
                pets_resource(d)["resourceMethods"]["DELETE"] =
                    json!({"httpMethod": "DELETE", "authorizationType": "NONE"})
            }),
            Req {
                method: "DELETE",
                ..get("/prod/pets")
            },
            vec![at("stage", Deny, "H11.3")
                .says("undeployed changes")
                .says("redeploy")],
        ),
        case(
            "H11.3 a canary deployment that lacks the route: intermittent, unknown",
            Box::new(|d| {
                api(d)["deployments"].as_array_mut().unwrap().push(json!({"id": "dep002", "apiSummary": {"/pets": {"GET": {"authorizationType": "NONE", "apiKeyRequired": false}}}}));
                api(d)["stages"][0]["canarySettings"] =
                    json!({"percentTraffic": 10.0, "deploymentId": "dep002"});
            }),
            get("/prod/pets/42"),
            vec![at("stage", Unknown, "H11.3")
                .says("10% of requests")
                .says("dep002")],
        ),
        case(
            "H11.3 a canary deployment that deploys the method differently: unknown",
            Box::new(|d| {
                api(d)["deployments"].as_array_mut().unwrap().push(json!({"id": "dep002", "apiSummary": {"/pets": {"GET": {"authorizationType": "AWS_IAM", "apiKeyRequired": true}}}}));
                api(d)["stages"][0]["canarySettings"] =
                    json!({"percentTraffic": 50.0, "deploymentId": "dep002"});
            }),
            get("/prod/pets"),
            vec![at("stage", Unknown, "H11.3").says("deploys GET /pets differently")],
        ),
        case(
            "H11.3 a canary deployment that routes the same way: a note",
            Box::new(|d| {
                let mut c = api(d)["deployments"][0].clone();
                c["id"] = json!("dep002");
                api(d)["deployments"].as_array_mut().unwrap().push(c);
                api(d)["stages"][0]["canarySettings"] =
                    json!({"percentTraffic": 5.0, "deploymentId": "dep002"});
            }),
            get("/prod/pets"),
            vec![at("stage", Allow, "H11.3").says("routes this request the same way")],
        ),
        case(
            "H11.3 no route in the deployment, but the canary has it: intermittent",
            Box::new(|d| {
                api(d)["deployments"].as_array_mut().unwrap().push(json!({"id": "dep002", "apiSummary": {"/new": {"GET": {"authorizationType": "NONE", "apiKeyRequired": false}}}}));
                api(d)["stages"][0]["canarySettings"] =
                    json!({"percentTraffic": 20.0, "deploymentId": "dep002"});
            }),
            get("/prod/new"),
            vec![at("stage", Unknown, "H11.3").says("intermittent")],
        ),
    ]
}

#[test]
fn h10_api_h11_stage_h12_waf() {
    run_table(h10_h12_cases());
}

// ---- H15 ----------------------------------------------------------------------------

const PETS_FN: &str = "arn:aws:lambda:us-east-1:111111111111:function:pets-api";

fn integration<'a>(d: &'a mut Value, path: &str, verb: &str) -> &'a mut Value {
    let r = api(d)["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["path"] == path)
        .unwrap();
    &mut r["resourceMethods"][verb]["methodIntegration"]
}

/// The method `verb path` proxies to Lambda `function` (with its qualifier,
/// if any); the function allows API Gateway from `source_arn` (None: no
/// resource policy).
fn lambda_method(
    path: &'static str,
    verb: &'static str,
    function: &'static str,
    source_arn: Option<&'static str>,
) -> Edit {
    Box::new(move |d| {
        *integration(d, path, verb) = json!({
            "type": "AWS_PROXY",
            "httpMethod": "POST",
            "uri": format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function}/invocations"),
        });
        let (unqualified, qualifier) = match function.split(':').count() {
            8 => (
                function.rsplit_once(':').unwrap().0,
                Some(function.rsplit_once(':').unwrap().1),
            ),
            _ => (function, None),
        };
        d["lambda_functions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"FunctionArn": unqualified, "FunctionName": "pets-api", "Timeout": 10}));
        let policy = source_arn.map(|src| {
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "apigw", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": function, "Condition": {"ArnLike": {"AWS:SourceArn": src}}}]}).to_string()
        });
        d["lambda_policies"]
            .as_array_mut()
            .unwrap()
            .push(json!({"FunctionArn": unqualified, "Qualifier": qualifier, "Policy": policy}));
    })
}

/// A credentials role for the GET /pets integration that API Gateway may
/// assume and that may invoke `function`.
fn with_invoker_role(d: &mut Value, function: &str) {
    let arn = "arn:aws:iam::111111111111:role/invoker";
    d["roles"].as_array_mut().unwrap().push(json!({
        "Arn": arn,
        "RoleName": "invoker",
        "AssumeRolePolicyDocument": json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string(),
        "InlinePolicies": [{"PolicyName": "invoke", "PolicyDocument": json!({"Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function}]}).to_string()}],
    }));
    integration(d, "/pets", "GET")["credentials"] = json!(arn);
}

fn h15_cases() -> Vec<Case> {
    let ise = ("InternalServerErrorException", "Internal server error");
    vec![
        case("H15 a MOCK integration answers by itself", unchanged(), get("/prod/pets"), vec![at("integration", Allow, "H15").says("MOCK")]).no_response(),
        case("H15.1 the function policy allows this method's source ARN", lambda_method("/pets", "GET", PETS_FN, Some("arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/*/GET/pets")), get("/prod/pets"), vec![at("integration", Allow, "H15.1").deciding("lambda:GetPolicy arn:aws:lambda:us-east-1:111111111111:function:pets-api Statement[0]")]),
        case("H15.1 the source ARN names the resource template, not the path", lambda_method("/pets/{petId}", "GET", PETS_FN, Some("arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/GET/pets/{petId}")), get("/prod/pets/42"), vec![at("integration", Allow, "H15.1").says("a1b2c3d4e5/prod/GET/pets/{petId}")]),
        case("H15.1 a permission scoped to another stage is refused (500)", lambda_method("/pets", "GET", PETS_FN, Some("arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/test/GET/pets")), get("/prod/pets"), vec![at("integration", Deny, "H15.1").says("cannot invoke Lambda").says("does not let apigateway.amazonaws.com invoke it")])
            .responds(500, ise.0, ise.1),
        case("H15.1 a function without a resource policy is refused (500)", lambda_method("/pets", "GET", PETS_FN, None), get("/prod/pets"), vec![at("integration", Deny, "H15.1").says("has no resource policy")])
            .responds(500, ise.0, ise.1),
        case("H15.1 a function policy not in the snapshot is unknown", Box::new(|d| { (lambda_method("/pets", "GET", PETS_FN, None))(d); d["lambda_policies"].as_array_mut().unwrap().retain(|p| p["FunctionArn"] != PETS_FN); }), get("/prod/pets"), vec![at("integration", Unknown, "H15.1").says("not in the snapshot")]),
        case("H15.1 (b) an alias is its own policy: none on :live is refused", Box::new(|d| { (lambda_method("/pets", "GET", "arn:aws:lambda:us-east-1:111111111111:function:pets-api:live", None))(d); d["lambda_policies"].as_array_mut().unwrap().push(json!({"FunctionArn": PETS_FN, "Policy": json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": PETS_FN}]}).to_string()})); }), get("/prod/pets"), vec![at("integration", Deny, "H15.1").says("pets-api:live has no resource policy")]),
        case("H15.1 an ANY method with a verb-specific permission is unknown", lambda_method("/files/{proxy+}", "ANY", PETS_FN, Some("arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/GET/files/*")), get("/prod/files/a"), vec![at("integration", Unknown, "H15.1").says("which verb API Gateway presents for an ANY method is not documented")]),
        case("H15.1 an ANY method with a * verb permission is allowed", lambda_method("/files/{proxy+}", "ANY", PETS_FN, Some("arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/*/files/*")), get("/prod/files/a"), vec![at("integration", Allow, "H15.1")]),
        case(
            "H15.1 (c) a credentials role API Gateway cannot assume is refused (500)",
            Box::new(|d| {
                (lambda_method("/pets", "GET", PETS_FN, None))(d);
                integration(d, "/pets", "GET")["credentials"] = json!("arn:aws:iam::111111111111:role/client-role");
            }),
            get("/prod/pets"),
            vec![at("integration", Deny, "H15.1").says("cannot assume the integration's credentials role")],
        )
        .responds(500, ise.0, ise.1),
        case(
            "H15.1 (c) the caller pass-through credentials are unknown",
            Box::new(|d| {
                (lambda_method("/pets", "GET", PETS_FN, None))(d);
                integration(d, "/pets", "GET")["credentials"] = json!("arn:aws:iam::*:user/*");
            }),
            get("/prod/pets"),
            vec![at("integration", Unknown, "H15.1").says("passes the caller's identity through")],
        ),
        case(
            "H15.2 a function that may outlive the integration timeout: a note",
            Box::new(|d| {
                (lambda_method("/pets", "GET", PETS_FN, Some("arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/*/GET/pets")))(d);
                let f = d["lambda_functions"].as_array_mut().unwrap().last_mut().unwrap();
                f["Timeout"] = json!(60);
            }),
            get("/prod/pets"),
            vec![at("integration", Allow, "H15.1").note("504")],
        ),
        case("H15.3 HTTP over the internet to a private address is refused", Box::new(|d| *integration(d, "/pets", "GET") = json!({"type": "HTTP_PROXY", "uri": "http://10.0.5.20:8080/pets", "connectionType": "INTERNET"})), get("/prod/pets"), vec![at("integration", Deny, "H15.3").says("needs a VPC link")]).no_response(),
        case("H15.3 HTTP over the internet to a public host: the backend is unknown", Box::new(|d| *integration(d, "/pets", "GET") = json!({"type": "HTTP_PROXY", "uri": "https://pets.example.com/pets"})), get("/prod/pets"), vec![at("integration", Unknown, "H15.3")]),
        case("H15.3 HTTP through a VPC link: the load balancer is unknown", Box::new(|d| *integration(d, "/pets", "GET") = json!({"type": "HTTP_PROXY", "uri": "http://nlb.internal/pets", "connectionType": "VPC_LINK", "connectionId": "vl123"})), get("/prod/pets"), vec![at("integration", Unknown, "H15.3").says("vl123")]),
        case("H15.4 an AWS service integration is unknown", Box::new(|d| *integration(d, "/pets", "GET") = json!({"type": "AWS", "uri": "arn:aws:apigateway:us-east-1:states:action/StartExecution", "credentials": "arn:aws:iam::111111111111:role/sfn"})), get("/prod/pets"), vec![at("integration", Unknown, "H15.4")]),
        case("H15 a method whose integration is not captured is unknown", Box::new(|d| { *integration(d, "/pets", "GET") = Value::Null; }), get("/prod/pets"), vec![at("integration", Unknown, "H15").deciding("methodIntegration (missing)")]),
        case(
            "H15.1 (c) a role that may invoke, but the function policy denies it explicitly",
            Box::new(|d| {
                (lambda_method("/pets", "GET", PETS_FN, None))(d);
                with_invoker_role(d, PETS_FN);
                let deny = json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": PETS_FN}]}).to_string();
                d["lambda_policies"].as_array_mut().unwrap().last_mut().unwrap()["Policy"] = json!(deny);
            }),
            get("/prod/pets"),
            vec![at("integration", Deny, "H15.1").says("explicitly denies")],
        )
        .responds(500, ise.0, ise.1),
        case(
            "H15.1 (c) a role that may invoke a function of the same account without a resource policy",
            Box::new(|d| {
                (lambda_method("/pets", "GET", PETS_FN, None))(d);
                with_invoker_role(d, PETS_FN);
            }),
            get("/prod/pets"),
            vec![at("integration", Allow, "H15.1").note("SCPs")],
        ),
        case(
            "H15.1 (c) a role that may invoke a function whose policy was not read: unknown (a Deny there would refuse)",
            Box::new(|d| {
                (lambda_method("/pets", "GET", PETS_FN, None))(d);
                d["lambda_policies"].as_array_mut().unwrap().retain(|p| p["FunctionArn"] != PETS_FN);
                with_invoker_role(d, PETS_FN);
            }),
            get("/prod/pets"),
            vec![at("integration", Unknown, "H15.1").says("explicit deny there would refuse")],
        ),
        case(
            "H15.1 (c) a role and a function in another account whose policy is not captured: unknown",
            Box::new(|d| {
                (lambda_method("/pets", "GET", "arn:aws:lambda:us-east-1:999999999999:function:pets-api", None))(d);
                d["lambda_policies"].as_array_mut().unwrap().pop();
                with_invoker_role(d, "arn:aws:lambda:us-east-1:999999999999:function:pets-api");
            }),
            get("/prod/pets"),
            vec![at("integration", Unknown, "H15.1").says("another account")],
        ),
        case(
            "H15.1 (c) a trust policy conditioned on aws:SourceArn is unknown (not documented for role assumption)",
            Box::new(|d| {
                (lambda_method("/pets", "GET", PETS_FN, None))(d);
                with_invoker_role(d, PETS_FN);
                let trust = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/GET/pets"}}}]}).to_string();
                d["roles"].as_array_mut().unwrap().last_mut().unwrap()["AssumeRolePolicyDocument"] = json!(trust);
            }),
            get("/prod/pets"),
            vec![at("integration", Unknown, "H15.1").says("trust policy's conditions")],
        ),
        case(
            "H15.2 a huge function timeout is a note, never an overflow",
            Box::new(|d| {
                (lambda_method("/pets", "GET", PETS_FN, Some("arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/*/GET/pets")))(d);
                d["lambda_functions"].as_array_mut().unwrap().last_mut().unwrap()["Timeout"] = json!(i64::MAX);
            }),
            get("/prod/pets"),
            vec![at("integration", Allow, "H15.1").note("504")],
        ),
        case("H15.5 a non-proxy integration gets the response-mapping note", Box::new(|d| { (lambda_method("/pets", "GET", PETS_FN, Some("arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/*/GET/pets")))(d); integration(d, "/pets", "GET")["type"] = json!("AWS"); }), get("/prod/pets"), vec![at("integration", Allow, "H15.1").note("H15.5")]),
        case("H15.3 a VPC link integration without a connectionId is unknown", Box::new(|d| *integration(d, "/pets", "GET") = json!({"type": "HTTP_PROXY", "uri": "http://nlb.internal/pets", "connectionType": "VPC_LINK"})), get("/prod/pets"), vec![at("integration", Unknown, "H15.3").deciding("connectionId (missing)")]),
        case("H15.1 the root resource's source ARN keeps its trailing slash", Box::new(|d| {
            let root = api(d)["resources"].as_array_mut().unwrap().iter_mut().find(|r| r["path"] == "/").unwrap();
            root["resourceMethods"] = json!({"GET": {"httpMethod": "GET", "authorizationType": "NONE"}});
            api(d)["deployments"][0]["apiSummary"]["/"] = json!({"GET": {"authorizationType": "NONE", "apiKeyRequired": false}});
            (lambda_method("/", "GET", PETS_FN, Some("arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/GET/")))(d);
        }), get("/prod/"), vec![at("integration", Allow, "H15.1")]),
    ]
}

#[test]
fn h15_integration() {
    run_table(h15_cases());
}

const NLB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/pets/0123456789abcdef";

/// The GET /pets integration goes through VPC link `vl-pets` in `status`.
fn through_link(status: &'static str, target: &'static str) -> Edit {
    Box::new(move |d| {
        *integration(d, "/pets", "GET") = json!({"type": "HTTP_PROXY", "uri": "http://pets.internal/pets", "connectionType": "VPC_LINK", "connectionId": "vl-pets"});
        d["vpc_links"] = json!([{"id": "vl-pets", "name": "pets-nlb", "status": status, "statusMessage": if status == "FAILED" { "NLB not found" } else { "" }, "targetArns": [target]}]);
    })
}

/// The GET /pets integration starts a Step Functions execution with `role`,
/// whose inline policy allows `states:StartExecution` on `resource`.
fn step_functions(trusted: bool, resource: Option<&'static str>) -> Edit {
    Box::new(move |d| {
        let arn = "arn:aws:iam::111111111111:role/sfn-start";
        *integration(d, "/pets", "GET") = json!({"type": "AWS", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:states:action/StartExecution", "credentials": arn});
        let principal = if trusted {
            "apigateway.amazonaws.com"
        } else {
            "states.amazonaws.com"
        };
        let inline: Vec<Value> = resource
            .map(|r| json!({"PolicyName": "start", "PolicyDocument": json!({"Statement": [{"Effect": "Allow", "Action": "states:StartExecution", "Resource": r}]}).to_string()}))
            .into_iter()
            .collect();
        d["roles"].as_array_mut().unwrap().push(json!({
            "Arn": arn,
            "RoleName": "sfn-start",
            "AssumeRolePolicyDocument": json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}]}).to_string(),
            "InlinePolicies": inline,
        }));
    })
}

fn prod_stage(d: &mut Value) -> &mut Value {
    api(d)["stages"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["stageName"] == "prod")
        .unwrap()
}

fn h15_backend_cases() -> Vec<Case> {
    let ise = ("InternalServerErrorException", "Internal server error");
    vec![
        case("H15.3 an AVAILABLE VPC link: its load balancer is not read, so unknown", through_link("AVAILABLE", NLB), get("/prod/pets"), vec![at("integration", Unknown, "H15.3").says("AVAILABLE").says("loadbalancer/net/pets")]),
        case("H15.3 a FAILED VPC link is refused", through_link("FAILED", NLB), get("/prod/pets"), vec![at("integration", Deny, "H15.3").says("FAILED: NLB not found").deciding("apigateway:GetVpcLink vl-pets status=FAILED")]),
        case("H15.3 a DELETING VPC link is refused", through_link("DELETING", NLB), get("/prod/pets"), vec![at("integration", Deny, "H15.3").says("DELETING")]),
        case("H15.3 a PENDING VPC link is unknown (transient)", through_link("PENDING", NLB), get("/prod/pets"), vec![at("integration", Unknown, "H15.3").says("PENDING")]),
        case("H15.3 a VPC link to another account's load balancer is refused", through_link("AVAILABLE", "arn:aws:elasticloadbalancing:us-east-1:999999999999:loadbalancer/net/x/1"), get("/prod/pets"), vec![at("integration", Deny, "H15.3").says("another account")]),
        case("H15.3 the connectionId comes from a stage variable", Box::new(|d| {
            (through_link("FAILED", NLB))(d);
            integration(d, "/pets", "GET")["connectionId"] = json!("${stageVariables.link}");
            prod_stage(d)["variables"] = json!({"link": "vl-pets"});
        }), get("/prod/pets"), vec![at("integration", Deny, "H15.3").says("vl-pets")]),
        case("H15.3 a stage variable the stage does not define is unknown", Box::new(|d| {
            (through_link("AVAILABLE", NLB))(d);
            integration(d, "/pets", "GET")["connectionId"] = json!("${stageVariables.link}");
        }), get("/prod/pets"), vec![at("integration", Unknown, "H15.3").says("does not define").deciding("variables.link (missing)")]),
        case("H15.1 a Lambda URI with a stage variable alias resolves to that alias", Box::new(|d| {
            (lambda_method("/pets", "GET", "arn:aws:lambda:us-east-1:111111111111:function:pets-api:live", None))(d);
            integration(d, "/pets", "GET")["uri"] = json!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:pets-api:${stageVariables.alias}/invocations");
            prod_stage(d)["variables"] = json!({"alias": "live"});
        }), get("/prod/pets"), vec![at("integration", Deny, "H15.1").says("pets-api:live has no resource policy")]),
        case("H15.3 a canary whose stage variable points at a FAILED link is intermittent", Box::new(|d| {
            (through_link("AVAILABLE", NLB))(d);
            d["vpc_links"].as_array_mut().unwrap().push(json!({"id": "vl-new", "status": "FAILED", "targetArns": [NLB]}));
            integration(d, "/pets", "GET")["connectionId"] = json!("${stageVariables.link}");
            prod_stage(d)["variables"] = json!({"link": "vl-pets"});
            prod_stage(d)["canarySettings"] = json!({"percentTraffic": 10.0, "stageVariableOverrides": {"link": "vl-new"}});
        }), get("/prod/pets"), vec![at("integration", Unknown, "H15.3").says("intermittent").says("10% of requests").says("vl-new")]),
        case("H15.4 Step Functions with a role API Gateway can assume and StartExecution on *", step_functions(true, Some("*")), get("/prod/pets"), vec![at("integration", Allow, "H15.4").says("states:StartExecution")]),
        case("H15.4 a role API Gateway cannot assume is refused (500)", step_functions(false, Some("*")), get("/prod/pets"), vec![at("integration", Deny, "H15.4").says("cannot assume")])
            .responds(500, ise.0, ise.1),
        case("H15.4 a role without the service action is refused", step_functions(true, None), get("/prod/pets"), vec![at("integration", Deny, "H15.4").says("not allowed states:StartExecution")]),
        case("H15.4 StartExecution on one state machine: which one the mapping names is unknown", step_functions(true, Some("arn:aws:states:us-east-1:111111111111:stateMachine:orders")), get("/prod/pets"), vec![at("integration", Unknown, "H15.4").says("mapping template")]),
        case("H15.4 an AWS service integration without credentials is refused (500)", Box::new(|d| *integration(d, "/pets", "GET") = json!({"type": "AWS", "uri": "arn:aws:apigateway:us-east-1:sqs:action/SendMessage"})), get("/prod/pets"), vec![at("integration", Deny, "H15.4").says("sqs:SendMessage").deciding("credentials (missing)")])
            .responds(500, ise.0, ise.1),
        case("H15.4 a path-style AWS service URI is unknown", Box::new(|d| *integration(d, "/pets", "GET") = json!({"type": "AWS", "uri": "arn:aws:apigateway:us-east-1:s3:path/bucket/key", "credentials": "arn:aws:iam::111111111111:role/s3"})), get("/prod/pets"), vec![at("integration", Unknown, "H15.4").says("path-style")]),
        case("H15.1 a function missing from an account whose functions were read is refused (500)", Box::new(|d| {
            (lambda_method("/pets", "GET", PETS_FN, None))(d);
            integration(d, "/pets", "GET")["uri"] = json!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:gone/invocations");
        }), get("/prod/pets"), vec![at("integration", Deny, "H15.1").says("has no such function")])
            .responds(500, ise.0, ise.1),
        case("H10 vpcEndpointIds naming an endpoint not in the account: a note", Box::new(|d| {
            api(d)["endpointConfiguration"]["vpcEndpointIds"] = json!(["vpce-0ffffffffffffffff"]);
        }), get("/prod/pets"), vec![at("api", Allow, "H10.3").note("vpce-0ffffffffffffffff")]),
    ]
}

#[test]
fn h15_backends() {
    run_table(h15_backend_cases());
}

/// The API's customised gateway responses change what the client sees.
#[test]
fn h15_customised_gateway_responses_apply_to_the_predicted_response() {
    let edit = |d: &mut Value| {
        (lambda_method("/pets", "GET", PETS_FN, None))(d);
        api(d)["gatewayResponses"] = json!([
            {"responseType": "DEFAULT_5XX", "statusCode": "503", "responseTemplates": {"application/json": "{\"error\":\"$context.error.messageString\"}"}, "defaultResponse": false},
            {"responseType": "ACCESS_DENIED", "statusCode": "403", "defaultResponse": true}
        ]);
    };
    let c = case(
        "H15.1 + §5.3 customised DEFAULT_5XX",
        Box::new(edit),
        get("/prod/pets"),
        vec![at("integration", Deny, "H15.1")],
    );
    let t = run_trace(&c);
    let r = t.response.expect("a blocked trace has a response");
    assert_eq!(r.status, Some(503), "{r:?}");
    assert_eq!(
        r.gateway_response,
        Some(trace::GatewayResponseType::ApiConfigurationError)
    );
    assert!(
        r.customised
            .as_deref()
            .unwrap_or("")
            .contains("DEFAULT_5XX"),
        "{r:?}"
    );
    assert_eq!(r.reaches_access_log, Some(true));
}

#[test]
fn case_names_cite_the_rulebook() {
    let all: Vec<Case> = [
        h9_cases(),
        h13_rp_cases(),
        h13_iam_cases(),
        h13_authorizer_cases(),
        h14_cases(),
        h10_h12_cases(),
        h15_cases(),
        h15_backend_cases(),
    ]
    .into_iter()
    .flatten()
    .collect();
    for c in &all {
        assert!(
            c.name.starts_with('H') || c.name.starts_with('§') || c.name.starts_with("Table"),
            "case {:?} cites no rulebook check",
            c.name
        );
    }
    assert!(all.len() >= 60, "{} cases", all.len());
}

// ---- which document decided (issue 7: the hop detail marked the wrong one) ------

fn named(cases: Vec<Case>, name: &str) -> Case {
    cases
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name:?}"))
}

/// The authorization hop's deciding statement, as (document kind, statement).
fn decided_by(c: &Case) -> (PolicyKind, usize, Vec<PolicyKind>) {
    let t = run_trace(c);
    let h = &t.hops[HopId::Authorization.index()];
    assert_eq!(h.hop, HopId::Authorization);
    let (doc, i) = h
        .deciding_statement()
        .unwrap_or_else(|| panic!("{}: no deciding statement in {:?}", c.name, h.deciding));
    // No other document claims the deciding field.
    let claimed: Vec<_> = h
        .policies
        .iter()
        .filter(|p| p.decided(&h.deciding).is_some())
        .collect();
    assert_eq!(claimed.len(), 1, "{}: {claimed:?}", c.name);
    (doc.kind, i, h.policies.iter().map(|p| p.kind).collect())
}

#[test]
fn the_deciding_statement_belongs_to_the_document_that_decided() {
    // An identity policy decides: its statement, not the resource policy's Statement[0].
    let c = named(
        h13_iam_cases(),
        "Table A: identity Deny beats a resource policy Allow",
    );
    let (kind, i, docs) = decided_by(&c);
    assert_eq!((kind, i), (PolicyKind::IdentityPolicy, 0));
    assert_eq!(docs[0], PolicyKind::ResourcePolicy, "{docs:?}");
    // The private custom domain's policy decides (H13.5).
    let c = named(
        h13_rp_cases(),
        "H13.5 form D: a deny-all domain policy denies",
    );
    let (kind, i, docs) = decided_by(&c);
    assert_eq!((kind, i), (PolicyKind::DomainPolicy, 0));
    assert!(docs.contains(&PolicyKind::ResourcePolicy), "{docs:?}");
}

#[test]
fn the_default_endpoint_policy_is_shown_and_decides() {
    for name in [
        "H9.1 no policy document means full access",
        "H9.1 the default full-access policy allows",
    ] {
        let c = named(h9_cases(), name);
        let t = run_trace(&c);
        let h = &t.hops[HopId::EndpointPolicy.index()];
        let (doc, i) = h
            .deciding_statement()
            .unwrap_or_else(|| panic!("{name}: nothing decides: {:?}", h.policies));
        assert_eq!((doc.kind, i), (PolicyKind::EndpointPolicy, 0), "{name}");
        assert!(
            doc.statements[0].text().contains("\"Principal\": \"*\""),
            "{name}"
        );
    }
}

#[test]
fn through_a_private_domain_both_endpoint_policy_evaluations_are_shown() {
    let c = named(
        h9_cases(),
        "H9.3 form D: a policy allowing only the method refuses the domain resource",
    );
    let t = run_trace(&c);
    let h = &t.hops[HopId::EndpointPolicy.index()];
    assert_eq!(
        h.policies.len(),
        2,
        "{:?}",
        h.policies.iter().map(|p| &p.title).collect::<Vec<_>>()
    );
    // The domain's evaluation decides (nothing allows it), and the mark can
    // only fall in it: the method's evaluation is a different document.
    assert!(
        h.policies[0].title.contains("/domainnames/"),
        "{}",
        h.policies[0].title
    );
    assert!(
        !h.policies[1].title.contains("/domainnames/"),
        "{}",
        h.policies[1].title
    );
    assert!(h.policies[1].decided(&h.deciding).is_none());
}

#[test]
fn an_authorizer_that_may_be_invoked_shows_the_function_policy() {
    let c = named(
        h13_authorizer_cases(),
        "H13.3 CUSTOM: the token is sent and the authorizer may be invoked: its answer is unknown",
    );
    let t = run_trace(&c);
    let h = &t.hops[HopId::Authorization.index()];
    let kinds: Vec<PolicyKind> = h.policies.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [PolicyKind::ResourcePolicy, PolicyKind::FunctionPolicy],
        "{:?}",
        h.policies.iter().map(|p| &p.title).collect::<Vec<_>>()
    );
    // The verdict is unknown: no statement is marked as deciding it.
    assert!(h.deciding_statement().is_none(), "{}", h.deciding);
}

/// The hop detail marks "(decides)" under the document that decided, and
/// only there. Before typed evidence it took `Statement[N]` from the
/// deciding text and marked that number in the API's resource policy.
#[test]
fn hop_detail_marks_the_statement_of_the_deciding_document() {
    use hoptrace::tui::app::{App, Msg};
    use hoptrace::tui::keymap::Keymap;
    use hoptrace::tui::theme::{Theme, ThemeName};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    for (cases, name, title) in [
        (
            h13_iam_cases(),
            "Table A: identity Deny beats a resource policy Allow",
            "inline policy p of role client-role",
        ),
        (
            h13_rp_cases(),
            "H13.5 form D: a deny-all domain policy denies",
            "policy of private custom domain api.internal.example.com",
        ),
    ] {
        let c = named(cases, name);
        let mut a = App::new(
            world_of(&c),
            "test".into(),
            Keymap::default(),
            Theme::new(ThemeName::Dark, false),
            std::time::SystemTime::UNIX_EPOCH,
        );
        a.update(Msg::Resize(160, 200));
        a.run_trace(request_of(&c));
        assert_eq!(
            a.selected_hop().map(HopId::as_str),
            Some("authorization"),
            "{name}"
        );
        let mut term = Terminal::new(TestBackend::new(160, 200)).unwrap();
        term.draw(|f| hoptrace::tui::view::render(f, &a)).unwrap();
        let buf = term.backend().buffer().clone();
        let rows: Vec<String> = (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect();
        let screen = rows.join("\n");
        // A title stands alone at the left edge of the detail pane.
        let at = |needle: &str| {
            rows.iter().position(|r| {
                r.contains(&format!("│{needle}")) || r.contains(needle) && needle == "(decides)"
            })
        };
        let marked = at("(decides)").unwrap_or_else(|| panic!("{name}: nothing marked\n{screen}"));
        assert_eq!(
            rows.iter().filter(|r| r.contains("(decides)")).count(),
            1,
            "{name}\n{screen}"
        );
        let doc = at(title).unwrap_or_else(|| panic!("{name}: no {title:?}\n{screen}"));
        let rp = at("resource policy of").expect("the resource policy is shown");
        assert!(
            doc < marked,
            "{name}: the mark is above {title:?}\n{screen}"
        );
        assert!(
            !(rp < marked && (doc < rp)),
            "{name}: the mark is inside the resource policy\n{screen}"
        );
    }
}
