//! The application state and its reducer. `update` never blocks or awaits:
//! background work reports back as messages, and anything with side effects
//! is returned as an [`Effect`] for the runtime to carry out.
//!
//! The state is split by screen: [`ExplorerState`], [`TraceState`] and
//! [`LogsState`] each own their fields and the small updates on them, and
//! [`App::update`] is the one reducer that routes messages and keys to them.

mod discovery;
mod edits;
mod explain;
mod explorer;
mod form;
mod help;
mod logs;
mod mouse;
mod prompt;
mod reach;
mod trace;
mod world;

pub use discovery::{DiscoveryMsg, DiscoveryState, Finished, RefreshCost, RefreshWhat};
pub use explorer::ExplorerState;
pub use form::{TargetChoice, TraceForm, FORM_FIELDS};
pub use logs::{LiveTail, LogsState, LOG_CAPACITY};
pub use prompt::{parse_trace_args, split_words, Input};
pub use reach::{ReachQuery, ReachRow, ReachState};
pub use trace::TraceState;
pub use world::WorldState;

use std::path::PathBuf;
use std::time::SystemTime;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use crate::logs::LogLine;
use crate::model::{Snapshot, World};
use crate::trace::{HopId, Request, TlsVersion, Trace};

use super::editor::Editor;
use super::keymap::{self, Cmd, Keymap};
use super::layout::{self, Areas};
use super::theme::{Theme, ThemeName};
use super::tree::{self, Filter, Item};
use super::whatif::{self, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Explorer,
    Trace,
    /// Who is affected: `reach` grouped by verdict.
    Reach,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Left,
    Right,
    Logs,
}

#[derive(Debug, Clone)]
pub enum Mode {
    Normal,
    Command(Input),
    Filter(Input),
    Form(Box<TraceForm>),
    Help {
        scroll: usize,
    },
    /// The answer of `:explain`, scrolled by `scroll` lines.
    Explain {
        answer: Box<crate::explain::Explanation>,
        scroll: usize,
    },
    Editor {
        target: Target,
        editor: Editor,
    },
    /// Asks once whether the path's log groups may be followed with Live
    /// Tail, which AWS bills per minute.
    AskLiveTail,
}

#[derive(Debug, Clone)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub at: SystemTime,
}

/// Side effects for the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// Edit `text` in `$EDITOR`, then report `Msg::EditorDone`.
    ExternalEditor {
        target: Target,
        text: String,
    },
    /// Write the export files next to `stem` without replacing anything.
    Export {
        stem: String,
        markdown: String,
        json: String,
    },
    /// Read one resource (or what the trace reads) again, then report
    /// `Msg::Discovery(Refreshed)`.
    Refresh(RefreshWhat),
    /// Start a full discovery again.
    Rediscover,
}

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Tick(SystemTime),
    Logs(Vec<LogLine>),
    /// How the path's log groups are read now (Live Tail, polling).
    LogMode(String),
    EditorDone {
        target: Target,
        result: Result<String, String>,
    },
    Exported(Result<Vec<PathBuf>, String>),
    /// A signal asked the program to stop.
    Signal(&'static str),
    /// The world finished loading (or reloading), or could not be loaded.
    World(Result<Box<World>, String>),
    /// A live account's discovery or refresh reports.
    Discovery(DiscoveryMsg),
}

pub struct App {
    pub world: WorldState,
    /// Where the world came from (demo, a snapshot file, an account).
    pub source: String,
    pub explorer: ExplorerState,
    pub trace: TraceState,
    pub reach: ReachState,
    pub logs: LogsState,
    /// Reading a live account.
    pub discovery: DiscoveryState,
    /// Snapshots before each what-if edit, with what was edited.
    pub undo: Vec<(Snapshot, String)>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub screen: Screen,
    pub focus: Pane,
    pub mode: Mode,
    pub flash: Option<Flash>,
    pub now: SystemTime,
    pub size: (u16, u16),
    pub dirty: bool,
    pub quit: bool,
    /// The signal that ended the program, if one did.
    pub quit_signal: Option<&'static str>,
    /// `$VISUAL`/`$EDITOR` is set: edits go there, else the built-in editor.
    pub external_editor: bool,
}

impl App {
    pub fn new(
        world: impl Into<WorldState>,
        source: String,
        keymap: Keymap,
        theme: Theme,
        now: SystemTime,
    ) -> App {
        let world = world.into();
        let mut explorer = ExplorerState::default();
        if let Some(w) = world.ready() {
            explorer.open(w);
        }
        App {
            world,
            source,
            explorer,
            trace: TraceState::default(),
            reach: ReachState::default(),
            logs: LogsState::default(),
            discovery: DiscoveryState::default(),
            undo: Vec::new(),
            keymap,
            theme,
            screen: Screen::Explorer,
            focus: Pane::Left,
            mode: Mode::Normal,
            flash: None,
            now,
            size: (80, 24),
            dirty: true,
            quit: false,
            quit_signal: None,
            external_editor: false,
        }
    }

    pub fn selected_item(&self) -> Option<&Item> {
        self.explorer.selected()
    }

    pub fn flash(&mut self, text: impl Into<String>, error: bool) {
        let text = text.into();
        if error {
            tracing::warn!(%text, "flash");
        }
        self.flash = Some(Flash {
            text,
            error,
            at: self.now,
        });
    }

    pub fn areas(&self) -> Areas {
        layout::areas(self.size.0, self.size.1, self)
    }

    /// Breadcrumbs for the header line.
    pub fn breadcrumbs(&self) -> Vec<String> {
        match self.screen {
            Screen::Explorer => {
                let mut out = vec!["explorer".to_string()];
                if let (Some(w), Some(item)) = (self.world(), self.selected_item()) {
                    for p in tree::path(w, item) {
                        let l = tree::label(w, &p);
                        out.push(l.split_whitespace().take(2).collect::<Vec<_>>().join(" "));
                    }
                }
                out
            }
            Screen::Trace => {
                let mut out = vec!["trace".to_string()];
                if let Some(r) = &self.trace.request {
                    out.push(r.from.clone());
                    out.push(format!("{} {}{}", r.method, r.host, r.path));
                }
                if let Some(h) = self.trace.selected_hop() {
                    out.push(h.hop.to_string());
                }
                out
            }
            Screen::Reach => {
                let mut out = vec!["reach".to_string()];
                match self.reach.result.as_ref().map(|r| &r.query) {
                    Some(crate::reach::Query::To { method, url, .. }) => {
                        out.push(format!("every running instance → {method} {url}"))
                    }
                    Some(crate::reach::Query::From { instance }) => {
                        out.push(format!("{instance} → every deployed method"))
                    }
                    None => {}
                }
                out
            }
        }
    }

    // ---- tracing ------------------------------------------------------------

    pub fn run_trace(&mut self, req: Request) {
        let outcome = match self.world.ready() {
            Some(w) => crate::trace::run(w, &req).map_err(|e| e.to_string()),
            None => Err(self.world.absence().unwrap_or_default()),
        };
        if let Err(e) = &outcome {
            self.flash(e.clone(), true);
        }
        let sources = match (&outcome, self.world.ready()) {
            (Ok(t), Some(w)) => crate::logs::groups::sources(w, t, Some(&req)),
            _ => Vec::new(),
        };
        let tagger = match (&outcome, self.world.ready()) {
            (Ok(t), Some(w)) => Some(
                crate::logs::evidence::Tagger::for_request(w, t, Some(&req), None)
                    .with_sources(&sources),
            ),
            _ => None,
        };
        self.logs.retag(tagger);
        if self.discovery.live && outcome.is_ok() {
            self.want_logs_of(&sources);
        }
        self.trace.record(req, outcome);
        self.screen = Screen::Trace;
        self.focus = Pane::Left;
        self.dirty = true;
    }

    /// `y` allows Live Tail for this session; `n` or Esc keeps polling.
    fn on_live_tail_answer(&mut self, ev: KeyEvent) -> Vec<Effect> {
        match ev.code {
            KeyCode::Char('y' | 'Y') => {
                self.logs.live_tail = LiveTail::On;
                self.flash(
                    "Live Tail on for this session (AWS bills it per minute)",
                    false,
                );
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc | KeyCode::Enter => {
                self.logs.live_tail = LiveTail::Off;
                self.flash(
                    "polling the log groups (at most one call per second per group)",
                    false,
                );
            }
            _ => self.mode = Mode::AskLiveTail,
        }
        self.dirty = true;
        Vec::new()
    }

    /// On a live account: tail the log groups of the traced path, and say
    /// in the pane which sources cannot exist and why.
    fn want_logs_of(&mut self, sources: &[crate::logs::groups::Source]) {
        let Some(w) = self.world.ready() else {
            return;
        };
        let wanted = crate::logs::follow::groups_of(sources, &w.snap);
        if wanted == self.logs.wanted {
            return;
        }
        let notes: Vec<LogLine> = sources
            .iter()
            .filter_map(|s| {
                Some(LogLine {
                    source: s.kind,
                    group: "hoptrace".into(),
                    at: self.now,
                    text: format!("(hoptrace) {}", s.note.as_ref()?),
                    hop: None,
                    hops: Vec::new(),
                })
            })
            .collect();
        self.logs.source = Some(format!(
            "reading {} log group{} of the path",
            wanted.len(),
            if wanted.len() == 1 { "" } else { "s" }
        ));
        if self.logs.live_tail == LiveTail::Ask
            && !wanted.is_empty()
            && matches!(self.mode, Mode::Normal)
        {
            self.mode = Mode::AskLiveTail;
        }
        self.logs.wanted = wanted;
        self.logs.push(notes);
    }

    fn retrace(&mut self) {
        if let Some(req) = self.trace.request.clone() {
            self.run_trace(req);
        } else {
            self.flash("no trace yet: select an instance and press t", false);
        }
    }

    // ---- logs ---------------------------------------------------------------

    /// Lines the logs pane shows (oldest first), newest `max` matching lines
    /// before the scroll offset.
    pub fn visible_logs(&self, max: usize) -> Vec<&LogLine> {
        self.logs.visible(max, self.selected_hop())
    }

    pub fn selected_hop(&self) -> Option<HopId> {
        self.trace.selected_hop().map(|h| h.hop)
    }

    // ---- the reducer ----------------------------------------------------------

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Tick(now) => {
                self.now = now;
                if let Some(f) = &self.flash {
                    if now
                        .duration_since(f.at)
                        .map(|d| d.as_secs() >= 6)
                        .unwrap_or(false)
                    {
                        self.flash = None;
                    }
                }
                self.dirty = true;
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
            }
            Msg::Logs(lines) => {
                if self.logs.push(lines) {
                    self.dirty = true;
                }
            }
            Msg::LogMode(text) => {
                self.logs.source = Some(text);
                self.dirty = true;
            }
            Msg::Signal(name) => {
                tracing::info!(name, "signal");
                self.quit = true;
                self.quit_signal = Some(name);
                return vec![Effect::Quit];
            }
            Msg::World(outcome) => self.on_world(outcome),
            Msg::Discovery(m) => self.on_discovery(m),
            Msg::EditorDone { target, result } => {
                self.dirty = true;
                match result.and_then(|text| self.apply_edit(&target, &text)) {
                    Ok(()) => {}
                    Err(e) => self.flash(format!("edit not applied: {e}"), true),
                }
            }
            Msg::Exported(r) => {
                match r {
                    Ok(paths) => {
                        let names: Vec<String> =
                            paths.iter().map(|p| p.display().to_string()).collect();
                        self.flash(format!("exported {}", names.join(" and ")), false);
                    }
                    Err(e) => self.flash(format!("export failed: {e}"), true),
                }
                self.dirty = true;
            }
            Msg::Mouse(ev) => self.on_mouse(ev),
            Msg::Key(ev) => {
                self.dirty = true;
                return self.on_key(ev);
            }
        }
        Vec::new()
    }

    fn on_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        if ev.kind == crossterm::event::KeyEventKind::Release {
            return Vec::new();
        }
        let ctrl_c = ev.code == KeyCode::Char('c') && ev.modifiers.contains(KeyModifiers::CONTROL);
        if self.areas().tiny && (ctrl_c || ev.code == KeyCode::Char('q')) {
            // Nothing else is drawn when the terminal is this small: q quits, as it says.
            self.quit = true;
            return vec![Effect::Quit];
        }
        if ctrl_c && !matches!(self.mode, Mode::Normal) {
            // ctrl-c cancels a prompt, the form or the editor.
            if matches!(self.mode, Mode::Editor { .. }) {
                self.flash("edit cancelled", false);
            }
            self.mode = Mode::Normal;
            return Vec::new();
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => self.on_normal_key(ev),
            Mode::Command(input) => self.on_prompt_key(ev, input, true),
            Mode::Filter(input) => self.on_prompt_key(ev, input, false),
            Mode::Form(form) => self.on_form_key(ev, form),
            Mode::Help { scroll } => self.on_help_key(ev, scroll),
            Mode::Explain { answer, scroll } => self.on_explain_key(ev, answer, scroll),
            Mode::Editor { target, editor } => self.on_editor_key(ev, target, editor),
            Mode::AskLiveTail => self.on_live_tail_answer(ev),
        }
    }

    fn on_normal_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let Some(cmd) = self.keymap.lookup(&ev) else {
            return Vec::new();
        };
        self.run_cmd(cmd)
    }

    pub fn run_cmd(&mut self, cmd: Cmd) -> Vec<Effect> {
        let page = (self.size.1 as usize / 2).max(1);
        match cmd {
            Cmd::Quit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Cmd::Help => self.mode = Mode::Help { scroll: 0 },
            Cmd::CommandMode => {
                self.flash = None;
                self.mode = Mode::Command(Input::default());
            }
            Cmd::Filter => {
                let text = match self.focus {
                    Pane::Logs => self.logs.filter.as_ref().map(|f| f.text.clone()),
                    _ => self.explorer.filter.as_ref().map(|f| f.text.clone()),
                };
                self.mode = Mode::Filter(Input {
                    text: text.unwrap_or_default(),
                    cursor: None,
                });
            }
            Cmd::Back => self.back(),
            Cmd::NextPane => self.focus = self.next_visible_pane(true),
            Cmd::PrevPane => self.focus = self.next_visible_pane(false),
            Cmd::Up => self.move_sel(-1),
            Cmd::Down => self.move_sel(1),
            Cmd::PageUp => self.move_sel(-(page as isize)),
            Cmd::PageDown => self.move_sel(page as isize),
            Cmd::Top => self.move_sel(isize::MIN / 2),
            Cmd::Bottom => self.move_sel(isize::MAX / 2),
            Cmd::Collapse if self.in_diagram() => self.move_box(-1),
            Cmd::Expand if self.in_diagram() => self.move_box(1),
            Cmd::Collapse => self.on_tree(ExplorerState::collapse),
            Cmd::Expand => self.on_tree(ExplorerState::expand),
            Cmd::Select => self.select(),
            Cmd::Trace => self.open_form(),
            Cmd::Explorer => {
                self.screen = Screen::Explorer;
                self.focus = Pane::Left;
            }
            Cmd::TraceView => {
                if self.trace.has_outcome() {
                    self.screen = Screen::Trace;
                    self.focus = Pane::Left;
                } else {
                    self.flash("no trace yet: select an instance and press t", false);
                }
            }
            Cmd::ReachView => {
                if self.reach.has_outcome() {
                    self.screen = Screen::Reach;
                    self.focus = Pane::Left;
                } else {
                    self.flash(
                        "no reach yet: select an API, stage, method or instance and press a",
                        false,
                    );
                }
            }
            // On the reach view, ask its question again.
            Cmd::Reach if self.screen == Screen::Reach => self.rerun_reach(),
            Cmd::Reach => self.open_reach(),
            Cmd::Diagram => {
                if self.screen == Screen::Trace && self.trace.result.is_some() {
                    self.trace.diagram = !self.trace.diagram;
                    self.focus = Pane::Left;
                    if self.trace.diagram {
                        self.trace.box_sel = self.trace.box_of_hop();
                    }
                } else {
                    self.flash(
                        "the path diagram is part of the trace view: trace a request first (t)",
                        false,
                    );
                }
            }
            Cmd::Follow => self.logs.follow(),
            Cmd::Pause => self.logs.toggle_pause(),
            Cmd::Wrap => self.logs.wrap = !self.logs.wrap,
            Cmd::Timestamps => self.logs.timestamps = !self.logs.timestamps,
            Cmd::HopOnly => self.logs.hop_only = !self.logs.hop_only,
            Cmd::Edit => return self.start_edit(),
            Cmd::Undo => self.undo_edit(),
            Cmd::Export => return self.export(),
            Cmd::Refresh => return self.refresh(),
            Cmd::Rediscover => return self.rediscover(),
            Cmd::Theme => {
                self.theme = Theme::new(self.theme.name.next(), self.theme.color);
                self.flash(format!("theme {}", self.theme.name.as_str()), false);
            }
        }
        Vec::new()
    }

    fn back(&mut self) {
        if self.focus == Pane::Logs && self.logs.filter.is_some() {
            self.logs.filter = None;
        } else if self.explorer.filter.is_some() && self.screen == Screen::Explorer {
            if let Some(w) = self.world.ready() {
                if self.explorer.clear_filter(w) {
                    self.focus = Pane::Left;
                }
            }
        } else if self.screen == Screen::Trace || self.screen == Screen::Reach {
            self.screen = Screen::Explorer;
            self.focus = Pane::Left;
        } else if self.focus != Pane::Left {
            self.focus = Pane::Left;
        }
        self.flash = None;
    }

    fn move_sel(&mut self, delta: isize) {
        match (self.focus, self.screen) {
            (Pane::Logs, _) => self.logs.scroll_by(delta),
            (Pane::Left, Screen::Explorer) => self.explorer.move_sel(delta),
            (Pane::Right, Screen::Explorer) => {
                if let Some(w) = self.world.ready() {
                    self.explorer.move_detail(w, delta);
                }
            }
            (Pane::Right, Screen::Trace) => {
                let max = super::view::trace_detail_max(self);
                self.trace.scroll_detail(delta, max);
            }
            (Pane::Left, Screen::Trace) if self.trace.diagram => {
                let per_row = super::view::diagram_per_row(self) as isize;
                // Up and down move a row of boxes; a page, as far as it goes.
                let d = match delta {
                    1 | -1 => delta * per_row,
                    d => d,
                };
                self.move_box(d);
            }
            (Pane::Left, Screen::Trace) => self.trace.move_hop(delta),
            (_, Screen::Reach) => self.reach.move_sel(delta),
        }
    }

    /// The next pane that is drawn (the diagram and the reach table take
    /// the detail pane's room, and on a short screen the logs').
    fn next_visible_pane(&self, forward: bool) -> Pane {
        let a = self.areas();
        let mut p = self.focus;
        for _ in 0..3 {
            p = next_pane(p, forward);
            let r = match p {
                Pane::Left => a.left,
                Pane::Right => a.right,
                Pane::Logs => a.logs,
            };
            if r.width > 0 && r.height > 0 {
                return p;
            }
        }
        self.focus
    }

    /// The trace view shows the path diagram.
    fn in_diagram(&self) -> bool {
        self.screen == Screen::Trace && self.trace.diagram && self.focus == Pane::Left
    }

    /// Move the diagram's selection along the path; the selected hop follows.
    fn move_box(&mut self, delta: isize) {
        self.trace.move_box(delta);
    }

    /// Run a tree update when the explorer's tree has the focus.
    fn on_tree(&mut self, f: fn(&mut ExplorerState, &World)) {
        if self.screen != Screen::Explorer || self.focus != Pane::Left {
            return;
        }
        if let Some(w) = self.world.ready() {
            f(&mut self.explorer, w);
        }
    }

    fn select(&mut self) {
        let Some(w) = self.world.ready() else {
            return;
        };
        match (self.screen, self.focus) {
            (Screen::Explorer, Pane::Left) => {
                // A leaf has nothing to open: enter goes to its detail.
                let leaf = !self.explorer.toggle(w);
                if leaf {
                    self.focus = Pane::Right;
                }
            }
            (Screen::Explorer, Pane::Right) => {
                let edges = self.explorer.edges(w);
                if let Some((_, Some(target))) = edges.get(self.explorer.detail_sel) {
                    if self.explorer.jump_to(w, target) {
                        self.focus = Pane::Left;
                    }
                }
            }
            (Screen::Trace, Pane::Left) if self.trace.diagram => {
                // The selected box's hop, in the hop table with its detail.
                self.trace.diagram = false;
                self.focus = Pane::Right;
            }
            (Screen::Trace, Pane::Left) => self.focus = Pane::Right,
            (Screen::Reach, _) => self.trace_reach_row(),
            _ => {}
        }
    }

    /// Select `item` in the tree, expanding its ancestors and clearing a filter that hides it.
    pub fn jump_to(&mut self, item: Item) {
        let Some(w) = self.world.ready() else {
            return;
        };
        if self.explorer.jump_to(w, &item) {
            self.focus = Pane::Left;
        }
    }

    /// The graph edges of the selected item: (label, jump target).
    pub fn selected_edges(&self) -> Vec<(String, Option<Item>)> {
        self.world()
            .map_or_else(Vec::new, |w| self.explorer.edges(w))
    }
}

fn next_pane(p: Pane, forward: bool) -> Pane {
    match (p, forward) {
        (Pane::Left, true) => Pane::Right,
        (Pane::Right, true) => Pane::Logs,
        (Pane::Logs, true) => Pane::Left,
        (Pane::Left, false) => Pane::Logs,
        (Pane::Right, false) => Pane::Left,
        (Pane::Logs, false) => Pane::Right,
    }
}
