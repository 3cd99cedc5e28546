//! The trace form: its target list, opening it and its keys.

use super::*;

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

impl App {
    /// The API → stage → method → path targets of the world, for the form.
    pub fn target_choices(&self) -> Vec<TargetChoice> {
        let mut out = Vec::new();
        let Some(w) = self.world() else {
            return out;
        };
        let region = &w.snap.region;
        for api in &w.snap.rest_apis {
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

    pub(super) fn open_form(&mut self) {
        let from = match self.selected_item() {
            Some(Item::Instance(id)) if self.screen == Screen::Explorer => id.clone(),
            _ => self
                .trace
                .request
                .as_ref()
                .map(|r| r.from.clone())
                .or_else(|| {
                    let first = self.world()?.snap.instances.first();
                    first.map(|i| i.instance_id.clone())
                })
                .unwrap_or_default(),
        };
        let (method, url, headers, sigv4, tls13) = match &self.trace.request {
            Some(r) => (
                r.method.clone(),
                r.url.clone(),
                r.headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
                r.auth == crate::trace::Auth::Sigv4,
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
            cursor: None,
        }));
    }

    pub(super) fn on_form_key(&mut self, ev: KeyEvent, mut f: Box<TraceForm>) -> Vec<Effect> {
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
                f.cursor = None;
            }
            KeyCode::BackTab | KeyCode::Up if !(f.field == 0 && ev.code == KeyCode::Up) => {
                f.field = (f.field + FORM_FIELDS - 1) % FORM_FIELDS;
                f.cursor = None;
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
                    f.cursor = None;
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
                        if let Some(why) = self.world.absence() {
                            f.error = Some(why);
                        } else if self
                            .world()
                            .is_some_and(|w| w.instance(&req.from).is_none())
                        {
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
            code if !ctrl => {
                let mut cursor = f.cursor;
                if let Some(t) = field_text(&mut f) {
                    if crate::tui::textedit::edit(t, &mut cursor, code) {
                        f.target_sel = 0;
                    }
                }
                f.cursor = cursor;
            }
            _ => {}
        }
        self.mode = Mode::Form(f);
        Vec::new()
    }
}

pub(super) fn field_text(f: &mut TraceForm) -> Option<&mut String> {
    match f.field {
        0 => Some(&mut f.target_filter),
        1 => Some(&mut f.from),
        2 => Some(&mut f.method),
        3 => Some(&mut f.url),
        4 => Some(&mut f.headers),
        _ => None,
    }
}
