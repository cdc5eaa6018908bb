//! Builds a [`Node`] tree from YAML events (`saphyr-parser`), keeping the
//! line of every key. Pull-based and iterative, so hostile input is refused
//! early: nesting is checked per container, and aliases are expanded only
//! while the total node count stays under `limits.max_nodes` (alias bombs).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::node::{Entry, Node, Value, format_number};
use crate::analysis::request::{AnalysisError, Limits};

/// A container being filled, with what it needs to become a node.
struct Frame {
    line: u32,
    anchor: usize,
    start_nodes: usize,
    kind: FrameKind,
}

enum FrameKind {
    Seq(Vec<Node>),
    /// Entries so far and the key waiting for its value.
    Map(Vec<Entry>, Option<(String, u32)>),
}

struct Builder<'l> {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
    limits: &'l Limits,
}

/// Parses the first document of `text`.
pub fn parse(text: &str, limits: &Limits) -> Result<Node, AnalysisError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        limits,
    };
    while b.root.is_none() {
        let (event, span) = match parser.next_event() {
            Some(Ok(pair)) => pair,
            Some(Err(e)) => {
                return Err(invalid(format!(
                    "invalid YAML at line {}: {}",
                    e.marker().line(),
                    e.info()
                )));
            }
            None => break,
        };
        let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
        match event {
            Event::StreamEnd => break,
            Event::Scalar(text, style, anchor, tag) => {
                let quoted = style != ScalarStyle::Plain || tag.is_some_and(|t| t.suffix == "str");
                let node = Node::new(line, scalar(&text, quoted));
                b.finish(node, anchor, 1)?;
            }
            Event::SequenceStart(anchor, _) => b.open(line, anchor, FrameKind::Seq(Vec::new()))?,
            Event::MappingStart(anchor, _) => {
                b.open(line, anchor, FrameKind::Map(Vec::new(), None))?
            }
            Event::SequenceEnd | Event::MappingEnd => b.close()?,
            Event::Alias(id) => b.alias(id, line)?,
            _ => {}
        }
    }
    b.root
        .ok_or_else(|| invalid("the YAML document is empty".into()))
}

fn invalid(msg: String) -> AnalysisError {
    AnalysisError::InvalidInput(msg)
}

impl Builder<'_> {
    fn count(&mut self, n: usize) -> Result<(), AnalysisError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(invalid(format!(
                "document expands to more than {} nodes (YAML alias bomb?)",
                self.limits.max_nodes
            )));
        }
        Ok(())
    }

    fn open(&mut self, line: u32, anchor: usize, kind: FrameKind) -> Result<(), AnalysisError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(invalid(format!(
                "document nests deeper than {} levels",
                self.limits.max_depth
            )));
        }
        self.count(1)?;
        self.stack.push(Frame {
            line,
            anchor,
            start_nodes: self.nodes,
            kind,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), AnalysisError> {
        let Some(frame) = self.stack.pop() else {
            return Err(invalid("unbalanced YAML structure".into()));
        };
        let value = match frame.kind {
            FrameKind::Seq(items) => Value::Array(items.into()),
            FrameKind::Map(entries, _) => Value::Object(entries.into()),
        };
        let size = self.nodes - frame.start_nodes + 1;
        self.attach(Node::new(frame.line, value), frame.anchor, size)
    }

    /// A completed scalar: counts it, then attaches it.
    fn finish(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), AnalysisError> {
        self.count(1)?;
        self.attach(node, anchor, size)
    }

    fn alias(&mut self, id: usize, line: u32) -> Result<(), AnalysisError> {
        let Some((node, size)) = self.anchors.get(&id) else {
            return Err(invalid(format!("unknown YAML alias at line {line}")));
        };
        let (node, size) = (node.clone(), *size);
        // Count before attaching so a bomb stops at the limit, not after cloning a billion nodes.
        self.count(size)?;
        self.attach(node, 0, size)
    }

    fn attach(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), AnalysisError> {
        if anchor != 0 {
            // The stored copy counts too: nested anchors would otherwise copy
            // one subtree once per anchored ancestor without limit.
            self.count(size)?;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut top.kind {
            FrameKind::Seq(items) => items.push(node),
            FrameKind::Map(entries, pending) => match pending.take() {
                None => *pending = Some((key_text(&node), node.line)),
                Some((key, _)) if key == "<<" => merge(entries, node),
                Some((key, line)) => entries.push(Entry {
                    key: key.into(),
                    line,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

/// Keys are text in OpenAPI; `200:` is the status code "200".
fn key_text(node: &Node) -> String {
    node.scalar_text().unwrap_or_else(|| match node.value {
        Value::Null => "null".into(),
        _ => String::new(),
    })
}

/// YAML merge key (`<<: *base`): copies members not already present.
fn merge(entries: &mut Vec<Entry>, node: Node) {
    let sources = match node.value {
        Value::Object(_) => vec![node],
        Value::Array(items) => items.into_vec(),
        _ => return,
    };
    for source in sources {
        if let Value::Object(members) = source.value {
            for member in members {
                if !entries.iter().any(|e| e.key == member.key) {
                    entries.push(member);
                }
            }
        }
    }
}

/// Types a scalar by the YAML 1.2 core schema; quoted scalars stay text.
fn scalar(text: &str, quoted: bool) -> Value {
    if quoted {
        return Value::String(text.into());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    match number(text) {
        Some(n) => Value::Number(n),
        None => Value::String(text.into()),
    }
}

fn number(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let first = body.bytes().next()?;
    if !(first.is_ascii_digit() || first == b'.')
        || body
            .bytes()
            .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E' && b != b'x' && b != b'o')
    {
        return None;
    }
    if let Some(hex) = body.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|n| n as f64);
    }
    if let Some(oct) = body.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(|n| n as f64);
    }
    let n = text.parse::<f64>().ok()?;
    // Keep "1.10" style versions exact as text when they would not round-trip.
    if text.contains('.')
        && format_number(n) != text
        && !text.contains(['e', 'E'])
        && text.ends_with('0')
    {
        return None;
    }
    Some(n)
}
