//! The polling tail: `FilterLogEvents` on one log group with a start time
//! that moves forward, every event handed on once.
//!
//! - At most one call per second per group; on throttling the wait doubles
//!   (up to 30 s) and comes back down after a call that succeeds.
//! - Each poll reads again from a little before the newest event seen
//!   (`lookback`), because CloudWatch Logs can index an event after newer
//!   ones (flow logs arrive minutes late). Events are told apart by their
//!   `eventId`, so a re-read event is never handed on twice.
//! - Within one poll, events are handed on in timestamp order.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::{LogLine, SourceKind};

/// The fastest a group is polled.
pub const POLL_EVERY: Duration = Duration::from_secs(1);
/// The longest wait after repeated throttling.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// One event read from a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event id (polling); Live Tail gives none.
    pub id: String,
    pub stream: Option<String>,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub message: String,
}

/// Why a poll read nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TailError {
    /// The group does not exist (or was deleted while tailed).
    #[error("log group {group} does not exist")]
    NoGroup { group: String },
    #[error("not allowed to read log group {group}: {code}: {message}")]
    Denied {
        group: String,
        code: String,
        message: String,
    },
    #[error("throttled reading {group}: {code}")]
    Throttled { group: String, code: String },
    #[error("cannot read log group {group}: {code}: {message}")]
    Other {
        group: String,
        code: String,
        message: String,
    },
}

/// Where a tail of one group is: what it has handed on, and from when it
/// reads. Polling and Live Tail feed the same cursor, so a switch from one
/// to the other hands no event on twice.
#[derive(Debug)]
pub struct Cursor {
    pub group: String,
    /// A CloudWatch Logs filter pattern the group is read with.
    pub pattern: Option<String>,
    /// Milliseconds since the epoch: the newest event seen (or the start).
    newest: i64,
    lookback_ms: i64,
    /// For the lookback window, per timestamp, how many events of each
    /// content (stream and message, hashed) were handed on. Live Tail
    /// events carry no event id, so the content tells them apart.
    seen: BTreeMap<i64, HashMap<u64, u32>>,
}

impl Cursor {
    /// Tail `group` from `since`, reading again `lookback` before the
    /// newest event on each poll.
    pub fn new(group: impl Into<String>, since: SystemTime, lookback: Duration) -> Cursor {
        Cursor {
            group: group.into(),
            pattern: None,
            newest: millis(since),
            lookback_ms: lookback.as_millis().min(i64::MAX as u128) as i64,
            seen: BTreeMap::new(),
        }
    }

    /// Read the group with a filter pattern.
    pub fn with_pattern(mut self, pattern: Option<String>) -> Cursor {
        self.pattern = pattern;
        self
    }

    /// The `startTime` of the next call.
    pub fn start(&self) -> i64 {
        self.newest.saturating_sub(self.lookback_ms).max(0)
    }

    /// Of `events` (one answer, any order), the ones not handed on before,
    /// in timestamp order; remembers them. An event that occurs twice (same
    /// time, stream and message) is handed on as often as it occurs in one
    /// answer, never more.
    pub fn fresh(&mut self, mut events: Vec<Event>) -> Vec<Event> {
        events.sort_by_key(|e| e.timestamp);
        let mut in_batch: HashMap<(i64, u64), u32> = HashMap::new();
        let mut out = Vec::new();
        for e in events {
            let key = content_key(&e);
            let n = in_batch.entry((e.timestamp, key)).or_default();
            *n += 1;
            let handed = self
                .seen
                .entry(e.timestamp)
                .or_default()
                .entry(key)
                .or_default();
            if *n > *handed {
                *handed = *n;
                self.newest = self.newest.max(e.timestamp);
                out.push(e);
            }
        }
        // Forget what is older than any future start time.
        let keep_from = self.start();
        self.seen = self.seen.split_off(&keep_from);
        out
    }
}

fn content_key(e: &Event) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    e.stream.hash(&mut h);
    e.message.hash(&mut h);
    h.finish()
}

fn millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis().min(i64::MAX as u128) as i64)
        .unwrap_or(0)
}

/// The time of an event's timestamp.
pub fn at(timestamp_ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(timestamp_ms.max(0) as u64)
}

/// One poll: every page of `FilterLogEvents` from the cursor's start, the
/// events not handed on before.
pub async fn poll(client: &Client, cursor: &mut Cursor) -> Result<Vec<Event>, TailError> {
    let mut events = Vec::new();
    let mut pages = client
        .filter_log_events()
        .log_group_name(&cursor.group)
        .start_time(cursor.start())
        .set_filter_pattern(cursor.pattern.clone())
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(&cursor.group, &e))?;
        for e in page.events() {
            let (Some(id), Some(ts)) = (e.event_id(), e.timestamp()) else {
                continue;
            };
            events.push(Event {
                id: id.to_string(),
                stream: e.log_stream_name().map(str::to_string),
                timestamp: ts,
                message: e.message().unwrap_or_default().to_string(),
            });
        }
    }
    Ok(cursor.fresh(events))
}

/// What a failed call means for the tail.
pub(crate) fn classify<E: ProvideErrorMetadata>(group: &str, e: &E) -> TailError {
    let code = e.code().unwrap_or("Unknown").to_string();
    let message = e.message().unwrap_or_default().to_string();
    let group = group.to_string();
    match code.as_str() {
        "ResourceNotFoundException" => TailError::NoGroup { group },
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => TailError::Denied {
            group,
            code,
            message,
        },
        c if c.contains("Throttl") || c == "LimitExceededException" => {
            TailError::Throttled { group, code }
        }
        _ => TailError::Other {
            group,
            code,
            message,
        },
    }
}

/// How long to wait before the next poll: [`POLL_EVERY`] after a good
/// call, doubling on each throttled one up to [`MAX_BACKOFF`]; a group
/// that does not exist (yet) or may not be read is asked again only
/// every [`MAX_BACKOFF`].
pub fn next_wait(current: Duration, outcome: Result<(), &TailError>) -> Duration {
    match outcome {
        Err(TailError::Throttled { .. }) => (current * 2).clamp(POLL_EVERY, MAX_BACKOFF),
        Err(TailError::NoGroup { .. } | TailError::Denied { .. }) => MAX_BACKOFF,
        _ => POLL_EVERY,
    }
}

/// A log line from an event of `group`.
pub fn line(kind: SourceKind, group: &str, e: &Event) -> LogLine {
    LogLine {
        source: kind,
        group: group.to_string(),
        at: at(e.timestamp),
        text: e.message.clone(),
        hop: None,
        hops: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: &str, ts: i64) -> Event {
        Event {
            id: id.into(),
            stream: None,
            timestamp: ts,
            message: id.into(),
        }
    }

    #[test]
    fn a_reread_event_is_handed_on_once_and_in_order() {
        let mut c = Cursor::new("g", at(1_000), Duration::from_millis(500));
        assert_eq!(c.start(), 500);
        let first = c.fresh(vec![ev("b", 2_000), ev("a", 1_500)]);
        assert_eq!(
            first.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(c.start(), 1_500);
        // The next poll reads b again, and a late event in the lookback.
        let second = c.fresh(vec![ev("b", 2_000), ev("late", 1_700), ev("c", 2_000)]);
        assert_eq!(
            second.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["late", "c"]
        );
        // Ids older than any future start are forgotten.
        assert!(c.seen.keys().all(|k| *k >= c.start()));
    }

    #[test]
    fn the_same_event_from_live_tail_and_a_poll_is_handed_on_once() {
        let mut c = Cursor::new("g", at(1_000), Duration::from_millis(500));
        let live = |ts| Event {
            id: String::new(),
            stream: Some("s".into()),
            timestamp: ts,
            message: "m".into(),
        };
        let polled = |id: &str, ts| Event {
            id: id.into(),
            ..live(ts)
        };
        assert_eq!(c.fresh(vec![live(1_200)]).len(), 1);
        // The poll after a fallback reads it again, with its id.
        assert_eq!(c.fresh(vec![polled("e1", 1_200)]).len(), 0);
        // Two identical events in one answer are two events.
        assert_eq!(
            c.fresh(vec![polled("e2", 1_300), polled("e3", 1_300)])
                .len(),
            2
        );
        assert_eq!(c.fresh(vec![live(1_300), live(1_300)]).len(), 0);
        assert_eq!(
            c.fresh(vec![live(1_300), live(1_300), live(1_300)]).len(),
            1
        );
    }

    #[test]
    fn throttling_doubles_the_wait_up_to_the_limit() {
        let t = TailError::Throttled {
            group: "g".into(),
            code: "ThrottlingException".into(),
        };
        let mut w = POLL_EVERY;
        for _ in 0..10 {
            w = next_wait(w, Err(&t));
        }
        assert_eq!(w, MAX_BACKOFF);
        assert_eq!(next_wait(w, Ok(())), POLL_EVERY);
        let gone = TailError::NoGroup { group: "g".into() };
        assert_eq!(next_wait(POLL_EVERY, Err(&gone)), MAX_BACKOFF);
    }
}
