//! One entry point for every source: a raw line and its [`SourceKind`] give a
//! [`Parsed`] record, or [`Parsed::Raw`] with the reason when the line does not
//! fit. A line is never dropped and parsing never panics.

use super::access::{AccessFormat, AccessRecord};
use super::execution::{self, ExecRecord};
use super::flow::{FlowFormat, FlowRecord};
use super::lambda::{self, LambdaRecord};
use super::SourceKind;

/// The formats a source's lines are written in. The access-log format comes
/// from the stage (`accessLogSettings.format`), the flow-log format from the
/// flow log (`LogFormat`).
#[derive(Debug, Clone, Default)]
pub struct Formats {
    /// `None`: the stage's format is unknown; JSON lines are then read with
    /// the rulebook's recommended format (§5.1).
    pub access: Option<AccessFormat>,
    /// `None`: the version 2 default format.
    pub flow: Option<FlowFormat>,
}

/// A parsed log line.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Access(AccessRecord),
    Execution(ExecRecord),
    Flow(FlowRecord),
    Lambda(LambdaRecord),
    /// A line that does not fit its source's format, kept as it came.
    Raw {
        text: String,
        why: String,
    },
}

impl Parsed {
    /// The API Gateway request id (access, execution) or Lambda invocation
    /// id the line carries.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Parsed::Access(r) => r.request_id(),
            Parsed::Execution(r) => Some(&r.request_id),
            Parsed::Lambda(r) => r.request_id.as_deref(),
            Parsed::Flow(_) | Parsed::Raw { .. } => None,
        }
    }

    pub fn is_raw(&self) -> bool {
        matches!(self, Parsed::Raw { .. })
    }
}

/// Parses one line of the given source.
pub fn parse_line(kind: SourceKind, text: &str, formats: &Formats) -> Parsed {
    let raw = |why: String| Parsed::Raw {
        text: text.to_string(),
        why,
    };
    match kind {
        SourceKind::Access => {
            let parsed = match &formats.access {
                Some(f) => f.parse(text),
                None if text.trim_start().starts_with('{') => {
                    recommended().parse(text).map_err(|e| {
                        super::access::LineError(format!(
                            "the stage's access log format is unknown and the line does not fit the recommended one: {e}"
                        ))
                    })
                }
                None => return raw("the stage's access log format is unknown".into()),
            };
            match parsed {
                Ok(r) => Parsed::Access(r),
                Err(e) => raw(e.to_string()),
            }
        }
        SourceKind::Execution => match execution::parse(text) {
            Ok(r) => Parsed::Execution(r),
            Err(e) => raw(e.0.to_string()),
        },
        SourceKind::Flow => {
            let default;
            let f = match &formats.flow {
                Some(f) => f,
                None => {
                    default = FlowFormat::default();
                    &default
                }
            };
            match f.parse_record(text) {
                Ok(r) => Parsed::Flow(r),
                Err(e) => raw(e.0),
            }
        }
        SourceKind::Lambda => Parsed::Lambda(lambda::parse(text)),
    }
}

fn recommended() -> &'static AccessFormat {
    static F: std::sync::OnceLock<AccessFormat> = std::sync::OnceLock::new();
    F.get_or_init(AccessFormat::recommended)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::replay;

    #[test]
    fn every_demo_line_parses_with_the_default_formats() {
        let f = Formats::default();
        for l in replay::parse(replay::DEMO_SCRIPT).unwrap() {
            let p = parse_line(l.source, &l.text, &f);
            assert!(!p.is_raw(), "{:?}: {p:?}", l.text);
        }
    }

    #[test]
    fn lines_that_do_not_fit_are_kept_raw_with_the_reason() {
        let f = Formats::default();
        let p = parse_line(SourceKind::Access, "10.0.1.15 - - [x]", &f);
        assert!(
            matches!(&p, Parsed::Raw { text, why } if text == "10.0.1.15 - - [x]" && why.contains("unknown"))
        );
        let p = parse_line(SourceKind::Access, "{\"other\":1}", &f);
        assert!(matches!(&p, Parsed::Raw { why, .. } if why.contains("recommended")));
        let p = parse_line(SourceKind::Flow, "2 x", &f);
        assert!(matches!(&p, Parsed::Raw { why, .. } if why.contains("ends before")));
        let p = parse_line(SourceKind::Execution, "no id", &f);
        assert!(matches!(&p, Parsed::Raw { why, .. } if why.contains("request id")));
        // Lambda lines always read as something.
        assert!(!parse_line(SourceKind::Lambda, "\u{0}", &f).is_raw());
    }

    #[test]
    fn the_stage_format_and_flow_format_are_used_when_known() {
        let f = Formats {
            access: Some(AccessFormat::compile(super::super::access::CLF_FORMAT).unwrap()),
            flow: Some(FlowFormat::parse("${interface-id} ${action}").unwrap()),
        };
        let p = parse_line(
            SourceKind::Access,
            "10.0.1.15 - - [28/Nov/2026:09:00:00 +0000] \"GET /pets HTTP/1.1\" 200 512 req-1",
            &f,
        );
        assert_eq!(p.request_id(), Some("req-1"));
        let p = parse_line(SourceKind::Flow, "eni-1 REJECT", &f);
        assert!(
            matches!(p, Parsed::Flow(ref r) if r.action == Some(super::super::flow::FlowAction::Reject))
        );
        let p = parse_line(
            SourceKind::Execution,
            "(abc) Method completed with status: 200",
            &f,
        );
        assert_eq!(p.request_id(), Some("abc"));
    }
}
