//! A live account: discovery progress for the header, the partial worlds
//! that land while it reads, and the `r` (refresh one resource) and `R`
//! (read everything again) keys. The reading itself runs in the event loop
//! (`tui::run`); this side only decides and records.

use super::*;
use crate::discover::{Kind, KindState, Refresh};

#[derive(Debug, Default)]
pub struct DiscoveryState {
    /// The world is a live account: `r` and `R` read from AWS.
    pub live: bool,
    /// A full discovery is running.
    pub running: bool,
    /// The first discovery of the session: what it reads so far is shown.
    pub first: bool,
    /// Per kind, from the running (or last) discovery.
    pub kinds: Vec<Kind>,
    /// What the last finished discovery cost, for the header and the flash.
    pub summary: Option<String>,
    /// Calls the last discovery could not make (each `call code: message`).
    pub failed: Vec<String>,
    /// A refresh in flight (its label).
    pub refreshing: Option<String>,
}

impl DiscoveryState {
    /// `instances 1,200/…  apis 12/50 (3/16 kinds read)`: the kinds still
    /// being read (and the ones that failed), as many as fit in `width`
    /// characters, then how many kinds are done.
    pub fn progress_line(&self, width: usize) -> String {
        let done = self
            .kinds
            .iter()
            .filter(|k| k.state == KindState::Done)
            .count();
        let tail = format!("({done}/{} kinds read)", self.kinds.len());
        let mut out = String::new();
        let mut left_out = 0;
        for k in self
            .kinds
            .iter()
            .filter(|k| matches!(k.state, KindState::Reading | KindState::Failed(_)))
        {
            let s = k.summary();
            let need = out.chars().count() + s.chars().count() + 2 + tail.chars().count();
            if left_out > 0 || need > width {
                left_out += 1;
                continue;
            }
            out.push_str(&s);
            out.push_str("  ");
        }
        if left_out > 0 {
            out.push_str(&format!("+{left_out} more  "));
        }
        out.push_str(&tail);
        out
    }
}

/// What a finished full discovery hands the app.
#[derive(Debug)]
pub struct Finished {
    pub world: Box<World>,
    pub aws_calls: u64,
    pub aws_rounds: u32,
    pub elapsed: std::time::Duration,
    /// The calls that failed (`call code: message`).
    pub failed: Vec<String>,
}

#[derive(Debug)]
pub enum DiscoveryMsg {
    /// A full discovery started (`first`: the session's first).
    Started {
        first: bool,
    },
    Progress(Vec<Kind>),
    /// What the first discovery has read so far.
    Partial(Box<World>),
    Finished(Result<Finished, String>),
    /// A refresh (`r`) ended.
    Refreshed {
        what: String,
        result: Result<(Box<World>, RefreshCost), String>,
    },
}

/// What a refresh read and cost.
#[derive(Debug, Clone, Copy)]
pub struct RefreshCost {
    pub aws_calls: u64,
    /// Resources read again (replaced or added).
    pub replaced: usize,
    /// Resources the account no longer has.
    pub removed: usize,
}

/// What `r` asks the runtime to read again (compared by label in tests).
#[derive(Debug, Clone)]
pub struct RefreshWhat(pub Refresh);

impl PartialEq for RefreshWhat {
    fn eq(&self, other: &Self) -> bool {
        self.0.label() == other.0.label()
    }
}
impl Eq for RefreshWhat {}

impl App {
    pub(super) fn on_discovery(&mut self, msg: DiscoveryMsg) {
        self.dirty = true;
        let d = &mut self.discovery;
        match msg {
            DiscoveryMsg::Started { first } => {
                d.running = true;
                d.first = first;
                d.kinds.clear();
            }
            DiscoveryMsg::Progress(kinds) => d.kinds = kinds,
            DiscoveryMsg::Partial(world) => {
                // Only the first discovery shows its partial worlds: later
                // ones keep the whole previous world until they finish.
                if d.running && d.first {
                    self.on_world(Ok(world));
                }
            }
            DiscoveryMsg::Finished(Ok(f)) => {
                d.running = false;
                let failed = match f.failed.as_slice() {
                    [] => String::new(),
                    [one] => format!("; failed: {one}"),
                    [first, rest @ ..] => format!(
                        "; {} calls failed: {first} (and {} more, in the log file{})",
                        rest.len() + 1,
                        rest.len(),
                        crate::paths::log_file()
                            .map(|p| format!(" {}", p.display()))
                            .unwrap_or_default()
                    ),
                };
                let summary = format!(
                    "read in {:.1} s: {} AWS calls in {} rounds{failed}",
                    f.elapsed.as_secs_f64(),
                    crate::discover::thousands(f.aws_calls as usize),
                    f.aws_rounds,
                );
                d.summary = Some(summary.clone());
                d.failed = f.failed;
                let had_edits = !self.undo.is_empty();
                self.on_world(Ok(f.world));
                let note = if had_edits {
                    " (what-if edits were dropped)"
                } else {
                    ""
                };
                self.flash(
                    format!("{summary}{note}"),
                    !self.discovery.failed.is_empty(),
                );
            }
            DiscoveryMsg::Finished(Err(e)) => {
                d.running = false;
                self.on_world(Err(e));
            }
            DiscoveryMsg::Refreshed { what, result } => {
                d.refreshing = None;
                match result {
                    Ok((world, r)) => {
                        let had_edits = !self.undo.is_empty();
                        self.on_world(Ok(world));
                        let gone = if r.removed > 0 {
                            format!(", {} no longer in the account", r.removed)
                        } else {
                            String::new()
                        };
                        let note = if had_edits {
                            " (what-if edits were dropped)"
                        } else {
                            ""
                        };
                        self.flash(
                            format!(
                                "refreshed {what}: {} read again{gone} ({} AWS calls){note}",
                                r.replaced, r.aws_calls
                            ),
                            false,
                        );
                    }
                    Err(e) => self.flash(
                        format!("refresh of {what} failed, nothing changed: {e}"),
                        true,
                    ),
                }
            }
        }
    }

    /// `r`: read the selected resource (on the trace view, what the trace
    /// reads) again. Offline worlds have nothing to read: trace again.
    pub(super) fn refresh(&mut self) -> Vec<Effect> {
        if !self.discovery.live {
            if self.screen == Screen::Reach {
                self.rerun_reach();
            } else {
                self.retrace();
            }
            return Vec::new();
        }
        if self.discovery.running {
            self.flash(
                "discovery is still reading the account; R starts it over",
                false,
            );
            return Vec::new();
        }
        if let Some(what) = &self.discovery.refreshing {
            self.flash(format!("still refreshing {what}"), false);
            return Vec::new();
        }
        if let Some(why) = self.world.absence() {
            self.flash(why, true);
            return Vec::new();
        }
        let what = match self.screen {
            Screen::Trace => match &self.trace.request {
                Some(req) => Refresh::Trace(Box::new(req.clone())),
                None => {
                    self.flash("no trace yet: select an instance and press t", false);
                    return Vec::new();
                }
            },
            Screen::Explorer | Screen::Reach => match self.selected_item().and_then(refresh_of) {
                Some(r) => r,
                None => {
                    self.flash("r refreshes a VPC, subnet, instance, endpoint, security group, NACL, route table or API; R reads everything again", false);
                    return Vec::new();
                }
            },
        };
        let label = what.label();
        self.flash(format!("refreshing {label}…"), false);
        self.discovery.refreshing = Some(label);
        vec![Effect::Refresh(RefreshWhat(what))]
    }

    /// `R`: read the whole account again; the current world stays until
    /// the new one is whole.
    pub(super) fn rediscover(&mut self) -> Vec<Effect> {
        if !self.discovery.live {
            self.flash(
                format!(
                    "{} is not a live account: nothing to read again",
                    self.source
                ),
                false,
            );
            return Vec::new();
        }
        if self.discovery.refreshing.is_some() {
            self.flash("a refresh is still running; try again when it ends", false);
            return Vec::new();
        }
        self.flash("reading the whole account again…", false);
        vec![Effect::Rediscover]
    }

    /// The snapshot a refresh reads into: the account as read, without the
    /// what-if edits made since (those are dropped by the refresh).
    pub fn refresh_base(&self) -> Option<Snapshot> {
        match self.undo.first() {
            Some((before, _)) => Some(before.clone()),
            None => self.world().map(|w| w.snap.clone()),
        }
    }
}

/// The read that refreshes an explorer item (a stage, resource, method or
/// backend refreshes its API).
fn refresh_of(item: &Item) -> Option<Refresh> {
    Some(match item {
        Item::Vpc(id) => Refresh::Vpc(id.clone()),
        Item::Subnet(id) => Refresh::Subnet(id.clone()),
        Item::Instance(id) => Refresh::Instance(id.clone()),
        Item::Endpoint(id) => Refresh::Endpoint(id.clone()),
        Item::Sg(id) => Refresh::SecurityGroup(id.clone()),
        Item::Nacl(id) => Refresh::NetworkAcl(id.clone()),
        Item::Rt(id) => Refresh::RouteTable(id.clone()),
        Item::Api(api)
        | Item::Stage(api, _)
        | Item::Resource(api, ..)
        | Item::Method(api, ..)
        | Item::Backend(api, ..) => Refresh::Api(api.clone()),
        Item::Vpcs | Item::Apis | Item::Unplaced | Item::Sgs(_) | Item::Nacls(_) | Item::Rts(_) => {
            return None
        }
    })
}
