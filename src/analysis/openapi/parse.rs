//! The entry point of normalisation: guards against hostile input, picks the
//! syntax, reads the tree and builds the typed [`Spec`].

use bumpalo::Bump;

use super::build::build;
use super::model::{Format, Spec};
use super::{json, yaml};
use crate::analysis::request::{AnalysisError, Limits};
use crate::analysis::{budget, lines};

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
    let (root, next_document) = match format {
        Format::Json => (json::parse(content, &arena, limits)?, None),
        _ => yaml::parse_first(content, &arena, limits)?,
    };
    // The readers look at the clock while they read; one more look before
    // the model is built from a large tree.
    if let Some(limit) = budget::exceeded() {
        return Err(budget::error(limit));
    }
    let line_count = u32::try_from(lines::line_count(content).max(1)).unwrap_or(u32::MAX);
    let mut spec = build(&root, format, line_count)?;
    spec.next_document = next_document;
    Ok(spec)
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
        _ => yaml_root_key(content).then_some(Format::Yaml),
    }
}

/// Whether a line outside fenced code blocks starts with an `openapi:` or
/// `swagger:` key (quoted or not) at column 0: a root key of a YAML document.
/// Every line is looked at: sorted keys put `openapi` after `components`,
/// thousands of lines down. Fences are skipped so that a design doc quoting
/// a spec is still read as a design doc.
fn yaml_root_key(content: &str) -> bool {
    let mut fence = None;
    content.lines().any(|line| {
        if let Some(marker) = fence_marker(line) {
            fence = match fence {
                None => Some(marker),
                Some(open) if closes(open, marker, line) => None,
                open => open,
            };
            return false;
        }
        fence.is_none() && is_version_key(line)
    })
}

/// `openapi: 3.…` or `swagger: "2.0"` (key and value quoted or not): the
/// value must be a version number, so prose such as `openapi: the spec lives
/// in api/` at the start of a line in a design doc is not taken for a spec.
fn is_version_key(line: &str) -> bool {
    let l = line.trim_start_matches(['"', '\'']);
    ["openapi", "swagger"].iter().any(|k| {
        l.strip_prefix(k).is_some_and(|r| {
            r.trim_start_matches(['"', '\''])
                .trim_start()
                .strip_prefix(':')
                .is_some_and(|value| {
                    value
                        .trim_start()
                        .trim_start_matches(['"', '\''])
                        .starts_with(|c: char| c.is_ascii_digit())
                })
        })
    })
}

/// A Markdown code fence (up to three spaces, then three or more backticks
/// or tildes): its character and length.
fn fence_marker(line: &str) -> Option<(u8, usize)> {
    let body = line.trim_start_matches(' ');
    let c = *body.as_bytes().first()?;
    let run = body.bytes().take_while(|&b| b == c).count();
    (line.len() - body.len() <= 3 && (c == b'`' || c == b'~') && run >= 3).then_some((c, run))
}

/// Whether `line`, a fence `marker`, closes the block `open` started: the
/// same character, at least as many, and nothing after them.
fn closes(open: (u8, usize), marker: (u8, usize), line: &str) -> bool {
    let rest = line.trim_start_matches(' ')[marker.1..].trim();
    marker.0 == open.0 && marker.1 >= open.1 && rest.is_empty()
}
