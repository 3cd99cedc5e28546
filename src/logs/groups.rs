//! Which CloudWatch Logs groups hold evidence for a traced request, from
//! the world and the trace (rulebook §5): the stage's access-log group, its
//! execution-log group, the log group of each Lambda function on the path
//! and the flow-log groups of the path's VPCs, subnets and ENIs. A source that cannot exist says why, so the user learns what to
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
    /// The record format of its lines, when the source has its own (a
    /// flow log's `LogFormat`).
    pub format: Option<String>,
    /// A CloudWatch Logs filter pattern that keeps the path's lines (a flow
    /// log group's records of the path's ENIs).
    pub pattern: Option<String>,
}

impl Source {
    fn new(
        kind: SourceKind,
        group: Option<String>,
        note: Option<String>,
        hops: &[HopId],
    ) -> Source {
        Source {
            kind,
            group,
            note,
            hops: hops.to_vec(),
            format: None,
            pattern: None,
        }
    }
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
                    Some(g) => Source::new(SourceKind::Access, Some(g), None, ACCESS_HOPS),
                    None => Source::new(SourceKind::Access, None, Some(format!(
                            "the access-log destination of stage {} is not a CloudWatch Logs group ({arn}); Firehose destinations are not tailed",
                            s.stage_name
                        )), ACCESS_HOPS),
                },
                None => Source::new(SourceKind::Access, None, Some(format!(
                        "access logging is off for stage {}: set accessLogSettings to see this hop's evidence",
                        s.stage_name
                    )), ACCESS_HOPS),
            });
            let level = s
                .method_settings
                .get("*/*")
                .and_then(|m| m.logging_level.as_deref());
            let group = format!("API-Gateway-Execution-Logs_{api}/{}", s.stage_name);
            out.push(match level {
                Some("INFO" | "ERROR") => Source::new(SourceKind::Execution, Some(group), None, EXECUTION_HOPS),
                // Per-method settings may still log: the group is read if
                // it exists, with the caveat.
                other => Source::new(SourceKind::Execution, Some(group), Some(format!(
                        "execution logging is {} for stage {} (methodSettings */*/logging/loglevel); only methods with their own setting log",
                        other.unwrap_or("not set"),
                        s.stage_name
                    )), EXECUTION_HOPS),
            });
        }
        None => out.push(Source::new(
            SourceKind::Access,
            None,
            Some("the trace reached no stage, so there are no API Gateway logs for it".into()),
            ACCESS_HOPS,
        )),
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
        out.push(Source::new(
            SourceKind::Lambda,
            Some(format!("/aws/lambda/{name}")),
            None,
            &[hop],
        ));
    }
    out.extend(flow_sources(world, trace));
    out
}

/// The hops flow records are evidence for (rulebook §5.4).
const FLOW_HOPS: &[HopId] = &[
    HopId::Route,
    HopId::SgEgress,
    HopId::NaclClient,
    HopId::NaclEndpoint,
    HopId::SgEndpoint,
];

/// The flow logs of the path's VPCs, subnets and ENIs (the client
/// instance's and the endpoint's), one source per log group; a flow log
/// that does not deliver to CloudWatch Logs, or is not working, says so.
fn flow_sources(world: &World, trace: &Trace) -> Vec<Source> {
    let mut watched: Vec<String> = Vec::new();
    let mut enis: Vec<String> = Vec::new();
    if let Some(i) = world.instance(&trace.request.from) {
        watched.extend(i.vpc_id.iter().chain(i.subnet_id.iter()).cloned());
        for n in &i.network_interfaces {
            watched.extend(n.subnet_id.iter().cloned());
            enis.push(n.network_interface_id.clone());
        }
    }
    for id in trace
        .hops
        .iter()
        .flat_map(|h| &h.resources)
        .filter(|r| r.kind == ResourceKind::VpcEndpoint)
        .map(|r| r.id.as_str())
    {
        if let Some(ep) = world.vpc_endpoint(id) {
            watched.push(ep.vpc_id.clone());
            watched.extend(ep.subnet_ids.iter().cloned());
            enis.extend(ep.network_interface_ids.iter().cloned());
        }
    }
    enis.sort();
    enis.dedup();
    watched.extend(enis.iter().cloned());
    let note = |text: String| Source::new(SourceKind::Flow, None, Some(text), FLOW_HOPS);
    if let crate::model::ReadState::NotRead(e) = world.snap.read_state("flow_logs") {
        let why = e.map_or_else(
            || "ec2:DescribeFlowLogs was not read".to_string(),
            |e| e.to_string(),
        );
        return vec![note(format!(
            "the flow logs of the path are not known: {why}"
        ))];
    }
    let mut out: Vec<Source> = Vec::new();
    for fl in world
        .snap
        .flow_logs
        .iter()
        .filter(|f| f.resource_id.as_ref().is_some_and(|r| watched.contains(r)))
    {
        let of = fl.resource_id.as_deref().unwrap_or("?");
        let dest = fl
            .log_destination_type
            .as_deref()
            .unwrap_or("cloud-watch-logs");
        let group = match (&fl.log_group_name, dest) {
            (Some(g), "cloud-watch-logs") => g.clone(),
            (_, dest) => {
                out.push(note(format!(
                    "flow log {} of {of} delivers to {dest}, which is not tailed",
                    fl.flow_log_id
                )));
                continue;
            }
        };
        let mut caveats = Vec::new();
        if let Some(st) = fl.flow_log_status.as_deref().filter(|s| *s != "ACTIVE") {
            caveats.push(format!("flow log {} is {st}", fl.flow_log_id));
        }
        if fl.deliver_logs_status.as_deref() == Some("FAILED") {
            caveats.push(format!(
                "delivery of flow log {} fails: {}",
                fl.flow_log_id,
                fl.deliver_logs_error_message
                    .as_deref()
                    .unwrap_or("no reason given")
            ));
        }
        if let Some(t) = fl.traffic_type.as_deref().filter(|t| *t != "ALL") {
            caveats.push(format!(
                "flow log {} of {of} records only {t} traffic",
                fl.flow_log_id
            ));
        }
        match out
            .iter_mut()
            .find(|s| s.group.as_deref() == Some(group.as_str()))
        {
            // Two flow logs into one group: one tail; a different record
            // format makes its lines unreadable by the other's, so say so.
            Some(s) => {
                if s.format != fl.log_format {
                    caveats.push(format!(
                        "flow log {} writes another record format into the same group; its lines may not parse",
                        fl.flow_log_id
                    ));
                }
                if !caveats.is_empty() {
                    let mut text = s.note.take().unwrap_or_default();
                    for c in caveats {
                        if !text.is_empty() {
                            text.push_str("; ");
                        }
                        text.push_str(&c);
                    }
                    s.note = Some(text);
                }
            }
            None => {
                let mut s = Source::new(
                    SourceKind::Flow,
                    Some(group),
                    (!caveats.is_empty()).then(|| caveats.join("; ")),
                    FLOW_HOPS,
                );
                s.format = fl.log_format.clone();
                // Records name their ENI only when the format has it (the
                // default does); a pattern over at most 1,024 characters.
                let names_eni = fl
                    .log_format
                    .as_deref()
                    .is_none_or(|f| f.contains("${interface-id}"));
                let pattern_len: usize = enis.iter().map(|e| e.len() + 4).sum();
                s.pattern = (names_eni && !enis.is_empty() && pattern_len <= 1_024).then(|| {
                    enis.iter()
                        .map(|e| format!("?\"{e}\""))
                        .collect::<Vec<_>>()
                        .join(" ")
                });
                out.push(s);
            }
        }
    }
    if !out.iter().any(|s| s.group.is_some()) {
        out.push(note(
            "no flow log to CloudWatch Logs covers the path's VPCs, subnets or ENIs: create one to see the network hops' evidence".into(),
        ));
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
