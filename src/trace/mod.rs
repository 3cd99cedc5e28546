//! The trace: one request followed hop by hop (rulebook §2), each hop with a
//! verdict, the reason and the field that decided it. Pure: no I/O.

mod api_key;
mod authorizer;
mod authz;
mod authz_custom;
mod authz_iam;
mod authz_policy;
mod client;
mod dns;
mod endpoint;
mod endpoint_policy;
mod identity;
mod network;
mod reqctx;
pub mod request;
pub mod route;
pub mod target;

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use crate::model::World;
pub use request::{Auth, Request, RequestError, TlsVersion};
pub use target::{Form, Target};

pub const TRACE_SCHEMA: &str = "hoptrace.trace/v1";

/// The fifteen hops, in request order (rulebook H1–H15).
pub const HOPS: [&str; 15] = [
    "instance",
    "dns",
    "route",
    "sg-egress",
    "nacl-client",
    "nacl-endpoint",
    "sg-endpoint",
    "endpoint",
    "endpoint-policy",
    "api",
    "stage",
    "waf",
    "authorization",
    "api-key",
    "integration",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Allow,
    Deny,
    Unknown,
    Skip,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::Unknown => "unknown",
            Verdict::Skip => "skip",
        }
    }
    pub fn glyph(&self) -> &'static str {
        match self {
            Verdict::Allow => "✓",
            Verdict::Deny => "✗",
            Verdict::Unknown => "?",
            Verdict::Skip => "·",
        }
    }
}

/// One hop's result.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub hop: &'static str,
    pub verdict: Verdict,
    /// One sentence.
    pub reason: String,
    /// The AWS field (API call, resource, field and value) that decided the verdict.
    pub deciding: String,
    /// Resource ids this hop read.
    pub resources: Vec<String>,
    pub notes: Vec<String>,
    /// The rulebook check that decided (`H5.2`).
    pub check: String,
    /// What the client sees when this hop blocks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symptom: Option<String>,
}

impl Hop {
    pub fn new(hop: &'static str, verdict: Verdict, check: &str, reason: impl Into<String>) -> Hop {
        Hop {
            hop,
            verdict,
            reason: reason.into(),
            deciding: String::new(),
            resources: Vec::new(),
            notes: Vec::new(),
            check: check.to_string(),
            symptom: None,
        }
    }
    pub fn deciding(mut self, d: impl Into<String>) -> Hop {
        self.deciding = d.into();
        self
    }
    pub fn resource(mut self, r: impl Into<String>) -> Hop {
        let r = r.into();
        if !r.is_empty() && !self.resources.contains(&r) {
            self.resources.push(r);
        }
        self
    }
    pub fn note(mut self, n: impl Into<String>) -> Hop {
        self.notes.push(n.into());
        self
    }
    pub fn symptom(mut self, s: impl Into<String>) -> Hop {
        self.symptom = Some(s.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overall {
    Reachable,
    Blocked,
    Undetermined,
}

impl Overall {
    pub fn as_str(&self) -> &'static str {
        match self {
            Overall::Reachable => "reachable",
            Overall::Blocked => "blocked",
            Overall::Undetermined => "undetermined",
        }
    }
    /// Process exit status for this verdict.
    pub fn exit_code(&self) -> i32 {
        match self {
            Overall::Reachable => 0,
            Overall::Blocked => 1,
            Overall::Undetermined => 3,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestSummary {
    pub from: String,
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub auth: &'static str,
    pub tls: &'static str,
    /// The URL form (rulebook §1.1).
    pub form: &'static str,
}

/// The client-visible HTTP response predicted for a denial.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub status: u16,
    pub error_type: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub aws_calls: u64,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub schema: &'static str,
    pub request: RequestSummary,
    pub verdict: Overall,
    pub first_block: Option<&'static str>,
    pub hops: Vec<Hop>,
    pub response: Option<Response>,
    /// What the client experiences at the first block when no HTTP response comes back.
    pub symptom: Option<String>,
    pub stats: Stats,
}

/// Everything the hops share: the world, the request and what earlier hops found.
pub(crate) struct Ctx<'w> {
    pub world: &'w World,
    pub req: &'w Request,
    pub target: Target,
    /// The region the request goes to (from the host, else the snapshot's).
    pub region: String,
    pub client: Option<client::Client<'w>>,
    pub dest: dns::Destination<'w>,
}

impl<'w> Ctx<'w> {
    pub fn api(&self) -> Option<&'w crate::model::apigw::RestApi> {
        self.target
            .api_id
            .as_deref()
            .and_then(|id| self.world.rest_api(id))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("instance {0} is not in the snapshot")]
    UnknownInstance(String),
}

/// Follow `req` through `world`.
pub fn run(world: &World, req: &Request) -> Result<Trace, TraceError> {
    let started = Instant::now();
    let instance = world
        .instance(&req.from)
        .ok_or_else(|| TraceError::UnknownInstance(req.from.clone()))?;
    let target = Target::classify(req);
    let region = target
        .region
        .clone()
        .unwrap_or_else(|| world.snap.region.clone());
    let mut ctx = Ctx {
        world,
        req,
        target,
        region,
        client: None,
        dest: dns::Destination::none("not resolved yet"),
    };
    let mut hops = Vec::with_capacity(15);
    hops.push(client::h1_instance(&mut ctx, instance));
    hops.push(dns::h2_dns(&mut ctx));
    hops.extend(network::h3_to_h7(&ctx));
    hops.push(endpoint::h8_endpoint(&ctx));
    // Hops 9, 13 and 14 need the API, stage and deployed method the request
    // reaches; hops 10-12 and 15 are not evaluated yet.
    let call = route::api_call(&ctx);
    let resolved = route::resolve(&ctx, &call);
    let mut responses: Vec<(&'static str, Response)> = Vec::new();
    let mut push = |hops: &mut Vec<Hop>, (hop, resp): (Hop, Option<Response>)| {
        if let Some(r) = resp {
            responses.push((hop.hop, r));
        }
        hops.push(hop);
    };
    push(
        &mut hops,
        endpoint_policy::h9_endpoint_policy(&ctx, &call, &resolved),
    );
    for name in &HOPS[9..12] {
        hops.push(Hop::new(name, Verdict::Unknown, "", "not evaluated yet"));
    }
    push(&mut hops, authz::h13_authorization(&ctx, &resolved));
    push(&mut hops, api_key::h14_api_key(&ctx, &resolved));
    hops.push(Hop::new(
        HOPS[14],
        Verdict::Unknown,
        "",
        "not evaluated yet",
    ));
    debug_assert_eq!(hops.len(), HOPS.len());

    let first_block = hops.iter().find(|h| h.verdict == Verdict::Deny);
    let verdict = if first_block.is_some() {
        Overall::Blocked
    } else if hops.iter().any(|h| h.verdict == Verdict::Unknown) {
        Overall::Undetermined
    } else {
        Overall::Reachable
    };
    let symptom = first_block.and_then(|h| h.symptom.clone());
    let first_block = first_block.map(|h| h.hop);
    // The predicted HTTP response of the first denying hop, when it has one.
    let response = first_block.and_then(|b| {
        responses
            .iter()
            .find(|(h, _)| *h == b)
            .map(|(_, r)| r.clone())
    });
    let headers = req
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Trace {
        schema: TRACE_SCHEMA,
        request: RequestSummary {
            from: req.from.clone(),
            method: req.method.clone(),
            url: req.url.clone(),
            headers,
            auth: req.auth.as_str(),
            tls: req.tls.as_str(),
            form: ctx.target.form.label(),
        },
        verdict,
        first_block,
        hops,
        response,
        symptom,
        stats: Stats {
            aws_calls: 0,
            elapsed_ms: started.elapsed().as_millis() as u64,
        },
    })
}
