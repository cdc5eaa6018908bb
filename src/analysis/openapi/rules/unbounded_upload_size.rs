//! FL-OAS-037: Upload without a size limit.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A file/binary request body has no documented size limit.
///
/// ## What it checks
/// Request bodies with `multipart/*`, `application/octet-stream`, `image/*`, `video/*` or
/// `audio/*` media types, or binary/byte string schemas, where no binary schema has `maxLength`
/// and the operation has no `413` response.
///
/// ## Why it matters
/// Unbounded uploads exhaust disk, memory and bandwidth; clients only learn the real limit from
/// a proxy error.
///
/// ## Example
///
/// ```yaml
/// requestBody:
///   content: {application/octet-stream: {schema: {type: string, format: binary}}}
/// ```
///
/// ## Fix
/// Declare `maxLength` on the binary schema (or describe the limit) and document `413 Content
/// Too Large`.
pub struct UnboundedUploadSize;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-037",
    title: "Upload without a size limit",
    category: Category::Performance,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Unbounded uploads exhaust disk, memory and bandwidth; clients only learn the real limit from a proxy error.",
    remediation: "Declare `maxLength` on the binary schema (or describe the limit) and document `413 Content Too Large`.",
};

impl Rule<Spec> for UnboundedUploadSize {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut examined = 0;
        for op in &spec.operations {
            let Some(body) = &op.request_body else {
                continue;
            };
            // The body itself or its direct fields (multipart parts); deeper byte strings are data, not uploads.
            let roots = spec.body_roots(op);
            let fields = roots
                .iter()
                .flat_map(|id| spec.all_properties(*id))
                .map(|p| p.schema);
            let binary: Vec<bool> = roots
                .iter()
                .copied()
                .chain(fields)
                .filter_map(|id| spec.schema(id))
                .filter(|s| {
                    s.has_type("string") && matches!(s.format.as_deref(), Some("binary" | "byte"))
                        || s.has_type("file")
                })
                .map(|s| s.max_length.is_some())
                .collect();
            let media = body.content.iter().any(|m| {
                [
                    "multipart/",
                    "application/octet-stream",
                    "image/",
                    "video/",
                    "audio/",
                ]
                .iter()
                .any(|p| m.name.starts_with(p))
            });
            if !media && binary.is_empty() {
                continue;
            }
            examined += 1;
            if !binary.iter().any(|b| *b) && !op.has_status(|s| s == "413") {
                sink.report(
                    &META,
                    body.loc.location(),
                    format!("{} accepts uploads of any size", op.label()),
                );
            }
        }
        sink.examined(&META, n(examined));
    }
}
