//! Bodies and responses: 3.x `content` maps, request bodies, responses and
//! their headers, and the Swagger 2.0 `consumes`/`produces` fallbacks that
//! turn a bare `schema` into media types.

use super::model::{Header, Loc, MediaType, RequestBody, Response, SchemaId, TextKind, Version};
use super::node::{Node, child};
use super::resolve::Ctx;
use super::schema::strings;

impl<'a> Ctx<'a> {
    /// 2.0 `consumes`/`produces` of the operation, else of the document.
    pub(super) fn consumes(&self, node: &Node, key: &str) -> Vec<String> {
        let list = node
            .get(key)
            .or_else(|| self.root.get(key))
            .map(strings)
            .unwrap_or_default();
        if list.is_empty() {
            vec!["application/json".into()]
        } else {
            list
        }
    }

    pub(super) fn media_for(
        &self,
        node: &Node,
        key: &str,
        schema: Option<SchemaId>,
        loc: &Loc,
    ) -> Vec<MediaType> {
        self.consumes(node, key)
            .into_iter()
            .map(|name| MediaType {
                loc: loc.clone(),
                name,
                schema,
                has_example: false,
            })
            .collect()
    }

    pub(super) fn request_body(
        &mut self,
        node: &'a Node<'a>,
        ptr: &str,
        line: u32,
    ) -> Option<RequestBody> {
        let (body, ptr, line) = self.deref(node, ptr, line)?;
        self.field(TextKind::Description, body, "description", &ptr);
        Some(RequestBody {
            required: body.bool_at("required"),
            description: body.str_at("description").map(str::to_string),
            content: self.content(body.get("content"), &child(&ptr, "content")),
            loc: Loc::new(line, ptr),
        })
    }

    /// A 3.x `content` map.
    pub fn content(&mut self, node: Option<&'a Node<'a>>, ptr: &str) -> Vec<MediaType> {
        let mut out = Vec::new();
        for e in node.map(Node::entries).unwrap_or_default() {
            let m_ptr = child(ptr, e.key);
            let schema = e
                .value
                .entry("schema")
                .map(|s| self.schema(&s.value, child(&m_ptr, "schema"), s.line));
            self.field(TextKind::Example, &e.value, "example", &m_ptr);
            for ex in e
                .value
                .get("examples")
                .map(Node::entries)
                .unwrap_or_default()
            {
                self.field(
                    TextKind::Example,
                    &ex.value,
                    "value",
                    &child(&child(&m_ptr, "examples"), ex.key),
                );
            }
            let has_example = e.value.get("example").is_some() || e.value.get("examples").is_some();
            out.push(MediaType {
                loc: Loc::new(e.line, m_ptr),
                name: e.key.to_string(),
                schema,
                has_example,
            });
        }
        out
    }

    pub(super) fn responses(&mut self, op: &'a Node<'a>, op_ptr: &str) -> Vec<Response> {
        let base = child(op_ptr, "responses");
        let mut out = Vec::new();
        for e in op.get("responses").map(Node::entries).unwrap_or_default() {
            if e.key.starts_with("x-") {
                continue;
            }
            let ptr = child(&base, e.key);
            let Some((r, r_ptr, _)) = self.deref(&e.value, &ptr, e.line) else {
                continue;
            };
            let loc = Loc::new(e.line, ptr);
            self.field(TextKind::Description, r, "description", &r_ptr);
            let content = if self.version == Version::Swagger2 {
                let schema = r
                    .entry("schema")
                    .map(|s| self.schema(&s.value, child(&r_ptr, "schema"), s.line));
                let mut media = if schema.is_some() {
                    self.media_for(op, "produces", schema, &loc)
                } else {
                    Vec::new()
                };
                media
                    .iter_mut()
                    .for_each(|m| m.has_example = r.get("examples").is_some());
                media
            } else {
                self.content(r.get("content"), &child(&r_ptr, "content"))
            };
            let headers = self.headers(r, &r_ptr);
            out.push(Response {
                loc,
                status: e.key.to_string(),
                description: r.str_at("description").map(str::to_string),
                headers,
                content,
            });
        }
        out
    }

    fn headers(&mut self, response: &'a Node<'a>, ptr: &str) -> Vec<Header> {
        let base = child(ptr, "headers");
        let mut out = Vec::new();
        for e in response
            .get("headers")
            .map(Node::entries)
            .unwrap_or_default()
        {
            let h_ptr = child(&base, e.key);
            let Some((h, h_ptr, line)) = self.deref(&e.value, &h_ptr, e.line) else {
                continue;
            };
            let schema = match (self.version, h.entry("schema")) {
                (Version::Swagger2, _) => Some(self.schema(h, h_ptr.clone(), line)),
                (_, Some(s)) => Some(self.schema(&s.value, child(&h_ptr, "schema"), s.line)),
                (_, None) => None,
            };
            out.push(Header {
                loc: Loc::new(e.line, h_ptr),
                name: e.key.to_string(),
                schema,
            });
        }
        out
    }
}
