//! FL-ARC-015: Queue without dead-letter handling.

use super::support::{DEAD_LETTER, at};
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Queue without dead-letter handling.
///
/// ## What it checks
///
/// A queue or broker in the architecture and no mention of dead-letter queues,
/// poison-message handling or retry topics.
///
/// ## Why it matters
///
/// One message that always fails blocks its partition or is retried forever; without a
/// dead-letter path it is either lost or stalls every message behind it.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   Orders[Orders service] --> K[Kafka]
///   K --> Mailer[Mailer worker]
/// ```
/// ~~~
///
/// ## Fix
///
/// Configure a dead-letter queue (or retry topics) with a bounded retry count, alert on its
/// depth and document how messages are replayed.
pub struct QueueWithoutDeadLetter;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-015",
    title: "Queue without dead-letter handling",
    category: Category::Reliability,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "One message that always fails blocks its partition or is retried forever; without a dead-letter path it is either lost or stalls every message behind it.",
    remediation: "Configure a dead-letter queue (or retry topics) with a bounded retry count, alert on its depth and document how messages are replayed.",
};

impl Rule<ArchModel> for QueueWithoutDeadLetter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let queue = doc.of_kind(ComponentKind::Queue).next();
        // No queue, no messages to dead-letter: not applicable.
        sink.examined(&META, u32::from(queue.is_some()));
        if doc.doc.mentions(DEAD_LETTER).is_some() {
            return;
        }
        if let Some((_, c)) = queue {
            sink.report(
                &META,
                at(c),
                format!("{} has no dead-letter or poison-message handling", c.name),
            );
        }
    }
}
