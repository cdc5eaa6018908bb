//! The normalise stage: detects the artifact kind when the client sent
//! `auto`, parses the artifact with its family's parser, finds the OpenAPI
//! document that cross-artifact rules compare against (`metadata.spec`, or an
//! OpenAPI block embedded in the document), and runs the family's rules.

use std::borrow::Cow;

use serde_json::json;

use super::architecture::{self, ArchModel};
use super::charts::CoverageRow;
use super::cross::{self, CrossInput};
use super::engine::{ArtifactFacts, RuleRun};
use super::lines;
use super::model::ArtifactKind;
use super::openapi::{self, Format, Spec, Version};
use super::request::{AnalysisError, AnalysisRequest, Limits};
use super::{markdown, markdown::MdDoc};

/// The kind to analyse `content` as: `kind` itself unless it is `Auto`, in
/// which case OpenAPI is recognised by its top-level `openapi`/`swagger` key,
/// architecture by its diagrams and component vocabulary, and anything else
/// is read as a Markdown design document.
pub fn resolve_kind(kind: ArtifactKind, content: &str) -> ArtifactKind {
    detect(kind, &prepared(content))
}

/// A text without its byte order mark. Editors on Windows save UTF-8 with
/// one; no reader here expects it (a YAML key, a JSON brace or a Markdown
/// heading would start with U+FEFF), so it goes once, where input comes in.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A text as the readers take it: without its BOM, and with each lone `\r`
/// (classic Mac line ends) made a `\n`, so that the readers that split
/// lines on `\n` (the diagram parsers, the Markdown model) count the same
/// lines as YAML and CommonMark do. Byte offsets do not move.
fn prepared(text: &str) -> Cow<'_, str> {
    lines::unify_breaks(without_bom(text))
}

/// [`resolve_kind`] of a text whose BOM is gone.
fn detect(kind: ArtifactKind, content: &str) -> ArtifactKind {
    if kind != ArtifactKind::Auto {
        return kind;
    }
    match openapi::looks_like_openapi(content) {
        Some(Format::Json) => ArtifactKind::OpenapiJson,
        Some(_) => ArtifactKind::OpenapiYaml,
        None if architecture::looks_like_architecture(content) => ArtifactKind::Architecture,
        None => ArtifactKind::Markdown,
    }
}

/// Parses an artifact the client declared to be OpenAPI. Without a
/// top-level `openapi`/`swagger` key the reader's complaint (a YAML syntax
/// error on line 9 of a Markdown file) would only puzzle: a document that
/// does not read as OpenAPI is refused plainly instead, saying what it looks
/// like and that `auto` would detect its kind. One that reads anyway (a
/// root mapping indented throughout) is kept.
fn parse_declared_openapi(
    content: &str,
    declared: ArtifactKind,
    limits: &Limits,
) -> Result<Spec, AnalysisError> {
    let parsed = openapi::parse(content, Format::Auto, limits);
    if parsed.is_ok() || openapi::looks_like_openapi(content).is_some() {
        return parsed;
    }
    // Only the `{` of a JSON object is looked at: a JSON file of another
    // kind would be read as Markdown under `auto` too, but is not one.
    let what = if content.trim_start().starts_with('{') {
        "JSON of another kind"
    } else {
        match detect(ArtifactKind::Auto, content) {
            ArtifactKind::Architecture => "an architecture description",
            _ => "a Markdown design document",
        }
    };
    Err(AnalysisError::InvalidInput(format!(
        "not an OpenAPI document: it was sent as `{}` but has no top-level `openapi` or \
         `swagger` key, and it looks like {what}. Send it with content_type `auto` to have \
         its kind detected.",
        declared.as_str()
    )))
}

/// A parsed artifact, ready for its rules.
#[derive(Debug)]
pub struct Normalized {
    kind: ArtifactKind,
    doc: Doc,
    /// The OpenAPI document a text artifact is checked against.
    companion: Option<Spec>,
    /// The architecture model of a design doc, for the cross-artifact
    /// component checks (only built when there is a companion spec).
    doc_arch: Option<ArchModel>,
    /// What normalisation could not do (an unreadable companion spec).
    notes: Vec<String>,
}

#[derive(Debug)]
enum Doc {
    OpenApi(Spec),
    Architecture(ArchModel),
    Markdown(MdDoc),
}

impl Normalized {
    /// Parses the request's artifact; hostile or malformed input gives
    /// [`AnalysisError::InvalidInput`].
    pub fn parse(request: &AnalysisRequest<'_>, limits: &Limits) -> Result<Self, AnalysisError> {
        let content = &*prepared(request.content);
        let kind = detect(request.kind, content);
        let mut notes = Vec::new();
        let doc = match kind {
            // Clients mislabel JSON and YAML often enough that the syntax is
            // read from the content; the result names the syntax actually read.
            ArtifactKind::OpenapiJson | ArtifactKind::OpenapiYaml => {
                Doc::OpenApi(parse_declared_openapi(content, kind, limits)?)
            }
            ArtifactKind::Architecture => Doc::Architecture(architecture::parse(content, limits)?),
            ArtifactKind::Markdown | ArtifactKind::Auto => {
                Doc::Markdown(markdown::parse(content, limits)?)
            }
        };
        let companion = match &doc {
            Doc::OpenApi(_) => None,
            Doc::Architecture(arch) => companion_spec(
                request.metadata.spec.as_deref(),
                &arch.doc,
                limits,
                &mut notes,
            ),
            Doc::Markdown(md) => {
                companion_spec(request.metadata.spec.as_deref(), md, limits, &mut notes)
            }
        };
        // A design doc may carry diagrams too; its model feeds the component checks.
        let doc_arch = match (&doc, &companion) {
            (Doc::Markdown(_), Some(_)) => architecture::parse(content, limits).ok(),
            _ => None,
        };
        let kind = match &doc {
            Doc::OpenApi(spec) if spec.format == Format::Json => ArtifactKind::OpenapiJson,
            Doc::OpenApi(_) => ArtifactKind::OpenapiYaml,
            Doc::Architecture(_) => ArtifactKind::Architecture,
            Doc::Markdown(_) => ArtifactKind::Markdown,
        };
        Ok(Self {
            kind,
            doc,
            companion,
            doc_arch,
            notes,
        })
    }

    pub fn kind(&self) -> ArtifactKind {
        self.kind
    }

    /// Runs the family's rules (and the cross-artifact rules when a spec
    /// came with the document).
    pub fn run_rules(&self, run: &mut RuleRun) {
        run.notes.extend(self.notes.iter().cloned());
        match &self.doc {
            Doc::OpenApi(spec) => {
                let from = run.outcomes.len();
                run.run(&openapi::rules(), spec);
                if !spec.is_assessable() {
                    // FL-OAS-068: no operation, so silence vouches for nothing.
                    run.clean_vouches_for_nothing(from);
                }
                if let Some(line) = spec.next_document {
                    run.notes.push(format!(
                        "The file holds more than one YAML document; only the first was analysed (another starts at line {line}). Submit each spec on its own."
                    ));
                }
            }
            Doc::Architecture(arch) => {
                run.run(&architecture::rules(), arch);
                run.run(
                    &markdown::rules_for_architecture(arch.is_assessable()),
                    &arch.doc,
                );
            }
            Doc::Markdown(doc) => run.run(&markdown::rules(), doc),
        }
        if let Some(spec) = &self.companion {
            self.run_cross(spec, run);
        }
    }

    /// The cross-artifact rules: the document (and its architecture model)
    /// against the companion spec.
    fn run_cross(&self, spec: &Spec, run: &mut RuleRun) {
        let endpoints = openapi::endpoints(spec);
        let spec_secured = spec.operations.iter().any(|o| spec.is_secured(o));
        let (doc, arch) = match &self.doc {
            Doc::OpenApi(_) => return,
            Doc::Architecture(arch) => (&arch.doc, Some(arch)),
            Doc::Markdown(doc) => (doc, self.doc_arch.as_ref()),
        };
        let input = CrossInput {
            doc,
            arch,
            endpoints: &endpoints,
            spec_secured,
        };
        run.run(&cross::rules(), &input);
    }

    /// Coverage, component kinds and descriptive extras for the result.
    pub fn facts(&self) -> ArtifactFacts {
        let mut facts = ArtifactFacts::default();
        if let Doc::OpenApi(spec) = &self.doc {
            facts.coverage = openapi::coverage(spec)
                .into_iter()
                .map(|c| CoverageRow {
                    label: c.label.to_string(),
                    covered: c.covered,
                    applicable: c.applicable,
                })
                .collect();
            facts.extra.insert("artifact".into(), spec_facts(spec));
        }
        if let Doc::Architecture(arch) = &self.doc {
            facts.components = architecture::component_summary(arch);
            let artifact = json!({"components": arch.components.len(), "edges": arch.edges.len(), "diagrams": arch.diagrams.len()});
            facts.extra.insert("artifact".into(), artifact);
        }
        if let Doc::Markdown(doc) = &self.doc {
            let artifact = json!({"sections": doc.sections.len(), "tables": doc.tables.len(), "code_blocks": doc.code_blocks.len(), "markers": doc.markers.len(), "lines": doc.line_count()});
            facts.extra.insert("artifact".into(), artifact);
        }
        if let Some(spec) = &self.companion {
            let compared = json!({"spec_operations": spec.operations.len()});
            facts.extra.insert("cross_artifact".into(), compared);
        }
        facts
    }
}

fn spec_facts(spec: &Spec) -> serde_json::Value {
    let version = match spec.version {
        Version::Swagger2 => "2.0",
        Version::OpenApi30 => "3.0",
        Version::OpenApi31 => "3.1",
    };
    json!({
        "openapi_version": version,
        "operations": spec.operations.len(),
        "paths": spec.paths.len(),
        "schemas": spec.schemas.len(),
        "lines": spec.line_count,
    })
}

/// The OpenAPI document the cross-artifact rules compare against: the
/// metadata's `spec` if given, else the first fenced block of `doc` holding
/// OpenAPI. A spec that does not parse is skipped with a note rather than
/// failing the analysis: the main artifact is still valid.
fn companion_spec(
    metadata_spec: Option<&str>,
    doc: &MdDoc,
    limits: &Limits,
    notes: &mut Vec<String>,
) -> Option<Spec> {
    let prepared_spec;
    // A blank spec is no spec: the cache key leaves it out too
    // (`cache_key::analysis_inputs`), so it must not change the report.
    let (source, text) = match metadata_spec.filter(|s| !s.trim().is_empty()) {
        Some(text) => {
            prepared_spec = prepared(text);
            ("metadata.spec", &*prepared_spec)
        }
        None => (
            "the OpenAPI block embedded in the document",
            cross::embedded_spec(doc)?,
        ),
    };
    match openapi::parse(text, Format::Auto, limits) {
        Ok(spec) => Some(spec),
        Err(e) => {
            notes.push(format!(
                "{source} could not be read as OpenAPI ({e}); cross-artifact checks were skipped."
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::request::Metadata;

    const SPEC_YAML: &str = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\n";
    const SPEC_JSON: &str =
        r#"{"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": {}}"#;

    fn normalize(content: &str, kind: ArtifactKind, metadata: &Metadata) -> Normalized {
        let request = AnalysisRequest {
            content,
            kind,
            metadata,
        };
        Normalized::parse(&request, &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_byte_order_mark_changes_nothing() {
        let none = Metadata::default();
        let yaml = format!("\u{feff}{SPEC_YAML}");
        let json = format!("\u{feff}{SPEC_JSON}");
        assert_eq!(
            resolve_kind(ArtifactKind::Auto, &yaml),
            ArtifactKind::OpenapiYaml
        );
        assert_eq!(
            resolve_kind(ArtifactKind::Auto, &json),
            ArtifactKind::OpenapiJson
        );
        let kind = normalize(&json, ArtifactKind::OpenapiJson, &none).kind();
        assert_eq!(kind, ArtifactKind::OpenapiJson);
        let doc = normalize("\u{feff}# Design\n\nText.\n", ArtifactKind::Auto, &none);
        let Doc::Markdown(md) = &doc.doc else {
            panic!("not read as Markdown: {:?}", doc.kind)
        };
        assert_eq!(md.sections[0].title, "Design");
        let with_spec = Metadata {
            spec: Some(yaml),
            ..Metadata::default()
        };
        let doc = normalize("# Design\n\nText.\n", ArtifactKind::Markdown, &with_spec);
        assert!(doc.companion.is_some(), "{:?}", doc.notes);
    }

    #[test]
    fn a_diagram_with_lone_cr_line_ends_is_read_line_by_line() {
        let lines = [
            "# Shop",
            "",
            "```mermaid",
            "graph LR",
            "  Client[Web client] --> API[Orders service]",
            "  API --> DB[(PostgreSQL)]",
            "```",
        ];
        for ends in ["\n", "\r"] {
            let text = lines.join(ends);
            let doc = normalize(&text, ArtifactKind::Auto, &Metadata::default());
            let Doc::Architecture(arch) = &doc.doc else {
                panic!("{ends:?}: not read as architecture: {:?}", doc.kind)
            };
            let found: Vec<(&str, u32)> = arch
                .components
                .iter()
                .map(|c| (c.name.as_str(), c.line))
                .collect();
            assert!(found.contains(&("PostgreSQL", 6)), "{ends:?}: {found:?}");
        }
    }

    /// The refusal of a document declared OpenAPI that is not one.
    fn refusal(content: &str, kind: ArtifactKind) -> String {
        let request = AnalysisRequest {
            content,
            kind,
            metadata: &Metadata::default(),
        };
        match Normalized::parse(&request, &Limits::default()) {
            Err(AnalysisError::InvalidInput(m)) => m,
            other => panic!("not refused as invalid input: {other:?}"),
        }
    }

    #[test]
    fn a_document_declared_openapi_without_an_openapi_key_is_refused_plainly() {
        // An ADR whose YAML reading fails on line 9, and a PlantUML diagram on line 1.
        let adr = "# 3. Single command with subcommands\n\nDate: 2016-02-13\n\n\
                   ## Status\n\nAccepted\n\n## Context: the tool\nhas: many: commands\n";
        let puml = "@startuml\nComponent(api, \"Orders API\")\nComponent(db, \"Postgres\")\n\
                    Rel(api, db, \"reads\")\n@enduml\n";
        for (content, kind, looks) in [
            (adr, ArtifactKind::OpenapiJson, "a Markdown design document"),
            (
                puml,
                ArtifactKind::OpenapiYaml,
                "an architecture description",
            ),
            (
                "{\"type\": \"object\"",
                ArtifactKind::OpenapiJson,
                "JSON of another kind",
            ),
        ] {
            let m = refusal(content, kind);
            assert!(m.starts_with("not an OpenAPI document"), "{m}");
            assert!(m.contains(kind.as_str()), "{m}");
            assert!(m.contains(looks), "{m}");
            assert!(m.contains("content_type `auto`"), "{m}");
            assert!(!m.contains("YAML") && !m.contains("JSON at"), "{m}");
        }
        // A real spec declared with the other syntax is still read.
        let kind = normalize(SPEC_JSON, ArtifactKind::OpenapiYaml, &Metadata::default()).kind();
        assert_eq!(kind, ArtifactKind::OpenapiJson);
    }

    #[test]
    fn a_design_doc_quoting_a_spec_is_a_design_doc_checked_against_it() {
        let text = format!("# Orders\n\n## API\n\n```yaml\n{SPEC_YAML}```\n\nPostgres.\n");
        assert_eq!(
            resolve_kind(ArtifactKind::Auto, &text),
            ArtifactKind::Markdown
        );
        let doc = normalize(&text, ArtifactKind::Auto, &Metadata::default());
        assert_eq!(doc.kind(), ArtifactKind::Markdown);
        assert!(doc.companion.is_some(), "{:?}", doc.notes);
    }
}
