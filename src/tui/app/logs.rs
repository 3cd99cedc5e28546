//! The logs pane's state: a bounded buffer of lines, how the pane shows them
//! (follow, pause, wrap, timestamps, this-hop-only, filter, scroll), where
//! they come from and how fresh each source is.

use crate::trace::HopId;
use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::logs::{LogBuffer, LogLine, SourceKind};
use crate::tui::tree::Filter;

/// Lines the pane keeps unless the config file says otherwise (`log_buffer`).
pub const LOG_CAPACITY: usize = 5_000;

#[derive(Debug)]
pub struct LogsState {
    pub buf: LogBuffer,
    pub follow: bool,
    /// Lines counted when the view was frozen; new lines keep counting.
    pub paused_at: Option<u64>,
    pub wrap: bool,
    pub timestamps: bool,
    pub hop_only: bool,
    pub filter: Option<Filter>,
    /// Lines scrolled up from the newest.
    pub scroll: usize,
    /// When each source last delivered a line.
    pub fresh: BTreeMap<SourceKind, SystemTime>,
    /// What feeds the pane, if anything.
    pub source: Option<String>,
    /// Attaches lines to the current trace's hops (none before a trace).
    pub tagger: Option<crate::logs::evidence::Tagger>,
    /// On a live account: the log groups of the current trace's path, which
    /// the runtime follows (it compares this with what it follows now).
    pub wanted: Vec<crate::logs::follow::Group>,
    /// Whether the user allows Live Tail (billed per minute) for this session.
    pub live_tail: LiveTail,
}

/// The user's answer about Live Tail, asked once per session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LiveTail {
    /// Not asked yet: groups are polled until the user answers.
    #[default]
    Ask,
    On,
    /// Declined, or `--no-live-tail`.
    Off,
}

impl Default for LogsState {
    fn default() -> Self {
        LogsState {
            buf: LogBuffer::new(LOG_CAPACITY),
            follow: true,
            paused_at: None,
            wrap: false,
            timestamps: true,
            hop_only: false,
            filter: None,
            scroll: 0,
            fresh: BTreeMap::new(),
            source: None,
            tagger: None,
            wanted: Vec::new(),
            live_tail: LiveTail::Ask,
        }
    }
}

impl LogsState {
    /// Take a batch. Returns whether the pane shows it (it is not paused).
    pub fn push(&mut self, lines: Vec<LogLine>) -> bool {
        for mut l in lines {
            self.fresh.insert(l.source, l.at);
            if let Some(t) = &mut self.tagger {
                let tagged = t.tag(l);
                l = tagged.line.clone();
                l.hop = tagged.hop();
                l.hops = tagged.hops;
            }
            self.buf.push(l);
        }
        self.paused_at.is_none()
    }

    /// A new trace: lines are attached to its hops from now on, and the
    /// lines held are attached again.
    pub fn retag(&mut self, tagger: Option<crate::logs::evidence::Tagger>) {
        self.tagger = tagger;
        for l in self.buf.iter_mut() {
            (l.hop, l.hops) = match &mut self.tagger {
                Some(t) => {
                    let tagged = t.tag(l.clone());
                    (tagged.hop(), tagged.hops)
                }
                None => (None, Vec::new()),
            };
        }
    }

    /// What the lines say about `hop` under the current trace.
    pub fn evidence(&self, hop: HopId) -> crate::logs::evidence::HopEvidence {
        self.tagger
            .as_ref()
            .map(|t| t.evidence(hop))
            .unwrap_or_default()
    }

    /// Back to the newest lines, whatever the view was.
    pub fn follow(&mut self) {
        self.follow = true;
        self.scroll = 0;
        self.paused_at = None;
    }

    /// Freeze the view, or thaw it.
    pub fn toggle_pause(&mut self) {
        self.paused_at = match self.paused_at {
            Some(_) => None,
            None => Some(self.buf.total()),
        };
        self.follow = self.paused_at.is_none() && self.scroll == 0;
    }

    /// Scroll by `delta` rows; up (negative) goes back into history.
    pub fn scroll_by(&mut self, delta: isize) {
        let s = (self.scroll as isize).saturating_sub(delta).max(0) as usize;
        self.scroll = s.min(self.buf.len().saturating_sub(1));
        self.follow = self.scroll == 0;
    }

    pub fn set_filter(&mut self, f: Option<Filter>) {
        self.filter = f;
        self.scroll = 0;
    }

    /// Lines the pane shows (oldest first): the newest `max` matching lines
    /// before the scroll offset. `hop` is the selected hop, for hop-only.
    pub fn visible(&self, max: usize, hop: Option<HopId>) -> Vec<&LogLine> {
        let end_seq = self.paused_at.unwrap_or(self.buf.total());
        let end = end_seq.saturating_sub(self.buf.first_seq()) as usize;
        let mut out = Vec::with_capacity(max);
        let mut skipped = 0;
        for l in self.buf.iter().take(end).rev() {
            if let Some(f) = &self.filter {
                if !f.matches(&l.text) && !f.matches(l.source.as_str()) {
                    continue;
                }
            }
            if self.hop_only && !hop.is_some_and(|h| l.speaks_for(h)) {
                continue;
            }
            if skipped < self.scroll {
                skipped += 1;
                continue;
            }
            out.push(l);
            if out.len() >= max {
                break;
            }
        }
        out.reverse();
        out
    }

    /// The newest `max` lines correlated to a hop, oldest first.
    pub fn for_hop(&self, hop: HopId, max: usize) -> Vec<&LogLine> {
        let mut v: Vec<&LogLine> = self
            .buf
            .iter()
            .rev()
            .filter(|l| l.speaks_for(hop))
            .take(max)
            .collect();
        v.reverse();
        v
    }
}
