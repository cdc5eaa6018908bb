//! FL-DOC-018: Too little to assess as a design document.

use super::topic::{MIN_HEADINGS, doc_location, is_assessable};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use crate::analysis::wording::count;

/// Too little to assess as a design document.
///
/// ## What it checks
///
/// A document with fewer than three headings that is not an ADR (Context / Decision /
/// Consequences): a note, a stub or a README the design-doc rules cannot judge.
///
/// ## Why it matters
///
/// Every other design-doc rule needs sections to look at; without them a clean result
/// would vouch for nothing, so the document gets no readiness score worth trusting.
///
/// ## Example
///
/// ```markdown
/// hello
/// ```
///
/// ## Fix
///
/// Write the design out in sections (context, design, security, operations, rollout) or
/// submit it as an architecture description if it is one.
pub struct TooLittleToAssess;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-018",
    title: "Too little to assess as a design document",
    category: Category::Documentation,
    // Info: a stub is not a production risk in itself, and the score already
    // says nothing could be vouched for.
    severity: Severity::Info,
    confidence: 1.0,
    rationale: "Every other design-doc rule needs sections to look at; without them a clean result would vouch for nothing, so the document gets no readiness score worth trusting.",
    remediation: "Write the design out in sections (context, design, security, operations, rollout) or submit it as an architecture description if it is one.",
};

impl Rule<MdDoc> for TooLittleToAssess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        if is_assessable(doc) {
            return;
        }
        let headings = doc.sections.len();
        let words = doc.text.split_whitespace().count();
        sink.report(
            &META,
            doc_location(doc),
            format!(
                "The document has {} and {}; the design-doc rules need at least {MIN_HEADINGS} sections (or an ADR's Context, Decision and Consequences) to judge anything",
                count(headings, "heading", "headings"),
                count(words, "word", "words")
            ),
        );
    }
}
