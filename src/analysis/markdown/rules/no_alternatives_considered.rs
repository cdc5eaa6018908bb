//! FL-DOC-015: Decision without alternatives considered.

use crate::analysis::markdown::MdDoc;
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Decision without alternatives considered.
///
/// ## What it checks
///
/// A document that records a decision (a Decision heading) but never discusses
/// alternatives, options or trade-offs.
///
/// ## Why it matters
///
/// A decision without the rejected options cannot be re-evaluated when circumstances
/// change: nobody knows what else was on the table or why it lost.
///
/// ## Example
///
/// ```markdown
/// ## Decision
/// Use Kafka for the event bus.
/// ```
///
/// ## Fix
///
/// Add an 'Alternatives considered' section listing the options and why each was rejected,
/// or the trade-offs of the chosen one.
pub struct NoAlternativesConsidered;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-015",
    title: "Decision without alternatives considered",
    category: Category::Documentation,
    severity: Severity::Low,
    confidence: 0.6,
    rationale: "A decision without the rejected options cannot be re-evaluated when circumstances change: nobody knows what else was on the table or why it lost.",
    remediation: "Add an 'Alternatives considered' section listing the options and why each was rejected, or the trade-offs of the chosen one.",
};

impl Rule<MdDoc> for NoAlternativesConsidered {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        const TERMS: [&str; 10] = [
            "alternative*",
            "option*",
            "trade-off*",
            "tradeoff*",
            "trade off*",
            "considered",
            "rejected",
            "pros and cons",
            "instead of",
            "compared*",
        ];
        // Without a recorded decision there is nothing to weigh
        // alternatives against: not applicable.
        let Some(idx) = doc.section_titled(&["decision", "decisions"]) else {
            sink.examined(&META, 0);
            return;
        };
        if doc.mentions(&TERMS).is_none() {
            let s = &doc.sections[idx];
            let loc = Location {
                line: Some(s.line),
                pointer: Some(doc.section_path(idx)),
            };
            sink.report(
                &META,
                loc,
                "The decision lists no alternatives or trade-offs",
            );
        }
    }
}
