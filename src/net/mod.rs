//! Network rules: CIDR math, security groups, network ACLs and routes. Pure functions.

pub mod cidr;
pub mod nacl;
pub mod route;
pub mod sg;

pub use cidr::{AddrSet, Cidr, Cover};

use std::fmt;

/// The AWS field a network rule comes from: the call that returns it, the
/// resource, and the path in the answer (with the value, e.g.
/// `Routes[2] 10.0.0.0/16 -> pcx-1`). Shown as one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub call: &'static str,
    pub resource: String,
    pub path: String,
}

impl Field {
    pub fn new(call: &'static str, resource: &str, path: String) -> Field {
        Field {
            call,
            resource: resource.to_string(),
            path,
        }
    }
    /// The same field, deeper: `more` is appended to the path as written.
    pub fn then(&self, more: &str) -> Field {
        Field {
            call: self.call,
            resource: self.resource.clone(),
            path: format!("{}{more}", self.path),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.call, self.resource, self.path)
    }
}
