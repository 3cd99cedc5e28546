//! Reading a live account for the TUI: connecting before the screen is
//! taken over, the full discovery reporting progress and partial worlds as
//! it goes, and refreshes. Every task here is stopped when it is replaced
//! and when the UI quits.

use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::app::{DiscoveryMsg, Finished, Msg, RefreshCost};
use crate::cli::AwsArgs;
use crate::discover::{self, Clients, Progress, Refresh};
use crate::logs::tail::{self, Cursor};
use crate::logs::{LogLine, SourceKind};
use crate::model::{Snapshot, World};

/// How often the header's progress is brought up to date.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// How often the partial world is rebuilt while the first discovery reads.
const PARTIAL_EVERY: Duration = Duration::from_secs(1);

/// Clients for the account `aws` names, checked with `sts:GetCallerIdentity`,
/// and the label the header shows; or one line saying what is wrong.
pub(super) async fn connect(
    aws: &AwsArgs,
) -> Result<(Clients, aws_sdk_cloudwatchlogs::Client, String), String> {
    let conf = discover::connect(
        aws.profile.as_deref(),
        aws.region.as_deref(),
        aws.endpoint_url.as_deref(),
    )
    .await
    .map_err(|e| format!("{e}; or work offline with --demo or --snapshot FILE"))?;
    let clients = Clients::new(&conf);
    discover::whoami(&clients)
        .await
        .map_err(|e| format!("{e}; or work offline with --demo or --snapshot FILE"))?;
    Ok((
        clients,
        discover::logs_client(&conf),
        "live, read-only".into(),
    ))
}

/// The background reads of a live account.
#[derive(Default)]
pub(super) struct Tasks {
    discovery: Option<JoinHandle<()>>,
    refresh: Option<JoinHandle<()>>,
    /// The log groups tailed now, and their polling tasks.
    tailed: Vec<(SourceKind, String)>,
    tails: Vec<JoinHandle<()>>,
}

/// How far back the logs pane starts when a trace's groups are first tailed.
const TAIL_HISTORY: Duration = Duration::from_secs(300);
/// How far back each poll reads again for late events.
const TAIL_LOOKBACK: Duration = Duration::from_secs(30);

/// Poll one group until stopped, handing new lines to the app; a failure
/// is said once in the pane (then again only when it changes).
async fn tail_group(
    logs: aws_sdk_cloudwatchlogs::Client,
    kind: SourceKind,
    group: String,
    tx: mpsc::Sender<Msg>,
) {
    let mut cursor = Cursor::new(
        group.clone(),
        SystemTime::now() - TAIL_HISTORY,
        TAIL_LOOKBACK,
    );
    let mut wait = tail::POLL_EVERY;
    let mut last_error: Option<String> = None;
    loop {
        let outcome = tail::poll(&logs, &mut cursor).await;
        let batch: Vec<LogLine> = match &outcome {
            Ok(events) => {
                last_error = None;
                events.iter().map(|e| tail::line(kind, &group, e)).collect()
            }
            Err(e) => {
                let text = e.to_string();
                if last_error.as_deref() == Some(text.as_str()) {
                    Vec::new()
                } else {
                    last_error = Some(text.clone());
                    vec![LogLine {
                        source: kind,
                        group: "hoptrace".into(),
                        at: SystemTime::now(),
                        text: format!("(hoptrace) {text}"),
                        hop: None,
                        hops: Vec::new(),
                    }]
                }
            }
        };
        if !batch.is_empty() && tx.send(Msg::Logs(batch)).await.is_err() {
            return;
        }
        wait = tail::next_wait(wait, outcome.as_ref().map(|_| ()));
        tokio::time::sleep(wait).await;
    }
}

impl Tasks {
    /// Start a full discovery, stopping one that is running. The first
    /// discovery of a session shows what it has read as it goes.
    pub fn discover(&mut self, clients: Clients, tx: mpsc::Sender<Msg>, first: bool) {
        if let Some(h) = self.discovery.take() {
            h.abort();
        }
        self.discovery = Some(tokio::spawn(discovery(clients, tx, first)));
    }

    /// Read `what` again into `base`.
    pub fn refresh(
        &mut self,
        clients: Clients,
        tx: mpsc::Sender<Msg>,
        base: Snapshot,
        what: Refresh,
    ) {
        if let Some(h) = self.refresh.take() {
            h.abort();
        }
        self.refresh = Some(tokio::spawn(async move {
            let result = match discover::refresh(&clients, &base, &what).await {
                Ok(r) => {
                    let cost = RefreshCost {
                        aws_calls: r.aws_calls,
                        replaced: r.replaced,
                        removed: r.removed,
                    };
                    match build(r.snapshot).await {
                        Some(w) => Ok((w, cost)),
                        None => Err("the refreshed world could not be built".to_string()),
                    }
                }
                Err(e) => Err(e),
            };
            let _ = tx
                .send(Msg::Discovery(DiscoveryMsg::Refreshed {
                    what: what.label(),
                    result,
                }))
                .await;
        }));
    }

    /// Tail `wanted` (the current trace's groups), stopping the tails of
    /// groups no longer wanted. Nothing changes when they are the same.
    pub fn tail(
        &mut self,
        logs: &aws_sdk_cloudwatchlogs::Client,
        tx: &mpsc::Sender<Msg>,
        wanted: &[(SourceKind, String)],
    ) {
        if wanted == self.tailed.as_slice() {
            return;
        }
        for h in self.tails.drain(..) {
            h.abort();
        }
        self.tailed = wanted.to_vec();
        for (kind, group) in wanted {
            self.tails.push(tokio::spawn(tail_group(
                logs.clone(),
                *kind,
                group.clone(),
                tx.clone(),
            )));
        }
    }

    /// Stop everything still reading (on quit): no call is sent after this.
    pub fn stop(&mut self) {
        for h in [self.discovery.take(), self.refresh.take()]
            .into_iter()
            .flatten()
            .chain(self.tails.drain(..))
        {
            h.abort();
        }
    }
}

/// Build a world off the UI's thread; `None` if building it panicked.
async fn build(snapshot: Snapshot) -> Option<Box<World>> {
    tokio::task::spawn_blocking(move || Box::new(World::new(snapshot)))
        .await
        .ok()
}

async fn discovery(clients: Clients, tx: mpsc::Sender<Msg>, first: bool) {
    let say = |m: DiscoveryMsg| {
        let tx = tx.clone();
        async move { tx.send(Msg::Discovery(m)).await.is_ok() }
    };
    if !say(DiscoveryMsg::Started { first }).await {
        return;
    }
    let progress = Progress::new();
    let read = discover::progressive(&clients, progress.clone());
    tokio::pin!(read);
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    let mut seen = 0;
    let mut last_world: Option<Instant> = None;
    let outcome = loop {
        tokio::select! {
            out = &mut read => break out,
            _ = tick.tick() => {
                let v = progress.version();
                if v == seen {
                    continue;
                }
                seen = v;
                if !say(DiscoveryMsg::Progress(progress.kinds())).await {
                    return;
                }
                let due = last_world.is_none_or(|t| t.elapsed() >= PARTIAL_EVERY);
                if first && due {
                    if let Some(snap) = progress.snapshot() {
                        last_world = Some(Instant::now());
                        if let Some(w) = build(snap).await {
                            if !say(DiscoveryMsg::Partial(w)).await {
                                return;
                            }
                        }
                    }
                }
            }
        }
    };
    say(DiscoveryMsg::Progress(progress.kinds())).await;
    let finished = match outcome {
        Ok(d) => match build(d.snapshot).await {
            Some(world) => Ok(Finished {
                world,
                aws_calls: d.aws_calls,
                aws_rounds: d.aws_rounds,
                elapsed: d.elapsed,
                failed: d.errors.iter().map(|e| e.to_string()).collect(),
            }),
            None => Err("the world could not be built from what was read".to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    say(DiscoveryMsg::Finished(finished)).await;
}
