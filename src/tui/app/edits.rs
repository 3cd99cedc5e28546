//! What-if edits (built-in or external editor, apply, undo) and export.

use std::borrow::Cow;

use super::*;

impl App {
    pub(super) fn edit_target(&self) -> Option<Target> {
        self.world()?;
        match self.screen {
            Screen::Explorer => Target::for_item(self.selected_item()?),
            // The reach view has no one resource: edit from a member's trace.
            Screen::Reach => None,
            Screen::Trace => whatif::target_for_hop(self.trace.selected_hop()?),
        }
    }

    pub(super) fn start_edit(&mut self) -> Vec<Effect> {
        if let Some(why) = self.world.absence() {
            self.flash(why, true);
            return Vec::new();
        }
        if self.discovery.running && self.discovery.first {
            self.flash(
                "what-if edits wait until discovery has read the account (the world is still filling in)",
                false,
            );
            return Vec::new();
        }
        let Some(target) = self.edit_target() else {
            self.flash("nothing editable here: select a security group, NACL, route table, endpoint, VPC, instance or API", true);
            return Vec::new();
        };
        let Some(w) = self.world() else {
            return Vec::new();
        };
        let text = match target.text(&w.snap) {
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
        let w = self.world().ok_or("the world is not loaded")?;
        let snap = target.apply(&w.snap, text)?;
        let before = self.trace.result.clone();
        let old = std::mem::replace(&mut self.world, World::new(snap).into());
        if let WorldState::Ready(old) = old {
            self.undo.push((old.snap, target.label()));
        }
        self.after_world_change(before, &format!("what-if: edited {}", target.label()));
        Ok(())
    }

    pub(super) fn undo_edit(&mut self) {
        let Some((snap, label)) = self.undo.pop() else {
            self.flash("nothing to undo", false);
            return;
        };
        let before = self.trace.result.clone();
        self.world = World::new(snap).into();
        self.after_world_change(before, &format!("undid the edit of {label}"));
    }

    pub(super) fn export(&mut self) -> Vec<Effect> {
        let Some(t) = &self.trace.result else {
            self.flash("no trace to export yet", true);
            return Vec::new();
        };
        // Like `hoptrace trace`, HOPTRACE_ELAPSED_MS pins the timing so an
        // export can be compared whole.
        let t = match crate::cli::trace::fixed_elapsed_ms() {
            Some(ms) => {
                let mut copy = t.clone();
                copy.stats.elapsed_ms = ms;
                Cow::Owned(copy)
            }
            None => Cow::Borrowed(t),
        };
        // A trace made with what-if edits says so in both files: which
        // resources were edited, and what the last edit changed.
        let edits: Vec<String> = self.undo.iter().map(|(_, what)| what.clone()).collect();
        let doc = serde_json::to_value(&*t).map(|mut v| {
            if !edits.is_empty() {
                if let Some(o) = v.as_object_mut() {
                    o.insert(
                        "what_if".into(),
                        serde_json::json!({
                            "note": "local what-if edits, never written to AWS: this trace is not the account as it is",
                            "edits": edits,
                            "changes_by_last_edit": self.trace.whatif_diff,
                        }),
                    );
                }
            }
            v
        });
        let json = match doc.and_then(|v| serde_json::to_string_pretty(&v)) {
            Ok(j) => j,
            Err(e) => {
                self.flash(e.to_string(), true);
                return Vec::new();
            }
        };
        let stamp = crate::logs::replay::iso(self.now).replace([':', '.'], "-");
        vec![Effect::Export {
            stem: format!("hoptrace-{}-{stamp}", t.request.from),
            markdown: crate::export::trace_markdown(&t, &self.trace.whatif_diff, &edits),
            json,
        }]
    }

    pub(super) fn on_editor_key(
        &mut self,
        ev: KeyEvent,
        target: Target,
        mut e: Editor,
    ) -> Vec<Effect> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let height = (self.size.1 as usize).saturating_sub(6).max(1);
        let original = self.world().and_then(|w| target.text(&w.snap).ok());
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
}
