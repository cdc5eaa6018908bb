//! FL-OAS-025: Page size without a maximum.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::ParamIn;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::squash;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use foldhash::{HashSet, HashSetExt};

/// A page-size parameter (limit, per_page, pageSize, ...) has no `maximum`.
///
/// ## What it checks
/// Query parameters named like page sizes (limit, page_size, per_page, size, max_results, top,
/// first, last, count) whose schema declares no `maximum`.
///
/// ## Why it matters
/// `?limit=1000000` turns pagination back into a full table scan; the server must cap it, and
/// clients must know the cap.
///
/// ## Example
///
/// ```yaml
/// - {name: limit, in: query, schema: {type: integer}}
/// ```
///
/// ## Fix
/// Declare `maximum` (and a `default`) on the page-size parameter and enforce it.
pub struct UnboundedPageSize;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-025",
    title: "Page size without a maximum",
    category: Category::Performance,
    severity: Severity::Medium,
    confidence: 0.8,
    rationale: "`?limit=1000000` turns pagination back into a full table scan; the server must cap it, and clients must know the cap.",
    remediation: "Declare `maximum` (and a `default`) on the page-size parameter and enforce it.",
};

impl Rule<Spec> for UnboundedPageSize {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        const SIZE: &[&str] = &[
            "limit",
            "pagesize",
            "perpage",
            "size",
            "maxresults",
            "top",
            "first",
            "last",
            "count",
            "pagelimit",
        ];
        let mut seen = HashSet::new();
        for op in &spec.operations {
            for p in op
                .params_in(ParamIn::Query)
                .filter(|p| SIZE.contains(&squash(&p.name).as_str()))
            {
                if !seen.insert(p.loc.pointer.clone()) {
                    continue;
                }
                sink.examined(&META, 1);
                let bounded = p
                    .schema
                    .and_then(|id| spec.schema(id))
                    .is_some_and(|s| s.maximum.is_some() || s.enum_values.is_some());
                if !bounded {
                    sink.report(
                        &META,
                        p.loc.location(),
                        format!("`{}` of {} has no maximum", p.name, op.label()),
                    );
                }
            }
        }
    }
}
