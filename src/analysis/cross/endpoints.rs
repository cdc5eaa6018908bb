//! Endpoints mentioned in prose (`GET /users/{id}`, `POST https://api.x/v1/orders`)
//! and path matching between a document and a spec.

use crate::analysis::markdown::MdDoc;

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// An endpoint the document names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocEndpoint {
    pub method: String,
    pub path: String,
    pub line: u32,
}

/// Every `METHOD /path` (or `METHOD http(s)://host/path`) in the document,
/// first mention of each pair only.
pub fn doc_endpoints(doc: &MdDoc) -> Vec<DocEndpoint> {
    let mut out: Vec<DocEndpoint> = Vec::new();
    for line in 1..=doc.line_count() {
        let text = doc.line_text(line);
        if !METHODS.iter().any(|m| text.contains(m)) {
            continue;
        }
        let tokens: Vec<&str> = text
            .split(|c: char| {
                c.is_whitespace() || matches!(c, '`' | '|' | '"' | '\'' | '(' | ')' | '*' | ',')
            })
            .filter(|t| !t.is_empty())
            .collect();
        for pair in tokens.windows(2) {
            let method = pair[0].trim_end_matches(':');
            if !METHODS.contains(&method) {
                continue;
            }
            let Some(path) = path_of(pair[1]) else {
                continue;
            };
            if !out.iter().any(|e| e.method == method && e.path == path) {
                out.push(DocEndpoint {
                    method: method.to_string(),
                    path,
                    line,
                });
            }
        }
    }
    out
}

fn path_of(token: &str) -> Option<String> {
    let token = token.trim_end_matches(['.', ';', ':', ']']);
    let path = match token.find("://") {
        Some(i) => {
            let rest = &token[i + 3..];
            &rest[rest.find('/')?..]
        }
        None => token,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    // Shell interpolation in curl examples (`/restapis/$(...)`) is not a path.
    let plain = !path.contains(['$', '`', '\\']);
    (plain && path.starts_with('/') && path.len() < 512).then(|| path.to_string())
}

/// Path segments with parameters collapsed to `{}`.
fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let param = (s.starts_with('{') && s.ends_with('}'))
                || s.starts_with(':')
                || (s.starts_with('<') && s.ends_with('>'));
            if param {
                "{}".to_string()
            } else {
                s.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Whether a document path and a spec path name the same resource: equal
/// modulo parameter names, or one is the other with a base-path prefix.
pub fn path_matches(doc_path: &str, spec_path: &str) -> bool {
    let (a, b) = (segments(doc_path), segments(spec_path));
    if a.is_empty() || b.is_empty() {
        return a == b;
    }
    let (long, short) = if a.len() >= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    long[long.len() - short.len()..] == short[..]
}

/// The content of a fenced block that holds an OpenAPI/Swagger document,
/// for pipelines that check a design doc against the spec it embeds.
pub fn embedded_spec(doc: &MdDoc) -> Option<&str> {
    doc.code_blocks
        .iter()
        .map(|b| b.content.as_str())
        .find(|c| {
            let head = c.trim_start();
            head.starts_with("openapi:")
                || head.starts_with("swagger:")
                || head.contains("\"openapi\":")
                || head.contains("\"swagger\":")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_modulo_params_and_base_path() {
        assert!(path_matches("/users/{id}", "/users/{userId}"));
        assert!(path_matches("/api/v1/users/:id", "/users/{id}"));
        assert!(!path_matches("/users", "/orders"));
        assert!(!path_matches("/users/{id}/orders", "/users/{id}"));
    }
}
