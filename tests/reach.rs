//! `reach`: the grouped result equals an independent trace of every member,
//! on the demo world, on generated worlds of a few thousand instances, and
//! on the synthetic world; and every demo story's instance lands in the
//! group its story names.

use std::path::Path;

use hoptrace::demo;
use hoptrace::model::{Snapshot, World};
use hoptrace::reach::{self, Member, Outcome, Reach};
use hoptrace::trace::{self, HopId, Overall, Request, TlsVersion};
use serde_json::{json, Value};

fn story_requests() -> Vec<Request> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for s in demo::stories() {
        let key = (
            s.method.clone(),
            s.url.clone(),
            s.headers.clone(),
            s.tls.clone(),
        );
        if !seen.insert(key) {
            continue;
        }
        out.push(
            Request::new(
                "",
                &s.method,
                &s.url,
                &s.headers,
                s.headers.iter().any(|h| h.contains("AWS4-HMAC-SHA256")),
                TlsVersion::parse(&s.tls).expect("story TLS"),
            )
            .expect("story request"),
        );
    }
    out
}

/// Every member of every group of `r` traced on its own gives the group's
/// outcome. Returns the mismatches, described.
fn mismatches(world: &World, req: &Request, r: &Reach, with_sets: bool) -> Vec<String> {
    let mut bad = Vec::new();
    let mut members = 0;
    for g in &r.groups {
        for m in &g.members {
            members += 1;
            let Member::Instance { instance, .. } = m else {
                panic!("reach --to lists instances");
            };
            let mut one = req.clone();
            one.from = instance.clone();
            let t = trace::run(world, &one).expect("trace");
            // Grouped, the member's own id and address read `<instance>`
            // and `<address>` in the deciding field.
            // reach does not group by hop sets; check's groups do.
            let mut alone = reach::impersonal(Outcome::of(&t), m);
            if !with_sets {
                alone.sets = Default::default();
            }
            let grouped = Outcome {
                verdict: g.verdict,
                first_block: g.first_block,
                hop: g.hop,
                deciding: g.deciding.clone(),
                sets: g.sets,
            };
            if alone != grouped {
                bad.push(format!(
                    "{} {} from {instance}: grouped {grouped:?}, alone {alone:?}",
                    req.method, req.url
                ));
            }
        }
    }
    assert_eq!(members, r.total, "every running instance is in one group");
    bad
}

fn check_all(world: &World, reqs: &[Request]) {
    let mut bad = Vec::new();
    for req in reqs {
        for threads in [1, 2] {
            let r = reach::reach_to_with(world, req, &[], threads).expect("reach");
            bad.extend(mismatches(world, req, &r, false));
        }
        // check's grouping: by the hop sets too (unknown, deny, partial).
        let running: Vec<_> = world
            .snap
            .instances
            .iter()
            .filter(|i| reach::is_running(i))
            .collect();
        let sens = reach::share::Sensitivity::of(world);
        let r = reach::reach_instances(world, req, &running, &sens);
        bad.extend(mismatches(world, req, &r, true));
    }
    assert!(
        bad.is_empty(),
        "{} members differ from their own trace; first: {:#?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
}

/// A tiny deterministic generator (no dependency for one test file).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn cidr_host(cidr: &str, rng: &mut Rng) -> String {
    let (base, len) = cidr.split_once('/').expect("subnet CIDR");
    let base: std::net::Ipv4Addr = base.parse().expect("v4");
    let size = 1u32 << (32 - len.parse::<u32>().expect("len"));
    let host = 4 + rng.below((size - 5) as usize) as u32;
    std::net::Ipv4Addr::from(u32::from(base) + host).to_string()
}

/// The demo world with `n` more instances, each a copy of a demo instance
/// moved to a random subnet of its VPC (sometimes), a random address in it,
/// random security groups of its VPC (sometimes), another instance profile
/// or none (sometimes), another OS (sometimes), and stopped (rarely).
/// Endpoint security groups also get rules for a few of the new addresses,
/// so single addresses are told apart.
fn generated(n: usize, seed: u64) -> World {
    let mut doc: Value = serde_json::from_str(demo::WORLD_JSON).expect("demo JSON");
    let mut rng = Rng(seed);
    let templates = doc["instances"].as_array().expect("instances").clone();
    let subnets = doc["subnets"].as_array().expect("subnets").clone();
    let groups = doc["security_groups"].as_array().expect("sgs").clone();
    let profiles: Vec<Value> = templates
        .iter()
        .filter_map(|i| i.get("IamInstanceProfile").cloned())
        .collect();
    let mut pinned = Vec::new();
    for k in 0..n {
        let mut i = templates[rng.below(templates.len())].clone();
        let vpc = i["VpcId"].as_str().unwrap_or_default().to_string();
        let mut subnet = i["SubnetId"].as_str().unwrap_or_default().to_string();
        let mut cidr = subnets
            .iter()
            .find(|s| s["SubnetId"] == subnet.as_str())
            .and_then(|s| s["CidrBlock"].as_str())
            .unwrap_or("10.0.1.0/24")
            .to_string();
        if rng.below(3) == 0 {
            let same: Vec<&Value> = subnets
                .iter()
                .filter(|s| s["VpcId"] == vpc.as_str())
                .collect();
            let s = same[rng.below(same.len())];
            subnet = s["SubnetId"].as_str().unwrap_or_default().to_string();
            cidr = s["CidrBlock"].as_str().unwrap_or_default().to_string();
        }
        let ip = cidr_host(&cidr, &mut rng);
        let mut sgs: Vec<Value> = i["SecurityGroups"].as_array().cloned().unwrap_or_default();
        if rng.below(3) == 0 {
            let same: Vec<&Value> = groups
                .iter()
                .filter(|g| g["VpcId"] == vpc.as_str())
                .collect();
            sgs = (0..1 + rng.below(2))
                .map(|_| json!({"GroupId": same[rng.below(same.len())]["GroupId"]}))
                .collect();
        }
        let id = format!("i-0gen{k:012x}");
        i["InstanceId"] = json!(id);
        i["SubnetId"] = json!(subnet);
        i["PrivateIpAddress"] = json!(ip);
        i["SecurityGroups"] = json!(sgs);
        i["Tags"] = json!([{"Key": "Name", "Value": format!("gen-{k}")}]);
        i["NetworkInterfaces"] = json!([{
            "NetworkInterfaceId": format!("eni-0gen{k:012x}"),
            "SubnetId": subnet,
            "Groups": sgs,
            "PrivateIpAddress": ip,
            "Attachment": {"DeviceIndex": 0}
        }]);
        match rng.below(8) {
            0 => {
                i.as_object_mut()
                    .expect("object")
                    .remove("IamInstanceProfile");
            }
            1 if !profiles.is_empty() => {
                i["IamInstanceProfile"] = profiles[rng.below(profiles.len())].clone();
            }
            _ => {}
        }
        match rng.below(10) {
            0 => i["PlatformDetails"] = json!("Windows"),
            1 => i["PlatformDetails"] = json!("Linux/UNIX"),
            2 => {
                i.as_object_mut().expect("object").remove("PlatformDetails");
            }
            _ => {}
        }
        if rng.below(40) == 0 {
            i["State"] = json!({"Name": "stopped"});
        }
        if rng.below(50) == 0 {
            pinned.push(ip.clone());
        }
        doc["instances"].as_array_mut().expect("instances").push(i);
    }
    // Single addresses in the endpoint groups' rules: /32 allows and a
    // NACL-free way to tell two addresses of one subnet apart.
    for g in doc["security_groups"].as_array_mut().expect("sgs") {
        let name = g["GroupName"].as_str().unwrap_or_default().to_string();
        if !name.contains("vpce") && !g["GroupId"].as_str().unwrap_or_default().contains("vpce") {
            continue;
        }
        let ranges: Vec<Value> = pinned
            .iter()
            .map(|ip| json!({"CidrIp": format!("{ip}/32")}))
            .collect();
        if let Some(perms) = g["IpPermissions"].as_array_mut() {
            perms.push(
                json!({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": ranges}),
            );
        }
    }
    let bytes = serde_json::to_vec(&doc).expect("JSON");
    World::new(Snapshot::from_slice(&bytes, Path::new("generated.json")).expect("load"))
}

#[test]
fn reach_on_the_demo_world_equals_independent_traces() {
    let world = demo::world().expect("demo");
    check_all(&world, &story_requests());
}

#[test]
fn reach_on_a_generated_world_equals_independent_traces_story_urls_1() {
    let world = generated(3_000, 7);
    let reqs = story_requests();
    let half = reqs.len() / 2;
    check_all(&world, &reqs[..half.min(6)]);
}

#[test]
fn reach_on_a_generated_world_equals_independent_traces_story_urls_2() {
    let world = generated(3_000, 11);
    let reqs = story_requests();
    let half = reqs.len() / 2;
    check_all(&world, &reqs[half..(half + 6).min(reqs.len())]);
}

#[test]
fn reach_on_a_smaller_generated_world_equals_independent_traces_every_story_url() {
    let world = generated(400, 3);
    check_all(&world, &story_requests());
}

#[test]
fn reach_on_the_synthetic_world_equals_independent_traces() {
    let p = hoptrace::synth::Params {
        instances: 3_000,
        security_groups: 600,
        subnets: 300,
        endpoints: 30,
        apis: 60,
    };
    let bytes = serde_json::to_vec(&hoptrace::synth::generate(&p)).expect("JSON");
    let world = World::new(Snapshot::from_slice(&bytes, Path::new("synth.json")).expect("load"));
    let (_, url) = hoptrace::synth::sample_request(&p);
    let req = Request::new("", "GET", &url, &[], false, TlsVersion::V1_2).expect("request");
    check_all(&world, &[req]);
}

/// The group each demo story's instance lands in, for the story's own
/// request: its verdict and first block are the story's trace's.
#[test]
fn every_story_instance_lands_in_its_group() {
    let world = demo::world().expect("demo");
    for s in demo::stories() {
        let req = Request::new(
            "",
            &s.method,
            &s.url,
            &s.headers,
            s.headers.iter().any(|h| h.contains("AWS4-HMAC-SHA256")),
            TlsVersion::parse(&s.tls).expect("TLS"),
        )
        .expect("request");
        let r = reach::reach_to(&world, &req, &[]).expect("reach");
        let found = r
            .groups
            .iter()
            .find(|g| g.members.iter().any(|m| m.label() == s.instance));
        let running = world
            .instance(&s.instance)
            .is_some_and(|i| i.state.name == "running");
        if !running {
            assert!(found.is_none(), "{} is not running", s.instance);
            assert!(r.skipped_not_running >= 1);
            continue;
        }
        let g = found.unwrap_or_else(|| panic!("{} is in no group", s.instance));
        let mut one = req.clone();
        one.from = s.instance.clone();
        let t = trace::run(&world, &one).expect("trace");
        assert_eq!(g.verdict, t.verdict, "{}", s.instance);
        assert_eq!(g.first_block, t.first_block, "{}", s.instance);
    }
}

/// The demo's pets URL, grouped: the numbers and groups the README shows.
#[test]
fn the_pets_url_groups_on_the_demo_world() {
    let world = demo::world().expect("demo");
    let req = Request::new(
        "",
        "GET",
        "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets",
        &[],
        false,
        TlsVersion::V1_2,
    )
    .expect("request");
    let r = reach::reach_to(&world, &req, &[]).expect("reach");
    let find = |hop: HopId| {
        r.groups
            .iter()
            .find(|g| g.hop == Some(hop))
            .unwrap_or_else(|| panic!("no group at {hop}"))
    };
    let labels =
        |hop: HopId| -> Vec<String> { find(hop).members.iter().map(|m| m.label()).collect() };
    assert_eq!(labels(HopId::SgEgress), ["i-0a00000000batch01"]);
    assert_eq!(labels(HopId::SgEndpoint), ["i-0a000000reporting1"]);
    let at_nacl: Vec<(Overall, usize)> = r
        .groups
        .iter()
        .filter(|g| g.hop == Some(HopId::NaclClient))
        .map(|g| (g.verdict, g.count))
        .collect();
    assert_eq!(
        at_nacl,
        [(Overall::Blocked, 1), (Overall::Undetermined, 1)],
        "legacy blocked, windows unknown"
    );
    assert_eq!(
        find(HopId::Dns).members.len(),
        3,
        "the second VPC's endpoint has no private DNS"
    );
    assert_eq!(find(HopId::SgEndpoint).verdict, Overall::Blocked);
    assert!(find(HopId::SgEndpoint)
        .deciding
        .starts_with("ec2:DescribeSecurityGroups sg-0a000000000vpce01"));
    assert_eq!(r.total, 26);
    assert_eq!(r.skipped_not_running, 1);
    assert_eq!(
        r.count(Overall::Reachable) + r.count(Overall::Blocked) + r.count(Overall::Undetermined),
        r.total
    );
    assert!(r.any_blocked());
    // Only VPC B: all three blocked at DNS.
    let b = reach::reach_to(&world, &req, &["vpc-0b0b5e5e00000b002".to_string()]).expect("reach");
    assert_eq!(b.total, 3);
    assert_eq!(b.groups.len(), 1);
    assert_eq!(b.groups[0].hop, Some(HopId::Dns));
    assert!(reach::reach_to(&world, &req, &["vpc-nope".to_string()]).is_err());
}

#[test]
fn reach_from_covers_every_deployed_method_and_agrees_with_traces() {
    let world = demo::world().expect("demo");
    let r = reach::reach_from(&world, "i-0a0000000000web01").expect("reach");
    let targets = reach::targets(&world, "i-0a0000000000web01");
    assert_eq!(r.total, targets.len());
    let deployed: usize = world
        .snap
        .rest_apis
        .iter()
        .flat_map(|a| a.stages.iter().map(move |s| (a, s)))
        .filter_map(|(a, s)| {
            let d = s.deployment_id.as_deref()?;
            a.deployments
                .iter()
                .find(|x| x.id == d)?
                .api_summary
                .as_ref()
        })
        .map(|m| m.values().map(|v| v.len()).sum::<usize>())
        .sum();
    assert!(r.total >= deployed && deployed > 0);
    for t in &targets {
        let g = r
            .groups
            .iter()
            .find(|g| g.members.iter().any(|m| m.label() == t.member.label()))
            .expect("every target is in a group");
        let alone = reach::impersonal(
            Outcome::of(&trace::run(&world, &t.request).expect("trace")),
            &t.member,
        );
        assert_eq!(alone.verdict, g.verdict, "{}", t.member.label());
        assert_eq!(alone.deciding, g.deciding, "{}", t.member.label());
    }
    assert!(reach::reach_from(&world, "i-nope").is_err());
    assert_eq!(reach::sample_path("/orders/{orderId}"), "/orders/sample");
    assert_eq!(reach::sample_path("/labels/{proxy+}"), "/labels/sample");
}
