//! FL-DOC-014: No decision recorded.

use super::topic::{doc_location, is_design_doc};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No decision recorded.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) with no Decision heading, no ADR reference
/// and no 'we decided / we chose' statement.
///
/// ## Why it matters
///
/// A design that does not record what was decided and why gets relitigated in every review,
/// and its constraints are lost when the authors move on.
///
/// ## Example
///
/// ```markdown
/// # Cache layer
/// ## Overview
/// ## Components
/// ## API
/// ```
///
/// ## Fix
///
/// Add a Decision section (or link the ADR): what was chosen, the context that forced it,
/// and its consequences.
pub struct NoDecisionRecord;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-014",
    title: "No decision recorded",
    category: Category::Maintainability,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "A design that does not record what was decided and why gets relitigated in every review, and its constraints are lost when the authors move on.",
    remediation: "Add a Decision section (or link the ADR): what was chosen, the context that forced it, and its consequences.",
};

impl Rule<MdDoc> for NoDecisionRecord {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        const HEADINGS: [&str; 5] = [
            "decision",
            "decisions",
            "adr",
            "design decision",
            "rationale",
        ];
        const TERMS: [&str; 9] = [
            "we decided",
            "we chose",
            "we choose",
            "we will use",
            "decided to",
            "decision:",
            "adr-*",
            "architecture decision record*",
            "chosen approach",
        ];
        // Only structured designs are judged; elsewhere not applicable.
        let design = is_design_doc(doc);
        sink.examined(&META, u32::from(design));
        if design && doc.section_titled(&HEADINGS).is_none() && doc.mentions(&TERMS).is_none() {
            sink.report(
                &META,
                doc_location(doc),
                "No decision section, ADR reference or recorded decision",
            );
        }
    }
}
