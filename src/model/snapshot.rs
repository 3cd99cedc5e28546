//! The snapshot file: a schema-versioned JSON document holding everything a
//! trace reads. Loading never panics; a bad file gets a message naming the
//! file, the JSON path and what was expected.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::apigw::{ApiKey, DomainName, DomainNameAccessAssociation, RestApi, UsagePlan, VpcLink};
use super::ec2::{
    DhcpOptions, FlowLog, Instance, ManagedPrefixList, NetworkAcl, NetworkInterface, RouteTable,
    SecurityGroup, Subnet, Vpc, VpcEndpoint, VpcPeeringConnection,
};
use super::iam::{InstanceProfile, LambdaFunction, LambdaPolicy, ManagedPolicy, Role};

pub const SNAPSHOT_SCHEMA: &str = "hoptrace.snapshot/v1";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema: String,
    pub account: String,
    pub region: String,
    pub captured_at: String,
    /// `aws`, `aws-cn` or `aws-us-gov`.
    #[serde(default = "default_partition")]
    pub partition: String,
    #[serde(default)]
    pub vpcs: Vec<Vpc>,
    #[serde(default)]
    pub dhcp_options: Vec<DhcpOptions>,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    #[serde(default)]
    pub instances: Vec<Instance>,
    #[serde(default)]
    pub network_interfaces: Vec<NetworkInterface>,
    #[serde(default)]
    pub route_tables: Vec<RouteTable>,
    #[serde(default)]
    pub network_acls: Vec<NetworkAcl>,
    #[serde(default)]
    pub security_groups: Vec<SecurityGroup>,
    #[serde(default)]
    pub prefix_lists: Vec<ManagedPrefixList>,
    #[serde(default)]
    pub vpc_endpoints: Vec<VpcEndpoint>,
    #[serde(default)]
    pub vpc_peering_connections: Vec<VpcPeeringConnection>,
    /// VPC flow logs (where a network hop's evidence is logged).
    #[serde(default)]
    pub flow_logs: Vec<FlowLog>,
    #[serde(default)]
    pub rest_apis: Vec<RestApi>,
    #[serde(default)]
    pub vpc_links: Vec<VpcLink>,
    #[serde(default)]
    pub domain_names: Vec<DomainName>,
    #[serde(default)]
    pub domain_name_access_associations: Vec<DomainNameAccessAssociation>,
    #[serde(default)]
    pub usage_plans: Vec<UsagePlan>,
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
    #[serde(default)]
    pub instance_profiles: Vec<InstanceProfile>,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub managed_policies: Vec<ManagedPolicy>,
    #[serde(default)]
    pub lambda_functions: Vec<LambdaFunction>,
    #[serde(default)]
    pub lambda_policies: Vec<LambdaPolicy>,
    /// Per collection (`usage_plans`, `network_acls`, ...), whether discovery
    /// read it. A collection not listed was not recorded either way (older
    /// files, hand-written worlds): an empty list then means "none".
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub captured: std::collections::BTreeMap<String, bool>,
    /// The calls that failed while recording.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<CallError>,
}

/// A call that failed while the snapshot was recorded.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CallError {
    /// `apigateway:GetUsagePlans`, `ec2:DescribeNetworkAcls`.
    pub call: String,
    /// `AccessDenied`, `ThrottlingException`, ...
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// The collection it was reading, when it fills one.
    #[serde(default)]
    pub collection: Option<String>,
    /// The resource it was about, when the call names one.
    #[serde(default)]
    pub resource: Option<String>,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.call)?;
        if let Some(r) = &self.resource {
            write!(f, " {r}")?;
        }
        match (&self.code, &self.message) {
            (Some(c), _) if c == NOT_READ_YET => {
                write!(f, " not read yet (discovery is still running)")
            }
            (Some(c), Some(m)) => write!(f, " failed: {c}: {m}"),
            (Some(c), None) => write!(f, " failed: {c}"),
            (None, Some(m)) => write!(f, " failed: {m}"),
            (None, None) => write!(f, " failed"),
        }
    }
}

/// The `code` of a call a running discovery has not finished yet (in the
/// partial snapshot the TUI browses while it reads).
pub const NOT_READ_YET: &str = "NotReadYet";

/// Whether a collection was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadState<'a> {
    /// Read: an empty list means there are none.
    Read,
    /// Not read, with the failed call when one is recorded.
    NotRead(Option<&'a CallError>),
    /// The snapshot does not say.
    Unrecorded,
}

fn default_partition() -> String {
    "aws".to_string()
}

/// Why a snapshot could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read snapshot {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("snapshot {path} is empty")]
    Empty { path: PathBuf },
    #[error("snapshot {path} is not valid JSON at line {line}, column {column}: {msg}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        msg: String,
    },
    #[error("snapshot {path} ends early at line {line}, column {column} (truncated file?)")]
    Truncated {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    #[error("snapshot {path}: at {json_path}: {msg}")]
    Shape {
        path: PathBuf,
        json_path: String,
        msg: String,
    },
    #[error("snapshot {path}: schema is {found:?}, expected \"{SNAPSHOT_SCHEMA}\"")]
    Schema { path: PathBuf, found: String },
    #[error("snapshot {path}: {msg}")]
    Invalid { path: PathBuf, msg: String },
}

impl Snapshot {
    /// Whether `collection` (a field name such as `usage_plans`) was read.
    pub fn read_state(&self, collection: &str) -> ReadState<'_> {
        match self.captured.get(collection) {
            Some(true) => ReadState::Read,
            Some(false) => ReadState::NotRead(
                self.errors
                    .iter()
                    .find(|e| e.collection.as_deref() == Some(collection)),
            ),
            None => ReadState::Unrecorded,
        }
    }

    /// The recorded failure of `call` about `resource` (an API id, a
    /// function ARN, a usage plan id), when there is one.
    pub fn failed(&self, call: &str, resource: &str) -> Option<&CallError> {
        self.errors
            .iter()
            .find(|e| e.call == call && e.resource.as_deref() == Some(resource))
    }

    /// What a hop says about a read of `resource` that failed: the call and
    /// its error (`apigateway:GetAuthorizers a1 failed: ThrottlingException:
    /// Rate exceeded`), or the call alone when the error was not recorded.
    pub fn why_unread(&self, call: &str, resource: &str) -> String {
        match self.failed(call, resource) {
            Some(e) => e.to_string(),
            None => format!("{call} {resource} failed"),
        }
    }

    /// Read and validate a snapshot file.
    pub fn load(path: &Path) -> Result<Snapshot, SnapshotError> {
        let bytes = std::fs::read(path).map_err(|source| SnapshotError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_slice(&bytes, path)
    }

    /// Parse and validate snapshot bytes; `origin` names the source in messages.
    pub fn from_slice(bytes: &[u8], origin: &Path) -> Result<Snapshot, SnapshotError> {
        let path = origin.to_path_buf();
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(SnapshotError::Empty { path });
        }
        // Fast path first; re-parse with path tracking only to explain a failure.
        match serde_json::from_slice::<Snapshot>(bytes) {
            Ok(snap) => {
                snap.validate(&path)?;
                Ok(snap)
            }
            Err(first) => Err(Self::explain(bytes, path, first)),
        }
    }

    fn explain(bytes: &[u8], path: PathBuf, first: serde_json::Error) -> SnapshotError {
        use serde_json::error::Category;
        match first.classify() {
            Category::Eof => {
                return SnapshotError::Truncated {
                    path,
                    line: first.line(),
                    column: first.column(),
                }
            }
            Category::Syntax | Category::Io => {
                return SnapshotError::Syntax {
                    path,
                    line: first.line(),
                    column: first.column(),
                    msg: strip_position(&first.to_string()),
                }
            }
            Category::Data => {}
        }
        // A wrong schema explains most shape errors better than the shape error does.
        #[derive(Deserialize)]
        struct Head {
            schema: Option<serde_json::Value>,
        }
        if let Ok(head) = serde_json::from_slice::<Head>(bytes) {
            match head.schema {
                Some(serde_json::Value::String(s)) if s == SNAPSHOT_SCHEMA => {}
                Some(serde_json::Value::String(s)) => {
                    return SnapshotError::Schema { path, found: s };
                }
                Some(other) => {
                    return SnapshotError::Schema {
                        path,
                        found: other.to_string(),
                    }
                }
                None => {}
            }
        }
        let mut de = serde_json::Deserializer::from_slice(bytes);
        match serde_path_to_error::deserialize::<_, Snapshot>(&mut de) {
            Err(err) => {
                let json_path = err.path().to_string();
                let inner = err.into_inner();
                SnapshotError::Shape {
                    path,
                    json_path: if json_path == "." {
                        "$".into()
                    } else if json_path.starts_with('[') {
                        format!("${json_path}")
                    } else {
                        format!("$.{json_path}")
                    },
                    msg: strip_position(&inner.to_string()),
                }
            }
            Ok(_) => SnapshotError::Shape {
                path,
                json_path: "$".into(),
                msg: strip_position(&first.to_string()),
            },
        }
    }

    fn validate(&self, path: &Path) -> Result<(), SnapshotError> {
        if self.schema != SNAPSHOT_SCHEMA {
            return Err(SnapshotError::Schema {
                path: path.to_path_buf(),
                found: self.schema.clone(),
            });
        }
        let invalid = |msg: String| SnapshotError::Invalid {
            path: path.to_path_buf(),
            msg,
        };
        if self.region.trim().is_empty() {
            return Err(invalid("`region` is empty".into()));
        }
        if self.account.trim().is_empty() {
            return Err(invalid("`account` is empty".into()));
        }
        Ok(())
    }

    /// Write as pretty JSON to a new file; never overwrites an existing file unless `force`.
    pub fn write_new(&self, path: &Path, force: bool) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        write_new_file(path, text.as_bytes(), force)
    }
}

/// Create `path` with `bytes`, refusing to replace an existing file unless
/// `force`. Atomic: the bytes go to a temporary file in the same directory,
/// which is then renamed into place, so a reader never sees half a file and
/// a failed write leaves no file behind.
pub fn write_new_file(path: &Path, bytes: &[u8], force: bool) -> std::io::Result<()> {
    use std::io::Write;
    let exists = || {
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} already exists (use --force to replace it)",
                path.display()
            ),
        )
    };
    if !force && path.symlink_metadata().is_ok() {
        return Err(exists());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".hoptrace-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    let persisted = if force {
        tmp.persist(path)
    } else {
        // Refuses, atomically, a file that appeared meanwhile.
        tmp.persist_noclobber(path)
    };
    match persisted {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Err(exists()),
        Err(e) => Err(e.error),
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}
