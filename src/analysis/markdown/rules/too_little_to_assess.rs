//! FL-DOC-018: Not assessable as a design document.

use super::topic::doc_location;
use crate::analysis::markdown::MdDoc;
use crate::analysis::markdown::shape::{MIN_HEADINGS, Shape};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use crate::analysis::wording::count;

/// Not assessable as a design document.
///
/// ## What it checks
///
/// A Markdown document the design-doc rules cannot judge: fewer than three headings and not
/// an ADR (Context / Decision / Consequences); a project README (its headings are
/// Installation, Usage, License and the like rather than a design's); a text that names no
/// software at all; or one that is not in English.
///
/// ## Why it matters
///
/// The design-doc rules look for a design's sections and English terms; on anything else a
/// clean result would vouch for nothing and a missing section would mean nothing, so the
/// document gets no readiness score worth trusting.
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
    title: "Not assessable as a design document",
    category: Category::Documentation,
    // Info: a stub is not a production risk in itself, and the score already
    // says nothing could be vouched for.
    severity: Severity::Info,
    confidence: 1.0,
    rationale: "The design-doc rules look for a design's sections and English terms; on anything else a clean result would vouch for nothing and a missing section would mean nothing, so the document gets no readiness score worth trusting.",
    remediation: "Submit a design written out in sections (context, design, security, operations, rollout), in English, or submit the document as an architecture description if it is one.",
};

impl Rule<MdDoc> for TooLittleToAssess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        let detail = match doc.shape() {
            Shape::Design | Shape::Adr => return,
            Shape::TooThin { headings, words } => format!(
                "The document has {} and {}; the design-doc rules need at least {MIN_HEADINGS} \
                 sections (or an ADR's Context, Decision and Consequences) to judge anything",
                count(*headings, "heading", "headings"),
                count(*words, "word", "words")
            ),
            Shape::Readme { headings } => format!(
                "The document reads as a project README (its headings {} are a README's, not a \
                 design's); the design-doc rules would only list the sections a design has and \
                 a README need not",
                quoted(headings)
            ),
            Shape::NotSoftware => "The document names no software at all (no service, API, \
                 database, deployment, request or the like); the design-doc rules have nothing \
                 to judge in it"
                .to_string(),
            Shape::NotEnglish { english, words } => format!(
                "The document does not read as English ({english} of its {words} words are \
                 common English words); the design-doc rules look for English headings and \
                 terms, and would report as missing what is only written in another language"
            ),
        };
        sink.report(&META, doc_location(doc), detail);
    }
}

/// `"Install", "Usage" and "License"`.
fn quoted(titles: &[String]) -> String {
    let q: Vec<String> = titles.iter().take(5).map(|t| format!("\"{t}\"")).collect();
    match q.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}
