//! FL-ARC-021: Cycle of synchronous calls.

use super::support::at;
use crate::analysis::architecture::ArchModel;
use crate::analysis::architecture::graph::{has_sync_call, sync_cycle};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Cycle of synchronous calls.
///
/// ## What it checks
///
/// Components that call each other synchronously in a cycle (A calls B, B calls A, possibly
/// through others).
///
/// ## Why it matters
///
/// Synchronous cycles deadlock thread pools under load and make it impossible to start,
/// deploy or degrade the services independently; a slowdown circulates until everything
/// times out.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   A[Orders service] --> B[Stock service]
///   B --> A
/// ```
/// ~~~
///
/// ## Fix
///
/// Break the cycle: invert one dependency with events or a queue, or move the shared logic
/// into one owner.
pub struct SyncCallCycle;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-021",
    title: "Cycle of synchronous calls",
    category: Category::Reliability,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Synchronous cycles deadlock thread pools under load and make it impossible to start, deploy or degrade the services independently; a slowdown circulates until everything times out.",
    remediation: "Break the cycle: invert one dependency with events or a queue, or move the shared logic into one owner.",
};

impl Rule<ArchModel> for SyncCallCycle {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        // Without a single synchronous call there is no cycle to judge.
        sink.examined(&META, u32::from(has_sync_call(doc)));
        if let Some(cycle) = sync_cycle(doc) {
            let names: Vec<&str> = cycle
                .iter()
                .map(|&i| doc.components[i].name.as_str())
                .collect();
            if let Some(&first) = cycle.first() {
                sink.report(
                    &META,
                    at(&doc.components[first]),
                    format!("Synchronous cycle: {} -> {}", names.join(" -> "), names[0]),
                );
            }
        }
    }
}
