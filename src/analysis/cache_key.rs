//! What, besides the content, decides an analysis's report: the part of the
//! cache key a client's settings add. The same text read as an architecture
//! description, or checked against a companion spec, gives another report
//! than when it is read as a Markdown doc alone; sharing one cache entry
//! (or one running job) between them would hand a client someone else's
//! answer.

use super::detect::resolve_kind;
use super::model::ArtifactKind;
use sha2::{Digest, Sha256};

/// The analysis inputs besides the content, as a tag for the cache key;
/// empty when the content alone decides the report: the kind the client
/// named reads the content as detection would, and no companion spec is
/// used. Submissions with an empty tag keep the plain SHA-256 of the
/// content as their key, as clients that look a result up by hash expect.
pub fn analysis_inputs(content: &str, kind: ArtifactKind, spec: Option<&str>) -> String {
    let named = family(kind, content);
    let mut tag = String::new();
    if kind != ArtifactKind::Auto && named != family(ArtifactKind::Auto, content) {
        tag.push_str("kind=");
        tag.push_str(named);
    }
    // An OpenAPI document is never checked against a companion spec.
    if let Some(spec) = spec.filter(|s| !s.trim().is_empty() && named != "openapi") {
        if !tag.is_empty() {
            tag.push(';');
        }
        tag.push_str("spec=");
        tag.push_str(&hex::encode(Sha256::digest(spec.as_bytes())));
    }
    tag
}

/// How the analyser reads the content: JSON and YAML specs are parsed by
/// one reader whatever the client called them, so they are one family.
fn family(kind: ArtifactKind, content: &str) -> &'static str {
    match resolve_kind(kind, content) {
        ArtifactKind::OpenapiJson | ArtifactKind::OpenapiYaml => "openapi",
        ArtifactKind::Architecture => "architecture",
        ArtifactKind::Markdown | ArtifactKind::Auto => "markdown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# Payments design\n\nThe service stores orders in Postgres.\n";
    const SPEC: &str = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\n";

    #[test]
    fn the_content_alone_decides_when_the_named_kind_is_the_detected_one() {
        assert_eq!(analysis_inputs(DOC, ArtifactKind::Auto, None), "");
        assert_eq!(analysis_inputs(DOC, ArtifactKind::Markdown, None), "");
        assert_eq!(analysis_inputs(SPEC, ArtifactKind::OpenapiYaml, None), "");
        // Mislabelled syntax: one reader for both.
        assert_eq!(analysis_inputs(SPEC, ArtifactKind::OpenapiJson, None), "");
        assert_eq!(analysis_inputs(DOC, ArtifactKind::Auto, Some("  ")), "");
    }

    #[test]
    fn another_reading_or_a_companion_spec_changes_the_key() {
        let arch = analysis_inputs(DOC, ArtifactKind::Architecture, None);
        assert_eq!(arch, "kind=architecture");
        let with_spec = analysis_inputs(DOC, ArtifactKind::Markdown, Some(SPEC));
        assert!(with_spec.starts_with("spec=") && with_spec.len() == 5 + 64);
        let both = analysis_inputs(DOC, ArtifactKind::Architecture, Some(SPEC));
        assert_eq!(both, format!("kind=architecture;{with_spec}"));
        let other_spec = analysis_inputs(DOC, ArtifactKind::Markdown, Some("openapi: 3.1.0\n"));
        assert_ne!(other_spec, with_spec);
    }

    #[test]
    fn a_spec_beside_an_openapi_document_is_ignored_as_the_analyser_ignores_it() {
        assert_eq!(analysis_inputs(SPEC, ArtifactKind::Auto, Some(SPEC)), "");
    }
}
