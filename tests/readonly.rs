//! The read-only guard refuses mutating AWS operations inside the process,
//! before anything is signed or sent; read operations pass the guard.

use hoptrace::discover;

/// An SDK config pointing at a closed local port, with static test credentials.
async fn config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .load()
        .await
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        out.push_str(" | ");
        out.push_str(&e.to_string());
        cur = e.source();
    }
    out
}

#[tokio::test]
async fn mutating_calls_are_refused_before_sending() {
    let conf = config().await;
    let ec2 = discover::ec2_client(&conf);
    let err = ec2
        .terminate_instances()
        .instance_ids("i-0123456789abcdef0")
        .send()
        .await
        .expect_err("must be refused");
    let text = chain(&err);
    assert!(
        text.contains("read-only") && text.contains("TerminateInstances"),
        "{text}"
    );

    let apigw = discover::apigateway_client(&conf);
    let err = apigw
        .delete_rest_api()
        .rest_api_id("abc")
        .send()
        .await
        .expect_err("refused");
    assert!(chain(&err).contains("DeleteRestApi"), "{}", chain(&err));

    let logs = discover::logs_client(&conf);
    let err = logs
        .put_log_events()
        .log_group_name("g")
        .log_stream_name("s")
        .send()
        .await
        .expect_err("refused");
    assert!(chain(&err).contains("PutLogEvents"), "{}", chain(&err));

    let iam = discover::iam_client(&conf);
    let err = iam
        .create_role()
        .role_name("x")
        .assume_role_policy_document("{}")
        .send()
        .await
        .expect_err("refused");
    assert!(chain(&err).contains("CreateRole"), "{}", chain(&err));

    let lambda = discover::lambda_client(&conf);
    let err = lambda
        .add_permission()
        .function_name("f")
        .statement_id("s")
        .action("lambda:InvokeFunction")
        .principal("x")
        .send()
        .await
        .expect_err("refused");
    assert!(chain(&err).contains("AddPermission"), "{}", chain(&err));
}

#[tokio::test]
async fn read_calls_pass_the_guard() {
    let conf = config().await;
    let ec2 = discover::ec2_client(&conf);
    // Nothing listens on port 9: the call fails in dispatch, not in the guard.
    let err = ec2.describe_vpcs().send().await.expect_err("no server");
    let text = chain(&err);
    assert!(!text.contains("read-only"), "{text}");
}
