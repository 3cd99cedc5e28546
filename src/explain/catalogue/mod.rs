//! The error-message catalogue (rulebook §6, with the §5.3 gateway response
//! types and the §5.2 execution-log signatures): for each cause, the hop
//! and check that produce it, what the client sees, and the fix.
//!
//! An entry is matched against what was understood of the input: anything
//! the input says that the entry's answer contradicts rules the entry out;
//! each agreeing part scores. `prior` orders entries that score the same:
//! how often the cause is behind that symptom, in our experience.

use super::parse::Understood;
use super::words::{ClientError as C, Gateway, Kind as K, PolicyWord as P};
use crate::trace::{GatewayResponseType as G, HopId as H};

/// What the client sees when the cause is there.
pub enum Answer {
    /// An HTTP answer from API Gateway.
    Http {
        statuses: &'static [u16],
        /// `x-amzn-ErrorType`, when documented (or predicted by the trace).
        error_type: Option<&'static str>,
        /// The message kinds, and execution-log signatures, it comes with.
        kinds: &'static [K],
        /// Kinds it may come with, not documented: they neither rule the
        /// entry out nor count much.
        loose: &'static [K],
        /// Gateway response types (§5.3), its own first; empty when none is documented.
        gateway: &'static [G],
        /// For `AccessDeniedException` messages: which ones.
        denial: Option<Denial>,
    },
    /// No HTTP answer: the client's own error.
    Client(&'static [C]),
}

/// Which `User: ... is not authorized ...` messages an entry produces.
pub struct Denial {
    /// `Some(true)`: an IAM caller's ARN; `Some(false)`: `anonymous`.
    pub iam: Option<bool>,
    /// `Some(true)`: `with an explicit deny`.
    pub explicit: Option<bool>,
    /// The policies the message may name; `None` in the list: it may name none.
    pub policies: &'static [Option<P>],
    /// On a private custom domain's `execute-api-domain` ARN (`Some(true)`),
    /// on the method's ARN (`Some(false)`), or either.
    pub domain: Option<bool>,
}

pub struct Entry {
    pub hop: H,
    pub check: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub answer: Answer,
    pub prior: u8,
}

const fn http(
    statuses: &'static [u16],
    error_type: Option<&'static str>,
    kinds: &'static [K],
    gateway: &'static [G],
) -> Answer {
    Answer::Http {
        statuses,
        error_type,
        kinds,
        loose: &[],
        gateway,
        denial: None,
    }
}

/// An answer whose message is not documented: these kinds may come with it.
const fn loose(statuses: &'static [u16], kinds: &'static [K], gateway: &'static [G]) -> Answer {
    http(statuses, None, &[], gateway).also(kinds)
}

impl Answer {
    /// It may also come with these kinds (not documented).
    const fn also(mut self, kinds: &'static [K]) -> Answer {
        if let Answer::Http { loose, .. } = &mut self {
            *loose = kinds;
        }
        self
    }

    /// It comes with these kinds.
    const fn kinds(mut self, these: &'static [K]) -> Answer {
        if let Answer::Http { kinds, .. } = &mut self {
            *kinds = these;
        }
        self
    }
}

/// 403 `AccessDeniedException` `User: ... is not authorized ...` (ACCESS_DENIED).
const fn denied(d: Denial) -> Answer {
    Answer::Http {
        statuses: &[403],
        error_type: Some("AccessDeniedException"),
        kinds: &[K::AccessDenied],
        loose: &[],
        gateway: &[G::AccessDenied],
        denial: Some(d),
    }
}

/// The denial of an unsigned caller that no Allow matches.
const ANONYMOUS_IMPLICIT: Denial = Denial {
    iam: Some(false),
    explicit: Some(false),
    policies: NO_POLICY_NAMED,
    domain: Some(false),
};

const FORBIDDEN: Option<&str> = Some("ForbiddenException");
const MISSING_TOKEN: Option<&str> = Some("MissingAuthenticationTokenException");
const SERVER_ERROR: Option<&str> = Some("InternalServerErrorException");
const NO_POLICY_NAMED: &[Option<P>] = &[None, Some(P::ResourceBased)];

mod gateway;
mod path;

/// Every entry, in hop order: the client's side up to the endpoint policy
/// (H1–H9), then API Gateway's (H10–H15).
pub fn entries() -> impl Iterator<Item = &'static Entry> {
    path::ENTRIES.iter().chain(gateway::ENTRIES)
}

/// How well `e` explains `u`: `None` when something `u` says rules it
/// out, or when nothing in `u` speaks for it.
pub fn score(e: &Entry, u: &Understood) -> Option<u32> {
    let mut s = 0;
    match &e.answer {
        Answer::Client(classes) => {
            let http = u.status.is_some()
                || u.error_type.is_some()
                || u.kind.is_some()
                || u.gateway_response.is_some();
            if http || !classes.contains(&u.client_error?) {
                return None;
            }
            s += 8;
        }
        Answer::Http {
            statuses,
            error_type,
            kinds,
            loose,
            gateway,
            denial,
        } => {
            if u.client_error.is_some() {
                return None;
            }
            if let Some(st) = u.status {
                if statuses.is_empty() || !statuses.contains(&st) {
                    return None;
                }
                s += 2;
            }
            if let Some(t) = u.error_type {
                match error_type {
                    Some(x) if x.eq_ignore_ascii_case(t) => s += 3,
                    Some(_) => return None,
                    None => {}
                }
            }
            if let Some(k) = u.kind {
                if kinds.contains(&k) {
                    s += 4;
                } else if loose.contains(&k) {
                    s += 1;
                } else {
                    return None;
                }
            }
            match u.gateway_response {
                // The first type listed is the entry's own; later ones it may also produce.
                Some(Gateway::Type(g)) if gateway.first() == Some(&g) => s += 4,
                Some(Gateway::Type(g)) if gateway.contains(&g) => s += 3,
                Some(Gateway::Type(_)) => return None,
                Some(Gateway::Default(class)) => {
                    if !statuses.iter().any(|x| x / 100 == class) {
                        return None;
                    }
                    s += 1;
                }
                None => {}
            }
            if u.kind == Some(K::AccessDenied) {
                s += denial.as_ref().and_then(|d| denial_score(d, u))?;
            }
        }
    }
    (s > 0).then_some(s)
}

fn denial_score(d: &Denial, u: &Understood) -> Option<u32> {
    let mut s = 0;
    let agree = |want: Option<bool>, have: Option<bool>| match (want, have) {
        (Some(w), Some(h)) if w != h => None,
        (Some(_), Some(_)) => Some(1),
        _ => Some(0),
    };
    let iam = u.caller.as_deref().map(|c| c != "anonymous");
    s += agree(d.iam, iam)?;
    s += agree(d.explicit, u.explicit())?;
    s += agree(d.domain, u.domain_resource())?;
    if !d.policies.contains(&u.policy) {
        return None;
    }
    if u.policy.is_some() {
        s += 3;
    }
    Some(s)
}
