//! The IAM permissions hoptrace needs: every read it makes, as one
//! least-privilege policy to paste (`hoptrace permissions`). Pure data.

use serde_json::{json, Value};

/// EC2 reads: the network hops (rulebook §0.4, §9).
pub const EC2: &[&str] = &[
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeRouteTables",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeManagedPrefixLists",
    "ec2:GetManagedPrefixListEntries",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeFlowLogs",
];

/// API Gateway authorizes reads as `apigateway:GET` on resource paths:
/// REST APIs with everything under them, VPC links, custom domains (a
/// private domain's ARN names its account), access associations, usage
/// plans and API keys.
pub const APIGATEWAY_RESOURCES: &[&str] = &[
    "arn:aws:apigateway:*::/restapis",
    "arn:aws:apigateway:*::/restapis/*",
    "arn:aws:apigateway:*::/vpclinks",
    "arn:aws:apigateway:*::/vpclinks/*",
    "arn:aws:apigateway:*::/domainnames",
    "arn:aws:apigateway:*::/domainnames/*",
    "arn:aws:apigateway:*:*:/domainnames/*",
    "arn:aws:apigateway:*:*:/domainnameaccessassociations",
    "arn:aws:apigateway:*::/usageplans",
    "arn:aws:apigateway:*::/usageplans/*",
    "arn:aws:apigateway:*::/apikeys",
    "arn:aws:apigateway:*::/apikeys/*",
];

/// IAM reads, for the roles the graph references (instance profiles,
/// integration and authorizer credentials).
pub const IAM: &[&str] = &[
    "iam:GetInstanceProfile",
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
];

/// Lambda reads, for the functions integrations and authorizers invoke.
pub const LAMBDA: &[&str] = &["lambda:GetPolicy", "lambda:GetFunctionConfiguration"];

/// CloudWatch Logs reads, for the logs beside each hop.
pub const LOGS: &[&str] = &[
    "logs:DescribeLogGroups",
    "logs:FilterLogEvents",
    "logs:GetLogEvents",
    "logs:StartLiveTail",
];

/// The policy document: read-only, every action hoptrace may call.
pub fn policy() -> Value {
    let stmt = |sid: &str, actions: &[&str]| json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"});
    json!({
        "Version": "2012-10-17",
        "Statement": [
            stmt("HoptraceReadNetwork", EC2),
            {
                "Sid": "HoptraceReadApiGateway",
                "Effect": "Allow",
                "Action": "apigateway:GET",
                "Resource": APIGATEWAY_RESOURCES,
            },
            stmt("HoptraceReadIam", IAM),
            stmt("HoptraceReadLambda", LAMBDA),
            stmt("HoptraceReadLogs", LOGS),
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{self, Caller, ParseOptions, RequestContext};

    fn allows(p: &policy::Policy, action: &str, resource: &str) -> bool {
        let rc = RequestContext::new(
            action,
            Some(resource),
            Caller::role_session("arn:aws:iam::111122223333:role/oncall", "me"),
        );
        policy::evaluate(p, &rc).decision == policy::Decision::ALLOW
    }

    #[test]
    fn the_policy_allows_every_read_and_nothing_else() {
        let text = policy().to_string();
        let p = policy::parse(&text, &ParseOptions::default()).expect("our own policy parses");
        for a in EC2.iter().chain(IAM).chain(LAMBDA).chain(LOGS) {
            assert!(allows(&p, a, "*"), "{a}");
        }
        for r in [
            "arn:aws:apigateway:us-east-1::/restapis",
            "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod",
            "arn:aws:apigateway:us-east-1::/vpclinks/vl1",
            "arn:aws:apigateway:us-east-1:111122223333:/domainnames/api.example.com+abc",
            "arn:aws:apigateway:us-east-1:111122223333:/domainnameaccessassociations",
            "arn:aws:apigateway:us-east-1::/usageplans",
            "arn:aws:apigateway:us-east-1::/apikeys",
        ] {
            assert!(allows(&p, "apigateway:GET", r), "{r}");
        }
        for (a, r) in [
            ("apigateway:POST", "arn:aws:apigateway:us-east-1::/restapis"),
            (
                "apigateway:PATCH",
                "arn:aws:apigateway:us-east-1::/restapis/a1",
            ),
            ("ec2:RunInstances", "*"),
            ("ec2:ModifyVpcEndpoint", "*"),
            ("iam:PutRolePolicy", "*"),
            ("lambda:AddPermission", "*"),
            ("logs:PutLogEvents", "*"),
        ] {
            assert!(!allows(&p, a, r), "{a} must not be allowed");
        }
        // Every action is a read by the guard's own rule.
        for a in EC2.iter().chain(IAM).chain(LAMBDA).chain(LOGS) {
            let op = a.split(':').nth(1).unwrap();
            assert!(super::super::is_read_only(op), "{a}");
        }
    }
}
