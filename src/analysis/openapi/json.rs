//! A small JSON reader that keeps line numbers, which `serde_json` does not
//! expose. It is byte-oriented and non-allocating except for the tree, so a
//! 4 MB spec reads in milliseconds; nesting and node count are bounded by
//! [`Limits`] before anything can blow the stack or memory.

use super::node::{Entry, Node, Value};
use crate::analysis::request::{AnalysisError, Limits};

/// Parses `text` as one JSON document.
pub fn parse(text: &str, limits: &Limits) -> Result<Node, AnalysisError> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
        depth: 0,
        nodes: 0,
        limits,
    };
    reader.skip_ws();
    let node = reader.value()?;
    reader.skip_ws();
    if reader.pos < reader.bytes.len() {
        return Err(reader.error("unexpected content after the document"));
    }
    Ok(node)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    depth: usize,
    nodes: usize,
    limits: &'a Limits,
}

impl Reader<'_> {
    fn error(&self, what: &str) -> AnalysisError {
        AnalysisError::InvalidInput(format!("invalid JSON at line {}: {what}", self.line))
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn value(&mut self) -> Result<Node, AnalysisError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(AnalysisError::InvalidInput(format!(
                "document has more than {} nodes",
                self.limits.max_nodes
            )));
        }
        let line = self.line;
        let value = match self.peek() {
            Some(b'{') => self.nested(Self::object)?,
            Some(b'[') => self.nested(Self::array)?,
            Some(b'"') => Value::String(self.string()?.into()),
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
        read: fn(&mut Self) -> Result<Value, AnalysisError>,
    ) -> Result<Value, AnalysisError> {
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

    fn object(&mut self) -> Result<Value, AnalysisError> {
        self.pos += 1;
        let mut entries = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(entries.into()));
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
            entries.push(Entry {
                key: key.into(),
                line,
                value,
            });
            if self.after_member(b'}')? {
                return Ok(Value::Object(entries.into()));
            }
        }
    }

    fn array(&mut self) -> Result<Value, AnalysisError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items.into()));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            if self.after_member(b']')? {
                return Ok(Value::Array(items.into()));
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

    fn string(&mut self) -> Result<String, AnalysisError> {
        let start = self.pos;
        let mut escaped = false;
        let mut i = start + 1;
        loop {
            match self.bytes.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                Some(b) if *b < 0x20 => return Err(self.error("control character in string")),
                Some(_) => i += 1,
                None => return Err(self.error("unterminated string")),
            }
        }
        self.pos = i + 1;
        // Both ends are ASCII quotes, so these are char boundaries.
        let raw = self
            .text
            .get(start..=i)
            .ok_or_else(|| self.error("bad string"))?;
        if !escaped {
            return Ok(raw[1..raw.len() - 1].to_string());
        }
        // Escapes are rare in specs: let serde_json decode them (surrogates included).
        serde_json::from_str::<String>(raw).map_err(|_| self.error("invalid escape in string"))
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, AnalysisError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("unknown literal"))
        }
    }

    fn number(&mut self) -> Result<Value, AnalysisError> {
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
