//! One hop's result and the single way to build it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::evidence::{Deciding, PolicyEvidence, ResourceKind, ResourceRef};

/// The fifteen hops, in request order (rulebook H1–H15). Serialized in
/// kebab-case (`sg-egress`), as the `hoptrace.trace/v1` contract spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HopId {
    Instance,
    Dns,
    Route,
    SgEgress,
    NaclClient,
    NaclEndpoint,
    SgEndpoint,
    Endpoint,
    EndpointPolicy,
    Api,
    Stage,
    Waf,
    Authorization,
    ApiKey,
    Integration,
}

impl HopId {
    pub const ALL: [HopId; 15] = [
        HopId::Instance,
        HopId::Dns,
        HopId::Route,
        HopId::SgEgress,
        HopId::NaclClient,
        HopId::NaclEndpoint,
        HopId::SgEndpoint,
        HopId::Endpoint,
        HopId::EndpointPolicy,
        HopId::Api,
        HopId::Stage,
        HopId::Waf,
        HopId::Authorization,
        HopId::ApiKey,
        HopId::Integration,
    ];

    /// The hop's name in the JSON contract and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            HopId::Instance => "instance",
            HopId::Dns => "dns",
            HopId::Route => "route",
            HopId::SgEgress => "sg-egress",
            HopId::NaclClient => "nacl-client",
            HopId::NaclEndpoint => "nacl-endpoint",
            HopId::SgEndpoint => "sg-endpoint",
            HopId::Endpoint => "endpoint",
            HopId::EndpointPolicy => "endpoint-policy",
            HopId::Api => "api",
            HopId::Stage => "stage",
            HopId::Waf => "waf",
            HopId::Authorization => "authorization",
            HopId::ApiKey => "api-key",
            HopId::Integration => "integration",
        }
    }

    /// The rulebook's number for the hop: 1 for H1 `instance` … 15 for H15 `integration`.
    pub fn number(self) -> u8 {
        // The variants are declared in request order.
        self as u8 + 1
    }

    /// Position in a trace's hop list (0-based).
    pub fn index(self) -> usize {
        self.number() as usize - 1
    }

    pub fn parse(name: &str) -> Option<HopId> {
        HopId::ALL.into_iter().find(|h| h.as_str() == name)
    }
}

impl fmt::Display for HopId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` honours width and alignment (`{:<16}` in tables).
        f.pad(self.as_str())
    }
}

impl FromStr for HopId {
    type Err = String;
    fn from_str(s: &str) -> Result<HopId, String> {
        HopId::parse(s).ok_or_else(|| {
            let names: Vec<&str> = HopId::ALL.iter().map(|h| h.as_str()).collect();
            format!("no hop named {s:?} (hops: {})", names.join(", "))
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

pub use super::response::Response;

/// One hop's result. Built with [`Hop::new`] and the chained setters; the
/// serialized form is the `hoptrace.trace/v1` hop object.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub hop: HopId,
    pub verdict: Verdict,
    /// One sentence.
    pub reason: String,
    /// The AWS field (API call, resource, field and value) that decided the verdict.
    #[serde(serialize_with = "as_display")]
    pub deciding: Deciding,
    /// The resources this hop read (serialized as their ids).
    #[serde(serialize_with = "ids")]
    pub resources: Vec<ResourceRef>,
    pub notes: Vec<String>,
    /// The rulebook check that decided (`H5.2`); empty when none did.
    pub check: &'static str,
    /// What the client sees when this hop blocks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symptom: Option<String>,
    /// The HTTP response the client gets when this hop is the first to deny.
    #[serde(skip)]
    pub response: Option<Box<Response>>,
    /// The policies this hop evaluated, statement by statement.
    #[serde(skip)]
    pub policies: Vec<PolicyEvidence>,
    /// What the logs say about this hop, when logs were read with the
    /// trace (`hoptrace trace --logs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::logs::evidence::HopEvidence>,
    /// A deny that holds for some of the endpoint's addresses only (the
    /// others are blocked at another hop): the request is blocked, but
    /// which hop stops it depends on the address DNS returns.
    #[serde(skip)]
    pub partial: bool,
}

fn as_display<S: Serializer>(d: &Deciding, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

fn ids<S: Serializer>(r: &[ResourceRef], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(r.iter().map(|r| r.id.as_str()))
}

impl Hop {
    pub fn new(
        hop: HopId,
        verdict: Verdict,
        check: &'static str,
        reason: impl Into<String>,
    ) -> Hop {
        Hop {
            hop,
            verdict,
            reason: reason.into(),
            deciding: Deciding::default(),
            resources: Vec::new(),
            notes: Vec::new(),
            check,
            symptom: None,
            response: None,
            policies: Vec::new(),
            evidence: None,
            partial: false,
        }
    }
    /// Skipped because an earlier hop failed: its verdict was never worked
    /// out (not "does not apply").
    pub fn not_evaluated(&self) -> bool {
        self.verdict == Verdict::Skip
            && self.check.is_empty()
            && self.reason.starts_with(crate::trace::ctx::NOT_EVALUABLE)
    }
    /// Sets the verdict and the rulebook check that decided it.
    pub fn decide(mut self, verdict: Verdict, check: &'static str) -> Hop {
        self.verdict = verdict;
        self.check = check;
        self
    }
    pub fn verdict_is(mut self, verdict: Verdict) -> Hop {
        self.verdict = verdict;
        self
    }
    pub fn check_id(mut self, check: &'static str) -> Hop {
        self.check = check;
        self
    }
    pub fn reason(mut self, r: impl Into<String>) -> Hop {
        self.reason = r.into();
        self
    }
    /// Takes the verdict, check, reason and deciding field of `finding`, a
    /// result for part of what this hop checks.
    pub fn outcome(mut self, finding: &Hop) -> Hop {
        self.verdict = finding.verdict;
        self.check = finding.check;
        self.reason = finding.reason.clone();
        self.deciding = finding.deciding.clone();
        self
    }
    pub fn deciding(mut self, d: impl Into<Deciding>) -> Hop {
        self.deciding = d.into();
        self
    }
    /// Records a resource the hop read (once; empty ids are ignored).
    pub fn read(mut self, kind: ResourceKind, id: impl AsRef<str>) -> Hop {
        self.add_resource(ResourceRef::new(kind, id.as_ref()));
        self
    }
    pub fn add_resource(&mut self, r: ResourceRef) {
        if !r.id.is_empty() && !self.resources.iter().any(|x| x.id == r.id) {
            self.resources.push(r);
        }
    }
    pub fn note(mut self, n: impl Into<String>) -> Hop {
        self.notes.push(n.into());
        self
    }
    pub fn notes(mut self, n: impl IntoIterator<Item = String>) -> Hop {
        self.notes.extend(n);
        self
    }
    pub fn symptom(mut self, s: impl Into<String>) -> Hop {
        self.symptom = Some(s.into());
        self
    }
    /// The HTTP response the client gets if this hop denies.
    pub fn respond(mut self, r: Response) -> Hop {
        self.response = Some(Box::new(r));
        self
    }
    /// Records a policy the hop evaluated; its owner is a resource it read.
    pub fn policy(mut self, p: PolicyEvidence) -> Hop {
        self.add_resource(p.owner.clone());
        self.policies.push(p);
        self
    }
    /// Adds the policies another result for this hop evaluated, after its own.
    pub fn policies(self, p: impl IntoIterator<Item = PolicyEvidence>) -> Hop {
        p.into_iter().fold(self, Hop::policy)
    }
    /// The hop's resources and notes start with these (the context of the
    /// result, before what decided it).
    pub fn preceded_by(mut self, resources: Vec<ResourceRef>, notes: Vec<String>) -> Hop {
        let mut r = resources;
        for x in self.resources.drain(..) {
            if !r.iter().any(|y| y.id == x.id) {
                r.push(x);
            }
        }
        self.resources = r;
        self.notes.splice(0..0, notes);
        self
    }
    /// The same result under another hop's name (for per-path results that
    /// are later aggregated into several hops).
    pub fn renamed(mut self, hop: HopId) -> Hop {
        self.hop = hop;
        self
    }
    /// The resources this hop read, of one kind.
    pub fn resources_of(&self, kind: ResourceKind) -> impl Iterator<Item = &ResourceRef> {
        self.resources.iter().filter(move |r| r.kind == kind)
    }
    /// The policy document and statement that decided the verdict, if a
    /// policy statement did.
    pub fn deciding_statement(&self) -> Option<(&PolicyEvidence, usize)> {
        self.policies
            .iter()
            .find_map(|p| p.decided(&self.deciding).map(|i| (p, i)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_ids_number_and_spell_the_rulebook_hops() {
        assert_eq!(HopId::ALL.len(), 15);
        assert_eq!(HopId::Instance.number(), 1);
        assert_eq!(HopId::Integration.number(), 15);
        assert_eq!(HopId::SgEgress.as_str(), "sg-egress");
        assert_eq!(format!("{:<10}|", HopId::Dns), "dns       |");
        assert_eq!("api-key".parse::<HopId>(), Ok(HopId::ApiKey));
        assert!("api_key".parse::<HopId>().is_err());
        for h in HopId::ALL {
            assert_eq!(HopId::ALL[h.index()], h);
        }
    }

    #[test]
    fn the_builder_keeps_the_response_out_of_the_json() {
        let h = Hop::new(HopId::Authorization, Verdict::Deny, "H13.1", "no policy")
            .read(ResourceKind::RestApi, "a1")
            .read(ResourceKind::RestApi, "a1")
            .respond(Response::http(403, "AccessDeniedException", "m", None));
        assert_eq!(h.resources.len(), 1);
        let v = serde_json::to_value(&h).unwrap();
        assert_eq!(v["hop"], "authorization");
        assert_eq!(v["resources"], serde_json::json!(["a1"]));
        assert_eq!(v["deciding"], "");
        assert!(v.get("response").is_none());
        assert!(v.get("policies").is_none());
        assert_eq!(h.response.as_ref().and_then(|r| r.status), Some(403));
    }
}
