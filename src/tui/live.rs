//! Reading a live account for the TUI: connecting before the screen is
//! taken over, the full discovery reporting progress and partial worlds as
//! it goes, and refreshes. Every task here is stopped when it is replaced
//! and when the UI quits.

use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::app::{DiscoveryMsg, Finished, Msg, RefreshCost};
use crate::cli::AwsArgs;
use crate::discover::{self, Clients, Progress, Refresh};
use crate::logs::follow::{follow, Group, Options, Update};
use crate::logs::LogLine;
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
    /// The log groups followed now, the follower and its forwarder, and
    /// whether it may use Live Tail.
    tailed: Vec<Group>,
    tails: Vec<JoinHandle<()>>,
    live_tail: Option<watch::Sender<bool>>,
}

/// How far back the logs pane starts when a trace's groups are first tailed.
const TAIL_HISTORY: Duration = Duration::from_secs(300);
/// How far back each poll reads again for late events.
const TAIL_LOOKBACK: Duration = Duration::from_secs(30);

/// Hand the follower's updates to the app: lines as they come, a failure
/// or fallback as a line in the pane, the reading mode in its title.
async fn forward(mut rx: mpsc::Receiver<Update>, tx: mpsc::Sender<Msg>) {
    while let Some(u) = rx.recv().await {
        let msg = match u {
            Update::Lines(lines) => Msg::Logs(lines),
            Update::Note(kind, text) => Msg::Logs(vec![LogLine {
                source: kind,
                group: "hoptrace".into(),
                at: SystemTime::now(),
                text: format!("(hoptrace) {text}"),
                hop: None,
                hops: Vec::new(),
            }]),
            Update::Mode(m) => Msg::LogMode(m.to_string()),
            Update::HistoryDone => continue,
        };
        if tx.send(msg).await.is_err() {
            return;
        }
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

    /// Follow `wanted` (the current trace's groups), with Live Tail when
    /// `live_tail`: a new set of groups replaces the follower; the same set
    /// only hears whether Live Tail is allowed now.
    pub fn tail(
        &mut self,
        logs: &aws_sdk_cloudwatchlogs::Client,
        tx: &mpsc::Sender<Msg>,
        wanted: &[Group],
        live_tail: bool,
    ) {
        if wanted == self.tailed.as_slice() {
            if let Some(choice) = &self.live_tail {
                choice.send_if_modified(|v| std::mem::replace(v, live_tail) != live_tail);
            }
            return;
        }
        for h in self.tails.drain(..) {
            h.abort();
        }
        self.tailed = wanted.to_vec();
        let (choice, live) = watch::channel(live_tail);
        self.live_tail = Some(choice);
        let (utx, urx) = mpsc::channel(64);
        let opts = Options {
            since: SystemTime::now() - TAIL_HISTORY,
            lookback: TAIL_LOOKBACK,
            history_only: false,
        };
        self.tails.push(tokio::spawn(follow(
            logs.clone(),
            wanted.to_vec(),
            opts,
            live,
            utx,
        )));
        self.tails.push(tokio::spawn(forward(urx, tx.clone())));
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
