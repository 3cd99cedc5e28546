//! Table-driven tests for the network half of the trace: rulebook checks
//! H1.1–H8.7 (`/work/shared/reference/private-api-rulebook.md`).
//!
//! Every case starts from `tests/fixtures/base.json` (one account in
//! us-east-1: an app VPC with a client instance and an execute-api interface
//! endpoint with ENIs in two subnets, plus a peered VPC with a second client),
//! applies one small mutation to the JSON, runs the trace, and checks the
//! verdict and rulebook check id of the named hops. Case names cite the
//! rulebook check they exercise.
//!
//! Cases where the implementation disagrees with the rulebook live in
//! `rulebook_disagreements` (ignored); they assert what the rulebook says.

use std::collections::BTreeSet;

use hoptrace::model::{Snapshot, World};
use hoptrace::trace::{self, Request, TlsVersion, Trace, Verdict};
use serde_json::{json, Value};

mod common;

use Verdict::{Allow, Deny, Skip, Unknown};

const BASE: &str = include_str!("fixtures/base.json");

// ---- fixture ids -----------------------------------------------------------

const ACCOUNT: &str = "111111111111";
const VPC_A: &str = "vpc-0a000000000000001";
const VPC_B: &str = "vpc-0b000000000000002";
const SN_CLIENT: &str = "subnet-0c000000000000001";
const SN_EP_A: &str = "subnet-0e00000000000000a";
const SN_EP_B: &str = "subnet-0e00000000000000b";
const CLIENT: &str = "i-0c000000000000001";
const PEER: &str = "i-0d000000000000001";
const CLIENT_ENI: &str = "eni-0c000000000000001";
const EP_ENI_A: &str = "eni-0e00000000000000a";
const EP_ENI_B: &str = "eni-0e00000000000000b";
const VPCE: &str = "vpce-0123456789abcdef0";
const SG_CLIENT: &str = "sg-0c000000000000001";
const SG_ENDPOINT: &str = "sg-0e000000000000001";
const SG_DEFAULT_A: &str = "sg-0a00000000000000d";
const SG_PEER: &str = "sg-0d000000000000001";
const SG_BARE: &str = "sg-0c0000000000000ff";
const ACL_CLIENT: &str = "acl-0c000000000000001";
const ACL_ENDPOINT: &str = "acl-0e000000000000001";
const ACL_BLOCK_B: &str = "acl-0e0000000000000bb";
const RTB_CLIENT: &str = "rtb-0c000000000000001";
const RTB_MAIN_A: &str = "rtb-0a00000000000000f";
const RTB_MAIN_B: &str = "rtb-0b00000000000000f";
const PCX: &str = "pcx-0ab00000000000001";
const NAT: &str = "nat-0a000000000000001";
const TGW: &str = "tgw-0a000000000000001";
const DOPT_A: &str = "dopt-0a000000000000001";
const PL_ENDPOINT: &str = "pl-0e000000000000001";
const PL_CLIENT: &str = "pl-0c000000000000001";
const PROFILE: &str = "arn:aws:iam::111111111111:instance-profile/client-profile";
const API: &str = "a1b2c3d4e5";
const PUBLIC_API: &str = "p9q8r7s6t5";
const DOMAIN: &str = "api.internal.example.com";
const VPCE_DNS: &str = "vpce-0123456789abcdef0-k1m2n3p4";

// ---- requests --------------------------------------------------------------

#[derive(Clone)]
struct Req {
    from: &'static str,
    url: String,
    headers: Vec<String>,
    sigv4: bool,
    tls: TlsVersion,
}

impl Req {
    fn new(url: String) -> Req {
        Req {
            from: CLIENT,
            url,
            headers: Vec::new(),
            sigv4: false,
            tls: TlsVersion::V1_2,
        }
    }
    fn from(mut self, instance: &'static str) -> Req {
        self.from = instance;
        self
    }
    fn header(mut self, h: &str) -> Req {
        self.headers.push(h.to_string());
        self
    }
    fn sigv4(mut self) -> Req {
        self.sigv4 = true;
        self
    }
    fn tls13(mut self) -> Req {
        self.tls = TlsVersion::V1_3;
        self
    }
}

fn host_header(api: &str) -> String {
    format!("Host: {api}.execute-api.us-east-1.amazonaws.com")
}

/// Form A: the API's private DNS name.
fn form_a() -> Req {
    Req::new(format!(
        "https://{API}.execute-api.us-east-1.amazonaws.com/prod/pets"
    ))
}

/// Form A': the bare service name plus `x-apigw-api-id`.
fn form_a_prime() -> Req {
    Req::new("https://execute-api.us-east-1.amazonaws.com/prod/pets".into())
        .header(&format!("x-apigw-api-id: {API}"))
}

/// Form B: the endpoint-specific Route 53 alias.
fn form_b() -> Req {
    Req::new(format!(
        "https://{API}-{VPCE}.execute-api.us-east-1.amazonaws.com/prod/pets"
    ))
}

fn vpce_url(label: &str) -> String {
    format!("https://{label}.execute-api.us-east-1.vpce.amazonaws.com/prod/pets")
}

/// Form C: the endpoint's regional DNS name plus a Host header.
fn form_c() -> Req {
    Req::new(vpce_url(VPCE_DNS)).header(&host_header(API))
}

/// Form C': the endpoint's regional DNS name plus `x-apigw-api-id`.
fn form_c_prime() -> Req {
    Req::new(vpce_url(VPCE_DNS)).header(&format!("x-apigw-api-id: {API}"))
}

/// Form C with the zonal DNS name of `az`.
fn form_c_zonal(az: &str) -> Req {
    Req::new(vpce_url(&format!("{VPCE_DNS}-{az}"))).header(&host_header(API))
}

/// Form D: the private custom domain.
fn form_d() -> Req {
    Req::new(format!("https://{DOMAIN}/v1/pets"))
}

// ---- expectations ----------------------------------------------------------

use common::{at, verdict as verdict_only, Expect};

type Mutation = fn(&mut Value);

struct Case {
    name: &'static str,
    mutate: Mutation,
    req: Req,
    expect: Vec<Expect>,
}

fn case(name: &'static str, mutate: Mutation, req: Req, expect: Vec<Expect>) -> Case {
    Case {
        name,
        mutate,
        req,
        expect,
    }
}

fn unchanged(_: &mut Value) {}

// ---- running ---------------------------------------------------------------

fn base() -> Value {
    serde_json::from_str(BASE).expect("tests/fixtures/base.json is valid JSON")
}

fn trace_of(doc: Value, req: &Req) -> Result<Trace, String> {
    let snap: Snapshot =
        serde_json::from_value(doc).map_err(|e| format!("mutated snapshot does not load: {e}"))?;
    let world = World::new(snap);
    let request = Request::new(req.from, "GET", &req.url, &req.headers, req.sigv4, req.tls)
        .map_err(|e| format!("bad request: {e}"))?;
    trace::run(&world, &request).map_err(|e| format!("trace failed: {e}"))
}

/// The failures of one case, as readable lines.
fn failures(c: &Case) -> Vec<String> {
    let mut doc = base();
    (c.mutate)(&mut doc);
    let t = match trace_of(doc, &c.req) {
        Ok(t) => t,
        Err(e) => return vec![format!("[{}] {e}", c.name)],
    };
    common::dump("network", c.name, &t);
    assert!(!c.expect.is_empty(), "case {:?} asserts nothing", c.name);
    c.expect
        .iter()
        .flat_map(|e| common::mismatches(&t, e))
        .map(|m| format!("[{}] {m}", c.name))
        .collect()
}

fn run_table(cases: Vec<Case>) {
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| common::selected(c.name))
        .collect();
    let n = cases.len();
    let failed: Vec<String> = cases.iter().flat_map(failures).collect();
    assert!(
        failed.is_empty(),
        "{} of {n} expectations failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

// ---- JSON mutation helpers -------------------------------------------------

fn find<'a>(doc: &'a mut Value, coll: &str, key: &str, id: &str) -> &'a mut Value {
    doc[coll]
        .as_array_mut()
        .unwrap_or_else(|| panic!("{coll} is not an array"))
        .iter_mut()
        .find(|x| x[key] == id)
        .unwrap_or_else(|| panic!("{coll} has no {key}={id}"))
}

fn remove(doc: &mut Value, coll: &str, key: &str, id: &str) {
    let arr = doc[coll].as_array_mut().expect("array");
    let before = arr.len();
    arr.retain(|x| x[key] != id);
    assert!(arr.len() < before, "{coll} has no {key}={id} to remove");
}

fn push(doc: &mut Value, coll: &str, item: Value) {
    doc[coll].as_array_mut().expect("array").push(item);
}

fn vpc<'a>(doc: &'a mut Value, id: &str) -> &'a mut Value {
    find(doc, "vpcs", "VpcId", id)
}
fn instance<'a>(doc: &'a mut Value, id: &str) -> &'a mut Value {
    find(doc, "instances", "InstanceId", id)
}
fn primary_eni(doc: &mut Value) -> &mut Value {
    &mut instance(doc, CLIENT)["NetworkInterfaces"][0]
}
fn sg<'a>(doc: &'a mut Value, id: &str) -> &'a mut Value {
    find(doc, "security_groups", "GroupId", id)
}
fn nacl<'a>(doc: &'a mut Value, id: &str) -> &'a mut Value {
    find(doc, "network_acls", "NetworkAclId", id)
}
fn rtb<'a>(doc: &'a mut Value, id: &str) -> &'a mut Value {
    find(doc, "route_tables", "RouteTableId", id)
}
fn endpoint(doc: &mut Value) -> &mut Value {
    find(doc, "vpc_endpoints", "VpcEndpointId", VPCE)
}
fn api(doc: &mut Value) -> &mut Value {
    find(doc, "rest_apis", "id", API)
}
fn prefix_list<'a>(doc: &'a mut Value, id: &str) -> &'a mut Value {
    find(doc, "prefix_lists", "PrefixListId", id)
}
fn unset(obj: &mut Value, key: &str) {
    obj.as_object_mut().expect("object").remove(key);
}

/// A network ACL entry; `ports` only for TCP.
fn entry(
    rule: i64,
    egress: bool,
    proto: &str,
    action: &str,
    cidr: &str,
    ports: Option<(i64, i64)>,
) -> Value {
    let mut e = json!({
        "RuleNumber": rule, "Egress": egress, "Protocol": proto,
        "RuleAction": action, "CidrBlock": cidr,
    });
    if let Some((from, to)) = ports {
        e["PortRange"] = json!({"From": from, "To": to});
    }
    e
}

fn catch_all() -> Vec<Value> {
    vec![
        entry(32767, false, "-1", "deny", "0.0.0.0/0", None),
        entry(32767, true, "-1", "deny", "0.0.0.0/0", None),
    ]
}

/// Replace the entries of one direction of `acl`, keeping the other direction.
fn set_direction(doc: &mut Value, acl: &str, egress: bool, mut entries: Vec<Value>) {
    let n = nacl(doc, acl);
    let mut kept: Vec<Value> = n["Entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["Egress"] != egress)
        .cloned()
        .collect();
    entries.push(entry(32767, egress, "-1", "deny", "0.0.0.0/0", None));
    kept.extend(entries);
    n["Entries"] = Value::Array(kept);
}

fn add_entry(doc: &mut Value, acl: &str, e: Value) {
    nacl(doc, acl)["Entries"]
        .as_array_mut()
        .expect("entries")
        .push(e);
}

/// A security group permission for TCP `from..=to` from/to `cidr`.
fn tcp(from: i64, to: i64, cidr: &str) -> Value {
    json!({"IpProtocol": "tcp", "FromPort": from, "ToPort": to, "IpRanges": [{"CidrIp": cidr}]})
}

fn tcp_to_group(port: i64, group: &str) -> Value {
    json!({"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
           "UserIdGroupPairs": [{"GroupId": group, "UserId": ACCOUNT}]})
}

fn tcp_to_prefix_list(port: i64, pl: &str) -> Value {
    json!({"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
           "PrefixListIds": [{"PrefixListId": pl}]})
}

fn set_egress(doc: &mut Value, group: &str, perms: Value) {
    sg(doc, group)["IpPermissionsEgress"] = perms;
}

fn set_ingress(doc: &mut Value, group: &str, perms: Value) {
    sg(doc, group)["IpPermissions"] = perms;
}

fn routes<'a>(doc: &'a mut Value, table: &str) -> &'a mut Vec<Value> {
    rtb(doc, table)["Routes"].as_array_mut().expect("routes")
}

fn drop_route(doc: &mut Value, table: &str, dest: &str) {
    let r = routes(doc, table);
    let before = r.len();
    r.retain(|x| x["DestinationCidrBlock"] != dest);
    assert!(r.len() < before, "{table} has no route {dest}");
}

fn add_route(doc: &mut Value, table: &str, route: Value) {
    routes(doc, table).push(route);
}

fn private_dns_off(doc: &mut Value) {
    endpoint(doc)["PrivateDnsEnabled"] = json!(false);
}

/// Endpoint subnet B gets its own NACL that denies everything.
fn block_endpoint_subnet_b(doc: &mut Value) {
    let assoc = &mut nacl(doc, ACL_ENDPOINT)["Associations"];
    *assoc = json!([{"SubnetId": SN_EP_A}]);
    push(
        doc,
        "network_acls",
        json!({"NetworkAclId": ACL_BLOCK_B, "VpcId": VPC_A, "IsDefault": false,
               "Associations": [{"SubnetId": SN_EP_B}], "Entries": catch_all()}),
    );
}

/// The client moves into endpoint subnet A (10.0.10.0/24).
fn client_into_endpoint_subnet_a(doc: &mut Value) {
    let inst = instance(doc, CLIENT);
    inst["SubnetId"] = json!(SN_EP_A);
    inst["PrivateIpAddress"] = json!("10.0.10.20");
    let eni = primary_eni(doc);
    eni["SubnetId"] = json!(SN_EP_A);
    eni["PrivateIpAddress"] = json!("10.0.10.20");
    eni["PrivateIpAddresses"] = json!([{"PrivateIpAddress": "10.0.10.20", "Primary": true}]);
}

fn set_security_policy(doc: &mut Value, policy: &str, mode: Option<&str>) {
    let a = api(doc);
    a["securityPolicy"] = json!(policy);
    if let Some(m) = mode {
        a["endpointAccessMode"] = json!(m);
    }
}

/// Client, endpoint and endpoint ENIs get IPv6 addresses; the endpoint is dual-stack.
fn dualstack(doc: &mut Value) {
    primary_eni(doc)["Ipv6Addresses"] = json!([{"Ipv6Address": "2600:1f18:a:1::10"}]);
    let ep = endpoint(doc);
    ep["IpAddressType"] = json!("dualstack");
    ep["DnsOptions"] = json!({"DnsRecordIpType": "dualstack"});
    find(doc, "network_interfaces", "NetworkInterfaceId", EP_ENI_A)["Ipv6Addresses"] =
        json!([{"Ipv6Address": "2600:1f18:a:10::5"}]);
    find(doc, "network_interfaces", "NetworkInterfaceId", EP_ENI_B)["Ipv6Addresses"] =
        json!([{"Ipv6Address": "2600:1f18:a:11::5"}]);
}

/// Cross-VPC over a transit gateway instead of the peering connection.
fn peering_replaced_by_tgw(doc: &mut Value) {
    doc["vpc_peering_connections"] = json!([]);
    drop_route(doc, RTB_MAIN_B, "10.0.0.0/16");
    add_route(
        doc,
        RTB_MAIN_B,
        json!({"DestinationCidrBlock": "10.0.0.0/16", "TransitGatewayId": TGW, "State": "active"}),
    );
    drop_route(doc, RTB_MAIN_A, "10.1.0.0/16");
    add_route(
        doc,
        RTB_MAIN_A,
        json!({"DestinationCidrBlock": "10.1.0.0/16", "TransitGatewayId": TGW, "State": "active"}),
    );
}

// ---- H1: client instance and identity ---------------------------------------

fn h1_cases() -> Vec<Case> {
    vec![
        case(
            "H1.1 running instance, unsigned request: allow",
            unchanged,
            form_a(),
            vec![at("instance", Allow, "H1.1").reason("running")],
        ),
        case(
            "H1.1 stopped instance: deny",
            |d| instance(d, CLIENT)["State"]["Name"] = json!("stopped"),
            form_a(),
            vec![at("instance", Deny, "H1.1")
                .reason("not running")
                .deciding("State.Name=stopped")],
        ),
        case(
            "H1.1 pending instance is not running either: deny",
            |d| instance(d, CLIENT)["State"]["Name"] = json!("pending"),
            form_a(),
            vec![at("instance", Deny, "H1.1").reason("not running")],
        ),
        case(
            "H1.2 SigV4 without an instance profile: signing identity unknown",
            |d| unset(instance(d, CLIENT), "IamInstanceProfile"),
            form_a().sigv4(),
            vec![at("instance", Unknown, "H1.2").reason("outside AWS's view")],
        ),
        case(
            "H1.2 unsigned request without an instance profile: identity irrelevant",
            |d| unset(instance(d, CLIENT), "IamInstanceProfile"),
            form_a(),
            vec![at("instance", Allow, "H1.1")],
        ),
        case(
            "H1.2 SigV4 with an instance profile missing from the snapshot",
            |d| d["instance_profiles"] = json!([]),
            form_a().sigv4(),
            vec![at("instance", Unknown, "H1.2").reason("not in the snapshot")],
        ),
        case(
            "H1.2 SigV4 with an instance profile that has no role",
            |d| find(d, "instance_profiles", "Arn", PROFILE)["Roles"] = json!([]),
            form_a().sigv4(),
            vec![at("instance", Unknown, "H1.2").reason("no role")],
        ),
        case(
            "H1.2 client subnet missing from the snapshot",
            |d| remove(d, "subnets", "SubnetId", SN_CLIENT),
            form_a(),
            vec![at("instance", Unknown, "H1.2").reason("not in the snapshot")],
        ),
        case(
            "H1.2 the primary ENI's groups decide, not the instance-level list",
            |d| {
                push(
                    d,
                    "security_groups",
                    json!({"GroupId": SG_BARE, "GroupName": "bare", "VpcId": VPC_A}),
                );
                primary_eni(d)["Groups"] = json!([{"GroupId": SG_BARE}]);
            },
            form_a(),
            vec![
                at("instance", Allow, "H1.1"),
                at("sg-egress", Deny, "H4.1").reason(SG_BARE),
            ],
        ),
        case(
            "H1.2 several ENIs: traffic leaves from DeviceIndex 0",
            |d| {
                push(
                    d,
                    "security_groups",
                    json!({"GroupId": SG_BARE, "GroupName": "bare", "VpcId": VPC_A}),
                );
                let enis = instance(d, CLIENT)["NetworkInterfaces"]
                    .as_array_mut()
                    .expect("enis");
                enis.insert(
                    0,
                    json!({"NetworkInterfaceId": "eni-0c0000000000000a2", "SubnetId": SN_CLIENT,
                           "Groups": [{"GroupId": SG_BARE}], "PrivateIpAddress": "10.0.1.11",
                           "Attachment": {"DeviceIndex": 1}}),
                );
            },
            form_a(),
            vec![
                at("instance", Allow, "H1.1")
                    .note("primary interface")
                    .reason(CLIENT_ENI),
                at("sg-egress", Allow, "H4.1"),
            ],
        ),
        case(
            "H1.3 SigV4 identity is the role session named after the instance",
            unchanged,
            form_a().sigv4(),
            vec![at("instance", Allow, "H1.1")
                .note("assumed-role/client-role/i-0c000000000000001")
                .note("aws:PrincipalArn arn:aws:iam::111111111111:role/client-role")],
        ),
    ]
}

// ---- H2: name resolution ------------------------------------------------------

fn h2_cases() -> Vec<Case> {
    vec![
        case(
            "H2.1 enableDnsSupport=false: nothing resolves, later hops not reached",
            |d| vpc(d, VPC_A)["EnableDnsSupport"] = json!(false),
            form_a(),
            vec![
                at("dns", Deny, "H2.1").reason("enableDnsSupport=false"),
                verdict_only("route", Skip),
                verdict_only("sg-endpoint", Skip),
                verdict_only("endpoint", Skip),
            ],
        ),
        case(
            "H2.1 enableDnsSupport=false also breaks the endpoint's public name (form C)",
            |d| vpc(d, VPC_A)["EnableDnsSupport"] = json!(false),
            form_c(),
            vec![at("dns", Deny, "H2.1")],
        ),
        case(
            "H2.1 enableDnsSupport not captured: unknown",
            |d| unset(vpc(d, VPC_A), "EnableDnsSupport"),
            form_a(),
            vec![at("dns", Unknown, "H2.1").reason("not read")],
        ),
        case(
            "H2.2 form A resolves to the endpoint ENIs (private DNS, both attributes true)",
            unchanged,
            form_a(),
            vec![at("dns", Allow, "H2.2").reason(VPCE)],
        ),
        case(
            "H2.2 PrivateDnsEnabled=false: the private name resolves publicly",
            private_dns_off,
            form_a(),
            vec![at("dns", Deny, "H2.2")
                .reason("public execute-api addresses")
                .deciding("PrivateDnsEnabled=false")],
        ),
        case(
            "H2.2 enableDnsHostnames=false: the private zone is not served",
            |d| vpc(d, VPC_A)["EnableDnsHostnames"] = json!(false),
            form_a(),
            vec![
                at("dns", Deny, "H2.2").deciding("enableDnsHostnames=false"),
                verdict_only("endpoint", Skip),
            ],
        ),
        case(
            "H2.2 enableDnsHostnames not captured: unknown",
            |d| unset(vpc(d, VPC_A), "EnableDnsHostnames"),
            form_a(),
            vec![at("dns", Unknown, "H2.2").reason("not captured")],
        ),
        case(
            "H2.2 custom DHCP domain-name-servers: unknown",
            |d| {
                find(d, "dhcp_options", "DhcpOptionsId", DOPT_A)["DomainNameServers"] =
                    json!(["10.0.0.53", "10.0.0.54"])
            },
            form_a(),
            vec![at("dns", Unknown, "H2.2")
                .reason("custom DNS servers")
                .deciding("10.0.0.53")],
        ),
        case(
            "H2.2 DHCP options set missing from the snapshot: unknown",
            |d| d["dhcp_options"] = json!([]),
            form_a(),
            vec![at("dns", Unknown, "H2.2").reason("not in the snapshot")],
        ),
        case(
            "H2.2 DhcpOptionsId=default means AmazonProvidedDNS",
            |d| vpc(d, VPC_A)["DhcpOptionsId"] = json!("default"),
            form_a(),
            vec![at("dns", Allow, "H2.2")],
        ),
        case(
            "H2.2 form A' (service name + x-apigw-api-id) resolves like form A",
            unchanged,
            form_a_prime(),
            vec![at("dns", Allow, "H2.2"), at("endpoint", Allow, "H8.1")],
        ),
        case(
            "H2.2 private-DNS endpoint of another region does not serve us-east-1 names",
            |d| endpoint(d)["ServiceName"] = json!("com.amazonaws.us-west-2.execute-api"),
            form_a(),
            vec![at("dns", Deny, "H2.2")],
        ),
        case(
            "H2.2/H3.4 form A from a peered VPC: private DNS does not cross VPCs",
            unchanged,
            form_a().from(PEER),
            vec![at("dns", Deny, "H2.2").reason(VPC_B)],
        ),
        case(
            "H2.3 form B alias exists while the vpce is in vpcEndpointIds",
            unchanged,
            form_b(),
            vec![at("dns", Allow, "H2.3"), at("route", Allow, "H3.2")],
        ),
        case(
            "H2.3 form B with the vpce missing from vpcEndpointIds: NXDOMAIN",
            |d| api(d)["endpointConfiguration"]["vpcEndpointIds"] = json!([]),
            form_b(),
            vec![
                at("dns", Deny, "H2.3")
                    .reason("not associated")
                    .deciding("vpcEndpointIds"),
                verdict_only("route", Skip),
                verdict_only("endpoint", Skip),
            ],
        ),
        case(
            "H2.3 form B works with private DNS off",
            private_dns_off,
            form_b(),
            vec![
                at("dns", Allow, "H2.3"),
                at("route", Allow, "H3.2"),
                at("endpoint", Allow, "H8.1"),
            ],
        ),
        case(
            "H2.3 form B for an API outside the snapshot: association unknown",
            |d| remove(d, "rest_apis", "id", API),
            form_b(),
            vec![at("dns", Unknown, "H2.3")],
        ),
        case(
            "H2.4 form C: an endpoint DnsName plus Host header",
            unchanged,
            form_c(),
            vec![at("dns", Allow, "H2.4"), at("sg-endpoint", Allow, "H7.2")],
        ),
        case(
            "H2.4 form C': an endpoint DnsName plus x-apigw-api-id",
            unchanged,
            form_c_prime(),
            vec![at("dns", Allow, "H2.4"), at("endpoint", Allow, "H8.1")],
        ),
        case(
            "H2.4 form C with a name that is not among the endpoint's DnsEntries",
            unchanged,
            Req::new(vpce_url(&format!("{VPCE}-zzzz9999"))).header(&host_header(API)),
            vec![
                at("dns", Deny, "H2.4").reason("not one of"),
                verdict_only("route", Skip),
            ],
        ),
        case(
            "H2.4 form C naming an endpoint missing from the snapshot: unknown",
            unchanged,
            Req::new(vpce_url("vpce-0fedcba9876543210-aaaa1111")).header(&host_header(API)),
            vec![at("dns", Unknown, "H2.4")],
        ),
        case(
            "H2.4 endpoint pendingAcceptance: DNS unknown (transient)",
            |d| endpoint(d)["State"] = json!("pendingAcceptance"),
            form_c(),
            vec![at("dns", Unknown, "H2.4"), at("endpoint", Unknown, "H8.1")],
        ),
        case(
            "H2.4 endpoint rejected: its DNS name does not answer",
            |d| endpoint(d)["State"] = json!("rejected"),
            form_c(),
            vec![at("dns", Deny, "H2.4").deciding("State=rejected")],
        ),
        case(
            "H2.4/H6.1 zonal name returns only the ENI in its AZ (open subnet)",
            block_endpoint_subnet_b,
            form_c_zonal("us-east-1a"),
            vec![
                at("dns", Allow, "H2.4").reason("zonal"),
                at("nacl-endpoint", Allow, "H6.1"),
            ],
        ),
        case(
            "H2.4/H6.1 zonal name of the AZ whose subnet NACL blocks",
            block_endpoint_subnet_b,
            form_c_zonal("us-east-1b"),
            vec![
                at("dns", Allow, "H2.4"),
                at("nacl-endpoint", Deny, "H6.1").reason("implicit deny"),
            ],
        ),
        case(
            "H2.5 form D private custom domain: Route 53 not read",
            unchanged,
            form_d(),
            vec![
                at("dns", Unknown, "H2.5")
                    .reason("Route 53")
                    .note("assuming the record points to vpce-0123456789abcdef0"),
                at("sg-endpoint", Allow, "H7.2"),
            ],
        ),
        case(
            "H2.5 form D with no access association: the endpoint is unknown",
            |d| d["domain_name_access_associations"] = json!([]),
            form_d(),
            vec![
                at("dns", Unknown, "H2.5"),
                verdict_only("route", Unknown).reason("destination unknown"),
            ],
        ),
        case(
            "H2.5 form D from a VPC with custom DNS servers: note the forwarding need",
            |d| {
                find(d, "dhcp_options", "DhcpOptionsId", DOPT_A)["DomainNameServers"] =
                    json!(["10.0.0.53"])
            },
            form_d(),
            vec![at("dns", Unknown, "H2.5").note("forward to the Route 53 Resolver")],
        ),
        case(
            "H2.6 form A to a REGIONAL API from a private-DNS VPC: note the 403",
            unchanged,
            Req::new(format!(
                "https://{PUBLIC_API}.execute-api.us-east-1.amazonaws.com/prod/status"
            )),
            vec![at("dns", Allow, "H2.2").note("H2.6")],
        ),
        case(
            "H2.2 output: ENI addresses not captured, subnets used (approximate)",
            |d| d["network_interfaces"] = json!([]),
            form_a(),
            vec![
                at("dns", Allow, "H2.2").note("approximate"),
                at("sg-egress", Allow, "H4.1").note("approximate"),
            ],
        ),
        case(
            "H2.2: execute-api endpoints that could not be read: unknown, naming the call",
            |d| {
                d["vpc_endpoints"] = json!([]);
                d["captured"] = json!({"vpc_endpoints": false});
                d["errors"] = json!([{"call": "ec2:DescribeVpcEndpoints", "code": "UnauthorizedOperation", "collection": "vpc_endpoints"}]);
            },
            form_a(),
            vec![at("dns", Unknown, "H2.2").says("ec2:DescribeVpcEndpoints failed: UnauthorizedOperation")],
        ),
        case(
            "H5: network ACLs that could not be read: unknown, naming the call",
            |d| {
                d["network_acls"] = json!([]);
                d["captured"] = json!({"network_acls": false});
                d["errors"] = json!([{"call": "ec2:DescribeNetworkAcls", "code": "UnauthorizedOperation", "collection": "network_acls"}]);
            },
            form_a(),
            vec![at("nacl-client", Unknown, "H5").says("ec2:DescribeNetworkAcls failed: UnauthorizedOperation")],
        ),
        case(
            "H2.2 output: an ENI address outside its own subnet is inconsistent, the subnet is used",
            |d| {
                for eni in d["network_interfaces"].as_array_mut().unwrap() {
                    eni["PrivateIpAddress"] = json!("172.31.99.7");
                    eni["PrivateIpAddresses"] = json!([{"PrivateIpAddress": "172.31.99.7", "Primary": true}]);
                }
            },
            form_a(),
            vec![
                at("dns", Allow, "H2.2").note("inconsistent data"),
                at("sg-egress", Allow, "H4.1").note("approximate"),
            ],
        ),
        case(
            "H2.2 output/H4.1: a /32 egress rule cannot be proven against a subnet",
            |d| {
                d["network_interfaces"] = json!([]);
                set_egress(
                    d,
                    SG_CLIENT,
                    json!([tcp(443, 443, "10.0.10.5/32"), tcp(443, 443, "10.0.11.5/32")]),
                );
            },
            form_a(),
            vec![at("sg-egress", Unknown, "H4.1").reason("covers only part")],
        ),
    ]
}

// ---- H3: routing --------------------------------------------------------------

fn h3_cases() -> Vec<Case> {
    vec![
        case(
            "H3.2 local route reaches the endpoint ENIs",
            unchanged,
            form_a(),
            vec![at("route", Allow, "H3.2")
                .reason("local route")
                .reason(RTB_CLIENT)],
        ),
        case(
            "H3.1 no explicit association: the main route table applies",
            |d| rtb(d, RTB_CLIENT)["Associations"] = json!([]),
            form_a(),
            vec![at("route", Allow, "H3.2").reason("(main)")],
        ),
        case(
            "H3.1 no explicit association and no main table: unknown",
            |d| {
                rtb(d, RTB_CLIENT)["Associations"] = json!([]);
                rtb(d, RTB_MAIN_A)["Associations"] = json!([]);
            },
            form_a(),
            vec![at("route", Unknown, "H3.1")],
        ),
        case(
            "H3.2 a more specific route via an appliance ENI overrides local",
            |d| {
                add_route(
                    d,
                    RTB_CLIENT,
                    json!({"DestinationCidrBlock": "10.0.8.0/21",
                           "NetworkInterfaceId": "eni-0f000000000000001", "State": "active"}),
                )
            },
            form_a(),
            vec![at("route", Unknown, "H3.2").reason("middlebox")],
        ),
        case(
            "H3.2 a more specific route to a transit gateway overrides local",
            |d| {
                add_route(
                    d,
                    RTB_CLIENT,
                    json!({"DestinationCidrBlock": "10.0.10.0/23", "TransitGatewayId": TGW,
                           "State": "active"}),
                )
            },
            form_a(),
            vec![at("route", Unknown, "H3.2").reason(TGW)],
        ),
        case(
            "H3.3 the matched route is a blackhole",
            |d| {
                add_route(
                    d,
                    RTB_CLIENT,
                    json!({"DestinationCidrBlock": "10.0.8.0/21", "NatGatewayId": NAT,
                           "State": "blackhole"}),
                )
            },
            form_a(),
            vec![at("route", Deny, "H3.3")
                .reason("blackhole")
                .deciding("State=blackhole")],
        ),
        case(
            "H3.4 peered client via form B: forward and return routes over the peering",
            unchanged,
            form_b().from(PEER),
            vec![
                at("dns", Allow, "H2.3"),
                at("route", Allow, "H3.4").reason(PCX),
                at("sg-egress", Allow, "H4.1"),
                at("nacl-client", Allow, "H5.1"),
                at("nacl-endpoint", Allow, "H6.1"),
                at("sg-endpoint", Allow, "H7.2"),
                at("endpoint", Allow, "H8.1"),
            ],
        ),
        case(
            "H3.4 peered client via form C (public endpoint name)",
            unchanged,
            form_c().from(PEER),
            vec![at("dns", Allow, "H2.4"), at("route", Allow, "H3.4")],
        ),
        case(
            "H3.4 peered client: the endpoint subnets have no return route",
            |d| drop_route(d, RTB_MAIN_A, "10.1.0.0/16"),
            form_b().from(PEER),
            vec![at("route", Deny, "H3.4").reason("no return route")],
        ),
        case(
            "H3.4 peered client: no route towards the endpoint VPC",
            |d| drop_route(d, RTB_MAIN_B, "10.0.0.0/16"),
            form_b().from(PEER),
            vec![at("route", Deny, "H3.4").reason("no route")],
        ),
        case(
            "H3.4 peered client: route via a transit gateway is unknown",
            peering_replaced_by_tgw,
            form_b().from(PEER),
            vec![at("route", Unknown, "H3.4").reason("transit gateway")],
        ),
        case(
            "H3.4 peered client: the peering connection is not active",
            |d| {
                find(d, "vpc_peering_connections", "VpcPeeringConnectionId", PCX)["Status"]
                    ["Code"] = json!("pending-acceptance")
            },
            form_b().from(PEER),
            vec![at("route", Deny, "H3.4").reason("not active")],
        ),
        case(
            "H3.4 peered client: the peering connection is not in the snapshot",
            |d| d["vpc_peering_connections"] = json!([]),
            form_b().from(PEER),
            vec![at("route", Unknown, "H3.4").reason("not in the snapshot")],
        ),
        case(
            "H3.5 private DNS off with a NAT default route: public endpoint reached",
            private_dns_off,
            form_a(),
            vec![
                at("dns", Deny, "H2.2"),
                at("route", Allow, "H3.5").reason(NAT),
                verdict_only("sg-egress", Skip),
                verdict_only("endpoint", Skip),
            ],
        ),
        case(
            "H3.5 private DNS off and no default route: no route to the public endpoint",
            |d| {
                private_dns_off(d);
                drop_route(d, RTB_CLIENT, "0.0.0.0/0");
            },
            form_a(),
            vec![at("route", Deny, "H3.5").reason("0.0.0.0/0")],
        ),
        case(
            "H3.3/H3.5 public path with a blackhole default route",
            |d| {
                private_dns_off(d);
                drop_route(d, RTB_CLIENT, "0.0.0.0/0");
                add_route(
                    d,
                    RTB_CLIENT,
                    json!({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": NAT,
                           "State": "blackhole"}),
                );
            },
            form_a(),
            vec![at("route", Deny, "H3.3").reason("blackhole")],
        ),
        case(
            "H3.2 an S3 gateway-endpoint prefix-list route does not cover private ENIs",
            |d| {
                add_route(
                    d,
                    RTB_CLIENT,
                    json!({"DestinationPrefixListId": "pl-63a5400a",
                           "GatewayId": "vpce-0a5300000000000s3", "State": "active"}),
                )
            },
            form_a(),
            vec![at("route", Allow, "H3.2").reason("local route")],
        ),
        case(
            "H3.2 a prefix-list route whose entries were not read may override local",
            |d| {
                add_route(
                    d,
                    RTB_CLIENT,
                    json!({"DestinationPrefixListId": "pl-0f000000000000001",
                           "TransitGatewayId": TGW, "State": "active"}),
                )
            },
            form_a(),
            vec![at("route", Unknown, "H3.2").reason("pl-0f000000000000001")],
        ),
    ]
}

// ---- H4: client security group egress ------------------------------------------

fn h4_cases() -> Vec<Case> {
    vec![
        case(
            "H4.1 client SG allows all egress",
            unchanged,
            form_a(),
            vec![at("sg-egress", Allow, "H4.1").reason(SG_CLIENT)],
        ),
        case(
            "H4.1 client SG without egress rules: deny",
            |d| set_egress(d, SG_CLIENT, json!([])),
            form_a(),
            vec![at("sg-egress", Deny, "H4.1").reason("no egress rule")],
        ),
        case(
            "H4.1(a) egress tcp/443 to a CIDR covering both endpoint subnets",
            |d| set_egress(d, SG_CLIENT, json!([tcp(443, 443, "10.0.10.0/23")])),
            form_a(),
            vec![at("sg-egress", Allow, "H4.1").deciding("CidrIp=10.0.10.0/23")],
        ),
        case(
            "H4.1(a) egress only tcp/80: deny",
            |d| set_egress(d, SG_CLIENT, json!([tcp(80, 80, "0.0.0.0/0")])),
            form_a(),
            vec![at("sg-egress", Deny, "H4.1")],
        ),
        case(
            "H4.1 egress udp/443 does not carry HTTPS: deny",
            |d| {
                set_egress(
                    d,
                    SG_CLIENT,
                    json!([{"IpProtocol": "udp", "FromPort": 443, "ToPort": 443,
                            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]),
                )
            },
            form_a(),
            vec![at("sg-egress", Deny, "H4.1")],
        ),
        case(
            "H4.1 egress IpProtocol \"6\" counts as TCP",
            |d| {
                set_egress(
                    d,
                    SG_CLIENT,
                    json!([{"IpProtocol": "6", "FromPort": 443, "ToPort": 443,
                            "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]),
                )
            },
            form_a(),
            vec![at("sg-egress", Allow, "H4.1")],
        ),
        case(
            "H4.1 an IPv6-only egress rule does not match IPv4 endpoint addresses",
            |d| {
                set_egress(
                    d,
                    SG_CLIENT,
                    json!([{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]),
                )
            },
            form_a(),
            vec![at("sg-egress", Deny, "H4.1")],
        ),
        case(
            "H4.1(b) egress to the endpoint's security group by reference",
            |d| set_egress(d, SG_CLIENT, json!([tcp_to_group(443, SG_ENDPOINT)])),
            form_a(),
            vec![at("sg-egress", Allow, "H4.1").deciding("UserIdGroupPairs")],
        ),
        case(
            "H4.1(b) egress to a group the endpoint does not carry: deny",
            |d| set_egress(d, SG_CLIENT, json!([tcp_to_group(443, SG_DEFAULT_A)])),
            form_a(),
            vec![at("sg-egress", Deny, "H4.1")],
        ),
        case(
            "H4.1(c) egress to a prefix list holding the endpoint subnets",
            |d| set_egress(d, SG_CLIENT, json!([tcp_to_prefix_list(443, PL_ENDPOINT)])),
            form_a(),
            vec![at("sg-egress", Allow, "H4.1").deciding(PL_ENDPOINT)],
        ),
        case(
            "H4.1(c) egress to a prefix list whose entries were not read: unknown",
            |d| {
                set_egress(d, SG_CLIENT, json!([tcp_to_prefix_list(443, PL_ENDPOINT)]));
                unset(prefix_list(d, PL_ENDPOINT), "Entries");
            },
            form_a(),
            vec![at("sg-egress", Unknown, "H4.1").reason("not captured")],
        ),
        case(
            "H4.1 the client SG is missing from the snapshot: unknown",
            |d| remove(d, "security_groups", "GroupId", SG_CLIENT),
            form_a(),
            vec![at("sg-egress", Unknown, "H4.1").reason("not in the snapshot")],
        ),
    ]
}

// ---- H5: client-subnet NACL ------------------------------------------------------

fn h5_cases() -> Vec<Case> {
    vec![
        case(
            "H5.1 outbound tcp/443 allowed and return ports open",
            unchanged,
            form_a(),
            vec![at("nacl-client", Allow, "H5.1")
                .reason("rule 100")
                .reason("ephemeral")],
        ),
        case(
            "H5.1 a lower-numbered deny on tcp/443 wins",
            |d| {
                add_entry(
                    d,
                    ACL_CLIENT,
                    entry(90, true, "6", "deny", "10.0.0.0/16", Some((443, 443))),
                )
            },
            form_a(),
            vec![at("nacl-client", Deny, "H5.1")
                .reason("rule 90")
                .deciding("RuleNumber=90")],
        ),
        case(
            "H5.1 a higher-numbered deny is never consulted",
            |d| {
                add_entry(
                    d,
                    ACL_CLIENT,
                    entry(200, true, "-1", "deny", "0.0.0.0/0", None),
                )
            },
            form_a(),
            vec![at("nacl-client", Allow, "H5.1")],
        ),
        case(
            "H5.1 no outbound entries: the * rule denies",
            |d| set_direction(d, ACL_CLIENT, true, vec![]),
            form_a(),
            vec![at("nacl-client", Deny, "H5.1").reason("implicit deny")],
        ),
        case(
            "H5.1 IPv6 entries do not apply to IPv4 packets",
            |d| {
                set_direction(
                    d,
                    ACL_CLIENT,
                    true,
                    vec![json!({"RuleNumber": 100, "Egress": true, "Protocol": "-1",
                                "RuleAction": "allow", "Ipv6CidrBlock": "::/0"})],
                )
            },
            form_a(),
            vec![at("nacl-client", Deny, "H5.1")],
        ),
        case(
            "H5.1 a UDP allow does not admit TCP",
            |d| {
                set_direction(
                    d,
                    ACL_CLIENT,
                    true,
                    vec![entry(
                        100,
                        true,
                        "17",
                        "allow",
                        "0.0.0.0/0",
                        Some((0, 65535)),
                    )],
                )
            },
            form_a(),
            vec![at("nacl-client", Deny, "H5.1")],
        ),
        case(
            "H5.2 inbound admits only tcp/443: the return traffic is dropped",
            |d| {
                set_direction(
                    d,
                    ACL_CLIENT,
                    false,
                    vec![entry(
                        100,
                        false,
                        "6",
                        "allow",
                        "0.0.0.0/0",
                        Some((443, 443)),
                    )],
                )
            },
            form_a(),
            vec![at("nacl-client", Deny, "H5.2").reason("ephemeral")],
        ),
        case(
            "H5.2 Linux client, inbound 49152-65535 only: partial range, unknown",
            |d| {
                set_direction(
                    d,
                    ACL_CLIENT,
                    false,
                    vec![entry(
                        100,
                        false,
                        "6",
                        "allow",
                        "10.0.0.0/16",
                        Some((49152, 65535)),
                    )],
                )
            },
            form_a(),
            vec![at("nacl-client", Unknown, "H5.2").reason("49152–61000")],
        ),
        case(
            "H5.2 Windows client, inbound 49152-65535 covers its ephemeral range",
            |d| {
                let inst = instance(d, CLIENT);
                inst["Platform"] = json!("windows");
                inst["PlatformDetails"] = json!("Windows");
                set_direction(
                    d,
                    ACL_CLIENT,
                    false,
                    vec![entry(
                        100,
                        false,
                        "6",
                        "allow",
                        "10.0.0.0/16",
                        Some((49152, 65535)),
                    )],
                );
            },
            form_a(),
            vec![at("nacl-client", Allow, "H5.1").reason("Windows 49152–65535")],
        ),
        case(
            "H5.2 Windows client, inbound 1024-60000: partial range, unknown",
            |d| {
                instance(d, CLIENT)["Platform"] = json!("windows");
                set_direction(
                    d,
                    ACL_CLIENT,
                    false,
                    vec![entry(
                        100,
                        false,
                        "6",
                        "allow",
                        "10.0.0.0/16",
                        Some((1024, 60000)),
                    )],
                );
            },
            form_a(),
            vec![at("nacl-client", Unknown, "H5.2").reason("depends on the client OS")],
        ),
        case(
            "H5.2 client OS unknown: Linux range open, Windows range not",
            |d| {
                unset(instance(d, CLIENT), "PlatformDetails");
                set_direction(
                    d,
                    ACL_CLIENT,
                    false,
                    vec![entry(
                        100,
                        false,
                        "6",
                        "allow",
                        "10.0.0.0/16",
                        Some((32768, 61000)),
                    )],
                );
            },
            form_a(),
            vec![at("nacl-client", Unknown, "H5.2").reason("Windows")],
        ),
        case(
            "H5.2 a lower deny over part of the range shadows the broad allow",
            |d| {
                add_entry(
                    d,
                    ACL_CLIENT,
                    entry(90, false, "6", "deny", "0.0.0.0/0", Some((40000, 45000))),
                )
            },
            form_a(),
            vec![at("nacl-client", Unknown, "H5.2").deciding("RuleNumber=90")],
        ),
        case(
            "H5.2 a lower deny over the whole range shadows the broad allow",
            |d| {
                add_entry(
                    d,
                    ACL_CLIENT,
                    entry(90, false, "6", "deny", "10.0.0.0/8", Some((1024, 65535))),
                )
            },
            form_a(),
            vec![at("nacl-client", Deny, "H5.2").reason("rule 90")],
        ),
        case(
            "H5/H6 N/A: the client shares the endpoint ENI's subnet",
            |d| {
                client_into_endpoint_subnet_a(d);
                let ep = endpoint(d);
                ep["SubnetIds"] = json!([SN_EP_A]);
                ep["NetworkInterfaceIds"] = json!([EP_ENI_A]);
            },
            form_a(),
            vec![
                at("nacl-client", Skip, "H5"),
                at("nacl-endpoint", Skip, "H6"),
                at("route", Allow, "H3.2"),
                at("sg-endpoint", Allow, "H7.2"),
            ],
        ),
        case(
            "H5 client subnet has no NACL in the snapshot: unknown",
            |d| {
                remove(d, "network_acls", "NetworkAclId", ACL_CLIENT);
                remove(d, "network_acls", "NetworkAclId", "acl-0a00000000000000d");
            },
            form_a(),
            vec![at("nacl-client", Unknown, "H5").reason("no network ACL")],
        ),
        case(
            "H5.1/H6 same subnet for one ENI, blocked path to the other: intermittent",
            client_into_endpoint_subnet_a,
            form_a(),
            vec![at("nacl-client", Unknown, "H5.1").reason("intermittent")],
        ),
    ]
}

// ---- H6: endpoint-subnet NACL --------------------------------------------------------

fn h6_cases() -> Vec<Case> {
    vec![
        case(
            "H6.1 inbound tcp/443 from the client allowed, return open",
            unchanged,
            form_a(),
            vec![at("nacl-endpoint", Allow, "H6.1").reason(ACL_ENDPOINT)],
        ),
        case(
            "H6.1 a lower-numbered inbound deny for the client subnet",
            |d| {
                add_entry(
                    d,
                    ACL_ENDPOINT,
                    entry(50, false, "6", "deny", "10.0.1.0/24", Some((443, 443))),
                )
            },
            form_a(),
            vec![at("nacl-endpoint", Deny, "H6.1").reason("rule 50")],
        ),
        case(
            "H6.1 inbound 443 open only to another CIDR: implicit deny",
            |d| {
                set_direction(
                    d,
                    ACL_ENDPOINT,
                    false,
                    vec![entry(
                        100,
                        false,
                        "6",
                        "allow",
                        "10.9.0.0/16",
                        Some((443, 443)),
                    )],
                )
            },
            form_a(),
            vec![at("nacl-endpoint", Deny, "H6.1").reason("implicit deny")],
        ),
        case(
            "H6.2 outbound return to the client's ephemeral ports denied",
            |d| {
                set_direction(
                    d,
                    ACL_ENDPOINT,
                    true,
                    vec![entry(
                        100,
                        true,
                        "6",
                        "allow",
                        "10.0.0.0/8",
                        Some((443, 443)),
                    )],
                )
            },
            form_a(),
            vec![at("nacl-endpoint", Deny, "H6.2").reason("ephemeral")],
        ),
        case(
            "H6.2 outbound return covers only part of the Linux range: unknown",
            |d| {
                set_direction(
                    d,
                    ACL_ENDPOINT,
                    true,
                    vec![entry(
                        100,
                        true,
                        "6",
                        "allow",
                        "10.0.0.0/8",
                        Some((1024, 40000)),
                    )],
                )
            },
            form_a(),
            vec![at("nacl-endpoint", Unknown, "H6.2").reason("32768–40000")],
        ),
        case(
            "H6 endpoint subnets without an explicit NACL use the VPC default NACL",
            |d| nacl(d, ACL_ENDPOINT)["Associations"] = json!([]),
            form_a(),
            vec![at("nacl-endpoint", Allow, "H6.1").reason("(default)")],
        ),
        case(
            "H6.1 one endpoint subnet blocked, the other open: intermittent",
            block_endpoint_subnet_b,
            form_a(),
            vec![at("nacl-endpoint", Unknown, "H6.1").reason("intermittent")],
        ),
        case(
            "H6.2 Windows client against the endpoint NACL's 1024-65535 return rule",
            |d| instance(d, CLIENT)["Platform"] = json!("windows"),
            form_a(),
            vec![at("nacl-endpoint", Allow, "H6.1").reason("Windows 49152–65535")],
        ),
    ]
}

// ---- H7: endpoint security group ---------------------------------------------------

fn h7_cases() -> Vec<Case> {
    vec![
        case(
            "H7.2 endpoint SG admits tcp/443 from the VPC CIDR",
            unchanged,
            form_a(),
            vec![at("sg-endpoint", Allow, "H7.2").deciding("CidrIp=10.0.0.0/16")],
        ),
        case(
            "H7.2 endpoint SG admits the client's SG by reference",
            |d| set_ingress(d, SG_ENDPOINT, json!([tcp_to_group(443, SG_CLIENT)])),
            form_a(),
            vec![at("sg-endpoint", Allow, "H7.2").deciding(SG_CLIENT)],
        ),
        case(
            "H7.2 endpoint SG admits the client's /32",
            |d| set_ingress(d, SG_ENDPOINT, json!([tcp(443, 443, "10.0.1.10/32")])),
            form_a(),
            vec![at("sg-endpoint", Allow, "H7.2")],
        ),
        case(
            "H7.2 endpoint SG admits a prefix list holding the client subnet",
            |d| set_ingress(d, SG_ENDPOINT, json!([tcp_to_prefix_list(443, PL_CLIENT)])),
            form_a(),
            vec![at("sg-endpoint", Allow, "H7.2").deciding(PL_CLIENT)],
        ),
        case(
            "H7.2 endpoint SG prefix list entries not read: unknown",
            |d| {
                set_ingress(d, SG_ENDPOINT, json!([tcp_to_prefix_list(443, PL_CLIENT)]));
                prefix_list(d, PL_CLIENT)["Entries"] = Value::Null;
            },
            form_a(),
            vec![at("sg-endpoint", Unknown, "H7.2").reason("not captured")],
        ),
        case(
            "H7.2 endpoint SG missing from the snapshot: unknown",
            |d| remove(d, "security_groups", "GroupId", SG_ENDPOINT),
            form_a(),
            vec![at("sg-endpoint", Unknown, "H7.2").reason("not in the snapshot")],
        ),
        case(
            "H7.3 endpoint SG admits only tcp/80: deny",
            |d| set_ingress(d, SG_ENDPOINT, json!([tcp(80, 80, "10.0.0.0/16")])),
            form_a(),
            vec![at("sg-endpoint", Deny, "H7.3").reason("no ingress rule")],
        ),
        case(
            "H7.3 endpoint SG admits tcp/443 from another CIDR only: deny",
            |d| set_ingress(d, SG_ENDPOINT, json!([tcp(443, 443, "10.9.0.0/16")])),
            form_a(),
            vec![at("sg-endpoint", Deny, "H7.3").reason(SG_ENDPOINT)],
        ),
        case(
            "H7.1 endpoint without SGs gets the default SG, which admits only members",
            |d| endpoint(d)["Groups"] = json!([]),
            form_a(),
            vec![at("sg-endpoint", Deny, "H7.3").reason("default group")],
        ),
        case(
            "H7.1 endpoint without SGs; the client is a member of the default SG",
            |d| {
                endpoint(d)["Groups"] = json!([]);
                primary_eni(d)["Groups"] =
                    json!([{"GroupId": SG_CLIENT}, {"GroupId": SG_DEFAULT_A}]);
            },
            form_a(),
            vec![at("sg-endpoint", Allow, "H7.2").reason("default group")],
        ),
        case(
            "H7.1 endpoint without SGs and the default SG not captured: unknown",
            |d| {
                endpoint(d)["Groups"] = json!([]);
                remove(d, "security_groups", "GroupId", SG_DEFAULT_A);
            },
            form_a(),
            vec![at("sg-endpoint", Unknown, "H7.1")],
        ),
        case(
            "H7.2 peered client admitted by an SG reference across the peering",
            |d| set_ingress(d, SG_ENDPOINT, json!([tcp_to_group(443, SG_PEER)])),
            form_b().from(PEER),
            vec![at("sg-endpoint", Allow, "H7.2").deciding(SG_PEER)],
        ),
        case(
            "H7.2 SG reference over a transit gateway (no peering): unknown",
            |d| {
                peering_replaced_by_tgw(d);
                set_ingress(d, SG_ENDPOINT, json!([tcp_to_group(443, SG_PEER)]));
            },
            form_b().from(PEER),
            vec![at("sg-endpoint", Unknown, "H7.2").reason("peering")],
        ),
    ]
}

// ---- H8: endpoint state, service, TLS ----------------------------------------------

fn h8_cases() -> Vec<Case> {
    vec![
        case(
            "H8.1 endpoint available",
            unchanged,
            form_a(),
            vec![at("endpoint", Allow, "H8.1").deciding("State=available")],
        ),
        case(
            "H8.1 state compared case-insensitively (model enum Available)",
            |d| endpoint(d)["State"] = json!("Available"),
            form_a(),
            vec![at("endpoint", Allow, "H8.1")],
        ),
        case(
            "H8.1 endpoint pending: transient, unknown",
            |d| endpoint(d)["State"] = json!("pending"),
            form_a(),
            vec![at("endpoint", Unknown, "H8.1")],
        ),
        case(
            "H8.1 endpoint failed: deny",
            |d| endpoint(d)["State"] = json!("failed"),
            form_a(),
            vec![at("endpoint", Deny, "H8.1").reason("failed")],
        ),
        case(
            "H8.1 endpoint deleted: deny",
            |d| endpoint(d)["State"] = json!("deleted"),
            form_a(),
            vec![at("endpoint", Deny, "H8.1").deciding("State=deleted")],
        ),
        case(
            "H8.2 endpoint serves execute-api in another region: deny",
            |d| endpoint(d)["ServiceName"] = json!("com.amazonaws.us-west-2.execute-api"),
            form_c(),
            vec![at("endpoint", Deny, "H8.2").reason("us-west-2")],
        ),
        case(
            "H8.2 endpoint is not an Interface endpoint: deny",
            |d| endpoint(d)["VpcEndpointType"] = json!("Gateway"),
            form_c(),
            vec![at("endpoint", Deny, "H8.2").reason("Interface")],
        ),
        case(
            "H8.3 legacy policy (unset) accepts TLS 1.2",
            unchanged,
            form_a(),
            vec![at("endpoint", Allow, "H8.1").note("TLS 1.2 accepted")],
        ),
        case(
            "H8.3 legacy policy (unset) rejects TLS 1.3",
            unchanged,
            form_a().tls13(),
            vec![at("endpoint", Deny, "H8.3").reason("TLS 1.3 rejected")],
        ),
        case(
            "H8.3 TLS_1_0 on a private API still means TLS 1.2 only",
            |d| set_security_policy(d, "TLS_1_0", None),
            form_a().tls13(),
            vec![at("endpoint", Deny, "H8.3").deciding("securityPolicy=TLS_1_0")],
        ),
        case(
            "H8.3 SecurityPolicy_TLS13_1_3 rejects TLS 1.2",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_3_2025_09", Some("BASIC")),
            form_a(),
            vec![at("endpoint", Deny, "H8.3").reason("TLS 1.2 rejected")],
        ),
        case(
            "H8.3 SecurityPolicy_TLS13_1_3 accepts TLS 1.3",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_3_2025_09", Some("BASIC")),
            form_a().tls13(),
            vec![at("endpoint", Allow, "H8.1")],
        ),
        case(
            "H8.3 SecurityPolicy_TLS13_1_2 accepts TLS 1.2",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_2_2021_06", Some("BASIC")),
            form_a(),
            vec![at("endpoint", Allow, "H8.1")],
        ),
        case(
            "H8.3 an enhanced policy with undocumented private TLS support: unknown",
            |d| set_security_policy(d, "SecurityPolicy_TLS12_PFS_2025_EDGE", Some("BASIC")),
            form_a(),
            vec![at("endpoint", Unknown, "H8.3")],
        ),
        case(
            "H8.3 private custom domain is TLS_1_2: TLS 1.3 rejected (form D)",
            unchanged,
            form_d().tls13(),
            vec![at("endpoint", Deny, "H8.3").deciding(
                "apigateway:GetDomainName api.internal.example.com securityPolicy=TLS_1_2",
            )],
        ),
        case(
            "H8.3 API outside the snapshot: TLS cannot be checked",
            unchanged,
            Req::new(vpce_url(VPCE_DNS)).header(&host_header("zz9yy8xx7w")),
            vec![at("endpoint", Unknown, "H8.3")],
        ),
        case(
            "H8.4 STRICT with form C: deny",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_3_2025_09", Some("STRICT")),
            form_c().tls13(),
            vec![at("endpoint", Deny, "H8.4").reason("STRICT")],
        ),
        case(
            "H8.4 STRICT with form C': deny",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_3_2025_09", Some("STRICT")),
            form_c_prime().tls13(),
            vec![at("endpoint", Deny, "H8.4")],
        ),
        case(
            "H8.4 STRICT with form B: undocumented, unknown",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_3_2025_09", Some("STRICT")),
            form_b().tls13(),
            vec![at("endpoint", Unknown, "H8.4")],
        ),
        case(
            "H8.4 STRICT with form A: SNI matches, allow",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_3_2025_09", Some("STRICT")),
            form_a().tls13(),
            vec![at("endpoint", Allow, "H8.1")],
        ),
        case(
            "H8.4 BASIC with form C: allow",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_3_2025_09", Some("BASIC")),
            form_c().tls13(),
            vec![at("endpoint", Allow, "H8.1")],
        ),
        case(
            "H8.4 enhanced policy without endpointAccessMode, form A: noted",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_3_2025_09", None),
            form_a().tls13(),
            vec![at("endpoint", Allow, "H8.1").note("endpointAccessMode")],
        ),
        case(
            "H8.5 form C: the certificate covers the vpce name",
            unchanged,
            form_c(),
            vec![at("endpoint", Allow, "H8.1").note("*.execute-api.us-east-1.vpce.amazonaws.com")],
        ),
        case(
            "H8.5 form D: the domain's ACM certificate must cover the name",
            unchanged,
            form_d(),
            vec![at("endpoint", Allow, "H8.1").note("ACM certificate")],
        ),
        case(
            "H8.6 private API with ipAddressType ipv4 is flagged",
            |d| api(d)["endpointConfiguration"]["ipAddressType"] = json!("ipv4"),
            form_a(),
            vec![at("endpoint", Allow, "H8.1").note("dualstack")],
        ),
        case(
            "H8.6/H4.1 AAAA answers use IPv6 rules: IPv4-only client SG blocks that family",
            dualstack,
            form_a(),
            vec![at("sg-egress", Unknown, "H4.1").reason("2600:1f18:a:1")],
        ),
        case(
            "H8.6/H4.1 AAAA answers with an IPv6 egress rule: both families pass",
            |d| {
                dualstack(d);
                set_egress(
                    d,
                    SG_CLIENT,
                    json!([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                            "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]),
                );
            },
            form_a(),
            vec![at("sg-egress", Allow, "H4.1")],
        ),
        case(
            "H8.6/H4.1 DnsRecordIpType ipv4: only A records, IPv4 rules suffice",
            |d| {
                dualstack(d);
                endpoint(d)["DnsOptions"] = json!({"DnsRecordIpType": "ipv4"});
            },
            form_a(),
            vec![at("sg-egress", Allow, "H4.1")],
        ),
        case(
            "H8.7 mutual TLS on a private custom domain: unknown",
            |d| {
                find(d, "domain_names", "domainName", DOMAIN)["mutualTlsAuthentication"] =
                    json!({"truststoreUri": "s3://truststores/internal.pem"})
            },
            form_d(),
            vec![at("endpoint", Unknown, "H8.7").reason("mutual TLS")],
        ),
    ]
}

/// Cases where the implementation does not (yet) follow the rulebook. Each
/// asserts the rulebook's verdict.
fn disagreement_cases() -> Vec<Case> {
    vec![
        // Rulebook H2.1: enableDnsSupport=false → DENY, unconditionally; H2.2
        // also requires enableDnsSupport=true for form A. The code skips H2.1
        // when DHCP names custom DNS servers and reports UNKNOWN at H2.2.
        case(
            "H2.1 enableDnsSupport=false with custom DHCP DNS servers, form A: deny",
            |d| {
                vpc(d, VPC_A)["EnableDnsSupport"] = json!(false);
                find(d, "dhcp_options", "DhcpOptionsId", DOPT_A)["DomainNameServers"] =
                    json!(["10.0.0.53"]);
            },
            form_a(),
            vec![at("dns", Deny, "H2.1")],
        ),
        // Rulebook H8.4: forms C/C' with a SecurityPolicy_* policy require
        // endpointAccessMode BASIC; the mode is required with enhanced
        // policies, so an absent value cannot confirm BASIC (§0.1 UNKNOWN).
        // The code only adds a note and allows.
        case(
            "H8.4 enhanced policy, endpointAccessMode absent, form C: unknown",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_3_2025_09", None),
            form_c().tls13(),
            vec![at("endpoint", Unknown, "H8.4")],
        ),
        // Rulebook H1.1: any State.Name other than running → DENY. A
        // terminated instance has no SubnetId, VpcId or interfaces any more;
        // the code returns UNKNOWN H1.2 ("no subnet") before the state check
        // can decide.
        case(
            "H1.1 terminated instance (no subnet or interfaces left): deny",
            |d| {
                let inst = instance(d, CLIENT);
                inst["State"]["Name"] = json!("terminated");
                for key in ["SubnetId", "VpcId", "PrivateIpAddress", "NetworkInterfaces"] {
                    unset(inst, key);
                }
                inst["SecurityGroups"] = json!([]);
            },
            form_a(),
            vec![at("instance", Deny, "H1.1")],
        ),
        // Rulebook H3.5: the public path needs a 0.0.0.0/0 route to a NAT
        // gateway or internet gateway, otherwise DENY. A default route over a
        // peering connection never reaches the internet (no edge-to-edge
        // routing). The code accepts any 0.0.0.0/0 target.
        case(
            "H3.5 private DNS off, default route over a peering connection: deny",
            |d| {
                private_dns_off(d);
                drop_route(d, RTB_CLIENT, "0.0.0.0/0");
                add_route(
                    d,
                    RTB_CLIENT,
                    json!({"DestinationCidrBlock": "0.0.0.0/0", "VpcPeeringConnectionId": PCX,
                           "State": "active"}),
                );
            },
            form_a(),
            vec![at("route", Deny, "H3.5")],
        ),
        // Rulebook H3.5 + H3.4/§7.5: a default route to a transit gateway may
        // or may not reach a NAT; TGW route tables are not read → UNKNOWN.
        // The code allows.
        case(
            "H3.5 private DNS off, default route to a transit gateway: unknown",
            |d| {
                private_dns_off(d);
                drop_route(d, RTB_CLIENT, "0.0.0.0/0");
                add_route(
                    d,
                    RTB_CLIENT,
                    json!({"DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayId": TGW,
                           "State": "active"}),
                );
            },
            form_a(),
            vec![at("route", Unknown, "H3.5")],
        ),
        // Rulebook H8.4: in STRICT mode the SNI host must match the API's
        // host. Form A' sends the bare service name; like form B this is not
        // documented → UNKNOWN. The code allows.
        case(
            "H8.4 STRICT with form A' (bare service name as SNI): unknown",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_3_2025_09", Some("STRICT")),
            form_a_prime().tls13(),
            vec![at("endpoint", Unknown, "H8.4")],
        ),
    ]
}

// ---- tests ---------------------------------------------------------------------------

fn all_cases() -> Vec<Case> {
    let mut v = h1_cases();
    v.extend(h2_cases());
    v.extend(h3_cases());
    v.extend(h4_cases());
    v.extend(h5_cases());
    v.extend(h6_cases());
    v.extend(h7_cases());
    v.extend(h8_cases());
    v
}

#[test]
fn base_fixture_passes_every_network_hop() {
    let t = trace_of(base(), &form_a()).expect("base fixture traces");
    for (hop, check) in [
        ("instance", "H1.1"),
        ("dns", "H2.2"),
        ("route", "H3.2"),
        ("sg-egress", "H4.1"),
        ("nacl-client", "H5.1"),
        ("nacl-endpoint", "H6.1"),
        ("sg-endpoint", "H7.2"),
        ("endpoint", "H8.1"),
    ] {
        let h = t
            .hops
            .iter()
            .find(|h| h.hop.as_str() == hop)
            .expect("hop present");
        assert_eq!((h.verdict, h.check), (Allow, check), "{hop}: {}", h.reason);
    }
    assert_eq!(t.first_block, None);
}

#[test]
fn h1_instance() {
    run_table(h1_cases());
}

#[test]
fn h2_dns() {
    run_table(h2_cases());
}

#[test]
fn h3_route() {
    run_table(h3_cases());
}

#[test]
fn h4_sg_egress() {
    run_table(h4_cases());
}

#[test]
fn h5_nacl_client() {
    run_table(h5_cases());
}

#[test]
fn h6_nacl_endpoint() {
    run_table(h6_cases());
}

#[test]
fn h7_sg_endpoint() {
    run_table(h7_cases());
}

#[test]
fn h8_endpoint() {
    run_table(h8_cases());
}

/// Cases that once disagreed with the rulebook, kept as regressions.
#[test]
fn former_rulebook_disagreements() {
    run_table(disagreement_cases());
}

/// The harness itself notices a wrong verdict, check, reason, note or field.
#[test]
fn harness_reports_each_kind_of_mismatch() {
    let wrong = [
        verdict_only("dns", Deny),
        at("dns", Allow, "H2.3"),
        at("dns", Allow, "H2.2").reason("no such text"),
        at("dns", Allow, "H2.2").note("no such note"),
        at("dns", Allow, "H2.2").deciding("no such field"),
        verdict_only("no-such-hop", Allow),
    ];
    for e in wrong {
        let c = case("H2.2 harness self-check", unchanged, form_a(), vec![e]);
        assert_eq!(failures(&c).len(), 1, "mismatch not reported");
    }
    let right = case(
        "H2.2 harness self-check",
        unchanged,
        form_a(),
        vec![at("dns", Allow, "H2.2")],
    );
    assert!(failures(&right).is_empty());
}

/// The hop families (`H5` for `H5.2`) cited in a case name.
fn cited_families(name: &str) -> BTreeSet<String> {
    let b = name.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'H' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        .map(|i| {
            let digits: String = name[i + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            format!("H{digits}")
        })
        .collect()
}

/// Every case names a rulebook check of a hop it asserts, and names are unique.
#[test]
fn every_case_cites_a_check() {
    let mut names = BTreeSet::new();
    for c in all_cases().iter().chain(disagreement_cases().iter()) {
        assert!(names.insert(c.name), "duplicate case name {:?}", c.name);
        let cited = cited_families(c.name);
        let asserted = c
            .expect
            .iter()
            .filter_map(|e| e.check)
            .any(|id| cited.contains(id.split('.').next().unwrap_or(id)));
        assert!(
            asserted,
            "case {:?} cites no check of a hop it asserts",
            c.name
        );
    }
}

/// Each check H1.1–H8.7 as the rulebook states it is exercised by some case.
#[test]
fn every_network_check_is_covered() {
    let rulebook = [
        "H1.1", "H1.2", "H1.3", "H2.1", "H2.2", "H2.3", "H2.4", "H2.5", "H2.6", "H3.1", "H3.2",
        "H3.3", "H3.4", "H3.5", "H4.1", "H5.1", "H5.2", "H6.1", "H6.2", "H7.1", "H7.2", "H7.3",
        "H8.1", "H8.2", "H8.3", "H8.4", "H8.5", "H8.6", "H8.7",
    ];
    let cases = all_cases();
    let missing: Vec<&str> = rulebook
        .iter()
        .copied()
        .filter(|id| !cases.iter().any(|c| c.name.contains(id)))
        .collect();
    assert!(missing.is_empty(), "no case for {missing:?}");
    for verdict in [Allow, Deny, Unknown, Skip] {
        assert!(
            cases
                .iter()
                .any(|c| c.expect.iter().any(|e| e.verdict == verdict)),
            "no case expects {verdict:?}"
        );
    }
    assert!(cases.len() >= 50, "only {} cases", cases.len());
}

/// Cases from the second review of H1–H8 (false allows first).
fn review_cases() -> Vec<Case> {
    vec![
        case(
            "H7.2 SG reference across a peering connection to another region: unknown",
            |d| {
                set_ingress(d, SG_ENDPOINT, json!([tcp_to_group(443, SG_PEER)]));
                find(d, "vpc_peering_connections", "VpcPeeringConnectionId", PCX)["AccepterVpcInfo"]["Region"] =
                    json!("us-west-2");
            },
            form_b().from(PEER),
            vec![at("sg-endpoint", Unknown, "H7.2").reason("across regions")],
        ),
        case(
            "H7.2 SG reference when the route uses a transit gateway: unknown",
            |d| {
                set_ingress(d, SG_ENDPOINT, json!([tcp_to_group(443, SG_PEER)]));
                for r in routes(d, RTB_MAIN_B) {
                    if r["DestinationCidrBlock"] == json!("10.0.0.0/16") {
                        *r = json!({"DestinationCidrBlock": "10.0.0.0/16", "TransitGatewayId": TGW, "State": "active"});
                    }
                }
            },
            form_b().from(PEER),
            vec![at("sg-endpoint", Unknown, "H7.2")],
        ),
        case(
            "H3.2 return route from the endpoint subnet through a middlebox, same VPC: unknown",
            |d| routes(d, RTB_MAIN_A).push(json!({"DestinationCidrBlock": "10.0.1.0/24", "NetworkInterfaceId": "eni-0f1re0a11", "State": "active"})),
            form_a(),
            vec![at("route", Unknown, "H3.2").reason("return route")],
        ),
        case(
            "H3.3 blackhole return route from the endpoint subnet, same VPC: deny",
            |d| routes(d, RTB_MAIN_A).push(json!({"DestinationCidrBlock": "10.0.1.0/24", "NetworkInterfaceId": "eni-0f1re0a11", "State": "blackhole"})),
            form_a(),
            vec![at("route", Deny, "H3.3")],
        ),
        case(
            "H6 every endpoint address blocked at some hop (H4.1 for one, H5.1 for the other): deny",
            |d| {
                set_egress(d, SG_CLIENT, json!([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.11.0/24"}]}]));
                add_entry(d, ACL_CLIENT, entry(90, true, "-1", "deny", "10.0.11.0/24", None));
            },
            form_a(),
            vec![at("sg-egress", Deny, "H4.1"), at("nacl-client", Deny, "H5.1")],
        ),
        case(
            "H2.2 DHCP options listing no domain-name-servers: unknown",
            |d| find(d, "dhcp_options", "DhcpOptionsId", DOPT_A)["DomainNameServers"] = json!([]),
            form_a(),
            vec![at("dns", Unknown, "H2.2")],
        ),
        case(
            "H8.4 endpointAccessMode neither STRICT nor BASIC, form C': unknown",
            |d| set_security_policy(d, "SecurityPolicy_TLS13_1_2_2021_06", Some("LOOSE")),
            form_c_prime(),
            vec![at("endpoint", Unknown, "H8.4")],
        ),
        case(
            "H8.4 Host header selecting a STRICT API under another SNI host: deny",
            |d| {
                let p = find(d, "rest_apis", "id", PUBLIC_API);
                p["securityPolicy"] = json!("SecurityPolicy_TLS13_1_2_2021_06");
                p["endpointAccessMode"] = json!("STRICT");
            },
            form_a().header(&host_header(PUBLIC_API)),
            vec![at("endpoint", Deny, "H8.4")],
        ),
        case(
            "H4.1 tcp rule with -1 ports is malformed, not a wildcard: unknown",
            |d| set_egress(d, SG_CLIENT, json!([{"IpProtocol": "tcp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])),
            form_a(),
            vec![at("sg-egress", Unknown, "H4.1")],
        ),
        case(
            "H2.2 a REGIONAL API called by its name without private DNS resolves publicly: allow",
            |d| endpoint(d)["PrivateDnsEnabled"] = json!(false),
            Req::new(format!("https://{PUBLIC_API}.execute-api.us-east-1.amazonaws.com/live/status")),
            vec![at("dns", Allow, "H2.2")],
        ),
        case(
            "H2.4 endpoint DNS names not captured: unknown",
            |d| endpoint(d)["DnsEntries"] = json!([]),
            form_c(),
            vec![at("dns", Unknown, "H2.4")],
        ),
        case(
            "H2.3 endpoint-specific alias naming another region: deny",
            unchanged,
            Req::new(format!("https://{API}-{VPCE}.execute-api.us-west-2.amazonaws.com/prod/pets")),
            vec![at("dns", Deny, "H2.3")],
        ),
        case(
            "H8.3 form C' with Host set to the bare service name: the header names the API",
            unchanged,
            Req::new(vpce_url(VPCE_DNS))
                .header("Host: execute-api.us-east-1.amazonaws.com")
                .header(&format!("x-apigw-api-id: {API}")),
            vec![at("endpoint", Allow, "H8.1")],
        ),
        case(
            "H8.6 dual-stack DNS but the endpoint ENIs' IPv6 addresses not captured: unknown",
            |d| {
                let e = endpoint(d);
                e["IpAddressType"] = json!("dualstack");
                e["DnsOptions"] = json!({"DnsRecordIpType": "dualstack"});
                primary_eni(d)["Ipv6Addresses"] = json!([{"Ipv6Address": "2600:1f18:aaaa:1::10"}]);
            },
            form_a(),
            vec![verdict_only("sg-egress", Unknown)],
        ),
    ]
}

#[test]
fn second_review_cases() {
    run_table(review_cases());
}
