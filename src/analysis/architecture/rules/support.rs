//! Helpers shared by the `FL-ARC` rules: locations and the word lists that
//! say a concern is addressed somewhere in the document.

use crate::analysis::architecture::{ArchModel, Component, ComponentKind};
use crate::analysis::model::Location;

/// Location of a component finding: its line and name.
pub fn at(c: &Component) -> Location {
    Location {
        line: Some(c.line),
        pointer: Some(c.name.clone()),
    }
}

/// Location of a whole-document finding: the first diagram, else the title.
pub fn doc_at(m: &ArchModel) -> Location {
    let line = m
        .diagrams
        .first()
        .map(|d| d.line)
        .or_else(|| m.doc.sections.first().map(|s| s.line))
        .unwrap_or(1);
    Location {
        line: Some(line),
        pointer: Some("architecture".into()),
    }
}

/// Services recognised as such (unclassified diagram nodes are not counted).
pub fn services(m: &ArchModel) -> usize {
    m.components
        .iter()
        .filter(|c| c.kind == ComponentKind::Service && c.classified)
        .count()
}

/// Components that are part of the system (not its users).
pub fn server_side(m: &ArchModel) -> usize {
    m.server_side()
}

/// Words that show the document addresses a concern.
#[rustfmt::skip]
pub const REPLICATION: &[&str] = &[
    "replica*", "replication", "replicated", "multi-az", "multi az", "failover", "standby", "cluster*",
    "patroni", "read replica*", "primary/secondary", "sentinel", "quorum",
];
#[rustfmt::skip]
pub const AUTH: &[&str] = &[
    "authentication", "authenticat*", "authorization", "authorisation", "authn", "authz", "oauth*",
    "oidc", "openid", "jwt", "api key*", "api-key*", "saml", "sso", "keycloak", "cognito", "auth0",
    "okta", "identity provider", "mtls", "login", "bearer",
];
#[rustfmt::skip]
pub const OBSERVABILITY: &[&str] = &[
    "monitor*", "metrics", "logging", "logs", "tracing", "prometheus", "grafana", "opentelemetry",
    "jaeger", "datadog", "cloudwatch", "observability", "alert*", "telemetry", "new relic", "splunk",
    "sentry",
];
#[rustfmt::skip]
pub const TRACING: &[&str] = &[
    "tracing", "traces", "trace id*", "jaeger", "zipkin", "opentelemetry", "otel", "x-ray",
    "correlation id*", "correlation-id", "request id*", "tempo", "distributed trac*",
];
#[rustfmt::skip]
pub const BACKUP: &[&str] = &[
    "backup*", "back up", "backed up", "snapshot*", "disaster recovery", "point-in-time", "pitr",
    "rpo", "rto", "restore*", "geo-redundant", "cross-region", "dr plan", "dr site",
];
#[rustfmt::skip]
pub const RESILIENCE: &[&str] = &[
    "timeout*", "time out", "time-out", "retry", "retries", "retried", "circuit breaker*",
    "circuit-breaker*", "fallback*", "bulkhead*", "backoff", "back-off",
];
#[rustfmt::skip]
pub const RATE_LIMIT: &[&str] = &[
    "rate limit*", "rate-limit*", "ratelimit*", "throttl*", "quota*", "429", "waf", "ddos",
];
#[rustfmt::skip]
pub const HEALTH: &[&str] = &[
    "health*", "readiness", "liveness", "probe*", "heartbeat*", "healthz", "/health",
];
#[rustfmt::skip]
pub const DEAD_LETTER: &[&str] = &[
    "dead letter*", "dead-letter*", "dlq", "dlx", "poison", "retry topic*", "retry queue*",
    "parking lot", "redrive",
];
#[rustfmt::skip]
pub const TRANSPORT: &[&str] = &[
    "tls", "https", "ssl", "mtls", "encrypt*", "certificate*", "wss",
];
#[rustfmt::skip]
pub const AT_REST: &[&str] = &[
    "encrypt*", "kms", "at rest", "at-rest", "tde",
];
#[rustfmt::skip]
pub const ALERTING: &[&str] = &[
    "alert*", "pager*", "on-call", "oncall", "opsgenie", "pagerduty", "alertmanager", "incident*",
];
#[rustfmt::skip]
pub const SCALING: &[&str] = &[
    "replica*", "autoscal*", "auto-scal*", "horizontal*", "scale out", "scale-out", "scales out",
    "instances", "hpa", "load balanc*", "kubernetes", "k8s", "cluster*", "scaling", "scalab*",
    "serverless", "lambda",
];
#[rustfmt::skip]
pub const AVAILABILITY_CLAIM: &[&str] = &[
    "99.9*", "99.95%", "99.99%", "highly available", "high availability", "high-availability",
    "fault tolerant", "fault-tolerant", "zero downtime", "zero-downtime", "no single point of failure",
];
