//! Security schemes (3.x `components.securitySchemes`, 2.0
//! `securityDefinitions`) and `security` requirement lists, normalised to the
//! 3.x vocabulary (2.0 `basic` becomes HTTP basic, `accessCode` becomes
//! `authorizationCode`, `application` becomes `clientCredentials`).

use super::model::{Loc, OAuthFlow, Requirement, SchemeKind, SecurityScheme, Version};
use super::node::{Node, child};
use super::resolve::Ctx;

/// Parses a `security` array at `ptr`.
pub fn requirements(node: &Node, ptr: &str) -> Vec<Requirement> {
    let mut out = Vec::new();
    for (i, alt) in node.items().iter().enumerate() {
        let schemes = alt
            .entries()
            .iter()
            .map(|e| {
                (
                    e.key.to_string(),
                    e.value
                        .items()
                        .iter()
                        .filter_map(Node::as_str)
                        .map(str::to_string)
                        .collect(),
                )
            })
            .collect();
        out.push(Requirement {
            loc: Loc::new(alt.line, child(ptr, &i.to_string())),
            schemes,
        });
    }
    out
}

impl<'a> Ctx<'a> {
    /// Every declared security scheme.
    pub fn security_schemes(&mut self) -> Vec<SecurityScheme> {
        let (holder, base) = match self.version {
            Version::Swagger2 => (
                self.root.get("securityDefinitions"),
                "/securityDefinitions".to_string(),
            ),
            _ => (
                self.root
                    .get("components")
                    .and_then(|c| c.get("securitySchemes")),
                "/components/securitySchemes".into(),
            ),
        };
        let mut out = Vec::new();
        for e in holder.map(Node::entries).unwrap_or_default() {
            let ptr = child(&base, e.key);
            let Some((node, ptr, _)) = self.deref(&e.value, &ptr, e.line) else {
                continue;
            };
            out.push(SecurityScheme {
                loc: Loc::new(e.line, ptr.clone()),
                name: e.key.to_string(),
                kind: scheme_kind(node, &ptr),
                description: node.str_at("description").map(str::to_string),
            });
        }
        out
    }
}

fn scheme_kind(node: &Node, ptr: &str) -> SchemeKind {
    let text = |k: &str| node.str_at(k).unwrap_or_default().to_string();
    match node.str_at("type").unwrap_or_default() {
        "apiKey" => SchemeKind::ApiKey {
            location: text("in"),
            param: text("name"),
        },
        "basic" => SchemeKind::Http {
            scheme: "basic".into(),
            bearer_format: None,
        },
        "http" => SchemeKind::Http {
            scheme: text("scheme").to_ascii_lowercase(),
            bearer_format: node.str_at("bearerFormat").map(str::to_string),
        },
        "oauth2" => SchemeKind::OAuth2 {
            flows: flows(node, ptr),
        },
        "openIdConnect" => SchemeKind::OpenIdConnect,
        "mutualTLS" => SchemeKind::MutualTls,
        other => SchemeKind::Other(other.to_string()),
    }
}

fn flows(node: &Node, ptr: &str) -> Vec<OAuthFlow> {
    if let Some(flow) = node.str_at("flow") {
        // Swagger 2.0: one flow, scopes on the scheme itself.
        let kind = match flow {
            "accessCode" => "authorizationCode",
            "application" => "clientCredentials",
            other => other,
        };
        let line = node.entry("flow").map_or(node.line, |e| e.line);
        return vec![flow_of(node, kind, Loc::new(line, ptr))];
    }
    let base = child(ptr, "flows");
    node.get("flows")
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .map(|e| flow_of(&e.value, e.key, Loc::new(e.line, child(&base, e.key))))
        .collect()
}

fn flow_of(node: &Node, kind: &str, loc: Loc) -> OAuthFlow {
    OAuthFlow {
        loc,
        kind: kind.to_string(),
        scopes: node
            .get("scopes")
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .map(|e| e.key.to_string())
            .collect(),
        refresh_url: node.str_at("refreshUrl").map(str::to_string),
    }
}
