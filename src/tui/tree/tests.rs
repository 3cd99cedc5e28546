//! The tree's graph walks list what the snapshot holds, in snapshot order.

use super::*;

fn demo() -> World {
    crate::demo::world().unwrap()
}

#[test]
fn vpc_lists_come_from_in_vpc_edges_in_snapshot_order() {
    let w = demo();
    for v in &w.snap.vpcs {
        let id = &v.vpc_id;
        let acls: Vec<Item> = (w.snap.network_acls.iter())
            .filter(|a| &a.vpc_id == id)
            .map(|a| Item::Nacl(a.network_acl_id.clone()))
            .collect();
        let rts: Vec<Item> = (w.snap.route_tables.iter())
            .filter(|r| &r.vpc_id == id)
            .map(|r| Item::Rt(r.route_table_id.clone()))
            .collect();
        assert_eq!(children(&w, &Item::Nacls(id.clone())), acls);
        assert_eq!(children(&w, &Item::Rts(id.clone())), rts);
        assert_eq!(child_count(&w, &Item::Nacls(id.clone())), acls.len());
        assert_eq!(child_count(&w, &Item::Rts(id.clone())), rts.len());
        for it in acls.iter().chain(&rts) {
            let group = parent(&w, it).unwrap();
            assert!(children(&w, &group).contains(it), "{it:?}");
        }
    }
    assert!(w
        .snap
        .network_acls
        .iter()
        .any(|a| !a.associations.is_empty()));
}

#[test]
fn api_subtree_follows_the_snapshot() {
    let w = demo();
    let mut integrations = 0;
    for api in &w.snap.rest_apis {
        let id = api.id.clone();
        let stages: Vec<Item> = (api.stages.iter())
            .map(|s| Item::Stage(id.clone(), s.stage_name.clone()))
            .collect();
        let api_item = Item::Api(id.clone());
        assert_eq!(children(&w, &api_item), stages);
        assert_eq!(child_count(&w, &api_item), stages.len());
        for st in &stages {
            let Item::Stage(_, name) = st else {
                unreachable!()
            };
            let res: Vec<Item> = (api.resources.iter())
                .map(|r| Item::Resource(id.clone(), name.clone(), r.id.clone()))
                .collect();
            assert_eq!(children(&w, st), res);
            assert_eq!(child_count(&w, st), res.len());
            for (r, item) in api.resources.iter().zip(&res) {
                let methods: Vec<Item> = (r.resource_methods.keys())
                    .map(|v| Item::Method(id.clone(), name.clone(), r.id.clone(), v.clone()))
                    .collect();
                assert_eq!(children(&w, item), methods);
                assert_eq!(child_count(&w, item), methods.len());
                for (m, mi) in r.resource_methods.values().zip(&methods) {
                    let Item::Method(a, s, rr, v) = mi.clone() else {
                        unreachable!()
                    };
                    let backend = m.method_integration.is_some();
                    integrations += usize::from(backend);
                    let want = if backend {
                        vec![Item::Backend(a, s, rr, v)]
                    } else {
                        Vec::new()
                    };
                    assert_eq!(children(&w, mi), want);
                    assert_eq!(child_count(&w, mi), want.len());
                }
            }
        }
    }
    assert!(integrations > 0);
}

#[test]
fn a_mock_integration_still_has_a_backend_row() {
    let w = demo();
    let (api, res, verb) = (w.snap.rest_apis.iter())
        .find_map(|a| {
            a.resources.iter().find_map(|r| {
                r.resource_methods.iter().find_map(|(v, m)| {
                    let i = m.method_integration.as_ref()?;
                    i.uri
                        .is_none()
                        .then(|| (a.id.clone(), r.id.clone(), v.clone()))
                })
            })
        })
        .expect("the demo has an integration without a URI");
    let m = Item::Method(api, "any".into(), res, verb);
    assert_eq!(children(&w, &m).len(), 1);
}
