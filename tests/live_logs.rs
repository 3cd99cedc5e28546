//! Log tails against a moto server over real HTTP. Run with
//! `scripts/test --test live_logs`.

#[path = "support/aws.rs"]
mod aws;
#[path = "support/moto.rs"]
mod moto;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use hoptrace::logs::follow::{follow, Group, Mode, Options, Update};
use hoptrace::logs::tail::{self, Cursor, TailError};
use hoptrace::logs::SourceKind;
use tokio::sync::{mpsc, watch};

async fn clients(
    account: &str,
) -> (
    aws_sdk_cloudwatchlogs::Client,
    aws_sdk_cloudwatchlogs::Client,
) {
    clients_with(account, &[]).await
}

/// As [`clients`], the reader with `faults` answering some of its calls.
async fn clients_with(
    account: &str,
    faults: &[aws::Fault],
) -> (
    aws_sdk_cloudwatchlogs::Client,
    aws_sdk_cloudwatchlogs::Client,
) {
    let conf = aws::config(&moto::url()).await;
    // The test writes with a plain client; hoptrace reads with its guarded one.
    let admin = aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::config::Builder::from(&conf)
            .interceptor(aws::account_header(account))
            .build(),
    );
    let mut extra = vec![aws::account_header(account)];
    extra.extend(
        faults.iter().map(|f| {
            aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(f.clone())
        }),
    );
    let reader = hoptrace::discover::logs_client_with(&conf, &extra);
    (admin, reader)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn put(
    admin: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    stream: &str,
    msgs: &[(&str, i64)],
) {
    let events = msgs
        .iter()
        .map(|(m, ts)| {
            InputLogEvent::builder()
                .message(*m)
                .timestamp(*ts)
                .build()
                .unwrap()
        })
        .collect::<Vec<_>>();
    admin
        .put_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .set_log_events(Some(events))
        .send()
        .await
        .expect("PutLogEvents");
}

/// Events put while the tail runs arrive once each, in timestamp order,
/// across two streams, however often the tail reads them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_polling_tail_hands_on_each_event_once_and_in_order() {
    let account = moto::fresh_account();
    let (admin, reader) = clients(&account).await;
    let group = "/aws/lambda/pets-api";
    admin
        .create_log_group()
        .log_group_name(group)
        .send()
        .await
        .expect("CreateLogGroup");
    for s in ["a", "b"] {
        admin
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name(s)
            .send()
            .await
            .expect("CreateLogStream");
    }
    let t0 = now_ms();
    // Before the tail starts: not handed on.
    put(&admin, group, "a", &[("old", t0 - 60_000)]).await;
    let mut cursor = Cursor::new(group, tail::at(t0 - 1_000), Duration::from_secs(30));
    put(&admin, group, "a", &[("1", t0), ("3", t0 + 2)]).await;
    put(&admin, group, "b", &[("2", t0 + 1)]).await;
    let first = tail::poll(&reader, &mut cursor).await.expect("poll");
    let texts: Vec<&str> = first.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(texts, ["1", "2", "3"]);
    // Nothing new: nothing handed on, though the lookback reads them again.
    assert!(tail::poll(&reader, &mut cursor)
        .await
        .expect("poll")
        .is_empty());
    // A late event inside the lookback and a new one.
    put(&admin, group, "b", &[("late", t0 + 1), ("4", t0 + 3)]).await;
    let next = tail::poll(&reader, &mut cursor).await.expect("poll");
    let texts: Vec<&str> = next.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(texts, ["late", "4"]);
    let line = tail::line(hoptrace::logs::SourceKind::Lambda, group, &next[1]);
    assert_eq!(line.text, "4");
    assert_eq!(line.group, group);
}

/// A group that does not exist is said so, not retried as if passing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_group_is_named() {
    let account = moto::fresh_account();
    let (_, reader) = clients(&account).await;
    let mut cursor = Cursor::new("/aws/lambda/gone", SystemTime::now(), Duration::ZERO);
    let err = tail::poll(&reader, &mut cursor)
        .await
        .expect_err("no such group");
    assert_eq!(
        err,
        TailError::NoGroup {
            group: "/aws/lambda/gone".into()
        }
    );
    assert_eq!(
        tail::next_wait(tail::POLL_EVERY, Err(&err)),
        tail::MAX_BACKOFF
    );
    assert_eq!(err.to_string(), "log group /aws/lambda/gone does not exist");
}

/// A group with one stream `s`, in the test's account.
async fn group_with_stream(admin: &aws_sdk_cloudwatchlogs::Client, group: &str) {
    admin
        .create_log_group()
        .log_group_name(group)
        .send()
        .await
        .expect("CreateLogGroup");
    admin
        .create_log_stream()
        .log_group_name(group)
        .log_stream_name("s")
        .send()
        .await
        .expect("CreateLogStream");
}

fn group(account: &str, name: &str) -> Group {
    Group {
        kind: SourceKind::Lambda,
        name: name.into(),
        arn: format!("arn:aws:logs:us-east-1:{account}:log-group:{name}"),
        pattern: None,
    }
}

/// Runs the follower on `groups` and gathers what it says until `done`
/// holds of it (or 20 s pass: then the test fails, showing what came).
struct Followed {
    rx: mpsc::Receiver<Update>,
    lines: Vec<String>,
    notes: Vec<String>,
    modes: Vec<Mode>,
    task: tokio::task::JoinHandle<()>,
    _choice: watch::Sender<bool>,
}

impl Followed {
    fn start(
        reader: aws_sdk_cloudwatchlogs::Client,
        groups: Vec<Group>,
        since_ms: i64,
        live: bool,
    ) -> Followed {
        let (tx, rx) = mpsc::channel(64);
        let (choice, live) = watch::channel(live);
        let opts = Options {
            since: tail::at(since_ms),
            lookback: Duration::from_secs(30),
            history_only: false,
        };
        Followed {
            rx,
            lines: Vec::new(),
            notes: Vec::new(),
            modes: Vec::new(),
            task: tokio::spawn(follow(reader, groups, opts, live, tx)),
            _choice: choice,
        }
    }

    async fn until(&mut self, what: &str, done: impl Fn(&Followed) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !done(self) {
            let u = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "waited 20 s for {what}: lines {:?}, notes {:?}, modes {:?}",
                        self.lines, self.notes, self.modes
                    )
                })
                .expect("the follower stopped");
            match u {
                Update::Lines(l) => self.lines.extend(l.into_iter().map(|l| l.text)),
                Update::Note(_, n) => self.notes.push(n),
                Update::Mode(m) => self.modes.push(m),
                Update::HistoryDone => {}
            }
        }
    }
}

impl Drop for Followed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Live Tail against moto: the session starts and sends one update (a
/// snapshot of the group's events, all read already), then the stream
/// ends; the follower says so, polls instead, and every event arrives
/// exactly once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_tail_falls_back_to_polling_and_hands_each_event_on_once() {
    let account = moto::fresh_account();
    let (admin, reader) = clients(&account).await;
    let name = "/aws/lambda/live";
    group_with_stream(&admin, name).await;
    let t0 = now_ms();
    put(&admin, name, "s", &[("1", t0), ("2", t0 + 1)]).await;
    let mut f = Followed::start(reader, vec![group(&account, name)], t0 - 1_000, true);
    f.until("Live Tail to start", |f| {
        f.modes.iter().any(|m| m.live == 1)
    })
    .await;
    f.until("the fallback", |f| {
        // The session worked (moto's stream ends after its one update),
        // so the reason is the early end, not a failed call.
        f.notes.iter().any(|n| {
            n.contains("Live Tail stopped for /aws/lambda/live (the stream ended after")
                && n.contains("polling instead")
        }) && f.modes.last().is_some_and(|m| m.live == 0 && m.polled == 1)
    })
    .await;
    put(&admin, name, "s", &[("3", t0 + 2)]).await;
    f.until("the new event", |f| f.lines.len() >= 3).await;
    // A little longer: nothing is handed on twice.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    while let Ok(u) = f.rx.try_recv() {
        if let Update::Lines(l) = u {
            f.lines.extend(l.into_iter().map(|l| l.text));
        }
    }
    assert_eq!(f.lines, ["1", "2", "3"]);
}

/// Live Tail refused (the account's session limit): the follower says
/// why and polls, and lines still arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_live_tail_session_falls_back_to_polling() {
    let account = moto::fresh_account();
    let limit = aws::Fault {
        operation: "StartLiveTail",
        status: 400,
        code: "LimitExceededException",
        message: "You have exceeded the maximum number of concurrent Live Tail sessions",
    };
    let (admin, reader) = clients_with(&account, &[limit]).await;
    let name = "/aws/lambda/limited";
    group_with_stream(&admin, name).await;
    let t0 = now_ms();
    let mut f = Followed::start(reader, vec![group(&account, name)], t0 - 1_000, true);
    f.until("the refusal", |f| {
        f.notes
            .iter()
            .any(|n| n.contains("LimitExceededException") && n.contains("polling instead"))
    })
    .await;
    put(&admin, name, "s", &[("after", t0 + 5)]).await;
    f.until("a polled line", |f| f.lines == ["after"]).await;
    assert_eq!(f.modes.last().map(|m| (m.live, m.polled)), Some((0, 1)));
}

/// Throttled reads are said once, not as a line per retry, and the
/// follower keeps going; a group deleted while followed is said too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_a_deleted_group_are_said_once() {
    let account = moto::fresh_account();
    let throttle = aws::Fault {
        operation: "FilterLogEvents",
        status: 400,
        code: "ThrottlingException",
        message: "Rate exceeded",
    };
    let (admin, throttled) = clients_with(&account, &[throttle]).await;
    let name = "/aws/lambda/busy";
    group_with_stream(&admin, name).await;
    let t0 = now_ms();
    let mut f = Followed::start(throttled, vec![group(&account, name)], t0 - 1_000, false);
    f.until("the throttling note", |f| !f.notes.is_empty())
        .await;
    assert_eq!(
        f.notes,
        [format!("throttled reading {name}: ThrottlingException")]
    );
    assert!(f.lines.is_empty());
    drop(f);

    let (admin, reader) = clients(&account).await;
    put(&admin, name, "s", &[("before", t0)]).await;
    let mut f = Followed::start(reader, vec![group(&account, name)], t0 - 1_000, false);
    f.until("the line", |f| f.lines == ["before"]).await;
    admin
        .delete_log_group()
        .log_group_name(name)
        .send()
        .await
        .expect("DeleteLogGroup");
    f.until("the deletion", |f| {
        f.notes
            .iter()
            .any(|n| n == &format!("log group {name} does not exist"))
    })
    .await;
}
