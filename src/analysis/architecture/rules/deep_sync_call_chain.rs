//! FL-ARC-008: Synchronous call chain too deep.

use crate::analysis::architecture::ArchModel;
use crate::analysis::architecture::graph::longest_sync_chain;
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Synchronous call chain too deep.
///
/// ## What it checks
///
/// The longest chain of synchronous calls between server-side components, within one
/// diagram, is longer than 4 hops. Clients, gateways, load balancers and observability are
/// not counted: they start, forward or watch requests.
///
/// ## Why it matters
///
/// Each synchronous hop multiplies failure probability and adds its latency and timeouts:
/// five services at 99.9% each give 99.5% at best, and one slow service stalls all callers.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   B[Orders service] --> C[Pricing service] --> D[Tax service] --> E[Rates service] --> F[Currency service] --> G[(DB)]
/// ```
/// ~~~
///
/// ## Fix
///
/// Shorten the chain: make non-critical steps asynchronous (queue, events), cache reads, or
/// merge services that always call each other.
pub struct DeepSyncCallChain;

/// Longest acceptable chain of synchronous hops.
pub const MAX_SYNC_HOPS: usize = 4;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-008",
    title: "Synchronous call chain too deep",
    category: Category::Reliability,
    severity: Severity::Medium,
    confidence: 0.7,
    rationale: "Each synchronous hop multiplies failure probability and adds its latency and timeouts: five services at 99.9% each give 99.5% at best, and one slow service stalls all callers.",
    remediation: "Shorten the chain: make non-critical steps asynchronous (queue, events), cache reads, or merge services that always call each other.",
};

impl Rule<ArchModel> for DeepSyncCallChain {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let chain = longest_sync_chain(doc);
        let hops = chain.len().saturating_sub(1);
        // Without a single synchronous call there is no chain to judge.
        sink.examined(&META, u32::from(hops > 0));
        if hops > MAX_SYNC_HOPS {
            let names: Vec<&str> = chain
                .iter()
                .map(|&i| doc.components[i].name.as_str())
                .collect();
            let first = &doc.components[chain[0]];
            let line = doc
                .edges
                .iter()
                .find(|e| e.from == chain[0])
                .map_or(first.line, |e| e.line);
            let loc = Location {
                line: Some(line),
                pointer: Some(first.name.clone()),
            };
            sink.report(
                &META,
                loc,
                format!("{hops} synchronous hops: {}", names.join(" -> ")),
            );
        }
    }
}
