//! Log lines as evidence for one trace: each line parsed in its source's
//! format, attached to the hops it speaks for, and checked against the
//! trace's verdicts. Per hop it keeps how many lines were attached and the
//! first line that contradicts the static verdict.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::access::AccessFormat;
use super::correlate::{claims, contradiction_in, findings, is_this_request, Claim, PathFacts};
use super::flow::FlowFormat;
use super::parsed::{parse_line, Formats, Parsed};
use super::LogLine;
use crate::model::World;
use crate::trace::{HopId, ResourceKind, Trace, Verdict};

/// A line that contradicts a hop's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contradiction {
    /// Why, in one sentence naming the line's values and the rulebook section.
    pub why: String,
    /// When the line was logged (ISO 8601).
    pub ts: String,
    #[serde(skip)]
    pub at: std::time::SystemTime,
    pub source: &'static str,
    pub group: String,
    pub raw: String,
}

/// What the logs say about one hop (the trace JSON's `evidence`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HopEvidence {
    pub lines: usize,
    pub contradicted_by: Option<Contradiction>,
}

/// One line, parsed and attached.
#[derive(Debug, Clone)]
pub struct Tagged {
    pub line: LogLine,
    pub parsed: Parsed,
    /// The hops it is evidence for, in path order.
    pub hops: Vec<HopId>,
    /// The hop whose verdict it contradicts, and why.
    pub contradiction: Option<(HopId, String)>,
}

impl Tagged {
    /// The hop to show the line beside: the one it contradicts, else the
    /// furthest hop along the path it speaks for.
    pub fn hop(&self) -> Option<HopId> {
        self.contradiction
            .as_ref()
            .map(|(h, _)| *h)
            .or_else(|| self.hops.last().copied())
    }

    /// `{"ts", "source", "hop", "request_id", "fields", "raw"}`: one JSON line.
    pub fn json(&self) -> Value {
        json!({
            "ts": crate::logs::replay::iso(self.line.at),
            "source": self.line.source.as_str(),
            "group": self.line.group,
            "hop": self.hop().map(|h| h.as_str()),
            "hops": self.hops.iter().map(|h| h.as_str()).collect::<Vec<_>>(),
            "request_id": self.parsed.request_id(),
            "fields": fields(&self.parsed),
            "contradicts": self.contradiction.as_ref().map(|(h, why)| json!({"hop": h.as_str(), "why": why})),
            "raw": self.line.text,
        })
    }
}

/// The named values of a parsed line (`{}` for a raw one, with its reason).
pub fn fields(p: &Parsed) -> Map<String, Value> {
    let mut out = Map::new();
    match p {
        Parsed::Access(r) => {
            for (k, v) in &r.fields {
                out.insert(k.to_string(), Value::String(v.clone()));
            }
        }
        Parsed::Flow(r) => {
            for (k, v) in &r.fields {
                out.insert(k.clone(), Value::String(v.clone()));
            }
        }
        Parsed::Execution(r) => {
            out.insert("event".into(), Value::String(format!("{:?}", r.event)));
        }
        Parsed::Lambda(r) => {
            out.insert("event".into(), Value::String(format!("{:?}", r.event)));
        }
        Parsed::Raw { why, .. } => {
            out.insert("unparsed".into(), Value::String(why.clone()));
        }
    }
    out
}

/// Attaches lines to one trace's hops and keeps the tally.
#[derive(Debug, Clone)]
pub struct Tagger {
    formats: Formats,
    /// The record format of each flow-log group that has its own.
    flow_by_group: BTreeMap<String, FlowFormat>,
    /// The path's execution-log and Lambda groups, once the sources are
    /// known: those lines of other groups (another API, stage or function)
    /// are about another path.
    path_groups: Option<std::collections::BTreeSet<String>>,
    path: PathFacts,
    verdicts: BTreeMap<HopId, Verdict>,
    evidence: BTreeMap<HopId, HopEvidence>,
    /// Lines seen, and how many did not parse.
    pub seen: usize,
    pub raw: usize,
}

impl Tagger {
    /// For `trace` in `world`; `flow_format` is the flow log's `LogFormat`
    /// (the version 2 default when `None`).
    pub fn new(world: &World, trace: &Trace, flow_format: Option<&str>) -> Tagger {
        Self::for_request(world, trace, None, flow_format)
    }

    /// As [`Tagger::new`], with the request, so that the stage its URL names
    /// is known even when the trace did not decide the stage hop.
    pub fn for_request(
        world: &World,
        trace: &Trace,
        req: Option<&crate::trace::Request>,
        flow_format: Option<&str>,
    ) -> Tagger {
        let path = path_facts(world, trace, req);
        let access = stage_of(world, trace, req)
            .and_then(|s| s.access_log_settings.as_ref())
            .and_then(|a| a.format.as_deref())
            .and_then(|f| AccessFormat::compile(f).ok());
        let flow = flow_format.and_then(|f| FlowFormat::parse(f).ok());
        Tagger {
            formats: Formats { access, flow },
            flow_by_group: BTreeMap::new(),
            path_groups: None,
            path,
            // The hops after the first that blocks are never reached by
            // this request, so no line contradicts them (a line of the same
            // client that got further went another way).
            verdicts: {
                let block = trace.first_block;
                let mut past = false;
                trace
                    .hops
                    .iter()
                    .map(|h| {
                        let v = if past { Verdict::Unknown } else { h.verdict };
                        past |= block == Some(h.hop);
                        (h.hop, v)
                    })
                    .collect()
            },
            evidence: BTreeMap::new(),
            seen: 0,
            raw: 0,
        }
    }

    /// Read each source's lines in the source's own record format (a flow
    /// log's `LogFormat`); a format that does not parse leaves the default.
    pub fn with_sources(mut self, sources: &[super::groups::Source]) -> Tagger {
        self.path_groups = Some(
            sources
                .iter()
                .filter(|s| {
                    matches!(
                        s.kind,
                        super::SourceKind::Execution | super::SourceKind::Lambda
                    )
                })
                .filter_map(|s| s.group.clone())
                .collect(),
        );
        for s in sources {
            if let (Some(g), Some(f)) = (&s.group, &s.format) {
                if let Ok(f) = FlowFormat::parse(f) {
                    self.flow_by_group.insert(g.clone(), f);
                }
            }
        }
        self
    }

    pub fn tag(&mut self, line: LogLine) -> Tagged {
        let parsed = match self.flow_by_group.get(&line.group) {
            Some(f) if line.source == super::SourceKind::Flow => match f.parse_record(&line.text) {
                Ok(r) => Parsed::Flow(r),
                Err(e) => Parsed::Raw {
                    text: line.text.clone(),
                    why: e.0,
                },
            },
            _ => parse_line(line.source, &line.text, &self.formats),
        };
        self.seen += 1;
        // An access line names its authorizer's Lambda invocation: that
        // function's lines are then authorization evidence (the newest
        // thousand ids are kept).
        if let Parsed::Access(a) = &parsed {
            if is_this_request(a, &self.path) {
                if let Some(id) = a.request_id() {
                    self.path.request_ids.insert(id);
                }
                if let Some(id) = a.integration_request_id() {
                    self.path.integration_request_ids.insert(id);
                }
            }
            if let Some(id) = a.authorizer_request_id() {
                self.path.authorizer_request_ids.insert(id);
            }
        }
        if parsed.is_raw() {
            self.raw += 1;
        }
        let elsewhere = matches!(
            line.source,
            super::SourceKind::Execution | super::SourceKind::Lambda
        ) && self
            .path_groups
            .as_ref()
            .is_some_and(|g| !g.contains(&line.group));
        let mut found = if elsewhere {
            Vec::new()
        } else {
            claims(&parsed, &self.path)
        };
        // Each hop once, in path order (a bit per hop, no sort).
        let mask = found
            .iter()
            .flat_map(|f| f.hops.iter())
            .fold(0u32, |m, h| m | 1 << (*h as u32));
        let hops: Vec<HopId> = HopId::ALL
            .into_iter()
            .filter(|h| mask & (1 << (*h as u32)) != 0)
            .collect();
        let verdicts = &self.verdicts;
        let verdict_of = |h: HopId| verdicts.get(&h).copied().unwrap_or(Verdict::Unknown);
        let mut contradicted: Vec<(HopId, String)> = hops
            .iter()
            .filter_map(|&h| contradiction_in(&found, h, verdict_of).map(|why| (h, why)))
            .collect();
        // Only a line that contradicts gets its findings' sentences.
        if !contradicted.is_empty() {
            found = findings(&parsed, &self.path);
            contradicted = hops
                .iter()
                .filter_map(|&h| contradiction_in(&found, h, verdict_of).map(|why| (h, why)))
                .collect();
        }
        let contradiction = contradicted.first().cloned();
        for h in &hops {
            self.evidence.entry(*h).or_default().lines += 1;
        }
        // A line that shows a hop passing clears an older contradiction of
        // it: the logs now agree (the fix of the NACL went in, say).
        for h in found
            .iter()
            .filter(|f| f.claim == Claim::Passed)
            .flat_map(|f| f.hops.iter())
        {
            if let Some(e) = self.evidence.get_mut(h) {
                if e.contradicted_by.as_ref().is_some_and(|c| c.at <= line.at)
                    && !contradicted.iter().any(|(c, _)| c == h)
                {
                    e.contradicted_by = None;
                }
            }
        }
        // Every hop the line contradicts keeps its newest contradiction.
        for (h, why) in &contradicted {
            let e = self.evidence.entry(*h).or_default();
            if e.contradicted_by.as_ref().is_none_or(|c| c.at <= line.at) {
                e.contradicted_by = Some(Contradiction {
                    why: why.clone(),
                    ts: crate::logs::replay::iso(line.at),
                    at: line.at,
                    source: line.source.as_str(),
                    group: line.group.clone(),
                    raw: line.text.clone(),
                });
            }
        }
        Tagged {
            line,
            parsed,
            hops,
            contradiction,
        }
    }

    /// What the lines so far say about `hop`.
    pub fn evidence(&self, hop: HopId) -> HopEvidence {
        self.evidence.get(&hop).cloned().unwrap_or_default()
    }
}

fn stage_of<'w>(
    world: &'w World,
    trace: &Trace,
    req: Option<&crate::trace::Request>,
) -> Option<&'w crate::model::apigw::Stage> {
    let id = super::groups::stage_ref(world, trace, req)?;
    let (api, stage) = id.split_once('/')?;
    world
        .rest_api(api)?
        .stages
        .iter()
        .find(|s| s.stage_name == stage)
}

fn ips<'a>(v: impl IntoIterator<Item = Option<&'a String>>) -> Vec<IpAddr> {
    v.into_iter()
        .flatten()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// What the trace knows about its path, for telling this path's lines from
/// other traffic's.
pub fn path_facts(world: &World, trace: &Trace, req: Option<&crate::trace::Request>) -> PathFacts {
    let refs = |kind: ResourceKind| -> Vec<String> {
        let mut v: Vec<String> = trace
            .hops
            .iter()
            .flat_map(|h| &h.resources)
            .filter(|r| r.kind == kind)
            .map(|r| r.id.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let vpce_ids = refs(ResourceKind::VpcEndpoint);
    let vpce_enis: Vec<String> = vpce_ids
        .iter()
        .filter_map(|id| world.vpc_endpoint(id))
        .flat_map(|e| e.network_interface_ids.iter().cloned())
        .collect();
    let vpce_ips = ips(vpce_enis
        .iter()
        .filter_map(|id| world.network_interface(id))
        .map(|n| n.private_ip_address.as_ref()));
    let instance = world.instance(&trace.request.from);
    let client_enis: Vec<String> = instance
        .map(|i| {
            i.network_interfaces
                .iter()
                .map(|n| n.network_interface_id.clone())
                .collect()
        })
        .unwrap_or_default();
    let client_ips = ips(instance
        .into_iter()
        .flat_map(|i| {
            std::iter::once(i.private_ip_address.as_ref()).chain(
                i.network_interfaces
                    .iter()
                    .map(|n| n.private_ip_address.as_ref()),
            )
        })
        .collect::<Vec<_>>());
    let stage = super::groups::stage_ref(world, trace, req);
    let (api_id, stage) = match stage.as_deref().and_then(|s| s.split_once('/')) {
        Some((a, s)) => (Some(a.to_string()), Some(s.to_string())),
        None => (None, None),
    };
    let url_path = trace
        .request
        .url
        .splitn(4, '/')
        .nth(3)
        .map(|rest| format!("/{}", rest.split(['?', '#']).next().unwrap_or("")));
    // The path after the stage is what API Gateway logs as `path` (form A).
    let path = match (&stage, url_path) {
        (Some(s), Some(p)) => Some(
            p.strip_prefix(&format!("/{s}"))
                .map(str::to_string)
                .unwrap_or(p),
        ),
        (_, p) => p,
    };
    PathFacts {
        vpce_ids,
        vpce_enis,
        vpce_ips,
        client_enis,
        client_ips,
        api_id,
        stage,
        method: Some(trace.request.method.clone()),
        resource_path: None,
        path,
        authorizer_request_ids: Default::default(),
        request_ids: Default::default(),
        integration_request_ids: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::SourceKind;
    use std::time::SystemTime;

    fn demo_trace(from: &str, url: &str) -> (World, Trace) {
        let world = crate::demo::world().expect("demo");
        let req = crate::trace::Request::new(
            from,
            "GET",
            url,
            &[],
            false,
            crate::trace::TlsVersion::V1_2,
        )
        .expect("request");
        let t = crate::trace::run(&world, &req).expect("trace");
        (world, t)
    }

    fn line(source: SourceKind, text: &str) -> LogLine {
        LogLine {
            source,
            group: "g".into(),
            at: SystemTime::UNIX_EPOCH,
            text: text.into(),
            hop: None,
            hops: Vec::new(),
        }
    }

    /// Execution and Lambda lines of another API's or function's group say
    /// nothing about this path once its groups are known; a line of its
    /// own groups does.
    #[test]
    fn lines_of_other_apis_and_functions_are_not_this_paths() {
        let (w, t) = demo_trace(
            "i-0a0000000orders01",
            "https://k7l8m9n0p1.execute-api.us-east-1.amazonaws.com/v1/orders",
        );
        let sources = crate::logs::groups::sources(&w, &t, None);
        let mut tagger = Tagger::new(&w, &t, None).with_sources(&sources);
        let mut pets = line(
            SourceKind::Lambda,
            "START RequestId: 5d0c-1 Version: $LATEST",
        );
        pets.group = "/aws/lambda/pets-api".into();
        assert!(tagger.tag(pets).hops.is_empty());
        let mut exec = line(
            SourceKind::Execution,
            "(r-9) Execution failed due to configuration error: Invalid permissions on Lambda function",
        );
        exec.group = "API-Gateway-Execution-Logs_a1b2c3d4e5/prod".into();
        assert!(tagger.tag(exec.clone()).hops.is_empty());
        exec.group = "API-Gateway-Execution-Logs_k7l8m9n0p1/v1".into();
        assert!(!tagger.tag(exec).hops.is_empty());
    }

    /// A hop after the first that blocks is never reached by the request:
    /// no line contradicts it (the demo showed this client's other request,
    /// by another URL form, "contradicting" the API key hop behind a
    /// STRICT-mode endpoint deny).
    #[test]
    fn hops_past_the_first_block_are_not_contradicted() {
        let world = crate::demo::world().expect("demo");
        let req = crate::trace::Request::new(
            "i-0a0000000000web01",
            "GET",
            "https://vpce-0a1b2c3d4e5f60001-k3x9z2.execute-api.us-east-1.vpce.amazonaws.com/v1/orders",
            &[
                "Host: k7l8m9n0p1.execute-api.us-east-1.amazonaws.com".to_string(),
                "x-api-key: d3m0k3y-0rders-fr0ntend".to_string(),
            ],
            false,
            crate::trace::TlsVersion::V1_2,
        )
        .expect("request");
        let t = crate::trace::run(&world, &req).expect("trace");
        assert_eq!(t.first_block, Some(HopId::Endpoint));
        let mut tagger = Tagger::for_request(&world, &t, Some(&req), None);
        let denied = tagger.tag(line(
            SourceKind::Access,
            r#"{"requestId":"r1","vpce":"vpce-0a1b2c3d4e5f60001","ip":"10.0.1.15","method":"GET","resourcePath":"/orders","stage":"v1","status":"403","errType":"INVALID_API_KEY"}"#,
        ));
        assert!(denied.hops.contains(&HopId::ApiKey), "{:?}", denied.hops);
        assert_eq!(denied.contradiction, None);
    }

    #[test]
    fn the_path_is_read_off_the_trace() {
        let (w, t) = demo_trace(
            "i-0a0000000000web01",
            "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets",
        );
        let p = path_facts(&w, &t, None);
        assert_eq!(p.vpce_ids, ["vpce-0a1b2c3d4e5f60001"]);
        assert_eq!(p.api_id.as_deref(), Some("a1b2c3d4e5"));
        assert_eq!(p.stage.as_deref(), Some("prod"));
        assert_eq!(p.path.as_deref(), Some("/pets"));
        assert_eq!(p.client_enis, ["eni-0a0000000000web01"]);
        assert!(!p.client_ips.is_empty());
    }

    #[test]
    fn a_denied_access_line_contradicts_an_allowed_endpoint_policy() {
        let (w, t) = demo_trace(
            "i-0a0000000000web01",
            "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets",
        );
        assert_eq!(
            t.hops
                .iter()
                .find(|h| h.hop == HopId::EndpointPolicy)
                .unwrap()
                .verdict,
            Verdict::Allow
        );
        let mut tagger = Tagger::new(&w, &t, None);
        let ok = tagger.tag(line(
            SourceKind::Access,
            r#"{"requestId":"r1","vpce":"vpce-0a1b2c3d4e5f60001","ip":"10.0.1.15","method":"GET","resourcePath":"/pets","stage":"prod","status":"200","integStatus":"200"}"#,
        ));
        assert!(ok.contradiction.is_none(), "{ok:?}");
        assert!(ok.hops.contains(&HopId::Endpoint), "{:?}", ok.hops);
        let denied = tagger.tag(line(
            SourceKind::Access,
            r#"{"requestId":"r2","vpce":"vpce-0a1b2c3d4e5f60001","ip":"10.0.1.15","method":"GET","resourcePath":"/pets","stage":"prod","status":"403","errType":"ACCESS_DENIED","errMsg":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets with an explicit deny"}"#,
        ));
        let (hop, why) = denied.contradiction.clone().expect("a contradiction");
        assert!(why.contains("the trace says allow"), "{why}");
        assert!(
            matches!(hop, HopId::EndpointPolicy | HopId::Authorization),
            "{hop:?}"
        );
        assert_eq!(
            tagger.evidence(hop).contradicted_by.unwrap().raw,
            denied.line.text
        );
        // The same client's POST to a method that does not exist is
        // another request: no word about this GET's API-side hops.
        let other = tagger.tag(line(
            SourceKind::Access,
            r#"{"requestId":"r3","vpce":"vpce-0a1b2c3d4e5f60001","ip":"10.0.1.15","method":"POST","resourcePath":"/pets","stage":"prod","status":"403","errType":"MISSING_AUTHENTICATION_TOKEN"}"#,
        ));
        assert!(other.contradiction.is_none(), "{other:?}");
        assert!(!other.hops.contains(&HopId::Stage), "{:?}", other.hops);
        let unparsed = tagger.tag(line(SourceKind::Access, "not a log line"));
        assert!(unparsed.parsed.is_raw());
        assert_eq!(tagger.raw, 1);
        assert_eq!(tagger.seen, 4);
        let json = denied.json();
        assert_eq!(json["request_id"], "r2");
        assert_eq!(json["source"], "access");
        assert_eq!(json["hop"], hop.as_str());
        assert!(tagger.evidence(HopId::Endpoint).lines >= 1);
    }
}
