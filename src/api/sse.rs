//! The Server-Sent Events payload of `GET /jobs/{id}/events/stream`.
//!
//! poem-openapi describes an event stream as an array of items, which no
//! client or validator reads that way: each message on the wire is
//! `id`/`event`/`data` lines. This payload gives the body no type, so
//! generated clients hand it over as text (with an object schema they parsed
//! it as one JSON value and failed), and `with_item_schema` adds each
//! message's shape as `x-itemSchema`: OpenAPI 3.2's `itemSchema` under an
//! extension name, since a 3.0 document may hold no other unknown field
//! (strict validators and generators refuse the whole document).
//! `scripts/test-clients.sh` gives Schemathesis a copy that calls it
//! `itemSchema`, so every event is checked against it. The stream is sent
//! unchanged.

use futures_util::stream::BoxStream;
use poem::{IntoResponse, Response};
use poem_openapi::payload::{EventStream, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::Type;

use super::models::EventView;

pub struct EventMessages(pub EventStream<BoxStream<'static, EventView>>);

impl Payload for EventMessages {
    const CONTENT_TYPE: &'static str = "text/event-stream";

    fn schema_ref() -> MetaSchemaRef {
        // No type: generated clients hand over the text as it comes (with an
        // object they parsed it as JSON and failed), and validators read it
        // as the whole stream, each event being checked against `x-itemSchema`.
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            description: Some(
                "Server-Sent Events: one message per event of the job's log, in order; the stream \
                 closes after the terminal event. Each message is `id: <the event's entry id in the \
                 job's stream; resume with Last-Event-ID>`, `event: <the event type: queued, started, \
                 progress, completed, ...>` and `data: <the EventView, as JSON>` lines, then a blank line. \
                 An entry of the log that is not an event is left out (`GET /jobs/{job_id}/events` lists \
                 it under `malformed`)",
            ),
            ..MetaSchema::ANY
        }))
    }

    fn register(registry: &mut Registry) {
        EventView::register(registry);
    }
}

impl IntoResponse for EventMessages {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

/// One message of the stream, as `x-itemSchema` describes it.
fn item_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "required": ["id", "event", "data"],
        "properties": {
            "id": {"type": "string", "description": "the event's entry id in the job's stream (resume with Last-Event-ID)"},
            "event": {"type": "string", "description": "the event type, e.g. queued, started, progress, completed"},
            "data": {"type": "string", "description": "the EventView, as JSON"}
        }
    })
}

/// The spec text (poem-openapi's JSON or YAML) with `x-itemSchema` added to
/// every `text/event-stream` media type. poem-openapi has no field for it,
/// so it is spliced in as a line of flow-style JSON, valid in both formats.
pub fn with_item_schema(spec: &str) -> String {
    let item = item_schema().to_string();
    let mut out = String::with_capacity(spec.len() + 2 * item.len());
    for line in spec.lines() {
        out.push_str(line);
        out.push('\n');
        let body = line.trim_start();
        let indent = " ".repeat(line.len() - body.len() + 2);
        if body == "\"text/event-stream\": {" {
            out.push_str(&format!("{indent}\"x-itemSchema\": {item},\n"));
        } else if body == "text/event-stream:" {
            out.push_str(&format!("{indent}x-itemSchema: {item}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_spec_formats_carry_the_item_schema_of_the_stream() {
        let json: serde_json::Value = serde_json::from_str(&crate::api::spec_json()).unwrap();
        let media = &json["paths"]["/jobs/{job_id}/events/stream"]["get"]["responses"]["200"]["content"]
            ["text/event-stream"];
        assert!(media["schema"].get("type").is_none(), "{media}");
        assert_eq!(media["x-itemSchema"], super::item_schema());
        assert!(
            media.get("itemSchema").is_none(),
            "not a 3.0 field: {media}"
        );
        let yaml = crate::api::spec_yaml();
        assert_eq!(yaml.matches("x-itemSchema: {").count(), 1, "{yaml:.200}");
    }
}
