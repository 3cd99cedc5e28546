//! IAM and Lambda inventory types (IAM field names, PascalCase).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleRef {
    pub arn: String,
    #[serde(default)]
    pub role_name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfile {
    pub arn: String,
    #[serde(default)]
    pub instance_profile_name: Option<String>,
    #[serde(default)]
    pub roles: Vec<RoleRef>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    pub policy_name: String,
    /// As IAM returns it (often percent-encoded).
    pub policy_document: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    pub policy_arn: String,
    #[serde(default)]
    pub policy_name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionsBoundary {
    pub permissions_boundary_arn: String,
    #[serde(default)]
    pub permissions_boundary_type: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    pub arn: String,
    pub role_name: String,
    #[serde(default)]
    pub assume_role_policy_document: Option<String>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub permissions_boundary: Option<PermissionsBoundary>,
    /// Reads of this role's policies that failed (`iam:ListRolePolicies`,
    /// `iam:GetRolePolicy invoke`): the lists above may be incomplete, so
    /// what they allow is not the whole answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

/// A customer or AWS managed policy with its default version document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicy {
    pub arn: String,
    #[serde(default)]
    pub policy_name: Option<String>,
    #[serde(default)]
    pub default_version_id: Option<String>,
    pub document: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LambdaFunction {
    pub function_arn: String,
    #[serde(default)]
    pub function_name: Option<String>,
    /// Seconds.
    #[serde(default)]
    pub timeout: Option<i64>,
}

/// Lambda `GetPolicy(FunctionName, Qualifier?)`: one entry per qualifier.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LambdaPolicy {
    /// The unqualified function ARN.
    pub function_arn: String,
    /// `None` for the unqualified function, else the version or alias.
    #[serde(default)]
    pub qualifier: Option<String>,
    /// The policy JSON text; `None` when the function has no resource policy.
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub revision_id: Option<String>,
}
