//! FL-DOC-016: Empty section.

use super::topic::{Family, judged};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Empty section.
///
/// ## What it checks
///
/// A heading with no text of its own and no subsections (the next heading, or the end of
/// the document, follows it directly).
///
/// ## Why it matters
///
/// An empty heading is a placeholder: the topic was recognised as important and then never
/// written, which reviewers easily miss when skimming headings.
///
/// ## Example
///
/// ```markdown
/// ## Rollback
///
/// ## Timeline
/// ```
///
/// ## Fix
///
/// Write the section, or delete the heading and record why the topic does not apply.
pub struct EmptySection(pub Family);

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-016",
    title: "Empty section",
    category: Category::Documentation,
    severity: Severity::Low,
    confidence: 0.9,
    rationale: "An empty heading is a placeholder: the topic was recognised as important and then never written, which reviewers easily miss when skimming headings.",
    remediation: "Write the section, or delete the heading and record why the topic does not apply.",
};

impl Rule<MdDoc> for EmptySection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        for (i, s) in doc.sections.iter().enumerate() {
            let own = doc.text.get(s.own_body.clone()).unwrap_or("");
            let has_child = doc.sections.get(i + 1).is_some_and(|n| n.parent == Some(i));
            if own.trim().is_empty() && !has_child {
                let loc = Location {
                    line: Some(s.line),
                    pointer: Some(doc.section_path(i)),
                };
                sink.report(
                    &META,
                    loc,
                    format!("Section \"{}\" has no content", s.title),
                );
            }
        }
        // Every section was examined; without sections nothing was.
        let sections = u32::try_from(doc.sections.len()).unwrap_or(u32::MAX);
        sink.examined(&META, judged(doc, self.0, sections));
    }
}
