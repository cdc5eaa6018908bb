//! FL-DOC-017: Unchecked checklist item.

use super::topic::{Family, judged};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Unchecked checklist item.
///
/// ## What it checks
///
/// Task-list items (`- [ ] ...`) left unchecked in the document.
///
/// ## Why it matters
///
/// Launch and readiness checklists exist so that nothing ships half-prepared; an unchecked
/// item is a known gap.
///
/// ## Example
///
/// ```markdown
/// ## Launch checklist
/// - [x] Load test
/// - [ ] Alerts configured
/// ```
///
/// ## Fix
///
/// Complete the item and tick it, or strike it with the reason it does not apply.
pub struct UncheckedChecklistItem(pub Family);

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-017",
    title: "Unchecked checklist item",
    category: Category::Operability,
    severity: Severity::Low,
    confidence: 0.7,
    rationale: "Launch and readiness checklists exist so that nothing ships half-prepared; an unchecked item is a known gap.",
    remediation: "Complete the item and tick it, or strike it with the reason it does not apply.",
};

impl Rule<MdDoc> for UncheckedChecklistItem {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        for item in &doc.checklist {
            if !item.checked {
                let loc = Location {
                    line: Some(item.line),
                    pointer: None,
                };
                sink.report(&META, loc, format!("Unchecked item: \"{}\"", item.text));
            }
        }
        // Every item was examined; a document without a checklist has
        // nothing this rule can vouch for.
        let items = u32::try_from(doc.checklist.len()).unwrap_or(u32::MAX);
        sink.examined(&META, judged(doc, self.0, items));
    }
}
