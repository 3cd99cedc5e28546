//! Connectivity intents: which instances must reach which private APIs,
//! and which must not, written down in YAML and checked end to end with the
//! trace engine (every selected instance traced through reach's shared
//! evaluation). Pure: the world in, results out.
//!
//! The file is read with `serde-saphyr`: a maintained, pure-Rust YAML
//! deserializer (no C library, no `unsafe` parser) that refuses to panic
//! on bad input and reports every error with its line and column, which
//! is what a CI user fixing a typo needs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_saphyr::{Location, Spanned};

use crate::model::ec2::Instance;
use crate::model::World;
use crate::reach::{self, Member};
use crate::trace::{HopId, Overall, Request, TlsVersion};

pub const CHECK_SCHEMA: &str = "hoptrace.check/v1";

/// Which instances an intent is about. One key, as in `{tag: "Role=web"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Instance(String),
    Instances(Vec<String>),
    /// `Key=Value`
    Tag(String),
    Subnet(String),
    Vpc(String),
    SecurityGroup(String),
}

impl Selector {
    /// The resource ids the selector names (none for a tag).
    pub fn ids(&self) -> Vec<&str> {
        match self {
            Selector::Instances(v) => v.iter().map(String::as_str).collect(),
            Selector::Instance(x)
            | Selector::Subnet(x)
            | Selector::Vpc(x)
            | Selector::SecurityGroup(x) => vec![x.as_str()],
            Selector::Tag(_) => Vec::new(),
        }
    }

    /// `tag Role=web`, `instance i-0abc`: how the selector reads in messages.
    pub fn describe(&self) -> String {
        match self {
            Selector::Instance(i) => format!("instance {i}"),
            Selector::Instances(v) => format!("instances {}", v.join(", ")),
            Selector::Tag(t) => format!("tag {t}"),
            Selector::Subnet(s) => format!("subnet {s}"),
            Selector::Vpc(v) => format!("vpc {v}"),
            Selector::SecurityGroup(g) => format!("security-group {g}"),
        }
    }
}

/// `from` as written: every selector key optional, so that an unknown key
/// is named by the parser and the count of keys is checked after.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct SelectorSpec {
    instance: Option<String>,
    instances: Option<Vec<String>>,
    tag: Option<String>,
    subnet: Option<String>,
    vpc: Option<String>,
    security_group: Option<String>,
}

const SELECTORS: &str = "instance, instances, tag, subnet, vpc or security-group";

impl SelectorSpec {
    /// The one selector, its id checked for its kind.
    fn selector(self) -> Result<Selector, String> {
        let mut given = Vec::new();
        let mut push = |key: &'static str, s: Option<Selector>| {
            if let Some(s) = s {
                given.push((key, s));
            }
        };
        push("instance", self.instance.map(Selector::Instance));
        push("instances", self.instances.map(Selector::Instances));
        push("tag", self.tag.map(Selector::Tag));
        push("subnet", self.subnet.map(Selector::Subnet));
        push("vpc", self.vpc.map(Selector::Vpc));
        push(
            "security-group",
            self.security_group.map(Selector::SecurityGroup),
        );
        match given.len() {
            0 => Err(format!("`from` needs a selector: {SELECTORS}")),
            1 => {
                let (_, s) = given.remove(0);
                check_selector(&s)?;
                Ok(match s {
                    // One id named twice is one member.
                    Selector::Instances(ids) => {
                        let mut seen = std::collections::BTreeSet::new();
                        Selector::Instances(
                            ids.into_iter().filter(|x| seen.insert(x.clone())).collect(),
                        )
                    }
                    s => s,
                })
            }
            _ => Err(format!(
                "`from` takes exactly one selector; this one has {}",
                given.iter().map(|g| g.0).collect::<Vec<_>>().join(" and ")
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Reachable,
    Blocked,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    intents: Vec<Spanned<IntentSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentSpec {
    name: String,
    from: Spanned<SelectorSpec>,
    to: Spanned<String>,
    #[serde(default)]
    method: Option<Spanned<String>>,
    #[serde(default)]
    headers: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default, deserialize_with = "strict_bool")]
    sigv4: bool,
    #[serde(default)]
    tls: Option<Spanned<String>>,
    expect: Expect,
    #[serde(default)]
    at: Option<Spanned<String>>,
}

/// `true` or `false` as YAML writes them, not a string that reads like
/// one (`"yes"`, `"off"`): a quoted word is more likely a mistake.
fn strict_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct Strict;
    impl serde::de::Visitor<'_> for Strict {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("true or false")
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
    }
    d.deserialize_any(Strict)
}

/// One intent, checked for sense: the request parses, the hop exists.
#[derive(Debug, Clone)]
pub struct Intent {
    pub name: String,
    pub from: Selector,
    /// The request every selected instance sends (its `from` is replaced).
    pub request: Request,
    pub expect: Expect,
    pub at: Option<HopId>,
    /// Where the intent starts in the file (1-based line).
    pub line: u64,
}

/// A file that cannot be checked: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct FileError {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

fn at(loc: Location, message: impl Into<String>) -> FileError {
    FileError {
        line: loc.line(),
        column: loc.column(),
        message: message.into(),
    }
}

/// Read an intents file.
pub fn parse(text: &str) -> Result<Vec<Intent>, FileError> {
    let spec: FileSpec = serde_saphyr::from_str(text).map_err(|e| {
        let loc = e.location();
        // The message alone: the caller names the file, line and column.
        let raw = e.without_snippet().to_string();
        let mut message = plain_message(raw.lines().next().unwrap_or(""), text);
        // `from: tag`: a word where the selector's mapping belongs.
        let line = loc.and_then(|l| text.lines().nth((l.line() as usize).checked_sub(1)?));
        // The key on that line, for a message about its own shape.
        let key = line
            .map(|l| l.trim_start().trim_start_matches("- "))
            .and_then(|l| l.split_once(':'))
            .map_or("", |(k, _)| k.trim());
        if message.starts_with("expected a mapping here") {
            match key {
                "from" => message = from_shape(),
                "headers" => {
                    message = "`headers` takes a mapping of names to values, such as \
                               {x-api-key: \"...\"}"
                        .into()
                }
                _ => {}
            }
        }
        // Which list was expected, with an example.
        if message == "expected a list here" {
            let l = line.unwrap_or("");
            if l.contains("instances") {
                message.push_str(": `instances` takes ids, such as [i-0abc, i-0def]");
            } else if key == "intents" {
                message.push_str(": `intents:` takes a list of intents, each starting `- name:`");
            }
        }
        // An error of the whole document (a `null` file) has no place of
        // its own: its start.
        FileError {
            line: loc.map_or(1, |l| l.line().max(1)),
            column: loc.map_or(1, |l| l.column().max(1)),
            message,
        }
    })?;
    if spec.intents.is_empty() {
        return Err(FileError {
            line: 1,
            column: 1,
            message: "no intents: `intents:` lists none".into(),
        });
    }
    let mut out = Vec::with_capacity(spec.intents.len());
    let mut names = BTreeMap::new();
    for item in spec.intents {
        let loc = item.referenced;
        let i = item.value;
        // A block scalar (`name: |`) ends in a newline: not part of the name.
        let name = i.name.trim().to_string();
        if name.is_empty() {
            return Err(at(loc, "an intent needs a `name`"));
        }
        if name.chars().any(char::is_control) {
            return Err(at(
                loc,
                format!("`name` must be one line of text, without control characters: {name:?}"),
            ));
        }
        if let Some(first) = names.insert(name.clone(), loc.line()) {
            return Err(at(
                loc,
                format!("intent name {name:?} is used twice (first on line {first})"),
            ));
        }
        let from_loc = i.from.referenced;
        let from = i.from.value.selector().map_err(|m| at(from_loc, m))?;
        let tls = match &i.tls {
            Some(t) => TlsVersion::parse(&t.value).map_err(|e| at(t.referenced, e.to_string()))?,
            None => TlsVersion::V1_2,
        };
        if let Some(h) = &i.headers {
            let mut seen = std::collections::BTreeSet::new();
            if let Some(k) = h
                .value
                .keys()
                .find(|k| !seen.insert(k.to_ascii_lowercase()))
            {
                return Err(at(
                    h.referenced,
                    format!("`headers`: {k:?} appears twice (header names ignore letter case)"),
                ));
            }
        }
        let headers: Vec<String> = i
            .headers
            .as_ref()
            .map(|h| h.value.iter().map(|(k, v)| format!("{k}: {v}")).collect())
            .unwrap_or_default();
        let method = i.method.as_ref().map_or("GET", |m| m.value.as_str());
        let request =
            Request::new("", method, &i.to.value, &headers, i.sigv4, tls).map_err(|e| {
                // Placed at the key the error is about.
                use crate::trace::RequestError as E;
                match (&e, &i.headers, &i.method) {
                    (E::Header(_) | E::HeaderValue(_), Some(h), _) => {
                        at(h.referenced, format!("`headers`: {e}"))
                    }
                    (E::Method(_), _, Some(m)) => at(m.referenced, format!("`method`: {e}")),
                    _ => at(i.to.referenced, format!("`to`: {e}")),
                }
            })?;
        let hop = match &i.at {
            None => None,
            Some(h) => {
                if i.expect == Expect::Reachable {
                    return Err(at(
                        h.referenced,
                        "`at` names the hop that must block: it goes with `expect: blocked`",
                    ));
                }
                let hop = h
                    .value
                    .parse::<HopId>()
                    .map_err(|e| at(h.referenced, format!("`at`: {e}")))?;
                if hop == HopId::Instance {
                    return Err(at(
                        h.referenced,
                        "`at: instance` can never hold: check traces running instances, and \
                         the instance hop blocks only those that are not running (a selector \
                         that picks none is a violation of its own)",
                    ));
                }
                Some(hop)
            }
        };
        out.push(Intent {
            name,
            from,
            request,
            expect: i.expect,
            at: hop,
            line: loc.line(),
        });
    }
    Ok(out)
}

fn from_shape() -> String {
    format!("`from` takes a mapping with one selector, such as {{tag: \"Role=web\"}} ({SELECTORS})")
}

/// The parser's message in the file's terms: without its own position
/// (the caller gives one), and with the selector's shape said plainly.
fn plain_message(raw: &str, text: &str) -> String {
    let mut m = raw.trim().to_string();
    if let Some(i) = m.rfind(" at line ") {
        if m[i..].contains(", column ") {
            m.truncate(i);
        }
    }
    if m.contains("SelectorSpec") {
        return from_shape();
    }
    if m.contains("unknown field") && m.contains("expected one of instance, instances") {
        let key = m.split('`').nth(1).unwrap_or("");
        return format!("`from`: no selector named `{key}` (selectors: {SELECTORS})");
    }
    if m.contains("expected a sequence") || m.contains("expected sequence") {
        return "expected a list here".into();
    }
    if m.contains("budget") {
        return "the file is too large or too deeply nested to read".into();
    }
    let blank = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if blank {
        return "the file is empty: it needs `intents:` and a list of intents".into();
    }
    if m.contains("DuplicateKeyPolicy") || m.to_ascii_lowercase().contains("duplicate") {
        return "a key appears twice in one mapping".into();
    }
    if m.contains("null") {
        return "a value is missing here (null where text or a list is needed)".into();
    }
    if m.contains("from_multiple") {
        return "the file holds several YAML documents: put every intent under one `intents:`"
            .into();
    }
    if m.contains("expected mapping start") {
        return "expected a mapping here: the file is `intents:` and a list of intents, each a mapping of keys".into();
    }
    if m.contains("invalid boolean") {
        return "expected true or false".into();
    }
    if m.is_empty() {
        "not a valid intents file".into()
    } else {
        m
    }
}

fn check_selector(s: &Selector) -> Result<(), String> {
    let empty = match s {
        Selector::Instances(v) => v.is_empty() || v.iter().any(|x| x.trim().is_empty()),
        Selector::Instance(x)
        | Selector::Tag(x)
        | Selector::Subnet(x)
        | Selector::Vpc(x)
        | Selector::SecurityGroup(x) => x.trim().is_empty(),
    };
    let kind = s.describe();
    let kind = kind.split(' ').next().unwrap_or("");
    if empty {
        return Err(match s {
            Selector::Instances(v) if !v.is_empty() => {
                "`from`: an id in `instances` is empty".to_string()
            }
            _ => format!("`from`: the `{kind}` selector is empty"),
        });
    }
    // An id of another kind (`vpc: subnet-...`) can only match nothing.
    let (prefix, what) = match s {
        Selector::Instance(_) | Selector::Instances(_) => ("i-", "an instance id (i-...)"),
        Selector::Subnet(_) => ("subnet-", "a subnet id (subnet-...)"),
        Selector::Vpc(_) => ("vpc-", "a VPC id (vpc-...)"),
        Selector::SecurityGroup(_) => ("sg-", "a security group id (sg-...)"),
        Selector::Tag(_) => ("", ""),
    };
    if let Some(bad) = s.ids().into_iter().find(|x| !x.starts_with(prefix)) {
        return Err(format!("`from`: `{kind}` takes {what}, not {bad:?}"));
    }
    if let Selector::Tag(t) = s {
        match t.split_once('=') {
            None => return Err(format!("`from`: tag {t:?} is not Key=Value")),
            Some((k, _)) if k.trim().is_empty() => {
                return Err(format!("`from`: tag {t:?} has no key (Key=Value)"))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The instances a selector picks, running or not.
fn select<'w>(w: &'w World, s: &Selector) -> Vec<&'w Instance> {
    let all = w.snap.instances.iter();
    match s {
        Selector::Instance(id) => all.filter(|i| &i.instance_id == id).collect(),
        Selector::Instances(ids) => all.filter(|i| ids.contains(&i.instance_id)).collect(),
        Selector::Tag(kv) => {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            all.filter(|i| i.tags.iter().any(|t| t.key == k && t.value == v))
                .collect()
        }
        Selector::Subnet(id) => all.filter(|i| i.subnet_id.as_deref() == Some(id)).collect(),
        Selector::Vpc(id) => all.filter(|i| &reach::vpc_of(w, i) == id).collect(),
        Selector::SecurityGroup(id) => all
            .filter(|i| {
                i.security_groups.iter().any(|g| &g.group_id == id)
                    || i.network_interfaces
                        .iter()
                        .any(|e| e.groups.iter().any(|g| &g.group_id == id))
            })
            .collect(),
    }
}

/// Why a selector picks no running instance, with a hint where one helps
/// (a tag that matches with other letter case, an id not in the world).
fn nothing_selected(w: &World, s: &Selector, picked: &[&Instance]) -> String {
    let stopped = picked.len();
    let verb = if matches!(s, Selector::Instances(_)) {
        "match"
    } else {
        "matches"
    };
    let mut why = format!("{} {verb} no running instance", s.describe());
    if stopped > 0 {
        why.push_str(&format!(
            " ({stopped} matched, none running: {})",
            picked
                .iter()
                .map(|i| format!("{} {}", i.instance_id, i.state.name))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        // Named ids go on to say which are not in the world at all.
        if !matches!(s, Selector::Instances(_)) {
            return why;
        }
    }
    match s {
        Selector::Tag(kv) => {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let near: Vec<String> = w
                .snap
                .instances
                .iter()
                .flat_map(|i| i.tags.iter())
                .filter(|t| t.key.eq_ignore_ascii_case(k) && t.value.eq_ignore_ascii_case(v))
                .map(|t| format!("{}={}", t.key, t.value))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            if !near.is_empty() {
                why.push_str(&format!(
                    "; tags match letter case exactly: did you mean {}?",
                    near.join(" or ")
                ));
            }
        }
        _ => {
            // The ids the selector names that the world does not have.
            let known = |id: &str| match s {
                Selector::Instance(_) | Selector::Instances(_) => w.instance(id).is_some(),
                Selector::Subnet(_) => w.subnet(id).is_some(),
                Selector::Vpc(_) => w.vpc(id).is_some(),
                Selector::SecurityGroup(_) => w.security_group(id).is_some(),
                Selector::Tag(_) => true,
            };
            let missing: Vec<&str> = s.ids().into_iter().filter(|x| !known(x)).collect();
            match missing.len() {
                0 => {}
                1 => why.push_str(&format!("; {} is not in this world", missing[0])),
                _ => why.push_str(&format!("; {} are not in this world", missing.join(", "))),
            }
        }
    }
    why
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Held,
    Violated,
    Undetermined,
}

impl Status {
    pub fn glyph(self) -> &'static str {
        match self {
            Status::Held => "✓",
            Status::Violated => "✗",
            Status::Undetermined => "?",
        }
    }
}

/// A member whose verdict is not the expected one.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    pub instance: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub verdict: Overall,
    pub first_block: Option<HopId>,
    /// The hop that decided (the first block, else the first unknown).
    pub hop: Option<HopId>,
    pub deciding: String,
    /// Its group in [`IntentResult::clusters`].
    #[serde(skip)]
    pub cluster: usize,
}

/// Members that went the same wrong way, for the one-line summary.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub verdict: Overall,
    pub hop: Option<HopId>,
    pub deciding: String,
    pub count: usize,
    /// The hop the intent says must block, when it names one.
    #[serde(skip)]
    pub expected_at: Option<HopId>,
    /// The members' hop sets ([`reach::Outcome::sets`]).
    #[serde(skip)]
    pub sets: reach::HopSets,
    /// reach's deciding field, with `<instance>`/`<address>` (`deciding`
    /// has a lone member's own).
    #[serde(skip)]
    pub raw: String,
}

impl Cluster {
    /// `2 of 14 blocked at sg-endpoint: <deciding>`
    pub fn line(&self, total: usize) -> String {
        let what = self.what();
        if self.deciding.is_empty() {
            format!("{} of {total} {what}", self.count)
        } else {
            format!("{} of {total} {what}: {}", self.count, self.deciding)
        }
    }

    /// `blocked at sg-endpoint after nacl-client unknown (not at dns)`:
    /// the verdict, where, and what it means for the intent's `at`.
    pub fn what(&self) -> String {
        let sets = &self.sets;
        let mut what = match (self.verdict, self.hop) {
            (Overall::Reachable, _) | (_, None) => self.verdict.as_str().to_string(),
            (v, Some(h)) => format!("{} at {h}", v.as_str()),
        };
        if let (Overall::Blocked, Some(b)) = (self.verdict, self.hop) {
            if sets.partial(b) {
                what.push_str(" for some endpoint addresses");
            }
            // An unknown hop before the block may have dropped it first.
            if let Some(u) = sets.unknown_before(b) {
                what.push_str(&format!(" after {u} unknown"));
            }
        }
        let want = self
            .expected_at
            .filter(|w| self.verdict != Overall::Reachable && Some(*w) != self.hop);
        if let Some(want) = want {
            let blocked_before = self.verdict == Overall::Blocked
                && self.hop.is_some_and(|b| b < want && !sets.partial(b));
            if blocked_before {
                what.push_str(&format!(" (not at {want})"));
            } else if sets.unknown(want) || sets.denies(want) {
                what.push_str(&format!(" (may be at {want})"));
            } else if self.verdict == Overall::Undetermined {
                what.push_str(&format!(" ({want} does not block)"));
            } else {
                what.push_str(&format!(" (not at {want})"));
            }
        }
        what
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct IntentResult {
    pub name: String,
    pub from: String,
    pub to: String,
    pub method: String,
    pub expect: Expect,
    pub at: Option<HopId>,
    pub status: Status,
    pub holds: bool,
    /// Running instances the selector picked (each traced).
    pub members: usize,
    /// Why the intent fails before any trace (a selector that picks no
    /// running instance).
    pub problem: Option<String>,
    pub violations: Vec<Violation>,
    /// Members whose verdict could not be decided.
    pub undetermined: Vec<Violation>,
    /// Violations (else undetermined members) grouped by hop and deciding field.
    pub clusters: Vec<Cluster>,
    pub line: u64,
    /// For a held `blocked` intent: where its members were blocked, so
    /// the summary says where.
    #[serde(skip)]
    pub held: Vec<Cluster>,
}

impl IntentResult {
    /// What the intent expects: `reachable`, `blocked`, `blocked at dns`.
    pub fn expected(&self) -> String {
        match (self.expect, self.at) {
            (Expect::Reachable, _) => "reachable".to_string(),
            (Expect::Blocked, None) => "blocked".to_string(),
            (Expect::Blocked, Some(h)) => format!("blocked at {h}"),
        }
    }

    /// The grouped summary: `2 of 14 blocked at sg-endpoint: ...; 1 of 14 ...`.
    pub fn summary(&self) -> String {
        if let Some(p) = &self.problem {
            if self.clusters.is_empty() {
                return p.clone();
            }
            let rest: Vec<String> = self.clusters.iter().map(|c| c.line(self.members)).collect();
            return format!("{p}; {}", rest.join("; "));
        }
        if self.clusters.is_empty() {
            if self.expect == Expect::Blocked && !self.held.is_empty() {
                return self
                    .held
                    .iter()
                    .map(|c| format!("{} of {} {}", c.count, self.members, c.what()))
                    .collect::<Vec<_>>()
                    .join("; ");
            }
            return format!("{} of {} {}", self.members, self.members, self.expected());
        }
        self.clusters
            .iter()
            .map(|c| c.line(self.members))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub held: usize,
    pub violated: usize,
    pub undetermined: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub intents: Vec<IntentResult>,
    pub summary: Summary,
}

/// Does a member's outcome meet the intent? `Some(true)` yes, `Some(false)`
/// it breaks it, `None` undecided. Unknown hops may allow or deny.
///
/// With `at`, the request must be stopped at that hop and nowhere before
/// it. A block before `at`, or an `at` hop that allows, breaks the intent.
/// A block at `at` holds only when no earlier hop is unknown (the request
/// might be dropped there first) and it holds for every endpoint address;
/// an `at` hop that is unknown leaves the intent open.
fn meets(
    expect: Expect,
    at: Option<HopId>,
    verdict: Overall,
    first_block: Option<HopId>,
    sets: &reach::HopSets,
) -> Option<bool> {
    match (expect, verdict, at, first_block) {
        (Expect::Reachable, Overall::Reachable, ..) => Some(true),
        (Expect::Reachable, Overall::Blocked, ..) => Some(false),
        (Expect::Blocked, Overall::Reachable, ..) => Some(false),
        // Blocked wherever, but an unknown `api` hop leaves open which API
        // the later hops were judged for.
        (Expect::Blocked, Overall::Blocked, None, Some(b))
            if b > HopId::Api && sets.unknown(HopId::Api) =>
        {
            None
        }
        (Expect::Blocked, Overall::Blocked, None, _) => Some(true),
        (Expect::Blocked, Overall::Blocked, Some(a), Some(b)) if sets.partial(b) => {
            // Each endpoint address is stopped at a hop of its own: `at`
            // may be one of them.
            if sets.denies(a) || sets.unknown(a) {
                None
            } else {
                Some(false)
            }
        }
        (Expect::Blocked, Overall::Blocked, Some(a), Some(b)) => {
            if b < a {
                Some(false)
            } else if b == a {
                sets.unknown_before(a).map_or(Some(true), |_| None)
            } else if sets.unknown(a) {
                // Blocked after `at`, which may be the one.
                None
            } else {
                Some(false)
            }
        }
        // No hop denies: the request is stopped, if at all, at an unknown
        // hop. `at` must be one of them to be the one.
        (Expect::Blocked, Overall::Undetermined, Some(a), _) if !sets.unknown(a) => Some(false),
        (_, Overall::Undetermined, ..) => None,
        // A blocked verdict always has a first block.
        (Expect::Blocked, Overall::Blocked, Some(_), None) => None,
    }
}

/// Check one intent in `w`.
pub fn check_intent(w: &World, i: &Intent) -> IntentResult {
    check_one(w, i, &reach::share::Sensitivity::of(w))
}

fn check_one(w: &World, i: &Intent, sens: &reach::share::Sensitivity) -> IntentResult {
    let picked = select(w, &i.from);
    let running: Vec<&Instance> = picked
        .iter()
        .copied()
        .filter(|x| reach::is_running(x))
        .collect();
    let mut result = IntentResult {
        name: i.name.clone(),
        from: i.from.describe(),
        to: i.request.url.clone(),
        method: i.request.method.clone(),
        expect: i.expect,
        at: i.at,
        status: Status::Held,
        holds: true,
        members: running.len(),
        problem: None,
        violations: Vec::new(),
        undetermined: Vec::new(),
        clusters: Vec::new(),
        line: i.line,
        held: Vec::new(),
    };
    if running.is_empty() {
        result.problem = Some(nothing_selected(w, &i.from, &picked));
        result.status = Status::Violated;
        result.holds = false;
        return result;
    }
    // Named instances are each part of the intent: one that is not in the
    // world or not running breaks it, even when the others hold.
    if let Selector::Instances(ids) = &i.from {
        let missing: Vec<String> = ids
            .iter()
            .filter_map(|id| match w.instance(id) {
                None => Some(format!("{id} is not in this world")),
                Some(x) if !reach::is_running(x) => Some(format!("{id} is {}", x.state.name)),
                Some(_) => None,
            })
            .collect();
        if !missing.is_empty() {
            result.problem = Some(format!(
                "{} of the {} named instances cannot be traced: {}",
                missing.len(),
                ids.len(),
                missing.join("; ")
            ));
        }
    }
    let r = reach::reach_instances(w, &i.request, &running, sens);
    // The groups that break the intent, then those left open: each a
    // cluster, its members each with their own deciding field. Groups that
    // read the same for this intent are one cluster.
    for bad in [true, false] {
        let first = result.clusters.len();
        for g in &r.groups {
            let ok = meets(i.expect, i.at, g.verdict, g.first_block, &g.sets);
            let c = Cluster {
                verdict: g.verdict,
                hop: g.hop,
                deciding: g.deciding.clone(),
                count: g.count,
                expected_at: i.at,
                sets: g.sets,
                raw: g.deciding.clone(),
            };
            if ok == Some(true) {
                if bad && g.verdict == Overall::Blocked {
                    merge(&mut result.held, 0, c);
                }
                continue;
            }
            if ok.is_some() != bad {
                continue;
            }
            let cluster = merge(&mut result.clusters, first, c);
            for m in &g.members {
                let Member::Instance {
                    instance, name, ip, ..
                } = m
                else {
                    continue;
                };
                // The group reads the member's own id and address as
                // placeholders; each member gets its own back.
                let v = Violation {
                    instance: instance.clone(),
                    name: name.clone(),
                    verdict: g.verdict,
                    first_block: g.first_block,
                    hop: g.hop,
                    deciding: personal(&g.deciding, instance, ip.as_deref()),
                    cluster,
                };
                if bad {
                    result.violations.push(v);
                } else {
                    result.undetermined.push(v);
                }
            }
        }
        // A cluster of one member reads that member's own id and address.
        for k in first..result.clusters.len() {
            if result.clusters[k].count == 1 {
                let own = result
                    .violations
                    .iter()
                    .chain(&result.undetermined)
                    .find(|v| v.cluster == k);
                if let Some(v) = own {
                    result.clusters[k].deciding = v.deciding.clone();
                }
            }
        }
    }
    result.status = if result.problem.is_some() || !result.violations.is_empty() {
        Status::Violated
    } else if !result.undetermined.is_empty() {
        Status::Undetermined
    } else {
        Status::Held
    };
    result.holds = result.status == Status::Held;
    result
}

/// Add `c` to the clusters from `from` on: to one that reads the same
/// (same words for the intent, same deciding field), else as a new one.
/// Returns its index.
fn merge(clusters: &mut Vec<Cluster>, from: usize, c: Cluster) -> usize {
    let same = clusters[from..].iter().position(|x| {
        x.verdict == c.verdict && x.hop == c.hop && x.raw == c.raw && x.what() == c.what()
    });
    match same {
        Some(k) => {
            clusters[from + k].count += c.count;
            from + k
        }
        None => {
            clusters.push(c);
            clusters.len() - 1
        }
    }
}

/// A group's deciding field with a member's own id and address in place
/// of reach's `<instance>` and `<address>`.
fn personal(deciding: &str, instance: &str, ip: Option<&str>) -> String {
    let d = deciding.replace("<instance>", instance);
    match ip {
        Some(ip) => d.replace("<address>", ip),
        None => d,
    }
}

/// Check every intent.
pub fn check(w: &World, intents: &[Intent]) -> Report {
    // What the world's rules read of an address: worked out once for all intents.
    let sens = reach::share::Sensitivity::of(w);
    let results: Vec<IntentResult> = intents.iter().map(|i| check_one(w, i, &sens)).collect();
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    Report {
        schema: CHECK_SCHEMA,
        summary: Summary {
            held: count(Status::Held),
            violated: count(Status::Violated),
            undetermined: count(Status::Undetermined),
        },
        intents: results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hop sets from lists of hops.
    fn sets(unknown: &[HopId], denies: &[HopId], partial: &[HopId]) -> reach::HopSets {
        let bits = |hs: &[HopId]| hs.iter().fold(0u16, |b, h| b | 1 << h.index());
        reach::HopSets {
            unknown: bits(unknown),
            denies: bits(denies),
            partial: bits(partial),
        }
    }

    #[test]
    fn members_meet_or_break_or_leave_open() {
        use HopId::*;
        use Overall::*;
        let (blocked, open) = (Expect::Blocked, None);
        let none = sets(&[], &[], &[]);
        let m = |e, at, v, b, s: &reach::HopSets| meets(e, at, v, b, s);
        let only = |h: HopId| sets(&[], &[h], &[]);
        let nacl_unknown = |deny: &[HopId]| sets(&[NaclClient], deny, &[]);
        assert_eq!(
            m(Expect::Reachable, None, Reachable, None, &none),
            Some(true)
        );
        assert_eq!(
            m(
                Expect::Reachable,
                None,
                Blocked,
                Some(SgEndpoint),
                &only(SgEndpoint)
            ),
            Some(false)
        );
        assert_eq!(
            m(
                Expect::Reachable,
                None,
                Undetermined,
                None,
                &nacl_unknown(&[])
            ),
            open
        );
        assert_eq!(m(blocked, None, Reachable, None, &none), Some(false));
        assert_eq!(
            m(blocked, None, Blocked, Some(SgEndpoint), &only(SgEndpoint)),
            Some(true)
        );
        // Blocked somewhere, an unknown hop before: still blocked.
        let auth_after_nacl = nacl_unknown(&[Authorization]);
        assert_eq!(
            m(
                blocked,
                None,
                Blocked,
                Some(Authorization),
                &auth_after_nacl
            ),
            Some(true)
        );
        assert_eq!(
            m(blocked, None, Undetermined, None, &nacl_unknown(&[])),
            open
        );
        // ... unless the unknown hop is `api`: which API judged the rest?
        let api_unknown = sets(&[Api], &[Authorization], &[]);
        assert_eq!(
            m(blocked, None, Blocked, Some(Authorization), &api_unknown),
            open
        );
        // With `at`: that hop, nothing unknown before it.
        let sg = only(SgEndpoint);
        assert_eq!(
            m(blocked, Some(SgEndpoint), Blocked, Some(SgEndpoint), &sg),
            Some(true)
        );
        assert_eq!(
            m(blocked, Some(Authorization), Blocked, Some(SgEndpoint), &sg),
            Some(false)
        );
        let auth = only(Authorization);
        assert_eq!(
            m(
                blocked,
                Some(SgEndpoint),
                Blocked,
                Some(Authorization),
                &auth
            ),
            Some(false)
        );
        // Blocked at `at`, but an earlier hop is unknown: it may have
        // dropped the request first.
        assert_eq!(
            m(
                blocked,
                Some(Authorization),
                Blocked,
                Some(Authorization),
                &auth_after_nacl
            ),
            open
        );
        // Blocked after `at`, which is unknown: it may be the one.
        assert_eq!(
            m(
                blocked,
                Some(NaclClient),
                Blocked,
                Some(Authorization),
                &auth_after_nacl
            ),
            open
        );
        // Blocked before `at`, whatever is unknown after.
        let sg_then_waf = sets(&[], &[SgEndpoint], &[]);
        assert_eq!(
            m(blocked, Some(Waf), Blocked, Some(SgEndpoint), &sg_then_waf),
            Some(false)
        );
        // Each endpoint address stopped at its own hop: any of those hops
        // may be the one, no other.
        let split = sets(&[], &[NaclClient, SgEndpoint], &[NaclClient]);
        assert_eq!(
            m(blocked, None, Blocked, Some(NaclClient), &split),
            Some(true)
        );
        assert_eq!(
            m(blocked, Some(NaclClient), Blocked, Some(NaclClient), &split),
            open
        );
        assert_eq!(
            m(blocked, Some(SgEndpoint), Blocked, Some(NaclClient), &split),
            open
        );
        assert_eq!(
            m(blocked, Some(SgEgress), Blocked, Some(NaclClient), &split),
            Some(false)
        );
        assert_eq!(
            m(blocked, Some(Endpoint), Blocked, Some(NaclClient), &split),
            Some(false)
        );
        // Nothing denies: `at` must be unknown to be the one that blocks.
        let sg_unknown = sets(&[SgEndpoint], &[], &[]);
        assert_eq!(
            m(blocked, Some(SgEndpoint), Undetermined, None, &sg_unknown),
            open
        );
        assert_eq!(
            m(
                blocked,
                Some(Authorization),
                Undetermined,
                None,
                &sg_unknown
            ),
            Some(false)
        );
        assert_eq!(
            m(blocked, Some(Dns), Undetermined, None, &sg_unknown),
            Some(false)
        );
        let two = sets(&[NaclClient, Authorization], &[], &[]);
        assert_eq!(
            m(blocked, Some(Authorization), Undetermined, None, &two),
            open
        );
    }
}
