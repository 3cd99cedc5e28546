//! hoptrace: why can't my EC2 instance reach my private API?
//!
//! Layers (see `README.md`): `model` (inventory, snapshot, world graph) ←
//! `net` and `policy` (pure rules) ← `trace` (the hop pipeline) ← `discover`,
//! `logs`, `cli`, `tui`.

pub mod check;
pub mod cli;
pub mod demo;
pub mod discover;
pub mod explain;
pub mod export;
pub mod logs;
pub mod model;
pub mod net;
pub mod paths;
pub mod policy;
pub mod reach;
pub mod synth;
pub mod trace;
pub mod tui;
