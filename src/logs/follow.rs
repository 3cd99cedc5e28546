//! Following a trace's log groups: their history first, then new events as
//! they arrive, by CloudWatch Logs Live Tail when the user allows it and by
//! polling otherwise. The CLI and the TUI both run [`follow`].
//!
//! - Live Tail (`StartLiveTail`) takes at most [`LIVE_TAIL_MAX_GROUPS`]
//!   groups per session and one filter pattern, so the flow-log groups (read
//!   with the path's ENIs as the pattern) get their own session.
//! - A session is renewed before AWS ends it at three hours: a new one
//!   starts at once, then one poll fills any gap; a group just put on Live
//!   Tail is polled once more too (the stream starts with what is ingested
//!   after the handshake).
//! - Flow-log groups are read further back (20 min) and polled every 15 s:
//!   each ENI's records are published minutes after the traffic.
//! - A session that cannot start (`LimitExceededException`, a denied call)
//!   or whose stream breaks or ends early puts its groups back on polling,
//!   and the user is told why.
//! - Every event goes through its group's [`Cursor`], whichever way it
//!   came, so none is handed on twice.

use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatchlogs::types::StartLiveTailResponseStream as Stream;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::groups::Source;
use super::tail::{self, Cursor, Event};
use super::{LogLine, SourceKind};

/// At most this many groups in one Live Tail session (an AWS limit).
pub const LIVE_TAIL_MAX_GROUPS: usize = 10;
/// A session is renewed this long after it started (AWS ends it at 3 h).
pub const RENEW_AFTER: Duration = Duration::from_secs(3 * 3600 - 10 * 60);
/// A stream that ends sooner than this after it started is taken as broken.
const HEALTHY_FOR: Duration = Duration::from_secs(60);
/// Flow logs are published per ENI, minutes after the traffic (an
/// aggregation interval of up to 10 minutes, then delivery): a flow-log
/// group is read again this far back on each poll ...
const FLOW_LOOKBACK: Duration = Duration::from_secs(20 * 60);
/// ... and so polled at most this often.
const FLOW_POLL_EVERY: Duration = Duration::from_secs(15);
/// After a group goes on Live Tail (or its session is renewed), one more
/// poll this much later catches what was ingested during the handshake.
const CATCH_UP_AFTER: Duration = Duration::from_secs(3);

/// One group to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub kind: SourceKind,
    pub name: String,
    /// Its ARN: Live Tail names groups by ARN.
    pub arn: String,
    pub pattern: Option<String>,
}

impl Group {
    /// The group of `source`, if it has one, in `account`'s `region`.
    pub fn of(source: &Source, partition: &str, region: &str, account: &str) -> Option<Group> {
        let name = source.group.clone()?;
        Some(Group {
            kind: source.kind,
            arn: format!("arn:{partition}:logs:{region}:{account}:log-group:{name}"),
            name,
            pattern: source.pattern.clone(),
        })
    }
}

/// The groups of `sources` that have one, in the snapshot's account and
/// region.
pub fn groups_of(sources: &[Source], snap: &crate::model::Snapshot) -> Vec<Group> {
    sources
        .iter()
        .filter_map(|s| Group::of(s, &snap.partition, &snap.region, &snap.account))
        .collect()
}

/// How the groups are read now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mode {
    /// Groups on Live Tail.
    pub live: usize,
    /// Groups polled.
    pub polled: usize,
    /// Live Tail is sampling: above 500 events a second it sends a sample.
    pub sampled: bool,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = |k: usize| if k == 1 { "group" } else { "groups" };
        match (self.live, self.polled) {
            (0, p) => write!(f, "polling {p} log {}", n(p))?,
            (l, 0) => write!(f, "Live Tail on {l} log {}", n(l))?,
            (l, p) => write!(f, "Live Tail on {l} log {}, polling {p}", n(l))?,
        }
        if self.sampled {
            write!(f, " (sampled: Live Tail shows a sample above 500 events/s)")?;
        }
        Ok(())
    }
}

/// What [`follow`] hands on.
#[derive(Debug, Clone)]
pub enum Update {
    /// New lines, in time order within the batch.
    Lines(Vec<LogLine>),
    /// Something the user should know about a source (said once per change).
    Note(SourceKind, String),
    /// How the groups are read now.
    Mode(Mode),
    /// The history is read: live lines follow.
    HistoryDone,
}

/// How to follow.
#[derive(Debug, Clone)]
pub struct Options {
    /// Read history from here.
    pub since: SystemTime,
    /// How far back each poll reads again for events indexed late.
    pub lookback: Duration,
    /// Stop after the history (no following).
    pub history_only: bool,
}

/// A group being followed.
struct Followed {
    group: Group,
    cursor: Cursor,
    /// On a Live Tail session (not polled), by session number.
    session: Option<usize>,
    /// Polled once more even while live (after going live or a renewal),
    /// until that poll succeeds.
    catch_up: bool,
    /// Its Live Tail session failed: it stays polled.
    live_failed: bool,
    wait: Duration,
    due: Instant,
    last_error: Option<String>,
}

/// What a Live Tail session task reports.
enum SessionMsg {
    Events {
        session: usize,
        events: Vec<(String, Event)>,
        sampled: bool,
    },
    Ended {
        session: usize,
        end: End,
    },
}

enum End {
    /// Renew: the session is old, or AWS timed it out.
    Renew,
    /// Fall back to polling, with the reason.
    Failed(String),
}

/// Follow `groups` until the receiver of `tx` is gone (or, with
/// `history_only`, until the history is read). `live_tail` says whether
/// Live Tail may be used for the groups that exist; it may change while
/// following (the TUI asks the user first), and the groups move over
/// without reading any event twice.
pub async fn follow(
    client: Client,
    groups: Vec<Group>,
    opts: Options,
    mut live_tail: watch::Receiver<bool>,
    tx: mpsc::Sender<Update>,
) {
    let now = Instant::now();
    let mut followed: Vec<Followed> = groups
        .into_iter()
        .map(|g| {
            let lookback = if g.kind == SourceKind::Flow {
                opts.lookback.max(FLOW_LOOKBACK)
            } else {
                opts.lookback
            };
            Followed {
                cursor: Cursor::new(g.name.clone(), opts.since, lookback)
                    .with_pattern(g.pattern.clone()),
                group: g,
                session: None,
                catch_up: false,
                live_failed: false,
                wait: tail::POLL_EVERY,
                due: now + tail::POLL_EVERY,
                last_error: None,
            }
        })
        .collect();
    // History first, every group merged in time order.
    let mut history: Vec<LogLine> = Vec::new();
    for f in followed.iter_mut() {
        let (lines, note) = poll_one(&client, f).await;
        history.extend(lines);
        if let Some(n) = note {
            if tx.send(Update::Note(f.group.kind, n)).await.is_err() {
                return;
            }
        }
    }
    history.sort_by_key(|l| l.at);
    if (!history.is_empty() && tx.send(Update::Lines(history)).await.is_err())
        || tx.send(Update::HistoryDone).await.is_err()
    {
        return;
    }
    if opts.history_only || followed.is_empty() {
        return;
    }
    let (stx, mut srx) = mpsc::channel::<SessionMsg>(64);
    let mut sessions = Sessions::default();
    let mut sampled: Vec<bool> = Vec::new();
    let mut choice_open = true;
    if *live_tail.borrow_and_update() {
        go_live(&client, &mut followed, &mut sessions, &stx);
    }
    let mut mode = mode_of(&followed, false);
    if tx.send(Update::Mode(mode.clone())).await.is_err() {
        return;
    }
    loop {
        let next = followed
            .iter()
            .enumerate()
            .filter(|(_, f)| f.session.is_none() || f.catch_up)
            .min_by_key(|(_, f)| f.due)
            .map(|(i, f)| (i, f.due));
        let sleep_until = next.map_or(Instant::now() + Duration::from_secs(3600), |(_, t)| t);
        tokio::select! {
            _ = tx.closed() => break,
            changed = live_tail.changed(), if choice_open => {
                if changed.is_err() {
                    // The sender is gone: the choice stands.
                    choice_open = false;
                    continue;
                }
                if *live_tail.borrow_and_update() {
                    go_live(&client, &mut followed, &mut sessions, &stx);
                } else {
                    sessions.stop();
                    for f in followed.iter_mut().filter(|f| f.session.is_some()) {
                        f.session = None;
                        f.due = Instant::now();
                    }
                }
            }
            _ = tokio::time::sleep_until(sleep_until) => {
                let Some((i, _)) = next else { continue };
                let f = &mut followed[i];
                let (lines, note) = poll_one(&client, f).await;
                // A group that reads again (one that did not exist yet, say)
                // joins Live Tail when it is allowed.
                let recovered = f.session.is_none() && !f.live_failed && f.last_error.is_none();
                if !lines.is_empty() && tx.send(Update::Lines(lines)).await.is_err() {
                    break;
                }
                if let Some(n) = note {
                    if tx.send(Update::Note(followed[i].group.kind, n)).await.is_err() {
                        break;
                    }
                }
                if recovered && *live_tail.borrow() {
                    go_live(&client, &mut followed, &mut sessions, &stx);
                }
            }
            Some(msg) = srx.recv() => match msg {
                SessionMsg::Events { session, events, sampled: s } => {
                    // One update's events, per group, through its cursor at
                    // once (so two identical events stay two).
                    let mut per_group: Vec<Vec<Event>> = vec![Vec::new(); followed.len()];
                    for (ident, e) in events {
                        let name = group_name_of(&ident);
                        if let Some(i) = followed
                            .iter()
                            .position(|f| f.session == Some(session) && f.group.name == name)
                        {
                            per_group[i].push(e);
                        }
                    }
                    let mut lines = Vec::new();
                    for (f, events) in followed.iter_mut().zip(per_group) {
                        if !events.is_empty() {
                            for e in f.cursor.fresh(events) {
                                lines.push(tail::line(f.group.kind, &f.group.name, &e));
                            }
                        }
                    }
                    lines.sort_by_key(|l| l.at);
                    if !lines.is_empty() && tx.send(Update::Lines(lines)).await.is_err() {
                        break;
                    }
                    if let Some(flag) = sampled.get_mut(session) {
                        *flag = s;
                    }
                }
                SessionMsg::Ended { session, end } => {
                    let members: Vec<usize> = (0..followed.len())
                        .filter(|&i| followed[i].session == Some(session))
                        .collect();
                    // A session stopped on purpose (Live Tail turned off)
                    // may still have a message queued: nothing to do.
                    if members.is_empty() || sessions.0.get(session).is_none_or(Option::is_none) {
                        continue;
                    }
                    if let Some(flag) = sampled.get_mut(session) {
                        *flag = false;
                    }
                    match end {
                        End::Renew => {
                            // The new session first, then one poll for the gap.
                            for &i in &members {
                                followed[i].catch_up = true;
                                followed[i].due = Instant::now() + CATCH_UP_AFTER;
                            }
                            let pattern = members.first().and_then(|&i| followed[i].group.pattern.clone());
                            sessions.0[session] = Some(start_session(&client, session, &followed, pattern, &stx));
                        }
                        End::Failed(why) => {
                            sessions.0[session] = None;
                            let kind = members.first().map_or(SourceKind::Access, |&i| followed[i].group.kind);
                            let mut names = Vec::new();
                            for &i in &members {
                                let f = &mut followed[i];
                                f.session = None;
                                f.live_failed = true;
                                f.due = Instant::now();
                                names.push(f.group.name.clone());
                            }
                            let note = format!(
                                "Live Tail stopped for {} ({why}); polling instead",
                                names.join(", ")
                            );
                            if tx.send(Update::Note(kind, note)).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            },
        }
        sampled.resize(sessions.0.len(), false);
        let now_mode = mode_of(&followed, sampled.iter().any(|s| *s));
        if now_mode != mode {
            mode = now_mode;
            if tx.send(Update::Mode(mode.clone())).await.is_err() {
                break;
            }
        }
    }
}

/// Start Live Tail sessions for the polled groups that read well: one
/// session per filter pattern, at most ten groups each. A group that
/// could not be read stays polled.
fn go_live(
    client: &Client,
    followed: &mut [Followed],
    sessions: &mut Sessions,
    stx: &mpsc::Sender<SessionMsg>,
) {
    let mut by_pattern: Vec<(Option<String>, Vec<usize>)> = Vec::new();
    for (i, f) in followed.iter().enumerate() {
        if f.session.is_some() || f.last_error.is_some() || f.live_failed {
            continue;
        }
        match by_pattern
            .iter_mut()
            .find(|(p, v)| *p == f.group.pattern && v.len() < LIVE_TAIL_MAX_GROUPS)
        {
            Some((_, v)) => v.push(i),
            None => by_pattern.push((f.group.pattern.clone(), vec![i])),
        }
    }
    for (pattern, members) in by_pattern {
        let n = sessions.0.len();
        for &i in &members {
            let f = &mut followed[i];
            f.session = Some(n);
            // Live Tail streams what is ingested from now on: one more poll
            // a little later catches what came in during the handshake.
            f.catch_up = true;
            f.due = Instant::now() + CATCH_UP_AFTER;
        }
        sessions
            .0
            .push(Some(start_session(client, n, followed, pattern, stx)));
    }
}

/// The Live Tail session tasks, by session number; all stopped when the
/// follower ends or is aborted (a session left running is billed).
#[derive(Default)]
struct Sessions(Vec<Option<tokio::task::JoinHandle<()>>>);

impl Sessions {
    fn stop(&mut self) {
        for h in self.0.iter_mut().filter_map(Option::take) {
            h.abort();
        }
    }
}

impl Drop for Sessions {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The group a Live Tail event names (its ARN, with or without `:*`, or
/// its name): log group names hold no `:`, so it is what follows the last.
fn group_name_of(ident: &str) -> &str {
    let ident = ident.strip_suffix(":*").unwrap_or(ident);
    ident.rsplit(':').next().unwrap_or(ident)
}

fn mode_of(followed: &[Followed], sampled: bool) -> Mode {
    let live = followed.iter().filter(|f| f.session.is_some()).count();
    Mode {
        live,
        polled: followed.len() - live,
        sampled: sampled && live > 0,
    }
}

/// One poll of `f`: its new lines, and a note when the outcome changed
/// (a failure, or a recovery after one).
async fn poll_one(client: &Client, f: &mut Followed) -> (Vec<LogLine>, Option<String>) {
    let outcome = tail::poll(client, &mut f.cursor).await;
    f.wait = tail::next_wait(f.wait, outcome.as_ref().map(|_| ()));
    if f.group.kind == SourceKind::Flow {
        f.wait = f.wait.max(FLOW_POLL_EVERY);
    }
    f.due = Instant::now() + f.wait;
    match outcome {
        Ok(events) => {
            f.catch_up = false;
            let note = f
                .last_error
                .take()
                .map(|_| format!("{} reads again", f.group.name));
            let lines = events
                .iter()
                .map(|e| tail::line(f.group.kind, &f.group.name, e))
                .collect();
            (lines, note)
        }
        Err(e) => {
            let text = e.to_string();
            let changed = f.last_error.as_deref() != Some(text.as_str());
            f.last_error = Some(text.clone());
            (Vec::new(), changed.then_some(text))
        }
    }
}

/// Start Live Tail session `n` for the followed groups on it.
fn start_session(
    client: &Client,
    n: usize,
    followed: &[Followed],
    pattern: Option<String>,
    tx: &mpsc::Sender<SessionMsg>,
) -> tokio::task::JoinHandle<()> {
    let arns: Vec<String> = followed
        .iter()
        .filter(|f| f.session == Some(n))
        .map(|f| f.group.arn.clone())
        .collect();
    tokio::spawn(session(client.clone(), n, arns, pattern, tx.clone()))
}

/// One Live Tail session, reported to the follower until it ends.
async fn session(
    client: Client,
    n: usize,
    arns: Vec<String>,
    pattern: Option<String>,
    tx: mpsc::Sender<SessionMsg>,
) {
    let started = Instant::now();
    let ended = |end| SessionMsg::Ended { session: n, end };
    let sent = client
        .start_live_tail()
        .set_log_group_identifiers(Some(arns))
        .set_log_event_filter_pattern(pattern)
        .send()
        .await;
    let mut stream = match sent {
        Ok(out) => out.response_stream,
        Err(e) => {
            let why = describe(e.code(), e.message(), &e);
            let _ = tx.send(ended(End::Failed(why))).await;
            return;
        }
    };
    let renew = tokio::time::sleep(RENEW_AFTER);
    tokio::pin!(renew);
    loop {
        let got = tokio::select! {
            _ = &mut renew => {
                let _ = tx.send(ended(End::Renew)).await;
                return;
            }
            got = stream.recv() => got,
        };
        let msg = match got {
            Ok(Some(Stream::SessionUpdate(u))) => SessionMsg::Events {
                session: n,
                sampled: u.session_metadata().is_some_and(|m| m.sampled()),
                events: u
                    .session_results()
                    .iter()
                    .filter_map(|e| {
                        Some((
                            e.log_group_identifier()?.to_string(),
                            Event {
                                id: String::new(),
                                stream: e.log_stream_name().map(str::to_string),
                                timestamp: e.timestamp()?,
                                message: e.message().unwrap_or_default().to_string(),
                            },
                        ))
                    })
                    .collect(),
            },
            Ok(Some(_)) => continue,
            Ok(None) => {
                let lasted = started.elapsed();
                let end = if lasted >= HEALTHY_FOR {
                    End::Renew
                } else {
                    End::Failed(format!(
                        "the stream ended after {:.1} s",
                        lasted.as_secs_f64()
                    ))
                };
                let _ = tx.send(ended(end)).await;
                return;
            }
            Err(e) => {
                let end = if e.code() == Some("SessionTimeoutException") {
                    End::Renew
                } else {
                    End::Failed(describe(e.code(), e.message(), &e))
                };
                let _ = tx.send(ended(end)).await;
                return;
            }
        };
        if tx.send(msg).await.is_err() {
            return;
        }
    }
}

/// `Code: message`, or the error's chain of causes when it has no code.
fn describe(code: Option<&str>, message: Option<&str>, e: &dyn std::error::Error) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => crate::discover::calls::causes(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_says_how_groups_are_read() {
        let m = Mode {
            live: 3,
            polled: 0,
            sampled: false,
        };
        assert_eq!(m.to_string(), "Live Tail on 3 log groups");
        let m = Mode {
            live: 1,
            polled: 1,
            sampled: true,
        };
        assert_eq!(
            m.to_string(),
            "Live Tail on 1 log group, polling 1 (sampled: Live Tail shows a sample above 500 events/s)"
        );
        assert_eq!(Mode::default().to_string(), "polling 0 log groups");
    }

    #[test]
    fn a_group_is_named_by_its_arn() {
        let s = Source {
            kind: SourceKind::Lambda,
            group: Some("/aws/lambda/pets".into()),
            note: None,
            hops: Vec::new(),
            format: None,
            pattern: None,
        };
        let g = Group::of(&s, "aws", "us-east-1", "111122223333").unwrap();
        assert_eq!(
            g.arn,
            "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/pets"
        );
    }
}
