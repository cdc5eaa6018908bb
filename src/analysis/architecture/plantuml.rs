//! PlantUML blocks (`@startuml` … `@enduml`): element declarations
//! (`component`, `database`, `queue`, `[Label] as alias`...), arrows
//! (`A -> B : label`, `A ..> B`, `A -[#red]down-> B`, `A <-- B`) and
//! C4-PlantUML macros (via [`super::c4`]).

use super::c4;
use super::classify::mode_of;
use super::mermaid::clean_label;
use super::model::{ArchModel, ComponentKind, Diagram, Origin};

/// Declaration keywords and the kind they imply.
const DECLS: &[(&str, Option<ComponentKind>)] = &[
    ("component", None),
    ("database", Some(ComponentKind::Database)),
    ("queue", Some(ComponentKind::Queue)),
    ("node", None),
    ("cloud", None),
    ("actor", Some(ComponentKind::Client)),
    ("person", Some(ComponentKind::Client)),
    ("participant", None),
    ("rectangle", None),
    ("interface", None),
    ("collections", None),
    ("storage", Some(ComponentKind::Storage)),
    ("boundary", None),
    ("control", None),
    ("entity", None),
    ("agent", None),
    ("artifact", None),
    ("hexagon", None),
    ("stack", None),
];

const SKIP: [&str; 14] = [
    "'",
    "!",
    "@",
    "}",
    "skinparam",
    "title",
    "note",
    "end",
    "legend",
    "hide",
    "show",
    "left",
    "top",
    "layout",
];

/// Parses one PlantUML block; `first_line` is the line of its first content line.
pub fn parse_block(model: &mut ArchModel, content: &str, first_line: u32) {
    model.diagrams.push(Diagram {
        syntax: "plantuml".into(),
        line: first_line,
    });
    let sequence = content.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("participant ")
            || t.starts_with("activate ")
            || t.starts_with("alt ")
            || t.starts_with("loop ")
    });
    for (i, raw) in content.lines().enumerate() {
        let line_no = first_line + u32::try_from(i).unwrap_or(u32::MAX - first_line);
        let line = raw.trim();
        if line.is_empty()
            || SKIP.iter().any(|s| line.starts_with(s))
            || line.ends_with('{') && !line.contains('(')
        {
            continue;
        }
        if c4::apply(model, line, line_no, Origin::PlantUml) {
            continue;
        }
        if declaration(model, line, line_no) {
            continue;
        }
        arrow_line(model, line, line_no, sequence);
    }
}

fn declaration(model: &mut ArchModel, line: &str, line_no: u32) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    let Some((_, hint)) = DECLS.iter().find(|(k, _)| *k == first) else {
        if line.starts_with('[') && !has_arrow(line) {
            let chars: Vec<char> = line.chars().collect();
            let (name, after) = node(&chars, 0);
            let alias = alias_of(&chars[after..].iter().collect::<String>());
            declare(
                model,
                alias.as_deref().unwrap_or(&name),
                &name,
                None,
                line_no,
            );
            return true;
        }
        return false;
    };
    let rest = line[first.len()..].trim();
    if has_arrow(rest) {
        return false;
    }
    let hint = stereotype_kind(rest).or(*hint);
    let rest = rest.split("<<").next().unwrap_or(rest);
    let rest = rest
        .split(" #")
        .next()
        .unwrap_or(rest)
        .trim_end_matches('{')
        .trim();
    let (a, b) = rest.split_once(" as ").unwrap_or((rest, rest));
    let (a, b) = (unquote(a), unquote(b));
    // `"Label" as alias` or `alias as "Label"`: the quoted side is the label.
    let (label, alias) = if a.contains(' ') || rest.trim_start().starts_with('"') {
        (a, b)
    } else {
        (b, a)
    };
    declare(model, &alias, &label, hint, line_no);
    true
}

/// `<<database>>`, `<<queue>>`, `<<external>>`: the author's own label for
/// what a box is.
fn stereotype_kind(rest: &str) -> Option<ComponentKind> {
    let (_, tail) = rest.split_once("<<")?;
    let tag = tail.split(">>").next().unwrap_or("").to_ascii_lowercase();
    [
        ("database", ComponentKind::Database),
        ("db", ComponentKind::Database),
        ("queue", ComponentKind::Queue),
        ("topic", ComponentKind::Queue),
        ("cache", ComponentKind::Cache),
        ("external", ComponentKind::External),
        ("storage", ComponentKind::Storage),
    ]
    .into_iter()
    .find(|(w, _)| crate::analysis::markdown::text::find_word(&tag, w).is_some())
    .map(|(_, k)| k)
}

fn declare(
    model: &mut ArchModel,
    alias: &str,
    label: &str,
    hint: Option<ComponentKind>,
    line_no: u32,
) {
    if let Some(i) = model.upsert(
        alias,
        &clean_label(label),
        "",
        hint,
        line_no,
        Origin::PlantUml,
    ) {
        model.alias(label, i);
        // The declaration keyword (database, queue, actor...) beats words in
        // the label, except that an actor named like a service stays one.
        let forced = hint.filter(|h| match h {
            ComponentKind::Database
            | ComponentKind::Queue
            | ComponentKind::Storage
            | ComponentKind::Cache
            | ComponentKind::External => true,
            ComponentKind::Client => model.components[i].kind == ComponentKind::Service,
            _ => false,
        });
        if let Some(h) = forced {
            model.components[i].kind = h;
        }
    }
}

fn unquote(s: &str) -> String {
    s.trim()
        .trim_matches(|c| c == '"' || c == '[' || c == ']')
        .trim()
        .to_string()
}

fn alias_of(rest: &str) -> Option<String> {
    rest.trim()
        .strip_prefix("as ")
        .map(|a| a.split_whitespace().next().unwrap_or("").to_string())
}

fn has_arrow(s: &str) -> bool {
    ["->", "<-", "..>", "<..", "--", ".."]
        .iter()
        .any(|a| s.contains(a))
}

/// Reads a node reference at `pos`: `[Label]`, `"Label"`, `()` interface or an identifier.
fn node(c: &[char], mut pos: usize) -> (String, usize) {
    while c.get(pos).is_some_and(|ch| ch.is_whitespace()) {
        pos += 1;
    }
    let close = match c.get(pos) {
        Some('[') => Some(']'),
        Some('"') => Some('"'),
        _ => None,
    };
    let mut name = String::new();
    if let Some(close) = close {
        pos += 1;
        while let Some(&ch) = c.get(pos) {
            pos += 1;
            if ch == close {
                break;
            }
            name.push(ch);
        }
        return (name, pos);
    }
    while let Some(&ch) = c.get(pos) {
        if ch.is_alphanumeric()
            || ch == '_'
            || ch == '.' && c.get(pos + 1).is_some_and(|n| n.is_alphanumeric())
        {
            name.push(ch);
            pos += 1;
        } else {
            break;
        }
    }
    (name, pos)
}

/// Reads an arrow at `pos`; returns (text, new pos) when it is one.
fn arrow(c: &[char], mut pos: usize) -> Option<(String, usize)> {
    while c.get(pos).is_some_and(|ch| ch.is_whitespace()) {
        pos += 1;
    }
    let start = pos;
    while let Some(&ch) = c.get(pos) {
        match ch {
            '<' | '-' | '.' | '>' | '*' | '+' | '|' | '#' => pos += 1,
            '[' => {
                while c.get(pos).is_some_and(|&x| x != ']') {
                    pos += 1;
                }
                pos += 1;
            }
            _ if ch.is_alphabetic()
                && pos > start
                && matches!(c.get(pos - 1), Some('-' | '.' | ']')) =>
            {
                let word_end = (pos..c.len())
                    .find(|&i| !c[i].is_alphabetic())
                    .unwrap_or(c.len());
                let word: String = c[pos..word_end].iter().collect();
                let directional = [
                    "up", "down", "left", "right", "u", "d", "l", "r", "le", "ri", "do",
                ];
                if !directional.contains(&word.as_str())
                    || !matches!(c.get(word_end), Some('-' | '.'))
                {
                    break;
                }
                pos = word_end;
            }
            _ => break,
        }
    }
    let text: String = c.get(start..pos.min(c.len()))?.iter().collect();
    let strokes = text.chars().filter(|ch| matches!(ch, '-' | '.')).count();
    let valid = strokes >= 2 || (strokes >= 1 && (text.contains('>') || text.contains('<')));
    valid.then_some((text, pos))
}

fn arrow_line(model: &mut ArchModel, line: &str, line_no: u32, sequence: bool) {
    let c: Vec<char> = line.chars().collect();
    let (left, p) = node(&c, 0);
    let Some((arrow_text, p)) = arrow(&c, p) else {
        return;
    };
    let (right, p) = node(&c, p);
    if left.is_empty() || right.is_empty() {
        return;
    }
    let rest: String = c.get(p..).map(|r| r.iter().collect()).unwrap_or_default();
    let label = rest.trim().strip_prefix(':').unwrap_or("").trim();
    let dashed = arrow_text.contains("--") || arrow_text.contains("..");
    // In sequence diagrams a dashed arrow is a reply, not a dependency.
    if sequence && dashed {
        return;
    }
    let reversed = arrow_text.contains('<') && !arrow_text.contains('>');
    let (from, to) = if reversed {
        (right, left)
    } else {
        (left, right)
    };
    let (Some(a), Some(b)) = (
        model.find(&from).or_else(|| {
            model.upsert(
                &from,
                &clean_label(&from),
                "",
                None,
                line_no,
                Origin::PlantUml,
            )
        }),
        model
            .find(&to)
            .or_else(|| model.upsert(&to, &clean_label(&to), "", None, line_no, Origin::PlantUml)),
    ) else {
        return;
    };
    // `..>` is a dependency in component diagrams, not a message: only
    // the label tells whether the call is asynchronous.
    model.add_edge(a, b, label, mode_of(label), line_no);
}
