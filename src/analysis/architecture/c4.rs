//! C4 macros, shared by Mermaid C4 diagrams and C4-PlantUML:
//! `Container(alias, "Label", "Techn", "Descr")`, `ContainerDb(...)`,
//! `System_Ext(...)`, `Person(...)`, `Rel(from, to, "label", "techn")`, `BiRel`, `Rel_Back`.

use super::classify::mode_of;
use super::model::{ArchModel, ComponentKind as K, Origin};

/// Splits `Name(args)` into the macro name and its arguments, honouring
/// quotes; `None` when the line is not a macro call.
pub fn split_macro(line: &str) -> Option<(&str, Vec<String>)> {
    let line = line.trim();
    let open = line.find('(')?;
    let name = line[..open].trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let rest = &line[open + 1..];
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in rest.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => args.push(std::mem::take(&mut cur).trim().to_string()),
            ')' if !quoted => break,
            _ => cur.push(c),
        }
    }
    args.push(cur.trim().to_string());
    // Named arguments ($tags=..., $link=...) carry styling, not structure.
    args.retain(|a| !a.starts_with('$'));
    Some((name, args))
}

/// The kind implied by an element macro, or `None` for non-element macros.
fn element_kind(name: &str) -> Option<K> {
    let lower = name.to_ascii_lowercase();
    if lower.contains("boundary")
        || lower.starts_with("deployment")
        || lower.starts_with("update")
        || lower.starts_with("rel")
        || lower.starts_with("birel")
    {
        return None;
    }
    let base = ["person", "system", "container", "component", "node"];
    if !base.iter().any(|b| lower.starts_with(b)) {
        return None;
    }
    Some(if lower.ends_with("_ext") {
        K::External
    } else if lower.starts_with("person") {
        K::Client
    } else if lower.contains("db") {
        K::Database
    } else if lower.contains("queue") {
        K::Queue
    } else {
        K::Service
    })
}

/// Applies one C4 line to the model; returns whether it was a C4 macro.
pub fn apply(model: &mut ArchModel, line: &str, line_no: u32, origin: Origin) -> bool {
    let Some((name, args)) = split_macro(line) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("rel") || lower.starts_with("birel") {
        rel(model, &lower, &args, line_no, origin);
        return true;
    }
    let Some(hint) = element_kind(name) else {
        return false;
    };
    let alias = args.first().map_or("", String::as_str);
    let label = args.get(1).map_or(alias, String::as_str);
    let notes = args.get(2..).map(|a| a.join(" ")).unwrap_or_default();
    // External macros decide the kind: a Stripe "System_Ext" is external
    // whatever its name says.
    let idx = model.upsert(alias, label, &notes, Some(hint), line_no, origin);
    if let Some(i) = idx {
        if hint == K::External || hint == K::Client {
            model.components[i].kind = hint;
        }
        model.alias(label, i);
    }
    true
}

fn rel(model: &mut ArchModel, lower: &str, args: &[String], line_no: u32, origin: Origin) {
    let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
        return;
    };
    let label = args.get(2..).map(|a| a.join(" ")).unwrap_or_default();
    let (Some(x), Some(y)) = (
        model
            .find(a)
            .or_else(|| model.upsert(a, a, "", None, line_no, origin)),
        model
            .find(b)
            .or_else(|| model.upsert(b, b, "", None, line_no, origin)),
    ) else {
        return;
    };
    let mode = mode_of(&label);
    let (from, to) = if lower.starts_with("rel_back") {
        (y, x)
    } else {
        (x, y)
    };
    model.add_edge(from, to, &label, mode, line_no);
    if lower.starts_with("birel") {
        model.add_edge(to, from, &label, mode, line_no);
    }
}
