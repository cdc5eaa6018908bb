//! Shared logic of the "missing section" rules: a topic counts as covered
//! when a heading with real content names it or the prose uses at least two
//! of its terms, so a design that discusses rollback inside "Deployment" is
//! not flagged, and a "Security" heading over "TBD" is.

use crate::analysis::markdown::MdDoc;
use crate::analysis::markdown::shape::Shape;
use crate::analysis::markdown::text::{find_affirmed_from, find_word, is_placeholder};
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

/// Whether the document is a structured design the design-doc rules judge
/// ([`Shape::Design`]). Architecture decision records (Context / Decision /
/// Consequences) are not: they record one decision, and asking them for
/// runbooks or SLOs would bury the findings that matter.
pub fn is_design_doc(doc: &MdDoc) -> bool {
    *doc.shape() == Shape::Design
}

/// Whether the design-doc family can judge the document at all: a
/// structured design or an ADR. Anything else (a one-line note, a project
/// README, a recipe, a design in another language) gives the family nothing
/// to vouch for, so its rules must not count as passing on it.
pub fn is_assessable(doc: &MdDoc) -> bool {
    doc.shape().is_assessable()
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
    if !design {
        return;
    }
    let titled: Vec<usize> = (0..doc.sections.len())
        .filter(|&i| {
            let title = doc.sections[i].title.to_ascii_lowercase();
            topic
                .headings
                .iter()
                .any(|w| find_word(&title, w).is_some())
        })
        .collect();
    if titled.iter().any(|&i| !is_placeholder(doc.section_body(i))) {
        return;
    }
    // "We don't have monitoring yet" uses the term and says the opposite.
    let distinct = topic
        .terms
        .iter()
        .filter(|t| find_affirmed_from(&doc.lower, t, 0).is_some())
        .take(2)
        .count();
    if distinct >= 2 {
        return;
    }
    match titled.first() {
        Some(&i) => {
            let section = &doc.sections[i];
            let body = doc.section_body(i).trim();
            let said = if body.is_empty() {
                "is empty".to_string()
            } else {
                format!("holds only \"{}\"", one_line(body))
            };
            let location = Location {
                line: Some(section.line),
                pointer: Some(doc.section_path(i)),
            };
            let detail = format!(
                "The \"{}\" section {said}: {} is not discussed",
                section.title, topic.name
            );
            sink.report(meta, location, detail);
        }
        None => sink.report(
            meta,
            doc_location(doc),
            format!("No section or discussion of {} in the document", topic.name),
        ),
    }
}

/// A short body on one line, for quoting in a finding.
fn one_line(body: &str) -> String {
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}
