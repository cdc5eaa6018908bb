//! Builds [`Schema`]s into the arena. Inline schemas are filled on the spot
//! (recursion bounded by the document's nesting, which the reader already
//! limited); referenced ones get an id at once and are filled later from the
//! queue, so reference chains and cycles never deepen the stack.

use super::model::{Additional, Loc, Property, Schema, SchemaId, TextKind, Version};
use super::node::{Node, Value, child};
use super::resolve::Ctx;

impl<'a> Ctx<'a> {
    /// The arena id for the schema `node` at `ptr` (key line `line`).
    pub fn schema(&mut self, node: &'a Node<'a>, ptr: String, line: u32) -> SchemaId {
        if Self::ref_of(node).is_some() {
            return self.referenced_schema(node, &ptr, line);
        }
        if let Some(id) = self.memo.get(&ptr, &self.schemas) {
            return id;
        }
        self.memo.insert(&ptr, self.schemas.len());
        let id = self.alloc(Loc::new(line, ptr));
        self.fill(id, node);
        id
    }

    fn referenced_schema(&mut self, node: &'a Node<'a>, ptr: &str, line: u32) -> SchemaId {
        match self.deref(node, ptr, line) {
            Some((target, target_ptr, target_line)) => {
                if let Some(id) = self.memo.get(&target_ptr, &self.schemas) {
                    return id;
                }
                self.memo.insert(&target_ptr, self.schemas.len());
                let id = self.alloc(Loc::new(target_line, target_ptr));
                self.queue.push((target, id));
                id
            }
            None => {
                let id = self.alloc(Loc::new(line, ptr));
                self.schemas[id].unresolved = true;
                id
            }
        }
    }

    fn alloc(&mut self, loc: Loc) -> SchemaId {
        self.schemas.push(Schema {
            loc,
            ..Schema::default()
        });
        self.schemas.len() - 1
    }

    /// Fills every queued referenced schema.
    pub fn drain(&mut self) {
        while let Some((node, id)) = self.queue.pop() {
            self.fill(id, node);
        }
    }

    /// Fills the allocated schema `id` from `node`, at the pointer of its loc.
    fn fill(&mut self, id: SchemaId, node: &'a Node<'a>) {
        // The arena keeps its loc while the schema is filled: the memo checks
        // pointers against it.
        let mut s = Schema {
            loc: self.schemas[id].loc.clone(),
            ..Schema::default()
        };
        let ptr = s.loc.pointer.as_str();
        s.types = types(node);
        s.format = node.str_at("format").map(str::to_string);
        s.required = node.get("required").map(strings).unwrap_or_default();
        s.max_length = node.get("maxLength").and_then(Node::as_f64);
        s.max_items = node.get("maxItems").and_then(Node::as_f64);
        s.maximum = bound(node, "maximum", "exclusiveMaximum");
        s.minimum = bound(node, "minimum", "exclusiveMinimum");
        s.pattern = node.str_at("pattern").map(str::to_string);
        s.enum_values = node
            .get("enum")
            .map(|e| e.items().iter().map(enum_text).collect());
        s.read_only = node.bool_at("readOnly");
        s.write_only = node.bool_at("writeOnly");
        s.description = node.str_at("description").map(str::to_string);
        s.has_example = ["example", "examples", "x-example"]
            .iter()
            .any(|k| node.get(k).is_some());
        self.schema_texts(node, ptr);
        self.mapping(node);
        s.properties = self.properties(node, ptr);
        s.items = self.sub(node, "items", ptr);
        s.additional = self.additional(node, ptr);
        s.all_of = self.list(node, "allOf", ptr);
        s.any_of = self.list(node, "anyOf", ptr);
        s.one_of = self.list(node, "oneOf", ptr);
        if s.types.is_empty()
            && (!s.properties.is_empty() || s.additional != Additional::Unspecified)
        {
            s.types.push("object".into());
        }
        self.schemas[id] = s;
    }

    fn schema_texts(&mut self, node: &'a Node<'a>, ptr: &str) {
        self.field(TextKind::Description, node, "description", ptr);
        self.field(TextKind::Example, node, "example", ptr);
        self.field(TextKind::Example, node, "examples", ptr);
        self.field(TextKind::Default, node, "default", ptr);
    }

    /// `discriminator.mapping` values name schemas without a `$ref` key.
    fn mapping(&mut self, node: &Node) {
        let Some(mapping) = node.get("discriminator").and_then(|d| d.get("mapping")) else {
            return;
        };
        for e in mapping.entries() {
            let Some(v) = e.value.as_str() else { continue };
            let target = match v.strip_prefix('#') {
                Some(p) => p.to_string(),
                None if self.version == Version::Swagger2 => child("/definitions", v),
                None => child("/components/schemas", v),
            };
            self.mark_referenced(&target);
        }
    }

    fn properties(&mut self, node: &'a Node<'a>, ptr: &str) -> Vec<Property> {
        let Some(props) = node.get("properties") else {
            return Vec::new();
        };
        let base = child(ptr, "properties");
        let mut out = Vec::with_capacity(props.entries().len());
        for e in props.entries() {
            let schema = self.schema(&e.value, child(&base, e.key), e.line);
            out.push(Property {
                name: e.key.to_string(),
                line: e.line,
                schema,
            });
        }
        out
    }

    fn sub(&mut self, node: &'a Node<'a>, key: &str, ptr: &str) -> Option<SchemaId> {
        let entry = node.entry(key)?;
        match &entry.value.value {
            Value::Object(_) => Some(self.schema(&entry.value, child(ptr, key), entry.line)),
            // Tuple-style `items: [..]`: the first item stands for all.
            Value::Array(items) => {
                let first = items.first()?;
                Some(self.schema(first, child(&child(ptr, key), "0"), first.line))
            }
            _ => None,
        }
    }

    fn additional(&mut self, node: &'a Node<'a>, ptr: &str) -> Additional {
        let Some(entry) = node.entry("additionalProperties") else {
            return Additional::Unspecified;
        };
        match &entry.value.value {
            Value::Bool(false) => Additional::Forbidden,
            Value::Object([]) => Additional::Allowed,
            Value::Object(_) => Additional::Schema(self.schema(
                &entry.value,
                child(ptr, "additionalProperties"),
                entry.line,
            )),
            _ => Additional::Allowed,
        }
    }

    fn list(&mut self, node: &'a Node<'a>, key: &str, ptr: &str) -> Vec<SchemaId> {
        let Some(list) = node.get(key) else {
            return Vec::new();
        };
        let base = child(ptr, key);
        let mut out = Vec::new();
        for (i, item) in list.items().iter().enumerate() {
            out.push(self.schema(item, child(&base, &i.to_string()), item.line));
        }
        out
    }
}

/// Declared types with "null" folded away.
fn types(node: &Node) -> Vec<String> {
    match node.get("type").map(|t| &t.value) {
        Some(Value::String(t)) if &**t != "null" => vec![t.to_string()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Node::as_str)
            .filter(|t| *t != "null")
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// A bound from `maximum`, or from a numeric `exclusiveMaximum` (3.1).
fn bound(node: &Node, inclusive: &str, exclusive: &str) -> Option<f64> {
    node.get(inclusive)
        .and_then(Node::as_f64)
        .or_else(|| node.get(exclusive).and_then(Node::as_f64))
}

fn enum_text(node: &Node) -> String {
    node.scalar_text().unwrap_or_else(|| match node.value {
        Value::Null => "null".into(),
        _ => "<structured>".into(),
    })
}

pub fn strings(node: &Node) -> Vec<String> {
    node.items()
        .iter()
        .filter_map(Node::as_str)
        .map(str::to_string)
        .collect()
}
