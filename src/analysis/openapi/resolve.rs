//! Local `$ref` handling: the build context that owns the schema arena, a
//! pre-scan that records every reference target (for "unused component") and
//! every unresolvable one (for "unresolved `$ref`"), and chain following with
//! cycle protection. Nothing here fails: bad references are recorded.

// foldhash: these maps hash many pointer strings; SipHash was ~9% of the run.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use super::memo::SchemaMemo;
use super::model::{Loc, Schema, SchemaId, Text, TextKind, UnresolvedRef, Version};
use super::node::{Entry, Node, Value, child, lookup_with, push_token};

/// Most `$ref` hops followed; a longer chain is left unresolved (the
/// reason in [`Ctx::deref`] spells the number).
const MAX_HOPS: usize = 32;
const _: () = assert!(MAX_HOPS == 32);

/// Objects with more members than this get a key index when a `$ref` looks
/// into them: 20,000 schemas each referring to the next took 20,000 scans
/// of 20,000 keys.
const INDEX_OVER: usize = 32;

/// State shared while normalising one document.
pub struct Ctx<'a> {
    pub root: &'a Node<'a>,
    pub version: Version,
    pub schemas: Vec<Schema>,
    pub memo: SchemaMemo,
    /// Referenced schemas still to fill: (node, pointer, id). Filling them
    /// from a queue, not by recursion, keeps the stack bounded by nesting.
    pub queue: Vec<(&'a Node<'a>, SchemaId)>,
    pub referenced: HashSet<String>,
    pub unresolved: Vec<UnresolvedRef>,
    /// Where a cycle or an over-long chain was already recorded (a `$ref`
    /// is followed once per use; a list search made 20,000 of them quadratic).
    chains_recorded: HashSet<Loc>,
    pub local_refs: u32,
    pub texts: Vec<Text>,
    /// Text fields already recorded, by the address of their entry in the
    /// tree: shared parameters are visited once per operation but their
    /// text is stored once.
    text_seen: HashSet<usize>,
    /// `$ref` strings already followed one hop: (target, its pointer, line).
    hops: HashMap<&'a str, Option<(&'a Node<'a>, String, u32)>>,
    /// Member indexes of large objects, by the object's address.
    keys: HashMap<usize, HashMap<&'a str, &'a Entry<'a>>>,
}

impl<'a> Ctx<'a> {
    pub fn new(root: &'a Node<'a>, version: Version) -> Self {
        let mut ctx = Self {
            root,
            version,
            schemas: Vec::new(),
            memo: SchemaMemo::new(),
            queue: Vec::new(),
            referenced: HashSet::new(),
            unresolved: Vec::new(),
            chains_recorded: HashSet::new(),
            local_refs: 0,
            texts: Vec::new(),
            text_seen: HashSet::new(),
            hops: HashMap::new(),
            keys: HashMap::new(),
        };
        ctx.scan_refs();
        ctx
    }

    /// The `$ref` string of an object, if it is a reference.
    pub fn ref_of<'t>(node: &Node<'t>) -> Option<&'t str> {
        node.get("$ref").and_then(Node::as_str)
    }

    /// Follows `$ref`s from `node` (at `ptr`, key line `line`) to a concrete
    /// node. `None` when a reference is external, missing, cyclic, or more
    /// than [`MAX_HOPS`] deep; the last two are recorded, each distinctly.
    pub fn deref(
        &mut self,
        node: &'a Node<'a>,
        ptr: &str,
        line: u32,
    ) -> Option<(&'a Node<'a>, String, u32)> {
        let (mut cur, mut cur_ptr, mut cur_line) = (node, ptr.to_string(), line);
        // Target nodes reached so far, by address: at most MAX_HOPS of them,
        // so a list is cheapest.
        let mut visited: Vec<usize> = Vec::new();
        let mut reason = "reference cycle";
        for hop in 0..=MAX_HOPS {
            let Some(r) = Self::ref_of(cur) else {
                return Some((cur, cur_ptr, cur_line));
            };
            if hop == MAX_HOPS {
                reason = "reference chain longer than 32 hops (not followed further)";
                break;
            }
            let (next, target, next_line) = self.hop(r)?;
            let at = std::ptr::from_ref(next) as usize;
            if visited.contains(&at) {
                break;
            }
            visited.push(at);
            (cur, cur_ptr, cur_line) = (next, target, next_line);
        }
        let loc = Loc::new(line, child(ptr, "$ref"));
        if self.chains_recorded.insert(loc.clone()) {
            let target = Self::ref_of(node).unwrap_or_default().to_string();
            self.unresolved.push(UnresolvedRef {
                loc,
                target,
                reason,
            });
        }
        None
    }

    /// Where the local reference `r` leads, looked up once per distinct
    /// string (a big spec repeats the same few thousand refs many times).
    fn hop(&mut self, r: &'a str) -> Option<(&'a Node<'a>, String, u32)> {
        if let Some(known) = self.hops.get(r) {
            return known.clone();
        }
        let found = decode_fragment(r.strip_prefix('#')?).and_then(|target| {
            let (next, line) = self.lookup(&target)?;
            Some((next, target, line))
        });
        self.hops.insert(r, found.clone());
        found
    }

    /// [`lookup_with`] from the root, large objects searched by index.
    fn lookup(&mut self, pointer: &str) -> Option<(&'a Node<'a>, u32)> {
        let keys = &mut self.keys;
        lookup_with(self.root, pointer, |node, key| {
            let entries = node.entries();
            if entries.len() <= INDEX_OVER {
                return entries.iter().find(|e| e.key == key);
            }
            let index = keys
                .entry(std::ptr::from_ref(node) as usize)
                // Reversed, so a key written twice finds its first entry, as a scan does.
                .or_insert_with(|| entries.iter().rev().map(|e| (e.key, e)).collect());
            index.get(key).copied()
        })
    }

    /// Walks the raw tree once (iteratively) and records every `$ref`. The
    /// pointer is only spelled out when a `$ref` is found: the walk keeps the
    /// path as a stack of tokens, which spares an allocation per node.
    fn scan_refs(&mut self) {
        let mut stack: Vec<(&Node, usize, Token)> = vec![(self.root, 0, Token::Index(0))];
        let mut path = Path::default();
        while let Some((node, depth, token)) = stack.pop() {
            path.truncate(depth.saturating_sub(1));
            if depth > 0 {
                path.tokens.push(token);
            }
            match node.value {
                Value::Object(entries) => {
                    for e in entries {
                        if e.key == "$ref" {
                            if let Some(r) = e.value.as_str() {
                                let ptr = child(path.spell(), "$ref");
                                self.record_ref(r, Loc::new(e.line, ptr));
                            }
                        } else if matches!(e.value.value, Value::Object(_) | Value::Array(_)) {
                            stack.push((&e.value, depth + 1, Token::Key(e.key)));
                        }
                    }
                }
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        stack.push((item, depth + 1, Token::Index(i)));
                    }
                }
                _ => {}
            }
        }
        self.unresolved.sort_by_key(|u| u.loc.line);
    }

    fn record_ref(&mut self, r: &str, loc: Loc) {
        let Some(fragment) = r.strip_prefix('#') else {
            // Another file: we cannot see it, so we neither resolve nor blame it.
            return;
        };
        self.local_refs = self.local_refs.saturating_add(1);
        let Some(target) = decode_fragment(fragment) else {
            self.unresolved.push(UnresolvedRef {
                loc,
                target: r.into(),
                reason: "malformed pointer",
            });
            return;
        };
        if self.referenced.contains(&target) {
            return;
        }
        if self.lookup(&target).is_none() {
            self.unresolved.push(UnresolvedRef {
                loc,
                target: r.into(),
                reason: "target does not exist",
            });
            return;
        }
        self.mark_referenced(&target);
    }

    /// Marks `target` and all its ancestors as referenced.
    pub fn mark_referenced(&mut self, target: &str) {
        let mut end = target.len();
        loop {
            let prefix = &target[..end];
            if prefix.is_empty() || !self.referenced.insert(prefix.to_string()) {
                return;
            }
            match prefix.rfind('/') {
                Some(i) => end = i,
                None => return,
            }
        }
    }

    /// Records the text field `parent.key` (at `ptr/key`, on the key's line).
    pub fn field(&mut self, kind: TextKind, parent: &Node, key: &str, ptr: &str) {
        if let Some(e) = parent.entry(key)
            && self.text_seen.insert(std::ptr::from_ref(e) as usize)
        {
            self.text(kind, &e.value, e.line, child(ptr, key));
        }
    }

    /// Records the strings of a text field (description, example, default)
    /// for text rules, all at `ptr`.
    fn text(&mut self, kind: TextKind, node: &Node, line: u32, mut ptr: String) {
        let first = self.texts.len();
        let mut stack: Vec<&Node> = vec![node];
        let mut budget = 64;
        while let Some(n) = stack.pop() {
            match &n.value {
                Value::String(s) if budget > 0 => {
                    budget -= 1;
                    // The first string takes the pointer; the rare others copy it.
                    let pointer = match self.texts.get(first) {
                        Some(t) => t.loc.pointer.clone(),
                        None => std::mem::take(&mut ptr),
                    };
                    self.texts.push(Text {
                        loc: Loc::new(line, pointer),
                        kind,
                        text: s.to_string(),
                    });
                }
                Value::Object(entries) => stack.extend(entries.iter().map(|e| &e.value)),
                Value::Array(items) => stack.extend(items.iter()),
                _ => {}
            }
        }
    }
}

/// A `$ref` fragment (after `#`) as a JSON pointer, percent-decoded.
fn decode_fragment(fragment: &str) -> Option<String> {
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return None;
    }
    if !fragment.contains('%') {
        return Some(fragment.to_string());
    }
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = fragment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// One step of a path during the `$ref` scan.
#[derive(Clone, Copy)]
enum Token<'a> {
    Key(&'a str),
    Index(usize),
}

/// The scan's current path, and its pointer spelled as far as still valid:
/// refs come in clusters, so each token is escaped once per cluster rather
/// than once per `$ref`.
#[derive(Default)]
struct Path<'t> {
    tokens: Vec<Token<'t>>,
    spelled: String,
    /// `spelled.len()` after each spelled token.
    ends: Vec<usize>,
}

impl Path<'_> {
    /// Keeps the first `len` tokens.
    fn truncate(&mut self, len: usize) {
        self.tokens.truncate(len);
        if self.ends.len() > len {
            self.ends.truncate(len);
            self.spelled
                .truncate(self.ends.last().copied().unwrap_or(0));
        }
    }

    /// The JSON pointer of the path.
    fn spell(&mut self) -> &str {
        use std::fmt::Write;
        for token in &self.tokens[self.ends.len()..] {
            self.spelled.push('/');
            match token {
                Token::Key(k) => push_token(&mut self.spelled, k),
                Token::Index(i) => {
                    let _ = write!(self.spelled, "{i}");
                }
            }
            self.ends.push(self.spelled.len());
        }
        &self.spelled
    }
}
