//! What a running full discovery has read so far: counts per kind for the
//! TUI's header, and the data landed so far as a partial [`Snapshot`] that
//! can be browsed and traced while the rest is read.
//!
//! A partial snapshot never claims more than it holds: a collection counts
//! as read (`captured: true`) only once every page of it landed, and every
//! other collection is marked not read yet, so a hop that needs it answers
//! `unknown` ("not read yet") instead of treating "not landed" as "none".

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;

use super::calls::CallError;
use super::full::COLLECTIONS;
use crate::model::{Snapshot, NOT_READ_YET, SNAPSHOT_SCHEMA};

/// How far one kind of resource is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindState {
    Waiting,
    Reading,
    Done,
    /// The call that lists them failed (its error code).
    Failed(String),
}

/// One line of progress: `instances 1,200/…`, `apis 12/50`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    pub label: &'static str,
    /// Items read so far.
    pub read: usize,
    /// How many there are, when that is known before they are all read.
    pub total: Option<usize>,
    pub state: KindState,
}

impl Kind {
    /// `instances 1,200/…`, `apis 12/50`, `sgs 200`, `nacls: AccessDenied`.
    pub fn summary(&self) -> String {
        let read = thousands(self.read);
        match (&self.state, self.total) {
            (KindState::Failed(code), _) => format!("{}: {code}", self.label),
            (KindState::Done, _) => format!("{} {read}", self.label),
            (_, Some(t)) => format!("{} {read}/{}", self.label, thousands(t)),
            (_, None) => format!("{} {read}/…", self.label),
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The kinds shown, in order, with the list call that counts them (`None`:
/// counted by discovery itself, see [`Progress::total`]).
const KINDS: &[(&str, Option<&str>)] = &[
    ("instances", Some("ec2:DescribeInstances")),
    ("vpcs", Some("ec2:DescribeVpcs")),
    ("subnets", Some("ec2:DescribeSubnets")),
    ("route tables", Some("ec2:DescribeRouteTables")),
    ("nacls", Some("ec2:DescribeNetworkAcls")),
    ("sgs", Some("ec2:DescribeSecurityGroups")),
    ("endpoints", Some("ec2:DescribeVpcEndpoints")),
    ("prefix lists", Some("ec2:DescribeManagedPrefixLists")),
    ("peerings", Some("ec2:DescribeVpcPeeringConnections")),
    ("dhcp options", Some("ec2:DescribeDhcpOptions")),
    ("flow logs", Some("ec2:DescribeFlowLogs")),
    ("apis", None),
    ("vpc links", Some("apigateway:GetVpcLinks")),
    ("domains", Some("apigateway:GetDomainNames")),
    ("usage plans", Some("apigateway:GetUsagePlans")),
    ("api keys", Some("apigateway:GetApiKeys")),
    ("iam and lambda", None),
];

/// The lists whose items are whole as soon as their own page lands (no
/// later call adds to them that a hop would miss without saying so): they
/// land page by page. The rest land when their part of discovery ends.
const LAND_BY_PAGE: &[&str] = &[
    "ec2:DescribeInstances",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeRouteTables",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeDhcpOptions",
];

#[derive(Debug, Default)]
struct Board {
    kinds: Vec<Kind>,
    /// Items landed so far, per snapshot collection.
    landed: BTreeMap<&'static str, Vec<Value>>,
    /// Collections whose every item has landed.
    whole: BTreeSet<&'static str>,
    errors: Vec<CallError>,
    who: Option<(String, String, String)>,
    /// Bumped on every change, so a reader can tell whether to look again.
    version: u64,
}

/// Shared between a running discovery (which reports into it) and the
/// screen (which reads it). Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct Progress(Arc<Mutex<Board>>);

fn collection_of(call: &str) -> Option<&'static str> {
    COLLECTIONS
        .iter()
        .find(|(c, _)| *c == call)
        .map(|(_, coll)| *coll)
}

fn label_of(call: &str) -> Option<&'static str> {
    KINDS
        .iter()
        .find(|(_, c)| *c == Some(call))
        .map(|(l, _)| *l)
}

impl Progress {
    pub fn new() -> Progress {
        let board = Board {
            kinds: KINDS
                .iter()
                .map(|(label, _)| Kind {
                    label,
                    read: 0,
                    total: None,
                    state: KindState::Waiting,
                })
                .collect(),
            ..Board::default()
        };
        Progress(Arc::new(Mutex::new(board)))
    }

    fn with<T>(&self, f: impl FnOnce(&mut Board) -> T) -> Option<T> {
        // A poisoned board only loses progress display, never the discovery.
        self.0.lock().ok().map(|mut b| f(&mut b))
    }

    fn kind<'b>(b: &'b mut Board, label: &str) -> Option<&'b mut Kind> {
        b.kinds.iter_mut().find(|k| k.label == label)
    }

    /// The version of what is shown; it changes whenever anything does.
    pub fn version(&self) -> u64 {
        self.with(|b| b.version).unwrap_or(0)
    }

    /// Per kind, in display order.
    pub fn kinds(&self) -> Vec<Kind> {
        self.with(|b| b.kinds.clone()).unwrap_or_default()
    }

    pub(super) fn identified(&self, account: &str, caller_arn: &str, region: &str) {
        self.with(|b| {
            b.who = Some((account.into(), caller_arn.into(), region.into()));
            b.version += 1;
        });
    }

    /// A page of `call` is being asked for.
    pub(super) fn asking(&self, call: &str) {
        let Some(label) = label_of(call) else { return };
        self.with(|b| {
            if let Some(k) = Self::kind(b, label) {
                if k.state == KindState::Waiting {
                    k.state = KindState::Reading;
                    b.version += 1;
                }
            }
        });
    }

    /// A page of `call` was read, with these items (mapped to the model).
    pub(super) fn page<U: Serialize>(&self, call: &str, items: &[U]) {
        let label = label_of(call);
        let land = LAND_BY_PAGE
            .contains(&call)
            .then(|| collection_of(call))
            .flatten();
        if label.is_none() && land.is_none() {
            return;
        }
        let values: Vec<Value> = match land {
            Some(_) => items
                .iter()
                .filter_map(|i| serde_json::to_value(i).ok())
                .collect(),
            None => Vec::new(),
        };
        self.with(|b| {
            if let Some(k) = label.and_then(|l| Self::kind(b, l)) {
                k.read += items.len();
                k.state = KindState::Reading;
            }
            if let Some(c) = land {
                b.landed.entry(c).or_default().extend(values);
            }
            b.version += 1;
        });
    }

    /// Every page of `call` was read.
    pub(super) fn listed(&self, call: &str) {
        self.with(|b| {
            if let Some(k) = label_of(call).and_then(|l| Self::kind(b, l)) {
                if k.state != KindState::Done {
                    k.state = KindState::Done;
                }
            }
            if let Some(c) = LAND_BY_PAGE
                .contains(&call)
                .then(|| collection_of(call))
                .flatten()
            {
                b.whole.insert(c);
            }
            b.version += 1;
        });
    }

    pub(super) fn failed(&self, e: &CallError) {
        self.with(|b| {
            if let Some(k) = label_of(&e.call).and_then(|l| Self::kind(b, l)) {
                k.state = KindState::Failed(e.code.clone());
            }
            b.errors.push(e.clone());
            b.version += 1;
        });
    }

    /// Discovery knows how many of `label` there are (`apis`: listed, their
    /// details still to read).
    pub(super) fn total(&self, label: &str, n: usize) {
        self.with(|b| {
            if let Some(k) = Self::kind(b, label) {
                k.total = Some(n);
                k.state = if n == 0 {
                    KindState::Done
                } else {
                    KindState::Reading
                };
            }
            b.version += 1;
        });
    }

    /// One more of `label` was read whole; it lands in `collection` now.
    pub(super) fn one<U: Serialize>(&self, label: &str, collection: &'static str, item: &U) {
        let value = serde_json::to_value(item).ok();
        self.with(|b| {
            if let Some(k) = Self::kind(b, label) {
                k.read += 1;
                if k.total.is_some_and(|t| k.read >= t) {
                    k.state = KindState::Done;
                }
            }
            b.landed.entry(collection).or_default().extend(value);
            b.version += 1;
        });
    }

    /// A kind counted by discovery itself starts or ends.
    pub(super) fn state(&self, label: &str, state: KindState) {
        self.with(|b| {
            if let Some(k) = Self::kind(b, label) {
                k.state = state;
            }
            b.version += 1;
        });
    }

    /// A whole collection is read: it replaces whatever of it landed.
    pub(super) fn land<U: Serialize>(&self, collection: &'static str, items: &[U]) {
        let values: Vec<Value> = items
            .iter()
            .filter_map(|i| serde_json::to_value(i).ok())
            .collect();
        self.with(|b| {
            b.landed.insert(collection, values);
            b.whole.insert(collection);
            b.version += 1;
        });
    }

    /// What has landed so far, as a snapshot whose `captured` marks every
    /// collection not yet whole as not read; `None` before the account is
    /// known.
    pub fn snapshot(&self) -> Option<Snapshot> {
        let value = self.with(|b| {
            let (account, caller_arn, region) = b.who.clone()?;
            let mut captured = serde_json::Map::new();
            let mut errors: Vec<Value> = Vec::new();
            let mut seen = BTreeSet::new();
            for e in &b.errors {
                let collection = collection_of(&e.call);
                if let Some(c) = collection {
                    captured.insert(c.into(), Value::Bool(false));
                    seen.insert(c);
                }
                errors.push(serde_json::json!({
                    "call": e.call, "code": e.code, "message": e.message,
                    "collection": collection, "resource": e.resource,
                }));
            }
            for (call, c) in COLLECTIONS {
                if !seen.insert(c) {
                    continue;
                }
                let whole = b.whole.contains(c);
                captured.insert((*c).into(), Value::Bool(whole));
                if !whole {
                    errors.push(serde_json::json!({
                        "call": call, "code": NOT_READ_YET,
                        "message": "discovery is still reading", "collection": c,
                    }));
                }
            }
            let mut snap = serde_json::json!({
                "schema": SNAPSHOT_SCHEMA,
                "account": account,
                "region": region,
                "partition": super::full::partition(&caller_arn, &region),
                "captured_at": chrono::Utc::now()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "captured": captured,
                "errors": errors,
            });
            if let Some(obj) = snap.as_object_mut() {
                for (c, items) in &b.landed {
                    obj.insert((*c).into(), Value::Array(items.clone()));
                }
            }
            Some(snap)
        })??;
        match serde_json::from_value::<Snapshot>(value) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(error = %e, "partial snapshot does not load");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ec2 as m;
    use crate::model::ReadState;

    fn sg(id: &str) -> m::SecurityGroup {
        serde_json::from_value(serde_json::json!({"GroupId": id, "VpcId": "vpc-1"}))
            .expect("a security group")
    }

    #[test]
    fn counts_read_with_unknown_and_known_totals() {
        let p = Progress::new();
        p.page("ec2:DescribeInstances", &[1, 2, 3]);
        p.total("apis", 50);
        for _ in 0..12 {
            p.one("apis", "rest_apis", &serde_json::json!({}));
        }
        let kinds = p.kinds();
        let get = |l: &str| kinds.iter().find(|k| k.label == l).cloned().unwrap();
        assert_eq!(get("instances").summary(), "instances 3/…");
        assert_eq!(get("apis").summary(), "apis 12/50");
        p.listed("ec2:DescribeInstances");
        assert_eq!(
            p.kinds()
                .iter()
                .find(|k| k.label == "instances")
                .unwrap()
                .summary(),
            "instances 3"
        );
        assert_eq!(thousands(1_200), "1,200");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_partial_snapshot_claims_only_what_landed_whole() {
        let p = Progress::new();
        assert!(p.snapshot().is_none(), "no account yet");
        p.identified(
            "111122223333",
            "arn:aws:iam::111122223333:user/u",
            "us-east-1",
        );
        p.page("ec2:DescribeSecurityGroups", &[sg("sg-1")]);
        let s = p.snapshot().expect("a snapshot");
        assert_eq!(s.security_groups.len(), 1, "a landed page is browsable");
        // Not whole yet: a missing group is "not read yet", not "none".
        match s.read_state("security_groups") {
            ReadState::NotRead(Some(e)) => {
                assert_eq!(e.code.as_deref(), Some(NOT_READ_YET));
                assert!(e.to_string().contains("not read yet"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        p.listed("ec2:DescribeSecurityGroups");
        let s = p.snapshot().expect("a snapshot");
        assert_eq!(s.read_state("security_groups"), ReadState::Read);
        assert!(matches!(s.read_state("rest_apis"), ReadState::NotRead(_)));
        // A failed list is not read, with its own error.
        p.failed(&CallError {
            call: "ec2:DescribeNetworkAcls".into(),
            code: "UnauthorizedOperation".into(),
            message: "no".into(),
            resource: None,
        });
        let s = p.snapshot().expect("a snapshot");
        match s.read_state("network_acls") {
            ReadState::NotRead(Some(e)) => {
                assert_eq!(e.code.as_deref(), Some("UnauthorizedOperation"))
            }
            other => panic!("{other:?}"),
        }
        let nacls = p.kinds().into_iter().find(|k| k.label == "nacls").unwrap();
        assert_eq!(nacls.summary(), "nacls: UnauthorizedOperation");
    }
}
