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

/// Whether the design-doc family can judge the document at all: a
/// structured design or an ADR. Anything else (a one-line note, a README
/// with a heading or two, a wall of text) gives the family nothing to
/// vouch for, so its rules must not count as passing on it.
pub fn is_assessable(doc: &MdDoc) -> bool {
    is_design_doc(doc) || is_adr(doc)
}

/// Which family runs a hygiene rule (markers, open questions, empty
/// sections, checklists): it decides whether a clean result counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// The design-doc family: a clean result counts only on a document it
    /// can assess ([`is_assessable`]).
    Design,
    /// The architecture family: the document's substance is its model,
    /// judged by the `FL-ARC` rules, so a clean result counts as long as
    /// that model can be assessed.
    Architecture,
    /// The architecture family on a model too thin to assess (FL-ARC-023):
    /// like a note given to the design family, a clean result vouches for
    /// nothing.
    ThinArchitecture,
}

/// How many of `count` objects a hygiene rule may claim to have examined.
/// On a document the design family cannot assess it claims none: what it
/// finds still counts (a finding makes a rule applicable), but a clean
/// result vouches for nothing and must not raise the score.
pub fn judged(doc: &MdDoc, family: Family, count: u32) -> u32 {
    match family {
        Family::Design if !is_assessable(doc) => 0,
        Family::ThinArchitecture => 0,
        _ => count,
    }
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
///
/// Only structured designs are judged: on anything else the rule is
/// marked not applicable, so it neither passes nor fails.
pub fn check_topic(doc: &MdDoc, meta: &'static RuleMeta, topic: &Topic, sink: &mut Sink) {
    let design = is_design_doc(doc);
    sink.examined(meta, u32::from(design));
    if !design || doc.section_titled(topic.headings).is_some() {
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
