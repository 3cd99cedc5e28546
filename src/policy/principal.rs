//! `Principal` / `NotPrincipal` against the caller (IAM-PRINC, IAM-NOTPRINC,
//! rulebook §4.4).

use super::ast::{AwsPrincipal, Effect, PrincipalBlock, PrincipalEntry};
use super::context::Caller;
use super::wildcard::Glob;
use super::Tri;

/// One of the identities a caller carries: a role session is also its role
/// and its account.
#[derive(Debug, Clone, Copy)]
enum Ident<'a> {
    Anonymous,
    Account(&'a str),
    Role(&'a str),
    Arn(&'a str),
    Service(&'a str),
}

fn identities(c: &Caller) -> Vec<Ident<'_>> {
    match c {
        Caller::Anonymous => vec![Ident::Anonymous],
        Caller::Iam(i) => {
            let mut v = vec![Ident::Account(&i.account)];
            if let Some(r) = &i.role_arn {
                if *r != i.arn {
                    v.push(Ident::Role(r));
                }
            }
            v.push(Ident::Arn(&i.arn));
            v
        }
        Caller::Service(s) => vec![Ident::Service(s)],
        Caller::Unknown(_) => Vec::new(),
    }
}

fn is_root_of(arn: &str, account: &str) -> bool {
    arn.strip_suffix(":root")
        .and_then(|a| a.rsplit(':').next())
        .is_some_and(|a| a == account)
        && arn.contains(":iam::")
}

/// ARNs of IAM users and roles compare without regard to case (their names
/// are unique regardless of case).
fn same_arn(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn entry_matches(e: &PrincipalEntry, id: Ident) -> Tri {
    match (e, id) {
        (PrincipalEntry::Any, _) => Tri::True,
        (PrincipalEntry::Aws(AwsPrincipal::Account { account, .. }), Ident::Account(a)) => {
            Tri::from_bool(a == account)
        }
        (PrincipalEntry::Aws(AwsPrincipal::Account { account, .. }), Ident::Arn(a)) => {
            Tri::from_bool(is_root_of(a, account))
        }
        (PrincipalEntry::Aws(AwsPrincipal::Role(r)), Ident::Role(x)) => {
            Tri::from_bool(same_arn(r, x))
        }
        (PrincipalEntry::Aws(AwsPrincipal::Role(r)), Ident::Arn(x)) => {
            Tri::from_bool(same_arn(r, x))
        }
        (PrincipalEntry::Aws(AwsPrincipal::AssumedRole(s)), Ident::Arn(x)) => {
            Tri::from_bool(s == x)
        }
        (PrincipalEntry::Aws(AwsPrincipal::User(u)), Ident::Arn(x)) => {
            Tri::from_bool(same_arn(u, x))
        }
        (PrincipalEntry::Aws(AwsPrincipal::Other(o)), Ident::Arn(x) | Ident::Role(x)) => {
            // Partial wildcards are not valid in principals (IAM-PRINC): if
            // one would match, the outcome is undocumented.
            if o.contains(['*', '?']) && Glob::compile(o).is_match(x) {
                Tri::Unknown
            } else {
                Tri::from_bool(o == x)
            }
        }
        (PrincipalEntry::Service(s), Ident::Service(x)) => {
            Tri::from_bool(s.eq_ignore_ascii_case(x))
        }
        _ => Tri::False,
    }
}

/// How a statement's principal element relates to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrincipalMatch {
    pub tri: Tri,
    /// The statement matches only because it names the caller's account
    /// (delegation, IAM-PRINC): API Gateway's Table A does not say how such
    /// a grant counts (rulebook §4.4).
    pub via_account: bool,
    /// The statement matches only because it names the caller's
    /// assumed-role session ARN (not its role, account or `*`).
    pub via_session: bool,
}

pub(crate) fn match_principal(
    block: Option<&PrincipalBlock>,
    caller: &Caller,
    effect: Effect,
) -> PrincipalMatch {
    let Some(block) = block else {
        // Identity policies have no principal: they apply to their identity.
        return PrincipalMatch {
            tri: Tri::True,
            via_account: false,
            via_session: false,
        };
    };
    let has_any = block.entries.contains(&PrincipalEntry::Any);
    if let Caller::Unknown(_) = caller {
        let tri = match (block.negated, has_any) {
            (false, true) => Tri::True,
            (true, true) => Tri::False,
            _ => Tri::Unknown,
        };
        return PrincipalMatch {
            tri,
            via_account: false,
            via_session: false,
        };
    }
    let ids = identities(caller);
    if !block.negated {
        let mut tri = Tri::False;
        let mut other_hit = false;
        let mut account_hit = false;
        let mut session_hit = false;
        for e in &block.entries {
            let hit = ids
                .iter()
                .fold(Tri::False, |acc, id| acc.or(entry_matches(e, *id)));
            if hit == Tri::True {
                if matches!(e, PrincipalEntry::Aws(AwsPrincipal::Account { .. })) {
                    account_hit = true;
                } else if matches!(e, PrincipalEntry::Aws(AwsPrincipal::AssumedRole(_))) {
                    session_hit = true;
                } else {
                    other_hit = true;
                }
            }
            tri = tri.or(hit);
        }
        return PrincipalMatch {
            tri,
            via_account: tri == Tri::True && account_hit && !other_hit,
            via_session: tri == Tri::True && session_hit && !other_hit && !account_hit,
        };
    }
    // NotPrincipal: the caller is excluded only when every identity it
    // carries is listed (IAM-NOTPRINC lists the session, the role and the
    // account). Partly listed: a Deny still applies (the documented
    // warning); for an Allow the outcome is undocumented.
    let listed: Vec<Tri> = ids
        .iter()
        .map(|id| {
            block
                .entries
                .iter()
                .fold(Tri::False, |acc, e| acc.or(entry_matches(e, *id)))
        })
        .collect();
    let tri = if listed.iter().all(|t| *t == Tri::True) {
        Tri::False
    } else if listed.iter().all(|t| *t == Tri::False) {
        Tri::True
    } else if listed.contains(&Tri::Unknown) {
        Tri::Unknown
    } else if effect == Effect::Deny {
        Tri::True
    } else {
        Tri::Unknown
    };
    // IAM permissions boundaries: a Deny with NotPrincipal applies to a
    // caller whose role has a permissions boundary, whatever it lists.
    let tri = match (effect, caller) {
        (Effect::Deny, Caller::Iam(c)) if tri != Tri::True => match c.boundary {
            Some(Tri::True) => Tri::True,
            Some(Tri::Unknown) => Tri::Unknown,
            _ => tri,
        },
        _ => tri,
    };
    PrincipalMatch {
        tri,
        via_account: false,
        via_session: false,
    }
}
