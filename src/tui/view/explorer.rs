//! The explorer: the world tree and the selected resource's edges and fields.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::app::{App, Pane};
use super::super::layout::list_offset;
use super::super::tree::{self, Item};
use super::{block, clean, selected};

pub fn tree(f: &mut Frame, app: &App, r: Rect) {
    let filter = app
        .tree_filter
        .as_ref()
        .map(|f| format!(" /{}/", f.text))
        .unwrap_or_default();
    let title = format!(
        " explorer{filter} ({}/{}) ",
        app.tree_sel + usize::from(!app.rows.is_empty()),
        app.rows.len()
    );
    let b = block(app, title, Pane::Left);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let h = inner.height as usize;
    let first = list_offset(app.tree_sel, app.rows.len(), h);
    let mut lines = Vec::with_capacity(h);
    for (i, (item, depth)) in app.rows.iter().enumerate().skip(first).take(h) {
        let marker = if tree::has_children(&app.world, *item) {
            if app.expanded.contains(item) || app.tree_filter.is_some() {
                "▾ "
            } else {
                "▸ "
            }
        } else {
            "  "
        };
        let style = match item {
            Item::Vpcs | Item::Apis | Item::Unplaced => app.theme.accent,
            Item::Instance(k) if app.world.snap.instances[*k].state.name != "running" => {
                app.theme.dim
            }
            _ => app.theme.text,
        };
        let line = Line::from(vec![
            Span::raw("  ".repeat(*depth)),
            Span::styled(marker, app.theme.dim),
            Span::styled(clean(&tree::label(&app.world, *item)), style),
        ]);
        lines.push(if i == app.tree_sel {
            selected(line, app.theme.selected)
        } else {
            line
        });
    }
    if app.rows.is_empty() {
        lines.push(Line::from(Span::styled(
            "nothing matches the filter (esc clears it)",
            app.theme.dim,
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn detail(f: &mut Frame, app: &App, r: Rect) {
    let Some(item) = app.selected_item() else {
        f.render_widget(block(app, " detail ".into(), Pane::Right), r);
        return;
    };
    let b = block(
        app,
        format!(" {} ", clean(&tree::label(&app.world, item))),
        Pane::Right,
    );
    let inner = b.inner(r);
    f.render_widget(b, r);
    let mut lines: Vec<Line> = Vec::new();
    let edges = app.selected_edges();
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
            lines.push(if app.focus == Pane::Right && i == app.detail_sel {
                selected(line, app.theme.selected)
            } else {
                line
            });
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
    for l in fields(app, item).lines().take(budget) {
        lines.push(Line::from(Span::styled(clean(l), app.theme.text)));
    }
    // Keep the selected edge visible.
    let scroll = if app.focus == Pane::Right && app.detail_sel + 2 >= inner.height as usize {
        (app.detail_sel + 3).saturating_sub(inner.height as usize) as u16
    } else {
        0
    };
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

fn fields(app: &App, item: Item) -> String {
    let s = &app.world.snap;
    let json = match item {
        Item::Vpc(i) => serde_json::to_string_pretty(&s.vpcs[i]),
        Item::Subnet(i) => serde_json::to_string_pretty(&s.subnets[i]),
        Item::Instance(i) => serde_json::to_string_pretty(&s.instances[i]),
        Item::Endpoint(i) => serde_json::to_string_pretty(&s.vpc_endpoints[i]),
        Item::Sg(i) => serde_json::to_string_pretty(&s.security_groups[i]),
        Item::Nacl(i) => serde_json::to_string_pretty(&s.network_acls[i]),
        Item::Rt(i) => serde_json::to_string_pretty(&s.route_tables[i]),
        Item::Api(a) => {
            let api = &s.rest_apis[a];
            let summary = serde_json::json!({
                "id": api.id, "name": api.name, "endpointConfiguration": api.endpoint_configuration,
                "policy": api.policy, "disableExecuteApiEndpoint": api.disable_execute_api_endpoint,
                "securityPolicy": api.security_policy, "endpointAccessMode": api.endpoint_access_mode,
                "apiKeySource": api.api_key_source, "stages": api.stages.iter().map(|s| &s.stage_name).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&summary)
        }
        Item::Stage(a, st) => serde_json::to_string_pretty(&s.rest_apis[a].stages[st]),
        Item::Resource(a, _, r) => {
            let res = &s.rest_apis[a].resources[r];
            serde_json::to_string_pretty(
                &serde_json::json!({"id": res.id, "path": res.path, "methods": res.resource_methods.keys().collect::<Vec<_>>()}),
            )
        }
        Item::Method(a, _, r, m) | Item::Backend(a, _, r, m) => {
            match tree::method(&app.world, a, r, m) {
                Some((_, m)) => serde_json::to_string_pretty(m),
                None => Ok(String::new()),
            }
        }
        Item::Vpcs | Item::Apis | Item::Unplaced | Item::Sgs(_) | Item::Nacls(_) | Item::Rts(_) => {
            Ok(String::from("(a group; expand it with enter or l)"))
        }
    };
    json.unwrap_or_else(|e| e.to_string())
}
