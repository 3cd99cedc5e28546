//! The embedded demo world: one account, two VPCs, twenty-seven instances, each
//! telling a different story. Compiled into the binary; no AWS account needed.

use serde::{Deserialize, Serialize};

use crate::model::{Snapshot, World};

pub const WORLD_JSON: &str = include_str!("../assets/demo/world.json");
const STORIES_JSON: &str = include_str!("../assets/demo/stories.json");

/// One demo instance and the request that shows its story.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Story {
    pub instance: String,
    pub name: String,
    pub method: String,
    pub url: String,
    /// `Name: value`, as given to `-H`.
    pub headers: Vec<String>,
    pub tls: String,
    pub story: String,
}

impl Story {
    /// The command line that runs this story's trace.
    pub fn command(&self) -> String {
        let mut cmd = format!("hoptrace trace --demo --from {}", self.instance);
        if self.method != "GET" {
            cmd.push_str(&format!(" -X {}", self.method));
        }
        for h in &self.headers {
            cmd.push_str(&format!(" -H '{h}'"));
        }
        if self.tls != "1.2" {
            cmd.push_str(&format!(" --tls {}", self.tls));
        }
        cmd.push_str(&format!(" {}", self.url));
        cmd
    }
}

/// The demo snapshot. The asset is checked by the test suite, so a failure
/// here is a build defect; it is still reported, never a panic.
pub fn snapshot() -> Result<Snapshot, crate::model::SnapshotError> {
    Snapshot::from_slice(
        WORLD_JSON.as_bytes(),
        std::path::Path::new("<embedded demo world>"),
    )
}

pub fn world() -> Result<World, crate::model::SnapshotError> {
    Ok(World::new(snapshot()?))
}

pub fn stories() -> Vec<Story> {
    serde_json::from_str(STORIES_JSON).unwrap_or_default()
}
