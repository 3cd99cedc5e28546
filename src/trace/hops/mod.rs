//! The hops, one module per hop or family of hops, named by rulebook number.

mod h01_instance;
mod h02_dns;
mod h03_h07_network;
mod h08_endpoint;
mod h09_endpoint_policy;
mod h10_api;
mod h11_stage;
mod h12_waf;
mod h13_authorization;
mod h14_api_key;
mod h15_integration;
mod lambda;
mod policy_context;

// What discovery needs to know which functions, keys and endpoints the graph names.
pub use h02_dns::execute_api_service;
pub use h14_api_key::key_hash;
pub use h15_integration::substitute as substitute_stage_variables;
pub use lambda::{lambda_of_uri, split_qualifier};

use crate::model::apigw::RestApi;
use crate::model::ec2::Instance;

use super::ctx::Ctx;
use super::hop::{Hop, HopId};
use super::resolve;

pub(crate) use h03_h07_network::{endpoint_ingress_reads, ClientIds, PathCache, PathKey};

/// Every hop of one trace with the parts another client already evaluated
/// taken from `memo` (see [`crate::trace::shared`]).
pub(super) fn evaluate_shared<'w>(
    ctx: &mut Ctx<'w>,
    instance: &'w Instance,
    memo: &mut crate::trace::shared::Memo<'w>,
) -> Vec<Hop> {
    let mut hops = Vec::with_capacity(HopId::ALL.len());
    hops.push(h01_instance::evaluate(ctx, instance));
    let Some(keys) = memo.keys(ctx) else {
        // No client: nothing to share.
        let (rest, _) = evaluate_after_instance(ctx);
        hops.extend(rest);
        return hops;
    };
    hops.push(memo.dns(ctx, &keys, h02_dns::evaluate));
    let network = h03_h07_network::evaluate_with(ctx, &mut memo.paths_for(&keys));
    hops.extend(network);
    hops.extend(memo.api(ctx, &keys, |ctx| api_side(ctx).0));
    hops
}

/// H2 to H15, once H1 has filled in the client.
fn evaluate_after_instance<'w>(ctx: &mut Ctx<'w>) -> (Vec<Hop>, Option<&'w RestApi>) {
    let mut hops = Vec::with_capacity(HopId::ALL.len());
    hops.push(h02_dns::evaluate(ctx));
    hops.extend(h03_h07_network::evaluate(ctx));
    let (api_hops, api) = api_side(ctx);
    hops.extend(api_hops);
    (hops, api)
}

/// H8 to H15: the endpoint and everything past it.
fn api_side<'w>(ctx: &Ctx<'w>) -> (Vec<Hop>, Option<&'w RestApi>) {
    let mut hops = Vec::with_capacity(8);
    hops.push(h08_endpoint::evaluate(ctx));
    // The hops from 9 on need the API, stage and deployed method the request reaches.
    let call = resolve::api_call(ctx);
    let route = resolve::resolve(ctx, &call);
    hops.push(h09_endpoint_policy::evaluate(ctx, &call, &route));
    hops.push(h10_api::evaluate(ctx, &call, &route));
    hops.push(h11_stage::evaluate(ctx, &call, &route));
    hops.push(h12_waf::evaluate(ctx, &call, &route));
    hops.push(h13_authorization::evaluate(ctx, &route));
    hops.push(h14_api_key::evaluate(ctx, &route));
    hops.push(h15_integration::evaluate(ctx, &route));
    (hops, call.ok().and_then(|c| c.api))
}

/// Every hop of one trace, in request order, and the API the request
/// names when it is in the snapshot.
pub(super) fn evaluate<'w>(
    ctx: &mut Ctx<'w>,
    instance: &'w Instance,
) -> (Vec<Hop>, Option<&'w RestApi>) {
    let mut hops = Vec::with_capacity(HopId::ALL.len());
    hops.push(h01_instance::evaluate(ctx, instance));
    let (rest, api) = evaluate_after_instance(ctx);
    hops.extend(rest);
    debug_assert!(
        hops.iter().map(|h| h.hop).eq(HopId::ALL),
        "hops out of order"
    );
    (hops, api)
}
