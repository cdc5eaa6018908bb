//! The `FL-XA` cross-artifact rules, one per file.

mod auth_claimed_spec_unsecured;
mod doc_endpoint_method_mismatch;
mod doc_endpoint_not_in_spec;
mod observability_gap;
mod service_without_api_in_spec;
mod spec_endpoint_undocumented;

use super::CrossInput;
use crate::analysis::rule::Rule;

/// Every rule of the family, sorted by id.
pub fn rules<'a>() -> Vec<Box<dyn Rule<CrossInput<'a>>>> {
    vec![
        Box::new(doc_endpoint_not_in_spec::DocEndpointNotInSpec),
        Box::new(doc_endpoint_method_mismatch::DocEndpointMethodMismatch),
        Box::new(spec_endpoint_undocumented::SpecEndpointUndocumented),
        Box::new(auth_claimed_spec_unsecured::AuthClaimedSpecUnsecured),
        Box::new(service_without_api_in_spec::ServiceWithoutApiInSpec),
        Box::new(observability_gap::ObservabilityGap),
    ]
}

/// The resource word of a service name: "Orders service" → `order`
/// (singular, so it matches `/orders` and `/order/{id}`).
pub(crate) fn stem_of(name: &str) -> Option<String> {
    let generic = [
        "service",
        "microservice",
        "api",
        "svc",
        "backend",
        "server",
        "app",
    ];
    let word = name
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .find(|w| w.len() >= 3 && !generic.contains(&w.as_str()))?;
    Some(word.strip_suffix('s').map_or(word.clone(), str::to_string))
}
