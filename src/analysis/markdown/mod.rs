//! Markdown design documents: the normaliser ([`parse`] → [`MdDoc`]) and the
//! `FL-DOC` rules ([`rules`]).
//!
//! The parser is pulldown-cmark (linear time, no recursion on nesting) driven
//! through its offset iterator; offsets become 1-based lines.
//!
//! # Design docs versus architecture documents
//!
//! Architecture documents are Markdown too. The section rules (security,
//! scaling, rollback, SLOs...) do **not** run on them: an architecture
//! description is judged on its model by the `FL-ARC` rules (no auth
//! component, no observability, no backups), and asking a diagram for a
//! "rollback section" would be noise. The hygiene rules that hold for any
//! engineering text (unresolved TODO/TBD markers, open questions, empty
//! sections, unchecked checklists) do: [`rules_for_architecture`] lists them,
//! and the pipeline runs them on `ArchModel::doc`.

mod model;
mod negation;
mod parse;
pub mod rules;
pub mod shape;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod tests_support;
pub mod text;

pub use model::{CheckItem, CodeBlock, Marker, MarkerKind, MdDoc, Section, Table};
pub use parse::{check_input, parse};
pub use rules::{rules, rules_for_architecture};
