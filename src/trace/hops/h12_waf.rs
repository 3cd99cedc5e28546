//! H12: AWS WAF on the stage (rulebook H12.1). The web ACL's rules are not
//! read, so a stage with one is `unknown`; without one the hop is skipped.

use crate::trace::ctx::Ctx;
use crate::trace::evidence::{Deciding, ResourceKind as K};
use crate::trace::hop::{Hop, HopId, Verdict};
use crate::trace::resolve::{ApiCall, Miss, Route};

const HOP: HopId = HopId::Waf;

pub(super) fn evaluate<'w>(
    ctx: &Ctx<'w>,
    call: &Result<ApiCall<'w>, Box<Miss>>,
    route: &Result<Route<'w>, Box<Miss>>,
) -> Hop {
    if let Some(h) = ctx.gate().past_endpoint(HOP) {
        return h;
    }
    // The web ACL belongs to the stage: a stage that exists is enough, even
    // when no route matches in it.
    let stage = match route {
        Ok(r) => Some((r.api, r.stage)),
        Err(_) => call.as_ref().ok().and_then(|c| {
            let api = c.api?;
            api.stages
                .iter()
                .find(|s| s.stage_name == c.stage)
                .map(|s| (api, s))
        }),
    };
    let Some((api, stage)) = stage else {
        return match (call, route) {
            (Err(m), _) | (_, Err(m)) => m.hop(HOP, "H12"),
            _ => Hop::new(HOP, Verdict::Unknown, "H12", "the stage is not known"),
        };
    };
    let id = format!("{}/{}", api.id, stage.stage_name);
    let field = Deciding::field("apigateway:GetStage", &id, "webAclArn");
    match stage.web_acl_arn.as_deref().filter(|a| !a.is_empty()) {
        None => Hop::new(
            HOP,
            Verdict::Skip,
            "H12.1",
            format!("stage {} has no web ACL", stage.stage_name),
        )
        .deciding(field.with_detail("(absent)")),
        Some(acl) => Hop::new(
            HOP,
            Verdict::Unknown,
            "H12.1",
            format!(
                "web ACL {acl} is attached to stage {}; its rules are not read, and it runs before the resource policy and authorizers",
                stage.stage_name
            ),
        )
        .deciding(field.with_value(acl))
        .read(K::WebAcl, acl)
        .note("a WAF block answers 403 {\"message\":\"Forbidden\"} (gateway response WAF_FILTERED, unless the web ACL sends a custom response); the access log's $context.waf.status / $context.wafResponseCode say WAF_BLOCK"),
    }
}
