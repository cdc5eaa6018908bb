//! A format-neutral document tree with source lines: what the JSON and YAML
//! readers produce and the normaliser walks. Objects keep their key order and
//! the line of every key, so a finding can point at the key that introduced
//! the offending object.
//!
//! The tree borrows: strings are slices of the source text (or, when the
//! reader had to unescape them, of an arena), and containers are slices in a
//! [`bumpalo`] arena. Nothing in it owns heap memory, so building it costs no
//! allocation per node and dropping it is freeing a few arena chunks; this
//! keeps a multi-MB spec's peak memory under 10x its size.

use foldhash::HashSet;

use crate::analysis::budget;
use crate::analysis::request::AnalysisError;

/// One value of the document and the 1-based line it starts on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node<'t> {
    pub line: u32,
    pub value: Value<'t>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'t> {
    Null,
    Bool(bool),
    Number(f64),
    String(&'t str),
    Array(&'t [Node<'t>]),
    Object(&'t [Entry<'t>]),
}

/// One member of an object: its key, the key's line, and its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry<'t> {
    pub key: &'t str,
    pub line: u32,
    pub value: Node<'t>,
}

impl<'t> Node<'t> {
    pub fn new(line: u32, value: Value<'t>) -> Self {
        Self { line, value }
    }

    /// The member `key` of an object (the readers refuse repeated keys).
    pub fn get(&self, key: &str) -> Option<&'t Node<'t>> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&'t Entry<'t>> {
        self.entries().iter().find(|e| e.key == key)
    }

    /// The members of an object; empty for anything else.
    pub fn entries(&self) -> &'t [Entry<'t>] {
        match self.value {
            Value::Object(entries) => entries,
            _ => &[],
        }
    }

    /// The items of an array; empty for anything else.
    pub fn items(&self) -> &'t [Node<'t>] {
        match self.value {
            Value::Array(items) => items,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&'t str> {
        match self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Number(n) => Some(*n),
            // YAML keeps `1.10`-style scalars as text; constraints written so still count.
            Value::String(s) => s.parse().ok().filter(|n: &f64| n.is_finite()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self.value, Value::Object(_))
    }

    /// A scalar rendered as text (numbers without a trailing `.0`).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::String(s) => Some(s.to_string()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// `get(key)` as text, for fields that must be strings.
    pub fn str_at(&self, key: &str) -> Option<&'t str> {
        self.get(key).and_then(Node::as_str)
    }

    pub fn bool_at(&self, key: &str) -> bool {
        self.get(key).and_then(Node::as_bool).unwrap_or(false)
    }
}

/// How many keys an object may have before [`KeySet`] hashes them.
const FEW_KEYS: usize = 16;

/// The keys of one object, to find a repeat in linear time: compared one by
/// one while few (most objects; no allocation), hashed beyond that.
#[derive(Default)]
pub struct KeySet<'t> {
    few: [&'t str; FEW_KEYS],
    len: usize,
    many: HashSet<&'t str>,
}

impl<'t> KeySet<'t> {
    /// Adds `key`; false when it was already there.
    pub fn insert(&mut self, key: &'t str) -> bool {
        if self.len < FEW_KEYS {
            if self.few[..self.len].contains(&key) {
                return false;
            }
            self.few[self.len] = key;
            self.len += 1;
            return true;
        }
        if self.many.is_empty() {
            self.many.extend(self.few);
        }
        self.many.insert(key)
    }
}

/// The first member of `entries` whose key an earlier one already has, with
/// that earlier one's line; every key goes into `keys`. Empty keys are not
/// compared: a YAML complex key (`? [a, b]`) reads as "", and two different
/// ones are no repeat.
pub fn repeated<'t>(entries: &[Entry<'t>], keys: &mut KeySet<'t>) -> Option<(Entry<'t>, u32)> {
    let again = entries
        .iter()
        .find(|e| !keys.insert(e.key) && !e.key.is_empty())?;
    let first = entries.iter().find(|e| e.key == again.key)?;
    Some((*again, first.line))
}

/// The message for a repeated key: both lines, and the key cut short (a
/// hostile key may be megabytes long).
pub fn repeated_message(key: &str, first_line: u32) -> String {
    let shown: String = key.chars().take(80).collect();
    let more = if shown.len() < key.len() { "…" } else { "" };
    format!("duplicate key \"{shown}{more}\" (first at line {first_line})")
}

/// How many nodes a reader builds between looks at the analysis time limit:
/// often enough that no parse outlives the limit by much, rarely enough to
/// cost nothing.
const NODES_PER_CLOCK_CHECK: usize = 4096;

/// Makes a reader stop when the analysis runs out of time (see
/// [`budget`](crate::analysis::budget)): the rule loop cannot stop a parse.
#[derive(Default)]
pub struct Clock {
    next_check: usize,
}

impl Clock {
    /// Called with the reader's node count as it grows.
    pub fn tick(&mut self, nodes: usize) -> Result<(), AnalysisError> {
        if nodes < self.next_check {
            return Ok(());
        }
        self.next_check = nodes.saturating_add(NODES_PER_CLOCK_CHECK);
        match budget::exceeded() {
            Some(limit) => Err(budget::error(limit)),
            None => Ok(()),
        }
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Escapes one reference token for an RFC 6901 JSON pointer.
pub fn escape_token(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    push_token(&mut out, token);
    out
}

/// Appends `token` to a pointer, escaped (`~` as `~0`, `/` as `~1`).
pub fn push_token(out: &mut String, token: &str) {
    let mut rest = token;
    // Copies the runs between special bytes whole (paths are full of `/`).
    while let Some(i) = rest.bytes().position(|b| b == b'~' || b == b'/') {
        out.push_str(&rest[..i]);
        out.push_str(if rest.as_bytes()[i] == b'~' {
            "~0"
        } else {
            "~1"
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

/// `base` extended by one token.
pub fn child(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    out.push('/');
    push_token(&mut out, token);
    out
}

/// Looks `pointer` (RFC 6901, without `#`) up from `root`; also returns the
/// line of the key that holds the node (the node's own line for array items).
pub fn lookup<'a, 't>(root: &'a Node<'t>, pointer: &str) -> Option<(&'a Node<'t>, u32)> {
    lookup_with(root, pointer, |node, key| node.entry(key))
}

/// [`lookup`], finding an object's member by key with `find` (an index
/// for objects of thousands of members, where a scan per token is slow).
pub fn lookup_with<'a, 't>(
    root: &'a Node<'t>,
    pointer: &str,
    mut find: impl FnMut(&'a Node<'t>, &str) -> Option<&'a Entry<'t>>,
) -> Option<(&'a Node<'t>, u32)> {
    if pointer.is_empty() {
        return Some((root, root.line));
    }
    let rest = pointer.strip_prefix('/')?;
    let mut node = root;
    let mut line = root.line;
    for raw in rest.split('/') {
        // Escaped tokens are rare: only they pay for an unescaped copy.
        let unescaped;
        let token = if raw.contains('~') {
            unescaped = raw.replace("~1", "/").replace("~0", "~");
            unescaped.as_str()
        } else {
            raw
        };
        match &node.value {
            Value::Object(_) => {
                let entry = find(node, token)?;
                line = entry.line;
                node = &entry.value;
            }
            Value::Array(items) => {
                node = items.get(token.parse::<usize>().ok()?)?;
                line = node.line;
            }
            _ => return None,
        }
    }
    Some((node, line))
}
