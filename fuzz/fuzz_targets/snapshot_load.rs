//! Load arbitrary bytes as a snapshot file, then index it as a world. Every
//! input must end in a snapshot or one error, never a panic; an error is
//! one line (what the CLI prints), and a world built from anything loaded
//! answers its lookups.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unused_imports)]
#[path = "../../src/model/mod.rs"]
mod model;

use model::{Snapshot, World};

fuzz_target!(|data: &[u8]| {
    match Snapshot::from_slice(data, std::path::Path::new("fuzz.json")) {
        Ok(snap) => {
            // The new parts are read whatever they hold.
            for c in snap.captured.keys() {
                let _ = snap.read_state(c);
            }
            for e in &snap.errors {
                let _ = e.to_string();
            }
            let w = World::new(snap);
            for i in &w.snap.instances {
                let _ = w.instance(&i.instance_id);
                if let Some(sn) = &i.subnet_id {
                    let _ = w.subnet_route_table(sn);
                    let _ = w.subnet_nacl(sn);
                }
            }
            let _ = w.graph.node_count();
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty());
            assert!(!msg.contains('\n') || msg.lines().count() < 50, "{msg}");
        }
    }
});
