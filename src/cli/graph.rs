//! `hoptrace graph`: the world graph, or the part around some VPCs or APIs,
//! as DOT, Mermaid or JSON, for architecture walkthroughs.

use clap::{Args, ValueEnum};

use super::CliError;
use crate::export::graph;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphOutput {
    /// Graphviz DOT (`| dot -Tsvg > world.svg`)
    Dot,
    /// A Mermaid flowchart (paste into Markdown between ```mermaid fences)
    Mermaid,
    /// hoptrace.graph/v1: typed nodes and edges
    Json,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Without --vpc or --api: the whole world. --vpc takes what sits in the VPC \
(subnets, instances, interfaces, groups, route tables, ACLs, endpoints) and one step out (instance \
profiles and roles, peerings, the APIs associated with its endpoints). --api takes the API and \
everything under it (stages, deployments, resources, methods, authorizers, integrations, backends), \
the endpoints it is associated with and the domain names that map to it. Both together: the union.\n\n\
Exit status: 0 done, 2 error.\n\n\
Examples:\n  \
hoptrace graph --demo --vpc vpc-0a11ce5e00000a001 | dot -Tsvg > shop.svg\n  \
hoptrace graph --demo --api a1b2c3d4e5 --output mermaid"
)]
pub struct GraphArgs {
    /// The part around this VPC (repeatable)
    #[arg(long = "vpc", value_name = "VPC-ID")]
    pub vpc: Vec<String>,
    /// The part around this REST API (repeatable)
    #[arg(long = "api", value_name = "API-ID")]
    pub api: Vec<String>,
    #[command(flatten)]
    pub world: super::WholeWorldArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphOutput::Dot)]
    pub output: GraphOutput,
}

pub fn run(args: GraphArgs) -> Result<i32, CliError> {
    let world = super::whole_world(&args.world)?;
    let g = graph::select(&world, &args.vpc, &args.api).map_err(CliError)?;
    let text = match args.output {
        GraphOutput::Dot => g.dot(),
        GraphOutput::Mermaid => g.mermaid(),
        GraphOutput::Json => serde_json::to_string_pretty(&g)? + "\n",
    };
    super::emit(&text)?;
    Ok(0)
}
