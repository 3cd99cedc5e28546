//! H11: the stage, its deployment and the route in the deployed
//! `apiSummary` (rulebook H11.1–H11.4). The runtime follows the deployment;
//! live resources that differ from it are reported as undeployed changes.

use crate::trace::ctx::Ctx;
use crate::trace::evidence::Deciding;
use crate::trace::hop::{Hop, HopId, Verdict};
use crate::trace::resolve::{match_template, route_in, ApiCall, Miss, Route};

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
        (Err(m), _) => return m.hop(HOP, "H11"),
        (Ok(c), Err(m)) => return missed(ctx, c, m),
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
    if let Some(why) = path_doubt(&r.call.path) {
        hop = hop.decide(Verdict::Unknown, "H11.3").reason(format!(
            "{} {} matches {} {} only if API Gateway ignores {why}, which is not documented",
            ctx.req.method.to_ascii_uppercase(),
            r.call.path,
            r.method_key,
            r.template
        ));
    }
    if let Some(n) = undeployed(ctx, r) {
        hop = hop.note(n);
    }
    hop = canary(ctx, r, hop);
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

/// What in a requested path makes its match an assumption: route matching
/// splits on `/`, and how API Gateway treats a trailing slash, an empty
/// segment or an encoded slash is not documented (rulebook H11.3).
fn path_doubt(path: &str) -> Option<&'static str> {
    if path.len() > 1 && path.ends_with('/') {
        Some("the trailing slash")
    } else if path.contains("//") {
        Some("the empty path segment")
    } else if path.to_ascii_lowercase().contains("%2f") {
        Some("the encoded slash (%2F) inside a segment")
    } else {
        None
    }
}

/// The stage's own miss (no route, no method), with what the live resources
/// and a canary deployment say about it.
fn missed(ctx: &Ctx, c: &ApiCall, m: &Miss) -> Hop {
    let mut hop = m.hop(HOP, "H11");
    if m.at != HOP || m.check != "H11.3" {
        return hop;
    }
    let Some(api) = c.api else { return hop };
    let verb = ctx.req.method.to_ascii_uppercase();
    let live =
        match_template(api.resources.iter().map(|x| x.path.as_str()), &c.path).and_then(|t| {
            let res = api.resources.iter().find(|x| x.path == t)?;
            let k = [verb.as_str(), "ANY"]
                .into_iter()
                .find(|k| res.resource_methods.contains_key(*k))?;
            Some((t, k))
        });
    if let Some((t, k)) = live {
        hop = hop.note(format!(
            "undeployed changes: the live resources have {k} {t} for this request, but the stage's deployment does not; redeploy the stage to serve it"
        ));
    }
    let Some(stage) = api.stages.iter().find(|s| s.stage_name == c.stage) else {
        return hop;
    };
    let Some((cd, pct)) = canary_of(stage) else {
        return hop;
    };
    match api.deployments.iter().find(|d| d.id == cd) {
        Some(d) => match route_in(d, &c.path, &verb) {
            // Some of the traffic is served: intermittent.
            Some((t, k, _)) => hop
                .decide(Verdict::Unknown, "H11.3")
                .reason(format!(
                    "intermittent: the stage's deployment has no route for {verb} {}, but its canary deployment {cd} ({pct}) routes it to {k} {t}",
                    c.path
                ))
                .deciding(canary_field(&api.id, &stage.stage_name, cd)),
            None => hop.note(format!(
                "the canary deployment {cd} ({pct}) has no route for it either"
            )),
        },
        None => hop
            .decide(Verdict::Unknown, "H11.2")
            .reason(format!(
                "the stage's deployment has no route for {verb} {}, and its canary deployment {cd} ({pct}) is not in the snapshot",
                c.path
            ))
            .deciding(Deciding::field("apigateway:GetDeployment", &api.id, cd).missing()),
    }
}

/// The canary deployment of a stage and its share of the traffic.
fn canary_of(stage: &crate::model::apigw::Stage) -> Option<(&str, String)> {
    let c = stage.canary_settings.as_ref()?;
    let d = c.deployment_id.as_deref().filter(|d| !d.is_empty())?;
    let pct = c
        .percent_traffic
        .map(|p| format!("{p}% of requests"))
        .unwrap_or_else(|| "a share of requests not captured".into());
    Some((d, pct))
}

fn canary_field(api: &str, stage: &str, deployment: &str) -> Deciding {
    Deciding::field(
        "apigateway:GetStage",
        format!("{api}/{stage}"),
        "canarySettings.deploymentId",
    )
    .with_value(deployment)
}

/// A canary deployment that routes the request differently from the stage's
/// deployment makes the hop unknown: part of the traffic is served by it.
fn canary(ctx: &Ctx, r: &Route, hop: Hop) -> Hop {
    let Some((cd, pct)) = canary_of(r.stage) else {
        return hop;
    };
    if cd == r.deployment.id {
        return hop;
    }
    let api = r.api;
    let field = canary_field(&api.id, &r.stage.stage_name, cd);
    let verb = ctx.req.method.to_ascii_uppercase();
    let Some(d) = api.deployments.iter().find(|d| d.id == cd) else {
        return hop
            .decide(Verdict::Unknown, "H11.2")
            .reason(format!(
                "{pct} go to the canary deployment {cd}, which is not in the snapshot"
            ))
            .deciding(field);
    };
    if d.api_summary.is_none() {
        return hop
            .decide(Verdict::Unknown, "H11.2")
            .reason(format!(
                "{pct} go to the canary deployment {cd}, whose apiSummary was not captured"
            ))
            .deciding(
                Deciding::field(
                    "apigateway:GetDeployment",
                    &api.id,
                    format!("{cd} apiSummary"),
                )
                .missing(),
            );
    }
    match route_in(d, &r.call.path, &verb) {
        None => hop
            .decide(Verdict::Unknown, "H11.3")
            .reason(format!(
                "intermittent: {pct} go to the canary deployment {cd}, which has no route for {verb} {} (403 Missing Authentication Token for them)",
                r.call.path
            ))
            .deciding(field),
        Some((t, k, m))
            if t != r.template
                || k != r.method_key
                || m.authorization_type != r.snapshot.authorization_type
                || m.api_key_required != r.snapshot.api_key_required =>
        {
            hop.decide(Verdict::Unknown, "H11.3")
                .reason(format!(
                    "{pct} go to the canary deployment {cd}, which deploys {k} {t} differently (authorizationType {}, apiKeyRequired {}); the later hops follow deployment {} only",
                    m.authorization_type.as_deref().unwrap_or("?"),
                    m.api_key_required.map_or("?".into(), |b| b.to_string()),
                    r.deployment.id
                ))
                .deciding(field)
        }
        Some(_) => hop.note(format!(
            "{pct} go to the canary deployment {cd}, which routes this request the same way"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::path_doubt;

    #[test]
    fn paths_whose_match_is_an_assumption() {
        for p in ["/", "/pets", "/pets/42", "/pets/a%20b", "/files/a/b/c"] {
            assert_eq!(path_doubt(p), None, "{p}");
        }
        assert_eq!(path_doubt("/pets/"), Some("the trailing slash"));
        assert_eq!(path_doubt("/pets//42"), Some("the empty path segment"));
        assert_eq!(
            path_doubt("/pets/a%2fb"),
            Some("the encoded slash (%2F) inside a segment")
        );
    }
}
