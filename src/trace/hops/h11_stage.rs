//! H11: the stage, its deployment and the route in the deployed
//! `apiSummary` (rulebook H11.1–H11.4). The runtime follows the deployment;
//! live resources that differ from it are reported as undeployed changes.

use crate::trace::ctx::Ctx;
use crate::trace::evidence::Deciding;
use crate::trace::hop::{Hop, HopId, Verdict};
use crate::trace::resolve::{match_template, ApiCall, Miss, Route};

const HOP: HopId = HopId::Stage;

pub(super) fn evaluate<'w>(
    ctx: &Ctx<'w>,
    call: &Result<ApiCall<'w>, Box<Miss>>,
    route: &Result<Route<'w>, Box<Miss>>,
) -> Hop {
    if let Some(h) = ctx.gate().past_endpoint(HOP) {
        return h;
    }
    // A miss at the API comes first (it is H10's); then this hop's own.
    let r = match (call, route) {
        (Err(m), _) | (_, Err(m)) => return m.hop(HOP, "H11"),
        (Ok(_), Ok(r)) => r,
    };
    let api = r.api;
    let dep = &r.deployment.id;
    let mut hop = Hop::new(
        HOP,
        Verdict::Allow,
        "H11.3",
        format!(
            "stage {} runs deployment {dep}; {} {} matches {} {}",
            r.stage.stage_name,
            ctx.req.method.to_ascii_uppercase(),
            r.call.path,
            r.method_key,
            r.template
        ),
    )
    .deciding(Deciding::field(
        "apigateway:GetDeployment",
        &api.id,
        format!("{dep} apiSummary[{}][{}]", r.template, r.method_key),
    ))
    .read(crate::trace::evidence::ResourceKind::RestApi, &api.id);
    for res in r.resources_read() {
        hop.add_resource(res);
    }
    if let Some(n) = undeployed(ctx, r) {
        hop = hop.note(n);
    }
    if r.stage.variables.is_empty() {
        hop
    } else {
        let vars: Vec<String> = r
            .stage
            .variables
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        hop.note(format!("stage variables: {}", vars.join(", ")))
    }
}

/// H11.4: the live resources (`GetResources`) route the request differently
/// from the deployment, or the matched method changed since it was deployed.
fn undeployed(ctx: &Ctx, r: &Route) -> Option<String> {
    let api = r.api;
    if api.resources.is_empty() {
        return None;
    }
    let verb = ctx.req.method.to_ascii_uppercase();
    let live_template = match_template(api.resources.iter().map(|x| x.path.as_str()), &r.call.path);
    let live_method = live_template.and_then(|t| {
        let res = api.resources.iter().find(|x| x.path == t)?;
        res.resource_methods
            .get(&verb)
            .map(|m| (verb.clone(), m))
            .or_else(|| {
                res.resource_methods
                    .get("ANY")
                    .map(|m| ("ANY".to_string(), m))
            })
            .map(|(k, m)| (t, k, m))
    });
    let deployed = format!("{} {}", r.method_key, r.template);
    let prefix = format!(
        "undeployed changes: the runtime follows deployment {}",
        r.deployment.id
    );
    match live_method {
        None => Some(format!(
            "{prefix}, which has {deployed}; the live resources have no method for {verb} {}",
            r.call.path
        )),
        Some((t, k, _)) if t != r.template || k != r.method_key => Some(format!(
            "{prefix}, which routes {verb} {} to {deployed}; the live resources route it to {k} {t} (not deployed)",
            r.call.path
        )),
        Some((_, _, m)) => {
            let mut changed = Vec::new();
            let live_auth = m.authorization_type.as_deref().map(str::to_ascii_uppercase);
            let dep_auth = r.snapshot.authorization_type.as_deref().map(str::to_ascii_uppercase);
            if live_auth.is_some() && dep_auth.is_some() && live_auth != dep_auth {
                changed.push(format!(
                    "authorizationType {} live, {} deployed",
                    live_auth.unwrap_or_default(),
                    dep_auth.unwrap_or_default()
                ));
            }
            if let (Some(a), Some(b)) = (m.api_key_required, r.snapshot.api_key_required) {
                if a != b {
                    changed.push(format!("apiKeyRequired {a} live, {b} deployed"));
                }
            }
            (!changed.is_empty())
                .then(|| format!("{prefix}; {deployed} changed since: {}", changed.join(", ")))
        }
    }
}
