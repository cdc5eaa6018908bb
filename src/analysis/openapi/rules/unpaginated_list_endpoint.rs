//! FL-OAS-024: List endpoint without pagination.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A collection GET returns a list but accepts no page size, cursor or offset.
///
/// ## What it checks
/// GET operations on collection paths (the last segment holds no `{param}`: `/Calls.json`, not
/// `/Calls/{Sid}.json`) whose 2xx body is an array, or a page of one: an object with exactly one
/// array property that has a list name (`items`, `data`, `results`, ...), is named after a
/// static path segment (`calls` in `/Calls.json`) or sits beside paging fields (`next`,
/// `has_more`, `total`, ...). Those with no pagination query parameter (limit, cursor, page,
/// offset, pageToken, continue, ...) are reported. A single item that merely has one array
/// field (`{sid, permissions: [...]}`) is not a list.
///
/// ## Why it matters
/// The response grows with the data: latency, memory and payload size climb until the endpoint
/// times out in production, usually long after launch.
///
/// ## Example
///
/// ```yaml
/// /orders:
///   get:
///     responses:
///       '200': {content: {application/json: {schema: {type: array}}}}
/// ```
///
/// ## Fix
/// Add cursor pagination (`limit` with a `maximum` plus `cursor`/`pageToken`) and return the
/// next cursor.
pub struct UnpaginatedListEndpoint;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-024",
    title: "List endpoint without pagination",
    category: Category::Performance,
    severity: Severity::High,
    confidence: 0.6,
    rationale: "The response grows with the data: latency, memory and payload size climb until the endpoint times out in production, usually long after launch.",
    remediation: "Add cursor pagination (`limit` with a `maximum` plus `cursor`/`pageToken`) and return the next cursor.",
};

impl Rule<Spec> for UnpaginatedListEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let lists: Vec<_> = spec
            .operations
            .iter()
            .filter(|o| spec.is_list_endpoint(o))
            .collect();
        sink.examined(&META, n(lists.len()));
        for op in lists.into_iter().filter(|o| !o.has_pagination()) {
            sink.report(
                &META,
                op.loc.location(),
                format!("{} returns an unbounded list", op.label()),
            );
        }
    }
}
