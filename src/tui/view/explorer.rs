//! The explorer: the world tree and the selected resource's edges and fields.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::app::{App, Pane};
use super::super::layout::list_offset;
use super::super::tree::{self, Item};
use super::{block, clean, selected};
use crate::model::World;

pub fn tree(f: &mut Frame, app: &App, r: Rect) {
    let ex = &app.explorer;
    let filter = ex
        .filter
        .as_ref()
        .map(|f| format!(" /{}/", f.text))
        .unwrap_or_default();
    let title = format!(
        " explorer{filter} ({}/{}) ",
        ex.sel + usize::from(!ex.rows.is_empty()),
        ex.rows.len()
    );
    let b = block(app, title, Pane::Left);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let Some(w) = app.world() else {
        let why = app.world.absence().unwrap_or_default();
        f.render_widget(Paragraph::new(Span::styled(why, app.theme.dim)), inner);
        return;
    };
    let h = inner.height as usize;
    let first = list_offset(ex.sel, ex.rows.len(), h);
    let mut lines = Vec::with_capacity(h);
    for (i, (item, depth)) in ex.rows.iter().enumerate().skip(first).take(h) {
        let marker = if tree::has_children(w, item) {
            if ex.expanded.contains(item) || ex.filter.is_some() {
                "▾ "
            } else {
                "▸ "
            }
        } else {
            "  "
        };
        let style = match item {
            Item::Vpcs | Item::Apis | Item::Unplaced => app.theme.accent,
            Item::Instance(id) if w.instance(id).is_some_and(|x| x.state.name != "running") => {
                app.theme.dim
            }
            _ => app.theme.text,
        };
        let line = Line::from(vec![
            Span::raw("  ".repeat(*depth)),
            Span::styled(marker, app.theme.dim),
            Span::styled(clean(&tree::label(w, item)), style),
        ]);
        lines.push(if i == ex.sel {
            selected(line, app.theme.selected)
        } else {
            line
        });
    }
    if ex.rows.is_empty() {
        lines.push(Line::from(Span::styled(
            "nothing matches the filter (esc clears it)",
            app.theme.dim,
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn detail(f: &mut Frame, app: &App, r: Rect) {
    let (Some(w), Some(item)) = (app.world(), app.selected_item()) else {
        f.render_widget(block(app, " detail ".into(), Pane::Right), r);
        return;
    };
    let b = block(
        app,
        format!(" {} ", clean(&tree::label(w, item))),
        Pane::Right,
    );
    let inner = b.inner(r);
    f.render_widget(b, r);
    let mut lines: Vec<Line> = Vec::new();
    let edges = app.explorer.edges(w);
    if !edges.is_empty() {
        lines.push(Line::from(Span::styled(
            "edges (enter jumps)",
            app.theme.accent,
        )));
        for (i, (label, target)) in edges.iter().enumerate() {
            let style = if target.is_some() {
                app.theme.text
            } else {
                app.theme.dim
            };
            let line = Line::from(Span::styled(format!("  {}", clean(label)), style));
            lines.push(
                if app.focus == Pane::Right && i == app.explorer.detail_sel {
                    selected(line, app.theme.selected)
                } else {
                    line
                },
            );
        }
        lines.push(Line::raw(""));
    }
    if let Item::Instance(_) = item {
        lines.push(Line::from(Span::styled(
            format!(
                "press {} to trace a request from this instance",
                app.keymap.keys_for(super::super::keymap::Cmd::Trace)
            ),
            app.theme.dim,
        )));
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(Span::styled("fields", app.theme.accent)));
    let budget = (inner.height as usize).saturating_sub(lines.len()).max(1);
    for l in fields(w, item).lines().take(budget) {
        lines.push(Line::from(Span::styled(clean(l), app.theme.text)));
    }
    // Keep the selected edge visible.
    let edge = app.explorer.detail_sel;
    let scroll = if app.focus == Pane::Right && edge + 2 >= inner.height as usize {
        (edge + 3).saturating_sub(inner.height as usize) as u16
    } else {
        0
    };
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

fn fields(w: &World, item: &Item) -> String {
    fn pretty<T: serde::Serialize>(v: Option<&T>) -> serde_json::Result<String> {
        match v {
            Some(v) => serde_json::to_string_pretty(v),
            None => Ok("(no longer in this world)".into()),
        }
    }
    let json = match item {
        Item::Vpc(id) => pretty(w.vpc(id)),
        Item::Subnet(id) => pretty(w.subnet(id)),
        Item::Instance(id) => pretty(w.instance(id)),
        Item::Endpoint(id) => pretty(w.vpc_endpoint(id)),
        Item::Sg(id) => pretty(w.security_group(id)),
        Item::Nacl(id) => pretty(w.network_acl(id)),
        Item::Rt(id) => pretty(w.route_table(id)),
        Item::Api(id) => pretty(w.rest_api(id).map(|api| {
            serde_json::json!({
                "id": api.id, "name": api.name, "endpointConfiguration": api.endpoint_configuration,
                "policy": api.policy, "disableExecuteApiEndpoint": api.disable_execute_api_endpoint,
                "securityPolicy": api.security_policy, "endpointAccessMode": api.endpoint_access_mode,
                "apiKeySource": api.api_key_source, "stages": api.stages.iter().map(|s| &s.stage_name).collect::<Vec<_>>(),
            })
        }).as_ref()),
        Item::Stage(api, stage) => pretty(
            w.rest_api(api)
                .and_then(|a| a.stages.iter().find(|s| &s.stage_name == stage)),
        ),
        Item::Resource(api, _, res) => pretty(tree::resource(w, api, res).map(|res| {
            serde_json::json!({"id": res.id, "path": res.path, "methods": res.resource_methods.keys().collect::<Vec<_>>()})
        }).as_ref()),
        Item::Method(api, _, res, verb) | Item::Backend(api, _, res, verb) => {
            match tree::method(w, api, res, verb) {
                Some(m) => serde_json::to_string_pretty(m),
                None => Ok(String::new()),
            }
        }
        Item::Vpcs | Item::Apis | Item::Unplaced | Item::Sgs(_) | Item::Nacls(_) | Item::Rts(_) => {
            Ok(String::from("(a group; expand it with enter or l)"))
        }
    };
    json.unwrap_or_else(|e| e.to_string())
}
