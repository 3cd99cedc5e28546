//! Lookups by id, for the trace engine and the views. Each is one hash
//! lookup into the snapshot the world holds.

use super::World;
use crate::model::{apigw, ec2, iam};

impl World {
    pub fn vpc(&self, id: &str) -> Option<&ec2::Vpc> {
        self.idx.vpc.get(id).map(|&i| &self.snap.vpcs[i])
    }
    pub fn dhcp_options(&self, id: &str) -> Option<&ec2::DhcpOptions> {
        self.idx.dhcp.get(id).map(|&i| &self.snap.dhcp_options[i])
    }
    pub fn subnet(&self, id: &str) -> Option<&ec2::Subnet> {
        self.idx.subnet.get(id).map(|&i| &self.snap.subnets[i])
    }
    pub fn instance(&self, id: &str) -> Option<&ec2::Instance> {
        self.idx.instance.get(id).map(|&i| &self.snap.instances[i])
    }
    pub fn network_interface(&self, id: &str) -> Option<&ec2::NetworkInterface> {
        self.idx
            .eni
            .get(id)
            .map(|&i| &self.snap.network_interfaces[i])
    }
    pub fn security_group(&self, id: &str) -> Option<&ec2::SecurityGroup> {
        self.idx.sg.get(id).map(|&i| &self.snap.security_groups[i])
    }
    pub fn default_security_group(&self, vpc_id: &str) -> Option<&ec2::SecurityGroup> {
        self.idx
            .default_sg
            .get(vpc_id)
            .map(|&i| &self.snap.security_groups[i])
    }
    pub fn prefix_list(&self, id: &str) -> Option<&ec2::ManagedPrefixList> {
        self.idx
            .prefix_list
            .get(id)
            .map(|&i| &self.snap.prefix_lists[i])
    }
    pub fn vpc_endpoint(&self, id: &str) -> Option<&ec2::VpcEndpoint> {
        self.idx
            .endpoint
            .get(id)
            .map(|&i| &self.snap.vpc_endpoints[i])
    }
    pub fn vpc_endpoint_by_dns(&self, name: &str) -> Option<&ec2::VpcEndpoint> {
        self.idx
            .endpoint_by_dns
            .get(&name.trim_end_matches('.').to_ascii_lowercase())
            .map(|&i| &self.snap.vpc_endpoints[i])
    }
    /// All VPC endpoints in a VPC, any service.
    pub fn endpoints_in_vpc(&self, vpc_id: &str) -> impl Iterator<Item = &ec2::VpcEndpoint> {
        self.idx
            .vpc_endpoints
            .get(vpc_id)
            .into_iter()
            .flatten()
            .map(|&i| &self.snap.vpc_endpoints[i])
    }
    pub fn peering(&self, id: &str) -> Option<&ec2::VpcPeeringConnection> {
        self.idx
            .peering
            .get(id)
            .map(|&i| &self.snap.vpc_peering_connections[i])
    }
    pub fn network_acl(&self, id: &str) -> Option<&ec2::NetworkAcl> {
        self.idx.nacl.get(id).map(|&i| &self.snap.network_acls[i])
    }
    pub fn route_table(&self, id: &str) -> Option<&ec2::RouteTable> {
        self.idx
            .route_table
            .get(id)
            .map(|&i| &self.snap.route_tables[i])
    }
    /// The subnet's route table and whether it is the VPC's main table (implicit association).
    /// The main table stands in only when the route tables were read whole:
    /// while a discovery is still reading them, or when the read failed,
    /// the subnet's own table may just not be here (`None`: unknown).
    pub fn subnet_route_table(&self, subnet_id: &str) -> Option<(&ec2::RouteTable, bool)> {
        let vpc = || self.subnet(subnet_id).map(|s| s.vpc_id.as_str());
        let (i, main) = self.idx.route_table_for(subnet_id, vpc)?;
        if main && self.not_read("route_tables") {
            return None;
        }
        Some((&self.snap.route_tables[i], main))
    }
    /// The subnet's network ACL and whether it is the VPC default (implicit association).
    /// As for route tables, the default stands in only when the ACLs were read whole.
    pub fn subnet_nacl(&self, subnet_id: &str) -> Option<(&ec2::NetworkAcl, bool)> {
        let vpc = || self.subnet(subnet_id).map(|s| s.vpc_id.as_str());
        let (i, default) = self.idx.nacl_for(subnet_id, vpc)?;
        if default && self.not_read("network_acls") {
            return None;
        }
        Some((&self.snap.network_acls[i], default))
    }
    /// Discovery recorded that `collection` was not (or not yet) read whole.
    fn not_read(&self, collection: &str) -> bool {
        matches!(
            self.snap.read_state(collection),
            crate::model::ReadState::NotRead(_)
        )
    }
    pub fn rest_api(&self, id: &str) -> Option<&apigw::RestApi> {
        self.idx.api.get(id).map(|&i| &self.snap.rest_apis[i])
    }
    pub fn vpc_link(&self, id: &str) -> Option<&apigw::VpcLink> {
        self.idx.vpc_link.get(id).map(|&i| &self.snap.vpc_links[i])
    }
    pub fn domain_names(&self, name: &str) -> impl Iterator<Item = &apigw::DomainName> {
        self.idx
            .domain
            .get(&name.trim_end_matches('.').to_ascii_lowercase())
            .into_iter()
            .flatten()
            .map(|&i| &self.snap.domain_names[i])
    }
    pub fn domain_associations_for_vpce(
        &self,
        vpce: &str,
    ) -> impl Iterator<Item = &apigw::DomainNameAccessAssociation> {
        self.idx
            .domain_assoc_by_vpce
            .get(vpce)
            .into_iter()
            .flatten()
            .map(|&i| &self.snap.domain_name_access_associations[i])
    }
    pub fn instance_profile(&self, arn: &str) -> Option<&iam::InstanceProfile> {
        self.idx
            .profile
            .get(arn)
            .map(|&i| &self.snap.instance_profiles[i])
    }
    pub fn role(&self, arn: &str) -> Option<&iam::Role> {
        self.idx.role.get(arn).map(|&i| &self.snap.roles[i])
    }
    pub fn managed_policy(&self, arn: &str) -> Option<&iam::ManagedPolicy> {
        self.idx
            .managed_policy
            .get(arn)
            .map(|&i| &self.snap.managed_policies[i])
    }
    pub fn lambda_function(&self, arn: &str) -> Option<&iam::LambdaFunction> {
        self.idx
            .lambda_fn
            .get(arn)
            .map(|&i| &self.snap.lambda_functions[i])
    }
    pub fn lambda_policy(&self, arn: &str, qualifier: Option<&str>) -> Option<&iam::LambdaPolicy> {
        self.idx
            .lambda_policy
            .get(&(arn.to_string(), qualifier.map(str::to_string)))
            .map(|&i| &self.snap.lambda_policies[i])
    }

    /// The display name of the item `id` names, when it has one: the Name
    /// tag of a VPC, subnet, instance or endpoint, a security group's name,
    /// a REST API's or VPC link's name.
    pub fn display_name(&self, id: &str) -> Option<&str> {
        fn tag(tags: &[ec2::Tag]) -> Option<&str> {
            tags.iter()
                .find(|t| t.key == "Name" && !t.value.is_empty())
                .map(|t| t.value.as_str())
        }
        if let Some(i) = self.instance(id) {
            return tag(&i.tags);
        }
        if let Some(s) = self.subnet(id) {
            return tag(&s.tags);
        }
        if let Some(v) = self.vpc(id) {
            return tag(&v.tags);
        }
        if let Some(e) = self.vpc_endpoint(id) {
            return tag(&e.tags);
        }
        if let Some(g) = self.security_group(id) {
            return g.group_name.as_deref();
        }
        if let Some(a) = self.rest_api(id) {
            return a.name.as_deref();
        }
        self.vpc_link(id).and_then(|l| l.name.as_deref())
    }
}
