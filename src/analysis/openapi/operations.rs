//! Normalises `paths` into [`Operation`]s: merges path-level parameters,
//! resolves parameter/body/response/header references, and maps Swagger 2.0
//! body and formData parameters onto request bodies.

use super::model::{
    Additional, Loc, MediaType, Method, Operation, ParamIn, Parameter, PathItem, RequestBody,
    Schema, SchemaId, TextKind, Version,
};
use super::node::{Node, child};
use super::resolve::Ctx;
use super::schema::strings;
use super::security::requirements;

impl<'a> Ctx<'a> {
    /// Every path item and operation under `key` ("paths" or "webhooks").
    pub fn paths(&mut self, key: &str) -> (Vec<PathItem>, Vec<Operation>) {
        let (mut items, mut ops) = (Vec::new(), Vec::new());
        let Some(paths) = self.root.get(key) else {
            return (items, ops);
        };
        for e in paths.entries() {
            if e.key.starts_with("x-") {
                continue;
            }
            let ptr = child(&format!("/{key}"), e.key);
            items.push(PathItem {
                loc: Loc::new(e.line, ptr.clone()),
                path: e.key.to_string(),
            });
            let Some((item, item_ptr, _)) = self.deref(&e.value, &ptr, e.line) else {
                continue;
            };
            let shared = self.parameter_nodes(item, &item_ptr);
            for method in Method::ALL {
                if let Some(op) = item.entry(method.key()) {
                    let op_ptr = child(&item_ptr, method.key());
                    let loc = Loc::new(op.line, op_ptr);
                    ops.push(self.operation(&op.value, loc, method, e.key, &shared));
                }
            }
        }
        (items, ops)
    }

    /// Resolved parameter objects listed under `node.parameters`.
    fn parameter_nodes(&mut self, node: &'a Node<'a>, ptr: &str) -> Vec<(&'a Node<'a>, Loc)> {
        let base = child(ptr, "parameters");
        let mut out = Vec::new();
        for (i, p) in node
            .get("parameters")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let Some((n, p_ptr, line)) = self.deref(p, &child(&base, &i.to_string()), p.line) {
                out.push((n, Loc::new(line, p_ptr)));
            }
        }
        out
    }

    fn operation(
        &mut self,
        node: &'a Node<'a>,
        loc: Loc,
        method: Method,
        path: &str,
        shared: &[(&'a Node<'a>, Loc)],
    ) -> Operation {
        let own = self.parameter_nodes(node, &loc.pointer);
        // Operation-level parameters override path-level ones with the same name and location.
        let mut merged: Vec<(&Node, Loc)> = shared
            .iter()
            .filter(|(s, _)| {
                !own.iter().any(|(o, _)| {
                    o.str_at("name") == s.str_at("name") && o.str_at("in") == s.str_at("in")
                })
            })
            .cloned()
            .collect();
        merged.extend(own);
        self.field(TextKind::Description, node, "description", &loc.pointer);
        self.field(TextKind::Description, node, "summary", &loc.pointer);
        let mut op = Operation {
            loc: loc.clone(),
            method,
            path: path.to_string(),
            operation_id: node.str_at("operationId").map(str::to_string),
            summary: node.str_at("summary").map(str::to_string),
            description: node.str_at("description").map(str::to_string),
            tags: node.get("tags").map(strings).unwrap_or_default(),
            deprecated: node.bool_at("deprecated"),
            parameters: Vec::new(),
            request_body: None,
            responses: Vec::new(),
            security: node
                .get("security")
                .map(|s| requirements(s, &child(&loc.pointer, "security"))),
            extensions: node
                .entries()
                .iter()
                .filter(|e| e.key.starts_with("x-"))
                .map(|e| e.key.to_string())
                .collect(),
        };
        self.parameters(&mut op, node, merged);
        if let Some(body) = node.entry("requestBody") {
            op.request_body =
                self.request_body(&body.value, &child(&loc.pointer, "requestBody"), body.line);
        }
        op.responses = self.responses(node, &loc.pointer);
        op
    }

    fn parameters(
        &mut self,
        op: &mut Operation,
        node: &'a Node<'a>,
        params: Vec<(&'a Node<'a>, Loc)>,
    ) {
        let mut form: Vec<(String, u32, SchemaId)> = Vec::new();
        for (p, loc) in params {
            let name = p.str_at("name").unwrap_or_default().to_string();
            self.field(TextKind::Description, p, "description", &loc.pointer);
            self.field(TextKind::Example, p, "example", &loc.pointer);
            match p.str_at("in").unwrap_or_default() {
                "body" => {
                    let schema = p
                        .entry("schema")
                        .map(|s| self.schema(&s.value, child(&loc.pointer, "schema"), s.line));
                    let content = self.media_for(node, "consumes", schema, &loc);
                    op.request_body = Some(RequestBody {
                        loc,
                        required: p.bool_at("required"),
                        description: p.str_at("description").map(str::to_string),
                        content,
                    });
                }
                "formData" => {
                    let schema = self.schema(p, loc.pointer.clone(), loc.line);
                    form.push((name, loc.line, schema));
                }
                other => op.parameters.push(self.parameter(p, loc, name, other)),
            }
        }
        if !form.is_empty() {
            self.form_body(op, node, form);
        }
    }

    fn parameter(&mut self, p: &'a Node<'a>, loc: Loc, name: String, location: &str) -> Parameter {
        let schema = if self.version == Version::Swagger2 {
            Some(self.schema(p, loc.pointer.clone(), loc.line))
        } else if let Some(s) = p.entry("schema") {
            Some(self.schema(&s.value, child(&loc.pointer, "schema"), s.line))
        } else {
            self.content(p.get("content"), &child(&loc.pointer, "content"))
                .into_iter()
                .find_map(|m| m.schema)
        };
        Parameter {
            name,
            location: match location {
                "query" => ParamIn::Query,
                "header" => ParamIn::Header,
                "path" => ParamIn::Path,
                "cookie" => ParamIn::Cookie,
                _ => ParamIn::Other,
            },
            required: p.bool_at("required"),
            description: p.str_at("description").map(str::to_string),
            deprecated: p.bool_at("deprecated"),
            schema,
            has_example: ["example", "examples", "x-example"]
                .iter()
                .any(|k| p.get(k).is_some()),
            loc,
        }
    }

    /// Swagger 2.0 formData parameters become one object-typed request body.
    /// The body is closed: Swagger 2.0 lists every form field as its own
    /// parameter and has no way to admit others, so "accepts any other
    /// property" (FL-OAS-018) would be a finding nobody can fix.
    fn form_body(
        &mut self,
        op: &mut Operation,
        node: &'a Node<'a>,
        form: Vec<(String, u32, SchemaId)>,
    ) {
        let loc = Loc::new(form[0].1, child(&op.loc.pointer, "parameters"));
        let properties = form
            .iter()
            .map(|(n, l, s)| super::model::Property {
                name: n.clone(),
                line: *l,
                schema: *s,
            })
            .collect();
        self.schemas.push(Schema {
            loc: loc.clone(),
            types: vec!["object".into()],
            properties,
            additional: Additional::Forbidden,
            ..Schema::default()
        });
        let id = self.schemas.len() - 1;
        let consumes = self.consumes(node, "consumes");
        let name = consumes
            .into_iter()
            .find(|c| c.contains("form"))
            .unwrap_or_else(|| "application/x-www-form-urlencoded".into());
        let media = MediaType {
            loc: loc.clone(),
            name,
            schema: Some(id),
            has_example: false,
        };
        op.request_body = Some(RequestBody {
            loc,
            required: true,
            description: None,
            content: vec![media],
        });
    }
}

#[cfg(test)]
mod form_tests {
    use super::super::model::{Additional, Format};
    use super::super::{parse, rules};
    use crate::analysis::request::Limits;
    use crate::analysis::rule::Sink;

    const UPLOAD: &str = "swagger: '2.0'\ninfo: {title: Files, version: '1'}\nconsumes: [multipart/form-data]\npaths:\n  /files:\n    post:\n      parameters:\n        - {name: file, in: formData, type: file, required: true}\n        - {name: note, in: formData, type: string}\n      responses:\n        '201': {description: created}\n";

    #[test]
    fn a_form_body_is_closed_and_not_reported_as_open() {
        let spec = parse(UPLOAD, Format::Yaml, &Limits::default()).expect("parses");
        let body = spec.operations[0].request_body.as_ref().expect("form body");
        let schema = &spec.schemas[body.content[0].schema.expect("schema")];
        assert_eq!(schema.properties.len(), 2);
        assert_eq!(schema.additional, Additional::Forbidden);
        let mut sink = Sink::new();
        for rule in rules().iter().filter(|r| r.meta().id == "FL-OAS-018") {
            rule.check(&spec, &mut sink);
        }
        assert!(sink.findings().is_empty(), "{:?}", sink.findings());
    }
}
