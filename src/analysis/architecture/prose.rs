//! Components and edges from free text: headings that name components,
//! technology products mentioned in prose, and arrow chains such as
//! "Client → API Gateway → Orders → PostgreSQL".

use super::classify::{classify, replica_hint};
use super::model::{ArchModel, ComponentKind, Mode, Origin};
use crate::analysis::markdown::text::find_word_from;

/// Products named in prose that become components when no diagram declared them.
#[rustfmt::skip]
const PRODUCTS: &[(&str, ComponentKind)] = &[
    ("postgresql", ComponentKind::Database), ("postgres", ComponentKind::Database),
    ("mysql", ComponentKind::Database), ("mariadb", ComponentKind::Database),
    ("mongodb", ComponentKind::Database), ("dynamodb", ComponentKind::Database),
    ("cassandra", ComponentKind::Database), ("oracle", ComponentKind::Database),
    ("sqlite", ComponentKind::Database), ("weaviate", ComponentKind::Database),
    ("elasticsearch", ComponentKind::Database), ("aurora", ComponentKind::Database),
    ("redis", ComponentKind::Cache), ("memcached", ComponentKind::Cache),
    ("elasticache", ComponentKind::Cache), ("kafka", ComponentKind::Queue),
    ("rabbitmq", ComponentKind::Queue), ("sqs", ComponentKind::Queue), ("sns", ComponentKind::Queue),
    ("nats", ComponentKind::Queue), ("kinesis", ComponentKind::Queue), ("s3", ComponentKind::Storage),
    ("minio", ComponentKind::Storage), ("keycloak", ComponentKind::Auth),
    ("auth0", ComponentKind::Auth), ("okta", ComponentKind::Auth), ("cognito", ComponentKind::Auth),
    ("prometheus", ComponentKind::Observability), ("grafana", ComponentKind::Observability),
    ("jaeger", ComponentKind::Observability), ("opentelemetry", ComponentKind::Observability),
    ("datadog", ComponentKind::Observability), ("loki", ComponentKind::Observability),
    ("nginx", ComponentKind::LoadBalancer), ("haproxy", ComponentKind::LoadBalancer),
    ("traefik", ComponentKind::LoadBalancer), ("kong", ComponentKind::Gateway),
    ("api gateway", ComponentKind::Gateway), ("stripe", ComponentKind::External),
    ("twilio", ComponentKind::External), ("sendgrid", ComponentKind::External),
    ("openai", ComponentKind::External), ("paypal", ComponentKind::External),
];

/// Most data stores whose mentions are scanned (each scan reads the document).
const MAX_HINTED: usize = 64;

/// Most occurrences of one component name scanned for replica hints.
const MAX_MENTIONS: usize = 64;

/// Adds prose components and edges, then replica hints from mentions.
pub fn extract(model: &mut ArchModel, code_lines: &[bool]) {
    model.prose_mode = true;
    headings(model);
    products(model, code_lines);
    arrows(model, code_lines);
    mention_hints(model);
}

fn is_code(code_lines: &[bool], line: u32) -> bool {
    code_lines.get(line as usize).copied().unwrap_or(false)
}

fn strip_numbering(title: &str) -> &str {
    title.trim_start_matches(|c: char| {
        c.is_ascii_digit() || c == '.' || c == ')' || c.is_whitespace()
    })
}

fn headings(model: &mut ArchModel) {
    let found: Vec<(String, u32)> = model
        .doc
        .sections
        .iter()
        .map(|s| (strip_numbering(&s.title).to_string(), s.line))
        .collect();
    for (title, line) in found {
        let lower = title.to_lowercase();
        let words = lower.split_whitespace().count();
        // "Contained Microservices:" introduces a list of components.
        let plural = ["services", "microservices", "components", "databases"]
            .iter()
            .any(|w| lower.trim_end_matches(':').ends_with(w));
        let question = plural
            || lower.ends_with('?')
            || ["why", "how", "what", "when", "where"]
                .iter()
                .any(|q| lower.starts_with(q));
        let product = words == 1 && PRODUCTS.iter().any(|(p, _)| *p == lower);
        // One generic word ("Databases", "Monitoring") titles a topic, not a component.
        if words == 0 || words > 6 || question || (words == 1 && !product) {
            continue;
        }
        let kind = classify(&lower, "");
        let named_service = find_word_from(&lower, "service", 0).is_some()
            || find_word_from(&lower, "microservice", 0).is_some();
        let keep = match kind {
            Some(ComponentKind::Client) | None => false,
            Some(ComponentKind::Service) => named_service,
            Some(_) => true,
        };
        if keep {
            model.upsert("", &title, "", kind, line, Origin::Prose);
        }
    }
}

fn products(model: &mut ArchModel, code_lines: &[bool]) {
    // One joined text of what the diagrams already declared, searched once
    // per product (instead of once per product and component).
    let declared: String = model
        .components
        .iter()
        .flat_map(|c| [c.key.as_str(), " ", c.notes.as_str(), "\n"])
        .collect();
    for &(word, kind) in PRODUCTS {
        let squashed: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
        if find_word_from(&declared, word, 0).is_some() || declared.contains(&squashed) {
            continue;
        }
        let mut from = 0;
        while let Some(at) = find_word_from(&model.doc.lower, word, from) {
            from = at + word.len();
            let line = model.doc.line_of(at);
            if is_code(code_lines, line) {
                continue;
            }
            let display = model
                .doc
                .text
                .get(at..at + word.len())
                .unwrap_or(word)
                .to_string();
            let notes = model.doc.line_text(line).to_string();
            // "### Relational DB ... Technology: PostgreSQL" describes the
            // heading's component (same kind), not a second database.
            let owner =
                heading_component(model, line).filter(|&i| model.components[i].kind == kind);
            if let Some(owner) = owner {
                let c = &mut model.components[owner];
                c.notes.push(' ');
                c.notes.push_str(&notes.to_lowercase());
            } else {
                model.upsert("", &display, &notes, Some(kind), line, Origin::Prose);
            }
            break;
        }
    }
}

/// The prose component named by the heading of the section holding `line`.
fn heading_component(model: &ArchModel, line: u32) -> Option<usize> {
    let section = model
        .doc
        .sections
        .iter()
        .rev()
        .find(|s| s.line <= line && line <= s.end_line)?;
    model
        .components
        .iter()
        .position(|c| c.origin == Origin::Prose && c.line == section.line)
}

fn arrows(model: &mut ArchModel, code_lines: &[bool]) {
    for line_no in 1..=model.doc.line_count() {
        if is_code(code_lines, line_no) {
            continue;
        }
        let text = model.doc.line_text(line_no).to_string();
        if !(text.contains('→') || text.contains("->")) {
            continue;
        }
        let parts: Vec<String> = text
            .split(['→', '⇒'])
            .flat_map(|p| {
                p.split("-->")
                    .flat_map(|q| q.split("->"))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .map(|p| clean_part(&p))
            .collect();
        let names: Vec<usize> = parts
            .iter()
            .filter_map(|p| prose_component(model, p, line_no))
            .collect();
        if names.len() == parts.len() {
            for pair in names.windows(2) {
                model.add_edge(pair[0], pair[1], "", Mode::Sync, line_no);
            }
        }
    }
}

fn clean_part(p: &str) -> String {
    let t = p
        .trim()
        .trim_start_matches(['-', '*', '+', '>', '|'])
        .trim();
    t.chars()
        .filter(|c| !matches!(c, '*' | '`' | '_' | '[' | ']'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// An arrow segment becomes a component only when it reads like one.
fn prose_component(model: &mut ArchModel, part: &str, line: u32) -> Option<usize> {
    let words = part.split_whitespace().count();
    if words == 0 || words > 5 || part.len() > 48 {
        return None;
    }
    if let Some(i) = model.find(part) {
        return Some(i);
    }
    let kind = classify(&part.to_lowercase(), "")?;
    model.upsert("", part, "", Some(kind), line, Origin::Prose)
}

/// Replica hints from the lines that mention stateful components.
fn mention_hints(model: &mut ArchModel) {
    let stateful: Vec<usize> = (0..model.components.len())
        .filter(|&i| {
            matches!(
                model.components[i].kind,
                ComponentKind::Database
                    | ComponentKind::Cache
                    | ComponentKind::Queue
                    | ComponentKind::Storage
            )
        })
        .take(MAX_HINTED)
        .collect();
    for i in stateful {
        let c = &model.components[i];
        let needle = c.name.to_lowercase();
        let mut from = 0;
        let mut hints = (None, false);
        for _ in 0..MAX_MENTIONS {
            let Some(at) = find_word_from(&model.doc.lower, &needle, from) else {
                break;
            };
            from = at + needle.len().max(1);
            let line = model.doc.line_text(model.doc.line_of(at)).to_lowercase();
            let (n, r) = replica_hint(&line);
            hints = (hints.0.or(n), hints.1 || r);
        }
        let c = &mut model.components[i];
        c.replicas = c.replicas.or(hints.0);
        c.replicated |= hints.1;
    }
}
