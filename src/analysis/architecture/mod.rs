//! Architecture descriptions: the normaliser ([`parse`] → [`ArchModel`]),
//! auto-detection ([`looks_like_architecture`]), the chart helper
//! ([`component_summary`]) and the `FL-ARC` rules ([`rules`]).
//!
//! An architecture document is Markdown (or a bare diagram). It is parsed as
//! Markdown first; then Mermaid blocks (flowchart/graph, C4, sequence),
//! PlantUML blocks (fenced or bare `@startuml`, including C4-PlantUML) and
//! the prose (headings that name components, products such as PostgreSQL or
//! Kafka, arrow chains) add components and edges. Every step is linear in
//! the input, and the model is capped at [`model::MAX_COMPONENTS`] components
//! and [`model::MAX_EDGES`] edges.
//!
//! The Markdown hygiene rules also run on architecture documents; see
//! [`crate::analysis::markdown`] for why the section rules do not.

mod c4;
pub mod classify;
pub mod graph;
mod kind;
mod mermaid;
mod mermaid_arch;
pub mod model;
mod plantuml;
mod prose;
pub mod rules;
mod sequence;
#[cfg(test)]
mod tests;

pub use model::{ArchModel, Component, ComponentKind, Diagram, Edge, Mode, Origin};
pub use rules::rules;

use crate::analysis::markdown;
use crate::analysis::request::{AnalysisError, Limits};

/// Parses an architecture description.
pub fn parse(content: &str, limits: &Limits) -> Result<ArchModel, AnalysisError> {
    let doc = markdown::parse(content, limits)?;
    let mut code_lines = vec![false; doc.line_count() as usize + 2];
    for b in &doc.code_blocks {
        for l in b.line..=b.end_line {
            if let Some(slot) = code_lines.get_mut(l as usize) {
                *slot = true;
            }
        }
    }
    let mut model = ArchModel::new(doc);
    let blocks = std::mem::take(&mut model.doc.code_blocks);
    for b in &blocks {
        diagram_block(&mut model, &b.lang, &b.content, b.content_line);
    }
    model.doc.code_blocks = blocks;
    bare_plantuml(&mut model, &mut code_lines);
    bare_mermaid(&mut model, &mut code_lines);
    prose::extract(&mut model, &code_lines);
    Ok(model)
}

fn diagram_block(model: &mut ArchModel, lang: &str, content: &str, line: u32) {
    let first = content
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("%%"))
        .unwrap_or("");
    match lang {
        "mermaid" | "mmd" => mermaid::parse_block(model, content, line),
        "plantuml" | "puml" | "uml" | "c4plantuml" => plantuml::parse_block(model, content, line),
        _ if first.starts_with("@startuml") => plantuml::parse_block(model, content, line),
        "" if mermaid::diagram_syntax(first).is_some() => {
            mermaid::parse_block(model, content, line)
        }
        _ => {}
    }
}

/// `@startuml` … `@enduml` written straight into the Markdown (no fence).
fn bare_plantuml(model: &mut ArchModel, code_lines: &mut [bool]) {
    let mut start = None;
    for line in 1..=model.doc.line_count() {
        if code_lines.get(line as usize).copied().unwrap_or(false) {
            continue;
        }
        let t = model.doc.line_text(line).trim_start();
        if t.starts_with("@startuml") {
            start = Some(line);
        } else if t.starts_with("@enduml")
            && let Some(s) = start.take()
        {
            let body: String = (s + 1..line)
                .map(|l| format!("{}\n", model.doc.line_text(l)))
                .collect();
            plantuml::parse_block(model, &body, s + 1);
            for l in s..=line {
                if let Some(slot) = code_lines.get_mut(l as usize) {
                    *slot = true;
                }
            }
        }
    }
}

/// A whole document that is a Mermaid diagram (a `.mmd` file).
fn bare_mermaid(model: &mut ArchModel, code_lines: &mut [bool]) {
    if !model.doc.code_blocks.is_empty() || !model.diagrams.is_empty() {
        return;
    }
    let first = model
        .doc
        .text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("%%"))
        .unwrap_or("");
    if mermaid::diagram_syntax(first).is_some() {
        let text = model.doc.text.clone();
        mermaid::parse_block(model, &text, 1);
        code_lines.iter_mut().for_each(|s| *s = true);
    }
}

/// Whether content reads as an architecture description: it has a Mermaid
/// or PlantUML diagram, C4 macros, or talks about three or more kinds of
/// infrastructure (databases, queues, gateways...) together with the word
/// "architecture" (two kinds when the title says "architecture"). Documents shaped like design docs or ADRs (headings such
/// as Goals, Alternatives, Rollback, Decision) stay Markdown even with a
/// diagram, so the design-doc rules judge them.
pub fn looks_like_architecture(content: &str) -> bool {
    let head = content.get(..content.len().min(1 << 20)).unwrap_or(content);
    let lower = head.to_ascii_lowercase();
    if is_design_doc_shaped(&lower) {
        return false;
    }
    if lower.contains("```mermaid")
        || lower.contains("@startuml")
        || lower.contains("container(") && lower.contains("rel(")
    {
        return true;
    }
    let first = head
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if matches!(
        mermaid::diagram_syntax(first),
        Some("flowchart" | "sequence" | "c4")
    ) {
        return true;
    }
    let kinds = [
        ComponentKind::Database,
        ComponentKind::Cache,
        ComponentKind::Queue,
        ComponentKind::Gateway,
        ComponentKind::LoadBalancer,
        ComponentKind::Storage,
        ComponentKind::Auth,
        ComponentKind::Observability,
    ];
    let hits = kinds.iter().filter(|k| kind_mentioned(&lower, **k)).count();
    // A title that says "architecture" needs less vocabulary to convince.
    let title = lower
        .lines()
        .find(|l| l.trim_start().starts_with('#'))
        .unwrap_or("");
    let needed = if markdown::text::find_word(title, "architecture").is_some() {
        2
    } else {
        3
    };
    hits >= needed && says_architecture(&lower)
}

/// Whether the text says "architecture" in words, not only in a path or a
/// file name (a README's "see docs/architecture.md").
fn says_architecture(lower: &str) -> bool {
    const WORD: &str = "architecture";
    let mut from = 0;
    while let Some(at) = markdown::text::find_word_from(lower, WORD, from) {
        let after = &lower[at + WORD.len()..];
        let in_path = lower[..at].ends_with('/')
            || after.starts_with('/')
            || (after.starts_with('.')
                && after[1..].starts_with(|c: char| c.is_ascii_alphanumeric()));
        if !in_path {
            return true;
        }
        from = at + 1;
    }
    false
}

/// A design doc or RFC with a diagram is still a design doc: two or more of
/// its headings name design-doc sections (goals, alternatives, rollback...).
fn is_design_doc_shaped(lower: &str) -> bool {
    const SECTIONS: [&str; 14] = [
        "goals",
        "non-goals",
        "motivation",
        "background",
        "alternatives",
        "rollback",
        "rollout",
        "decision",
        "open questions",
        "proposal",
        "timeline",
        "milestones",
        "consequences",
        "context",
    ];
    let headings = lower.lines().filter(|l| l.trim_start().starts_with('#'));
    let hits = headings
        .filter(|h| {
            SECTIONS
                .iter()
                .any(|s| markdown::text::find_word(h, s).is_some())
        })
        .count();
    hits >= 2
}

fn kind_mentioned(lower: &str, kind: ComponentKind) -> bool {
    let words: &[&str] = match kind {
        ComponentKind::Database => &[
            "database",
            "postgres",
            "postgresql",
            "mysql",
            "mongodb",
            "dynamodb",
        ],
        ComponentKind::Cache => &["cache", "redis", "memcached"],
        ComponentKind::Queue => &["kafka", "rabbitmq", "queue", "message broker", "sqs"],
        ComponentKind::Gateway => &["api gateway", "gateway", "ingress"],
        ComponentKind::LoadBalancer => &["load balancer", "nginx", "haproxy"],
        ComponentKind::Storage => &["s3", "object storage", "blob storage"],
        ComponentKind::Auth => &["keycloak", "identity provider", "auth service", "oauth"],
        ComponentKind::Observability => &["prometheus", "grafana", "opentelemetry", "jaeger"],
        _ => &[],
    };
    markdown::text::has_any(lower, words)
}

/// Components per kind (kinds with none are left out), for charts.
pub fn component_summary(arch: &ArchModel) -> Vec<(String, u32)> {
    ComponentKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                u32::try_from(arch.of_kind(*k).count()).unwrap_or(u32::MAX),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}
