//! The application state and its reducer. `update` never blocks or awaits:
//! background work reports back as messages, and anything with side effects
//! is returned as an [`Effect`] for the runtime to carry out.

mod edits;
mod form;
mod mouse;
mod prompt;

pub use prompt::{parse_trace_args, split_words};

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::SystemTime;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use crate::logs::{LogBuffer, LogLine, SourceKind};
use crate::model::{Snapshot, World};
use crate::trace::{self, Request, TlsVersion, Trace};

use super::editor::Editor;
use super::keymap::{self, Cmd, Keymap};
use super::layout::{self, Areas};
use super::theme::{Theme, ThemeName};
use super::tree::{self, Filter, Item};
use super::whatif::{self, Target};

pub const LOG_CAPACITY: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Explorer,
    Trace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Left,
    Right,
    Logs,
}

/// A one-line text input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    pub text: String,
    /// Char index of the cursor; `None` is the end.
    pub cursor: Option<usize>,
}

/// The trace form opened with `t`.
#[derive(Debug, Clone)]
pub struct TraceForm {
    pub from: String,
    pub method: String,
    pub url: String,
    pub headers: String,
    pub sigv4: bool,
    pub tls13: bool,
    /// 0 target list, 1 from, 2 method, 3 url, 4 headers, 5 sigv4, 6 tls
    pub field: usize,
    pub targets: Vec<TargetChoice>,
    pub target_filter: String,
    pub target_sel: usize,
    pub error: Option<String>,
    /// Cursor in the focused text field (char index; `None` is the end).
    pub cursor: Option<usize>,
}

pub const FORM_FIELDS: usize = 7;

/// One API → stage → method → path choice for the trace form.
#[derive(Debug, Clone)]
pub struct TargetChoice {
    pub label: String,
    pub method: String,
    pub url: String,
}

#[derive(Debug, Clone)]
pub enum Mode {
    Normal,
    Command(Input),
    Filter(Input),
    Form(Box<TraceForm>),
    Help { scroll: usize },
    Editor { target: Target, editor: Editor },
}

#[derive(Debug, Clone)]
pub struct LogView {
    pub follow: bool,
    /// Lines counted when the view was frozen; new lines keep counting.
    pub paused_at: Option<u64>,
    pub wrap: bool,
    pub timestamps: bool,
    pub hop_only: bool,
    pub filter: Option<Filter>,
    /// Lines scrolled up from the newest.
    pub scroll: usize,
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
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Tick(SystemTime),
    Logs(Vec<LogLine>),
    EditorDone {
        target: Target,
        result: Result<String, String>,
    },
    Exported(Result<Vec<PathBuf>, String>),
    /// A signal asked the program to stop.
    Signal(&'static str),
}

pub struct App {
    pub world: World,
    pub source: String,
    pub keymap: Keymap,
    pub theme: Theme,
    pub screen: Screen,
    pub focus: Pane,
    pub mode: Mode,
    pub expanded: HashSet<Item>,
    pub rows: Vec<(Item, usize)>,
    pub tree_sel: usize,
    pub tree_filter: Option<Filter>,
    pub detail_sel: usize,
    pub request: Option<Request>,
    pub trace: Option<Trace>,
    pub trace_error: Option<String>,
    pub whatif_diff: Vec<String>,
    pub hop_sel: usize,
    /// Lines scrolled in the hop detail pane.
    pub detail_scroll: u16,
    /// The furthest the hop detail can scroll, as last drawn.
    pub detail_max: std::cell::Cell<u16>,
    pub undo: Vec<(Snapshot, String)>,
    pub logs: LogBuffer,
    pub log_view: LogView,
    pub log_fresh: BTreeMap<SourceKind, SystemTime>,
    pub log_source: Option<String>,
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
    pub fn new(world: World, source: String, keymap: Keymap, theme: Theme, now: SystemTime) -> App {
        let mut expanded = HashSet::new();
        expanded.insert(Item::Vpcs);
        expanded.insert(Item::Apis);
        let mut app = App {
            world,
            source,
            keymap,
            theme,
            screen: Screen::Explorer,
            focus: Pane::Left,
            mode: Mode::Normal,
            expanded,
            rows: Vec::new(),
            tree_sel: 0,
            tree_filter: None,
            detail_sel: 0,
            request: None,
            trace: None,
            trace_error: None,
            whatif_diff: Vec::new(),
            hop_sel: 0,
            detail_scroll: 0,
            detail_max: std::cell::Cell::new(0),
            undo: Vec::new(),
            logs: LogBuffer::new(LOG_CAPACITY),
            log_view: LogView {
                follow: true,
                paused_at: None,
                wrap: false,
                timestamps: true,
                hop_only: false,
                filter: None,
                scroll: 0,
            },
            log_fresh: BTreeMap::new(),
            log_source: None,
            flash: None,
            now,
            size: (80, 24),
            dirty: true,
            quit: false,
            quit_signal: None,
            external_editor: false,
        };
        // Small worlds open fully expanded down to instances.
        if app.world.snap.vpcs.len() <= 8 {
            for v in 0..app.world.snap.vpcs.len() {
                app.expanded.insert(Item::Vpc(v));
            }
            for k in 0..app.world.snap.subnets.len().min(64) {
                app.expanded.insert(Item::Subnet(k));
            }
        }
        app.refresh_rows();
        app
    }

    pub fn refresh_rows(&mut self) {
        self.rows = tree::rows(&self.world, &self.expanded, self.tree_filter.as_ref());
        if self.tree_sel >= self.rows.len() {
            self.tree_sel = self.rows.len().saturating_sub(1);
        }
    }

    pub fn selected_item(&self) -> Option<Item> {
        self.rows.get(self.tree_sel).map(|r| r.0)
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
                if let Some(item) = self.selected_item() {
                    for p in tree::path(&self.world, item) {
                        let l = tree::label(&self.world, p);
                        out.push(l.split_whitespace().take(2).collect::<Vec<_>>().join(" "));
                    }
                }
                out
            }
            Screen::Trace => {
                let mut out = vec!["trace".to_string()];
                if let Some(r) = &self.request {
                    out.push(r.from.clone());
                    out.push(format!("{} {}{}", r.method, r.host, r.path));
                }
                if let Some(h) = self.trace.as_ref().and_then(|t| t.hops.get(self.hop_sel)) {
                    out.push(h.hop.to_string());
                }
                out
            }
        }
    }

    // ---- tracing ------------------------------------------------------------

    pub fn run_trace(&mut self, req: Request) {
        match trace::run(&self.world, &req) {
            Ok(t) => {
                if let Some(i) = t
                    .hops
                    .iter()
                    .position(|h| h.verdict == trace::Verdict::Deny)
                {
                    self.hop_sel = i;
                } else if self.request.as_ref().map(|r| &r.url) != Some(&req.url) {
                    self.hop_sel = 0;
                }
                self.trace = Some(t);
                self.trace_error = None;
                self.detail_scroll = 0;
            }
            Err(e) => {
                self.trace = None;
                self.trace_error = Some(e.to_string());
                self.flash(e.to_string(), true);
            }
        }
        self.request = Some(req);
        self.screen = Screen::Trace;
        self.focus = Pane::Left;
        self.dirty = true;
    }

    fn retrace(&mut self) {
        if let Some(req) = self.request.clone() {
            self.run_trace(req);
        } else {
            self.flash("no trace yet: select an instance and press t", false);
        }
    }

    // ---- logs ---------------------------------------------------------------

    pub fn push_logs(&mut self, lines: Vec<LogLine>) {
        for l in lines {
            self.log_fresh.insert(l.source, l.at);
            self.logs.push(l);
        }
        if self.log_view.paused_at.is_none() {
            self.dirty = true;
        }
    }

    /// Lines the logs pane shows (oldest first), newest `max` matching lines
    /// before the scroll offset.
    pub fn visible_logs(&self, max: usize) -> Vec<&LogLine> {
        let end_seq = self.log_view.paused_at.unwrap_or(self.logs.total());
        let first = self.logs.first_seq();
        let end = end_seq.saturating_sub(first) as usize;
        let hop = self.selected_hop_name();
        let mut out = Vec::with_capacity(max);
        let mut skipped = 0;
        for l in self.logs.iter().take(end).rev() {
            if let Some(f) = &self.log_view.filter {
                if !f.matches(&l.text) && !f.matches(l.source.as_str()) {
                    continue;
                }
            }
            if self.log_view.hop_only && (hop.is_none() || l.hop != hop) {
                continue;
            }
            if skipped < self.log_view.scroll {
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

    pub fn selected_hop_name(&self) -> Option<&'static str> {
        self.trace
            .as_ref()
            .and_then(|t| t.hops.get(self.hop_sel))
            .map(|h| h.hop)
    }

    /// Lines correlated to a hop (the correlation itself lands with log correlation).
    pub fn hop_logs(&self, hop: &str, max: usize) -> Vec<&LogLine> {
        let mut v: Vec<&LogLine> = self
            .logs
            .iter()
            .rev()
            .filter(|l| l.hop == Some(hop))
            .take(max)
            .collect();
        v.reverse();
        v
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
                Vec::new()
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
                Vec::new()
            }
            Msg::Logs(lines) => {
                self.push_logs(lines);
                Vec::new()
            }
            Msg::Signal(name) => {
                tracing::info!(name, "signal");
                self.quit = true;
                self.quit_signal = Some(name);
                vec![Effect::Quit]
            }
            Msg::EditorDone { target, result } => {
                self.dirty = true;
                match result.and_then(|text| self.apply_edit(&target, &text)) {
                    Ok(()) => {}
                    Err(e) => self.flash(format!("edit not applied: {e}"), true),
                }
                Vec::new()
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
                Vec::new()
            }
            Msg::Mouse(ev) => {
                self.on_mouse(ev);
                Vec::new()
            }
            Msg::Key(ev) => {
                self.dirty = true;
                self.on_key(ev)
            }
        }
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
            Mode::Help { scroll } => {
                self.mode = match ev.code {
                    KeyCode::Down | KeyCode::Char('j') => Mode::Help { scroll: scroll + 1 },
                    KeyCode::Up | KeyCode::Char('k') => Mode::Help {
                        scroll: scroll.saturating_sub(1),
                    },
                    KeyCode::PageDown => Mode::Help {
                        scroll: scroll + 10,
                    },
                    KeyCode::PageUp => Mode::Help {
                        scroll: scroll.saturating_sub(10),
                    },
                    _ => Mode::Normal,
                };
                Vec::new()
            }
            Mode::Editor { target, editor } => self.on_editor_key(ev, target, editor),
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
                    Pane::Logs => self.log_view.filter.as_ref().map(|f| f.text.clone()),
                    _ => self.tree_filter.as_ref().map(|f| f.text.clone()),
                };
                self.mode = Mode::Filter(Input {
                    text: text.unwrap_or_default(),
                    cursor: None,
                });
            }
            Cmd::Back => self.back(),
            Cmd::NextPane => self.focus = next_pane(self.focus, true),
            Cmd::PrevPane => self.focus = next_pane(self.focus, false),
            Cmd::Up => self.move_sel(-1),
            Cmd::Down => self.move_sel(1),
            Cmd::PageUp => self.move_sel(-(page as isize)),
            Cmd::PageDown => self.move_sel(page as isize),
            Cmd::Top => self.move_sel(isize::MIN / 2),
            Cmd::Bottom => self.move_sel(isize::MAX / 2),
            Cmd::Collapse => self.collapse(),
            Cmd::Expand => self.expand(),
            Cmd::Select => self.select(),
            Cmd::Trace => self.open_form(),
            Cmd::Explorer => {
                self.screen = Screen::Explorer;
                self.focus = Pane::Left;
            }
            Cmd::TraceView => {
                if self.trace.is_some() || self.trace_error.is_some() {
                    self.screen = Screen::Trace;
                    self.focus = Pane::Left;
                } else {
                    self.flash("no trace yet: select an instance and press t", false);
                }
            }
            Cmd::Follow => {
                // Always back to the newest lines, whatever the view was.
                self.log_view.follow = true;
                self.log_view.scroll = 0;
                self.log_view.paused_at = None;
            }
            Cmd::Pause => {
                self.log_view.paused_at = match self.log_view.paused_at {
                    Some(_) => None,
                    None => Some(self.logs.total()),
                };
                self.log_view.follow =
                    self.log_view.paused_at.is_none() && self.log_view.scroll == 0;
            }
            Cmd::Wrap => self.log_view.wrap = !self.log_view.wrap,
            Cmd::Timestamps => self.log_view.timestamps = !self.log_view.timestamps,
            Cmd::HopOnly => self.log_view.hop_only = !self.log_view.hop_only,
            Cmd::Edit => return self.start_edit(),
            Cmd::Undo => self.undo_edit(),
            Cmd::Export => return self.export(),
            Cmd::Retrace => self.retrace(),
            Cmd::Theme => {
                self.theme = Theme::new(self.theme.name.next(), self.theme.color);
                self.flash(format!("theme {}", self.theme.name.as_str()), false);
            }
        }
        Vec::new()
    }

    fn back(&mut self) {
        if self.focus == Pane::Logs && self.log_view.filter.is_some() {
            self.log_view.filter = None;
        } else if self.tree_filter.is_some() && self.screen == Screen::Explorer {
            let keep = self.selected_item();
            self.tree_filter = None;
            self.refresh_rows();
            if let Some(item) = keep {
                self.jump_to(item);
            }
        } else if self.screen == Screen::Trace {
            self.screen = Screen::Explorer;
            self.focus = Pane::Left;
        } else if self.focus != Pane::Left {
            self.focus = Pane::Left;
        }
        self.flash = None;
    }

    fn move_sel(&mut self, delta: isize) {
        let step = |cur: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            (cur as isize)
                .saturating_add(delta)
                .clamp(0, len as isize - 1) as usize
        };
        match (self.focus, self.screen) {
            (Pane::Logs, _) => {
                // Up scrolls back into history.
                let s = (self.log_view.scroll as isize).saturating_sub(delta).max(0) as usize;
                self.log_view.scroll = s.min(self.logs.len().saturating_sub(1));
                self.log_view.follow = self.log_view.scroll == 0;
            }
            (Pane::Left, Screen::Explorer) => {
                self.tree_sel = step(self.tree_sel, self.rows.len());
                self.detail_sel = 0;
            }
            (Pane::Right, Screen::Explorer) => {
                let n = self.selected_edges().len();
                self.detail_sel = step(self.detail_sel, n);
            }
            (Pane::Right, Screen::Trace) => {
                let max = self.detail_max.get() as isize;
                self.detail_scroll = (self.detail_scroll as isize)
                    .saturating_add(delta)
                    .clamp(0, max.max(0)) as u16;
            }
            (Pane::Left, Screen::Trace) => {
                let n = self.trace.as_ref().map(|t| t.hops.len()).unwrap_or(0);
                self.hop_sel = step(self.hop_sel, n);
                self.detail_scroll = 0;
            }
        }
    }

    fn collapse(&mut self) {
        if self.screen != Screen::Explorer || self.focus != Pane::Left {
            return;
        }
        let Some(item) = self.selected_item() else {
            return;
        };
        if self.expanded.remove(&item) {
            self.refresh_rows();
        } else if let Some(p) = tree::parent(&self.world, item) {
            if let Some(i) = self.rows.iter().position(|r| r.0 == p) {
                self.tree_sel = i;
            }
        }
    }

    fn expand(&mut self) {
        if self.screen != Screen::Explorer || self.focus != Pane::Left {
            return;
        }
        if let Some(item) = self.selected_item() {
            if tree::has_children(&self.world, item) && self.expanded.insert(item) {
                self.refresh_rows();
            }
        }
    }

    fn select(&mut self) {
        match (self.screen, self.focus) {
            (Screen::Explorer, Pane::Left) => {
                let Some(item) = self.selected_item() else {
                    return;
                };
                if tree::has_children(&self.world, item) {
                    if !self.expanded.remove(&item) {
                        self.expanded.insert(item);
                    }
                    self.refresh_rows();
                } else {
                    self.focus = Pane::Right;
                }
            }
            (Screen::Explorer, Pane::Right) => {
                let edges = self.selected_edges();
                if let Some((_, Some(target))) = edges.get(self.detail_sel) {
                    self.jump_to(*target);
                }
            }
            (Screen::Trace, Pane::Left) => self.focus = Pane::Right,
            _ => {}
        }
    }

    /// Select `item` in the tree, expanding its ancestors and clearing a filter that hides it.
    pub fn jump_to(&mut self, item: Item) {
        for p in tree::path(&self.world, item) {
            if p != item {
                self.expanded.insert(p);
            }
        }
        self.refresh_rows();
        if !self.rows.iter().any(|r| r.0 == item) && self.tree_filter.is_some() {
            self.tree_filter = None;
            self.refresh_rows();
        }
        if let Some(i) = self.rows.iter().position(|r| r.0 == item) {
            self.tree_sel = i;
            self.detail_sel = 0;
            self.focus = Pane::Left;
        }
    }

    /// The graph edges of the selected item: (label, jump target).
    pub fn selected_edges(&self) -> Vec<(String, Option<Item>)> {
        let Some(item) = self.selected_item() else {
            return Vec::new();
        };
        let Some(n) = tree::node(&self.world, item) else {
            return Vec::new();
        };
        let mut out: Vec<(String, Option<Item>)> = self
            .world
            .edges_of(n)
            .into_iter()
            .map(|(kind, other, outgoing)| {
                let arrow = if outgoing { "→" } else { "←" };
                (
                    format!("{arrow} {kind:?} {}", self.world.node_id(other)),
                    tree::item_of(self.world.graph[other]),
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|a, b| a.0 == b.0);
        out
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
