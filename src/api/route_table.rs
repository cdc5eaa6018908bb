//! The HTTP surface's path templates: the spec's operations plus the routes
//! outside it (pages, docs, metrics). They give a 405 its `Allow` header and
//! the metrics a bounded `route` label: a request path is user input, so
//! only a known template, or `unmatched`, ever becomes a label.

use poem::http::Method;

/// Served beside the spec's paths (see `api::routes` and `ui::routes`).
const OUTSIDE_SPEC: [&str; 11] = [
    "/",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/oauth-receiver.html",
    "/ui/jobs/{job_id}",
    "/ui/jobs/{job_id}/timeline",
    "/ui/jobs/{job_id}/charts/{file}",
    "/ui/jobs/{job_id}/report.md",
    "/ui/runs",
    "/ui/assets/{file}",
];

pub const UNMATCHED: &str = "unmatched";

struct Template {
    text: String,
    segments: Vec<String>,
    /// The methods this path answers (`Allow`).
    allow: String,
}

impl Template {
    fn new(text: &str, allow: String) -> Self {
        Template {
            text: text.to_string(),
            segments: text.split('/').map(str::to_string).collect(),
            allow,
        }
    }

    /// The number of literal segments when `path` fits, so `/artifacts/analyze`
    /// wins over `/artifacts/{content_hash}`.
    fn fit(&self, segments: &[&str]) -> Option<usize> {
        let fits = self.segments.len() == segments.len()
            && self.segments.iter().zip(segments).all(|(t, s)| {
                if t.starts_with('{') {
                    !s.is_empty()
                } else {
                    t == s
                }
            });
        fits.then(|| self.segments.iter().filter(|t| !t.starts_with('{')).count())
    }
}

pub struct RouteTable(Vec<Template>);

impl RouteTable {
    pub fn from_spec(spec: &serde_json::Value) -> Self {
        let paths = spec["paths"].as_object().into_iter().flatten();
        let mut templates: Vec<Template> = paths
            .map(|(path, item)| {
                let mut methods: Vec<String> = item
                    .as_object()
                    .into_iter()
                    .flat_map(|ops| ops.keys().map(|m| m.to_ascii_uppercase()))
                    .collect();
                // poem answers HEAD wherever it answers GET.
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".to_string());
                }
                methods.sort();
                Template::new(path, methods.join(", "))
            })
            .collect();
        // Every route outside the spec is a read.
        templates.extend(
            OUTSIDE_SPEC
                .iter()
                .map(|t| Template::new(t, "GET, HEAD".into())),
        );
        RouteTable(templates)
    }

    fn find(&self, path: &str) -> Option<&Template> {
        // `/docs/` is `/docs`; the root stays `/`.
        let path = match path.strip_suffix('/') {
            Some(p) if !p.is_empty() => p,
            _ => path,
        };
        let segments: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .filter_map(|t| Some((t.fit(&segments)?, t)))
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, t)| t)
    }

    /// The `Allow` value for a 405 on `path`.
    pub fn allow(&self, path: &str) -> Option<&str> {
        self.find(path).map(|t| t.allow.as_str())
    }

    /// Every (method, template) the surface answers, HEAD aside (poem
    /// answers it wherever GET is): the HTTP series created at start.
    pub fn operations(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().flat_map(|t| {
            t.allow
                .split(", ")
                .filter(|m| *m != "HEAD")
                .map(|m| (m, t.text.as_str()))
        })
    }

    /// The template `path` matches, or `unmatched`.
    pub fn label(&self, path: &str) -> &str {
        self.find(path).map_or(UNMATCHED, |t| t.text.as_str())
    }
}

/// A method label: the standard methods by name, anything else `other`
/// (a client may send any token as a method).
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}
