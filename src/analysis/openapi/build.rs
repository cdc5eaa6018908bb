//! Turns a raw [`Node`] tree into the typed [`Spec`]: version detection,
//! info, servers, tags, components, then operations. Components are built
//! before operations so shared schemas get their definition's location.

use super::model::{
    Component, ComponentKind, Format, Info, Loc, Server, Spec, Tag, TextKind, Version,
};
use super::node::{Node, child};
use super::resolve::Ctx;
use super::security::requirements;
use crate::analysis::request::AnalysisError;

/// Normalises `root` (read from `format`, `line_count` lines long).
pub fn build(root: &Node, format: Format, line_count: u32) -> Result<Spec, AnalysisError> {
    let version = version(root)?;
    let mut ctx = Ctx::new(root, version);
    let components = ctx.components();
    let info = ctx.info();
    let servers = servers(root, version);
    let security_schemes = ctx.security_schemes();
    let (paths, operations) = ctx.paths("paths");
    // Webhooks are not endpoints of this API, but their schemas must be built.
    let (_, webhooks) = ctx.paths("webhooks");
    ctx.drain();
    Ok(Spec {
        version,
        format,
        line_count,
        info,
        servers,
        security_schemes,
        security: root.get("security").map(|s| requirements(s, "/security")),
        paths_loc: root
            .entry("paths")
            .map_or(Loc::new(1, ""), |e| Loc::new(e.line, "/paths")),
        paths,
        operations,
        webhooks: u32::try_from(webhooks.len()).unwrap_or(u32::MAX),
        next_document: None,
        schemas: ctx.schemas,
        components,
        tags: tags(root),
        referenced: ctx.referenced,
        unresolved_refs: ctx.unresolved,
        local_refs: ctx.local_refs,
        texts: ctx.texts,
    })
}

fn version(root: &Node) -> Result<Version, AnalysisError> {
    let text = |k: &str| root.get(k).and_then(Node::scalar_text);
    if let Some(v) = text("openapi") {
        return match v.as_str() {
            v if v.starts_with("3.1") || v.starts_with("3.2") => Ok(Version::OpenApi31),
            v if v.starts_with('3') => Ok(Version::OpenApi30),
            v => Err(AnalysisError::InvalidInput(format!(
                "unsupported OpenAPI version {v:?}"
            ))),
        };
    }
    if text("swagger").is_some_and(|v| v.starts_with('2')) {
        return Ok(Version::Swagger2);
    }
    Err(AnalysisError::InvalidInput(
        "not an OpenAPI document: no top-level `openapi: 3.x` or `swagger: \"2.0\"` field".into(),
    ))
}

impl Ctx<'_> {
    fn info(&mut self) -> Info {
        let Some(entry) = self.root.entry("info") else {
            return Info::default();
        };
        let node = &entry.value;
        self.field(TextKind::Description, node, "description", "/info");
        Info {
            loc: Loc::new(entry.line, "/info"),
            title: node.str_at("title").map(str::to_string),
            description: node.str_at("description").map(str::to_string),
            version: node.get("version").and_then(Node::scalar_text),
            has_contact: node.get("contact").is_some_and(|c| !c.entries().is_empty()),
            has_license: node.get("license").is_some_and(|c| !c.entries().is_empty()),
        }
    }

    /// Reusable components; schema components are built into the arena now.
    fn components(&mut self) -> Vec<Component> {
        let groups: &[(&str, &str, ComponentKind)] = match self.version {
            Version::Swagger2 => &[
                ("", "definitions", ComponentKind::Schema),
                ("", "parameters", ComponentKind::Parameter),
                ("", "responses", ComponentKind::Response),
            ],
            _ => &[
                ("components", "schemas", ComponentKind::Schema),
                ("components", "parameters", ComponentKind::Parameter),
                ("components", "responses", ComponentKind::Response),
                ("components", "requestBodies", ComponentKind::RequestBody),
                ("components", "headers", ComponentKind::Header),
                ("components", "examples", ComponentKind::Example),
            ],
        };
        let mut out = Vec::new();
        for (parent, key, kind) in groups {
            let holder = if parent.is_empty() {
                Some(self.root)
            } else {
                self.root.get(parent)
            };
            let base = if parent.is_empty() {
                format!("/{key}")
            } else {
                format!("/{parent}/{key}")
            };
            for e in holder
                .and_then(|h| h.get(key))
                .map(Node::entries)
                .unwrap_or_default()
            {
                let ptr = child(&base, e.key);
                if *kind == ComponentKind::Schema {
                    self.schema(&e.value, ptr.clone(), e.line);
                }
                out.push(Component {
                    loc: Loc::new(e.line, ptr),
                    kind: *kind,
                    name: e.key.to_string(),
                });
            }
        }
        out
    }
}

/// 3.x `servers`, or 2.0 `schemes` × `host` + `basePath`.
fn servers(root: &Node, version: Version) -> Vec<Server> {
    if version != Version::Swagger2 {
        let items = root.get("servers").map(Node::items).unwrap_or_default();
        return items
            .iter()
            .enumerate()
            .map(|(i, s)| Server {
                loc: Loc::new(s.line, format!("/servers/{i}")),
                url: s.str_at("url").unwrap_or_default().to_string(),
                description: s.str_at("description").map(str::to_string),
            })
            .collect();
    }
    let Some(host) = root.entry("host") else {
        return Vec::new();
    };
    let base = root.str_at("basePath").unwrap_or_default();
    let host_name = host.value.as_str().unwrap_or_default();
    let schemes = root
        .get("schemes")
        .map(super::schema::strings)
        .unwrap_or_default();
    let schemes = if schemes.is_empty() {
        vec!["https".to_string()]
    } else {
        schemes
    };
    let loc = root
        .entry("schemes")
        .map_or(Loc::new(host.line, "/host"), |e| {
            Loc::new(e.line, "/schemes")
        });
    schemes
        .iter()
        .map(|s| Server {
            loc: loc.clone(),
            url: format!("{s}://{host_name}{base}"),
            description: None,
        })
        .collect()
}

fn tags(root: &Node) -> Vec<Tag> {
    let items = root.get("tags").map(Node::items).unwrap_or_default();
    items
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            Some(Tag {
                loc: Loc::new(t.line, format!("/tags/{i}")),
                name: t.str_at("name")?.to_string(),
                description: t.str_at("description").map(str::to_string),
            })
        })
        .collect()
}
