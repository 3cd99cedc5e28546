//! The reach view: who is affected. From an API, stage or method, every
//! running instance to one of its URLs; from an instance, every deployed
//! method it could call; grouped by verdict and the field that decided.
//! Enter on a member traces it.

use crate::reach::{self, Member, Query, Reach};
use crate::trace::Request;

use super::explorer::step;
use super::*;

/// One row of the reach table: a group's heading, or one of its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReachRow {
    Group(usize),
    Member(usize, usize),
}

/// What a reach asked: kept to ask again when the world changes (a
/// what-if edit, an undo, a refresh).
#[derive(Debug, Clone)]
pub enum ReachQuery {
    /// Every running instance sends this request (its `from` is replaced).
    To(Request),
    From(String),
}

#[derive(Debug, Clone, Default)]
pub struct ReachState {
    pub query: Option<ReachQuery>,
    pub result: Option<Reach>,
    /// Why the last reach could not run.
    pub error: Option<String>,
    /// For `--to`: the request every instance sends (its `from` is replaced).
    pub template: Option<Request>,
    /// What was picked to stand for the selection (`GET /pets of stage prod`).
    pub picked: Option<String>,
    pub rows: Vec<ReachRow>,
    pub sel: usize,
}

impl ReachState {
    fn show(&mut self, r: Result<Reach, String>) {
        self.rows.clear();
        match r {
            Ok(r) => {
                for (g, grp) in r.groups.iter().enumerate() {
                    self.rows.push(ReachRow::Group(g));
                    self.rows
                        .extend((0..grp.members.len()).map(|m| ReachRow::Member(g, m)));
                }
                self.result = Some(r);
                self.error = None;
            }
            Err(e) => {
                self.result = None;
                self.error = Some(e);
            }
        }
    }

    pub fn has_outcome(&self) -> bool {
        self.result.is_some() || self.error.is_some()
    }

    pub fn move_sel(&mut self, delta: isize) {
        self.sel = step(self.sel, delta, self.rows.len());
    }

    pub fn selected(&self) -> Option<ReachRow> {
        self.rows.get(self.sel).copied()
    }

    /// The group a row belongs to.
    pub fn group_of(&self, row: ReachRow) -> Option<&reach::Group> {
        let g = match row {
            ReachRow::Group(g) | ReachRow::Member(g, _) => g,
        };
        self.result.as_ref()?.groups.get(g)
    }

    /// The request to trace for a row: a member's, or a group's example.
    pub fn request_for(&self, row: ReachRow) -> Option<Request> {
        let r = self.result.as_ref()?;
        let member = match row {
            ReachRow::Member(g, m) => r.groups.get(g)?.members.get(m)?,
            ReachRow::Group(g) => r.groups.get(g)?.members.first()?,
        };
        match (member, &r.query) {
            (Member::Instance { instance, .. }, Query::To { .. }) => {
                let mut req = self.template.clone()?;
                req.from = instance.clone();
                Some(req)
            }
            (
                Member::Method {
                    request_method,
                    url,
                    ..
                },
                Query::From { instance },
            ) => Request::new(
                instance,
                request_method,
                url,
                &[],
                false,
                crate::trace::TlsVersion::V1_2,
            )
            .ok(),
            _ => None,
        }
    }
}

/// The URL that stands for an explorer item in `reach --to`: the first
/// deployed method under it (GET first), with a sample path.
fn target_for(w: &World, item: &Item) -> Option<(Request, String)> {
    let (api, stage, resource, method) = match item {
        Item::Api(a) => (a.as_str(), None, None, None),
        Item::Stage(a, s) => (a.as_str(), Some(s.as_str()), None, None),
        Item::Resource(a, s, r) => (a.as_str(), Some(s.as_str()), Some(r.as_str()), None),
        Item::Method(a, s, r, m) | Item::Backend(a, s, r, m) => (
            a.as_str(),
            Some(s.as_str()),
            Some(r.as_str()),
            Some(m.as_str()),
        ),
        _ => return None,
    };
    let path = resource.and_then(|rid| {
        w.rest_api(api)?
            .resources
            .iter()
            .find(|x| x.id == rid)
            .map(|x| x.path.clone())
    });
    let mut candidates: Vec<reach::Target> = reach::targets(w, "")
        .into_iter()
        .filter(|t| match &t.member {
            Member::Method {
                api: a,
                stage: s,
                resource: r,
                method: m,
                ..
            } => {
                a == api
                    && stage.is_none_or(|x| x == s)
                    && path.as_deref().is_none_or(|x| x == r)
                    && method.is_none_or(|x| x.eq_ignore_ascii_case(m))
            }
            Member::Instance { .. } => false,
        })
        .collect();
    // The method a reader most likely means by "the API": a GET, with no
    // authorizer and no API key, on the shortest path.
    let gate = |t: &reach::Target| -> (bool, bool) {
        let Member::Method {
            api,
            stage,
            method,
            resource,
            ..
        } = &t.member
        else {
            return (false, false);
        };
        let snap = w.rest_api(api).and_then(|a| {
            let st = a.stages.iter().find(|s| &s.stage_name == stage)?;
            let dep = st.deployment_id.as_deref()?;
            let d = a.deployments.iter().find(|d| d.id == dep)?;
            d.api_summary.as_ref()?.get(resource)?.get(method).cloned()
        });
        snap.map_or((false, false), |m| {
            (
                m.authorization_type.as_deref().is_some_and(|a| a != "NONE"),
                m.api_key_required == Some(true),
            )
        })
    };
    candidates.sort_by_cached_key(|t| {
        let (auth, key) = gate(t);
        let len = match &t.member {
            Member::Method { resource, .. } => resource.len(),
            Member::Instance { .. } => 0,
        };
        (t.request.method != "GET", auth, key, len)
    });
    let t = candidates.into_iter().next()?;
    let what = match &t.member {
        Member::Method {
            stage,
            method,
            resource,
            ..
        } => format!("{method} {resource} of stage {stage}"),
        Member::Instance { .. } => String::new(),
    };
    Some((t.request, what))
}

impl App {
    /// `a`: who is affected, for the selection (explorer) or the traced URL
    /// (trace view).
    pub(super) fn open_reach(&mut self) {
        let Some(w) = self.world.ready() else {
            self.flash(self.world.absence().unwrap_or_default(), true);
            return;
        };
        let (query, picked) = match (self.screen, self.selected_item().cloned()) {
            (Screen::Trace, _) => match &self.trace.request {
                Some(req) => {
                    let mut template = req.clone();
                    template.from.clear();
                    (ReachQuery::To(template), None)
                }
                None => {
                    self.flash("no trace yet: select an instance and press t", false);
                    return;
                }
            },
            (_, Some(Item::Instance(id))) => (ReachQuery::From(id), None),
            (_, Some(item)) => match target_for(w, &item) {
                Some((req, what)) => (ReachQuery::To(req), Some(what)),
                None => {
                    let why = if matches!(
                        item,
                        Item::Api(_)
                            | Item::Stage(..)
                            | Item::Resource(..)
                            | Item::Method(..)
                            | Item::Backend(..)
                    ) {
                        "no deployed method under the selection to reach"
                    } else {
                        "reach: select an instance (what it can reach) or an API, stage or method (who can reach it)"
                    };
                    self.flash(why, false);
                    return;
                }
            },
            (_, None) => {
                self.flash(
                    "reach: select an instance (what it can reach) or an API, stage or method (who can reach it)",
                    false,
                );
                return;
            }
        };
        self.start_reach(query, picked);
    }

    /// Ask `query` and show the reach view.
    pub(super) fn start_reach(&mut self, query: ReachQuery, picked: Option<String>) {
        self.reach.query = Some(query);
        self.reach.picked = picked;
        self.reach.sel = 0;
        self.rerun_reach();
        self.screen = Screen::Reach;
        self.focus = Pane::Left;
    }

    /// Ask the reach's question again, in the world as it is now (after a
    /// what-if edit, an undo or a refresh); the selection stays on its row.
    pub(super) fn rerun_reach(&mut self) {
        let (Some(query), Some(w)) = (self.reach.query.clone(), self.world.ready()) else {
            return;
        };
        let outcome = match &query {
            ReachQuery::To(req) => reach::reach_to(w, req, &[]),
            ReachQuery::From(id) => reach::reach_from(w, id),
        }
        .map_err(|e| e.to_string());
        if let Err(e) = &outcome {
            self.flash(e.clone(), true);
        }
        self.reach.template = match query {
            ReachQuery::To(req) => Some(req),
            ReachQuery::From(_) => None,
        };
        self.reach.show(outcome);
        self.reach.sel = self.reach.sel.min(self.reach.rows.len().saturating_sub(1));
    }

    /// Enter in the reach view: trace the selected member (a group's
    /// heading traces its first member).
    pub(super) fn trace_reach_row(&mut self) {
        let Some(row) = self.reach.selected() else {
            return;
        };
        match self.reach.request_for(row) {
            Some(req) => self.run_trace(req),
            None => self.flash("nothing to trace on this row", false),
        }
    }
}
