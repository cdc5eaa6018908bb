//! Mermaid diagrams: flowchart/graph (nodes, shapes, `-->|label|` edges,
//! `&` groups), C4 (via [`super::c4`]) and sequenceDiagram (participants and
//! request messages; dashed replies are not dependencies).

use super::c4;
use super::classify::mode_of;
use super::mermaid_arch;
use super::model::{ArchModel, ComponentKind, Diagram, MAX_EDGES, Mode, Origin};
use super::sequence;

/// Parses one Mermaid block whose first content line is `first_line`.
pub fn parse_block(model: &mut ArchModel, content: &str, first_line: u32) {
    let mut syntax: Option<&str> = None;
    for (i, raw) in content.lines().enumerate() {
        let line_no = first_line + u32::try_from(i).unwrap_or(u32::MAX - first_line);
        let line = raw.trim();
        if line.is_empty() || line.starts_with("%%") {
            continue;
        }
        match syntax {
            None => {
                syntax = diagram_syntax(line);
                if let Some(s) = syntax {
                    model.diagrams.push(Diagram {
                        syntax: s.to_string(),
                        line: line_no,
                    });
                }
            }
            Some("flowchart") => flow_line(model, line, line_no),
            Some("sequence") => sequence::line(model, line, line_no),
            Some("c4") => {
                c4::apply(model, line, line_no, Origin::Mermaid);
            }
            Some("architecture") => mermaid_arch::line(model, line, line_no),
            Some(_) => {}
        }
    }
}

/// The diagram type a header line declares.
pub fn diagram_syntax(line: &str) -> Option<&'static str> {
    let word = line
        .split(|c: char| c.is_whitespace() || c == ';')
        .next()
        .unwrap_or("");
    match word {
        "graph" | "flowchart" | "flowchart-elk" => Some("flowchart"),
        "sequenceDiagram" => Some("sequence"),
        "architecture-beta" | "architecture" => Some("architecture"),
        w if w.starts_with("C4") => Some("c4"),
        "classDiagram" | "erDiagram" | "stateDiagram" | "stateDiagram-v2" | "gantt" | "pie"
        | "journey" | "gitGraph" | "mindmap" | "timeline" | "block-beta" | "quadrantChart"
        | "requirementDiagram" | "sankey-beta" | "xychart-beta" => Some("other"),
        _ => None,
    }
}

const FLOW_SKIP: [&str; 9] = [
    "subgraph",
    "end",
    "classDef",
    "class",
    "style",
    "linkStyle",
    "click",
    "direction",
    "%%",
];

fn flow_line(model: &mut ArchModel, line: &str, line_no: u32) {
    for stmt in line.split(';') {
        let t = stmt.trim();
        let first = t.split_whitespace().next().unwrap_or("");
        if t.is_empty() || FLOW_SKIP.contains(&first) {
            continue;
        }
        let chars: Vec<char> = t.chars().collect();
        Chain { c: &chars, pos: 0 }.run(model, line_no);
    }
}

/// A cursor over one flowchart statement.
struct Chain<'a> {
    c: &'a [char],
    pos: usize,
}

impl Chain<'_> {
    fn peek(&self) -> Option<char> {
        self.c.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn run(&mut self, model: &mut ArchModel, line_no: u32) {
        let mut prev: Vec<usize> = Vec::new();
        let mut pending: Option<(String, bool)> = None;
        loop {
            let group = self.group(model, line_no);
            // A full model stops the statement: the rest could only add
            // edges that would be dropped anyway.
            if group.is_empty() || model.edges.len() >= MAX_EDGES {
                return;
            }
            if let Some((label, dotted)) = pending.take() {
                let mode = if dotted { Mode::Async } else { mode_of(&label) };
                for &a in &prev {
                    for &b in &group {
                        model.add_edge(a, b, &label, mode, line_no);
                    }
                }
            }
            self.skip_ws();
            match self.arrow() {
                Some(a) => pending = Some(a),
                None => return,
            }
            prev = group;
        }
    }

    /// `A & B[Label] & C` → component indices.
    fn group(&mut self, model: &mut ArchModel, line_no: u32) -> Vec<usize> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            let Some((id, label, hint)) = self.node() else {
                break;
            };
            let (name, notes) = split_label(&label);
            out.extend(model.upsert(&id, &name, &notes, hint, line_no, Origin::Mermaid));
            self.skip_ws();
            if self.peek() != Some('&') {
                break;
            }
            self.pos += 1;
        }
        out
    }

    fn node(&mut self) -> Option<(String, String, Option<ComponentKind>)> {
        let start = self.pos;
        while let Some(ch) = self.peek() {
            let hyphen_in_id = ch == '-'
                && self.pos > start
                && self
                    .c
                    .get(self.pos + 1)
                    .is_some_and(|n| n.is_alphanumeric());
            if ch.is_alphanumeric() || ch == '_' || hyphen_in_id {
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.pos == start {
            return None;
        }
        let id: String = self.c[start..self.pos].iter().collect();
        let (label, hint) = if self.c.get(self.pos..self.pos + 2) == Some(&['@', '{']) {
            self.attributes()
        } else {
            self.shape()
        };
        // `A:::className` styles a node.
        if self.c.get(self.pos..self.pos + 3) == Some(&[':', ':', ':']) {
            self.pos += 3;
            while self
                .peek()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
            {
                self.pos += 1;
            }
        }
        Some((id, label, hint))
    }

    /// `A@{ shape: cyl, label: "Orders DB" }` (Mermaid 11 shapes).
    fn attributes(&mut self) -> (String, Option<ComponentKind>) {
        let start = self.pos + 2;
        let end = (start..self.c.len())
            .find(|&i| self.c[i] == '}')
            .unwrap_or(self.c.len());
        let body: String = self.c[start..end].iter().collect();
        self.pos = (end + 1).min(self.c.len());
        mermaid_arch::shape_attributes(&body)
    }

    /// `[label]`, `[(db)]`, `((circle))`, `{decision}`, `>flag]`, `[/io/]`...
    fn shape(&mut self) -> (String, Option<ComponentKind>) {
        let open_start = self.pos;
        while let Some(ch) = self.peek() {
            let first = self.pos == open_start;
            if matches!(ch, '[' | '(' | '{')
                || (!first && matches!(ch, '/' | '\\'))
                || (first && ch == '>')
            {
                self.pos += 1;
            } else {
                break;
            }
        }
        let openers = &self.c[open_start..self.pos];
        let Some(&last) = openers.last() else {
            return (String::new(), None);
        };
        let hint = (openers.starts_with(&['[', '('])).then_some(ComponentKind::Database);
        let close = match last {
            '[' | '>' => ']',
            '(' => ')',
            '{' => '}',
            other => other,
        };
        let mut label = String::new();
        if self.peek() == Some('"') {
            self.pos += 1;
            while let Some(ch) = self.peek() {
                self.pos += 1;
                if ch == '"' {
                    break;
                }
                label.push(ch);
            }
        } else {
            while let Some(ch) = self.peek() {
                if ch == close {
                    break;
                }
                label.push(ch);
                self.pos += 1;
            }
        }
        while self
            .peek()
            .is_some_and(|c| matches!(c, ')' | ']' | '}' | '/' | '\\'))
        {
            self.pos += 1;
        }
        (label, hint)
    }

    /// An arrow with its optional label: `-->`, `-.->`, `==>`, `-->|x|`, `-- x -->`.
    fn arrow(&mut self) -> Option<(String, bool)> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| matches!(c, '<' | '-' | '=' | '.' | '~' | '>'))
        {
            self.pos += 1;
        }
        let run: String = self.c[start..self.pos].iter().collect();
        let strokes = run.chars().filter(|c| matches!(c, '-' | '=' | '.')).count();
        if strokes < 2 && !run.contains('~') {
            self.pos = start;
            return None;
        }
        if matches!(self.peek(), Some('o' | 'x'))
            && self.c.get(self.pos + 1).is_none_or(|c| c.is_whitespace())
        {
            self.pos += 1;
        }
        let mut dotted = run.contains('.');
        let mut label = String::new();
        if matches!(run.as_str(), "--" | "-." | "==") {
            // `A -- text --> B`: the label sits inside the arrow.
            let (text, tail_dotted) = self.inline_label()?;
            label = text;
            dotted |= tail_dotted;
        }
        self.skip_ws();
        if self.peek() == Some('|') {
            self.pos += 1;
            while let Some(ch) = self.peek() {
                self.pos += 1;
                if ch == '|' {
                    break;
                }
                label.push(ch);
            }
        }
        Some((clean_label(&label), dotted))
    }

    fn inline_label(&mut self) -> Option<(String, bool)> {
        // A bounded window keeps a line of many arrows linear.
        let rest: String = self.c[self.pos..].iter().take(512).collect();
        let ends = ["-->", "---", ".->", "-.-", "==>", "==="];
        let (at, end) = ends
            .iter()
            .filter_map(|e| rest.find(e).map(|i| (i, *e)))
            .min_by_key(|(i, _)| *i)?;
        let label = rest[..at].to_string();
        self.pos += rest[..at].chars().count();
        while self
            .peek()
            .is_some_and(|c| matches!(c, '-' | '=' | '.' | '>'))
        {
            self.pos += 1;
        }
        Some((label, end.contains('.')))
    }
}

/// A node label as (name, notes): the first line names the component (and
/// so merges it with the same name elsewhere), the lines after a `<br>`
/// describe it (`Product Service<br/>HTTP: 8080<br/>gRPC: 50050`). Both
/// cleaned; a label whose first line says nothing is all name.
pub fn split_label(label: &str) -> (String, String) {
    let lower = label.to_ascii_lowercase();
    if let Some(at) = lower.find("<br") {
        let name = clean_label(&label[..at]);
        if !name.is_empty() {
            return (name, clean_label(&label[at..]));
        }
    }
    (clean_label(label), String::new())
}

/// Strips HTML breaks, tags, quotes and icon prefixes from a label.
pub fn clean_label(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut in_tag = false;
    for ch in label.chars() {
        match ch {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            '"' | '*' | '`' if !in_tag => {}
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out.split_whitespace()
        .filter(|w| !w.starts_with("fa:"))
        .collect::<Vec<_>>()
        .join(" ")
}
