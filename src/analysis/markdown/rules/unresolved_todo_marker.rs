//! FL-DOC-011: Unresolved TODO/TBD/FIXME marker.

use super::topic::{Family, judged};
use crate::analysis::markdown::{MarkerKind, MdDoc};
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Unresolved TODO/TBD/FIXME marker.
///
/// ## What it checks
///
/// Prose (not code) containing TODO, FIXME or XXX in capitals, or TBD / 'to be decided' in
/// any case. Struck-through text is treated as resolved.
///
/// ## Why it matters
///
/// A design reviewed and approved with placeholders in it is approved without the decision
/// it defers; the gap usually surfaces during the incident.
///
/// ## Example
///
/// ```markdown
/// ## Retry policy
/// TBD after load testing.
/// ```
///
/// ## Fix
///
/// Resolve each marker or turn it into a tracked issue linked from the document, then
/// remove the marker.
pub struct UnresolvedTodoMarker(pub Family);

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-011",
    title: "Unresolved TODO/TBD/FIXME marker",
    category: Category::Documentation,
    severity: Severity::Medium,
    confidence: 0.9,
    rationale: "A design reviewed and approved with placeholders in it is approved without the decision it defers; the gap usually surfaces during the incident.",
    remediation: "Resolve each marker or turn it into a tracked issue linked from the document, then remove the marker.",
};

impl Rule<MdDoc> for UnresolvedTodoMarker {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        let mut seen = 0;
        for m in doc
            .markers
            .iter()
            .filter(|m| m.kind != MarkerKind::OpenQuestion)
        {
            seen += 1;
            let loc = Location {
                line: Some(m.line),
                pointer: None,
            };
            sink.report(
                &META,
                loc,
                format!("Unresolved marker on line {}: \"{}\"", m.line, m.text),
            );
        }
        // The whole text was searched: one object when it is clean.
        sink.examined(&META, judged(doc, self.0, seen.max(1)));
    }
}
