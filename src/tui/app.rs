//! The application state and its reducer. `update` never blocks or awaits:
//! background work reports back as messages, and anything with side effects
//! is returned as an [`Effect`] for the runtime to carry out.

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
use super::tree::{self, Filter, Item, Tree};
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
    pub tree: Tree,
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
        let tree = Tree::new(&world);
        let mut expanded = HashSet::new();
        expanded.insert(Item::Vpcs);
        expanded.insert(Item::Apis);
        let mut app = App {
            world,
            source,
            tree,
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
        self.rows = self
            .tree
            .rows(&self.world, &self.expanded, self.tree_filter.as_ref());
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
                    for p in self.tree.path(item) {
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

    /// The API → stage → method → path targets of the world, for the form.
    pub fn target_choices(&self) -> Vec<TargetChoice> {
        let mut out = Vec::new();
        let region = &self.world.snap.region;
        for api in &self.world.snap.rest_apis {
            for st in &api.stages {
                let dep = st
                    .deployment_id
                    .as_ref()
                    .and_then(|d| api.deployments.iter().find(|x| &x.id == d))
                    .and_then(|d| d.api_summary.as_ref());
                let mut routes: Vec<(String, String)> = match dep {
                    Some(sum) => sum
                        .iter()
                        .flat_map(|(path, ms)| ms.keys().map(move |m| (path.clone(), m.clone())))
                        .collect(),
                    None => api
                        .resources
                        .iter()
                        .flat_map(|r| {
                            r.resource_methods
                                .keys()
                                .map(move |m| (r.path.clone(), m.clone()))
                        })
                        .collect(),
                };
                routes.sort();
                for (path, verb) in routes {
                    let concrete: String = path
                        .split('/')
                        .map(|seg| {
                            if seg.ends_with("+}") {
                                "anything"
                            } else if seg.starts_with('{') {
                                "1"
                            } else {
                                seg
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("/");
                    let method = if verb == "ANY" {
                        "GET".to_string()
                    } else {
                        verb.clone()
                    };
                    out.push(TargetChoice {
                        label: format!(
                            "{} {} {} {} {}",
                            api.id,
                            api.name.as_deref().unwrap_or(""),
                            st.stage_name,
                            verb,
                            path
                        ),
                        method,
                        url: format!(
                            "https://{}.execute-api.{region}.amazonaws.com/{}{}",
                            api.id, st.stage_name, concrete
                        ),
                    });
                }
            }
        }
        out
    }

    fn open_form(&mut self) {
        let from = match self.selected_item() {
            Some(Item::Instance(i)) if self.screen == Screen::Explorer => {
                self.world.snap.instances[i].instance_id.clone()
            }
            _ => self
                .request
                .as_ref()
                .map(|r| r.from.clone())
                .or_else(|| {
                    self.world
                        .snap
                        .instances
                        .first()
                        .map(|i| i.instance_id.clone())
                })
                .unwrap_or_default(),
        };
        let (method, url, headers, sigv4, tls13) = match &self.request {
            Some(r) => (
                r.method.clone(),
                r.url.clone(),
                r.headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
                r.auth == trace::Auth::Sigv4,
                r.tls == TlsVersion::V1_3,
            ),
            None => ("GET".into(), String::new(), String::new(), false, false),
        };
        let targets = self.target_choices();
        let field = if url.is_empty() { 0 } else { 3 };
        self.mode = Mode::Form(Box::new(TraceForm {
            from,
            method,
            url,
            headers,
            sigv4,
            tls13,
            field,
            targets,
            target_filter: String::new(),
            target_sel: 0,
            error: None,
        }));
    }

    // ---- what-if ------------------------------------------------------------

    fn edit_target(&self) -> Option<Target> {
        match self.screen {
            Screen::Explorer => {
                let id = tree::resource_id(&self.world, self.selected_item()?)?;
                Target::for_id(&self.world.snap, &id)
            }
            Screen::Trace => {
                let hop = self.trace.as_ref()?.hops.get(self.hop_sel)?;
                whatif::target_for_hop(&self.world.snap, hop)
            }
        }
    }

    fn start_edit(&mut self) -> Vec<Effect> {
        let Some(target) = self.edit_target() else {
            self.flash("nothing editable here: select a security group, NACL, route table, endpoint, VPC, instance or API", true);
            return Vec::new();
        };
        let text = match target.text(&self.world.snap) {
            Ok(t) => t,
            Err(e) => {
                self.flash(e, true);
                return Vec::new();
            }
        };
        if self.external_editor {
            vec![Effect::ExternalEditor { target, text }]
        } else {
            let title = format!("what-if: {} (ctrl-s apply, esc cancel)", target.label());
            self.mode = Mode::Editor {
                target,
                editor: Editor::new(title, &text),
            };
            Vec::new()
        }
    }

    /// Apply edited text; on error the message is returned and nothing changes.
    pub fn apply_edit(&mut self, target: &Target, text: &str) -> Result<(), String> {
        let snap = target.apply(&self.world.snap, text)?;
        let before = self.trace.clone();
        let old = std::mem::replace(&mut self.world, World::new(snap));
        self.undo.push((old.snap, target.label()));
        self.after_world_change(before, &format!("what-if: edited {}", target.label()));
        Ok(())
    }

    fn after_world_change(&mut self, before: Option<Trace>, what: &str) {
        self.tree = Tree::new(&self.world);
        self.refresh_rows();
        if let Some(req) = self.request.clone() {
            self.run_trace(req);
            self.whatif_diff = match (&before, &self.trace) {
                (Some(b), Some(a)) => whatif::diff(b, a),
                _ => Vec::new(),
            };
            let summary = self.whatif_diff.first().cloned().unwrap_or_default();
            self.flash(
                format!("{what}; {summary} (not written to AWS; u undoes)"),
                false,
            );
        } else {
            self.flash(format!("{what} (not written to AWS; u undoes)"), false);
        }
        self.dirty = true;
    }

    fn undo_edit(&mut self) {
        let Some((snap, label)) = self.undo.pop() else {
            self.flash("nothing to undo", false);
            return;
        };
        let before = self.trace.clone();
        self.world = World::new(snap);
        self.after_world_change(before, &format!("undid the edit of {label}"));
    }

    // ---- export -------------------------------------------------------------

    fn export(&mut self) -> Vec<Effect> {
        let Some(t) = &self.trace else {
            self.flash("no trace to export yet", true);
            return Vec::new();
        };
        let json = match serde_json::to_string_pretty(t) {
            Ok(j) => j,
            Err(e) => {
                self.flash(e.to_string(), true);
                return Vec::new();
            }
        };
        let stamp = crate::logs::replay::iso(self.now).replace([':', '.'], "-");
        vec![Effect::Export {
            stem: format!("hoptrace-{}-{stamp}", t.request.from),
            markdown: super::export::markdown(t, &self.whatif_diff, self.undo.len()),
            json,
        }]
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
        } else if let Some(p) = self.tree.parent(item) {
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
            if self.tree.has_children(&self.world, item) && self.expanded.insert(item) {
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
                if self.tree.has_children(&self.world, item) {
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
        for p in self.tree.path(item) {
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
        let Some(id) = tree::resource_id(&self.world, item) else {
            return Vec::new();
        };
        let Some(&n) = self.world.by_id.get(&id) else {
            return Vec::new();
        };
        let mut out: Vec<(String, Option<Item>)> = self
            .world
            .edges_of(n)
            .into_iter()
            .map(|(kind, other, outgoing)| {
                let node = &self.world.graph[other];
                let arrow = if outgoing { "→" } else { "←" };
                (
                    format!("{arrow} {kind:?} {}", node.id),
                    tree::item_of(node.kind),
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }

    fn on_prompt_key(&mut self, ev: KeyEvent, mut input: Input, command: bool) -> Vec<Effect> {
        match ev.code {
            KeyCode::Esc => {}
            KeyCode::Enter => {
                let text = input.text.trim().to_string();
                return if command {
                    self.run_command_line(&text)
                } else {
                    self.apply_filter(&text)
                };
            }
            KeyCode::Backspace => {
                input.text.pop();
                self.mode = if command {
                    Mode::Command(input)
                } else {
                    Mode::Filter(input)
                };
            }
            KeyCode::Tab if command => {
                let word = input.text.split_whitespace().next().unwrap_or("");
                let options = keymap::complete(word);
                let has_args = input.text.trim_start().contains(' ');
                match options.as_slice() {
                    _ if has_args => {}
                    [one] => input.text = format!("{one} "),
                    [] => self.flash(format!("no command starts with {word:?}"), true),
                    many => {
                        input.text = keymap::common_prefix(many);
                        self.flash(many.join("  "), false);
                    }
                }
                self.mode = Mode::Command(input);
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                input.text.push(c);
                self.mode = if command {
                    Mode::Command(input)
                } else {
                    Mode::Filter(input)
                };
            }
            _ => {
                self.mode = if command {
                    Mode::Command(input)
                } else {
                    Mode::Filter(input)
                }
            }
        }
        Vec::new()
    }

    fn apply_filter(&mut self, text: &str) -> Vec<Effect> {
        let f = if text.is_empty() {
            None
        } else {
            match Filter::parse(text) {
                Ok(f) => Some(f),
                Err(e) => {
                    self.flash(e, true);
                    return Vec::new();
                }
            }
        };
        if self.focus == Pane::Logs {
            self.log_view.filter = f;
            self.log_view.scroll = 0;
        } else {
            self.screen = Screen::Explorer;
            self.focus = Pane::Left;
            self.tree_filter = f;
            self.tree_sel = 0;
            self.refresh_rows();
            if self.tree_filter.is_some() {
                // Land on the first real match rather than a group row.
                if let Some(i) = self.rows.iter().position(|(it, _)| {
                    !matches!(it, Item::Vpcs | Item::Apis | Item::Unplaced)
                        && self
                            .tree_filter
                            .as_ref()
                            .is_some_and(|f| f.matches(&tree::label(&self.world, *it)))
                }) {
                    self.tree_sel = i;
                }
            }
        }
        Vec::new()
    }

    /// Run a `:` command line.
    pub fn run_command_line(&mut self, line: &str) -> Vec<Effect> {
        let words = match split_words(line) {
            Ok(w) => w,
            Err(e) => {
                self.flash(e, true);
                return Vec::new();
            }
        };
        let Some(first) = words.first() else {
            return Vec::new();
        };
        let rest = &words[1..];
        let kind_filter = |app: &mut App, re: &str| {
            app.focus = Pane::Left;
            app.apply_filter(re)
        };
        match first.as_str() {
            "q" | "q!" | "quit" | "exit" => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            "ec2" | "instances" | "i" => return kind_filter(self, "^i-"),
            "vpce" | "endpoints" => return kind_filter(self, "^vpce-"),
            "api" | "apis" => return kind_filter(self, "^API "),
            "vpc" | "vpcs" => return kind_filter(self, "^vpc-"),
            "sg" | "sgs" => return kind_filter(self, "^sg-"),
            "logs" => self.focus = Pane::Logs,
            "trace" if rest.is_empty() => self.open_form(),
            "trace" => match parse_trace_args(rest) {
                Ok(req) => self.run_trace(req),
                Err(e) => self.flash(e, true),
            },
            "theme" => match rest.first().and_then(|t| ThemeName::parse(t)) {
                Some(t) => {
                    self.theme = Theme::new(t, self.theme.color);
                    self.flash(format!("theme {}", t.as_str()), false);
                }
                None => self.flash("usage: theme dark|light|high-contrast", true),
            },
            other => match keymap::cmd_by_name(other) {
                Some(cmd) => return self.run_cmd(cmd),
                None => {
                    let options = keymap::complete(other);
                    let hint = if options.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean {}?)", options.join(", "))
                    };
                    self.flash(
                        format!("unknown command :{other}{hint}; ? lists the commands"),
                        true,
                    );
                }
            },
        }
        Vec::new()
    }

    fn on_form_key(&mut self, ev: KeyEvent, mut f: Box<TraceForm>) -> Vec<Effect> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let filtered: Vec<usize> = f
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                f.target_filter.is_empty()
                    || t.label
                        .to_lowercase()
                        .contains(&f.target_filter.to_lowercase())
            })
            .map(|(i, _)| i)
            .collect();
        match ev.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Tab | KeyCode::Down if !(f.field == 0 && ev.code == KeyCode::Down) => {
                f.field = (f.field + 1) % FORM_FIELDS;
            }
            KeyCode::BackTab | KeyCode::Up if !(f.field == 0 && ev.code == KeyCode::Up) => {
                f.field = (f.field + FORM_FIELDS - 1) % FORM_FIELDS;
            }
            KeyCode::Down => {
                f.target_sel = (f.target_sel + 1).min(filtered.len().saturating_sub(1))
            }
            KeyCode::Up => f.target_sel = f.target_sel.saturating_sub(1),
            KeyCode::Enter if f.field == 0 => {
                if let Some(t) = filtered.get(f.target_sel).and_then(|&i| f.targets.get(i)) {
                    f.url = t.url.clone();
                    f.method = t.method.clone();
                    f.field = 3;
                }
            }
            KeyCode::Enter => {
                let headers: Vec<String> = f
                    .headers
                    .split(';')
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .map(str::to_string)
                    .collect();
                let tls = if f.tls13 {
                    TlsVersion::V1_3
                } else {
                    TlsVersion::V1_2
                };
                match Request::new(
                    f.from.trim(),
                    f.method.trim(),
                    f.url.trim(),
                    &headers,
                    f.sigv4,
                    tls,
                ) {
                    Ok(req) => {
                        if self.world.instance(&req.from).is_none() {
                            f.error = Some(format!("instance {} is not in this world", req.from));
                        } else {
                            self.run_trace(req);
                            return Vec::new();
                        }
                    }
                    Err(e) => f.error = Some(e.to_string()),
                }
            }
            KeyCode::Char(' ') if f.field == 5 => f.sigv4 = !f.sigv4,
            KeyCode::Char(' ') if f.field == 6 => f.tls13 = !f.tls13,
            KeyCode::Backspace => {
                let _ = field_text(&mut f).map(|t| t.pop());
                f.target_sel = 0;
            }
            KeyCode::Char(c) if !ctrl => {
                if let Some(t) = field_text(&mut f) {
                    t.push(c);
                }
                f.target_sel = 0;
            }
            _ => {}
        }
        self.mode = Mode::Form(f);
        Vec::new()
    }

    fn on_editor_key(&mut self, ev: KeyEvent, target: Target, mut e: Editor) -> Vec<Effect> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let height = (self.size.1 as usize).saturating_sub(6).max(1);
        let original = target.text(&self.world.snap).ok();
        let changed = original.as_deref().map(str::trim_end) != Some(e.text().trim_end());
        if ev.code != KeyCode::Esc {
            e.confirm_discard = false;
        }
        match ev.code {
            KeyCode::Esc if changed && !e.confirm_discard => {
                // Unsaved changes: a second esc discards them.
                e.confirm_discard = true;
                e.error = Some("unsaved changes: esc again discards them, ctrl-s applies".into());
            }
            KeyCode::Esc => {
                self.flash("edit cancelled", false);
                return Vec::new();
            }
            KeyCode::Char('s') if ctrl => {
                let text = e.text();
                match self.apply_edit(&target, &text) {
                    Ok(()) => return Vec::new(),
                    Err(err) => e.error = Some(err),
                }
            }
            KeyCode::Char(c) if !ctrl => {
                e.error = None;
                e.insert(c);
            }
            KeyCode::Enter => e.newline(),
            KeyCode::Backspace => e.backspace(),
            KeyCode::Delete => e.delete(),
            KeyCode::Up => e.up(),
            KeyCode::Down => e.down(),
            KeyCode::Left => e.left(),
            KeyCode::Right => e.right(),
            KeyCode::Home => e.home(),
            KeyCode::End => e.end(),
            KeyCode::PageUp => e.page(false, height),
            KeyCode::PageDown => e.page(true, height),
            KeyCode::Tab => {
                e.insert(' ');
                e.insert(' ');
            }
            _ => {}
        }
        e.scroll_to_cursor(height);
        self.mode = Mode::Editor { target, editor: e };
        Vec::new()
    }

    fn on_mouse(&mut self, ev: MouseEvent) {
        let a = self.areas();
        let (x, y) = (ev.column, ev.row);
        let pane = if a.left.contains((x, y).into()) {
            Some(Pane::Left)
        } else if a.right.contains((x, y).into()) {
            Some(Pane::Right)
        } else if a.logs.contains((x, y).into()) {
            Some(Pane::Logs)
        } else {
            None
        };
        match ev.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                if let Some(p) = pane {
                    self.focus = p;
                    let d = if ev.kind == MouseEventKind::ScrollDown {
                        3
                    } else {
                        -3
                    };
                    self.move_sel(d);
                    self.dirty = true;
                }
            }
            MouseEventKind::Down(MouseButton::Left) => {
                let Some(p) = pane else { return };
                if !matches!(self.mode, Mode::Normal) {
                    return;
                }
                self.focus = p;
                self.dirty = true;
                let rect = match p {
                    Pane::Left => a.left,
                    Pane::Right => a.right,
                    Pane::Logs => return,
                };
                // Rows start one line below the pane's top border.
                let row = y.saturating_sub(rect.y + 1) as usize;
                match (self.screen, p) {
                    (Screen::Explorer, Pane::Left) => {
                        let first = layout::list_offset(
                            self.tree_sel,
                            self.rows.len(),
                            rect.height.saturating_sub(2) as usize,
                        );
                        let i = first + row;
                        if i < self.rows.len() {
                            if i == self.tree_sel {
                                self.select();
                            } else {
                                self.tree_sel = i;
                                self.detail_sel = 0;
                            }
                        }
                    }
                    (Screen::Trace, Pane::Left) => {
                        // Two summary lines and the column header sit above the hops.
                        let n = self.trace.as_ref().map(|t| t.hops.len()).unwrap_or(0);
                        let room = (rect.height as usize).saturating_sub(5);
                        let first = layout::list_offset(self.hop_sel, n, room);
                        let i = first + row.saturating_sub(3);
                        if row >= 3 && i < n {
                            self.hop_sel = i;
                            self.detail_scroll = 0;
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

fn field_text(f: &mut TraceForm) -> Option<&mut String> {
    match f.field {
        0 => Some(&mut f.target_filter),
        1 => Some(&mut f.from),
        2 => Some(&mut f.method),
        3 => Some(&mut f.url),
        4 => Some(&mut f.headers),
        _ => None,
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

/// Split a command line into words, honouring single and double quotes.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("unterminated quote".into());
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// `:trace <instance> <url> [-X M] [-H 'N: v']... [--sigv4] [--tls 1.2|1.3]`
pub fn parse_trace_args(args: &[String]) -> Result<Request, String> {
    let usage = "usage: trace <instance-id> <url> [-X METHOD] [-H 'Name: value']... [--sigv4] [--tls 1.2|1.3]";
    let mut positional = Vec::new();
    let mut method = "GET".to_string();
    let mut headers = Vec::new();
    let mut sigv4 = false;
    let mut tls = TlsVersion::V1_2;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-X" | "--request" => method = it.next().ok_or(usage)?.clone(),
            "-H" | "--header" => headers.push(it.next().ok_or(usage)?.clone()),
            "--sigv4" => sigv4 = true,
            "--tls" => {
                tls = TlsVersion::parse(it.next().ok_or(usage)?).map_err(|e| e.to_string())?
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s}; {usage}")),
            s => positional.push(s.to_string()),
        }
    }
    let [from, url] = positional.as_slice() else {
        return Err(usage.to_string());
    };
    Request::new(from, &method, url, &headers, sigv4, tls).map_err(|e| e.to_string())
}
