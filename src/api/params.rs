//! The `job_id` path parameter as a type of its own: its schema carries the
//! ULID pattern, and parsing checks it with `JobId::from_str`. (A poem-openapi
//! `pattern` validator compiles its regex on every request: a fifth of the
//! CPU of `GET /jobs/{id}`.)

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromParameter, ParseResult, Type};

use crate::engine::JobId;

/// The type name poem-openapi puts in a parse error of this parameter.
pub const JOB_ID_TYPE: &str = "string(ulid)";

/// A job id: a 26-character ULID.
pub struct JobIdParam(pub JobId);

impl Type for JobIdParam {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        JOB_ID_TYPE.into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            pattern: Some("^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$".to_string()),
            ..MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromParameter for JobIdParam {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        value
            .parse()
            .map(JobIdParam)
            .map_err(|e: crate::engine::ids::InvalidJobId| ParseError::custom(e.to_string()))
    }
}
