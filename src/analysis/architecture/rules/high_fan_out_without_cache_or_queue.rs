//! FL-ARC-010: High fan-out without cache or queue.

use super::support::at;
use crate::analysis::architecture::{ArchModel, ComponentKind, Mode};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// High fan-out without cache or queue.
///
/// ## What it checks
///
/// A component that synchronously calls 4 or more others, in an architecture with no cache
/// and no queue.
///
/// ## Why it matters
///
/// A request that fans out to many services waits for the slowest of them and multiplies
/// load on each; without a cache or asynchronous hand-off, one slow dependency makes every
/// request slow.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   BFF --> A[Users service]
///   BFF --> B[Orders service]
///   BFF --> C[Stock service]
///   BFF --> D[Reviews service]
/// ```
/// ~~~
///
/// ## Fix
///
/// Cache the read paths (Redis, CDN), move non-essential calls behind a queue, or aggregate
/// data ahead of time.
pub struct HighFanOutWithoutCacheOrQueue;

/// Synchronous callees at which fan-out needs a cache or queue.
const FAN_OUT: usize = 4;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-010",
    title: "High fan-out without cache or queue",
    category: Category::Performance,
    severity: Severity::Medium,
    confidence: 0.5,
    rationale: "A request that fans out to many services waits for the slowest of them and multiplies load on each; without a cache or asynchronous hand-off, one slow dependency makes every request slow.",
    remediation: "Cache the read paths (Redis, CDN), move non-essential calls behind a queue, or aggregate data ahead of time.",
};

impl Rule<ArchModel> for HighFanOutWithoutCacheOrQueue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        // Judged only when some component is drawn calling another.
        let calls = doc
            .edges
            .iter()
            .any(|e| e.mode == Mode::Sync && doc.components[e.to].classified);
        sink.examined(&META, u32::from(calls));
        if doc.has_kind(ComponentKind::Cache) || doc.has_kind(ComponentKind::Queue) {
            return;
        }
        for (i, c) in doc.components.iter().enumerate() {
            let mut targets: Vec<usize> = doc
                .edges_from(i)
                .filter(|e| e.mode == Mode::Sync && doc.components[e.to].classified)
                .map(|e| e.to)
                .collect();
            targets.sort_unstable();
            targets.dedup();
            if targets.len() >= FAN_OUT {
                sink.report(
                    &META,
                    at(c),
                    format!(
                        "{} calls {} components synchronously",
                        c.name,
                        targets.len()
                    ),
                );
            }
        }
    }
}
