//! Mermaid `sequenceDiagram` bodies: participants and actors become
//! components, request messages become edges (`-)` is asynchronous), and
//! dashed replies (`-->>`) are skipped because a reply is not a dependency.

use super::classify::mode_of;
use super::mermaid::clean_label;
use super::model::{ArchModel, ComponentKind, Mode, Origin};

const SEQ_SKIP: [&str; 19] = [
    "note",
    "loop",
    "alt",
    "else",
    "opt",
    "par",
    "and",
    "end",
    "rect",
    "activate",
    "deactivate",
    "autonumber",
    "box",
    "critical",
    "break",
    "title",
    "links",
    "link",
    "destroy",
];

pub fn line(model: &mut ArchModel, line: &str, line_no: u32) {
    let lower = line.to_ascii_lowercase();
    let first = lower.split_whitespace().next().unwrap_or("");
    if SEQ_SKIP.contains(&first) {
        return;
    }
    let decl = lower.strip_prefix("create ").map_or(line, |_| &line[7..]);
    for kw in ["participant ", "actor "] {
        if let Some(rest) = decl.strip_prefix(kw) {
            let (id, label) = rest.split_once(" as ").unwrap_or((rest, rest));
            let hint = (kw == "actor ").then_some(ComponentKind::Client);
            model.upsert(
                id.trim(),
                &clean_label(label),
                "",
                hint,
                line_no,
                Origin::Mermaid,
            );
            return;
        }
    }
    message(model, line, line_no);
}

fn message(model: &mut ArchModel, line: &str, line_no: u32) {
    const ARROWS: [&str; 8] = ["-->>", "->>", "--x", "-x", "--)", "-)", "-->", "->"];
    let Some((at, arrow)) = line.match_indices('-').find_map(|(i, _)| {
        ARROWS
            .iter()
            .find(|a| line[i..].starts_with(**a))
            .map(|a| (i, *a))
    }) else {
        return;
    };
    let from = line[..at].trim().trim_start_matches(['+', '-']);
    let rest = &line[at + arrow.len()..];
    let (to, label) = rest.split_once(':').unwrap_or((rest, ""));
    let to = to.trim().trim_start_matches(['+', '-']).trim();
    let (Some(a), Some(b)) = (
        model
            .find(from)
            .or_else(|| model.upsert(from, from, "", None, line_no, Origin::Mermaid)),
        model
            .find(to)
            .or_else(|| model.upsert(to, to, "", None, line_no, Origin::Mermaid)),
    ) else {
        return;
    };
    // Dashed arrows are replies: they do not add a dependency.
    if arrow.starts_with("--") {
        return;
    }
    let mode = if arrow.ends_with(')') {
        Mode::Async
    } else {
        mode_of(label)
    };
    model.add_edge(a, b, label, mode, line_no);
}
