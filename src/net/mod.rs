//! Network rules: CIDR math, security groups, network ACLs and routes. Pure functions.

pub mod cidr;
pub mod nacl;
pub mod route;
pub mod sg;

pub use cidr::{AddrSet, Cidr, Cover};
