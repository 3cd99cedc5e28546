//! VPC flow log records (rulebook §5.4), in the default version 2 format or
//! in the custom format of the flow log's `LogFormat` (any subset and order
//! of `${field}` names, separated by spaces). A field AWS could not fill is
//! written `-` and read as absent.
//!
//! Needs only `std`, so the fuzz targets compile it on its own.

use std::collections::BTreeMap;
use std::net::IpAddr;

/// The default (version 2) format.
pub const DEFAULT_FORMAT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

/// The field names of a flow log, in the order its records hold them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowFormat {
    fields: Vec<String>,
}

/// `action`: what the security groups and network ACLs did (§5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowAction {
    Accept,
    Reject,
}

/// `log-status`: `OK`, or no traffic in the window (`NODATA`), or records
/// skipped (`SKIPDATA`, an internal capacity limit or error) (§5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStatus {
    Ok,
    NoData,
    SkipData,
}

/// One flow record. `fields` holds every value by its field name; the typed
/// members are the ones correlation reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowRecord {
    pub fields: BTreeMap<String, String>,
    pub interface_id: Option<String>,
    pub srcaddr: Option<IpAddr>,
    pub dstaddr: Option<IpAddr>,
    pub srcport: Option<u16>,
    pub dstport: Option<u16>,
    /// IANA protocol number (6 is TCP).
    pub protocol: Option<u8>,
    pub action: Option<FlowAction>,
    pub log_status: Option<LogStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowError(pub String);

impl std::fmt::Display for FlowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FlowError {}

impl Default for FlowFormat {
    fn default() -> FlowFormat {
        FlowFormat::parse(DEFAULT_FORMAT).expect("the default format parses")
    }
}

impl FlowFormat {
    /// Reads a `LogFormat` string: `${name}` fields separated by spaces.
    pub fn parse(format: &str) -> Result<FlowFormat, FlowError> {
        let mut fields = Vec::new();
        for tok in format.split_ascii_whitespace() {
            let name = tok
                .strip_prefix("${")
                .and_then(|t| t.strip_suffix('}'))
                .filter(|n| {
                    !n.is_empty()
                        && n.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                })
                .ok_or_else(|| FlowError(format!("{:?} is not a ${{field}}", short(tok))))?;
            fields.push(name.to_string());
        }
        if fields.is_empty() {
            return Err(FlowError("the log format names no field".into()));
        }
        Ok(FlowFormat { fields })
    }

    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Reads one record. The number of values must equal the number of
    /// fields.
    pub fn parse_record(&self, line: &str) -> Result<FlowRecord, FlowError> {
        let mut rec = FlowRecord::default();
        let mut values = line.split_ascii_whitespace();
        for name in &self.fields {
            let Some(v) = values.next() else {
                return Err(FlowError(format!(
                    "the record ends before field {name} (the format has {})",
                    self.fields.len()
                )));
            };
            if v != "-" {
                rec.fields
                    .entry(name.clone())
                    .or_insert_with(|| v.to_string());
            }
        }
        if values.next().is_some() {
            return Err(FlowError(format!(
                "more values than the {} fields of the format",
                self.fields.len()
            )));
        }
        let get = |k: &str| rec.fields.get(k).map(String::as_str);
        rec.interface_id = get("interface-id").map(str::to_string);
        rec.srcaddr = get("srcaddr").and_then(|v| v.parse().ok());
        rec.dstaddr = get("dstaddr").and_then(|v| v.parse().ok());
        rec.srcport = get("srcport").and_then(|v| v.parse().ok());
        rec.dstport = get("dstport").and_then(|v| v.parse().ok());
        rec.protocol = get("protocol").and_then(|v| v.parse().ok());
        rec.action = match get("action") {
            Some("ACCEPT") => Some(FlowAction::Accept),
            Some("REJECT") => Some(FlowAction::Reject),
            _ => None,
        };
        rec.log_status = match get("log-status") {
            Some("OK") => Some(LogStatus::Ok),
            Some("NODATA") => Some(LogStatus::NoData),
            Some("SKIPDATA") => Some(LogStatus::SkipData),
            _ => None,
        };
        Ok(rec)
    }
}

fn short(s: &str) -> String {
    s.chars().take(32).collect()
}

impl FlowRecord {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
    /// Whether the record describes traffic (not a NODATA/SKIPDATA window).
    pub fn has_traffic(&self) -> bool {
        !matches!(
            self.log_status,
            Some(LogStatus::NoData) | Some(LogStatus::SkipData)
        )
    }
    /// TCP, or protocol not in the format.
    pub fn is_tcp(&self) -> bool {
        matches!(self.protocol, Some(6) | None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_format_accept_and_reject() {
        let f = FlowFormat::default();
        assert_eq!(f.fields().len(), 14);
        let r = f
            .parse_record("2 111122223333 eni-0a0000000000web01 10.0.1.15 10.0.10.25 49732 443 6 12 2104 1795856400 1795856460 ACCEPT OK")
            .unwrap();
        assert_eq!(r.interface_id.as_deref(), Some("eni-0a0000000000web01"));
        assert_eq!(r.srcaddr, Some("10.0.1.15".parse().unwrap()));
        assert_eq!(r.dstaddr, Some("10.0.10.25".parse().unwrap()));
        assert_eq!((r.srcport, r.dstport), (Some(49732), Some(443)));
        assert_eq!(r.protocol, Some(6));
        assert_eq!(r.action, Some(FlowAction::Accept));
        assert_eq!(r.log_status, Some(LogStatus::Ok));
        assert_eq!(r.get("bytes"), Some("2104"));
        assert!(r.has_traffic() && r.is_tcp());

        // An AWS-owned endpoint ENI: account-id is `unknown`.
        let r = f
            .parse_record("2 unknown eni-0a10e0000000vpce1 10.0.10.25 10.0.3.10 443 38822 6 3 212 1795856400 1795856460 REJECT OK")
            .unwrap();
        assert_eq!(r.get("account-id"), Some("unknown"));
        assert_eq!(r.action, Some(FlowAction::Reject));
        assert_eq!(r.srcport, Some(443));
    }

    #[test]
    fn nodata_and_skipdata_windows() {
        let f = FlowFormat::default();
        let r = f
            .parse_record(
                "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
            )
            .unwrap();
        assert_eq!(r.log_status, Some(LogStatus::NoData));
        assert_eq!(r.action, None);
        assert_eq!(r.srcaddr, None);
        assert!(r.get("srcaddr").is_none());
        assert!(!r.has_traffic());
        let r = f
            .parse_record("2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA")
            .unwrap();
        assert_eq!(r.log_status, Some(LogStatus::SkipData));
        assert!(!r.has_traffic());
    }

    #[test]
    fn custom_format_in_any_order() {
        let f = FlowFormat::parse("${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${flow-direction} ${pkt-srcaddr} ${srcaddr} ${dstaddr} ${dstport} ${tcp-flags} ${action} ${traffic-path}").unwrap();
        let r = f
            .parse_record("vpc-0a11ce5e00000a001 subnet-0a1 i-0123456789abcdef0 eni-0a0000000000web01 egress 10.0.1.15 10.0.1.15 10.0.10.25 443 2 ACCEPT -")
            .unwrap();
        assert_eq!(r.get("flow-direction"), Some("egress"));
        assert_eq!(r.get("tcp-flags"), Some("2"));
        assert_eq!(r.get("traffic-path"), None);
        assert_eq!(r.dstport, Some(443));
        assert_eq!(r.srcport, None);
        assert_eq!(r.protocol, None);
        assert!(r.is_tcp());
        assert_eq!(r.log_status, None);
        assert!(r.has_traffic());
        // IPv6 addresses.
        let f = FlowFormat::parse("${srcaddr} ${dstaddr} ${action}").unwrap();
        let r = f.parse_record("2001:db8::1 2001:db8::2 ACCEPT").unwrap();
        assert_eq!(r.srcaddr, Some("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn bad_formats_and_odd_records() {
        assert!(FlowFormat::parse("").is_err());
        assert!(FlowFormat::parse("${version} srcaddr").is_err());
        assert!(FlowFormat::parse("${}").is_err());
        assert!(FlowFormat::parse("${a b}").is_err());
        let f = FlowFormat::default();
        assert!(f.parse_record("").is_err());
        assert!(f.parse_record("2 111122223333 eni-0a1").is_err());
        let e = f
            .parse_record("2 1 eni-1 10.0.0.1 10.0.0.2 1 443 6 1 1 1 2 ACCEPT OK extra")
            .unwrap_err();
        assert!(e.0.contains("more values"), "{e}");
        // Unparseable values stay as text, their typed member stays empty.
        let r = f
            .parse_record("2 1 eni-1 not-an-ip 10.0.0.2 99999 443 600 1 1 1 2 MAYBE WHAT")
            .unwrap();
        assert_eq!(r.srcaddr, None);
        assert_eq!(r.srcport, None);
        assert_eq!(r.protocol, None);
        assert_eq!(r.action, None);
        assert_eq!(r.log_status, None);
        assert_eq!(r.get("action"), Some("MAYBE"));
    }
}
