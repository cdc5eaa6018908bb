//! The closed vocabularies and the times of the responses, as the spec
//! declares them: a job's `status` and an event's `type` are enums, and
//! times are `format: date-time`, so generated clients get an enum and a
//! date instead of plain strings. The JSON sent is the same text as
//! before (DESIGN.md §3).

use std::borrow::Cow;

use poem_openapi::Enum;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

use crate::engine::{EventType, JobStatus};

/// Declares an API enum mirroring an engine enum: the same variants,
/// converted both ways (a variant added to one side and not the other fails
/// to build).
macro_rules! mirrored_enum {
    ($(#[$meta:meta])* pub enum $api:ident mirrors $engine:ty { $($variant:ident),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
        $(#[$meta])*
        pub enum $api { $($variant),+ }

        impl From<$engine> for $api {
            fn from(v: $engine) -> Self {
                match v { $(<$engine>::$variant => $api::$variant),+ }
            }
        }

        impl From<$api> for $engine {
            fn from(v: $api) -> Self {
                match v { $($api::$variant => <$engine>::$variant),+ }
            }
        }
    };
}

mirrored_enum! {
    /// Where a job is in its life.
    #[oai(rename = "JobStatus", rename_all = "lowercase")]
    pub enum Status mirrors JobStatus { Queued, Running, Completed, Failed, Cancelled }
}

mirrored_enum! {
    /// What an event records.
    #[oai(rename = "EventType", rename_all = "snake_case")]
    pub enum EventKind mirrors EventType {
        Queued,
        CacheHit,
        Started,
        Progress,
        Completed,
        RetryScheduled,
        DeadLettered,
        Failed,
        Cancelled,
        Feedback,
    }
}

impl EventKind {
    /// The name stored in the log and sent as the SSE `event:` field.
    pub fn as_str(self) -> &'static str {
        EventType::from(self).as_str()
    }
}

/// A time as RFC 3339 text in UTC with milliseconds (`models::rfc3339`,
/// which sorts as a string), declared as a `date-time`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub String);

impl Timestamp {
    pub fn from_ms(ms: i64) -> Self {
        Timestamp(super::models::rfc3339(ms))
    }
}

impl Type for Timestamp {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string_date-time".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date-time")))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl ToJSON for Timestamp {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

impl ParseFromJSON for Timestamp {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(s)) => Ok(Timestamp(s)),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_enums_send_the_names_the_engine_stores() {
        for status in JobStatus::ALL {
            let sent = Status::from(status).to_json();
            assert_eq!(sent, Some(Value::String(status.as_str().into())));
            assert_eq!(JobStatus::from(Status::from(status)), status);
        }
        for kind in EventType::ALL {
            let sent = EventKind::from(kind).to_json();
            assert_eq!(sent, Some(Value::String(kind.as_str().into())));
            assert_eq!(EventKind::from(kind).as_str(), kind.as_str());
        }
    }

    #[test]
    fn timestamps_are_sent_as_their_text_and_declared_date_times() {
        let t = Timestamp::from_ms(1_700_000_000_520);
        assert_eq!(
            t.to_json(),
            Some(Value::String("2023-11-14T22:13:20.520Z".into()))
        );
        let MetaSchemaRef::Inline(schema) = Timestamp::schema_ref() else {
            panic!("inline schema")
        };
        assert_eq!((schema.ty, schema.format), ("string", Some("date-time")));
    }
}
