//! Inventory types, the snapshot file format and the world graph.

pub mod apigw;
pub mod ec2;
pub mod fnv;
pub mod iam;
pub mod redact;
pub mod snapshot;
pub mod world;

pub use snapshot::{CallError, ReadState, Snapshot, SnapshotError, NOT_READ_YET, SNAPSHOT_SCHEMA};
pub use world::World;
