//! Shared logic of the "missing section" rules: a topic counts as covered
//! when a heading names it or the prose uses at least two of its terms, so a
//! design that discusses rollback inside "Deployment" is not flagged.

use crate::analysis::markdown::MdDoc;
use crate::analysis::markdown::text::find_word;
use crate::analysis::model::Location;
use crate::analysis::rule::{RuleMeta, Sink};

/// What a design document should cover.
pub struct Topic {
    /// Human name used in the finding.
    pub name: &'static str,
    /// Words that, in a heading, mean the topic has a section (lowercase).
    pub headings: &'static [&'static str],
    /// Terms that, two of them in the text, mean the topic is discussed.
    pub terms: &'static [&'static str],
}

/// Documents with at least this many headings are structured designs; a
/// README or a note with one heading is not judged on missing sections.
pub const MIN_HEADINGS: usize = 3;

/// Whether the document is structured enough to be judged as a design doc.
/// Architecture decision records (Context / Decision / Consequences) are
/// not: they record one decision, and asking them for runbooks or SLOs
/// would bury the findings that matter.
pub fn is_design_doc(doc: &MdDoc) -> bool {
    doc.sections.len() >= MIN_HEADINGS && !is_adr(doc)
}

/// An ADR in Nygard or MADR shape: Context, Decision and Consequences
/// (or "Decision Outcome") headings.
pub fn is_adr(doc: &MdDoc) -> bool {
    let has = |words: &[&str]| doc.section_titled(words).is_some();
    has(&["context", "context and problem statement"])
        && has(&["decision", "decision outcome"])
        && has(&["consequences", "status"])
}

/// Where whole-document findings point: the first heading (the title).
pub fn doc_location(doc: &MdDoc) -> Location {
    let line = doc.sections.first().map_or(1, |s| s.line);
    Location {
        line: Some(line),
        pointer: Some("document".into()),
    }
}

/// Reports `meta` when the design does not cover `topic`.
pub fn check_topic(doc: &MdDoc, meta: &'static RuleMeta, topic: &Topic, sink: &mut Sink) {
    if !is_design_doc(doc) || doc.section_titled(topic.headings).is_some() {
        return;
    }
    let distinct = topic
        .terms
        .iter()
        .filter(|t| find_word(&doc.lower, t).is_some())
        .take(2)
        .count();
    if distinct < 2 {
        sink.report(
            meta,
            doc_location(doc),
            format!("No section or discussion of {} in the document", topic.name),
        );
    }
}
