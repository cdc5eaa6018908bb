//! FL-OAS-053: Path segments mix naming styles.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{static_segments, style};
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use std::collections::BTreeMap;

use foldhash::{HashSet, HashSetExt};

/// Static path segments use more than one of kebab-case, snake_case and camelCase.
///
/// ## What it checks
/// Static path segments are classified by style (kebab-case, snake_case, camelCase, PascalCase;
/// plain lower-case words and segments without letters, such as the date `2010-04-01`, are
/// neutral); segments in a minority style are reported. No style is imposed, only consistency.
///
/// ## Why it matters
/// Clients have to remember per-endpoint spelling; inconsistency signals several teams without
/// shared guidelines, and usually more drift elsewhere.
///
/// ## Example
///
/// ```yaml
/// /order-items
/// /customer_accounts
/// ```
///
/// ## Fix
/// Choose one style for path segments and rename the minority (keeping the old paths as
/// deprecated aliases).
pub struct InconsistentPathNaming;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-053",
    title: "Path segments mix naming styles",
    category: Category::Maintainability,
    severity: Severity::Low,
    confidence: 0.7,
    rationale: "Clients have to remember per-endpoint spelling; inconsistency signals several teams without shared guidelines, and usually more drift elsewhere.",
    remediation: "Choose one style for path segments and rename the minority (keeping the old paths as deprecated aliases).",
};

impl Rule<Spec> for InconsistentPathNaming {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut by_style: BTreeMap<&str, Vec<(&str, &crate::analysis::openapi::model::PathItem)>> =
            BTreeMap::new();
        let mut seen = HashSet::new();
        for item in &spec.paths {
            for seg in static_segments(&item.path).filter(|s| seen.insert(*s)) {
                if let Some(st) = style(seg) {
                    sink.examined(&META, 1);
                    by_style.entry(st).or_default().push((seg, item));
                }
            }
        }
        let Some(major) = by_style
            .iter()
            .max_by_key(|(_, v)| v.len())
            .map(|(k, _)| *k)
        else {
            return;
        };
        for (st, segs) in by_style.iter().filter(|(k, _)| **k != major) {
            for (seg, item) in segs {
                sink.report(
                    &META,
                    item.loc.location(),
                    format!("`{seg}` is {st} while most segments are {major}"),
                );
            }
        }
    }
}
