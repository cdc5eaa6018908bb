//! Component kinds from names and technology words, and replica hints.
//!
//! The name decides first ("Auth Service" is auth, "Order DB" a database);
//! technology notes (C4 `techn`, labels) only name products, because
//! descriptions such as "stores users in Postgres" describe a service's
//! dependency, not the service.

use super::model::ComponentKind as K;
use crate::analysis::markdown::text::has_any;

/// Ordered: the first group whose words match a name wins.
#[rustfmt::skip]
const NAME_GROUPS: &[(K, &[&str])] = &[
    (K::External, &[
        "stripe", "paypal", "adyen", "twilio", "sendgrid", "mailgun", "openai", "anthropic", "gemini",
        "third-party", "third party", "3rd party", "external", "payment provider", "payment gateway",
        "smtp", "email provider", "sms provider", "llm", "saas", "google maps", "slack api",
        "github api",
    ]),
    (K::Auth, &[
        "keycloak", "auth0", "okta", "cognito", "identity provider", "idp", "oauth", "oauth2", "oidc",
        "openid", "active directory", "ldap", "azure ad", "entra id", "sso", "auth", "authn", "authz",
        "authentication", "authorization", "authorisation", "identity", "iam", "login",
    ]),
    (K::Observability, &[
        "prometheus", "grafana", "jaeger", "zipkin", "opentelemetry", "otel", "loki", "tempo",
        "kibana", "logstash", "fluentd", "fluent bit", "fluentbit", "datadog", "new relic", "newrelic",
        "splunk", "cloudwatch", "sentry", "alertmanager", "elk", "monitoring", "observability",
        "logging", "metrics", "tracing", "telemetry", "log aggregator",
    ]),
    (K::Queue, &[
        "kafka", "rabbitmq", "rabbit", "sqs", "sns", "pub/sub", "pubsub", "nats", "activemq",
        "event bus", "eventbridge", "kinesis", "service bus", "event hub", "pulsar", "zeromq",
        "message broker", "message queue", "mq", "queue", "broker", "topic", "event stream",
    ]),
    (K::Cache, &[
        "redis", "memcached", "elasticache", "valkey", "hazelcast", "varnish", "keydb", "dragonfly",
        "cache", "caching",
    ]),
    (K::Database, &[
        "postgres", "postgresql", "mysql", "mariadb", "mongodb", "mongo", "dynamodb", "cassandra",
        "scylladb", "cockroachdb", "aurora", "rds", "sqlite", "neo4j", "oracle db", "sql server",
        "mssql", "couchdb", "couchbase", "firestore", "cosmosdb", "cosmos db", "spanner", "bigtable",
        "timescaledb", "influxdb", "clickhouse", "bigquery", "snowflake", "redshift", "weaviate",
        "pinecone", "qdrant", "milvus", "chromadb", "pgvector", "elasticsearch", "opensearch",
        "database", "db", "datastore", "data store", "rdbms", "data warehouse", "vector store",
    ]),
    (K::Storage, &[
        "s3", "blob storage", "object storage", "gcs", "minio", "file storage", "blob", "bucket",
        "efs", "nfs", "cloud storage", "filesystem", "file system", "storage", "volume",
    ]),
    (K::Gateway, &[
        "api gateway", "gateway", "kong", "apigee", "ingress", "zuul", "api management", "apim", "tyk",
        "envoy", "bff",
    ]),
    (K::LoadBalancer, &[
        "nginx", "haproxy", "load balancer", "load-balancer", "loadbalancer", "elb", "alb", "nlb",
        "traefik", "reverse proxy", "cdn", "cloudflare", "cloudfront", "akamai", "fastly",
    ]),
    (K::Client, &[
        "frontend", "front-end", "front end", "browser", "web app", "webapp", "web application",
        "mobile app", "spa", "web ui", "web client", "ios app", "android app", "client",
    ]),
    (K::Service, &[
        "service", "microservice", "api", "backend", "back-end", "server", "worker", "lambda",
        "function", "app", "application", "consumer", "producer", "processor", "scheduler", "job",
    ]),
    (K::Client, &[
        "user", "customer", "person", "actor", "ui", "cli", "student",
    ]),
];

/// Product names that identify a kind even when found only in notes.
#[rustfmt::skip]
const PRODUCT_KINDS: [K; 8] = [
    K::Auth, K::Observability, K::Queue, K::Cache, K::Database, K::Storage, K::Gateway,
    K::LoadBalancer,
];
#[rustfmt::skip]
const PRODUCTS: &[&[&str]] = &[
    &[
        "keycloak", "auth0", "okta", "cognito", "oauth2 server",
    ],
    &[
        "prometheus", "grafana", "jaeger", "zipkin", "opentelemetry", "loki", "kibana", "datadog",
        "splunk",
    ],
    &[
        "kafka", "rabbitmq", "sqs", "sns", "nats", "activemq", "kinesis", "pulsar",
    ],
    &[
        "redis", "memcached", "elasticache", "valkey", "hazelcast",
    ],
    &[
        "postgres", "postgresql", "mysql", "mariadb", "mongodb", "dynamodb", "cassandra", "sqlite",
        "oracle", "neo4j", "weaviate", "pinecone", "qdrant", "milvus", "elasticsearch", "opensearch",
        "aurora", "rds",
    ],
    &[
        "s3", "minio", "gcs", "azure blob",
    ],
    &[
        "kong", "apigee", "api gateway", "zuul",
    ],
    &[
        "nginx", "haproxy", "traefik", "load balancer", "elb", "alb",
    ],
];

/// The kind a component's name (lowercase words) or notes imply, if any.
pub fn classify(name: &str, notes: &str) -> Option<K> {
    if let Some((kind, _)) = NAME_GROUPS.iter().find(|(_, words)| has_any(name, words)) {
        return Some(*kind);
    }
    PRODUCTS
        .iter()
        .zip(PRODUCT_KINDS)
        .find(|(words, _)| has_any(notes, words))
        .map(|(_, k)| k)
}

#[rustfmt::skip]
const REPLICATED: &[&str] = &[
    "replica", "replicas", "replicated", "replication", "cluster", "clustered", "multi-az", "multi az",
    "multi-region", "high availability", "highly available", "ha", "standby", "hot standby",
    "failover", "primary/secondary", "primary/replica", "patroni", "sentinel", "quorum", "raft",
    "autoscaling", "auto scaling", "autoscaled", "hpa",
];
#[rustfmt::skip]
const UNITS: &[&str] = &[
    "replica", "replicas", "instance", "instances", "node", "nodes", "pod", "pods", "copies", "tasks",
];

/// (explicit instance count, replicated?) from a component's text (lowercase).
pub fn replica_hint(text: &str) -> (Option<u32>, bool) {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let mut count = None;
    for pair in words.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let n = match (a.parse::<u32>(), b.parse::<u32>()) {
            (Ok(n), _) if UNITS.contains(&b) => Some(n),
            (_, Ok(n)) if matches!(a, "replicas" | "instances" | "replicacount" | "nodes") => {
                Some(n)
            }
            _ if matches!(a, "single" | "one")
                && matches!(b, "instance" | "node" | "replica" | "pod" | "server") =>
            {
                Some(1)
            }
            _ if a == "single-instance" || a == "single-node" => Some(1),
            _ => None,
        };
        if n.is_some() {
            count = n;
            break;
        }
    }
    let replicated = count.is_some_and(|n| n > 1) || (count.is_none() && has_any(text, REPLICATED));
    (count, replicated)
}

/// Asynchronous when the label talks about events or messages.
pub fn mode_of(label: &str) -> super::model::Mode {
    if label.trim().is_empty() {
        return super::model::Mode::Sync;
    }
    const ASYNC: &[&str] = &[
        "async",
        "asynchronous",
        "asynchronously",
        "publish*",
        "subscribe*",
        "event*",
        "enqueue*",
        "consume*",
        "emit*",
        "kafka",
        "amqp",
        "queue*",
        "fire and forget",
        "message*",
        "pub/sub",
        "stream*",
    ];
    if has_any(&label.to_lowercase(), ASYNC) {
        super::model::Mode::Async
    } else {
        super::model::Mode::Sync
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decide_before_notes() {
        assert_eq!(classify("auth service", ""), Some(K::Auth));
        assert_eq!(classify("user service", ""), Some(K::Service));
        assert_eq!(classify("api gateway", ""), Some(K::Gateway));
        assert_eq!(classify("order db", ""), Some(K::Database));
        assert_eq!(classify("http client", ""), Some(K::Client));
        assert_eq!(classify("база данных", "postgresql"), Some(K::Database));
        assert_eq!(classify("zookeeper", ""), None);
    }

    #[test]
    fn replica_hints() {
        assert_eq!(replica_hint("postgres with 3 replicas"), (Some(3), true));
        assert_eq!(replica_hint("replicas: 2"), (Some(2), true));
        assert_eq!(replica_hint("runs as a single instance"), (Some(1), false));
        assert_eq!(replica_hint("primary with read replica"), (None, true));
        assert_eq!(replica_hint("plain"), (None, false));
    }
}
