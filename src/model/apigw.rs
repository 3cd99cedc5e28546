//! API Gateway (REST, v1) inventory types. Field names follow the API Gateway
//! API (camelCase).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfiguration {
    /// `PRIVATE`, `REGIONAL` or `EDGE`.
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub vpc_endpoint_ids: Vec<String>,
    /// `ipv4` or `dualstack`.
    #[serde(default)]
    pub ip_address_type: Option<String>,
}

impl EndpointConfiguration {
    /// `types` holds `PRIVATE`.
    pub fn is_private(&self) -> bool {
        self.types.iter().any(|t| t.eq_ignore_ascii_case("PRIVATE"))
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApi {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub endpoint_configuration: EndpointConfiguration,
    /// The resource policy exactly as API Gateway returns it (often with escaped quotes).
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    /// `HEADER` or `AUTHORIZER`.
    #[serde(default)]
    pub api_key_source: Option<String>,
    /// `TLS_1_0`, `TLS_1_2` or an enhanced `SecurityPolicy_*`.
    #[serde(default)]
    pub security_policy: Option<String>,
    /// `STRICT` or `BASIC` (required with enhanced security policies).
    #[serde(default)]
    pub endpoint_access_mode: Option<String>,
    #[serde(default)]
    pub api_status: Option<String>,
    /// Owner account when the API belongs to another account than the snapshot.
    #[serde(default)]
    pub owner_account: Option<String>,
    /// Last change to `/policy` (CloudTrail), when known. RFC 3339.
    #[serde(default)]
    pub policy_changed_at: Option<String>,
    #[serde(default)]
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    #[serde(default)]
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub authorizers: Vec<Authorizer>,
    #[serde(default)]
    pub gateway_responses: Vec<GatewayResponse>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Reads about this API that failed (`apigateway:GetStages`,
    /// `apigateway:GetAuthorizers`, `apigateway:GetGatewayResponses`): what
    /// they fill may be incomplete, so an absence there decides nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

impl RestApi {
    pub fn is_private(&self) -> bool {
        self.endpoint_configuration.is_private()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogSettings {
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub destination_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSetting {
    #[serde(default)]
    pub logging_level: Option<String>,
    #[serde(default)]
    pub data_trace_enabled: Option<bool>,
    #[serde(default)]
    pub throttling_burst_limit: Option<i64>,
    #[serde(default)]
    pub throttling_rate_limit: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub stage_name: String,
    #[serde(default)]
    pub deployment_id: Option<String>,
    #[serde(default)]
    pub access_log_settings: Option<AccessLogSettings>,
    /// Keyed `*/*` or `resource-path/METHOD`.
    #[serde(default)]
    pub method_settings: BTreeMap<String, MethodSetting>,
    #[serde(default)]
    pub web_acl_arn: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// A canary: part of the stage's traffic goes to another deployment.
    #[serde(default)]
    pub canary_settings: Option<CanarySettings>,
    #[serde(default)]
    pub last_updated_date: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanarySettings {
    #[serde(default)]
    pub percent_traffic: Option<f64>,
    #[serde(default)]
    pub deployment_id: Option<String>,
    #[serde(default)]
    pub stage_variable_overrides: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSnapshot {
    #[serde(default)]
    pub authorization_type: Option<String>,
    #[serde(default)]
    pub api_key_required: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    #[serde(default)]
    pub created_date: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// `{path: {METHOD: {authorizationType, apiKeyRequired}}}`: what is deployed.
    #[serde(default)]
    pub api_summary: Option<BTreeMap<String, BTreeMap<String, MethodSnapshot>>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub id: String,
    pub path: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub path_part: Option<String>,
    /// Keyed by HTTP method (`GET`, `ANY`, ...).
    #[serde(default)]
    pub resource_methods: BTreeMap<String, Method>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    #[serde(default)]
    pub http_method: Option<String>,
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `COGNITO_USER_POOLS`.
    #[serde(default)]
    pub authorization_type: Option<String>,
    #[serde(default)]
    pub authorizer_id: Option<String>,
    #[serde(default)]
    pub api_key_required: Option<bool>,
    #[serde(default)]
    pub authorization_scopes: Vec<String>,
    #[serde(default)]
    pub method_integration: Option<Integration>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsConfig {
    #[serde(default)]
    pub insecure_skip_verification: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    /// `HTTP`, `AWS`, `MOCK`, `HTTP_PROXY` or `AWS_PROXY`.
    #[serde(rename = "type", default)]
    pub integration_type: Option<String>,
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub http_method: Option<String>,
    /// `INTERNET` or `VPC_LINK`.
    #[serde(default)]
    pub connection_type: Option<String>,
    #[serde(default)]
    pub connection_id: Option<String>,
    #[serde(default)]
    pub integration_target: Option<String>,
    #[serde(default)]
    pub credentials: Option<String>,
    #[serde(default)]
    pub timeout_in_millis: Option<i64>,
    #[serde(default)]
    pub tls_config: Option<TlsConfig>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorizer {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `TOKEN`, `REQUEST` or `COGNITO_USER_POOLS`.
    #[serde(rename = "type", default)]
    pub authorizer_type: Option<String>,
    #[serde(default)]
    pub authorizer_uri: Option<String>,
    #[serde(default)]
    pub authorizer_credentials: Option<String>,
    #[serde(default)]
    pub identity_source: Option<String>,
    #[serde(default)]
    pub authorizer_result_ttl_in_seconds: Option<i64>,
    /// `providerARNs`, as API Gateway spells it; `providerArns` (older
    /// snapshots) is still read.
    #[serde(default, rename = "providerARNs", alias = "providerArns")]
    pub provider_arns: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayResponse {
    pub response_type: String,
    #[serde(default)]
    pub status_code: Option<String>,
    #[serde(default)]
    pub response_templates: BTreeMap<String, String>,
    #[serde(default)]
    pub default_response: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcLink {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `AVAILABLE`, `PENDING`, `DELETING` or `FAILED`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub target_arns: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MutualTlsAuthentication {
    #[serde(default)]
    pub truststore_uri: Option<String>,
    #[serde(default)]
    pub truststore_version: Option<String>,
    #[serde(default)]
    pub truststore_warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BasePathMapping {
    /// `(none)` or empty for the empty base path.
    #[serde(default)]
    pub base_path: Option<String>,
    pub rest_api_id: String,
    #[serde(default)]
    pub stage: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainName {
    pub domain_name: String,
    /// Reads about this domain that failed (`apigateway:GetBasePathMappings`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
    #[serde(default)]
    pub domain_name_id: Option<String>,
    /// The management ARN `arn:aws:apigateway:{region}:{account}:/domainnames/{name}+{id}`.
    #[serde(default)]
    pub domain_name_arn: Option<String>,
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub management_policy: Option<String>,
    #[serde(default)]
    pub endpoint_configuration: EndpointConfiguration,
    #[serde(default)]
    pub security_policy: Option<String>,
    #[serde(default)]
    pub endpoint_access_mode: Option<String>,
    /// `AVAILABLE`, `UPDATING`, `PENDING`, ...
    #[serde(default)]
    pub domain_name_status: Option<String>,
    #[serde(default)]
    pub mutual_tls_authentication: Option<MutualTlsAuthentication>,
    #[serde(default)]
    pub base_path_mappings: Vec<BasePathMapping>,
}

impl DomainName {
    pub fn is_private(&self) -> bool {
        self.endpoint_configuration.is_private()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainNameAccessAssociation {
    #[serde(default)]
    pub domain_name_access_association_arn: Option<String>,
    pub domain_name_arn: String,
    pub access_association_source: String,
    /// `VPCE`.
    #[serde(default)]
    pub access_association_source_type: Option<String>,
    /// When the association was created (it is not usable for about 15 minutes).
    #[serde(default)]
    pub created_date: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiStage {
    pub api_id: String,
    pub stage: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlan {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub api_stages: Vec<ApiStage>,
    /// Ids of the API keys in this plan (`GetUsagePlanKeys`).
    #[serde(default)]
    pub key_ids: Vec<String>,
    /// Reads about this plan that failed (`apigateway:GetUsagePlanKeys`):
    /// `keyIds` may then lack keys the plan holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

/// API key metadata. The key value is never stored; `value_sha256` lets a
/// trace check that a presented key is a known one without keeping the secret.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub value_sha256: Option<String>,
    #[serde(default)]
    pub stage_keys: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::Authorizer;

    #[test]
    fn authorizers_read_aws_spelling_and_the_old_one() {
        let aws: Authorizer = serde_json::from_str(
            r#"{"id": "a", "providerARNs": ["arn:aws:cognito-idp:us-east-1:1:userpool/x"]}"#,
        )
        .unwrap();
        assert_eq!(aws.provider_arns.len(), 1);
        let old: Authorizer = serde_json::from_str(
            r#"{"id": "a", "providerArns": ["arn:aws:cognito-idp:us-east-1:1:userpool/x"]}"#,
        )
        .unwrap();
        assert_eq!(old.provider_arns, aws.provider_arns);
        let out = serde_json::to_value(&aws).unwrap();
        assert!(out.get("providerARNs").is_some(), "{out}");
    }
}
