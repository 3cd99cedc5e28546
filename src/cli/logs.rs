//! `hoptrace logs`: the log lines that are evidence for one traced request,
//! each tagged with its hop, from the live account's CloudWatch Logs (or
//! the demo world's replay).

use std::io::Write;
use std::time::{Duration, SystemTime};

use super::{trace, CliError, LogsArgs, LogsOutput};
use crate::logs::evidence::{Tagged, Tagger};
use crate::logs::follow::{follow, groups_of, Options, Update};
use crate::logs::groups;
use crate::model::World;
use crate::trace::Trace;

/// How far back a poll reads again for events indexed late.
const LOOKBACK: Duration = Duration::from_secs(30);

/// `15m`, `2h`, `90s`, `1d`.
pub(crate) fn parse_since(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().map_err(|_| {
        format!("--since {s:?}: expected a number and a unit, e.g. 15m, 2h, 90s, 1d")
    })?;
    let secs = match unit {
        "s" => 1,
        "m" | "" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(format!("--since {s:?}: the unit must be s, m, h or d")),
    };
    Ok(Duration::from_secs(n.saturating_mul(secs)))
}

pub fn run(args: LogsArgs) -> Result<i32, CliError> {
    let since = parse_since(&args.since).map_err(CliError)?;
    let req = trace::request(&args.from, &args.url, &args.request)?;
    if args.source.snapshot.is_some() {
        return Err(CliError(
            "a snapshot holds no logs: read them from the live account (without --snapshot) or use --demo".into(),
        ));
    }
    let mut out = Printer {
        json: args.output == LogsOutput::Json,
        color: super::output::color_enabled(),
    };
    if args.source.demo {
        let world = crate::demo::world()?;
        let t = crate::trace::run(&world, &req)?;
        return demo(&world, &t, args.follow, &mut out);
    }
    live(&args, &req, since, &mut out)
}

struct Printer {
    json: bool,
    color: bool,
}

impl Printer {
    /// Prints one line; `false` once the output is closed (`| head`).
    fn line(&mut self, t: &Tagged) -> bool {
        let mut stdout = std::io::stdout().lock();
        let text = if self.json {
            t.json().to_string()
        } else {
            let hop = t.hop().map(|h| h.as_str()).unwrap_or("-");
            let mark = match (&t.contradiction, self.color) {
                (Some(_), true) => "\x1b[1;31m!\x1b[0m",
                (Some(_), false) => "!",
                (None, _) => " ",
            };
            let mut s = format!(
                "{} {mark}[{hop}] {:<9} {}",
                crate::logs::replay::iso(t.line.at),
                t.line.source.as_str(),
                t.line.text.replace(['\n', '\r'], " ")
            );
            if let Some((h, why)) = &t.contradiction {
                s.push_str(&format!("\n    contradicts {}: {why}", h.as_str()));
            }
            s
        };
        // A closed pipe (`| head`) ends the output quietly.
        writeln!(stdout, "{text}").is_ok()
    }

    fn note(&self, text: &str) {
        eprintln!("hoptrace: logs: {text}");
    }
}

/// The demo world's replay, tagged by the same correlation as live lines:
/// one pass of the script, then (with `follow`) the replay at its pace.
fn demo(world: &World, t: &Trace, follow: bool, out: &mut Printer) -> Result<i32, CliError> {
    let (mut replay, history) = demo_history()?;
    let mut tagger = Tagger::new(world, t, None).with_sources(&groups::sources(world, t, None));
    let mut open = true;
    for line in history {
        open = open && out.line(&tagger.tag(line));
    }
    if follow && open {
        // Until interrupted or the output closes (the replay loops forever).
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
        rt.block_on(async {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                    _ = tokio::signal::ctrl_c() => return,
                }
                for line in replay.due(SystemTime::now()) {
                    if !out.line(&tagger.tag(line)) {
                        return;
                    }
                }
            }
        });
    }
    summary(&tagger, out);
    Ok(0)
}

/// The demo replay, and one whole pass of its script as history.
fn demo_history() -> Result<(crate::logs::replay::Replayer, Vec<crate::logs::LogLine>), CliError> {
    let script = crate::logs::replay::parse(crate::logs::replay::DEMO_SCRIPT)
        .map_err(|e| CliError(format!("demo log script: {e}")))?;
    let span = script.last().map(|l| l.offset).unwrap_or_default() + Duration::from_secs(2);
    let now = SystemTime::now();
    let mut replay = crate::logs::replay::Replayer::new(script, now - span);
    let history = replay.due(now);
    Ok((replay, history))
}

/// What the path's logs of the last `since` say about each hop of `t`
/// (`hoptrace trace --logs`): the demo's replay, or the live account's
/// groups read once (never followed, never Live Tail). Sources that
/// cannot be read are named on stderr.
pub(crate) fn evidence(
    src: &super::SourceArgs,
    world: &World,
    t: &Trace,
    req: &crate::trace::Request,
    since: Duration,
) -> Result<Tagger, CliError> {
    let sources = groups::sources(world, t, Some(req));
    let mut tagger = Tagger::for_request(world, t, Some(req), None).with_sources(&sources);
    if src.demo {
        for line in demo_history()?.1 {
            tagger.tag(line);
        }
        return Ok(tagger);
    }
    let say = |text: String| eprintln!("hoptrace: logs: {text}");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let aws = &src.aws;
        let conf = crate::discover::connect(
            aws.profile.as_deref(),
            aws.region.as_deref(),
            aws.endpoint_url.as_deref(),
        )
        .await
        .map_err(|e| CliError(e.to_string()))?;
        for s in &sources {
            if let Some(note) = &s.note {
                say(format!("{}: {note}", s.kind.as_str()));
            }
        }
        let groups = groups_of(&sources, &world.snap);
        let opts = Options {
            since: SystemTime::now() - since,
            lookback: LOOKBACK,
            history_only: true,
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let (_choice, live_tail) = tokio::sync::watch::channel(false);
        let logs = crate::discover::logs_client(&conf);
        let driver = tokio::spawn(follow(logs, groups, opts, live_tail, tx));
        while let Some(u) = rx.recv().await {
            match u {
                Update::Lines(lines) => {
                    for l in lines {
                        tagger.tag(l);
                    }
                }
                Update::Note(kind, text) => say(format!("{}: {text}", kind.as_str())),
                Update::Mode(_) | Update::HistoryDone => {}
            }
        }
        let _ = driver.await;
        Ok::<_, CliError>(())
    })?;
    Ok(tagger)
}

fn summary(tagger: &Tagger, out: &Printer) {
    out.note(&format!(
        "{} lines, {} not in their source's format (kept raw)",
        tagger.seen, tagger.raw
    ));
    for hop in crate::trace::HopId::ALL {
        if let Some(c) = tagger.evidence(hop).contradicted_by {
            out.note(&format!("{} contradicted by logs: {}", hop.as_str(), c.why));
        }
    }
}

fn live(
    args: &LogsArgs,
    req: &crate::trace::Request,
    since: Duration,
    out: &mut Printer,
) -> Result<i32, CliError> {
    use crate::discover::{self, Clients};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let aws = &args.source.aws;
        let conf = discover::connect(
            aws.profile.as_deref(),
            aws.region.as_deref(),
            aws.endpoint_url.as_deref(),
        )
        .await
        .map_err(|e| CliError(format!("{e}; or replay the demo's logs with --demo")))?;
        let clients = Clients::new(&conf);
        let found = discover::for_trace(&clients, req).await?;
        for e in found.errors.iter().take(5) {
            out.note(&format!("warning: {e}"));
        }
        let world = World::new(found.snapshot);
        let t = crate::trace::run(&world, req)?;
        let logs = discover::logs_client(&conf);
        let sources = groups::sources(&world, &t, Some(req));
        let mut tagger = Tagger::for_request(&world, &t, Some(req), None).with_sources(&sources);
        for s in &sources {
            if let Some(note) = &s.note {
                out.note(&format!("{}: {note}", s.kind.as_str()));
            }
        }
        let groups = groups_of(&sources, &world.snap);
        let live_tail = args.follow && !args.no_live_tail;
        if live_tail {
            out.note("following with CloudWatch Logs Live Tail, which AWS bills per minute (--no-live-tail polls instead)");
        }
        if args.follow && groups.is_empty() {
            out.note("no log group to follow");
        }
        let opts = Options {
            since: SystemTime::now() - since,
            lookback: LOOKBACK,
            history_only: !args.follow,
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let (_choice, live_tail) = tokio::sync::watch::channel(live_tail);
        let driver = tokio::spawn(follow(logs, groups, opts, live_tail, tx));
        loop {
            let update = tokio::select! {
                u = rx.recv() => u,
                _ = tokio::signal::ctrl_c() => None,
            };
            match update {
                None => break,
                Some(Update::Lines(lines)) => {
                    if !lines.into_iter().all(|l| out.line(&tagger.tag(l))) {
                        break;
                    }
                }
                Some(Update::Note(kind, text)) => out.note(&format!("{}: {text}", kind.as_str())),
                Some(Update::Mode(m)) => out.note(&m.to_string()),
                Some(Update::HistoryDone) => {}
            }
        }
        driver.abort();
        summary(&tagger, out);
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::parse_since;
    use std::time::Duration;

    #[test]
    fn since_takes_a_number_and_a_unit() {
        assert_eq!(parse_since("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_since("2h"), Ok(Duration::from_secs(7_200)));
        assert_eq!(parse_since("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_since("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_since("10"), Ok(Duration::from_secs(600)));
        assert!(parse_since("m")
            .unwrap_err()
            .contains("a number and a unit"));
        assert!(parse_since("5y").unwrap_err().contains("s, m, h or d"));
    }
}
