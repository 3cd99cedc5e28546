//! The trace screen's state: the last request and its trace (or why it
//! failed), the selected hop, how far its detail is scrolled, and the
//! what-if differences against the trace before the last edit.

use crate::trace::{self, Hop, Request, Trace};

use super::explorer::step;

#[derive(Debug, Clone, Default)]
pub struct TraceState {
    pub request: Option<Request>,
    pub result: Option<Trace>,
    /// Why the last request could not be traced.
    pub error: Option<String>,
    pub hop_sel: usize,
    /// Lines scrolled in the hop detail pane.
    pub detail_scroll: u16,
    /// `hop: before → after` lines from the last what-if edit.
    pub whatif_diff: Vec<String>,
    /// The path diagram is shown instead of the hop table.
    pub diagram: bool,
    /// The selected box of the path diagram.
    pub box_sel: usize,
}

impl TraceState {
    /// Keep the outcome of tracing `req`. A new trace selects its first
    /// denying hop, else keeps the hop selected for the same URL.
    pub fn record(&mut self, req: Request, outcome: Result<Trace, String>) {
        match outcome {
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
                self.result = Some(t);
                self.error = None;
                self.detail_scroll = 0;
                self.box_sel = self.box_of_hop();
            }
            Err(e) => {
                self.result = None;
                self.error = Some(e);
            }
        }
        self.request = Some(req);
    }

    /// Something to show on the trace screen: a trace or its error.
    pub fn has_outcome(&self) -> bool {
        self.result.is_some() || self.error.is_some()
    }

    pub fn selected_hop(&self) -> Option<&Hop> {
        self.result.as_ref()?.hops.get(self.hop_sel)
    }

    pub fn hop_count(&self) -> usize {
        self.result.as_ref().map_or(0, |t| t.hops.len())
    }

    pub fn select_hop(&mut self, i: usize) {
        self.hop_sel = i;
        self.detail_scroll = 0;
    }

    /// The diagram box of the selected hop.
    pub fn box_of_hop(&self) -> usize {
        let Some(h) = self.selected_hop() else {
            return 0;
        };
        let stop = trace::path::Stop::of(h.hop);
        trace::path::Stop::ALL
            .iter()
            .position(|s| *s == stop)
            .unwrap_or(0)
    }

    /// Select the box `delta` along the path; the hop selection moves to
    /// the hop that box opens on.
    pub fn move_box(&mut self, delta: isize) {
        let Some(t) = &self.result else {
            return;
        };
        let boxes = trace::path::boxes(t);
        self.box_sel = step(self.box_sel, delta, boxes.len());
        let hop = boxes
            .get(self.box_sel)
            .and_then(|b| crate::tui::view::focus_hop(t, b))
            .map(|h| h.hop);
        if let Some(i) = hop.and_then(|h| t.hops.iter().position(|x| x.hop == h)) {
            self.select_hop(i);
        }
    }

    pub fn move_hop(&mut self, delta: isize) {
        self.select_hop(step(self.hop_sel, delta, self.hop_count()));
    }

    /// Scroll the hop detail by `delta` lines, within `0..=max`.
    pub fn scroll_detail(&mut self, delta: isize, max: u16) {
        self.detail_scroll = (self.detail_scroll as isize)
            .saturating_add(delta)
            .clamp(0, max as isize) as u16;
    }
}
