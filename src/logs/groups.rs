//! Which CloudWatch Logs groups hold evidence for a traced request, from
//! the world and the trace (rulebook §5): the stage's access-log group, its
//! execution-log group, and the log group of each Lambda function on the
//! path. A source that cannot exist says why, so the user learns what to
//! turn on.

use crate::model::World;
use crate::trace::ResourceKind;
use crate::trace::{HopId, Request, Trace};

use super::SourceKind;

/// One source of evidence for a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub kind: SourceKind,
    /// The log group, when there is one to read.
    pub group: Option<String>,
    /// Why there is none (`group` is `None`), or a caveat about it.
    pub note: Option<String>,
    /// The hops its lines are evidence for.
    pub hops: Vec<HopId>,
}

/// The group name in a CloudWatch Logs group ARN
/// (`arn:aws:logs:us-east-1:111122223333:log-group:NAME` or `...:NAME:*`).
pub fn group_of_arn(arn: &str) -> Option<String> {
    let (_, rest) = arn.split_once(":log-group:")?;
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty()).then(|| name.to_string())
}

/// The function name in a Lambda ARN (`...:function:NAME[:QUALIFIER]`).
fn function_of_arn(arn: &str) -> Option<&str> {
    let (_, rest) = arn.split_once(":function:")?;
    rest.split(':').next().filter(|n| !n.is_empty())
}

/// The stage the trace reached (`api/stage`), else the one its URL names
/// (a hop before it may be undecided while the stage is still known).
pub fn stage_ref(world: &World, trace: &Trace, req: Option<&Request>) -> Option<String> {
    trace
        .hops
        .iter()
        .flat_map(|h| &h.resources)
        .find(|r| r.kind == ResourceKind::Stage)
        .map(|r| r.id.clone())
        .or_else(|| {
            let (api, stage, _) = crate::trace::api_call_in(world, req?)?;
            Some(format!("{api}/{stage}"))
        })
}

/// The sources of evidence for `trace` (of `req`, when known) in `world`.
pub fn sources(world: &World, trace: &Trace, req: Option<&Request>) -> Vec<Source> {
    let mut out = Vec::new();
    let stage_ref = stage_ref(world, trace, req);
    let stage = stage_ref.as_deref().and_then(|id| {
        let (api, stage) = id.split_once('/')?;
        let api = world.rest_api(api)?;
        let s = api.stages.iter().find(|s| s.stage_name == stage)?;
        Some((api.id.clone(), s))
    });
    match stage {
        Some((api, s)) => {
            let access = s
                .access_log_settings
                .as_ref()
                .and_then(|a| a.destination_arn.as_deref());
            out.push(match access {
                Some(arn) => match group_of_arn(arn) {
                    Some(g) => Source {
                        kind: SourceKind::Access,
                        group: Some(g),
                        note: None,
                        hops: ACCESS_HOPS.to_vec(),
                    },
                    None => Source {
                        kind: SourceKind::Access,
                        group: None,
                        note: Some(format!(
                            "the access-log destination of stage {} is not a CloudWatch Logs group ({arn}); Firehose destinations are not tailed",
                            s.stage_name
                        )),
                        hops: ACCESS_HOPS.to_vec(),
                    },
                },
                None => Source {
                    kind: SourceKind::Access,
                    group: None,
                    note: Some(format!(
                        "access logging is off for stage {}: set accessLogSettings to see this hop's evidence",
                        s.stage_name
                    )),
                    hops: ACCESS_HOPS.to_vec(),
                },
            });
            let level = s
                .method_settings
                .get("*/*")
                .and_then(|m| m.logging_level.as_deref());
            let group = format!("API-Gateway-Execution-Logs_{api}/{}", s.stage_name);
            out.push(match level {
                Some("INFO" | "ERROR") => Source {
                    kind: SourceKind::Execution,
                    group: Some(group),
                    note: None,
                    hops: EXECUTION_HOPS.to_vec(),
                },
                other => Source {
                    kind: SourceKind::Execution,
                    // Per-method settings may still log: the group is read
                    // if it exists, with the caveat.
                    group: Some(group),
                    note: Some(format!(
                        "execution logging is {} for stage {} (methodSettings */*/logging/loglevel); only methods with their own setting log",
                        other.unwrap_or("not set"),
                        s.stage_name
                    )),
                    hops: EXECUTION_HOPS.to_vec(),
                },
            });
        }
        None => out.push(Source {
            kind: SourceKind::Access,
            group: None,
            note: Some(
                "the trace reached no stage, so there are no API Gateway logs for it".into(),
            ),
            hops: ACCESS_HOPS.to_vec(),
        }),
    }
    let mut functions: Vec<(&str, HopId)> = Vec::new();
    for h in &trace.hops {
        for r in h
            .resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Lambda)
        {
            if let Some(name) = function_of_arn(&r.id) {
                if !functions.iter().any(|(n, _)| *n == name) {
                    functions.push((name, h.hop));
                }
            }
        }
    }
    // A trace that did not get to its backend still names it in its method.
    if functions.is_empty() {
        if let Some(req) = req {
            for name in method_functions(world, req) {
                if !functions.iter().any(|(n, _)| *n == name) {
                    functions.push((name, HopId::Integration));
                }
            }
        }
    }
    for (name, hop) in functions {
        out.push(Source {
            kind: SourceKind::Lambda,
            group: Some(format!("/aws/lambda/{name}")),
            note: None,
            hops: vec![hop],
        });
    }
    out
}

/// The Lambda functions behind the method the request names (its exact
/// resource path, its method or ANY), by name.
fn method_functions<'w>(world: &'w World, req: &Request) -> Vec<&'w str> {
    let Some((api, _, path)) = crate::trace::api_call_in(world, req) else {
        return Vec::new();
    };
    let Some(api) = world.rest_api(&api) else {
        return Vec::new();
    };
    api.resources
        .iter()
        .filter(|r| r.path == path)
        .flat_map(|r| {
            [req.method.as_str(), "ANY"]
                .into_iter()
                .filter_map(|m| r.resource_methods.get(m))
        })
        .filter_map(|m| m.method_integration.as_ref()?.uri.as_deref())
        .filter_map(|uri| {
            let f = crate::trace::lambda_of_uri(uri)?;
            let name = function_of_arn(f).unwrap_or(f);
            // A stage variable is resolved per stage: not guessed here.
            (!name.contains("${") && !name.is_empty()).then_some(name)
        })
        .collect()
}

/// The hops access-log fields are evidence for (rulebook §5.1).
const ACCESS_HOPS: &[HopId] = &[
    HopId::Endpoint,
    HopId::EndpointPolicy,
    HopId::Api,
    HopId::Stage,
    HopId::Authorization,
    HopId::ApiKey,
    HopId::Integration,
];

/// The hops execution-log signatures are evidence for (rulebook §5.2).
const EXECUTION_HOPS: &[HopId] = &[HopId::Authorization, HopId::ApiKey, HopId::Integration];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_out_of_arns() {
        assert_eq!(
            group_of_arn("arn:aws:logs:us-east-1:111122223333:log-group:/apigw/pets:*").as_deref(),
            Some("/apigw/pets")
        );
        assert_eq!(
            group_of_arn("arn:aws:logs:us-east-1:111122223333:log-group:access").as_deref(),
            Some("access")
        );
        assert_eq!(
            group_of_arn("arn:aws:firehose:us-east-1:111122223333:deliverystream/x"),
            None
        );
        assert_eq!(
            function_of_arn("arn:aws:lambda:us-east-1:1:function:pets-api:live"),
            Some("pets-api")
        );
    }

    #[test]
    fn the_demo_trace_reads_its_stage_and_function_groups() {
        let world = crate::demo::world().expect("demo");
        let req = crate::trace::Request::new(
            "i-0a0000000000web01",
            "GET",
            "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets",
            &[],
            false,
            crate::trace::TlsVersion::V1_2,
        )
        .expect("request");
        let t = crate::trace::run(&world, &req).expect("trace");
        let found = sources(&world, &t, Some(&req));
        let lambda = found
            .iter()
            .find(|s| s.kind == SourceKind::Lambda)
            .expect("the backend's group");
        assert_eq!(lambda.group.as_deref(), Some("/aws/lambda/pets-api"));
        assert_eq!(lambda.hops, [HopId::Integration]);
        let exec = found
            .iter()
            .find(|s| s.kind == SourceKind::Execution)
            .expect("execution logs");
        assert_eq!(
            exec.group.as_deref(),
            Some("API-Gateway-Execution-Logs_a1b2c3d4e5/prod")
        );
        assert!(found.iter().any(|s| s.kind == SourceKind::Access));
    }
}
