//! Builds a [`Node`] tree from YAML events (`saphyr-parser`), keeping the
//! line of every key. Pull-based and iterative, so hostile input is refused
//! early: nesting is checked per container, and aliases are expanded only
//! while the total node count stays under `limits.max_nodes` (alias bombs).
//! Merge keys (`<<`) are applied when their mapping closes, so explicit keys
//! win wherever they stand; a key written twice is refused.

use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;

use bumpalo::Bump;
use saphyr_parser::{Event, Parser, ScalarStyle};

use super::node::{Clock, Entry, KeySet, Node, Value, format_number, repeated, repeated_message};
use crate::analysis::request::{AnalysisError, Limits};

/// A container being filled, with what it needs to become a node. Its
/// members sit on the builder's scratch stacks from `start` on.
struct Frame<'t> {
    line: u32,
    anchor: usize,
    start_nodes: usize,
    start: usize,
    /// Where this mapping's `<<` sources start on the builder's `merges`.
    merge_start: usize,
    kind: FrameKind<'t>,
}

enum FrameKind<'t> {
    Seq,
    /// The key waiting for its value.
    Map(Option<(&'t str, u32)>),
}

struct Builder<'t, 'l> {
    arena: &'t Bump,
    stack: Vec<Frame<'t>>,
    /// Members of the open sequences and mappings, innermost last.
    items: Vec<Node<'t>>,
    entries: Vec<Entry<'t>>,
    /// The `<<` sources of the open mappings, each with the position in
    /// `entries` where it was written.
    merges: Vec<(usize, Node<'t>)>,
    /// Where a mapping with merges is put together before going to the arena.
    scratch: Vec<Entry<'t>>,
    anchors: HashMap<usize, (Node<'t>, usize)>,
    nodes: usize,
    clock: Clock,
    root: Option<Node<'t>>,
    limits: &'l Limits,
}

/// Nodes any document may expand to through aliases, however short.
const ALIAS_FLOOR: usize = 100_000;

/// Parses the first document of `text`, its containers in `arena` (the
/// reader tests' entry; analysis goes through [`parse_first`]).
#[cfg(test)]
pub fn parse<'t>(
    text: &'t str,
    arena: &'t Bump,
    limits: &Limits,
) -> Result<Node<'t>, AnalysisError> {
    parse_first(text, arena, limits).map(|(root, _)| root)
}

/// Like [`parse`], plus the line where a second, non-empty document starts
/// (after `---`): it is not read, and the caller says so rather than let a
/// file of several documents pass for its first one.
pub fn parse_first<'t>(
    text: &'t str,
    arena: &'t Bump,
    limits: &Limits,
) -> Result<(Node<'t>, Option<u32>), AnalysisError> {
    // A document without aliases has at most a node per two bytes; aliases
    // and merges may expand it a few times over, but not to millions of
    // nodes from a few hundred bytes (each node costs ~40 bytes of memory,
    // and workers parse in parallel).
    let limits = &Limits {
        max_nodes: limits.max_nodes.min(ALIAS_FLOOR + 4 * text.len()),
        ..*limits
    };
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        arena,
        stack: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        merges: Vec::new(),
        scratch: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        clock: Clock::default(),
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
                // Text lives on in the tree: borrowed from the input when the
                // scanner could, copied into the arena otherwise.
                let value = scalar(&text, quoted).unwrap_or_else(|| match text {
                    Cow::Borrowed(t) => Value::String(t),
                    Cow::Owned(t) => Value::String(arena.alloc_str(&t)),
                });
                b.finish(Node::new(line, value), anchor, 1)?;
            }
            Event::SequenceStart(anchor, _) => b.open(line, anchor, FrameKind::Seq)?,
            Event::MappingStart(anchor, _) => b.open(line, anchor, FrameKind::Map(None))?,
            Event::SequenceEnd | Event::MappingEnd => b.close()?,
            Event::Alias(id) => b.alias(id, line)?,
            _ => {}
        }
    }
    let root = b
        .root
        .ok_or_else(|| invalid("the YAML document is empty".into()))?;
    Ok((root, next_document(&mut parser)))
}

/// The line of the next document of the stream that holds anything: a bare
/// `---` or one with only comments holds nothing. Reading stops at its first
/// event; an error after the first document is not this reader's business.
fn next_document(parser: &mut Parser<'_, saphyr_parser::StrInput<'_>>) -> Option<u32> {
    let mut start = None;
    while let Some(Ok((event, span))) = parser.next_event() {
        match event {
            Event::StreamEnd => return None,
            Event::DocumentStart(_) => start = Some(span.start.line()),
            // An empty document is one null scalar.
            Event::Scalar(text, ScalarStyle::Plain, _, None) if text.is_empty() => start = None,
            Event::DocumentEnd => {}
            _ => return start.map(|l| u32::try_from(l).unwrap_or(u32::MAX)),
        }
    }
    None
}

fn invalid(msg: String) -> AnalysisError {
    AnalysisError::InvalidInput(msg)
}

impl<'t> Builder<'t, '_> {
    fn count(&mut self, n: usize) -> Result<(), AnalysisError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(invalid(format!(
                "document expands to more than {} nodes (YAML alias bomb?)",
                self.limits.max_nodes
            )));
        }
        self.clock.tick(self.nodes)
    }

    fn open(&mut self, line: u32, anchor: usize, kind: FrameKind<'t>) -> Result<(), AnalysisError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(invalid(format!(
                "document nests deeper than {} levels",
                self.limits.max_depth
            )));
        }
        self.count(1)?;
        let start = match kind {
            FrameKind::Seq => self.items.len(),
            FrameKind::Map(_) => self.entries.len(),
        };
        self.stack.push(Frame {
            line,
            anchor,
            start_nodes: self.nodes,
            start,
            merge_start: self.merges.len(),
            kind,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), AnalysisError> {
        let Some(frame) = self.stack.pop() else {
            return Err(invalid("unbalanced YAML structure".into()));
        };
        let value = match frame.kind {
            FrameKind::Seq => {
                let items = self.arena.alloc_slice_copy(&self.items[frame.start..]);
                self.items.truncate(frame.start);
                Value::Array(items)
            }
            FrameKind::Map(_) => Value::Object(self.close_map(&frame)?),
        };
        let size = self.nodes - frame.start_nodes + 1;
        self.attach(Node::new(frame.line, value), frame.anchor, size)
    }

    /// The members of the mapping `frame` closes, in the arena: its explicit
    /// keys, and the members its merges bring that no explicit key (or
    /// earlier merge) has, each at the place of its `<<`.
    fn close_map(&mut self, frame: &Frame<'t>) -> Result<&'t [Entry<'t>], AnalysisError> {
        let explicit = &self.entries[frame.start..];
        let mut keys = KeySet::default();
        if let Some((entry, first)) = repeated(explicit, &mut keys) {
            return Err(invalid(format!(
                "invalid YAML at line {}: {}",
                entry.line,
                repeated_message(entry.key, first)
            )));
        }
        let merges = &self.merges[frame.merge_start..];
        let members = if merges.is_empty() {
            self.arena.alloc_slice_copy(explicit)
        } else {
            self.scratch.clear();
            merge(explicit, frame.start, merges, &mut keys, &mut self.scratch);
            self.arena.alloc_slice_copy(&self.scratch)
        };
        self.entries.truncate(frame.start);
        self.merges.truncate(frame.merge_start);
        Ok(members)
    }

    /// A completed scalar: counts it, then attaches it.
    fn finish(&mut self, node: Node<'t>, anchor: usize, size: usize) -> Result<(), AnalysisError> {
        self.count(1)?;
        self.attach(node, anchor, size)
    }

    fn alias(&mut self, id: usize, line: u32) -> Result<(), AnalysisError> {
        let Some(&(node, size)) = self.anchors.get(&id) else {
            return Err(invalid(format!("unknown YAML alias at line {line}")));
        };
        // Count before copying so a bomb stops at the limit, not after copying a billion nodes.
        self.count(size)?;
        // A copy of its own, as if written out: each place keeps its own node
        // (the normaliser tells schemas apart by where they are).
        let node = deep_copy(self.arena, node);
        self.attach(node, 0, size)
    }

    fn attach(&mut self, node: Node<'t>, anchor: usize, size: usize) -> Result<(), AnalysisError> {
        if anchor != 0 {
            // The stored copy counts too: nested anchors would otherwise copy
            // one subtree once per anchored ancestor without limit.
            self.count(size)?;
            self.anchors.insert(anchor, (node, size));
        }
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut top.kind {
            FrameKind::Seq => self.items.push(node),
            FrameKind::Map(pending) => match pending.take() {
                None => *pending = Some((key_text(self.arena, &node), node.line)),
                Some(("<<", _)) => self.merges.push((self.entries.len(), node)),
                Some((key, line)) => self.entries.push(Entry {
                    key,
                    line,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

/// `node` with every container copied anew into `arena`.
fn deep_copy<'t>(arena: &'t Bump, node: Node<'t>) -> Node<'t> {
    let value = match node.value {
        Value::Array(items) => {
            Value::Array(arena.alloc_slice_fill_iter(items.iter().map(|n| deep_copy(arena, *n))))
        }
        Value::Object(entries) => {
            Value::Object(arena.alloc_slice_fill_iter(entries.iter().map(|e| Entry {
                value: deep_copy(arena, e.value),
                ..*e
            })))
        }
        other => other,
    };
    Node::new(node.line, value)
}

/// Keys are text in OpenAPI; `200:` is the status code "200".
fn key_text<'t>(arena: &'t Bump, node: &Node<'t>) -> &'t str {
    match node.value {
        Value::String(s) => s,
        Value::Bool(true) => "true",
        Value::Bool(false) => "false",
        Value::Number(n) => arena.alloc_str(&format_number(n)),
        Value::Null => "null",
        _ => "",
    }
}

/// YAML merge keys (`<<: *base`, `<<: [*a, *b]`) into `out`: the explicit
/// members (`keys` holds theirs) with, before the member written after each
/// `<<`, the members of its sources whose key is not yet in `keys`, so
/// explicit keys override merged ones and the first source wins among
/// merges. `merges` holds positions in the builder's `entries`, whose
/// explicit part starts at `start`. A source is an alias (a fresh copy
/// already) or written in place, so its members are not shared.
fn merge<'t>(
    explicit: &[Entry<'t>],
    start: usize,
    merges: &[(usize, Node<'t>)],
    keys: &mut KeySet<'t>,
    out: &mut Vec<Entry<'t>>,
) {
    let mut pending = merges.iter().peekable();
    for i in 0..=explicit.len() {
        while let Some((_, source)) = pending.next_if(|(at, _)| *at == start + i) {
            let members = sources(source).iter().flat_map(Node::entries);
            out.extend(members.filter(|m| keys.insert(m.key)));
        }
        out.extend(explicit.get(i));
    }
}

/// The mappings one `<<` merges: the node itself or the items of a sequence
/// (anything else merges nothing).
fn sources<'a, 't>(node: &'a Node<'t>) -> &'a [Node<'t>] {
    match node.value {
        Value::Object(_) => std::slice::from_ref(node),
        Value::Array(items) => items,
        _ => &[],
    }
}

/// Types a scalar by the YAML 1.2 core schema: `None` for text (quoted
/// scalars stay text).
fn scalar(text: &str, quoted: bool) -> Option<Value<'static>> {
    if quoted {
        return None;
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Some(Value::Null),
        "true" | "True" | "TRUE" => Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => Some(Value::Bool(false)),
        _ => number(text).map(Value::Number),
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
