//! Log tails against a moto server over real HTTP. Run with
//! `scripts/test --test live_logs`.

#[path = "support/aws.rs"]
mod aws;
#[path = "support/moto.rs"]
mod moto;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use hoptrace::logs::tail::{self, Cursor, TailError};

async fn clients(
    account: &str,
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
    let reader = hoptrace::discover::logs_client_with(&conf, &[aws::account_header(account)]);
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
