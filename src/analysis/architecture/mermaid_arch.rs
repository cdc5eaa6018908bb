//! Mermaid's architecture syntax: `architecture-beta` diagrams
//! (`service db(database)[Orders DB] in api`, `db:L -- R:server`, `-->`
//! for direction) and the Mermaid 11 node attributes
//! `A@{ shape: cyl, label: "Orders DB" }` used in flowcharts.

use super::mermaid::clean_label;
use super::model::{ArchModel, ComponentKind, Mode, Origin};

/// The kind an architecture-beta icon implies.
fn icon_kind(icon: &str) -> Option<ComponentKind> {
    match icon.trim().to_ascii_lowercase().as_str() {
        "database" => Some(ComponentKind::Database),
        "disk" => Some(ComponentKind::Storage),
        "cloud" | "internet" => Some(ComponentKind::External),
        "server" => Some(ComponentKind::Service),
        _ => None,
    }
}

/// One line of an `architecture-beta` diagram.
pub fn line(model: &mut ArchModel, line: &str, line_no: u32) {
    let mut words = line.splitn(2, char::is_whitespace);
    let keyword = words.next().unwrap_or("");
    let rest = words.next().unwrap_or("").trim();
    match keyword {
        "service" => service(model, rest, line_no),
        "group" | "junction" => {}
        _ => edge(model, line, line_no),
    }
}

/// `id(icon)[Label] in group`.
fn service(model: &mut ArchModel, rest: &str, line_no: u32) {
    let rest = rest.split(" in ").next().unwrap_or(rest);
    let id_end = rest.find(['(', '[']).unwrap_or(rest.len());
    let id = rest[..id_end].trim();
    let icon = between(rest, '(', ')').unwrap_or("");
    let label = between(rest, '[', ']').unwrap_or(id);
    if let Some(i) = model.upsert(
        id,
        &clean_label(label),
        icon,
        icon_kind(icon),
        line_no,
        Origin::Mermaid,
    ) && let Some(kind) = icon_kind(icon).filter(|k| *k != ComponentKind::Service)
    {
        // The icon is the author's explicit statement of what it is.
        model.components[i].kind = kind;
    }
}

/// `a:R -- L:b`, `a:R --> L:b`, `a{group}:B <-- T:c`.
fn edge(model: &mut ArchModel, line: &str, line_no: u32) {
    let Some(at) = line.find("--") else { return };
    let (left, right) = (&line[..at], &line[at + 2..]);
    let reversed = left.ends_with('<') && !right.starts_with('>');
    let end = |side: &str| -> String {
        let side = side.trim_matches(['<', '>', ' ']);
        let parts: Vec<&str> = side.split(':').map(str::trim).collect();
        // The id is the part that is not a single-letter side (L, R, T, B).
        let id = parts.iter().find(|p| p.len() > 1).copied().unwrap_or("");
        id.split('{').next().unwrap_or(id).trim().to_string()
    };
    let (a, b) = (end(left), end(right));
    let (Some(x), Some(y)) = (model.find(&a), model.find(&b)) else {
        return;
    };
    let (from, to) = if reversed { (y, x) } else { (x, y) };
    model.add_edge(from, to, "", Mode::Sync, line_no);
}

fn between(s: &str, open: char, close: char) -> Option<&str> {
    let start = s.find(open)? + open.len_utf8();
    let end = start + s[start..].find(close)?;
    Some(&s[start..end])
}

/// `shape: cyl, label: "Orders DB"` → (label, kind hint).
pub fn shape_attributes(body: &str) -> (String, Option<ComponentKind>) {
    let mut label = String::new();
    let mut hint = None;
    for pair in body.split(',') {
        let Some((k, v)) = pair.split_once(':') else {
            continue;
        };
        let v = v.trim().trim_matches('"');
        match k.trim() {
            "label" => label = v.to_string(),
            "shape" => {
                hint = match v {
                    "cyl"
                    | "cylinder"
                    | "database"
                    | "db"
                    | "h-cyl"
                    | "lin-cyl"
                    | "das"
                    | "horizontal-cylinder" => Some(ComponentKind::Database),
                    "disk" | "lin-cyl-disk" => Some(ComponentKind::Storage),
                    _ => None,
                }
            }
            _ => {}
        }
    }
    (label, hint)
}
