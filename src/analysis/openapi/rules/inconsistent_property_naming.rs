//! FL-OAS-054: Schema properties mix naming styles.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Loc;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::style;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use std::collections::BTreeMap;

use foldhash::{HashSet, HashSetExt};

/// Property names use more than one of camelCase, snake_case, kebab-case and PascalCase.
///
/// ## What it checks
/// Property names of all schemas, classified by style (single lower-case words are neutral);
/// names in a minority style are reported once each. No style is imposed, only consistency.
///
/// ## Why it matters
/// Clients mapping JSON to models need per-field rename rules; mixed styles are a frequent
/// source of silently missing fields.
///
/// ## Example
///
/// ```yaml
/// properties:
///   firstName: ...
///   last_name: ...
/// ```
///
/// ## Fix
/// Pick one property style and rename the minority (with a deprecation period for public
/// fields).
pub struct InconsistentPropertyNaming;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-054",
    title: "Schema properties mix naming styles",
    category: Category::Maintainability,
    severity: Severity::Low,
    confidence: 0.6,
    rationale: "Clients mapping JSON to models need per-field rename rules; mixed styles are a frequent source of silently missing fields.",
    remediation: "Pick one property style and rename the minority (with a deprecation period for public fields).",
};

impl Rule<Spec> for InconsistentPropertyNaming {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut by_style: BTreeMap<&str, Vec<(&str, Loc)>> = BTreeMap::new();
        let mut seen = HashSet::new();
        for s in &spec.schemas {
            for p in s.properties.iter().filter(|p| seen.insert(p.name.as_str())) {
                if let Some(st) = style(&p.name).filter(|_| !p.name.contains(['.', ':', '/'])) {
                    sink.examined(&META, 1);
                    let loc = Loc::new(
                        p.line,
                        format!(
                            "{}/properties/{}",
                            s.loc.pointer,
                            p.name.replace('~', "~0").replace('/', "~1")
                        ),
                    );
                    by_style.entry(st).or_default().push((&p.name, loc));
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
        for (st, names) in by_style.iter().filter(|(k, _)| **k != major) {
            for (name, loc) in names {
                sink.report(
                    &META,
                    loc.location(),
                    format!("`{name}` is {st} while most properties are {major}"),
                );
            }
        }
    }
}
