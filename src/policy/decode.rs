//! The encodings AWS hands policy documents back in: plain JSON, API
//! Gateway's backslash-escaped strings (`{\"Version\":...}`), IAM's
//! percent-encoded documents (`%7B%22Version%22...`), and a JSON string
//! holding any of these.

use serde_json::Value;

/// Turn document text into a JSON object, undoing at most a few layers of
/// encoding. The error is one sentence.
pub(crate) fn decode(text: &str) -> Result<serde_json::Map<String, Value>, String> {
    decode_text(text).map(|(m, _)| m)
}

/// [`decode`], then reject a document that repeats a key in any object:
/// AWS does not document which of the repeated entries it would use.
pub(crate) fn decode_strict(text: &str) -> Result<serde_json::Map<String, Value>, String> {
    let (m, s) = decode_text(text)?;
    check_duplicate_keys(&s)?;
    Ok(m)
}

/// The decoded object and the JSON text it was read from.
fn decode_text(text: &str) -> Result<(serde_json::Map<String, Value>, String), String> {
    let mut s = text.trim_start_matches('\u{feff}').trim().to_string();
    let mut first_error: Option<String> = None;
    for _ in 0..4 {
        if s.is_empty() {
            return Err("the policy document is empty".into());
        }
        if looks_percent_encoded(&s) {
            s = percent_decode(&s)?;
            continue;
        }
        match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(m)) => return Ok((m, s)),
            Ok(Value::String(inner)) => {
                s = inner.trim().to_string();
                continue;
            }
            Ok(other) => {
                return Err(format!(
                    "the policy document is a JSON {}, expected an object",
                    kind(&other)
                ))
            }
            Err(e) => {
                let msg = json_error(&e);
                first_error.get_or_insert(msg);
                // API Gateway returns the policy with escaped quotes.
                if s.contains("\\\"") {
                    // Raw line breaks between tokens are not allowed inside a
                    // JSON string: turn them into spaces first.
                    let flat: String = s
                        .chars()
                        .map(|c| if c.is_control() { ' ' } else { c })
                        .collect();
                    if let Ok(unescaped) = serde_json::from_str::<String>(&format!("\"{flat}\"")) {
                        s = unescaped.trim().to_string();
                        continue;
                    }
                }
                break;
            }
        }
    }
    Err(first_error.unwrap_or_else(|| "the policy document is encoded too many times".into()))
}

/// Walk the JSON text and fail on the first object that repeats a key,
/// saying where (`Statement[0].Condition.StringEquals`).
fn check_duplicate_keys(json: &str) -> Result<(), String> {
    use serde::de::DeserializeSeed;
    let found = std::cell::RefCell::new(None);
    let mut path = Vec::new();
    let mut de = serde_json::Deserializer::from_str(json);
    let walked = DupWalk {
        path: &mut path,
        found: &found,
    }
    .deserialize(&mut de);
    match (found.into_inner(), walked) {
        (Some(msg), _) => Err(msg),
        (None, Err(e)) => Err(json_error(&e)),
        (None, Ok(())) => Ok(()),
    }
}

enum Seg {
    Key(String),
    Index(usize),
}

struct DupWalk<'a> {
    path: &'a mut Vec<Seg>,
    found: &'a std::cell::RefCell<Option<String>>,
}

impl DupWalk<'_> {
    fn here(&self) -> String {
        let mut out = String::new();
        for seg in self.path.iter() {
            match seg {
                Seg::Key(k) if out.is_empty() => out.push_str(k),
                Seg::Key(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        if out.is_empty() {
            "the top level of the policy document".into()
        } else {
            out
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for DupWalk<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for DupWalk<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            self.path.push(Seg::Index(i));
            let next = seq.next_element_seed(DupWalk {
                path: &mut *self.path,
                found: self.found,
            });
            self.path.pop();
            if next?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: Vec<String> = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            if seen.contains(&k) {
                let msg = format!(
                    "duplicate key {k:?} in {}; AWS does not document which of the repeated entries applies",
                    self.here()
                );
                *self.found.borrow_mut() = Some(msg.clone());
                return Err(serde::de::Error::custom(msg));
            }
            self.path.push(Seg::Key(k.clone()));
            let r = map.next_value_seed(DupWalk {
                path: &mut *self.path,
                found: self.found,
            });
            self.path.pop();
            r?;
            seen.push(k);
        }
        Ok(())
    }
}

fn json_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    if e.is_eof() {
        format!(
            "the policy document ends early at line {}, column {} (truncated?)",
            e.line(),
            e.column()
        )
    } else {
        format!(
            "the policy document is not valid JSON at line {}, column {}: {msg}",
            e.line(),
            e.column()
        )
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn looks_percent_encoded(s: &str) -> bool {
    let head: String = s.chars().take(3).collect::<String>().to_ascii_uppercase();
    head == "%7B" || head == "%22"
}

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    format!("the percent-encoded policy document has a bad escape at byte {i}")
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| "the percent-encoded policy document is not UTF-8 once decoded".to_string())
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn encodings() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        assert!(decode(plain).is_ok());
        let escaped = r#"{\"Version\":\"2012-10-17\",\"Statement\":[]}"#;
        assert_eq!(decode(escaped).unwrap(), decode(plain).unwrap());
        let pct = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(decode(pct).unwrap(), decode(plain).unwrap());
        let quoted = serde_json::to_string(plain).unwrap();
        assert_eq!(decode(&quoted).unwrap(), decode(plain).unwrap());
        assert!(decode("").unwrap_err().contains("empty"));
        assert!(decode("[1]").unwrap_err().contains("array"));
        assert!(decode("{\"a\":").unwrap_err().contains("ends early"));
        assert!(decode("%7Bzz%ZZ").unwrap_err().contains("bad escape"));
    }
}
