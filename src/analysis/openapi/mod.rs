//! The OpenAPI family: normalises Swagger 2.0 / OpenAPI 3.0 / 3.1 documents
//! (JSON or YAML) into one typed [`Spec`] with source positions, and runs the
//! `FL-OAS-*` rules over it.
//!
//! Layout: `node` (raw tree with lines), `json` and `yaml` (readers),
//! `resolve` (`$ref`s), `schema`, `security`, `operations`, `media` and `build`
//! (normalisation), `model` (the typed model), `parse` (entry point),
//! `coverage` (chart ratios and endpoint list), `rules` (one rule per file).

mod build;
pub mod coverage;
mod json;
mod media;
mod memo;
pub mod model;
pub mod node;
mod operations;
mod parse;
pub mod query;
mod resolve;
pub mod rules;
mod schema;
mod security;
mod yaml;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod parse_tests;
#[cfg(test)]
mod reader_tests;
#[cfg(test)]
mod tests;

pub use coverage::{Coverage, coverage, endpoints};
pub use model::{Format, Spec, Version};
pub use parse::{looks_like_openapi, parse};
pub use rules::rules;
