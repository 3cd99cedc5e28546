//! H14: API key and usage plan (rulebook H14.1, H14.2): `apiKeyRequired` in
//! the deployed snapshot, the key's presence, whether it is a known key (by
//! the SHA-256 of its value; values are never stored), enabled, and in a
//! usage plan for this API and stage. Throttling is load-dependent: noted.

use sha2::{Digest, Sha256};

use crate::trace::ctx::Ctx;
use crate::trace::evidence::{Deciding, ResourceKind as K};
use crate::trace::hop::{Hop, HopId, Response, Verdict};
use crate::trace::resolve::{private_route, Miss, Route};
use crate::trace::response::GatewayResponseType;

const HOP: HopId = HopId::ApiKey;

fn forbidden() -> Response {
    Response::http(
        403,
        "ForbiddenException",
        "Forbidden",
        Some(GatewayResponseType::InvalidApiKey),
    )
}

/// Lower-case hex SHA-256 of a key value.
pub fn key_hash(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn evaluate<'w>(ctx: &Ctx<'w>, route: &Result<Route<'w>, Box<Miss>>) -> Hop {
    let r = match private_route(HOP, "H14.1", ctx, route) {
        Ok(r) => r,
        Err(h) => return *h,
    };
    let api = r.api;
    let id = &api.id;
    let stage = &r.stage.stage_name;
    let field = Deciding::field(
        "apigateway:GetDeployment",
        id,
        format!(
            "{} apiSummary[{}][{}].apiKeyRequired",
            r.deployment.id, r.template, r.method_key
        ),
    );
    let mut notes = Vec::new();
    if let Some(ms) = r
        .stage
        .method_settings
        .get(&format!(
            "{}/{}",
            r.template.trim_start_matches('/'),
            r.method_key
        ))
        .or_else(|| r.stage.method_settings.get("*/*"))
    {
        if ms.throttling_rate_limit.is_some() || ms.throttling_burst_limit.is_some() {
            notes.push(format!(
                "H14.2: stage {stage} throttles at {} requests/s, burst {} (429 under load; not evaluated)",
                ms.throttling_rate_limit.map_or("-".into(), |v| v.to_string()),
                ms.throttling_burst_limit.map_or("-".into(), |v| v.to_string())
            ));
        }
    }
    let hop = |v: Verdict, reason: String, deciding: Deciding| -> Hop {
        let mut h = Hop::new(HOP, v, "H14.1", reason)
            .deciding(deciding)
            .read(K::RestApi, id);
        for res in r.resources_read() {
            h.add_resource(res);
        }
        for n in &notes {
            h = h.note(n.clone());
        }
        h
    };
    let Some(required) = r.snapshot.api_key_required else {
        return hop(
            Verdict::Unknown,
            format!(
                "the deployed method {} {} has no apiKeyRequired in the snapshot",
                r.method_key, r.template
            ),
            field.clone().missing(),
        );
    };
    if !required {
        return hop(
            Verdict::Allow,
            format!(
                "the deployed method {} {} requires no API key",
                r.method_key, r.template
            ),
            field.clone().with_value("false"),
        );
    }
    let source = api
        .api_key_source
        .as_deref()
        .unwrap_or("HEADER")
        .to_ascii_uppercase();
    if source == "AUTHORIZER" {
        return hop(
                Verdict::Unknown,
                "the method requires an API key and apiKeySource is AUTHORIZER: the key is the Lambda authorizer's usageIdentifierKey, unknown offline".into(),
                Deciding::field("apigateway:GetRestApi", id, "apiKeySource=AUTHORIZER"),
            );
    }
    let deny = |reason: String, deciding: Deciding| -> Hop {
        let resp = forbidden();
        hop(Verdict::Deny, reason, deciding)
            .symptom(format!(
                "{} (gateway response INVALID_API_KEY)",
                resp.symptom()
            ))
            .note("the client sees 403 ForbiddenException {\"message\":\"Forbidden\"}".to_string())
            .respond(resp)
    };
    let Some(value) = ctx
        .req
        .header("x-api-key")
        .map(str::trim)
        .filter(|v| !v.is_empty())
    else {
        return deny(
            format!("the deployed method {} {} requires an API key and the request has no x-api-key header", r.method_key, r.template),
            field.clone().with_value("true"),
        );
    };
    let w = ctx.world;
    if api
        .owner_account
        .as_deref()
        .is_some_and(|a| a != w.snap.account)
    {
        return hop(
            Verdict::Unknown,
            format!(
                "the API belongs to account {}, whose API keys are not in the snapshot",
                api.owner_account.as_deref().unwrap_or("")
            ),
            Deciding::field("apigateway:GetApiKeys", "", "(other account)"),
        );
    }
    let hash = key_hash(value);
    let keys = &w.snap.api_keys;
    let Some(key) = keys.iter().find(|k| {
        k.value_sha256
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case(&hash))
    }) else {
        let unhashed: Vec<&str> = keys
            .iter()
            .filter(|k| k.value_sha256.is_none())
            .map(|k| k.id.as_str())
            .collect();
        if let Some(why) = ctx.unread("api_keys", "apigateway:GetApiKeys") {
            return hop(
                Verdict::Unknown,
                format!("the account's API keys could not be read ({why}), so the x-api-key value cannot be checked"),
                Deciding::field("apigateway:GetApiKeys", "", "").missing(),
            );
        }
        if (keys.is_empty() && !ctx.was_read("api_keys")) || !unhashed.is_empty() {
            return hop(
                Verdict::Unknown,
                if keys.is_empty() {
                    "the API keys of the account are not in the snapshot, so the x-api-key value cannot be checked".into()
                } else {
                    format!(
                            "the x-api-key value matches no recorded key hash, and keys {} have no valueSha256: cannot tell which key it is",
                            unhashed.join(", ")
                        )
                },
                Deciding::field("apigateway:GetApiKeys", "", "valueSha256"),
            );
        }
        return deny(
            "the x-api-key value matches none of the account's API keys".into(),
            Deciding::field(
                "apigateway:GetApiKeys",
                "",
                "(no key has this value's valueSha256)",
            ),
        );
    };
    let name = key
        .name
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    if !key.enabled {
        return deny(
            format!("API key {}{name} is disabled", key.id),
            Deciding::field("apigateway:GetApiKeys", &key.id, "enabled").with_value("false"),
        )
        .read(K::ApiKey, &key.id);
    }
    if let Some(why) = ctx.unread("usage_plans", "apigateway:GetUsagePlans") {
        return hop(
            Verdict::Unknown,
            format!(
                "API key {}{name} is enabled, but the usage plans could not be read ({why}), so its plan for {id}/{stage} cannot be checked",
                key.id
            ),
            Deciding::field("apigateway:GetUsagePlans", "", "").missing(),
        );
    }
    if w.snap.usage_plans.is_empty() && !ctx.was_read("usage_plans") {
        // Without a record of the read, "no usage plans" is "not captured".
        return hop(
                Verdict::Unknown,
                format!(
                    "API key {}{name} is enabled, but the snapshot holds no usage plans, so its plan for {id}/{stage} cannot be checked",
                    key.id
                ),
                Deciding::field("apigateway:GetUsagePlans", "", "").with_detail("(none in the snapshot)"),
            );
    }
    let for_stage = |p: &&crate::model::apigw::UsagePlan| {
        p.api_stages
            .iter()
            .any(|s| s.api_id == *id && s.stage == *stage)
    };
    let plan = w
        .snap
        .usage_plans
        .iter()
        .filter(for_stage)
        .find(|p| p.key_ids.contains(&key.id));
    // A plan for this stage whose keys could not be read may hold the key.
    let unread = w
        .snap
        .usage_plans
        .iter()
        .filter(for_stage)
        .find(|p| p.unread.iter().any(|c| c == "apigateway:GetUsagePlanKeys"));
    match (plan, unread) {
        (Some(p), _) => hop(
            Verdict::Allow,
            format!(
                "API key {}{name} is enabled and in usage plan {} for {id}/{stage}",
                key.id, p.id
            ),
            Deciding::field("apigateway:GetUsagePlanKeys", &p.id, &key.id),
        )
        .read(K::ApiKey, &key.id)
        .read(K::UsagePlan, &p.id),
        (None, Some(u)) => {
            let p = u.id.as_str();
            hop(
                Verdict::Unknown,
                format!(
                    "API key {}{name} is enabled and in no plan read for {id}/{stage}, but the keys of usage plan {p} (for {id}/{stage}) could not be read ({}), so whether it holds the key is unknown",
                    key.id,
                    w.snap.why_unread("apigateway:GetUsagePlanKeys", p)
                ),
                Deciding::field("apigateway:GetUsagePlanKeys", p, "").missing(),
            )
            .read(K::ApiKey, &key.id)
            .read(K::UsagePlan, p)
        }
        (None, None) => deny(
            format!(
                "API key {}{name} is in no usage plan for {id}/{stage}",
                key.id
            ),
            Deciding::field(
                "apigateway:GetUsagePlans",
                "",
                format!("(no plan with apiStages {id}/{stage} holds {})", key.id),
            ),
        )
        .read(K::ApiKey, &key.id),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_hex() {
        assert_eq!(
            super::key_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
