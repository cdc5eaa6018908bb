//! FL-DOC-004: No monitoring and alerting section.

use super::topic::{Topic, check_topic};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No monitoring and alerting section.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) with no heading about monitoring and alerting
/// and fewer than two distinct monitoring and alerting terms in its text.
///
/// ## Why it matters
///
/// If the design does not say what is measured and who is paged, the first sign of a
/// failure is a customer complaint.
///
/// ## Example
///
/// ```markdown
/// # Notification fan-out
/// ## Overview
/// ## Design
/// ## API
/// ```
///
/// ## Fix
///
/// Add a Monitoring and alerting section: the key metrics (latency, errors, saturation),
/// the dashboards, the alerts with their thresholds and who receives them.
pub struct NoMonitoringSection;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-004",
    title: "No monitoring and alerting section",
    category: Category::Operability,
    severity: Severity::High,
    confidence: 0.7,
    rationale: "If the design does not say what is measured and who is paged, the first sign of a failure is a customer complaint.",
    remediation: "Add a Monitoring and alerting section: the key metrics (latency, errors, saturation), the dashboards, the alerts with their thresholds and who receives them.",
};

impl Rule<MdDoc> for NoMonitoringSection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        check_topic(
            doc,
            &META,
            &Topic {
                name: "monitoring and alerting",
                headings: &[
                    "monitoring",
                    "alerting",
                    "alerts",
                    "observability",
                    "metrics",
                    "telemetry",
                    "dashboards",
                ],
                terms: &[
                    "monitor*",
                    "alert*",
                    "metrics",
                    "dashboard*",
                    "tracing",
                    "prometheus",
                    "grafana",
                    "opentelemetry",
                    "datadog",
                    "pager*",
                    "on-call",
                ],
            },
            sink,
        );
    }
}
