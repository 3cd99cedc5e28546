//! The explorer's state: the tree's expanded items, its rows, the selection,
//! the filter and the selected edge in the detail pane. Items are resource
//! ids, so all of it survives a new world.

use std::collections::HashSet;

use crate::model::World;
use crate::tui::tree::{self, Filter, Item};

/// Worlds with at most this many VPCs open expanded down to instances.
const SMALL_WORLD_VPCS: usize = 8;
/// How many subnets such a world opens.
const OPEN_SUBNETS: usize = 64;

#[derive(Debug, Clone)]
pub struct ExplorerState {
    pub expanded: HashSet<Item>,
    /// Visible rows: (item, depth), recomputed when the tree changes.
    pub rows: Vec<(Item, usize)>,
    pub sel: usize,
    pub filter: Option<Filter>,
    /// The selected edge in the detail pane.
    pub detail_sel: usize,
}

impl Default for ExplorerState {
    fn default() -> Self {
        ExplorerState {
            expanded: HashSet::from([Item::Vpcs, Item::Apis]),
            rows: Vec::new(),
            sel: 0,
            filter: None,
            detail_sel: 0,
        }
    }
}

/// One step of a selection in a list of `len`, clamped to it.
pub(super) fn step(cur: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (cur as isize)
        .saturating_add(delta)
        .clamp(0, len as isize - 1) as usize
}

impl ExplorerState {
    /// The first look at a world: small worlds open down to their instances.
    pub fn open(&mut self, w: &World) {
        if w.snap.vpcs.len() <= SMALL_WORLD_VPCS {
            let vpcs = w.snap.vpcs.iter().map(|v| Item::Vpc(v.vpc_id.clone()));
            let subnets = w.snap.subnets.iter().take(OPEN_SUBNETS);
            self.expanded.extend(vpcs);
            self.expanded
                .extend(subnets.map(|s| Item::Subnet(s.subnet_id.clone())));
        }
        self.refresh(w);
    }

    /// Recompute the rows and keep the selection in range.
    pub fn refresh(&mut self, w: &World) {
        self.rows = tree::rows(w, &self.expanded, self.filter.as_ref());
        if self.sel >= self.rows.len() {
            self.sel = self.rows.len().saturating_sub(1);
        }
    }

    /// A new world replaced the old one: same expanded items, same selected
    /// item if it still exists (its new ancestors are opened to show it).
    pub fn world_replaced(&mut self, w: &World) {
        let keep = self.selected_row_path();
        let edge = self.detail_sel;
        self.refresh(w);
        if self.restore(w, &keep) {
            self.detail_sel = edge.min(self.edges(w).len().saturating_sub(1));
        }
    }

    /// The selected row and the rows it sits under, innermost first. An item
    /// can be listed in several places (an endpoint under each of its
    /// subnets): this says which listing is selected.
    fn selected_row_path(&self) -> Vec<Item> {
        let Some((item, mut depth)) = self.rows.get(self.sel).cloned() else {
            return Vec::new();
        };
        let mut out = vec![item];
        for (it, d) in self.rows[..self.sel].iter().rev() {
            if *d < depth {
                out.push(it.clone());
                depth = *d;
            }
        }
        out
    }

    /// Select the listing `path` names (see `selected_row_path`), or else the
    /// item wherever it is. Returns whether it is shown.
    fn restore(&mut self, w: &World, path: &[Item]) -> bool {
        let Some(item) = path.first() else {
            return false;
        };
        let same_place = (0..self.rows.len()).find(|&i| {
            self.rows[i].0 == *item && {
                let saved = std::mem::replace(&mut self.sel, i);
                let here = self.selected_row_path();
                self.sel = saved;
                here == path
            }
        });
        match same_place {
            Some(i) => {
                self.sel = i;
                true
            }
            None => self.reveal(w, item),
        }
    }

    pub fn selected(&self) -> Option<&Item> {
        self.rows.get(self.sel).map(|r| &r.0)
    }

    pub fn select_row(&mut self, i: usize) {
        self.sel = i;
        self.detail_sel = 0;
    }

    pub fn move_sel(&mut self, delta: isize) {
        self.select_row(step(self.sel, delta, self.rows.len()));
    }

    pub fn move_detail(&mut self, w: &World, delta: isize) {
        self.detail_sel = step(self.detail_sel, delta, self.edges(w).len());
    }

    /// Close the selected item, or go to its parent if it is closed.
    pub fn collapse(&mut self, w: &World) {
        let Some(item) = self.selected().cloned() else {
            return;
        };
        if self.expanded.remove(&item) {
            self.refresh(w);
        } else if let Some(p) = tree::parent(w, &item) {
            if let Some(i) = self.rows.iter().position(|r| r.0 == p) {
                self.sel = i;
            }
        }
    }

    pub fn expand(&mut self, w: &World) {
        let Some(item) = self.selected().cloned() else {
            return;
        };
        if tree::has_children(w, &item) && self.expanded.insert(item) {
            self.refresh(w);
        }
    }

    /// Open or close the selected item. Returns false on a leaf.
    pub fn toggle(&mut self, w: &World) -> bool {
        let Some(item) = self.selected().cloned() else {
            return true;
        };
        if !tree::has_children(w, &item) {
            return false;
        }
        if !self.expanded.remove(&item) {
            self.expanded.insert(item);
        }
        self.refresh(w);
        true
    }

    /// Open the ancestors of `item` and select it. Returns whether it is shown.
    pub fn reveal(&mut self, w: &World, item: &Item) -> bool {
        for p in tree::path(w, item) {
            if &p != item {
                self.expanded.insert(p);
            }
        }
        self.refresh(w);
        match self.rows.iter().position(|r| &r.0 == item) {
            Some(i) => {
                self.select_row(i);
                true
            }
            None => false,
        }
    }

    /// Select `item`, clearing a filter that hides it. Returns whether it is shown.
    pub fn jump_to(&mut self, w: &World, item: &Item) -> bool {
        if self.reveal(w, item) {
            return true;
        }
        if self.filter.take().is_some() {
            return self.reveal(w, item);
        }
        false
    }

    /// Apply a filter (or none) and land on the first real match.
    pub fn set_filter(&mut self, w: &World, f: Option<Filter>) {
        self.filter = f;
        self.sel = 0;
        self.refresh(w);
        if let Some(f) = &self.filter {
            let first = self.rows.iter().position(|(it, _)| {
                !matches!(it, Item::Vpcs | Item::Apis | Item::Unplaced)
                    && f.matches(&tree::label(w, it))
            });
            if let Some(i) = first {
                self.sel = i;
            }
        }
    }

    /// Drop the filter, keeping the selected item selected (returns whether it is).
    pub fn clear_filter(&mut self, w: &World) -> bool {
        let keep = self.selected_row_path();
        self.filter = None;
        self.refresh(w);
        self.restore(w, &keep)
    }

    /// The graph edges of the selected item: (label, jump target), sorted.
    pub fn edges(&self, w: &World) -> Vec<(String, Option<Item>)> {
        let Some(n) = self.selected().and_then(|item| tree::node_of(w, item)) else {
            return Vec::new();
        };
        let mut out: Vec<(String, Option<Item>)> = w
            .edges_of(n)
            .into_iter()
            .map(|(kind, other, outgoing)| {
                let arrow = if outgoing { "→" } else { "←" };
                (
                    format!("{arrow} {kind:?} {}", w.node_id(other)),
                    tree::item_of(w, other),
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }
}
