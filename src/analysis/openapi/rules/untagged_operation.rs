//! FL-OAS-061: Operation untagged or using an undeclared tag.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An operation has no tag, or a tag that the top-level `tags` list does not declare.
///
/// ## What it checks
/// Operations without `tags`; and, when the document declares top-level `tags`, operation tags
/// missing from that list.
///
/// ## Why it matters
/// Docs portals and SDK generators group by tag; untagged operations land in a catch-all bucket
/// and undeclared tags have no description.
///
/// ## Example
///
/// ```yaml
/// get:
///   operationId: listOrders   # no tags
/// ```
///
/// ## Fix
/// Tag every operation and declare each tag (with a description) at the top level.
pub struct UntaggedOperation;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-061",
    title: "Operation untagged or using an undeclared tag",
    category: Category::Documentation,
    severity: Severity::Low,
    confidence: 0.8,
    rationale: "Docs portals and SDK generators group by tag; untagged operations land in a catch-all bucket and undeclared tags have no description.",
    remediation: "Tag every operation and declare each tag (with a description) at the top level.",
};

impl Rule<Spec> for UntaggedOperation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, n(spec.operations.len()));
        for op in &spec.operations {
            if op.tags.is_empty() {
                sink.report(
                    &META,
                    op.loc.location(),
                    format!("{} has no tag", op.label()),
                );
            } else if let Some(t) = op
                .tags
                .iter()
                .find(|t| !spec.tags.is_empty() && !spec.tags.iter().any(|d| &d.name == *t))
            {
                sink.report(
                    &META,
                    op.loc.location(),
                    format!("tag `{t}` of {} is not declared", op.label()),
                );
            }
        }
    }
}
