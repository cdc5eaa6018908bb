//! FL-ARC-023: Too little to assess as an architecture description.

use super::support::doc_at;
use crate::analysis::architecture::ArchModel;
use crate::analysis::architecture::model::MIN_ASSESSABLE_COMPONENTS;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use crate::analysis::wording::count;

/// Too little to assess as an architecture description.
///
/// ## What it checks
///
/// An architecture description in which fewer than two server-side components were found
/// (in diagrams or prose): a README whose diagrams are images, a note, a single box.
///
/// ## Why it matters
///
/// The architecture rules judge a system (who calls whom, what guards it, what stores data);
/// with one part or none they have nothing to look at, and a clean result would vouch for
/// nothing, so the document gets no readiness score worth trusting.
///
/// ## Example
///
/// ```markdown
/// # Meet@Mensa
///
/// ![Component diagram](docs/components.png)
///
/// Dashboards are in Grafana.
/// ```
///
/// ## Fix
///
/// Describe the components and how they connect in text, Mermaid, C4 or PlantUML (diagrams
/// that are only images cannot be read), or submit the document as a design doc if it is one.
pub struct TooLittleToAssess;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-023",
    title: "Too little to assess as an architecture description",
    category: Category::Documentation,
    // Info: a thin description is not a production risk in itself, and the
    // score already says how little could be vouched for.
    severity: Severity::Info,
    confidence: 1.0,
    rationale: "The architecture rules judge a system (who calls whom, what guards it, what stores data); with one part or none they have nothing to look at, and a clean result would vouch for nothing, so the document gets no readiness score worth trusting.",
    remediation: "Describe the components and how they connect in text, Mermaid, C4 or PlantUML (diagrams that are only images cannot be read), or submit the document as a design doc if it is one.",
};

impl Rule<ArchModel> for TooLittleToAssess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        // It judges the document as a whole.
        sink.examined(&META, 1);
        if doc.is_assessable() {
            return;
        }
        sink.report(
            &META,
            doc_at(doc),
            format!(
                "Found {} and {}; the architecture rules need at least {MIN_ASSESSABLE_COMPONENTS} server-side components to judge the system",
                count(doc.server_side(), "server-side component", "server-side components"),
                count(doc.edges.len(), "connection", "connections")
            ),
        );
    }
}
