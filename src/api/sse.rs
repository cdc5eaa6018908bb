//! The Server-Sent Events payload of `GET /jobs/{id}/events/stream`.
//!
//! poem-openapi describes an event stream as an array of items, which no
//! client or validator reads that way: each message on the wire is
//! `id`/`event`/`data` lines. This payload documents one such message (its
//! `data` being an EventView as JSON) and sends the stream unchanged.

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
        let text = |description: &'static str| {
            MetaSchemaRef::Inline(Box::new(MetaSchema {
                description: Some(description),
                ..MetaSchema::new("string")
            }))
        };
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            description: Some(
                "One SSE message per event of the job's log, in order; the stream closes after the terminal event",
            ),
            required: vec!["id", "event", "data"],
            properties: vec![
                (
                    "id",
                    text("the event's entry id in the job's stream (resume with Last-Event-ID)"),
                ),
                (
                    "event",
                    text("the event type, e.g. queued, started, progress, completed"),
                ),
                ("data", text("the EventView, as JSON")),
            ],
            ..MetaSchema::new("object")
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
