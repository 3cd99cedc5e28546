//! API Gateway access logs (rulebook §5.1), read in the stage's own format.
//!
//! A stage's `accessLogSettings.format` is a single line in which
//! `$context.*` variables stand between literal text. API Gateway writes the
//! line by replacing each variable with its value (`-` when it has none), so
//! a format can be compiled once into a parser that names every field of the
//! lines it wrote:
//!
//! * JSON formats (`{"status":"$context.status","lat":$context.responseLatency}`)
//!   are read as JSON: each key path of the format that holds a variable
//!   (quoted or bare) is looked up in the line. A line that is not valid JSON
//!   (an unquoted `-`, a quote inside a value) falls back to the layout walk.
//! * Every other layout (CLF, CSV, XML, anything custom) is a sequence of
//!   literal and variable tokens. A line is matched by walking the tokens:
//!   each variable captures up to the next occurrence of the literal after
//!   it. When that leftmost walk fails (a value contains its separator), the
//!   tokens are also matched from the end of the line, and the one variable
//!   between the two walks takes what is left. Both walks are linear in the
//!   line, whatever the number of variables.
//!
//! This file needs only `std` and `serde_json`, so the fuzz targets compile it
//! on its own.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

/// The prefix of every variable allowed in an access-log format.
const VAR_PREFIX: &str = "$context.";

/// A field value's name: the variable without its `$`, e.g.
/// `context.identity.vpceId`.
/// Shared by the format and every record it reads (a clone is a count).
pub type FieldName = std::sync::Arc<str>;

/// One access-log line, each value named by its variable. Values written as
/// `-` (API Gateway's "no value") are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessRecord {
    pub fields: BTreeMap<FieldName, String>,
}

/// A format string that could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError(pub String);

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "access log format: {}", self.0)
    }
}

impl std::error::Error for FormatError {}

/// A line that does not fit the format; the message says where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError(pub String);

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LineError {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Lit(String),
    /// The field name (`context.status`).
    Var(String),
}

/// Where a JSON format keeps one of its values, and how that value is laid out
/// (usually one variable; sometimes text around variables, as in
/// `"route":"$context.httpMethod $context.resourcePath"`).
#[derive(Debug, Clone)]
struct JsonSlot {
    path: Vec<String>,
    layout: Layout,
}

/// A compiled sequence of literals and variables. Adjacent literals are
/// merged and adjacent variables grouped, so the two kinds alternate.
#[derive(Debug, Clone)]
struct Layout {
    items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Lit(String),
    Vars(Vec<FieldName>),
}

/// A compiled access-log format.
#[derive(Debug, Clone)]
pub struct AccessFormat {
    source: String,
    layout: Layout,
    /// Set for formats that are a JSON object.
    json: Option<Vec<JsonSlot>>,
    /// For a JSON format whose values are all top-level keys: each key's
    /// slot, so a line is read in one pass without building its tree.
    flat: Option<FlatIndex>,
}

/// Top-level key → slot, hashed with FNV-1a (a line's keys are short and
/// many).
type FlatIndex = crate::model::fnv::FnvMap<String, usize>;

/// The JSON format the rulebook recommends (§5.1); the demo world writes it.
pub const RECOMMENDED_FORMAT: &str = r#"{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId","vpce":"$context.identity.vpceId","vpc":"$context.identity.vpcId","ip":"$context.identity.sourceIp","caller":"$context.identity.userArn","method":"$context.httpMethod","resourcePath":"$context.resourcePath","stage":"$context.stage","status":"$context.status","errType":"$context.error.responseType","errMsg":"$context.error.message","authenticate":"$context.authenticate.status","authorize":"$context.authorize.status","authorizeErr":"$context.authorize.error","authorizerStatus":"$context.authorizer.status","authorizerErr":"$context.authorizer.error","waf":"$context.waf.status","integStatus":"$context.integration.status","integErr":"$context.integration.error","integLatency":"$context.integration.latency","latency":"$context.responseLatency","tls":"$context.tlsVersion"}"#;

/// The Common Log Format example API Gateway's console offers.
pub const CLF_FORMAT: &str = r#"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId"#;

/// Splits a format into tokens. A variable is `$context.` followed by name
/// characters (letters, digits, `_`, `.`, and `['...']` selectors); a
/// trailing `.` belongs to the literal after it. Adjacent literals merge.
fn tokenize(format: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut lit = String::new();
    let mut rest = format;
    while let Some(i) = rest.find(VAR_PREFIX) {
        let after = &rest[i + VAR_PREFIX.len()..];
        let len = name_len(after);
        if len == 0 {
            // `$context.` followed by no name: literal text.
            lit.push_str(&rest[..i + VAR_PREFIX.len()]);
            rest = after;
            continue;
        }
        lit.push_str(&rest[..i]);
        if !lit.is_empty() {
            out.push(Token::Lit(std::mem::take(&mut lit)));
        }
        out.push(Token::Var(format!("context.{}", &after[..len])));
        rest = &after[len..];
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        out.push(Token::Lit(lit));
    }
    out
}

/// Length of the variable name at the start of `s`.
fn name_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            i += 1;
        } else if c == b'[' && b.get(i + 1) == Some(&b'\'') {
            // `claims['email']`: take it whole, up to `']`.
            match s[i..].find("']") {
                Some(j) => i += j + 2,
                None => break,
            }
        } else {
            break;
        }
    }
    while i > 0 && b[i - 1] == b'.' {
        i -= 1;
    }
    i
}

/// A value as API Gateway writes it: `-` means no value.
fn present(v: &str) -> Option<&str> {
    if v == "-" {
        None
    } else {
        Some(v)
    }
}

/// Values that are free text and so the likeliest to contain their own
/// separator; when a line can be split more than one way, one of these takes
/// the extra text.
const FREE_TEXT: [&str; 11] = [
    "context.error.message",
    "context.error.messageString",
    "context.error.validationErrorString",
    "context.integrationErrorMessage",
    "context.integration.error",
    "context.authorizer.error",
    "context.authorize.error",
    "context.authenticate.error",
    "context.waf.error",
    "context.identity.userAgent",
    "context.requestTime",
];

/// Where each item of a layout sits in a line (`None`: not placed).
type Spans = Vec<Option<(usize, usize)>>;

impl Layout {
    fn from_tokens(tokens: Vec<Token>) -> Layout {
        let mut items: Vec<Item> = Vec::new();
        for t in tokens {
            match (t, items.last_mut()) {
                (Token::Var(v), Some(Item::Vars(vs))) => vs.push(v.into()),
                (Token::Var(v), _) => items.push(Item::Vars(vec![v.into()])),
                (Token::Lit(l), Some(Item::Lit(prev))) => prev.push_str(&l),
                (Token::Lit(l), _) => items.push(Item::Lit(l)),
            }
        }
        Layout { items }
    }

    fn vars(&self) -> impl Iterator<Item = &str> {
        self.items
            .iter()
            .flat_map(|t| match t {
                Item::Vars(v) => v.as_slice(),
                Item::Lit(_) => &[],
            })
            .map(|v| &**v)
    }

    /// Matches `line` against the layout and stores the values found. Two
    /// variables with nothing between them share one span: the first takes
    /// it, the others stay absent.
    fn capture(&self, line: &str, out: &mut BTreeMap<FieldName, String>) -> Result<(), LineError> {
        let spans = match self.forward(line) {
            (spans, None) if self.tail_holds_separator(line, &spans) => {
                // The last variable swallowed its own separator: a free-text
                // value earlier in the line probably holds it.
                match self.split(line) {
                    Some((split, true)) => split,
                    _ => spans,
                }
            }
            (spans, None) => spans,
            (_, Some(err)) => self.split(line).ok_or(err)?.0,
        };
        for (item, span) in self.items.iter().zip(spans) {
            if let (Item::Vars(vs), Some((a, b))) = (item, span) {
                if let Some(v) = present(&line[a..b]) {
                    out.entry(vs[0].clone()).or_insert_with(|| v.to_string());
                }
            }
        }
        Ok(())
    }

    /// Whether the layout ends in a variable whose value holds the literal
    /// just before it (a sign that the left walk placed the line wrongly).
    fn tail_holds_separator(&self, line: &str, spans: &Spans) -> bool {
        let n = self.items.len();
        if n < 2 {
            return false;
        }
        match (&self.items[n - 2], spans[n - 1]) {
            (Item::Lit(lit), Some((a, b))) => line[a..b].contains(lit.as_str()),
            _ => false,
        }
    }

    /// Leftmost walk: each variable ends where the next literal first occurs.
    /// Returns the spans placed and, if the walk failed, why.
    fn forward(&self, line: &str) -> (Spans, Option<LineError>) {
        let n = self.items.len();
        let mut spans: Spans = vec![None; n];
        let mut at = 0;
        for i in 0..n {
            match &self.items[i] {
                Item::Lit(lit) => {
                    let found = if i > 0 {
                        line[at..].find(lit.as_str()).map(|k| at + k)
                    } else if line.starts_with(lit.as_str()) {
                        Some(0)
                    } else {
                        None
                    };
                    let Some(start) = found else {
                        let err = format!("expected {:?} at byte {at} of the line", shorten(lit));
                        return (spans, Some(LineError(err)));
                    };
                    if i > 0 {
                        spans[i - 1] = Some((at, start));
                    }
                    spans[i] = Some((start, start + lit.len()));
                    at = start + lit.len();
                }
                Item::Vars(_) if i + 1 == n => spans[i] = Some((at, line.len())),
                Item::Vars(_) => {}
            }
        }
        if matches!(self.items.last(), Some(Item::Lit(_))) && at != line.len() {
            let err = format!("{} bytes left after the format ended", line.len() - at);
            return (spans, Some(LineError(err)));
        }
        (spans, None)
    }

    /// Rightmost walk from the end of the line (mirror of [`Self::forward`]);
    /// it places items until a literal is missing.
    fn backward(&self, line: &str) -> Spans {
        let n = self.items.len();
        let mut spans: Spans = vec![None; n];
        let mut end = line.len();
        for i in (0..n).rev() {
            match &self.items[i] {
                Item::Lit(lit) => {
                    let found = if i + 1 < n {
                        line[..end].rfind(lit.as_str())
                    } else if line.ends_with(lit.as_str()) {
                        Some(line.len() - lit.len())
                    } else {
                        None
                    };
                    let Some(start) = found else { break };
                    if i + 1 < n {
                        spans[i + 1] = Some((start + lit.len(), end));
                    }
                    spans[i] = Some((start, start + lit.len()));
                    end = start;
                }
                Item::Vars(_) if i == 0 => spans[0] = Some((0, end)),
                Item::Vars(_) => {}
            }
        }
        spans
    }

    /// For a line the leftmost walk cannot read because a value holds its own
    /// separator: items before one variable are placed from the left, items
    /// after it from the right, and that variable takes the middle. Of the
    /// variables for which this works, free text is preferred, then the first;
    /// the flag says whether the chosen one is free text.
    fn split(&self, line: &str) -> Option<(Spans, bool)> {
        let n = self.items.len();
        let (fwd, _) = self.forward(line);
        let bwd = self.backward(line);
        // fwd_ok[i]: items 0..i all placed by the left walk (counting a
        // variable only once the literal after it is placed).
        let mut fwd_ok = vec![false; n + 1];
        fwd_ok[0] = true;
        for i in 0..n {
            fwd_ok[i + 1] = fwd_ok[i] && fwd[i].is_some();
        }
        let mut bwd_ok = vec![false; n + 1];
        bwd_ok[n] = true;
        for i in (0..n).rev() {
            bwd_ok[i] = bwd_ok[i + 1] && bwd[i].is_some();
        }
        // The span left between the two walks for the variable at `g`.
        let middle = |g: usize| {
            let start = if g == 0 {
                0
            } else {
                fwd[g - 1].map_or(0, |s| s.1)
            };
            let end = if g + 1 == n {
                line.len()
            } else {
                bwd[g + 1].map_or(0, |s| s.0)
            };
            (start, end)
        };
        let mut best: Option<(usize, bool)> = None;
        for g in 0..n {
            let Item::Vars(vs) = &self.items[g] else {
                continue;
            };
            if !fwd_ok[g] || !bwd_ok[g + 1] {
                continue;
            }
            let (start, end) = middle(g);
            if start > end {
                continue;
            }
            let free = FREE_TEXT.contains(&&*vs[0]);
            match best {
                None => best = Some((g, free)),
                Some((_, false)) if free => best = Some((g, free)),
                _ => {}
            }
        }
        let (g, free) = best?;
        let mut spans: Spans = vec![None; n];
        spans[..g].copy_from_slice(&fwd[..g]);
        spans[g + 1..].copy_from_slice(&bwd[g + 1..]);
        spans[g] = Some(middle(g));
        Some((spans, free))
    }
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(24).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Marker written in place of the variables of a JSON format so the format
/// itself can be parsed as JSON.
const SLOT_MARK: &str = "\u{1}hoptrace:";

impl AccessFormat {
    /// Compiles a stage's `accessLogSettings.format`.
    pub fn compile(format: &str) -> Result<AccessFormat, FormatError> {
        let format = format.trim_end_matches(['\n', '\r']);
        let tokens = tokenize(format);
        if !tokens.iter().any(|t| matches!(t, Token::Var(_))) {
            return Err(FormatError(
                "it names no $context variable, so no field can be read".into(),
            ));
        }
        let json = if format.trim_start().starts_with('{') {
            json_slots(&tokens)
        } else {
            None
        };
        let layout = Layout::from_tokens(tokens);
        let flat = json.as_ref().and_then(|slots| {
            slots
                .iter()
                .enumerate()
                .map(|(i, s)| match s.path.as_slice() {
                    [k] => Some((k.clone(), i)),
                    _ => None,
                })
                .collect()
        });
        Ok(AccessFormat {
            source: format.to_string(),
            layout,
            json,
            flat,
        })
    }

    /// The rulebook's recommended JSON format (§5.1).
    pub fn recommended() -> AccessFormat {
        AccessFormat::compile(RECOMMENDED_FORMAT).expect("the recommended format compiles")
    }

    /// The format string this was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether lines are read as JSON.
    pub fn is_json(&self) -> bool {
        self.json.is_some()
    }

    /// The fields this format writes, in format order (duplicates kept).
    pub fn fields(&self) -> Vec<&str> {
        self.layout.vars().collect()
    }

    /// Reads one line written in this format.
    pub fn parse(&self, line: &str) -> Result<AccessRecord, LineError> {
        let line = line.trim_end_matches(['\n', '\r']);
        let mut rec = AccessRecord::default();
        if let Some(slots) = &self.json {
            // Each slot's value: in one pass for a flat format, else by
            // walking the value tree; `None` when the line is not a JSON
            // object (API Gateway does not escape values), which is then
            // walked as the format is written.
            let values: Option<Vec<Option<String>>> = match &self.flat {
                Some(index) => read_flat(line, index, slots.len()),
                None => match serde_json::from_str::<Value>(line) {
                    Ok(v @ Value::Object(_)) => {
                        Some(slots.iter().map(|s| lookup(&v, &s.path)).collect())
                    }
                    _ => None,
                },
            };
            if let Some(values) = values {
                let mut found = 0;
                for (slot, v) in slots.iter().zip(values) {
                    let Some(s) = v else { continue };
                    found += 1;
                    self.store(slot, s, &mut rec);
                }
                if found == 0 {
                    return Err(LineError(
                        "a JSON object without any key of the format".into(),
                    ));
                }
                return Ok(rec);
            }
        }
        self.layout.capture(line, &mut rec.fields)?;
        Ok(rec)
    }
}

impl AccessFormat {
    /// Keeps the value of one JSON slot: the usual slot is one variable
    /// alone, whose value is the whole string, with no layout to walk. A
    /// value that does not fit its layout is skipped (the other fields
    /// still count).
    fn store(&self, slot: &JsonSlot, s: String, rec: &mut AccessRecord) {
        if let [Item::Vars(vs)] = slot.layout.items.as_slice() {
            if s != "-" {
                rec.fields.entry(vs[0].clone()).or_insert(s);
            }
            return;
        }
        let _ = slot.layout.capture(&s, &mut rec.fields);
    }
}

/// A flat JSON format's slot values of `line`, or `None` when the line is
/// not a JSON object.
fn read_flat(line: &str, index: &FlatIndex, slots: usize) -> Option<Vec<Option<String>>> {
    let mut values: Vec<Option<String>> = vec![None; slots];
    let mut de = serde_json::Deserializer::from_str(line);
    let object = serde::de::DeserializeSeed::deserialize(
        FlatObject {
            index,
            values: &mut values,
        },
        &mut de,
    )
    .and_then(|object| de.end().map(|_| object));
    matches!(object, Ok(true)).then_some(values)
}

/// Reads a JSON object's top-level values into their slots (keys the
/// format does not name are skipped unread); `false` when the line is JSON
/// but not an object.
struct FlatObject<'a> {
    index: &'a FlatIndex,
    values: &'a mut Vec<Option<String>>,
}

impl<'de> serde::de::DeserializeSeed<'de> for FlatObject<'_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FlatObject<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match self.index.get(&*key) {
                Some(&i) => self.values[i] = map.next_value::<Scalar>()?.0,
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(true)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
}

/// An object key, borrowed from the line unless it has escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// One JSON value as the text a field holds: a string as it is, `null` as
/// absent, anything else as its JSON text (as the tree walk gives it).
struct Scalar(Option<String>);

impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar(Some(v)))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                // As serde_json writes the number.
                Ok(Scalar(Some(Value::from(v).to_string())))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Scalar, A::Error> {
                let v = <Value as serde::Deserialize>::deserialize(
                    serde::de::value::SeqAccessDeserializer::new(seq),
                )?;
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Scalar, A::Error> {
                let v = <Value as serde::Deserialize>::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(Scalar(Some(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

/// Builds the key paths of a JSON format, or `None` when the format is not
/// JSON once its variables are replaced by markers.
fn json_slots(tokens: &[Token]) -> Option<Vec<JsonSlot>> {
    // Replace each variable with a marker string, quoting the bare ones.
    let mut text = String::new();
    let mut in_string = false;
    let mut vars = Vec::new();
    for t in tokens {
        match t {
            Token::Lit(l) => {
                let mut escaped = false;
                for c in l.chars() {
                    if in_string {
                        if escaped {
                            escaped = false;
                        } else if c == '\\' {
                            escaped = true;
                        } else if c == '"' {
                            in_string = false;
                        }
                    } else if c == '"' {
                        in_string = true;
                    }
                }
                text.push_str(l);
            }
            Token::Var(v) => {
                let mark = format!("{SLOT_MARK}{}\u{1}", vars.len());
                // JSON forbids raw control characters in strings, so the
                // marker is written escaped.
                let mark = mark.replace('\u{1}', "\\u0001");
                if in_string {
                    text.push_str(&mark);
                } else {
                    text.push('"');
                    text.push_str(&mark);
                    text.push('"');
                }
                vars.push(v.clone());
            }
        }
    }
    let v: Value = serde_json::from_str(&text).ok()?;
    let mut slots = Vec::new();
    collect_slots(&v, &mut Vec::new(), &vars, &mut slots);
    if slots.is_empty() {
        None
    } else {
        Some(slots)
    }
}

fn collect_slots(v: &Value, path: &mut Vec<String>, vars: &[String], out: &mut Vec<JsonSlot>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                path.push(k.clone());
                collect_slots(x, path, vars, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                collect_slots(x, path, vars, out);
                path.pop();
            }
        }
        Value::String(s) if s.contains(SLOT_MARK) => {
            // Rebuild the value's own layout from its markers.
            let mut tokens = Vec::new();
            let mut rest = s.as_str();
            while let Some(i) = rest.find(SLOT_MARK) {
                if i > 0 {
                    tokens.push(Token::Lit(rest[..i].to_string()));
                }
                let after = &rest[i + SLOT_MARK.len()..];
                let end = after.find('\u{1}').unwrap_or(after.len());
                if let Some(var) = after[..end].parse::<usize>().ok().and_then(|n| vars.get(n)) {
                    tokens.push(Token::Var(var.clone()));
                }
                rest = after.get(end + 1..).unwrap_or("");
            }
            if !rest.is_empty() {
                tokens.push(Token::Lit(rest.to_string()));
            }
            out.push(JsonSlot {
                path: path.clone(),
                layout: Layout::from_tokens(tokens),
            });
        }
        _ => {}
    }
}

/// The value at `path` in a line, as text (`null` has none).
fn lookup(v: &Value, path: &[String]) -> Option<String> {
    let mut cur = v;
    for k in path {
        cur = match cur {
            Value::Object(m) => m.get(k)?,
            Value::Array(a) => a.get(k.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match cur {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

impl AccessRecord {
    /// A field by variable name: `$context.status`, `context.status` or
    /// `status` all name the same field.
    pub fn get(&self, var: &str) -> Option<&str> {
        let var = var.strip_prefix('$').unwrap_or(var);
        if var.starts_with("context.") {
            return self.fields.get(var).map(String::as_str);
        }
        // `context.` + the name, built on the stack (names are short; a
        // long one takes the slow way).
        const PREFIX: &[u8] = b"context.";
        let mut buf = [0u8; 96];
        let n = PREFIX.len() + var.len();
        if n > buf.len() {
            return self
                .fields
                .get(format!("context.{var}").as_str())
                .map(String::as_str);
        }
        buf[..PREFIX.len()].copy_from_slice(PREFIX);
        buf[PREFIX.len()..n].copy_from_slice(var.as_bytes());
        let key = std::str::from_utf8(&buf[..n]).ok()?;
        self.fields.get(key).map(String::as_str)
    }

    fn first(&self, vars: &[&str]) -> Option<&str> {
        vars.iter().find_map(|v| self.get(v))
    }

    fn code(&self, vars: &[&str]) -> Option<u16> {
        self.first(vars).and_then(|s| s.trim().parse().ok())
    }

    pub fn request_id(&self) -> Option<&str> {
        self.get("requestId")
    }
    pub fn extended_request_id(&self) -> Option<&str> {
        self.get("extendedRequestId")
    }
    /// `$context.status`, the status the client got.
    pub fn status(&self) -> Option<u16> {
        self.code(&["status"])
    }
    pub fn vpce_id(&self) -> Option<&str> {
        self.get("identity.vpceId")
    }
    pub fn vpc_id(&self) -> Option<&str> {
        self.get("identity.vpcId")
    }
    pub fn source_ip(&self) -> Option<&str> {
        self.get("identity.sourceIp")
    }
    /// `$context.error.responseType`, the gateway response (§5.3).
    pub fn error_response_type(&self) -> Option<&str> {
        self.get("error.responseType")
    }
    /// `$context.error.message`, or `error.messageString` without its quotes.
    pub fn error_message(&self) -> Option<&str> {
        self.get("error.message").or_else(|| {
            self.get("error.messageString")
                .map(|s| s.trim_matches('"'))
                .filter(|s| !s.is_empty() && *s != "-")
        })
    }
    /// Resource policy / IAM authorisation step.
    pub fn authorize_status(&self) -> Option<u16> {
        self.code(&["authorize.status"])
    }
    pub fn authorize_error(&self) -> Option<&str> {
        self.get("authorize.error")
    }
    /// Lambda or Cognito authorizer step.
    pub fn authorizer_status(&self) -> Option<u16> {
        self.code(&["authorizer.status"])
    }
    pub fn authorizer_error(&self) -> Option<&str> {
        self.get("authorizer.error")
    }
    pub fn authorizer_request_id(&self) -> Option<&str> {
        self.get("authorizer.requestId")
    }
    pub fn authenticate_status(&self) -> Option<u16> {
        self.code(&["authenticate.status"])
    }
    pub fn authenticate_error(&self) -> Option<&str> {
        self.get("authenticate.error")
    }
    /// The backend's status (`integration.status`, else `integrationStatus`).
    pub fn integration_status(&self) -> Option<u16> {
        self.code(&["integration.status", "integrationStatus"])
    }
    pub fn integration_error(&self) -> Option<&str> {
        self.get("integration.error")
    }
    pub fn integration_latency(&self) -> Option<u64> {
        self.first(&["integration.latency", "integrationLatency"])
            .and_then(|s| s.trim().parse().ok())
    }
    pub fn integration_error_message(&self) -> Option<&str> {
        self.get("integrationErrorMessage")
    }
    /// The request id the backend saw (the Lambda invocation's RequestId).
    pub fn integration_request_id(&self) -> Option<&str> {
        self.first(&["integration.requestId", "awsEndpointRequestId"])
    }
    pub fn waf_status(&self) -> Option<&str> {
        self.first(&["waf.status", "wafResponseCode"])
    }
    pub fn api_key_id(&self) -> Option<&str> {
        self.first(&["identity.apiKeyId", "identity.apiKey"])
    }
    pub fn api_id(&self) -> Option<&str> {
        self.get("apiId")
    }
    pub fn stage(&self) -> Option<&str> {
        self.get("stage")
    }
    pub fn http_method(&self) -> Option<&str> {
        self.get("httpMethod")
    }
    pub fn resource_path(&self) -> Option<&str> {
        self.get("resourcePath")
    }
    pub fn path(&self) -> Option<&str> {
        self.get("path")
    }
}

#[cfg(test)]
#[path = "access_tests.rs"]
mod tests;
