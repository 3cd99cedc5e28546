//! The trace: one request followed hop by hop (rulebook §2), each hop with a
//! verdict, the reason and the field that decided it. Pure: no I/O.
//!
//! Layout: `request/` is what the user asked (URL forms, headers, the policy
//! request context); `resolve` finds the API, stage and deployed method the
//! request reaches; `gate` says whether DNS sent it to a VPC endpoint;
//! `hops/` has one module per hop (or family of hops), named by rulebook
//! number; `hop` and `evidence` are the result types.

mod ctx;
mod evidence;
mod hop;
mod hops;
mod parsed;
pub mod path;
pub mod request;
pub mod resolve;
mod response;
pub mod shared;

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use crate::model::World;
pub use ctx::AddressClass;
pub use evidence::{
    Deciding, PolicyEvidence, PolicyKind, ResourceKind, ResourceRef, StatementEvidence,
    StatementRef, StatementResult,
};
pub use hop::{Hop, HopId, Verdict};
pub use hops::{
    execute_api_service, key_hash, lambda_of_uri, split_qualifier, substitute_stage_variables,
};
pub use request::target::{self, Form, Target};
pub use request::{Auth, Request, RequestError, TlsVersion};
pub use response::{GatewayResponseType, Response};

pub const TRACE_SCHEMA: &str = "hoptrace.trace/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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
    /// The hop verdict that stands for this one in colours and glyphs.
    pub fn as_verdict(&self) -> Verdict {
        match self {
            Overall::Reachable => Verdict::Allow,
            Overall::Blocked => Verdict::Deny,
            Overall::Undetermined => Verdict::Unknown,
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

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// AWS calls made to read the world (0 offline).
    pub aws_calls: u64,
    /// The longest chain of dependent AWS calls among them (0 offline).
    pub aws_rounds: u32,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub schema: &'static str,
    pub request: RequestSummary,
    pub verdict: Overall,
    pub first_block: Option<HopId>,
    pub hops: Vec<Hop>,
    pub response: Option<Response>,
    /// What the client experiences at the first block when no HTTP response comes back.
    pub symptom: Option<String>,
    pub stats: Stats,
    /// What the path diagram shows past the hops' own resources.
    #[serde(skip)]
    pub path: path::PathFacts,
}

impl Trace {
    /// The hops that answered `unknown`, in request order.
    pub fn unknown_hops(&self) -> Vec<&'static str> {
        self.hops
            .iter()
            .filter(|h| h.verdict == Verdict::Unknown)
            .map(|h| h.hop.as_str())
            .collect()
    }

    /// What the client sees at the first block: API Gateway's answer and
    /// how the API's gateway responses customised it, or the client's own
    /// error when no HTTP answer comes back. `None` when nothing blocks.
    pub fn client_sees(&self) -> Option<(String, Option<&str>)> {
        match (&self.response, &self.symptom) {
            (Some(r), _) => Some((r.client_sees(), r.customised.as_deref())),
            (None, Some(s)) => Some((s.clone(), None)),
            (None, None) => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("instance {0} is not in the snapshot")]
    UnknownInstance(String),
    #[error("instance {0} has not been read yet (discovery is still reading instances); the trace runs when it lands")]
    InstanceNotReadYet(String),
}

/// The API, stage and resource path `req` names in `world`, as the hops
/// will read them (a custom domain through its base path mappings), before
/// anything about the network is known: `(api id, stage, path)`. `None`
/// when the request names none that can be followed.
pub fn api_call_in(world: &World, req: &Request) -> Option<(String, String, String)> {
    let call = resolve::api_call(&start(world, req)).ok()?;
    Some((call.api_id, call.stage, call.path))
}

/// What the hops share before the first hop: the request's target and region.
fn start<'w>(world: &'w World, req: &'w Request) -> ctx::Ctx<'w> {
    let target = Target::classify(req);
    let region = target
        .region
        .clone()
        .unwrap_or_else(|| world.snap.region.clone());
    ctx::Ctx {
        world,
        req,
        target,
        region,
        client: None,
        dest: ctx::Destination::none("not resolved yet"),
        classes: None,
    }
}

/// The trace's verdict from its hops: blocked when any denies, else
/// undetermined when any is unknown, else reachable.
pub fn overall(hops: &[Hop]) -> Overall {
    if hops.iter().any(|h| h.verdict == Verdict::Deny) {
        Overall::Blocked
    } else if hops.iter().any(|h| h.verdict == Verdict::Unknown) {
        Overall::Undetermined
    } else {
        Overall::Reachable
    }
}

/// Follow `req` through `world`.
pub fn run(world: &World, req: &Request) -> Result<Trace, TraceError> {
    let started = Instant::now();
    let instance = world.instance(&req.from).ok_or_else(|| {
        let still_reading = matches!(
            world.snap.read_state("instances"),
            crate::model::ReadState::NotRead(Some(e))
                if e.code.as_deref() == Some(crate::model::NOT_READ_YET)
        );
        if still_reading {
            TraceError::InstanceNotReadYet(req.from.clone())
        } else {
            TraceError::UnknownInstance(req.from.clone())
        }
    })?;
    let mut ctx = start(world, req);
    let (hops, api) = hops::evaluate(&mut ctx, instance);
    let path = path::facts(&ctx, &hops);
    let first_block = hops.iter().find(|h| h.verdict == Verdict::Deny);
    let verdict = overall(&hops);
    let symptom = first_block.and_then(|h| h.symptom.clone());
    // What the client sees at the first denying hop: API Gateway's answer
    // (customised by the API's gateway responses), or the client's error.
    let response =
        first_block.map(|h| response::at_block(h, &hops, api, &world.snap, &req.host, req.port));
    let first_block = first_block.map(|h| h.hop);
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
            aws_rounds: 0,
            elapsed_ms: started.elapsed().as_millis() as u64,
        },
        path,
    })
}
