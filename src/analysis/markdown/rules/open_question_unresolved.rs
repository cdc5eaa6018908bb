//! FL-DOC-012: Open question left unresolved.

use super::topic::{Family, judged};
use crate::analysis::markdown::{MarkerKind, MdDoc};
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Open question left unresolved.
///
/// ## What it checks
///
/// List items under an 'Open questions' / 'Unresolved questions' heading that are not
/// marked resolved, answered or decided, and 'open question' callouts in prose.
///
/// ## Why it matters
///
/// Open questions in a design that is about to be built are decisions someone will make
/// implicitly, under time pressure, in code.
///
/// ## Example
///
/// ```markdown
/// ## Open questions
/// - Do we need exactly-once delivery?
/// ```
///
/// ## Fix
///
/// Answer each question in the document (and record the decision), or mark it resolved with
/// a link to where it was decided.
pub struct OpenQuestionUnresolved(pub Family);

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-012",
    title: "Open question left unresolved",
    category: Category::Documentation,
    severity: Severity::Medium,
    confidence: 0.8,
    rationale: "Open questions in a design that is about to be built are decisions someone will make implicitly, under time pressure, in code.",
    remediation: "Answer each question in the document (and record the decision), or mark it resolved with a link to where it was decided.",
};

impl Rule<MdDoc> for OpenQuestionUnresolved {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        let mut seen = 0;
        for m in doc
            .markers
            .iter()
            .filter(|m| m.kind == MarkerKind::OpenQuestion)
        {
            seen += 1;
            let loc = Location {
                line: Some(m.line),
                pointer: None,
            };
            sink.report(
                &META,
                loc,
                format!("Open question on line {}: \"{}\"", m.line, m.text),
            );
        }
        // The whole text was searched: one object when it is clean.
        sink.examined(&META, judged(doc, self.0, seen.max(1)));
    }
}
