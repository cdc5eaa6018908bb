//! A small JSON reader that keeps line numbers, which `serde_json` does not
//! expose. It is byte-oriented and allocates nothing per node: strings
//! without escapes are slices of the text, and each container is copied from
//! a reusable scratch stack into the arena once complete. So a 4 MB spec
//! reads in milliseconds; nesting and node count are bounded by [`Limits`]
//! before anything can blow the stack or memory. A key written twice in one
//! object is refused (RFC 8259 wants them unique; which one a reader keeps
//! differs between readers, so either choice would mislead).

use bumpalo::Bump;

use super::node::{Clock, Entry, KeySet, Node, Value, repeated, repeated_message};
use crate::analysis::request::{AnalysisError, Limits};

/// Parses `text` as one JSON document, its containers in `arena`.
pub fn parse<'t>(
    text: &'t str,
    arena: &'t Bump,
    limits: &Limits,
) -> Result<Node<'t>, AnalysisError> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        arena,
        pos: 0,
        line: 1,
        depth: 0,
        nodes: 0,
        clock: Clock::default(),
        limits,
        items: Vec::new(),
        entries: Vec::new(),
    };
    reader.skip_ws();
    let node = reader.value()?;
    reader.skip_ws();
    if reader.pos < reader.bytes.len() {
        return Err(reader.error("unexpected content after the document"));
    }
    Ok(node)
}

struct Reader<'t, 'l> {
    text: &'t str,
    bytes: &'t [u8],
    arena: &'t Bump,
    pos: usize,
    line: u32,
    depth: usize,
    nodes: usize,
    clock: Clock,
    limits: &'l Limits,
    /// Members of the arrays and objects still open, innermost last.
    items: Vec<Node<'t>>,
    entries: Vec<Entry<'t>>,
}

impl<'t> Reader<'t, '_> {
    fn error(&self, what: &str) -> AnalysisError {
        AnalysisError::InvalidInput(format!("invalid JSON at line {}: {what}", self.line))
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => self.line += 1,
                // A lone CR ends a line too; in CRLF the LF counts.
                b'\r' if self.bytes.get(self.pos + 1) != Some(&b'\n') => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn value(&mut self) -> Result<Node<'t>, AnalysisError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(AnalysisError::InvalidInput(format!(
                "document has more than {} nodes",
                self.limits.max_nodes
            )));
        }
        self.clock.tick(self.nodes)?;
        let line = self.line;
        let value = match self.peek() {
            Some(b'{') => self.nested(Self::object)?,
            Some(b'[') => self.nested(Self::array)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("unexpected character")),
            None => return Err(self.error("unexpected end of input")),
        };
        Ok(Node::new(line, value))
    }

    /// Runs a container reader one level deeper, refusing to go past the limit.
    fn nested(
        &mut self,
        read: fn(&mut Self) -> Result<Value<'t>, AnalysisError>,
    ) -> Result<Value<'t>, AnalysisError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(AnalysisError::InvalidInput(format!(
                "document nests deeper than {} levels",
                self.limits.max_depth
            )));
        }
        let value = read(self);
        self.depth -= 1;
        value
    }

    fn object(&mut self) -> Result<Value<'t>, AnalysisError> {
        self.pos += 1;
        let start = self.entries.len();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(&[]));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let line = self.line;
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value()?;
            self.entries.push(Entry { key, line, value });
            if self.after_member(b'}')? {
                return self.close_object(start);
            }
        }
    }

    /// The object whose members start at `start` on the scratch stack, in
    /// the arena, unless a key repeats.
    fn close_object(&mut self, start: usize) -> Result<Value<'t>, AnalysisError> {
        let members = &self.entries[start..];
        if let Some((entry, first)) = repeated(members, &mut KeySet::default()) {
            return Err(AnalysisError::InvalidInput(format!(
                "invalid JSON at line {}: {}",
                entry.line,
                repeated_message(entry.key, first)
            )));
        }
        let entries = self.arena.alloc_slice_copy(members);
        self.entries.truncate(start);
        Ok(Value::Object(entries))
    }

    fn array(&mut self) -> Result<Value<'t>, AnalysisError> {
        self.pos += 1;
        let start = self.items.len();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(&[]));
        }
        loop {
            self.skip_ws();
            let item = self.value()?;
            self.items.push(item);
            if self.after_member(b']')? {
                let items = self.arena.alloc_slice_copy(&self.items[start..]);
                self.items.truncate(start);
                return Ok(Value::Array(items));
            }
        }
    }

    /// Consumes `,` (false: more to come) or `close` (true: done).
    fn after_member(&mut self, close: u8) -> Result<bool, AnalysisError> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(self.error("expected ',' or a closing bracket")),
        }
    }

    fn string(&mut self) -> Result<&'t str, AnalysisError> {
        let start = self.pos;
        let mut escaped = false;
        let mut i = start + 1;
        // Jump from one quote or backslash to the next (SIMD), checking the
        // bytes jumped over for control characters.
        loop {
            let rest = self.bytes.get(i..).unwrap_or_default();
            let stop = memchr::memchr2(b'"', b'\\', rest);
            let plain = &rest[..stop.unwrap_or(rest.len())];
            if plain.iter().copied().min().is_some_and(|b| b < 0x20) {
                return Err(self.error("control character in string"));
            }
            let Some(stop) = stop else {
                return Err(self.error("unterminated string"));
            };
            i += stop;
            if self.bytes[i] == b'"' {
                break;
            }
            escaped = true;
            i += 2;
        }
        self.pos = i + 1;
        // Both ends are ASCII quotes, so these are char boundaries.
        let raw = self
            .text
            .get(start..=i)
            .ok_or_else(|| self.error("bad string"))?;
        if !escaped {
            return Ok(&raw[1..raw.len() - 1]);
        }
        // Escapes are rare in specs: let serde_json decode them (surrogates included).
        let decoded = serde_json::from_str::<String>(raw)
            .map_err(|_| self.error("invalid escape in string"))?;
        Ok(self.arena.alloc_str(&decoded))
    }

    fn literal(&mut self, word: &str, value: Value<'t>) -> Result<Value<'t>, AnalysisError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("unknown literal"))
        }
    }

    fn number(&mut self) -> Result<Value<'t>, AnalysisError> {
        let start = self.pos;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.peek() {
            self.pos += 1;
        }
        let raw = &self.text[start..self.pos];
        raw.parse::<f64>()
            .ok()
            // 1e400 is valid JSON; clamp instead of refusing the document.
            .map(|n| Value::Number(n.clamp(f64::MIN, f64::MAX)))
            .ok_or_else(|| self.error("invalid number"))
    }
}
