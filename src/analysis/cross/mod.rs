//! Cross-artifact checks: a design or architecture document against the
//! OpenAPI spec submitted with it (metadata `spec`) or embedded in it.
//!
//! The pipeline fills [`CrossInput`] from the OpenAPI family (operations as
//! `(METHOD, path)` pairs, and whether the spec secures its operations);
//! this module extracts the endpoints the document mentions
//! ([`doc_endpoints`]) and compares. Paths match modulo parameter names
//! (`{id}`, `{userId}`, `:id` are one segment) and a base-path prefix
//! (`/api/v1/users` in the doc matches `/users` in the spec).

pub mod endpoints;
pub mod rules;
#[cfg(test)]
mod tests;

pub use endpoints::{DocEndpoint, doc_endpoints, embedded_spec, path_matches};
pub use rules::rules;

use crate::analysis::architecture::ArchModel;
use crate::analysis::markdown::MdDoc;

/// What the cross-artifact rules read.
pub struct CrossInput<'a> {
    pub doc: &'a MdDoc,
    pub arch: Option<&'a ArchModel>,
    /// The spec's operations: (METHOD in capitals, path as written in the spec).
    pub endpoints: &'a [(String, String)],
    /// Whether the spec secures its operations (security schemes applied).
    pub spec_secured: bool,
}
