//! The entry point of normalisation: guards against hostile input, picks the
//! syntax, reads the tree and builds the typed [`Spec`].

use bumpalo::Bump;

use super::build::build;
use super::model::{Format, Spec};
use super::{json, yaml};
use crate::analysis::budget;
use crate::analysis::request::{AnalysisError, Limits};

/// Parses an OpenAPI 2.0/3.0/3.1 document in JSON or YAML.
///
/// Oversized, binary, too deeply nested or alias-bomb input, and documents
/// that are not OpenAPI, give [`AnalysisError::InvalidInput`]; this never
/// panics and its work is bounded by `limits`.
pub fn parse(content: &str, format: Format, limits: &Limits) -> Result<Spec, AnalysisError> {
    guard(content, limits)?;
    let format = match format {
        Format::Auto => syntax_of(content),
        f => f,
    };
    // The raw tree lives in this arena only while the typed model is built.
    let arena = Bump::new();
    let root = match format {
        Format::Json => json::parse(content, &arena, limits)?,
        _ => yaml::parse(content, &arena, limits)?,
    };
    // The readers look at the clock while they read; one more look before
    // the model is built from a large tree.
    if let Some(limit) = budget::exceeded() {
        return Err(budget::error(limit));
    }
    let line_count = u32::try_from(line_count(content).max(1)).unwrap_or(u32::MAX);
    build(&root, format, line_count)
}

/// `content.lines().count()`, counting line breaks with SIMD.
fn line_count(content: &str) -> usize {
    let breaks = memchr::memchr_iter(b'\n', content.as_bytes()).count();
    breaks + usize::from(!content.is_empty() && !content.ends_with('\n'))
}

/// Refuses input that is too large or clearly not text.
fn guard(content: &str, limits: &Limits) -> Result<(), AnalysisError> {
    if content.len() > limits.max_bytes {
        return Err(AnalysisError::InvalidInput(format!(
            "document is {} bytes, over the limit of {} bytes",
            content.len(),
            limits.max_bytes
        )));
    }
    if content.trim().is_empty() {
        return Err(AnalysisError::InvalidInput("document is empty".into()));
    }
    if memchr::memchr(0, content.as_bytes()).is_some() {
        return Err(AnalysisError::InvalidInput(
            "binary content (NUL bytes) is not an OpenAPI document".into(),
        ));
    }
    Ok(())
}

/// JSON when the first significant character opens an object, else YAML.
fn syntax_of(content: &str) -> Format {
    let body = content.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('{') {
        Format::Json
    } else {
        Format::Yaml
    }
}

/// `Some(format)` when `content` looks like an OpenAPI or Swagger document:
/// a top-level `openapi`/`swagger` key. Cheap: one pass, no parsing.
pub fn looks_like_openapi(content: &str) -> Option<Format> {
    match syntax_of(content) {
        Format::Json => {
            // memmem: these keys can sit after megabytes of definitions.
            let found = ["\"openapi\"", "\"swagger\""].iter().any(|k| {
                memchr::memmem::find_iter(content.as_bytes(), k)
                    .any(|i| content[i + k.len()..].trim_start().starts_with(':'))
            });
            found.then_some(Format::Json)
        }
        _ => content
            .lines()
            .take(5_000)
            .any(|l| {
                let l = l.trim_start_matches(['"', '\'']);
                ["openapi", "swagger"].iter().any(|k| {
                    l.strip_prefix(k).is_some_and(|r| {
                        r.trim_start_matches(['"', '\''])
                            .trim_start()
                            .starts_with(':')
                    })
                })
            })
            .then_some(Format::Yaml),
    }
}
