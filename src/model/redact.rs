//! `snapshot record --redact`: account ids replaced, consistently, wherever
//! they appear (the snapshot's account, owner ids, the account part of
//! ARNs, and inside policy documents), so a redacted file still traces the
//! same. Other ids and addresses are kept: they carry the topology.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Snapshot;

/// The redacted snapshot and the number of account ids replaced.
pub fn redact(snap: &Snapshot) -> Result<(Snapshot, usize), serde_json::Error> {
    let mut doc = serde_json::to_value(snap)?;
    let mut accounts: Vec<String> = vec![snap.account.clone()];
    collect(&doc, &mut accounts);
    accounts.retain(|a| is_account(a));
    // First seen, first numbered: the snapshot's own account is 000000000001.
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for a in accounts {
        let n = map.len() + 1;
        map.entry(a).or_insert_with(|| format!("{n:012}"));
    }
    replace(&mut doc, &map);
    let out: Snapshot = serde_json::from_value(doc)?;
    Ok((out, map.len()))
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Account ids: the account part of every ARN in any string (policy
/// documents included) and 12-digit owner-id fields.
fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            for part in s.split("arn:").skip(1) {
                // arn:{partition}:{service}:{region}:{account}:...
                if let Some(a) = part.split(':').nth(3) {
                    if is_account(a) && !out.iter().any(|o| o == a) {
                        out.push(a.to_string());
                    }
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                let owner = matches!(
                    k.as_str(),
                    "OwnerId" | "UserId" | "account" | "ownerAccount" | "AccountId"
                );
                match x {
                    Value::String(s) if owner && is_account(s) && !out.iter().any(|o| o == s) => {
                        out.push(s.clone())
                    }
                    _ => collect(x, out),
                }
            }
        }
        _ => {}
    }
}

/// Every occurrence of a known account id, in every string, replaced.
fn replace(v: &mut Value, map: &BTreeMap<String, String>) {
    match v {
        Value::String(s) if map.keys().any(|a| s.contains(a.as_str())) => {
            let mut t = s.clone();
            for (from, to) in map {
                t = t.replace(from.as_str(), to);
            }
            *s = t;
        }
        Value::Array(a) => a.iter_mut().for_each(|x| replace(x, map)),
        Value::Object(o) => o.values_mut().for_each(|x| replace(x, map)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::World;
    use crate::trace::{self, Request, TlsVersion};

    #[test]
    fn redaction_is_consistent_and_keeps_the_trace() {
        let snap = crate::demo::snapshot().unwrap();
        let (red, n) = redact(&snap).unwrap();
        assert!(n >= 1);
        assert_eq!(red.account, "000000000001");
        let text = serde_json::to_string(&red).unwrap();
        assert!(!text.contains("111122223333"), "an account id survived");
        // Every demo story traces the same, hop by hop.
        let (a, b) = (World::new(snap), World::new(red));
        for s in crate::demo::stories() {
            let req = Request::new(
                &s.instance,
                &s.method,
                &s.url,
                &s.headers,
                s.headers.iter().any(|h| h.contains("AWS4-HMAC-SHA256")),
                TlsVersion::parse(&s.tls).unwrap(),
            )
            .unwrap();
            let (ta, tb) = (trace::run(&a, &req).unwrap(), trace::run(&b, &req).unwrap());
            let verdicts = |t: &trace::Trace| t.hops.iter().map(|h| h.verdict).collect::<Vec<_>>();
            assert_eq!(verdicts(&ta), verdicts(&tb), "{}", s.name);
            assert_eq!(ta.verdict, tb.verdict, "{}", s.name);
        }
    }
}
