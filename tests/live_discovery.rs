//! Discovery against a moto server over real HTTP: each test builds a
//! topology with plain SDK clients in its own moto account, reads it with
//! hoptrace's guarded clients, and traces a request through the result.
//! Run with `scripts/test --test live_discovery`.

#[path = "support/aws.rs"]
mod aws;
#[path = "support/moto.rs"]
mod moto;
#[path = "support/tmux.rs"]
mod tmux;

use std::path::Path;
use std::process::Command;

use aws::{Admin, REGION};
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, IntegrationType};
use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, IpPermission, PortRange, RuleAction, UserIdGroupPair,
};
use hoptrace::discover::{self, Clients, Discovery};
use hoptrace::model::{Snapshot, World};
use hoptrace::trace::{self, HopId, Request, TlsVersion, Trace, Verdict};

/// What a test built, by id.
struct Topology {
    account: String,
    vpc: String,
    client_subnet: String,
    endpoint_subnet: String,
    nacl: String,
    client_sg: String,
    endpoint_sg: String,
    instance: String,
    profile_arn: String,
    role_arn: String,
    vpce: String,
    api: String,
    deployment: String,
    function_arn: String,
}

const STAGE: &str = "prod";
const PATH: &str = "pets";

impl Topology {
    fn url(&self) -> String {
        format!(
            "https://{}.execute-api.{REGION}.amazonaws.com/{STAGE}/{PATH}",
            self.api
        )
    }
}

fn tcp(from: i32, to: i32) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(from)
        .to_port(to)
        .build()
}

/// A private API behind an execute-api endpoint, called from an instance in
/// a neighbouring subnet: the path the rulebook's hops follow, every piece
/// configured to let `GET /prod/pets` through.
async fn build(admin: &Admin, account: &str, tag: &str) -> Topology {
    let ec2 = &admin.ec2;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .expect("CreateVpc")
        .vpc
        .and_then(|v| v.vpc_id)
        .expect("vpc id");
    for attr in ["support", "hostnames"] {
        let on = AttributeBooleanValue::builder().value(true).build();
        let req = ec2.modify_vpc_attribute().vpc_id(&vpc);
        let req = if attr == "support" {
            req.enable_dns_support(on)
        } else {
            req.enable_dns_hostnames(on)
        };
        req.send().await.expect("ModifyVpcAttribute");
    }
    let subnet = |cidr: &'static str, az: &'static str| {
        let vpc = vpc.clone();
        async move {
            ec2.create_subnet()
                .vpc_id(vpc)
                .cidr_block(cidr)
                .availability_zone(az)
                .send()
                .await
                .expect("CreateSubnet")
                .subnet
                .and_then(|s| s.subnet_id)
                .expect("subnet id")
        }
    };
    let client_subnet = subnet("10.20.1.0/24", "us-east-1a").await;
    let endpoint_subnet = subnet("10.20.2.0/24", "us-east-1b").await;

    // One route table for both subnets: only the VPC-local route is needed.
    let rt = ec2
        .create_route_table()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("CreateRouteTable")
        .route_table
        .and_then(|r| r.route_table_id)
        .expect("route table id");
    for sn in [&client_subnet, &endpoint_subnet] {
        ec2.associate_route_table()
            .route_table_id(&rt)
            .subnet_id(sn)
            .send()
            .await
            .expect("AssociateRouteTable");
    }

    // A custom NACL on both subnets: HTTPS and the return ports, both ways;
    // SSH denied first (a rule the request must pass over).
    let nacl = ec2
        .create_network_acl()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("CreateNetworkAcl")
        .network_acl
        .and_then(|n| n.network_acl_id)
        .expect("nacl id");
    for egress in [false, true] {
        for (rule, from, to, action) in [
            (90, 22, 22, RuleAction::Deny),
            (100, 443, 443, RuleAction::Allow),
            (110, 1024, 65535, RuleAction::Allow),
        ] {
            ec2.create_network_acl_entry()
                .network_acl_id(&nacl)
                .rule_number(rule)
                .egress(egress)
                .protocol("6")
                .rule_action(action)
                .cidr_block("0.0.0.0/0")
                .port_range(PortRange::builder().from(from).to(to).build())
                .send()
                .await
                .expect("CreateNetworkAclEntry");
        }
    }
    let acls = ec2
        .describe_network_acls()
        .filters(Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .expect("DescribeNetworkAcls");
    for sn in [&client_subnet, &endpoint_subnet] {
        let assoc = acls
            .network_acls()
            .iter()
            .flat_map(|a| a.associations())
            .find(|a| a.subnet_id() == Some(sn.as_str()))
            .and_then(|a| a.network_acl_association_id())
            .expect("default NACL association")
            .to_string();
        ec2.replace_network_acl_association()
            .association_id(assoc)
            .network_acl_id(&nacl)
            .send()
            .await
            .expect("ReplaceNetworkAclAssociation");
    }

    // Security groups: the client may only send HTTPS to the endpoint's group,
    // which accepts HTTPS only from the client's group.
    let sg = |name: String| {
        let vpc = vpc.clone();
        async move {
            ec2.create_security_group()
                .group_name(name.clone())
                .description(name)
                .vpc_id(vpc)
                .send()
                .await
                .expect("CreateSecurityGroup")
                .group_id
                .expect("group id")
        }
    };
    let client_sg = sg(format!("{tag}-client")).await;
    let endpoint_sg = sg(format!("{tag}-endpoint")).await;
    ec2.revoke_security_group_egress()
        .group_id(&client_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("-1")
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("RevokeSecurityGroupEgress");
    let pair = |g: &str| UserIdGroupPair::builder().group_id(g).build();
    ec2.authorize_security_group_egress()
        .group_id(&client_sg)
        .ip_permissions({
            let mut p = tcp(443, 443);
            p.user_id_group_pairs = Some(vec![pair(&endpoint_sg)]);
            p
        })
        .send()
        .await
        .expect("AuthorizeSecurityGroupEgress");
    ec2.authorize_security_group_ingress()
        .group_id(&endpoint_sg)
        .ip_permissions({
            let mut p = tcp(443, 443);
            p.user_id_group_pairs = Some(vec![pair(&client_sg)]);
            p
        })
        .send()
        .await
        .expect("AuthorizeSecurityGroupIngress");

    // The instance's identity.
    let iam = &admin.iam;
    let trust = |service: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
        )
    };
    let role_name = format!("{tag}-web");
    let role_arn = iam
        .create_role()
        .role_name(&role_name)
        .assume_role_policy_document(trust("ec2.amazonaws.com"))
        .send()
        .await
        .expect("CreateRole")
        .role
        .map(|r| r.arn)
        .expect("role arn");
    iam.put_role_policy()
        .role_name(&role_name)
        .policy_name("invoke")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("PutRolePolicy");
    let profile_arn = iam
        .create_instance_profile()
        .instance_profile_name(&role_name)
        .send()
        .await
        .expect("CreateInstanceProfile")
        .instance_profile
        .map(|p| p.arn)
        .expect("profile arn");
    iam.add_role_to_instance_profile()
        .instance_profile_name(&role_name)
        .role_name(&role_name)
        .send()
        .await
        .expect("AddRoleToInstanceProfile");
    let instance = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(&client_subnet)
        .security_group_ids(&client_sg)
        .iam_instance_profile(
            aws_sdk_ec2::types::IamInstanceProfileSpecification::builder()
                .arn(&profile_arn)
                .build(),
        )
        .send()
        .await
        .expect("RunInstances")
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .expect("instance id")
        .to_string();

    // The execute-api endpoint, private DNS on, with a policy allowing Invoke.
    let vpce = ec2
        .create_vpc_endpoint()
        .vpc_endpoint_type(aws_sdk_ec2::types::VpcEndpointType::Interface)
        .vpc_id(&vpc)
        .service_name(format!("com.amazonaws.{REGION}.execute-api"))
        .subnet_ids(&endpoint_subnet)
        .security_group_ids(&endpoint_sg)
        .private_dns_enabled(true)
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("CreateVpcEndpoint")
        .vpc_endpoint
        .and_then(|e| e.vpc_endpoint_id)
        .expect("vpce id");

    // The backend function and its role.
    let fn_role = iam
        .create_role()
        .role_name(format!("{tag}-fn"))
        .assume_role_policy_document(trust("lambda.amazonaws.com"))
        .send()
        .await
        .expect("CreateRole (function)")
        .role
        .map(|r| r.arn)
        .expect("function role arn");
    let function_arn = admin
        .lambda
        .create_function()
        .function_name(format!("{tag}-pets"))
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role(fn_role)
        .handler("index.handler")
        .timeout(10)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(aws::zip_one(
                    "index.py",
                    b"def handler(event, context):\n    return {'statusCode': 200, 'body': '[]'}\n",
                )))
                .build(),
        )
        .send()
        .await
        .expect("CreateFunction")
        .function_arn
        .expect("function arn");

    // The PRIVATE API: reachable through this endpoint only.
    let apigw = &admin.apigw;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}},{{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{{"StringNotEquals":{{"aws:SourceVpce":"{vpce}"}}}}}}]}}"#
    );
    let api = apigw
        .create_rest_api()
        .name(format!("{tag}-pets"))
        .endpoint_configuration(
            EndpointConfiguration::builder()
                .types(EndpointType::Private)
                .vpc_endpoint_ids(&vpce)
                .build(),
        )
        .policy(policy)
        .send()
        .await
        .expect("CreateRestApi")
        .id
        .expect("api id");
    let root = apigw
        .get_resources()
        .rest_api_id(&api)
        .send()
        .await
        .expect("GetResources")
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id())
        .expect("root resource")
        .to_string();
    let resource = apigw
        .create_resource()
        .rest_api_id(&api)
        .parent_id(root)
        .path_part(PATH)
        .send()
        .await
        .expect("CreateResource")
        .id
        .expect("resource id");
    apigw
        .put_method()
        .rest_api_id(&api)
        .resource_id(&resource)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .expect("PutMethod");
    apigw
        .put_integration()
        .rest_api_id(&api)
        .resource_id(&resource)
        .http_method("GET")
        .r#type(IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(format!(
            "arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        ))
        .send()
        .await
        .expect("PutIntegration");
    admin
        .lambda
        .add_permission()
        .function_name(&function_arn)
        .statement_id("apigw-get-pets")
        .action("lambda:InvokeFunction")
        .principal("apigateway.amazonaws.com")
        .source_arn(format!(
            "arn:aws:execute-api:{REGION}:{account}:{api}/*/GET/{PATH}"
        ))
        .send()
        .await
        .expect("AddPermission");
    let deployment = apigw
        .create_deployment()
        .rest_api_id(&api)
        .send()
        .await
        .expect("CreateDeployment")
        .id
        .expect("deployment id");
    apigw
        .create_stage()
        .rest_api_id(&api)
        .stage_name(STAGE)
        .deployment_id(&deployment)
        .send()
        .await
        .expect("CreateStage");

    Topology {
        account: account.to_string(),
        vpc,
        client_subnet,
        endpoint_subnet,
        nacl,
        client_sg,
        endpoint_sg,
        instance,
        profile_arn,
        role_arn,
        vpce,
        api,
        deployment,
        function_arn,
    }
}

async fn discover_in(account: &str) -> Discovery {
    let conf = aws::config(&moto::url()).await;
    let clients = Clients::with_interceptor(&conf, aws::account_header(account));
    Box::pin(discover::full(&clients)).await.expect("discovery")
}

fn trace_of(snapshot: Snapshot, t: &Topology) -> Trace {
    let world = World::new(snapshot);
    let req =
        Request::new(&t.instance, "GET", &t.url(), &[], false, TlsVersion::V1_2).expect("request");
    trace::run(&world, &req).expect("trace")
}

fn verdict(t: &Trace, hop: HopId) -> Verdict {
    t.hops
        .iter()
        .find(|h| h.hop == hop)
        .map(|h| h.verdict)
        .unwrap_or_else(|| panic!("no hop {hop:?}"))
}

/// Each hop as `hop verdict: reason`, for messages and comparisons.
fn lines(t: &Trace) -> Vec<String> {
    t.hops
        .iter()
        .map(|h| format!("{} {}: {}", h.hop.as_str(), h.verdict.as_str(), h.reason))
        .collect()
}

/// moto 5.2.5 has no `/domainnameaccessassociations` route: the one call
/// every discovery against it loses. Anything else failing is a bug.
fn assert_only_moto_gaps(d: &Discovery) {
    let unexpected: Vec<String> = d
        .errors
        .iter()
        .filter(|e| e.call != "apigateway:GetDomainNameAccessAssociations")
        .map(|e| e.to_string())
        .collect();
    assert!(unexpected.is_empty(), "failed calls: {unexpected:#?}");
}

/// The `apiSummary` of `deployment` as API Gateway builds it from the
/// methods it deploys (moto leaves it out).
fn fill_api_summary(s: &mut Snapshot, api: &str, deployment: &str) {
    use hoptrace::model::apigw::MethodSnapshot;
    let api = s.rest_apis.iter_mut().find(|a| a.id == api).expect("api");
    let summary = api
        .resources
        .iter()
        .filter(|r| !r.resource_methods.is_empty())
        .map(|r| {
            let methods = r
                .resource_methods
                .iter()
                .map(|(verb, m)| {
                    (
                        verb.clone(),
                        MethodSnapshot {
                            authorization_type: m.authorization_type.clone(),
                            api_key_required: Some(m.api_key_required.unwrap_or(false)),
                        },
                    )
                })
                .collect();
            (r.path.clone(), methods)
        })
        .collect();
    let dep = api
        .deployments
        .iter_mut()
        .find(|d| d.id == deployment)
        .expect("deployment");
    dep.api_summary = Some(summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovers_a_private_api_and_traces_a_request_through_it() {
    let url = moto::url();
    let account = moto::fresh_account();
    let admin = Admin::new(&aws::config(&url).await, &account);
    let t = build(&admin, &account, "disc").await;

    let d = discover_in(&account).await;
    assert_only_moto_gaps(&d);
    let s = &d.snapshot;
    assert_eq!(s.account, t.account);
    assert_eq!(s.region, REGION);
    assert_eq!(s.partition, "aws");
    assert!(
        chrono::DateTime::parse_from_rfc3339(&s.captured_at).is_ok(),
        "{}",
        s.captured_at
    );

    // EC2, as moto round-trips it.
    let vpc = s.vpcs.iter().find(|v| v.vpc_id == t.vpc).expect("vpc");
    assert_eq!(
        (vpc.enable_dns_support, vpc.enable_dns_hostnames),
        (Some(true), Some(true))
    );
    assert_eq!(vpc.cidr_block.as_deref(), Some("10.20.0.0/16"));
    for sn in [&t.client_subnet, &t.endpoint_subnet] {
        assert!(s.subnets.iter().any(|x| &x.subnet_id == sn), "{sn}");
    }
    let acl = s
        .network_acls
        .iter()
        .find(|a| a.network_acl_id == t.nacl)
        .expect("nacl");
    assert!(!acl.is_default);
    let mut assoc: Vec<&str> = acl
        .associations
        .iter()
        .map(|a| a.subnet_id.as_str())
        .collect();
    assoc.sort();
    let mut want = vec![t.client_subnet.as_str(), t.endpoint_subnet.as_str()];
    want.sort();
    assert_eq!(assoc, want);
    let deny_ssh = acl
        .entries
        .iter()
        .find(|e| e.rule_number == 90 && !e.egress)
        .expect("rule 90");
    assert_eq!(
        (deny_ssh.protocol.as_str(), deny_ssh.rule_action.as_str()),
        ("6", "deny")
    );
    assert_eq!(
        deny_ssh.port_range.as_ref().map(|p| (p.from, p.to)),
        Some((Some(22), Some(22)))
    );
    assert_eq!(acl.entries.len(), 6, "{:?}", acl.entries);
    let client_sg = s
        .security_groups
        .iter()
        .find(|g| g.group_id == t.client_sg)
        .expect("client sg");
    assert_eq!(client_sg.ip_permissions_egress.len(), 1);
    let egress = &client_sg.ip_permissions_egress[0];
    assert_eq!(
        (
            egress.ip_protocol.as_str(),
            egress.from_port,
            egress.to_port
        ),
        ("tcp", Some(443), Some(443))
    );
    assert_eq!(
        egress.user_id_group_pairs[0].group_id.as_deref(),
        Some(t.endpoint_sg.as_str())
    );
    let inst = s
        .instances
        .iter()
        .find(|i| i.instance_id == t.instance)
        .expect("instance");
    assert_eq!(inst.subnet_id.as_deref(), Some(t.client_subnet.as_str()));
    assert_eq!(
        inst.iam_instance_profile.as_ref().map(|p| p.arn.as_str()),
        Some(t.profile_arn.as_str())
    );
    let ep = s
        .vpc_endpoints
        .iter()
        .find(|e| e.vpc_endpoint_id == t.vpce)
        .expect("endpoint");
    assert!(ep.private_dns_enabled);
    assert_eq!(ep.state.to_ascii_lowercase(), "available");
    assert_eq!(ep.subnet_ids, vec![t.endpoint_subnet.clone()]);
    assert_eq!(ep.groups[0].group_id, t.endpoint_sg);
    assert!(ep
        .policy_document
        .as_deref()
        .is_some_and(|p| p.contains("execute-api:Invoke")));
    // Only the endpoints' ENIs are read, each of them.
    assert!(!ep.network_interface_ids.is_empty());
    let mut eni_ids: Vec<&str> = s
        .network_interfaces
        .iter()
        .map(|n| n.network_interface_id.as_str())
        .collect();
    eni_ids.sort();
    let mut want: Vec<&str> = ep
        .network_interface_ids
        .iter()
        .map(String::as_str)
        .collect();
    want.sort();
    assert_eq!(eni_ids, want);

    // API Gateway.
    let api = s.rest_apis.iter().find(|a| a.id == t.api).expect("api");
    assert!(api.is_private());
    assert_eq!(
        api.endpoint_configuration.vpc_endpoint_ids,
        vec![t.vpce.clone()]
    );
    assert!(api.policy.as_deref().is_some_and(|p| p.contains(&t.vpce)));
    let stage = api
        .stages
        .iter()
        .find(|st| st.stage_name == STAGE)
        .expect("stage");
    assert_eq!(stage.deployment_id.as_deref(), Some(t.deployment.as_str()));
    let dep = api
        .deployments
        .iter()
        .find(|d| d.id == t.deployment)
        .expect("the stage's deployment");
    // moto 5.2.5 ignores embed=apisummary (not in the emulator notes):
    // the deployment comes back without the deployed methods.
    assert!(dep.api_summary.is_none(), "{dep:?}");
    let res = api
        .resources
        .iter()
        .find(|r| r.path == format!("/{PATH}"))
        .expect("resource");
    let integ = res.resource_methods["GET"]
        .method_integration
        .as_ref()
        .expect("integration");
    assert_eq!(integ.integration_type.as_deref(), Some("AWS_PROXY"));
    assert!(integ
        .uri
        .as_deref()
        .is_some_and(|u| u.contains(&t.function_arn)));

    // IAM and Lambda: only what the graph references.
    let profile = &s.instance_profiles;
    assert_eq!(profile.len(), 1);
    assert_eq!(profile[0].roles[0].arn, t.role_arn);
    let roles: Vec<&str> = s.roles.iter().map(|r| r.arn.as_str()).collect();
    assert_eq!(
        roles,
        vec![t.role_arn.as_str()],
        "the function's own role is not referenced"
    );
    let role = &s.roles[0];
    assert_eq!(role.inline_policies.len(), 1);
    assert!(role.assume_role_policy_document.is_some());
    assert_eq!(s.lambda_functions.len(), 1);
    assert_eq!(s.lambda_functions[0].function_arn, t.function_arn);
    assert_eq!(s.lambda_functions[0].timeout, Some(10));
    assert_eq!(s.lambda_policies.len(), 1);
    let lp = &s.lambda_policies[0];
    assert_eq!(
        (lp.function_arn.as_str(), lp.qualifier.as_deref()),
        (t.function_arn.as_str(), None)
    );
    assert!(lp
        .policy
        .as_deref()
        .is_some_and(|p| p.contains(&format!("{}/*/GET/{PATH}", t.api))));

    assert!(d.aws_calls >= 30, "{} calls", d.aws_calls);

    // The trace on what was discovered. moto gives endpoint ENIs a random
    // address outside their subnet (AWS never does): the dns hop says the
    // data is inconsistent and the network hops check the subnet's block
    // instead. H11 and what needs the deployed method (H13–H15) are
    // unknown because moto returns no apiSummary.
    let eni = &s.network_interfaces[0];
    let eni_ip = eni.private_ip_address.clone().expect("ENI address");
    assert!(
        !eni_ip.starts_with("10.20."),
        "moto fixed its ENI addresses? {eni_ip}"
    );
    let tr = trace_of(d.snapshot.clone(), &t);
    let l = lines(&tr);
    let expect = |tr: &Trace, want: &[(HopId, Verdict)]| {
        for (hop, v) in want {
            assert_eq!(verdict(tr, *hop), *v, "{hop:?}\n{:#?}", lines(tr));
        }
    };
    use HopId as H;
    use Verdict::{Allow, Skip, Unknown};
    let network = [
        (H::Instance, Allow),
        (H::Dns, Allow),
        (H::Route, Allow),
        (H::SgEgress, Allow),
        (H::NaclClient, Allow),
        (H::NaclEndpoint, Allow),
        (H::SgEndpoint, Allow),
        (H::Endpoint, Allow),
        (H::EndpointPolicy, Allow),
        (H::Api, Allow),
        (H::Waf, Skip),
    ];
    expect(&tr, &network);
    expect(
        &tr,
        &[
            (H::Stage, Unknown),
            (H::Authorization, Unknown),
            (H::ApiKey, Unknown),
            (H::Integration, Unknown),
        ],
    );
    let dns = tr.hops.iter().find(|h| h.hop == H::Dns).expect("dns");
    assert!(
        dns.notes
            .iter()
            .any(|n| n.contains("inconsistent data") && n.contains(&eni_ip)),
        "{:#?}",
        dns.notes
    );
    assert!(tr.hops[10].reason.contains("apiSummary"), "{l:#?}");

    // With the apiSummary AWS would return for this deployment (the methods
    // as deployed, nothing changed since), the rest of the discovered data
    // decides H11 and H13–H15: the resource policy (allow from this
    // endpoint), method auth NONE, no API key, and the function's own
    // policy granting API Gateway this method's source ARN.
    let mut with_summary = d.snapshot.clone();
    fill_api_summary(&mut with_summary, &t.api, &t.deployment);
    let tr2 = trace_of(with_summary, &t);
    expect(&tr2, &network);
    assert_eq!(
        tr2.verdict,
        hoptrace::trace::Overall::Reachable,
        "{:#?}",
        lines(&tr2)
    );
    expect(
        &tr2,
        &[
            (H::Stage, Allow),
            (H::Authorization, Allow),
            (H::ApiKey, Allow),
            (H::Integration, Allow),
        ],
    );
    eprintln!(
        "{:#?}\n{} calls in {:?}",
        lines(&tr2),
        d.aws_calls,
        d.elapsed
    );
}

/// hoptrace's clients in `account`, to which AWS answers 403
/// `UnauthorizedOperation` for the EC2 operation `denied`.
fn clients_denied(conf: &aws_config::SdkConfig, account: &str, denied: &'static str) -> Clients {
    let mut header = aws::MotoAccount::new(account);
    header.deny_ec2 = Some(denied);
    Clients::with_interceptor(
        conf,
        aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(header),
    )
}

/// AWS answers 403 `UnauthorizedOperation` to `DescribeNetworkAcls`: the
/// call is recorded, everything else is still read, and the NACL hops do
/// not allow what they could not see.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_call_is_recorded_and_discovery_goes_on() {
    let url = moto::url();
    let account = moto::fresh_account();
    let conf = aws::config(&url).await;
    let t = build(&Admin::new(&conf, &account), &account, "denied").await;
    let clients = clients_denied(&conf, &account, "DescribeNetworkAcls");
    let d = discover::full(&clients).await.expect("discovery");
    let denied: Vec<_> = d
        .errors
        .iter()
        .filter(|e| e.call == "ec2:DescribeNetworkAcls")
        .collect();
    assert_eq!(denied.len(), 1, "{:#?}", d.errors);
    assert_eq!(denied[0].code, "UnauthorizedOperation");
    assert!(
        denied[0].message.contains("not authorized"),
        "{}",
        denied[0].message
    );
    assert!(d.snapshot.network_acls.is_empty());
    // The rest is all there.
    assert!(d.snapshot.vpcs.iter().any(|v| v.vpc_id == t.vpc));
    assert!(d
        .snapshot
        .security_groups
        .iter()
        .any(|g| g.group_id == t.client_sg));
    assert!(d.snapshot.rest_apis.iter().any(|a| a.id == t.api));
    assert_eq!(d.snapshot.lambda_policies.len(), 1);

    let tr = trace_of(d.snapshot, &t);
    for hop in [HopId::NaclClient, HopId::NaclEndpoint] {
        assert_eq!(verdict(&tr, hop), Verdict::Unknown, "{:#?}", lines(&tr));
    }
    assert_eq!(verdict(&tr, HopId::SgEgress), Verdict::Allow);
    assert_eq!(verdict(&tr, HopId::EndpointPolicy), Verdict::Allow);
}

/// hoptrace's own clients refuse anything but reads before it is sent: moto
/// never sees the request, and the call counter does not count it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_clients_refuse_writes_before_sending() {
    let url = moto::url();
    let account = moto::fresh_account();
    let conf = aws::config(&url).await;
    let clients = Clients::with_interceptor(&conf, aws::account_header(&account));
    fn refused(e: &(dyn std::error::Error + 'static), op: &str) {
        // The error and all its sources.
        let text = aws_smithy_types::error::display::DisplayErrorContext(e).to_string();
        assert!(text.contains("read-only") && text.contains(op), "{text}");
    }
    let e = clients
        .ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .expect_err("RunInstances must be refused");
    refused(&e, "RunInstances");
    let e = clients
        .apigateway
        .create_rest_api()
        .name("x")
        .send()
        .await
        .expect_err("refused");
    refused(&e, "CreateRestApi");
    let e = clients
        .iam
        .create_role()
        .role_name("x")
        .assume_role_policy_document("{}")
        .send()
        .await
        .expect_err("refused");
    refused(&e, "CreateRole");
    let e = clients
        .lambda
        .delete_function()
        .function_name("x")
        .send()
        .await
        .expect_err("refused");
    refused(&e, "DeleteFunction");
    let e = clients
        .sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/x"))
        .role_session_name("s")
        .send()
        .await
        .expect_err("refused");
    refused(&e, "AssumeRole");
    assert_eq!(
        clients.calls(),
        0,
        "refused calls are not sent, so not counted"
    );

    // Nothing reached the server: the account has no instance and no API.
    let admin = Admin::new(&conf, &account);
    let reservations = admin
        .ec2
        .describe_instances()
        .send()
        .await
        .expect("DescribeInstances");
    assert!(reservations.reservations().is_empty());
    let apis = admin
        .apigw
        .get_rest_apis()
        .send()
        .await
        .expect("GetRestApis");
    assert!(apis.items().is_empty());

    // Reads pass and are counted.
    clients
        .ec2
        .describe_vpcs()
        .send()
        .await
        .expect("DescribeVpcs");
    assert_eq!(clients.calls(), 1);
}

/// The binary, with AWS's environment only: `AWS_ACCESS_KEY_ID` and the
/// rest, `--endpoint-url` for moto; no profile files, no instance metadata.
fn hoptrace(env: &[(&str, &str)], args: &[&str], home: &Path) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hoptrace"));
    cmd.env_clear()
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args([
            "--log-file",
            &home.join("hoptrace.log").display().to_string(),
        ])
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run hoptrace")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// An IAM user with an access key in the admin's account: moto maps the
/// key to that account, which is how the binary (which adds no headers)
/// reaches the test's own account.
async fn access_key(admin: &Admin, user: &str) -> aws_sdk_iam::types::AccessKey {
    admin
        .iam
        .create_user()
        .user_name(user)
        .send()
        .await
        .expect("CreateUser");
    admin
        .iam
        .create_access_key()
        .user_name(user)
        .send()
        .await
        .expect("CreateAccessKey")
        .access_key
        .expect("access key")
}

/// The environment that makes the binary act as `key`'s user.
fn key_env(key: &aws_sdk_iam::types::AccessKey) -> [(&'static str, &str); 3] {
    [
        ("AWS_ACCESS_KEY_ID", key.access_key_id()),
        ("AWS_SECRET_ACCESS_KEY", key.secret_access_key()),
        ("AWS_REGION", REGION),
    ]
}

/// `snapshot record` through the binary. The binary cannot send moto's
/// account header (hoptrace adds no headers, and a hidden flag for it would
/// be test code in the product), so the test gives it what moto also maps
/// to an account: an access key created by IAM in the test's own account.
/// moto resolves the account from that key, so the test stays isolated
/// without using the shared default account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_record_writes_the_world_the_live_discovery_sees() {
    let url = moto::url();
    let account = moto::fresh_account();
    let conf = aws::config(&url).await;
    let admin = Admin::new(&conf, &account);
    let t = build(&admin, &account, "rec").await;
    let key = access_key(&admin, "recorder").await;
    let env = key_env(&key);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("live.json");
    let file_s = file.display().to_string();
    let record = |extra: &[&str]| {
        let mut args = vec!["snapshot", "record", "-o", &file_s, "--endpoint-url", &url];
        args.extend_from_slice(extra);
        hoptrace(&env, &args, dir.path())
    };

    let out = record(&[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with(&format!(
            "recorded {file_s} (account {account}, {REGION}): "
        )),
        "{stdout}"
    );
    for part in [
        "1 instances",
        "1 rest_apis",
        "1 lambda_policies",
        "AWS calls",
        "1 failed",
    ] {
        assert!(stdout.contains(part), "{part}: {stdout}");
    }
    // The one failed call is moto's missing route, said on stderr.
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("hoptrace: warning: apigateway:GetDomainNameAccessAssociations"),
        "{stderr}"
    );

    // The file is the world in-process discovery sees, and traces the same.
    let recorded = Snapshot::load(&file).expect("the recorded snapshot loads");
    let live = discover_in(&account).await;
    assert_only_moto_gaps(&live);
    let mut a = serde_json::to_value(&recorded).expect("json");
    let mut b = serde_json::to_value(&live.snapshot).expect("json");
    a["captured_at"] = serde_json::Value::Null;
    b["captured_at"] = serde_json::Value::Null;
    assert_eq!(a, b, "recorded and live snapshots differ");
    let (ta, tb) = (trace_of(recorded, &t), trace_of(live.snapshot, &t));
    assert_eq!(
        serde_json::to_value(&ta.hops).expect("json"),
        serde_json::to_value(&tb.hops).expect("json")
    );
    assert_eq!(ta.verdict, tb.verdict);
    assert_eq!(verdict(&ta, HopId::EndpointPolicy), Verdict::Allow);

    // `trace` without --snapshot reads what this trace needs from the live
    // account (targeted discovery): the same hops as on the recorded full
    // snapshot, with the AWS calls it made and their rounds.
    let url_t = t.url();
    let live_args = [
        "trace",
        "--endpoint-url",
        &url,
        "--from",
        &t.instance,
        "--output",
        "json",
        &url_t,
    ];
    let out = hoptrace(&env, &live_args, dir.path());
    assert!(
        matches!(out.status.code(), Some(0 | 1 | 3)),
        "{}",
        text(&out.stderr)
    );
    // Nothing the targeted read needs fails on moto: no warnings.
    assert_eq!(text(&out.stderr), "");
    let live_json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("trace JSON");
    let file_args = [
        "trace",
        "--snapshot",
        &file_s,
        "--from",
        &t.instance,
        "--output",
        "json",
        &url_t,
    ];
    let out = hoptrace(&env, &file_args, dir.path());
    let file_json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("trace JSON");
    assert_eq!(live_json["hops"], file_json["hops"]);
    assert_eq!(live_json["verdict"], file_json["verdict"]);
    let stats = &live_json["stats"];
    eprintln!("hoptrace trace (live, targeted): stats {stats}");
    assert!(stats["aws_calls"].as_u64().unwrap() > 0, "{stats}");
    assert!(stats["aws_rounds"].as_u64().unwrap() >= 1, "{stats}");
    assert!(stats["elapsed_ms"].is_u64(), "{stats}");
    assert_eq!(file_json["stats"]["aws_calls"], 0);
    assert_eq!(file_json["stats"]["aws_rounds"], 0);

    // An instance the account does not have: one line, exit 2.
    let missing = [
        "trace",
        "--endpoint-url",
        &url,
        "--from",
        "i-0123456789abcdef0",
        &url_t,
    ];
    let out = hoptrace(&env, &missing, dir.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        format!("hoptrace: error: instance i-0123456789abcdef0 is not in account {account} ({REGION})\n")
    );

    // An existing file is never replaced without --force: one line, exit 2,
    // the file untouched, and nothing read from the account.
    std::fs::write(&file, "not a snapshot").expect("write");
    let out = record(&[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        format!("hoptrace: error: {file_s} already exists (use --force to replace it)\n")
    );
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "not a snapshot"
    );

    // --force replaces it, atomically: no temporary file is left beside it.
    let out = record(&["--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let again = Snapshot::load(&file).expect("replaced with a snapshot");
    assert_eq!(again.account, account);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "hoptrace.log")
        .collect();
    names.sort();
    assert_eq!(names, vec!["live.json".to_string()]);
}

/// The README's CI recipe, end to end: `snapshot record` reads the account,
/// `check --snapshot` holds the intents against the file (JUnit for the CI
/// system), and after a change that breaks one, the next recording makes
/// the check fail at the hop that broke. `check` on the live account gives
/// what the same check on a fresh recording gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_ci_recipe_records_the_account_and_checks_intents() {
    let url = moto::url();
    let account = moto::fresh_account();
    let conf = aws::config(&url).await;
    let admin = Admin::new(&conf, &account);
    let t = build(&admin, &account, "ci").await;
    admin
        .ec2
        .create_tags()
        .resources(&t.instance)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Role")
                .value("web")
                .build(),
        )
        .send()
        .await
        .expect("CreateTags");
    let key = access_key(&admin, "ci").await;
    let env = key_env(&key);
    let dir = tempfile::tempdir().expect("tempdir");
    let world = dir.path().join("world.json");
    let world_s = world.display().to_string();
    let intents = dir.path().join("intents.yaml");
    let intents_s = intents.display().to_string();
    let to = t.url();
    std::fs::write(
        &intents,
        format!(
            "intents:\n\
             \x20 - name: web tier reaches the pets API\n\
             \x20   from: {{tag: \"Role=web\"}}\n\
             \x20   to: {to}\n\
             \x20   expect: reachable\n\
             \x20 - name: the client subnet reaches the pets API\n\
             \x20   from: {{subnet: {subnet}}}\n\
             \x20   to: {to}\n\
             \x20   expect: reachable\n\
             \x20 - name: nobody posts to pets\n\
             \x20   from: {{vpc: {vpc}}}\n\
             \x20   to: {to}\n\
             \x20   method: POST\n\
             \x20   expect: blocked\n",
            subnet = t.client_subnet,
            vpc = t.vpc,
        ),
    )
    .expect("write intents");
    // Record the account; moto leaves out the deployment's apiSummary,
    // which AWS returns, so the test adds it as AWS would build it.
    let record = || {
        let args = [
            "snapshot",
            "record",
            "-o",
            &world_s,
            "--force",
            "--endpoint-url",
            &url,
        ];
        let out = hoptrace(&env, &args, dir.path());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let mut s = Snapshot::load(&world).expect("recorded snapshot");
        fill_api_summary(&mut s, &t.api, &t.deployment);
        s.write_new(&world, true).expect("rewrite snapshot");
    };
    let check = |output: &str| {
        let args = [
            "check",
            &intents_s,
            "--snapshot",
            &world_s,
            "--output",
            output,
        ];
        hoptrace(&env, &args, dir.path())
    };

    record();
    let out = check("table");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert_eq!(
        stdout,
        "✓ web tier reaches the pets API: 1 of 1 reachable\n\
         ✓ the client subnet reaches the pets API: 1 of 1 reachable\n\
         ✓ nobody posts to pets: 1 of 1 blocked at stage\n\
         \n\
         3 intents: 3 held, 0 violated, 0 undetermined\n"
    );
    let junit = check("junit");
    assert_eq!(junit.status.code(), Some(0));
    let report = junit_parser::from_reader(std::io::Cursor::new(junit.stdout)).expect("JUnit XML");
    assert_eq!(report.tests, 3);
    assert_eq!(report.failures, 0);

    // Somebody adds a NACL rule that drops HTTPS from the client subnet
    // into the endpoint subnet. The next recording fails the check there.
    deny_https_from_client_subnet(&admin, &t).await;
    record();
    let out = check("table");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("✗ web tier reaches the pets API: 1 of 1 blocked at nacl-endpoint: ")
            && lines[0].contains(&t.nacl),
        "{stdout}"
    );
    assert!(
        lines.contains(&"✓ nobody posts to pets: 1 of 1 blocked at nacl-endpoint")
            && lines.contains(&"3 intents: 1 held, 2 violated, 0 undetermined"),
        "{stdout}"
    );
    let junit = check("junit");
    assert_eq!(junit.status.code(), Some(1));
    let report = junit_parser::from_reader(std::io::Cursor::new(junit.stdout)).expect("JUnit XML");
    let failed: Vec<&str> = report
        .suites
        .iter()
        .flat_map(|s| s.cases.iter())
        .filter(|c| matches!(c.status, junit_parser::TestStatus::Failure(_)))
        .map(|c| c.original_name.as_str())
        .collect();
    assert!(
        failed.contains(&"web tier reaches the pets API"),
        "{failed:?}"
    );
    assert!(
        failed.contains(&"the client subnet reaches the pets API"),
        "{failed:?}"
    );

    // Live, without a file: the same intents, the same results as on a
    // recording taken as it is (no apiSummary added).
    let live = hoptrace(
        &env,
        &[
            "check",
            &intents_s,
            "--endpoint-url",
            &url,
            "--output",
            "json",
        ],
        dir.path(),
    );
    let out = hoptrace(
        &env,
        &[
            "snapshot",
            "record",
            "-o",
            &world_s,
            "--force",
            "--endpoint-url",
            &url,
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let file = check("json");
    assert_eq!(
        live.status.code(),
        file.status.code(),
        "{}",
        text(&live.stderr)
    );
    let live_json: serde_json::Value = serde_json::from_slice(&live.stdout).expect("check JSON");
    let file_json: serde_json::Value = serde_json::from_slice(&file.stdout).expect("check JSON");
    assert_eq!(live_json, file_json);
    assert_eq!(live_json["schema"], "hoptrace.check/v1");
    // The NACL rule blocks the two reachable intents before anything moto
    // leaves out matters; POST is blocked either way.
    assert_eq!(live.status.code(), Some(1), "{}", text(&live.stderr));
    assert_eq!(
        live_json["summary"],
        serde_json::json!({"held": 1, "violated": 2, "undetermined": 0})
    );
}

/// Without a region or credentials, one line says what to set (exit 2) and
/// no file is written. Needs no server: nothing is sent.
#[test]
fn record_without_region_or_credentials_says_what_to_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("x.json");
    let file_s = file.display().to_string();
    let args = ["snapshot", "record", "-o", file_s.as_str()];

    let out = hoptrace(
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
        ],
        &args,
        dir.path(),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("hoptrace: error: no AWS region: set AWS_REGION, pass --region"),
        "{stderr}"
    );

    let out = hoptrace(&[("AWS_REGION", REGION)], &args, dir.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "hoptrace: error: no AWS credentials: set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        ),
        "{stderr}"
    );
    assert!(!file.exists());
}

// ---------------------------------------------------------------------------
// Targeted discovery: what `trace` reads without --snapshot.

fn request_of(t: &Topology) -> Request {
    signed_request(t, false)
}

fn signed_request(t: &Topology, sigv4: bool) -> Request {
    Request::new(&t.instance, "GET", &t.url(), &[], sigv4, TlsVersion::V1_2).expect("request")
}

/// What the trace of `req` needs, read from the test's account.
async fn targeted_for(account: &str, req: &Request) -> Discovery {
    let conf = aws::config(&moto::url()).await;
    let clients = Clients::with_interceptor(&conf, aws::account_header(account));
    // Boxed, as every discovery future here: they are large.
    Box::pin(discover::for_trace(&clients, req))
        .await
        .expect("targeted discovery")
}

async fn targeted_in(account: &str, t: &Topology) -> Discovery {
    targeted_for(account, &request_of(t)).await
}

fn trace_req(snapshot: Snapshot, req: &Request) -> Trace {
    trace::run(&World::new(snapshot), req).expect("trace")
}

/// The full and the targeted discovery of one account give the same hop
/// verdicts and reasons for `req`, as moto answers (no `apiSummary`) and
/// with the `apiSummary` AWS would return. Returns the targeted read and
/// its trace with the `apiSummary`.
async fn assert_same_trace_of(account: &str, t: &Topology, req: &Request) -> (Discovery, Trace) {
    let (full, targeted) = (discover_in(account).await, targeted_for(account, req).await);
    assert_only_moto_gaps(&full);
    assert!(targeted.errors.is_empty(), "{:#?}", targeted.errors);
    let (a, b) = (
        trace_req(full.snapshot.clone(), req),
        trace_req(targeted.snapshot.clone(), req),
    );
    assert_eq!(lines(&a), lines(&b), "full vs targeted (moto's answers)");
    let (mut fa, mut fb) = (full.snapshot.clone(), targeted.snapshot.clone());
    fill_api_summary(&mut fa, &t.api, &t.deployment);
    fill_api_summary(&mut fb, &t.api, &t.deployment);
    let (a, b) = (trace_req(fa, req), trace_req(fb, req));
    assert_eq!(lines(&a), lines(&b), "full vs targeted (with apiSummary)");
    assert_eq!(a.verdict, b.verdict);
    assert!(
        targeted.aws_calls < full.aws_calls,
        "targeted {} calls, full {}",
        targeted.aws_calls,
        full.aws_calls
    );
    (targeted, b)
}

async fn assert_same_trace(account: &str, t: &Topology) -> (Discovery, Trace) {
    assert_same_trace_of(account, t, &request_of(t)).await
}

/// The targeted read gives the trace the full discovery gives: on the
/// reachable topology, then with a network ACL rule denying HTTPS into the
/// endpoint subnet, then with an endpoint policy that denies the call too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targeted_discovery_traces_like_the_full_discovery() {
    let url = moto::url();
    let account = moto::fresh_account();
    let admin = Admin::new(&aws::config(&url).await, &account);
    let t = build(&admin, &account, "tgt").await;

    let (d, tr) = assert_same_trace(&account, &t).await;
    assert_eq!(
        tr.verdict,
        hoptrace::trace::Overall::Reachable,
        "{:#?}",
        lines(&tr)
    );

    // What was read, and recorded as read.
    let s = &d.snapshot;
    assert_eq!(s.instances.len(), 1);
    assert_eq!(s.rest_apis.len(), 1);
    assert_eq!(s.rest_apis[0].deployments.len(), 1);
    assert_eq!(s.lambda_policies.len(), 1);
    assert_eq!(s.vpc_endpoints.len(), 1);
    for c in [
        "instances",
        "subnets",
        "route_tables",
        "network_acls",
        "security_groups",
        "vpc_endpoints",
        "network_interfaces",
    ] {
        assert_eq!(s.captured.get(c), Some(&true), "{c}: {:?}", s.captured);
    }
    // Not needed by this request: not read, and not claimed as read.
    for c in ["usage_plans", "api_keys", "domain_names", "vpc_links"] {
        assert_eq!(s.captured.get(c), None, "{c}: {:?}", s.captured);
    }
    // Rounds: the instance and the API (1); its VPC, the instance
    // profile and the stage's deployment (2); the endpoint's ENIs and,
    // for the method the path reaches, the Lambda function (3).
    assert_eq!(d.aws_rounds, 3, "{} calls", d.aws_calls);
    assert!(s.roles.is_empty(), "an unsigned request needs no role");

    // Signed with the instance role: the role and its policies too, one
    // and two rounds after the instance profile.
    let (signed, tr) = assert_same_trace_of(&account, &t, &signed_request(&t, true)).await;
    assert_eq!(tr.verdict, hoptrace::trace::Overall::Reachable);
    assert_eq!(signed.snapshot.roles.len(), 1);
    assert_eq!(signed.snapshot.roles[0].inline_policies.len(), 1);
    assert_eq!(signed.aws_rounds, 4, "{} calls", signed.aws_calls);
    eprintln!(
        "targeted: unsigned {} calls in {} rounds; signed {} calls in {} rounds",
        d.aws_calls, d.aws_rounds, signed.aws_calls, signed.aws_rounds
    );

    // A NACL rule denying HTTPS in, ahead of the allow: the endpoint subnet
    // drops the request.
    deny_https_from_client_subnet(&admin, &t).await;
    let (_, tr) = assert_same_trace(&account, &t).await;
    assert_eq!(tr.verdict, hoptrace::trace::Overall::Blocked);
    assert_eq!(verdict(&tr, HopId::NaclEndpoint), Verdict::Deny);

    // An endpoint policy that denies execute-api:Invoke as well.
    admin
        .ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&t.vpce)
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("ModifyVpcEndpoint");
    let (_, tr) = assert_same_trace(&account, &t).await;
    assert_eq!(verdict(&tr, HopId::EndpointPolicy), Verdict::Deny);
    assert_eq!(verdict(&tr, HopId::NaclEndpoint), Verdict::Deny);
}

/// A NACL rule, ahead of the allow, that drops HTTPS from the client
/// subnet into the endpoint subnet.
async fn deny_https_from_client_subnet(admin: &Admin, t: &Topology) {
    admin
        .ec2
        .create_network_acl_entry()
        .network_acl_id(&t.nacl)
        .rule_number(80)
        .egress(false)
        .protocol("6")
        .rule_action(RuleAction::Deny)
        .cidr_block("10.20.1.0/24")
        .port_range(PortRange::builder().from(443).to(443).build())
        .send()
        .await
        .expect("CreateNetworkAclEntry");
}

/// `n` more instances, in `subnet`.
async fn run_instances(admin: &Admin, subnet: &str, n: i32) {
    admin
        .ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(n)
        .max_count(n)
        .subnet_id(subnet)
        .send()
        .await
        .expect("RunInstances");
}

/// Unrelated resources: a VPC of its own with a subnet and `groups`
/// security groups, and `apis` more APIs. Returns the subnet.
async fn clutter(admin: &Admin, cidr: &str, groups: usize, apis: usize) -> String {
    let vpc = admin
        .ec2
        .create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .expect("CreateVpc")
        .vpc
        .and_then(|v| v.vpc_id)
        .expect("vpc id");
    let subnet = admin
        .ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block(cidr)
        .send()
        .await
        .expect("CreateSubnet")
        .subnet
        .and_then(|s| s.subnet_id)
        .expect("subnet id");
    for i in 0..groups {
        admin
            .ec2
            .create_security_group()
            .group_name(format!("clutter-{vpc}-{i}"))
            .description("unrelated")
            .vpc_id(&vpc)
            .send()
            .await
            .expect("CreateSecurityGroup");
    }
    for i in 0..apis {
        admin
            .apigw
            .create_rest_api()
            .name(format!("clutter-{vpc}-{i}"))
            .send()
            .await
            .expect("CreateRestApi");
    }
    subnet
}

/// The number of calls and rounds of the targeted read does not depend on
/// the size of the account: the same for 10 instances and for 80, while
/// the full discovery grows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targeted_discovery_calls_do_not_grow_with_the_account() {
    let url = moto::url();
    let account = moto::fresh_account();
    let admin = Admin::new(&aws::config(&url).await, &account);
    let t = build(&admin, &account, "size").await;

    // 10 instances: the client and 9 others in a VPC of their own.
    let other = clutter(&admin, "10.30.0.0/16", 2, 1).await;
    run_instances(&admin, &other, 9).await;
    let small = targeted_in(&account, &t).await;
    let small_full = discover_in(&account).await;
    assert!(small.errors.is_empty(), "{:#?}", small.errors);
    assert_eq!(small.snapshot.instances.len(), 1);

    // 80 instances, more security groups, VPCs and APIs.
    run_instances(&admin, &other, 60).await;
    let more = clutter(&admin, "10.40.0.0/16", 25, 5).await;
    run_instances(&admin, &more, 10).await;
    let large = targeted_in(&account, &t).await;
    let large_full = discover_in(&account).await;
    assert!(large.errors.is_empty(), "{:#?}", large.errors);
    assert_eq!(large_full.snapshot.instances.len(), 80);

    eprintln!(
        "targeted: 10 instances {} calls, {} rounds, {:?}; 80 instances {} calls, {} rounds, {:?}",
        small.aws_calls,
        small.aws_rounds,
        small.elapsed,
        large.aws_calls,
        large.aws_rounds,
        large.elapsed
    );
    eprintln!(
        "full:     10 instances {} calls, {} rounds, {:?}; 80 instances {} calls, {} rounds, {:?}",
        small_full.aws_calls,
        small_full.aws_rounds,
        small_full.elapsed,
        large_full.aws_calls,
        large_full.aws_rounds,
        large_full.elapsed
    );
    assert_eq!(small.aws_calls, large.aws_calls);
    assert_eq!(small.aws_rounds, large.aws_rounds);
    assert!(small.aws_rounds >= 1);
    assert!(large_full.aws_calls > small_full.aws_calls);
    // The same trace either way.
    assert_eq!(
        lines(&trace_of(small.snapshot, &t)),
        lines(&trace_of(large.snapshot, &t))
    );
}

/// AWS refuses `DescribeNetworkAcls` to the targeted read as well: the
/// call is recorded, `network_acls` is marked not read, both NACL hops are
/// `unknown` naming the call, and the rest of the trace still evaluates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targeted_discovery_records_a_denied_call() {
    let url = moto::url();
    let account = moto::fresh_account();
    let conf = aws::config(&url).await;
    let t = build(&Admin::new(&conf, &account), &account, "tdenied").await;
    let clients = clients_denied(&conf, &account, "DescribeNetworkAcls");
    let d = Box::pin(discover::for_trace(&clients, &request_of(&t)))
        .await
        .expect("targeted discovery");
    let calls: Vec<&str> = d.errors.iter().map(|e| e.call.as_str()).collect();
    assert_eq!(calls, vec!["ec2:DescribeNetworkAcls"], "{:#?}", d.errors);
    assert_eq!(d.snapshot.captured.get("network_acls"), Some(&false));
    assert_eq!(d.snapshot.captured.get("security_groups"), Some(&true));
    let tr = trace_of(d.snapshot, &t);
    for hop in [HopId::NaclClient, HopId::NaclEndpoint] {
        let h = tr.hops.iter().find(|h| h.hop == hop).expect("hop");
        assert_eq!(h.verdict, Verdict::Unknown, "{:#?}", lines(&tr));
        assert!(
            format!("{} {}", h.reason, h.deciding).contains("DescribeNetworkAcls"),
            "{:#?}",
            lines(&tr)
        );
    }
    assert_eq!(verdict(&tr, HopId::SgEgress), Verdict::Allow);
    assert_eq!(verdict(&tr, HopId::EndpointPolicy), Verdict::Allow);
}

/// The terminal UI on a live (moto) account, in tmux: it opens at once and
/// shows discovery progress per kind while it reads (each call is slowed
/// down so the test can watch), fills the account in, traces the test's
/// instance with `:trace`, refreshes with `r`, and gives the terminal back
/// on `q`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_reads_a_live_account_and_traces_in_it() {
    let url = moto::url();
    let account = moto::fresh_account();
    let conf = aws::config(&url).await;
    let admin = Admin::new(&conf, &account);
    let t = build(&admin, &account, "tui").await;
    // The backend's log group exists, so it can be followed live.
    let function = t.function_arn.rsplit(':').next().unwrap().to_string();
    aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::config::Builder::from(&conf)
            .interceptor(aws::account_header(&account))
            .build(),
    )
    .create_log_group()
    .log_group_name(format!("/aws/lambda/{function}"))
    .send()
    .await
    .expect("CreateLogGroup");
    let key = access_key(&admin, "viewer").await;
    let term = tmux::Tmux::start("live");
    term.type_line(&format!(
        "HOPTRACE_TEST_CALL_DELAY_MS=150 AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_REGION={REGION} AWS_EC2_METADATA_DISABLED=true {} tui --endpoint-url {url}; echo exit=$?",
        key.access_key_id(),
        key.secret_access_key(),
        tmux::BIN
    ));
    let s = term.wait_for("discovery progress in the header", |s| {
        s.contains("reading:") && s.contains("kinds read)")
    });
    assert!(s.contains("live, read-only"), "{s}");
    let s = term.wait_for("the whole account in the explorer", |s| {
        s.contains(&format!("account {account}"))
            && s.contains("explorer (")
            && s.contains("AWS calls in")
            && !s.contains("reading:")
    });
    assert!(s.contains("read in "), "{s}");
    term.keys(&[":"]);
    term.type_line(&format!("trace {} {}", t.instance, t.url()));
    let s = term.wait_for("the trace", |s| {
        s.contains("UNDETERMINED") || s.contains("BLOCKED") || s.contains("REACHABLE")
    });
    // moto returns no apiSummary, so the stage hop cannot be decided; the
    // network hops before it are read from the account and allow.
    assert!(s.contains("UNDETERMINED"), "{s}");
    assert!(s.contains("✓ sg-egress"), "{s}");
    assert!(s.contains("? stage"), "{s}");
    // The first trace asks once about Live Tail (billed per minute). Yes:
    // moto's session ends after its first update, so the pane says the
    // follower went back to polling.
    term.wait_for("the Live Tail question", |s| {
        s.contains("follow this path's logs live?")
    });
    term.keys(&["y"]);
    term.wait_for("the fallback in the logs pane", |s| {
        s.contains("Live Tail stopped") && s.contains("polling")
    });
    // `r` on the trace view reads what the trace needs again.
    term.keys(&["r"]);
    let s = term.wait_for("the refresh", |s| {
        s.contains("refreshed what the trace reads")
    });
    assert!(s.contains("AWS calls)"), "{s}");
    assert!(s.contains("✓ sg-egress"), "{s}");
    term.keys(&["q"]);
    term.assert_terminal_restored();
    term.wait_for("exit status", |s| s.contains("exit=0"));
}

/// Quitting while discovery is still reading stops it at once: the
/// terminal is given back and the process ends without waiting for the
/// calls still to make.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_the_tui_while_it_reads_stops_discovery() {
    let url = moto::url();
    let account = moto::fresh_account();
    let conf = aws::config(&url).await;
    let admin = Admin::new(&conf, &account);
    build(&admin, &account, "tuiquit").await;
    let key = access_key(&admin, "viewer").await;
    let term = tmux::Tmux::start("livequit");
    // Every call waits 2 s: a whole discovery would take far longer than
    // the few seconds this test allows after `q`.
    term.type_line(&format!(
        "HOPTRACE_TEST_CALL_DELAY_MS=2000 AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_REGION={REGION} AWS_EC2_METADATA_DISABLED=true {} tui --endpoint-url {url}; echo exit=$?",
        key.access_key_id(),
        key.secret_access_key(),
        tmux::BIN
    ));
    term.wait_for("discovery progress in the header", |s| {
        s.contains("reading:")
    });
    let asked = std::time::Instant::now();
    term.keys(&["q"]);
    term.wait_for("exit status", |s| s.contains("exit=0"));
    assert!(
        asked.elapsed() < std::time::Duration::from_secs(5),
        "quitting took {:?}",
        asked.elapsed()
    );
    term.assert_terminal_restored();
}

/// The progressive discovery the TUI runs reads the same world as a plain
/// full discovery, and its partial snapshots along the way only claim what
/// had landed whole: every collection they mark read is in the final one
/// with the same ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progressive_discovery_ends_where_a_full_one_does() {
    let url = moto::url();
    let account = moto::fresh_account();
    let conf = aws::config(&url).await;
    let admin = Admin::new(&conf, &account);
    let t = build(&admin, &account, "progress").await;
    let clients = Clients::with_interceptor(&conf, aws::account_header(&account));
    let progress = discover::Progress::new();
    let read = discover::progressive(&clients, progress.clone());
    tokio::pin!(read);
    let mut partials = Vec::new();
    let done = loop {
        tokio::select! {
            d = &mut read => break d.expect("discovery"),
            _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {
                if let Some(s) = progress.snapshot() {
                    partials.push(s);
                }
            }
        }
    };
    let plain = discover_in(&account).await;
    let ids = |s: &Snapshot| {
        let mut v: Vec<String> = s
            .security_groups
            .iter()
            .map(|g| g.group_id.clone())
            .collect();
        v.extend(s.instances.iter().map(|i| i.instance_id.clone()));
        v.extend(s.rest_apis.iter().map(|a| a.id.clone()));
        v.sort();
        v
    };
    assert_eq!(ids(&done.snapshot), ids(&plain.snapshot));
    assert_eq!(
        verdict(&trace_of(done.snapshot.clone(), &t), HopId::SgEgress),
        Verdict::Allow
    );
    assert!(!partials.is_empty(), "no partial snapshot was taken");
    for p in &partials {
        for (collection, read) in &p.captured {
            if *read && collection == "security_groups" {
                assert_eq!(p.security_groups.len(), done.snapshot.security_groups.len());
            }
            if *read && collection == "rest_apis" {
                assert_eq!(p.rest_apis.len(), done.snapshot.rest_apis.len());
            }
        }
        // A trace on a partial world never allows what the whole one denies
        // (before the instance has landed there is nothing to trace).
        if !p.instances.iter().any(|i| i.instance_id == t.instance) {
            continue;
        }
        let partial = trace_of(p.clone(), &t);
        let whole = trace_of(done.snapshot.clone(), &t);
        for (a, b) in partial.hops.iter().zip(&whole.hops) {
            assert!(
                a.verdict == b.verdict
                    || a.verdict == Verdict::Unknown
                    || a.verdict == Verdict::Skip,
                "{}: partial {:?} ({}) vs whole {:?}",
                a.hop,
                a.verdict,
                a.reason,
                b.verdict
            );
        }
    }
    let kinds = progress.kinds();
    assert!(
        kinds.iter().all(|k| k.state == discover::KindState::Done
            || matches!(k.state, discover::KindState::Failed(_))),
        "{kinds:?}"
    );
    let instances = kinds.iter().find(|k| k.label == "instances").unwrap();
    assert_eq!(instances.read, done.snapshot.instances.len());
}

/// `r` in the TUI: a security group changed in the account since it was
/// read is read again and the trace follows; a deleted one leaves the world.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshing_a_resource_reads_the_account_again() {
    let url = moto::url();
    let account = moto::fresh_account();
    let conf = aws::config(&url).await;
    let admin = Admin::new(&conf, &account);
    let t = build(&admin, &account, "refresh").await;
    let clients = Clients::with_interceptor(&conf, aws::account_header(&account));
    let before = discover_in(&account).await.snapshot;
    assert_eq!(
        verdict(&trace_of(before.clone(), &t), HopId::SgEgress),
        Verdict::Allow
    );
    // The client's only egress rule goes away.
    let pair = UserIdGroupPair::builder().group_id(&t.endpoint_sg).build();
    admin
        .ec2
        .revoke_security_group_egress()
        .group_id(&t.client_sg)
        .ip_permissions({
            let mut p = tcp(443, 443);
            p.user_id_group_pairs = Some(vec![pair]);
            p
        })
        .send()
        .await
        .expect("RevokeSecurityGroupEgress");
    let r = discover::refresh(
        &clients,
        &before,
        &discover::Refresh::SecurityGroup(t.client_sg.clone()),
    )
    .await
    .expect("refresh");
    assert_eq!((r.replaced, r.removed), (1, 0));
    assert!(r.aws_calls >= 1 && r.aws_calls <= 2, "{}", r.aws_calls);
    assert_eq!(
        r.snapshot.security_groups.len(),
        before.security_groups.len()
    );
    assert_eq!(
        verdict(&trace_of(r.snapshot.clone(), &t), HopId::SgEgress),
        Verdict::Deny
    );
    // The trace's own refresh reads the same change.
    let req = request_of(&t);
    let r2 = discover::refresh(&clients, &before, &discover::Refresh::Trace(Box::new(req)))
        .await
        .expect("refresh of the trace");
    assert_eq!(
        verdict(&trace_of(r2.snapshot, &t), HopId::SgEgress),
        Verdict::Deny
    );
    // A group deleted in the account leaves the world on refresh.
    let spare = admin
        .ec2
        .create_security_group()
        .group_name("refresh-spare")
        .description("spare")
        .vpc_id(&t.vpc)
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id
        .expect("group id");
    let with_spare = discover_in(&account).await.snapshot;
    assert!(with_spare
        .security_groups
        .iter()
        .any(|g| g.group_id == spare));
    admin
        .ec2
        .delete_security_group()
        .group_id(&spare)
        .send()
        .await
        .expect("DeleteSecurityGroup");
    let r3 = discover::refresh(
        &clients,
        &with_spare,
        &discover::Refresh::SecurityGroup(spare.clone()),
    )
    .await
    .expect("refresh of a deleted group");
    assert_eq!((r3.replaced, r3.removed), (0, 1));
    assert!(!r3
        .snapshot
        .security_groups
        .iter()
        .any(|g| g.group_id == spare));
}

/// `hoptrace logs` on a live (moto) account: it traces the request, finds
/// the stage's access-log group and the backend's Lambda group, reads their
/// history, tags each line with its hop, and names the execution-log group
/// that does not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_reads_the_path_groups_and_tags_each_line() {
    use aws_sdk_apigateway::types::{Op, PatchOperation};
    use aws_sdk_cloudwatchlogs::types::InputLogEvent;
    let url = moto::url();
    let account = moto::fresh_account();
    let conf = aws::config(&url).await;
    let admin = Admin::new(&conf, &account);
    let t = build(&admin, &account, "logs").await;
    let access_group = "/hoptrace/access";
    let format = r#"{"requestId":"$context.requestId","vpce":"$context.identity.vpceId","ip":"$context.identity.sourceIp","method":"$context.httpMethod","resourcePath":"$context.resourcePath","stage":"$context.stage","status":"$context.status","errType":"$context.error.responseType","integStatus":"$context.integration.status"}"#;
    let patch = |path: &str, value: &str| {
        PatchOperation::builder()
            .op(Op::Replace)
            .path(path)
            .value(value)
            .build()
    };
    admin
        .apigw
        .update_stage()
        .rest_api_id(&t.api)
        .stage_name(STAGE)
        .patch_operations(patch(
            "/accessLogSettings/destinationArn",
            &format!("arn:aws:logs:{REGION}:{account}:log-group:{access_group}"),
        ))
        .patch_operations(patch("/accessLogSettings/format", format))
        .send()
        .await
        .expect("UpdateStage");
    let logs = aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::config::Builder::from(&conf)
            .interceptor(aws::account_header(&account))
            .build(),
    );
    let function = t.function_arn.rsplit(':').next().unwrap().to_string();
    let lambda_group = format!("/aws/lambda/{function}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for (group, line, ts) in [
        (
            access_group.to_string(),
            format!(
                r#"{{"requestId":"r-1","vpce":"{}","ip":"10.0.1.10","method":"GET","resourcePath":"/{PATH}","stage":"{STAGE}","status":"200","errType":"-","integStatus":"200"}}"#,
                t.vpce
            ),
            now - 60_000,
        ),
        (
            lambda_group.clone(),
            "START RequestId: 5d0c0000-aa11-4c3e-9f2a-1d2e3f4a5b6c Version: $LATEST".to_string(),
            now - 59_000,
        ),
    ] {
        logs.create_log_group()
            .log_group_name(&group)
            .send()
            .await
            .expect("CreateLogGroup");
        logs.create_log_stream()
            .log_group_name(&group)
            .log_stream_name("s")
            .send()
            .await
            .expect("CreateLogStream");
        logs.put_log_events()
            .log_group_name(&group)
            .log_stream_name("s")
            .log_events(
                InputLogEvent::builder()
                    .message(line)
                    .timestamp(ts)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("PutLogEvents");
    }
    // A flow log of the VPC, in a custom record format, holding the
    // request from the instance's ENI to the endpoint on 443.
    let flow_group = "/hoptrace/flow";
    logs.create_log_group()
        .log_group_name(flow_group)
        .send()
        .await
        .expect("CreateLogGroup");
    admin
        .ec2
        .create_flow_logs()
        .resource_type(aws_sdk_ec2::types::FlowLogsResourceType::Vpc)
        .resource_ids(&t.vpc)
        .traffic_type(aws_sdk_ec2::types::TrafficType::All)
        .log_group_name(flow_group)
        .deliver_logs_permission_arn(&t.role_arn)
        .log_format(
            "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${action}",
        )
        .send()
        .await
        .expect("CreateFlowLogs");
    let inst = admin
        .ec2
        .describe_instances()
        .instance_ids(&t.instance)
        .send()
        .await
        .expect("DescribeInstances");
    let inst = &inst.reservations()[0].instances()[0];
    let eni = inst.network_interfaces()[0]
        .network_interface_id()
        .expect("an ENI")
        .to_string();
    let client_ip = inst.private_ip_address().expect("an address").to_string();
    let ep = admin
        .ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(&t.vpce)
        .send()
        .await
        .expect("DescribeVpcEndpoints");
    let ep_eni = ep.vpc_endpoints()[0].network_interface_ids()[0].clone();
    let ep_ip = admin
        .ec2
        .describe_network_interfaces()
        .network_interface_ids(&ep_eni)
        .send()
        .await
        .expect("DescribeNetworkInterfaces")
        .network_interfaces()[0]
        .private_ip_address()
        .expect("an endpoint address")
        .to_string();
    logs.create_log_stream()
        .log_group_name(flow_group)
        .log_stream_name(format!("{eni}-all"))
        .send()
        .await
        .expect("CreateLogStream");
    logs.put_log_events()
        .log_group_name(flow_group)
        .log_stream_name(format!("{eni}-all"))
        .log_events(
            InputLogEvent::builder()
                .message(format!("{eni} {client_ip} {ep_ip} 49152 443 6 ACCEPT"))
                .timestamp(now - 58_000)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("PutLogEvents");
    let key = access_key(&admin, "reader").await;
    let env = key_env(&key);
    let dir = tempfile::tempdir().expect("tempdir");
    let target = t.url();
    let out = hoptrace(
        &env,
        &[
            "logs",
            "--from",
            &t.instance,
            "--since",
            "10m",
            "--output",
            "json",
            "--endpoint-url",
            &url,
            &target,
        ],
        dir.path(),
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "{stdout}{stderr}");
    // History in time order, across groups.
    assert_eq!(lines[0]["source"], "access");
    assert_eq!(lines[0]["request_id"], "r-1");
    assert_eq!(lines[0]["fields"]["context.status"], "200", "{}", lines[0]);
    assert!(lines[0]["hop"].is_string(), "{}", lines[0]);
    assert_eq!(lines[1]["source"], "lambda");
    assert_eq!(lines[1]["hop"], "integration", "{}", lines[1]);
    // The flow record, read in its flow log's own format: the request
    // leaving the client ENI passed its security group.
    assert_eq!(lines[2]["source"], "flow", "{}", lines[2]);
    assert_eq!(lines[2]["group"], flow_group);
    assert_eq!(
        lines[2]["fields"]["interface-id"],
        eni.as_str(),
        "{}",
        lines[2]
    );
    assert!(
        lines[2]["hops"]
            .as_array()
            .is_some_and(|h| h.iter().any(|h| h == "sg-egress")),
        "{}",
        lines[2]
    );
    assert!(
        stderr.contains(&format!(
            "log group API-Gateway-Execution-Logs_{}/{STAGE} does not exist",
            t.api
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("3 lines, 0 not in their source's format"),
        "{stderr}"
    );
}
