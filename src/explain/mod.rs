//! `explain`: from what the client saw (a status, a body, a header, a curl
//! error, a log line) to the hops and causes that produce it (rulebook §6,
//! §5.3), most likely first, and, given a trace of the request, whether the
//! trace agrees. Pure: no I/O. The CLI (`hoptrace explain`) and the TUI
//! (`:explain`) both call [`explain`] and draw [`render::lines`].

mod catalogue;
mod parse;
pub mod render;
mod words;

use serde::Serialize;

use crate::trace::{HopId, Overall, Response, Trace, Verdict};
pub use catalogue::{entries as catalogue, Entry};
pub use parse::{clip, understand, Understood};
pub use words::{ClientError, Gateway, Kind, PolicyWord};

pub const EXPLAIN_SCHEMA: &str = "hoptrace.explain/v1";

/// Exit statuses of `hoptrace explain` (2 is the CLI's error status).
pub const EXIT_EXPLAINED: i32 = 0;
pub const EXIT_TRACE_DISAGREES: i32 = 1;
pub const EXIT_TRACE_CANNOT_TELL: i32 = 3;
pub const EXIT_NO_CANDIDATE: i32 = 4;

/// What `explain` reads, for the message when nothing is recognised.
pub const ACCEPTED: &[&str] = &[
    "an HTTP status, alone or as curl prints it: 403, HTTP/1.1 403 Forbidden, < HTTP/2 403",
    "a JSON body: {\"message\":\"Forbidden\"}, {\"Message\":\"User: anonymous is not authorized ...\"}",
    "an x-amzn-ErrorType: ForbiddenException, MissingAuthenticationTokenException, AccessDeniedException, UnauthorizedException, InternalServerErrorException ...",
    "an API Gateway message: Missing Authentication Token, Unauthorized, Internal server error, Endpoint request timed out, User: ... is not authorized to perform: execute-api:Invoke ..., User is not authorized to access this resource ...",
    "a gateway response type ($context.error.responseType): ACCESS_DENIED, WAF_FILTERED, INVALID_API_KEY, THROTTLED, INTEGRATION_TIMEOUT ...",
    "a curl error: curl: (6) Could not resolve host, (7) ... Connection refused, (28) ... Connection timed out, (35) ... SSL handshake failure",
    "an execution-log line: Invalid permissions on Lambda function, Execution failed due to a timeout error, Malformed Lambda proxy response ...",
];

/// One hop and cause that produce what the client saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub hop: HopId,
    pub check: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
}

/// The trace's side: its verdict, its first block with reason, deciding
/// field and predicted response, and what that means for the input.
#[derive(Debug, Clone, Serialize)]
pub struct TraceView {
    /// `GET https://... from i-...`.
    pub request: String,
    pub verdict: Overall,
    pub first_block: Option<HopId>,
    /// The first block's rulebook check.
    pub check: Option<&'static str>,
    pub reason: Option<String>,
    pub deciding: Option<String>,
    /// What the trace predicts the client sees at its first block.
    pub response: Option<Response>,
    /// The hops the trace could not decide.
    pub unknown: Vec<HopId>,
    /// The index in `candidates` of the cause the trace confirms.
    pub candidate: Option<usize>,
    /// One sentence: why `trace_agrees` is what it is.
    pub agreement: String,
}

/// The answer, as `hoptrace explain --output json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub schema: &'static str,
    pub input: String,
    pub understood: Understood,
    pub candidates: Vec<Candidate>,
    /// `true`: the trace blocks at a candidate hop and predicts a response
    /// consistent with the input; `false`: it does not (reachable, blocked
    /// elsewhere or with another answer, or undetermined with no candidate
    /// among its unknown hops); `null`: no trace, no candidate, or the
    /// trace cannot tell (a candidate hop is unknown).
    pub trace_agrees: Option<bool>,
    pub trace: Option<TraceView>,
    /// Why there is no candidate, when there is none.
    pub note: Option<String>,
}

impl Explanation {
    /// 0 explained (and the trace agrees, when there is one), 1 the trace
    /// disagrees, 3 the trace cannot tell, 4 no hop produces the input.
    pub fn exit_code(&self) -> i32 {
        if self.candidates.is_empty() {
            return EXIT_NO_CANDIDATE;
        }
        match (&self.trace, self.trace_agrees) {
            (None, _) | (Some(_), Some(true)) => EXIT_EXPLAINED,
            (Some(_), Some(false)) => EXIT_TRACE_DISAGREES,
            (Some(_), None) => EXIT_TRACE_CANNOT_TELL,
        }
    }
}

/// Explain `input`; with `trace`, say whether the trace agrees.
pub fn explain(input: &str, trace: Option<&Trace>) -> Explanation {
    let understood = understand(input);
    let candidates = candidates(&understood);
    let note = candidates.is_empty().then(|| no_candidate(&understood));
    let (trace_agrees, view) = match trace {
        Some(t) => {
            let (agrees, view) = compare(t, &understood, &candidates);
            (agrees, Some(view))
        }
        None => (None, None),
    };
    Explanation {
        schema: EXPLAIN_SCHEMA,
        input: input.to_string(),
        understood,
        candidates,
        trace_agrees,
        trace: view,
        note,
    }
}

/// The catalogue entries `u` fits, best first: by score, then by how
/// common the cause is, then in hop order.
pub fn candidates(u: &Understood) -> Vec<Candidate> {
    let mut scored: Vec<(u32, u8, usize, &Entry)> = catalogue::entries()
        .enumerate()
        .filter_map(|(i, e)| catalogue::score(e, u).map(|s| (s, e.prior, i, e)))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    scored
        .into_iter()
        .map(|(_, _, _, e)| Candidate {
            hop: e.hop,
            check: e.check,
            cause: e.cause,
            fix: e.fix,
        })
        .collect()
}

/// Why no hop explains `u`.
fn no_candidate(u: &Understood) -> String {
    use crate::trace::GatewayResponseType as G;
    if u.is_empty() {
        let mut s = "nothing in the text was recognised".to_string();
        if !u.ignored.is_empty() {
            s.push_str(&format!(" (seen but not used: {})", u.ignored.join("; ")));
        }
        return s;
    }
    let g = match u.gateway_response {
        Some(Gateway::Type(g)) => Some(g),
        _ => None,
    };
    let t = u.error_type.unwrap_or("");
    match (u.status, g) {
        (Some(s), _) if s < 400 => format!(
            "HTTP {s} is not an error: the request went through every hop{}",
            if s >= 300 { " (follow the redirect)" } else { "" }
        ),
        (_, Some(G::BadRequestParameters | G::BadRequestBody)) | (Some(400), _) => {
            "a 400 comes from the method's request validator (BAD_REQUEST_PARAMETERS / BAD_REQUEST_BODY) or from the backend: the path to the method is open; fix the parameters or the body the request sends".into()
        }
        (_, Some(G::ResourceNotFound)) | (Some(404), _) => {
            "API Gateway answers a path or method a REST API does not have with 403 Missing Authentication Token, not 404 (rulebook H11.3a): a 404 comes from the backend (or RESOURCE_NOT_FOUND after authorization), so the request went through every hop".into()
        }
        (_, Some(G::RequestTooLarge)) | (Some(413), _) => {
            "the payload is over API Gateway's 10 MB limit: not a problem of the path; send less".into()
        }
        (_, Some(G::UnsupportedMediaType)) | (Some(415), _) => {
            "the method's passthroughBehavior refuses the request's Content-Type (no mapping template for it): send a Content-Type that has a template, or change passthroughBehavior; the path is open".into()
        }
        _ if t == "BadRequestException" || t == "NotFoundException" => format!(
            "{t} comes from the method's validation or the backend, after every hop of the path let the request through"
        ),
        (Some(s), None) if !matches!(s, 401 | 403 | 429 | 500 | 502 | 504) => format!(
            "HTTP {s} is not an answer API Gateway gives for a blocked hop (it answers 401, 403, 429, 500, 502 or 504): it likely comes from the backend through an open path, or from a proxy between the client and the endpoint"
        ),
        _ => format!(
            "no cause in the catalogue produces all of this together ({}); check that the parts come from one response",
            u.summary()
        ),
    }
}

/// Whether an unknown hop decided by `check` could give what the client
/// saw. Most unknowns could end in any of their hop's answers; a few can
/// only end one way: a resource policy changed after the deployment (H13.0)
/// or a web ACL (H12.1) can only refuse with a 403.
fn could_answer(check: &str, u: &Understood) -> bool {
    match check {
        "H13.0" | "H12.1" => u.client_error.is_none() && u.status.is_none_or(|s| s == 403),
        _ => true,
    }
}

/// Whether `t` agrees with what the client saw, and the trace's side.
fn compare(t: &Trace, u: &Understood, candidates: &[Candidate]) -> (Option<bool>, TraceView) {
    let block = t.first_block.map(|b| &t.hops[b.index()]);
    let unknown: Vec<HopId> = t
        .hops
        .iter()
        .filter(|h| h.verdict == Verdict::Unknown)
        .map(|h| h.hop)
        .collect();
    let is_candidate = |h: HopId| candidates.iter().any(|c| c.hop == h);
    let mut view = TraceView {
        request: format!(
            "{} {} from {}",
            t.request.method, t.request.url, t.request.from
        ),
        verdict: t.verdict,
        first_block: t.first_block,
        check: block.map(|h| h.check),
        reason: block.map(|h| h.reason.clone()),
        deciding: block.map(|h| h.deciding.to_string()),
        response: t.response.clone(),
        unknown: unknown.clone(),
        candidate: None,
        agreement: String::new(),
    };
    if candidates.is_empty() {
        view.agreement = "nothing to compare: no hop produces what the client saw".into();
        return (None, view);
    }
    // Unknown hops that could produce the error: before the first block
    // (or anywhere, when nothing blocks) they may be what the client met.
    let open_candidates: Vec<HopId> = unknown
        .iter()
        .copied()
        .filter(|h| {
            is_candidate(*h)
                && t.first_block.is_none_or(|b| *h < b)
                && could_answer(t.hops[h.index()].check, u)
        })
        .collect();
    let cannot_tell = |why: String| -> String {
        let names: Vec<&str> = open_candidates.iter().map(|h| h.as_str()).collect();
        let reason = t.hops[open_candidates[0].index()].reason.clone();
        format!(
            "{why}; but {} {} unknown and could produce this error ({}: {reason}), so the trace can neither confirm nor rule it out",
            names.join(", "),
            if names.len() == 1 { "is" } else { "are" },
            names[0],
        )
    };
    let (agrees, text) = match (t.verdict, block) {
        (Overall::Reachable, _) => (
            Some(false),
            "the trace finds the path open (reachable): in this world no hop produces this error; the snapshot may be older than the error, or the request differs (URL, headers, signing)".to_string(),
        ),
        (Overall::Undetermined, _) | (_, None) if open_candidates.is_empty() => {
            let names: Vec<&str> = unknown.iter().map(|h| h.as_str()).collect();
            (
                Some(false),
                format!(
                    "no hop denies, and the unknown ones ({}) do not produce this error",
                    names.join(", ")
                ),
            )
        }
        (Overall::Undetermined, _) | (_, None) => (None, cannot_tell("no hop denies".into())),
        (Overall::Blocked, Some(b)) => {
            let at = format!("the trace blocks first at {} [{}]", b.hop, b.check);
            let predicts = t
                .response
                .as_ref()
                .map(|r| format!(" (it predicts {})", clip(&r.symptom(), 200)))
                .unwrap_or_default();
            let fit = if is_candidate(b.hop) {
                match t.response.as_ref().map(|r| consistent(u, r)) {
                    Some(Err(why)) => Err(format!("{at}, a hop that can produce this, but {why}")),
                    Some(Ok(alt)) => Ok(alt),
                    None => Ok(Fit::Exact),
                }
            } else {
                Err(format!("{at}, which does not produce this error{predicts}"))
            };
            match fit {
                Ok(alt) => {
                    view.candidate = candidates
                        .iter()
                        .position(|c| c.hop == b.hop && c.check == b.check)
                        .or_else(|| candidates.iter().position(|c| c.hop == b.hop));
                    let sees = t
                        .response
                        .as_ref()
                        .map(|r| format!(" and predicts {}", r.symptom()))
                        .unwrap_or_default();
                    let alt = match alt {
                        Fit::Exact => String::new(),
                        Fit::Named(s) => format!(", which names HTTP {s} as a possible answer"),
                        Fit::StatusUnknown => {
                            ", an answer whose status is not documented".to_string()
                        }
                    };
                    (
                        Some(true),
                        format!(
                            "{at}{sees}{alt}: consistent with what the client saw (candidate {})",
                            view.candidate.map_or(0, |i| i + 1)
                        ),
                    )
                }
                Err(why) if open_candidates.is_empty() => (Some(false), why),
                Err(why) => (None, cannot_tell(why)),
            }
        }
    };
    view.agreement = text;
    (agrees, view)
}

/// How a trace's predicted response fits what the client saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// Nothing the client saw differs from the prediction.
    Exact,
    /// The prediction has no status but names this one as possible
    /// ("expect HTTP 403", "through a NAT gateway ... HTTP 403").
    Named(u16),
    /// API Gateway answers, with a status the documentation does not give.
    StatusUnknown,
}

/// Whether the trace's predicted response `r` fits what the client saw:
/// statuses equal when both are known, the same kind of client error, and
/// no contradiction in error type, message or denial.
fn consistent(u: &Understood, r: &Response) -> Result<Fit, String> {
    let theirs = r
        .message
        .as_deref()
        .or(r.client_error.as_deref())
        .map(understand)
        .unwrap_or_default();
    let alt_statuses = alternative_statuses(r.client_error.as_deref().unwrap_or(""));
    let client_classes = r
        .client_error
        .as_deref()
        .map(parse::client_errors_in)
        .unwrap_or_default();
    // The trace's fallback for a block whose answer is not documented:
    // API Gateway answers, with a status nobody can predict.
    let gateway_answers = r.status.is_none() && r.http_answer == Some(true);
    let fit = match (u.status, r.status) {
        (Some(s), Some(rs)) if s != rs => {
            return Err(format!("it predicts HTTP {rs}, not {s}"));
        }
        (Some(s), None) if alt_statuses.contains(&s) => Fit::Named(s),
        (Some(_), None) if gateway_answers && alt_statuses.is_empty() => Fit::StatusUnknown,
        (Some(s), None) => {
            return Err(format!(
                "it predicts {}, not HTTP {s}",
                clip(r.client_error.as_deref().unwrap_or("no HTTP answer"), 160)
            ));
        }
        _ => Fit::Exact,
    };
    if let Some(c) = u.client_error {
        if gateway_answers {
            return Err(format!(
                "it predicts an answer from API Gateway, not a client error ({})",
                c.words()
            ));
        }
        if let Some(rs) = r.status {
            return Err(format!(
                "it predicts HTTP {rs}, not a client error ({})",
                c.words()
            ));
        }
        if !client_classes.contains(&c) {
            let said: Vec<&str> = client_classes.iter().map(|c| c.words()).collect();
            return Err(format!(
                "it predicts {}, not {}",
                if said.is_empty() {
                    "another client error".to_string()
                } else {
                    said.join(" or ")
                },
                c.words()
            ));
        }
    }
    if let (Some(a), Some(b)) = (u.error_type, r.error_type.as_deref()) {
        if !a.eq_ignore_ascii_case(b) {
            return Err(format!("it predicts x-amzn-ErrorType {b}, not {a}"));
        }
    }
    if let (Some(Gateway::Type(a)), Some(b)) = (u.gateway_response, r.gateway_response) {
        if a != b {
            return Err(format!("it predicts gateway response {b}, not {a}"));
        }
    }
    if let (Some(a), Some(b)) = (u.kind, theirs.kind) {
        if !a.is_log() && !b.is_log() && a != b && r.status.is_some() {
            return Err(format!(
                "it predicts the message {:?}",
                clip(r.message.as_deref().unwrap_or(""), 160)
            ));
        }
    }
    if u.kind == Some(Kind::AccessDenied) && theirs.kind == Some(Kind::AccessDenied) {
        if let (Some(a), Some(b)) = (u.deny, theirs.deny) {
            if a != b {
                return Err(format!("it predicts an {b} deny, not an {a} one"));
            }
        }
        // The resource denied: another API, stage, verb or path is another request.
        let arn = |r: &Option<String>| {
            r.as_deref().map(|a| {
                a.trim_end_matches(['.', ',', ';', ')', '\''])
                    .to_ascii_lowercase()
            })
        };
        if let (Some(a), Some(b)) = (arn(&u.resource), arn(&theirs.resource)) {
            if a != b {
                return Err(format!(
                    "it predicts a denial on {}, not on {}",
                    theirs.resource.as_deref().unwrap_or(""),
                    u.resource.as_deref().unwrap_or("")
                ));
            }
        }
        let iam = |c: &Option<String>| c.as_deref().map(|c| c != "anonymous");
        if let (Some(a), Some(b)) = (iam(&u.caller), iam(&theirs.caller)) {
            if a != b {
                return Err(format!(
                    "it predicts the caller {}",
                    theirs.caller.as_deref().unwrap_or("")
                ));
            }
        }
        if let (Some(a), Some(b)) = (u.policy, theirs.policy) {
            if a != b {
                return Err(format!(
                    "it predicts a denial in {}, not in {}",
                    b.words(),
                    a.words()
                ));
            }
        }
    }
    Ok(fit)
}

/// `HTTP 403` offered inside a client-error text as what happens instead
/// in another set-up (a NAT gateway, an undocumented refusal).
fn alternative_statuses(text: &str) -> Vec<u16> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("HTTP ") {
        if let Some(s) = text.get(i + 5..i + 8).and_then(|s| s.parse().ok()) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_in_hop_order_and_says_something() {
        let mut last = HopId::Instance;
        for e in catalogue::entries() {
            assert!(e.hop >= last, "{} {} out of hop order", e.hop, e.check);
            last = e.hop;
            assert!(
                e.check.starts_with(&format!("H{}.", e.hop.number())),
                "{} is not a check of {}",
                e.check,
                e.hop
            );
            assert!(e.cause.len() > 30 && e.fix.len() > 30, "{}", e.check);
        }
    }

    #[test]
    fn exit_codes() {
        let e = explain("garbage", None);
        assert_eq!(e.exit_code(), EXIT_NO_CANDIDATE);
        assert!(e.note.unwrap().contains("nothing"));
        let e = explain("403", None);
        assert_eq!(e.exit_code(), EXIT_EXPLAINED);
        assert!(e.trace_agrees.is_none());
    }

    #[test]
    fn alternative_statuses_are_read() {
        assert_eq!(
            alternative_statuses("curl: (28) ... instead answers HTTP 403 {\"message\"}"),
            vec![403]
        );
        assert!(alternative_statuses("HTTP x").is_empty());
    }
}
