//! FL-OAS-021: Script or javascript: URL in Markdown text.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::model::TextKind;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A description contains `<script>`, `javascript:` or `eval(`.
///
/// ## What it checks
/// Descriptions and summaries containing `<script`, `javascript:` or `eval(`
/// (case-insensitive).
///
/// ## Why it matters
/// Descriptions are rendered as Markdown in documentation portals; script content is stored XSS
/// against every reader of the docs.
///
/// ## Example
///
/// ```yaml
/// description: Click <script>steal()</script>
/// ```
///
/// ## Fix
/// Remove the script; use plain Markdown links to `https://` URLs.
pub struct ScriptInDescription;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-021",
    title: "Script or javascript: URL in Markdown text",
    category: Category::Security,
    severity: Severity::Low,
    confidence: 0.9,
    rationale: "Descriptions are rendered as Markdown in documentation portals; script content is stored XSS against every reader of the docs.",
    remediation: "Remove the script; use plain Markdown links to `https://` URLs.",
};

impl Rule<Spec> for ScriptInDescription {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        for t in spec
            .texts
            .iter()
            .filter(|t| t.kind == TextKind::Description)
        {
            sink.examined(&META, 1);
            if has_script(&t.text) {
                sink.report(
                    &META,
                    t.loc.location(),
                    "description contains script content",
                );
            }
        }
    }
}

/// `<script`, `javascript:` or `eval(` in any case. Anchored on the rare
/// punctuation so long descriptions are scanned at memchr speed.
fn has_script(text: &str) -> bool {
    let b = text.as_bytes();
    let at = |start: usize, needle: &str| {
        b.get(start..start + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    // One pass over the three anchors.
    memchr::memchr3_iter(b'<', b':', b'(', b).any(|i| match b.get(i) {
        Some(b'<') => at(i, "<script"),
        Some(b':') => i >= 10 && at(i - 10, "javascript"),
        _ => i >= 4 && at(i - 4, "eval"),
    })
}
