//! The world the app shows, which may still be loading (live discovery fills
//! it in later) or may have failed to load; and replacing it.

use super::*;

#[derive(Debug)]
pub enum WorldState {
    Loading,
    Ready(Box<World>),
    Failed(String),
}

impl From<World> for WorldState {
    fn from(w: World) -> Self {
        WorldState::Ready(Box::new(w))
    }
}

impl WorldState {
    pub fn ready(&self) -> Option<&World> {
        match self {
            WorldState::Ready(w) => Some(w),
            _ => None,
        }
    }

    /// Why there is no world to show, in a sentence; `None` when there is one.
    pub fn absence(&self) -> Option<String> {
        match self {
            WorldState::Ready(_) => None,
            WorldState::Loading => Some("loading the world…".into()),
            WorldState::Failed(e) => Some(format!("could not load the world: {e}")),
        }
    }
}

impl App {
    /// The world, when it is loaded.
    pub fn world(&self) -> Option<&World> {
        self.world.ready()
    }

    /// A world arrived (first load or refresh) or could not be loaded.
    pub(super) fn on_world(&mut self, outcome: Result<Box<World>, String>) {
        self.dirty = true;
        match outcome {
            Ok(w) => {
                let first = self.world.ready().is_none();
                self.world = WorldState::Ready(w);
                // Edits were made to the old world; they do not carry over.
                self.undo.clear();
                self.trace.whatif_diff.clear();
                let Some(w) = self.world.ready() else { return };
                if first {
                    self.explorer.open(w);
                } else {
                    self.explorer.world_replaced(w);
                }
                // Trace again on the new world, without moving the user.
                if let Some(req) = self.trace.request.clone() {
                    let (screen, focus) = (self.screen, self.focus);
                    self.run_trace(req);
                    (self.screen, self.focus) = (screen, focus);
                }
                self.rerun_reach();
            }
            Err(e) if self.world.ready().is_some() => {
                self.flash(
                    format!("refresh failed, showing the previous world: {e}"),
                    true,
                );
            }
            Err(e) => {
                self.flash(format!("could not load the world: {e}"), true);
                self.world = WorldState::Failed(e);
            }
        }
    }

    /// A what-if edit or an undo swapped the world: rows, the trace and its diff follow.
    pub(super) fn after_world_change(&mut self, before: Option<Trace>, what: &str) {
        if let Some(w) = self.world.ready() {
            self.explorer.world_replaced(w);
        }
        self.rerun_reach();
        if let Some(req) = self.trace.request.clone() {
            self.run_trace(req);
            self.trace.whatif_diff = match (&before, &self.trace.result) {
                (Some(b), Some(a)) => whatif::diff(b, a),
                _ => Vec::new(),
            };
            let summary = self.trace.whatif_diff.first().cloned().unwrap_or_default();
            self.flash(
                format!("{what}; {summary} (not written to AWS; u undoes)"),
                false,
            );
        } else {
            self.flash(format!("{what} (not written to AWS; u undoes)"), false);
        }
        self.dirty = true;
    }
}
