//! FL-DOC-013: No owner named.

use super::topic::{doc_location, is_design_doc};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No owner named.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) that names no owner, author, team, DRI,
/// maintainer or approver.
///
/// ## Why it matters
///
/// A design without an owner has nobody to answer questions during review, keep it current
/// after launch, or be paged when its assumptions break.
///
/// ## Example
///
/// ```markdown
/// # Ledger service
/// ## Overview
/// ## Design
/// ## API
/// ```
///
/// ## Fix
///
/// Add a header line such as `Owner: @payments-team` (and authors/approvers if your process
/// has them).
pub struct NoDocumentOwner;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-013",
    title: "No owner named",
    category: Category::Maintainability,
    severity: Severity::Low,
    confidence: 0.7,
    rationale: "A design without an owner has nobody to answer questions during review, keep it current after launch, or be paged when its assumptions break.",
    remediation: "Add a header line such as `Owner: @payments-team` (and authors/approvers if your process has them).",
};

impl Rule<MdDoc> for NoDocumentOwner {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        const WORDS: [&str; 12] = [
            "owner*",
            "author*",
            "dri",
            "maintainer*",
            "maintained by",
            "approver*",
            "reviewer*",
            "codeowners",
            "team:",
            "written by",
            "contact",
            "responsible",
        ];
        // Only structured designs are judged; elsewhere not applicable.
        let design = is_design_doc(doc);
        sink.examined(&META, u32::from(design));
        if design && doc.mentions(&WORDS).is_none() {
            sink.report(
                &META,
                doc_location(doc),
                "The document names no owner, author or responsible team",
            );
        }
    }
}
